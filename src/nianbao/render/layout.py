"""The official table layouts as grids (cells with row and column spans), built from
`templates`.  Every output format (Markdown, text, HTML, DOCX, XLSX, the terminal and
the web page) serialises these grids; none lays out a table of its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formats import templates as T
from ..model import cell_path
from ..numbers import number_text


@dataclass
class GridCell:
    text: str
    kind: str = "header"  # header | label | value | note | item
    rowspan: int = 1
    colspan: int = 1
    path: str | None = None  # for values: "table3.granted[0]"


@dataclass
class Grid:
    name: str  # table2 | table3 | table4
    width: int
    rows: list[list[tuple[int, GridCell]]] = field(default_factory=list)  # (column, origin cell)
    header_rows: int = 0

    def add(self, cells: list[tuple[int, GridCell]]) -> None:
        self.rows.append(cells)

    def expand(self) -> list[list[tuple[GridCell, bool] | None]]:
        """A rectangle: each position holds (cell, is_origin), or None if nothing covers it."""
        out: list[list[tuple[GridCell, bool] | None]] = [[None] * self.width for _ in self.rows]
        for r, row in enumerate(self.rows):
            for c, cell in row:
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        if r + dr < len(out) and c + dc < self.width:
                            out[r + dr][c + dc] = (cell, dr == 0 and dc == 0)
        return out


def _spans(n: int, width: int) -> list[int]:
    """Column spans for n value cells in `width` columns (the last one takes the rest)."""
    return [1] * (n - 1) + [width - n + 1] if n else []


def table2_grid(template: T.Template, values: dict[str, dict[str, Any]] | None = None, zeros: bool = False,
                only_present: bool = False) -> Grid:
    values = values or {}
    width = 1 + max(len(b.fields) for b in template.table2)
    grid = Grid("table2", width)
    for block in template.table2:
        grid.add([(0, GridCell(block.item, "item", colspan=width))])
        spans = _spans(len(block.fields), width - 1)
        row = [(0, GridCell(T.T2_HEADER, "header"))]
        col = 1
        for fld, span in zip(block.fields, spans):
            row.append((col, GridCell(fld.label, "header", colspan=span)))
            col += span
        grid.add(row)
        for r in block.rows:
            if only_present and values and r.key not in values:
                continue
            cells = [(0, GridCell(r.label, "label"))]
            col = 1
            for fld, span in zip(block.fields, spans):
                v = (values.get(r.key) or {}).get(fld.key)
                text = number_text(0 if v is None and zeros else v)
                cells.append((col, GridCell(text, "value", colspan=span, path=cell_path("table2", r.key, fld.key))))
                col += span
            grid.add(cells)
    return grid


def _group_size(rows: list[T.Row], group: str) -> int:
    return sum(1 for row in rows if group in {g.key for g in T.t3_group_chain(row)})


def table3_rows(template: T.Template, values: dict[str, list[Any]] | None, only_present: bool) -> list[T.Row]:
    """The rows to print: the template's, or (`only_present`) just those the record has —
    with the old single （六）其他处理 row where a 2021 record kept it."""
    rows = list(template.table3_rows)
    if values and not any(k in values for k in ("other_no_correction", "other_no_fee")) and "other_other" in values:
        rows = list(T.TEMPLATE_2019.table3_rows)
    if values and only_present:
        rows = [r for r in rows if r.key in values]
    return rows


def table3_grid(template: T.Template, values: dict[str, list[Any]] | None = None, zeros: bool = False,
                only_present: bool = False) -> Grid:
    values = values or {}
    rows = table3_rows(template, values, only_present)
    labels = 3
    width = labels + T.T3_WIDTH
    grid = Grid("table3", width, header_rows=3)
    grid.add([(0, GridCell(T.T3_NOTE, "note", rowspan=3, colspan=labels)),
              (labels, GridCell(T.T3_HEADER_TOP, colspan=T.T3_WIDTH))])
    orgs = [c for c in T.T3_COLUMNS if c.parent]
    grid.add([(labels, GridCell(T.T3_COLUMNS[0].label, rowspan=2)),
              (labels + 1, GridCell(T.T3_HEADER_ORGS, colspan=len(orgs))),
              (labels + 1 + len(orgs), GridCell(T.T3_COLUMNS[-1].label, rowspan=2))])
    grid.add([(labels + 1 + i, GridCell(c.label)) for i, c in enumerate(orgs)])
    started: set[str] = set()
    for row in rows:
        chain = T.t3_group_chain(row)
        cells: list[tuple[int, GridCell]] = []
        for depth, group in enumerate(chain):
            if group.key not in started:
                started.add(group.key)
                cells.append((depth, GridCell(group.title, "label", rowspan=_group_size(rows, group.key))))
        depth = len(chain)
        cells.append((depth, GridCell(row.title, "label", colspan=labels - depth)))
        vals = values.get(row.key) or [None] * T.T3_WIDTH
        for c in range(T.T3_WIDTH):
            v = vals[c] if c < len(vals) else None
            text = number_text(0 if v is None and zeros else v)
            cells.append((labels + c, GridCell(text, "value", path=cell_path("table3", row.key, c))))
        grid.add(cells)
    return grid


def table4_grid(values: dict[str, dict[str, Any]] | None = None, zeros: bool = False) -> Grid:
    values = values or {}
    n = len(T.T4_FIELDS)
    grid = Grid("table4", n * len(T.T4_GROUPS), header_rows=3)
    review, direct, after = T.T4_GROUPS
    grid.add([(0, GridCell(review[1], colspan=n)), (n, GridCell(T.T4_HEADER_LITIGATION, colspan=2 * n))])
    grid.add([(i, GridCell(f.label, rowspan=2)) for i, f in enumerate(T.T4_FIELDS)]
             + [(n, GridCell(direct[1], colspan=n)), (2 * n, GridCell(after[1], colspan=n))])
    grid.add([(n + i, GridCell(f.label)) for i, f in enumerate(T.T4_FIELDS)]
             + [(2 * n + i, GridCell(f.label)) for i, f in enumerate(T.T4_FIELDS)])
    cells = []
    for gi, (key, _, _) in enumerate(T.T4_GROUPS):
        for fi, fld in enumerate(T.T4_FIELDS):
            v = (values.get(key) or {}).get(fld.key)
            cells.append((gi * n + fi, GridCell(number_text(0 if v is None and zeros else v), "value",
                                                path=cell_path("table4", key, fld.key))))
    grid.add(cells)
    return grid


def report_grids(template_id: str | None, table2: dict, table3: dict, table4: dict, zeros: bool = False,
                 only_present: bool = False) -> list[Grid]:
    template = T.TEMPLATES.get(template_id or "2021", T.TEMPLATE_2021)
    return [table2_grid(template, table2, zeros, only_present), table3_grid(template, table3, zeros, only_present),
            table4_grid(table4, zeros)]
