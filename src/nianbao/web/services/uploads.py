"""Checking and queueing uploaded files (the upload page and `POST /api/uploads`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request, UploadFile
from starlette.concurrency import run_in_threadpool

from ..accounts import User
from ..deps import Forbidden, web
from ..uploads import Allowance, accept, discard, outstanding

if TYPE_CHECKING:  # pragma: no cover
    from ..app import WebState


def check_count(request: Request, files: list[UploadFile]) -> None:
    st = web(request)
    if len(files) > st.config.upload_files:
        raise Forbidden(f"一次最多上传 {st.config.upload_files} 个文件。",
                        f"At most {st.config.upload_files} files per upload.")


def allowance(st: "WebState", user: User) -> Allowance:
    """What this request may unpack: the request's budget, less what the user has queued."""
    cfg = st.config
    queued_bytes, queued_items = outstanding(st.store, user)
    room_bytes, room_items = cfg.user_queued_bytes - queued_bytes, cfg.user_queued_items - queued_items
    why = ""
    if room_bytes < cfg.request_unpacked_bytes or room_items < cfg.request_items:
        why = (f"您排队等待处理的文件已接近上限（{cfg.user_queued_bytes / 1048576:g} MB 或 {cfg.user_queued_items} 个），"
               "其余文件未处理，请等已上传的文件处理完后再上传。")
    return Allowance(max(0, min(cfg.request_unpacked_bytes, room_bytes)), max(0, min(cfg.request_items, room_items)), why)


async def store_upload(request: Request, files: list[UploadFile], user: User) -> str:
    """Check the uploaded files and queue them; the checks (sniffing, unpacking zips, one
    file at a time from the request's spooled temporary files) and the database writes run
    in a worker thread, not on the event loop."""
    st = web(request)
    check_count(request, files)

    def work() -> str:
        items = accept([(f.filename, f.file) for f in files], st.config.upload_bytes, st.config.archive_limits,
                       allowance(st, user))
        try:
            return st.uploads.submit(user, items)
        except BaseException:
            discard(items)
            raise

    try:
        return await run_in_threadpool(work)
    finally:
        for f in files:
            await f.close()
