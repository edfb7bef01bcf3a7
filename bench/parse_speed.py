"""Text reports parsed + checked per second on one core, against a plain baseline.

    python bench/parse_speed.py [--reports 1000] [--rounds 5]

The corpus is generated (nianbao.synth) in every text layout with realistic damage. The
baseline reads the same texts the cheapest way a script could (decode + a regex scan for the
numbers) in the same process, so the ratio nianbao/baseline survives a noisy machine.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(__file__))
from _common import one_core, peak_rss_mb, repeat, show, target  # noqa: E402

from nianbao import check, parse  # noqa: E402
from nianbao.synth import corpus  # noqa: E402


def cpu_seconds(fn: Callable[[], object], rounds: int) -> float:
    """Median process CPU time of `rounds` runs of fn (other processes inflate it less than wall)."""
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    one_core()
    samples = corpus(args.reports, seed=42, layouts=("txt", "md", "pipe", "space"), corruption_rate=0.5)
    blobs = [s.text.encode("utf-8") for s in samples]
    size_kb = sum(map(len, blobs)) / len(blobs) / 1024
    for b in blobs[:20]:  # warm caches (dictionaries, jieba) outside the timing
        check(parse(b))

    numbers = re.compile(r"\d+")

    def baseline() -> None:
        for b in blobs:
            numbers.findall(b.decode("utf-8"))

    def nianbao_run() -> None:
        for b in blobs:
            check(parse(b))

    base_med, base_spread, _ = repeat(baseline, args.rounds)
    med, spread, _ = repeat(nianbao_run, args.rounds)
    base_cpu, cpu = cpu_seconds(baseline, args.rounds), cpu_seconds(nianbao_run, args.rounds)
    n = len(blobs)
    seeds_dir = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seeds")
    seed_line = None
    if os.path.isdir(seeds_dir):
        seeds = [open(os.path.join(seeds_dir, f), "rb").read() for f in sorted(os.listdir(seeds_dir)) if f.endswith(".txt")]

        def seeds_run() -> None:
            for _ in range(40):
                for b in seeds:
                    check(parse(b))

        s_med, _, _ = repeat(seeds_run, args.rounds)
        kb = sum(map(len, seeds)) / len(seeds) / 1024
        seed_line = ("real seed reports", f"{40 * len(seeds) / s_med:,.0f} reports/s ({kb:.1f} KB each, ../shared/seeds)")
    show([
        ("corpus", f"{n} generated text reports, mean {size_kb:.1f} KB, layouts txt/md/pipe/space"),
        ("nianbao parse+check", f"{n / med:,.0f} reports/s on one core (median of {args.rounds}; "
                                f"{1000 * med / n:.2f} ms/report, spread {1000 * spread / n:.2f} ms)"),
        ("baseline decode+regex", f"{n / base_med:,.0f} reports/s ({1000 * base_med / n:.3f} ms/report, "
                                  f"spread {1000 * base_spread / n:.3f} ms)"),
        ("ratio", f"nianbao takes {med / base_med:,.0f}x the baseline's time (wall)"),
        ("CPU", f"nianbao {1000 * cpu / n:.2f} ms/report, baseline {1000 * base_cpu / n:.3f} ms/report "
                f"(median of {args.rounds}, process CPU time) -> {cpu / base_cpu:,.1f}x"),
        *([seed_line] if seed_line else []),
        ("peak memory", f"{peak_rss_mb():.0f} MB"),
        target("text parse+check / decode+regex (CPU)", cpu / base_cpu, 5, "x"),
        target("text reports parsed+checked per CPU second", n / cpu, 1000, "/s", at_most=False),
    ])


if __name__ == "__main__":
    main()
