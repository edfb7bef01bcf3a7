"""The 问题清单 as a workbook: 问题清单 (a heading row per agency, then one row per issue)
and 汇总 (one row per agency with its counts, those without issues too)."""
from __future__ import annotations

import io

from .issues import Issue, IssueList, agency_facts, agency_title, summary_line
from .xlsx import Workbook

COLUMNS = (("序号", 6), ("年度", 7), ("报告编号", 8), ("严重程度", 10), ("问题类型", 24), ("规则", 7), ("位置", 30),
           ("问题说明", 50), ("应为", 12), ("实为", 12), ("规则解释", 50), ("复核结论", 9), ("复核意见", 24),
           ("复核人", 10))
_STYLES = ["value", "value", "value", None, *["text"] * 10]


def issue_row(i: Issue) -> list[object]:
    message = i.message + (f"（{i.detail}）" if i.detail and i.detail not in i.message else "")
    r = i.review
    return [i.number, i.year, i.report_id, i.severity_zh, i.title, i.rule, i.location, message, i.expected, i.actual,
            i.explanation, r.decision_zh if r else None, r.comment if r else None, r.reviewer if r else None]


def issues_xlsx(issues: IssueList) -> bytes:
    out = io.BytesIO()
    book = Workbook(out)
    sheet = book.sheet("问题清单", [w for _, w in COLUMNS], freeze_rows=3)
    width = len(COLUMNS)
    sheet.line(issues.title, "title", width)
    sheet.line(summary_line(issues), "subtitle", width)
    sheet.row([name for name, _ in COLUMNS], "header")
    for n, group in enumerate(issues.agencies, 1):
        sheet.line(f"{agency_title(n, group)}　{agency_facts(group)}", "group", width)
        for i in group.issues:
            styles = list(_STYLES)
            styles[3] = i.severity
            sheet.row(issue_row(i), styles)
    if not issues.agencies:
        sheet.line("所选报告没有发现问题。", "subtitle", width)

    totals = book.sheet("汇总", [30, 30, 8, 8, 8, 8], freeze_rows=1)
    totals.row(["机关", "所属地区", "报告数", "错误", "警告", "提示"], "header")
    for group in issues.agencies + issues.clean:
        totals.row([group.agency, group.where, len(group.reports), group.count("error"), group.count("warning"),
                    group.count("info")], ["label", "label", "value", "value", "value", "value"])
    book.close()
    return out.getvalue()
