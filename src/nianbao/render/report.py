"""A whole report as text: title, introduction, the six sections, the three tables.

`render(report, fmt)` gives Markdown ("md"), tab-separated text ("txt", the layout of
text extracted from a PDF) or a standalone HTML page ("html"); the synthetic corpus uses
the further layouts "pipe" (one cell per line, scraped HTML) and "space" (PDF text layer).
"""
from __future__ import annotations

from html import escape

from ..formats import templates as T
from ..model import Report
from .formats import html_table, markdown_lines, pipe_cell_lines, space_lines, tab_lines
from .layout import Grid, report_grids

FORMATS = ("md", "txt", "html")
LAYOUTS = ("md", "txt", "html", "pipe", "space")
TABLE_SECTIONS = {"proactive": 0, "requests": 1, "appeals": 2}
PLACEHOLDER = "（此处填写本部分内容。）"


def title_of(report: Report) -> str:
    name = report.agency or "某机关"
    if report.region and not name.startswith(report.region) and report.agency_level != "department":
        name = report.region + name
    year = f"{report.year}年" if report.year else ""
    return f"{name}{year}政府信息公开工作年度报告"


def intro_of(report: Report) -> str:
    """The customary introduction: who compiled it, the legal basis, the statistical period."""
    tpl = T.TEMPLATES.get(report.template or "", None) or T.TEMPLATES.get(T.template_for_year(report.year) or "2021")
    notice = f"和《{tpl.notice_name}》（{tpl.notice}）" if tpl else ""
    out = f"本报告由{report.agency or '本机关'}根据{T.LAW_NAME}（以下简称《条例》）{notice}要求编制。"
    if report.year:
        out += T.STATISTICAL_PERIOD.format(year=report.year)
    return out


def _section_bodies(report: Report) -> dict[str, str]:
    return {s.key: s.text for s in report.sections}


def _intro_from_lines(report: Report) -> str | None:
    if not report.lines or not report.sections:
        return None
    head = report.lines[: report.sections[0].line_start - 1]
    title = report.title or ""
    body = [ln for ln in head if ln.strip() and ln.replace(" ", "") not in title]
    return "\n".join(body) if body else None


def grids_of(report: Report, zeros: bool = False) -> list[Grid]:
    return report_grids(report.template, report.table2, report.table3, report.table4, zeros=zeros,
                        only_present=bool(report.table3 or report.table2))


def render(report: Report, fmt: str = "md", prose: dict[str, str] | None = None) -> str:
    """The whole report in `fmt` (one of LAYOUTS)."""
    if fmt not in LAYOUTS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(LAYOUTS)}")
    bodies = prose if prose is not None else _section_bodies(report)
    grids = grids_of(report)
    intro = bodies.get("intro") or _intro_from_lines(report) or intro_of(report)
    title = report.title or title_of(report)
    if fmt == "html":
        return _html(report, title, intro, bodies, grids)
    lines = [f"# {title}" if fmt == "md" else title, "", intro, ""]
    for sec in T.SECTIONS:
        lines.append(f"## {sec.title}" if fmt == "md" else sec.title)
        lines.append("")
        if sec.key in TABLE_SECTIONS:
            grid = grids[TABLE_SECTIONS[sec.key]]
            if fmt == "md":
                lines += markdown_lines(grid)
            elif fmt == "txt":
                lines += tab_lines(grid)
            elif fmt == "pipe":
                lines += pipe_cell_lines(grid)
            else:
                lines += space_lines(grid)
        else:
            lines.append(bodies.get(sec.key) or PLACEHOLDER)
        lines.append("")
    return "\n".join(lines)


def _html(report: Report, title: str, intro: str, bodies: dict[str, str], grids: list[Grid]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        "<style>body{font-family:'FangSong','STFangsong','Noto Serif CJK SC',serif;max-width:60em;margin:2em auto;}"
        "h1{font-family:'SimHei','Noto Sans CJK SC',sans-serif;text-align:center;font-size:1.6em}"
        "h2{font-family:'SimHei','Noto Sans CJK SC',sans-serif;font-size:1.2em}"
        "table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #000;padding:.2em .4em;text-align:center}"
        "td.label{text-align:left}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    parts += [f"<p>{escape(p)}</p>" for p in intro.split("\n") if p.strip()]
    for sec in T.SECTIONS:
        parts.append(f"<h2>{escape(sec.title)}</h2>")
        if sec.key in TABLE_SECTIONS:
            parts.append(html_table(grids[TABLE_SECTIONS[sec.key]]))
        else:
            text = bodies.get(sec.key) or PLACEHOLDER
            parts += [f"<p>{escape(p)}</p>" for p in text.split("\n") if p.strip()]
    parts.append("</body></html>")
    return "\n".join(parts)
