"""Search, the rule catalogue and rule pages, and the agency page (years side by side)."""
from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ... import templates as T
from ...errors import StoreError
from ...numbers import whole
from ...rules import catalogue
from ...store.compare import FIGURES, figure_labels
from .. import queries
from ..accounts import User
from ..deps import NotFound, viewer, web
from ..params import Id
from ..views import FAMILY_NAMES, page

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search(request: Request, q: str = Query("", max_length=100), page_no: int = Query(1, alias="page", ge=1, le=1000),
           user: User = Depends(viewer)) -> Response:
    st = web(request)
    text = q.strip()
    agencies = queries.search_agencies(st.engine, text) if text and page_no == 1 else []
    hits = queries.search_text(st.engine, text, page_no) if text else queries.Page([], 1, 20, 0)
    sections = {s.key: s.title for s in T.SECTIONS}
    return page(request, "search.html", {"q": text, "agencies": agencies, "hits": hits, "section_titles": sections})


@router.get("/rules")
def rules(request: Request, user: User = Depends(viewer)) -> Response:
    st = web(request)
    counts = st.cache.get("rule_counts", lambda: queries.rule_counts(st.engine))
    return page(request, "rules.html", {"rules": catalogue(), "counts": counts, "families": FAMILY_NAMES})


@router.get("/rules/{rule_id}")
def rule(request: Request, rule_id: str, page_no: int = Query(1, alias="page", ge=1, le=100_000),
         user: User = Depends(viewer)) -> Response:
    found = next((r for r in catalogue() if r.id == rule_id), None)
    if found is None:
        raise NotFound("没有这条规则。", f"No rule {rule_id}.")
    st = web(request)
    return page(request, "rule.html", {"rule": found, "families": FAMILY_NAMES,
                                       "result": rule_page(st, rule_id, page_no)})


def rule_page(st: Any, rule_id: str, page_no: int) -> queries.Page:
    return queries.rule_reports(st.engine, rule_id, page_no)


def trend(comparison: Any) -> dict[str, Any]:
    """The key figures by year, for the agency's trend chart."""
    labels = figure_labels()
    table = comparison.table.set_index("path") if len(comparison.table) else None
    series = []
    for key in ("applications", "granted", "partially_granted", "denied", "reviews", "suits"):
        values = []
        for year in comparison.years:
            total = 0.0
            seen = False
            for path in FIGURES[key]:
                if table is not None and path in table.index:
                    v = table.at[path, year]
                    if not (isinstance(v, float) and math.isnan(v)):
                        total += float(v)
                        seen = True
            values.append(whole(total) if seen else None)
        series.append({"name": labels[key], "values": values})
    return {"years": [str(y) for y in comparison.years], "series": series}


def compare(st: Any, agency_id: int) -> Any:
    """The store's comparison of one agency's years (cached like the dashboards)."""
    try:
        return st.cache.get(("compare", agency_id), lambda: st.store.compare(agency_id))
    except StoreError as exc:
        raise NotFound(exc.message_zh, exc.message_en) from None


@router.get("/agencies/{agency_id}")
def agency(request: Request, agency_id: Id, user: User = Depends(viewer)) -> Response:
    st = web(request)
    info = queries.agency_info(st.engine, agency_id)
    if info is None:
        raise NotFound("没有这个机关。", f"No agency {agency_id}.")
    comparison = compare(st, agency_id)
    rows = comparison.table.to_dict("records") if len(comparison.table) else []
    reports = queries.report_page(st.engine, queries.ReportQuery(agency_id=agency_id, sort="year", desc=False), 1, 100)
    return page(request, "agency.html", {"info": info, "comparison": comparison, "rows": rows,
                                         "reports": reports.rows, "chart": trend(comparison),
                                         "table_names": {g: T.SECTION_BY_KEY[s].title for g, s in
                                                         (("table2", "proactive"), ("table3", "requests"),
                                                          ("table4", "appeals"))}})
