"""Page images of an original, for the source pane: a PDF page rendered with pypdfium2, or
an uploaded image re-encoded (never the untrusted bytes as they came)."""
from __future__ import annotations

import io
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..parsing.readers import sniff

T = TypeVar("T")

PAGED_READERS = ("pdf", "pdf+ocr", "ocr")  # readers whose originals have pages to show
WIDTH = 1100  # pixels of a rendered page of ordinary proportions
MAX_SCALE = 4.0  # pixels per PDF point at most (a small page is not blown up further)
MAX_SIDE = 16_384  # pixels of either side of a rendered page at most
PAGE_PIXELS = 12_000_000  # pixels of a rendered page at most (36 MB of RGB)
MAX_PIXELS = 40_000_000  # an uploaded image larger than this is refused
LOCK_WAIT = 20.0  # seconds a render waits for pdfium before the server answers "busy"
_PAGE = re.compile(r"第(\d+)页")
_lock = threading.Lock()  # pdfium is not thread-safe: every pdfium call holds it
_cache_lock = threading.Lock()  # the cache and the in-flight renders (never held while rendering)
_cache: "OrderedDict[tuple[str, int], bytes]" = OrderedDict()
_CACHE_SIZE = 48  # pages
_CACHE_BYTES = 64 * 1024 * 1024  # PNG bytes; a PNG over a quarter of this is not kept
_cache_bytes = 0
_flights: dict[tuple[str, int], list[Any]] = {}  # key -> [lock, waiters]: one render per page at a time


class PageSizeError(Exception):
    """A page whose box cannot be rendered (zero, negative, not a number)."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__(f"page box {width!r} x {height!r}")
        self.width, self.height = width, height


class Busy(Exception):
    """pdfium stayed busy with other renders for LOCK_WAIT seconds."""


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
    such page); cached by (key, page), so a cached page does not load the original.

    A PDF page is rendered at most `render_scale` allows (PageSizeError for a page box that
    cannot be rendered; Busy when pdfium stays taken for LOCK_WAIT seconds).  Only the
    rendering holds the pdfium lock: loading the original, PNG encoding and the cache do not,
    and concurrent requests for one page render it once."""
    k = (key, page)
    hit = _cached(k)
    if hit is not None:
        return hit
    with _in_flight(k):
        hit = _cached(k)  # rendered by the request we waited for
        if hit is not None:
            return hit
        data = load()
        if not data:
            return None
        kind = page_kind(data)
        png = _pdf_page(data, page) if kind == "pdf" else _image(data) if kind == "image" and page == 1 else None
        if png is not None:
            _keep(k, png)
        return png


def render_scale(width: float, height: float) -> float:
    """Pixels per PDF point for a page of `width` x `height` points: WIDTH pixels wide (at
    most MAX_SCALE), but never more than MAX_SIDE pixels a side nor PAGE_PIXELS in all, so
    a 275 x 150,000 pt strip becomes a 31 x 16,384 image, not a 1,100 x 600,000 one.
    PageSizeError for a box that is not a positive finite size."""
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        raise PageSizeError(width, height)
    scale = min(MAX_SCALE, WIDTH / width, MAX_SIDE / width, MAX_SIDE / height,
                math.sqrt(PAGE_PIXELS / width / height))
    scale *= 1 - 1e-9  # pdfium sizes the bitmap with ceil(): stay below the limits, not on them
    if not scale > 0:  # a box so large that the scale underflows
        raise PageSizeError(width, height)
    return scale


def _cached(k: tuple[str, int]) -> bytes | None:
    with _cache_lock:
        hit = _cache.get(k)
        if hit is not None:
            _cache.move_to_end(k)
        return hit


def _keep(k: tuple[str, int], png: bytes) -> None:
    """Cache a PNG: at most _CACHE_SIZE pages and _CACHE_BYTES bytes, least recently used out."""
    global _cache_bytes
    if len(png) > _CACHE_BYTES // 4:
        return
    with _cache_lock:
        old = _cache.pop(k, None)
        _cache_bytes -= len(old) if old is not None else 0
        _cache[k] = png
        _cache_bytes += len(png)
        while len(_cache) > _CACHE_SIZE or _cache_bytes > _CACHE_BYTES:
            _cache_bytes -= len(_cache.popitem(last=False)[1])


def clear_cache() -> None:
    global _cache_bytes
    with _cache_lock:
        _cache.clear()
        _cache_bytes = 0


@contextmanager
def _in_flight(k: tuple[str, int]) -> Iterator[None]:
    """Hold the render of page `k`: a second request for the same page waits for the first
    (then finds it cached) instead of rendering it again."""
    with _cache_lock:
        flight = _flights.setdefault(k, [threading.Lock(), 0])
        flight[1] += 1
    try:
        if not flight[0].acquire(timeout=LOCK_WAIT):
            raise Busy()
        try:
            yield
        finally:
            flight[0].release()
    finally:
        with _cache_lock:
            flight[1] -= 1
            if not flight[1]:
                _flights.pop(k, None)


def _on_page(data: bytes, page: int, use: Callable[[Any], T], wait: float = -1) -> T | None:
    """`use(page object)` on page `page` (1-based) of a PDF, under the pdfium lock (pdfium is
    not thread-safe); None when the bytes are no PDF, the page does not exist or pdfium fails.
    Busy when the lock is not free within `wait` seconds (a negative `wait`: no limit)."""
    import pypdfium2 as pdfium

    if not _lock.acquire(timeout=wait):
        raise Busy()
    try:
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
    finally:
        _lock.release()


def _pdf_page(data: bytes, page: int) -> bytes | None:
    def draw(pg: Any) -> Any:
        scale = render_scale(pg.get_width(), pg.get_height())
        # to_pil() copies the BGR bitmap into an RGB image of its own, so the PNG encoding
        # below runs after the lock is released
        return pg.render(scale=scale).to_pil()

    image = _on_page(data, page, draw, wait=LOCK_WAIT)
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


# --------------------------------------------------------------------------- one cell on the page


def _squash(text: str) -> str:
    """A cell's text compared across readers: NFKC, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def part_index(line: str, start: int | None) -> int:
    """Which tab-separated part of `line` the character at `start` belongs to."""
    return line[:start or 0].count("\t")


def match_row(parts: list[str], rows: list[list[str]]) -> int | None:
    """The index of the row among `rows` (each a list of cell texts) that `parts` (a text
    line's tab-separated cells) was read from: most cells equal in place, at least half and
    at least two (one equal "0" proves nothing)."""
    want = [_squash(p) for p in parts]
    best, best_score = None, 0.0
    for i, row in enumerate(rows):
        got = [_squash(t) for t in row]
        same = sum(a == b for a, b in zip(want, got))
        score = same / max(len(want), len(got), 1) + (len(want) == len(got)) * 0.01
        if same >= min(2, len(want)) and score >= 0.5 and score > best_score:
            best, best_score = i, score
    return best


def _fraction(box: Any, width: float, height: float) -> list[float]:
    return [box.x0 / width, box.y0 / height, box.x1 / width, box.y1 / height]


def locate_cell(data: bytes, page: int, line: str, start: int | None) -> dict[str, list[float]] | None:
    """Where one table cell is printed on a PDF page: the reader's ruled table rows on that
    page are matched with the text line the cell was read from (its tab-separated parts),
    and the cell in the same place is boxed: {"box": [x0, y0, x1, y1]} as fractions of
    the page (top-left origin).  None for a page without ruled tables or no matching row
    (the row label is looked for instead)."""
    if page_kind(data) != "pdf" or "\t" not in line:
        return None
    from ..parsing.readers.pdf import page_text

    parts = line.split("\t")
    k = part_index(line, start)

    def find(pg: Any) -> dict[str, list[float]] | None:
        layout = page_text(pg, page).layout
        rows = [[c for c in t.cells if c.row == r] for t in layout.tables for r in range(t.n_rows)]
        rows = [sorted(r, key=lambda c: c.col) for r in rows if r]
        i = match_row(parts, [[c.text for c in r] for r in rows])
        if i is None or k >= len(rows[i]) or _squash(rows[i][k].text) != _squash(parts[k] if k < len(parts) else ""):
            return None  # the cell in that place holds something else: do not box the wrong one
        return {"box": _fraction(rows[i][k].box, layout.width or 1, layout.height or 1)}

    return _on_page(data, page, find)
