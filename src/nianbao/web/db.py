"""Opening the store for the web application: the store migrates its own tables on open,
then the web tables are brought to their newest migration (tracked apart, in
`web_alembic_version`).  Writes go through the store's `db.write` transactions."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import StoreError, UnreadableInput
from ..store import Store
from ..store import migrate
from ..store.db import write
from ..store.migrate import Migrations
from .migrations import HEAD, VERSION_TABLE
from .schema import web_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

__all__ = ["open_store", "upgrade", "refuse_nul", "current_revision", "write", "now", "setting"]


def now() -> datetime:
    return datetime.now(timezone.utc)


def open_store(url: str | None = None) -> Store:
    """The store at `url` (see `store.db.normalize_url`), with the web tables migrated."""
    store = Store(url)
    upgrade(store.engine)
    return store


def refuse_nul(engine: Engine) -> None:
    """PostgreSQL text cannot hold a NUL character, and psycopg refuses a parameter with one
    before it reaches the server: make that refusal bad input (a 400 from the web app), not
    a server error.  SQLite stores the character like any other."""
    if engine.dialect.name == "postgresql" and not sa.event.contains(engine, "handle_error", _nul_error):
        sa.event.listen(engine, "handle_error", _nul_error)


def _nul_error(ctx: sa.engine.ExceptionContext) -> Exception | None:
    if isinstance(ctx.sqlalchemy_exception, sa.exc.DataError) and "NUL (0x00)" in str(ctx.original_exception):
        return UnreadableInput("文字中不能含有空字符（NUL）。", "Text cannot contain a NUL character.")
    return None


MIGRATIONS_SET = Migrations(MIGRATIONS, HEAD, VERSION_TABLE, 4242005, "升级网页应用的数据表", "migrate the web tables of")


def current_revision(conn: Connection) -> str | None:
    return migrate.current_revision(conn, MIGRATIONS_SET)


def upgrade(engine: Engine) -> None:
    """Bring the web tables to HEAD (a no-op when current)."""
    migrate.upgrade(engine, MIGRATIONS_SET)


def setting(engine: Engine, key: str) -> str:
    """A stored secret setting, created (random) the first time it is asked for."""
    with engine.connect() as conn:
        value = conn.execute(sa.select(web_settings.c.value).where(web_settings.c.key == key)).scalar()
    if value is not None:
        return value
    with write(engine) as conn:
        value = conn.execute(sa.select(web_settings.c.value).where(web_settings.c.key == key)).scalar()
        if value is None:
            value = secrets.token_hex(32)
            conn.execute(web_settings.insert().values(key=key, value=value))
    return value
