"""Fast multi-row inserts below the ORM: the DB-API's executemany (SQLite) or COPY
(PostgreSQL) with plain tuples, for the tables that take hundreds of rows per report."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT `rows` (tuples in `columns` order) into `table` within the connection's transaction."""
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns)) if conn.dialect.paramstyle == "qmark" else ", ".join(["%s"] * len(columns))
    conn.exec_driver_sql(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', list(map(tuple, rows)))
