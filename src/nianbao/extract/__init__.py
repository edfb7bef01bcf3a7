"""Extraction: normalised lines + sections -> the three tables, with provenance.

Each table is read from the lines of its own section (二, 三, 四).  When a section
heading is missing, the table is found by its own labels instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import templates as T
from ..model import Finding, LineMeta, Provenance, SectionText
from ..vocab import normalized
from .glued import extract_glued, has_glued, prose_hints
from .legacy import legacy_figures
from .table2 import extract_table2
from .table3 import extract_table3
from .table4 import extract_table4
from .tokens import tokenize

SECTION_OF = {"table2": "proactive", "table3": "requests", "table4": "appeals"}
# words that show where a table starts when its section heading is missing
ANCHORS = {
    "table2": tuple({b.item[:5] for t in T.TEMPLATES.values() for b in t.table2} | {t.table2[0].fields[0].label for t in T.TEMPLATES.values()}),
    "table3": ("勾稽关系", T.T3_HEADER_TOP, T.TEMPLATE_2021.t3_row("new_received").label),
    "table4": (T.T4_GROUPS[0][1],),
}


@dataclass
class Extraction:
    table2: dict[str, Any] = field(default_factory=dict)
    table3: dict[str, Any] = field(default_factory=dict)
    table4: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    notes: list[Finding] = field(default_factory=list)
    regions: dict[str, tuple[int, int]] = field(default_factory=dict)  # 0-based [start, end)


def table_regions(lines: list[str], sections: list[SectionText]) -> dict[str, tuple[int, int]]:
    """0-based line ranges [start, end) in which each table is read."""
    heads = sorted(s.line_start - 1 for s in sections)
    by_key = {s.key: s for s in sections}
    regions: dict[str, tuple[int, int]] = {}
    floor = 0
    for table in ("table2", "table3", "table4"):
        sec = by_key.get(SECTION_OF[table])
        if sec is not None:
            regions[table] = (sec.line_start, sec.line_end)
            floor = sec.line_end
            continue
        words = tuple(normalized(w) for w in ANCHORS[table])
        start = next(
            (i for i in range(floor, len(lines)) if len(lines[i]) <= 60 and any(w in lines[i] for w in words)),
            None,
        )
        if start is None:
            continue
        end = next((h for h in heads if h > start), len(lines))
        regions[table] = (start, end)
        floor = start + 1
    # a table missing its own heading ends where the next table begins
    spans = sorted(regions.items(), key=lambda kv: kv[1][0])
    for (name, (a, b)), (_, (c, _d)) in zip(spans, spans[1:]):
        if b > c > a:
            regions[name] = (a, c)
    return regions


def extract(lines: list[str], meta: list[LineMeta], sections: list[SectionText], template: str | None) -> Extraction:
    out = Extraction()
    if template == T.LEGACY:  # no official tables: headline figures only
        out.extras["legacy_figures"] = legacy_figures(tokenize(lines, meta, 0, len(lines)), "\n".join(lines))
        return out
    out.regions = table_regions(lines, sections)
    if "table2" in out.regions:
        res = (extract_glued("table2", lines, meta, *out.regions["table2"], template)
               if has_glued(meta, *out.regions["table2"], "table2")
               else extract_table2(tokenize(lines, meta, *out.regions["table2"]), meta, template))
        out.table2 = res.values
        out.provenance.update(res.provenance)
        out.notes += res.notes
    if "table3" in out.regions:
        res3 = (extract_glued("table3", lines, meta, *out.regions["table3"], template, prose_hints(lines, sections))
                if has_glued(meta, *out.regions["table3"], "table3")
                else extract_table3(tokenize(lines, meta, *out.regions["table3"]), meta, template))
        out.table3 = res3.values
        out.provenance.update(res3.provenance)
        out.extras.update(res3.extras)
        out.notes += res3.notes
    if "table4" in out.regions:
        res4 = (extract_glued("table4", lines, meta, *out.regions["table4"], template)
                if has_glued(meta, *out.regions["table4"], "table4")
                else extract_table4(tokenize(lines, meta, *out.regions["table4"]), meta))
        out.table4 = res4.values
        out.provenance.update(res4.provenance)
        out.notes += res4.notes
    return out
