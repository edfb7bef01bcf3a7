"""Uploads: files checked by content (size, kind sniffed from the bytes, zip members within
limits) before anything is parsed; the background queue that parses and stores them is in
`queue.py`; the progress pages read `upload_items`.

    accept(files)  -> Accepted items (bytes to parse) and Rejected ones (with the reason)
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from ..errors import LimitExceeded, NianbaoError
from ..parsing.readers import sniff
from ..parsing.readers.archive import Budget, Limits, members
from ..store import Store
from ..store.parsed import content_key
from ..store.schema import reports
from .accounts import User
from .db import now, write
from .schema import upload_items

READABLE_KINDS = ("text", "html", "pdf", "docx", "doc", "image")
STATES_OPEN = ("queued", "parsing")


@dataclass
class Accepted:
    name: str  # display name: the uploaded file name (and the member path inside a zip)
    path: Path  # the bytes, spooled to a private file until they are parsed (never held in memory)
    size: int
    kind: str
    content_hash: str


@dataclass
class Rejected:
    name: str
    size: int | None
    message: str  # Chinese
    kind: str | None = None


@dataclass
class Allowance:
    """What one upload request may unpack: `bytes` in all (every file and zip member it
    yields, counted unpacked) and `items` files; the rest is refused with `why`."""

    bytes: int
    items: int
    why: str = ""
    used_bytes: int = 0
    used_items: int = 0

    def take(self, size: int) -> str | None:
        """Count one item of `size` bytes; the reason it is refused, or None."""
        if self.used_items + 1 > self.items:
            return f"本次上传的文件（含压缩包内的文件）超过 {self.items} 个，其余未处理。"
        if self.used_bytes + size > self.bytes:
            return self.spent()
        self.used_items += 1
        self.used_bytes += size
        return None

    def spent(self) -> str:
        return self.why or f"本次上传解压后的总量超过上限（{self.bytes / 1048576:g} MB），其余未处理。"


def display_name(name: str | None) -> str:
    """The last part of an uploaded file name, for display only (never used as a path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())[:200]
    return base or "未命名文件"


def _too_big(name: str, size: int, limit: int) -> Rejected:
    return Rejected(name, size, f"文件过大（{size / 1048576:.1f} MB，上限 {limit / 1048576:g} MB）。")


def spool_dir() -> Path:
    """This process's private directory of spooled upload bytes (removed when the queue closes)."""
    global _SPOOL
    if _SPOOL is None or not _SPOOL.is_dir():
        _SPOOL = Path(tempfile.mkdtemp(prefix=f"nianbao-spool-{os.getpid()}-"))
    return _SPOOL


_SPOOL: Path | None = None


def _spool(name: str, data: bytes, kind: str, spool: Path) -> Accepted:
    fd, path = tempfile.mkstemp(dir=spool, suffix=".upload")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Accepted(name, Path(path), len(data), kind, content_key(data, name))


Source = tuple[str | None, "bytes | BinaryIO"]


def accept(files: Iterable[Source], limit: int, archive_limits: Limits, allowance: Allowance | None = None,
           spool: Path | None = None) -> list[Accepted | Rejected]:
    """Each uploaded (name, bytes or a file to read) as an item to parse, or the reason it
    is refused; a zip archive becomes its members (nested archives included, within
    `archive_limits`).  Every file and member counts, unpacked, against `allowance` (the
    request's and the user's budget); accepted bytes go to files in `spool`, one at a
    time, so that memory holds one file or member at most."""
    allowance = allowance or Allowance(archive_limits.total_bytes, archive_limits.members)
    spool = spool or spool_dir()
    out: list[Accepted | Rejected] = []
    for raw_name, source in files:
        name = display_name(raw_name)
        data = source if isinstance(source, bytes) else source.read(limit + 1)
        if len(data) > limit:
            out.append(_too_big(name, len(data), limit))
            continue
        if not data:
            out.append(Rejected(name, 0, "文件是空的。"))
            continue
        kind = sniff(data)
        if kind == "zip":
            out.extend(_members(name, data, archive_limits, allowance, spool))
        elif kind in READABLE_KINDS:
            refused = allowance.take(len(data))
            out.append(Rejected(name, len(data), refused, kind) if refused else _spool(name, data, kind, spool))
        else:
            out.append(Rejected(name, len(data), _unsupported(kind), kind))
        del data
    return out


def _unsupported(kind: str) -> str:
    return ("不支持的文件类型（按内容识别为" + {"ooxml": "Excel/PowerPoint 等 Office 文件", "binary": "二进制文件"}.get(kind, kind)
            + "）。请上传 PDF、Word、WPS、HTML、文本、图片或 zip 压缩包。")


def _members(name: str, data: bytes, limits: Limits, allowance: Allowance, spool: Path) -> list[Accepted | Rejected]:
    """The members of an uploaded archive (and of archives nested in it), read one at a
    time by `readers.archive.members` with every member's compression ratio checked; each
    counts against the archive's limits and the request's `allowance`."""
    out: list[Accepted | Rejected] = []
    # the archive's own total is capped by what the request may still unpack
    budget = Budget(replace(limits, total_bytes=min(limits.total_bytes, allowance.bytes - allowance.used_bytes)))

    def expand(shown: str, body: bytes, depth: int) -> None:
        if depth > limits.depth:
            out.append(Rejected(shown, len(body), f"压缩包嵌套超过 {limits.depth} 层，未读取其中的压缩包。", "zip"))
            return
        for m in members(body, budget):
            inner = f"{shown}!{m.name}"
            if m.data is None:
                message = m.error.message_zh if isinstance(m.error, NianbaoError) else "无法读取。"
                out.append(Rejected(inner, None, message))
                continue
            kind = sniff(m.data)
            if kind == "zip":
                expand(inner, m.data, depth + 1)
            elif kind in READABLE_KINDS:
                refused = allowance.take(len(m.data))
                if refused:
                    raise LimitExceeded(refused, "The upload's unpacking budget is spent.")
                out.append(_spool(inner, m.data, kind, spool))
            else:
                out.append(Rejected(inner, len(m.data), _unsupported(kind), kind))

    try:
        expand(name, data, 1)
    except NianbaoError as exc:  # a damaged archive, or a budget spent: the rest is not read
        capped = budget.limits.total_bytes < limits.total_bytes and budget.total > budget.limits.total_bytes
        message = allowance.spent() if isinstance(exc, LimitExceeded) and capped else exc.message_zh
        out.append(Rejected(name, len(data), message, "zip"))
    if not out:
        out.append(Rejected(name, len(data), "压缩包里没有可以读取的报告文件。", "zip"))
    return out


def discard(items: Iterable[Accepted | Rejected]) -> None:
    """Remove the spooled files of items that will not be queued."""
    for it in items:
        if isinstance(it, Accepted):
            it.path.unlink(missing_ok=True)


def outstanding(store: Store, user: User) -> tuple[int, int]:
    """(bytes, items) of `user`'s uploads still queued or being parsed (on any server)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(upload_items.c.size), 0), sa.func.count())
                           .where(upload_items.c.user_name == user.name,
                                  upload_items.c.state.in_(STATES_OPEN))).one()
    return int(row[0]), int(row[1])


def interrupted(store: Store, stale_after: float = 120.0, spare: str | None = None) -> int:
    """Declare failed the open items whose server is gone: those whose owner has not
    refreshed their heartbeat for `stale_after` seconds (or that name no owner: items of an
    older version).  The items of a server that is still running are never touched, nor
    those of `spare` (the caller's own)."""
    cutoff = now() - timedelta(seconds=stale_after)
    stmt = (upload_items.update()
            .where(upload_items.c.state.in_(STATES_OPEN),
                   sa.or_(upload_items.c.owner.is_(None), upload_items.c.heartbeat_at.is_(None),
                          upload_items.c.heartbeat_at < cutoff))
            .values(state="failed", finished_at=now(), message="服务器重启，处理被中断，请重新上传该文件。"))
    if spare is not None:
        stmt = stmt.where(sa.or_(upload_items.c.owner.is_(None), upload_items.c.owner != spare))
    with write(store.engine) as conn:
        return conn.execute(stmt).rowcount


def batch_items(store: Store, batch: str, user: User, queue: Any = None) -> list[dict[str, Any]]:
    """The items of one upload (only the uploader's, unless `user` is an admin); with the
    upload `queue`, queued items carry their `position` and `eta_seconds`."""
    stmt = (sa.select(upload_items, reports.c.agency, reports.c.year)
            .select_from(upload_items.outerjoin(reports, reports.c.id == upload_items.c.report_id))
            .where(upload_items.c.batch == batch).order_by(upload_items.c.id))
    if not user.can("admin"):
        stmt = stmt.where(upload_items.c.user_name == user.name)
    with store.engine.connect() as conn:
        items = [dict(r) for r in conn.execute(stmt).mappings()]
    for it in items:
        it.pop("owner", None)
        it.pop("heartbeat_at", None)
    return queue.annotate(items) if queue is not None else items


def recent_batches(store: Store, user: User, limit: int = 10) -> list[dict[str, Any]]:
    stmt = (sa.select(upload_items.c.batch, sa.func.count().label("files"), sa.func.min(upload_items.c.created_at)
                      .label("created_at"), sa.func.max(upload_items.c.id).label("last"))
            .group_by(upload_items.c.batch).order_by(sa.desc("last")).limit(limit))
    if not user.can("admin"):
        stmt = stmt.where(upload_items.c.user_name == user.name)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]
