"""Opening a database: URLs, SQLite pragmas, transactions, and migrating to the current
schema on open."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..errors import StoreError
from . import migrate
from .migrate import Migrations

DEFAULT_URL = "sqlite:///nianbao.db"
ENV_VAR = "NIANBAO_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_SQLITE_PRAGMAS = (
    # a new file's page size (before WAL; an existing file keeps its own): rows of 1-3 KB
    # (documents, originals, section texts) waste a third of a 4 KB page, a tenth of 16 KB
    "PRAGMA page_size=16384",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",  # durable across a process crash; WAL keeps it consistent
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=60000",
    "PRAGMA cache_size=-65536",  # 64 MB
    "PRAGMA temp_store=MEMORY",
    "PRAGMA mmap_size=268435456",
)


def normalize_url(url: str | None) -> str:
    """A SQLAlchemy URL from what a user typed: None (the env var, else ./nianbao.db), a file
    path, `sqlite:///…`, or `postgresql://…` (driven by psycopg 3)."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return "sqlite:///" + url
    return url


def create(url: str | None = None) -> Engine:
    """An engine for `url` (see normalize_url); raises StoreError when the URL is unusable."""
    full = normalize_url(url)
    try:
        parsed = sa.engine.make_url(full)
    except sa.exc.ArgumentError:
        raise StoreError(f"无法识别的数据库地址：{full}", f"Unrecognised database URL: {full}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    try:
        return sa.create_engine(parsed, pool_pre_ping=True)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"不支持的数据库类型：{parsed.get_backend_name()}",
                         f"Unsupported database: {parsed.get_backend_name()} ({exc})") from None


def _sqlite_engine(url: sa.engine.URL) -> Engine:
    if url.database and url.database != ":memory:":
        folder = Path(url.database).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(f"数据库所在目录不存在：{folder}", f"The database folder does not exist: {folder}")
    engine = sa.create_engine(url, connect_args={"timeout": 60})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        for pragma in _SQLITE_PRAGMAS:
            cur.execute(pragma)
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # a writer takes the lock up front, so it never fails half-way on a busy database
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction: everything in it is committed together, or nothing is."""
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            yield conn


def _migrations() -> Migrations:
    from .migrations import HEAD

    return Migrations(MIGRATIONS, HEAD, "alembic_version", 4242001, "打开数据库", "open the database")


def upgrade(engine: Engine) -> None:
    """Bring the store's tables to the newest migration (a no-op when they are current)."""
    migrate.upgrade(engine, _migrations())


def current_revision(conn: Connection) -> str | None:
    return migrate.current_revision(conn, _migrations())


def insert_ignore(conn: Connection, table: sa.Table) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING, for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()
