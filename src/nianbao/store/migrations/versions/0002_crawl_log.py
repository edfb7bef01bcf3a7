"""The crawl log of `nianbao crawl`: one row per URL met (listing | report | skipped | failed).

Revision ID: 0002_crawl
Revises: 0001
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_crawl"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawl_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("note", sa.String(20)),
        sa.Column("error", sa.Text),
        sa.Column("referrer", sa.Text),
        sa.Column("depth", sa.Integer),
        sa.Column("content_hash", sa.String(80)),
        sa.Column("size", sa.Integer),
        sa.Column("crawl", sa.Text),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("url", name="uq_crawl_log_url"),
    )


def downgrade() -> None:
    op.drop_table("crawl_log")
