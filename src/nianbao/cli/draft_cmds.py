"""template, draft: the XLSX 填报表 and a checked report in the official format."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import main

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, Report

FORMAT_SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all, as an export is written (`atomic_file`:
    never a half-written file, the old one kept on failure, the mode the umask gives)."""
    from ..exports.output import atomic_file

    with atomic_file(path) as fh:
        fh.write(data)


def _findings(title: str, findings: list["Finding"], style: str) -> None:
    click.secho(title, fg=style, err=True)
    for f in findings:
        click.echo(f"  {f.rule}  {f.message}", err=True)


def _load_input(path: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(cells, details, prose) from an XLSX form or a record JSON."""
    from ..draft import read_form, record_cells
    from ..errors import UnreadableInput
    from ..model import Report
    from ..inputs import read_regular
    from ..render.report import TABLE_SECTIONS

    data = read_regular(path)
    if data[:4] == b"PK\x03\x04":
        form = read_form(data)
        return form.cells, {"year": form.year, "template": form.template, "agency": form.agency,
                            "region": form.region}, {}
    try:
        record = json.loads(data.decode("utf-8-sig"))
        if not isinstance(record, dict):
            raise ValueError("not an object")
        report = Report.from_dict(record)
    except (ValueError, UnicodeDecodeError, TypeError, AttributeError) as exc:
        raise UnreadableInput(f"输入既不是填报表（XLSX），也不是记录文件（JSON）：{path}",
                              f"The input is neither a form (XLSX) nor a record (JSON): {path} ({exc})") from None
    prose = {s.key: s.text for s in report.sections if s.text and s.key not in TABLE_SECTIONS}
    details = {"year": report.year, "template": report.template, "agency": report.agency, "region": report.region}
    return record_cells(report), details, prose


def _describe_prefill(report: "Report", previous: "Report") -> str:
    from ..draft import PREFILLED, template_cells

    names = {s.path: s.name for s in template_cells(report.template or "2021")}
    rows: dict[str, list[str]] = {}
    for path in report.extras.get(PREFILLED) or []:
        row, _, column = names[path].partition("·")
        rows.setdefault(row, []).append(column)
    shown = "；".join(f"{row}（{'、'.join(cols)}）" for row, cols in rows.items())
    return f"已按{previous.year or '上'}年度报告预填：{shown}。"


@main.command()
@click.option("--year", type=int, required=True, help="报告年度 The reporting year.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="XLSX file to write.")
@click.option("--agency", help="机关名称，如 寺口镇人民政府。")
@click.option("--region", help="所属地区，如 栖霞市。")
@click.option("--previous", "previous_spec", metavar="FILE|ID",
              help="上年报告（记录 JSON、报告文件或库中编号），用于预填上年结转等。")
@click.option("--db", help="按编号读取上年报告时的报告库（默认 ./nianbao.db 或 $NIANBAO_DB）。")
def template(year: int, out: Path, agency: str | None, region: str | None, previous_spec: str | None,
             db: str | None) -> None:
    """生成填报表（XLSX）。Write the Excel form of the official tables for YEAR."""
    from ..draft import load_previous, prefill_values, template_id_for, write_form

    from ..formats import templates as T

    values: dict[str, Any] = {}
    tid = template_id_for(year)
    if previous_spec:
        previous = load_previous(previous_spec, db)
        values = prefill_values({}, tid, previous)
        values = {p: v for p, v in values.items() if "in_force" not in p}  # depends on this year's numbers
    write_atomically(out, write_form(year, agency, region, values))
    if values:
        click.echo(f"已按{previous.year or '上'}年度报告预填{len(values)}个单元格（上年结转等），请核对。", err=True)
    click.echo(f"已写入 {out}（{year}年度，{T.TEMPLATES[tid].notice}格式）。填好后运行：nianbao draft {out} --out 年度报告.docx",
               err=True)


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agency", help="机关名称（覆盖填报表或记录中的）。")
@click.option("--region", help="所属地区。")
@click.option("--year", type=int, help="报告年度。")
@click.option("--format", "fmt", type=click.Choice(["docx", "html", "md"]),
              help="输出格式；默认按 --out 的扩展名，否则 docx。")
@click.option("--previous", "previous_spec", metavar="FILE|ID",
              help="上年报告（记录 JSON、报告文件或库中编号）：预填上年结转等，并与之比对。")
@click.option("--db", help="按编号读取上年报告时的报告库（默认 ./nianbao.db 或 $NIANBAO_DB）。")
@click.option("--force", is_flag=True, help="有错误也生成，错误列在文末。")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), help="输出文件；HTML/Markdown 可省略（输出到屏幕）。")
def draft(source: Path, agency: str | None, region: str | None, year: int | None, fmt: str | None,
          previous_spec: str | None, db: str | None, force: bool, out: Path | None) -> None:
    """由填报表（XLSX）或记录（JSON）起草年度报告。Draft a checked report from a form or a record.

    Exit 0 written, 1 refused because of errors (see --force), 2 unusable input.
    """
    from ..draft import build_record, gate, load_previous, render
    from ..errors import UnreadableInput

    fmt = fmt or (FORMAT_SUFFIXES.get(out.suffix.lower()) if out else None) or "docx"
    if fmt == "docx" and out is None:
        raise click.UsageError("生成 DOCX 需要用 --out 指定输出文件。DOCX output needs --out.")
    cells, details, prose = _load_input(source)
    year = year or details.get("year")
    if year is None:
        raise UnreadableInput("不知道报告年度，请用 --year 指定。", "The reporting year is unknown; give --year.")
    template = details.get("template") if details.get("year") == year else None
    if not (agency or details.get("agency")):
        raise UnreadableInput("没有机关名称：请在填报表“基本信息”中填写，或用 --agency 指定。",
                              "The agency is missing: fill it in on the form's first sheet or give --agency.")
    previous = load_previous(previous_spec, db) if previous_spec else None
    report = build_record(cells, year=year, agency=agency or details.get("agency"),
                          region=region or details.get("region"), template=template, previous=previous)
    if previous is not None and report.extras.get("prefilled"):
        click.echo(_describe_prefill(report, previous), err=True)
    result = gate(report, previous, prose)
    if result.warnings:
        _findings(f"警告 {len(result.warnings)} 条（不影响生成，请核实）：", result.warnings, "yellow")
    notes = None
    if result.errors:
        _findings(f"错误 {len(result.errors)} 条：", result.errors, "red")
        if not force:
            click.echo("有错误，未生成报告。请改正后重试；确需生成时加 --force（错误将列在文末）。", err=True)
            sys.exit(1)
        notes = result.notes()
    data = render(report, fmt, prose, notes)
    if out is None:
        click.echo(data.decode("utf-8"))
        return
    write_atomically(out, data)
    tail = "（含未通过的检查，见文末）" if notes else ""
    click.echo(f"已写入 {out}{tail}。", err=True)
