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

    python bench/ingest.py --steps 10000,50000,100000 [--corpus DIR] [--db sqlite]

instead ingests the first 10k files, then the next 40k, then the next 50k into the same
store (all from files, each step in a child process), and prints each step's CPU, disk and
peak memory per report, their fitted exponents against the reports stored (1: flat per
report) and the extrapolation to a million.
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import generate, peak_rss_mb, repeat, show, target  # noqa: E402

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


def grow(store, total: int, copied_share: float = 1.0, own_regions: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Copy the reports first stored (and all their rows) until there are `total`, in SQL.
    Copy k of a report belongs to a copy of its agency (same name and region: the region's
    blocks grow with the store) and to a year k later (modulo 7).  Its section 五 is the
    copied one for a share `copied_share` of the copies, else a text of its own
    (`own_problems`): an agency copying another's section 五 is the exception.  With
    `own_regions`, copy k's agencies are in a region of their own (the name + "-k"): a
    bigger store is more regions, each region-year block the size of the first stored
    reports' (a real store's blocks, a county's agencies, do not grow with the store)."""
    import sqlalchemy as sa

    from nianbao.store import db

    pg = store.engine.dialect.name == "postgresql"
    with store.engine.connect() as conn:  # the originals: copies' hashes and agency keys end in -k
        n = conn.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
        top, base = conn.execute(sa.text("SELECT max(id), count(*) FROM reports WHERE content_hash NOT LIKE '%-%'")).one()
        atop = conn.execute(sa.text("SELECT max(id) FROM agencies WHERE key NOT LIKE '%-%'")).scalar_one()
    k = -(-(n - base) // base)
    while n < total:
        region = f"region || '-{k + 1}'" if own_regions else "region"
        k += 1
        want = min(base, total - n)
        off, aoff = top * k, atop * k
        pct = "%%" if pg else "%"
        with db.write(store.engine) as conn:
            x = conn.exec_driver_sql
            where = (f"id <= {top} AND id <= (SELECT id FROM reports WHERE id <= {top} ORDER BY id LIMIT 1 "
                     f"OFFSET {want - 1})")
            x(f"""INSERT INTO agencies (id, key, core, anchor, name, region, level, division_code, path, created_at)
                  SELECT id + {aoff}, key || '-{k}', core, anchor, name, {region}, level, division_code, path, created_at
                  FROM agencies WHERE id <= {atop}""")
            x(f"""INSERT INTO reports (id, content_hash, size, agency_id, agency, region, level, year, template, title,
                    publish_date, source_name, reader, encoding, pages, parser_version, status, error_kind, error,
                    error_en, n_errors, n_warnings, n_infos, fingerprint, text_hash, cross_pending, ingested_at, parsed_at)
                  SELECT id + {off}, content_hash || '-{k}', size, agency_id + {aoff}, agency, {region}, level,
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
            rewrite_problems(conn, f"id > {first}", copied_share, seed=k)
            if not pg:
                from nianbao.store.search import bigrams

                rows = conn.execute(sa.text(f"SELECT id, text FROM sections WHERE id > {first}")).all()
                x("INSERT INTO sections_fts(rowid, bigrams) VALUES (?, ?)", [(i, bigrams(t)) for i, t in rows])
        n += want


_TOPICS = ("政策解读", "栏目维护", "依申请公开答复", "政务新媒体管理", "基层政务公开", "重点领域信息公开", "公开平台建设",
           "保密审查", "业务培训", "监督考核", "规范性文件清理", "办事指南编制", "政府数据开放", "政府网站内容保障",
           "意见征集反馈", "回应社会关切", "主动公开目录", "公开指南更新", "档案移交", "会议开放")
_ISSUES = ("还不够及时", "规范性有待加强", "覆盖面不够广", "质量有待提高", "形式较为单一", "机制尚不健全",
           "力度仍需加大", "与群众期待还有差距", "衔接不够顺畅", "标准化程度不高", "针对性不强", "深度不够")
_REMEDIES = ("建立定期检查机制", "加强人员培训", "完善审核流程", "拓展发布渠道", "细化工作台账", "强化考核问责",
             "开展专项自查", "优化栏目设置", "加强部门协同", "健全回应机制")
_SYLLABLES = "安宝北城春大东丰福港河和红华吉江金锦京兰临龙马梅南平青清泉三山石顺太桃天田万温西仙新兴阳永玉云长正中"


def own_problems(rng) -> str:  # type: ignore[no-untyped-def]
    """A section 五 of an agency's own: its problems and its plans in words of its own."""
    topics = rng.sample(_TOPICS, 4)
    place = "".join(rng.choice(_SYLLABLES) for _ in range(4))
    issues = "；".join(f"{t}{rng.choice(_ISSUES)}" for t in topics[:3])
    return (f"一是{issues}。二是结合{place}片区工作实际，{topics[3]}{rng.choice(_ISSUES)}。"
            f"下一步，将{rng.choice(_REMEDIES)}、{rng.choice(_REMEDIES)}，推动{rng.choice(_TOPICS)}工作提质增效。")


def rewrite_problems(conn, which: str, copied_share: float, seed: int) -> None:  # type: ignore[no-untyped-def]
    """Give the copies' section 五 (the sections `which` selects, an SQL condition) texts
    of their own, but for a share `copied_share` that keep the copied text."""
    import random

    import sqlalchemy as sa

    if copied_share >= 1:
        return
    rng = random.Random(seed)
    rows = conn.execute(sa.text(f"SELECT id FROM sections WHERE {which} AND key = 'problems'")).all()
    new = [{"id": sid, "t": own_problems(rng)} for (sid,) in rows if rng.random() >= copied_share]
    if new:  # PostgreSQL's search index is on an expression of the text: it follows by itself
        conn.execute(sa.text("UPDATE sections SET text = :t WHERE id = :id"), new)


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
    ap.add_argument("--copied-share", type=float, default=0.05,
                    help="share of the SQL copies that keep the copied section 五 (1: all, as identical as can be)")
    ap.add_argument("--own-regions", action="store_true",
                    help="each SQL copy's agencies in a region of their own: region-year blocks keep their size "
                         "as the store grows (by default copies share the originals' regions: blocks fill up)")
    ap.add_argument("--marginal-at", type=int, default=0,
                    help="instead of steps 2 and 4: the same reports ingested into the empty store and into the "
                         "store grown to this many by copies (cross checks timed on the way at --cross-at sizes)")
    ap.add_argument("--steps", default="",
                    help="instead of the phases above: ingest the files in cumulative steps (e.g. 10000,50000,100000), "
                         "each step from files in a child process: CPU, disk and peak memory per report of each step")
    ap.add_argument("--corpus", type=Path, default=None, help="with --steps: the folder of report files (else generated)")
    ap.add_argument("--child-ingest", help=argparse.SUPPRESS)
    ap.add_argument("--child-files", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_ingest:
        return _child_ingest(args.child_ingest, args.child_files, args.workers)

    from nianbao import Store

    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.steps:
        steps_main(args, work)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        return
    files = corpus_files(work, args.reports)
    sizes = sorted({int(x) for x in args.cross_at.split(",") if x and int(x) <= args.total} | {args.total})
    figures: dict[str, dict[str, float]] = {}
    for kind in args.db.split(","):
        print(f"== {kind}")
        with bench_database(kind, work) as url:
            store = Store(url)
            if args.marginal_at:
                figures[kind] = marginal_phase(args, files, store, url, work, sizes)
                store.close()
                continue
            figures[kind] = ingest_phase(args, files, store)
            cross_phase(store, sizes, args.baseline_max, args.copied_share, args.own_regions)
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
            query_phase(store, args.rounds)
            store.close()
        print()
    if len(figures) == 2 and args.marginal_at:
        (a, fa), (b, fb) = figures.items()
        show([(f"{b} / {a} at {args.marginal_at:,}", f"CPU per report {fb['cpu_ms'] / fa['cpu_ms']:.2f}x, "
                                                     f"disk per report {fb['kb'] / fa['kb']:.2f}x")])
    elif len(figures) == 2:
        (a, fa), (b, fb) = figures.items()
        show([(f"{b} / {a}", f"CPU per report {fb['cpu_ms'] / fa['cpu_ms']:.2f}x (this process + parse processes; "
                             f"the database server's CPU not counted), wall {fb['wall'] / fa['wall']:.2f}x, "
                             f"size per report {fb['kb'] / fa['kb']:.2f}x"),
              target(f"{b} / {a}: CPU per report", fb["cpu_ms"] / fa["cpu_ms"], 1.2, "x")])
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
        target(f"{store.engine.dialect.name}: reports per CPU second, end to end", 1000 / cpu_ms, 250, "/s", at_most=False),
        target(f"{store.engine.dialect.name}: database per report", total / n / 1024, 20, " KB"),
        target(f"{store.engine.dialect.name}: one million on {cores} cores, CPU", 1e6 * cpu_ms / 1000 / cores / 60, 30,
               " min"),
    ]
    show(rows)
    print()
    return {"cpu_ms": cpu_ms, "wall": wall / n, "kb": total / n / 1024}


def findings_snapshot(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return sorted(conn.exec_driver_sql(
            "SELECT report_id, rule, message, actual, related_report_id FROM findings WHERE scope = 'cross'").all())


def cross_phase(store, sizes: list[int], baseline_max: int, copied_share: float,
                own_regions: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Grow the store to each size and time every report's cross checks there: the blocked
    near-duplicate join (now) and the all-pairs checker (before), on the same rows; their
    findings must be the same.  Prints the fitted exponent of time against reports."""
    import numpy as np

    import _crosscheck_old as old
    from nianbao.store import crosscheck

    print("cross-report checks of every report (CPU of this process; wall beside):")
    for fn in (crosscheck.run, old.run):  # once untimed: what the first call loads (rules, tables) is not per report
        fn(store.engine, everything=True)
    new_cpu: list[float] = []
    rows = []
    for size in sizes:
        t0 = time.perf_counter()
        grow(store, size, copied_share, own_regions)
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
        line = f"new {timings['new'][0]:7.2f} s CPU ({timings['new'][1]:5.1f} s wall), {summary.findings:,} findings"
        if "old" in timings:
            same = "same findings" if snaps["old"] == snaps["new"] else "FINDINGS DIFFER"
            line += (f"; old all-pairs {timings['old'][0]:7.2f} s CPU ({timings['old'][1]:5.1f} s wall); "
                     f"new / old {timings['new'][0] / timings['old'][0]:.2f}x; {same}")
        rows.append((f"{size:,} reports (grown in {grown:.0f} s)", line))
        print(f"{rows[-1][0]}: {line}", flush=True)  # as it goes; the table follows
    show(rows)
    if len(sizes) > 1:
        slope = np.polyfit(np.log(sizes), np.log(new_cpu), 1)[0]
        print(f"fitted exponent (CPU ~ reports^k): k = {slope:.2f} (target <= 1.1)")
        show([target("cross checks: fitted exponent of CPU against reports", slope, 1.1)])
    print()


# --------------------------------------------------------------------------- marginal cost at size


def as_copy(store, copied_share: float) -> None:  # type: ignore[no-untyped-def]
    """Turn the reports first stored into one more copy (their hashes and agencies renamed
    like `grow`'s, their fingerprints cleared, their section 五 rewritten like a copy's):
    the store keeps every row, and the same files can be ingested again as new reports of
    the same agencies, not as copies of what is stored."""
    from nianbao.store import db

    pg = store.engine.dialect.name == "postgresql"
    pct = "%%" if pg else "%"
    first = f"content_hash NOT LIKE '{pct}-{pct}'"
    with db.write(store.engine) as conn:
        x = conn.exec_driver_sql
        atop = conn.exec_driver_sql("SELECT max(id) FROM agencies").scalar_one()
        x(f"""INSERT INTO agencies (id, key, core, anchor, name, region, level, division_code, path, created_at)
              SELECT id + {atop}, key || '-c', core, anchor, name, region, level, division_code, path, created_at
              FROM agencies WHERE id IN (SELECT agency_id FROM reports WHERE {first})""")
        x(f"UPDATE originals SET content_hash = content_hash || '-c' WHERE {first}")
        rewrite_problems(conn, "report_id IN (SELECT id FROM reports WHERE content_hash NOT LIKE '%-%')", copied_share,
                         seed=0)  # (sa.text: one % on either database)
        x(f"""UPDATE reports SET content_hash = content_hash || '-c', source_name = source_name || '-c',
                agency_id = agency_id + {atop}, fingerprint = NULL, text_hash = NULL WHERE {first}""")
    if pg:  # the rows rewritten leave dead copies: compact them, so the next ingest's disk is its own
        with db.write(store.engine) as conn:  # the copies' ids were given: move the id sequences past them
            for table in ("agencies", "reports", "sections", "findings"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "
                                     f"WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL HAVING max(id) IS NOT NULL")
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM FULL reports, originals, agencies")


def own_peak_mb() -> float:
    """Peak resident memory of this process image (VmHWM, MB).  Not `ru_maxrss`: Linux
    carries that across exec, so a child started by the bench would report the bench's
    own peak (the grown store's) whenever it is the larger."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def _child_ingest(url: str, listing: Path, workers: int) -> None:
    """In a process of its own (its peak memory is the ingest's): ingest the files listed,
    then the cross checks; prints the figures as JSON."""
    import json

    from nianbao import Store
    from nianbao.inputs import iter_inputs
    from nianbao.store.ingest import ingest, warm_up

    files = [Path(line) for line in listing.read_text().splitlines() if line]
    store = Store(url)
    t0 = time.perf_counter()
    warm_up()
    warm = time.perf_counter() - t0
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    summary = ingest(store.engine, iter_inputs(files), workers=workers, run_crosscheck=False)
    cpu1, t1 = cpu_seconds(), time.perf_counter()
    peak_ingest = own_peak_mb()
    cross = store.crosscheck()
    cpu2, t2 = cpu_seconds(), time.perf_counter()
    store.close()
    print(json.dumps({
        "new": summary.new, "warm": warm, "parse": cpu1[1] - cpu0[1], "write": cpu1[0] - cpu0[0],
        "cross": cpu2[0] - cpu1[0], "wall": t2 - t0, "cross_wall": t2 - t1, "cross_checked": cross.checked,
        "cross_findings": cross.findings, "peak": own_peak_mb(), "peak_ingest": peak_ingest,
        "peak_kids": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def measured_ingest(store, url: str, files: list[Path], workers: int, work: Path) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Ingest `files` (and the cross checks) in a child process; its CPU, peak memory and the
    disk the store grew by."""
    import json
    import subprocess

    listing = work / "marginal-files.txt"
    listing.write_text("\n".join(map(str, files)))
    before = sum(table_sizes(store.engine).values())
    reports0 = _count(store)
    out = subprocess.run([sys.executable, __file__, "--child-ingest", url, "--child-files", str(listing),
                          "--workers", str(workers)], check=True, stdout=subprocess.PIPE, text=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    store.engine.dispose()
    got["disk"] = sum(table_sizes(store.engine).values()) - before
    got["stored_before"] = reports0
    return got


def _count(store) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM reports").scalar_one())


def marginal_rows(name: str, m: dict[str, float], cores: int) -> list[tuple[str, str]]:
    n = m["new"]
    per = {k: 1000 * m[k] / n for k in ("parse", "write", "cross")}
    total = sum(per.values())
    serial = per["write"] + per["cross"]  # the reader/writer and the cross checks: one process
    return [(f"{name}: into {int(m['stored_before']):,} stored",
             f"{n:,} new; CPU per report {total:.2f} ms = parse {per['parse']:.2f} + read/write {per['write']:.2f} + "
             f"cross checks {per['cross']:.2f} ({m['cross_checked']:,} reports rechecked, {m['cross_findings']:,} "
             f"findings); disk {m['disk'] / n / 1024:.1f} KB per report; peak memory {m['peak']:.0f} MB "
             f"(ingest process; {m['peak_ingest']:.0f} MB before the cross checks), {m['peak_kids']:.0f} MB "
             f"(largest parse process); wall {m['wall']:.0f} s"),
            (f"{name}: one million at this cost",
             f"{1e6 * total / 1000 / 60:,.0f} min CPU on one core, "
             f"{1e6 * max(total / cores, serial) / 1000 / 60:,.0f} min on {cores} idle cores "
             f"(the writer's {serial:.2f} ms per report is one process), {1e6 * m['disk'] / n / 1e9:,.1f} GB")]


def marginal_phase(args: argparse.Namespace, files: list[Path], store, url: str, work: Path,  # type: ignore[no-untyped-def]
                   sizes: list[int]) -> dict[str, float]:
    """The same files ingested (a) into the empty store and (b) into the store grown to
    `--marginal-at` reports by SQL copies (the cross checks timed on the way, at `sizes`):
    CPU, disk and peak memory per report of both, and their ratio."""
    cores = min(args.workers, os.cpu_count() or 1)
    empty = measured_ingest(store, url, files, args.workers, work)
    rows = marginal_rows("(a)", empty, cores)
    show(rows)
    print(flush=True)
    cross_phase(store, [s for s in sizes if s < args.marginal_at] + [args.marginal_at], args.baseline_max,
                args.copied_share, args.own_regions)
    t0 = time.perf_counter()
    grow(store, args.marginal_at, args.copied_share, args.own_regions)
    as_copy(store, args.copied_share)
    print(f"grown to {_count(store):,} reports in {time.perf_counter() - t0:.0f} s", flush=True)
    grown = measured_ingest(store, url, files, args.workers, work)
    rows += marginal_rows("(b)", grown, cores)
    per = {k: sum(1000 * m[k] / m["new"] for k in ("parse", "write", "cross")) for k, m in (("a", empty), ("b", grown))}
    rows += [("(b) / (a)", f"CPU per report {per['b'] / per['a']:.2f}x (parse {grown['parse'] / empty['parse']:.2f}x, "
                              f"read/write {grown['write'] / empty['write']:.2f}x, cross checks "
                              f"{grown['cross'] / max(empty['cross'], 1e-9):.2f}x), disk per report "
                              f"{grown['disk'] / empty['disk']:.2f}x, peak memory {grown['peak'] / empty['peak']:.2f}x "
                              f"({grown['peak_ingest'] / empty['peak_ingest']:.2f}x before the cross checks)"),
                 target("peak memory of the ingest process, grown / empty", grown["peak"] / empty["peak"], 1.2, "x")]
    print(f"marginal cost at size ({store.engine.dialect.name}; CPU of the ingest process and its parse processes, "
          f"the database server's not counted; load average {os.getloadavg()[0]:.1f}):")
    show(rows)
    print()
    return {"cpu_ms": per["b"], "kb": grown["disk"] / grown["new"] / 1024}


# --------------------------------------------------------------------------- cumulative steps from files


def steps_main(args: argparse.Namespace, work: Path) -> None:
    from nianbao import Store

    steps = [int(x) for x in args.steps.split(",") if x]
    if args.corpus:  # listed at each step (a corpus still being generated, in name order, can be used)
        def files(n: int) -> list[Path]:
            count = -1
            while True:  # until a chunk past n is written, or the corpus stops growing
                listed = sorted(p for p in args.corpus.iterdir() if p.is_file())
                if len(listed) >= n + 1000 or len(listed) == count:
                    break
                count = len(listed)
                time.sleep(20)
            got = listed[:n]
            if len(got) < n:
                raise SystemExit(f"{len(got)} files, fewer than {n}")
            return got
    else:
        corpus = corpus_files(work, steps[-1])
        files = lambda n: corpus[:n]  # noqa: E731
    for kind in args.db.split(","):
        print(f"== {kind}", flush=True)
        with bench_database(kind, work) as url:
            store = Store(url)
            steps_phase(args, files, store, url, work, steps)
            store.close()
        print()


def steps_phase(args: argparse.Namespace, files: Callable[[int], list[Path]], store, url: str, work: Path,  # type: ignore[no-untyped-def]
                steps: list[int]) -> None:
    """Ingest files[0:steps[0]], then files[steps[0]:steps[1]], ... into one store, each
    step from files in a child process (so its peak memory is its own)."""
    import numpy as np

    cores = min(args.workers, os.cpu_count() or 1)
    done, rows, per_step = 0, [], []
    disk_total = 0.0
    for step in steps:
        m = measured_ingest(store, url, files(step)[done:], args.workers, work)
        n = m["new"]
        disk_total += m["disk"]
        per = {k: 1000 * m[k] / n for k in ("parse", "write", "cross")}
        cpu = sum(per.values())
        per_step.append({"stored": step, "n": n, "cpu": cpu, "serial": per["write"] + per["cross"],
                         "disk": m["disk"] / n, "disk_total": disk_total, "peak": m["peak"], "kids": m["peak_kids"]})
        row = (f"{done:,} -> {step:,} reports",
               f"{n:,} new from files; CPU per report {cpu:.2f} ms = parse {per['parse']:.2f} + read/write "
               f"{per['write']:.2f} + cross checks {per['cross']:.2f}; disk {m['disk'] / n / 1024:.1f} KB per report "
               f"(store {disk_total / 1e6:,.0f} MB = {disk_total / step / 1024:.1f} KB per report); peak memory "
               f"{m['peak']:.0f} MB ingest process, {m['peak_kids']:.0f} MB largest parse process; wall "
               f"{m['wall']:.0f} s; load average {os.getloadavg()[0]:.1f}")
        rows.append(row)
        print(f"{row[0]}: {row[1]}", flush=True)
        done = step
    print()
    print(f"cumulative steps from files ({store.engine.dialect.name}; CPU of the ingest process and its parse "
          f"processes, the database server's not counted):")
    show(rows)
    first, last = per_step[0], per_step[-1]
    flat = [(f"per report, last step / first step",
             f"CPU {last['cpu'] / first['cpu']:.2f}x, disk {last['disk'] / first['disk']:.2f}x, peak memory of the "
             f"ingest process {last['peak'] / first['peak']:.2f}x, of a parse process {last['kids'] / first['kids']:.2f}x")]
    if len(per_step) > 1:
        stored = np.log([s["stored"] for s in per_step])
        k_cpu = np.polyfit(stored, np.log([s["cpu"] for s in per_step]), 1)[0]
        k_disk = np.polyfit(stored, np.log([s["disk"] for s in per_step]), 1)[0]
        flat.append(("fitted exponent of per-report cost against reports stored",
                     f"CPU {k_cpu:+.3f}, disk {k_disk:+.3f} (0: flat; CPU of the whole ingest ~ reports^(1{k_cpu:+.3f}))"))
    total_ms = last["cpu"]
    million_2 = 1e6 * max(total_ms / cores, last["serial"]) / 1000 / 60
    flat += [("one million (at the last step's cost per report)",
              f"{1e6 * total_ms / 1000 / 60:,.0f} min CPU on one core = {million_2:,.0f} min on {cores} idle cores "
              f"(the writer + cross checks, {last['serial']:.2f} ms per report, are one process); "
              f"{1e6 * last['disk_total'] / last['stored'] / 1e9:,.1f} GB; peak memory {last['peak']:.0f} MB ingest "
              f"process + {cores} x {last['kids']:.0f} MB parse processes"),
             target(f"{store.engine.dialect.name}: reports per CPU second, end to end (last step)", 1000 / total_ms,
                    250, "/s", at_most=False),
             target(f"{store.engine.dialect.name}: one million on {cores} cores, CPU", million_2, 30, " min")]
    show(flat)
    print(flush=True)


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
