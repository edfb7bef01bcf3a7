"""Spreadsheet pieces shared by the data workbook and the 问题清单: the official grids
(`render.layout`) written with their merged cells, heading rows, and readable names of
cell paths."""
from __future__ import annotations

from functools import lru_cache

from ..formats import templates as T
from ..render.layout import Grid
from .xlsx import Sheet

TABLE_SECTIONS = {"table2": "proactive", "table3": "requests", "table4": "appeals"}
_GRID_STYLES = {"header": "header", "note": "header", "item": "header", "label": "label", "value": "value"}


def write_grid(sheet: Sheet, grid: Grid, values: dict[str, float]) -> None:
    """The official table, its headers merged as printed; value cells hold the numbers of
    `values` by cell path (blank where there is none)."""
    for grid_row in grid.rows:
        out: list[object] = [None] * grid.width
        styles: list[str | None] = ["label"] * grid.width  # borders on positions a merged cell covers
        for col, gc in grid_row:
            out[col] = values.get(gc.path) if gc.kind == "value" and gc.path else gc.text
            styles[col] = _GRID_STYLES.get(gc.kind, "label")
        row = sheet.row(out, styles)
        for col, gc in grid_row:
            sheet.merge(row, col + 1, gc.rowspan, gc.colspan)


def grid_title(grid: Grid) -> str:
    """The section heading a table is printed under (built from the templates)."""
    return T.SECTION_BY_KEY[TABLE_SECTIONS[grid.name]].title


def headings(sheet: Sheet, columns: list[str], names: dict[str, str]) -> None:
    """Two heading rows: Chinese names, then the column keys (the sheet freezes both)."""
    sheet.row([names.get(c) or cell_name(c) for c in columns], "header")
    sheet.row(columns, "subtitle")


@lru_cache(maxsize=None)
def cell_name(path: str) -> str:
    """A cell as a clerk reads it: 表三“（三）1.属于国家秘密”·自然人 (the path itself for a
    cell no template has)."""
    from ..draft.cells import cell_map

    for tid in T.TEMPLATE_IDS:
        spec = cell_map(tid).get(path)
        if spec is not None:
            return spec.name
    return path
