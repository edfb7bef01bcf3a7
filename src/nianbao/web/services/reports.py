"""The report list and one report (the record as reviewed), its review writes, and its
exports: the data behind the list and report pages and the `/api/reports` endpoints."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...store.filters import PARSE_STATUSES, SEVERITIES, ReportFilter
from .. import exports, queries, reviews
from ..schema import REVIEW_STATUSES
from ..accounts import User
from ..deps import NotFound
from ..reportview import FindingView, ReportView, build

if TYPE_CHECKING:  # pragma: no cover
    from ...exports import Notice
    from ..app import WebState


def list_filter(region: str | None = None, year: Any = None, agency: str | None = None, status: str | None = None,
                problems: Any = None, agency_id: int | None = None, rule: str | None = None,
                severity: str | None = None, text: str | None = None, review: str | None = None,
                hidden: bool = False) -> ReportFilter:
    """The list's filter from what a page or API request gave (text as typed; a value
    outside its choices is no filter).  `agency` is part of the agency's name."""
    return ReportFilter(region=region, years=(y,) if (y := _year(year)) else (), name=agency,
                        agency=agency_id, status=status if status in PARSE_STATUSES else None,
                        errors_only=problems in (True, "1", "true"), rule=rule,
                        severity=severity if severity in SEVERITIES else None, text=text,
                        review=review if review in REVIEW_STATUSES else None, hidden=hidden)


def _year(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) < 6 else None


def report_list(st: "WebState", f: ReportFilter, order: queries.ListOrder, page: int = 1,
                per_page: int = queries.PER_PAGE, cap: int = queries.MAX_PER_PAGE) -> queries.Page:
    return queries.report_page(st.engine, f, order, page, per_page, cap, orders=st.orders)


LIST_HEADERS = ("报告编号", "机关", "地区", "年度", "格式", "状态", "错误", "警告", "来源文件", "未能解析的原因")


def list_rows(page: queries.Page) -> list[list[Any]]:
    """The list as exported (CSV/XLSX): one row per report, counts as reviewed."""
    return [[r["id"], r["agency"], r["region"], r["year"], r["template"], "已解析" if r["status"] == "ok" else "未能解析",
             r["n_errors"], r["n_warnings"], r["source_name"], r["error"]] for r in page.rows]


# --------------------------------------------------------------------------- one report


def load(st: "WebState", report_id: int, tables: bool = True) -> tuple[dict[str, Any], ReportView | None]:
    """A report's list row and (when it was parsed) its page model, as reviewed."""
    row = queries.report_row(st.engine, report_id)
    if row is None:
        raise NotFound("没有这份报告。", f"No report {report_id}.")
    view = build(st.store, report_id, row["content_hash"], tables) if row["status"] == "ok" else None
    return row, view


def parsed(st: "WebState", report_id: int, tables: bool = False) -> tuple[dict[str, Any], ReportView]:
    """A parsed report's row and view; NotFound for a report that could not be parsed."""
    row, view = load(st, report_id, tables)
    if view is None:
        raise NotFound("该报告未能解析。", f"Report {report_id} could not be parsed: {row['error_en'] or ''}")
    return row, view


def finding(view: ReportView, key: str) -> FindingView:
    fv = next((f for f in view.findings if f.key == key), None)
    if fv is None:
        raise NotFound("没有这条问题。", f"No finding {key}.")
    return fv


def reviewed(st: "WebState") -> None:
    """A decision or correction changed the reviewed record: cached dashboards, counts and
    list orders are stale."""
    st.cache.bump()
    st.orders.bump()


def decide(st: "WebState", user: User, report_id: int, key: str, decision: str,
           comment: str | None) -> tuple[dict[str, Any], ReportView, FindingView]:
    row, view = parsed(st, report_id)
    fv = finding(view, key)
    fv.decision = reviews.decide(st.engine, user, report_id, row["content_hash"], fv.finding, decision, comment)
    reviewed(st)
    return row, view, fv


def correct(st: "WebState", user: User, report_id: int, path: str, value: Any, comment: str | None) -> ReportView:
    """Store a correction; returns the report's view after it."""
    row, view = load(st, report_id, tables=False)
    if view is None:
        raise NotFound("该报告未能解析，没有可更正的单元格。", "The report was not parsed; it has no cells.")
    reviews.correct(st.engine, user, view.report, report_id, row["content_hash"], path, value, comment)
    reviewed(st)
    return parsed(st, report_id)[1]


EXPORTS = ("findings.xlsx", "findings.docx", "cells.csv", "cells.xlsx")


def report_export(st: "WebState", report_id: int, name: str,
                  notice: "Notice | None" = None) -> tuple[dict[str, Any], bytes, str, str]:
    """(row, data, media type, file name) of one report's export `name`: its 问题清单
    (dismissed findings out), its 整改通知 (`notice`: deadline and issuing office) or its
    cells (extracted and corrected values)."""
    if name not in EXPORTS:
        raise NotFound()
    row, view = load(st, report_id, tables=False)
    if view is None:
        raise NotFound("该报告未能解析，没有可导出的内容。", "The report was not parsed.")
    stem = f"{row['agency'] or '报告'}{row['year'] or ''}"
    if name == "findings.xlsx":
        return row, exports.findings_xlsx(exports.report_finding_rows(view, row)), exports.XLSX_TYPE, f"{stem}问题清单.xlsx"
    if name == "findings.docx":
        from ...exports import build_issues, issues_docx

        issues = build_issues(st.store, ReportFilter(ids=(report_id,)))
        return row, issues_docx(issues, notice), exports.DOCX_TYPE, f"{stem}整改通知.docx"
    if name == "cells.csv":
        return row, exports.to_csv(exports.CELL_HEADERS, exports.cell_rows(view)), exports.CSV_TYPE, f"{stem}数据.csv"
    return row, exports.to_xlsx("数据", exports.CELL_HEADERS, exports.cell_rows(view), {1: 36}), exports.XLSX_TYPE, \
        f"{stem}数据.xlsx"
