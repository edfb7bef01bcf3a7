"""Uploads: files checked by content (size, kind sniffed from the bytes, zip members within
limits) before anything is parsed; the background queue that parses and stores them is in
`queue.py`; the progress pages read `upload_items`.

    accept(files)  -> Accepted items (bytes to parse) and Rejected ones (with the reason)
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..errors import LimitExceeded, NianbaoError
from ..inputs import iter_inputs
from ..readers import sniff
from ..readers.archive import Limits
from ..store import Store
from ..store.schema import reports
from .accounts import User
from .db import now, write
from .schema import upload_items

READABLE_KINDS = ("text", "html", "pdf", "docx", "doc", "image")
STATES_OPEN = ("queued", "parsing")


@dataclass
class Accepted:
    name: str  # display name: the uploaded file name (and the member path inside a zip)
    data: bytes
    kind: str


@dataclass
class Rejected:
    name: str
    size: int | None
    message: str  # Chinese
    kind: str | None = None


def display_name(name: str | None) -> str:
    """The last part of an uploaded file name, for display only (never used as a path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    return base or "未命名文件"


def _too_big(name: str, size: int, limit: int) -> Rejected:
    return Rejected(name, size, f"文件过大（{size / 1048576:.1f} MB，上限 {limit / 1048576:g} MB）。")


def accept(files: Iterable[tuple[str | None, bytes]], limit: int, archive_limits: Limits) -> list[Accepted | Rejected]:
    """Each uploaded (name, bytes) as an item to parse, or the reason it is refused; a zip
    archive becomes its members (nested archives included, within `archive_limits`)."""
    out: list[Accepted | Rejected] = []
    for raw_name, data in files:
        name = display_name(raw_name)
        if len(data) > limit:
            out.append(_too_big(name, len(data), limit))
            continue
        if not data:
            out.append(Rejected(name, 0, "文件是空的。"))
            continue
        kind = sniff(data)
        if kind == "zip":
            out.extend(_members(name, data, archive_limits))
        elif kind in READABLE_KINDS:
            out.append(Accepted(name, data, kind))
        else:
            out.append(Rejected(name, len(data), _unsupported(kind), kind))
    return out


def _unsupported(kind: str) -> str:
    return ("不支持的文件类型（按内容识别为" + {"ooxml": "Excel/PowerPoint 等 Office 文件", "binary": "二进制文件"}.get(kind, kind)
            + "）。请上传 PDF、Word、WPS、HTML、文本、图片或 zip 压缩包。")


def _members(name: str, data: bytes, limits: Limits) -> list[Accepted | Rejected]:
    """The members of an uploaded archive, read by the same code (and limits) as the CLI's
    inputs; the archive goes through a private temporary file, never a user-named path."""
    out: list[Accepted | Rejected] = []
    with tempfile.TemporaryDirectory(prefix="nianbao-upload-") as tmp:
        path = Path(tmp) / "upload.zip"
        path.write_bytes(data)
        prefix = str(path)
        try:
            for item in iter_inputs([path], limits):
                shown = name + item.name[len(prefix):] if item.name.startswith(prefix) else name
                if item.data is None:
                    message = item.error.message_zh if isinstance(item.error, NianbaoError) else "无法读取。"
                    out.append(Rejected(shown, None, message))
                    continue
                kind = sniff(item.data)
                if kind in READABLE_KINDS:
                    out.append(Accepted(shown, item.data, kind))
                else:
                    out.append(Rejected(shown, len(item.data), _unsupported(kind), kind))
        except LimitExceeded as exc:
            out.append(Rejected(name, len(data), exc.message_zh, "zip"))
    if not out:
        out.append(Rejected(name, len(data), "压缩包里没有可以读取的报告文件。", "zip"))
    return out


def interrupted(store: Store) -> int:
    """Mark the items a previous run of the server left unfinished (its queue is gone)."""
    with write(store.engine) as conn:
        return conn.execute(upload_items.update().where(upload_items.c.state.in_(STATES_OPEN))
                            .values(state="failed", finished_at=now(),
                                    message="服务器重启，处理被中断，请重新上传该文件。")).rowcount


def batch_items(store: Store, batch: str, user: User) -> list[dict[str, Any]]:
    """The items of one upload (only the uploader's, unless `user` is an admin)."""
    stmt = (sa.select(upload_items, reports.c.agency, reports.c.year)
            .select_from(upload_items.outerjoin(reports, reports.c.id == upload_items.c.report_id))
            .where(upload_items.c.batch == batch).order_by(upload_items.c.id))
    if not user.can("admin"):
        stmt = stmt.where(upload_items.c.user_name == user.name)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def recent_batches(store: Store, user: User, limit: int = 10) -> list[dict[str, Any]]:
    stmt = (sa.select(upload_items.c.batch, sa.func.count().label("files"), sa.func.min(upload_items.c.created_at)
                      .label("created_at"), sa.func.max(upload_items.c.id).label("last"))
            .group_by(upload_items.c.batch).order_by(sa.desc("last")).limit(limit))
    if not user.can("admin"):
        stmt = stmt.where(upload_items.c.user_name == user.name)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]
