"""Hostile-input sweep: mutated real layouts, random bytes, huge numbers, 10 MB lines.

    python bench/fuzz_mass.py [--cases 100000] [--seed 0]

Every case must end in a Report or a NianbaoError — nothing else — and within a time
bound; prints the case count, failures, and the slowest cases per kilobyte.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import peak_rss_mb, show  # noqa: E402

from nianbao import check, parse  # noqa: E402
from nianbao.errors import NianbaoError  # noqa: E402
from nianbao.synth import corpus  # noqa: E402

JUNK = ["\x00", "\ufffd", "—", "|", "\t", "   ", "9" * 40, "-0", "1e309", "（", "）", "一、", "(六)", "\f", "\r"]


def mutate(rng: random.Random, text: str) -> bytes:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        i = rng.randrange(max(1, len(lines)))
        if op < 0.2 and lines:
            del lines[i]
        elif op < 0.35 and lines:
            lines.insert(i, lines[i])
        elif op < 0.5 and len(lines) > 1:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op < 0.65 and lines:
            s = lines[i]
            k = rng.randrange(len(s) + 1)
            lines[i] = s[:k] + rng.choice(JUNK) * rng.randint(1, 5) + s[k:]
        elif op < 0.75:
            lines.insert(i, str(rng.randint(0, 10 ** rng.randint(1, 30))))
        elif op < 0.85 and lines:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        else:
            lines.insert(i, "".join(chr(rng.randint(32, 0x9FFF)) for _ in range(rng.randint(1, 200))))
    data = "\n".join(lines).encode(rng.choice(["utf-8", "utf-8", "gb18030", "utf-16"]), "replace")
    if rng.random() < 0.05:
        cut = rng.randrange(len(data) + 1)
        data = data[:cut] + os.urandom(rng.randint(0, 64))
    return data


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bases = [s.text for s in corpus(200, seed=args.seed, layouts=("txt", "md", "pipe", "space"))]
    from nianbao.rules.privacy import find_names

    find_names("收到张伟的申请")  # load jieba's dictionary outside the timing
    failures, refused, slowest = [], 0, []
    t_all = time.perf_counter()
    extremes = [("one 10 MB line", ("一" * 10_000_000).encode()), ("1 MB digits", " ".join(["9"] * 500_000).encode())]
    for i in range(args.cases):
        if i < len(extremes):
            name, data = extremes[i]
        elif rng.random() < 0.03:
            name, data = "random bytes", os.urandom(rng.randint(0, 20000))
        else:
            name, data = "mutated layout", mutate(rng, rng.choice(bases))
        t0 = time.perf_counter()
        try:
            check(parse(data))
        except NianbaoError:
            refused += 1
        except Exception as exc:  # noqa: BLE001 - this is what we are looking for
            failures.append((i, name, repr(exc)[:200]))
        dt = time.perf_counter() - t0
        slowest.append((dt / max(1, len(data)) * 1024 * 1024, dt, len(data), name))
        slowest.sort(reverse=True)
        del slowest[5:]
    elapsed = time.perf_counter() - t_all
    show([
        ("cases", f"{args.cases:,} in {elapsed:.0f} s ({args.cases / elapsed:,.0f}/s)"),
        ("refused with a clear error", f"{refused:,}"),
        ("failures (any other exception)", str(len(failures))),
        ("slowest (s per MB, s, bytes)", "; ".join(f"{a:.2f} s/MB ({b:.2f} s, {c:,} B, {d})" for a, b, c, d in slowest[:3])),
        ("peak memory", f"{peak_rss_mb():.0f} MB"),
    ])
    for f in failures[:20]:
        print("FAIL", *f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
