"""The region dashboard for a year, the list of expected agencies, and its exports."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from markupsafe import Markup

from ...formats import templates as T
from ...errors import UnreadableInput
from ...render.formats import html_table
from ...render.layout import report_grids
from ...store.compare import FIGURES, figure_labels
from ..services import changes as changes_mod
from .. import dashboard as dash_mod
from ..charts import region_charts
from .. import coverage, exports, queries, reminder
from ..accounts import User
from ..deps import record, reviewer_write, viewer, web
from ..params import FIRST_YEAR, LAST_YEAR
from ..services.exports import region_export
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
                   chart=_charts(st, dash, years), totals_tables=_totals_tables(dash))
        if request.headers.get("hx-request") and request.headers.get("hx-target") == "members":
            return partial(request, "_members.html", ctx)
    return page(request, "dashboard.html", ctx)


def _charts(st, dash: dash_mod.Dashboard, years: list[int]) -> dict:  # type: ignore[no-untyped-def]
    """The problems chart and the region charts (last year's figures when it has reports)."""
    before = None
    if dash.year - 1 in years:
        before = st.cache.get(("region", dash.region, dash.year - 1),
                              lambda: st.store.region_stats(dash.region, dash.year - 1, by="agency"))
    old, new = dash_mod.charts(dash), region_charts(dash.stats, before)
    return {**old, **new, "labels": {**old["labels"], **new["labels"]}}


def _totals_tables(dash: dash_mod.Dashboard) -> list[tuple[str, Markup]]:
    totals = dash.stats.totals
    if not (totals.table2 or totals.table3 or totals.table4):
        return []
    heads = {"table2": T.SECTION_BY_KEY["proactive"].title, "table3": T.SECTION_BY_KEY["requests"].title,
             "table4": T.SECTION_BY_KEY["appeals"].title}
    return [(heads[g.name], Markup(html_table(g, "nb-table")))
            for g in report_grids(totals.template, totals.table2, totals.table3, totals.table4)]


@router.get("/dashboard/changes")
def changes(request: Request, region: str = Query("", max_length=80), years: str = Query("", max_length=40),
            jumps: bool = False, fmt: str = Query("html", alias="format", pattern="^(html|csv)$"),
            user: User = Depends(viewer)) -> Response:
    """Every agency of a region, one year against the other, the largest changes first."""
    st = web(request)
    known = st.cache.get("years", lambda: queries.years(st.engine))
    region = region.strip()
    ctx = {"region": region, "years_text": years, "jumps": jumps, "view": None,
           "regions": st.cache.get("regions", lambda: queries.regions(st.engine))}
    chosen = changes_mod.region_years(years, known, None, None)
    if region and chosen:
        view = changes_mod.load(st.store, region, chosen, jumps, limit=10_000_000 if fmt == "csv" else queries.MAX_PER_PAGE)
        if fmt == "csv":
            c = view.changes
            return Response(exports.to_csv(changes_mod.CSV_HEADERS, view.csv_rows()), media_type=exports.CSV_TYPE,
                            headers=exports.filename_header(f"{c.region}{c.before_year}-{c.after_year}年度变化.csv"))
        ctx.update(view=view, years_text=f"{view.changes.before_year},{view.changes.after_year}")
    return page(request, "changes.html", ctx)


@router.post("/dashboard/expected")
async def expected(request: Request, region: str = Form(..., min_length=1, max_length=80),
                   year: int = Form(..., ge=FIRST_YEAR, le=LAST_YEAR),
                   names: str = Form("", max_length=MAX_LIST_BYTES), file: UploadFile | None = File(None),
                   user: User = Depends(reviewer_write)) -> Response:
    st = web(request)
    listed = dash_mod.parse_names(names)
    if file is not None and file.filename:
        data = await file.read(MAX_LIST_BYTES + 1)
        if len(data) > MAX_LIST_BYTES:
            raise UnreadableInput("名单文件过大（上限 1 MB）。", "The list file is too large (1 MB at most).")
        listed = await run_in_threadpool(_list_names, data)
    count = await run_in_threadpool(dash_mod.set_expected, st.engine, user, region.strip(), year, listed)
    st.cache.bump()
    from urllib.parse import urlencode

    return RedirectResponse("/dashboard?" + urlencode({"region": region.strip(), "year": year, "expected": count}),
                            status_code=303)


def _list_names(data: bytes) -> list[str]:
    """The names of an uploaded list: a text/CSV file (UTF-8 or GB18030) or an XLSX
    workbook, with or without a header row (coverage.names_from_rows)."""
    from ...parsing.readers import sniff

    if sniff(data) == "ooxml":
        return coverage.names_from_rows(coverage.xlsx_rows(data))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return coverage.parse_names(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UnreadableInput("名单文件不是文本、CSV 或 Excel 文件。", "The list is not a text, CSV or Excel file.")


@router.get("/dashboard/export/{name}")
def export(request: Request, name: str, region: str = Query(..., min_length=1, max_length=80),
           year: int = Query(..., ge=FIRST_YEAR, le=LAST_YEAR),
           deadline: date | None = Query(None, description="整改时限 (YYYY-MM-DD)"),
           issuer: str = Query("", max_length=80, description="落款的发文机关"),
           user: User = Depends(viewer)) -> Response:
    data, kind, file = region_export(web(request), region, year, name, exports.notice(deadline, issuer))
    record(request, user, "export", target=f"dashboard/{name}", detail={"region": region.strip(), "year": year})
    return Response(data, media_type=kind, headers=exports.filename_header(file))
