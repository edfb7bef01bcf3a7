"""Review: decisions on findings, corrections of mis-read cells, the audit log, and the
checks re-run on a corrected record.

A decision or a correction is keyed by the report's content hash and (for a finding) by
`finding_key(rule, location)`, not by row ids, so it still applies after the report is
parsed again.  The newest row for a key is the one in force; older rows stay as history.
A correction never touches the extracted value: it is a row of its own, and the corrected
record is built on the fly (`corrected_report`).
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..draft.cells import cell_map, parse_number
from ..errors import UnreadableInput
from ..model import Finding, Number, Report
from ..store.records import split_path
from .accounts import User
from .db import now, write
from .schema import DECISIONS, audit_log, cell_corrections, review_decisions

MAX_COMMENT = 2000


def finding_key(rule: str, location: dict[str, Any] | None) -> str:
    """A finding's identity within a report: its rule and where it points."""
    loc = json.dumps(location or {}, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(f"{rule}\x00{loc}".encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    finding_key: str
    rule: str
    decision: str  # confirm | dismiss
    comment: str
    user_name: str
    created_at: datetime


@dataclass(frozen=True)
class Correction:
    path: str
    value: Number
    extracted: Number | None
    comment: str
    user_name: str
    created_at: datetime


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
    out: dict[str, Decision] = {}
    with engine.connect() as conn:
        for r in conn.execute(sa.select(review_decisions).where(review_decisions.c.content_hash == content_hash)
                              .order_by(review_decisions.c.id)):
            out[r.finding_key] = Decision(r.finding_key, r.rule, r.decision, r.comment, r.user_name, r.created_at)
    return out


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
    out: dict[str, Correction] = {}
    with engine.connect() as conn:
        for r in conn.execute(sa.select(cell_corrections).where(cell_corrections.c.content_hash == content_hash)
                              .order_by(cell_corrections.c.id)):
            if r.reverted:
                out.pop(r.path, None)
            else:
                out[r.path] = Correction(r.path, _number(r.value), _number(r.extracted), r.comment, r.user_name,
                                         r.created_at)
    return out


@overload
def _number(v: float) -> Number: ...
@overload
def _number(v: None) -> None: ...
def _number(v: float | None) -> Number | None:
    return None if v is None else int(v) if float(v).is_integer() else v


def cell_value(report: Report, path: str) -> Number | None:
    tbl, row, col = split_path(path)
    if tbl == "table3":
        values = report.table3.get(row) or []
        return values[int(col)] if int(col) < len(values) else None
    return (getattr(report, tbl).get(row) or {}).get(col)


def corrected_report(report: Report, fixes: dict[str, Correction]) -> Report:
    """A copy of `report` whose tables hold the corrected values (the original is untouched)."""
    if not fixes:
        return report
    out = copy.copy(report)
    out.table2 = {k: dict(v) for k, v in report.table2.items()}
    out.table3 = {k: list(v) for k, v in report.table3.items()}
    out.table4 = {k: dict(v) for k, v in report.table4.items()}
    from ..templates import T3_WIDTH

    for path, fix in fixes.items():
        tbl, row, col = split_path(path)
        if tbl == "table3":
            out.table3.setdefault(row, [None] * T3_WIDTH)[int(col)] = fix.value
        else:
            getattr(out, tbl).setdefault(row, {})[col] = fix.value
    return out


def recheck(report: Report, fixes: dict[str, Correction]) -> list[Finding]:
    """The single-report checks on the corrected record."""
    from ..rules import check

    return check(corrected_report(report, fixes))


# --------------------------------------------------------------------------- the log


def audit_page(engine: Engine, page: int, per_page: int = 50, report_id: int | None = None) -> tuple[list[dict], bool]:
    """(entries newest first, whether there are more)."""
    stmt = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(per_page + 1).offset((page - 1) * per_page)
    if report_id is not None:
        stmt = stmt.where(audit_log.c.report_id == report_id)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    for r in rows:
        r["detail"] = json.loads(r["detail"]) if r["detail"] else None
    return rows[:per_page], len(rows) > per_page
