"""Uploading reports (files or zip archives, dragged and dropped) and watching them being
processed."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from ..accounts import User
from ..deps import NotFound, reviewer, reviewer_write, web
from ..services.uploads import store_upload
from ..uploads import batch_items, recent_batches
from ..views import page, partial

router = APIRouter(include_in_schema=False)
DONE_STATES = ("done", "duplicate", "failed", "rejected")


@router.get("/upload")
def upload_form(request: Request, user: User = Depends(reviewer)) -> Response:
    st = web(request)
    return page(request, "upload.html", {"batches": recent_batches(st.store, user),
                                         "limit_mb": st.config.upload_bytes // 1048576})


@router.post("/upload")
async def upload(request: Request, files: list[UploadFile] = File(...), user: User = Depends(reviewer_write)) -> Response:
    batch = await store_upload(request, files, user)
    if request.headers.get("hx-request"):
        return _items(request, batch, user)
    return RedirectResponse(f"/upload/{batch}", status_code=303)


@router.get("/upload/{batch}")
def batch_page(request: Request, batch: str, user: User = Depends(reviewer)) -> Response:
    items = batch_items(web(request).store, batch, user, web(request).uploads)
    if not items:
        raise NotFound("没有这次上传的记录。", "No such upload.")
    return page(request, "upload_batch.html", {"batch": batch, "items": items, "finished": _finished(items)})


@router.get("/upload/{batch}/items")
def batch_items_partial(request: Request, batch: str, user: User = Depends(reviewer)) -> Response:
    return _items(request, batch, user)


def _finished(items: list[dict]) -> bool:
    return all(it["state"] in DONE_STATES for it in items)


def _items(request: Request, batch: str, user: User) -> Response:
    items = batch_items(web(request).store, batch, user, web(request).uploads)
    if not items:
        raise NotFound("没有这次上传的记录。", "No such upload.")
    # the partial polls again (hx-trigger) only while some file is still being processed
    return partial(request, "_upload_items.html", {"batch": batch, "items": items, "finished": _finished(items)})
