"""Choosing among readings of a row with the table's own arithmetic.

A printed row may carry more or fewer cells than the template has columns (merged
label cells that shifted a row in PDF text; a blank that vanished).  Each row gets
candidate readings; the combination that satisfies the most identities of the table
wins (ties: the reading the layout suggests).  Where readings tie on the arithmetic but put
different numbers in a cell, that cell is left blank and the candidates are reported.

A cell the report leaves blank stays blank: the identities only *propose* its value
(`Solution.proposed`).  The one exception is a cell lost from extracted text — a row whose
cells do not line up with the columns and that prints all but one of them
(`Reading.fill`) — which is filled where an identity pins it down exactly, and marked as
inferred.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from .tokens import BLANK, DASH, NUMBER, Token

Cell = tuple[str, int]  # (row key, column index)


@dataclass
class Reading:
    cells: Sequence[Token | None]  # one per column; None: no printed cell (a hole)
    cost: float = 0.0  # how far from the reading the layout suggests
    note: str = ""
    fill: bool = False  # a hole is a cell lost from the text: an identity may write it


@dataclass
class Identity:
    """sum(lhs) == sum(rhs); a rule id names it in provenance notes."""

    rule: str
    lhs: list[Cell]
    rhs: list[Cell]


@dataclass
class Solution:
    values: dict[str, list[int | float | None]]
    tokens: dict[str, list[Token | None]]
    inferred: dict[Cell, str] = field(default_factory=dict)  # cell -> identity used (written)
    chosen_by: dict[str, str] = field(default_factory=dict)  # row -> note (arithmetic choice)
    ambiguous: set[str] = field(default_factory=set)
    proposed: dict[Cell, tuple[str, int | float]] = field(default_factory=dict)  # blank cell -> (identity, value)
    candidates: dict[str, list[list[int | float | None]]] = field(default_factory=dict)  # ambiguous row -> readings


def readings(values: list[Token], width: int, lead_blanks: int = 0, trail_blanks: int = 0) -> list[Reading]:
    """Candidate readings of a row whose printed value cells are `values`."""
    n = len(values)
    if n == width:
        return [Reading(list(values))]
    if n > width + 2:
        # far more cells than a shifted row carries: the label of a following row is lost;
        # this row keeps the cells printed right after its own label
        return [Reading(list(values[:width]), 0.0, f"印刷了{n}个单元格，取紧随标签的{width}个，其余无对应标签")]
    if n > width:
        out = []
        for start in range(n - width + 1):
            dropped = values[:start] + values[start + width :]
            junk = sum(1 for t in dropped if t.kind in (BLANK, DASH) or t.value == 0)
            cost = 0.1 * start if start else 0.05 * (n - width)
            cost += 0.5 * (len(dropped) - junk)
            out.append(Reading(values[start : start + width], cost, f"印刷了{n}个单元格，取第{start + 1}至{start + width}个"))
        # prefer dropping the extra cells at the end only slightly less than at the start
        out.sort(key=lambda r: r.cost)
        return out
    holes = width - n
    if n == 0 or _combinations(width, holes) > 64:
        return [Reading(list(values) + [None] * holes, 1.0, f"缺少{holes}个单元格")]
    out = []
    for positions in itertools.combinations(range(width), holes):
        cells: list[Token | None] = []
        it = iter(values)
        for col in range(width):
            cells.append(None if col in positions else next(it))
        # the layout hints where the holes are: a blank before the numbers -> at the start
        if lead_blanks and not trail_blanks:
            cost = 0.1 * sum(positions)
        else:
            cost = 0.1 * sum(width - 1 - p for p in positions)
        out.append(Reading(cells, 0.2 + cost, f"印刷了{n}个单元格，少{holes}个", holes == 1))
    out.sort(key=lambda r: r.cost)
    return out


def _combinations(n: int, k: int) -> int:
    out = 1
    for i in range(k):
        out = out * (n - i) // (i + 1)
    return out


def _values(cells: Sequence[Token | None]) -> list[int | float | None]:
    """The value of each cell: a number, or None (a blank, a dash, text, no cell)."""
    return [t.value if t is not None and t.kind == NUMBER else None for t in cells]


def _prune(key: str, options: list[Reading], identities: list[Identity], width: int) -> list[Reading]:
    """Readings of one row worth a joint search: those its own identities allow (all of them
    if none is allowed: the report's own arithmetic may be wrong), one per distinct result."""
    local = [i for i in identities if all(c[0] == key for c in i.lhs + i.rhs)]
    scored = []
    for reading in options:
        vals = {key: _values(reading.cells)}
        _fill(vals, {key: reading}, local, width, {})
        ok = all(_check(i, vals) is not False for i in local) and all(v is None or v >= 0 for v in vals[key])
        # readings that differ only in where an unprinted cell is are one reading only when
        # that cell will be filled in; otherwise where the blank falls matters
        shown = vals[key] if reading.fill else _values(reading.cells)
        scored.append((ok, tuple(shown), reading))
    if any(ok for ok, _, _ in scored):
        scored = [x for x in scored if x[0]]
    seen: dict[tuple[int | float | None, ...], Reading] = {}
    for _, values, reading in sorted(scored, key=lambda x: x[2].cost):
        seen.setdefault(values, reading)
    return list(seen.values())


def solve(rows: dict[str, list[Reading]], identities: list[Identity], width: int, limit: int = 512) -> Solution:
    notes = {k: rows[k][0].note for k in rows if len(rows[k]) > 1}
    rows = {k: (_prune(k, v, identities, width) if len(v) > 1 else v) for k, v in rows.items()}
    keys = list(rows)
    fixed = {k: rows[k][0] for k in keys}
    open_rows = [k for k in keys if len(rows[k]) > 1]

    def values_of(choice: dict[str, Reading], idents: list[Identity] | None = None) -> dict[str, list[int | float | None]]:
        vals = {k: _values(choice[k].cells) for k in keys}
        _fill(vals, choice, identities if idents is None else idents, width, {})
        return vals

    def score(choice: dict[str, Reading], idents: list[Identity] | None = None) -> tuple[int, float]:
        vals = values_of(choice, idents)
        good = bad = 0
        for ident in identities if idents is None else idents:
            res = _check(ident, vals)
            if res is True:
                good += 1
            elif res is False:
                bad += 1
            for cell in ident.lhs + ident.rhs:  # an impossible (negative) inferred value
                v = vals.get(cell[0])
                x = v[cell[1]] if v is not None else None
                if x is not None and x < 0:
                    bad += 1
        return good - 2 * bad, -sum(choice[k].cost for k in keys)

    best = dict(fixed)
    if open_rows:
        sizes = [len(rows[k]) for k in open_rows]
        total = 1
        for s in sizes:
            total *= s
        if total <= limit:
            best_score = None
            for combo in itertools.product(*(rows[k] for k in open_rows)):
                choice = dict(fixed)
                choice.update(zip(open_rows, combo))
                sc = score(choice)
                if best_score is None or sc > best_score:
                    best, best_score = choice, sc
        else:  # coordinate ascent from the layout's own reading
            for _ in range(2):
                for k in open_rows:
                    best[k] = max(rows[k], key=lambda r: score({**best, k: r}))
    sol = Solution(values={}, tokens={k: list(best[k].cells) for k in keys})
    sol.values = {k: _values(best[k].cells) for k in keys}
    for k, note in notes.items():  # rows whose printed cells did not fit the columns
        sol.chosen_by[k] = best[k].note or note
    if open_rows:
        # a row is settled only by identities whose other rows are settled themselves: rows
        # that are all uncertain can shift together (a blank column in every row) and still
        # agree with each other
        unsure = set(open_rows) | {k for k in keys if any(t is None for t in best[k].cells)}
        for k in open_rows:
            own = [i for i in identities if all(c[0] == k or c[0] not in unsure for c in i.lhs + i.rhs)]
            mark = score(best, own)[0]
            # (a reading the settled rows like better than the joint choice makes it doubtful too)
            tied = [alt for alt in rows[k] if score({**best, k: alt}, own)[0] >= mark]
            vectors = [_shown(alt, k, own, width) for alt in tied]
            if any(v != vectors[0] for v in vectors):
                sol.ambiguous.add(k)
                sol.candidates[k] = [list(v) for v in dict.fromkeys(tuple(v) for v in vectors)]
                for col in range(width):  # a cell the readings disagree on is left blank
                    if len({v[col] for v in vectors}) > 1:
                        sol.values[k][col] = None
                        sol.tokens[k][col] = None
    # cells lost from the text: written where one identity settles them; blank cells: proposed
    writable = {k: best[k] for k in keys if best[k].fill and k not in sol.ambiguous}
    _fill(sol.values, writable, identities, width, sol.inferred)
    blanks = {(k, c) for k, v in sol.values.items() if None in v for c, x in enumerate(v) if x is None}
    if not blanks:  # (the common table: every cell a number, nothing to propose)
        return sol
    trial = {k: list(v) for k, v in sol.values.items()}
    found: dict[Cell, str] = {}
    _fill(trial, {}, identities, width, found, blanks)
    for cell, rule in found.items():
        if cell not in sol.inferred and trial[cell[0]][cell[1]] is not None:
            sol.proposed[cell] = (rule, trial[cell[0]][cell[1]])  # type: ignore[assignment]
    return sol


def _shown(reading: Reading, key: str, identities: list[Identity], width: int) -> list[int | float | None]:
    """The values a reading puts in the record: its printed cells, and the lost cells its own
    identities fill in where it may fill them."""
    vals = {key: _values(reading.cells)}
    if reading.fill:
        _fill(vals, {key: reading}, [i for i in identities if all(c[0] == key for c in i.lhs + i.rhs)], width, {})
    return vals[key]


def _check(ident: Identity, vals: dict[str, list[int | float | None]]) -> bool | None:
    total = [0.0, 0.0]
    for side, cells in enumerate((ident.lhs, ident.rhs)):
        for key, col in cells:
            row = vals.get(key)
            x = row[col] if row is not None else None
            if x is None:
                return None
            total[side] += x
    return abs(total[0] - total[1]) < 1e-6


def _fill(
    vals: dict[str, list[int | float | None]],
    choice: dict[str, Reading],
    identities: list[Identity],
    width: int,
    inferred: dict[Cell, str],
    holes: set[Cell] | None = None,
) -> None:
    """Fill holes (not blanks printed as blank, unless `holes` names them) that one identity
    determines exactly."""
    if holes is None:
        holes = {(k, c) for k, r in choice.items() for c, t in enumerate(r.cells) if t is None}
    changed = True
    while holes and changed:
        changed = False
        for ident in identities:
            if holes.isdisjoint(ident.lhs) and holes.isdisjoint(ident.rhs):
                continue  # (no hole in it: nothing to fill)
            unknown = [(side, cell) for side, cells in enumerate((ident.lhs, ident.rhs)) for cell in cells
                       if cell[0] in vals and vals[cell[0]][cell[1]] is None]
            if len(unknown) != 1 or unknown[0][1] not in holes:
                continue
            if any(cell[0] not in vals for cell in ident.lhs + ident.rhs):
                continue
            side, (key, col) = unknown[0]
            sums = [sum(vals[k][c] or 0 for k, c in cells) for cells in (ident.lhs, ident.rhs)]
            value = sums[1 - side] - sums[side]
            if value < 0:
                continue
            vals[key][col] = int(value) if float(value).is_integer() else value
            inferred[(key, col)] = ident.rule
            holes.discard((key, col))
            changed = True
