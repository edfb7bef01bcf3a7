"""The report list, the report page (tables, source, findings, review), its page images,
printable view and exports."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from ...store.compare import cell_label
from .. import exports, pageimage, queries, reviews
from ..accounts import User
from ..deps import NotFound, record, reviewer_write, viewer, web
from ..params import Id
from ..reportview import ReportView, build, section_texts
from ..views import page, partial

router = APIRouter(include_in_schema=False)


def list_query(region: str | None, year: str | None, agency: str | None, status: str | None, problems: str | None,
               sort: str, order: str) -> queries.ReportQuery:
    return queries.ReportQuery(region=(region or "").strip() or None, year=_int(year), agency=(agency or "").strip() or None,
                               status=status if status in ("ok", "failed") else None, problems=problems == "1",
                               sort=sort if sort in queries.SORTS else "id", desc=order != "asc")


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 6 else None


@router.get("/")
def home(request: Request, region: str | None = None, year: str | None = None, agency: str | None = None,
         status: str | None = None, problems: str | None = None, sort: str = "id", order: str = "desc",
         page_no: int = Query(1, alias="page", ge=1, le=100_000), user: User = Depends(viewer)) -> Response:
    st = web(request)
    q = list_query(region, year, agency, status, problems, sort, order)
    result = queries.report_page(st.engine, q, page_no, orders=st.orders)
    years = st.cache.get("years", lambda: queries.years(st.engine))
    ctx = {"result": result, "q": q, "years": years, "filters": {"region": q.region or "", "year": q.year or "",
           "agency": q.agency or "", "status": q.status or "", "problems": "1" if q.problems else "",
           "sort": q.sort, "order": "desc" if q.desc else "asc"}}
    name = "_report_rows.html" if request.headers.get("hx-request") and request.headers.get("hx-target") == "report-list" \
        else "home.html"
    return page(request, name, ctx)


MAX_EXPORT_ROWS = 100_000
LIST_HEADERS = ("报告编号", "机关", "地区", "年度", "格式", "状态", "错误", "警告", "来源文件", "未能解析的原因")


@router.get("/export/reports.{fmt}")
def export_list(request: Request, fmt: str, region: str | None = None, year: str | None = None,
                agency: str | None = None, status: str | None = None, problems: str | None = None,
                sort: str = "id", order: str = "desc", user: User = Depends(viewer)) -> Response:
    """The report list as filtered on the home page, as CSV or XLSX (all pages)."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound()
    q = list_query(region, year, agency, status, problems, sort, order)
    result = queries.report_page(web(request).engine, q, 1, MAX_EXPORT_ROWS, cap=MAX_EXPORT_ROWS)
    record(request, user, "export", target=f"reports.{fmt}",
           detail={"region": q.region, "year": q.year, "agency": q.agency, "rows": len(result.rows)})
    rows = [[r["id"], r["agency"], r["region"], r["year"], r["template"], "已解析" if r["status"] == "ok" else "未能解析",
             r["n_errors"], r["n_warnings"], r["source_name"], r["error"]] for r in result.rows]
    if fmt == "csv":
        return Response(exports.to_csv(LIST_HEADERS, rows), media_type=exports.CSV_TYPE,
                        headers=exports.filename_header("报告列表.csv"))
    return Response(exports.to_xlsx("报告列表", LIST_HEADERS, rows, {1: 30, 8: 40}), media_type=exports.XLSX_TYPE,
                    headers=exports.filename_header("报告列表.xlsx"))


def load(request: Request, report_id: int) -> tuple[dict[str, Any], ReportView | None]:
    st = web(request)
    row = queries.report_row(st.engine, report_id)
    if row is None:
        raise NotFound("没有这份报告。", f"No report {report_id}.")
    view = build(st.store, report_id, row["content_hash"]) if row["status"] == "ok" else None
    return row, view


def report_context(request: Request, row: dict[str, Any], view: ReportView | None) -> dict[str, Any]:
    st = web(request)
    pages = (row["pages"] or 1) if view is not None and row["reader"] in pageimage.PAGED_READERS else 0
    names = {}
    if view is not None:
        paths = set(view.fixes) | {c for fv in view.findings for c in fv.cells}
        names = {p: cell_label(p, view.report.template) for p in paths if p.startswith("table")}
    return {"row": row, "view": view, "pages": pages, "cell_names": names,
            "tables": [(h, Markup(t)) for h, t in (view.tables if view else [])],
            "sections": section_texts(view.report) if view else [],
            "history": reviews.audit_page(st.engine, 1, 20, report_id=row["id"])[0]}


@router.get("/reports/{report_id}")
def report_page(request: Request, report_id: Id, user: User = Depends(viewer)) -> Response:
    row, view = load(request, report_id)
    return page(request, "report.html", report_context(request, row, view))


@router.get("/reports/{report_id}/print")
def report_print(request: Request, report_id: Id, user: User = Depends(viewer)) -> Response:
    row, view = load(request, report_id)
    return page(request, "print.html", report_context(request, row, view))


@router.get("/reports/{report_id}/pages/{number}.png")
def page_image(request: Request, report_id: Id, number: int, user: User = Depends(viewer)) -> Response:
    st = web(request)
    row = queries.report_row(st.engine, report_id)
    try:
        png = pageimage.render_page(row["content_hash"], lambda: st.store.original(report_id), number) if row else None
    except pageimage.PageSizeError:
        raise HTTPException(422, "这一页的页面尺寸无效，无法显示为图片。") from None
    except pageimage.Busy:
        raise HTTPException(503, "服务器正忙于生成其他页面图片，请稍后再试。") from None
    if png is None:
        raise NotFound("没有这一页。", "No such page.")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/reports/{report_id}/pages/{number}/locate")
def locate_line(request: Request, report_id: Id, number: int, line: int = Query(..., ge=1, le=1_000_000),
                user: User = Depends(viewer)) -> dict[str, Any]:
    """Where text line `line` (its row label) is printed on page `number` of a PDF original:
    {"label": ..., "box": [x0, y0, x1, y1] as fractions of the page, or null}."""
    st = web(request)
    report = st.store.report(report_id)
    data = st.store.original(report_id) if report else None
    if report is None or data is None or line > len(report.lines):
        raise NotFound("没有这一行。", "No such line.")
    label = pageimage.row_label(report.lines[line - 1])
    found = pageimage.locate(data, number, label)
    return {"label": label, "box": found["box"] if found else None}


@router.get("/reports/{report_id}/original")
def original(request: Request, report_id: Id, user: User = Depends(viewer)) -> Response:
    st = web(request)
    row = queries.report_row(st.engine, report_id)
    data = st.store.original(report_id) if row else None
    if row is None or data is None:
        raise NotFound("没有保存该报告的原件。", "The original is not stored.")
    record(request, user, "download.original", report_id=report_id, content_hash=row["content_hash"],
           detail={"bytes": len(data)})
    headers = exports.filename_header(f"报告{report_id}原件.bin")
    headers["Content-Security-Policy"] = "sandbox"
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.post("/reports/{report_id}/findings/{key}")
def decide(request: Request, report_id: Id, key: str, decision: str = Form(...),
           comment: str = Form("", max_length=reviews.MAX_COMMENT), user: User = Depends(reviewer_write)) -> Response:
    st = web(request)
    row, view = load(request, report_id)
    fv = next((f for f in view.findings if f.key == key), None) if view else None
    if fv is None or view is None:
        raise NotFound("没有这条问题。", "No such finding.")
    fv.decision = reviews.decide(st.engine, user, report_id, row["content_hash"], fv.finding, decision, comment)
    if request.headers.get("hx-request"):
        return partial(request, "_finding.html", {
            "fv": fv, "row": row, "cell_names": {c: cell_label(c, view.report.template) for c in fv.cells}})
    return RedirectResponse(f"/reports/{report_id}#f-{key}", status_code=303)


@router.post("/reports/{report_id}/cells")
def correct(request: Request, report_id: Id, path: str = Form(..., max_length=120), value: str = Form("", max_length=40),
            comment: str = Form("", max_length=reviews.MAX_COMMENT), user: User = Depends(reviewer_write)) -> Response:
    st = web(request)
    row, view = load(request, report_id)
    if view is None:
        raise NotFound("该报告未能解析，没有可更正的单元格。", "The report was not parsed; it has no cells.")
    reviews.correct(st.engine, user, view.report, report_id, row["content_hash"], path, value, comment)
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


@router.get("/reports/{report_id}/export/{name}")
def export(request: Request, report_id: Id, name: str, user: User = Depends(viewer)) -> Response:
    row, view = load(request, report_id)
    if view is None:
        raise NotFound("该报告未能解析，没有可导出的内容。", "The report was not parsed.")
    stem = f"{row['agency'] or '报告'}{row['year'] or ''}"
    if name == "findings.xlsx":
        data, kind, file = exports.findings_xlsx(exports.report_finding_rows(view, row)), exports.XLSX_TYPE, f"{stem}问题清单.xlsx"
    elif name == "findings.docx":
        data = exports.findings_docx(f"{stem}年度报告问题清单", _subtitle(row, view),
                                     exports.report_finding_rows(view, row))
        kind, file = exports.DOCX_TYPE, f"{stem}问题清单.docx"
    elif name == "cells.csv":
        data, kind, file = exports.to_csv(exports.CELL_HEADERS, exports.cell_rows(view)), exports.CSV_TYPE, f"{stem}数据.csv"
    elif name == "cells.xlsx":
        data, kind, file = exports.to_xlsx("数据", exports.CELL_HEADERS, exports.cell_rows(view), {1: 36}), exports.XLSX_TYPE, \
            f"{stem}数据.xlsx"
    else:
        raise NotFound()
    record(request, user, "export", report_id=report_id, content_hash=row["content_hash"], target=name)
    return Response(data, media_type=kind, headers=exports.filename_header(file))


def _subtitle(row: dict[str, Any], view: ReportView) -> str:
    errors, warnings = view.counts
    fixed = f"；已按{len(view.fixes)}处单元格更正重新检查" if view.fixes else ""
    return f"报告编号 {row['id']}，来源 {row['source_name'] or ''}；错误 {errors} 个，警告 {warnings} 个{fixed}。"
