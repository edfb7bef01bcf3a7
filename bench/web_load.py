"""Load on the web app: concurrent users on loopback against a store of 100,000 reports;
prints p50/p95/p99 latency per kind of page and the throughput.

    python bench/web_load.py [--total 100000] [--base 2000] [--users 1,4,8] [--seconds 20] [--processes 1]
                             [--keep DIR]

1. builds the store once (kept in --keep, default /tmp/nianbao-web-bench): `--base` generated
   text reports are ingested by the store's own code path, then grown in SQL to `--total`
   reports with the store benchmark's `grow` (bench/ingest.py: new ids, hashes and years,
   every row of every table copied, the search index too);
2. starts `nianbao serve` on a free loopback port in a child process (`--processes` server
   processes; one, as a county office would run it, by default) and logs `--users`
   simulated reviewers in;
3. each user requests a random mix of pages (report list pages with filters, report pages,
   findings JSON, full-text search, region dashboards, agency pages, rule pages, the API's
   report list) for `--seconds`, back to back (`--think 0`: what the server can take) or
   pausing about `--think` seconds between requests like a reviewer reading; latencies are
   measured on the client, the server's CPU time per request from /proc.
The first hit of each dashboard (not cached yet) is timed separately as "cold".
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import show  # noqa: E402

PASSWORD = "bench password"
SEARCH_TERMS = ("政策解读", "依申请公开", "栏目更新", "信息发布审核机制", "培训", "政务公开", "保密审查", "监督考核")
WEIGHTS = {"list": 3, "report": 4, "findings_json": 2, "search": 1, "dashboard": 1, "agency": 1, "rule": 1,
           "api_list": 1}


def build(folder: Path, base: int, total: int) -> str:
    """The store's URL, built if it is not there yet (or smaller than `total`)."""
    import sqlalchemy as sa

    from ingest import generate, grow  # bench/ingest.py (the store's benchmark)
    from nianbao.inputs import iter_inputs
    from nianbao.store.ingest import ingest
    from nianbao.web.accounts import add_user, count_users
    from nianbao.web.db import open_store

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'web-bench.db'}"
    store = open_store(url)
    with store.engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM reports")).scalar_one()
    if have < total:
        t0 = time.perf_counter()
        if have == 0:
            corpus = folder / "corpus"
            if not corpus.exists() or len(list(corpus.iterdir())) < base:
                corpus.mkdir(exist_ok=True)
                generate(corpus, base, max(1, os.cpu_count() or 1))
            ingest(store.engine, iter_inputs(sorted(corpus.iterdir())[:base]), workers=os.cpu_count() or 1)
        grow(store, total)
        store.crosscheck(everything=True)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"built a store of {total:,} reports in {time.perf_counter() - t0:.0f} s")
    with store.engine.begin() as conn:
        if conn.execute(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar_one() == 0:
            conn.exec_driver_sql("ANALYZE")  # the statistics a long-running store gets from PRAGMA optimize
    if count_users(store.engine) == 0:
        add_user(store.engine, "bench", "reviewer", PASSWORD)
    store.close()
    return url


def targets(url: str) -> dict[str, list[str]]:
    """Concrete URLs of each kind, drawn from the store."""
    import sqlalchemy as sa

    from nianbao.rules import catalogue
    from nianbao.store import Store

    store = Store(url)
    rng = random.Random(7)
    with store.engine.connect() as conn:
        top = conn.execute(sa.text("SELECT max(id) FROM reports")).scalar_one()
        years = [y for (y,) in conn.execute(sa.text("SELECT DISTINCT year FROM reports WHERE year IS NOT NULL"))]
        paths = [p for (p,) in conn.execute(sa.text("SELECT path FROM agencies"))]
        agency_ids = [i for (i,) in conn.execute(sa.text("SELECT id FROM agencies"))]
    store.close()
    cities = sorted({p.strip("/").split("/")[1] for p in paths if p.count("/") >= 3})
    counties = sorted({p.strip("/").split("/")[2] for p in paths if p.count("/") >= 4})
    regions = rng.sample(cities, min(15, len(cities))) + rng.sample(counties, min(15, len(counties)))
    ids = [rng.randint(1, top) for _ in range(400)]
    return {
        "list": [f"/?page={rng.randint(1, 200)}" for _ in range(50)]
                + [f"/?year={rng.choice(years)}&region={rng.choice(regions)}" for _ in range(50)]
                + [f"/?problems=1&sort=errors&page={rng.randint(1, 50)}" for _ in range(20)],
        "report": [f"/reports/{i}" for i in ids],
        "findings_json": [f"/api/reports/{i}/findings" for i in ids],
        "search": [f"/search?q={t}" for t in SEARCH_TERMS] + [f"/search?q={t}&page=3" for t in SEARCH_TERMS],
        "dashboard": [f"/dashboard?region={r}&year={y}" for r in regions for y in years],
        "agency": [f"/agencies/{rng.choice(agency_ids)}" for _ in range(100)],
        "rule": [f"/rules/{r.id}" for r in catalogue()],
        "api_list": [f"/api/reports?region={rng.choice(regions)}&year={rng.choice(years)}&page=1" for _ in range(50)],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, processes: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "serve", "--db", url, "--port", str(port),
                             "--processes", str(processes)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


async def login(client) -> None:  # type: ignore[no-untyped-def]
    import re

    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303, r.text


async def run(port: int, users: int, seconds: float, urls: dict[str, list[str]], cold: dict[str, float],
              think: float = 0.0) -> tuple[dict[str, list[float]], int, float, int]:
    import httpx

    times: dict[str, list[float]] = defaultdict(list)
    errors = 0
    kinds = [k for k, w in WEIGHTS.items() for _ in range(w)]
    seen_dashboards: set[str] = set(cold)

    async def user(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            await login(client)
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                kind = rng.choice(kinds)
                url = rng.choice(urls[kind])
                t0 = time.perf_counter()
                r = await client.get(url)
                dt = time.perf_counter() - t0
                if r.status_code != 200:
                    errors += 1
                if kind == "dashboard" and url not in seen_dashboards:
                    seen_dashboards.add(url)
                    cold[url] = dt
                else:
                    times[kind].append(dt)
                if think:
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * think)  # a reviewer reads the page

    t0 = time.perf_counter()
    await asyncio.gather(*(user(n) for n in range(users)))
    wall = time.perf_counter() - t0
    return times, errors, wall, sum(len(v) for v in times.values()) + len(cold)


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by process `pid` and its descendants (the server and, with
    --processes, its worker processes), from /proc: load on the machine does not change it."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)  # ppid, utime+stime
    tree, todo = {pid}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _) in stats.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                todo.append(child)
    return sum(stats[p][1] for p in tree if p in stats)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--total", type=int, default=100_000)
    ap.add_argument("--base", type=int, default=2000, help="reports ingested before the store is grown in SQL")
    ap.add_argument("--users", default="1,4,8", help="concurrent users, one run per number")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--keep", type=Path, default=Path("/tmp/nianbao-web-bench"))
    ap.add_argument("--processes", type=int, default=1, help="server processes (nianbao serve --processes)")
    ap.add_argument("--think", type=float, default=0.0,
                    help="mean seconds a user waits between requests (0: back to back, the server's limit)")
    args = ap.parse_args()

    url = build(args.keep, args.base, args.total)
    urls = targets(url)
    port = free_port()
    server = start_server(url, port, args.processes)
    print(f"server: {args.processes} process(es) on 127.0.0.1:{port}")
    try:
        cold: dict[str, float] = {}
        for users in (int(u) for u in args.users.split(",")):
            cpu0 = tree_cpu(server.pid)
            times, errors, wall, n = asyncio.run(run(port, users, args.seconds, urls, cold, args.think))
            cpu = tree_cpu(server.pid) - cpu0
            every = [t for v in times.values() for t in v]
            pause = f", {args.think:g} s between requests" if args.think else ", back to back"
            print(f"\n{users} concurrent user(s){pause}, {args.seconds:g} s: {n:,} requests, {n / wall:,.1f} requests/s, "
                  f"{errors} errors; server CPU {1000 * cpu / max(n, 1):.1f} ms per request "
                  f"(-> {n / cpu if cpu else 0:,.0f} requests/s per busy core)")
            rows = [("page", "       n    p50 ms    p95 ms    p99 ms    max ms")]
            for kind in WEIGHTS:
                v = times.get(kind, [])
                rows.append((kind, f"{len(v):8,d} {pct(v, 50):9.1f} {pct(v, 95):9.1f} {pct(v, 99):9.1f} "
                                   f"{(max(v) * 1000 if v else float('nan')):9.1f}"))
            rows.append(("all (warm)", f"{len(every):8,d} {pct(every, 50):9.1f} {pct(every, 95):9.1f} "
                                       f"{pct(every, 99):9.1f} {max(every) * 1000:9.1f}"))
            show(rows)
        if cold:
            v = list(cold.values())
            print(f"\ndashboards, first hit (not cached): n={len(v)}, p50 {pct(v, 50):.0f} ms, p95 {pct(v, 95):.0f} ms, "
                  f"max {max(v) * 1000:.0f} ms")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (client and server share them)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
