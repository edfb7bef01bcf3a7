"""First start: on a store with no user yet, the first-run page creates the administrator.
It opens only from the local machine (client 127.0.0.1 or ::1, unless the server sits
behind a proxy) or with the one-time link `nianbao serve` prints; once a user exists the
page is gone (404)."""
from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..accounts import AccountError, User, add_user, count_users
from ..db import write
from ..deps import NotFound, Visitor, anyone, client_address, web
from ..reviews import audit
from ..views import page

router = APIRouter(include_in_schema=False)
LOCAL = ("127.0.0.1", "::1", "localhost")
SETUP_USER = User(0, "首次启动", "admin")  # who the audit log names for the first administrator's creation


def setup_open(request: Request) -> bool:
    """Whether the first-run page exists (a writable site with no user yet)."""
    st = web(request)
    return not st.config.read_only and count_users(st.engine) == 0


def allowed(request: Request, token: str | None) -> bool:
    """From the local machine, or with the printed one-time token."""
    cfg = web(request).config
    if cfg.setup_from_localhost and client_address(request) in LOCAL:
        return True
    return bool(cfg.setup_token and token and hmac.compare_digest(cfg.setup_token.encode(), token.encode()))


def _guard(request: Request, token: str | None) -> None:
    # the same answer whether the page is gone or refused: a stranger learns nothing
    if not setup_open(request) or not allowed(request, token):
        raise NotFound("没有找到该页面或记录。", "Not found.")


@router.get("/setup")
def setup_form(request: Request, token: str | None = None) -> Response:
    _guard(request, token)
    return page(request, "setup.html", {"token": token or "", "error": None})


@router.post("/setup")
def setup(request: Request, name: str = Form(..., max_length=80), password: str = Form(..., max_length=256),
          repeat: str = Form(..., max_length=256), token: str = Form("", max_length=200),
          v: Visitor = Depends(anyone)) -> Response:
    _guard(request, token)
    st = web(request)
    error = "两次输入的密码不一致。" if password != repeat else None
    if error is None:
        try:
            created = add_user(st.engine, name, "admin", password, by=SETUP_USER)
        except AccountError as exc:
            error = exc.message_zh
        else:
            with write(st.engine) as conn:
                audit(conn, SETUP_USER, "setup.admin", target=created.name,
                      detail={"address": client_address(request), "via": "token" if token else "local"})
            return RedirectResponse("/login", status_code=303)
    return page(request, "setup.html", {"token": token, "error": error}, status=400)
