"""Full-text search over section texts with a Chinese-friendly tokenisation: runs of CJK
characters become overlapping character bigrams ("政府信息" -> 政府 府信 信息), runs of
letters and digits stay words (a lone CJK character between punctuation is not indexed).
A query is the phrase of its tokens, so any substring of two characters or more is found
(the caller drops the rare phrase hit that is not a real substring); a one-character
query falls back to LIKE.

SQLite: a contentless FTS5 table `sections_fts` (rowid = sections.id) holds the tokens.
PostgreSQL: a GIN index on `nianbao_search_vector(text)` (migration 0006: the same tokens
computed in SQL, as a `tsvector` of config 'simple' without positions), so no vector is
stored beside the text; a query asks for all its tokens and the caller keeps the sections
that contain the text.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from operator import add

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .agencies import LIKE_ESCAPE, escape_like
from .bulk import insert_rows
from .schema import sections

# runs of two CJK characters or more (each gives its overlapping bigrams), and words of letters and digits
_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}|[0-9a-z]+")


def bigrams(text: str) -> str:
    """The text as space-separated tokens: CJK bigrams and ASCII words, in order.  (A run's
    bigrams are built from the run: one match per run, not one per character.)"""
    out: list[str] = []
    for run in _RUN.findall(text.lower()):
        if run[0] <= "z":  # a word
            out.append(run)
        else:
            out += map(add, run[:-1], run[1:])
    return " ".join(out)


SECTION_COLUMNS = ("id", "report_id", "key", "number", "heading", "line_start", "line_end", "text")


def insert_sections(conn: Connection, rows: Sequence[Sequence], tokens: Sequence[str]) -> None:
    """Insert `sections` rows (SECTION_COLUMNS) with their search tokens (bigrams(text))."""
    if not rows:
        return
    insert_rows(conn, "sections", SECTION_COLUMNS, rows)
    index_sections(conn, [(r[0], t) for r, t in zip(rows, tokens)])


def index_sections(conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
    """Add (section id, tokens = bigrams(text)) pairs to the index (SQLite; PostgreSQL's
    index follows the text by itself)."""
    if rows and conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO sections_fts(rowid, bigrams) VALUES (?, ?)", list(rows))


def unindex_sections(conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
    """Remove (section id, text) pairs from the index before their rows are deleted.
    (A contentless FTS5 table needs the tokens that were indexed to delete them.)"""
    if rows and conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO sections_fts(sections_fts, rowid, bigrams) VALUES ('delete', ?, ?)",
                             [(sid, bigrams(text)) for sid, text in rows])


def reindex_all(conn: Connection) -> int:
    """Rebuild the whole index from `sections` (after a change of tokenisation)."""
    rows = [(r.id, bigrams(r.text)) for r in conn.execute(sa.select(sections.c.id, sections.c.text))]
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO sections_fts(sections_fts) VALUES ('delete-all')")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("REINDEX INDEX ix_sections_search")
    index_sections(conn, rows)
    return len(rows)


def matching_sections(dialect: str, query: str) -> sa.Select:
    """SELECT sections.id, report_id, key, text of the sections containing `query`."""
    tokens = bigrams(query).split()
    stmt = sa.select(sections.c.id, sections.c.report_id, sections.c.key, sections.c.text)
    if not tokens:
        return stmt.where(sections.c.text.like("%" + escape_like(query) + "%", escape=LIKE_ESCAPE))
    phrase = " ".join(tokens)
    if dialect == "postgresql":
        return stmt.where(sa.text("nianbao_search_vector(sections.text) @@ plainto_tsquery('simple', :q)")
                          .bindparams(q=phrase))
    fts = sa.text("SELECT rowid FROM sections_fts WHERE sections_fts MATCH :q").bindparams(q=f'"{phrase}"')
    return stmt.where(sections.c.id.in_(fts.columns(sa.column("rowid", sa.Integer)).scalar_subquery()))
