"""Reading the store: filters, reports (wide: one row per report; long: one row per cell),
findings, section search, agencies, and whole `Report`s back.

A region filter takes in every agency whose division path passes through the region, so
`region="淮安市"` includes 洪泽区人民政府, the departments of 洪泽区 and its townships.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..model import Finding, Report, SectionText, cell_path
from ..rules import sort_findings
from .agencies import identify, in_region
from .filters import ReportFilter, agency_ids
from .lifecycle import only_visible, visible
from .records import (SectionRow, decode_report, finding_from_row, split_path, unpack_cells,
                      unpack_vectors_into)
from .schema import (STATUS_OK, agencies, cell_keys, documents, findings, originals, report_cells, report_sources,
                     report_values, reports, sections)

if TYPE_CHECKING:  # pragma: no cover - numpy and pandas are imported by the functions that build frames
    import numpy as np
    import pandas as pd

REPORT_COLUMNS = ("id", "agency_id", "agency", "region", "level", "year", "template", "status", "n_errors",
                  "n_warnings", "n_infos", "source_name", "title", "parser_version", "error")


def _agency_name() -> sa.ColumnElement:
    return sa.func.coalesce(agencies.c.name, reports.c.agency)


def _region() -> sa.ColumnElement:
    return sa.func.coalesce(agencies.c.region, reports.c.region)


def report_select(*columns: Any) -> sa.Select:
    """SELECT … FROM reports LEFT JOIN agencies."""
    return sa.select(*columns).select_from(reports.outerjoin(agencies, reports.c.agency_id == agencies.c.id))


# --------------------------------------------------------------------------- lists


def _list_columns() -> list[Any]:
    return [reports.c.id, reports.c.agency_id, _agency_name().label("agency"), _region().label("region"),
            sa.func.coalesce(agencies.c.level, reports.c.level).label("level"), reports.c.year, reports.c.template,
            reports.c.status, reports.c.n_errors, reports.c.n_warnings, reports.c.n_infos, reports.c.source_name,
            reports.c.title, reports.c.parser_version, reports.c.error]


def _frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame from result rows, built column by column (much faster than row by row);
    a row's values beyond `columns` are left out."""
    import pandas as pd
    if not rows:
        return pd.DataFrame(columns=list(columns))
    return pd.DataFrame({name: _int_array(values) for name, values in zip(columns, zip(*rows))})


def _int_array(values: tuple) -> Any:
    """A column of Python ints as an int64 array (what pandas would make of it, 5x faster);
    any other column (a None among the ints, strings) as it is."""
    if values and type(values[0]) is int:
        import numpy as np
        try:
            return np.fromiter(values, dtype=np.int64, count=len(values))
        except (TypeError, ValueError, OverflowError):
            pass
    return values


def _listed(conn: Connection, f: ReportFilter, *columns: Any) -> sa.Select:
    """`columns` of the reports `f` picks, in the listing's order (year, region, agency)."""
    return f.where(conn, report_select(*columns)).order_by(reports.c.year, _region(), _agency_name(), reports.c.id)


def plain_rows(conn: Connection, stmt: sa.Select) -> list[tuple]:
    """The rows of `stmt` as the DB-API cursor gives them: plain tuples, without SQLAlchemy's
    Row objects and result processing - for columns the driver already returns as Python
    values (ints, strings, bytes), in reads of thousands of rows."""
    result = conn.execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def report_rows(conn: Connection, f: ReportFilter, limit: int | None = None) -> list[tuple]:
    """One plain tuple per report (values in REPORT_COLUMNS order): who, when, status and
    its error/warning counts - without pandas, for a one-shot listing."""
    stmt = _listed(conn, f, *_list_columns())
    if limit:
        stmt = stmt.limit(limit)
    return plain_rows(conn, stmt)


def list_reports(conn: Connection, f: ReportFilter, limit: int | None = None) -> pd.DataFrame:
    """One row per report: who, when, status and its error/warning counts."""
    df = _frame(report_rows(conn, f, limit), REPORT_COLUMNS)
    return df.astype({"year": "Int64", "agency_id": "Int64"})


def agency_list(conn: Connection, f: ReportFilter) -> pd.DataFrame:
    import pandas as pd
    stmt = sa.select(agencies.c.id, agencies.c.name, agencies.c.region, agencies.c.level, agencies.c.division_code,
                     agencies.c.path, sa.func.count(reports.c.id).label("reports"),
                     sa.func.min(reports.c.year).label("first_year"), sa.func.max(reports.c.year).label("last_year"))
    stmt = stmt.select_from(agencies.outerjoin(reports, reports.c.agency_id == agencies.c.id))
    if f.region:
        stmt = stmt.where(in_region(agencies.c.path, f.region))
    if f.agency is not None:
        stmt = stmt.where(agencies.c.id.in_(agency_ids(conn, f.agency)))
    stmt = stmt.group_by(agencies.c.id).order_by(agencies.c.path, agencies.c.name)
    return pd.DataFrame(conn.execute(stmt).all(), columns=["id", "name", "region", "level", "division_code", "path",
                                                             "reports", "first_year", "last_year"])


# --------------------------------------------------------------------------- cell values


@lru_cache(maxsize=None)
def template_cell_paths(template_id: str) -> tuple[str, ...]:
    """Every cell path of one template's tables, in printed order."""
    from ..formats import templates as T

    tpl = T.TEMPLATES[template_id]
    out = [cell_path("table2", row.key, fld.key) for block in tpl.table2 for row in block.rows for fld in block.fields]
    out += [cell_path("table3", key, c) for key in tpl.table3_keys for c in range(T.T3_WIDTH)]
    out += [cell_path("table4", group, fld) for group, fld in T.table4_keys()]
    return tuple(out)


@lru_cache(maxsize=1)
def template_paths() -> tuple[str, ...]:
    """Every cell path of every template, tables in printed order (2021's rows first)."""
    from ..formats import templates as T

    paths = [template_cell_paths(tid) for tid in T.TEMPLATES]
    by_table = [p for tbl in ("table2", "table3", "table4") for ps in paths for p in ps if p.startswith(tbl)]
    return tuple(dict.fromkeys(by_table))


def key_paths(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(sa.select(cell_keys.c.id, cell_keys.c.path)).all())


def value_matrix(conn: Connection, ids: Sequence[int]) -> tuple[np.ndarray, dict[int, int], dict[int, str]]:
    """(matrix of float64 with one row per report id, row index by id, path by column) from
    the stored value vectors; NaN where a cell is blank or absent."""
    index = {rid: i for i, rid in enumerate(ids)}
    blobs: list[bytes | None] = [None] * len(ids)
    for chunk in _chunks(ids, 5000):
        for rid, data in conn.execute(sa.select(report_values.c.report_id, report_values.c.data)
                                      .where(report_values.c.report_id.in_(chunk))):
            blobs[index[rid]] = data
    mat, by_col = _matrix(conn, blobs, len(ids))
    return mat, index, by_col


def _matrix(conn: Connection, blobs: Iterable[bytes | None], n: int) -> tuple[np.ndarray, dict[int, str]]:
    """The stored vectors (`blobs`: n of them, None where a report has none) as one matrix of
    n rows, each decompressed straight into its row; NaN where a report has no vector and
    past the end of a shorter one (stored before a cell path was first seen)."""
    import numpy as np
    paths = key_paths(conn)
    width = max(paths, default=0)
    by_col = {k - 1: p for k, p in paths.items()}
    mat = np.empty((n, width), dtype="<f8")
    short = unpack_vectors_into(mat.data.cast("B"), 8 * width, blobs) if mat.size else []
    for i, k in short:
        mat[i, k // 8:] = np.nan
    return mat, by_col


def wide(conn: Connection, f: ReportFilter) -> pd.DataFrame:
    """One row per report (in id order): the list columns, then one column per cell path
    (float, NaN = blank)."""
    import numpy as np
    import pandas as pd
    stmt = f.where(conn, report_select(*_list_columns(), report_values.c.data)
                   .outerjoin(report_values, report_values.c.report_id == reports.c.id))
    rows = plain_rows(conn, stmt.order_by(reports.c.id))
    meta = _frame(rows, REPORT_COLUMNS).astype({"year": "Int64", "agency_id": "Int64"})  # (the vectors left out)
    mat, by_col = _matrix(conn, map(itemgetter(-1), rows), len(rows))
    order = {p: i for i, p in enumerate(template_paths())}
    cols = sorted(by_col, key=lambda c: (order.get(by_col[c], len(order)), by_col[c]))
    values = pd.DataFrame(np.take(mat, cols, axis=1) if len(cols) else np.empty((len(meta), 0)),  # (take: 5x [:, cols])
                          columns=[by_col[c] for c in cols], index=meta.index, copy=False)  # (a fresh array)
    return pd.concat([meta, values], axis=1)


LONG_COLUMNS = ("report_id", "key_id", "agency", "region", "year", "path", "table", "row", "column", "value", "raw",
                "line", "span_start", "span_end", "confidence", "method", "origin")


def _long_select() -> sa.Select:
    """Who and which year, and the packed cells, of each report that has cells."""
    return report_select(reports.c.id, _agency_name(), _region(), reports.c.year, report_cells.c.data) \
        .join(report_cells, report_cells.c.report_id == reports.c.id)


def _long_tuples(conn: Connection, stmt: sa.Select) -> Iterable[tuple]:
    """The long shape (LONG_COLUMNS, by report as `stmt` orders them, then cell key) of the
    reports `stmt` (a `_long_select`) reads: their packed cells unpacked."""
    keys = {r.path: (r.id, r.tbl, r.row, r.col) for r in conn.execute(
        sa.select(cell_keys.c.id, cell_keys.c.path, cell_keys.c.tbl, cell_keys.c.row, cell_keys.c.col))}
    for rid, agency, region, year, data in conn.execute(stmt):
        for c in sorted(unpack_cells(data), key=lambda c: keys[c.path][0]):
            key_id, tbl, row, col = keys[c.path]
            yield (rid, key_id, agency, region, year, c.path, tbl, row, col, c.value, c.raw, c.line, c.span_start,
                   c.span_end, c.confidence, c.method, c.origin)


def long(conn: Connection, f: ReportFilter) -> pd.DataFrame:
    """One row per cell, with its raw string and provenance."""
    import pandas as pd

    rows = list(_long_tuples(conn, f.where(conn, _long_select()).order_by(reports.c.id)))
    return pd.DataFrame(rows, columns=list(LONG_COLUMNS))


_SCAN_PRAGMAS = {"mmap_size": 0, "cache_size": -8192}  # while a long scan reads: no memory map, an 8 MB page cache


@contextmanager
def _scanning(conn: Connection) -> Iterator[None]:
    """SQLite set for a scan read once (`_SCAN_PRAGMAS`), restored after: the memory map and
    a large page cache gain such a read nothing, and their pages count as the process's
    memory, up to `mmap_size` + `cache_size` (256 + 64 MB) as the store grows."""
    sqlite = conn.dialect.name == "sqlite"
    saved = {p: int(conn.exec_driver_sql(f"PRAGMA {p}").scalar_one()) for p in _SCAN_PRAGMAS} if sqlite else {}
    for pragma in saved:
        conn.exec_driver_sql(f"PRAGMA {pragma}={_SCAN_PRAGMAS[pragma]}")
    try:
        yield
    finally:
        if not conn.closed:  # (a reader that stopped early may have closed it first)
            for pragma, value in saved.items():
                conn.exec_driver_sql(f"PRAGMA {pragma}={value}")


def report_ids(conn: Connection, f: ReportFilter) -> list[int]:
    """The ids of the reports `f` picks, in `report_rows` order, without the listing: what
    a data file of the whole store needs (100,000 listed rows cost ~250 MB of peak)."""
    stmt = _listed(conn, f, reports.c.id)
    with _scanning(conn):
        return [int(i) for i in conn.execute(stmt).scalars()]


def long_cursor(conn: Connection, ids: Sequence[int], size: int) -> Iterator[list[tuple]]:
    """The long shape of reports `ids` (LONG_COLUMNS, by report then cell) as lists of up to
    `size` plain tuples, one packed row per report unpacked at a time (`_scanning`): nothing
    materialised beyond one slice, so memory stays flat however large the store is."""
    stmt = _long_select().where(reports.c.id.in_([int(i) for i in ids])).order_by(reports.c.id)
    with _scanning(conn):
        batch: list[tuple] = []
        for row in _long_tuples(conn, stmt):
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def findings_frame(conn: Connection, f: ReportFilter) -> pd.DataFrame:
    import pandas as pd
    stmt = report_select(
        findings.c.id.label("finding_id"), reports.c.id.label("report_id"), _agency_name().label("agency"),
        _region().label("region"), reports.c.year, findings.c.scope, findings.c.rule, findings.c.severity,
        findings.c.status, findings.c.message, findings.c.location, findings.c.expected, findings.c.actual,
        findings.c.detail, findings.c.related_report_id, findings.c.signature,
    ).join(findings, findings.c.report_id == reports.c.id)
    rows = conn.execute(f.where(conn, stmt).order_by(reports.c.id, findings.c.id)).all()
    df = pd.DataFrame(rows, columns=["finding_id", "report_id", "agency", "region", "year", "scope", "rule", "severity",
                                     "status", "message", "location", "expected", "actual", "detail",
                                     "related_report_id", "signature"])
    for col in ("location", "expected", "actual"):  # as the rule gave them: None, 19, [0, 3], {...}
        df[col] = pd.Series([json.loads(s) if isinstance(s, str) else None for s in df[col]], index=df.index, dtype=object)
    return df


def search_sections(conn: Connection, text: str, f: ReportFilter, keys: Iterable[str] = (),
                    limit: int | None = 1000) -> pd.DataFrame:
    """Sections containing `text` (any substring; see search.py), with a snippet, at most
    `limit` of them.  The query is normalised as the report texts are (full-width
    punctuation, traditional characters).  When the filters leave few reports, their
    sections are scanned directly; otherwise the full-text index answers."""
    import pandas as pd
    from ..parsing.normalize import normalize_text
    from .search import matching_sections

    text = normalize_text(text).strip()
    keys = list(keys)
    few = None
    if not f.empty:
        ids = conn.execute(f.where(conn, report_select(reports.c.id)).limit(_SCAN_LIMIT + 1)).scalars().all()
        few = ids if len(ids) <= _SCAN_LIMIT else None
    if few is not None:
        hits = sa.select(sections.c.id, sections.c.report_id, sections.c.key, sections.c.text).where(
            sections.c.report_id.in_(few), sections.c.text.contains(text, autoescape=True)).subquery()
    else:
        hits = matching_sections(conn.dialect.name, text).subquery()
    stmt = report_select(reports.c.id.label("report_id"), _agency_name().label("agency"), _region().label("region"),
                         reports.c.year, hits.c.key, hits.c.text).join(hits, hits.c.report_id == reports.c.id)
    if keys:
        stmt = stmt.where(hits.c.key.in_(keys))
    stmt = f.where(conn, stmt).order_by(reports.c.year, reports.c.id, hits.c.id)  # a report's sections in order
    out = []
    for r in conn.execute(stmt):
        pos = r.text.find(text)
        if pos < 0:  # the bigram phrase matched across punctuation: not a real hit
            continue
        out.append((r.report_id, r.agency, r.region, r.year, r.key, r.text[max(0, pos - 30): pos + len(text) + 30]))
        if limit and len(out) >= limit:
            break
    return pd.DataFrame(out, columns=["report_id", "agency", "region", "year", "section", "snippet"])


_SCAN_LIMIT = 3000  # reports whose sections a filtered search reads directly


# --------------------------------------------------------------------------- whole reports


def report_meta(conn: Connection, report_id: int) -> dict[str, Any] | None:
    row = conn.execute(report_select(reports, agencies.c.name.label("agency_name"),
                                     agencies.c.region.label("agency_region"), agencies.c.path.label("agency_path"))
                       .where(reports.c.id == report_id)).mappings().first()
    return dict(row) if row else None


def load_report(conn: Connection, report_id: int) -> Report | None:
    """The stored report as the parser made it (tables, provenance, sections, text)."""
    meta = report_meta(conn, report_id)
    if meta is None:
        return None
    doc = conn.execute(sa.select(documents.c.data).where(documents.c.report_id == report_id)).scalar()
    packed = conn.execute(sa.select(report_cells.c.data).where(report_cells.c.report_id == report_id)).scalar()
    cell_rows = unpack_cells(packed) if packed is not None else []
    section_rows = [SectionRow(*r) for r in conn.execute(
        sa.select(sections.c.key, sections.c.number, sections.c.heading, sections.c.line_start, sections.c.line_end,
                  sections.c.text).where(sections.c.report_id == report_id).order_by(sections.c.line_start))]
    return decode_report(meta, doc, cell_rows, section_rows)


def report_findings(conn: Connection, report_id: int, scope: str | None = None) -> list[Finding]:
    stmt = sa.select(findings).where(findings.c.report_id == report_id)
    if scope:
        stmt = stmt.where(findings.c.scope == scope)
    return sort_findings([finding_from_row(r) for r in conn.execute(stmt.order_by(findings.c.id))])


def original(conn: Connection, report_id: int) -> bytes | None:
    row = conn.execute(sa.select(originals.c.data, originals.c.compression)
                       .join(reports, reports.c.content_hash == originals.c.content_hash)
                       .where(reports.c.id == report_id)).first()
    from .parsed import unpack_original

    return unpack_original(row.data, row.compression) if row else None


def source_names(conn: Connection, report_id: int) -> list[str]:
    return list(conn.execute(sa.select(report_sources.c.name).where(report_sources.c.report_id == report_id)
                             .order_by(report_sources.c.id)).scalars())


def previous_report(conn: Connection, report_id: int) -> int | None:
    """The same agency's report of the year before (the first stored, when there are two)."""
    r = conn.execute(sa.select(reports.c.agency_id, reports.c.year).where(reports.c.id == report_id)).first()
    if r is None or r.agency_id is None or r.year is None:
        return None
    return conn.execute(sa.select(sa.func.min(reports.c.id)).where(
        reports.c.agency_id == r.agency_id, reports.c.year == r.year - 1, reports.c.status == STATUS_OK)).scalar()


def light_reports(conn: Connection, ids: Sequence[int]) -> dict[int, Report]:
    """Reports with only their metadata, tables (from the value vectors: a row whose cells
    are all blank is left out) and section 五 - what the cross-report rules read."""
    if not ids:
        return {}
    mat, index, by_col = value_matrix(conn, ids)
    values, blank = _python_values(mat)
    groups = _row_groups(by_col)
    from ..formats import templates as T

    sec = T.SECTION_BY_KEY["problems"]
    out: dict[int, Report] = {}
    for chunk in _chunks(ids, 5000):
        for r in conn.execute(report_select(reports.c.id, reports.c.year, reports.c.template, _agency_name().label("agency"),
                                            _region().label("region")).where(reports.c.id.in_(chunk))):
            rep = out[r.id] = Report(agency=r.agency, region=r.region, year=r.year, template=r.template)
            i = index[r.id]
            row_values, row_blank = values[i], blank[i]
            for (tbl, row), cols in groups.items():
                if all(row_blank[c] for _, c in cols):
                    continue
                if tbl == "table3":
                    cells: list[int | float | None] = [None] * T.T3_WIDTH
                    for col, c in cols:
                        cells[int(col)] = row_values[c]
                    rep.table3[row] = cells
                else:
                    getattr(rep, tbl)[row] = {col: row_values[c] for col, c in cols}
        for rid, text, line_start, line_end in conn.execute(
                sa.select(sections.c.report_id, sections.c.text, sections.c.line_start, sections.c.line_end)
                .where(sections.c.report_id.in_(chunk), sections.c.key == "problems")):
            out[rid].sections.append(SectionText("problems", sec.number, sec.heading, line_start, line_end, text))
    return out


def _python_values(mat: np.ndarray) -> tuple[list[list[Any]], np.ndarray]:
    """The matrix as lists of Python values as a report prints them (int, float or None)."""
    import numpy as np
    blank = np.isnan(mat)
    obj = mat.astype(object)
    integral = ~blank & (np.mod(np.where(blank, 0, mat), 1) == 0)
    obj[integral] = mat[integral].astype(np.int64).astype(object)
    obj[blank] = None
    return obj.tolist(), blank


def _row_groups(by_col: dict[int, str]) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """(table, row) -> [(column key, matrix column)] for the table cells among the columns."""
    groups: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for c, path in sorted(by_col.items()):
        if path.startswith(("table2.", "table3.", "table4.")):
            tbl, row, col = split_path(path)
            groups.setdefault((tbl, row), []).append((col, c))
    return groups


def ok_report_index(conn: Connection) -> pd.DataFrame:
    """Every parsed report's id, agency, year, region group and hashes (for cross checks)."""
    import pandas as pd
    stmt = report_select(reports.c.id, reports.c.agency_id, reports.c.year, _region().label("region"),
                         _agency_name().label("agency"), reports.c.fingerprint, reports.c.text_hash,
                         reports.c.cross_pending).where(reports.c.status == STATUS_OK, visible())
    return pd.DataFrame(conn.execute(stmt).all(), columns=["id", "agency_id", "year", "region", "agency", "fingerprint",
                                                           "text_hash", "cross_pending"])


def _chunks(seq: Sequence[int], n: int) -> Iterable[list[int]]:
    seq = list(seq)
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


__all__ = ["ReportFilter", "agency_ids", "list_reports", "wide", "long", "findings_frame", "search_sections", "load_report",
           "report_findings", "original", "source_names", "light_reports", "agency_list"]
