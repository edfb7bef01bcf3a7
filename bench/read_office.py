"""Seconds per report for reading HTML, DOCX and DOC (WPS) files, and peak memory.

    python bench/read_office.py [--reports 100] [--doc-reports 5] [--rounds 3]

The inputs are generated from random records (nianbao.synth): the renderer's HTML page, a
government-site page around it (tests/support/html_pages.py: chrome, spam, GBK or traditional
mirror), DOCX in the official layout (render.docx) and, through LibreOffice, DOC.  For each
format: the reader alone (bytes -> Document) and the whole parse (bytes -> Report), timed
per report on one core; median, p10-p90 spread and maximum.  DOC includes its LibreOffice
conversion (one process per file).  The floor, timed in the same process and rounds: for
HTML lxml's own parse of the page (lxml.html.document_fromstring), for DOCX opening the zip and
parsing word/document.xml with lxml; the ratio is nianbao's median over the floor's (targets:
HTML <= 4x, DOCX <= 2x).  Memory: the Python heap's peak while reading one file
(tracemalloc, largest over the files), this process's peak RSS and LibreOffice's.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))  # the repository: tests.support
from _common import one_core, peak_rss_mb, show, target  # noqa: E402
from tests.support.html_pages import VARIANTS, gov_page  # noqa: E402

from nianbao import office  # noqa: E402
from nianbao.parsing.pipeline import parse  # noqa: E402
from nianbao.parsing.readers import read  # noqa: E402
from nianbao.render.docx import render_docx  # noqa: E402
from nianbao.render.report import render  # noqa: E402
from nianbao.synth import prose_for, random_record  # noqa: E402


def inputs(n: int, n_doc: int) -> dict[str, list[bytes]]:
    rng = random.Random(42)
    out: dict[str, list[bytes]] = {"html (rendered page)": [], "html (government site)": [], "docx": [], "doc (LibreOffice)": []}
    for i in range(n):
        rec = random_record(rng)
        prose = prose_for(rec, rng)
        out["html (rendered page)"].append(render(rec, "html", prose=prose).encode("utf-8"))
        out["html (government site)"].append(gov_page(rec, prose, rng, VARIANTS[i % len(VARIANTS)]))
        docx = render_docx(rec, prose)
        out["docx"].append(docx)
        if i < n_doc:
            out["doc (LibreOffice)"].append(office.convert(docx, ".docx", "doc"))
    return out


def timed(fn: Callable[[bytes], object], files: list[bytes], rounds: int,
          clock: Callable[[], float] = time.perf_counter) -> list[float]:
    times = []
    for _ in range(rounds):
        for data in files:
            t0 = clock()
            fn(data)
            times.append(clock() - t0)
    return times


def cpu_ratio(fn: Callable[[bytes], object], floor: Callable[[bytes], object], files: list[bytes], rounds: int) -> float:
    """nianbao's CPU time over the floor's on the same files, the two alternating file by
    file (CPU time: other processes on the machine inflate it far less than wall time)."""
    ours, base = 0.0, 0.0
    for _ in range(rounds):
        for data in files:
            base += timed(floor, [data], 1, time.process_time)[0]
            ours += timed(fn, [data], 1, time.process_time)[0]
    return ours / base if base else float("nan")


def summary(times: list[float]) -> str:
    q = statistics.quantiles(times, n=10, method="inclusive") if len(times) >= 2 else [times[0]] * 9
    return (f"median {statistics.median(times) * 1000:8.2f} ms/report   p10-p90 {q[0] * 1000:.2f}-{q[-1] * 1000:.2f} ms"
            f"   max {max(times) * 1000:.2f} ms   (n={len(times)})")


def floor_html(data: bytes) -> object:
    import lxml.html

    return lxml.html.document_fromstring(data)


def floor_docx(data: bytes) -> object:
    import io
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml"))


FLOORS = {"html (rendered page)": ("lxml.html parse", floor_html), "html (government site)": ("lxml.html parse", floor_html),
          "docx": ("zip + lxml parse of document.xml", floor_docx)}
TARGETS = {"html (rendered page)": 4, "html (government site)": 4, "docx": 2}  # issue 15: read within this many times the floor


def heap_peak_mb(files: list[bytes]) -> float:
    peak = 0
    tracemalloc.start()
    for data in files:
        tracemalloc.reset_peak()
        read(data)
        peak = max(peak, tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
    return peak / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=100)
    ap.add_argument("--doc-reports", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    one_core()
    t0 = time.perf_counter()
    files = inputs(args.reports, args.doc_reports)
    rows: list[tuple[str, str]] = [("inputs generated", f"{time.perf_counter() - t0:.1f} s")]
    for data in files["html (government site)"][:3] + files["docx"][:3]:  # warm caches and imports
        parse(data)
    for fmt, group in files.items():
        if not group:
            continue
        rounds = 1 if fmt.startswith("doc ") else args.rounds
        size = statistics.median(len(d) for d in group) / 1024
        rows.append((f"{fmt}: file size", f"median {size:.0f} KB"))
        floor = FLOORS.get(fmt)
        floor_times = timed(floor[1], group, rounds) if floor else []
        read_times = timed(read, group, rounds)
        rows.append((f"{fmt}: read", summary(read_times)))
        if not fmt.startswith("doc "):  # (a DOC's parse is its read plus the DOCX pipeline above)
            parse_times = timed(parse, group, rounds)
            rows.append((f"{fmt}: read + parse", summary(parse_times)))
        if floor:
            base = statistics.median(floor_times)
            rows.append((f"{fmt}: floor ({floor[0]})", summary(floor_times)))
            rows.append((f"{fmt}: ratio (wall, medians)", f"read {statistics.median(read_times) / base:.1f}x the floor, "
                                                       f"read + parse {statistics.median(parse_times) / base:.1f}x"))
            read_ratio = cpu_ratio(read, floor[1], group, rounds)
            rows.append((f"{fmt}: ratio (CPU, totals)", f"read {read_ratio:.1f}x the floor, "
                                                      f"read + parse {cpu_ratio(parse, floor[1], group, rounds):.1f}x"))
            rows.append(target(f"{fmt} read / {floor[0]} (CPU)", read_ratio, TARGETS[fmt], "x"))
        rows.append((f"{fmt}: heap peak", f"{heap_peak_mb(group[:20]):.1f} MB (tracemalloc, one file)"))
    rows.append(("process peak RSS", f"{peak_rss_mb():.0f} MB"))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows.append(("LibreOffice peak RSS", f"{children:.0f} MB (largest conversion process)"))
    show(rows)


if __name__ == "__main__":
    main()
