"""Ingest throughput into SQLite, and query times on a store of 100,000 reports.

    python bench/ingest.py [--reports 20000] [--workers 2] [--total 100000] [--rounds 5] [--keep DIR]

1. generates `--reports` text reports (nianbao.synth, the text layouts, with damage) as files;
2. ingests them with `--workers` parse processes into a new SQLite file (the command's own
   code path: iter_inputs -> process pool -> batched writes) and prints reports/s in total
   and per process, the CPU time each report costs (parse processes + writer, which does
   not depend on what else runs on the machine), the cross-report check time and the size
   of the database;
3. grows the store to `--total` reports by copying rows in SQL (new ids, hashes and years;
   the same agencies, so every agency gets a history) and times the typical queries:
   region statistics (a city, a province), one agency's history, a full year's wide table
   (the export query), a region list and a full-text search - median and spread of
   `--rounds` runs each, and peak memory.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import generate, peak_rss_mb, repeat, show  # noqa: E402

def cpu_seconds() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def db_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def grow(store, total: int) -> None:  # type: ignore[no-untyped-def]
    """Copy the stored reports (and all their rows) until there are `total`, in SQL."""
    import sqlalchemy as sa

    from nianbao.store import db

    with store.engine.connect() as conn:
        base = conn.execute(sa.text("SELECT count(*), max(id) FROM reports")).one()
    n, top = base
    copies = (total - n + n - 1) // n
    for k in range(1, copies + 1):
        want = min(n, total - n * k)
        if want <= 0:
            break
        off = top * k
        with db.write(store.engine) as conn:
            x = conn.exec_driver_sql
            where = f"id <= {top} AND id <= (SELECT id FROM reports WHERE id <= {top} ORDER BY id LIMIT 1 OFFSET {want - 1})"
            x(f"""INSERT INTO reports (id, content_hash, size, agency_id, agency, region, level, year, template, title,
                    publish_date, source_name, reader, encoding, pages, parser_version, status, error_kind, error,
                    error_en, n_errors, n_warnings, n_infos, fingerprint, text_hash, cross_pending, ingested_at, parsed_at)
                  SELECT id + {off}, content_hash || '-{k}', size, agency_id, agency, region, level,
                    2019 + ((year - 2019 + {k}) % 7), template, title, publish_date, source_name || '-{k}', reader,
                    encoding, pages, parser_version, status, error_kind, error, error_en, n_errors, n_warnings, n_infos,
                    NULL, NULL, 0, ingested_at, parsed_at FROM reports WHERE {where}""")
            for table, cols in (("cells", "key_id, value, raw, line, span_start, span_end, confidence, method, origin, note"),
                                ("report_values", "data"), ("documents", "data")):
                x(f"INSERT INTO {table} (report_id, {cols}) SELECT report_id + {off}, {cols} FROM {table} "
                  f"WHERE report_id IN (SELECT id FROM reports WHERE {where})")
            x(f"""INSERT INTO findings (report_id, scope, rule, severity, status, message, location, expected, actual,
                    detail, signature) SELECT report_id + {off}, scope, rule, severity, status, message, location,
                    expected, actual, detail, signature FROM findings WHERE scope = 'report'
                    AND report_id IN (SELECT id FROM reports WHERE {where})""")
            first = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM sections")).scalar_one()
            x(f"""INSERT INTO sections (id, report_id, key, number, heading, line_start, line_end, text)
                  SELECT id + {first}, report_id + {off}, key, number, heading, line_start, line_end, text
                  FROM sections WHERE id <= {first} AND report_id IN (SELECT id FROM reports WHERE {where})""")
            from nianbao.store.search import bigrams

            rows = conn.execute(sa.text(f"SELECT id, text FROM sections WHERE id > {first}")).all()
            x("INSERT INTO sections_fts(rowid, bigrams) VALUES (?, ?)", [(i, bigrams(t)) for i, t in rows])


def busiest(store, level: str, year: int) -> str:  # type: ignore[no-untyped-def]
    """The division of `level` ("province" or "city") with most reports in `year`."""
    from collections import Counter

    df = store.reports(year=year)
    agencies = store.agencies().set_index("id")["path"]
    depth = 1 if level == "province" else 2
    counts: Counter[str] = Counter()
    for agency_id in df["agency_id"].dropna():
        parts = [p for p in str(agencies.get(int(agency_id), "")).split("/") if p]
        if len(parts) > depth:
            counts[parts[depth - 1]] += 1
    return counts.most_common(1)[0][0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--total", type=int, default=100000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", type=Path, default=None, help="keep the corpus and the database in this folder")
    ap.add_argument("--queries-only", action="store_true", help="reuse the grown store in --keep DIR; time the queries")
    args = ap.parse_args()

    from nianbao import Store

    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "bench.db"
    if not args.queries_only:
        ingest_phase(args, work, db_path)
        store = Store(f"sqlite:///{db_path}")
        t0 = time.perf_counter()
        grow(store, args.total)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("ANALYZE")
        print(f"store grown to {args.total:,} reports in {time.perf_counter() - t0:.0f} s, "
              f"{db_size(db_path) / 1e6:,.0f} MB")
        store.close()
    query_phase(Store(f"sqlite:///{db_path}"), args.rounds)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


def ingest_phase(args: argparse.Namespace, work: Path, db_path: Path) -> None:
    from nianbao import Store
    from nianbao.inputs import iter_inputs
    from nianbao.store.ingest import ingest, warm_up

    corpus_dir = work / "corpus"
    if not corpus_dir.exists() or len(list(corpus_dir.iterdir())) < args.reports:
        corpus_dir.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        generate(corpus_dir, args.reports, max(1, os.cpu_count() or 1))
        print(f"generated {args.reports} reports in {time.perf_counter() - t0:.0f} s")
    for p in work.glob("bench.db*"):
        p.unlink()
    files = sorted(corpus_dir.iterdir())[: args.reports]
    size_kb = sum(p.stat().st_size for p in files) / len(files) / 1024

    store = Store(f"sqlite:///{db_path}")
    t0 = time.perf_counter()
    warm_up()  # once per ingest (dictionaries the forked workers then share); timed separately
    warm = time.perf_counter() - t0
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    summary = ingest(store.engine, iter_inputs(files), workers=args.workers, run_crosscheck=False)
    wall = time.perf_counter() - t0
    cpu1 = cpu_seconds()
    t1 = time.perf_counter()
    cross = store.crosscheck()
    cross_s = time.perf_counter() - t1
    n = summary.new
    main_cpu, kids_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    load = os.getloadavg()[0]
    rows = [
        ("reports", f"{n:,} new ({summary.failed} failed, {summary.with_errors} with errors), {size_kb:.1f} KB each"),
        ("ingest, total", f"{n / wall:,.0f} reports/s with {args.workers} parse processes ({wall:.1f} s)"),
        ("ingest, per process", f"{n / wall / args.workers:,.0f} reports/s"),
        ("cpu per report", f"{1000 * kids_cpu / n:.2f} ms parsing+checking, {1000 * main_cpu / n:.2f} ms reading+writing "
                           f"-> {n / (kids_cpu + main_cpu) * min(args.workers, os.cpu_count() or 1):,.0f} reports/s "
                           f"on {min(args.workers, os.cpu_count() or 1)} idle cores"),
        ("start-up", f"{warm:.1f} s once per run (loading dictionaries before the workers fork)"),
        ("cross-report checks", f"{cross.checked:,} reports, {cross.findings} findings, {cross_s:.1f} s"),
        ("database", f"{db_size(db_path) / 1e6:,.0f} MB ({db_size(db_path) / n / 1024:.1f} KB per report)"),
        ("load average", f"{load:.1f} (other processes share the cores)"),
    ]
    show(rows)
    print()
    store.close()


def query_phase(store, rounds: int) -> None:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT count(*) FROM reports").scalar()
    year = 2023
    city, province = busiest(store, "city", year), busiest(store, "province", year)
    agency_id = int(store.reports(year=year)["agency_id"].dropna().value_counts().index[0])
    wide_rows = len(store.wide(year=year))
    queries = {
        f"region stats, city ({city})": lambda: store.region_stats(city, year),
        f"region stats, province ({province})": lambda: store.region_stats(province, year),
        "one agency's history (compare)": lambda: store.compare(agency_id),
        "one agency's reports (list)": lambda: store.reports(agency=agency_id),
        f"full year wide table ({wide_rows:,} reports x all cells)": lambda: store.wide(year=year),
        f"full year list ({wide_rows:,} reports, counts)": lambda: store.reports(year=year),
        "full year findings": lambda: store.findings(year=year),
        f"region list ({province}, {year})": lambda: store.reports(region=province, year=year),
        "full-text search (section 五, a city)": lambda: store.search("栏目更新", sections=["problems"], year=year,
                                                                      region=city),
    }
    print(f"queries on {total:,} reports (median and spread of {rounds} runs; CPU time of this process beside "
          f"it, which other processes on the machine do not inflate; load average {os.getloadavg()[0]:.1f}):")
    rows = []
    for name, fn in queries.items():
        fn()  # warm the page cache
        cpu: list[float] = []

        def timed() -> None:
            c = time.process_time()
            fn()
            cpu.append(time.process_time() - c)

        med, spread, _ = repeat(timed, rounds)
        rows.append((name, f"{med * 1000:7.1f} ms median, spread {spread * 1000:5.1f} ms  "
                           f"(cpu {statistics.median(cpu) * 1000:6.1f} ms)"))
    show(rows)
    print(f"peak memory: {peak_rss_mb():.0f} MB")
    store.close()


if __name__ == "__main__":
    main()
