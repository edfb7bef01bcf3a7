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
from dataclasses import dataclass

from ..errors import LimitExceeded, UnreadableInput
from ..model import Document, Finding
from .boxes import Box, Ruling, Table, TextBox, fill, find_tables
from .pages import PageLayout, TextLine, to_document

MAX_PAGES = 300
RULING_TOL = 2.0  # points: rulings this close are one line
MIN_CELL = 3.0  # points: narrower gaps between rulings are a double line, not a cell
THIN = 3.0  # points: a filled rectangle this thin is a drawn line
LARGE_IMAGE = 0.12  # an image covering this share of the page may hold text to OCR
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class PageText:
    """What the text layer of one page says, and whether it can be trusted."""

    layout: PageLayout
    text: str
    broken: str | None  # why the text layer is unusable (None: it is fine)
    images: list[Box]  # large images with no text over them


def _pdfium():  # type: ignore[no-untyped-def]
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    return pdfium, raw


def open_pdf(data: bytes):  # type: ignore[no-untyped-def]
    """The pypdfium2 document, or a clear error for encrypted and damaged files."""
    pdfium, raw = _pdfium()
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


def _read_pages(pdf, n_pages: int) -> Document:  # type: ignore[no-untyped-def]
    pdfium, _ = _pdfium()
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
    if used_ocr and all(p.ocr for p in layouts):
        reader = "ocr"
    return to_document(layouts, reader, notes)


def _unreadable_page(number: int) -> Finding:
    return Finding("N7", "warning", f"第{number}页无法读取（页面数据损坏），该页内容缺失。", {"page": number})


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


def page_text(page, number: int) -> PageText:  # type: ignore[no-untyped-def]
    """The page's text lines and table grids from its text layer and vector paths."""
    _, raw = _pdfium()
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        chars = _chars(raw, textpage.raw, height)
    finally:
        textpage.close()
    text = "".join(c.text for c in chars)
    layout = PageLayout(number, width, height)
    broken = broken_reason(text)
    visible = sum(1 for c in chars if c.box is not None and not c.text.isspace())
    images = _large_images(raw, page, width, height)
    if broken is None and visible < 10 and images:
        broken = "image-only"
    if broken is not None:
        return PageText(layout, text, broken, images)
    layout.tables = find_tables(_rulings(raw, page, height), RULING_TOL, MIN_CELL)
    in_tables = _fill_tables(layout.tables, chars)
    layout.lines = _text_lines(chars, in_tables)
    bare = [im for im in images if _chars_inside(chars, im) < 5]
    return PageText(layout, text, None, bare)


@dataclass(frozen=True)
class Char:
    text: str
    box: Box | None  # top-down; None for characters the text layer generated (spaces, breaks)


def _chars(raw, textpage, height: float) -> list[Char]:  # type: ignore[no-untyped-def]
    """The characters of the text layer, in its order."""
    out: list[Char] = []
    # the glyph's own box: "loose" boxes come from font metrics, which some producers get wildly wrong
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top))
    for i in range(raw.FPDFText_CountChars(textpage)):
        code = raw.FPDFText_GetUnicode(textpage, i)
        ch = chr(code) if 0 < code < 0x110000 else "\ufffd"
        box = None
        if not raw.FPDFText_IsGenerated(textpage, i) and raw.FPDFText_GetCharBox(textpage, i, *refs):
            box = Box(left.value, height - top.value, right.value, height - bottom.value)
        out.append(Char(ch, box))
    return out


def _fill_tables(tables: list[Table], chars: list[Char]) -> set[int]:
    """Put the characters printed inside tables into their cells; returns their indexes."""
    taken: set[int] = set()
    for table in tables:
        inside = [i for i, c in enumerate(chars)
                  if c.box is not None and i not in taken and not c.text.isspace()
                  and table.cell_at(c.box.cx, c.box.cy) is not None]
        fill(table, [TextBox(chars[i].box, chars[i].text) for i in inside], chars=True)  # type: ignore[arg-type]
        taken.update(inside)
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
    boxed = [c for c in chars if c.box is not None and not c.text.isspace()]
    if not boxed:
        return []
    heights = sorted(c.box.height for c in boxed if _is_hanzi(c.text))  # type: ignore[union-attr]
    size = heights[len(heights) // 2] if heights else None
    xs = [c.box.x0 for c in boxed]  # type: ignore[union-attr]
    if all(b >= a - 1.0 for a, b in zip(xs, xs[1:])):
        text = "".join(" " if c.text in "\t\x02" else c.text for c in chars)
    else:  # drawn out of order (e.g. quotation marks set in another font last): by position
        text = _by_position(boxed, size)
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    if not text:
        return []
    box = Box(min(c.box.x0 for c in boxed), min(c.box.y0 for c in boxed),  # type: ignore[union-attr]
              max(c.box.x1 for c in boxed), max(c.box.y1 for c in boxed))  # type: ignore[union-attr]
    return [TextLine(text, box, size=size)]


def _by_position(boxed: list[Char], size: float | None) -> str:
    ordered = sorted(boxed, key=lambda c: c.box.x0)  # type: ignore[union-attr]
    space = 0.8 * (size or max(c.box.height for c in boxed))  # type: ignore[union-attr]
    out = [ordered[0].text]
    for prev, cur in zip(ordered, ordered[1:]):
        if cur.box.x0 - prev.box.x1 > space:  # type: ignore[union-attr]
            out.append(" ")
        out.append(cur.text)
    return "".join(out)


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _chars_inside(chars: list[Char], area: Box) -> int:
    return sum(1 for c in chars if c.box is not None and not c.text.isspace()
               and area.x0 <= c.box.cx <= area.x1 and area.y0 <= c.box.cy <= area.y1)


# ---------------------------------------------------------------------------- vector graphics
def _objects(raw, page):  # type: ignore[no-untyped-def]
    """(object, matrix to page space) for every page object, inside forms too."""
    def walk(count, get, matrix, depth):  # type: ignore[no-untyped-def]
        for i in range(count):
            obj = get(i)
            m = _compose(_matrix(raw, obj), matrix)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
                yield from walk(raw.FPDFFormObj_CountObjects(obj), lambda j, o=obj: raw.FPDFFormObj_GetObject(o, j), m, depth + 1)
            else:
                yield obj, kind, m

    handle = page.raw
    yield from walk(raw.FPDFPage_CountObjects(handle), lambda j: raw.FPDFPage_GetObject(handle, j), (1, 0, 0, 1, 0, 0), 0)


def _matrix(raw, obj) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return (1, 0, 0, 1, 0, 0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _visible(raw, obj, getter) -> bool:  # type: ignore[no-untyped-def]
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return True
    return a.value > 0 and min(r.value, g.value, b.value) < 230


def _rulings(raw, page, height: float) -> list[Ruling]:  # type: ignore[no-untyped-def]
    """Horizontal and vertical lines drawn on the page: stroked straight path segments and
    filled rectangles thin enough to be lines (how Word, WPS and LibreOffice draw borders)."""
    out: list[Ruling] = []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    for obj, kind, m in _objects(raw, page):
        if kind != raw.FPDF_PAGEOBJ_PATH:
            continue
        if not raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke)):
            continue
        stroked = bool(stroke.value) and _visible(raw, obj, raw.FPDFPageObj_GetStrokeColor)
        filled = fill_mode.value != 0 and _visible(raw, obj, raw.FPDFPageObj_GetFillColor)
        if not stroked and not filled:
            continue
        points: list[list[tuple[float, float]]] = []
        for i in range(raw.FPDFPath_CountSegments(obj)):
            seg = raw.FPDFPath_GetPathSegment(obj, i)
            if not raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y)):
                continue
            a, b, c, d, e, f = m
            pt = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
            kind_seg = raw.FPDFPathSegment_GetType(seg)
            if kind_seg == raw.FPDF_SEGMENT_MOVETO or not points:
                points.append([pt])
            elif kind_seg == raw.FPDF_SEGMENT_LINETO:
                points[-1].append(pt)
            else:  # a curve: not a ruling; restart the run at its end point
                points.append([pt])
            if raw.FPDFPathSegment_GetClose(seg) and len(points[-1]) > 1:
                points[-1].append(points[-1][0])
        if stroked:
            out += _straight(points)
        elif filled:
            out += _thin_rect(points)
    return out


def _straight(runs: list[list[tuple[float, float]]]) -> list[Ruling]:
    out = []
    for run in runs:
        for (x0, y0), (x1, y1) in zip(run, run[1:]):
            if abs(y1 - y0) <= 0.5 and abs(x1 - x0) >= 2:
                out.append(Ruling("h", (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
            elif abs(x1 - x0) <= 0.5 and abs(y1 - y0) >= 2:
                out.append(Ruling("v", (x0 + x1) / 2, min(y0, y1), max(y0, y1)))
    return out


def _thin_rect(runs: list[list[tuple[float, float]]]) -> list[Ruling]:
    pts = [p for run in runs for p in run]
    if len(pts) < 3:
        return []
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0, y1 = min(p[1] for p in pts), max(p[1] for p in pts)
    if y1 - y0 <= THIN and x1 - x0 > y1 - y0:
        return [Ruling("h", (y0 + y1) / 2, x0, x1)]
    if x1 - x0 <= THIN and y1 - y0 > x1 - x0:
        return [Ruling("v", (x0 + x1) / 2, y0, y1)]
    return []


def _large_images(raw, page, width: float, height: float) -> list[Box]:  # type: ignore[no-untyped-def]
    out = []
    for obj, kind, m in _objects(raw, page):
        if kind != raw.FPDF_PAGEOBJ_IMAGE:
            continue
        # an image is drawn into the unit square mapped by its matrix
        corners = [(m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]) for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
        x0 = max(min(c[0] for c in corners), 0.0)
        x1 = min(max(c[0] for c in corners), width)
        y0 = max(height - max(c[1] for c in corners), 0.0)
        y1 = min(height - min(c[1] for c in corners), height)
        if x1 > x0 and y1 > y0 and (x1 - x0) * (y1 - y0) >= LARGE_IMAGE * width * height:
            out.append(Box(x0, y0, x1, y1))
    return out
