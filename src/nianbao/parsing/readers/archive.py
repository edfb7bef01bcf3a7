"""Zip archives of reports, read member by member within limits (a zip bomb, a
million-member archive or a member that lies about its size is refused, not unpacked).

The limits hold for one archive and, through a shared `Budget`, for the archives nested
inside it: their members count against the same total.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ...errors import LimitExceeded, NianbaoError, UnreadableInput

# what unpacking a damaged member can raise (zlib.error is not an OSError)
UNPACK_ERRORS = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error)
SKIP_SUFFIXES = (".json", ".db", ".sqlite", ".ds_store")
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    members: int = 5000  # files in one archive
    member_bytes: int = 200 * MB  # one member, unpacked
    total_bytes: int = 1024 * MB  # everything unpacked from one archive and those nested in it
    ratio: int = 200  # unpacked / packed size, for members over `ratio_floor` (declared and actual)
    ratio_floor: int = MB  # 0: every member (the web application's uploads)
    depth: int = 2  # archives inside archives


LIMITS = Limits()


@dataclass
class Budget:
    """What an archive (with its nested archives) has unpacked so far."""

    limits: Limits = LIMITS
    total: int = 0

    def spend(self, n: int) -> None:
        self.total += n
        if self.total > self.limits.total_bytes:
            cap = _size(self.limits.total_bytes)
            raise LimitExceeded(f"压缩包解压后总量超过上限（{cap}），已停止读取。",
                                f"The archive unpacks to more than the {cap} limit; reading stopped.")


@dataclass
class Member:
    name: str
    data: bytes | None
    error: NianbaoError | None = None


def _size(n: int) -> str:
    return f"{n / MB / 1024:g} GB" if n >= 1024 * MB else f"{n / MB:g} MB" if n >= MB else f"{n} B"


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's file name.  With the UTF-8 flag (0x800) zipfile has decoded it already;
    without it, zipfile read the raw bytes as cp437: those bytes are decoded again, as UTF-8
    first (Linux and macOS zip tools write UTF-8 without setting the flag), then as GB18030
    (Windows' built-in zip on a Chinese system writes GBK).  UTF-8 goes first because GBK
    text is almost never valid UTF-8, while UTF-8 bytes often decode as GB18030 mojibake."""
    if info.flag_bits & 0x800:
        return info.filename
    return decode_name(info.filename.encode("cp437", errors="replace"), info.filename)


def decode_name(raw: bytes, fallback: str) -> str:
    """A zip member name's bytes as text: UTF-8, else GB18030, else `fallback` (cp437)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return fallback


def skipped(name: str) -> bool:
    """Files that are never reports: hidden files, macOS resource forks, data files."""
    base = name.rsplit("/", 1)[-1]
    return not base or base.startswith((".", "__MACOSX")) or "__MACOSX/" in name or base.lower().endswith(SKIP_SUFFIXES)


def _refusal(name: str, info: zipfile.ZipInfo, limits: Limits) -> NianbaoError | None:
    if info.flag_bits & 0x1:
        return UnreadableInput(f"压缩包成员“{name}”已加密（设置了密码），无法读取。",
                               f"Archive member {name!r} is encrypted (password-protected) and cannot be read.")
    if info.file_size > limits.member_bytes:
        cap = _size(limits.member_bytes)
        return LimitExceeded(f"压缩包成员“{name}”解压后超过 {cap}，已跳过。",
                             f"Archive member {name!r} unpacks to more than {cap}; skipped.")
    if _ratio_exceeded(info.file_size, info, limits):
        return _ratio_refusal(name, info.file_size, info, limits)
    return None


def _ratio_exceeded(size: int, info: zipfile.ZipInfo, limits: Limits) -> bool:
    return size > limits.ratio_floor and size > limits.ratio * max(1, info.compress_size)


def _ratio_refusal(name: str, size: int, info: zipfile.ZipInfo, limits: Limits) -> LimitExceeded:
    ratio = size // max(1, info.compress_size)
    return LimitExceeded(
        f"压缩包成员“{name}”的压缩比异常（{ratio} 倍以上，上限 {limits.ratio} 倍），疑似压缩炸弹，已跳过。",
        f"Archive member {name!r} has an abnormal compression ratio "
        f"({ratio}x or more; the limit is {limits.ratio}x), a likely zip bomb; skipped.")


CHUNK = 1024 * 1024


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    """The member's bytes, read in chunks and stopped one chunk past the member limit or
    the ratio limit (whichever comes first), whatever its header declares: a member that
    lies about its size is never unpacked in full."""
    cap = limits.member_bytes
    if limits.ratio_floor < cap:
        cap = min(cap, max(limits.ratio_floor, limits.ratio * max(1, info.compress_size)))
    parts: list[bytes] = []
    got = 0
    with zf.open(info) as fh:
        while got <= cap:
            chunk = fh.read(min(CHUNK, cap + 1 - got))
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
    return b"".join(parts)


def members(data: bytes, budget: Budget | None = None) -> Iterator[Member]:
    """The archive's members in order; a member that cannot be used carries its error.
    Raises `LimitExceeded` for too many members or too much unpacked data in total."""
    budget = budget or Budget()
    limits = budget.limits
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except UNPACK_ERRORS as exc:  # NotImplementedError: a central directory naming an unknown zip version
        raise UnreadableInput("压缩包已损坏，无法打开。", f"The zip archive is corrupt and cannot be opened ({exc}).") from None
    if len(infos) > limits.members:
        raise LimitExceeded(f"压缩包内文件过多（{len(infos)} 个，上限 {limits.members} 个）。",
                            f"Too many files in the archive ({len(infos)}; the limit is {limits.members}).")
    for info in infos:
        name = member_name(info)
        if skipped(name):
            continue
        refusal = _refusal(name, info, limits)
        if refusal is not None:
            yield Member(name, None, refusal)
            continue
        try:
            body = _read(zf, info, limits)
        except UNPACK_ERRORS as exc:
            yield Member(name, None, UnreadableInput(f"压缩包成员“{name}”已损坏，无法解压。",
                                                     f"Archive member {name!r} is corrupt and cannot be unpacked ({exc})."))
            continue
        budget.spend(len(body))
        if _ratio_exceeded(len(body), info, limits):  # the header lied about the size
            yield Member(name, None, _ratio_refusal(name, len(body), info, limits))
            continue
        if len(body) > limits.member_bytes:  # the header lied about the size
            cap = _size(limits.member_bytes)
            yield Member(name, None, LimitExceeded(f"压缩包成员“{name}”解压后超过 {cap}，已跳过。",
                                                   f"Archive member {name!r} unpacks to more than {cap}; skipped."))
            continue
        yield Member(name, body)
