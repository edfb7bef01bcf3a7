"""Hostile-input sweep: mutated real files of each format, random bytes, huge numbers, 10 MB lines.

    python bench/fuzz_mass.py [--cases 100000] [--seed 0] [--formats txt,html,docx,pdf,zip] [--ocr] [--budget]

Cases are shared out among the formats; each file is a generated report mutated by
`nianbao.synth.mutate` (the same mutators as tests/test_fuzz.py).  Every case must end
in a Report or a NianbaoError - nothing else - and within a time bound; prints per
format the case count, refusals, failures, the slowest cases and the case that raised
the peak memory most.  PDF pages whose text
layer the damage breaks are rendered for OCR, but the recognition model is skipped
unless --ocr (it takes seconds per page and has its own time budget).  "zip" cases are
archives of mutated reports, with members that compress by thousands or come in hundreds,
read member by member as ingest reads them.  --budget runs every case as the CLI, ingest and
the upload worker do: in a child under the per-file CPU/memory budget (`nianbao.budget`); the
memory figure is then the child's own peak.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(__file__))
from _common import peak_rss_mb, show  # noqa: E402

from nianbao import check, parse  # noqa: E402
from nianbao.errors import NianbaoError  # noqa: E402
from nianbao.synth import corpus, mutate  # noqa: E402

BOUND = 30.0  # seconds per case before it counts as a failure (a hang)
EXTREMES = [("one 10 MB line", lambda: ("一" * 10_000_000).encode()),
            ("1 MB digits", lambda: " ".join(["9"] * 500_000).encode())]


def zip_case(rng: random.Random, files: dict[str, list[bytes]]) -> tuple[str, bytes]:
    """An archive of mutated reports; sometimes a member that compresses by thousands (a bomb)
    or hundreds of members."""
    import io
    import zipfile

    buf = io.BytesIO()
    kind = rng.choice(["reports", "reports", "bomb", "many"])
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k in range(rng.randint(1, 3)):
            fmt = rng.choice([f for f in files if f != "zip"] or ["txt"])
            zf.writestr(f"r{k}.{fmt}", mutate.mutate(fmt, rng, rng.choice(files[fmt])) if fmt in files else b"")
        if kind == "bomb":
            zf.writestr("bomb.txt", b"0" * rng.randint(1, 64) * 1_000_000)
        elif kind == "many":
            for k in range(rng.randint(100, 3000)):
                zf.writestr(f"m/{k}.txt", b"x")
    return f"zip ({kind})", buf.getvalue()


def run_case(fmt: str, data: bytes) -> int:
    """Parse and check one case (an archive: each member, as ingest does); the findings count."""
    if fmt != "zip":
        return len(check(parse(data)))
    from nianbao.parsing.readers.archive import members

    n = 0
    for member in members(data):
        if member.error is None and member.data is not None:
            try:
                n += len(check(parse(member.data)))
            except NianbaoError:
                pass
    return n


def child_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bases(fmt: str, seed: int) -> list[bytes]:
    if fmt == "zip":
        return []
    if fmt == "txt":
        return [s.text.encode("utf-8") for s in corpus(200, seed=seed, layouts=mutate.TEXT_LAYOUTS)]
    return [mutate.base(fmt, seed + k) for k in range(1 if fmt == "pdf" else 20)]


def skip_ocr_model() -> None:
    from nianbao.parsing.readers import ocr
    from nianbao.parsing.readers.pages import PageLayout

    def no_model(gray, number, label=None):
        return PageLayout(number, float(gray.shape[1]), float(gray.shape[0]), ocr=True, label=label)

    ocr.ocr_layout = no_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--formats", default="txt", help="comma-separated: txt,html,docx,pdf")
    ap.add_argument("--ocr", action="store_true", help="run the OCR model on damaged PDF pages")
    ap.add_argument("--budget", action="store_true", help="each case in a child under the per-file CPU/memory budget")
    args = ap.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if unknown := set(formats) - set(mutate.FORMATS) - {"zip"}:
        ap.error(f"unknown formats: {', '.join(sorted(unknown))}")
    if not args.ocr:
        skip_ocr_model()
    rng = random.Random(args.seed)
    files = {fmt: bases(fmt, args.seed) for fmt in formats if fmt != "zip"}
    if "zip" in formats and not files:
        files["txt"] = bases("txt", args.seed)
    from nianbao.rules.privacy import find_names

    find_names("收到张伟的申请")  # load jieba's dictionary outside the timing
    stats: dict[str, dict] = defaultdict(lambda: {"cases": 0, "refused": 0, "seconds": 0.0, "slowest": [],
                                                  "memory": (0.0, 0, "", -1)})
    failures = []
    t_all = time.perf_counter()
    for i in range(args.cases):
        fmt = formats[i % len(formats)]
        if fmt == "txt" and i // len(formats) < len(EXTREMES):
            name, make = EXTREMES[i // len(formats)]
            data = make()
        elif rng.random() < 0.03:
            name, data = "random bytes", rng.randbytes(rng.randint(0, 20000))
        elif fmt == "zip":
            name, data = zip_case(rng, files)
        else:
            name, data = "mutated", mutate.mutate(fmt, rng, rng.choice(files[fmt]))
        s = stats[fmt]
        t0, rss0 = time.perf_counter(), (child_peak_mb() if args.budget else peak_rss_mb())
        try:
            if args.budget:
                from nianbao import budget

                budget.call(run_case, fmt, data)
            else:
                run_case(fmt, data)
        except NianbaoError:
            s["refused"] += 1
        except Exception as exc:  # noqa: BLE001 - this is what we are looking for
            failures.append((fmt, i, name, repr(exc)[:200]))
        # how far the case raised the peak (under --budget: the children's peak, each child's own)
        dt, grew = time.perf_counter() - t0, (child_peak_mb() if args.budget else peak_rss_mb()) - rss0
        if grew > s["memory"][0]:
            s["memory"] = (grew, len(data), name, i)
        if dt > BOUND:
            failures.append((fmt, i, name, f"took {dt:.0f} s"))
        s["cases"] += 1
        s["seconds"] += dt
        s["slowest"] = sorted(s["slowest"] + [(dt, len(data), name, i)], reverse=True)[:3]
    elapsed = time.perf_counter() - t_all
    rows = [("cases", f"{args.cases:,} in {elapsed:.0f} s ({args.cases / elapsed:,.0f}/s)")]
    for fmt in formats:
        s = stats[fmt]
        slow = "; ".join(f"{dt:.2f} s ({size:,} B, {name} #{i})" for dt, size, name, i in s["slowest"])
        failed = sum(1 for f in failures if f[0] == fmt)
        mean_ms = s["seconds"] / max(1, s["cases"]) * 1000
        rows.append((f"{fmt}: cases / refused / failed", f"{s['cases']:,} / {s['refused']:,} / {failed}  (mean {mean_ms:.0f} ms)"))
        rows.append((f"{fmt}: slowest", slow))
        grew, size, name, i = s["memory"]
        rows.append((f"{fmt}: most memory", f"peak +{grew:.0f} MB ({size:,} B, {name} #{i})" if i >= 0 else "-"))
    rows.append(("peak memory", f"{peak_rss_mb():.0f} MB"))
    show(rows)
    for f in failures[:20]:
        print("FAIL", *f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
