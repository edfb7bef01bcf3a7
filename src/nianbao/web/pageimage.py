"""Page images of an original, for the source pane: a PDF page rendered with pypdfium2, or
an uploaded image re-encoded (never the untrusted bytes as they came)."""
from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict

from ..readers import sniff

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


def render_page(key: str, data: bytes, page: int) -> bytes | None:
    """PNG bytes of 1-based `page` of the original (None when there is no such page);
    cached by (key, page)."""
    with _lock:
        hit = _cache.get((key, page))
        if hit is not None:
            _cache.move_to_end((key, page))
            return hit
    kind = page_kind(data)
    png = _pdf_page(data, page) if kind == "pdf" else _image(data) if kind == "image" and page == 1 else None
    if png is not None:
        with _lock:
            _cache[(key, page)] = png
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return png


def _pdf_page(data: bytes, page: int) -> bytes | None:
    import pypdfium2 as pdfium

    with _lock:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            return None
        try:
            if not 1 <= page <= len(pdf):
                return None
            pg = pdf[page - 1]
            width = pg.get_width() or 1
            image = pg.render(scale=min(4.0, WIDTH / width)).to_pil()
        except pdfium.PdfiumError:
            return None
        finally:
            pdf.close()
    return _png(image)


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
