"""Export costs: every format and shape, each in a fresh Python process of its own (so that
its CPU time and peak memory are its own: a forked child would count the parent's pages, the
generated corpus included), beside the baseline of loading the same rows whole.

    python bench/export.py [--reports 3000] [--long-at 3000,30000,100000] [--keep DIR]

1. generates `--reports` text reports (nianbao.synth, with damage and some invalid records)
   and ingests them into SQLite - 3,000 reports is a province's year;
2. exports all of them as csv / json / parquet (wide and long), the XLSX workbook (统计表,
   报告, 说明; and with --detail's 明细, one row per cell) and the 问题清单 (XLSX, DOCX): CPU,
   wall, peak RSS and file size of each; the baseline is the same rows loaded whole
   (`Store.wide()` / `Store.long()`: one DataFrame), what a non-streaming export starts from;
3. grows the store (SQL copies, as bench/ingest.py does) to each size of `--long-at` and
   exports the long shape (one row per cell) as CSV and Parquet: peak memory stays flat
   while the rows grow, because the rows are read and written a slice at a time.

Peak RSS includes the interpreter and the imported libraries (pandas, SQLAlchemy: about
130 MB before any work); CPU is counted from after those imports.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import show, target  # noqa: E402


def job(spec: str, db: Path, work: Path) -> object:
    """Run one measured job in this (fresh) process: "count", "wide", "long",
    "export:FMT:SHAPE:FILE[:detail]", "issues:FMT"; returns its row count."""
    from nianbao import Store
    from nianbao.exports import ReportFilter, build_issues, export_data, write_issues

    kind, *args = spec.split(":")
    everything = ReportFilter()
    with Store(f"sqlite:///{db}") as s:
        if kind == "count":
            return len(s.reports())
        if kind in ("wide", "long"):
            return len(s.wide() if kind == "wide" else s.long())
        if kind == "export":
            fmt, shape, file, *detail = args
            extra = {"detail": True} if detail else {}  # (a version without `detail` runs the rest)
            return export_data(s, work / file, everything, fmt, shape, **extra).rows
        write_issues(build_issues(s, everything), work / f"问题清单.{args[0]}")
        return 0


def _child(spec: str, db: Path, work: Path) -> None:
    import pandas  # noqa: F401  (imported before the clock starts, as every job needs it)
    import nianbao.exports  # noqa: F401

    c0, t0 = time.process_time(), time.perf_counter()
    detail = job(spec, db, work)
    print(json.dumps([time.process_time() - c0, time.perf_counter() - t0, _peak_mb(), detail]))


def _peak_mb() -> float:
    """This process's peak resident set (VmHWM: ru_maxrss would keep the launching parent's
    peak across fork and exec)."""
    import resource

    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(spec: str, db: Path, work: Path) -> tuple[float, float, float, object]:
    """(CPU s, wall s, peak RSS MB, rows) of `spec` run in a fresh interpreter."""
    done = subprocess.run([sys.executable, __file__, "--job", spec, "--db", str(db), "--keep", str(work)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{spec} failed:\n{done.stderr}")
    cpu, wall, peak, detail = json.loads(done.stdout.strip().splitlines()[-1])
    return cpu, wall, peak, detail


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=3000)
    ap.add_argument("--long-at", default="3000,30000,100000", help="store sizes for the long CSV/Parquet exports")
    ap.add_argument("--keep", type=Path, default=None, help="keep the database and the files in this folder")
    ap.add_argument("--job", help=argparse.SUPPRESS)  # one measured job, run by `measure`
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.job:
        return _child(args.job, args.db, args.keep)

    from nianbao import Store
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
        del items
    store.close()

    n = measure("count", db, work)[3]
    print(f"{n:,} reports; each line: CPU, wall, peak memory of a fresh process doing only that "
          f"(load average {os.getloadavg()[0]:.1f})")
    rows = []

    def line(name: str, spec: str, file: str | None = None) -> tuple[float, float]:
        cpu, wall, peak, detail = measure(spec, db, work)
        size = f", {(work / file).stat().st_size / 1e6:6.1f} MB file" if file else ""
        rows.append((name, f"{cpu:6.2f} s CPU, {wall:6.2f} s wall, peak {peak:5.0f} MB{size}  ({detail:,} rows)"))
        print(f"{name}: {rows[-1][1]}", flush=True)  # as it goes; the table follows
        return cpu, peak

    line("baseline: Store.wide() whole", "wide")
    base_cpu, base_peak = line("baseline: Store.long() whole", "long")
    for shape in ("wide", "long"):
        for fmt in ("csv", "json", "parquet"):
            line(f"{fmt}, {shape}", f"export:{fmt}:{shape}:all.{shape}.{fmt}", f"all.{shape}.{fmt}")
    xcpu, xpeak = line("xlsx workbook", "export:xlsx:wide:all.xlsx", "all.xlsx")
    rows.append(("xlsx / loading long whole", f"CPU {xcpu / base_cpu:.2f}x, peak memory {xpeak / base_peak:.2f}x"))
    rows.append(target(f"xlsx workbook of {args.reports:,} reports, CPU (the target is for 3,000)", xcpu, 5, " s"))
    rows.append(target(f"xlsx workbook of {args.reports:,} reports, peak memory", xpeak, 200, " MB"))
    try:
        dcpu, dpeak = line("xlsx workbook --detail (明细)", "export:xlsx:wide:detail.xlsx:detail", "detail.xlsx")
        rows.append(("xlsx --detail / loading long whole", f"CPU {dcpu / base_cpu:.2f}x, peak memory {dpeak / base_peak:.2f}x"))
    except RuntimeError as e:  # an older version without `detail`
        print(str(e).splitlines()[-1])
    for fmt in ("xlsx", "docx"):
        line(f"问题清单, {fmt}", f"issues:{fmt}", f"问题清单.{fmt}")
    show(rows)
    print()
    sizes = [int(x) for x in args.long_at.split(",") if x]
    if sizes:
        long_flat(work, db, sizes)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


def long_flat(work: Path, db: Path, sizes: list[int]) -> None:
    """The long shape of growing stores: peak memory stays flat.  A copy of the database
    grows (bench.long.db), so that a kept bench.db keeps its `--reports`."""
    import sqlite3

    from ingest import grow  # bench/ingest.py

    from nianbao import Store

    grown_db = work / "bench.long.db"
    with sqlite3.connect(db) as src, sqlite3.connect(grown_db) as dst:
        src.backup(dst)
    rows = []
    peaks: dict[str, list[float]] = {}
    for size in sizes:
        with Store(f"sqlite:///{grown_db}") as s:
            t0 = time.perf_counter()
            grow(s, size)
            grown = time.perf_counter() - t0
        for fmt in ("csv", "parquet"):
            cpu, wall, peak, n = measure(f"export:{fmt}:long:long.{fmt}", grown_db, work)
            rows.append((f"long {fmt}, {size:,} reports", f"{cpu:7.1f} s CPU, {wall:7.1f} s wall, peak {peak:5.0f} MB, "
                         f"{n:,} rows, {(work / f'long.{fmt}').stat().st_size / 1e6:,.0f} MB file "
                         f"(store grown in {grown:.0f} s)"))
            print(f"{rows[-1][0]}  {rows[-1][1]}", flush=True)
            peaks.setdefault(fmt, []).append(peak)
    for fmt, seen in peaks.items():  # flat: the largest store's peak within 1.2x the smallest's
        rows.append(target(f"long {fmt} peak memory, {sizes[-1]:,} / {sizes[0]:,} reports", seen[-1] / seen[0], 1.2, "x"))
    print()
    show(rows)


if __name__ == "__main__":
    main()
