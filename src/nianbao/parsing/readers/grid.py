"""Rows of a real table -> lines of the reader contract (the DOCX reader's; `html.place` does the same for HTML).

A table reader knows, for each row, the first column and the width of each of the row's
own cells (merged cells once, in their first row) and which columns the row covers: its
own cells, cells reaching down from rows above (rowspan, vertical merge), and columns a
row skips on purpose (DOCX `gridBefore`).  From that:

* columns to the right of every cell that has text are dropped: converters and editors
  leave empty columns at a table's right edge, and a reader that takes a row's last
  cells must not read them;
* a row is reliable (`LineMeta.grid`) when it covers every remaining column exactly once
  over, so that the position of each of its cells, and each blank, can be trusted.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cell:
    col: int  # first grid column (0-based)
    span: int
    text: str


@dataclass
class Row:
    cells: list[Cell] = field(default_factory=list)  # in increasing column order
    covered: set[int] = field(default_factory=set)  # columns covered by this row's cells or from above


def grid_lines(rows: list[Row]) -> list[tuple[int, str, bool]]:
    """(row index, tab-separated cells, reliable) for each row that has cells."""
    used = 0  # the end of the cells with text furthest right: a row's last cell with text
    for r in rows:
        for c in reversed(r.cells):
            if c.text:
                used = max(used, c.col + c.span)
                break
    out = []
    for i, row in enumerate(rows):
        cells = row.cells
        if used and cells and cells[-1].col >= used:
            cells = [c for c in cells if c.col < used]
        if not cells:
            continue
        reliable = used > 0 and row.covered.issuperset(range(used))
        out.append((i, "\t".join([c.text for c in cells]), reliable))
    return out
