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
from bisect import bisect_right
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from ...errors import LimitExceeded, UnreadableInput
from ...model import Document, Finding
from ...rules import finding
from .boxes import Box, Table, TextBox, fill_placed, find_tables
from .pages import PageLayout, TextLine, to_document
from .pdf_graphics import MAX_OBJECTS, MAX_SEGMENTS, c_function, graphics, large_images, rulings

MAX_PAGES = 300
RULING_TOL = 2.0  # points: rulings this close are one line
MIN_CELL = 3.0  # points: narrower gaps between rulings are a double line, not a cell
LARGE_IMAGE = 0.12  # an image covering this share of the page may hold text to OCR
_CID = re.compile(r"\(cid:\d+\)")
_SPACES = re.compile(r"[ \t]{2,}")


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
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return None
    if len(_CID.findall(text)) >= 3:
        return "cid"
    n = len(visible)
    bad = sum(1 for ch in visible if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or ord(ch) < 0x20)
    if bad >= 3 and bad >= 0.02 * n:
        return "unmapped"
    letters = [ch for ch in visible if ch.isalpha()]
    cjk = sum(1 for ch in letters if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")
    if len(letters) >= 30 and cjk < 0.5 * len(letters):
        return "few-hanzi"
    return None


def page_text(page: pdfium.PdfPage, number: int) -> PageText:
    """The page's text lines and table grids from its text layer and vector paths."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage.raw, height)
    finally:
        textpage.close()
    text = "".join(map(_TEXT, chars))
    layout = PageLayout(number, width, height)
    broken = broken_reason(text)
    visible = len(chars) - list(map(_BOX, chars)).count(None)
    drawn = graphics(page)
    if drawn.busy is not None:  # a content-stream bomb: keep the text, skip images and rulings
        layout.lines = _text_lines(chars, set()) if broken is None else []
        return PageText(layout, text, broken, [], _busy_page(number, *drawn.busy))
    images = large_images(drawn.images, width, height, LARGE_IMAGE)
    if broken is None and visible < 10 and images:
        broken = "image-only"
    if broken is not None:
        return PageText(layout, text, broken, images)
    layout.tables = find_tables(rulings(drawn.paths, height), RULING_TOL, MIN_CELL)
    in_tables = _fill_tables(layout.tables, chars)
    layout.lines = _text_lines(chars, in_tables)
    bare = [im for im in images if _chars_inside(chars, im) < 5]
    return PageText(layout, text, None, bare)


def _busy_page(number: int, objects: int, segments: int) -> Finding:
    return finding("N7", f"第{number}页的图形过多（超过 {MAX_OBJECTS} 个页面对象或 {MAX_SEGMENTS} 段路径，疑似内容流炸弹），"
                   f"未读取该页的表格线，只读取了文字，该页的表格可能缺失。",
                   detail=f"graphics-cap objects>={objects} segments>={segments}", page=number)


class Char(NamedTuple):
    text: str
    box: Box | None  # top-down; None for spaces (no caller reads their box) and generated characters


_TEXT, _BOX = itemgetter(0), itemgetter(1)  # a Char's fields, for map()
_P = ctypes.c_void_p
_GET_UNICODE = c_function(raw.FPDFText_GetUnicode, ctypes.c_uint, _P, ctypes.c_int)
_GET_CHAR_BOX = c_function(raw.FPDFText_GetCharBox, ctypes.c_int, _P, ctypes.c_int, _P, _P, _P, _P)


def _chars(textpage: Any, height: float) -> list[Char]:
    """The characters of the text layer, in its order: each character's code and box read
    once.  A space's box is not read (nothing uses it), and no character is asked whether
    pdfium generated it: pdfium's text page generates nothing but spaces and line breaks
    (CPDF_TextPage: CharType::kGenerated is set only for L' ', L'\\r' and L'\\n'), which
    get no box here either."""
    out: list[Char] = []
    append = out.append
    handle = ctypes.cast(textpage, ctypes.c_void_p).value
    # the glyph's own box: "loose" boxes come from font metrics, which some producers get wildly wrong
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = [ctypes.addressof(v) for v in (left, right, bottom, top)]
    get_unicode, get_box, new = _GET_UNICODE, _GET_CHAR_BOX, tuple.__new__  # (tuple.__new__: a named tuple without its Python __new__)
    for i in range(raw.FPDFText_CountChars(textpage)):
        code = get_unicode(handle, i)
        ch = chr(code) if 0 < code < 0x110000 else "\ufffd"
        if ch.isspace() or not get_box(handle, i, *refs):
            append(new(Char, (ch, None)))
        else:
            append(new(Char, (ch, new(Box, (left.value, height - top.value, right.value, height - bottom.value)))))
    return out


def _fill_tables(tables: list[Table], chars: list[Char]) -> set[int]:
    """Put the characters printed inside tables into their cells; returns their indexes.
    Each character's centre is computed once and looked up in a table only when it lies
    within the table's frame."""
    taken: set[int] = set()
    if not tables:
        return taken
    centres = [(i, (c.box.x0 + c.box.x1) / 2, (c.box.y0 + c.box.y1) / 2, c)
               for i, c in enumerate(chars) if c.box is not None]
    new = tuple.__new__
    for table in tables:
        xs, ys, where = table.xs, table.ys, table.cells_by_position()
        x0, x1, y0, y1, last_col, last_row = xs[0], xs[-1], ys[0], ys[-1], table.n_cols - 1, table.n_rows - 1
        placed = []
        for i, x, y, c in [t for t in centres if y0 <= t[2] <= y1 and x0 <= t[1] <= x1]:
            if i not in taken:  # `Table.cell_at`, inline
                row, col = bisect_right(ys, y) - 1, bisect_right(xs, x) - 1
                cell = where.get((row if row < last_row else last_row, col if col < last_col else last_col))
                if cell is not None:
                    placed.append((cell, new(TextBox, (c.box, c.text, 1.0))))
                    taken.add(i)
        fill_placed(table, placed, chars=True)
    return taken


def _text_lines(chars: list[Char], taken: set[int]) -> list[TextLine]:
    """The text layer's lines (its own order and line breaks), without table characters."""
    lines: list[TextLine] = []
    current: list[Char] = []
    for i, c in enumerate(chars):
        if c.text in "\r\n":
            if current:
                lines += _text_line(current)
            current = []
        elif i not in taken:
            current.append(c)
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
        text = "".join(" " if c.text in "\t\x02" else c.text for c in chars)
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


def _chars_inside(chars: list[Char], area: Box) -> int:
    return sum(1 for c in chars if c.box is not None
               and area.x0 <= c.box.cx <= area.x1 and area.y0 <= c.box.cy <= area.y1)
