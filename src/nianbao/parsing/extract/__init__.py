"""Extraction: normalised lines + sections -> the three tables, with provenance.

Each table is read from the lines of its own section (二, 三, 四).  When a section
heading is missing or unrecognised, the table is found by its own labels instead (a page
or a file that holds only the tables), and a table found that way ends the one before it.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ...formats import templates as T
from ...model import Finding, LineMeta, Provenance, SectionText
from ...formats.vocab import match_key, normalized, table3_index
from .glued import extract_glued, has_glued, prose_hints
from .legacy import legacy_figures
from .table2 import extract_table2
from .table3 import extract_table3
from .table4 import extract_table4
from .tokens import NUMBER, TEXT, line_cells, tokenize

SECTION_OF = {"table2": "proactive", "table3": "requests", "table4": "appeals"}
# words that show where a table starts when its section heading is missing
ANCHORS = {
    "table2": tuple({b.item[:5] for t in T.TEMPLATES.values() for b in t.table2} | {t.table2[0].fields[0].label for t in T.TEMPLATES.values()}),
    "table3": ("勾稽关系", T.T3_HEADER_TOP, T.TEMPLATE_2021.t3_row("new_received").label),
    "table4": (T.T4_GROUPS[0][1],),
}
# words only the table itself prints: enough to find it inside the section before it
STRONG_ANCHORS = {
    "table2": (T.TEMPLATE_2021.table2[0].item[:5],),
    "table3": ("勾稽关系", T.T3_HEADER_TOP),
    "table4": tuple(f.label for f in T.T4_FIELDS[:-1]) + tuple(g[1] for g in T.T4_GROUPS[1:]),
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
    found: set[str] = field(default_factory=set)  # tables of which official rows were read


def _row_anchor(line: str) -> bool:
    """A table-三 row printed on one line: its label, then its numbers ("四、结转下年度继续办理 0 0 …")."""
    cells = line_cells(line)
    if len(cells) < 2 or cells[0][3] != TEXT or not any(c[3] == NUMBER for c in cells[1:]):
        return False
    match = table3_index().match(cells[0][2])
    return (match is not None and match.quality == "exact" and len(cells[0][2]) >= 6
            and (match.first("row") is not None or match.first("group") is not None))


@lru_cache(maxsize=8)
def _anchor_words(table: str, strong: bool) -> re.Pattern[str]:
    words = STRONG_ANCHORS[table] if strong else ANCHORS[table] + STRONG_ANCHORS[table]
    return re.compile("|".join(re.escape(normalized(w)) for w in words))


_DIGIT = re.compile(r"\d")


def _anchor(table: str, line: str, strong: bool) -> bool:
    """A line that shows where `table` begins: a short line with one of its words (or a cell
    of a table row holding one), or, for table 三, one of its rows with its numbers."""
    words = _anchor_words(table, strong)
    if len(line) <= 60:
        if words.search(line):
            return True
    elif "|" in line or "\t" in line:
        if any(len(c) <= 60 and words.search(c) for c in re.split(r"[|\t]", line)):
            return True
    else:
        return False
    return table == "table3" and _DIGIT.search(line) is not None and _row_anchor(line)


@lru_cache(maxsize=4)
def _candidates(table: str) -> re.Pattern[str]:
    """Where an anchor of `table` may be: any of its words, or (table 三) any row label."""
    words = [normalized(w) for w in ANCHORS[table] + STRONG_ANCHORS[table]]
    if table == "table3":
        rows = [r for tpl in T.TEMPLATES.values() for r in tpl.table3_rows] + list(T.T3_GROUPS.values())
        words += [match_key(normalized(lab)) for r in rows for lab in (r.label, *getattr(r, "variants", ()))]
    return re.compile("|".join(sorted({re.escape(w) for w in words if len(w) >= 2}, key=len, reverse=True)))


def _find_anchor(table: str, lines: list[str], text: str, starts: list[int], floor: int, inside: int) -> int | None:
    """The first line from `floor` that anchors `table` (regex-guided: a page of filler costs
    one scan, not a check per line)."""
    checked = -1
    for m in _candidates(table).finditer(text, starts[floor] if floor < len(starts) else len(text)):
        i = bisect.bisect_right(starts, m.start()) - 1
        if i <= checked:
            continue
        checked = i
        if _anchor(table, lines[i], i < inside):
            return i
    return None


def table_regions(lines: list[str], sections: list[SectionText]) -> dict[str, tuple[int, int]]:
    """0-based line ranges [start, end) in which each table is read."""
    text, starts = "", list[int]()  # (the joined text and line offsets: built only when a table lacks its heading)
    heads = sorted(s.line_start - 1 for s in sections)
    by_key = {s.key: s for s in sections}
    regions: dict[str, tuple[int, int]] = {}
    floor = inside = 0
    for table in ("table2", "table3", "table4"):
        sec = by_key.get(SECTION_OF[table])
        if sec is not None:
            regions[table] = (sec.line_start, sec.line_end)
            floor, inside = sec.line_start, sec.line_end
            continue
        # no heading of its own: found by its labels, even inside the section before it
        # (then only by words no other part of a report prints)
        if not starts and lines:
            text = "\n".join(lines)
            pos = 0
            for line in lines:
                starts.append(pos)
                pos += len(line) + 1
        start = _find_anchor(table, lines, text, starts, floor, inside)
        if start is None:
            continue
        end = next((h for h in heads if h > start), len(lines))
        regions[table] = (start, end)
        floor = start + 1
    # a table ends where the next one begins
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
    padded = False  # a table drops its blank cells (`common.pad_run`): the next ones likely too
    if "table2" in out.regions:
        res = (extract_glued("table2", lines, meta, *out.regions["table2"], template)
               if has_glued(meta, *out.regions["table2"], "table2")
               else extract_table2(tokenize(lines, meta, *out.regions["table2"]), meta, template))
        out.table2 = res.values
        padded = res.padded
        out.extras.update(res.extras)
        if res.found:
            out.found.add("table2")
        out.provenance.update(res.provenance)
        out.notes += res.notes
    if "table3" in out.regions:
        res3 = (extract_glued("table3", lines, meta, *out.regions["table3"], template, prose_hints(lines, sections))
                if has_glued(meta, *out.regions["table3"], "table3")
                else extract_table3(tokenize(lines, meta, *out.regions["table3"]), meta, template, padded))
        out.table3 = res3.values
        padded = padded or res3.padded
        if res3.found:
            out.found.add("table3")
        out.provenance.update(res3.provenance)
        out.extras.update(res3.extras)
        out.notes += res3.notes
    if "table4" in out.regions:
        start, end = out.regions["table4"]
        first = next((ln.strip() for ln in lines[start:end] if ln.strip()), "")
        opened = first == "|" or (start > 0 and lines[start - 1].strip() == "|")  # rows opened by a lone pipe
        res4 = (extract_glued("table4", lines, meta, start, end, template)
                if has_glued(meta, start, end, "table4")
                else extract_table4(tokenize(lines, meta, start, end), meta, opened=opened, padded=padded))
        out.table4 = res4.values
        if res4.found:
            out.found.add("table4")
        out.provenance.update(res4.provenance)
        out.notes += res4.notes
    return out
