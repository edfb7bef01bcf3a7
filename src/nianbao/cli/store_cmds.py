"""ingest, list, show, compare, stats, reparse: the store from the command line.

Every command takes `--db URL` (default `sqlite:///nianbao.db`, or $NIANBAO_DB)."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from . import main
from .base import fail, parse_years
from .ingest_sources import ingest_options

if TYPE_CHECKING:  # pragma: no cover
    from rich.console import Console, JustifyMethod
    from rich.progress import Progress

    from ..store import Store

_DB_HELP = "数据库地址，默认 sqlite:///nianbao.db（或环境变量 NIANBAO_DB）；PostgreSQL：postgresql://user@host/db"
_SPARK = "▁▂▃▄▅▆▇█"
SEVERITY_COUNTS_ZH = ("错误", "警告")
TABLE_LIMIT = 200


def db_option(func: Any) -> Any:
    return click.option("--db", "db_url", envvar="NIANBAO_DB", default=None, metavar="URL", help=_DB_HELP)(func)


def _open(db_url: str | None) -> "Store":
    from ..store import Store

    return Store(db_url)


def _console(stderr: bool = False) -> "Console":
    from rich.console import Console

    return Console(highlight=False, stderr=stderr)


def _progress(console: "Console") -> "Progress":
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            # the mean since the start: reports arrive in batches, so rich's windowed speed spikes
            elapsed = task.finished_time if task.finished else task.elapsed
            speed = task.completed / elapsed if elapsed and elapsed > 1 else None
            return Text(f"{speed:,.0f} 份/秒" if speed else "— 份/秒", style="cyan")

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
                    TextColumn("已用"), TimeElapsedColumn(), TextColumn("剩余"), TimeRemainingColumn(),
                    console=console, transient=False)


def _echo_frame(df: Any, fmt: str) -> None:
    """A DataFrame on stdout as JSON records or CSV (the machine-readable --format choices)."""
    if fmt == "json":
        from ..numbers import plain_frame

        click.echo(plain_frame(df).to_json(orient="records", force_ascii=False, indent=1))  # 3, not 3.0
    else:
        from ..exports.output import csv_text

        click.echo(csv_text(df), nl=False)  # formulas guarded; 3, not 3.0


def _num(v: Any, pct: bool = False) -> str:
    """A number in a terminal table: "1,234", "12.5%", "—" for a blank."""
    from ..numbers import DASH, number_text, ratio_text

    return ratio_text(v) if pct else number_text(v, blank=DASH, grouping=True, places=4)


# --------------------------------------------------------------------------- ingest


@main.command()
@click.argument("paths", nargs=-1, required=True)
@db_option
@click.option("-w", "--workers", type=click.IntRange(1, 256), default=None, help="解析进程数，默认每个CPU核一个。")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=200, show_default=True, help="每个事务写入的报告数。")
@click.option("--no-crosscheck", is_flag=True, help="不做跨报告检查（上下年衔接、雷同、重复）。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条。")
@ingest_options
def ingest(paths: tuple[str, ...], db_url: str | None, workers: int | None, batch_size: int, no_crosscheck: bool,
           quiet: bool, engine: str, scheduler: str | None, delay: float) -> None:
    """把报告（文件、目录、压缩包、通配符或网址）读入数据库。Ingest reports (files, folders, archives, URLs) into the store.

    可重复运行：已入库的文件（按内容哈希）不会重复读取；中断后重新运行即可继续。
    """
    from ..errors import UnreadableInput
    from .ingest_sources import prepare

    setup = prepare(paths, engine, scheduler, workers, delay)  # a missing path stops here, before the store is touched
    store = _open(db_url)
    err = _console(stderr=True)
    total = setup.total
    progress = None if quiet else _progress(err)
    task = progress.add_task("入库", total=total) if progress else None

    def on_item(event: str, name: str) -> None:
        if progress is not None and task is not None:
            progress.advance(task)

    if progress is not None:
        progress.start()
    try:
        summary = store.ingest(setup.items, workers=workers, batch_size=batch_size, progress=on_item,
                               crosscheck=not no_crosscheck, engine=setup.parse_engine)
    finally:
        setup.close()
        if progress is not None:
            progress.stop()
    setup.report(err)
    for item in summary.skipped:  # devices, FIFOs, unreadable folders: said, not stored
        fail(item.error or UnreadableInput("已跳过。", "Skipped."))
    out = _console()
    if summary.read == 0:
        err.print("错误：没有找到要读入的文件。\nError: no files to ingest.")
        sys.exit(2)
    # a rate over a handful of files would only measure the start-up
    rate = f"（{summary.rate:,.0f} 份/秒）" if summary.seconds and summary.new >= 100 else ""
    out.print(f"读取 {summary.read} 份：新增 [bold]{summary.new}[/]，重复 {summary.duplicates}，"
              f"失败 [{'red' if summary.failed else 'green'}]{summary.failed}[/]"
              f"{'（已连同失败原因保存）' if summary.failed else ''}，有错误的报告 "
              f"[{'red' if summary.with_errors else 'green'}]{summary.with_errors}[/]。"
              f"用时 {summary.seconds:.1f} 秒{rate}。")
    if summary.cross_checked:
        out.print(f"跨报告检查（上下年衔接、雷同、重复）：{summary.cross_checked} 份，发现 {summary.cross_findings} 个问题。")
    out.print(f"数据库：{store.display_url}", style="dim")
    if summary.interrupted:
        err.print("[yellow]已中断。已保存的报告不受影响，重新运行同一命令即可继续。[/]")
        sys.exit(130)
    if setup.problems or summary.skipped:
        sys.exit(2)


# --------------------------------------------------------------------------- list


@main.command("list")
@db_option
@click.option("--region", help="地区（含下级地区的机关），如 栖霞市。")
@click.option("--year", type=int, help="报告年度。")
@click.option("--agency", help="机关名称（任一写法）或编号。")
@click.option("--level", type=click.Choice(["province", "city", "county", "township", "department"]))
@click.option("--status", type=click.Choice(["ok", "failed"]), help="ok：已解析；failed：无法解析。")
@click.option("--errors", "only_errors", is_flag=True, help="只列出有错误的报告。")
@click.option("--limit", type=click.IntRange(0), default=None,
              help="最多列出多少份（表格默认 200，0 表示全部；json、csv 默认全部）。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def list_(db_url: str | None, region: str | None, year: int | None, agency: str | None, level: str | None,
          status: str | None, only_errors: bool, limit: int | None, fmt: str) -> None:
    """列出库中的报告及其错误、警告数。List stored reports with their error and warning counts."""
    from ..store.filters import ReportFilter

    store = _open(db_url)
    q = ReportFilter(region=region, years=(year,) if year else (), agency=agency, level=level, status=status,
                     errors_only=only_errors)
    if fmt in ("json", "csv"):
        df = store.reports(where=q)
        _echo_frame(df.head(limit) if limit else df, fmt)
        return
    # the table is built from plain rows: a one-shot listing does not load pandas
    rows = store.report_rows(where=q)
    matched = len(rows)
    limit = TABLE_LIMIT if limit is None else limit
    if limit:
        rows = rows[:limit]
    from rich.table import Table

    table = Table(show_lines=False, title_justify="left",
                  title=" ".join(x for x in (region, f"{year}年度" if year else None, agency) if x) or None)
    justify: JustifyMethod
    for col, justify in (("编号", "right"), ("年度", "right"), ("地区", "left"), ("机关", "left"), ("格式", "left"),
                         ("错误", "right"), ("警告", "right"), ("来源", "left")):
        table.add_column(col, justify=justify, overflow="fold")
    for r in rows:
        if r["status"] != "ok":
            counts = ("[red]无法解析[/]", "")
        else:
            counts = (f"[red]{r['n_errors']}[/]" if r["n_errors"] else "0",
                      f"[yellow]{r['n_warnings']}[/]" if r["n_warnings"] else "0")
        table.add_row(str(r["id"]), _text(r["year"]), _text(r["region"]), _text(r["agency"]) or "（未识别）",
                      _text(r["template"]), *counts, _short(r["source_name"]))
    console = _console()
    console.print(table)
    failed = sum(r["status"] != "ok" for r in rows)
    more = f"（只显示前 {len(rows)} 份，--limit 0 显示全部）" if matched > len(rows) else ""
    console.print(f"共 {matched} 份{more}" + (f"，列出的报告中 {failed} 份无法解析" if failed else "") +
                  f"，{sum((r['n_errors'] or 0) > 0 for r in rows)} 份有错误。")


def _text(v: Any) -> str:
    """A cell of a listing: blank for a missing value (None, NaN, NA), a year as 2024 (not 2024.0)."""
    from ..numbers import number_text

    return number_text(v)


def _short(name: Any, width: int = 40) -> str:
    s = str(name or "")
    return s if len(s) <= width else "…" + s[-(width - 1):]


# --------------------------------------------------------------------------- show


@main.command()
@click.argument("report_id", type=int)
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--original", "dump_original", is_flag=True, help="把原始文件原样输出到标准输出。")
def show(report_id: int, db_url: str | None, fmt: str, dump_original: bool) -> None:
    """显示一份已入库的报告：三张表、检查结果和来源。Show one stored report."""
    from ..errors import StoreError

    store = _open(db_url)
    meta = store.meta(report_id)
    names = meta["sources"] if meta else []
    if meta is None:
        raise StoreError(f"库中没有编号为 {report_id} 的报告。", f"No report with id {report_id} in the store.")
    if dump_original:
        data = store.original(report_id)
        if data is None:
            raise StoreError(f"报告 {report_id} 没有保存原始文件。", f"Report {report_id} has no stored original.")
        sys.stdout.buffer.write(data)
        return
    report = store.report(report_id) if meta["status"] == "ok" else None
    findings = store.report_findings(report_id)
    if fmt == "json":
        out = report.to_dict(findings) if report else {"findings": []}
        out["store"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()}
        out["store"]["names"] = names
        click.echo(json.dumps(out, ensure_ascii=False, indent=1, default=str))
        return
    console = _console()
    if report is not None:
        from ..render.terminal import report_view

        console.print(report_view(report, findings))
    else:
        console.print(f"[bold red]无法解析[/]：{meta['error']}\n[dim]{meta['error_en']}[/]")
    console.print(_source_panel(meta, names))


def _source_panel(meta: dict[str, Any], names: list[str]) -> Any:
    from rich.table import Table

    table = Table(show_header=False, box=None, title="来源", title_justify="left")
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    where = (meta.get("agency_path") or "").strip("/").replace("/", " › ")
    rows = [
        ("编号", str(meta["id"])),
        ("机关", f"{meta.get('agency_name') or meta.get('agency') or '（未识别）'}" + (f"（{where}）" if where else "")),
        ("文件", meta.get("source_name") or ""),
        ("其他文件名", "；".join(n for n in names if n != meta.get("source_name")) or "—"),
        ("大小", f"{meta['size']:,} 字节" if meta.get("size") else "—"),
        ("SHA-256", meta.get("content_hash") or ""),
        ("读取方式", " ".join(str(x) for x in (meta.get("reader"), meta.get("encoding"),
                                             f"{meta['pages']}页" if meta.get("pages") else None) if x) or "—"),
        ("解析器版本", meta.get("parser_version") or "—"),
        ("入库时间", str(meta.get("ingested_at") or "")[:19]),
    ]
    for k, v in rows:
        table.add_row(k, v)
    return table


# --------------------------------------------------------------------------- compare


def _spark(values: list[float]) -> str:
    import math

    nums = [v for v in values if not math.isnan(v)]
    if len(nums) < 3:
        return ""
    lo, hi = min(nums), max(nums)
    step = (hi - lo) / (len(_SPARK) - 1) or 1
    return "".join(" " if math.isnan(v) else _SPARK[int((v - lo) / step)] for v in values)


@main.command()
@click.option("--agency", default=None, help="机关名称（任一写法）或编号：该机关各年度并列对比。")
@click.option("--region", default=None, help="地区，如 淮安市：其下每个机关的两个年度对比（变化最大的在前）。")
@click.option("--years", "years_opt", multiple=True,
              help="年度，如 --years 2023 2024、--years 2023,2024 或 --years 2021-2024；默认全部（--region：最近两年）。")
@click.argument("more_years", nargs=-1)
@db_option
@click.option("--columns", "all_columns", is_flag=True, help="表三显示全部七列（默认只显示总计列）。")
@click.option("--all", "show_all", is_flag=True, help="也显示各年均为0或空的行。")
@click.option("--jumps", "jumps_only", is_flag=True, help="--region：只列出突变（如 0 → 82、230 → 0）。")
@click.option("--top", type=click.IntRange(1), default=None, help="--region：只显示变化最大的前 N 行。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def compare(agency: str | None, region: str | None, years_opt: tuple[str, ...], more_years: tuple[str, ...],
            db_url: str | None, all_columns: bool, show_all: bool, jumps_only: bool, top: int | None, fmt: str) -> None:
    """同一机关不同年度的报告并列对比（--agency），或一个地区各机关两个年度的对比（--region）。
    Compare one agency's reports across years, or every agency of a region in two years."""
    from ..errors import StoreError
    from ..formats.templates import T3_TOTAL_COLUMN

    try:
        years = parse_years(years_opt + more_years)
    except ValueError:
        raise click.BadParameter("年度应为数字，如 2023 2024 或 2021-2024。", param_hint="--years") from None
    if (agency is None) == (region is None):
        raise click.UsageError("请指定 --agency（一个机关各年度）或 --region（一个地区各机关），二者选一。"
                               " Give either --agency or --region.")
    store = _open(db_url)
    if region is not None:
        if not years:
            years = _latest_years(store, region)
        changes = store.region_changes(region, years)
        _show_changes(changes, jumps_only, top, fmt)
        return
    assert agency is not None
    comp = store.compare(agency, years, column=None if all_columns else T3_TOTAL_COLUMN)
    if not comp.years:
        raise StoreError(f"机关“{comp.agency}”在所选年度没有已解析的报告。",
                         f"Agency {comp.agency!r} has no parsed report in the years asked for.")
    table = comp.table
    if fmt in ("json", "csv"):
        _echo_frame(table, fmt)
        return
    _print_comparison(comp, show_all)


def _print_comparison(comp: Any, show_all: bool) -> None:
    from rich.table import Table

    from ..formats import templates as T
    from ..render.terminal import SEVERITY_STYLE, SEVERITY_ZH

    console = _console()
    ids = "，".join(f"{y}年度 #{comp.report_ids[y]}" for y in comp.years)
    console.print(f"[bold]{comp.agency}[/]" + (f"（{comp.region}）" if comp.region else "") + f"  {ids}")
    if comp.missing_years:
        console.print(f"[yellow]库中没有 {'、'.join(map(str, comp.missing_years))} 年度的报告。[/]")
    titles = {"table2": T.SECTION_BY_KEY["proactive"].title, "table3": T.SECTION_BY_KEY["requests"].title,
              "table4": T.SECTION_BY_KEY["appeals"].title}
    trend = len(comp.years) >= 3
    for tbl, title in titles.items():
        part = comp.table[comp.table["table"] == tbl]
        if not show_all:
            values = part[comp.years].fillna(0)
            part = part[(values != 0).any(axis=1)]
        hidden = int((comp.table["table"] == tbl).sum()) - len(part)
        view = Table(title=title, title_justify="left", show_lines=False)
        view.add_column("项目", overflow="fold")
        for y in comp.years:
            view.add_column(f"{y}", justify="right")
        view.add_column("变化", justify="right")
        if trend:
            view.add_column("趋势")
        for _, r in part.iterrows():
            vals = [r[y] for y in comp.years]
            delta = r["delta"]
            style = "" if delta != delta or delta == 0 else ("green" if delta > 0 else "red")
            cells = [r["label"], *[_num(v) for v in vals],
                     f"[{style}]{'+' if delta > 0 else ''}{_num(delta)}[/]" if style else _num(delta)]
            if trend:
                cells.append(_spark([float(v) for v in vals]))
            view.add_row(*cells)
        console.print(view)
        if hidden:
            console.print(f"[dim]（另有 {hidden} 行各年均为0或空，--all 显示）[/]")
    console.print("[bold]检查结果[/]")
    for y in comp.years:
        errors, warnings = comp.counts[y]
        console.print(f"{y}年度：{errors} 个{SEVERITY_COUNTS_ZH[0]}，{warnings} 个{SEVERITY_COUNTS_ZH[1]}"
                      f"（nianbao show {comp.report_ids[y]} 查看详情）")
        for f in comp.findings[y]:
            console.print(f"    [{SEVERITY_STYLE.get(f.severity, '')}]{SEVERITY_ZH.get(f.severity, f.severity)}[/] "
                          f"{f.rule}  {f.message}", soft_wrap=True)


def _latest_years(store: Any, region: str) -> list[int]:
    """The region's two latest years with reports."""
    listed = store.reports(region=region, status="ok")
    years = sorted({int(y) for y in listed["year"].dropna()})
    if not years:
        from ..errors import StoreError

        raise StoreError(f"库中没有{region}已解析的报告。", f"No parsed report of {region} in the store.")
    return years[-2:]


def _show_changes(changes: Any, jumps_only: bool, top: int | None, fmt: str) -> None:
    from rich.table import Table

    rows = changes.jumps if jumps_only else changes.rows
    rows = rows[:top] if top else rows
    if fmt in ("json", "csv"):
        frame = changes.frame()
        keep = {id(c) for c in rows}
        _echo_frame(frame[[id(c) in keep for c in changes.rows]], fmt)
        return
    console = _console()
    before, after = changes.before_year, changes.after_year
    view = Table(title=f"{changes.region} {before}年度 → {after}年度：各机关主要数字的变化（变化最大的在前）",
                 title_justify="left")
    for name, justify in (("机关", "left"), ("项目", "left"), (f"{before}", "right"), (f"{after}", "right"),
                          ("变化", "right"), ("突变", "left")):
        view.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for c in rows:
        delta = c.delta
        style = "" if delta is None or delta == 0 else ("green" if delta > 0 else "red")
        shown = ("+" if delta and delta > 0 else "") + _num(delta)
        view.add_row(c.agency, c.label, _num(c.before), _num(c.after), f"[{style}]{shown}[/]" if style else shown,
                     f"[bold yellow]{c.jump}[/]" if c.jump else "")
    console.print(view)
    console.print(f"共 {len(changes.rows)} 项变化，其中突变 {len(changes.jumps)} 项"
                  + (f"（只显示 {len(rows)} 项）" if len(rows) < len(changes.rows) else "") + "。")
    if changes.only_before:
        console.print(f"只有 {before} 年度报告的机关：{'、'.join(changes.only_before)}")
    if changes.only_after:
        console.print(f"只有 {after} 年度报告的机关：{'、'.join(changes.only_after)}")


# --------------------------------------------------------------------------- stats


_SORTS = {"applications": "applications", "denied": "denied_share", "reviews": "reviews", "suits": "suits",
          "errors": "n_errors"}


@main.command()
@click.option("--region", required=True, help="地区，如 淮安市（含下级地区的机关）。")
@click.option("--year", type=int, required=True)
@db_option
@click.option("--by", type=click.Choice(["agency", "region", "level"]), default="agency", show_default=True,
              help="按机关、下一级地区或机关层级汇总排名。")
@click.option("--sort", "sort_by", type=click.Choice(list(_SORTS)), default="applications", show_default=True)
@click.option("--top", type=click.IntRange(1), default=None, help="只显示前 N 名。")
@click.option("--tables", is_flag=True, help="另外显示全地区合计的三张官方统计表。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def stats(region: str, year: int, db_url: str | None, by: str, sort_by: str, top: int | None, tables: bool,
          fmt: str) -> None:
    """一个地区某年度的汇总与排名（合计为各成员报告之和）。Region totals and rankings for one year."""
    from ..errors import StoreError
    from ..store.compare import FIGURES, figure_labels

    store = _open(db_url)
    st = store.region_stats(region, year, by=by)
    if st.members.empty:
        raise StoreError(f"库中没有 {region} {year} 年度已解析的报告。", f"No parsed report of {region} for {year} in the store.")
    groups = st.groups.sort_values(_SORTS[sort_by], ascending=False, na_position="last").reset_index(drop=True)
    groups["rank"] = range(1, len(groups) + 1)
    if top:
        groups = groups.head(top)
    if fmt != "table":
        cols = ["rank", "group", "reports", *FIGURES, "denied_share", "n_errors", "n_warnings"]
        _echo_frame(groups[cols], fmt)
        return
    from rich.table import Table

    labels = figure_labels()
    console = _console()
    extra = "，".join(x for x in (f"另有 {st.failed} 份无法解析" if st.failed else "",
                                  f"{st.duplicates} 份重复报告未重复计算" if st.duplicates else "") if x)
    console.print(f"[bold]{region} {year}年度[/]：{len(st.members)} 份报告" + (f"（{extra}）" if extra else ""))
    shown = ("applications", "granted", "denied", "results_total", "carried_forward", "reviews", "suits")
    total = Table(title="地区合计（各成员报告之和）", title_justify="left")
    for key in shown:
        total.add_column(labels[key], justify="right", overflow="fold")
    total.add_column(labels["denied_share"], justify="right")
    sums = st.members[list(FIGURES)].sum(min_count=1)
    share = sums["denied"] / sums["results_total"] if sums["results_total"] else float("nan")
    total.add_row(*[_num(sums[k]) for k in shown], _num(share, pct=True))
    console.print(total)
    heading = {"agency": "机关", "region": "地区", "level": "层级"}[by]
    rank = Table(title=f"按{heading}排名", title_justify="left")
    justify: JustifyMethod
    for col, justify in (("名次", "right"), (heading, "left"), ("报告", "right"), (labels["applications"], "right"),
                         (labels["denied_share"], "right"), (labels["reviews"], "right"), (labels["suits"], "right"),
                         (SEVERITY_COUNTS_ZH[0], "right"), (SEVERITY_COUNTS_ZH[1], "right")):
        rank.add_column(col, justify=justify, overflow="fold")
    from ..words import LEVEL_NAMES as level_zh

    for r in groups.itertuples(index=False):
        name = level_zh.get(r.group, r.group) if by == "level" else r.group
        rank.add_row(str(r.rank), name or "（未识别）", str(r.reports), _num(r.applications), _num(r.denied_share, pct=True),
                     _num(r.reviews), _num(r.suits), f"[red]{r.n_errors}[/]" if r.n_errors else "0",
                     f"[yellow]{r.n_warnings}[/]" if r.n_warnings else "0")
    console.print(rank)
    if tables:
        from ..render.terminal import table2_view, table3_view, table4_view

        for view in (table2_view, table3_view, table4_view):
            console.print(view(st.totals, {}))


# --------------------------------------------------------------------------- reparse


@main.command()
@db_option
@click.option("--all", "everything", is_flag=True, help="重新解析全部报告（默认只解析旧版本解析器处理的和失败的）。")
@click.option("--id", "ids", type=int, multiple=True, help="只重新解析这些编号的报告（可重复）。")
@click.option("-w", "--workers", type=click.IntRange(1, 256), default=None)
@click.option("-q", "--quiet", is_flag=True)
def reparse(db_url: str | None, everything: bool, ids: tuple[int, ...], workers: int | None, quiet: bool) -> None:
    """用当前解析器重新读取已保存的原始文件（编号不变）。Re-read stored originals after a parser upgrade."""
    store = _open(db_url)
    err = _console(stderr=True)
    progress = None if quiet else _progress(err)
    task = progress.add_task("重新解析", total=None) if progress else None

    def on_item(event: str, name: str) -> None:
        if progress is None or task is None:
            return
        if event == "total":
            progress.update(task, total=int(name))
        else:
            progress.advance(task)

    if progress is not None:
        progress.start()
    try:
        summary = store.reparse(list(ids) if ids else None, everything=everything, workers=workers, progress=on_item)
    finally:
        if progress is not None:
            progress.stop()
    _console().print(f"重新解析 {summary.reparsed} 份（共 {summary.considered} 份待处理，{summary.skipped} 份没有原始文件）："
                     f"原失败现成功 {summary.now_ok}，原成功现失败 {summary.now_failed}，"
                     f"错误或警告数有变化 {summary.changed_counts}。用时 {summary.seconds:.1f} 秒。")
