"""The one migration runner: brings a set of alembic migrations (the store's tables, the
web application's tables) to its newest revision.  Each set has its own folder, version
table and PostgreSQL advisory lock, so two processes opening a new database at once are
serialised (the second finds it migrated) and the two sets never see each other's history."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import StoreError


@dataclass(frozen=True)
class Migrations:
    folder: Path  # the alembic script location (env.py, versions/)
    head: str  # the newest revision; a test checks it against versions/
    version_table: str
    lock_id: int  # PostgreSQL advisory lock id
    what_zh: str  # what is migrated, for the error message
    what_en: str


def current_revision(conn: Connection, migrations: Migrations) -> str | None:
    if not sa.inspect(conn).has_table(migrations.version_table):
        return None
    # the table name is a constant of the package, never user input
    return conn.execute(sa.text(f"SELECT version_num FROM {migrations.version_table}")).scalar()


def upgrade(engine: Engine, migrations: Migrations) -> None:
    """Bring the tables to `migrations.head` (a no-op when they are current)."""
    try:
        if _is_current(engine, migrations):  # every open but the first: a read, no lock
            return
        with engine.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": migrations.lock_id})
                if current_revision(conn, migrations) != migrations.head:
                    _run_alembic(conn, migrations.folder)
    except sa.exc.OperationalError as exc:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"无法{migrations.what_zh}：{where}",
                         f"Cannot {migrations.what_en} {where}: {exc.orig}") from None


def _is_current(engine: Engine, migrations: Migrations) -> bool:
    """Whether the store is at `migrations.head`, read without taking the write lock or
    reflecting the schema (False for a new database: the locked path then looks again)."""
    with engine.connect() as conn:
        try:
            # the table name is a constant of the package, never user input
            found = conn.exec_driver_sql(f"SELECT version_num FROM {migrations.version_table}").scalar()
        except sa.exc.DBAPIError:  # no version table yet
            return False
    return bool(found == migrations.head)


def _run_alembic(conn: Connection, folder: Path) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
