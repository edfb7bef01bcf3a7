"""The two shapes of exported data, read from the store a slice of reports at a time so
that an export of any size keeps memory flat:

    wide   one row per report: the `Store.reports` columns, then one float column per
           cell path ("table3.granted[0]"; NaN = blank)        == Store.wide(**filters)
    long   one row per cell, with its raw string and provenance == Store.long(**filters)

Every slice gets the same column types (nullable integers, floats, strings), so that
the slices of one export make one Parquet schema.

"""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from ..store import Store
from .selection import chunked

SHAPES = ("wide", "long")
CHUNK_REPORTS = {"wide": 2000, "long": 500}  # reports per slice (a report has ~200 cells)

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


def long_tuples(store: Store, report_ids: list[int], chunk: int | None = None) -> Iterator[tuple]:
    """The long shape of `report_ids` as plain Python tuples (columns `LONG_COLUMNS`; None for a
    blank), in `frames` order, read from the cursor a slice at a time - the same values
    `python_rows(frame)` gives for each frame, without building DataFrames."""
    from ..store.queries import long_rows

    with store.engine.connect() as conn:
        for ids in chunked(sorted(report_ids), chunk or CHUNK_REPORTS["long"]):
            for row in long_rows(conn, ids):
                yield tuple(_plain(v) for v in row)


def _plain(v: object) -> object:
    """A cursor value as `conform` + `python_rows` give it (NaN -> None)."""
    return None if v is None or (type(v) is float and v != v) else v


def frames(store: Store, report_ids: list[int], shape: str, chunk: int | None = None) -> Iterator[pd.DataFrame]:
    """The rows of `report_ids` in `shape`, slice by slice, in the order the store lists them
    (wide: as given, which is `Store.reports` order; long: by report id, then cell)."""
    if shape not in SHAPES:
        raise ValueError(shape)
    if shape == "long":
        report_ids = sorted(report_ids)
    read = store.wide if shape == "wide" else store.long
    for ids in chunked(report_ids, chunk or CHUNK_REPORTS[shape]):
        yield conform(read(ids=ids))
