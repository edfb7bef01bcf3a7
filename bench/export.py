"""Export costs: every format and shape, each in a child process of its own (so that its
CPU time and peak memory are its own), beside the baseline of loading the same rows whole.

    python bench/export.py [--reports 3000] [--long-at 3000,30000,100000] [--rounds 1] [--keep DIR]

1. generates `--reports` text reports (nianbao.synth, with damage and some invalid records)
   and ingests them into SQLite - 3,000 reports is a province's year;
2. exports all of them as csv / json / parquet (wide and long), the XLSX workbook (报告,
   layout blocks, 明细 one row per cell) and the 问题清单 (XLSX, DOCX): CPU, wall, peak RSS
   and file size of each; the baseline is the same rows loaded whole (`Store.wide()` /
   `Store.long()`: one DataFrame), what a non-streaming export starts from;
3. grows the store (SQL copies, as bench/ingest.py does) to each size of `--long-at` and
   exports the long shape (one row per cell) as CSV and Parquet: peak memory stays flat
   while the rows grow, because the rows are read and written a slice at a time.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import show  # noqa: E402


def _child(fn: Callable[[], object], conn) -> None:  # type: ignore[no-untyped-def]
    c0, t0 = time.process_time(), time.perf_counter()
    detail = fn()
    r = resource.getrusage(resource.RUSAGE_SELF)
    conn.send((time.process_time() - c0, time.perf_counter() - t0, r.ru_maxrss / 1024, detail))


def measure(fn: Callable[[], object]) -> tuple[float, float, float, object]:
    """(CPU s, wall s, peak RSS MB, what fn returned) of fn run in a forked child."""
    ctx = multiprocessing.get_context("fork")
    a, b = ctx.Pipe()
    p = ctx.Process(target=_child, args=(fn, b))
    p.start()
    b.close()  # so that a child that dies ends recv() with EOFError
    try:
        return a.recv()
    finally:
        p.join()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=3000)
    ap.add_argument("--long-at", default="3000,30000,100000", help="store sizes for the long CSV/Parquet exports")
    ap.add_argument("--keep", type=Path, default=None, help="keep the database and the files in this folder")
    args = ap.parse_args()

    from nianbao import Store
    from nianbao.exports import ReportFilter, build_issues, export_data, write_issues
    from nianbao.synth import corpus

    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    store = Store(f"sqlite:///{db}")
    if len(store.reports(limit=args.reports)) < args.reports:
        t0 = time.perf_counter()
        items = [(f"{s.name}.txt", s.text.encode("utf-8")) for s in
                 corpus(args.reports, seed=9, layouts=("txt", "space", "pipe", "md"), corruption_rate=0.5,
                        invalid_rate=0.2)]
        summary = store.ingest(items, workers=2)
        print(f"ingested {summary.new} reports in {time.perf_counter() - t0:.0f} s")
    store.close()
    everything = ReportFilter()

    def job(fn: Callable[[Store], object]) -> Callable[[], object]:
        def run() -> object:
            with Store(f"sqlite:///{db}") as s:
                return fn(s)
        return run

    def export(file: str, fmt: str, shape: str) -> Callable[[], object]:
        return job(lambda s: export_data(s, work / file, everything, fmt, shape).rows)

    n = measure(job(lambda s: len(s.reports())))[3]
    print(f"{n:,} reports; each line: CPU, wall, peak memory of a child process doing only that "
          f"(load average {os.getloadavg()[0]:.1f})")
    rows = []

    def line(name: str, fn: Callable[[], object], file: str | None = None) -> tuple[float, float]:
        cpu, wall, peak, detail = measure(fn)
        size = f", {(work / file).stat().st_size / 1e6:6.1f} MB file" if file else ""
        rows.append((name, f"{cpu:6.2f} s CPU, {wall:6.2f} s wall, peak {peak:5.0f} MB{size}  ({detail:,} rows)"))
        print(f"{name}: {rows[-1][1]}", flush=True)  # as it goes; the table follows
        return cpu, peak

    line("baseline: Store.wide() whole", job(lambda s: len(s.wide())))
    base_cpu, base_peak = line("baseline: Store.long() whole", job(lambda s: len(s.long())))
    for shape in ("wide", "long"):
        for fmt in ("csv", "json", "parquet"):
            line(f"{fmt}, {shape}", export(f"all.{shape}.{fmt}", fmt, shape), f"all.{shape}.{fmt}")
    xcpu, xpeak = line("xlsx workbook", export("all.xlsx", "xlsx", "wide"), "all.xlsx")
    rows.append(("xlsx / loading long whole", f"CPU {xcpu / base_cpu:.2f}x, peak memory {xpeak / base_peak:.2f}x "
                                              f"(target: <= 5 s CPU, <= 200 MB for a year of 3,000 reports)"))
    for fmt in ("xlsx", "docx"):
        line(f"问题清单, {fmt}", job(lambda s, fmt=fmt: (write_issues(build_issues(s, everything),
                                                                     work / f"问题清单.{fmt}"), 0)[1]),
             f"问题清单.{fmt}")
    show(rows)
    print()
    long_flat(work, db, [int(x) for x in args.long_at.split(",") if x])
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


def long_flat(work: Path, db: Path, sizes: list[int]) -> None:
    """The long shape of growing stores: peak memory stays flat."""
    from ingest import grow  # bench/ingest.py

    from nianbao import Store
    from nianbao.exports import ReportFilter, export_data

    rows = []
    for size in sizes:
        with Store(f"sqlite:///{db}") as s:
            t0 = time.perf_counter()
            grow(s, size)
            grown = time.perf_counter() - t0
        for fmt in ("csv", "parquet"):
            def run(fmt: str = fmt) -> object:
                with Store(f"sqlite:///{db}") as s:
                    return export_data(s, work / f"long.{fmt}", ReportFilter(), fmt, "long").rows
            cpu, wall, peak, n = measure(run)
            rows.append((f"long {fmt}, {size:,} reports", f"{cpu:7.1f} s CPU, {wall:7.1f} s wall, peak {peak:5.0f} MB, "
                         f"{n:,} rows, {(work / f'long.{fmt}').stat().st_size / 1e6:,.0f} MB file "
                         f"(store grown in {grown:.0f} s)"))
            print(f"{rows[-1][0]}  {rows[-1][1]}", flush=True)
    print()
    show(rows)


if __name__ == "__main__":
    main()
