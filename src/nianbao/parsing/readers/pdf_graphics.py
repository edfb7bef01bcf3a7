"""The vector graphics of a PDF page: table rulings and large images (pypdfium2).

Rulings: the straight horizontal and vertical segments of visible stroked paths, and
filled rectangles thin enough to be lines (how Word, WPS, LibreOffice and Chromium draw
cell borders); invisible (white, transparent) paths and shaded backgrounds are not lines.
Coordinates are top-down page points, through the matrices of forms as well.
"""
from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pypdfium2.raw as raw

from .boxes import Box, Ruling

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

THIN = 3.0  # points: a filled rectangle this thin is a drawn line
MAX_OBJECTS = 100_000  # page objects per page (inside forms too) worth walking for rulings
MAX_SEGMENTS = 1_000_000  # path segments per page worth walking for rulings


def too_busy(page: Any, max_objects: int = MAX_OBJECTS, max_segments: int = MAX_SEGMENTS) -> tuple[int, int] | None:
    """(objects, segments) counted so far when the page draws more than the caps (a content
    stream bomb: a few KB of compressed path operators), else None.  Counting stops at the
    first cap crossed, so a bomb costs at most `max_objects` steps here."""
    objects = segments = 0
    for obj, kind, _ in _objects(page):
        objects += 1
        if kind == raw.FPDF_PAGEOBJ_PATH:
            segments += max(raw.FPDFPath_CountSegments(obj), 0)
        if objects > max_objects or segments > max_segments:
            return objects, segments
    return None


def _objects(page: Any) -> Iterator[tuple[Any, int, Matrix]]:
    """(object, type, matrix to page space) of every page object, inside forms too.  Text
    objects (most of a report's objects) come with IDENTITY: no caller reads their matrix,
    so it is not computed (two foreign calls and a product per object)."""
    def walk(count: int, get: Callable[[int], Any], outer: Matrix, depth: int) -> Iterator[tuple[Any, int, Matrix]]:
        for i in range(count):
            obj = get(i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_TEXT:
                yield obj, kind, IDENTITY
                continue
            m = _compose(_matrix(obj), outer)
            if kind == raw.FPDF_PAGEOBJ_FORM and depth < 4:
                inside = raw.FPDFFormObj_CountObjects(obj)
                yield from walk(inside, partial(raw.FPDFFormObj_GetObject, obj), m, depth + 1)
            else:
                yield obj, kind, m

    handle = page.raw
    yield from walk(raw.FPDFPage_CountObjects(handle), lambda j: raw.FPDFPage_GetObject(handle, j), IDENTITY, 0)


def _matrix(obj: Any) -> Matrix:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _visible(obj: Any, getter: Callable[..., int]) -> bool:
    """Whether a path's stroke or fill colour shows on white paper."""
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not getter(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(a)):
        return True
    return a.value > 0 and min(r.value, g.value, b.value) < 230


def rulings(page: Any, height: float) -> list[Ruling]:
    """Horizontal and vertical lines drawn on the page (`height`: the page's, to turn PDF
    coordinates top-down)."""
    out: list[Ruling] = []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    for obj, kind, m in _objects(page):
        if kind != raw.FPDF_PAGEOBJ_PATH:
            continue
        if not raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke)):
            continue
        stroked = bool(stroke.value) and _visible(obj, raw.FPDFPageObj_GetStrokeColor)
        filled = fill_mode.value != 0 and _visible(obj, raw.FPDFPageObj_GetFillColor)
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


def large_images(page: Any, width: float, height: float, share: float) -> list[Box]:
    """Boxes of the images that cover at least `share` of the page."""
    out = []
    for obj, kind, m in _objects(page):
        if kind != raw.FPDF_PAGEOBJ_IMAGE:
            continue
        # an image is drawn into the unit square mapped by its matrix
        corners = [(m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]) for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
        x0 = max(min(c[0] for c in corners), 0.0)
        x1 = min(max(c[0] for c in corners), width)
        y0 = max(height - max(c[1] for c in corners), 0.0)
        y1 = min(height - min(c[1] for c in corners), height)
        if x1 > x0 and y1 > y0 and (x1 - x0) * (y1 - y0) >= share * width * height:
            out.append(Box(x0, y0, x1, y1))
    return out
