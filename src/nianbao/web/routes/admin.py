"""Administration: user accounts, the deadline table, and the audit log."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from .. import audit
from ..accounts import AccountError, User, add_user, list_users, unlock_user, update_user
from ..deps import admin, admin_write, reviewer, web
from ..schema import ROLES
from ..views import page

router = APIRouter(include_in_schema=False)


def _users_page(request: Request, message: str | None = None, status: int = 200) -> Response:
    st = web(request)
    return page(request, "users.html", {"users": list_users(st.engine), "roles": ROLES, "message": message,
                                        "locks": st.throttle.locks()}, status=status)


@router.get("/admin/users")
def users(request: Request, user: User = Depends(admin)) -> Response:
    return _users_page(request)


@router.post("/admin/users")
def create(request: Request, name: str = Form(..., max_length=80), role: str = Form(...),
           password: str = Form(..., max_length=256), user: User = Depends(admin_write)) -> Response:
    st = web(request)
    try:
        add_user(st.engine, name, role, password, by=user)
    except AccountError as exc:
        return _users_page(request, exc.message_zh, 400)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}")
def change(request: Request, name: str, role: str = Form(""), active: str = Form(""), password: str = Form("", max_length=256),
           user: User = Depends(admin_write)) -> Response:
    st = web(request)
    if name == user.name and ((role and role != "admin") or active == "0"):
        return _users_page(request, "不能降低自己的权限或停用自己的账号。", 400)
    try:
        update_user(st.engine, name, role=role or None, password=password or None,
                    active=None if active == "" else active == "1", by=user)
    except AccountError as exc:
        return _users_page(request, exc.message_zh, 400)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{name}/unlock")
def unlock(request: Request, name: str, user: User = Depends(admin_write)) -> Response:
    """Let `name` log in again from every address (after a lockout)."""
    unlock_user(web(request).engine, name, by=user)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit")
def audit_log(request: Request, page_no: int = Query(1, alias="page", ge=1, le=100_000),
              person: str = Query("", alias="user", max_length=80), report: str = Query("", max_length=100),
              since: str = Query("", max_length=10), until: str = Query("", max_length=10),
              user: User = Depends(reviewer)) -> Response:
    """The log, filtered by person, report (id or agency name) and dates; a date the form
    did not fill in (or could not read) is no filter."""
    where = audit.AuditFilter(person.strip(), report.strip(), _day(since), _day(until))
    engine = web(request).engine
    rows, more = audit.entries(engine, page_no, where=where)
    return page(request, "audit.html", {"rows": rows, "page_no": page_no, "more": more, "where": where,
                                        "params": where.params(), "people": audit.users(engine)})


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- deadlines


def _deadlines_page(request: Request, message: str | None = None, status: int = 200) -> Response:
    from ...deadlines import BASIS, DEFAULTS, LEVEL_NAMES
    from ...store.deadlines import override_rows

    return page(request, "deadlines.html", {"defaults": DEFAULTS, "level_names": LEVEL_NAMES, "basis": BASIS,
                                            "overrides": override_rows(web(request).engine), "message": message},
                status=status)


@router.get("/admin/deadlines")
def deadlines(request: Request, user: User = Depends(reviewer)) -> Response:
    return _deadlines_page(request)


@router.post("/admin/deadlines")
def set_deadline(request: Request, level: str = Form(..., max_length=20), region: str = Form("", max_length=80),
                 month: int = Form(...), day: int = Form(...), note: str = Form("", max_length=500),
                 user: User = Depends(admin_write)) -> Response:
    from ...store.deadlines import set_override

    st = web(request)
    set_override(st.engine, level, region, month, day, note, user.name)
    _deadlines_changed(st, user, "deadline.set", level, region, {"month": month, "day": day, "note": note})
    return RedirectResponse("/admin/deadlines", status_code=303)


@router.post("/admin/deadlines/remove")
def remove_deadline(request: Request, level: str = Form(..., max_length=20), region: str = Form("", max_length=80),
                    user: User = Depends(admin_write)) -> Response:
    from ...store.deadlines import remove_override

    st = web(request)
    if remove_override(st.engine, level, region):
        _deadlines_changed(st, user, "deadline.remove", level, region, {})
    return RedirectResponse("/admin/deadlines", status_code=303)


def _deadlines_changed(st, user: User, action: str, level: str, region: str, detail: dict) -> None:  # type: ignore[no-untyped-def]
    """Audit the change and re-run the 迟报 checks of every report."""
    from ..db import write
    from ..reviews import audit

    with write(st.engine) as conn:
        audit(conn, user, action, target=f"{level}/{region or '*'}", detail=detail)
    st.store.crosscheck()
    st.cache.bump()
    st.orders.bump()
