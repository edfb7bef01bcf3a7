"""OCR of one page image: text lines and table grids rebuilt from box positions.

1. deskew: the angle within ±4° at which the rows of ink are sharpest;
2. text detection (rapidocr), boxes widened a little (a thin "一" at a box's end);
3. table rulings: morphological openings keep lines longer than any stroke of a
   character, cut back to where they meet other lines, plus short vertical lines that
   join one horizontal ruling to the next in tall rows -> grids (`boxes.find_tables`,
   as for PDF vector rulings);
4. a copy of the page with the rulings and specks erased; detected boxes cut at the
   cell borders (and, outside tables, at wide gaps), plus the ink of cells that
   detection missed -> every piece recognised (`ocr_models`);
5. pieces into cells; a value cell read as a non-number among numbers is read again as
   a number; the rest into lines, where numbers standing in columns (a table without
   rulings) become grid rows.
"""
from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Any

from .boxes import (Box, Ruling, Table, TextBox, align_columns, fill, find_tables, group_lines, is_number,
                    merge_rulings, snap_to_junctions)
from .ocr_models import detect, recognise
from .pages import PageLayout, TextLine

if TYPE_CHECKING:
    import numpy as np

MAX_SKEW = 4.0  # degrees
MAX_BOXES = 1500  # text boxes per page: more is noise, not a page of a report
_NOT_A_NUMBER = re.compile(r"^[-—–－/／\\×x无空\s]+$")  # what reports print instead of a number


def ocr_layout(gray: "np.ndarray", number: int, label: str | None = None) -> PageLayout:
    """Text lines and table grids of one page image (pixel coordinates)."""
    import cv2
    import numpy as np

    gray = deskew(gray)
    height, width = gray.shape
    layout = PageLayout(number, float(width), float(height), ocr=True, label=label)
    quads = detect(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB))
    if not quads:
        return layout
    boxes = [_bounds(q, width, height) for q in quads[:MAX_BOXES]]
    text_height = float(np.median([b.height for b in boxes]))
    layout.tables, lines_mask = image_tables(_ink(gray), text_height)
    clean = gray.copy()
    clean[cv2.dilate(lines_mask, np.ones((3, 3), np.uint8)) > 0] = 255
    clean_ink = despeckle(clean, text_height)
    pieces = [piece for box, wide in zip(boxes, widened(boxes, width)) for piece in _cut_at_cells(wide, layout.tables)
              if min(piece.x1, box.x1) - max(piece.x0, box.x0) >= 3]  # not wholly in the widening
    pieces = [p for piece in pieces for p in split_at_gaps(piece, clean_ink, layout.tables)]
    pieces += _undetected(clean_ink, layout.tables, pieces, text_height)
    parts = read_pieces(clean, pieces, text_height)
    for table in layout.tables:
        parts = fill(table, parts)
        reread_values(table, clean)
    layout.lines = text_lines(parts)
    return layout


def image_tables(ink: "np.ndarray", text_height: float) -> tuple[list[Table], "np.ndarray"]:
    """The page's ruled tables and the mask of their rulings.  Long rulings find the
    tables; then, in rows taller than a line of text, short vertical lines that run from
    one horizontal ruling to the next are added (the cells of a two-line header row)."""
    import cv2

    found, mask = find_rulings(ink, text_height)
    tol, min_cell = max(2.0, 0.25 * text_height), max(3.0, 0.5 * text_height)
    rulings = snap_to_junctions(merge_rulings(found, tol), tol)
    tables = find_tables(rulings, tol, min_cell)
    extra = [r for t in tables for r in _row_verticals(ink, t, text_height)]
    if not extra:
        return tables, mask
    for r in extra:
        x = int(round(r.pos))
        cv2.line(mask, (x, int(r.start)), (x, int(r.end)), 255, 2)
    return find_tables(rulings + extra, tol, min_cell), mask


def _row_verticals(ink: "np.ndarray", table: Table, text_height: float) -> list[Ruling]:
    """Vertical lines that join a row's top ruling to its bottom one without a break, in
    rows clearly taller than a line of text (in a tight row of a blurred scan a stroke of
    a character can touch both rulings)."""
    import numpy as np

    x0, x1 = int(table.xs[0]), int(table.xs[-1]) + 1
    out = []
    for top, bottom in zip(table.ys, table.ys[1:]):
        if bottom - top < 1.3 * text_height:
            continue
        band = ink[int(round(top)):int(round(bottom)) + 1, x0:x1] > 0
        solid = np.flatnonzero((~band).sum(axis=0) <= 2)
        if not solid.size:
            continue
        for run in np.split(solid, np.flatnonzero(np.diff(solid) > 1) + 1):
            if run.size <= max(8, text_height / 2):
                out.append(Ruling("v", x0 + float(run.mean()), float(top), float(bottom)))
    return out


def despeckle(clean: "np.ndarray", text_height: float) -> "np.ndarray":
    """Erase specks (dust, scanner noise) too small to be even a full stop, in place, so
    that they are not read as "." beside a label or number; returns the ink that is left."""
    import cv2

    ink = _ink(clean)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= max(2, int((text_height / 15) ** 2))
    small[0] = False
    specks = small[labels]
    clean[specks] = 255
    ink[specks] = 0
    return ink


def split_at_gaps(box: Box, ink: "np.ndarray", tables: list[Table]) -> list[Box]:
    """A detected box outside the ruled tables cut where it holds a gap of blank paper
    wider than most of a character: two numbers of a table without rulings that detection
    took for one ("0 0" read as "00").  Gaps between the characters and words of a line
    are narrower."""
    if any(t.cell_at(box.cx, box.cy) is not None for t in tables):
        return [box]
    x0, y0, x1, y1 = int(box.x0), int(box.y0), int(box.x1) + 1, int(box.y1) + 1
    blank = ~(ink[y0:y1, x0:x1] > 0).any(axis=0)
    gap = max(int(0.75 * box.height), 4)
    if blank.size < 3 * gap:
        return [box]
    edges, run = [], 0
    for x, empty in enumerate(blank):  # type: ignore[arg-type]  # (numpy types any(axis=0) as scalar or array)
        run = run + 1 if empty else 0
        if run == gap:
            edges.append(x0 + x - gap + 1)  # a cut where the gap starts ...
        if not empty and edges and len(edges) % 2 == 1:
            edges.append(x0 + x)  # ... and where the print resumes
    if len(edges) < 2:
        return [box]
    bounds = [box.x0] + edges[: len(edges) // 2 * 2] + [box.x1]
    return [Box(a, box.y0, b, box.y1) for a, b in zip(bounds[::2], bounds[1::2]) if b - a >= 3]


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


def widened(boxes: list[Box], page_width: int, pad: float = 0.3) -> list[Box]:
    """Detected boxes widened by `pad` heights on each side, up to their neighbours on the
    same line: detection at a reduced scale can clip a thin first or last character (the
    "一" of "一、"); the extra paper is harmless, a cell border in it is cut off later."""
    by_top = sorted(range(len(boxes)), key=lambda i: boxes[i].y0)
    tops = [boxes[i].y0 for i in by_top]
    out = []
    for box in boxes:
        reach = pad * box.height
        x0, x1 = max(box.x0 - reach, 0.0), min(box.x1 + reach, page_width - 1.0)
        for i in by_top[bisect.bisect_left(tops, box.y0 - 2 * box.height):bisect.bisect_right(tops, box.y1)]:
            other = boxes[i]
            if other is box or min(box.y1, other.y1) - max(box.y0, other.y0) < 0.5 * min(box.height, other.height):
                continue
            if x0 < other.x1 <= box.x0:
                x0 = other.x1
            if box.x1 <= other.x0 < x1:
                x1 = other.x0
        out.append(Box(x0, box.y0, x1, box.y1))
    return out


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


def reread_values(table: Table, clean: "np.ndarray") -> None:
    """A value cell read as something else ("之" for a 7) in a row of numbers is read
    again as a number: the likeliest digits, each with its own (usually low) confidence.
    Value cells: right of the row's first number, or in a column with numbers; dashes
    and the like ("—", "/", "无") are left as printed."""
    numeric_columns = {c.col for c in table.cells if c.text and c.is_numeric()}
    todo = []
    for row in table.rows():
        numbers = [c.col for c in row if c.text and c.is_numeric()]
        if len(numbers) < 2:
            continue
        todo += [c for c in row if c.text and not c.is_numeric() and len(c.text) <= 4 and c.parts
                 and not _NOT_A_NUMBER.match(c.text) and (c.col > min(numbers) or c.col in numeric_columns)]
    crops = []
    for cell in todo:
        x0, y0 = int(min(p.box.x0 for p in cell.parts)), int(min(p.box.y0 for p in cell.parts))
        x1, y1 = int(max(p.box.x1 for p in cell.parts)) + 1, int(max(p.box.y1 for p in cell.parts)) + 1
        crops.append(clean[y0:y1, x0:x1])
    for cell, reading in zip(todo, recognise(crops, digits=True)):
        if reading.text:
            cell.text, cell.confidence = reading.text, round(min(reading.confidence, 0.999), 3)


def text_lines(parts: list[TextBox]) -> list[TextLine]:
    """Boxes outside ruled tables as lines.  Boxes further apart than most of a character
    become tab-separated cells, each with its confidence; runs of lines holding numbers
    in columns (a table printed without rulings) become grid rows, a blank where a column
    has no number (`boxes.align_columns`)."""
    rows = [_cells_of(line) for line in group_lines(parts)]
    out: list[TextLine] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and sum(is_number(c.text) for c in rows[j]) >= 2:
            j += 1
        aligned = align_columns(rows[i:j], _median_height(rows[i:j])) if j - i >= 2 else None
        if aligned is None:
            out.append(_line(rows[i], [*rows[i]], grid=False))
            i += 1
            continue
        out += [_line(row, cells, grid=True) for row, cells in zip(rows[i:j], aligned)]
        i = j
    return out


def _cells_of(line: list[TextBox]) -> list[TextBox]:
    """A line's boxes joined into cells where they stand close together (but two numbers
    side by side are two cells)."""
    height = sorted(p.box.height for p in line)[len(line) // 2]
    groups: list[list[TextBox]] = [[line[0]]]
    for prev, cur in zip(line, line[1:]):
        if cur.box.x0 - prev.box.x1 > 0.8 * height or (is_number(prev.text) and is_number(cur.text)):
            groups.append([cur])
        else:
            groups[-1].append(cur)
    return [TextBox(Box(min(p.box.x0 for p in g), min(p.box.y0 for p in g), max(p.box.x1 for p in g),
                        max(p.box.y1 for p in g)), "".join(p.text for p in g), min(p.confidence for p in g))
            for g in groups]


def _median_height(rows: list[list[TextBox]]) -> float:
    heights = sorted(c.box.height for row in rows for c in row)
    return heights[len(heights) // 2]


BLANK_CONFIDENCE = 0.5  # a blank placed by column positions alone: maybe a number detection missed


def _line(row: list[TextBox], cells: list[TextBox | None], grid: bool) -> TextLine:
    box = Box(min(c.box.x0 for c in row), min(c.box.y0 for c in row), max(c.box.x1 for c in row), max(c.box.y1 for c in row))
    texts = ["" if c is None else c.text for c in cells]
    confs = tuple(BLANK_CONFIDENCE if c is None else c.confidence for c in cells)
    return TextLine("\t".join(texts), box, confs, size=_median_height([row]), grid=grid)
