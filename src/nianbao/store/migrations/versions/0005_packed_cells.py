"""Packed cells: one `report_cells` row per report instead of one `cells` row per cell.

Cells are only ever read a report at a time (a report, the long export); the queries across
reports read the value vectors (`report_values`).  One row per cell cost PostgreSQL a 24-byte
row header, a 4-byte line pointer and a 20-byte primary-key entry for each of ~200 cells of a
report (19 KB a report); one zlib(MessagePack) row (records.pack_cells) costs about a tenth, and the
writer sends one row a report instead of two hundred.

The method is stored as the parser gave it (revision 0004 stored the default "label" as
NULL: records.stored_method / read_method convert).  Nothing stored is lost: the downgrade
writes the same `cells` rows back.

Revision ID: 0005_packed_cells
Revises: 0004_compact
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_packed_cells"
down_revision = "0004_compact"
branch_labels = None
depends_on = None

_BATCH = 500  # reports per round trip
_FIELDS = ("value", "raw", "line", "span_start", "span_end", "confidence", "method", "origin", "note")


def _report_fk() -> sa.ForeignKey:
    return sa.ForeignKey("reports.id", ondelete="CASCADE")


def _batches(conn: sa.Connection, table: str) -> list[list[int]]:
    # the table name is a constant of this module, never user input
    ids = list(conn.execute(sa.text(f"SELECT DISTINCT report_id FROM {table} ORDER BY report_id")).scalars())
    return [ids[i : i + _BATCH] for i in range(0, len(ids), _BATCH)]


def upgrade() -> None:
    from nianbao.store.records import pack_cells, read_method

    conn = op.get_bind()
    op.create_table("report_cells",
                    sa.Column("report_id", sa.Integer, _report_fk(), primary_key=True),
                    sa.Column("data", sa.LargeBinary, nullable=False))
    read = sa.text(f"SELECT c.report_id, k.path, {', '.join('c.' + f for f in _FIELDS)} FROM cells c "
                   "JOIN cell_keys k ON k.id = c.key_id WHERE c.report_id IN :ids ORDER BY c.report_id, c.key_id"
                   ).bindparams(sa.bindparam("ids", expanding=True))
    for ids in _batches(conn, "cells"):
        by_report: dict[int, list[tuple]] = {}
        for rid, path, value, raw, line, start, end, conf, method, origin, note in conn.execute(read, {"ids": ids}):
            by_report.setdefault(rid, []).append((path, value, raw, line, start, end, conf,
                                                  read_method(method, raw, line), origin, note))
        conn.execute(sa.text("INSERT INTO report_cells (report_id, data) VALUES (:rid, :data)"),
                     [{"rid": rid, "data": pack_cells(rows)} for rid, rows in by_report.items()])
    op.drop_table("cells")


def downgrade() -> None:
    from nianbao.store.records import stored_method, unpack_cells

    conn = op.get_bind()
    op.create_table(
        "cells",
        sa.Column("report_id", sa.Integer, _report_fk(), primary_key=True),
        sa.Column("key_id", sa.Integer, sa.ForeignKey("cell_keys.id"), primary_key=True),
        sa.Column("value", sa.Double),
        sa.Column("raw", sa.Text),
        sa.Column("line", sa.Integer),
        sa.Column("span_start", sa.Integer),
        sa.Column("span_end", sa.Integer),
        sa.Column("confidence", sa.Float),
        sa.Column("method", sa.String(20)),
        sa.Column("origin", sa.Text),
        sa.Column("note", sa.Text),
        sqlite_with_rowid=False,
    )
    key_ids: dict[str, int] = dict(conn.execute(sa.text("SELECT path, id FROM cell_keys")).all())
    write = sa.text(f"INSERT INTO cells (report_id, key_id, {', '.join(_FIELDS)}) "
                    f"VALUES (:report_id, :key_id, {', '.join(':' + f for f in _FIELDS)})")
    read = sa.text("SELECT report_id, data FROM report_cells WHERE report_id IN :ids"
                   ).bindparams(sa.bindparam("ids", expanding=True))
    for ids in _batches(conn, "report_cells"):
        rows = [{"report_id": rid, "key_id": key_ids[c.path], **{f: getattr(c, f) for f in _FIELDS},
                 "method": stored_method(c.method, c.raw, c.line)}
                for rid, data in conn.execute(read, {"ids": ids}) for c in unpack_cells(bytes(data))]
        if rows:
            conn.execute(write, rows)
    op.drop_table("report_cells")
