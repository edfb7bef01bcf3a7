"""A parsed report as table rows, and back (pure functions, no database).

A stored report is spread over
    reports       metadata columns (agency, region, year, template, title, source, counts)
    report_cells  every table value with its raw string and provenance, packed in one row
                  (`pack_cells`: zlib(MessagePack), one array per CellRow field)
    sections   the section texts
    documents  everything else of the record (text lines, notes, extras) as zlib(JSON)
`decode_report` puts a `Report` back together from those parts; a round trip keeps
`Report.to_dict()` unchanged (tested).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import sys
import zlib
from array import array
from dataclasses import fields
from functools import lru_cache
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from ..model import Finding, Provenance, Report, SectionText, Source, cell_path
from ..numbers import whole

_PATH = re.compile(r"^(table\d)\.([A-Za-z_0-9]+)(?:\[(\d+)\]|\.([A-Za-z_0-9]+))$")
TABLES = ("table2", "table3", "table4")


class CellRow(NamedTuple):
    path: str
    value: float | None
    raw: str | None
    line: int | None
    span_start: int | None
    span_end: int | None
    confidence: float | None
    method: str | None
    origin: str | None
    note: str | None


class SectionRow(NamedTuple):
    key: str
    number: str
    heading: str
    line_start: int
    line_end: int
    text: str


@lru_cache(maxsize=8192)
def split_path(path: str) -> tuple[str, str, str]:
    """"table3.granted[0]" -> ("table3", "granted", "0"); "table2.penalty.decisions" -> (…, "decisions")."""
    m = _PATH.match(path)
    if not m:
        raise ValueError(f"not a cell path: {path}")
    return m.group(1), m.group(2), m.group(3) if m.group(3) is not None else m.group(4)


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def table_values(report: Report) -> dict[str, Any]:
    """Every cell of the three tables by path, in table order (None for a blank cell)."""
    out: dict[str, Any] = {}
    for row, cells in report.table2.items():
        for col, v in cells.items():
            out[cell_path("table2", row, col)] = v
    for row, values in report.table3.items():
        for i, v in enumerate(values):
            out[cell_path("table3", row, i)] = v
    for row, cells in report.table4.items():
        for col, v in cells.items():
            out[cell_path("table4", row, col)] = v
    return out


@lru_cache(maxsize=4096)
def _row_paths(table: str, row: str, cols: tuple[Any, ...]) -> tuple[str, ...]:
    """The cell paths of one table row's columns (reports of a template share them)."""
    return tuple([cell_path(table, row, c) for c in cols])


def cell_rows(report: Report) -> list[tuple]:
    """One CellRow (as a plain tuple: cheap to pickle) per table cell, and per provenance
    entry outside the tables."""
    prov = report.provenance
    cells: list[tuple[str, Any]] = []
    for row, values in report.table2.items():
        cells += zip(_row_paths("table2", row, tuple(values)), values.values())
    for row, items in report.table3.items():
        cells += zip(_row_paths("table3", row, tuple(range(len(items)))), items)
    for row, values in report.table4.items():
        cells += zip(_row_paths("table4", row, tuple(values)), values.values())
    rows: list[tuple] = []
    append, get = rows.append, prov.get
    for path, value in cells:
        kind = type(value)
        v = value if kind is float else float(value) if kind is int else None
        p = get(path)
        if p is None:
            append((path, v, None, None, None, None, None, None, None, None))
        else:
            append((path, v, p.raw, p.line, p.start, p.end, p.confidence, p.method, p.origin, p.note or None))
    if prov:
        seen = {c[0] for c in cells}
        rows += [(path, None, p.raw, p.line, p.start, p.end, p.confidence, p.method, p.origin, p.note or None)
                 for path, p in prov.items() if path not in seen]
    return rows


def pack_cells(rows: Sequence[Sequence[Any]]) -> bytes:
    """A report's cell rows (CellRow fields, in the parser's order) as one `report_cells.data`:
    zlib(MessagePack) of a map with one array per field - a column of repeated methods,
    blanks and small numbers compresses to a tenth of the rows it replaces.  MessagePack
    keeps floats and integers exactly (float64) and packs and reads them several times
    faster than JSON."""
    import msgpack  # here: listing the store needs no cells

    columns: dict[str, Sequence[Any]] = {f: () for f in CellRow._fields}
    columns.update(zip(CellRow._fields, zip(*rows)))
    return zlib.compress(msgpack.packb(columns), 6)


def unpack_cells(data: bytes) -> list[CellRow]:
    """The CellRows of a `report_cells.data` (see `pack_cells`), in the order they were packed."""
    import msgpack

    columns = msgpack.unpackb(zlib.decompress(data))
    return [CellRow._make(r) for r in zip(*(columns[f] for f in CellRow._fields))]


def section_rows(report: Report) -> list[SectionRow]:
    return [SectionRow(s.key, s.number, s.heading, s.line_start, s.line_end, s.text) for s in report.sections]


def _json(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def finding_row(f: Finding) -> dict[str, Any]:
    """A finding as a `findings` row (without report_id and scope)."""
    location = _json(f.location or {})
    signature = hashlib.sha1(f"{f.rule}\x00{f.status}\x00{location}".encode()).hexdigest()[:16]
    return {"rule": f.rule, "severity": f.severity, "status": f.status, "message": f.message,
            "location": location, "expected": _json(f.expected), "actual": _json(f.actual),
            "detail": f.detail, "signature": signature}


def finding_from_row(row: Any) -> Finding:
    load = lambda s: None if s is None else json.loads(s)  # noqa: E731
    return Finding(row.rule, row.severity, row.message, load(row.location) or {}, row.status,
                   load(row.expected), load(row.actual), row.detail)


# --------------------------------------------------------------------------- documents

def encode_document(report: Report) -> bytes:
    """The parts of the record that have no table of their own, as zlib(JSON)."""
    doc = {
        "title": report.title,
        "agency_level": report.agency_level,
        "publish_date": report.publish_date,
        "cited_notices": report.cited_notices,
        "source": {f.name: getattr(report.source, f.name) for f in fields(report.source)},  # (scalars: no deep copy)
        "parser_version": report.parser_version,
        "extras": report.extras,
        "extraction_notes": [f.to_dict() for f in report.notes],
        "lines": report.lines,
    }
    return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def decode_report(meta: dict[str, Any], document: bytes | None, cells: list[CellRow],
                  sections: list[SectionRow]) -> Report:
    """A Report from its stored parts (`meta`: agency, region, year, template)."""
    doc: dict[str, Any] = json.loads(zlib.decompress(document)) if document else {}
    rep = Report(agency=meta.get("agency"), region=meta.get("region"), year=meta.get("year"),
                 template=meta.get("template"), title=doc.get("title"), agency_level=doc.get("agency_level"),
                 publish_date=doc.get("publish_date"), cited_notices=list(doc.get("cited_notices") or []),
                 extras=dict(doc.get("extras") or {}), lines=list(doc.get("lines") or []),
                 parser_version=doc.get("parser_version"))
    src = doc.get("source")
    if isinstance(src, dict):
        rep.source = Source(**{k: v for k, v in src.items() if k in Source.__dataclass_fields__})
    rep.notes = [Finding.from_dict(f) for f in doc.get("extraction_notes") or []]
    rep.sections = [SectionText(s.key, s.number, s.heading, s.line_start, s.line_end, s.text) for s in sections]
    fill_tables(rep, [(c.path, c.value) for c in cells if c.path.startswith(TABLES)])
    for c in cells:
        if c.method is not None or c.line is not None or c.raw is not None:
            rep.provenance[c.path] = Provenance(c.line, c.span_start, c.span_end, c.raw,
                                                1.0 if c.confidence is None else c.confidence,
                                                c.method or "label", c.note or "", c.origin)
    return rep


def as_printed(v: float | None) -> int | float | None:
    """A stored float back as the report printed it (integers stay integers)."""
    return None if v is None or v != v else whole(v)  # NaN: blank


def fill_tables(rep: Report, values: Iterable[tuple[str, float | None]]) -> None:
    """Put (path, value) pairs into the report's tables (table 3 rows are lists of 7)."""
    from ..formats.templates import T3_WIDTH  # here: listing the store needs no templates

    t2, t3, t4 = rep.table2, rep.table3, rep.table4
    for path, v in values:
        tbl, row, col = split_path(path)
        value = None if v is None or v != v else (int(v) if v.is_integer() else v)
        if tbl == "table3":
            cells = t3.get(row)
            if cells is None:
                cells = t3[row] = [None] * T3_WIDTH
            cells[int(col)] = value
        elif tbl == "table2":
            t2.setdefault(row, {})[col] = value
        elif tbl == "table4":
            t4.setdefault(row, {})[col] = value


# --------------------------------------------------------------------------- hashes and vectors

def fingerprint(cells: list[tuple]) -> str | None:
    """A hash of the three tables' values, when they say something (five or more non-zero
    cells): two reports with the same fingerprint printed the same statistics."""
    values = sorted([c[:2] for c in cells if c[0].startswith(TABLES)])
    if sum(map(bool, [v for _, v in values])) < 5:
        return None
    return hashlib.sha256(repr(values).encode()).hexdigest()


def text_hash(report: Report) -> str | None:
    """A hash of the normalised text without blanks (the same report in two file formats)."""
    text = "".join("".join(report.lines).split())  # (str.split's blanks are the regex \s's)
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if len(text) >= 200 else None


def pack_value_list(cells: Sequence[Sequence[Any]]) -> tuple[str, bytes]:
    """The (path, value) of each cell row, compact to send from a parse process to the
    writer: the paths "\n"-joined, the values as little-endian float64 (NaN when blank)."""
    vec = array("d", [math.nan if c[1] is None else c[1] for c in cells])
    if sys.byteorder == "big":  # pragma: no cover
        vec.byteswap()
    return "\n".join([c[0] for c in cells]), vec.tobytes()


def compress_vector(raw: bytes) -> bytes:
    """b"z" + zlib(vector), padded to a length that is not a multiple of 8 - so a plain
    vector (stored before revision 0003; its length is a multiple of 8) is told apart.
    A vector of mostly blank and small numbers shrinks about 15-fold."""
    packed = b"z" + zlib.compress(raw, 6)
    return packed + b"\0" if len(packed) % 8 == 0 else packed


def unpack_vector(data: bytes) -> bytes:
    """The float64 vector of a stored `report_values.data` (compressed or plain)."""
    return zlib.decompress(data[1:]) if len(data) % 8 else bytes(data)


def unpack_vectors_into(flat: memoryview, row: int, blobs: Iterable[bytes | None]) -> list[tuple[int, int]]:
    """The stored vectors (`unpack_vector`; None: none) written one after another into
    `flat`, the bytes of a preallocated matrix with `row` bytes a row - no list of vectors,
    no joined copy.  Returns the (row number, bytes written) of the rows left short, to be
    filled with NaN by the caller."""
    decompress = zlib.decompress
    short = []
    for i, data in enumerate(blobs):
        if data is None:
            short.append((i, 0))
            continue
        vec = decompress(data[1:]) if len(data) % 8 else data  # (as `unpack_vector`)
        k = len(vec)
        if k > row:
            raise ValueError(f"a value vector of {k // 8} cells is longer than the {row // 8} cell keys")
        start = i * row
        flat[start:start + k] = vec
        if k < row:
            short.append((i, k))
    return short


def stored_method(method: str | None, raw: str | None, line: int | None) -> str | None:
    """The method as the `cells` rows of revision 0004 stored it: NULL for the default
    "label" when the row still says there is provenance (a raw string or a line); the
    migration to packed cells (0005) reads it back with `read_method`."""
    if method == "label" and (raw is not None or line is not None):
        return None
    return method


def read_method(method: str | None, raw: str | None, line: int | None) -> str | None:
    """The inverse of `stored_method`."""
    if method is None and (raw is not None or line is not None):
        return "label"
    return method
