"""Review: decisions on findings, corrections of mis-read cells, the audit log, and the
checks re-run on a corrected record.

A decision or a correction is keyed by the report's content hash and (for a finding) by
`finding_key(rule, location)`, not by row ids, so it still applies after the report is
parsed again.  The newest row for a key is the one in force; older rows stay as history.
A correction never touches the extracted value: it is a row of its own, and the corrected
record is built on the fly by `nianbao.store.reviewed` (the record as reviewed, which every
view and export reads); this module writes the decisions, corrections and audit entries.
"""
from __future__ import annotations

import json
from typing import Any, overload
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..draft.cells import cell_map, parse_number
from ..errors import UnreadableInput
from ..model import Finding, Number, Report
from ..numbers import whole
from ..store.records import split_path
from ..store.reviewed import Correction, Decision, cell_value, corrected_report, finding_key, review_state
from .accounts import User
from .db import now, write
from .schema import DECISIONS, audit_log, cell_corrections, review_decisions

MAX_COMMENT = 2000


def audit(conn: Connection, user: User, action: str, *, content_hash: str | None = None,
          report_id: int | None = None, target: str | None = None, detail: dict[str, Any] | None = None) -> None:
    """Append one entry to the audit log (inside the caller's write transaction)."""
    conn.execute(audit_log.insert().values(at=now(), user_name=user.name, action=action, content_hash=content_hash,
                                           report_id=report_id, target=target,
                                           detail=None if detail is None else json.dumps(detail, ensure_ascii=False,
                                                                                         default=str)))


NOBODY = User(0, "未登录", "viewer")  # who the audit log names for a visitor who is not logged in


def audit_now(engine: Engine, user: User | None, action: str, **kw: Any) -> None:
    """One audit entry in a transaction of its own (logins, refusals, downloads: events
    with no change of their own to share a transaction with)."""
    with write(engine) as conn:
        audit(conn, user or NOBODY, action, **kw)


def _comment(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise UnreadableInput(f"意见不能超过{MAX_COMMENT}字。", f"A comment holds {MAX_COMMENT} characters at most.")
    return text


# --------------------------------------------------------------------------- decisions


def decide(engine: Engine, user: User, report_id: int, content_hash: str, finding: Finding, decision: str,
           comment: str | None) -> Decision:
    if decision not in DECISIONS:
        raise UnreadableInput("复核结论只能是“确认”或“驳回”。", f"A decision is one of {', '.join(DECISIONS)}.")
    key = finding_key(finding.rule, finding.location)
    text = _comment(comment)
    at = now()
    with write(engine) as conn:
        conn.execute(review_decisions.insert().values(
            content_hash=content_hash, report_id=report_id, finding_key=key, rule=finding.rule,
            location=json.dumps(finding.location or {}, ensure_ascii=False, sort_keys=True, default=str),
            message=finding.message, decision=decision, comment=text, user_name=user.name, created_at=at))
        audit(conn, user, f"review.{decision}", content_hash=content_hash, report_id=report_id, target=key,
              detail={"rule": finding.rule, "message": finding.message, "comment": text})
    return Decision(key, finding.rule, decision, text, user.name, at)


def decisions(engine: Engine, content_hash: str) -> dict[str, Decision]:
    """The decision in force for each finding key of a report."""
    with engine.connect() as conn:
        return review_state(conn, content_hash).decisions


# --------------------------------------------------------------------------- corrections


def check_cell(template: str | None, path: str) -> None:
    """`path` must be a numeric cell of the report's format."""
    try:
        split_path(path)
    except ValueError:
        raise UnreadableInput(f"没有这个单元格：{path}", f"Not a cell path: {path}") from None
    if path not in cell_map(template if template in ("2021", "2019") else "2021"):
        raise UnreadableInput(f"该报告的格式中没有这个单元格：{path}", f"The report's format has no cell {path}.")


def correct(engine: Engine, user: User, report: Report, report_id: int, content_hash: str, path: str,
            value: Any, comment: str | None) -> Correction | None:
    """Store a corrected value of `path` beside the extracted one; a blank `value` reverts
    the cell to its extracted value (returns None then)."""
    check_cell(report.template, path)
    try:
        number = parse_number(value)
    except ValueError:
        raise UnreadableInput(f"更正值“{value}”不是数字。", f"The corrected value {value!r} is not a number.") from None
    text = _comment(comment)
    extracted = cell_value(report, path)
    at = now()
    with write(engine) as conn:
        conn.execute(cell_corrections.insert().values(
            content_hash=content_hash, report_id=report_id, path=path, value=number, extracted=extracted,
            reverted=number is None, comment=text, user_name=user.name, created_at=at))
        audit(conn, user, "cell.revert" if number is None else "cell.correct", content_hash=content_hash,
              report_id=report_id, target=path, detail={"value": number, "extracted": extracted, "comment": text})
    return None if number is None else Correction(path, number, extracted, text, user.name, at)


def corrections(engine: Engine, content_hash: str) -> dict[str, Correction]:
    """The corrections in force for a report, by cell path."""
    with engine.connect() as conn:
        return review_state(conn, content_hash).fixes

