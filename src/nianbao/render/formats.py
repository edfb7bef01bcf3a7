"""Grids -> text in the layouts reports are found in: tab-separated (PDF text), Markdown
and pipe tables, one cell per line with "|" (scraped HTML), space-separated (PDF text
layer) and HTML with real row/column spans."""
from __future__ import annotations

from html import escape

from .layout import Grid


def tab_lines(grid: Grid, pad: bool = True) -> list[str]:
    """One line per grid row, cells separated by tabs.  With `pad`, positions covered by a
    merged cell are empty cells (as PDF text extraction gives them); without, a merged cell
    appears once and covered positions are left out (as a grid reader gives them)."""
    lines = []
    for r, row in enumerate(grid.expand()):
        cells = []
        for pos in row:
            if pos is None:
                if pad:
                    cells.append("")
                continue
            cell, origin = pos
            if origin:
                cells.append(cell.text)
            elif pad:
                cells.append("")
        lines.append("\t".join(cells))
    return lines


def markdown_lines(grid: Grid) -> list[str]:
    rows = grid.expand()
    out = []
    for r, row in enumerate(rows):
        cells = [(pos[0].text if pos and pos[1] else "") for pos in row]
        out.append("| " + " | ".join(c.replace("|", "｜") for c in cells) + " |")
        if r == 0:
            out.append("|" + "---|" * grid.width)
    return out


def pipe_cell_lines(grid: Grid) -> list[str]:
    """Each origin cell on its own line followed by " |", rows separated by filler lines of
    pipes (the layout of tables scraped from HTML pages)."""
    out = []
    for r, row in enumerate(grid.rows):
        for _, cell in row:
            out.append(f"{cell.text} |")
        out.append("|" * max(1, grid.width - len(row)))
    return out


def space_lines(grid: Grid) -> list[str]:
    """Origin cells of each row joined by single spaces; header rows one word per line
    (how a PDF text layer reads a table)."""
    out = []
    for r, row in enumerate(grid.rows):
        texts = [cell.text for _, cell in row if cell.text != ""]
        if r < grid.header_rows or all(cell.kind in ("header", "note", "item") for _, cell in row):
            if grid.name == "table2":
                out.append(" ".join(texts))
            else:
                out.extend(texts)
        else:  # a blank cell leaves no trace in a PDF text layer
            out.append(" ".join(texts))
    return out


def html_table(grid: Grid, css_class: str = "nb-table", cell_attrs: dict[str, str] | None = None) -> str:
    """An HTML table with the grid's spans; `cell_attrs` maps value paths to extra attributes."""
    parts = [f'<table class="{css_class} {grid.name}">']
    for r, row in enumerate(grid.rows):
        parts.append("<tr>")
        for _, cell in row:
            tag = "th" if cell.kind in ("header", "note", "item") else "td"
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            if cell.path:
                attrs += f' data-cell="{escape(cell.path)}"'
                if cell_attrs and cell.path in cell_attrs:
                    attrs += " " + cell_attrs[cell.path]
            attrs += f' class="{cell.kind}"'
            parts.append(f"<{tag}{attrs}>{escape(cell.text)}</{tag}>")
        parts.append("</tr>")
    parts.append("</table>")
    return "".join(parts)
