"""Search without a stored vector (PostgreSQL): the GIN index is built on an expression of
the section text instead of on a `sections.search` column.

The column held the section's CJK bigrams and words as a tsvector - about 800 bytes a
section, 4.7 KB a report, stored beside the text they are computed from.  The function
`nianbao_search_vector(text)` computes the same vector in SQL (the tokens of
`search.bigrams`, a test compares them), and the index on it answers the same queries
(`search.matching_sections`).  The index keeps a short pending list (256 KB instead of
the default 4 MB of uncompressed entries, which a small store pays for in full).

SQLite (FTS5) is unchanged.  The downgrade fills the column again from the function.
Building the index computes the function once per section (~0.2 ms of server CPU each:
about 20 minutes for a million reports).

Revision ID: 0006_search_expression
Revises: 0005_packed_cells
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_search_expression"
down_revision = "0005_packed_cells"
branch_labels = None
depends_on = None

# search.bigrams in SQL: words of ASCII letters and digits (of the lower-cased text), and
# every pair of neighbouring CJK characters
FUNCTION = r"""
CREATE FUNCTION nianbao_search_vector(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT pg_catalog.strip(pg_catalog.to_tsvector('pg_catalog.simple', coalesce((
    SELECT string_agg(tok, ' ') FROM (
        SELECT m[1] AS tok FROM pg_catalog.regexp_matches(lower(t), '[0-9a-z]+', 'g') AS m
        UNION ALL
        SELECT substr(r[1], i, 2) FROM pg_catalog.regexp_matches(t, '[\u3400-\u9fff\uf900-\ufaff]{2,}', 'g') AS r,
            pg_catalog.generate_series(1, char_length(r[1]) - 1) AS i) AS tokens), '')))
$$
"""


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql(FUNCTION)
    conn.exec_driver_sql("DROP INDEX ix_sections_search")
    conn.exec_driver_sql("ALTER TABLE sections DROP COLUMN search")
    conn.exec_driver_sql("CREATE INDEX ix_sections_search ON sections USING gin (nianbao_search_vector(text)) "
                         "WITH (gin_pending_list_limit = 256)")


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("DROP INDEX ix_sections_search")
    conn.exec_driver_sql("ALTER TABLE sections ADD COLUMN search tsvector")
    conn.execute(sa.text("UPDATE sections SET search = nianbao_search_vector(text)"))
    conn.exec_driver_sql("CREATE INDEX ix_sections_search ON sections USING gin (search)")
    conn.exec_driver_sql("DROP FUNCTION nianbao_search_vector(text)")
