"""PDF -> Document: the text layer with pypdfium2, ruled tables rebuilt as grids.

Per page: the characters with their boxes (pypdfium2), the visible straight lines of the
page's vector paths (table rulings), the tables those rulings draw (`boxes.find_tables`),
each character put into its table cell or left on its text line.  Pages whose text layer
is missing or broken (``(cid:…)``, U+FFFD, private-use or mis-decoded characters instead
of hanzi) and large images without text over them (scanned pages, tables pasted as
pictures) are read by OCR instead (`ocr.py`).  Tables continued over a page break are
stitched and page numbers dropped by `pages.to_document`.
"""
from __future__ import annotations

import ctypes
import re
from itertools import repeat
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ...errors import LimitExceeded, UnreadableInput
from ...model import Document, Finding
from ...rules import finding
from .boxes import Box, Cell, Table, TextBox, fill_placed, find_tables
from .pages import PageLayout, TextLine, to_document
from .pdf_graphics import MAX_OBJECTS, MAX_SEGMENTS, c_function, graphics, large_images, rulings

MAX_PAGES = 300
RULING_TOL = 2.0  # points: rulings this close are one line
MIN_CELL = 3.0  # points: narrower gaps between rulings are a double line, not a cell
LARGE_IMAGE = 0.12  # an image covering this share of the page may hold text to OCR
_CID = re.compile(r"\(cid:\d+\)")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE = re.compile(r"\s")  # (re's \s is str.isspace)
# replacement characters, private-use code points and control characters that are not spaces
_BAD = re.compile("[\ufffd\ue000-\uf8ff" + "".join(re.escape(chr(c)) for c in range(0x20) if not chr(c).isspace()) + "]")
_TAB_SPACE = str.maketrans("\t\x02", "  ")  # tabs and pdfium's soft hyphens (\x02) as spaces
_RUN = re.compile("[^\r\n]+")  # a text line's characters, between line breaks
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]+")


@dataclass
class PageText:
    """What the text layer of one page says, and whether it can be trusted."""

    layout: PageLayout
    text: str
    broken: str | None  # why the text layer is unusable (None: it is fine)
    images: list[Box]  # large images with no text over them
    busy: Finding | None = None  # the page draws too much to walk its graphics (rulings skipped)


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """The pypdfium2 document, or a clear error for encrypted and damaged files."""
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == raw.FPDF_ERR_PASSWORD:
            raise UnreadableInput(
                "PDF 文件已加密（需要打开密码），无法读取。请提供未加密的文件。",
                "The PDF is encrypted (it needs a password to open) and cannot be read; please supply an unencrypted copy.",
            ) from None
        if getattr(exc, "err_code", None) == raw.FPDF_ERR_SECURITY:
            raise UnreadableInput(
                "PDF 文件使用了不支持的加密方式，无法读取。",
                "The PDF uses an unsupported security handler and cannot be read.",
            ) from None
        raise UnreadableInput(
            "PDF 文件已损坏或不完整（可能下载中断），无法打开。",
            "The PDF is damaged or incomplete (perhaps a broken download) and cannot be opened.",
        ) from None


def read_pdf(data: bytes) -> Document:
    pdf = open_pdf(data)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise UnreadableInput("PDF 文件中没有页面。", "The PDF has no pages.")
        if n_pages > MAX_PAGES:
            raise LimitExceeded(
                f"PDF 共 {n_pages} 页，超过上限 {MAX_PAGES} 页，不像是一份年度报告。",
                f"The PDF has {n_pages} pages, over the limit of {MAX_PAGES}; this is not one annual report.",
            )
        return _read_pages(pdf, n_pages)
    finally:
        pdf.close()


def _read_pages(pdf: pdfium.PdfDocument, n_pages: int) -> Document:
    layouts: list[PageLayout] = []
    notes: list[Finding] = []
    ocr_session = None
    used_ocr = False
    for index in range(n_pages):
        try:
            page = pdf[index]
            found = page_text(page, index + 1)
        except pdfium.PdfiumError:
            notes.append(_unreadable_page(index + 1))
            continue
        if found.busy is not None:
            notes.append(found.busy)
            found.broken = None  # no OCR either: rendering the page would cost as much
        if found.broken is None and not found.images:
            layouts.append(found.layout)
            continue
        from . import ocr

        if ocr_session is None:
            ocr_session = ocr.Session()
        result = ocr_session.pdf_page(page, found)
        layouts.append(result)
        used_ocr = used_ocr or result.ocr
    if ocr_session is not None:
        notes += ocr_session.notes
    if not layouts:
        raise UnreadableInput("PDF 的页面都无法读取，文件可能已损坏。", "None of the PDF's pages could be read; the file may be damaged.")
    reader = "pdf+ocr" if used_ocr else "pdf"
    if used_ocr and all(p.ocr for p in layouts if p.lines or p.tables):  # pages with nothing on them do not count
        reader = "ocr"
    return to_document(layouts, reader, notes)


def _unreadable_page(number: int) -> Finding:
    return finding("N7", f"第{number}页无法读取（页面数据损坏），该页内容缺失。", page=number)


# ---------------------------------------------------------------------------- text layer
def broken_reason(text: str) -> str | None:
    """Why a page's extracted text is not the printed text, or None when it looks right.

    Signs: pdfminer-style ``(cid:N)`` placeholders, replacement characters, private-use
    code points, and letters that are mostly not hanzi (a font whose characters were
    mapped to the wrong code points reads as Latin-1 mojibake)."""
    n = len(text) - len(_SPACE.findall(text))  # the visible characters
    if not n:
        return None
    if len(_CID.findall(text)) >= 3:
        return "cid"
    bad = len(_BAD.findall(text))
    if bad >= 3 and bad >= 0.02 * n:
        return "unmapped"
    letters = sum(map(str.isalpha, text))  # (spaces are no letters)
    if letters >= 30 and sum(map(str.isalpha, "".join(_CJK.findall(text)))) < 0.5 * letters:
        return "few-hanzi"
    return None


def page_text(page: pdfium.PdfPage, number: int) -> PageText:
    """The page's text lines and table grids from its text layer and vector paths."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        layer = _chars(textpage.raw, height)
    finally:
        textpage.close()
    chars, text = layer.chars, layer.text
    layout = PageLayout(number, width, height)
    broken = broken_reason(text)
    visible = len(layer.boxed)
    drawn = graphics(page)
    if drawn.busy is not None:  # a content-stream bomb: keep the text, skip images and rulings
        layout.lines = _text_lines(chars, set(), text) if broken is None else []
        return PageText(layout, text, broken, [], _busy_page(number, *drawn.busy))
    images = large_images(drawn.images, width, height, LARGE_IMAGE)
    if broken is None and visible < 10 and images:
        broken = "image-only"
    if broken is not None:
        return PageText(layout, text, broken, images)
    layout.tables = find_tables(rulings(drawn.paths, height), RULING_TOL, MIN_CELL)
    in_tables = _fill_tables(layout.tables, layer)
    layout.lines = _text_lines(chars, in_tables, text)
    bare = [im for im in images if _chars_inside(layer, im) < 5]
    return PageText(layout, text, None, bare)


def _busy_page(number: int, objects: int, segments: int) -> Finding:
    return finding("N7", f"第{number}页的图形过多（超过 {MAX_OBJECTS} 个页面对象或 {MAX_SEGMENTS} 段路径，疑似内容流炸弹），"
                   f"未读取该页的表格线，只读取了文字，该页的表格可能缺失。",
                   detail=f"graphics-cap objects>={objects} segments>={segments}", page=number)


class Char(NamedTuple):
    text: str
    box: Box | None  # top-down; None for spaces (no caller reads their box) and generated characters


class Layer(NamedTuple):
    """A page's characters, and the centres of those with a box (as arrays, for lookups)."""

    chars: list[Char]
    text: str  # the characters' text, one string
    boxed: npt.NDArray[np.intp]  # the characters with a box, increasing
    cx: npt.NDArray[np.float64]  # their boxes' centres
    cy: npt.NDArray[np.float64]


_EMPTY = np.zeros(0)
_P = ctypes.c_void_p
_GET_UNICODE = c_function(raw.FPDFText_GetUnicode, ctypes.c_uint, _P, ctypes.c_int)
_GET_CHAR_BOX = c_function(raw.FPDFText_GetCharBox, ctypes.c_int, _P, ctypes.c_int, _P, _P, _P, _P)
_GET_TEXT = c_function(raw.FPDFText_GetText, ctypes.c_int, _P, ctypes.c_int, ctypes.c_int, _P)
# characters whose bulk text may not be the character's own code (see `_text`)
_SUSPECT = re.compile("[\x00\ud800-\udfff\ufffd\ufffe\uffff]")


def _chars(textpage: Any, height: float) -> Layer:
    """The characters of the text layer, in its order, with their boxes.  The text is read
    in one call (`_text`), the boxes with one call per character, made from C (`map`) into
    one preallocated array of doubles.  A space's box is not read (nothing uses it), and
    no character is asked whether pdfium generated it: pdfium's text page generates
    nothing but spaces and line breaks (CPDF_TextPage: CharType::kGenerated is set only
    for L' ', L'\\r' and L'\\n'), which get no box here either."""
    handle = ctypes.cast(textpage, ctypes.c_void_p).value or 0
    n = raw.FPDFText_CountChars(textpage)
    if n <= 0:
        return Layer([], "", np.zeros(0, np.intp), _EMPTY, _EMPTY)
    text = _text(handle, n)
    spaces = [m.start() for m in _SPACE.finditer(text)]  # (few: line breaks and word spaces)
    where: list[int] | range = np.delete(np.arange(n), spaces).tolist() if spaces else range(n)
    k = len(where)
    # the glyph's own box: "loose" boxes come from font metrics, which some producers get wildly wrong
    values = (ctypes.c_double * (4 * k))()  # per character: left, right, bottom, top
    base = ctypes.addressof(values)
    end = base + 32 * k
    found = list(map(_GET_CHAR_BOX, repeat(handle, k), where, range(base, end, 32), range(base + 8, end, 32),
                     range(base + 16, end, 32), range(base + 24, end, 32)))
    lrbt = np.frombuffer(memoryview(values), np.float64).reshape(k, 4)
    index = np.asarray(where, np.intp)
    if not all(found):
        ok = np.array(found, bool)
        lrbt, index = lrbt[ok], index[ok]
        where = index.tolist()
    x0, x1, y0, y1 = lrbt[:, 0], lrbt[:, 1], height - lrbt[:, 3], height - lrbt[:, 2]  # top-down
    new = tuple.__new__  # (named tuples without their Python __new__)
    made = list(map(new, repeat(Box), np.column_stack((x0, y0, x1, y1)).tolist()))
    if len(made) == n:
        boxes: list[Box | None] = made  # type: ignore[assignment]
    else:
        boxes = [None] * n
        for i, box in zip(where, made):
            boxes[i] = box
    return Layer(list(map(new, repeat(Char), zip(text, boxes))), text, index, (x0 + x1) / 2, (y0 + y1) / 2)


def _text(handle: int, n: int) -> str:
    """The page's n characters, one string: pdfium's text of the whole page in one call
    when it is the characters' own codes one by one (as long as the page has characters,
    and none of the codes pdfium's text buffer writes differently: code 0, surrogates,
    non-characters), else read character by character."""
    buffer = (ctypes.c_ushort * (2 * n + 2))()  # room for surrogate pairs: pdfium must not write past it
    written = _GET_TEXT(handle, 0, n, ctypes.addressof(buffer))
    if written == n + 1:
        text = ctypes.string_at(buffer, 2 * n).decode("utf-16-le", "surrogatepass")
        if len(text) == n and _SUSPECT.search(text) is None:
            return text
    codes = map(_GET_UNICODE, repeat(handle, n), range(n))
    return "".join([chr(code) if 0 < code < 0x110000 else "\ufffd" for code in codes])


def _fill_tables(tables: list[Table], layer: Layer) -> set[int]:
    """Put the characters printed inside tables into their cells; returns their indexes.
    A character goes to the first table whose frame holds its centre, into the cell there
    (`Table.cell_at`): the tests and the bisections are made on the arrays of centres."""
    taken: set[int] = set()
    if not tables:
        return taken
    chars, cx, cy = layer.chars, layer.cx, layer.cy
    free = np.ones(len(cx), bool)
    new = tuple.__new__
    for table in tables:
        xs, ys = table.xs, table.ys
        inside = free & (cy >= ys[0]) & (cy <= ys[-1]) & (cx >= xs[0]) & (cx <= xs[-1])
        sel = np.flatnonzero(inside)
        placed: list[tuple[Cell, TextBox]] = []
        if len(sel):
            n_cols = table.n_cols
            rows = np.minimum(np.searchsorted(ys, cy[sel], "right") - 1, table.n_rows - 1)
            cols = np.minimum(np.searchsorted(xs, cx[sel], "right") - 1, n_cols - 1)
            cells, grid = _cell_grid(table)
            at = grid[rows * n_cols + cols]
            sel, at = sel[at >= 0], at[at >= 0]
            free[sel] = False
            index = layer.boxed[sel].tolist()
            taken.update(index)
            placed = [(cells[k], new(TextBox, (c.box, c.text, 1.0))) for k, c in zip(at.tolist(), map(chars.__getitem__, index))]
        fill_placed(table, placed, chars=True)
    return taken


def _cell_grid(table: Table) -> tuple[list[Cell], npt.NDArray[np.intp]]:
    """The table's cells, and for each elementary position (row * columns + column) the
    number of the cell covering it (-1: none)."""
    n_cols = table.n_cols
    grid = [-1] * (table.n_rows * n_cols)
    cells: list[Cell] = []
    number: dict[int, int] = {}
    for (r, c), cell in table.cells_by_position().items():
        k = number.get(id(cell))
        if k is None:
            k = number[id(cell)] = len(cells)
            cells.append(cell)
        grid[r * n_cols + c] = k
    return cells, np.array(grid, np.intp)


def _text_lines(chars: list[Char], taken: set[int], text: str) -> list[TextLine]:
    """The text layer's lines (its own order and line breaks), without table characters
    (`text`: the characters' text, where the breaks are found)."""
    lines: list[TextLine] = []
    for run in _RUN.finditer(text):
        a, b = run.span()
        current = chars[a:b] if not taken else [c for i, c in zip(range(a, b), chars[a:b]) if i not in taken]
        if current:
            lines += _text_line(current)
    return lines


def _text_line(chars: list[Char]) -> list[TextLine]:
    boxed = [c for c in chars if c.box is not None]
    if not boxed:
        return []
    boxes: list[Box] = [c.box for c in boxed]  # type: ignore[misc]
    heights = sorted(b.y1 - b.y0 for c, b in zip(boxed, boxes) if "\u4e00" <= c.text <= "\u9fff")  # hanzi
    size = heights[len(heights) // 2] if heights else None
    x0s, y0s, x1s, y1s = zip(*boxes)
    if all(b >= a - 1.0 for a, b in zip(x0s, x0s[1:])):
        text = "".join([c.text for c in chars]).translate(_TAB_SPACE)
    else:  # drawn out of order (e.g. quotation marks set in another font last): by position
        text = _by_position(boxed, size)
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return []
    return [TextLine(text, Box(min(x0s), min(y0s), max(x1s), max(y1s)), size=size)]


def _by_position(boxed: list[Char], size: float | None) -> str:
    ordered = sorted(boxed, key=lambda c: c.box.x0)  # type: ignore[union-attr]
    space = 0.8 * (size or max(c.box.height for c in boxed))  # type: ignore[union-attr]
    out = [ordered[0].text]
    for prev, cur in zip(ordered, ordered[1:]):
        if cur.box.x0 - prev.box.x1 > space:  # type: ignore[union-attr]
            out.append(" ")
        out.append(cur.text)
    return "".join(out)


def _chars_inside(layer: Layer, area: Box) -> int:
    cx, cy = layer.cx, layer.cy
    return int(np.count_nonzero((cx >= area.x0) & (cx <= area.x1) & (cy >= area.y0) & (cy <= area.y1)))
