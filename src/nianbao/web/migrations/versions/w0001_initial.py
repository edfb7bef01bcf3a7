"""The web application's tables: settings, users, sessions, API tokens, review decisions,
cell corrections, the audit log, expected agencies, upload items.

Revision ID: w0001
Revises:
Create Date: 2026-01-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _user_fk() -> sa.ForeignKey:
    return sa.ForeignKey("users.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "web_settings",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_login_at", TS),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, _user_fk(), nullable=False, index=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, _user_fk(), nullable=False, index=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("report_id", sa.Integer, index=True),
        sa.Column("finding_key", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Index("ix_review_decisions_hash_key", "content_hash", "finding_key"),
    )
    op.create_table(
        "cell_corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("report_id", sa.Integer, index=True),
        sa.Column("path", sa.String(120), nullable=False),
        sa.Column("value", sa.Double),
        sa.Column("extracted", sa.Double),
        sa.Column("reverted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Index("ix_cell_corrections_hash_path", "content_hash", "path"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False, index=True),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("content_hash", sa.String(80)),
        sa.Column("report_id", sa.Integer, index=True),
        sa.Column("target", sa.Text),
        sa.Column("detail", sa.Text),
    )
    op.create_table(
        "expected_agencies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region", sa.String(80), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("region", "year", "name", name="uq_expected_agencies_region_year_name"),
    )
    op.create_table(
        "upload_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch", sa.String(32), nullable=False, index=True),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.Integer),
        sa.Column("kind", sa.String(10)),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("report_id", sa.Integer),
        sa.Column("n_errors", sa.Integer),
        sa.Column("n_warnings", sa.Integer),
        sa.Column("message", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS),
    )


def downgrade() -> None:
    for table in ("upload_items", "expected_agencies", "audit_log", "cell_corrections", "review_decisions",
                  "api_tokens", "web_sessions", "users", "web_settings"):
        op.drop_table(table)
