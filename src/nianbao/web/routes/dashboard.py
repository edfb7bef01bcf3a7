"""The region dashboard for a year, the list of expected agencies, and its exports."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from markupsafe import Markup

from ... import templates as T
from ...errors import UnreadableInput
from ...render.formats import html_table
from ...render.layout import report_grids
from ...store.compare import FIGURES, figure_labels
from .. import dashboard as dash_mod
from .. import exports, queries
from ..accounts import User
from ..deps import NotFound, record, reviewer_write, viewer, web
from ..params import FIRST_YEAR, LAST_YEAR
from ..views import page, partial

router = APIRouter(include_in_schema=False)
MAX_LIST_BYTES = 1024 * 1024


def _year(text: str | None, years: list[int]) -> int | None:
    text = (text or "").strip()
    if text.isdigit() and len(text) == 4:
        return int(text)
    return years[0] if years else None


@router.get("/dashboard")
def dashboard(request: Request, region: str = Query("", max_length=80), year: str | None = None,
              sort: str = "n_errors", order: str = "desc", page_no: int = Query(1, alias="page", ge=1, le=10_000),
              user: User = Depends(viewer)) -> Response:
    st = web(request)
    years = st.cache.get("years", lambda: queries.years(st.engine))
    chosen = _year(year, years)
    region = region.strip()
    ctx = {"region": region, "year": chosen, "years": years, "sort": sort, "order": order, "dash": None,
           "regions": st.cache.get("regions", lambda: queries.regions(st.engine)), "labels": figure_labels(),
           "figures": list(FIGURES)}
    if region and chosen:
        dash = dash_mod.load(st.store, st.cache, region, chosen)
        ctx.update(dash=dash, members=dash_mod.member_page(dash, sort, order != "asc", page_no),
                   chart=dash_mod.charts(dash), totals_tables=_totals_tables(dash))
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "members":
            return partial(request, "_members.html", ctx)
    return page(request, "dashboard.html", ctx)


def _totals_tables(dash: dash_mod.Dashboard) -> list[tuple[str, Markup]]:
    totals = dash.stats.totals
    if not (totals.table2 or totals.table3 or totals.table4):
        return []
    heads = {"table2": T.SECTION_BY_KEY["proactive"].title, "table3": T.SECTION_BY_KEY["requests"].title,
             "table4": T.SECTION_BY_KEY["appeals"].title}
    return [(heads[g.name], Markup(html_table(g, "nb-table")))
            for g in report_grids(totals.template, totals.table2, totals.table3, totals.table4)]


@router.post("/dashboard/expected")
async def expected(request: Request, region: str = Form(..., min_length=1, max_length=80),
                   year: int = Form(..., ge=FIRST_YEAR, le=LAST_YEAR),
                   names: str = Form("", max_length=MAX_LIST_BYTES), file: UploadFile | None = File(None),
                   user: User = Depends(reviewer_write)) -> Response:
    st = web(request)
    text = names
    if file is not None and file.filename:
        data = await file.read(MAX_LIST_BYTES + 1)
        if len(data) > MAX_LIST_BYTES:
            raise UnreadableInput("名单文件过大（上限 1 MB）。", "The list file is too large (1 MB at most).")
        text = await run_in_threadpool(_list_text, data)
    listed = dash_mod.parse_names(text)
    count = await run_in_threadpool(dash_mod.set_expected, st.engine, user, region.strip(), year, listed)
    st.cache.bump()
    from urllib.parse import urlencode

    return RedirectResponse("/dashboard?" + urlencode({"region": region.strip(), "year": year, "expected": count}),
                            status_code=303)


def _list_text(data: bytes) -> str:
    """The names of an uploaded list: a text/CSV file (UTF-8 or GB18030), or the first
    column of an XLSX workbook."""
    from ...readers import sniff

    if sniff(data) == "ooxml":
        import io

        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any broken workbook is the same message
            raise UnreadableInput("无法读取该 Excel 文件。", "The workbook cannot be read.") from None
        ws = wb.worksheets[0]
        return "\n".join(str(r[0]) for r in ws.iter_rows(max_col=1, values_only=True) if r and r[0] is not None)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableInput("名单文件不是文本、CSV 或 Excel 文件。", "The list is not a text, CSV or Excel file.")


@router.get("/dashboard/export/{name}")
def export(request: Request, name: str, region: str = Query(..., min_length=1, max_length=80),
           year: int = Query(..., ge=FIRST_YEAR, le=LAST_YEAR),
           user: User = Depends(viewer)) -> Response:
    st = web(request)
    dash = dash_mod.load(st.store, st.cache, region.strip(), year)
    stem = f"{dash.region}{year}"
    if name in ("members.csv", "members.xlsx", "findings.xlsx", "findings.docx"):
        record(request, user, "export", target=f"dashboard/{name}", detail={"region": dash.region, "year": year})
    if name in ("members.csv", "members.xlsx"):
        labels = figure_labels()
        headers = ["报告编号", "机关", "地区", "错误", "警告", *[labels[k] for k in FIGURES], labels["denied_share"]]
        rows = [[r["id"], r["agency"], r["region"], r["n_errors"], r["n_warnings"], *[r[k] for k in FIGURES],
                 r["denied_share"]] for r in dash_mod.member_page(dash, "agency", False, 1, 10_000_000).rows]
        if name.endswith(".csv"):
            return Response(exports.to_csv(headers, rows), media_type=exports.CSV_TYPE,
                            headers=exports.filename_header(f"{stem}各机关数据.csv"))
        return Response(exports.to_xlsx("各机关", headers, rows, {1: 30}), media_type=exports.XLSX_TYPE,
                        headers=exports.filename_header(f"{stem}各机关数据.xlsx"))
    if name in ("findings.xlsx", "findings.docx"):
        # the region's 问题清单 is the one `nianbao issues` writes (grouped by agency, with
        # locations, explanations and the decisions recorded here)
        from ...exports import Selection, build_issues, issues_docx, issues_xlsx

        issues = build_issues(st.store, Selection(region=dash.region, years=(year,)))
        if name.endswith(".xlsx"):
            return Response(issues_xlsx(issues), media_type=exports.XLSX_TYPE,
                            headers=exports.filename_header(f"{stem}问题清单.xlsx"))
        return Response(issues_docx(issues), media_type=exports.DOCX_TYPE,
                        headers=exports.filename_header(f"{stem}问题清单.docx"))
    raise NotFound()

