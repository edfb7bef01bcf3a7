"""backup, restore: a consistent copy of the store, and putting one back."""
from __future__ import annotations

from pathlib import Path

import click

from . import main

DB_HELP = "数据库地址（默认 sqlite:///nianbao.db 或环境变量 NIANBAO_DB）。Database URL."


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", "db_url", envvar="NIANBAO_DB", help=DB_HELP)
def backup(out: Path, db_url: str | None) -> None:
    """备份数据库（可在入库或网页使用中进行）。Back up the store to OUT (safe while it is in use)."""
    from ..store.backup import backup as run_backup

    info = run_backup(db_url, out)
    count = f"，{info.reports} 份报告" if info.reports is not None else ""
    click.echo(f"已备份到 {info.path}（{info.bytes / 1024 / 1024:.1f} MB{count}）。")


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--db", "db_url", envvar="NIANBAO_DB", help=DB_HELP)
@click.option("--force", is_flag=True, help="覆盖已有的数据库。Replace an existing store.")
def restore(source: Path, db_url: str | None, force: bool) -> None:
    """用备份恢复数据库。Restore the store from a backup made by `nianbao backup`."""
    from ..store.backup import restore as run_restore

    info = run_restore(db_url, source, force)
    count = f"（{info.reports} 份报告）" if info.reports is not None else ""
    click.echo(f"已从 {source} 恢复{count}。")
