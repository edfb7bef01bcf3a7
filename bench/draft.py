"""Seconds per drafted document (DOCX, HTML, Markdown), and the parts of a draft.

    python bench/draft.py [--reports 200] [--rounds 5]

Each round drafts the same random records (nianbao.synth) from their cells: build the
record, run the check gate, render.  Rendering alone is timed per format as well (the
round-trip tests render thousands of documents); the XLSX form is timed separately.
"""
from __future__ import annotations

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import one_core, peak_rss_mb, repeat, show  # noqa: E402

from nianbao import draft  # noqa: E402
from nianbao.synth import random_record  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    one_core()
    rng = random.Random(42)
    records = [random_record(rng) for _ in range(args.reports)]
    inputs = [(draft.record_cells(r), r.year, r.agency, r.region, r.template) for r in records]
    reports = [draft.build_record(c, year=y, agency=a, region=g, template=t) for c, y, a, g, t in inputs]
    for rep in reports[:5]:  # warm caches outside the timing
        draft.gate(rep)
        for fmt in draft.FORMATS:
            draft.render(rep, fmt)
    n = len(reports)
    rows: list[tuple[str, str]] = [("reports per round", str(n))]

    def per_doc(fn) -> str:  # type: ignore[no-untyped-def]
        med, spread, _ = repeat(fn, args.rounds)
        return f"{med / n:.5f} s/document  (median of {args.rounds}; spread {spread / n:.5f} s; {n / med:,.0f} documents/s)"

    rows.append(("build_record", per_doc(lambda: [draft.build_record(c, year=y, agency=a, region=g, template=t)
                                                  for c, y, a, g, t in inputs])))
    rows.append(("gate (all checks)", per_doc(lambda: [draft.gate(r) for r in reports])))
    sizes = {}
    for fmt in draft.FORMATS:
        rows.append((f"render {fmt}", per_doc(lambda fmt=fmt: [draft.render(r, fmt) for r in reports])))
        sizes[fmt] = sum(len(draft.render(r, fmt)) for r in reports[:20]) / 20 / 1024

    def whole(fmt: str) -> None:
        for cells, year, agency, region, template in inputs:
            rep = draft.build_record(cells, year=year, agency=agency, region=region, template=template)
            if draft.gate(rep).passed:
                draft.render(rep, fmt)

    for fmt in draft.FORMATS:
        rows.append((f"build + gate + render {fmt}", per_doc(lambda fmt=fmt: whole(fmt))))
    med, spread, _ = repeat(lambda: draft.write_form(2024), args.rounds)
    rows.append(("XLSX form (template)", f"{med:.5f} s/form  (spread {spread:.5f} s)"))
    rows.append(("average size", ", ".join(f"{fmt} {kb:.1f} KB" for fmt, kb in sizes.items())))
    rows.append(("peak memory", f"{peak_rss_mb():.0f} MB"))
    show(rows)


if __name__ == "__main__":
    main()
