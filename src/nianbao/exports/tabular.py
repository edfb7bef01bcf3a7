"""Data files: CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese), JSON (an
array of records; NaN as null) and Parquet (pyarrow, one schema for every slice).
Each writer takes the frames of one shape slice by slice and returns the number of rows."""
from __future__ import annotations

from collections.abc import Iterable
from typing import IO

import pandas as pd

from ..numbers import plain_frame
from .output import csv_text

DATA_FORMATS = ("csv", "json", "parquet")


def write_csv(frames: Iterable[pd.DataFrame], out: IO[bytes]) -> int:
    """CSV; whole numbers without ".0"; text cells that a spreadsheet would take for a
    formula get an apostrophe."""
    rows = 0
    first = True
    for df in frames:
        text = csv_text(df, header=first)
        out.write((("\ufeff" if first else "") + text).encode("utf-8"))
        rows += len(df)
        first = False
    return rows


def write_json(frames: Iterable[pd.DataFrame], out: IO[bytes]) -> int:
    """A JSON array of row objects (blank cells are null), written slice by slice."""
    rows = 0
    out.write(b"[")
    for df in frames:
        if df.empty:
            continue
        lines = plain_frame(df).to_json(orient="records", lines=True, force_ascii=False, double_precision=15).splitlines()
        out.write(((",\n" if rows else "\n") + ",\n".join(lines)).encode("utf-8"))
        rows += len(lines)
    out.write(b"\n]\n" if rows else b"]\n")
    return rows


def write_parquet(frames: Iterable[pd.DataFrame], out: IO[bytes]) -> int:
    """Parquet (zstd); pandas reads it back with the same column types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    schema = None
    rows = 0
    try:
        for df in frames:
            table = pa.Table.from_pandas(df, preserve_index=False, schema=schema)
            if writer is None:
                schema = table.schema
                writer = pq.ParquetWriter(out, schema, compression="zstd")
            writer.write_table(table)
            rows += len(df)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ValueError("no frames to write")
    return rows
