"""Logging in and out, and one's own account (password, API tokens)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..accounts import (AccountError, User, authenticate, create_token, end_session, list_tokens, revoke_token,
                        start_session, update_user)
from ..db import write
from ..deps import Forbidden, Visitor, anyone, client_address, require_session, viewer, web
from ..params import Id
from ..reviews import audit, audit_now
from ..security import SESSION_COOKIE
from ..views import page, secure

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: only a path of this site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if web(request).config.read_only:
        return RedirectResponse("/", status_code=303)
    from .setup import allowed, setup_open

    if setup_open(request):
        if allowed(request, None):
            return RedirectResponse("/setup", status_code=303)
        return page(request, "login.html", {"next": safe_next(next), "error": "系统中还没有用户：请在服务器本机打开首次使用页面，"
                                            "或使用启动时终端中显示的一次性链接创建管理员。"})
    return page(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(request: Request, name: str = Form(..., max_length=80), password: str = Form(..., max_length=256),
                next: str = Form("/"), v: Visitor = Depends(anyone)) -> Response:
    st = web(request)
    if st.config.read_only:
        raise Forbidden("这是只读的公开站点，无需登录。", "This is a read-only public site; there is no login.")
    address = client_address(request)
    tried = name.strip()[:80]
    wait = st.throttle.wait(tried, address)
    if wait > 0:
        return _locked(request, next, wait)
    user = authenticate(st.engine, name, password)
    if user is None:
        verdict = st.throttle.failed(tried, address)
        audit_now(st.engine, None, "login.fail", target=tried, detail={"address": address})
        if verdict.locked_now:
            audit_now(st.engine, None, "login.lockout", target=tried,
                      detail={"address": address, "seconds": int(verdict.wait)})
        return page(request, "login.html", {"next": safe_next(next), "error": "用户名或密码不正确。"}, status=401)
    st.throttle.succeeded(tried, address)
    token, session = start_session(st.engine, user, st.config.session_hours)
    with write(st.engine) as conn:
        audit(conn, user, "login", detail={"address": address})
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=int(st.config.session_hours * 3600), httponly=True,
                        samesite="lax", secure=secure(request), path="/")
    return response


def _locked(request: Request, next: str, wait: float) -> Response:
    minutes = max(1, int(wait // 60 + 1))
    return page(request, "login.html", {"next": safe_next(next), "error": f"登录失败次数过多，请 {minutes} 分钟后再试。"},
                status=429, headers={"Retry-After": str(int(wait) + 1)})


@router.post("/logout")
def logout(request: Request, v: Visitor = Depends(anyone)) -> Response:
    if v.session_token:
        end_session(web(request).engine, v.session_token)
        if v.user is not None:
            audit_now(web(request).engine, v.user, "logout", detail={"address": client_address(request)})
    response = RedirectResponse("/login" if not web(request).config.read_only else "/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account")
def account(request: Request, user: User = Depends(viewer)) -> Response:
    tokens = [] if web(request).config.read_only else list_tokens(web(request).engine, user)
    return page(request, "account.html", {"tokens": tokens, "new_token": None, "message": None})


@router.post("/account/tokens")
def new_token(request: Request, name: str = Form("", max_length=80),
              user: User = Depends(viewer)) -> Response:
    st = web(request)
    if st.config.read_only:
        raise Forbidden("这是只读的公开站点，不能创建令牌。", "This is a read-only public site.")
    require_session(request)
    _, token = create_token(st.engine, user, name or "脚本", by=user)
    return page(request, "account.html", {"tokens": list_tokens(st.engine, user), "new_token": token, "message": None})


@router.post("/account/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: Id, user: User = Depends(viewer)) -> Response:
    st = web(request)
    revoke_token(st.engine, user, token_id, by=user)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password")
def change_password(request: Request, current: str = Form(..., max_length=256), new: str = Form(..., max_length=256),
                    user: User = Depends(viewer)) -> Response:
    st = web(request)
    if st.config.read_only:
        raise Forbidden("这是只读的公开站点。", "This is a read-only public site.")
    if authenticate(st.engine, user.name, current) is None:
        return page(request, "account.html", {"tokens": list_tokens(st.engine, user), "new_token": None,
                                              "message": "当前密码不正确。"}, status=400)
    try:
        update_user(st.engine, user.name, password=new, by=user, action="user.password")
    except AccountError as exc:
        return page(request, "account.html", {"tokens": list_tokens(st.engine, user), "new_token": None,
                                              "message": exc.message_zh}, status=400)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
