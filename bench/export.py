"""Export times: every format and shape, and the 问题清单, from a store of generated reports.

    python bench/export.py [--reports 2000] [--rounds 3] [--keep DIR]

Generates `--reports` text reports (nianbao.synth, with damage and some invalid records),
ingests them into SQLite, then times (median and spread of `--rounds` runs) each export of
all reports: csv / json / parquet in the wide and the long shape, the XLSX workbook, and
the 问题清单 as XLSX and DOCX; prints the file sizes and the peak memory.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import peak_rss_mb, repeat, show  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
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
    everything = ReportFilter()
    n = len(store.reports())
    with store.engine.connect() as conn:
        cells = conn.exec_driver_sql("SELECT count(*) FROM cells").scalar_one()
    rows = []
    jobs = [(f"{fmt}, {shape}", f"all.{shape}.{fmt}", fmt, shape) for shape in ("wide", "long")
            for fmt in ("csv", "json", "parquet")] + [("xlsx workbook", "all.xlsx", "xlsx", "wide")]
    for name, file, fmt, shape in jobs:
        med, spread, _ = repeat(lambda: export_data(store, work / file, everything, fmt, shape), args.rounds)
        size = (work / file).stat().st_size
        rows.append((name, f"{med:6.2f} s median, spread {spread:.2f} s, {size / 1e6:6.1f} MB"))
    issues = build_issues(store, everything)
    med, spread, _ = repeat(lambda: build_issues(store, everything), args.rounds)
    rows.append(("问题清单, collected", f"{med:6.2f} s median, spread {spread:.2f} s "
                                     f"({issues.total} issues of {len(issues.agencies)} agencies)"))
    for fmt in ("xlsx", "docx"):
        med, spread, _ = repeat(lambda: write_issues(issues, work / f"问题清单.{fmt}"), args.rounds)
        rows.append((f"问题清单, {fmt}", f"{med:6.2f} s median, spread {spread:.2f} s, "
                                        f"{(work / f'问题清单.{fmt}').stat().st_size / 1e6:.1f} MB"))
    print(f"{n:,} reports, {cells:,} cells, load average {os.getloadavg()[0]:.1f}")
    show(rows)
    print(f"peak memory: {peak_rss_mb():.0f} MB")
    store.close()
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
