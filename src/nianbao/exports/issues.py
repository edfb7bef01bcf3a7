"""The 问题清单 a supervisor sends back: the findings of the selected reports, grouped by
agency, each with where it is (table, row and column, or page and line, or section), what
the rule checks in plain language (the rule catalogue), the values expected and found, and
the reviewer's decision when one was recorded.

By default the list holds errors and warnings (`min_severity`), and leaves out findings a
reviewer dismissed (counted in `IssueList.dismissed`).  A report that could not be read at
all is an issue of its own: the agency published a file nobody can check.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ..formats import templates as T
from ..draft.cells import TABLE_NAMES
from ..numbers import number_text
from ..rules import SEVERITY_ORDER, catalogue
from ..rules.plain import finding_words, report_name
from ..store import Store
from ..store.reviewed import findings_frame as reviewed_findings_frame
from ..store.schema import reports as reports_table
from .reviews import Review
from .selection import ReportFilter, chunked, selected_reports
from .sheets import cell_name

from ..words import SEVERITY_NAMES as SEVERITY_ZH  # noqa: E402
UNREADABLE_TITLE = "文件无法读取"
UNREADABLE_EXPLANATION = ("系统无法读取这份文件，无法检查其内容。请核实网站上公开的文件是否完整、能否打开、"
                          "是否就是年度报告；扫描件请提供清晰的版本或可复制文字的版本。")


@dataclass
class Issue:
    number: int  # 1, 2, … within its agency
    report_id: int
    year: int | None
    rule: str  # "" for a file that could not be read
    title: str  # the rule's Chinese title
    severity: str  # error | warning | info
    evaluable: bool  # False: the rule could not be evaluated (e.g. blank cells)
    message: str
    explanation: str  # what the rule checks, for a clerk
    location: str  # 表三“（一）予以公开”·自然人 / 第3页，正文第45行 / 五、存在的主要问题及改进情况
    expected: str
    actual: str
    detail: str | None = None
    related_report_id: int | None = None
    review: Review | None = None
    values: str = ""  # expected and actual in plain words: 应为12，报告中为10 / 与2023年报告第五部分相似度87%

    @property
    def severity_zh(self) -> str:
        return SEVERITY_ZH.get(self.severity, self.severity) + ("（无法核验）" if not self.evaluable else "")


@dataclass
class ReportRef:
    id: int
    year: int | None
    source_name: str
    status: str
    n_errors: int
    n_warnings: int


@dataclass
class AgencyIssues:
    agency: str
    region: str | None
    where: str  # the division path: 江苏省 › 淮安市 › 洪泽区
    reports: list[ReportRef]
    issues: list[Issue] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for i in self.issues if i.severity == severity)


@dataclass
class IssueList:
    title: str  # 淮安市2024年度政府信息公开工作年度报告问题清单
    scope: str  # the selection in words
    generated_at: datetime
    reports: int  # reports looked at
    agencies: list[AgencyIssues]  # those with issues, by region path and name
    clean: list[AgencyIssues]  # agencies whose reports have none
    dismissed: int = 0  # findings left out because a reviewer dismissed them
    min_severity: str = "warning"

    @property
    def total(self) -> int:
        return sum(len(a.issues) for a in self.agencies)

    def count(self, severity: str) -> int:
        return sum(a.count(severity) for a in self.agencies)


# --------------------------------------------------------------------------- building


def build_issues(store: Store, sel: ReportFilter, *, min_severity: str = "warning", include_dismissed: bool = False,
                 reviewed: bool = True) -> IssueList:
    """The 问题清单 of the reports `sel` picks: the findings of the reviewed record
    (`store.reviewed`: corrected cells re-checked, dismissed findings left out unless
    `include_dismissed`, decisions beside the others); `reviewed=False`: the record as
    extracted, without decisions."""
    if min_severity not in SEVERITY_ORDER:
        raise ValueError(min_severity)
    listed = selected_reports(store, sel)
    rules = {r.id: r for r in catalogue()}
    allowed = [s for s, rank in SEVERITY_ORDER.items() if rank <= SEVERITY_ORDER[min_severity]]
    agencies = store.agencies().set_index("id")["path"].to_dict() if len(listed) else {}
    named = _report_names(store, listed)
    groups: dict[Any, AgencyIssues] = {}
    dismissed = 0
    for ids in chunked(listed["id"].tolist(), 2000):
        found = _findings(store, ids, reviewed)
        found = found[found["severity"].isin(allowed)]
        live = [d is None or d.decision != "dismiss" for d in found["decision"]]
        dismissed += len(found) - sum(live)
        if not include_dismissed:
            found = found[live]
        origins = _line_origins(store, found)
        by_report: dict[int, list[Any]] = {}
        for f in found.itertuples(index=False):
            by_report.setdefault(int(f.report_id), []).append(f)
        part = listed[listed["id"].isin(ids)]
        for rep in part.itertuples(index=False):
            group = _group(groups, rep, agencies)
            if rep.status != "ok":
                group.issues.append(_unreadable(rep))
                continue
            issues = [_issue(f, rep, rules, Review.of(f.decision), origins.get(rep.id), named)
                      for f in by_report.get(int(rep.id), [])]
            issues.sort(key=lambda i: (SEVERITY_ORDER.get(i.severity, 9), not i.evaluable))
            group.issues.extend(issues)
    ordered = sorted(groups.values(), key=lambda g: (g.where, g.agency))
    for g in ordered:
        g.issues.sort(key=lambda i: (i.year or 0, i.report_id))  # stable: severity order kept per report
        for n, issue in enumerate(g.issues, 1):
            issue.number = n
    return IssueList(title=_title(sel), scope=sel.describe(), generated_at=datetime.now(), reports=len(listed),
                     agencies=[g for g in ordered if g.issues], clean=[g for g in ordered if not g.issues],
                     dismissed=dismissed if not include_dismissed else 0, min_severity=min_severity)


def _findings(store: Store, ids: list[int], reviewed: bool) -> pd.DataFrame:
    """The findings of reports `ids`, as reviewed (dismissed ones marked) or as stored."""
    if not reviewed:
        return store.findings(ids=ids).assign(decision=None)
    with store.engine.connect() as conn:
        return reviewed_findings_frame(conn, ids, include_dismissed=True)


def _title(sel: ReportFilter) -> str:
    who = sel.region or (str(sel.agency) if sel.agency is not None and not str(sel.agency).isdigit() else "")
    years = "、".join(str(y) for y in sel.years)
    return f"{who}{years + '年度' if years else ''}{T.REPORT_TITLE_WORDS[0]}问题清单"


def _group(groups: dict[Any, AgencyIssues], rep: Any, paths: dict[int, str]) -> AgencyIssues:
    known = pd.notna(rep.agency_id)
    key = int(rep.agency_id) if known else ("report", rep.id)
    if key not in groups:
        path = paths.get(int(rep.agency_id), "") if known else ""
        name = rep.agency if isinstance(rep.agency, str) and rep.agency else f"（未识别机关：{rep.source_name}）"
        groups[key] = AgencyIssues(name, rep.region if isinstance(rep.region, str) else None,
                                   " › ".join(p for p in path.split("/") if p), [])
    groups[key].reports.append(ReportRef(int(rep.id), _year(rep.year), str(rep.source_name or ""), rep.status,
                                         int(rep.n_errors), int(rep.n_warnings)))
    return groups[key]


def _report_names(store: Store, listed: pd.DataFrame) -> Any:
    """name(report id, of_report) -> the report named for a person (agency + year; the year
    alone for a report of the same agency), for the reports cross-report findings point at."""
    cache: dict[int, tuple[Any, Any, Any]] = {}

    def name(rid: int, of: Any) -> str:
        if rid not in cache:
            with store.engine.connect() as conn:
                row = conn.execute(sa.select(reports_table.c.agency, reports_table.c.year, reports_table.c.agency_id)
                                   .where(reports_table.c.id == rid)).first()
            cache[rid] = tuple(row) if row else (None, None, None)
        agency, year, agency_id = cache[rid]
        same = agency_id is not None and pd.notna(of.agency_id) and int(of.agency_id) == agency_id
        return report_name(agency, year, same_agency=same)

    return name


def _year(v: Any) -> int | None:
    return int(v) if pd.notna(v) else None


def _unreadable(rep: Any) -> Issue:
    return Issue(0, int(rep.id), _year(rep.year), "", UNREADABLE_TITLE, "error", True,
                 str(rep.error or "无法读取。"), UNREADABLE_EXPLANATION, f"文件“{file_name(rep.source_name)}”", "", "")


def file_name(source: Any) -> str:
    """The file's own name, without the folders or the archive it came from (no server path)."""
    text = str(source or "")
    return text.replace("\\", "/").rsplit("!", 1)[-1].rsplit("/", 1)[-1]


def _issue(f: Any, rep: Any, rules: dict[str, Any], review: Review | None, origins: list[str | None] | None,
           named: Any) -> Issue:
    rule = rules.get(f.rule)
    explanation = rule.description if rule else ""
    if rule and rule.basis and "domain.md" not in rule.basis:
        explanation += f"（依据：{rule.basis}）"
    loc = f.location or {}
    related = int(f.related_report_id) if pd.notna(f.related_report_id) else None
    other = related or loc.get("related_report") or loc.get("report_id")
    other_name = named(int(other), rep) if isinstance(other, (int, float)) and other else None
    return Issue(0, int(rep.id), _year(rep.year), f.rule, rule.title if rule else f.rule, f.severity,
                 f.status == "fail", f.message, explanation,
                 describe_location(loc, rep.template, origins, other_name),
                 show_value(f.expected), show_value(f.actual), f.detail if isinstance(f.detail, str) else None,
                 related, review, finding_words(f.rule, f.expected, f.actual, related=other_name, year=_year(rep.year)))


def _line_origins(store: Store, found: pd.DataFrame) -> dict[int, list[str | None]]:
    """The page (or other origin) of each text line, for reports with findings located by
    line (PDF and OCR readers record them)."""
    out: dict[int, list[str | None]] = {}
    if found.empty:
        return out
    with_lines = found[found["location"].map(lambda loc: isinstance(loc, dict) and "line" in loc)]
    for rid in with_lines["report_id"].unique().tolist():
        rep = store.report(int(rid))
        if rep is not None and rep.extras.get("line_origins"):
            out[int(rid)] = list(rep.extras["line_origins"])
    return out


# --------------------------------------------------------------------------- words


def summary_line(issues: IssueList) -> str:
    """The scope, the reports and the issues in one sentence."""
    text = (f"范围：{issues.scope}；共检查 {issues.reports} 份报告，{len(issues.agencies)} 个机关有问题，"
            f"错误 {issues.count('error')} 个、警告 {issues.count('warning')} 个")
    if issues.min_severity == "info":
        text += f"、提示 {issues.count('info')} 个"
    text += "。"
    if issues.dismissed:
        text += f"另有 {issues.dismissed} 个问题经复核驳回，未列入。"
    return text + f"生成时间：{issues.generated_at:%Y-%m-%d %H:%M}。"


def agency_title(n: int, group: AgencyIssues) -> str:
    return f"{n}. {group.agency}" + (f"（{group.where}）" if group.where else "")


def agency_facts(group: AgencyIssues) -> str:
    """Its counts and its reports: 错误 2 个，警告 1 个；2024年度报告 (no ids, no file paths)"""
    counts = f"错误 {group.count('error')} 个，警告 {group.count('warning')} 个"
    if group.count("info"):
        counts += f"，提示 {group.count('info')} 个"
    years = [f"{r.year}年度报告" if r.year else "年度不明的报告" for r in group.reports]
    shown = "、".join(dict.fromkeys(years)) + (f"（{len(years)}份文件）" if len(set(years)) < len(years) else "")
    return f"{counts}；{shown}"


def describe_location(loc: dict[str, Any], template: str | None = None, origins: list[str | None] | None = None,
                      related: str | None = None) -> str:
    """Where a finding is, for a clerk (from its stored location)."""
    parts: list[str] = []
    cells = [c for c in loc.get("cells") or [] if isinstance(c, str)]
    if isinstance(loc.get("cell"), str):
        cells.append(loc["cell"])
    table = loc.get("table")
    if cells and len(cells) <= 3:
        parts.append("、".join(cell_name(c) for c in cells))
    elif table in TABLE_NAMES:
        parts.append(_table_place(table, loc.get("row"), loc.get("column"), template)
                     + (f"（涉及{len(cells)}个单元格）" if cells else ""))
    section = loc.get("section")
    if section in T.SECTION_BY_KEY:
        parts.append(f"第{T.SECTION_BY_KEY[section].number}部分“{T.SECTION_BY_KEY[section].heading}”")
    line = loc.get("line")
    if isinstance(line, int) and line > 0:
        origin = origins[line - 1] if origins and line <= len(origins) else None
        parts.append(f"{origin}，正文第{line}行" if origin else f"正文第{line}行")
    if related:
        parts.append(f"对照{related}")
    return "；".join(parts) or "全文"


def _table_place(table: str, row: Any, column: Any, template: str | None) -> str:
    name = TABLE_NAMES[table]
    where = ""
    if table == "table3":
        if isinstance(row, str):
            where += f"“{T.t3_title(row, template)}”行"
        col = next((c for c in T.T3_COLUMNS if c.key == column), None)
        if isinstance(column, int) and 0 <= column < T.T3_WIDTH:
            col = T.T3_COLUMNS[column]
        if col is not None:
            where += f"“{col.label}”列"
    elif table == "table4":
        if isinstance(row, str):
            where += f"“{T.t4_group_label(row)}”"
        if isinstance(column, str):
            where += f"“{T.t4_field_label(column)}”"
    elif table == "table2" and isinstance(row, str):
        tpl = T.TEMPLATES.get(template or "2021", T.TEMPLATE_2021)
        label = next((r.label for b in tpl.table2 for r in b.rows if r.key == row), row)
        where += f"“{label}”" + (f"·{T.t2_field_label(template, row, column)}" if isinstance(column, str) else "")
    return name + where


def show_value(v: Any) -> str:
    """An expected or actual value as printed (numbers plainly, lists joined)."""
    if v is None:
        return ""
    if isinstance(v, (int, float, bool)):
        return number_text(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return "、".join(show_value(x) for x in v)
    return json.dumps(v, ensure_ascii=False, default=str)
