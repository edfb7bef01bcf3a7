"""Scans read by offline OCR: at least 99% of cells right with every other cell flagged,
broken PDF text layers and tables pasted as pictures read by OCR, the models loaded from
the installed package (nothing fetched), and images that are not reports refused."""
from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.support import pdf_corpus as C
from tests.support.roundtrip_util import differences
from nianbao import check
from nianbao.errors import LimitExceeded, NotAReport, UnreadableInput
from nianbao.model import Finding
from nianbao.parsing.pipeline import parse, parse_document
from nianbao.parsing.readers import ocr, ocr_models, read
from nianbao.parsing.readers.boxes import Box, TextBox, align_columns
from nianbao.parsing.readers.pages import PageLayout, TextLine
from nianbao.render.report import render

pytestmark = pytest.mark.slow


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def sources() -> dict[str, tuple]:
    """Two generated reports (2021 and 2019 formats) as text-layer PDFs."""
    out = {}
    for name, seed, template in (("a", 201, "2021"), ("b", 202, "2019")):
        rec, prose = C.record(seed, template)
        out[name] = (rec, prose, C.docx_pdf(rec, prose))
    return out


@pytest.fixture(scope="module")
def scans(sources) -> dict[str, tuple]:
    """name -> (record, file bytes): whole reports scanned as a multi-page TIFF, an
    image-only PDF and one long PNG screenshot."""
    rec_a, _, pdf_a = sources["a"]
    rec_b, _, pdf_b = sources["b"]
    return {
        "tiff": (rec_a, C.tiff(C.scan(pdf_a, dpi=150, angle=0.8, noise=8, seed=1))),
        "image-pdf": (rec_b, C.image_pdf(C.scan(pdf_b, dpi=200, angle=-0.5, noise=4, seed=2), 200)),
        "long-png": (rec_b, C.long_image(C.scan(pdf_b, dpi=150, noise=5, seed=3), "PNG")),
    }


@pytest.fixture(scope="module")
def scanned(scans) -> dict[str, tuple]:
    """name -> (record, Document, Report): each scan read once."""
    out = {}
    for name, (rec, data) in scans.items():
        doc = read(data)
        out[name] = (rec, doc, parse_document(doc))
    return out


def _cells(rec) -> int:
    return sum(len(v) for t in ("table2", "table3", "table4") for v in getattr(rec, t).values())


def _wrong_cells(report, rec) -> list[tuple[str, str, object]]:
    out = []
    for table in ("table2", "table3", "table4"):
        for key, want in getattr(rec, table).items():
            got = getattr(report, table).get(key)
            pairs = enumerate(want) if isinstance(want, list) else want.items()
            for col, value in pairs:
                have = None if got is None else (got[col] if isinstance(got, list) else got.get(col))
                if have != value:
                    out.append((table, key, col))
    return out


def _flagged(report, findings: list[Finding], table: str, key: str, col: object) -> bool:
    path = f"{table}.{key}[{col}]" if isinstance(col, int) else f"{table}.{key}.{col}"
    prov = report.provenance.get(path)
    if prov is not None and prov.confidence < ocr.LOW_CONFIDENCE:
        return True
    return any(f.rule in ("N3", "N4", "N5", "N6") and (f.location.get("row") == key or f.location.get("cell") == path
                                                       or key in f.location.get("rows", ()))
               for f in findings)


def test_scans_give_at_least_99_percent_of_cells_and_flag_the_rest(scanned):
    for name, (rec, doc, report) in scanned.items():
        findings = check(report)
        assert report.source.reader == "ocr", name
        wrong = _wrong_cells(report, rec)
        assert len(wrong) <= 0.01 * _cells(rec), (name, wrong)
        assert all(_flagged(report, findings, *w) for w in wrong), (name, wrong)
        assert [d for d in differences(report, rec) if d[0] in ("year", "template")] == [], name


def test_ocr_cells_keep_their_confidence_and_page(scanned):
    _, doc, report = scanned["image-pdf"]
    grid = [m for m in doc.meta if m.grid]
    assert grid and all(m.cell_confidence is not None for m in grid)
    prov = report.provenance["table3.new_received[6]"]
    assert prov.method == "ocr" and 0 < prov.confidence < 1 and prov.origin.startswith("第")
    assert any("第1页（第2段）" == m.origin for m in scanned["long-png"][1].meta)  # a long image cut in parts


def _numbers_by_row(doc, page: str | None = None) -> list[list[str]]:
    return [[c for c in line.split("\t") if c.isdigit()] for line, m in zip(doc.lines, doc.meta)
            if m.grid and (page is None or m.origin == page) and any(c.isdigit() for c in line.split("\t"))]


def test_a_jpeg_page_gives_the_numbers_of_the_text_layer(sources):
    _, _, pdf = sources["a"]
    text = read(pdf)
    page = max({m.origin for m in text.meta if m.grid}, key=lambda o: len(_numbers_by_row(text, o)))
    index = int(page[1:-1]) - 1
    jpeg = io.BytesIO()
    C.scan(pdf, dpi=170, angle=-0.4, noise=6, seed=5)[index].save(jpeg, "JPEG", quality=75)
    want, got = _numbers_by_row(text, page), _numbers_by_row(read(jpeg.getvalue()))
    assert len(got) == len(want) and sum(len(r) for r in want) >= 50
    same = sum(a == b for w, g in zip(want, got) for a, b in zip(w, g))
    assert same >= 0.99 * sum(len(r) for r in want), (want, got)


def test_a_table_without_rulings_gets_its_columns_and_blanks_from_positions(sources):
    if not C.CHROMIUM:
        pytest.skip("Chromium is not installed")
    rec, prose = C.record(207, "2021")
    rec.table3["denied_third_party"][0] = None  # printed blank
    doc = read(C.tiff(C.scan(C.html_pdf(rec, prose, rulings=False), dpi=170, noise=5, seed=7)))
    row = next(line for line, m in zip(doc.lines, doc.meta) if m.grid and "保护第三方" in line)
    assert row.split("\t")[-7:] == [""] + [str(v) for v in rec.table3["denied_third_party"][1:]]
    report = parse_document(doc)
    findings = check(report)
    wrong = _wrong_cells(report, rec)
    assert len(wrong) <= 0.05 * _cells(rec), wrong  # no rulings and merged labels: harder than a ruled form
    assert all(_flagged(report, findings, *w) for w in wrong), wrong


def test_numbers_in_columns_are_aligned_with_blanks():
    def row(y: float, *cells: tuple[float, str]) -> list[TextBox]:
        return [TextBox(Box(x - 10, y, x + 10, y + 20), text) for x, text in cells]

    rows = [row(0, (40, "规章"), (200, "1"), (300, "2"), (400, "3")),
            row(30, (40, "规范性文件"), (198, "4"), (402, "6"))]
    aligned = align_columns(rows, 20)
    assert [[c.text if c else None for c in r] for r in aligned] == [["规章", "1", "2", "3"], ["规范性文件", "4", None, "6"]]
    assert align_columns([rows[1], rows[1]], 20) is None  # no row fills every column: blanks unplaceable
    assert align_columns(rows + [row(60, (40, "甲"), (250, "7"), (300, "8"), (400, "9"))], 20) is None  # between columns


def test_a_broken_text_layer_page_is_read_by_ocr(sources):
    rec, _, pdf = sources["a"]
    garbled = C.with_garbled_pages(pdf, {1})
    report = parse(garbled)
    assert report.source.reader == "pdf+ocr"
    notes = [f for f in report.notes if f.rule == "N7" and f.location.get("page") == 2]
    assert notes and "OCR" in notes[0].message
    wrong = _wrong_cells(report, rec)
    assert len(wrong) <= 0.01 * _cells(rec), wrong


def test_a_table_pasted_as_a_picture_is_read_by_ocr(sources):
    if not C.CHROMIUM:
        pytest.skip("Chromium is not installed")
    rec, prose, _ = sources["a"]
    report = parse(C.table_picture_pdf(rec, prose))
    assert report.source.reader in ("pdf+ocr", "ocr")
    assert report.provenance["table3.new_received[0]"].method == "ocr"
    assert report.provenance["table2.regulations.in_force"].method == "label"  # from the text layer
    assert _wrong_cells(report, rec) == []


def test_the_ocr_budget_skips_pages_with_a_finding_never_hangs(sources, monkeypatch):
    rec, _, pdf = sources["a"]
    monkeypatch.setattr(ocr, "BUDGET_SECONDS", 0.0)
    doc = read(C.with_garbled_pages(pdf, {1}))
    assert any(f.rule == "N7" and f.detail == "ocr-budget" for f in doc.notes)
    assert doc.reader == "pdf"
    with pytest.raises(LimitExceeded):
        read(C.tiff(C.scan(pdf, dpi=100)[:1]))


# ---------------------------------------------------------------------------- shaded tables, skipped pages
SHADING = "th{background:#b4c6e7}td.label{background:#d9e1f2}"  # WPS-style light blue header rows, tinted labels


def _photo_page(width: int, height: int) -> Image.Image:
    return Image.open(io.BytesIO(_photo())).convert("L").resize((width, height))


def test_shaded_tables_are_read_and_skipped_pages_are_findings(sources):
    """A report whose tables have coloured header rows and label cells (which fail a plain
    "light paper, dark ink" test: the shading is neither), scanned into an image-only PDF
    with a photo and a blank page after it: every table page read, >= 99% of cells right
    and the rest flagged, and the two pages not read are findings naming them."""
    if not C.CHROMIUM:
        pytest.skip("Chromium is not installed")
    rec, prose, _ = sources["a"]
    html = render(rec, "html", prose).replace("</style>", SHADING + "</style>", 1)
    pages = C.scan(C.chromium_pdf(html), dpi=150, noise=3, seed=4)
    shaded = [i + 1 for i, p in enumerate(pages) if _plain_paper_test_fails(np.asarray(p))]
    assert shaded, "the shading no longer fails the plain test: make it darker or larger"
    width, height = pages[0].size
    pages += [_photo_page(width, height), Image.new("L", (width, height), 255)]
    report = parse(C.image_pdf(pages, 150))
    findings = check(report)
    assert report.source.reader == "ocr"
    wrong = _wrong_cells(report, rec)
    assert len(wrong) <= 0.01 * _cells(rec), wrong
    assert all(_flagged(report, findings, *w) for w in wrong), wrong
    skipped = {f.location.get("page"): f for f in report.notes if f.rule == "N7" and f.detail in ("not-a-page", "blank-page")}
    n = len(pages)
    assert sorted(skipped) == [n - 1, n], (shaded, skipped)
    assert skipped[n - 1].severity == "warning" and f"第{n - 1}页" in skipped[n - 1].message
    assert skipped[n].severity == "info" and "空白" in skipped[n].message


def _plain_paper_test_fails(gray: np.ndarray) -> bool:
    """The page test before shading was accepted: Otsu's split of the page into paper and
    ink, paper even and light, ink 50 levels darker.  A shaded table's tint falls on the
    ink side and pulls the ink's median up to the tint."""
    import cv2

    small = cv2.resize(gray, (min(gray.shape[1], 400), min(gray.shape[0], 400)), interpolation=cv2.INTER_AREA)
    _, binary = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = binary > 0
    paper, ink = small[light], small[~light]
    return not (light.mean() >= 0.7 and np.median(paper) >= 150 and paper.std() <= 20
                and np.median(paper) - np.median(ink) >= 50)


def _printed_page(shade: int | None = None) -> np.ndarray:
    """A page of fine "print" (thin dark strokes in lines) with, optionally, a shaded band
    across it (the header rows of a table)."""
    img = np.full((1754, 1240), 255, dtype=np.uint8)
    if shade is not None:
        img[300:550, 100:1140] = shade
    rng = np.random.default_rng(1)
    for row in range(40):
        y = 120 + 38 * row
        for x in range(120, 1100, 34):
            if rng.random() < 0.8:
                img[y:y + 24, x + 4] = 20  # a vertical stroke
                img[y + 10, x:x + 26] = 20  # a horizontal stroke
    return img


def test_the_page_test_takes_shading_and_tinted_paper_but_not_photos_noise_or_blanks():
    assert ocr.page_verdict(_printed_page()) is None
    for shade in (235, 214, 190, 170):
        page = _printed_page(shade)
        assert ocr.page_verdict(page) is None, shade
    assert _plain_paper_test_fails(_printed_page(214))  # what the old test did with it
    assert ocr.page_verdict(np.clip(_printed_page().astype(int) - 40, 0, 255).astype(np.uint8)) is None  # grey paper
    photo = np.asarray(Image.open(io.BytesIO(_photo())).convert("L"))
    noise = np.random.default_rng(0).integers(0, 256, (700, 500), dtype=np.uint8)
    assert ocr.page_verdict(photo) == "not-a-page" and ocr.page_verdict(noise) == "not-a-page"
    assert ocr.page_verdict(np.full((1754, 1240), 255, np.uint8)) == "blank"
    assert ocr.page_verdict(np.full((1754, 1240), 200, np.uint8)) == "blank"


def test_a_frame_that_is_not_a_page_is_a_finding_naming_it():
    frames = [Image.fromarray(_printed_page(214)), _photo_page(1240, 1754), Image.new("L", (1240, 1754), 255)]
    notes: list[Finding] = []
    images = ocr.page_images(C.tiff(frames), notes)
    assert [im.number for im in images] == [1]
    assert [(n.rule, n.severity, n.location["page"], n.detail) for n in notes] == [
        ("N7", "warning", 2, "not-a-page"), ("N7", "info", 3, "blank-page")]
    assert "第2页" in notes[0].message


def test_a_page_read_without_any_text_is_a_finding(monkeypatch):
    monkeypatch.setattr(ocr, "ocr_layout", lambda gray, number, label=None: PageLayout(number, 1240.0, 1754.0, ocr=True))
    session = ocr.Session()
    session.image_page(ocr.PageImage(3, None, _printed_page()))
    assert [(n.rule, n.severity, n.location["page"], n.detail) for n in session.notes] == [("N7", "warning", 3, "no-text")]
    assert "第3页" in session.notes[0].message


# ---------------------------------------------------------------------------- the models
def test_models_come_from_the_installed_package_and_nothing_is_fetched(sources, monkeypatch):
    import rapidocr
    from rapidocr.utils import download_file

    package = Path(rapidocr.__file__).resolve().parent
    paths = ocr_models.model_paths()
    assert all(p.is_file() and package in p.parents for p in paths.values())

    def refuse(*args, **kwargs):
        raise AssertionError("OCR tried to download or connect")

    monkeypatch.setattr(download_file.DownloadFile, "run", classmethod(refuse))
    monkeypatch.setattr(socket.socket, "connect", refuse)
    ocr_models.detector.cache_clear()
    ocr_models.recognizer.cache_clear()
    page = C.scan(sources["a"][2], dpi=150)[0]
    layout = ocr.ocr_layout(np.asarray(page), 1)
    assert any("年度报告" in line.text for line in layout.lines)


def test_digit_look_alikes_read_as_the_digit_with_its_confidence():
    rec = ocr_models.recognizer()
    probs = np.full((4, len(rec.chars)), 1e-6, dtype=np.float32)
    zero, letter_o, one = rec.chars.index("0"), rec.chars.index("O"), rec.chars.index("1")
    probs[0, letter_o], probs[0, zero] = 0.55, 0.44  # "O" by a little, but surely a zero
    probs[1, 0] = 1.0  # blank
    probs[2, one] = 0.99
    probs[3, 0] = 1.0
    reading = rec.decode(probs)
    assert reading.text == "01" and reading.numeric and reading.confidence > 0.98
    probs[2, one], probs[2, rec.chars.index("年")] = 0.0, 0.99
    reading = rec.decode(probs)
    assert reading.text == "O年" and not reading.numeric and reading.confidence == pytest.approx(0.55, abs=1e-3)


def test_a_cell_among_numbers_is_read_again_as_a_number():
    rec = ocr_models.recognizer()
    probs = np.full((3, len(rec.chars)), 1e-4, dtype=np.float32)
    seven, zhi = rec.chars.index("7"), rec.chars.index("之")
    probs[0, zhi], probs[0, seven] = 0.7, 0.2  # the glyph looked more like "之" than "7"
    probs[1, 0] = 1.0
    probs[2, 0] = 1.0
    assert rec.decode(probs).text == "之"
    reading = rec.decode_number(probs)
    assert reading.text == "7" and reading.numeric and reading.confidence == pytest.approx(0.2, abs=0.01)


def test_low_confidence_numbers_become_findings():
    layout = PageLayout(2, 1000, 1400, ocr=True)
    layout.lines = [TextLine("行政许可\t15", Box(100, 500, 400, 530), (0.99, 0.61)),
                    TextLine("总体情况良好", Box(100, 600, 400, 630), (0.5,))]
    notes = ocr.low_confidence_notes(layout)
    assert [(n.rule, n.actual, n.location["page"]) for n in notes] == [("N5", "15", 2)]
    assert "15" in notes[0].message and "置信度" in notes[0].message


# ---------------------------------------------------------------------------- not reports
def _png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def _photo() -> bytes:
    """A picture with smooth colour areas, like a photograph (of a cat)."""
    y, x = np.mgrid[0:600, 0:800]
    img = np.stack([(x / 800 * 255), (y / 600 * 200 + 30), ((x + y) % 256)], axis=-1)
    img[(x - 400) ** 2 + (y - 300) ** 2 < 150 ** 2] = (200, 120, 40)
    return _png(img.astype(np.uint8))


@pytest.mark.parametrize("kind", ["noise", "photo", "blank", "truncated"])
def test_images_that_are_not_reports_exit_2_with_a_bilingual_message(kind, tmp_path):
    rng = np.random.default_rng(0)
    data = {
        "noise": lambda: _png(rng.integers(0, 256, (700, 500), dtype=np.uint8)),
        "photo": _photo,
        "blank": lambda: _png(np.full((1400, 1000), 255, dtype=np.uint8)),
        "truncated": lambda: _png(rng.integers(0, 256, (700, 500), dtype=np.uint8))[:3000],
    }[kind]()
    path = tmp_path / f"{kind}.png"
    path.write_bytes(data)
    with pytest.raises((NotAReport, UnreadableInput)):
        read(data)
    for command in ("parse", "check"):
        proc = run(command, str(path))
        err = proc.stderr.decode()
        assert proc.returncode == 2, (command, err)
        assert "错误" in err and "Error" in err and "Traceback" not in err


def test_an_image_over_the_pixel_limit_is_refused_before_decoding():
    buf = io.BytesIO()
    Image.new("1", (10_000, 9_000), 1).save(buf, "PNG")
    with pytest.raises(LimitExceeded):
        read(buf.getvalue())


def test_a_page_with_prose_but_no_chinese_is_not_a_report():
    img = Image.new("L", (1240, 1754), 255)
    from PIL import ImageDraw

    draw = ImageDraw.Draw(img)
    for i in range(20):
        draw.rectangle((100, 100 + 60 * i, 100 + 40 * (i % 7 + 3), 120 + 60 * i), fill=0)
    with pytest.raises(NotAReport):
        read(_png(np.asarray(img)))
