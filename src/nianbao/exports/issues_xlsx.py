"""The 问题清单 as a workbook: 问题清单 (a heading row per agency, then one row per issue)
and 汇总 (one row per agency with its counts, those without issues too).

Made to be printed and sent as it is: text wrapped in its cells, the heading row frozen and
repeated on every printed page, A4 landscape fitted to the page's width; every value in
plain words (no database ids, no file paths, no raw scores)."""
from __future__ import annotations

import io

from .issues import Issue, IssueList, agency_facts, agency_title, summary_line
from .xlsx import PrintSetup, Workbook

COLUMNS = (("序号", 6), ("年度", 7), ("严重程度", 10), ("问题类型", 20), ("规则", 7), ("位置", 28),
           ("问题说明", 50), ("核对情况", 28), ("规则解释", 44), ("复核结论", 9), ("复核意见", 22), ("复核人", 10))
_STYLES = ["value", "value", None, *["text"] * 9]
HEADER_ROW = 3  # title, summary, then the column names


def issue_row(i: Issue) -> list[object]:
    message = i.message + (f"（{i.detail}）" if i.detail and i.detail not in i.message else "")
    r = i.review
    return [i.number, i.year, i.severity_zh, i.title, i.rule or None, i.location, message, i.values or None,
            i.explanation, r.decision_zh if r else None, r.comment if r else None, r.reviewer if r else None]


def issues_xlsx(issues: IssueList) -> bytes:
    out = io.BytesIO()
    book = Workbook(out)
    sheet = book.sheet("问题清单", [w for _, w in COLUMNS], freeze_rows=HEADER_ROW,
                       printing=PrintSetup(landscape=True, title_rows=(HEADER_ROW, HEADER_ROW)))
    width = len(COLUMNS)
    sheet.line(issues.title, "title", width)
    sheet.line(summary_line(issues), "subtitle", width)
    sheet.row([name for name, _ in COLUMNS], "header")
    for n, group in enumerate(issues.agencies, 1):
        sheet.line(f"{agency_title(n, group)}　{agency_facts(group)}", "group", width)
        for i in group.issues:
            styles = list(_STYLES)
            styles[2] = i.severity
            sheet.row(issue_row(i), styles)
    if not issues.agencies:
        sheet.line("所选报告没有发现问题。", "subtitle", width)

    totals = book.sheet("汇总", [30, 30, 8, 8, 8, 8], freeze_rows=1,
                        printing=PrintSetup(landscape=False, title_rows=(1, 1)))
    totals.row(["机关", "所属地区", "报告数", "错误", "警告", "提示"], "header")
    for group in issues.agencies + issues.clean:
        totals.row([group.agency, group.where, len(group.reports), group.count("error"), group.count("warning"),
                    group.count("info")], ["label", "label", "value", "value", "value", "value"])
    book.close()
    return out.getvalue()
