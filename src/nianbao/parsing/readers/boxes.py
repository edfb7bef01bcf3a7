"""Table grids rebuilt from geometry: ruling lines -> cells, text boxes -> cell texts.

Shared by the PDF reader (rulings from vector paths, one box per character) and the OCR
reader (rulings found in the image, one box per recognised line of text).  Coordinates
are top-down (y grows downwards), in whatever unit the caller uses; tolerances scale
with it.

A table is found as a connected set of horizontal and vertical rulings.  Its column
boundaries are the x positions of its vertical rulings (plus the ends of its horizontal
rulings, for tables drawn without side borders), its row boundaries likewise.  Two
neighbouring elementary cells belong to one merged cell when no ruling separates them.
A page of more than MAX_RULINGS lines, or a grid of more than MAX_GRID elementary cells,
is no report table (graph paper, a pattern, a hostile file): its tables are not built.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

MAX_RULINGS = 1000  # after merging; a report page has well under 200
MAX_GRID = 20_000  # rows x columns of one table; a report table has a few hundred
_NUMERIC = re.compile(r"^[\s\d.,，%+\-—]*\d[\s\d.,，%+\-—]*$")


class Box(NamedTuple):
    """An axis-aligned rectangle (top-down coordinates); a named tuple, cheap to make (one
    per character of a PDF text layer)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def scaled(self, f: float, dx: float = 0.0, dy: float = 0.0) -> "Box":
        """The box in other units: every coordinate times `f`, then shifted by (dx, dy)."""
        return Box(self.x0 * f + dx, self.y0 * f + dy, self.x1 * f + dx, self.y1 * f + dy)


class TextBox(NamedTuple):
    """A piece of text where it was printed: a character (PDF) or a recognised line (OCR)."""

    box: Box
    text: str
    confidence: float = 1.0


@dataclass(frozen=True)
class Ruling:
    """A horizontal ("h": at y=pos from x=start to x=end) or vertical ("v") line."""

    orient: str
    pos: float
    start: float
    end: float


@dataclass
class Cell:
    row: int
    col: int
    rowspan: int
    colspan: int
    box: Box
    parts: list[TextBox] = field(default_factory=list)
    text: str = ""
    confidence: float | None = None  # lowest confidence of its text, for OCR

    def is_numeric(self) -> bool:
        return is_number(self.text)


@dataclass
class Table:
    box: Box
    xs: list[float]  # column boundaries, left to right
    ys: list[float]  # row boundaries, top to bottom
    cells: list[Cell]  # origin cells of merged groups, in row then column order
    _where: dict[tuple[int, int], Cell] = field(default_factory=dict, repr=False)

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    def cell_at(self, x: float, y: float) -> Cell | None:
        """The (merged) cell containing the point, if any."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        c = min(max(bisect.bisect_right(self.xs, x) - 1, 0), self.n_cols - 1)
        r = min(max(bisect.bisect_right(self.ys, y) - 1, 0), self.n_rows - 1)
        return self._where.get((r, c))

    def cells_by_position(self) -> dict[tuple[int, int], Cell]:
        """(row, column) of every elementary position -> the (merged) cell covering it."""
        return self._where

    def rows(self) -> list[list[Cell]]:
        """Origin cells grouped by the row they start in (empty lists for covered rows)."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row].append(cell)
        for row in out:
            row.sort(key=lambda c: c.col)
        return out

    def scaled(self, f: float, dx: float = 0.0, dy: float = 0.0) -> "Table":
        cells = {id(c): Cell(c.row, c.col, c.rowspan, c.colspan, c.box.scaled(f, dx, dy), [], c.text, c.confidence)
                 for c in self.cells}
        return Table(self.box.scaled(f, dx, dy), [x * f + dx for x in self.xs], [y * f + dy for y in self.ys],
                     list(cells.values()), {k: cells[id(c)] for k, c in self._where.items()})

    def bottom_cells(self) -> dict[int, Cell]:
        """The cell touching the bottom edge, by starting column."""
        return {c.col: c for c in self.cells if c.row + c.rowspan == self.n_rows}

    def top_cells(self) -> dict[int, Cell]:
        return {c.col: c for c in self.cells if c.row == 0}


def is_number(text: str) -> bool:
    return bool(_NUMERIC.match(text))


# ---------------------------------------------------------------------------- rulings
def _cluster(values: list[float], tol: float) -> list[float]:
    """Representative positions of values that lie within `tol` of each other."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def merge_rulings(rulings: list[Ruling], tol: float) -> list[Ruling]:
    """Collinear rulings joined: the same position (within `tol`) and touching or overlapping."""
    out: list[Ruling] = []
    for orient in ("h", "v"):
        group = sorted((r for r in rulings if r.orient == orient), key=lambda r: r.pos)
        lanes: list[list[Ruling]] = []
        for r in group:
            if lanes and r.pos - lanes[-1][-1].pos <= tol:
                lanes[-1].append(r)
            else:
                lanes.append([r])
        for lane in lanes:
            pos = sum(r.pos for r in lane) / len(lane)
            spans = sorted((r.start, r.end) for r in lane)
            cur_a, cur_b = spans[0]
            for a, b in spans[1:]:
                if a <= cur_b + tol:
                    cur_b = max(cur_b, b)
                else:
                    out.append(Ruling(orient, pos, cur_a, cur_b))
                    cur_a, cur_b = a, b
            out.append(Ruling(orient, pos, cur_a, cur_b))
    return out


def snap_to_junctions(rulings: list[Ruling], tol: float) -> list[Ruling]:
    """Rulings cut back to their outermost crossings with rulings of the other direction.

    In a scan, a stroke of a character that touches a table line lengthens it (a vertical
    line seems to reach up into the row above); table lines end where they meet others.
    Rulings that meet fewer than two others are left out."""
    out = []
    for r in rulings:
        others = [o for o in rulings if o.orient != r.orient and _touch(*((r, o) if r.orient == "h" else (o, r)), tol)]
        if len(others) < 2:
            continue
        out.append(Ruling(r.orient, r.pos, min(o.pos for o in others), max(o.pos for o in others)))
    return out


def _touch(h: Ruling, v: Ruling, tol: float) -> bool:
    return h.start - tol <= v.pos <= h.end + tol and v.start - tol <= h.pos <= v.end + tol


def _components(rulings: list[Ruling], tol: float) -> list[list[Ruling]]:
    parent = list(range(len(rulings)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    hs = [i for i, r in enumerate(rulings) if r.orient == "h"]
    vs = [i for i, r in enumerate(rulings) if r.orient == "v"]
    if hs and vs:  # `_touch` of every pair, on arrays; the pairs that touch in the same order
        h = np.array([(r.start, r.end, r.pos) for r in map(rulings.__getitem__, hs)])
        v = np.array([(r.start, r.end, r.pos) for r in map(rulings.__getitem__, vs)])
        touch = ((h[:, 0, None] - tol <= v[None, :, 2]) & (v[None, :, 2] <= h[:, 1, None] + tol)
                 & (v[None, :, 0] - tol <= h[:, 2, None]) & (h[:, 2, None] <= v[None, :, 1] + tol))
        for a, b in zip(*(k.tolist() for k in np.nonzero(touch))):
            parent[find(hs[a])] = find(vs[b])
    groups: dict[int, list[Ruling]] = {}
    for i, r in enumerate(rulings):
        groups.setdefault(find(i), []).append(r)
    return list(groups.values())


def _on_lines(rulings: list[Ruling], lines: list[float], tol: float) -> list[list[Ruling]]:
    """For each grid line (sorted positions), the rulings lying on it (within `tol`)."""
    out: list[list[Ruling]] = [[] for _ in lines]
    for r in rulings:
        k = bisect.bisect_left(lines, r.pos - tol)
        while k < len(lines) and lines[k] <= r.pos + tol:
            out[k].append(r)
            k += 1
    return out


def _covered(on_line: list[Ruling], mids: list[float], tol: float) -> list[bool]:
    """For each of the (increasing) midpoints, whether a ruling of the line covers it
    (within `tol` of its ends): each ruling marks its range, found by bisection."""
    out = [False] * len(mids)
    for r in on_line:
        for k in range(bisect.bisect_left(mids, r.start - tol), bisect.bisect_right(mids, r.end + tol)):
            out[k] = True
    return out


def find_tables(rulings: list[Ruling], tol: float, min_cell: float) -> list[Table]:
    """Tables of at least 2 columns drawn by `rulings`, top to bottom.

    `tol`: how far apart two rulings may be and still be one line; `min_cell`: the
    smallest row height / column width (narrower gaps are double lines, not cells)."""
    tables: list[Table] = []
    merged = merge_rulings(rulings, tol)
    if len(merged) > MAX_RULINGS:
        return tables
    for comp in _components(merged, tol):
        hs = [r for r in comp if r.orient == "h"]
        vs = [r for r in comp if r.orient == "v"]
        if len(hs) < 2 or len(vs) < 2 and len(hs) < 3:
            continue
        xs = _cluster([r.pos for r in vs] + [min(r.start for r in hs), max(r.end for r in hs)], min_cell)
        ys = _cluster([r.pos for r in hs] + ([min(r.start for r in vs), max(r.end for r in vs)] if vs else []), min_cell)
        if len(xs) < 3 or len(ys) < 2:  # a box around a paragraph is not a table; one row is
            continue
        if (len(xs) - 1) * (len(ys) - 1) > MAX_GRID:
            continue
        tables.append(_build(xs, ys, hs, vs, tol))
    return sorted(tables, key=lambda t: (t.box.y0, t.box.x0))


def _build(xs: list[float], ys: list[float], hs: list[Ruling], vs: list[Ruling], tol: float) -> Table:
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))  # elementary position r * n_cols + c

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    xmids = [(xs[c] + xs[c + 1]) / 2 for c in range(n_cols)]
    ymids = [(ys[r] + ys[r + 1]) / 2 for r in range(n_rows)]
    walls = [_covered(on, ymids, tol) for on in _on_lines(vs, xs, tol)]  # [grid line][row]: a ruling there
    floors = [_covered(on, xmids, tol) for on in _on_lines(hs, ys, tol)]  # [grid line][column]
    # neighbours not parted by a ruling are one cell; grid lines drawn in full (most) part all
    gaps = [(r * n_cols + c, 1) for c in range(1, n_cols) if not all(walls[c])
            for r in range(n_rows) if not walls[c][r]]
    gaps += [(r * n_cols + c, n_cols) for r in range(1, n_rows) if not all(floors[r])
             for c in range(n_cols) if not floors[r][c]]
    for k, step in gaps:  # (the cells are the groups, whatever their roots)
        parent[find(k - step)] = find(k)
    groups: dict[int, list[int]] = {}  # root -> positions, in order of first position
    for k in range(n_rows * n_cols):
        root = k
        while parent[root] != root:  # (`find` inline, without compressing: most positions are their own root)
            root = parent[root]
        if root in groups:
            groups[root].append(k)
        else:
            groups[root] = [k]
    cells: list[Cell] = []
    where: dict[tuple[int, int], Cell] = {}
    for members in groups.values():
        if len(members) == 1:  # an unmerged cell (most of a table)
            r0, c0 = divmod(members[0], n_cols)
            cell = Cell(r0, c0, 1, 1, Box(xs[c0], ys[r0], xs[c0 + 1], ys[r0 + 1]))
            cells.append(cell)
            where[(r0, c0)] = cell
            continue
        rows = [k // n_cols for k in members]
        cols = [k % n_cols for k in members]
        r0, r1, c0, c1 = min(rows), max(rows), min(cols), max(cols)
        cell = Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, Box(xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1]))
        cells.append(cell)
        for r, c in zip(rows, cols):
            where[(r, c)] = cell
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(Box(xs[0], ys[0], xs[-1], ys[-1]), xs, ys, cells, where)


# ---------------------------------------------------------------------------- text
def group_lines(parts: list[TextBox]) -> list[list[TextBox]]:
    """Boxes grouped into printed lines (top to bottom), each line left to right: a box
    joins a line when it overlaps the line vertically by half its own height."""
    lines: list[tuple[float, float, list[TextBox]]] = []
    for part in sorted(parts, key=lambda p: (p.box.cy, p.box.x0)):
        b = part.box
        for i, (top, bottom, members) in enumerate(lines):
            overlap = min(bottom, b.y1) - max(top, b.y0)
            if overlap >= 0.5 * max(min(b.height, bottom - top), 1e-6):
                members.append(part)
                lines[i] = (min(top, b.y0), max(bottom, b.y1), members)
                break
        else:
            lines.append((b.y0, b.y1, [part]))
    lines.sort(key=lambda ln: ln[0])
    return [sorted(members, key=lambda p: p.box.x0) for _, _, members in lines]


def join_line(parts: list[TextBox], gap: float = 0.8) -> str:
    """One printed line's text; a space where neighbours stand more than `gap` heights
    apart (words of OCR), none between adjacent characters."""
    out = []
    prev: TextBox | None = None
    for part in parts:
        if prev is not None:
            height = max(min(prev.box.height, part.box.height), 1e-6)
            if part.box.x0 - prev.box.x1 > gap * height:
                out.append(" ")
        out.append(part.text)
        prev = part
    return "".join(out)


def char_order(chars: list[TextBox]) -> list[TextBox]:
    """Single characters in reading order: rows by the height of their centres (a row
    takes characters whose centre is within half a character of the one before, so a
    flat "一" or a raised quotation mark stays in its row), then left to right."""
    if len(chars) < 2:
        return list(chars)
    heights = sorted(c.box.y1 - c.box.y0 for c in chars)
    reach = 0.5 * max(heights[len(heights) // 2], 1e-6)
    rows: list[list[TextBox]] = []
    last = 0.0
    for cy, _, c in sorted(((c.box.y0 + c.box.y1) / 2, i, c) for i, c in enumerate(chars)):  # (stable by centre)
        if rows and cy - last <= reach:
            rows[-1].append(c)
        else:
            rows.append([c])
        last = cy
    return [c for row in rows for c in (sorted(row, key=_left) if len(row) > 1 else row)]


def _left(part: TextBox) -> float:
    return part.box.x0


def fill(table: Table, parts: list[TextBox], chars: bool = False) -> list[TextBox]:
    """Put each box into the cell holding its centre; returns the boxes outside the table.

    `chars`: the parts are single characters (a PDF text layer), joined in `char_order`;
    otherwise (OCR) they are pieces of lines, grouped into lines and joined."""
    outside = []
    placed = []
    for part in parts:
        cell = table.cell_at(part.box.cx, part.box.cy)
        if cell is None:
            outside.append(part)
        else:
            placed.append((cell, part))
    fill_placed(table, placed, chars)
    return outside


def fill_placed(table: Table, placed: list[tuple[Cell, TextBox]], chars: bool = False) -> None:
    """`fill` for boxes whose cells are known: each cell's text from its boxes."""
    for cell, part in placed:
        cell.parts.append(part)
    for cell in table.cells:
        if chars:
            parts = cell.parts
            if len(parts) < 2:  # (`char_order` of none or one character: itself)
                text = parts[0].text if parts else ""
            else:
                text = "".join([p.text for p in char_order(parts)])
        else:  # lines inside a cell are wrapped text: joined without a separator
            text = "".join(join_line(line).strip() for line in group_lines(cell.parts))
        cell.text = text.replace("\t", " ").strip()
        if cell.parts and not chars:  # a text layer is not a reading: no confidence
            cell.confidence = min(p.confidence for p in cell.parts)


def align_columns(rows: list[list[TextBox]], height: float) -> list[list[TextBox | None]] | None:
    """The cells of a table printed without rulings, by column.

    `rows`: consecutive printed lines holding numbers, each as its cells left to right.
    The columns are the clusters of the numbers' centres (centres nearer than `height`
    are one column); each row becomes its label cells (left of the first column) and
    then one cell, or None for a blank, per column.  None when the numbers do not stand
    in clean columns: fewer than three, a cell between columns or two in one, or no row
    that fills every column (blanks could not be placed with confidence)."""
    columns = _cluster([c.box.cx for row in rows for c in row if is_number(c.text)], height)
    if len(columns) < 3:
        return None
    out: list[list[TextBox | None]] = []
    complete = False
    for row in rows:
        label = [c for c in row if c.box.cx < columns[0] - height and not is_number(c.text)]
        slots: list[TextBox | None] = [None] * len(columns)
        for cell in row[len(label):]:
            k = min(range(len(columns)), key=lambda i: abs(columns[i] - cell.box.cx))
            if abs(columns[k] - cell.box.cx) > height or slots[k] is not None:
                return None
            slots[k] = cell
        complete = complete or all(s is not None for s in slots)
        out.append([*label, *slots])
    return out if complete else None


def row_lines(table: Table) -> list[tuple[str, tuple[float, ...] | None]]:
    """One tab-separated line per grid row (merged cells once, blank cells empty), with
    the cells' confidences when any cell has one.  Columns right of every cell with text
    (header cells included) are left out: an empty column at a table's edge is drawn, not
    part of the form, and a reader that takes a row's last cells must not see it."""
    used = [c.col for c in table.cells if c.text]
    if not used:
        return []
    last = max(used)
    out = []
    for row in table.rows():
        row = [c for c in row if c.col <= last]
        if not row or not "".join(c.text for c in row).strip():
            continue
        text = "\t".join(c.text for c in row)
        confs = tuple(1.0 if c.confidence is None else round(c.confidence, 3) for c in row)
        out.append((text, confs if any(c.confidence is not None for c in row) else None))
    return out
