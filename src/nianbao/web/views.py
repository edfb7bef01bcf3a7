"""Rendering pages: the Jinja2 environment (autoescaping every value), the context every
page gets (who is logged in, the CSRF token, the deployment's mode), and cookie handling."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .. import __version__
from ..words import (ACTION_NAMES, COVERAGE_NAMES, DECISION_NAMES, FAMILY_NAMES, HIDDEN_NAMES,  # noqa: F401
                     ROLE_NAMES, SEVERITY_NAMES, STATUS_NAMES)
from ..words import UPLOAD_STATE_NAMES as STATE_NAMES  # noqa: F401
from ..numbers import number_text
from .deps import visitor
from .security import PRE_COOKIE

HERE = Path(__file__).resolve().parent


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def _number(value: Any) -> str:
    """A number on a page: "1,234", "2.5", blank for a blank (never "nan" or "183.0")."""
    return number_text(value, grouping=True, places=2)


def _json_attr(value: Any) -> str:
    """JSON for a data- attribute (autoescaping makes it safe inside the quotes)."""
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def _cell_id(path: str) -> str:
    """An element id for a cell path ("table3.granted[0]" -> "c-table3-granted-0")."""
    return "c-" + re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")


def _qs(params: dict[str, Any], **changes: Any) -> str:
    """A query string of `params` with `changes`, leaving out empty values."""
    merged = {**params, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(cell_id=_cell_id, when=_when, num=_number, json_attr=_json_attr)
    env.globals.update(qs=_qs, version=__version__, severity_names=SEVERITY_NAMES, state_names=STATE_NAMES,
                       decision_names=DECISION_NAMES, role_names=ROLE_NAMES, action_names=ACTION_NAMES,
                       status_names=STATUS_NAMES, hidden_names=HIDDEN_NAMES, coverage_names=COVERAGE_NAMES)
    return env


templates = Jinja2Templates(env=_environment())


def base_context(request: Request) -> dict[str, Any]:
    v = visitor(request)
    st = request.app.state.nb
    return {"me": v.user, "csrf": v.csrf, "read_only": st.config.read_only, "path": request.url.path}


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200,
         headers: dict[str, str] | None = None) -> Response:
    """A rendered template with the base context; sets the visitor's `nb_pre` cookie
    (which binds an anonymous CSRF token) when it is new."""
    ctx = base_context(request)
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status, headers=headers)
    set_pre_cookie(request, response)
    return response


def partial(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    """A fragment for HTMX to swap in (same context as a page)."""
    return page(request, name, context, status)


def set_pre_cookie(request: Request, response: Response) -> None:
    v = visitor(request)
    if v.new_pre:
        response.set_cookie(PRE_COOKIE, v.new_pre, httponly=True, samesite="strict", secure=secure(request),
                            path="/")


def secure(request: Request) -> bool:
    """Whether cookies get the Secure flag: as configured, else when the request came over https."""
    setting = request.app.state.nb.config.secure_cookies
    return request.url.scheme == "https" if setting is None else bool(setting)
