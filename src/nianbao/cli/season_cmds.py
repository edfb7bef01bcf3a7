"""deadline, review: the review season from the command line - the deadline table
(条例 第四十九条 defaults, local overrides by agency level and region), a report's review
status, withdrawing and restoring a report, its publication date set by hand.  Every
change is written to the web app's audit log, by "命令行"."""
from __future__ import annotations

import click

from . import main

_DB_HELP = "数据库地址，默认 sqlite:///nianbao.db（或环境变量 NIANBAO_DB）。Database URL."
_LEVELS = ["province", "city", "county", "township", "department"]


def _db(func):  # type: ignore[no-untyped-def]
    return click.option("--db", "db_url", envvar="NIANBAO_DB", default=None, metavar="URL", help=_DB_HELP)(func)


def _open(db_url: str | None):  # type: ignore[no-untyped-def]
    from ..web.db import open_store

    return open_store(db_url)


def _audit(store, action: str, target: str, detail: dict) -> None:  # type: ignore[no-untyped-def]
    from ..web.accounts import CLI_USER
    from ..web.reviews import audit_now

    audit_now(store.engine, CLI_USER, action, target=target, detail=detail)


@main.group()
def deadline() -> None:
    """年度报告截止日期（默认按条例第四十九条，可按层级和地区设置本地规定）。Report deadlines."""


@deadline.command("list")
@_db
def deadline_list(db_url: str | None) -> None:
    """列出默认截止日期和本地规定。List the defaults and the overrides."""
    from ..deadlines import DEFAULTS, LEVEL_NAMES
    from ..store.deadlines import override_rows

    store = _open(db_url)
    for level, md in DEFAULTS.items():
        when = f"次年{md[0]}月{md[1]}日" if md else "未规定（按省、市规定）"
        click.echo(f"默认\t{level}\t{LEVEL_NAMES[level]}\t{when}")
    for o in override_rows(store.engine):
        click.echo(f"本地\t{o['level']}\t{o['region'] or '所有地区'}\t次年{o['month']}月{o['day']}日\t{o['note']}")


@deadline.command("set")
@click.argument("level", type=click.Choice(_LEVELS))
@click.argument("month_day", metavar="MM-DD")
@click.option("--region", default="", help="地区（留空：所有地区）。Region; empty for every region.")
@click.option("--note", default="", help="依据，如某市政务公开办通知。The local rule it comes from.")
@_db
def deadline_set(level: str, month_day: str, region: str, note: str, db_url: str | None) -> None:
    """设置 LEVEL 级机关的截止日期（次年 MM-DD）。Set the deadline of agencies of LEVEL (MM-DD of the next year)."""
    from ..store.deadlines import set_override

    try:
        month, day = (int(x) for x in month_day.replace("/", "-").split("-"))
    except ValueError:
        raise click.BadParameter("写成 MM-DD，如 03-01。 Write it as MM-DD, e.g. 03-01.") from None
    store = _open(db_url)
    set_override(store.engine, level, region, month, day, note, "命令行")
    _audit(store, "deadline.set", f"{level}/{region or '*'}", {"month": month, "day": day, "note": note})
    summary = store.crosscheck()
    click.echo(f"已设置：{level} {region or '所有地区'} 次年{month}月{day}日；已重新检查 {summary.checked} 份报告。", err=True)


@deadline.command("unset")
@click.argument("level", type=click.Choice(_LEVELS))
@click.option("--region", default="", help="地区（留空：所有地区的规定）。")
@_db
def deadline_unset(level: str, region: str, db_url: str | None) -> None:
    """删除一条本地规定。Remove an override."""
    from ..store.deadlines import remove_override

    store = _open(db_url)
    if not remove_override(store.engine, level, region):
        raise click.ClickException(f"没有这条规定：{level} {region or '所有地区'}。 No such override.")
    _audit(store, "deadline.remove", f"{level}/{region or '*'}", {})
    store.crosscheck()
    click.echo("已删除。 Removed.", err=True)


@main.group()
def review() -> None:
    """报告的审核状态、撤回与恢复、发布日期。A report's review status, withdrawal, publication date."""


@review.command("status")
@click.argument("status", type=click.Choice(["pending", "returned", "rectified", "approved"]))
@click.argument("report_ids", nargs=-1, type=int, required=True)
@click.option("--comment", default="", help="说明。")
@_db
def review_status(status: str, report_ids: tuple[int, ...], comment: str, db_url: str | None) -> None:
    """把报告设为 STATUS（待审 pending / 退回整改 returned / 已整改 rectified / 已通过 approved）。"""
    from ..web.accounts import CLI_USER
    from ..web.season import set_status

    out = set_status(_open(db_url).engine, CLI_USER, report_ids, status, comment)
    click.echo(f"已更改 {len(out['changed'])} 份，原已是该状态 {len(out['unchanged'])} 份，"
               f"不能从当前状态更改 {len(out['refused'])} 份{(': ' + ' '.join(map(str, out['refused']))) if out['refused'] else ''}。",
               err=True)


@review.command("withdraw")
@click.argument("report_id", type=int)
@click.option("--reason", default="", help="原因。")
@click.option("--restore", "undo", is_flag=True, help="恢复已撤回的报告。Restore instead.")
@_db
def review_withdraw(report_id: int, reason: str, undo: bool, db_url: str | None) -> None:
    """撤回（或 --restore 恢复）一份报告：保留但不计入列表、统计和导出。Withdraw (or restore) a report."""
    from ..web.accounts import CLI_USER
    from ..web.season import restore, withdraw

    store = _open(db_url)
    done = (restore if undo else withdraw)(store, CLI_USER, report_id, reason)
    verb = "恢复" if undo else "撤回"
    click.echo(f"已{verb}报告 {report_id}。" if done else f"报告 {report_id} 无需{verb}。", err=True)


@review.command("publish-date")
@click.argument("report_id", type=int)
@click.argument("date", default="")
@_db
def review_publish_date(report_id: int, date: str, db_url: str | None) -> None:
    """人工设置报告的发布日期（YYYY-MM-DD；留空恢复为页面上读到的日期）。Set the publication date by hand."""
    from ..web.accounts import CLI_USER
    from ..web.season import set_publish_date

    value = set_publish_date(_open(db_url), CLI_USER, report_id, date)
    click.echo(f"报告 {report_id} 的发布日期：{value or '（按页面读取）'}。", err=True)
