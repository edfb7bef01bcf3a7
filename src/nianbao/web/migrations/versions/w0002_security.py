"""Login throttling kept in the database (`login_throttle`), and the owner and heartbeat of
each upload item (only the server that owns an open item may declare it interrupted).

Revision ID: w0002
Revises: w0001
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w0002"
down_revision = "w0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("address", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", TS, nullable=False, index=True),
        sa.Column("locked_until", TS),
    )
    with op.batch_alter_table("upload_items") as batch:
        batch.add_column(sa.Column("owner", sa.String(40)))
        batch.add_column(sa.Column("heartbeat_at", TS))


def downgrade() -> None:
    with op.batch_alter_table("upload_items") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
    op.drop_table("login_throttle")
