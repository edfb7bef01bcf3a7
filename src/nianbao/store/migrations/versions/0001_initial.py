"""The initial schema: agencies, reports, originals, documents, cells, values, findings,
sections (with full-text search).

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _report_fk() -> sa.ForeignKey:
    return sa.ForeignKey("reports.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("core", sa.String(160), nullable=False, index=True),
        sa.Column("anchor", sa.String(40), nullable=False, server_default=""),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(80)),
        sa.Column("level", sa.String(20)),
        sa.Column("division_code", sa.String(12)),
        sa.Column("path", sa.Text, nullable=False, server_default="/"),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(80), nullable=False, unique=True),
        sa.Column("size", sa.Integer),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id")),
        sa.Column("agency", sa.String(200)),
        sa.Column("region", sa.String(80)),
        sa.Column("level", sa.String(20)),
        sa.Column("year", sa.Integer),
        sa.Column("template", sa.String(10)),
        sa.Column("title", sa.Text),
        sa.Column("publish_date", sa.String(10)),
        sa.Column("source_name", sa.Text),
        sa.Column("reader", sa.String(20)),
        sa.Column("encoding", sa.String(20)),
        sa.Column("pages", sa.Integer),
        sa.Column("parser_version", sa.String(40)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error_kind", sa.String(40)),
        sa.Column("error", sa.Text),
        sa.Column("error_en", sa.Text),
        sa.Column("n_errors", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_warnings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("n_infos", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fingerprint", sa.String(64), index=True),
        sa.Column("text_hash", sa.String(64), index=True),
        sa.Column("cross_pending", sa.Boolean, nullable=False, server_default=sa.true(), index=True),
        sa.Column("ingested_at", TS, nullable=False),
        sa.Column("parsed_at", TS, nullable=False),
    )
    op.create_index("ix_reports_agency_year", "reports", ["agency_id", "year"])
    op.create_index("ix_reports_year", "reports", ["year"])
    op.create_table(
        "report_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, _report_fk(), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.UniqueConstraint("report_id", "name", name="uq_report_sources_report_name"),
    )
    op.create_table(
        "originals",
        sa.Column("content_hash", sa.String(80), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("compression", sa.String(10), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("report_id", sa.Integer, _report_fk(), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "cell_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String(120), nullable=False, unique=True),
        sa.Column("tbl", sa.String(20), nullable=False),
        sa.Column("row", sa.String(80), nullable=False),
        sa.Column("col", sa.String(40), nullable=False),
    )
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
        sqlite_with_rowid=False,  # one b-tree, clustered by report
    )
    op.create_table(
        "report_values",
        sa.Column("report_id", sa.Integer, _report_fk(), primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, _report_fk(), nullable=False, index=True),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False, index=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("expected", sa.Text),
        sa.Column("actual", sa.Text),
        sa.Column("detail", sa.Text),
        sa.Column("signature", sa.String(40), nullable=False),
        sa.Column("related_report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="SET NULL")),
    )
    op.create_table(
        "sections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, _report_fk(), nullable=False),
        sa.Column("key", sa.String(20), nullable=False),
        sa.Column("number", sa.String(8)),
        sa.Column("heading", sa.Text),
        sa.Column("line_start", sa.Integer),
        sa.Column("line_end", sa.Integer),
        sa.Column("text", sa.Text, nullable=False),
        sa.UniqueConstraint("report_id", "key", name="uq_sections_report_key"),
    )
    # Full-text search over section texts, tokenised as CJK character bigrams (search.py).
    if op.get_bind().dialect.name == "sqlite":
        # contentless: the text lives in `sections`; the index holds the bigram tokens
        op.execute("CREATE VIRTUAL TABLE sections_fts USING fts5(bigrams, content='', tokenize='unicode61')")
    elif op.get_bind().dialect.name == "postgresql":
        op.add_column("sections", sa.Column("search", postgresql.TSVECTOR))
        op.create_index("ix_sections_search", "sections", ["search"], postgresql_using="gin")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS sections_fts")
    for table in ("sections", "findings", "report_values", "cells", "cell_keys", "documents", "originals",
                  "report_sources", "reports", "agencies"):
        op.drop_table(table)
