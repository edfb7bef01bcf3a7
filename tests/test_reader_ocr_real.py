"""The two real PDFs (../shared/fixtures/real) rasterised by poppler at 150 and 200 dpi into
image-only PDFs, as a scanner or a "print to image" would make them, and read by OCR:
>= 99% of the cells right, and every other cell blank or flagged (N3/N5/N6, or a low
confidence in its provenance).  Their tables have light-blue shaded header rows, which once
made pages fail the "looks like a page" test and vanish without a finding.

Slow: ~3-4 s of CPU per page, 20 pages in all (about 40 s of CPU per resolution)."""
from __future__ import annotations

import importlib.util
import io
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.shared import REAL
from nianbao import check, parse
from nianbao.parsing.readers import ocr

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REAL.exists(), reason="../shared is not beside the checkout"),
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed"),
]

FLAGS = ("N3", "N5", "N6")


def _scorer():
    """The shared scorer's cell comparison (flatten, num_eq), so this test and
    ../shared/tools/score.py count the same cells the same way."""
    spec = importlib.util.spec_from_file_location("nianbao_score", REAL.parent.parent / "tools" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def image_only_pdf(pdf: Path, dpi: int) -> bytes:
    """Every page of `pdf` rendered by `pdftoppm -r dpi -png`, saved back into one PDF of images."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="nianbao-raster-") as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), f"{tmp}/p"], check=True, timeout=300)
        pages = [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem[2:]))]
        buf = io.BytesIO()
        pages[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
        return buf.getvalue()


def _row_of(path: str) -> str:
    """"table3.granted[0]" -> "granted"; "table2.penalty.decisions" -> "penalty"."""
    return path.split(".")[1].split("[")[0]


def _flagged(report, findings, path: str) -> bool:
    prov = report.provenance.get(path)
    if prov is not None and prov.confidence < ocr.LOW_CONFIDENCE:
        return True
    row = _row_of(path)
    return any(f.rule in FLAGS and (f.location.get("cell") == path or f.location.get("row") == row
                                    or row in f.location.get("rows", ()) or path in f.location.get("cells", ()))
               for f in findings)


@pytest.mark.parametrize("dpi", [150, 200])
@pytest.mark.parametrize("name", ["hongze_2023", "hongze_2024"])
def test_real_pdfs_rasterised_are_read_with_every_wrong_cell_flagged(name, dpi):
    score = _scorer()
    truth = json.loads((REAL / f"{name}.truth.json").read_text(encoding="utf-8"))
    data = image_only_pdf(REAL / f"{name}.pdf", dpi)
    start = time.process_time()
    report = parse(data)
    seconds = time.process_time() - start
    findings = check(report)
    assert report.source.reader == "ocr"
    out = json.loads(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    want: dict = {}
    got: dict = {}
    for key in ("table2", "table3", "table4"):
        score.flatten(key, truth.get(key, {}), want)
        score.flatten(key, out.get(key, {}), got)
    wrong = [(k, v, got.get(k, "<missing>")) for k, v in want.items() if k not in got or not score.num_eq(v, got[k])]
    assert len(wrong) <= 0.01 * len(want), (name, dpi, wrong[:10])
    silent = [w for w in wrong if w[2] not in (None,) and not _flagged(report, findings, w[0])]
    assert silent == [], (name, dpi, silent)
    assert not [f for f in report.notes if f.rule == "N7" and f.detail == "not-a-page"], "a page was not read"
    assert report.year == truth["year"] and report.template == truth["template"]
    # a generous ceiling: ~20 s of CPU on an idle machine for five pages
    assert seconds < 120, f"{seconds:.0f} s of CPU for {name} at {dpi} dpi"
