"""What one shell command costs: `nianbao check one.txt` and `nianbao list`, whole processes.

    python bench/cli_oneshot.py [--rounds 5] [--reports 30]

Each command runs as its own process (start-up, imports, work, exit), measured with
getrusage(RUSAGE_CHILDREN): CPU (user + system) and wall, median of `rounds`. The baseline
is an empty interpreter (`python -c pass`) run in the same rounds, alternating with the
commands, so its ratio survives a shared machine. `list` reads a store of `reports`
generated reports (ingested once, outside the timing). The commands run as from an installed
package: bytecode cached (PYTHONPYCACHEPREFIX in a temporary folder, written by one untimed
warm-up round, even where PYTHONDONTWRITEBYTECODE is set). Also printed: which heavy libraries
`import nianbao` loads (none is the aim).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _common import show, target  # noqa: E402

HEAVY = ("jieba", "pandas", "pyarrow", "sqlalchemy", "dask", "numpy", "fastapi", "lxml")


def run(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # `check` exits 1 when the report has errors
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reports", type=int, default=30, help="reports in the store that `list` reads")
    args = ap.parse_args()
    from nianbao.synth import corpus

    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        sample = corpus(args.reports, seed=7, layouts=("txt",), corruption_rate=0.0)
        for s in sample:
            Path(tmp, f"{s.name}.txt").write_text(s.text, encoding="utf-8")
        one = str(Path(tmp, f"{sample[0].name}.txt"))
        db = f"sqlite:///{tmp}/store.db"
        subprocess.run([py, "-m", "nianbao", "ingest", "--db", db, tmp], check=True, capture_output=True)
        commands = {
            "python -c pass (baseline)": [py, "-c", "pass"],
            "python -c 'import nianbao'": [py, "-c", "import nianbao"],
            "nianbao --help": [py, "-m", "nianbao", "--help"],
            "nianbao check one.txt": [py, "-m", "nianbao", "check", one],
            "nianbao list": [py, "-m", "nianbao", "list", "--db", db],
        }
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp, "pycache"))
        for argv in commands.values():  # warm-up: writes the bytecode caches
            run(argv, tmp, env)
        cpu: dict[str, list[float]] = {k: [] for k in commands}
        wall: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(args.rounds):  # alternate: every command once per round
            for name, argv in commands.items():
                c, w = run(argv, tmp, env)
                cpu[name].append(c)
                wall[name].append(w)
        probe = "import sys, nianbao; print(','.join(m for m in %r if m in sys.modules) or 'none')" % (HEAVY,)
        loaded = subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    base = statistics.median(cpu["python -c pass (baseline)"])
    rows = [("store for list", f"{args.reports} generated reports (SQLite); median of {args.rounds} rounds")]
    for name in commands:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        rows.append((name, f"{c:.3f} s CPU, {w:.3f} s wall ({c / base:.1f}x the baseline's CPU, "
                           f"{c - base:.3f} s above it)"))
    rows += [("import nianbao loads", loaded),
             target("nianbao check one.txt, whole command, CPU", statistics.median(cpu["nianbao check one.txt"]), 0.3, " s"),
             target("nianbao list, whole command, CPU", statistics.median(cpu["nianbao list"]), 0.4, " s")]
    show(rows)


if __name__ == "__main__":
    main()
