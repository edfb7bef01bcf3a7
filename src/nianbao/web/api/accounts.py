"""Service and accounts: health, who am I, API tokens, users, the OpenAPI page."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from ... import __version__
from ..accounts import User, add_user, create_token, list_tokens, list_users, revoke_token, unlock_user, update_user
from ..deps import Forbidden, NotFound, admin, admin_write, require_session, viewer, web
from ..params import Id
from . import responses as R
from .models import TokenIn, UserChange, UserIn

router = APIRouter()
public = APIRouter()  # no login needed


@public.get("/health", tags=["service"], response_model=R.HealthOut)
def health(request: Request) -> dict[str, Any]:
    """Liveness: the version and whether the deployment is read-only (no login needed)."""
    return {"status": "ok", "version": __version__, "read_only": web(request).config.read_only}


@router.get("/me", tags=["accounts"], response_model=R.UserOut)
def me(user: User = Depends(viewer)) -> dict[str, Any]:
    return {"name": user.name, "role": user.role}


@router.get("/tokens", tags=["accounts"], response_model=list[R.TokenRow])
def tokens(request: Request, user: User = Depends(viewer)) -> list[dict[str, Any]]:
    return list_tokens(web(request).engine, user)


@router.post("/tokens", tags=["accounts"], status_code=201, response_model=R.TokenCreated)
def token_create(request: Request, body: TokenIn, user: User = Depends(viewer)) -> dict[str, Any]:
    """A new API token for the caller; the token is in this response only."""
    st = web(request)
    if st.config.read_only:
        raise Forbidden("这是只读的公开站点。", "This is a read-only public site.")
    require_session(request)
    token_id, token = create_token(st.engine, user, body.name, by=user)
    return {"id": token_id, "token": token}


@router.delete("/tokens/{token_id}", tags=["accounts"], response_model=R.TokenRevoked)
def token_revoke(request: Request, token_id: Id, user: User = Depends(viewer)) -> dict[str, Any]:
    if not revoke_token(web(request).engine, user, token_id, by=user):
        raise NotFound("没有这个令牌。", f"No token {token_id}.")
    return {"revoked": token_id}


@router.get("/users", tags=["accounts"], response_model=list[R.UserRow])
def users(request: Request, user: User = Depends(admin)) -> list[dict[str, Any]]:
    return list_users(web(request).engine)


@router.post("/users", tags=["accounts"], status_code=201, response_model=R.UserOut)
def user_create(request: Request, body: UserIn, user: User = Depends(admin_write)) -> dict[str, Any]:
    st = web(request)
    created = add_user(st.engine, body.name, body.role, body.password, by=user)  # AccountError -> 400
    return {"name": created.name, "role": created.role}


@router.patch("/users/{name}", tags=["accounts"], response_model=R.UserOut)
def user_update(request: Request, name: str, body: UserChange, user: User = Depends(admin_write)) -> dict[str, Any]:
    st = web(request)
    if name == user.name and ((body.role and body.role != "admin") or body.active is False):
        raise Forbidden("不能降低自己的权限或停用自己的账号。", "You cannot demote or deactivate yourself.")
    changed = update_user(st.engine, name, role=body.role, password=body.password, active=body.active, by=user)
    return {"name": changed.name, "role": changed.role}


@router.post("/users/{name}/unlock", tags=["accounts"], response_model=R.Unlocked)
def user_unlock(request: Request, name: str, user: User = Depends(admin_write)) -> dict[str, Any]:
    """Clear the failed logins of a user name from every address (after a lockout)."""
    return {"name": name, "cleared": unlock_user(web(request).engine, name, by=user)}


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> Response:
    """The OpenAPI page (Swagger UI served from the package)."""
    from ..views import templates

    return templates.TemplateResponse(request, "api_docs.html", {})
