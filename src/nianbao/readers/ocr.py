"""Scans -> Document: offline OCR with rapidocr + onnxruntime (`ocr_models.py`).

A page image goes through: grey scale -> deskew (projection profile, ±4°) -> text
detection -> table rulings found with morphological openings (lines several characters
long) -> table grids (`boxes.find_tables`, as for PDF vector rulings) -> each detected
text box cut at the table's cell borders and recognised on a copy of the page with the
rulings erased -> boxes into cells, the rest into lines.  Every recognised piece keeps
its confidence; numbers read with low confidence become N5 findings.

Limits: image size, pages, and an OCR time budget per document (pages beyond it are
skipped with an N7 finding; a document with no page read raises `LimitExceeded`).
"""
from __future__ import annotations

import io
import os
import time
import re
from typing import TYPE_CHECKING, Any

from ..errors import LimitExceeded, NotAReport, UnreadableInput
from ..model import Document, Finding
from .boxes import Box, Ruling, Table, TextBox, fill, find_tables, group_lines
from .ocr_models import detect, recognise
from .pages import MARGIN, PageLayout, TextLine, to_document

if TYPE_CHECKING:
    import numpy as np

BUDGET_SECONDS = float(os.environ.get("NIANBAO_OCR_SECONDS", "300"))  # per document
MAX_PAGES = 60
MAX_PIXELS = 60_000_000  # per page image
TARGET_LONG_SIDE = (1600, 2400)  # page images are scaled into this range (A4 at ~140-200 dpi)
PDF_DPI = 200
LOW_CONFIDENCE = 0.85
MAX_SKEW = 4.0  # degrees
MAX_BOXES = 1500  # text boxes per page: more is noise, not a report page
_NUMBER = re.compile(r"^\s*[-+]?\d[\d,]*(?:\.\d+)?\s*%?\s*$")


# ---------------------------------------------------------------------------- images
def read_image(data: bytes) -> Document:
    """A scanned report given as PNG, JPEG, TIFF (one page per frame), GIF, BMP or WebP."""
    session = Session()
    pages = [session.image_page(gray, n) for n, gray in enumerate(page_images(data), start=1)]
    pages = [p for p in pages if p is not None]
    if not pages:
        raise LimitExceeded(
            "OCR 时间预算已用完，没有读出任何页面。",
            "The OCR time budget ran out before any page was read.",
        )
    session.require_text()
    return to_document(pages, "ocr", session.notes)


def page_images(data: bytes) -> list["np.ndarray"]:
    """Each frame of the image as a grey-scale array, scaled to a readable size; a photo
    or noise (no light page with dark print) is refused as not a report."""
    import numpy as np
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UnreadableInput("图片文件已损坏或格式无法识别。", f"The image is damaged or of an unknown format ({exc}).") from None
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise LimitExceeded(
            f"图片过大（{width}×{height} 像素），上限 {MAX_PIXELS // 1_000_000} 百万像素。",
            f"The image is too large ({width}×{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels).",
        )
    frames = getattr(img, "n_frames", 1)
    if frames > MAX_PAGES:
        raise LimitExceeded(f"图片共 {frames} 页，超过上限 {MAX_PAGES} 页。",
                            f"The image has {frames} pages, over the limit of {MAX_PAGES}.")
    out = []
    for index in range(frames):
        try:
            img.seek(index)
            frame = ImageOps.exif_transpose(img.convert("RGB")).convert("L")
        except (OSError, ValueError, SyntaxError) as exc:
            raise UnreadableInput("图片文件不完整或已损坏，无法解码。",
                                  f"The image is truncated or damaged and cannot be decoded ({exc}).") from None
        gray = np.asarray(frame, dtype=np.uint8)
        if not looks_like_page(gray):
            if frames == 1:
                raise NotAReport(
                    "图片不像是文件的扫描件或截图（没有浅色纸面上的深色文字），不是年度报告。",
                    "The image does not look like a scanned or photographed document (no dark print on a light page); "
                    "it is not an annual report.",
                )
            continue
        out.append(fit(gray))
    if not out:
        raise NotAReport("图片中没有一页像是文件的扫描件，不是年度报告。",
                         "None of the image's pages looks like a scanned document; it is not an annual report.")
    return out


def looks_like_page(gray: "np.ndarray") -> bool:
    """Printed pages are mostly light paper with a little dark ink; photos and noise are not."""
    import cv2
    import numpy as np

    small = cv2.resize(gray, (min(gray.shape[1], 400), min(gray.shape[0], 400)), interpolation=cv2.INTER_AREA)
    threshold, binary = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = binary > 0
    paper_share = float(light.mean())
    if paper_share < 0.6 or not (~light).any():
        return False
    paper, ink = small[light], small[~light]
    # paper is even and clearly lighter than the print
    return float(np.median(paper)) - float(np.median(ink)) >= 60 and float(paper.std()) <= 40


def fit(gray: "np.ndarray") -> "np.ndarray":
    import cv2

    long_side = max(gray.shape)
    low, high = TARGET_LONG_SIDE
    if long_side > high:
        f = high / long_side
        return cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    if long_side < low:
        f = low / long_side
        return cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    return gray


# ---------------------------------------------------------------------------- session
class Session:
    """OCR of one document's pages within one time budget; collects the findings."""

    def __init__(self, budget: float | None = None) -> None:
        self.deadline = time.monotonic() + (BUDGET_SECONDS if budget is None else budget)
        self.notes: list[Finding] = []
        self.hanzi = 0
        self.skipped: list[int] = []

    def _over_budget(self, number: int) -> bool:
        if time.monotonic() <= self.deadline:
            return False
        self.skipped.append(number)
        self.notes.append(Finding(
            "N7", "warning", f"OCR 时间预算已用完，第{number}页未识别，该页内容缺失。",
            {"page": number}, detail="ocr-budget",
        ))
        return True

    def image_page(self, gray: "np.ndarray", number: int) -> PageLayout | None:
        if self._over_budget(number):
            return None
        layout = ocr_layout(gray, number)
        self._account(layout)
        return layout

    def pdf_page(self, page: Any, found: Any) -> PageLayout:
        """OCR for a PDF page: the whole page when its text layer is broken or missing,
        else only its large images that have no text over them."""
        layout: PageLayout = found.layout
        if self._over_budget(layout.number):
            return layout
        scale = PDF_DPI / 72
        if found.broken is not None:
            gray = _render(page, scale)
            result = ocr_layout(gray, layout.number).scaled(1 / scale)
            result.width, result.height = layout.width, layout.height
            if found.broken != "image-only":
                self.notes.append(Finding(
                    "N7", "info", f"第{layout.number}页的文字层无法使用（{_REASONS.get(found.broken, found.broken)}），已改用 OCR 识别。",
                    {"page": layout.number}, detail=found.broken,
                ))
            self._account(result)
            return result
        gray = _render(page, scale)
        for area in found.images:
            x0, y0 = int(area.x0 * scale), int(area.y0 * scale)
            x1, y1 = int(area.x1 * scale), int(area.y1 * scale)
            part = ocr_layout(gray[y0:y1, x0:x1], layout.number).scaled(1 / scale, area.x0, area.y0)
            self._account(part)
            layout.merge(part)
        return layout

    def _account(self, layout: PageLayout) -> None:
        self.hanzi += sum(1 for ln in layout.lines for ch in ln.text if "\u4e00" <= ch <= "\u9fff")
        self.hanzi += sum(1 for t in layout.tables for c in t.cells for ch in c.text if "\u4e00" <= ch <= "\u9fff")
        self.notes += low_confidence_notes(layout)

    def require_text(self) -> None:
        if self.hanzi < 10:
            raise NotAReport(
                "图片中没有识别出中文文字，不像是年度报告的扫描件。",
                "No Chinese text was recognised in the image; it does not look like a scanned annual report.",
            )


_REASONS = {"cid": "字符编码缺失（cid）", "unmapped": "含无法映射的字符", "few-hanzi": "文字乱码", "image-only": "只有图片"}


def _render(page: Any, scale: float) -> "np.ndarray":
    import numpy as np

    bitmap = page.render(scale=scale, grayscale=True)
    try:
        return np.array(bitmap.to_pil().convert("L"), dtype=np.uint8)
    finally:
        bitmap.close()


def low_confidence_notes(layout: PageLayout) -> list[Finding]:
    """N5 for every number read with low confidence (in a table cell or a line's cell)."""
    pieces: list[tuple[str, float]] = []
    for table in layout.tables:
        pieces += [(c.text, c.confidence) for c in table.cells if c.confidence is not None]
    for line in layout.lines:
        if line.confidences and not layout.in_margin(line.box):
            pieces += list(zip(line.text.split("\t"), line.confidences))
    return [
        Finding(
            "N5", "warning", f"第{layout.number}页识别出的数值“{text}”置信度较低（{conf:.2f}），请对照原件核实。",
            {"page": layout.number, "text": text}, actual=text, detail=f"confidence={conf:.3f}",
        )
        for text, conf in pieces
        if conf < LOW_CONFIDENCE and _NUMBER.match(text)
    ]


# ---------------------------------------------------------------------------- one page
def ocr_layout(gray: "np.ndarray", number: int) -> PageLayout:
    """Text lines and table grids of one page image (pixel coordinates)."""
    import cv2
    import numpy as np

    gray = deskew(gray)
    height, width = gray.shape
    layout = PageLayout(number, float(width), float(height), ocr=True)
    quads = detect(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB))
    if not quads:
        return layout
    boxes = [_bounds(q, width, height) for q in quads[:MAX_BOXES]]
    text_height = float(np.median([b.height for b in boxes]))
    layout.tables, lines_mask = image_tables(_ink(gray), text_height, boxes)
    clean = gray.copy()
    clean[cv2.dilate(lines_mask, np.ones((3, 3), np.uint8)) > 0] = 255
    pieces = [p for b in boxes for p in _cut_at_cells(b, layout.tables)]
    pieces += _undetected(_ink(clean), layout.tables, pieces, text_height)
    parts = read_pieces(clean, pieces, text_height)
    for table in layout.tables:
        parts = fill(table, parts)
    layout.lines = text_lines(parts)
    return layout


def image_tables(ink: "np.ndarray", text_height: float, boxes: list[Box]) -> tuple[list[Table], "np.ndarray"]:
    """The page's ruled tables and the mask of their rulings.  Long rulings find the
    tables; then, row by row, short vertical lines that run from one horizontal ruling to
    the next (cells of a low row, a row cut by the page break) are added."""
    import cv2

    rulings, mask = find_rulings(ink, text_height)
    tol, min_cell = max(2.0, 0.25 * text_height), max(3.0, 0.5 * text_height)
    tables = find_tables(rulings, tol, min_cell)
    page_height = ink.shape[0]
    body = [b for b in boxes if MARGIN * page_height < b.cy < (1 - MARGIN) * page_height]
    extra = []
    for t in tables:
        first = not any(b.y1 < t.box.y0 for b in body)  # the table continues from the page before
        last = not any(b.y0 > t.box.y1 for b in body)  # ... or on the next page
        extra += _row_verticals(ink, t, text_height, first, last)
    if not extra:
        return tables, mask
    for r in extra:
        x = int(round(r.pos))
        cv2.line(mask, (x, int(r.start)), (x, int(r.end)), 255, 2)
    return find_tables(rulings + extra, tol, min_cell), mask


def _row_verticals(ink: "np.ndarray", table: Table, text_height: float, first: bool, last: bool) -> list[Ruling]:
    """Vertical lines that join a row's top ruling to its bottom one without a break.
    Only in rows clearly taller than a line of text (a stroke of a character in a tight
    row can touch both rulings of a blurred scan) or in a row cut by the page's edge."""
    import numpy as np

    x0, x1 = int(table.xs[0]), int(table.xs[-1]) + 1
    out = []
    for r, (top, bottom) in enumerate(zip(table.ys, table.ys[1:])):
        at_break = (r == 0 and first) or (r == table.n_rows - 1 and last)
        if bottom - top < 1.3 * text_height and not at_break:
            continue
        band = ink[int(round(top)):int(round(bottom)) + 1, x0:x1] > 0
        solid = np.flatnonzero((~band).sum(axis=0) <= 2)
        if not solid.size:
            continue
        for run in np.split(solid, np.flatnonzero(np.diff(solid) > 1) + 1):
            if run.size <= max(8, text_height / 2):
                out.append(Ruling("v", x0 + float(run.mean()), float(top), float(bottom)))
    return out


def _undetected(ink: "np.ndarray", tables: list[Table], pieces: list[Box], text_height: float) -> list[Box]:
    """Print in table cells where text detection found nothing (a lone small digit is
    sometimes missed): the extent of the cell's character-sized ink, if any."""
    import cv2

    out = []
    for table in tables:
        filled = {id(table.cell_at(p.cx, p.cy)) for p in pieces}
        for cell in table.cells:
            if id(cell) in filled:
                continue
            x0, y0, x1, y1 = (int(cell.box.x0) + 3, int(cell.box.y0) + 3, int(cell.box.x1) - 2, int(cell.box.y1) - 2)
            if x1 - x0 < 4 or y1 - y0 < 4:
                continue
            count, _, stats, _ = cv2.connectedComponentsWithStats(ink[y0:y1, x0:x1], connectivity=8)
            glyphs = [s for s in stats[1:count] if max(s[2], s[3]) >= 0.3 * text_height]
            if glyphs:
                gx0 = min(s[0] for s in glyphs)
                gy0 = min(s[1] for s in glyphs)
                gx1 = max(s[0] + s[2] for s in glyphs)
                gy1 = max(s[1] + s[3] for s in glyphs)
                pad = max(3, int(0.15 * text_height))
                out.append(Box(max(x0 + gx0 - pad, 0), max(y0 + gy0 - pad, 0), x0 + gx1 + pad, y0 + gy1 + pad))
    return out


def _bounds(quad: Any, width: int, height: int) -> Box:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return Box(max(min(xs), 0.0), max(min(ys), 0.0), min(max(xs), width - 1.0), min(max(ys), height - 1.0))


def _ink(gray: "np.ndarray") -> "np.ndarray":
    import cv2

    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    _, ink = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def deskew(gray: "np.ndarray") -> "np.ndarray":
    """The page rotated upright: the angle (within ±MAX_SKEW°) at which the rows of ink
    are sharpest (text lines and table rulings horizontal)."""
    import cv2
    import numpy as np

    f = 800 / max(gray.shape)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    ink = _ink(small)
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rows = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=sharpness)
    best = max(np.arange(best - 0.2, best + 0.2 + 1e-9, 0.05), key=sharpness)
    if abs(best) < 0.1:
        return gray
    m = cv2.getRotationMatrix2D((gray.shape[1] / 2, gray.shape[0] / 2), float(best), 1.0)
    return cv2.warpAffine(gray, m, (gray.shape[1], gray.shape[0]), flags=cv2.INTER_LINEAR, borderValue=255)


def find_rulings(ink: "np.ndarray", text_height: float) -> tuple[list[Ruling], "np.ndarray"]:
    """Horizontal and vertical lines longer than any stroke of a character, and their mask."""
    import cv2

    h_len = max(int(2.5 * text_height), 20)
    v_len = max(int(1.4 * text_height), 15)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    # bridge small breaks of faint or noisy scans
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 1)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 7)))
    out: list[Ruling] = []
    for mask, orient in ((horizontal, "h"), (vertical, "v")):
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, w, h, _ in stats[1:count]:
            if orient == "h" and w >= h_len and h <= max(8, text_height / 2):
                out.append(Ruling("h", y + h / 2, float(x), float(x + w)))
            elif orient == "v" and h >= v_len and w <= max(8, text_height / 2):
                out.append(Ruling("v", x + w / 2, float(y), float(y + h)))
    return out, cv2.bitwise_or(horizontal, vertical)


def _cut_at_cells(box: Box, tables: list[Table]) -> list[Box]:
    """A detected box that runs over a cell border inside a table, cut at the border."""
    for table in tables:
        if table.cell_at(box.cx, box.cy) is None:
            continue
        cuts = []
        for x in table.xs[1:-1]:
            if box.x0 + 2 < x < box.x1 - 2:
                left, right = table.cell_at(x - 2, box.cy), table.cell_at(x + 2, box.cy)
                if left is not right:
                    cuts.append(x)
        edges = [box.x0] + cuts + [box.x1]
        return [Box(a, box.y0, b, box.y1) for a, b in zip(edges, edges[1:]) if b - a >= 3]
    return [box]


def read_pieces(clean: "np.ndarray", pieces: list[Box], text_height: float) -> list[TextBox]:
    """Each piece of the page recognised on its own (rulings erased); blank pieces dropped."""
    import numpy as np

    crops, kept = [], []
    for box in pieces:
        x0, y0, x1, y1 = int(box.x0), int(box.y0), int(box.x1) + 1, int(box.y1) + 1
        crop = clean[y0:y1, x0:x1]
        if crop.size == 0 or int(crop.min()) > 160:
            continue
        if crop.shape[0] >= 1.5 * crop.shape[1] and crop.shape[0] >= 2.5 * text_height:
            crop = np.rot90(crop)  # a vertical stack of characters: read as one line
        crops.append(np.ascontiguousarray(crop))
        kept.append(box)
    out = []
    for box, reading in zip(kept, recognise(crops)):
        if reading.text:
            # never exactly 1.0: a value read by OCR stays marked as such in provenance
            out.append(TextBox(box, reading.text, round(min(reading.confidence, 0.999), 3)))
    return out


def text_lines(parts: list[TextBox]) -> list[TextLine]:
    """Boxes outside tables as lines: far-apart boxes become tab-separated cells."""
    out = []
    for line in group_lines(parts):
        height = sorted(p.box.height for p in line)[len(line) // 2]
        cells: list[list[TextBox]] = [[line[0]]]
        for prev, cur in zip(line, line[1:]):
            if cur.box.x0 - prev.box.x1 > 1.5 * height:
                cells.append([cur])
            else:
                cells[-1].append(cur)
        texts = ["".join(p.text for p in cell) for cell in cells]
        confs = tuple(min(p.confidence for p in cell) for cell in cells)
        box = Box(min(p.box.x0 for p in line), min(p.box.y0 for p in line),
                  max(p.box.x1 for p in line), max(p.box.y1 for p in line))
        out.append(TextLine("\t".join(texts), box, confs, size=height))
    return out
