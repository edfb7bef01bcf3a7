"""Agencies, regional statistics and expected agencies, search, rules, the audit log."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...rules import catalogue
from .. import audit
from ..services import changes as changes_mod
from .. import dashboard as dash_mod
from .. import queries
from ..accounts import User
from ..deps import NotFound, reviewer, reviewer_write, viewer, web
from ..params import Id, Page, Year
from ..services import compare as compare_svc
from ..services import rules as rule_svc
from . import responses as R
from .models import ExpectedIn

router = APIRouter()


@router.get("/agencies", tags=["browse"], response_model=list[R.AgencyHit])
def agencies(request: Request, q: str = Query("", max_length=100), user: User = Depends(viewer)) -> list[dict[str, Any]]:
    return queries.search_agencies(web(request).engine, q, 50)


@router.get("/agencies/{agency_id}", tags=["browse"], response_model=R.AgencyOut)
def agency(request: Request, agency_id: Id, user: User = Depends(viewer)) -> dict[str, Any]:
    """One agency's reports side by side: every cell per year and the change."""
    data = compare_svc.agency(web(request), agency_id)
    comp = data["comparison"]
    table = comp.table.astype(object).where(comp.table.notna(), None)
    return {"agency": data["info"], "years": comp.years, "report_ids": comp.report_ids, "trend": data["trend"],
            "counts": {y: {"errors": e, "warnings": w} for y, (e, w) in comp.counts.items()},
            "cells": [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]}


@router.get("/stats/region", tags=["stats"], response_model=R.RegionOut)
def region(request: Request, year: Year, region: str = Query(..., min_length=1, max_length=80),
           sort: str = "n_errors", order: str = "desc", page: Page = 1,
           per_page: int = Query(100, ge=1, le=queries.MAX_PER_PAGE), user: User = Depends(viewer)) -> dict[str, Any]:
    """A region's reports of one year: counts, missing agencies, totals, and the agencies
    (paginated, sortable by any figure)."""
    st = web(request)
    dash = dash_mod.load(st.store, st.cache, region.strip(), year)
    out = dash.to_dict()
    out["agencies"] = dash_mod.member_page(dash, sort, order != "asc", page, per_page).to_dict()
    return out


@router.get("/stats/changes", tags=["stats"], response_model=R.ChangesOut)
def changes(request: Request, region: str = Query(..., min_length=1, max_length=80),
            years: str = Query("", max_length=40, description="the two years, e.g. 2023,2024 (default: the latest two)"),
            jumps: bool = Query(False, description="only the jumps (0 → 82, 230 → 0)"),
            limit: int = Query(queries.MAX_PER_PAGE, ge=1, le=100_000), user: User = Depends(viewer)) -> dict[str, Any]:
    """Every agency of a region, one year against the other: key figures, the largest changes first."""
    st = web(request)
    chosen = changes_mod.region_years(years, queries.years(st.engine), None, None)
    if not chosen:
        raise NotFound("库中还没有报告。", "The store holds no report yet.")
    return changes_mod.load(st.store, region.strip(), chosen, jumps, limit).to_dict()


@router.get("/stats/expected", tags=["stats"], response_model=R.ExpectedOut)
def expected(request: Request, year: Year, region: str = Query(..., min_length=1, max_length=80),
             user: User = Depends(viewer)) -> dict[str, Any]:
    return {"region": region, "year": year, "names": dash_mod.expected_names(web(request).engine, region, year)}


@router.put("/stats/expected", tags=["stats"], response_model=R.ExpectedOut)
def expected_set(request: Request, body: ExpectedIn, user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Replace the list of agencies that should report for a region and year."""
    st = web(request)
    names = dash_mod.parse_names("\n".join(body.names))
    dash_mod.set_expected(st.engine, user, body.region.strip(), body.year, names)
    st.cache.bump()
    return {"region": body.region, "year": body.year, "names": names}


@router.get("/search", tags=["browse"], response_model=R.SearchOut)
def search(request: Request, q: str = Query(..., min_length=1, max_length=100), page: int = Query(1, ge=1, le=1000),
           user: User = Depends(viewer)) -> dict[str, Any]:
    """Report text (sections) containing `q`, and agencies whose name contains it."""
    st = web(request)
    hits = queries.search_text(st.engine, q, page)
    return {"agencies": queries.search_agencies(st.engine, q) if page == 1 else [], "sections": hits.to_dict()}


@router.get("/rules", tags=["browse"], response_model=list[R.RuleRow])
def rules(request: Request, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    return rule_svc.rule_list(web(request))


@router.get("/rules/{rule_id}", tags=["browse"], response_model=R.RuleDetail)
def rule(request: Request, rule_id: str, page: Page = 1, user: User = Depends(viewer)) -> dict[str, Any]:
    found = rule_svc.find_rule(rule_id)
    return {"rule": found.to_dict(), "reports": rule_svc.rule_page(web(request), rule_id, page).to_dict()}


@router.get("/audit", tags=["review"], response_model=R.AuditPage)
def audit_log(request: Request, page: Page = 1, person: str = Query("", alias="user", max_length=80),
              report: str = Query("", max_length=100, description="a report id, or words of its agency's name"),
              since: date | None = None, until: date | None = None, user: User = Depends(reviewer)) -> dict[str, Any]:
    """The audit log, newest first, filtered by person, report and dates (inclusive)."""
    rows, more = audit.entries(web(request).engine, page, where=audit.AuditFilter(person, report, since, until))
    return {"page": page, "has_next": more, "items": rows}

