"""The report list, the report page (tables, source, findings, review), its page images,
printable view and exports."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from ...store.compare import cell_label
from .. import audit, exports, pageimage, queries, reviews, searching
from ..accounts import User
from ..deps import NotFound, record, reviewer_write, viewer, web
from ..params import Id
from ..searching import rule_titles
from ..reportview import ReportView, build, section_texts
from ..services import reports as svc
from ..views import page, partial

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, region: str | None = None, year: str | None = None, agency: str | None = None,
         status: str | None = None, problems: str | None = None, sort: str = "id", order: str = "desc",
         rule: str | None = Query(None, max_length=20),
         page_no: int = Query(1, alias="page", ge=1, le=100_000), user: User = Depends(viewer)) -> Response:
    st = web(request)
    q = svc.list_filter(region, year, agency, status, problems, rule=rule if rule in rule_titles() else None)
    by = queries.ListOrder.of(sort, order)
    result = svc.report_list(st, q, by, page_no)
    years = st.cache.get("years", lambda: queries.years(st.engine))
    facets = st.cache.get(("facets", q), lambda: searching.facets(st.engine, q))
    ctx = {"result": result, "q": q, "years": years, "facets": facets, "rule_titles": rule_titles(),
           "filters": {"region": q.region or "", "year": q.years[0] if q.years else "", "agency": q.name or "",
                       "status": q.status or "", "problems": "1" if q.errors_only else "", "rule": q.rule or "",
                       "sort": by.sort, "order": "desc" if by.desc else "asc"}}
    name = "_report_rows.html" if request.headers.get("hx-request") and request.headers.get("hx-target") == "report-list" \
        else "home.html"
    return page(request, name, ctx)


MAX_EXPORT_ROWS = 100_000


@router.get("/export/reports.{fmt}")
def export_list(request: Request, fmt: str, region: str | None = None, year: str | None = None,
                agency: str | None = None, status: str | None = None, problems: str | None = None,
                sort: str = "id", order: str = "desc", rule: str | None = Query(None, max_length=20),
                user: User = Depends(viewer)) -> Response:
    """The report list as filtered on the home page, as CSV or XLSX (all pages)."""
    if fmt not in ("csv", "xlsx"):
        raise NotFound()
    q = svc.list_filter(region, year, agency, status, problems, rule=rule if rule in rule_titles() else None)
    result = svc.report_list(web(request), q, queries.ListOrder.of(sort, order), 1, MAX_EXPORT_ROWS, MAX_EXPORT_ROWS)
    record(request, user, "export", target=f"reports.{fmt}",
           detail={"region": q.region, "year": q.years[0] if q.years else None, "agency": q.name,
                   "rows": len(result.rows)})
    rows = svc.list_rows(result)
    if fmt == "csv":
        return Response(exports.to_csv(svc.LIST_HEADERS, rows), media_type=exports.CSV_TYPE,
                        headers=exports.filename_header("报告列表.csv"))
    return Response(exports.to_xlsx("报告列表", svc.LIST_HEADERS, rows, {1: 30, 8: 40}), media_type=exports.XLSX_TYPE,
                    headers=exports.filename_header("报告列表.xlsx"))


def load(request: Request, report_id: int) -> tuple[dict[str, Any], ReportView | None]:
    return svc.load(web(request), report_id)


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
            "history": audit.entries(st.engine, 1, 20, report_id=row["id"])[0]}


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
                start: int | None = Query(None, ge=0, le=1_000_000),
                user: User = Depends(viewer)) -> dict[str, Any]:
    """Where text line `line` is printed on page `number` of a PDF original: with `start`
    (a cell's first character in the line), that cell's box in the page's ruled table, else
    (or when no table row matches) the row label's box: {"label": ..., "box": [x0, y0, x1,
    y1] as fractions of the page, or null, "cell": true when the box is the cell's}."""
    st = web(request)
    report = st.store.report(report_id)
    data = st.store.original(report_id) if report else None
    if report is None or data is None or line > len(report.lines):
        raise NotFound("没有这一行。", "No such line.")
    text = report.lines[line - 1]
    label = pageimage.row_label(text)
    cell = pageimage.locate_cell(data, number, text, start) if start is not None else None
    found = cell or pageimage.locate(data, number, label)
    return {"label": label, "box": found["box"] if found else None, "cell": cell is not None}


@router.get("/reports/{report_id}/original")
def original(request: Request, report_id: Id, user: User = Depends(viewer)) -> Response:
    st = web(request)
    row = queries.report_row(st.engine, report_id)
    data = st.store.original(report_id) if row else None
    if data is None:
        raise NotFound("没有保存该报告的原件。", "The original is not stored.")
    record(request, user, "download.original", report_id=report_id, content_hash=row["content_hash"],
           detail={"bytes": len(data)})
    headers = exports.filename_header(f"报告{report_id}原件.bin")
    headers["Content-Security-Policy"] = "sandbox"
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.post("/reports/{report_id}/findings/{key}")
def decide(request: Request, report_id: Id, key: str, decision: str = Form(...),
           comment: str = Form("", max_length=reviews.MAX_COMMENT), user: User = Depends(reviewer_write)) -> Response:
    row, view, fv = svc.decide(web(request), user, report_id, key, decision, comment)
    if request.headers.get("hx-request"):
        return partial(request, "_finding.html", {
            "fv": fv, "row": row, "cell_names": {c: cell_label(c, view.report.template) for c in fv.cells}})
    return RedirectResponse(f"/reports/{report_id}#f-{key}", status_code=303)


@router.post("/reports/{report_id}/cells")
def correct(request: Request, report_id: Id, path: str = Form(..., max_length=120), value: str = Form("", max_length=40),
            comment: str = Form("", max_length=reviews.MAX_COMMENT), user: User = Depends(reviewer_write)) -> Response:
    svc.correct(web(request), user, report_id, path, value, comment)
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


@router.get("/reports/{report_id}/export/{name}")
def export(request: Request, report_id: Id, name: str, user: User = Depends(viewer),
           deadline: date | None = Query(None, description="整改时限 (YYYY-MM-DD)"),
           issuer: str = Query("", max_length=80, description="落款的发文机关")) -> Response:
    row, data, kind, file = svc.report_export(web(request), report_id, name, exports.notice(deadline, issuer))
    record(request, user, "export", report_id=report_id, content_hash=row["content_hash"], target=name)
    return Response(data, media_type=kind, headers=exports.filename_header(file))
