"""The application: `create_app(WebConfig(...))` opens the store, migrates the web tables,
starts the upload queue and mounts the pages (`routes/`), the JSON API (`api/`) and the
package's static files."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import NianbaoError
from ..store import Store
from .config import WebConfig
from .db import refuse_nul, setting, upgrade
from .deps import Forbidden, LoginRequired, NotFound, record
from .queries import TTLCache
from .security import Guard, LoginThrottle
from .queue import UploadQueue, stop_helpers
from .uploads import interrupted
from .views import page, templates

HERE = Path(__file__).resolve().parent
UPLOAD_PATHS = ("/upload", "/api/uploads")


@dataclass
class WebState:
    config: WebConfig
    store: Store
    secret: str
    throttle: LoginThrottle
    uploads: UploadQueue
    cache: TTLCache  # dashboards, comparisons, counts
    orders: TTLCache  # report lists' orderings by a column without an index (a few large entries)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.store.engine


def create_app(config: WebConfig | None = None, store: Store | None = None, recover_uploads: bool = True) -> FastAPI:
    """The application over `store` (or the store at `config.db`).  `recover_uploads` marks
    the uploads of servers that stopped (their heartbeat is stale) as interrupted, never
    those of a server still running; a read-only server never does."""
    config = config or WebConfig()
    store = store or Store(config.db)
    upgrade(store.engine)
    refuse_nul(store.engine)
    cache, orders = TTLCache(config.cache_seconds), TTLCache(config.cache_seconds, size=16)

    def stored() -> None:
        cache.bump()
        orders.bump()

    state = WebState(config, store, setting(store.engine, "secret"),
                     LoginThrottle(store.engine, config.login_failures, config.login_window),
                     UploadQueue(store, config.workers, on_stored=stored, recover=not config.read_only), cache, orders)
    if recover_uploads and not config.read_only:  # only items whose server stopped beating
        interrupted(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        yield
        # also on SIGTERM (uvicorn then re-raises it, and no atexit handler runs): end the
        # parse workers, the forkserver and the resource tracker here
        state.uploads.close()
        stop_helpers()

    app = FastAPI(title="nianbao 年报", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="政府信息公开工作年度报告的审阅接口。JSON API of nianbao: upload reports, read their "
                              "cells and findings, record review decisions, regional statistics. Authenticate "
                              "scripts with `Authorization: Bearer <token>` (create one on the 账号 page or with "
                              "`nianbao user token NAME`).")
    app.state.nb = state

    def limit_for(path: str) -> int:
        return config.request_bytes if path.startswith(UPLOAD_PATHS) else config.form_bytes

    app.add_middleware(Guard, limit_for=limit_for)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _handlers(app)
    from .api import router as api_router
    from .routes import routers

    app.include_router(api_router)
    for r in routers:
        app.include_router(r)
    return app


CONFIG_ENV = "NIANBAO_WEB_CONFIG"
_SHARED_FIELDS = ("db", "read_only", "secure_cookies", "workers", "upload_bytes", "request_bytes", "setup_token",
                  "setup_from_localhost")


def config_to_env(config: WebConfig) -> str:
    """The settings a server process needs, for `app_from_env` in each process."""
    import json

    return json.dumps({k: getattr(config, k) for k in _SHARED_FIELDS})


def app_from_env() -> FastAPI:
    """The application of one of several server processes (`nianbao serve --processes N`)."""
    import json
    import os

    return create_app(WebConfig(**json.loads(os.environ[CONFIG_ENV])), recover_uploads=False)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str, message_en: str) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message, "detail_en": message_en}, status_code=status)
    if request.headers.get("hx-request"):
        return templates.TemplateResponse(request, "_message.html", {"message": message, "kind": "error"},
                                          status_code=status)
    return page(request, "error.html", {"status": status, "message": message, "message_en": message_en},
                status=status)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "需要登录或提供有效的访问令牌。", "detail_en": "Authentication required."},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        v = getattr(request.state, "visitor", None)
        try:
            await run_in_threadpool(record, request, v.user if v is not None else None, "access.denied",
                                    target=f"{request.method} {request.url.path}"[:300], detail={"reason": exc.message_en})
        except Exception:  # noqa: BLE001 - the refusal stands even if it cannot be logged
            import logging

            logging.getLogger("nianbao.web").exception("cannot audit a refusal on %s", request.url.path)
        return _error(request, 403, exc.message, exc.message_en)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, exc.message, exc.message_en)

    @app.exception_handler(NianbaoError)
    async def bad_input(request: Request, exc: NianbaoError) -> Response:
        return _error(request, 400, exc.message_zh, exc.message_en)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: ("没有找到该页面或记录。", "Not found."), 405: ("不支持该请求方式。", "Method not allowed."),
                    413: (str(exc.detail), "The request is too large.")}
        zh, en = messages.get(exc.status_code, (str(exc.detail), str(exc.detail)))
        return _error(request, exc.status_code, zh, en)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        import logging

        logging.getLogger("nianbao.web").exception("internal error on %s", request.url.path)
        return _error(request, 500, "服务器内部错误，请稍后再试或联系管理员。", "Internal server error.")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "请求参数不正确。", "detail_en": "Invalid request.",
                                 "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in exc.errors()]},
                                status_code=422)
        return _error(request, 422, "请求参数不正确。", "Invalid request.")
