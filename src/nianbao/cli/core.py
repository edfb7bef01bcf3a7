"""parse, check, render, synth, rules."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import main
from .base import fail, parse_years


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "md", "txt", "html"]), default="table",
              show_default=True, help="table: the official tables in the terminal; json: the canonical record.")
@click.option("--no-text", is_flag=True, help="JSON without the normalised text lines.")
def parse(file: Path, fmt: str, no_text: bool) -> None:
    """读取一份报告并显示其三张统计表。Read one report and show its three tables."""
    from .. import budget
    from ..inputs import read_regular

    data = read_regular(file)  # a FIFO or /dev/zero is refused, not read
    report, findings = budget.call(_parse_checked, data, file.name) if budget.needed(data) else _parse_checked(data, file.name)
    if fmt == "json":
        out = report.to_dict(findings, with_text=not no_text)
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    elif fmt == "table":
        from ..render.terminal import print_report

        print_report(report, findings)
    else:
        from ..render.report import render

        click.echo(render(report, fmt))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-q", "--quiet", is_flag=True, help="Only the summary line of each report.")
@click.option("--min-severity", type=click.Choice(["error", "warning", "info"]), default="info", show_default=True)
def check(paths: tuple[Path, ...], fmt: str, quiet: bool, min_severity: str) -> None:
    """检查报告（文件、目录或压缩包）。Check reports; exit 0 clean, 1 errors found, 2 unreadable input."""
    from rich.console import Console

    from .. import budget
    from ..errors import NianbaoError
    from ..inputs import iter_inputs
    from ..render.severity import SEVERITY_STYLE, SEVERITY_ZH
    from ..rules import SEVERITY_ORDER, count_by_severity

    console = Console(highlight=False)
    worst = 0
    n_files = n_errors = 0
    results: list[dict[str, Any]] = []
    for item in iter_inputs(paths):
        n_files += 1
        try:
            if item.error is not None:
                raise item.error
            assert item.data is not None  # (an item without an error has its bytes)
            name = Path(item.name).name
            report, findings = (budget.call(_parse_checked, item.data, name) if budget.needed(item.data)
                                else _parse_checked(item.data, name))
            findings = [f for f in findings if SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[min_severity]]
        except NianbaoError as exc:
            worst = 2
            fail(exc, item.name)
            results.append({"file": item.name, "error": exc.message_zh, "error_en": exc.message_en})
            continue
        except Exception as exc:  # noqa: BLE001 - keep going with the other files
            worst = 2
            fail(exc, item.name)
            results.append({"file": item.name, "error": str(exc)})
            continue
        counts = count_by_severity(findings)
        if counts["error"]:
            n_errors += 1
            worst = max(worst, 1)
        if fmt == "json":
            results.append({"file": item.name, "agency": report.agency, "region": report.region, "year": report.year,
                            "template": report.template, "counts": counts, "findings": [f.to_dict() for f in findings]})
            continue
        mark, style = ("✘", "red") if counts["error"] else ("!", "yellow") if counts["warning"] else ("✔", "green")
        who = " ".join(x for x in (report.region, report.agency, f"{report.year}年度" if report.year else None) if x)
        console.print(f"[{style}]{mark}[/] {item.name}  {who}  "
                      f"[red]{counts['error']} 个错误[/]，[yellow]{counts['warning']} 个警告[/]，{counts['info']} 个提示",
                      soft_wrap=True)
        if not quiet:
            for f in findings:
                tag = SEVERITY_ZH[f.severity] + ("·无法核验" if f.status != "fail" else "")
                console.print(f"    [{SEVERITY_STYLE[f.severity]}]{tag}[/] {f.rule}  {f.message}", soft_wrap=True)
    if fmt == "json":
        click.echo(json.dumps(results, ensure_ascii=False, indent=1))
    elif n_files == 0:
        click.echo("没有找到要检查的文件。No files to check.", err=True)
        worst = 2
    elif n_files > 1:
        console.print(f"共 {n_files} 份，{n_errors} 份有错误。")
    sys.exit(worst)


def _parse_checked(data: bytes, name: str) -> tuple[Any, list[Any]]:
    """The report and its findings (run under the parse budget, `nianbao.budget.call`)."""
    from .. import check as run_checks
    from ..parsing.pipeline import parse as parse_bytes

    report = parse_bytes(data, name=name)
    return report, run_checks(report)


@main.command()
@click.argument("record", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["md", "txt", "html"]), default="md", show_default=True)
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
def render(record: Path, fmt: str, out: Path | None) -> None:
    """把记录（JSON）排成官方格式的报告。Render a record (JSON) as the official tables."""
    from ..errors import UnreadableInput
    from ..model import Report
    from ..render.report import render as render_report

    try:
        data = json.loads(record.read_text(encoding="utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        report = Report.from_dict(data)
    except (ValueError, UnicodeDecodeError, TypeError, AttributeError) as exc:
        raise UnreadableInput(f"不是有效的记录文件（JSON）：{record}", f"Not a valid record (JSON) file: {record} ({exc})") from None
    text = render_report(report, fmt)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {out}", err=True)
    else:
        click.echo(text)


@main.command()
@click.option("-n", "--count", default=100, show_default=True, help="Number of reports (without --region).")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--region", help="One region's agencies over --years (e.g. 栖霞市), carrying on year to year.")
@click.option("--years", default="2022-2024", show_default=True, help="With --region: e.g. 2022-2024 or 2021,2023.")
@click.option("--agencies", default=12, show_default=True, help="With --region: how many agencies.")
@click.option("--layouts", default="txt,md,pipe,space,html", show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--invalid-rate", default=None, type=float, help="Share of reports with a deliberate error "
              "(default 0, or 0.15 with --region).")
@click.option("--corruption-rate", default=0.5, show_default=True)
@click.option("--lossy", is_flag=True, help="Also dropped rows, blanked cells, duplicated lines.")
def synth(count: int, out: Path, region: str | None, years: str, agencies: int, layouts: str, seed: int,
          invalid_rate: float | None, corruption_rate: float, lossy: bool) -> None:
    """生成带标准答案的合成报告。Generate synthetic reports with truth files (score.py format)."""
    from ..errors import NianbaoError
    from ..synth import corpus, region_corpus

    chosen = tuple(x.strip() for x in layouts.split(",") if x.strip())
    if region:
        try:
            year_list = _year_list(years)
            samples = region_corpus(region, year_list, agencies, seed, 0.15 if invalid_rate is None else invalid_rate,
                                    chosen)
        except ValueError as exc:
            raise NianbaoError(f"无法生成：{exc}（地区须为县级及以上行政区划，如 栖霞市、淮安市）。", f"Cannot generate: {exc}.") from None
    else:
        samples = corpus(count, seed, chosen, invalid_rate or 0.0, corruption_rate, lossy)
    out.mkdir(parents=True, exist_ok=True)
    ext = {"txt": "txt", "md": "md", "pipe": "txt", "space": "txt", "html": "html", "crawl": "txt"}
    for s in samples:
        (out / f"{s.name}.{ext[s.layout]}").write_text(s.text, encoding="utf-8")
        truth = s.record.to_dict(with_text=False)
        truth = {k: truth[k] for k in ("agency", "region", "year", "template", "table2", "table3", "table4")}
        truth.update(layout=s.layout, corruptions=list(s.corruptions), broken_rule=s.broken)
        (out / f"{s.name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"已生成 {len(samples)} 份报告到 {out}（score.py {out} 可评分）。")


def _year_list(text: str) -> list[int]:
    from ..formats.templates import FIRST_YEAR, LAST_YEAR

    years = parse_years(text)
    if not years or any(not FIRST_YEAR <= y <= LAST_YEAR for y in years):
        raise ValueError(f"invalid years {text!r}")
    return years


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """列出全部检查规则。List the rule catalogue."""
    from ..rules import catalogue

    items = catalogue()
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in items], ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="检查规则 Rule catalogue", show_lines=False,
                  caption="级别为默认级别；个别情形（如按勾稽关系推算的空白单元格）会降一级报告。")
    for col in ("规则", "类别", "默认级别", "名称", "说明"):
        table.add_column(col)
    from ..words import SEVERITY_NAMES as zh

    for r in items:
        table.add_row(r.id, r.family, zh[r.severity], r.title, r.description)
    Console().print(table)
