"""The review season of each report: its status (待审 → 退回整改 → 已整改 → 已通过, one by
one or in batches, every change audited), a corrected re-submission superseding the
earlier report (its status and the decisions on unchanged cells carried over), and
withdrawing or restoring a report (admins; audited).  The status is keyed by the report's
content hash, like the decisions, so it survives a reparse."""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import UnreadableInput
from ..model import Finding, Report
from ..store import Store, lifecycle
from ..store.schema import reports
from .accounts import User
from .db import now, write
from .reviews import audit, cell_value, corrections, decisions, finding_key
from .schema import REVIEW_STATUSES, cell_corrections, report_status, review_decisions
from .views import STATUS_NAMES

DEFAULT_STATUS = "pending"
# the moves the workflow allows (a report can be reopened: 已通过 → 待审)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("returned", "approved"),
    "returned": ("rectified", "approved", "pending"),
    "rectified": ("returned", "approved", "pending"),
    "approved": ("pending", "returned"),
}
MAX_BATCH = 1000


def check_status(status: str) -> None:
    if status not in REVIEW_STATUSES:
        names = "、".join(STATUS_NAMES.values())
        raise UnreadableInput(f"审核状态只能是：{names}。", f"A status is one of {', '.join(REVIEW_STATUSES)}.")


def statuses(engine: Engine, ids: Sequence[int]) -> dict[int, str]:
    """The status of each report of `ids` (pending when none was set)."""
    if not ids:
        return {}
    out = {int(i): DEFAULT_STATUS for i in ids}
    with engine.connect() as conn:
        for rid, status in conn.execute(sa.select(reports.c.id, report_status.c.status)
                                        .join(report_status, report_status.c.content_hash == reports.c.content_hash)
                                        .where(reports.c.id.in_(list(out)))):
            out[int(rid)] = status
    return out


def status_clause(status: str) -> sa.ColumnElement[bool]:
    """Reports (a `reports` select) whose status is `status` - for the list filter."""
    check_status(status)
    rs = report_status.alias("filter_status")  # apart from a report_status the statement may join itself
    has = sa.select(rs.c.content_hash).where(rs.c.content_hash == reports.c.content_hash).correlate(reports)
    if status == DEFAULT_STATUS:
        pending = has.where(rs.c.status == DEFAULT_STATUS)
        return sa.or_(~has.exists(), pending.exists())
    return has.where(rs.c.status == status).exists()


def _report(conn: sa.Connection, report_id: int) -> sa.Row:
    row = conn.execute(sa.select(reports.c.id, reports.c.content_hash, reports.c.agency, reports.c.year)
                       .where(reports.c.id == report_id)).first()
    if row is None:
        raise UnreadableInput(f"没有编号为 {report_id} 的报告。", f"No report {report_id}.")
    return row


def _write_status(conn: sa.Connection, user: User, row: sa.Row, old: str, new: str, comment: str = "",
                  action: str = "status.set") -> None:
    conn.execute(report_status.delete().where(report_status.c.content_hash == row.content_hash))
    conn.execute(report_status.insert().values(content_hash=row.content_hash, report_id=row.id, status=new,
                                               user_name=user.name, updated_at=now()))
    audit(conn, user, action, content_hash=row.content_hash, report_id=row.id, target=new,
          detail={"from": old, "to": new, "from_zh": STATUS_NAMES[old], "to_zh": STATUS_NAMES[new],
                  "comment": comment})


def _current(conn: sa.Connection, content_hash: str) -> str:
    return conn.execute(sa.select(report_status.c.status).where(report_status.c.content_hash == content_hash)) \
        .scalar() or DEFAULT_STATUS


def set_status(engine: Engine, user: User, report_ids: Iterable[int], status: str,
               comment: str = "") -> dict[str, list[int]]:
    """Move reports to `status`; {"changed": ids, "unchanged": already there, "refused":
    the move is not allowed from their status}."""
    check_status(status)
    ids = list(dict.fromkeys(int(i) for i in report_ids))
    if not ids:
        raise UnreadableInput("请先选择报告。", "Select at least one report.")
    if len(ids) > MAX_BATCH:
        raise UnreadableInput(f"一次最多处理 {MAX_BATCH} 份报告。", f"At most {MAX_BATCH} reports at once.")
    out: dict[str, list[int]] = {"changed": [], "unchanged": [], "refused": []}
    with write(engine) as conn:
        for rid in ids:
            row = _report(conn, rid)
            old = _current(conn, row.content_hash)
            if old == status:
                out["unchanged"].append(rid)
            elif status not in TRANSITIONS[old]:
                out["refused"].append(rid)
            else:
                _write_status(conn, user, row, old, status, comment[:500])
                out["changed"].append(rid)
    return out


# --------------------------------------------------------------------------- supersede


def unchanged(before: Finding, after: Finding, old: Report, new: Report) -> bool:
    """Whether a finding still stands on the same ground in the re-submission: the cells it
    points at read the same in both records (pointing at no cell: the same message)."""
    loc = before.location or {}
    cells = [c for c in (loc.get("cells") or []) if isinstance(c, str)]
    if isinstance(loc.get("cell"), str):
        cells.append(loc["cell"])
    if not cells:
        return before.message == after.message
    try:
        return all(cell_value(old, c) == cell_value(new, c) for c in cells)
    except (ValueError, IndexError, KeyError, AttributeError):
        return False


def carry_over(store: Store, user: User, old_id: int, new_id: int) -> dict[str, int]:
    """Carry the review of a superseded report to its re-submission: the decisions on
    findings the new report still has where their cells are unchanged, the corrections of
    cells printed the same (the new report still prints the wrong value), and the status
    (退回整改 becomes 已整改: the agency sent its correction)."""
    engine = store.engine
    old, new = store.report(old_id), store.report(new_id)
    with engine.connect() as conn:
        old_row, new_row = _report(conn, old_id), _report(conn, new_id)
    counts = {"decisions": 0, "corrections": 0}
    if old is None or new is None:
        return counts
    new_findings = {finding_key(f.rule, f.location): f for f in store.report_findings(new_id)}
    old_findings = {finding_key(f.rule, f.location): f for f in store.report_findings(old_id)}
    stamp = now()
    with write(engine) as conn:
        for key, d in decisions(engine, old_row.content_hash).items():
            f = old_findings.get(key)
            if f is None or key not in new_findings or not unchanged(f, new_findings[key], old, new):
                continue
            conn.execute(review_decisions.insert().values(
                content_hash=new_row.content_hash, report_id=new_id, finding_key=key, rule=d.rule,
                location=json.dumps(f.location or {}, ensure_ascii=False, sort_keys=True, default=str),
                message=new_findings[key].message, decision=d.decision,
                comment=f"{d.comment}（沿用报告 #{old_id} 的复核结论）".lstrip(), user_name=d.user_name, created_at=stamp))
            counts["decisions"] += 1
        for path, fix in corrections(engine, old_row.content_hash).items():
            printed = cell_value(new, path)
            if printed != fix.extracted or printed == fix.value:
                continue
            conn.execute(cell_corrections.insert().values(
                content_hash=new_row.content_hash, report_id=new_id, path=path, value=fix.value, extracted=printed,
                reverted=False, comment=f"{fix.comment}（沿用报告 #{old_id} 的更正）".lstrip(), user_name=fix.user_name,
                created_at=stamp))
            counts["corrections"] += 1
        before = _current(conn, old_row.content_hash)
        carried = "rectified" if before in ("returned", "rectified") else DEFAULT_STATUS
        if carried != _current(conn, new_row.content_hash):
            _write_status(conn, user, new_row, _current(conn, new_row.content_hash), carried,
                          f"替代报告 #{old_id}（原状态：{STATUS_NAMES[before]}）", action="status.carry")
        audit(conn, user, "report.supersede", content_hash=old_row.content_hash, report_id=old_id,
              target=str(new_id), detail={"new_report": new_id, **counts, "status": before})
    return counts


def supersede_new(store: Store, user: User, new_ids: Iterable[int]) -> list[tuple[int, int]]:
    """After an upload: each new report supersedes the earlier report(s) of the same agency
    and year, whose review is carried over."""
    pairs = lifecycle.supersede(store.engine, new_ids)
    for old, new in pairs:
        carry_over(store, user, old, new)
    return pairs


# --------------------------------------------------------------------------- withdraw


def withdraw(store: Store, user: User, report_id: int, reason: str = "") -> bool:
    done = lifecycle.withdraw(store.engine, report_id, user.name)
    if done:
        back = lifecycle.reinstate(store.engine, report_id)
        _audit_lifecycle(store.engine, user, report_id, "report.withdraw", reason, reinstated=back)
        store.crosscheck(_neighbours(store.engine, report_id))
    return done


def restore(store: Store, user: User, report_id: int, reason: str = "") -> bool:
    done = lifecycle.restore(store.engine, report_id)
    if done:
        again = [old for old, _ in lifecycle.supersede(store.engine, [report_id])]
        _audit_lifecycle(store.engine, user, report_id, "report.restore", reason, superseded=again)
        store.crosscheck([report_id])
    return done


def _audit_lifecycle(engine: Engine, user: User, report_id: int, action: str, reason: str, **links: list[int]) -> None:
    with write(engine) as conn:
        row = _report(conn, report_id)
        audit(conn, user, action, content_hash=row.content_hash, report_id=report_id,
              target=f"{row.agency or ''}{row.year or ''}", detail={"reason": reason[:500], **links})


def _neighbours(engine: Engine, report_id: int) -> list[int]:
    """The reports in force of the same agency (their cross checks named the withdrawn one)."""
    with engine.connect() as conn:
        agency = conn.execute(sa.select(reports.c.agency_id).where(reports.c.id == report_id)).scalar()
        if agency is None:
            return []
        return list(conn.execute(sa.select(reports.c.id).where(reports.c.agency_id == agency,
                                                               lifecycle.visible())).scalars())


def set_publish_date(store: Store, user: User, report_id: int, text: str | None) -> str | None:
    value = lifecycle.set_publish_date(store.engine, report_id, text)
    with write(store.engine) as conn:
        row = _report(conn, report_id)
        audit(conn, user, "report.publish_date", content_hash=row.content_hash, report_id=report_id,
              target=value or "", detail={"date": value})
    store.crosscheck([report_id])
    return value


def history(engine: Engine, report_id: int) -> dict[str, Any]:
    """The report's versions (what it replaced, what replaced it) and whether it is withdrawn."""
    with engine.connect() as conn:
        links = lifecycle.versions(conn, report_id)
        state = lifecycle.states(conn, [report_id]).get(report_id)
        row = conn.execute(sa.select(reports.c.withdrawn_at, reports.c.withdrawn_by, reports.c.publish_date,
                                     reports.c.publish_date_set).where(reports.c.id == report_id)).first()
    return {**links, "state": state, "withdrawn_at": row.withdrawn_at if row else None,
            "withdrawn_by": row.withdrawn_by if row else None, "publish_date": row.publish_date if row else None,
            "publish_date_set": row.publish_date_set if row else None}
