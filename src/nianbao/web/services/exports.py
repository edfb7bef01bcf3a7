"""A region's files for a year (the dashboard's exports): its members' figures and its
问题清单, both from the record as reviewed."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...store.compare import FIGURES, figure_labels
from ...store.filters import ReportFilter
from .. import dashboard as dash_mod
from .. import exports, reminder
from ..deps import NotFound

if TYPE_CHECKING:  # pragma: no cover
    from ...exports import Notice
    from ..app import WebState

REGION_EXPORTS = ("members.csv", "members.xlsx", "findings.xlsx", "findings.docx", "coverage.xlsx", "reminder.docx")


def region_export(st: "WebState", region: str, year: int, name: str,
                  notice: "Notice | None" = None) -> tuple[bytes, str, str]:
    """(data, media type, file name) of a region's export `name` (`notice`: the 整改通知's
    deadline and issuing office)."""
    if name not in REGION_EXPORTS:
        raise NotFound()
    dash = dash_mod.load(st.store, st.cache, region.strip(), year)
    stem = f"{dash.region}{year}"
    if name.startswith("members."):
        headers, rows = member_rows(dash)
        if name.endswith(".csv"):
            return exports.to_csv(headers, rows), exports.CSV_TYPE, f"{stem}各机关数据.csv"
        return exports.to_xlsx("各机关", headers, rows, {1: 30}), exports.XLSX_TYPE, f"{stem}各机关数据.xlsx"
    if name == "coverage.xlsx":
        return reminder.coverage_xlsx(dash.region, year, dash.entries), exports.XLSX_TYPE, f"{stem}缺报迟报名单.xlsx"
    if name == "reminder.docx":
        return reminder.reminder_docx(dash.region, year, dash.entries), exports.DOCX_TYPE, f"{stem}催报通知.docx"
    # the region's 问题清单 is the one `nianbao issues` writes (grouped by agency, with
    # locations, explanations and the decisions recorded here)
    from ...exports import build_issues, issues_docx, issues_xlsx

    # the 问题清单 lists every report's problems; the 整改通知 asks for rectification only of
    # reports a reviewer has not approved (an approved report's warnings were accepted)
    sel = ReportFilter(region=dash.region, years=(year,), unapproved=name.endswith(".docx"))
    issues = build_issues(st.store, sel)
    if name.endswith(".xlsx"):
        return issues_xlsx(issues), exports.XLSX_TYPE, f"{stem}问题清单.xlsx"
    return issues_docx(issues, notice), exports.DOCX_TYPE, f"{stem}整改通知.docx"


def member_rows(dash: dash_mod.Dashboard) -> tuple[list[str], list[list[Any]]]:
    labels = figure_labels()
    headers = ["报告编号", "机关", "地区", "错误", "警告", *[labels[k] for k in FIGURES], labels["denied_share"]]
    rows = [[r["id"], r["agency"], r["region"], r["n_errors"], r["n_warnings"], *[r[k] for k in FIGURES],
             r["denied_share"]] for r in dash_mod.member_page(dash, "agency", False, 1, 10_000_000).rows]
    return headers, rows
