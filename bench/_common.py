"""Helpers shared by the benchmark scripts: timing with spread, peak memory, a table printer."""
from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

LAYOUTS = ("txt", "space", "pipe", "md")  # the text layouts of the generated corpora


def one_core() -> None:
    """Pin this process to one core (a per-core figure), where the OS allows it."""
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass


def _generate(args: tuple[str, int, int]) -> int:
    from nianbao.synth import corpus

    folder, seed, n = args
    for s in corpus(n, seed=seed, layouts=LAYOUTS, corruption_rate=0.5, invalid_rate=0.05):
        Path(folder, f"{s.name}.txt").write_text(s.text, encoding="utf-8")
    return n


def generate(folder: Path, n: int, procs: int | None = None, *, seed: int = 1000, chunk: int = 500) -> None:
    """`n` generated text reports (nianbao.synth, with damage and some invalid records) as
    files in `folder`, written by `procs` processes (default: one per core)."""
    jobs = [(str(folder), seed + i, min(chunk, n - i * chunk)) for i in range((n + chunk - 1) // chunk)]
    with Pool(procs or max(1, os.cpu_count() or 1)) as pool:
        pool.map(_generate, jobs)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def repeat(fn: Callable[[], object], rounds: int = 5) -> tuple[float, float, list[float]]:
    """(median, spread = max - min) of `rounds` timed runs of fn, in seconds."""
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times) - min(times), times


def show(rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")


def target(name: str, measured: float, limit: float, unit: str = "", *, at_most: bool = True) -> tuple[str, str]:
    """A `show` row stating one issue-15 target: the measured figure, the limit and whether
    it is met. `bench/run_all.py` gathers every such row into the summary's target table."""
    met = measured <= limit if at_most else measured >= limit
    digits = 0 if abs(measured) >= 100 else 1 if abs(measured) >= 10 else 2
    return (f"target: {name}", f"{measured:,.{digits}f}{unit} (target {'≤' if at_most else '≥'} {limit:,g}{unit}) - "
                               f"{'met' if met else 'NOT MET'}")
