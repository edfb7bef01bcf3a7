"""The terminal view of a report: the three tables in the official order, failing cells
highlighted, then the findings (rich)."""
from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..formats import templates as T
from ..model import Finding, Report, cell_path
from ..numbers import number_text
from .layout import table3_rows
from .severity import SEVERITY_STYLE, SEVERITY_ZH

READER_ZH = {"text": "文本", "html": "网页", "pdf": "PDF", "docx": "Word", "doc": "Word/WPS", "ocr": "扫描件识别", "image": "图片识别"}


def _cell_styles(report: Report, findings: list[Finding]) -> dict[str, str]:
    styles: dict[str, str] = {}
    for path, prov in report.provenance.items():
        if prov.method in ("arithmetic", "ocr") and prov.confidence < 0.9:
            styles[path] = "italic magenta"
    for f in sorted(findings, key=lambda f: {"error": 2, "warning": 1, "info": 0}.get(f.severity, 0)):
        if f.status != "fail":
            continue
        for path in f.location.get("cells", []) + ([f.location["cell"]] if "cell" in f.location else []):
            if f.severity in ("error", "warning"):
                styles[path] = "bold white on red" if f.severity == "error" else "black on yellow"
    return styles


def _value(report: Report, path: str, value: object, styles: dict[str, str]) -> Text:
    if value is None:
        prov = report.provenance.get(path)
        mark = "缺" if prov is not None and prov.method == "missing" else "空"
        return Text(mark, style=styles.get(path, "dim"))
    return Text(number_text(value), style=styles.get(path, ""))


def table2_view(report: Report, styles: dict[str, str]) -> Table:
    template = T.TEMPLATES.get(report.template or "2021", T.TEMPLATE_2021)
    width = max(len(b.fields) for b in template.table2)
    table = Table(title=T.SECTION_BY_KEY["proactive"].title, box=box.SIMPLE_HEAVY, show_header=False, title_justify="left")
    table.add_column(T.T2_HEADER, no_wrap=True)
    for _ in range(width):
        table.add_column(justify="right", overflow="fold")
    for block in template.table2:
        table.add_row(Text(block.item, style="bold"), *[""] * width)
        table.add_row(Text(T.T2_HEADER, style="dim"), *[Text(f.label, style="dim") for f in block.fields],
                      *[""] * (width - len(block.fields)))
        for row in block.rows:
            cells = report.table2.get(row.key)
            if cells is None:
                table.add_row(Text(row.label, style="dim"), Text("未读到", style="dim"), *[""] * (width - 1))
                continue
            vals = [_value(report, cell_path("table2", row.key, f.key), cells.get(f.key), styles) for f in block.fields]
            table.add_row(row.label, *vals, *[""] * (width - len(block.fields)))
    return table


def table3_view(report: Report, styles: dict[str, str], width: int = 120) -> Table:
    template = T.TEMPLATES.get(report.template or "2021", T.TEMPLATE_2021)
    table = Table(title=T.SECTION_BY_KEY["requests"].title, box=box.SIMPLE_HEAVY, title_justify="left")
    numbers = [max(4, 2 * len(col.narrow)) for col in T.T3_COLUMNS]
    label_width = max(12, min(44, width - sum(numbers) - 3 * len(numbers) - 4))
    table.add_column("", no_wrap=True, overflow="ellipsis", width=label_width)
    for col, w in zip(T.T3_COLUMNS, numbers):
        table.add_column(col.narrow, justify="right", no_wrap=True, min_width=w)
    shown: set[str] = set()
    for row in table3_rows(template, report.table3, only_present=False):
        chain = [g for g in T.t3_group_chain(row) if g.key != "results"]
        for depth, group in enumerate(chain):  # a merged group cell: its own line, as in print
            if group.key not in shown:
                shown.add(group.key)
                table.add_row(Text(" " * depth + group.title, style="bold"), *[""] * T.T3_WIDTH)
        label = " " * len(chain) + row.number + row.label
        values = report.table3.get(row.key)
        if values is None:
            table.add_row(Text(label, style="dim"), Text("未读到", style="dim"), *[""] * (T.T3_WIDTH - 1))
            continue
        table.add_row(label, *[_value(report, cell_path("table3", row.key, c), v, styles) for c, v in enumerate(values)])
    return table


def table4_view(report: Report, styles: dict[str, str]) -> Table:
    table = Table(title=T.SECTION_BY_KEY["appeals"].title, box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("")
    for fld in T.T4_FIELDS:
        table.add_column(fld.label, justify="right")
    for key, label, parent in T.T4_GROUPS:
        cells = report.table4.get(key)
        name = f"{parent}·{label}" if parent else label
        if cells is None:
            table.add_row(Text(name, style="dim"), Text("未读到", style="dim"), *[""] * (len(T.T4_FIELDS) - 1))
            continue
        table.add_row(name, *[_value(report, cell_path("table4", key, f.key), cells.get(f.key), styles) for f in T.T4_FIELDS])
    return table


def findings_view(findings: list[Finding]) -> Table | Text:
    if not findings:
        return Text("未发现问题。", style="green")
    table = Table(box=box.SIMPLE, show_header=True, title="检查结果", title_justify="left")
    table.add_column("级别", no_wrap=True)
    table.add_column("规则", no_wrap=True)
    table.add_column("说明", overflow="fold")
    for f in findings:
        level = SEVERITY_ZH.get(f.severity, f.severity) + ("（无法核验）" if f.status != "fail" else "")
        table.add_row(Text(level, style=SEVERITY_STYLE.get(f.severity, "")), f.rule, f.message)
    return table


def header(report: Report) -> Text:
    parts = [report.region or "", report.agency or "（未识别机关）"]
    text = Text(" ".join(p for p in parts if p), style="bold")
    meta = []
    if report.year:
        meta.append(f"{report.year}年度")
    if report.template:
        meta.append({"2021": "2021年格式", "2019": "2019年格式", "legacy": "旧版格式"}.get(report.template, report.template))
    src = report.source
    if src.reader:
        reader = READER_ZH.get(src.reader, src.reader)
        meta.append(f"{reader}" + (f"（{src.encoding}）" if src.encoding else "") + (f" {src.pages}页" if src.pages else ""))
    if meta:
        text.append("  ·  " + "  ·  ".join(meta), style="")
    if report.title:
        text.append("\n" + report.title, style="dim")
    return text


def report_view(report: Report, findings: list[Finding], width: int = 120) -> Group:
    styles = _cell_styles(report, findings)
    parts: list[RenderableType] = [header(report)]
    if report.template == T.LEGACY:
        parts.append(Text("这是2019年以前的旧版格式报告，没有统一的三张统计表，只提取主要数字并做文字检查。", style="yellow"))
        figures = report.extras.get("legacy_figures") or []
        if figures:
            table = Table(title="主要数字（按原文标注）", box=box.SIMPLE_HEAVY, title_justify="left")
            for col in ("指标", "数值", "单位", "行"):
                table.add_column(col)
            for fig in figures:
                table.add_row(fig["label"], number_text(fig["value"]), fig.get("unit") or "", str(fig["line"]))
            parts.append(table)
    else:
        parts += [table2_view(report, styles), table3_view(report, styles, width), table4_view(report, styles)]
    parts.append(findings_view(findings))
    return Group(*parts)


def print_report(report: Report, findings: list[Finding], console: Console | None = None) -> None:
    console = console or Console()
    console.print(report_view(report, findings, console.width))
