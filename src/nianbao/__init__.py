"""nianbao (年报): read, check, store and draft China's government information-disclosure
annual reports (政府信息公开工作年度报告).

    >>> import nianbao
    >>> report = nianbao.parse("report.pdf")      # -> Report (schema.md record + provenance)
    >>> findings = nianbao.check(report)          # -> list[Finding]
"""
from __future__ import annotations

__version__ = "0.1.0"

import os
from typing import TYPE_CHECKING, Any

from .errors import (ClusterError, FetchError, LimitExceeded, MissingDependency, NianbaoError, NotAReport, StoreError,
                     UnreadableInput, UnsupportedFormat)
from .model import Finding, Report

__all__ = [
    "parse", "parse_text", "check", "Report", "Finding", "Store", "__version__",
    # the errors a caller can meet (each with a Chinese and an English message)
    "NianbaoError", "UnreadableInput", "NotAReport", "UnsupportedFormat", "MissingDependency", "LimitExceeded",
    "StoreError", "FetchError", "ClusterError",
]


def parse(source: str | os.PathLike[str] | bytes, name: str | None = None) -> Report:
    """Read one report (a path, or its bytes) into the canonical record."""
    from .parsing.pipeline import parse as _parse

    return _parse(source, name)


def parse_text(text: str, name: str | None = None) -> Report:
    from .parsing.pipeline import parse_text as _parse_text

    return _parse_text(text, name)


def check(report: Report, previous: Report | None = None) -> list[Finding]:
    """All findings for one report: what the reader noticed, then every rule's result; with
    `previous` (the same agency's report of the year before) also the cross-year rules."""
    from .rules import check as _check

    return _check(report, previous)


def __getattr__(name: str) -> Any:
    if name == "Store":
        from .store import Store

        return Store
    raise AttributeError(name)


if TYPE_CHECKING:  # pragma: no cover
    from .store import Store  # noqa: F401
