"""The rule catalogue with how many reports fail each rule, and one rule's failing reports."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...rules import Rule, catalogue
from .. import queries
from ..deps import NotFound

if TYPE_CHECKING:  # pragma: no cover
    from ..app import WebState


def rule_counts(st: "WebState") -> dict[str, int]:
    return st.cache.get("rule_counts", lambda: queries.rule_counts(st.engine))


def rule_list(st: "WebState") -> list[dict[str, Any]]:
    counts = rule_counts(st)
    return [{**r.to_dict(), "reports": counts.get(r.id, 0)} for r in catalogue()]


def find_rule(rule_id: str) -> Rule:
    found = next((r for r in catalogue() if r.id == rule_id), None)
    if found is None:
        raise NotFound("没有这条规则。", f"No rule {rule_id}.")
    return found


def rule_page(st: "WebState", rule_id: str, page_no: int) -> queries.Page:
    """The reports failing `rule_id`, newest first (counts as reviewed)."""
    return queries.rule_reports(st.engine, rule_id, page_no)
