"""Page images of an original (issue 14 item 4): the rendered pixels are bounded whatever the
page box, a page that cannot be rendered answers 422 (never a 500), only the rendering holds
the pdfium lock, and rendered pages are cached (by count and by bytes)."""
from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Iterator

import pypdfium2 as pdfium
import pytest
from PIL import Image

from nianbao.store.parsed import parse_and_check
from nianbao.web import pageimage
from tests.support.web_util import WebEnv, record, report_file

A4 = (595, 842)
STRIP = (275, 150_000)  # the page of the issue: 45 s and 4.1 GB before the pixel budget
TALLER = (275, 10_000_000)  # a 500 before (the bitmap could not be allocated)
TINY = (0.0001, 0.0001)
PAGES = [A4, STRIP, TALLER, TINY]


def pdf_of(sizes: list[tuple[float, float]]) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for width, height in sizes:
        pdf.new_page(width, height)
    buf = io.BytesIO()
    pdf.save(buf)
    pdf.close()
    return buf.getvalue()


def size_of(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as img:
        return img.size


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    pageimage.clear_cache()
    yield
    pageimage.clear_cache()


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A read-only (public) server with one report whose stored original is a PDF of PAGES."""
    e = WebEnv(tmp_path_factory.mktemp("pageimg"), config_kw={"read_only": True})
    parsed = parse_and_check("strip.txt", report_file(record(14)))
    parsed.original, parsed.compression = pdf_of(PAGES), "none"
    (e.report_id,) = e.store.write([parsed])
    e.state.cache.bump()
    yield e
    e.close()


def count_renders(monkeypatch: pytest.MonkeyPatch, delay: float = 0.0) -> list[int]:
    calls: list[int] = []
    render = pdfium.PdfPage.render

    def counted(self, *args, **kw):  # type: ignore[no-untyped-def]
        calls.append(1)
        time.sleep(delay)
        return render(self, *args, **kw)

    monkeypatch.setattr(pdfium.PdfPage, "render", counted)
    return calls


def test_a_long_strip_renders_within_a_pixel_and_time_bound() -> None:
    data = pdf_of([STRIP, A4])
    start = time.process_time()
    png = pageimage.render_page("strip", lambda: data, 1)
    cpu = time.process_time() - start
    assert png is not None
    width, height = size_of(png)
    assert cpu < 3.0, f"{cpu:.1f} s of CPU for one page image"
    assert height <= 16_384 and width * height <= 16_000_000, (width, height)
    assert width >= 20  # scaled down as a whole, not cut off
    assert size_of(pageimage.render_page("strip", lambda: data, 2) or b"") == (1100, 1557)  # an A4 page as before


@pytest.mark.parametrize("box", [A4, STRIP, TALLER, TINY, (150_000, 275), (14_400, 14_400), (3, 1e9), (1e9, 1e9)])
def test_the_scale_keeps_any_page_box_within_the_budget(box: tuple[float, float]) -> None:
    width, height = box
    scale = pageimage.render_scale(width, height)
    pixels = math.ceil(width * scale), math.ceil(height * scale)  # as pypdfium2 sizes the bitmap
    assert max(pixels) <= pageimage.MAX_SIDE and pixels[0] * pixels[1] <= pageimage.PAGE_PIXELS, pixels
    assert min(pixels) >= 1 and scale <= pageimage.MAX_SCALE


@pytest.mark.parametrize("box", [(0, 842), (595, -1), (math.nan, 842), (math.inf, 842), (595, math.inf)])
def test_a_box_that_cannot_be_rendered_is_refused(box: tuple[float, float]) -> None:
    with pytest.raises(pageimage.PageSizeError):
        pageimage.render_scale(*box)


def test_every_page_of_the_route_answers_within_bounds(env: WebEnv) -> None:
    c = env.anonymous()  # as in the issue: anyone, on a read-only deployment
    for number in range(1, len(PAGES) + 1):
        r = c.get(f"/reports/{env.report_id}/pages/{number}.png")
        assert r.status_code == 200, (number, r.status_code)
        width, height = size_of(r.content)
        assert height <= 16_384 and width * height <= 16_000_000, (number, width, height)
    assert c.get(f"/reports/{env.report_id}/pages/{len(PAGES) + 1}.png").status_code == 404


@pytest.mark.parametrize("box", [(math.inf, 842), (math.nan, math.nan), (0.0, 0.0), (-5.0, 842.0)])
def test_a_degenerate_page_box_answers_422_not_500(env: WebEnv, monkeypatch: pytest.MonkeyPatch,
                                                    box: tuple[float, float]) -> None:
    # pdfium itself replaces most broken boxes by a Letter page; this is the box it might still report
    monkeypatch.setattr(pdfium.PdfPage, "get_width", lambda self: box[0])
    monkeypatch.setattr(pdfium.PdfPage, "get_height", lambda self: box[1])
    r = env.anonymous().get(f"/reports/{env.report_id}/pages/1.png")
    assert r.status_code == 422, r.status_code
    assert "页面尺寸无效" in r.text


def test_the_cache_answers_the_same_bytes_without_rendering_again(env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    renders = count_renders(monkeypatch)
    loads: list[int] = []
    original = env.store.original
    monkeypatch.setattr(env.store, "original", lambda report_id: loads.append(1) or original(report_id))
    c = env.anonymous()
    first = c.get(f"/reports/{env.report_id}/pages/2.png")
    again = c.get(f"/reports/{env.report_id}/pages/2.png")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(renders) == 1 and len(loads) == 1


def test_the_cache_is_bounded_by_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pdf_of([A4] * 6)
    one = len(pageimage.render_page("size", lambda: data, 1) or b"")
    pageimage.clear_cache()
    monkeypatch.setattr(pageimage, "_CACHE_BYTES", 4 * one + one // 2)  # room for 4 pages, not 6 (count bound: 48)
    pngs = [pageimage.render_page("bytes", lambda: data, n) for n in range(1, 7)]
    assert all(len(p or b"") == one for p in pngs)
    assert sum(len(p) for p in pageimage._cache.values()) <= 4 * one + one // 2
    assert list(pageimage._cache) == [("bytes", n) for n in (3, 4, 5, 6)]  # least recently used out


def test_concurrent_requests_for_one_page_render_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    renders = count_renders(monkeypatch, delay=0.5)
    data = pdf_of([A4])
    out: list[bytes | None] = []
    threads = [threading.Thread(target=lambda: out.append(pageimage.render_page("once", lambda: data, 1)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(out) == 3 and out[0] is not None and out.count(out[0]) == 3
    assert len(renders) == 1


def test_a_cached_page_does_not_wait_for_pdfium(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pdf_of([A4, A4])
    cached = pageimage.render_page("wait", lambda: data, 1)
    monkeypatch.setattr(pageimage, "LOCK_WAIT", 0.3)
    out: dict[str, object] = {}

    def ask(name: str, page: int) -> None:
        try:
            out[name] = pageimage.render_page("wait", lambda: data, page)
        except pageimage.Busy as exc:
            out[name] = exc

    assert pageimage._lock.acquire(timeout=5)  # as a long render elsewhere would
    try:
        hit = threading.Thread(target=ask, args=("hit", 1))
        miss = threading.Thread(target=ask, args=("miss", 2))
        hit.start()
        miss.start()
        hit.join(2)
        miss.join(2)
        done = dict(out)
    finally:
        pageimage._lock.release()
    hit.join(10)
    miss.join(10)
    assert done.get("hit") == cached  # answered from the cache while pdfium was taken
    assert isinstance(done.get("miss"), pageimage.Busy)  # gave up after LOCK_WAIT instead of queueing


def test_the_route_answers_503_when_pdfium_stays_busy(env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pageimage, "LOCK_WAIT", 0.2)
    out: dict[str, int] = {}
    c = env.anonymous()

    def ask() -> None:
        out["status"] = c.get(f"/reports/{env.report_id}/pages/1.png").status_code

    assert pageimage._lock.acquire(timeout=5)
    try:
        t = threading.Thread(target=ask)
        t.start()
        t.join(5)
        status = out.get("status")
    finally:
        pageimage._lock.release()
    t.join(10)
    assert status == 503
