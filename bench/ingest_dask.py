"""Ingest throughput of `--engine dask` (a LocalCluster of worker processes) against the
local engine (a process pool of as many processes), on the same generated corpus, in
pairs: each round runs both back to back, and the ratio is taken within each pair (the
machine's load at that moment is the same for both), then the median over the rounds.
The CPU-basis ratio (CPU per report, all processes counted) is the figure that holds on a
shared machine.  For a real multi-machine cluster see bench/dask_cluster.py.

    python bench/ingest_dask.py [--reports 3000] [--workers 2] [--rounds 3] [--keep DIR]

Each round ingests the corpus into a new SQLite file with each engine (in alternating
order, so that neither always runs on a warmer machine), without the cross-report checks
(the same for both).  The cluster is started once, before the rounds, as a real cluster
would be; its start-up and the workers' warm-up are printed apart.  Printed: reports per
second of each engine (median and spread), the ratio, the target (within 20%), the CPU
time each report costs with each engine (every process counted: this one, the pool or the
workers - a figure that does not depend on what else runs on the machine), peak memory.
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
from _common import generate, peak_rss_mb, show, target  # noqa: E402

def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the local engine's pool)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def worker_cpu() -> float:
    """CPU time of a Dask worker process so far (runs on the worker)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(files: list[Path], db: Path, workers: int, client=None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(reports per second, CPU milliseconds per report) of one ingest into a new database,
    by the local engine, or on the Dask cluster of `client`."""
    from nianbao import Store
    from nianbao.cluster import dask_engine
    from nianbao.inputs import iter_inputs
    from nianbao.store.ingest import ingest

    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    store = Store(f"sqlite:///{db}")
    parse_engine = dask_engine(client) if client else None
    cpu0, remote0 = cpu_seconds(), sum(client.run(worker_cpu).values()) if client else 0.0
    t0 = time.perf_counter()
    summary = ingest(store.engine, iter_inputs(files), workers=workers, run_crosscheck=False,
                     parse_engine=parse_engine)
    seconds = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0 + (sum(client.run(worker_cpu).values()) - remote0 if client else 0.0)
    store.close()
    assert summary.new == len(files), summary
    return summary.new / seconds, 1000 * cpu / summary.new


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=3000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", type=Path, default=None, help="keep the corpus in this folder")
    args = ap.parse_args()

    from nianbao.cluster import dask_client

    work = args.keep or Path(tempfile.mkdtemp(prefix="nianbao-bench-dask-"))
    corpus_dir = work / "corpus"
    if not corpus_dir.exists() or len(list(corpus_dir.iterdir())) < args.reports:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        generate(corpus_dir, args.reports, seed=5000, chunk=250)
        print(f"generated {args.reports} reports in {time.perf_counter() - t0:.0f} s")
    files = sorted(corpus_dir.iterdir())[: args.reports]
    db = work / "bench.db"

    t0 = time.perf_counter()
    with dask_client(None, workers=args.workers) as client:
        started = time.perf_counter() - t0
        rates: dict[str, list[float]] = {"local": [], "dask": []}
        costs: dict[str, list[float]] = {"local": [], "dask": []}
        pair_rate: list[float] = []  # per round: dask / local, measured at the same moment
        pair_cpu: list[float] = []  # per round: local CPU per report / dask CPU per report
        for r in range(args.rounds):
            order = ("local", "dask") if r % 2 == 0 else ("dask", "local")
            for engine in order:
                rate, cost = run(files, db, args.workers, client if engine == "dask" else None)
                rates[engine].append(rate)
                costs[engine].append(cost)
                print(f"round {r + 1}: {engine:5s} {rate:7.1f} reports/s, {cost:5.2f} ms CPU per report", flush=True)
            pair_rate.append(rates["dask"][-1] / rates["local"][-1])
            pair_cpu.append(costs["local"][-1] / costs["dask"][-1])
            print(f"round {r + 1}: dask / local {pair_rate[-1]:.0%} by reports/s, {pair_cpu[-1]:.0%} by CPU per report "
                  f"(the pair ran back to back on the same corpus)", flush=True)
    local, dask = statistics.median(rates["local"]), statistics.median(rates["dask"])
    cost_local, cost_dask = statistics.median(costs["local"]), statistics.median(costs["dask"])
    ratio = statistics.median(pair_rate)
    cpu_ratio = statistics.median(pair_cpu)
    idle = min(args.workers, os.cpu_count() or 1)
    print()
    show([
        ("corpus", f"{len(files):,} text reports, {args.rounds} rounds, {args.workers} parse processes / workers"),
        ("local engine", f"{local:,.1f} reports/s median (spread {max(rates['local']) - min(rates['local']):.1f})"),
        ("dask engine", f"{dask:,.1f} reports/s median (spread {max(rates['dask']) - min(rates['dask']):.1f})"),
        ("dask / local", f"{ratio:.0%} by reports/s, median of the {len(pair_rate)} paired rounds (target: at least "
                         f"80%) -> {'met' if ratio >= 0.8 else 'NOT met'}; by CPU per report (what the machine's "
                         f"load does not change) {cpu_ratio:.0%} (rounds: "
                         f"{', '.join(f'{x:.0%}' for x in pair_cpu)})"),
        ("cpu per report", f"local {cost_local:.2f} ms, dask {cost_dask:.2f} ms (all processes: reader, writer, "
                           f"scheduler, workers) -> on {idle} idle cores about {1000 * idle / cost_local:,.0f} and "
                           f"{1000 * idle / cost_dask:,.0f} reports/s, dask / local {cost_local / cost_dask:.0%}"),
        ("cluster start", f"{started:.1f} s (LocalCluster of {args.workers} worker processes, checked and warmed up)"),
        ("load average", f"{os.getloadavg()[0]:.1f}"),
        ("peak memory", f"{peak_rss_mb():.0f} MB (this process: reader, writer, scheduler)"),
        target("dask / local engine, by CPU per report", cpu_ratio, 0.8, "", at_most=False),
    ])
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
