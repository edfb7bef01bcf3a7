"""Run every benchmark, one after the other, and keep what each printed.

    python bench/run_all.py [--quick] [--only parse_speed,read_pdf] [--out bench/results]

Each script runs in its own process (so peak memory is its own) with its own defaults, or
with the small sizes below under `--quick` (a smoke run: its figures are only indicative).
Its output goes to `<out>/<name>.txt`, and all of them to `<out>/summary.md`, each under the
exact command that produced it - the README's table of figures is copied from there.
Every row a script prints as `target: ...` (bench/_common.target: the measured figure, the
limit, met or NOT MET) is gathered into one table at the top of the summary, so the issue's
targets are read in one place beside the outputs they come from.  Nothing here asserts a
target: benchmarks print, tests assert.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> the arguments of a quick run (a full run uses each script's own defaults)
QUICK: dict[str, list[str]] = {
    "parse_speed": ["--reports", "200", "--rounds", "3"],
    "read_office": ["--reports", "20", "--doc-reports", "2", "--rounds", "2"],
    "read_pdf": ["--reports", "2", "--rounds", "1", "--ocr-reports", "1"],
    "draft": ["--reports", "50", "--rounds", "2"],
    "ingest": ["--reports", "1000", "--workers", "2", "--total", "5000", "--cross-at", "1000,2500,5000", "--rounds", "2"],
    "ingest_dask": ["--reports", "300", "--workers", "2", "--rounds", "1"],
    "export": ["--reports", "300", "--long-at", "300,1000"],
    "web_load": ["--total", "5000", "--base", "500", "--users", "1,4", "--seconds", "5",
                 "--keep", "/tmp/nianbao-web-bench-quick"],
    "fuzz_mass": ["--cases", "2000"],
    "cli_oneshot": ["--rounds", "2", "--reports", "10"],
    "dask_cluster": ["--reports", "100"],
}


TARGET_ROW = re.compile(r"^target: (.+?)\s{2,}(.+) \(target (.+)\) - (met|NOT MET)$")


def target_rows(name: str, output: str) -> list[str]:
    """The summary's table rows for the `target:` rows of one script's output."""
    found = (TARGET_ROW.match(line.strip()) for line in output.splitlines())
    return [f"| {name} | {m[1]} | {m[2]} | {m[3]} | {m[4]} |" for m in found if m]


def run_one(name: str, args: list[str], out_dir: Path) -> tuple[str, int, float, str]:
    command = ["python", f"bench/{name}.py", *args]
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *args], cwd=HERE.parent,
                          capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seconds = time.perf_counter() - started
    output = proc.stdout + (f"\n[stderr]\n{proc.stderr[-4000:]}" if proc.returncode else "")
    (out_dir / f"{name}.txt").write_text(output, "utf-8")
    return " ".join(command), proc.returncode, seconds, output


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    ap.add_argument("--out", default=str(HERE / "results"))
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n] or list(QUICK)
    unknown = sorted(set(names) - set(QUICK))
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(QUICK)}")
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = [f"# Benchmark run {date.today()} ({'quick' if args.quick else 'full'})", "",
               f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}", ""]
    failed = 0
    targets = ["## Targets", "", "| script | target | measured | limit | verdict |", "|---|---|---|---|---|"]
    body: list[str] = []
    for name in names:
        print(f"== {name} ...", flush=True)
        command, code, seconds, output = run_one(name, QUICK[name] if args.quick else [], out_dir)
        failed += code != 0
        print(output, flush=True)
        targets += target_rows(name, output)
        body += [f"## {name}", "", f"`{command}` - exit {code}, {seconds:.0f} s", "", "```", output.rstrip(), "```", ""]
    print("\n".join(targets))
    (out_dir / "summary.md").write_text("\n".join(summary + targets + [""] + body), "utf-8")
    print(f"summary: {out_dir / 'summary.md'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
