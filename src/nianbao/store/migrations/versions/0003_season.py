"""The review season: a report's life after it is stored (superseded by a corrected
re-submission, withdrawn by an admin, its publication date set by hand) and the
deadline table (条例 第四十九条 and local rules), keyed by agency level and region.

Revision ID: 0003_season
Revises: 0002_crawl
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_season"
down_revision = "0002_crawl"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("publish_date_set", sa.String(10)))
        batch.add_column(sa.Column("superseded_by", sa.Integer))
        batch.add_column(sa.Column("withdrawn_at", TS))
        batch.add_column(sa.Column("withdrawn_by", sa.String(80)))
        batch.create_index("ix_reports_superseded_by", ["superseded_by"])
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("region", sa.String(80), nullable=False, server_default=""),
        sa.Column("month", sa.Integer, nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("level", "region", name="uq_deadlines_level_region"),
    )


def downgrade() -> None:
    op.drop_table("deadlines")
    with op.batch_alter_table("reports") as batch:
        batch.drop_index("ix_reports_superseded_by")
        batch.drop_column("withdrawn_by")
        batch.drop_column("withdrawn_at")
        batch.drop_column("superseded_by")
        batch.drop_column("publish_date_set")
