"""The two shapes of exported data, read from the store a slice at a time so that an
export of any size keeps memory flat (wide: `Store.wide` of 2,000 reports; long: 20,000
cells straight from the DB-API cursor, never the whole result):

    wide   one row per report: the `Store.reports` columns, then one float column per
           cell path ("table3.granted[0]"; NaN = blank)        == Store.wide(**filters)
    long   one row per cell, with its raw string and provenance == Store.long(**filters)

Every slice gets the same column types (nullable integers, floats, strings), so that
the slices of one export make one Parquet schema.

"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from ..store import Store
from .selection import chunked

SHAPES = ("wide", "long")
CHUNK_REPORTS = {"wide": 2000, "long": 500}  # reports per slice (wide), per query (long)
SLICE_ROWS = 20_000  # cells per slice of the long shape (a report has ~200)

# integer columns that may be blank (a report without an agency or a year, a cell
# without a line)
_NULLABLE_INTS = ("id", "report_id", "key_id", "agency_id", "year", "n_errors", "n_warnings", "n_infos", "line",
                  "span_start", "span_end")
_FLOATS = ("value", "confidence")


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with the export's fixed column types: nullable integers, floats for values
    (and for every cell column of the wide shape), strings for the rest."""
    out = df.copy()
    for col in out.columns:
        if col in _NULLABLE_INTS:
            out[col] = out[col].astype("Int64")
        elif col in _FLOATS or col.startswith("table"):
            if col == "table":  # the long shape's table name ("table3")
                out[col] = out[col].astype("str")
            else:
                out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        else:
            out[col] = out[col].astype("str")
    return out


def python_rows(df: pd.DataFrame) -> Iterator[tuple]:
    """The rows of `df` as tuples of plain Python values (None for blanks): quick to write
    cell by cell."""
    plain = df.astype(object)
    return plain.where(df.notna(), None).itertuples(index=False, name=None)


def long_slices(store: Store, report_ids: list[int], chunk: int | None = None) -> Iterator[list[tuple]]:
    """The long shape of `report_ids` (columns `LONG_COLUMNS`), by report id then cell, as
    lists of plain tuples read with the DB-API cursor (`queries.long_cursor`), SLICE_ROWS at
    a time, with the reviewed corrections applied as `Store.long` applies them."""
    from ..store.queries import long_cursor
    from ..store.reviewed import fixes_by_report

    with store.engine.connect() as conn:
        for ids in chunked(sorted(report_ids), chunk or CHUNK_REPORTS["long"]):
            fixes = fixes_by_report(conn, ids)
            for rows in long_cursor(conn, ids, SLICE_ROWS):
                yield _corrected(rows, fixes) if fixes else rows


def _corrected(rows: list[tuple], fixes: dict[int, dict[str, Any]]) -> list[tuple]:
    """`rows` with each corrected cell's value, its method "corrected" (`reviewed.correct_long`)."""
    from ..store.queries import LONG_COLUMNS
    from ..store.reviewed import CORRECTED_METHOD, corrected_cells

    rid, path, value, method = (LONG_COLUMNS.index(c) for c in ("report_id", "path", "value", "method"))
    out = list(rows)
    for i, fixed in corrected_cells(((r[rid], r[path]) for r in rows), fixes):
        cells = list(out[i])
        cells[value], cells[method] = fixed, CORRECTED_METHOD
        out[i] = tuple(cells)
    return out


def long_tuples(store: Store, report_ids: list[int], chunk: int | None = None) -> Iterator[tuple]:
    """The long shape of `report_ids` row by row (None for a blank): the same values
    `python_rows(frame)` gives for each of `frames`, without building DataFrames."""
    from ..store.queries import LONG_COLUMNS

    f1, f2 = (LONG_COLUMNS.index(c) for c in _FLOATS)
    for rows in long_slices(store, report_ids, chunk):
        for row in rows:
            if row[f1] != row[f1] or row[f2] != row[f2]:  # NaN (a database that stores it) -> None
                row = tuple(None if v != v else v for v in row)
            yield row


def frames(store: Store, report_ids: list[int], shape: str, chunk: int | None = None) -> Iterator[pd.DataFrame]:
    """The rows of `report_ids` in `shape`, slice by slice, in the order the store lists them
    (wide: as given, which is `Store.reports` order, `chunk` reports a slice; long: by report
    id, then cell, SLICE_ROWS cells a slice, read `chunk` reports a query)."""
    if shape not in SHAPES:
        raise ValueError(shape)
    if shape == "wide":
        for ids in chunked(report_ids, chunk or CHUNK_REPORTS[shape]):
            yield conform(store.wide(ids=ids))
        return
    from ..store.queries import LONG_COLUMNS

    empty = True
    for rows in long_slices(store, report_ids, chunk):
        empty = False
        yield conform(pd.DataFrame.from_records(rows, columns=list(LONG_COLUMNS)))
    if empty:  # the columns all the same (a header, a schema)
        yield conform(pd.DataFrame(columns=list(LONG_COLUMNS)))
