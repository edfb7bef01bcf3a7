"""Reviewer decisions for the 问题清单: what a reviewer decided on a finding (confirmed,
dismissed, with a comment), when the web app recorded any.

The 问题清单 asks a `ReviewSource` for the decisions of the reports it lists.  `web_reviews`
gives one that reads the web app's review tables through its own functions
(`nianbao.web.reviews.finding_key`, `nianbao.web.exports.decisions_for`) when they exist
in the database; another source (a spreadsheet of decisions, another system) only has
to provide the same two methods.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

REVIEW_TABLE = "review_decisions"  # the web app's table (nianbao.web.schema)
DECISION_ZH = {"confirm": "确认", "dismiss": "驳回"}


@dataclass(frozen=True)
class Review:
    decision: str  # confirm | dismiss
    comment: str
    reviewer: str
    at: datetime | None = None

    @property
    def decision_zh(self) -> str:
        return DECISION_ZH.get(self.decision, self.decision)


class ReviewSource(Protocol):
    def key(self, rule: str, location: dict[str, Any] | None) -> str:
        """A finding's identity within its report."""

    def decisions(self, content_hashes: Sequence[str]) -> dict[str, dict[str, Review]]:
        """The decision in force for each finding key, by report content hash."""


class WebReviews:
    """The web app's review decisions (newest per finding), read through its functions."""

    def __init__(self, engine: Engine) -> None:
        from ..web.reviews import finding_key

        self.engine = engine
        self._key = finding_key

    def key(self, rule: str, location: dict[str, Any] | None) -> str:
        return self._key(rule, location)

    def decisions(self, content_hashes: Sequence[str]) -> dict[str, dict[str, Review]]:
        from ..web.exports import decisions_for

        return {h: {k: Review(d.decision, d.comment or "", d.user_name or "", d.created_at) for k, d in by_key.items()}
                for h, by_key in decisions_for(self.engine, list(content_hashes)).items()}


def web_reviews(engine: Engine) -> ReviewSource | None:
    """The web app's decisions when its review table is in this database, else None (the
    web app has never opened it: there are no decisions)."""
    if not sa.inspect(engine).has_table(REVIEW_TABLE):
        return None
    return WebReviews(engine)
