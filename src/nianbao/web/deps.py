"""Who is asking, and may they: the visitor of a request (session cookie, API token, or
the public of a read-only deployment), role checks, CSRF checks, and the errors that
become a login redirect, a 401/403 or a message page."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from .accounts import ANONYMOUS, User, find_session, token_user
from .security import CSRF_FIELD, CSRF_HEADER, PRE_COOKIE, SESSION_COOKIE, anonymous_csrf, new_pre, same

if TYPE_CHECKING:  # pragma: no cover
    from .app import WebState

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
BEARER = HTTPBearer(auto_error=False, description="An API token: `nianbao user token NAME`, or the 账号 page.")


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


class NotFound(Exception):
    def __init__(self, message: str = "没有找到该页面或记录。", message_en: str = "Not found.") -> None:
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


@dataclass
class Visitor:
    user: User | None
    via: str  # session | token | public | none
    csrf: str
    session_token: str | None = None
    new_pre: str | None = None  # a `nb_pre` cookie to set on the response
    extra: dict[str, Any] = field(default_factory=dict)


def web(request: Request) -> "WebState":
    return request.app.state.nb


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: as uvicorn's
    --forwarded-allow-ips lets it read X-Forwarded-For)."""
    return (request.client.host if request.client else "") or "?"


def visitor(request: Request) -> Visitor:
    """The visitor of this request (computed once per request)."""
    cached = getattr(request.state, "visitor", None)
    if cached is not None:
        return cached
    st = web(request)
    v: Visitor | None = None
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        user = None if st.config.read_only else token_user(st.engine, auth[7:].strip())
        if user is None and not st.config.read_only:
            v = Visitor(None, "none", "")
            v.extra["bad_token"] = True
        elif user is not None:
            v = Visitor(user, "token", "")
    if v is None:
        token = request.cookies.get(SESSION_COOKIE)
        session = find_session(st.engine, token) if token and not st.config.read_only else None
        if session is not None:
            v = Visitor(session.user, "session", session.csrf, session_token=token)
        else:
            pre = request.cookies.get(PRE_COOKIE) or ""
            fresh = None
            if len(pre) < 16:
                pre = fresh = new_pre()
            user = ANONYMOUS if st.config.read_only else None
            v = Visitor(user, "public" if user else "none", anonymous_csrf(st.secret, pre), new_pre=fresh)
    request.state.visitor = v
    return v


async def check_csrf(request: Request, v: Visitor) -> None:
    """Unsafe requests made with a cookie must carry the page's CSRF token (in the
    X-CSRF-Token header, or the csrf_token form field); API tokens need none."""
    if request.method in SAFE_METHODS or v.via == "token":
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not same(sent, v.csrf):
        raise Forbidden("页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试。",
                        "The CSRF token is missing or wrong; reload the page and try again.")


class Need:
    """A dependency: the visitor must hold `role`; with `write`, the deployment must not be
    read-only and a cookie-authenticated request must pass the CSRF check."""

    def __init__(self, role: str = "viewer", write: bool = False) -> None:
        self.role, self.write = role, write

    async def __call__(self, request: Request, _bearer: object = Depends(BEARER)) -> User:
        st = web(request)
        v = await run_in_threadpool(visitor, request)  # database reads: off the event loop
        if self.write and st.config.read_only:
            raise Forbidden("这是只读的公开站点，不能修改。", "This is a read-only public site.")
        if v.user is None:
            raise LoginRequired()
        if not v.user.can(self.role):
            raise Forbidden("您的账号没有执行此操作的权限。", f"Your account needs the {self.role} role for this.")
        if self.write or request.method not in SAFE_METHODS:
            await check_csrf(request, v)
        return v.user


class Anyone:
    """A dependency for pages open to everyone (login, drafting form): only the CSRF check
    on unsafe requests."""

    async def __call__(self, request: Request) -> Visitor:
        v = await run_in_threadpool(visitor, request)
        await check_csrf(request, v)
        return v


def record(request: Request, user: User | None, action: str, **kw: Any) -> None:
    """An audit entry for an event of this request (a download, an export, a refusal), with
    the client's address; none on a read-only public site (nobody there writes, and the
    public's reading is not audited)."""
    if web(request).config.read_only:
        return
    from .reviews import audit_now

    detail = dict(kw.pop("detail", None) or {})
    detail["address"] = client_address(request)
    audit_now(web(request).engine, user, action, detail=detail, **kw)


def require_session(request: Request) -> None:
    """Refuse an API token where a login is needed (creating tokens: a stolen token must
    not mint more of them)."""
    v = visitor(request)
    if v.via != "session":
        raise Forbidden("创建访问令牌需要先在网页上登录，不能用令牌创建令牌。",
                        "Creating an API token needs a login session; a token cannot create tokens.")


viewer = Need("viewer")
reviewer = Need("reviewer")
admin = Need("admin")
reviewer_write = Need("reviewer", write=True)
admin_write = Need("admin", write=True)
anyone = Anyone()
