"""Seconds per page and per report for reading PDFs (text layer) and scans (OCR, one core),
and peak memory.

    python bench/read_pdf.py [--reports 6] [--rounds 3] [--ocr-reports 2]

Inputs: random records (nianbao.synth) in the official DOCX layout converted to PDF by
LibreOffice, plus the two real PDFs of ../shared/fixtures/real when present; scans are
those PDFs' pages rasterised at 200 dpi with grain and a 0.5° tilt (multi-page TIFF).
Text layer: the reader alone (bytes -> Document) and the whole parse, per page and per
report.  OCR: `ocr_layout` per page image and `read` per scanned report, pinned to one
core with one onnxruntime thread (models loaded before timing).  Each phase runs in a
process of its own, so its peak RSS is its own.  Targets: text layer <= 0.1 s/page,
OCR <= 3 s/page.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from _common import peak_rss_mb, show  # noqa: E402

REAL = HERE.parent.parent / "shared" / "fixtures" / "real"


def spread(values: list[float], unit: str = "s") -> str:
    q = statistics.quantiles(values, n=10, method="inclusive") if len(values) >= 2 else [values[0]] * 9
    return (f"median {statistics.median(values):.3f} {unit}   p10-p90 {q[0]:.3f}-{q[-1]:.3f}   "
            f"min-max {min(values):.3f}-{max(values):.3f}   (n={len(values)})")


def one_core() -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass


def make_inputs(folder: Path, n: int) -> None:
    import pdf_corpus as C

    for i in range(n):
        rec, prose = C.record(9000 + i)
        (folder / f"report{i:02d}.pdf").write_bytes(C.docx_pdf(rec, prose))
    if REAL.exists():
        for pdf in sorted(REAL.glob("*.pdf")):
            (folder / pdf.name).write_bytes(pdf.read_bytes())


def text_phase(folder: Path, rounds: int) -> list[tuple[str, str]]:
    from nianbao.pipeline import parse
    from nianbao.readers import read

    files = [p.read_bytes() for p in sorted(folder.glob("*.pdf"))]
    for data in files:  # imports and caches
        parse(data)
    per_page, per_report, parse_report = [], [], []
    for _ in range(rounds):
        for data in files:
            t0 = time.perf_counter()
            doc = read(data)
            elapsed = time.perf_counter() - t0
            per_report.append(elapsed)
            per_page.append(elapsed / (doc.pages or 1))
            t0 = time.perf_counter()
            parse(data)
            parse_report.append(time.perf_counter() - t0)
    pages = [read(d).pages or 0 for d in files]
    return [
        ("text layer: reports", f"{len(files)} PDFs, {sum(pages)} pages, {rounds} rounds"),
        ("text layer: read, per page", spread(per_page)),
        ("text layer: read, per report", spread(per_report)),
        ("text layer: whole parse, per report", spread(parse_report)),
        ("text layer: peak RSS", f"{peak_rss_mb():.0f} MB"),
    ]


def ocr_phase(folder: Path, n_reports: int) -> list[tuple[str, str]]:
    os.environ["NIANBAO_OCR_THREADS"] = "1"
    one_core()
    import numpy as np

    import pdf_corpus as C
    from nianbao.readers import read
    from nianbao.readers.ocr_page import ocr_layout

    pdfs = [p.read_bytes() for p in sorted(folder.glob("report*.pdf"))[:n_reports]]
    scans = [C.scan(pdf, dpi=200, angle=0.5, noise=6, seed=i) for i, pdf in enumerate(pdfs)]
    t0 = time.perf_counter()
    ocr_layout(np.asarray(scans[0][0]), 1)  # loads both models
    load = time.perf_counter() - t0
    per_page = []
    for pages in scans:
        for n, page in enumerate(pages, start=1):
            t0 = time.perf_counter()
            ocr_layout(np.asarray(page), n)
            per_page.append(time.perf_counter() - t0)
    per_report, per_report_page = [], []
    for pages in scans:
        data = C.tiff(pages)
        t0 = time.perf_counter()
        doc = read(data)
        elapsed = time.perf_counter() - t0
        per_report.append(elapsed)
        per_report_page.append(elapsed / (doc.pages or 1))
    return [
        ("OCR: reports", f"{len(scans)} scanned reports, {sum(len(p) for p in scans)} pages, 200 dpi, one core"),
        ("OCR: first page incl. model loading", f"{load:.2f} s"),
        ("OCR: per page (page image -> layout)", spread(per_page)),
        ("OCR: per page (TIFF file -> Document)", spread(per_report_page)),
        ("OCR: per report (TIFF file -> Document)", spread(per_report)),
        ("OCR: peak RSS", f"{peak_rss_mb():.0f} MB"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ocr-reports", type=int, default=2)
    ap.add_argument("--phase", choices=["text", "ocr"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "text":
        one_core()
        show(text_phase(args.folder, args.rounds))
        return
    if args.phase == "ocr":
        show(ocr_phase(args.folder, args.ocr_reports))
        return
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-pdf-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_inputs(folder, max(args.reports, args.ocr_reports))
        print(f"inputs generated in {time.perf_counter() - t0:.1f} s")
        for phase in ("text", "ocr"):
            sys.stdout.flush()
            subprocess.run([sys.executable, __file__, "--phase", phase, "--folder", str(folder),
                            "--rounds", str(args.rounds), "--ocr-reports", str(args.ocr_reports)], check=True)


if __name__ == "__main__":
    main()
