"""Expanding what a user points at (files, directories, zip archives) into report inputs."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import NianbaoError, UnreadableInput
from .pipeline import load
from .readers import sniff
from .readers.archive import SKIP_SUFFIXES, members


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


def iter_inputs(paths: Iterable[str | os.PathLike[str]]) -> Iterator[InputItem]:
    """Every report under `paths`, in a stable order; unreadable ones carry their error."""
    for p in paths:
        path = Path(p)
        files = _walk(path) if path.is_dir() else [path]
        for f in files:
            try:
                data, _ = load(f)
            except NianbaoError as exc:
                yield InputItem(str(f), None, exc)
                continue
            if sniff(data) != "zip":
                yield InputItem(str(f), data)
                continue
            try:
                for m in members(data):
                    err = m.error if isinstance(m.error, NianbaoError) else (
                        UnreadableInput(str(m.error), str(m.error)) if m.error else None)
                    yield InputItem(f"{f}!{m.name}", m.data, err)
            except NianbaoError as exc:
                yield InputItem(str(f), None, exc)
