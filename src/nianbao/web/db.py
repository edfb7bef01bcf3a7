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
from ..store.db import write
from .migrations import HEAD, VERSION_TABLE
from .schema import web_settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_ID = 4242005  # PostgreSQL advisory lock serialising two servers migrating at once

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


def current_revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()  # a constant name


def upgrade(engine: Engine) -> None:
    """Bring the web tables to HEAD (a no-op when current)."""
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
                if current_revision(conn) != HEAD:
                    _run_alembic(conn)
    except sa.exc.OperationalError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"无法升级网页应用的数据表：{where}", f"Cannot migrate the web tables of {where}: {exc.orig}") from None


def _run_alembic(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


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
