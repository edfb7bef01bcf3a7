"""The web application's own tables, beside the store's (SQLAlchemy Core).  The migrations
in `web/migrations/versions` create exactly these (a test compares the two); they are
tracked in their own alembic version table, `web_alembic_version`, so the store's
migrations and these never step on each other (see `web/db.py`).

    web_settings        key/value: the secret that signs CSRF tokens, ...
    users               name, role (admin | reviewer | viewer), argon2 hash
    web_sessions        one login: the SHA-256 of the cookie token, its CSRF token, expiry
    api_tokens          tokens for scripts (only their SHA-256 is kept)
    review_decisions    confirm / dismiss a finding, with a comment, who and when
    cell_corrections    a corrected value stored beside the extracted one (never over it)
    audit_log           every decision, correction, upload and account change (append-only)
    expected_agencies   the supervisor's list of agencies that should report, by region/year
    upload_items        one uploaded file (or zip member) and how its processing went, and which
                        server process owns it (with its heartbeat)
    report_status       a report's review status (pending | returned | rectified | approved), by content
                        hash, who set it and when (every change is also in the audit log); w0003
    login_throttle      failed logins per (user name, client address), and per address alone

Decisions and corrections are keyed by the report's content hash (the SHA-256 of its
bytes, which never changes) and, for findings, by a key made of the rule and the
location, so they survive a reparse and even a report deleted and stored again.  The
report id is kept beside the hash for fast lookups; no foreign key ties these rows to
the store's rows, so nothing of the review history can be cascaded away.
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ROLES = ("viewer", "reviewer", "admin")  # each can do what the ones before it can
DECISIONS = ("confirm", "dismiss")
# a report's review status (web.season): 待审 → 退回整改 → 已整改 → 已通过; names in views.STATUS_NAMES
REVIEW_STATUSES = ("pending", "returned", "rectified", "approved")

_ts = sa.DateTime(timezone=True)

web_settings = sa.Table(
    "web_settings",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("last_login_at", _ts),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("expires_at", _ts, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("last_used_at", _ts),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
)

review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_hash", sa.String(80), nullable=False),
    sa.Column("report_id", sa.Integer, index=True),
    sa.Column("finding_key", sa.String(40), nullable=False),  # rule + location (reviews.finding_key)
    sa.Column("rule", sa.String(20), nullable=False),
    sa.Column("location", sa.Text),  # JSON
    sa.Column("message", sa.Text),  # the finding as it read when decided
    sa.Column("decision", sa.String(10), nullable=False),  # confirm | dismiss
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("created_at", _ts, nullable=False),
    sa.Index("ix_review_decisions_hash_key", "content_hash", "finding_key"),
)

cell_corrections = sa.Table(
    "cell_corrections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_hash", sa.String(80), nullable=False),
    sa.Column("report_id", sa.Integer, index=True),
    sa.Column("path", sa.String(120), nullable=False),  # "table3.granted[0]"
    sa.Column("value", sa.Double),  # None with reverted=True: back to the extracted value
    sa.Column("extracted", sa.Double),  # the extracted value when the correction was made
    sa.Column("reverted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("comment", sa.Text, nullable=False, server_default=""),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("created_at", _ts, nullable=False),
    sa.Index("ix_cell_corrections_hash_path", "content_hash", "path"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", _ts, nullable=False, index=True),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),  # review.confirm, cell.correct, upload, user.add, ...
    sa.Column("content_hash", sa.String(80)),
    sa.Column("report_id", sa.Integer, index=True),
    sa.Column("target", sa.Text),  # finding key, cell path, user name, ...
    sa.Column("detail", sa.Text),  # JSON
)

expected_agencies = sa.Table(
    "expected_agencies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("region", sa.String(80), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("created_at", _ts, nullable=False),
    sa.UniqueConstraint("region", "year", "name", name="uq_expected_agencies_region_year_name"),
)

upload_items = sa.Table(
    "upload_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch", sa.String(32), nullable=False, index=True),  # random, unguessable
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("name", sa.Text, nullable=False),  # the file name as uploaded (display only)
    sa.Column("size", sa.Integer),
    sa.Column("kind", sa.String(10)),  # readers.sniff
    sa.Column("state", sa.String(12), nullable=False),  # queued | parsing | done | duplicate | failed | rejected
    sa.Column("report_id", sa.Integer),
    sa.Column("n_errors", sa.Integer),
    sa.Column("n_warnings", sa.Integer),
    sa.Column("message", sa.Text),  # Chinese, for a failed or rejected file
    sa.Column("created_at", _ts, nullable=False),
    sa.Column("finished_at", _ts),
    sa.Column("owner", sa.String(40)),  # the server that queued it (uploads.SERVER_ID); w0002
    sa.Column("heartbeat_at", _ts),  # refreshed by the owner while the item is open; w0002
)

login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("name", sa.String(80), primary_key=True),  # "*": every name tried from the address
    sa.Column("address", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_at", _ts, nullable=False, index=True),
    sa.Column("locked_until", _ts),
)

report_status = sa.Table(
    "report_status",
    metadata,
    sa.Column("content_hash", sa.String(80), primary_key=True),
    sa.Column("report_id", sa.Integer, index=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("user_name", sa.String(80), nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
)
