"""Shared pieces of the table extractors: row assembly from tokens, provenance."""
from __future__ import annotations

import itertools
import re
from operator import itemgetter
from dataclasses import dataclass, field, fields
from typing import Any

from ...model import Finding, LineMeta, Provenance
from ...rules import finding
from ...formats.vocab import Match
from .solver import Reading, readings
from .tokens import BLANK, DASH, NUMBER, TEXT, Token


@dataclass
class TableResult:
    values: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    notes: list[Finding] = field(default_factory=list)
    found: bool = False  # the table (its labels) was seen at all
    padded: bool = False  # its rows drop their blank cells and end in a run of bare pipes (`pad_run`)


@dataclass
class RowBuild:
    """A row label and the value cells printed after it."""

    label: Token
    match: Match | None
    key: str | None = None  # official row key, or None for a non-standard row
    kind: str = "row"  # row | group | extra
    values: list[Token] = field(default_factory=list)

    def trimmed(self) -> tuple[list[Token], int, int]:
        """Value cells without leading/trailing blanks, and how many blanks were cut."""
        vals = self.values
        a, b = 0, len(vals)
        while a < b and vals[a].kind == BLANK:
            a += 1
        while b > a and vals[b - 1].kind == BLANK:
            b -= 1
        return vals[a:b], a, len(vals) - b

    def has_values(self) -> bool:
        for t in self.values:
            if t.kind == NUMBER or t.kind == DASH:
                return True
        return False

    def closed_by(self, label: Token) -> "RowBuild":
        """The row as it ends where `label` begins: blank cells on the label's own line,
        before it, are that line's (the merged group cells of the next row), not this row's."""
        while self.values and self.values[-1].kind == BLANK and self.values[-1].line == label.line:
            self.values.pop()
        return self


def unlabelled(tokens: list[Token], i: int, current: "RowBuild | None", width: int) -> bool:
    """Whether the blank cell `tokens[i]`, first on its line, is the blank label of a row ("| | 4
    | 0 | 10 |", or one cell per line: "|" / "4 |" / "0 |") after a header or after a row that
    printed all its `width` cells (on its label's line, when this row is on one line)."""
    tok = tokens[i]
    if i and tokens[i - 1].line == tok.line:
        return False
    rest = list(itertools.takewhile(lambda t: t.line == tok.line, tokens[i + 1:]))
    inline = bool(rest)
    if not inline:
        rest = list(itertools.takewhile(lambda t: t.kind != TEXT, tokens[i + 1:]))
    if not rest or any(t.kind == TEXT or t.sep != "|" or t.grid for t in rest) or not any(t.kind == NUMBER for t in rest):
        return False
    if current is not None and current.label.kind == BLANK:  # (its own cells, not another row)
        return False
    if current is None or (current.kind == "extra" and not current.values):
        return True
    if current.key is None or len(current.values) < width:
        return False
    # (a row cut by line breaks at its blank cells, "| 25 |" / "|" / "| 25 |", that printed
    # exactly its `width` cells: a further line opened by a blank cell is the next row's)
    return not inline or len(current.values) == width or all(t.line == current.label.line for t in current.values)


def spilled(tokens: list[Token], i: int, current: RowBuild, width: int) -> bool:
    """Whether `tokens[i]`, first on its line, opens a row printed without its label, after a
    row that already printed more cells than the table's `width` columns, ending in bare pipes
    (blank cells dropped, rows padded: "| 0 | 0 | ||||" / "0 | 3 | ||||"; "规章 |" / "||||" /
    "39 |"), or, in text
    without pipes or tabs (a flip-book page: "3.其他 0 0 0" / "7 0 0 7"), on a line of numbers
    alone after a row that printed its cells on its label's line, the two together more cells
    than `width` (a row wrapped onto a second line is not)."""
    tok = tokens[i]
    vals = current.values
    if tok.kind == BLANK or (i and tokens[i - 1].line == tok.line) or current.key is None or not vals:
        return False
    if len(vals) > width and vals[-1].kind == BLANK and vals[-1].sep == "|":
        return True
    if tok.sep or any(t.line != current.label.line for t in vals):
        return False
    rest = list(itertools.takewhile(lambda t: t.line == tok.line, tokens[i:]))
    return (len(current.values) + len(rest) > width and all(t.kind != TEXT and not t.sep for t in rest)
            and any(t.kind == NUMBER for t in rest))


_BRACKET_NOTE = re.compile(r"^[(（][^()（）]{3,}[)）]$")


def cell_note(row: "RowBuild | None", tok: Token) -> bool:
    """A note in brackets on the line after a number, in the same cell ("18" / "(其中修订5件)"):
    part of that cell, not a label."""
    return (row is not None and tok.kind == TEXT and bool(row.values) and row.values[-1].kind == NUMBER
            and _BRACKET_NOTE.match(tok.text) is not None)


def delimited(values: list[Token]) -> bool:
    """True when every cell of a row was cut by pipes or tabs: its blank cells are printed."""
    for t in values:
        if not t.sep or t.grid:
            return False
    return bool(values)


def dropped_tail(values: list[Token], width: int) -> int:
    """For a row cut by pipes that prints fewer than `width` cells, none blank, then only blank
    cells: how many blank cells end it (else 0)."""
    if not values or values[-1].kind != BLANK:  # (the common row ends in a printed cell: no blank tail)
        return 0
    n = len(values)
    shown = 0
    while shown < n and values[shown].kind != BLANK:
        shown += 1
    if not 0 < shown < width or shown == n:
        return 0
    for t in values:
        if t.sep != "|" or t.grid:
            return 0
    for t in values[shown:]:
        if t.kind != BLANK:
            return 0
    return n - shown


def pad_run(values: list[Token], width: int) -> bool:
    """A row printing fewer than `width` cells and then one run of bare pipes on a line ("3 |" /
    "3 |" / "|||||||", "| 0 | ||||||||"): the crawler dropped the row's blank cells and padded
    it to the table's width at its end, so the printed cells' columns are unknown.  A table
    with one such row pads them all (a short row ending in a single pipe is one too)."""
    k = dropped_tail(values, width)
    if k < 2:
        return False
    tail = values[-k:]
    return all(a.line == b.line and b.start == a.start + 1 for a, b in zip(tail, tail[1:]))


def trusted(values: list[Token], layout: "Alignment") -> bool:
    """Whether a delimited row's cell positions can be read as printed: always for cells cut
    by pipes (a scraped page prints every cell, blank or not); for tab-separated text (from
    a PDF, where a cell may be lost) only when the table's rows agree on their alignment."""
    return delimited(values) and (layout.reliable or all(t.sep == "|" for t in values))


def windows(values: list[Token], width: int) -> tuple[int, int] | None:
    """The starts [lo, hi] of the `width`-cell windows of `values` that keep every printed
    (non-blank) cell, or None when no window does (more printed cells than columns) or the
    row is shorter than `width`."""
    n = len(values)
    if n < width:
        return None
    first = 0
    while first < n and values[first].kind == BLANK:
        first += 1
    if first == n:  # nothing printed
        return 0, n - width
    last = n - 1
    while values[last].kind == BLANK:
        last -= 1
    lo, hi = max(0, last - width + 1), min(n - width, first)
    return (lo, hi) if lo <= hi else None


@dataclass(frozen=True)
class Alignment:
    """Where a table's value cells sit among the cells printed after each label: a fixed
    number of cells after the label ("left"; blanks at the end are extra columns, as scraped
    pages add them; the number may depend on how deep the label is nested, when a label's
    merged cells print pipes of their own) or before the end of the row ("right"; blanks
    after the label are the label's merged cells, as tab- and markdown-padded grids print
    them)."""

    side: str  # left | right
    offset: int  # right: cells after the values
    voted: bool  # False: no row settled it (the default reading)
    reliable: bool = True  # False: the rows disagree (cells lost in text extracted from a PDF)
    by_depth: tuple[tuple[int, int], ...] = ()  # left: (label depth, cells before the values)

    def start(self, n: int, width: int, lo: int, hi: int, depth: int = 0) -> int:
        if self.side == "left":
            want = next((cells for d, cells in self.by_depth if d == depth), self.offset)
        else:
            want = n - width - self.offset
        return min(max(want, lo), hi)


def alignment(rows: list[tuple[list[Token], int, int]]) -> Alignment:
    """The alignment most of the table's rows agree on, from the rows whose printed cells
    leave a single window (each row: its value cells, the template's width, the depth of its
    label).  `reliable` only when every such row agrees (counted without depths)."""
    left: dict[int, int] = {}  # (plain dicts: a Counter per row costs more than the rest)
    right: dict[int, int] = {}
    deep: dict[int, dict[int, int]] = {}
    pinned = 0
    for values, width, depth in rows:
        span = windows(values, width)
        if span is None or span[0] != span[1]:
            continue
        if values[0].kind == BLANK and values[-1].kind == BLANK and all(t.kind == BLANK for t in values):
            continue  # (nothing printed; most rows print their first or last cell)
        pinned += 1
        left[span[0]] = left.get(span[0], 0) + 1
        shift = len(values) - width - span[0]
        right[shift] = right.get(shift, 0) + 1
        at = deep.setdefault(depth, {})
        at[span[0]] = at.get(span[0], 0) + 1
    if not pinned:
        return Alignment("left", 0, False)
    (lo, ln), (ro, rn) = _most(left), _most(right)
    reliable = ln == pinned or rn == pinned
    by_depth = tuple(sorted((d, _most(c)[0]) for d, c in deep.items()))
    dn = sum(_most(c)[1] for c in deep.values())
    if rn > dn or (rn == dn and ro < lo):  # (a tie: the side with fewer cells to skip)
        return Alignment("right", ro, True, reliable)
    return Alignment("left", lo, True, reliable, by_depth)


def _most(counts: dict[int, int]) -> tuple[int, int]:
    """The most frequent (value, count); a tie goes to the value counted first (as Counter.most_common)."""
    return max(counts.items(), key=itemgetter(1))


def placed(values: list[Token], width: int, layout: Alignment, depth: int = 0) -> list[Reading] | None:
    """Readings of a row whose blank cells are printed (`delimited`): the window of `width`
    cells the table's alignment gives, or, for a row printing fewer cells than columns, its
    cells with the missing ones where the alignment puts them (the arithmetic may move them;
    a missing cell is never filled in).  None when the row prints more numbers than columns."""
    n = len(values)
    if n >= width:
        span = windows(values, width)
        if span is None:
            return None
        lo, hi = span
        start = layout.start(n, width, lo, hi, depth)
        note = "" if lo == hi else f"印刷了{n}个单元格，按版式取第{start + 1}至{start + width}个"
        return [Reading(list(values[start:start + width]), 0.0, note)]
    lead = 1 if layout.side == "right" else 0
    out = readings(list(values), width, lead, 0)
    for r in out:
        r.fill = False
    return out


def grid_values(row: RowBuild, width: int) -> list[Token] | None:
    """For a row of a real grid: the last `width` cells of its own line, blanks included."""
    if not row.values or not all(t.grid and t.line == row.label.line for t in row.values):
        return None
    if len(row.values) >= width and all(t.kind != TEXT for t in row.values[-width:]):
        return row.values[-width:]
    return None


# provenance and label_provenance allocate Provenance objects and set their slots themselves:
# calling the dataclass costs twice as much, and a report has hundreds of cells (checked here:
# a field added to Provenance, or a __post_init__, must be handled there too)
assert tuple(f.name for f in fields(Provenance)) == ("line", "start", "end", "raw", "confidence", "method", "note", "origin")
assert not hasattr(Provenance, "__post_init__")
assert Token._fields == ("line", "start", "end", "text", "kind", "value", "unit", "confidence", "grid", "sep")
_alloc = object.__new__


def provenance(tok: Token, meta: list[LineMeta], method: str = "label", confidence: float = 0.99, note: str = "") -> Provenance:
    origin = meta[tok.line].origin if tok.line < len(meta) else None
    conf = 1.0 if tok.grid and method == "label" else confidence
    if tok.confidence < 1.0:
        conf = round(min(conf, tok.confidence), 3)
        if method == "label":
            method = "ocr"
    p = _alloc(Provenance)  # (as label_provenance: without the dataclass call)
    p.line, p.start, p.end, p.raw, p.confidence, p.method, p.note, p.origin = (
        tok.line + 1, tok.start, tok.end, tok.text, conf, method, note, origin)
    return p


def label_provenance(toks: list[Token], meta: list[LineMeta]) -> list[Provenance]:
    """`provenance(tok, meta)` of each of a row's printed cells, read by their label (the bulk
    of a table: one pass, no call per cell)."""
    out: list[Provenance] = []
    append, alloc, cls = out.append, _alloc, Provenance
    n = len(meta)
    for line, start, end, text, _kind, _value, _unit, conf, grid, _sep in toks:
        p = alloc(cls)
        if conf < 1.0:
            p.confidence, p.method = round(min(1.0 if grid else 0.99, conf), 3), "ocr"
        else:
            p.confidence, p.method = (1.0 if grid else 0.99), "label"
        p.line, p.start, p.end, p.raw, p.note, p.origin = (
            line + 1, start, end, text, "", meta[line].origin if line < n else None)
        append(p)
    return out


def solved_provenance(tok: Token | None, anchor: Token | None, meta: list[LineMeta], *, inferred_by: str | None,
                      ambiguous: bool, chosen_by: str | None, width: int) -> Provenance | None:
    """Provenance of a cell whose position the arithmetic solver settled (`solver.Solution`):
    printed and placed as the layout says, placed by the table's identities, filled in by an
    identity (`inferred_by`), or not printed at all."""
    if tok is None:
        if anchor is None:
            return None
        if inferred_by:
            prov = provenance(anchor, meta, "arithmetic", 0.6, f"该单元格未印刷，按{inferred_by}勾稽关系推算")
        else:
            prov = provenance(anchor, meta, "missing", 0.0, "该单元格未印刷")
        prov.raw = prov.start = prov.end = None
        return prov
    if ambiguous:
        return provenance(tok, meta, "arithmetic", 0.5, f"本行单元格数与{width}列不符，位置无法唯一确定：{chosen_by}")
    if chosen_by:
        return provenance(tok, meta, "arithmetic", 0.8, f"本行单元格数与{width}列不符，按勾稽关系确定：{chosen_by}")
    return provenance(tok, meta)


def typo_note(table: str, tok: Token, match: Match) -> Finding:
    official = match.refs[0].label
    return finding("N1", f"标签“{tok.text}”与官方格式不一致，应为“{official}”。", expected=official, actual=tok.text, table=table,
                   line=tok.line + 1, start=tok.start, end=tok.end)


def dash_note(path: str, tok: Token) -> Finding:
    return finding("N2", f"单元格填写了“{tok.text}”而不是数字，已按空值处理；如为零请填写0。", actual=tok.text, cell=path, line=tok.line + 1,
                   start=tok.start, end=tok.end)
