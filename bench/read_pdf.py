"""Seconds per page and per report for reading PDFs (text layer) and scans (OCR, one core),
and peak memory.

    python bench/read_pdf.py [--reports 6] [--rounds 3] [--ocr-reports 2]

Inputs: random records (nianbao.synth) in the official DOCX layout converted to PDF by
LibreOffice, plus the two real PDFs of ../shared/fixtures/real when present; scans are
those PDFs' pages rasterised at 200 dpi with grain and a 0.5° tilt (multi-page TIFF).
Text layer: the reader alone (bytes -> Document) and the whole parse, per page and per
report.  OCR: `ocr_layout` per page image and `read` per scanned report, pinned to one
core with one onnxruntime thread (models loaded before timing).  Both wall-clock and CPU
seconds of the process are shown: on a busy machine the CPU time is what one free core
would take.  Each phase runs in a process of its own, so its peak RSS is its own.
The floor for the text layer, timed in the same process and rounds: pypdfium2's own text
extraction (every page's text page and get_text_range); the ratios are nianbao's CPU (read,
and read + parse) over the floor's, as medians per report and as totals.  Targets: text layer <= 0.1 s/page and <= 2x the floor, OCR <= 3 s/page.
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
sys.path.insert(0, str(HERE.parent))  # the repository: tests.support
from _common import one_core, peak_rss_mb, show, target  # noqa: E402

REAL = HERE.parent.parent / "shared" / "fixtures" / "real"


def spread(values: list[float], unit: str = "s") -> str:
    q = statistics.quantiles(values, n=10, method="inclusive") if len(values) >= 2 else [values[0]] * 9
    return (f"median {statistics.median(values):.3f} {unit}   p10-p90 {q[0]:.3f}-{q[-1]:.3f}   "
            f"min-max {min(values):.3f}-{max(values):.3f}   (n={len(values)})")





def make_inputs(folder: Path, n: int) -> None:
    from tests.support import pdf_corpus as C

    for i in range(n):
        rec, prose = C.record(9000 + i)
        (folder / f"report{i:02d}.pdf").write_bytes(C.docx_pdf(rec, prose))
    if REAL.exists():
        for pdf in sorted(REAL.glob("*.pdf")):
            (folder / pdf.name).write_bytes(pdf.read_bytes())


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    """(result, wall seconds, CPU seconds of this process)."""
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w0, time.process_time() - c0


def pdfium_text(data: bytes) -> int:
    """The floor: pypdfium2's text of every page (characters read)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        n = 0
        for page in pdf:
            tp = page.get_textpage()
            n += len(tp.get_text_range())
            tp.close()
            page.close()
        return n
    finally:
        pdf.close()


def text_phase(folder: Path, rounds: int) -> list[tuple[str, str]]:
    from nianbao.parsing.pipeline import parse
    from nianbao.parsing.readers import read

    files = [p.read_bytes() for p in sorted(folder.glob("*.pdf"))]
    for data in files:  # imports and caches
        parse(data)
    page_wall, page_cpu, report_wall, parse_wall, read_cpu, floor_cpu, parse_cpu = [], [], [], [], [], [], []
    for _ in range(rounds):
        for data in files:
            floor_cpu.append(_timed(pdfium_text, data)[2])
            doc, w, c = _timed(read, data)
            read_cpu.append(c)
            report_wall.append(w)
            page_wall.append(w / (doc.pages or 1))
            page_cpu.append(c / (doc.pages or 1))
            _, w, c = _timed(parse, data)
            parse_wall.append(w)
            parse_cpu.append(c)
    pages = [read(d).pages or 0 for d in files]
    return [
        ("text layer: reports", f"{len(files)} PDFs, {sum(pages)} pages, {rounds} rounds, one core"),
        ("text layer: read, per page, CPU", spread(page_cpu)),
        ("text layer: read, per page, wall", spread(page_wall)),
        ("text layer: read, per report, wall", spread(report_wall)),
        ("text layer: whole parse, per report, wall", spread(parse_wall)),
        ("text layer: floor (pypdfium2 text), per report, CPU", spread(floor_cpu)),
        ("text layer: ratio (CPU, medians)", f"read {statistics.median(read_cpu) / statistics.median(floor_cpu):.1f}x the floor, "
                                             f"read + parse {statistics.median(parse_cpu) / statistics.median(floor_cpu):.1f}x "
                                             "(median per report)"),
        ("text layer: ratio (CPU, totals)", f"read {sum(read_cpu) / sum(floor_cpu):.1f}x the floor, "
                                            f"read + parse {sum(parse_cpu) / sum(floor_cpu):.1f}x (all reports)"),
        ("text layer: peak RSS", f"{peak_rss_mb():.0f} MB"),
        target("PDF text layer read / pypdfium2 text (CPU, median per report)",
               statistics.median(read_cpu) / statistics.median(floor_cpu), 2, "x"),
    ]


def ocr_phase(folder: Path, n_reports: int) -> list[tuple[str, str]]:
    os.environ["NIANBAO_OCR_THREADS"] = "1"
    one_core()
    import numpy as np

    from tests.support import pdf_corpus as C
    from nianbao.parsing.readers import read
    from nianbao.parsing.readers.ocr_page import ocr_layout

    pdfs = [p.read_bytes() for p in sorted(folder.glob("report*.pdf"))[:n_reports]]
    scans = [C.scan(pdf, dpi=200, angle=0.5, noise=6, seed=i) for i, pdf in enumerate(pdfs)]
    _, load, _ = _timed(ocr_layout, np.asarray(scans[0][0]), 1)  # loads both models
    wall, cpu = [], []
    for pages in scans:
        for n, page in enumerate(pages, start=1):
            _, w, c = _timed(ocr_layout, np.asarray(page), n)
            wall.append(w)
            cpu.append(c)
    report_wall, report_cpu, page_cpu = [], [], []
    for pages in scans:
        doc, w, c = _timed(read, C.tiff(pages))
        report_wall.append(w)
        report_cpu.append(c)
        page_cpu.append(c / (doc.pages or 1))
    return [
        ("OCR: reports", f"{len(scans)} scanned reports, {sum(len(p) for p in scans)} pages, 200 dpi, one core, one thread"),
        ("OCR: first page incl. model loading", f"{load:.2f} s"),
        ("OCR: per page, CPU (image -> layout)", spread(cpu)),
        ("OCR: per page, wall (image -> layout)", spread(wall)),
        ("OCR: per page, CPU (TIFF -> Document)", spread(page_cpu)),
        ("OCR: per report, CPU (TIFF -> Document)", spread(report_cpu)),
        ("OCR: per report, wall (TIFF -> Document)", spread(report_wall)),
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
        for phase in ("text", "ocr") if args.ocr_reports else ("text",):
            sys.stdout.flush()
            subprocess.run([sys.executable, __file__, "--phase", phase, "--folder", str(folder),
                            "--rounds", str(args.rounds), "--ocr-reports", str(args.ocr_reports)], check=True)


if __name__ == "__main__":
    main()
