"""Laid-out pages (text lines and table grids, with positions) -> a Document.

Both page readers (the PDF text layer and OCR) produce `PageLayout`s; this module drops
running page numbers by their place on the page, joins the title's lines and tables
that cross a page break (`stitch`), and writes the lines in reading order: table rows as tab-separated
`grid` lines, every line tagged with its page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...model import Document, Finding, LineMeta
from .boxes import Box, Cell, Table, TextBox, group_lines, row_lines

# a label that starts a new row or group ("（五）", "三、", "1."): not the rest of a label
_ENUMERATOR = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、])")
MARGIN = 0.15  # top and bottom of a page: where running headers, footers and page numbers live
_PAGE_NUMBER = re.compile(
    r"^[-—–－~～_·•\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:(?:[/／]|共)\s*\d{1,4}\s*页?)?[-—–－~～_·•\s]*$"
    r"|^\s*page\s*\d{1,4}(?:\s*of\s*\d{1,4})?\s*$",
    re.IGNORECASE,
)


@dataclass
class TextLine:
    text: str
    box: Box
    confidences: tuple[float, ...] | None = None  # OCR: one per tab-separated cell
    size: float | None = None  # height of its characters (title lines are larger)
    grid: bool = False  # a row of a table without rulings whose columns were rebuilt


@dataclass
class PageLayout:
    number: int  # 1-based
    width: float
    height: float
    lines: list[TextLine] = field(default_factory=list)  # reading order
    tables: list[Table] = field(default_factory=list)  # top to bottom
    ocr: bool = False
    label: str | None = None  # where it is in the file, when not simply "第N页"

    @property
    def origin(self) -> str:
        return self.label or f"第{self.number}页"

    def in_margin(self, box: Box) -> bool:
        return box.y1 <= self.height * MARGIN or box.y0 >= self.height * (1 - MARGIN)

    def scaled(self, f: float, dx: float = 0.0, dy: float = 0.0) -> "PageLayout":
        """The page in other units (OCR pixels -> PDF points), shifted by (dx, dy)."""
        lines = [TextLine(ln.text, ln.box.scaled(f, dx, dy), ln.confidences, ln.size * f if ln.size else None, ln.grid)
                 for ln in self.lines]
        return PageLayout(self.number, self.width * f, self.height * f, lines,
                          [t.scaled(f, dx, dy) for t in self.tables], self.ocr, self.label)

    def merge(self, part: "PageLayout") -> None:
        """Add the lines and tables of a part of this page (e.g. the OCR of an image on it)."""
        for line in part.lines:
            at = next((i for i, ln in enumerate(self.lines) if ln.box.y0 > line.box.y0), len(self.lines))
            self.lines.insert(at, line)
        self.tables = sorted(self.tables + part.tables, key=lambda t: t.box.y0)
        self.ocr = self.ocr or bool(part.lines or part.tables)


def drop_page_numbers(page: PageLayout) -> None:
    """Remove the page number ("- 3 -", "第3页 共5页"): the top- or bottom-most line of the
    page, in its margin; pieces of one number split into several lines (“— ” / “2 —”)
    are judged together."""
    candidates = [ln for ln in page.lines if page.in_margin(ln.box)]
    parts = [TextBox(ln.box, ln.text) for ln in candidates]
    owner = {id(p): ln for p, ln in zip(parts, candidates)}
    drop: set[int] = set()
    for row in group_lines(parts):
        joined = " ".join(p.text for p in row)
        if not (_PAGE_NUMBER.match(joined) and any(ch.isdigit() for ch in joined)):
            continue
        members = {id(owner[id(p)]) for p in row}
        top, bottom = min(p.box.y0 for p in row), max(p.box.y1 for p in row)
        others = [ln.box for ln in page.lines if id(ln) not in members] + [t.box for t in page.tables]
        if all(b.y0 >= bottom for b in others) or all(b.y1 <= top for b in others):
            drop.update(members)
    page.lines = [ln for ln in page.lines if id(ln) not in drop]


def join_title(page: PageLayout, ratio: float = 1.15, most: int = 4) -> None:
    """Join the title's lines: a title set in a larger type, centred, and broken over
    several lines ("…2023年政府信息公开" / "工作年度报告") is one line of the document."""
    sizes = sorted(ln.size for ln in page.lines if ln.size)
    if not sizes:
        return
    body = sizes[len(sizes) // 4]  # most lines are body text, the smallest type on the page

    def title_like(line: TextLine) -> bool:
        centred = abs((line.box.x0 + line.box.x1) / 2 - page.width / 2) <= 0.08 * page.width
        return centred and (line.size or 0) >= ratio * body

    end = 0  # page numbers are gone; a first page has no running header
    while end < len(page.lines) and end < most and title_like(page.lines[end]):
        end += 1
    if end < 2:
        return
    block = page.lines[:end]
    box = Box(min(b.box.x0 for b in block), min(b.box.y0 for b in block),
              max(b.box.x1 for b in block), max(b.box.y1 for b in block))
    confs = tuple(c for b in block for c in (b.confidences or ()))
    page.lines[:end] = [TextLine("".join(b.text for b in block), box, (min(confs),) if confs else None, block[0].size)]


def same_columns(upper: Table, lower: Table, tol: float) -> bool:
    return upper.n_cols == lower.n_cols and all(abs(a - b) <= tol for a, b in zip(upper.xs, lower.xs))


def stitch(upper: Table, lower: Table) -> None:
    """Join `lower` (the top of a table on the next page) to `upper` (its part on this page).

    * a row split by the page break (its values on one side only) becomes one row;
    * a merged label cell that continues over the break is not repeated: the empty (or
      un-numbered, e.g. the rest of a vertical label) cell at the top of the next page
      is dropped, and its text, if any, appended to the cell above the break.
    """
    bottom, top = upper.bottom_cells(), lower.top_cells()
    last_row = [c for c in upper.cells if c.row == upper.n_rows - 1]
    first_row = [c for c in lower.cells if c.row == 0]
    if _is_split_row(last_row, first_row, bottom, top):
        for col, cell in top.items():
            above = bottom.get(col)
            if above is not None and above.colspan == cell.colspan:
                above.text += cell.text
                above.confidence = _min_conf(above.confidence, cell.confidence)
                lower.cells.remove(cell)
        return
    for col, cell in top.items():
        above = bottom.get(col)
        if above is None or above.colspan != cell.colspan or not above.text or above.is_numeric():
            continue
        if above.rowspan == 1 and cell.rowspan == 1:
            continue
        if cell.text and (cell.is_numeric() or _ENUMERATOR.match(cell.text)):
            continue
        above.text += cell.text
        lower.cells.remove(cell)


def _is_split_row(last_row: list[Cell], first_row: list[Cell], bottom: dict[int, Cell],
                  top: dict[int, Cell]) -> bool:
    """The row at the page break was cut in two: the numbers are all on one side, no
    column holds a number on one side and anything on the other (a header row above a
    row of values is two rows), and the side without numbers starts no row of its own."""
    if not last_row or not first_row:
        return False
    upper_numbers = any(c.is_numeric() and c.text for c in last_row)
    lower_numbers = any(c.is_numeric() and c.text for c in first_row)
    if upper_numbers == lower_numbers:
        return False
    for col, cell in top.items():
        above = bottom.get(col)
        if above is not None and above.text and cell.text and (above.is_numeric() or cell.is_numeric()):
            return False
    without = first_row if upper_numbers else last_row
    return not any(_ENUMERATOR.match(c.text) for c in without if c.text)


def _min_conf(a: float | None, b: float | None) -> float | None:
    if a is None or b is None:
        return a if b is None else b
    return min(a, b)


def _last_table(page: PageLayout) -> Table | None:
    if not page.tables:
        return None
    table = max(page.tables, key=lambda t: t.box.y1)
    below = [ln for ln in page.lines if ln.box.y0 >= table.box.y1 - 1 and not page.in_margin(ln.box)]
    return None if below else table


def _first_table(page: PageLayout) -> Table | None:
    if not page.tables:
        return None
    table = min(page.tables, key=lambda t: t.box.y0)
    above = [ln for ln in page.lines if ln.box.y1 <= table.box.y0 + 1 and not page.in_margin(ln.box)]
    return None if above else table


def stitch_pages(pages: list[PageLayout]) -> None:
    """Join each table that ends a page to the table that starts the next one, when their
    columns line up (the same table continued over the page break)."""
    for upper_page, lower_page in zip(pages, pages[1:]):
        upper, lower = _last_table(upper_page), _first_table(lower_page)
        if upper is None or lower is None:
            continue
        tol = max(upper_page.width, lower_page.width) * 0.01
        if abs(upper_page.width - lower_page.width) <= tol and same_columns(upper, lower, tol):
            stitch(upper, lower)


def page_lines(page: PageLayout) -> list[tuple[str, LineMeta]]:
    """The page's lines in reading order: text lines as they come, each table placed
    before the first text line that starts below its top edge."""
    origin = page.origin
    pending = sorted(page.tables, key=lambda t: t.box.y0)
    out: list[tuple[str, LineMeta]] = []

    def flush(until: float | None) -> None:
        while pending and (until is None or pending[0].box.y0 <= until):
            for text, confs in row_lines(pending.pop(0)):
                out.append((text, LineMeta(origin=origin, cell_confidence=confs, grid=True)))

    for line in page.lines:
        flush(line.box.y0)
        out.append((line.text, LineMeta(origin=origin, cell_confidence=line.confidences, grid=line.grid)))
    flush(None)
    return out


def to_document(pages: list[PageLayout], reader: str, notes: list[Finding] | None = None) -> Document:
    for page in pages:
        drop_page_numbers(page)
    if pages:
        join_title(pages[0])
    stitch_pages(pages)
    lines: list[str] = []
    meta: list[LineMeta] = []
    for page in pages:
        for text, m in page_lines(page):
            lines.append(text)
            meta.append(m)
    return Document(lines=lines, meta=meta, reader=reader, pages=len(pages), notes=list(notes or []))
