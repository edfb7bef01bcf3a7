"""Rows of a real table -> lines of the reader contract (shared by the HTML and DOCX readers).

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
    cells: list[Cell] = field(default_factory=list)
    covered: set[int] = field(default_factory=set)  # columns covered by this row's cells or from above


def grid_lines(rows: list[Row]) -> list[tuple[int, str, bool]]:
    """(row index, tab-separated cells, reliable) for each row that has cells."""
    used = max((c.col + c.span for r in rows for c in r.cells if c.text), default=0)
    out = []
    for i, row in enumerate(rows):
        cells = [c for c in row.cells if c.col < used] if used else row.cells
        if not cells:
            continue
        reliable = used > 0 and row.covered.issuperset(range(used))
        out.append((i, "\t".join([c.text for c in cells]), reliable))
    return out
