"""Page images of an original, for the source pane: a PDF page rendered with pypdfium2, or
an uploaded image re-encoded (never the untrusted bytes as they came)."""
from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from ..readers import sniff

T = TypeVar("T")

PAGED_READERS = ("pdf", "pdf+ocr", "ocr")  # readers whose originals have pages to show
WIDTH = 1100  # pixels of a rendered page
MAX_PIXELS = 40_000_000  # an image larger than this is refused
_PAGE = re.compile(r"第(\d+)页")
_lock = threading.Lock()  # pdfium is not thread-safe
_cache: "OrderedDict[tuple[str, int], bytes]" = OrderedDict()
_CACHE_SIZE = 48


def origin_page(origin: str | None) -> int | None:
    """The 1-based page of a provenance origin such as "第3页"."""
    m = _PAGE.search(origin or "")
    return int(m.group(1)) if m else None


def page_kind(data: bytes | None) -> str | None:
    """"pdf" or "image" when the original has pages to show, else None."""
    if not data:
        return None
    kind = sniff(data)
    return kind if kind in ("pdf", "image") else None


def page_count(data: bytes) -> int:
    kind = page_kind(data)
    if kind == "image":
        return 1
    if kind != "pdf":
        return 0
    import pypdfium2 as pdfium

    with _lock:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return 0
        try:
            return len(pdf)
        finally:
            pdf.close()


def render_page(key: str, load: Callable[[], bytes | None], page: int) -> bytes | None:
    """PNG bytes of 1-based `page` of the original `load()` returns (None when there is no
    such page); cached by (key, page), so a cached page does not load the original."""
    with _lock:
        hit = _cache.get((key, page))
        if hit is not None:
            _cache.move_to_end((key, page))
            return hit
    data = load()
    if not data:
        return None
    kind = page_kind(data)
    png = _pdf_page(data, page) if kind == "pdf" else _image(data) if kind == "image" and page == 1 else None
    if png is not None:
        with _lock:
            _cache[(key, page)] = png
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return png


def _on_page(data: bytes, page: int, use: Callable[[Any], T]) -> T | None:
    """`use(page object)` on page `page` (1-based) of a PDF, under the pdfium lock (pdfium is
    not thread-safe); None when the bytes are no PDF, the page does not exist or pdfium fails."""
    import pypdfium2 as pdfium

    with _lock:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return None
        try:
            if not 1 <= page <= len(pdf):
                return None
            return use(pdf[page - 1])
        except pdfium.PdfiumError:
            return None
        finally:
            pdf.close()


def _pdf_page(data: bytes, page: int) -> bytes | None:
    image = _on_page(data, page, lambda pg: pg.render(scale=min(4.0, WIDTH / (pg.get_width() or 1))).to_pil())
    return None if image is None else _png(image)


def _image(data: bytes) -> bytes | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                return None
            img.thumbnail((WIDTH * 2, WIDTH * 4))
            return _png(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def _png(image: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)  # type: ignore[attr-defined]
    return out.getvalue()


_NUMBERS = re.compile(r"[\d.,，\s%-]*")
_NUMBERING = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[)）.、．]?")


def row_label(line: str) -> str:
    """The words that name a table row, without its numbering ("(五)不予处理\t1.信访举报投诉类申请\t1"
    -> "信访举报投诉类申请"), or the line's text: what to look for on the page image."""
    words = [part for part in line.split("\t") if part.strip() and not _NUMBERS.fullmatch(part)]
    label = re.sub(r"\s+", "", words[-1] if words else line)
    return _NUMBERING.sub("", label) or label


def locate(data: bytes, page: int, label: str) -> dict[str, list[float]] | None:
    """Where a row label is printed on a PDF page: {"box": [x0, y0, x1, y1]} as fractions of
    the page (top-left origin), preferring a match that numbers follow (a table row, not
    the same words in the prose).  None when the page has no text layer or no match."""
    if page_kind(data) != "pdf" or len(label) < 2:
        return None

    def find(pg: Any) -> dict[str, list[float]] | None:
        width, height = pg.get_width() or 1, pg.get_height() or 1
        text = pg.get_textpage()
        for length in (len(label), 12, 8, 6, 4):
            needle = label[:length]
            if len(needle) < 2 or (length != len(label) and length >= len(label)):
                continue
            found = _matches(text, needle)
            if found:
                x0, y0, x1, y1 = found
                return {"box": [x0 / width, 1 - y1 / height, x1 / width, 1 - y0 / height]}
        return None

    return _on_page(data, page, find)


def _matches(text: object, needle: str) -> tuple[float, float, float, float] | None:
    searcher = text.search(needle, match_case=False)  # type: ignore[attr-defined]
    best = None
    for _ in range(50):
        hit = searcher.get_next()
        if hit is None:
            break
        index, count = hit
        rects = [text.get_rect(i) for i in range(text.count_rects(index, count))]  # type: ignore[attr-defined]
        if not rects:
            continue
        box = (min(r[0] for r in rects), min(r[1] for r in rects), max(r[2] for r in rects), max(r[3] for r in rects))
        after = text.get_text_range(index + count, 12)  # type: ignore[attr-defined]
        if re.match(r"^[\s\d.,，]*\d", after or ""):
            return box  # numbers follow: a table row
        best = best or box
    return best
