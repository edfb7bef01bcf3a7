"""Search, the rule catalogue and rule pages, and the agency page (years side by side)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ...formats import templates as T
from ...errors import StoreError
from ...numbers import whole
from ...rules import catalogue
from ...store.compare import FIGURES, figure_labels
from .. import queries, searching
from ..schema import REVIEW_STATUSES
from ...formats import templates as T
from ..accounts import User
from ..deps import viewer, web
from ..services import compare as compare_svc
from ..services import rules as rule_svc
from ..params import Id
from ..views import FAMILY_NAMES, page

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search(request: Request, q: str = Query("", max_length=100), page_no: int = Query(1, alias="page", ge=1, le=1000),
           year: str | None = Query(None, max_length=8), region: str = Query("", max_length=80),
           rule: str = Query("", max_length=20), status: str = Query("", max_length=20),
           user: User = Depends(viewer)) -> Response:
    st = web(request)
    text = q.strip()
    filters = searching.SearchFilters(year=int(year) if year and year.isdigit() and len(year) == 4 else None,
                                      region=region.strip() or None, rule=rule if rule in searching.rule_titles() else None,
                                      status=status.strip() or None)
    agencies = queries.search_agencies(st.engine, text) if text and page_no == 1 else []
    hits = searching.search_reports(st.engine, text, filters, page_no) if text else queries.Page([], 1, 20, 0)
    sections = {s.key: s.title for s in T.SECTIONS}
    return page(request, "search.html", {
        "q": text, "agencies": agencies, "hits": hits, "section_titles": sections,
        "years": st.cache.get("years", lambda: queries.years(st.engine)), "rule_titles": searching.rule_titles(),
        "statuses": REVIEW_STATUSES,
        "params": {"q": text, "year": filters.year or "", "region": filters.region or "", "rule": filters.rule or "",
                   "status": filters.status or ""}})


@router.get("/rules")
def rules(request: Request, user: User = Depends(viewer)) -> Response:
    counts = rule_svc.rule_counts(web(request))
    return page(request, "rules.html", {"rules": catalogue(), "counts": counts, "families": FAMILY_NAMES})


@router.get("/rules/{rule_id}")
def rule(request: Request, rule_id: str, page_no: int = Query(1, alias="page", ge=1, le=100_000),
         user: User = Depends(viewer)) -> Response:
    found = rule_svc.find_rule(rule_id)
    return page(request, "rule.html", {"rule": found, "families": FAMILY_NAMES,
                                       "result": rule_svc.rule_page(web(request), rule_id, page_no)})


@router.get("/agencies/{agency_id}")
def agency(request: Request, agency_id: Id, user: User = Depends(viewer)) -> Response:
    data = compare_svc.agency(web(request), agency_id)
    comparison = data["comparison"]
    rows = comparison.table.to_dict("records") if len(comparison.table) else []
    return page(request, "agency.html", {"info": data["info"], "comparison": comparison, "rows": rows,
                                         "reports": data["reports"], "chart": data["trend"],
                                         "table_names": {g: T.SECTION_BY_KEY[s].title for g, s in
                                                         (("table2", "proactive"), ("table3", "requests"),
                                                          ("table4", "appeals"))}})
