"""A stored report's life in the review season: superseded by a corrected re-submission of
the same agency and year, withdrawn by an admin (a soft delete: restorable), its
publication date set by hand.

Superseded and withdrawn reports stay in the store (history, links both ways) but are left
out of lists, stats and exports by default: every report query should add `visible()`
(`store.queries.apply` does, unless `Filters.hidden` asks for them; the web list does
through `ReportQuery`; the cross checks do through `ok_report_index`).  When the report
filters are unified, `visible()` is the one clause to put in the unified filter's default.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..deadlines import parse_date
from ..errors import StoreError, UnreadableInput
from . import db
from .schema import STATUS_OK, reports

HIDDEN_STATES = ("superseded", "withdrawn")


def visible() -> sa.ColumnElement[bool]:
    """The clause keeping only reports in force (neither superseded nor withdrawn)."""
    return sa.and_(reports.c.superseded_by.is_(None), reports.c.withdrawn_at.is_(None))


def only_visible(stmt: sa.Select, hidden: bool = False) -> sa.Select:
    """`stmt` restricted to the reports in force, unless `hidden` (history views)."""
    return stmt if hidden else stmt.where(visible())


def published_on() -> sa.ColumnElement:
    """The publication date in force: set by hand, else as read from the page."""
    return sa.func.coalesce(reports.c.publish_date_set, reports.c.publish_date)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _row(conn: Connection, report_id: int) -> sa.Row:
    row = conn.execute(sa.select(reports.c.id, reports.c.agency_id, reports.c.year, reports.c.status,
                                 reports.c.superseded_by, reports.c.withdrawn_at)
                       .where(reports.c.id == report_id)).first()
    if row is None:
        raise StoreError(f"没有编号为 {report_id} 的报告。", f"No report {report_id}.")
    return row


# --------------------------------------------------------------------------- supersede


def earlier_versions(conn: Connection, report_id: int) -> list[int]:
    """The reports in force that a newly stored report replaces: parsed reports of the same
    agency and year stored before it."""
    row = _row(conn, report_id)
    if row.status != STATUS_OK or row.agency_id is None or row.year is None:
        return []
    stmt = sa.select(reports.c.id).where(reports.c.agency_id == row.agency_id, reports.c.year == row.year,
                                         reports.c.status == STATUS_OK, reports.c.id < report_id, visible())
    return list(conn.execute(stmt.order_by(reports.c.id)).scalars())


def supersede(engine: Engine, new_ids: Iterable[int]) -> list[tuple[int, int]]:
    """Mark the earlier versions of each new report as superseded by it; (old, new) pairs."""
    pairs: list[tuple[int, int]] = []
    with db.write(engine) as conn:
        for new in sorted(set(new_ids)):
            for old in earlier_versions(conn, new):
                conn.execute(reports.update().where(reports.c.id == old).values(superseded_by=new))
                pairs.append((old, new))
    return pairs


def versions(conn: Connection, report_id: int) -> dict[str, list[int]]:
    """{"replaces": the reports this one superseded, "replaced_by": the chain after it}."""
    replaces = list(conn.execute(sa.select(reports.c.id).where(reports.c.superseded_by == report_id)
                                 .order_by(reports.c.id)).scalars())
    after: list[int] = []
    current = conn.execute(sa.select(reports.c.superseded_by).where(reports.c.id == report_id)).scalar()
    while current is not None and current not in after and len(after) < 50:
        after.append(current)
        current = conn.execute(sa.select(reports.c.superseded_by).where(reports.c.id == current)).scalar()
    return {"replaces": replaces, "replaced_by": after}


# --------------------------------------------------------------------------- withdraw


def withdraw(engine: Engine, report_id: int, by: str) -> bool:
    """Withdraw a report (kept, hidden); False when it already was."""
    with db.write(engine) as conn:
        row = _row(conn, report_id)
        if row.withdrawn_at is not None:
            return False
        conn.execute(reports.update().where(reports.c.id == report_id).values(withdrawn_at=_now(), withdrawn_by=by))
    return True


def reinstate(engine: Engine, report_id: int) -> list[int]:
    """The reports `report_id` superseded are in force again (it was withdrawn: a wrong
    upload must not leave its agency and year without a report); their ids."""
    with db.write(engine) as conn:
        ids = list(conn.execute(sa.select(reports.c.id).where(reports.c.superseded_by == report_id)).scalars())
        if ids:
            conn.execute(reports.update().where(reports.c.id.in_(ids)).values(superseded_by=None))
    return ids


def restore(engine: Engine, report_id: int) -> bool:
    """Bring a withdrawn report back; False when it was not withdrawn."""
    with db.write(engine) as conn:
        row = _row(conn, report_id)
        if row.withdrawn_at is None:
            return False
        conn.execute(reports.update().where(reports.c.id == report_id).values(withdrawn_at=None, withdrawn_by=None))
    return True


# --------------------------------------------------------------------------- publication date


def check_date(text: str | None) -> str | None:
    """A date typed by hand as ISO text, None for a blank; bad input is refused."""
    text = (text or "").strip()
    if not text:
        return None
    found = parse_date(text.replace("/", "-").replace(".", "-"))
    if found is None or not 1990 <= found.year <= 2100:
        raise UnreadableInput(f"日期“{text[:20]}”无效，请写成 2025-01-31。",
                              f"Not a date: {text[:20]!r}; write it as 2025-01-31.")
    return found.isoformat()


def set_publish_date(engine: Engine, report_id: int, text: str | None) -> str | None:
    """Set (or with a blank, clear) the publication date by hand; returns the stored value."""
    value = check_date(text)
    with db.write(engine) as conn:
        _row(conn, report_id)
        conn.execute(reports.update().where(reports.c.id == report_id)
                     .values(publish_date_set=value, cross_pending=True))
    return value


def states(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    """"superseded" / "withdrawn" for the hidden reports among `ids`."""
    if not ids:
        return {}
    rows = conn.execute(sa.select(reports.c.id, reports.c.superseded_by, reports.c.withdrawn_at)
                        .where(reports.c.id.in_(list(ids)), sa.not_(visible())))
    return {r.id: "withdrawn" if r.withdrawn_at is not None else "superseded" for r in rows}
