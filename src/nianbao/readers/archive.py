"""Zip archives of reports, read member by member within limits (a zip bomb, a
million-member archive or a member that lies about its size is refused, not unpacked)."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import LimitExceeded, UnreadableInput

MAX_MEMBERS = 5000
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for members over 1 MB
SKIP_SUFFIXES = (".json", ".db", ".sqlite", ".ds_store")


@dataclass
class Member:
    name: str
    data: bytes | None
    error: Exception | None = None


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's file name; names without the UTF-8 flag are usually GBK on Chinese systems."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def members(data: bytes) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableInput("压缩包已损坏，无法打开。", f"The zip archive is corrupt and cannot be opened ({exc}).") from None
    if len(infos) > MAX_MEMBERS:
        raise LimitExceeded(f"压缩包内文件过多（{len(infos)} 个，上限 {MAX_MEMBERS} 个）。",
                            f"Too many files in the archive ({len(infos)}; the limit is {MAX_MEMBERS}).")
    total = 0
    for info in infos:
        name = member_name(info)
        base = name.rsplit("/", 1)[-1]
        if not base or base.startswith((".", "__MACOSX")) or "__MACOSX/" in name or base.lower().endswith(SKIP_SUFFIXES):
            continue
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size)
        ):
            yield Member(name, None, LimitExceeded(
                f"压缩包成员“{name}”解压后过大或压缩比异常，已跳过（疑似压缩炸弹）。",
                f"Archive member {name!r} is too large when unpacked or has an abnormal compression ratio; skipped."))
            continue
        try:
            with zf.open(info) as fh:
                body = fh.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            yield Member(name, None, UnreadableInput(f"压缩包成员“{name}”无法解压。", f"Archive member {name!r} cannot be unpacked ({exc})."))
            continue
        total += len(body)
        if len(body) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise LimitExceeded("压缩包解压后总量超过上限（1 GB），已停止读取。",
                                "The archive unpacks to more than the 1 GB limit; reading stopped.")
        yield Member(name, body)
