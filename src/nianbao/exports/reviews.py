"""Reviewer decisions as the 问题清单 prints them: what a reviewer decided on a finding
(confirmed, dismissed, with a comment).  The decisions themselves come with the reviewed
record (`nianbao.store.reviewed`), the same source every view and export reads."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..words import DECISION_VERBS as DECISION_ZH  # noqa: E402,F401


@dataclass(frozen=True)
class Review:
    decision: str  # confirm | dismiss
    comment: str
    reviewer: str
    at: datetime | None = None

    @property
    def decision_zh(self) -> str:
        return DECISION_ZH.get(self.decision, self.decision)

    @classmethod
    def of(cls, decision: Any) -> "Review | None":
        """From a `store.reviewed.Decision` (None: no decision)."""
        if decision is None:
            return None
        return cls(decision.decision, decision.comment or "", decision.user_name or "", decision.created_at)
