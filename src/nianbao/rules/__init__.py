"""The rule catalogue.

Every check has a stable id (domain.md §4, plus nianbao's own N-rules for what the
reader and extractor notice), a family, a severity, a Chinese title and a plain-language
explanation.  A rule is a small function registered with `@rule(...)`; it yields
`Finding`s.  `check(report)` runs every single-report rule; the cross-year and
cross-report rules (family "crossyear") need a second report and run from the store.
What several rules read (the joined text, the numeric view of table 三) is worked out
once per `check()` call through `per_check`.
"""
from __future__ import annotations

import importlib
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Iterable, TypeVar

from ..model import STATUS_NOT_EVALUABLE, Finding, Report

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
FAMILIES = ("arithmetic", "conformance", "narrative", "privacy", "integrity", "crossyear", "extraction")


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    severity: str
    title: str  # Chinese, short
    description: str  # Chinese, what it checks and why, for a clerk
    basis: str = ""  # legal or official source
    func: Callable[..., Iterable[Finding]] | None = None  # None: emitted by the reader/extractor

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", "family", "severity", "title", "description", "basis")}


REGISTRY: dict[str, Rule] = {}
_RuleFunc = TypeVar("_RuleFunc", bound=Callable[..., Iterable[Finding]] | None)


def rule(id: str, family: str, severity: str, title: str, description: str, basis: str = "") -> Callable[[_RuleFunc], _RuleFunc]:
    """Register a rule function (or, with no function, document an id other code emits)."""

    def register(func: _RuleFunc) -> _RuleFunc:
        if id in REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        REGISTRY[id] = Rule(id, family, severity, title, description, basis, func)
        return func

    return register


def finding(
    rule_id: str,
    message: str,
    *,
    severity: str | None = None,
    status: str = "fail",
    expected: Any = None,
    actual: Any = None,
    detail: str | None = None,
    **location: Any,
) -> Finding:
    """A Finding of a registered rule (the readers' and extractors' N-rules too); the severity
    defaults to the catalogue's, and the location is given by keyword (`table=`, `row=`,
    `line=`, `cells=`, …; None values are left out)."""
    known = REGISTRY.get(rule_id) or load_rules()[rule_id]
    sev = severity or known.severity
    if status == STATUS_NOT_EVALUABLE:
        sev = "info"
    return Finding(rule_id, sev, message, {k: v for k, v in location.items() if v is not None}, status, expected, actual, detail)


_Value = TypeVar("_Value")
# what one check() call has computed about its reports (`per_check`); None outside check()
_MEMO: ContextVar[dict[tuple[object, int], Any] | None] = ContextVar("nianbao_rules_memo", default=None)


def per_check(func: Callable[[Report], _Value]) -> Callable[[Report], _Value]:
    """`func(report)` computed once per `check()` call and shared by every rule that asks
    for it (the joined text, the numeric view of the tables); outside `check()` (a rule
    called on its own) it is computed on every call, so a record changed between two
    checks is never judged from a stale view."""

    @wraps(func)
    def shared(report: Report) -> _Value:
        memo = _MEMO.get()
        if memo is None:
            return func(report)
        key = (func, id(report))
        if key not in memo:  # (the report is kept with its value: its id is not reused meanwhile)
            memo[key] = (report, func(report))
        return memo[key][1]  # type: ignore[no-any-return]

    return shared


@per_check
def joined_lines(report: Report) -> str:
    """The report's text, its lines joined with newlines (read by several rules)."""
    return "\n".join(report.lines)


_MODULES = ("extraction", "arithmetic", "conformance", "narrative", "privacy", "integrity", "crossyear")
_loaded = False


def load_rules() -> dict[str, Rule]:
    global _loaded
    if not _loaded:
        for name in _MODULES:
            importlib.import_module(f".{name}", __name__)
        _loaded = True
    return REGISTRY


def catalogue() -> list[Rule]:
    """Every rule, in id order within family order."""
    rules = load_rules().values()
    return sorted(rules, key=lambda r: (FAMILIES.index(r.family), _id_key(r.id)))


def _id_key(rule_id: str) -> tuple[tuple[str, int], ...]:
    parts = []
    for chunk in rule_id.replace(".", " ").split():
        head = chunk.rstrip("0123456789")
        tail = chunk[len(head):]
        parts.append((head, int(tail) if tail else 0))
    return tuple(parts)


def check(report: Report, previous: Report | None = None) -> list[Finding]:
    """The reader's and extractor's notes, then every single-report rule; with `previous`
    (the same agency's report of the year before) also the cross-year rules."""
    load_rules()
    out: list[Finding] = list(report.notes)
    token = _MEMO.set({})
    try:
        for r in REGISTRY.values():
            if r.func is None:
                continue
            if r.family == "crossyear":
                if previous is not None:
                    out.extend(r.func(report, previous))
                continue
            out.extend(r.func(report))
    finally:
        _MEMO.reset(token)
    return sort_findings(out)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.status != "fail", _id_key(f.rule)))


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        if f.status == "fail" and f.severity in counts:
            counts[f.severity] += 1
    return counts
