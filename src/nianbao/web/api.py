"""The JSON API under /api/: everything the pages show and do, for scripts.

Authenticate with `Authorization: Bearer <token>` (tokens: the 账号 page, `POST
/api/tokens`, or `nianbao user token NAME`); a browser session works too, with the
X-CSRF-Token header on writes.  Lists are paginated (`page`, `per_page`); errors are
`{"detail": Chinese, "detail_en": English}` with the HTTP status."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from .. import __version__
from ..draft import MEDIA_TYPES
from ..rules import catalogue
from ..store.compare import cell_label
from . import dashboard as dash_mod
from . import drafting, exports, queries, reviews
from .accounts import User, add_user, create_token, list_tokens, list_users, revoke_token, update_user
from .db import write
from .deps import Forbidden, NotFound, admin, admin_write, reviewer, reviewer_write, viewer, web
from .reportview import FindingView, ReportView, build
from .routes.browse import compare, rule_page, trend
from .routes.uploads import store_upload
from .schema import DECISIONS, ROLES
from .uploads import batch_items

router = APIRouter(prefix="/api")


class DecisionIn(BaseModel):
    decision: str = Field(description=f"one of {', '.join(DECISIONS)}")
    comment: str = Field("", max_length=reviews.MAX_COMMENT)


class CorrectionIn(BaseModel):
    path: str = Field(max_length=120, description='a cell path, e.g. "table3.granted[0]"')
    value: float | int | str | None = Field(None, description="the corrected number; null reverts the cell")
    comment: str = Field("", max_length=reviews.MAX_COMMENT)


class ExpectedIn(BaseModel):
    region: str = Field(min_length=1, max_length=80)
    year: int
    names: list[str] = Field(max_length=dash_mod.MAX_EXPECTED)


class TokenIn(BaseModel):
    name: str = Field("script", max_length=80)


class UserIn(BaseModel):
    name: str = Field(max_length=80)
    role: str = Field(description=f"one of {', '.join(ROLES)}")
    password: str = Field(max_length=256)


class UserChange(BaseModel):
    role: str | None = None
    password: str | None = Field(None, max_length=256)
    active: bool | None = None


class DraftIn(BaseModel):
    year: int
    agency: str = Field("", max_length=200)
    region: str = Field("", max_length=80)
    cells: dict[str, float | int | str | None] = Field(default_factory=dict, description="cell path -> number")
    prose: dict[str, str] = Field(default_factory=dict, description="overview | problems | other -> text")
    force: bool = False


# --------------------------------------------------------------------------- helpers


def _view(request: Request, report_id: int) -> tuple[dict[str, Any], ReportView]:
    st = web(request)
    row = queries.report_row(st.engine, report_id)
    if row is None:
        raise NotFound("没有这份报告。", f"No report {report_id}.")
    view = build(st.store, report_id, row["content_hash"], tables=False) if row["status"] == "ok" else None
    if view is None:
        raise NotFound("该报告未能解析。", f"Report {report_id} could not be parsed: {row['error_en'] or ''}")
    return row, view


def _finding(view: ReportView, key: str) -> FindingView:
    fv = next((f for f in view.findings if f.key == key), None)
    if fv is None:
        raise NotFound("没有这条问题。", f"No finding {key}.")
    return fv


def _draft_form(body: DraftIn) -> drafting.DraftForm:
    fields: dict[str, Any] = {"year": body.year, "agency": body.agency, "region": body.region,
                              "force": "1" if body.force else ""}
    fields.update({drafting.CELL_PREFIX + p: "" if v is None else v for p, v in body.cells.items()})
    fields.update({f"prose:{k}": v for k, v in body.prose.items()})
    return drafting.form_from_fields(fields)


def _draft_out(result: drafting.DraftResult) -> dict[str, Any]:
    g = result.gate
    return {"passed": result.passed, "error": result.error, "bad_cells": result.bad_cells,
            "values": result.values, "errors": [f.to_dict() for f in g.errors] if g else [],
            "warnings": [f.to_dict() for f in g.warnings] if g else []}


# --------------------------------------------------------------------------- service


@router.get("/health", tags=["service"])
def health(request: Request) -> dict[str, Any]:
    """Liveness: the version and whether the deployment is read-only (no login needed)."""
    return {"status": "ok", "version": __version__, "read_only": web(request).config.read_only}


@router.get("/me", tags=["accounts"])
def me(user: User = Depends(viewer)) -> dict[str, Any]:
    return {"name": user.name, "role": user.role}


@router.get("/tokens", tags=["accounts"])
def tokens(request: Request, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    return list_tokens(web(request).engine, user)


@router.post("/tokens", tags=["accounts"], status_code=201)
def token_create(request: Request, body: TokenIn, user: User = Depends(viewer)) -> dict[str, Any]:
    """A new API token for the caller; the token is in this response only."""
    st = web(request)
    if st.config.read_only:
        raise Forbidden("这是只读的公开站点。", "This is a read-only public site.")
    token_id, token = create_token(st.engine, user, body.name)
    with write(st.engine) as conn:
        reviews.audit(conn, user, "token.create", target=str(token_id), detail={"name": body.name})
    return {"id": token_id, "token": token}


@router.delete("/tokens/{token_id}", tags=["accounts"])
def token_revoke(request: Request, token_id: int, user: User = Depends(viewer)) -> dict[str, Any]:
    if not revoke_token(web(request).engine, user, token_id):
        raise NotFound("没有这个令牌。", f"No token {token_id}.")
    with write(web(request).engine) as conn:
        reviews.audit(conn, user, "token.revoke", target=str(token_id))
    return {"revoked": token_id}


@router.get("/users", tags=["accounts"])
def users(request: Request, user: User = Depends(admin)) -> list[dict[str, Any]]:
    return list_users(web(request).engine)


@router.post("/users", tags=["accounts"], status_code=201)
def user_create(request: Request, body: UserIn, user: User = Depends(admin_write)) -> dict[str, Any]:
    st = web(request)
    created = add_user(st.engine, body.name, body.role, body.password)  # AccountError -> 400
    with write(st.engine) as conn:
        reviews.audit(conn, user, "user.add", target=created.name, detail={"role": created.role})
    return {"name": created.name, "role": created.role}


@router.patch("/users/{name}", tags=["accounts"])
def user_update(request: Request, name: str, body: UserChange, user: User = Depends(admin_write)) -> dict[str, Any]:
    st = web(request)
    if name == user.name and ((body.role and body.role != "admin") or body.active is False):
        raise Forbidden("不能降低自己的权限或停用自己的账号。", "You cannot demote or deactivate yourself.")
    changed = update_user(st.engine, name, role=body.role, password=body.password, active=body.active)
    with write(st.engine) as conn:
        reviews.audit(conn, user, "user.update", target=changed.name,
                      detail={"role": body.role, "active": body.active, "password": body.password is not None})
    return {"name": changed.name, "role": changed.role}


# --------------------------------------------------------------------------- uploads


@router.post("/uploads", tags=["uploads"], status_code=202)
async def upload(request: Request, files: list[UploadFile] = File(...), user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Upload report files or zip archives; they are parsed in the background. Poll
    `GET /api/uploads/{batch}` for each file's state (queued, parsing, done, duplicate,
    failed, rejected) and its report id."""
    batch = await store_upload(request, files, user)
    return {"batch": batch, "items": batch_items(web(request).store, batch, user)}


@router.get("/uploads/{batch}", tags=["uploads"])
def upload_state(request: Request, batch: str, user: User = Depends(reviewer)) -> dict[str, Any]:
    items = batch_items(web(request).store, batch, user)
    if not items:
        raise NotFound("没有这次上传的记录。", "No such upload.")
    return {"batch": batch, "finished": all(i["state"] not in ("queued", "parsing") for i in items), "items": items}


# --------------------------------------------------------------------------- reports


@router.get("/reports", tags=["reports"])
def reports(request: Request, region: str | None = None, year: int | None = None, agency: str | None = None,
            agency_id: int | None = None, status: str | None = None, problems: bool = False,
            sort: str = Query("id", description=", ".join(queries.SORTS)), order: str = "desc",
            page: int = Query(1, ge=1), per_page: int = Query(queries.PER_PAGE, ge=1, le=queries.MAX_PER_PAGE),
            user: User = Depends(viewer)) -> dict[str, Any]:
    q = queries.ReportQuery(region=region, year=year, agency=agency, agency_id=agency_id,
                            status=status if status in ("ok", "failed") else None, problems=problems,
                            sort=sort if sort in queries.SORTS else "id", desc=order != "asc")
    return queries.report_page(web(request).engine, q, page, per_page).to_dict()


@router.get("/reports/{report_id}", tags=["reports"])
def report(request: Request, report_id: int, text: bool = False, user: User = Depends(viewer)) -> dict[str, Any]:
    """A report's metadata and its canonical record (with `text=true`, also the normalised
    text lines); corrected values are in `corrections`, never mixed into the record."""
    st = web(request)
    row = queries.report_row(st.engine, report_id)
    if row is None:
        raise NotFound("没有这份报告。", f"No report {report_id}.")
    out: dict[str, Any] = {"meta": row}
    if row["status"] == "ok":
        row, view = _view(request, report_id)
        errors, warnings = view.counts
        out.update(record=view.report.to_dict(with_text=text), errors=errors, warnings=warnings,
                   corrections={p: {"value": c.value, "extracted": c.extracted, "comment": c.comment,
                                    "user": c.user_name, "at": c.created_at.isoformat()} for p, c in view.fixes.items()})
    return out


@router.get("/reports/{report_id}/cells", tags=["reports"])
def cells(request: Request, report_id: int, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    """Every extracted cell: value, raw text, provenance, and the correction in force."""
    _, view = _view(request, report_id)
    return [dict(zip(("path", "label", "value", "corrected", "raw", "line", "origin", "confidence", "method"), r))
            for r in exports.cell_rows(view)]


@router.get("/reports/{report_id}/text", tags=["reports"])
def text(request: Request, report_id: int, user: User = Depends(viewer)) -> dict[str, Any]:
    _, view = _view(request, report_id)
    return {"lines": view.report.lines,
            "sections": [s.to_dict() for s in view.report.sections]}


@router.get("/reports/{report_id}/findings", tags=["review"])
def report_findings(request: Request, report_id: int, user: User = Depends(viewer)) -> dict[str, Any]:
    """The findings in force (re-checked on the corrected record when cells were
    corrected), each with its key, rule title, cells and the decision on it."""
    _, view = _view(request, report_id)
    return {"corrected": bool(view.fixes), "extracted_counts": list(view.extracted_counts),
            "findings": [fv.to_dict() for fv in view.findings]}


@router.post("/reports/{report_id}/findings/{key}/decision", tags=["review"])
def decision(request: Request, report_id: int, key: str, body: DecisionIn,
             user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Confirm or dismiss a finding (by its key from the findings list), with a comment."""
    row, view = _view(request, report_id)
    fv = _finding(view, key)
    fv.decision = reviews.decide(web(request).engine, user, report_id, row["content_hash"], fv.finding, body.decision,
                                 body.comment)
    return fv.to_dict()


@router.get("/reports/{report_id}/corrections", tags=["review"])
def corrections(request: Request, report_id: int, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    _, view = _view(request, report_id)
    return [{"path": p, "label": cell_label(p, view.report.template), "value": c.value, "extracted": c.extracted,
             "comment": c.comment, "user": c.user_name, "at": c.created_at.isoformat()} for p, c in view.fixes.items()]


@router.post("/reports/{report_id}/corrections", tags=["review"])
def correction(request: Request, report_id: int, body: CorrectionIn, user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Store a corrected value beside the extracted one (null reverts); returns the
    findings of the checks re-run on the corrected record."""
    row, view = _view(request, report_id)
    reviews.correct(web(request).engine, user, view.report, report_id, row["content_hash"], body.path,
                    "" if body.value is None else body.value, body.comment)
    _, view = _view(request, report_id)
    return {"corrections": len(view.fixes), "findings": [fv.to_dict() for fv in view.findings]}


@router.get("/reports/{report_id}/history", tags=["review"])
def history(request: Request, report_id: int, page: int = Query(1, ge=1),
            user: User = Depends(viewer)) -> dict[str, Any]:
    rows, more = reviews.audit_page(web(request).engine, page, 50, report_id=report_id)
    return {"page": page, "has_next": more, "items": rows}


@router.get("/reports/{report_id}/export/{name}", tags=["exports"],
            responses={200: {"content": {exports.XLSX_TYPE: {}, exports.DOCX_TYPE: {}, "text/csv": {}}}})
def report_export(request: Request, report_id: int, name: str, user: User = Depends(viewer)) -> Response:
    """findings.xlsx | findings.docx (问题清单), cells.csv | cells.xlsx (data)."""
    from .routes.reports import export

    return export(request, report_id, name, user)


# --------------------------------------------------------------------------- agencies, stats, search, rules


@router.get("/agencies", tags=["browse"])
def agencies(request: Request, q: str = Query("", max_length=100), user: User = Depends(viewer)) -> list[dict[str, Any]]:
    return queries.search_agencies(web(request).engine, q, 50)


@router.get("/agencies/{agency_id}", tags=["browse"])
def agency(request: Request, agency_id: int, user: User = Depends(viewer)) -> dict[str, Any]:
    """One agency's reports side by side: every cell per year and the change."""
    st = web(request)
    info = queries.agency_info(st.engine, agency_id)
    if info is None:
        raise NotFound("没有这个机关。", f"No agency {agency_id}.")
    comp = compare(st, agency_id)
    table = comp.table.astype(object).where(comp.table.notna(), None)
    return {"agency": info, "years": comp.years, "report_ids": comp.report_ids, "trend": trend(comp),
            "counts": {y: {"errors": e, "warnings": w} for y, (e, w) in comp.counts.items()},
            "cells": [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]}


@router.get("/stats/region", tags=["stats"])
def region(request: Request, region: str = Query(..., min_length=1, max_length=80), year: int = Query(...),
           sort: str = "n_errors", order: str = "desc", page: int = Query(1, ge=1),
           per_page: int = Query(100, ge=1, le=queries.MAX_PER_PAGE), user: User = Depends(viewer)) -> dict[str, Any]:
    """A region's reports of one year: counts, missing agencies, totals, and the agencies
    (paginated, sortable by any figure)."""
    st = web(request)
    dash = dash_mod.load(st.store, st.cache, region.strip(), year)
    out = dash.to_dict()
    out["agencies"] = dash_mod.member_page(dash, sort, order != "asc", page, per_page).to_dict()
    return out


@router.get("/stats/expected", tags=["stats"])
def expected(request: Request, region: str = Query(..., min_length=1, max_length=80), year: int = Query(...),
             user: User = Depends(viewer)) -> dict[str, Any]:
    return {"region": region, "year": year, "names": dash_mod.expected_names(web(request).engine, region, year)}


@router.put("/stats/expected", tags=["stats"])
def expected_set(request: Request, body: ExpectedIn, user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Replace the list of agencies that should report for a region and year."""
    st = web(request)
    names = dash_mod.parse_names("\n".join(body.names))
    dash_mod.set_expected(st.engine, user, body.region.strip(), body.year, names)
    st.cache.bump()
    return {"region": body.region, "year": body.year, "names": names}


@router.get("/search", tags=["browse"])
def search(request: Request, q: str = Query(..., min_length=1, max_length=100), page: int = Query(1, ge=1, le=1000),
           user: User = Depends(viewer)) -> dict[str, Any]:
    """Report text (sections) containing `q`, and agencies whose name contains it."""
    st = web(request)
    hits = queries.search_text(st.engine, q, page)
    return {"agencies": queries.search_agencies(st.engine, q) if page == 1 else [], "sections": hits.to_dict()}


@router.get("/rules", tags=["browse"])
def rules(request: Request, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    st = web(request)
    counts = st.cache.get("rule_counts", lambda: queries.rule_counts(st.engine))
    return [{**r.to_dict(), "reports": counts.get(r.id, 0)} for r in catalogue()]


@router.get("/rules/{rule_id}", tags=["browse"])
def rule(request: Request, rule_id: str, page: int = Query(1, ge=1), user: User = Depends(viewer)) -> dict[str, Any]:
    found = next((r for r in catalogue() if r.id == rule_id), None)
    if found is None:
        raise NotFound("没有这条规则。", f"No rule {rule_id}.")
    return {"rule": found.to_dict(), "reports": rule_page(web(request), rule_id, page).to_dict()}


@router.get("/audit", tags=["review"])
def audit_log(request: Request, page: int = Query(1, ge=1), user: User = Depends(reviewer)) -> dict[str, Any]:
    rows, more = reviews.audit_page(web(request).engine, page)
    return {"page": page, "has_next": more, "items": rows}


# --------------------------------------------------------------------------- drafting


@router.post("/draft/check", tags=["drafting"])
def draft_check(request: Request, body: DraftIn = Body(...), user: User = Depends(viewer)) -> dict[str, Any]:
    """Build a record from numbers (totals computed) and run the draft's checks."""
    return _draft_out(drafting.evaluate(_draft_form(body)))


@router.post("/draft/docx", tags=["drafting"], responses={200: {"content": {MEDIA_TYPES["docx"]: {}}}})
def draft_docx(request: Request, body: DraftIn = Body(...), user: User = Depends(viewer)) -> Response:
    """The DOCX of a draft; refused (422, with the errors) unless the checks pass or `force`."""
    result = drafting.evaluate(_draft_form(body))
    if result.report is None or result.bad_cells or (result.gate and result.gate.errors and not body.force):
        from fastapi.responses import JSONResponse

        return JSONResponse({"detail": "草稿未通过检查，未生成文档。", "detail_en": "The draft fails its checks.",
                             **_draft_out(result)}, status_code=422)
    return Response(drafting.docx(result), media_type=MEDIA_TYPES["docx"],
                    headers=exports.filename_header(f"{result.form.year}年度报告.docx"))


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> Response:
    """The OpenAPI page (Swagger UI served from the package)."""
    from .views import templates

    return templates.TemplateResponse(request, "api_docs.html", {})
