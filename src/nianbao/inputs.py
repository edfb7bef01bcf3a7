"""Expanding what a user points at (files, directories, zip archives) into report inputs.

Only regular files are read (symbolic links are followed first): a device (/dev/zero), a
FIFO or a socket in a folder is skipped with a message, never read without bound or waited
on; a folder that cannot be listed is skipped with a message too.  Skipped inputs are not
reports: `InputItem.skipped` tells the store not to keep them (a later run, once the
folder is readable, reads them as new).  File names the operating system gives as bytes
that are not UTF-8 (GBK names copied from Windows) become text by `safe_name`."""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import LimitExceeded, NianbaoError, UnreadableInput
from .parsing.pipeline import MAX_BYTES, _check_size
from .parsing.readers import sniff
from .parsing.readers.archive import LIMITS, SKIP_SUFFIXES, Budget, Limits, members


@dataclass
class InputItem:
    name: str  # a path, or "archive.zip!member.pdf"
    data: bytes | None
    error: NianbaoError | None = None
    skipped: bool = False  # not a report at all (a device, a FIFO, an unreadable folder): reported, never stored


class NotAFile(UnreadableInput):
    """A path that is not a regular file (a device, FIFO or socket, perhaps behind a link)."""


def safe_name(name: str) -> str:
    """`name` as text any database stores.  Parts the operating system could not decode
    (surrogate escapes of non-UTF-8 bytes) are decoded as GB18030 when they are valid
    GB18030 (the GBK names of files copied from Windows), else kept as \\xNN escapes; NUL
    characters (which PostgreSQL refuses) are written as \\x00.  Each path component is
    decoded on its own, so a UTF-8 folder name stays as it is."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = name.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # lone surrogates that are not escaped bytes
            name = name.encode("utf-8", "backslashreplace").decode("utf-8")
        else:
            name = "/".join(_decode_part(part) for part in raw.split(b"/"))
    return name.replace("\x00", "\\x00")


def _decode_part(part: bytes) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            return part.decode(encoding)
        except UnicodeDecodeError:
            pass
    return part.decode("utf-8", "backslashreplace")


def _kind(mode: int) -> tuple[str, str]:
    if stat.S_ISDIR(mode):
        return "目录", "a directory"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）", "a FIFO"
    if stat.S_ISSOCK(mode):
        return "套接字", "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件", "a device"
    return "特殊文件", "a special file"


def read_regular(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the regular file at `path` (links followed), at most `MAX_BYTES`.
    Anything else is `NotAFile`, found without reading from it or waiting on it (the file
    is opened non-blocking and checked again once open, in case it was swapped)."""
    shown = safe_name(os.fspath(path))
    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
            with os.fdopen(fd, "rb") as fh:
                st = os.fstat(fh.fileno())
                if stat.S_ISREG(st.st_mode):
                    _check_size(st.st_size)
                    data = fh.read(MAX_BYTES + 1)
                    _check_size(len(data))
                    return data
    except FileNotFoundError:
        raise UnreadableInput(f"找不到文件：{shown}", f"File not found: {shown}") from None
    except PermissionError:
        raise UnreadableInput(f"没有读取权限：{shown}", f"Permission denied: {shown}") from None
    except OSError as exc:
        raise UnreadableInput(f"无法读取：{shown}（{exc.strerror or exc}）",
                              f"Cannot read {shown}: {exc.strerror or exc}") from None
    zh, en = _kind(st.st_mode)
    raise NotAFile(f"不是普通文件（{zh}），未读取：{shown}", f"Not a regular file ({en}); not read: {shown}")


def _walk(root: Path) -> Iterator[Path | InputItem]:
    """The files under `root` in a stable order, and a skipped item for each folder that
    cannot be listed."""
    unreadable: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable.append):
        yield from (_unlisted(e) for e in unreadable)
        unreadable.clear()
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and not name.lower().endswith(SKIP_SUFFIXES):
                yield Path(dirpath) / name
    yield from (_unlisted(e) for e in unreadable)


def _unlisted(exc: OSError) -> InputItem:
    shown = safe_name(os.fspath(exc.filename or ""))
    reason = exc.strerror or type(exc).__name__
    return InputItem(shown, None, UnreadableInput(f"无法读取目录（{reason}），其中的文件已跳过：{shown}",
                                                  f"Cannot list the folder ({reason}); its files were skipped: {shown}"),
                     skipped=True)


def iter_inputs(paths: Iterable[str | os.PathLike[str]], limits: Limits = LIMITS) -> Iterator[InputItem]:
    """Every report under `paths`, in a stable order; unreadable ones carry their error.
    Zip archives (and archives inside them, up to `limits.depth`) are read member by member."""
    for p in paths:
        path = Path(p)
        files = _walk(path) if path.is_dir() else [path]
        for f in files:
            if isinstance(f, InputItem):
                yield f
                continue
            name = safe_name(str(f))
            try:
                data = read_regular(f)
            except NotAFile as exc:
                yield InputItem(name, None, exc, skipped=True)
                continue
            except NianbaoError as exc:
                yield InputItem(name, None, exc)
                continue
            yield from _expand(name, data, Budget(limits), 0)


def _expand(name: str, data: bytes, budget: Budget, depth: int) -> Iterator[InputItem]:
    if sniff(data) != "zip":
        yield InputItem(name, data)
        return
    if depth > budget.limits.depth:
        yield InputItem(name, None, LimitExceeded(
            f"压缩包嵌套超过 {budget.limits.depth} 层，未读取其中的压缩包。",
            f"Archives are nested more than {budget.limits.depth} deep; the innermost one was not read."))
        return
    try:
        for m in members(data, budget):
            if m.error is not None or m.data is None:
                yield InputItem(f"{name}!{m.name}", None, m.error)
            else:
                yield from _expand(f"{name}!{m.name}", m.data, budget, depth + 1)
    except NianbaoError as exc:
        yield InputItem(name, None, exc)
