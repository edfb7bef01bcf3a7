"""export, issues: data files and the 问题清单 from the store.

    nianbao export --format xlsx --out 淮安市2024.xlsx --region 淮安市 --year 2024
    nianbao export --out all.parquet --shape long
    nianbao issues --region 淮安市 --year 2024 --out 问题清单.docx
"""
from __future__ import annotations

from typing import Any

import click

from . import main
from .store_cmds import _console, _open, db_option

_LEVELS = ["province", "city", "county", "township", "department"]


def filter_options(func: Any) -> Any:
    """The `list` filters: region (with its sub-regions), years, agency, level, status, errors."""
    for option in reversed((
        click.option("--region", help="地区（含下级地区的机关），如 淮安市。"),
        click.option("--year", "years", type=int, multiple=True, help="报告年度（可重复：--year 2023 --year 2024）。"),
        click.option("--agency", help="机关名称（任一写法）或编号。"),
        click.option("--level", type=click.Choice(_LEVELS), help="机关层级。"),
        click.option("--status", type=click.Choice(["ok", "failed"]), help="ok：已解析；failed：无法解析。"),
        click.option("--errors", "errors_only", is_flag=True, help="只要有错误的报告。"),
    )):
        func = option(func)
    return func


def _selection(region: str | None, years: tuple[int, ...], agency: str | None, level: str | None,
               status: str | None, errors_only: bool) -> Any:
    from ..store.filters import ReportFilter

    return ReportFilter(region=region, years=tuple(sorted(set(years))), agency=agency, level=level, status=status,
                     errors_only=errors_only)


@main.command()
@click.option("--out", "out", required=True, metavar="FILE", help="输出文件（csv、json 可用 - 表示标准输出）。")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "parquet", "json"]), default=None,
              help="格式，默认按文件扩展名判断。")
@click.option("--shape", type=click.Choice(["wide", "long"]), default="wide", show_default=True,
              help="csv、json、parquet 的形状：wide 每份报告一行；long 每个单元格一行。")
@click.option("--detail", is_flag=True,
              help="xlsx 另加“明细”工作表（每个单元格一行；报告多时文件大、较慢，也可用 --shape long 导出 csv、parquet）。")
@filter_options
@db_option
def export(out: str, fmt: str | None, shape: str, detail: bool, region: str | None, years: tuple[int, ...],
           agency: str | None, level: str | None, status: str | None, errors_only: bool, db_url: str | None) -> None:
    """导出库中的报告数据：xlsx（官方表格样式的统计表、每份报告一行；--detail 另加每个单元格一行）、csv、parquet、json。
    Export stored reports (xlsx with the official table layout, csv, parquet, json)."""
    from ..exports import export_data

    sel = _selection(region, years, agency, level, status, errors_only)
    summary = export_data(_open(db_url), out, sel, fmt, shape, detail)
    if out == "-":
        return
    cells = f"、{summary.rows} 个单元格" if detail else ""
    what = {"workbook": f"统计表、{summary.reports} 份报告{cells}",
            "wide": f"{summary.rows} 行（每份报告一行）", "long": f"{summary.rows} 行（每个单元格一行）"}[summary.shape]
    console = _console()
    console.print(f"已导出 {sel.describe()}：{summary.reports} 份报告 → {out}（{summary.format}，{what}）")
    if summary.detail:
        blocks = summary.detail.split("；")
        shown = "；".join(blocks[:3]) + (f" 等 {len(blocks)} 组" if len(blocks) > 3 else "")
        console.print(f"统计表：{shown}", style="dim")


@main.command()
@click.option("--out", "out", required=True, metavar="FILE", help="输出文件：问题清单.xlsx 或 问题清单.docx。")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "docx"]), default=None, help="格式，默认按文件扩展名判断。")
@filter_options
@click.option("--severity", "min_severity", type=click.Choice(["error", "warning", "info"]), default="warning",
              show_default=True, help="列入的最低严重程度：error 只列错误；warning 错误和警告；info 也列提示。")
@click.option("--include-dismissed", is_flag=True, help="也列出复核时已驳回的问题。")
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="整改时限（docx 整改通知中写明；不填则留空待手写）。")
@click.option("--issuer", default="", metavar="NAME", help="落款的发文机关，如 淮安市人民政府办公室。")
@click.option("--issued", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="落款日期（默认今天）。")
@db_option
def issues(out: str, fmt: str | None, region: str | None, years: tuple[int, ...], agency: str | None,
           level: str | None, status: str | None, errors_only: bool, min_severity: str, include_dismissed: bool,
           deadline: Any, issuer: str, issued: Any, db_url: str | None) -> None:
    """生成按机关分组的问题清单（xlsx 或 docx），供下发整改。
    Write the issue list a supervisor sends back, grouped by agency."""
    from ..exports import Notice, build_issues, write_issues

    sel = _selection(region, years, agency, level, status, errors_only)
    found = build_issues(_open(db_url), sel, min_severity=min_severity, include_dismissed=include_dismissed)
    notice = Notice(deadline=deadline.date() if deadline else None, issuer=issuer.strip())
    if issued:
        notice = Notice(deadline=notice.deadline, issuer=notice.issuer, issued=issued.date())
    fmt = write_issues(found, out, fmt, notice)
    console = _console()
    console.print(f"{found.title}：{found.reports} 份报告，{len(found.agencies)} 个机关有问题"
                  f"（错误 {found.count('error')} 个，警告 {found.count('warning')} 个"
                  + (f"，提示 {found.count('info')} 个" if min_severity == "info" else "") + "），"
                  f"{len(found.clean)} 个机关未发现问题 → {out}")
    if found.dismissed:
        console.print(f"另有 {found.dismissed} 个问题经复核驳回，未列入（--include-dismissed 列入）。", style="dim")
