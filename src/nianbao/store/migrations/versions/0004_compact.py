"""A smaller store: value vectors compressed, the default cell method not repeated,
search vectors without positions (PostgreSQL), an index of the findings naming a report.

- report_values.data: zlib (records.compress_vector), about 15 times smaller; the readers
  take plain vectors too, so the rewrite here only saves space;
- cells.method: NULL for "label" (the default) where the row has a raw string or a line -
  `decode_report` and the long export give "label" back (records.stored_method);
- sections.search (PostgreSQL): strip(search) - the search asks for all tokens and keeps
  the sections that contain the text, so positions are not needed;
- ix_findings_related: cross findings by the report they name (the cross checks recompute
  those when it changes), partial: only cross findings name one.

Nothing stored is lost: each change is read back to the same values.

Revision ID: 0004_compact
Revises: 0003_season
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_compact"
down_revision = "0003_season"
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    from nianbao.store.records import compress_vector

    conn = op.get_bind()
    op.create_index("ix_findings_related", "findings", ["related_report_id"],
                    sqlite_where=sa.text("related_report_id IS NOT NULL"),
                    postgresql_where=sa.text("related_report_id IS NOT NULL"))
    conn.execute(sa.text("UPDATE cells SET method = NULL WHERE method = 'label' "
                         "AND (raw IS NOT NULL OR line IS NOT NULL)"))
    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT report_id, data FROM report_values WHERE report_id > :last "
                                    "ORDER BY report_id LIMIT :n"), {"last": last, "n": _BATCH}).all()
        if not rows:
            break
        plain = [{"id": rid, "data": compress_vector(bytes(data))} for rid, data in rows if len(data) % 8 == 0]
        if plain:
            conn.execute(sa.text("UPDATE report_values SET data = :data WHERE report_id = :id"), plain)
        last = rows[-1][0]
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("UPDATE sections SET search = strip(search) WHERE search IS NOT NULL"))


def downgrade() -> None:
    from nianbao.store.records import unpack_vector

    conn = op.get_bind()
    op.drop_index("ix_findings_related", "findings")
    conn.execute(sa.text("UPDATE cells SET method = 'label' WHERE method IS NULL "
                         "AND (raw IS NOT NULL OR line IS NOT NULL)"))
    rows = conn.execute(sa.text("SELECT report_id, data FROM report_values")).all()
    packed = [{"id": rid, "data": unpack_vector(bytes(data))} for rid, data in rows if len(data) % 8]
    if packed:
        conn.execute(sa.text("UPDATE report_values SET data = :data WHERE report_id = :id"), packed)
