"""Backing up and restoring a store.

SQLite: an online, consistent copy through SQLite's backup API (safe while an ingest or the
web app is writing; WAL contents included), written to a temporary file and renamed into
place, so a failed backup never leaves a half-written file.  Restore checks the file is a
nianbao store and swaps it in the same way.

PostgreSQL: `pg_dump --format=custom` of the store's database (or of its schema when the
URL sets `search_path`), restored with `pg_restore --clean --if-exists`.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ..errors import MissingDependency, StoreError
from ..exports.output import publish
from .db import normalize_url


@dataclass
class BackupInfo:
    path: Path
    bytes: int
    reports: int | None


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise StoreError("内存数据库无法备份。", "An in-memory database cannot be backed up.")
    return Path(url.database).expanduser()


def _count_reports(path: Path) -> int:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return int(conn.execute("select count(*) from reports").fetchone()[0])
    except sqlite3.DatabaseError:
        raise StoreError(f"不是 nianbao 数据库：{path}", f"Not a nianbao database: {path}") from None


def _copy_sqlite(source: Path, target: str) -> None:
    """SQLite's online backup of `source` into the file `target`, both connections closed
    before returning (an open one leaves its -wal and -shm files behind)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _remove(tmp: str) -> None:
    """The temporary copy, and any journal files SQLite left beside it, gone."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(tmp + suffix).unlink(missing_ok=True)


def _pg_args(url: sa.engine.URL) -> tuple[str, list[str], str | None]:
    """A libpq connection URL, the pg_dump/pg_restore options that pick the schema (when the
    URL sets search_path, as `?options=-csearch_path%3Dname`), and that schema."""
    raw = url.query.get("options")
    schema = None
    if isinstance(raw, str) and "search_path=" in raw:
        schema = raw.split("search_path=", 1)[1].split()[0].split(",")[0]
    plain = url.set(drivername="postgresql", query={})
    return plain.render_as_string(hide_password=False), ([f"--schema={schema}"] if schema else []), schema


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise MissingDependency(
            f"备份 PostgreSQL 需要 {name}，请安装 Debian 软件包 postgresql-client。",
            f"Backing up PostgreSQL needs {name}: install the Debian package postgresql-client.",
        )
    return found


def backup(url: str | None, out: Path) -> BackupInfo:
    """Write a backup of the store at `url` to `out`."""
    parsed = sa.engine.make_url(normalize_url(url))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".nianbao-backup-", dir=out.parent)
    os.close(fd)
    try:
        if parsed.get_backend_name() == "sqlite":
            src_path = _sqlite_path(parsed)
            if not src_path.exists():
                raise StoreError(f"数据库文件不存在：{src_path}", f"No database file at {src_path}")
            _copy_sqlite(src_path, tmp)
            reports: int | None = _count_reports(Path(tmp))
        else:
            conn_url, schema, _ = _pg_args(parsed)
            proc = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", *schema, "--file", tmp, conn_url],
                                  capture_output=True, text=True)
            if proc.returncode:
                raise StoreError(f"pg_dump 失败：{proc.stderr.strip()[:300]}", f"pg_dump failed: {proc.stderr.strip()[:300]}")
            reports = None
        publish(tmp, out)
    finally:
        _remove(tmp)
    return BackupInfo(out, out.stat().st_size, reports)


def restore(url: str | None, source: Path, force: bool = False) -> BackupInfo:
    """Replace the store at `url` with the backup `source` (refuses to overwrite without `force`)."""
    parsed = sa.engine.make_url(normalize_url(url))
    source = Path(source)
    if not source.is_file():
        raise StoreError(f"找不到备份文件：{source}", f"Backup file not found: {source}")
    if parsed.get_backend_name() == "sqlite":
        reports = _count_reports(source)
        target = _sqlite_path(parsed)
        if target.exists() and not force:
            raise StoreError(f"数据库 {target} 已存在；确认要用备份覆盖时请加 --force。",
                             f"The database {target} exists; add --force to replace it with the backup.")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".nianbao-restore-", dir=target.parent)
        os.close(fd)
        try:
            _copy_sqlite(source, tmp)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            publish(tmp, target)
        finally:
            _remove(tmp)
        return BackupInfo(target, target.stat().st_size, reports)
    conn_url, schema, schema_name = _pg_args(parsed)
    engine = sa.create_engine(parsed)
    try:
        with engine.begin() as conn:
            if schema_name:
                conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema_name}"'))
            exists = conn.execute(sa.text("select to_regclass('reports') is not null")).scalar()
    finally:
        engine.dispose()
    if not force:
        if exists:
            raise StoreError("目标数据库中已有报告；确认要用备份覆盖时请加 --force。",
                             "The target database already holds reports; add --force to replace them with the backup.")
    proc = subprocess.run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", *schema, "-d", conn_url, str(source)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise StoreError(f"pg_restore 失败：{proc.stderr.strip()[:300]}", f"pg_restore failed: {proc.stderr.strip()[:300]}")
    return BackupInfo(source, source.stat().st_size, None)
