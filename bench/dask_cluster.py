"""A real multi-process Dask cluster on loopback, started as on separate machines
(`dask scheduler`, `dask worker`), an ingest through it with the command line, and
everything stopped again.  The output is what docs/remote-ingest.md shows.

    python bench/dask_cluster.py [--reports 200] [--workers 2]

1. `dask scheduler --host 127.0.0.1 --port 0 --scheduler-file F` (a free port);
2. `--workers` × `dask worker --scheduler-file F --nthreads 1` (one process each);
3. generates `--reports` text reports and runs
   `nianbao ingest DIR --engine dask --scheduler tcp://127.0.0.1:PORT --db sqlite:///…`;
4. stops the workers and the scheduler (by their process ids) and prints what they said.
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
from _common import generate  # noqa: E402


def start(cmd: list[str], log: Path) -> subprocess.Popen:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(path: Path, seconds: float = 60) -> None:
    end = time.time() + seconds
    while not path.exists() and time.time() < end:
        time.sleep(0.2)
    if not path.exists():
        raise SystemExit(f"{path} did not appear")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nianbao-dask-"))
    procs: list[subprocess.Popen] = []
    try:
        corpus = work / "reports"
        corpus.mkdir()
        generate(corpus, args.reports, seed=7000, chunk=100)
        sched_file = work / "scheduler.json"
        procs.append(start(["dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
                            "--scheduler-file", str(sched_file)], work / "scheduler.log"))
        wait_for(sched_file)
        address = json.loads(sched_file.read_text())["address"]
        for i in range(args.workers):
            procs.append(start(["dask", "worker", "--scheduler-file", str(sched_file), "--nthreads", "1",
                                "--nworkers", "1", "--memory-limit", "2GiB", "--name", f"w{i}",
                                "--dashboard-address", ":0"], work / f"worker{i}.log"))
        from distributed import Client

        with Client(address, timeout="60s") as c:
            c.wait_for_workers(args.workers, timeout=120)
            print(f"scheduler {address}: {len(c.scheduler_info()['workers'])} workers "
                  f"({', '.join(sorted(w['name'] for w in c.scheduler_info()['workers'].values()))})", flush=True)
        cmd = [sys.executable, "-m", "nianbao", "ingest", str(corpus), "--engine", "dask", "--scheduler", address,
               "--db", f"sqlite:///{work / 'store.db'}"]
        print("$ nianbao ingest reports/ --engine dask --scheduler " + address + " --db sqlite:///store.db", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        print(done.stdout.rstrip())
        if done.returncode:
            print(done.stderr[-3000:])
        print(f"(exit {done.returncode}, {time.perf_counter() - t0:.1f} s)")
        with Client(address, timeout="60s") as c:
            tasks = c.run(lambda dask_worker: dask_worker.state.executed_count)
            print("tasks executed per worker (parse chunks and the version check): " + ", ".join(f"{k.rsplit(':', 1)[-1]}: {v}" for k, v in sorted(tasks.items())))
    finally:
        for p in reversed(procs):  # workers first, then the scheduler
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        print(f"stopped {len(procs)} processes: " + ", ".join(str(p.pid) for p in procs)
              + f"; still running: {[p.pid for p in procs if p.poll() is None]}")
        for log in sorted(work.glob("*.log")):
            lines = [x for x in log.read_text().splitlines() if "Registered to" in x or "Scheduler at" in x
                     or "Start worker" in x or "Receive client" in x]
            for x in lines[:3]:
                print(f"[{log.stem}] {x.strip()}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
