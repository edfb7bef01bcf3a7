"""Uploads, reports (record, cells, text), findings and review decisions, corrections,
history and exports."""
from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import Response

from ...store.compare import cell_label
from .. import audit, exports, queries, reviews
from ..accounts import User
from ..deps import NotFound, admin_write, record, reviewer, reviewer_write, viewer, web
from ..params import Id, OptId, OptYear, Page
from ..reportview import ReportView
from ..services import reports as svc
from ..services.uploads import store_upload
from ..uploads import batch_items
from . import responses as R
from .models import CorrectionIn, DecisionIn, ReasonIn, StatusIn

router = APIRouter()


def _view(request: Request, report_id: int) -> tuple[dict[str, Any], ReportView]:
    return svc.parsed(web(request), report_id)


@router.post("/uploads", tags=["uploads"], status_code=202, response_model=R.UploadOut)
async def upload(request: Request, files: list[UploadFile] = File(...), user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Upload report files or zip archives; they are parsed in the background. Poll
    `GET /api/uploads/{batch}` for each file's state (queued, parsing, done, duplicate,
    failed, rejected) and its report id."""
    batch = await store_upload(request, files, user)
    return {"batch": batch, "items": batch_items(web(request).store, batch, user, web(request).uploads)}


@router.get("/uploads/{batch}", tags=["uploads"], response_model=R.UploadState)
def upload_state(request: Request, batch: str, user: User = Depends(reviewer)) -> dict[str, Any]:
    items = batch_items(web(request).store, batch, user, web(request).uploads)
    if not items:
        raise NotFound("没有这次上传的记录。", "No such upload.")
    return {"batch": batch, "finished": all(i["state"] not in ("queued", "parsing") for i in items), "items": items}


# --------------------------------------------------------------------------- reports


@router.get("/reports", tags=["reports"], response_model=R.Page[R.ReportItem])
def reports(request: Request, region: str | None = None, year: OptYear = None, agency: str | None = None,
            agency_id: OptId = None, status: str | None = None, problems: bool = False,
            rule: str | None = Query(None, max_length=20), severity: str | None = None,
            text: str | None = Query(None, max_length=100),
            sort: str = Query("id", description=", ".join(queries.SORTS)), order: str = "desc",
            page: Page = 1, per_page: int = Query(queries.PER_PAGE, ge=1, le=queries.MAX_PER_PAGE),
            user: User = Depends(viewer)) -> dict[str, Any]:
    q = svc.list_filter(region, year, agency, status, problems, agency_id, rule, severity, text)
    return svc.report_list(web(request), q, queries.ListOrder.of(sort, order), page, per_page).to_dict()


@router.get("/reports/{report_id}", tags=["reports"], response_model=R.ReportOut, response_model_exclude_unset=True)
def report(request: Request, report_id: Id, text: bool = False, user: User = Depends(viewer)) -> dict[str, Any]:
    """A report's metadata and its canonical record (with `text=true`, also the normalised
    text lines); corrected values are in `corrections`, never mixed into the record."""
    row, view = svc.load(web(request), report_id, tables=False)
    out: dict[str, Any] = {"meta": row}
    if view is not None:
        errors, warnings = view.counts
        out.update(record=view.report.to_dict(with_text=text), errors=errors, warnings=warnings,
                   corrections={p: {"value": c.value, "extracted": c.extracted, "comment": c.comment,
                                    "user": c.user_name, "at": c.created_at.isoformat()} for p, c in view.fixes.items()})
    return out


@router.get("/reports/{report_id}/cells", tags=["reports"], response_model=list[R.CellOut])
def cells(request: Request, report_id: Id, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    """Every extracted cell: value, raw text, provenance (line, column span, source origin,
    confidence, method), and the correction in force."""
    _, view = _view(request, report_id)
    prov = view.report.provenance
    out = []
    for r in exports.cell_rows(view):
        row = dict(zip(("path", "label", "value", "corrected", "raw", "line", "origin", "confidence", "method"), r))
        p = prov.get(row["path"])
        row["start"], row["end"] = (p.start, p.end) if p else (None, None)
        out.append(row)
    return out


@router.get("/reports/{report_id}/text", tags=["reports"], response_model=R.TextOut)
def text(request: Request, report_id: Id, user: User = Depends(viewer)) -> dict[str, Any]:
    _, view = _view(request, report_id)
    return {"lines": view.report.lines,
            "sections": [s.to_dict() for s in view.report.sections]}


@router.get("/reports/{report_id}/findings", tags=["review"], response_model=R.FindingsOut,
            response_model_exclude_unset=True)
def report_findings(request: Request, report_id: Id, user: User = Depends(viewer)) -> dict[str, Any]:
    """The findings in force (re-checked on the corrected record when cells were
    corrected), each with its key, rule title, cells and the decision on it."""
    _, view = _view(request, report_id)
    return {"corrected": bool(view.fixes), "extracted_counts": list(view.extracted_counts),
            "findings": [fv.to_dict() for fv in view.findings]}


@router.post("/reports/{report_id}/findings/{key}/decision", tags=["review"], response_model=R.FindingView,
             response_model_exclude_unset=True)
def decision(request: Request, report_id: Id, key: str, body: DecisionIn,
             user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Confirm or dismiss a finding (by its key from the findings list), with a comment."""
    _, _, fv = svc.decide(web(request), user, report_id, key, body.decision, body.comment)
    return fv.to_dict()


@router.get("/reports/{report_id}/corrections", tags=["review"], response_model=list[R.CorrectionRow])
def corrections(request: Request, report_id: Id, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    _, view = _view(request, report_id)
    return [{"path": p, "label": cell_label(p, view.report.template), "value": c.value, "extracted": c.extracted,
             "comment": c.comment, "user": c.user_name, "at": c.created_at.isoformat()} for p, c in view.fixes.items()]


@router.post("/reports/{report_id}/corrections", tags=["review"], response_model=R.CorrectionResult,
             response_model_exclude_unset=True)
def correction(request: Request, report_id: Id, body: CorrectionIn, user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Store a corrected value beside the extracted one (null reverts); returns the
    findings of the checks re-run on the corrected record."""
    view = svc.correct(web(request), user, report_id, body.path, "" if body.value is None else body.value, body.comment)
    return {"corrections": len(view.fixes), "findings": [fv.to_dict() for fv in view.findings]}


@router.get("/reports/{report_id}/history", tags=["review"], response_model=R.AuditPage)
def history(request: Request, report_id: Id, page: Page = 1,
            user: User = Depends(viewer)) -> dict[str, Any]:
    rows, more = audit.entries(web(request).engine, page, 50, report_id=report_id)
    return {"page": page, "has_next": more, "items": rows}


@router.get("/reports/{report_id}/export/{name}", tags=["exports"],
            responses={200: {"content": {exports.XLSX_TYPE: {}, exports.DOCX_TYPE: {}, "text/csv": {}}}})
def report_export(request: Request, report_id: Id, name: str, user: User = Depends(viewer),
                  deadline: date | None = Query(None, description="整改时限 (YYYY-MM-DD), for findings.docx"),
                  issuer: str = Query("", max_length=80, description="落款的发文机关, for findings.docx")) -> Response:
    """findings.xlsx (问题清单: the reviewed record, dismissed findings out) | findings.docx
    (整改通知), cells.csv | cells.xlsx (data: extracted and corrected values)."""
    row, data, kind, file = svc.report_export(web(request), report_id, name, exports.notice(deadline, issuer))
    record(request, user, "export", report_id=report_id, content_hash=row["content_hash"], target=name)
    return Response(data, media_type=kind, headers=exports.filename_header(file))



# --------------------------------------------------------------------------- the season


@router.post("/reports/status", tags=["review"], response_model=R.StatusChange)
def set_status(request: Request, body: StatusIn, user: User = Depends(reviewer_write)) -> dict[str, Any]:
    """Move reports to a review status (待审 pending → 退回整改 returned → 已整改 rectified →
    已通过 approved), in a batch; each change is audited."""
    from .. import season

    out = season.set_status(web(request).engine, user, body.ids, body.status, body.comment)
    web(request).cache.bump()
    return out


def _lifecycle(request: Request, report_id: int, done: bool) -> dict[str, Any]:
    from .. import season

    st = web(request)
    st.cache.bump()
    st.orders.bump()
    h = season.history(st.engine, report_id)
    return {"id": report_id, "done": done, "state": h["state"], "replaces": h["replaces"],
            "replaced_by": h["replaced_by"]}


@router.post("/reports/{report_id}/withdraw", tags=["review"], response_model=R.LifecycleOut)
def withdraw(request: Request, report_id: Id, body: ReasonIn, user: User = Depends(admin_write)) -> dict[str, Any]:
    """Withdraw a report (admins): kept, restorable, left out of lists, statistics and exports."""
    from .. import season

    if queries.report_row(web(request).engine, report_id) is None:
        raise NotFound("没有这份报告。", f"No report {report_id}.")
    return _lifecycle(request, report_id, season.withdraw(web(request).store, user, report_id, body.reason))


@router.post("/reports/{report_id}/restore", tags=["review"], response_model=R.LifecycleOut)
def restore(request: Request, report_id: Id, body: ReasonIn, user: User = Depends(admin_write)) -> dict[str, Any]:
    """Restore a withdrawn report (admins)."""
    from .. import season

    if queries.report_row(web(request).engine, report_id) is None:
        raise NotFound("没有这份报告。", f"No report {report_id}.")
    return _lifecycle(request, report_id, season.restore(web(request).store, user, report_id, body.reason))
