"""Scans -> Document: offline OCR (rapidocr + onnxruntime, `ocr_models.py`).

Images (PNG, JPEG, TIFF with one page per frame, GIF, BMP, WebP) and the pages of a
PDF that need it (`pdf.py`) are read page by page by `ocr_page.ocr_layout`.  A photo or
noise is refused before any OCR (no light page with dark print, judged with the page's
background flattened, so shaded and coloured table rows and tinted paper are paper); a
long screenshot of a whole report is cut into page-sized parts at blank rows or table
rulings.  A page never goes missing silently: one skipped (blank, not like print, over
the time budget) or read without any text is an N7 finding naming it.

Every recognised piece keeps its confidence (`LineMeta.cell_confidence`); numbers read
with low confidence become N5 findings.  Limits: pixels per image, pages, and an OCR time
budget per document (pages beyond it are skipped with an N7 finding; a document with no
page read raises `LimitExceeded`).
"""
from __future__ import annotations

import io
import math
import os
import re
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...errors import LimitExceeded, NotAReport, UnreadableInput
from ...model import Document, Finding
from ...rules import finding
from .ocr_page import ocr_layout
from .pages import PageLayout, to_document

if TYPE_CHECKING:
    import numpy as np

BUDGET_SECONDS = float(os.environ.get("NIANBAO_OCR_SECONDS", "300"))  # per document
MAX_PAGES = 60
MAX_PIXELS = 80_000_000  # per image (a long screenshot of a whole report is ~20 million)
PAGE_WIDTH = (1200, 1800)  # page images are scaled to this width (A4 at ~150-200 dpi)
PDF_DPI = 200
MAX_PAGE_PIXELS = 16_000_000  # a PDF page is rendered smaller than PDF_DPI when it would be larger (A3 is 7.8 M)
MIN_SIDE = 16  # pixels: a page or image smaller than this holds nothing to read
LOW_CONFIDENCE = 0.85
_NUMBER = re.compile(r"^\s*[-+]?\d[\d,]*(?:\.\d+)?\s*%?\s*$")


@dataclass
class PageImage:
    number: int  # page (frame) of the file, 1-based
    part: int | None  # part of a long image cut into page-sized pieces, 1-based
    gray: "np.ndarray"

    @property
    def label(self) -> str:
        return f"第{self.number}页" if self.part is None else f"第{self.number}页（第{self.part}段）"


def read_image(data: bytes) -> Document:
    """A scanned report given as an image file."""
    session = Session()
    pages = [layout for image in page_images(data, session.notes) if (layout := session.image_page(image)) is not None]
    if not pages:
        raise LimitExceeded("OCR 时间预算已用完，没有读出任何页面。", "The OCR time budget ran out before any page was read.")
    session.require_text()
    return to_document(pages, "ocr", session.notes)


def page_images(data: bytes, notes: list[Finding] | None = None) -> list[PageImage]:
    """Each frame as grey-scale page images of a readable size; a file in which no frame
    looks like a printed page is refused as not a report.  A frame that is skipped (blank,
    or not like a page) gets a finding in `notes` when other frames are read."""
    import numpy as np
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # the size is checked below, against our own limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise LimitExceeded(f"图片过大，上限 {MAX_PIXELS // 1_000_000} 百万像素。",
                            f"The image is too large (the limit is {MAX_PIXELS // 1_000_000} megapixels).") from None
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
    out: list[PageImage] = []
    skipped: list[Finding] = []
    for index in range(frames):
        try:
            img.seek(index)
            frame = ImageOps.exif_transpose(img.convert("RGB")).convert("L")
        except (OSError, ValueError, SyntaxError) as exc:
            raise UnreadableInput("图片文件不完整或已损坏，无法解码。",
                                  f"The image is truncated or damaged and cannot be decoded ({exc}).") from None
        gray = np.asarray(frame, dtype=np.uint8)
        verdict = page_verdict(gray)
        if verdict is not None:
            skipped.append(skipped_page(index + 1, verdict))
            continue
        parts = split_tall(fit(gray))
        for k, part in enumerate(parts, start=1):
            out.append(PageImage(index + 1, k if len(parts) > 1 else None, part))
    if not out:
        raise NotAReport(
            "图片不像是文件的扫描件或截图（没有浅色纸面上的深色文字），不是年度报告。",
            "The image does not look like a scanned or photographed document (no dark print on a light page); "
            "it is not an annual report.",
        )
    if notes is not None:
        notes += skipped
    return out


def looks_like_page(gray: "np.ndarray") -> bool:
    """Printed pages are mostly light paper with a little dark ink; photos and noise are not."""
    return page_verdict(gray) is None


def page_verdict(gray: "np.ndarray") -> str | None:
    """None for a printed page; "blank" for a page without print; "not-a-page" for a
    photo or noise.

    The test is made on the page with its background flattened (each pixel divided by the
    local paper level, a closing wider than any stroke): shaded or coloured table rows and
    tinted paper become paper, and what is left must be even, light paper with a little
    dark ink.  The background itself must be mostly one light level (a photo's is not)."""
    import cv2
    import numpy as np

    small = cv2.resize(gray, (min(gray.shape[1], 400), min(gray.shape[0], 400)), interpolation=cv2.INTER_AREA)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    level = float(np.median(background))
    even = float((np.abs(background.astype(np.int16) - level) <= 20).mean())
    if level < 150 or even < 0.5:
        return "not-a-page"
    flat = flatten(small, background)
    _, binary = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    light = binary > 0
    if light.all() or int(flat.min()) >= 235:
        return "blank"
    if float(light.mean()) < 0.7:
        return "not-a-page"
    paper, ink = flat[light], flat[~light]
    if float(np.median(paper)) >= 150 and float(paper.std()) <= 20 and float(np.median(paper) - np.median(ink)) >= 50:
        return None
    return "not-a-page"


def flatten(gray: "np.ndarray", background: "np.ndarray") -> "np.ndarray":
    """`gray` divided by its background level: paper of any light tint becomes white."""
    import numpy as np

    out: np.ndarray = np.clip(gray.astype(np.float32) * 255.0 / np.maximum(background, 1), 0, 255).astype(np.uint8)
    return out


def fit(gray: "np.ndarray") -> "np.ndarray":
    """The page scaled to a width at which body text is ~25-35 pixels high."""
    import cv2

    low, high = PAGE_WIDTH
    width = gray.shape[1]
    if low <= width <= high:
        return gray
    f = (high if width > high else low) / width
    return cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)


def split_tall(gray: "np.ndarray", ratio: float = 1.45) -> list["np.ndarray"]:
    """A long image (a screenshot of a whole report) cut into parts about one A4 page
    high: at the blank row nearest the cut, else along a table ruling (kept in both
    parts, so the table is joined again like one crossing a page break)."""
    import cv2
    import numpy as np

    height, width = gray.shape
    target = int(ratio * width)
    if height <= target * 1.15:
        return [gray]
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    per_row = ink.sum(axis=1)
    parts, start = [], 0
    while height - start > target * 1.15:
        window = np.arange(start + int(0.7 * target), start + target)
        blank = window[per_row[window] <= 0.002 * width]
        if blank.size:
            cut = int(blank[-1])
            parts.append(gray[start:cut])
            start = cut
            continue
        ruled = window[per_row[window] >= 0.5 * width]
        cut = int(ruled[-1]) if ruled.size else start + target
        parts.append(gray[start:cut + 3])
        start = max(cut - 2, start + 1)
    parts.append(gray[start:])
    return parts


# ---------------------------------------------------------------------------- session
_REASONS = {"cid": "字符编码缺失（cid）", "unmapped": "含无法映射的字符", "few-hanzi": "文字乱码", "image-only": "只有图片"}


class Session:
    """OCR of one document's pages within one time budget; collects the findings."""

    def __init__(self, budget: float | None = None) -> None:
        from ...budget import allow_ocr

        allow_ocr()  # a parse under the CPU budget (nianbao.budget) may spend the OCR budget on top
        self.deadline = time.monotonic() + (BUDGET_SECONDS if budget is None else budget)
        self.notes: list[Finding] = []
        self.hanzi = 0

    def _over_budget(self, label: str, number: int) -> bool:
        if time.monotonic() <= self.deadline:
            return False
        self.notes.append(finding("N7", f"OCR 时间预算已用完，{label}未识别，该页内容缺失。", detail="ocr-budget", page=number))
        return True

    def image_page(self, image: PageImage) -> PageLayout | None:
        if self._over_budget(image.label, image.number):
            return None
        layout = ocr_layout(image.gray, image.number, image.label if image.part else None)
        self._account(layout)
        self._nothing_read(layout, image.label)
        return layout

    def pdf_page(self, page: Any, found: Any) -> PageLayout:
        """OCR for a PDF page (`pdf.PageText`): the whole page when its text layer is
        broken or missing, else only its large images that have no text over them."""
        layout: PageLayout = found.layout
        if self._over_budget(f"第{layout.number}页", layout.number):
            return layout
        scale = render_scale(layout.width, layout.height)
        if min(layout.width, layout.height) * scale < MIN_SIDE:
            return layout  # a page box a few points wide (a damaged file)
        gray = _render(page, scale)
        if found.broken is not None:
            verdict = page_verdict(gray)
            if verdict is not None:  # a photograph, a blank page: nothing to read, but never silently
                self.notes.append(skipped_page(layout.number, verdict))
                return layout
            result = ocr_layout(gray, layout.number).scaled(1 / scale)
            result.width, result.height = layout.width, layout.height
            if found.broken != "image-only":
                reason = _REASONS.get(found.broken, found.broken)
                self.notes.append(finding("N7", f"第{layout.number}页的文字层无法使用（{reason}），已改用 OCR 识别。", severity="info",
                                          detail=found.broken, page=layout.number))
            self._account(result)
            self._nothing_read(result, f"第{layout.number}页")
            return result
        for area in found.images:
            x0, y0, x1, y1 = (int(v * scale) for v in (area.x0, area.y0, area.x1, area.y1))
            if min(x1 - x0, y1 - y0) < MIN_SIDE:
                continue
            part = ocr_layout(gray[y0:y1, x0:x1], layout.number).scaled(1 / scale, area.x0, area.y0)
            self._account(part)
            layout.merge(part)
        return layout

    def _nothing_read(self, layout: PageLayout, label: str) -> None:
        """A page that looked printed but gave no text at all (a chart, a seal, a page too
        blurred to read) is a finding, never a silent gap."""
        if not layout.lines and not layout.tables:
            self.notes.append(finding("N7", f"{label}没有识别出任何文字，该页内容可能缺失，请对照原件核实。", detail="no-text",
                                      page=layout.number))

    def _account(self, layout: PageLayout) -> None:
        texts = [ln.text for ln in layout.lines] + [c.text for t in layout.tables for c in t.cells]
        self.hanzi += sum(1 for text in texts for ch in text if "\u4e00" <= ch <= "\u9fff")
        self.notes += low_confidence_notes(layout)

    def require_text(self) -> None:
        if self.hanzi < 10:
            raise NotAReport(
                "图片中没有识别出中文文字，不像是年度报告的扫描件。",
                "No Chinese text was recognised in the image; it does not look like a scanned annual report.",
            )


def skipped_page(number: int, verdict: str) -> Finding:
    """The finding for a page image that is not read: a blank page loses nothing (info);
    a page that does not look like print (a photo, a very dark or faint scan) may hold
    part of the report (warning)."""
    if verdict == "blank":
        return finding("N7", f"第{number}页是空白页，没有可识别的内容。", severity="info", detail="blank-page", page=number)
    return finding("N7", f"第{number}页不像是文字页面（可能是照片，或扫描过暗、过淡），未能识别，"
                   "该页内容缺失；如该页属于报告正文或表格，请对照原件核实。", detail="not-a-page", page=number)


def render_scale(width: float, height: float) -> float:
    """Pixels per point for OCR of a page: PDF_DPI, less for a page box so large (up to
    200 by 200 inches in PDF) that its bitmap would take gigabytes."""
    scale = PDF_DPI / 72
    pixels = max(width, 0.0) * max(height, 0.0) * scale * scale
    return scale if pixels <= MAX_PAGE_PIXELS else scale * math.sqrt(MAX_PAGE_PIXELS / pixels)


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
    where = layout.origin
    return [
        finding("N5", f"{where}识别出的数值“{text}”置信度较低（{conf:.2f}），请对照原件核实。", actual=text,
                detail=f"confidence={conf:.3f}", page=layout.number, text=text)
        for text, conf in pieces
        if conf < LOW_CONFIDENCE and _NUMBER.match(text)
    ]
