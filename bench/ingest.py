"""Ingest throughput into SQLite and PostgreSQL, the cross-report checks from 10k to 100k
reports, and query times on the grown store.

    python bench/ingest.py [--reports 10000] [--workers 2] [--total 100000]
                           [--cross-at 10000,50000,100000] [--db sqlite,postgresql] [--rounds 5] [--keep DIR]

1. generates `--reports` text reports (nianbao.synth, the text layouts, with damage) as files;
2. ingests them with `--workers` parse processes into a new database (a SQLite file, or a
   PostgreSQL database created for the run and dropped after it) by the command's own code
   path (iter_inputs -> process pool -> batched writes), and prints reports/s, the CPU time
   each report costs (parse processes + reader/writer + cross checks: a figure that does not
   depend on what else runs on the machine) beside the parse alone, the database's size per
   report by table, peak memory and the extrapolation to a million reports;
3. grows the store by SQL copies (copy k: a copy of each agency, k years later) to each size
   of `--cross-at` and times the cross-report checks of every report there with the blocked
   near-duplicate join and with the old all-pairs checker (`_crosscheck_old.py`), checks
   their findings are the same, and fits the exponent of CPU time against reports;
4. times the typical queries on the grown store (median and spread of `--rounds` runs).
With `--db sqlite,postgresql` both run in this process and their ratio is printed.
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import generate, peak_rss_mb, repeat, show  # noqa: E402

def cpu_seconds() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


PG_SERVER = os.environ.get("NIANBAO_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def bench_database(kind: str, work: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file in `work`, or a PostgreSQL database
    created for this run and dropped afterwards."""
    if kind == "sqlite":
        for p in work.glob("bench.db*"):
            p.unlink()
        yield f"sqlite:///{work / 'bench.db'}"
        return
    import sqlalchemy as sa

    name = f"nianbao_bench_{os.getpid()}"
    admin = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def table_sizes(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Bytes on disk of each table with its indexes (and TOAST on PostgreSQL)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON "
                "n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'").all()
            return dict(rows)
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.exec_driver_sql("SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
                                    "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1").all()
        out: dict[str, int] = {}
        for name, size in rows:
            key = "sections_fts" if name.startswith("sections_fts") else name
            out[key] = out.get(key, 0) + size
        return out


def grow(store, total: int) -> None:  # type: ignore[no-untyped-def]
    """Copy the reports first stored (and all their rows) until there are `total`, in SQL.
    Copy k of a report belongs to a copy of its agency (same name and region: the region's
    blocks grow with the store) and to a year k later (modulo 7)."""
    import sqlalchemy as sa

    from nianbao.store import db

    pg = store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:  # the originals: copies' hashes and agency keys end in -k
        n = conn.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
        top, base = conn.execute(sa.text("SELECT max(id), count(*) FROM reports WHERE content_hash NOT LIKE '%-%'")).one()
        atop = conn.execute(sa.text("SELECT max(id) FROM agencies WHERE key NOT LIKE '%-%'")).scalar_one()
    k = -(-(n - base) // base)
    while n < total:
        k += 1
        want = min(base, total - n)
        off, aoff = top * k, atop * k
        pct = "%%" if pg else "%"
        with db.write(store.engine) as conn:
            x = conn.exec_driver_sql
            where = (f"id <= {top} AND id <= (SELECT id FROM reports WHERE id <= {top} ORDER BY id LIMIT 1 "
                     f"OFFSET {want - 1})")
            x(f"""INSERT INTO agencies (id, key, core, anchor, name, region, level, division_code, path, created_at)
                  SELECT id + {aoff}, key || '-{k}', core, anchor, name, region, level, division_code, path, created_at
                  FROM agencies WHERE id <= {atop}""")
            x(f"""INSERT INTO reports (id, content_hash, size, agency_id, agency, region, level, year, template, title,
                    publish_date, source_name, reader, encoding, pages, parser_version, status, error_kind, error,
                    error_en, n_errors, n_warnings, n_infos, fingerprint, text_hash, cross_pending, ingested_at, parsed_at)
                  SELECT id + {off}, content_hash || '-{k}', size, agency_id + {aoff}, agency, region, level,
                    2019 + ((year - 2019 + {k}) {pct} 7), template, title, publish_date, source_name || '-{k}', reader,
                    encoding, pages, parser_version, status, error_kind, error, error_en, n_errors, n_warnings, n_infos,
                    NULL, NULL, FALSE, ingested_at, parsed_at FROM reports WHERE {where}""")
            for table, cols in (("report_cells", "data"), ("report_values", "data"), ("documents", "data")):
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
            if not pg:
                from nianbao.store.search import bigrams

                rows = conn.execute(sa.text(f"SELECT id, text FROM sections WHERE id > {first}")).all()
                x("INSERT INTO sections_fts(rowid, bigrams) VALUES (?, ?)", [(i, bigrams(t)) for i, t in rows])
        n += want


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
    ap.add_argument("--reports", type=int, default=10000, help="reports generated and ingested")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--total", type=int, default=100000, help="grow the store to this many reports (SQL copies)")
    ap.add_argument("--cross-at", default="10000,50000,100000",
                    help="store sizes at which the cross-report checks are timed (new and old, on the same rows)")
    ap.add_argument("--baseline-max", type=int, default=100000, help="time the old all-pairs checker up to this size")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--db", default="sqlite", help="sqlite, postgresql, or both: sqlite,postgresql")
    ap.add_argument("--keep", type=Path, default=None, help="keep the corpus (and the SQLite file) in this folder")
    args = ap.parse_args()

    from nianbao import Store

    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    files = corpus_files(work, args.reports)
    sizes = sorted({int(x) for x in args.cross_at.split(",") if x and int(x) <= args.total} | {args.total})
    figures: dict[str, dict[str, float]] = {}
    for kind in args.db.split(","):
        print(f"== {kind}")
        with bench_database(kind, work) as url:
            store = Store(url)
            figures[kind] = ingest_phase(args, files, store)
            cross_phase(store, sizes, args.baseline_max)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
            query_phase(store, args.rounds)
            store.close()
        print()
    if len(figures) == 2:
        (a, fa), (b, fb) = figures.items()
        show([(f"{b} / {a}", f"CPU per report {fb['cpu_ms'] / fa['cpu_ms']:.2f}x (this process + parse processes; "
                             f"the database server's CPU not counted), wall {fb['wall'] / fa['wall']:.2f}x, "
                             f"size per report {fb['kb'] / fa['kb']:.2f}x")])
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


def corpus_files(work: Path, n: int) -> list[Path]:
    corpus_dir = work / "corpus"
    if not corpus_dir.exists() or len(list(corpus_dir.iterdir())) < n:
        corpus_dir.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        generate(corpus_dir, n, max(1, os.cpu_count() or 1))
        print(f"generated {n} reports in {time.perf_counter() - t0:.0f} s")
    return sorted(corpus_dir.iterdir())[:n]


def ingest_phase(args: argparse.Namespace, files: list[Path], store) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from nianbao.inputs import iter_inputs
    from nianbao.store.ingest import ingest, warm_up

    size_kb = sum(p.stat().st_size for p in files) / len(files) / 1024
    t0 = time.perf_counter()
    warm_up()  # once per ingest (dictionaries the forked workers then share); timed separately
    warm = time.perf_counter() - t0
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    summary = ingest(store.engine, iter_inputs(files), workers=args.workers, run_crosscheck=False)
    wall = time.perf_counter() - t0
    cpu1 = cpu_seconds()
    t1, c1 = time.perf_counter(), time.process_time()
    cross = store.crosscheck()
    cross_s, cross_cpu = time.perf_counter() - t1, time.process_time() - c1
    n = summary.new
    main_cpu, kids_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    sizes = table_sizes(store.engine)
    total = sum(sizes.values())
    cores = min(args.workers, os.cpu_count() or 1)
    cpu_ms = 1000 * (kids_cpu + main_cpu + cross_cpu) / n
    kids_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    biggest = ", ".join(f"{k} {v / n / 1024:.1f}" for k, v in sorted(sizes.items(), key=lambda kv: -kv[1])[:7])
    rows = [
        ("reports", f"{n:,} new ({summary.failed} failed, {summary.with_errors} with errors), {size_kb:.1f} KB each"),
        ("ingest, total", f"{n / wall:,.0f} reports/s with {args.workers} parse processes ({wall:.1f} s wall)"),
        ("cpu per report", f"{1000 * kids_cpu / n:.2f} ms parsing+checking (the floor: parse processes), "
                           f"{1000 * main_cpu / n:.2f} ms reading+writing, {1000 * cross_cpu / n:.2f} ms cross checks "
                           f"-> {cpu_ms:.2f} ms = {1000 / cpu_ms:,.0f} reports/s per idle core, "
                           f"end to end / parse alone {cpu_ms / (1000 * kids_cpu / n):.2f}x"),
        ("start-up", f"{warm:.1f} s once per run (loading dictionaries before the workers fork)"),
        ("cross-report checks", f"{cross.checked:,} reports, {cross.findings} findings, {cross_s:.1f} s"),
        ("database", f"{total / 1e6:,.1f} MB = {total / n / 1024:.1f} KB per report (target 20); "
                     f"KB per report by table: {biggest}"),
        ("peak memory", f"{peak_rss_mb():.0f} MB this process (reader, writer), {kids_peak:.0f} MB the largest "
                        f"parse process"),
        ("one million", f"{1e6 * cpu_ms / 1000 / cores / 60:,.0f} min of CPU on {cores} idle cores "
                        f"(at this run's CPU per report), {1e6 * total / n / 1e9:,.1f} GB"),
        ("load average", f"{os.getloadavg()[0]:.1f} (other processes share the cores)"),
    ]
    show(rows)
    print()
    return {"cpu_ms": cpu_ms, "wall": wall / n, "kb": total / n / 1024}


def findings_snapshot(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return sorted(conn.exec_driver_sql(
            "SELECT report_id, rule, message, actual, related_report_id FROM findings WHERE scope = 'cross'").all())


def cross_phase(store, sizes: list[int], baseline_max: int) -> None:  # type: ignore[no-untyped-def]
    """Grow the store to each size and time every report's cross checks there: the blocked
    near-duplicate join (now) and the all-pairs checker (before), on the same rows; their
    findings must be the same.  Prints the fitted exponent of time against reports."""
    import numpy as np

    import _crosscheck_old as old
    from nianbao.store import crosscheck

    print("cross-report checks of every report (CPU of this process; wall beside):")
    new_cpu: list[float] = []
    rows = []
    for size in sizes:
        t0 = time.perf_counter()
        grow(store, size)
        grown = time.perf_counter() - t0
        timings = {}
        snaps = {}
        for name, fn in (("new", crosscheck.run), ("old", old.run)):
            if name == "old" and size > baseline_max:
                continue
            c0, t0 = time.process_time(), time.perf_counter()
            summary = fn(store.engine, everything=True)
            timings[name] = (time.process_time() - c0, time.perf_counter() - t0)
            snaps[name] = findings_snapshot(store.engine)
        new_cpu.append(timings["new"][0])
        line = f"new {timings['new'][0]:6.1f} s CPU ({timings['new'][1]:5.1f} s wall), {summary.findings:,} findings"
        if "old" in timings:
            same = "same findings" if snaps["old"] == snaps["new"] else "FINDINGS DIFFER"
            line += (f"; old all-pairs {timings['old'][0]:6.1f} s CPU ({timings['old'][1]:5.1f} s wall); "
                     f"new / old {timings['new'][0] / timings['old'][0]:.2f}x; {same}")
        rows.append((f"{size:,} reports (grown in {grown:.0f} s)", line))
        print(f"{rows[-1][0]}: {line}", flush=True)  # as it goes; the table follows
    show(rows)
    if len(sizes) > 1:
        slope = np.polyfit(np.log(sizes), np.log(new_cpu), 1)[0]
        print(f"fitted exponent (CPU ~ reports^k): k = {slope:.2f} (target <= 1.1)")
    print()


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
