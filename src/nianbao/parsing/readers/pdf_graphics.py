"""The vector graphics of a PDF page: table rulings and large images (pypdfium2).

Rulings: the straight horizontal and vertical segments of visible stroked paths, and
filled rectangles thin enough to be lines (how Word, WPS, LibreOffice and Chromium draw
cell borders); invisible (white, transparent) paths and shaded backgrounds are not lines.
Coordinates are top-down page points, through the matrices of forms as well.
"""
from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pypdfium2.raw as raw

from .boxes import Box, Ruling

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

THIN = 3.0  # points: a filled rectangle this thin is a drawn line
MAX_OBJECTS = 100_000  # page objects per page (inside forms too) worth walking for rulings
MAX_SEGMENTS = 1_000_000  # path segments per page worth walking for rulings


def c_function(fn: Any, restype: Any, *argtypes: Any) -> Any:
    """pdfium's function `fn`, called with plain pointers (addresses as ints): pypdfium2's
    bindings check and convert every argument, a large share of the cost of calls made
    per path segment (here) or per character (`pdf._chars`)."""
    address = ctypes.cast(fn, ctypes.c_void_p).value
    assert address is not None
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_P = ctypes.c_void_p
_GET_SEGMENT = c_function(raw.FPDFPath_GetPathSegment, _P, _P, ctypes.c_int)
_GET_POINT = c_function(raw.FPDFPathSegment_GetPoint, ctypes.c_int, _P, _P, _P)
_GET_SEGMENT_TYPE = c_function(raw.FPDFPathSegment_GetType, ctypes.c_int, _P)
_GET_CLOSE = c_function(raw.FPDFPathSegment_GetClose, ctypes.c_int, _P)
_GET_TYPE = c_function(raw.FPDFPageObj_GetType, ctypes.c_int, _P)
_GET_MATRIX = c_function(raw.FPDFPageObj_GetMatrix, ctypes.c_int, _P, _P)
_COUNT_OBJECTS = c_function(raw.FPDFPage_CountObjects, ctypes.c_int, _P)
_GET_OBJECT = c_function(raw.FPDFPage_GetObject, _P, _P, ctypes.c_int)
_FORM_COUNT_OBJECTS = c_function(raw.FPDFFormObj_CountObjects, ctypes.c_int, _P)
_FORM_GET_OBJECT = c_function(raw.FPDFFormObj_GetObject, _P, _P, ctypes.c_ulong)
_COUNT_SEGMENTS = c_function(raw.FPDFPath_CountSegments, ctypes.c_int, _P)
_GET_DRAW_MODE = c_function(raw.FPDFPath_GetDrawMode, ctypes.c_int, _P, _P, _P)
_GET_STROKE_COLOR = c_function(raw.FPDFPageObj_GetStrokeColor, ctypes.c_int, _P, _P, _P, _P, _P)
_GET_FILL_COLOR = c_function(raw.FPDFPageObj_GetFillColor, ctypes.c_int, _P, _P, _P, _P, _P)


@dataclass
class Graphics:
    """The page objects that draw: paths (with their segment counts) and images, each with
    its matrix to page space; `busy` when the page draws more than the caps."""

    paths: list[tuple[int, Matrix, int]] = field(default_factory=list)  # (object address, matrix, segments)
    images: list[Matrix] = field(default_factory=list)
    busy: tuple[int, int] | None = None  # (objects, segments) counted when a cap was crossed


def graphics(page: Any, max_objects: int = MAX_OBJECTS, max_segments: int = MAX_SEGMENTS) -> Graphics:
    """One walk over the page's objects, inside forms too.  Text objects (most of a
    report's objects) are only counted: no matrix is read for them.  The walk stops at
    the first cap crossed (a content-stream bomb: a few KB of compressed path operators),
    so a bomb costs at most `max_objects` steps; `busy` then holds the counts so far.
    Objects are handled as plain addresses (`c_function`): the paths' are what `rulings`
    takes."""
    out = Graphics()
    counts = [0, 0]  # objects, segments
    get_type, count_segments = _GET_TYPE, _COUNT_SEGMENTS
    text, path, image, form = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM
    matrix = raw.FS_MATRIX()
    where = ctypes.addressof(matrix)

    def walk(objs: Iterable[int | None], outer: Matrix, depth: int) -> bool:
        for obj in objs:
            kind = get_type(obj)
            if kind != text:
                m = _compose((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
                             if _GET_MATRIX(obj, where) else IDENTITY, outer)
                if kind == form and depth < 4:  # (a form is not counted itself: its objects are)
                    if not walk(map(partial(_FORM_GET_OBJECT, obj), range(_FORM_COUNT_OBJECTS(obj))), m, depth + 1):
                        return False
                    continue
                if kind == path and obj is not None:  # (a null object has no kind: never a path)
                    n = max(count_segments(obj), 0)
                    counts[1] += n
                    out.paths.append((obj, m, n))
                elif kind == image:
                    out.images.append(m)
            counts[0] += 1
            if counts[0] > max_objects or counts[1] > max_segments:
                out.busy = (counts[0], counts[1])
                return False
        return True

    handle = ctypes.cast(page.raw, ctypes.c_void_p).value
    walk(map(partial(_GET_OBJECT, handle), range(_COUNT_OBJECTS(handle))), IDENTITY, 0)
    return out


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


class _Colour:
    """Whether a path's stroke or fill colour shows on white paper (the four out-parameters
    made once, not per call)."""

    def __init__(self) -> None:
        self.rgba = [ctypes.c_uint() for _ in range(4)]
        self.refs = [ctypes.addressof(v) for v in self.rgba]

    def visible(self, obj: Any, getter: Callable[..., int]) -> bool:
        if not getter(obj, *self.refs):
            return True
        r, g, b, a = (v.value for v in self.rgba)
        return a > 0 and min(r, g, b) < 230


def rulings(paths: list[tuple[int, Matrix, int]], height: float) -> list[Ruling]:
    """Horizontal and vertical lines drawn by the page's paths (`Graphics.paths`; `height`:
    the page's, to turn PDF coordinates top-down)."""
    out: list[Ruling] = []
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    modes = (ctypes.addressof(fill_mode), ctypes.addressof(stroke))
    x, y = ctypes.c_float(), ctypes.c_float()
    xy = (ctypes.addressof(x), ctypes.addressof(y))
    colour = _Colour()
    get_segment, get_point, get_type, get_close = _GET_SEGMENT, _GET_POINT, _GET_SEGMENT_TYPE, _GET_CLOSE
    moveto, lineto = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_LINETO
    for obj, m, n in paths:
        if not _GET_DRAW_MODE(obj, *modes):
            continue
        stroked = bool(stroke.value) and colour.visible(obj, _GET_STROKE_COLOR)
        filled = fill_mode.value != 0 and colour.visible(obj, _GET_FILL_COLOR)
        if not stroked and not filled:
            continue
        a, b, c, d, e, f = m
        points: list[list[tuple[float, float]]] = []
        for i in range(n):
            seg = get_segment(obj, i)
            if not get_point(seg, *xy):
                continue
            px, py = x.value, y.value
            pt = (a * px + c * py + e, height - (b * px + d * py + f))
            kind_seg = get_type(seg)
            if kind_seg == moveto or not points:
                points.append([pt])
            elif kind_seg == lineto:
                points[-1].append(pt)
            else:  # a curve: not a ruling; restart the run at its end point
                points.append([pt])
            if get_close(seg) and len(points[-1]) > 1:
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


def large_images(images: list[Matrix], width: float, height: float, share: float) -> list[Box]:
    """Boxes of the images (their matrices, `Graphics.images`) that cover at least `share`
    of the page."""
    out = []
    for m in images:
        # an image is drawn into the unit square mapped by its matrix
        corners = [(m[0] * u + m[2] * v + m[4], m[1] * u + m[3] * v + m[5]) for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
        x0 = max(min(c[0] for c in corners), 0.0)
        x1 = min(max(c[0] for c in corners), width)
        y0 = max(height - max(c[1] for c in corners), 0.0)
        y1 = min(height - min(c[1] for c in corners), height)
        if x1 > x0 and y1 > y0 and (x1 - x0) * (y1 - y0) >= share * width * height:
            out.append(Box(x0, y0, x1, y1))
    return out
