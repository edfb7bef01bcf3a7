"""Expanding what a user points at (files, directories, zip archives) into report inputs."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import LimitExceeded, NianbaoError
from .pipeline import load
from .readers import sniff
from .readers.archive import LIMITS, SKIP_SUFFIXES, Budget, Limits, members


@dataclass
class InputItem:
    name: str  # a path, or "archive.zip!member.pdf"
    data: bytes | None
    error: NianbaoError | None = None


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and not name.lower().endswith(SKIP_SUFFIXES):
                yield Path(dirpath) / name


def iter_inputs(paths: Iterable[str | os.PathLike[str]], limits: Limits = LIMITS) -> Iterator[InputItem]:
    """Every report under `paths`, in a stable order; unreadable ones carry their error.
    Zip archives (and archives inside them, up to `limits.depth`) are read member by member."""
    for p in paths:
        path = Path(p)
        files = _walk(path) if path.is_dir() else [path]
        for f in files:
            try:
                data, _ = load(f)
            except NianbaoError as exc:
                yield InputItem(str(f), None, exc)
                continue
            yield from _expand(str(f), data, Budget(limits), 0)


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
