"""The review season: each report's review status (待审 → 退回整改 → 已整改 → 已通过), keyed by
its content hash like the decisions.

Revision ID: w0003
Revises: w0002
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w0003"
down_revision = "w0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_status",
        sa.Column("content_hash", sa.String(80), primary_key=True),
        sa.Column("report_id", sa.Integer, index=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_status")
