"""Resource limits, each with its message, and hostile inputs that must stay cheap.

Limits tested elsewhere (not repeated here): archive members, sizes, ratio and depth
(test_archive.py), the DOCX zip-bomb part limit (test_reader_docx.py), PDF pages
(test_reader_pdf.py), OCR budget and image pixels (test_reader_ocr.py), the LibreOffice
timeout (test_reader_doc.py), web upload sizes (test_web_uploads.py), the per-file CPU/memory
budget and the PDF page-object/path-segment caps (test_budget.py).
"""
from __future__ import annotations

import io
import random
import re
import resource
import time
import zipfile

import numpy as np
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from PIL import Image

from nianbao import check, parse
from nianbao.parsing import pipeline
from nianbao.cli import main
from nianbao.errors import LimitExceeded, NianbaoError, NotAReport, UnreadableInput
from nianbao.parsing.extract import tokens
from nianbao.parsing.readers import ocr
from nianbao.render.docx import render_docx
from nianbao.synth import document, prose_for, random_record

MB = 1024 * 1024


def _report_lines() -> list[str]:
    rng = random.Random(3)
    return document(random_record(rng), "txt", rng).split("\n")


def _cpu(data: bytes) -> float:
    """CPU seconds of parse + check (the machine may be busy: not wall-clock)."""
    t0 = time.process_time()
    try:
        check(parse(data))
    except NianbaoError as exc:
        assert exc.message_zh and exc.message_en
    return time.process_time() - t0


# ---------------------------------------------------------------- the per-file size limit
@pytest.mark.parametrize("command", ["parse", "check"])
def test_a_file_over_the_size_limit_is_refused_by_the_cli(tmp_path, monkeypatch, command):
    monkeypatch.setattr(pipeline, "MAX_BYTES", MB)
    big = tmp_path / "big.txt"
    big.write_bytes("一、总体情况\n".encode() * (MB * 3 // 2 // 19))
    result = CliRunner().invoke(main, [command, str(big)])
    assert result.exit_code == 2
    assert "文件过大（1.5 MB，上限 1 MB）" in result.output
    assert "File too large (1.5 MB; the limit is 1 MB)" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_bytes_over_the_size_limit_are_refused_by_the_api(monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_BYTES", MB)
    with pytest.raises(LimitExceeded) as exc:
        parse(b"x" * (MB + MB // 2))
    assert "文件过大（1.5 MB，上限 1 MB）" in exc.value.message_zh


def test_a_file_at_the_size_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_BYTES", MB)
    small = tmp_path / "small.txt"
    small.write_bytes(b"x" * MB)
    data, name = pipeline.load(small)
    assert len(data) == MB and name == "small.txt"


# ---------------------------------------------------------------- XML entity expansion
_LAUGHS = "<!DOCTYPE w:document [<!ENTITY a \"lollollollol\">" + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>"
_QUADRATIC = f'<!DOCTYPE w:document [<!ENTITY q "{"x" * 50_000}">]>'


def _docx_with(doctype: str, ref: str) -> bytes:
    rng = random.Random(11)
    rec = random_record(rng)
    src = zipfile.ZipFile(io.BytesIO(render_docx(rec, prose_for(rec, rng))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "word/document.xml":
                body = re.sub(rb"^<\?xml[^>]*\?>", b"", body)
                body = re.sub(rb"(<w:t\b[^>]*>)", rb"\1" + ref.encode(), body, count=200)
                body = b'<?xml version="1.0" encoding="UTF-8"?>' + doctype.encode() + body
            zf.writestr(info, body)
    return out.getvalue()


@pytest.mark.parametrize("doctype,ref", [(_LAUGHS, "&j;"), (_QUADRATIC, "&q;")], ids=["billion-laughs", "quadratic"])
def test_entity_expansion_in_a_docx_is_never_expanded(doctype, ref):
    data = _docx_with(doctype, ref)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.process_time()
    try:
        report = parse(data)
    except UnreadableInput as exc:  # libxml2 refuses the amplification outright
        assert "XML" in exc.message_zh and "corrupt" in exc.message_en
    else:  # or the references are left unexpanded: the text reads as without them
        assert not any("lol" in line or "xxxxxxxxxx" in line for line in report.lines)
    assert time.process_time() - t0 < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 200 * 1024  # KiB: nothing was expanded


def test_entity_expansion_in_word_2003_xml_is_refused():
    body = "<w:p><w:r><w:t>&j;正文</w:t></w:r></w:p>" * 50
    data = ('<?xml version="1.0" encoding="UTF-8"?>' + _LAUGHS.replace("w:document", "w:wordDocument")
            + '<?mso-application progid="Word.Document"?><w:wordDocument '
            f'xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml"><w:body>{body}</w:body></w:wordDocument>')
    t0 = time.process_time()
    with pytest.raises(UnreadableInput, match="amplification"):
        parse(data.encode())
    assert time.process_time() - t0 < 2


def test_docx_cells_spanning_a_thousand_columns_each_stay_cheap():
    from nianbao.parsing.readers.docx import MAX_COLUMNS, read_docx

    cell = '<w:tc><w:tcPr><w:gridSpan w:val="1000"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>'
    body = "<w:p><w:r><w:t>标题</w:t></w:r></w:p><w:tbl>" + ("<w:tr>" + cell * 500 + "</w:tr>") * 40 + "</w:tbl>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:  # stored: no zip-bomb ratio to trip first
        zf.writestr("word/document.xml", '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                    f'2006/main"><w:body>{body}</w:body></w:document>')
    t0 = time.process_time()
    doc = read_docx(out.getvalue())
    assert time.process_time() - t0 < 1  # 500,000 columns a row were tracked: 20 million set entries
    assert len(doc.lines) == 41 and not any(m.grid for m in doc.meta[1:]) and MAX_COLUMNS < 500 * 1000


# ---------------------------------------------------------------- huge and hostile text
def test_a_ten_megabyte_line():
    lines = _report_lines()
    at = next(i for i, line in enumerate(lines) if "予以公开" in line)
    for unit in ("9 ", "7\t"):  # five million would-be cells, split by spaces or by tabs
        line = unit * (10 * MB // 2)
        t0 = time.process_time()
        report = parse("\n".join(lines[:at] + [line] + lines[at:]).encode())
        check(report)
        assert time.process_time() - t0 < 8
        assert report.table3["new_received"]  # the tables around the line are still read
    assert _cpu(("一" * (10 * MB // 3)).encode()) < 8


def test_a_line_of_many_cells_is_one_text_cell_and_never_cached():
    before = tokens._line_cells.cache_info().currsize
    cells = tokens.line_cells("0 " * 100_000)
    assert [c[3] for c in cells] == [tokens.TEXT]
    assert tokens._line_cells.cache_info().currsize == before
    assert len(tokens.line_cells("\t".join(["1"] * 30))) == 30


def _fill(unit: str, size: int = MB) -> str:
    return unit * max(1, size // len(unit.encode()))


HOSTILE = {
    "digits": _fill("1234567890"), "spaced digits": _fill("9 "), "tabbed digits": _fill("7\t"),
    "thousands": _fill("1,000,") + "x", "dun": _fill("、"), "enumerators": _fill("(一)"),
    "full-width enumerators": _fill("（一）"), "tabs": _fill("\t"), "pipes": _fill("|"), "spaces": _fill(" "),
    "tabs pipes spaces": _fill("\t| "), "di": _fill("第"), "nian": _fill("年"), "years": _fill("2023年"),
    "repeated headings": _fill("三、收到和处理政府信息公开申请情况\n"),
    "headings on one line": _fill("一、总体情况二、主动公开政府信息情况"),
    "label fragments": _fill("(一)予以公开1.属于国家秘密第二十条第(一)项行政许可本年新收政府信息公开申请数量"),
    "cjk ascii": _fill("一a"), "newlines": _fill("\n"), "ideographic spaces": _fill("\u3000"), "dashes": _fill("—"),
    "page numbers": _fill("- 1 -\n"), "narrated counts": _fill("收到申请1件"), "titles": _fill("政府信息公开工作年度报告"),
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_a_megabyte_of_hostile_text_takes_under_two_seconds(shape):
    lines = _report_lines()
    at = next(i for i, line in enumerate(lines) if "予以公开" in line)
    alone = HOSTILE[shape].encode()
    inside = "\n".join(lines[:at] + [HOSTILE[shape]] + lines[at:]).encode()
    assert _cpu(alone) < 2
    assert _cpu(inside) < 2


# ---------------------------------------------------------------- OCR of a huge PDF page
def _image_only_pdf(width: float, height: float) -> bytes:
    pdf = pdfium.PdfDocument.new()
    page = pdf.new_page(width, height)
    image = pdfium.PdfImage.new(pdf)
    image.set_bitmap(pdfium.PdfBitmap.from_pil(Image.new("RGB", (64, 64), "white")))
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    page.insert_obj(image)
    page.gen_content()
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def test_a_huge_pdf_page_is_rendered_for_ocr_within_the_pixel_limit(monkeypatch):
    rendered = []

    def fake_render(page, scale):  # never allocate the bitmap: only record its size
        width, height = page.get_size()
        rendered.append(width * scale * height * scale)
        return np.full((64, 64), 255, np.uint8)

    monkeypatch.setattr(ocr, "_render", fake_render)
    for side in (14400, 595):  # the largest page PDF allows (200 inches), an A4 width
        with pytest.raises(NotAReport):
            parse(_image_only_pdf(side, side))
    assert rendered[0] <= ocr.MAX_PAGE_PIXELS and rendered[0] > 0.9 * ocr.MAX_PAGE_PIXELS
    assert rendered[1] == pytest.approx((595 * ocr.PDF_DPI / 72) ** 2)


# ---------------------------------------------------------------- a PDF ruled like graph paper
def _pdf_drawing(content: bytes, side: int) -> bytes:
    """A one-page PDF of `content` (page operators) on a square page `side` points wide."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 %d %d]/Contents 4 0 R>>" % (side, side),
               b"<</Length %d>>stream\n%s\nendstream" % (len(content), content)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return bytes(out + b"trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref)


def _grid(n: int, step: float) -> list:
    from nianbao.parsing.readers.boxes import Ruling

    end = (n - 1) * step
    return [Ruling(o, k * step, 0.0, end) for k in range(n) for o in ("h", "v")]


def test_a_page_ruled_like_graph_paper_builds_no_table_and_stays_cheap():
    from nianbao.parsing.readers.boxes import MAX_GRID, find_tables

    t0 = time.process_time()
    assert find_tables(_grid(300, 6.0), 2.0, 3.0) == []  # 299 x 299 cells: over MAX_GRID
    assert find_tables(_grid(2000, 6.0), 2.0, 3.0) == []  # 4,000 rulings: over MAX_RULINGS
    (table,) = find_tables(_grid(120, 6.0), 2.0, 3.0)  # 14,161 cells: still a table
    assert table.n_rows == table.n_cols == 119 and len(table.cells) == 119 * 119 <= MAX_GRID
    assert time.process_time() - t0 < 3  # the first took ~25 s (every cell tested every ruling)
    lines = b"".join(b"%d 0 m %d 14400 l S 0 %d m 14400 %d l S\n" % ((k * 4,) * 4) for k in range(3600))
    assert _cpu(_pdf_drawing(b"0 G 0.5 w\n" + lines, 14400)) < 2
