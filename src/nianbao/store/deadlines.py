"""The deadline table (overrides of `nianbao.deadlines.DEFAULTS`, by agency level and
region) and the G4 迟报 findings computed from it and the reports' publication dates
(run with the cross checks, so a changed date or table is re-checked by
`crosscheck.run`)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..deadlines import LEVEL_NAMES, Deadline, Override, check_month_day, days_late, deadline, parse_date
from ..errors import UnreadableInput
from ..model import Finding
from ..rules import finding
from . import db
from .lifecycle import published_on
from .schema import agencies, deadlines, reports


def overrides(conn: Connection) -> list[Override]:
    rows = conn.execute(sa.select(deadlines).order_by(deadlines.c.level, deadlines.c.region))
    return [Override(r.level, r.region, r.month, r.day, r.note) for r in rows]


def override_rows(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(deadlines).order_by(deadlines.c.level, deadlines.c.region))
                .mappings()]


def _check_level(level: str) -> None:
    if level not in LEVEL_NAMES:
        raise UnreadableInput(f"机关层级“{level[:20]}”无效，可选：{'、'.join(LEVEL_NAMES)}。",
                              f"Unknown agency level {level[:20]!r}; one of {', '.join(LEVEL_NAMES)}.")


def set_override(engine: Engine, level: str, region: str, month: int, day: int, note: str, by: str) -> None:
    """Set the deadline for agencies of `level` in `region` ("" for every region)."""
    _check_level(level)
    check_month_day(month, day)
    region = (region or "").strip()[:80]
    values = dict(month=month, day=day, note=(note or "").strip()[:500], updated_by=by,
                  updated_at=datetime.now(timezone.utc))
    with db.write(engine) as conn:
        done = conn.execute(deadlines.update().where(deadlines.c.level == level, deadlines.c.region == region)
                            .values(**values)).rowcount
        if not done:
            conn.execute(deadlines.insert().values(level=level, region=region, **values))
        _mark_pending(conn)


def remove_override(engine: Engine, level: str, region: str) -> bool:
    _check_level(level)
    with db.write(engine) as conn:
        gone = conn.execute(deadlines.delete().where(deadlines.c.level == level,
                                                     deadlines.c.region == (region or "").strip())).rowcount
        if gone:
            _mark_pending(conn)
    return bool(gone)


def _mark_pending(conn: Connection) -> None:
    """Every report's 迟报 check is to be run again (the next `crosscheck.run`)."""
    conn.execute(reports.update().where(reports.c.status == "ok").values(cross_pending=True))


# --------------------------------------------------------------------------- per report


def report_deadlines(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[Deadline | None, str | None]]:
    """(deadline, publication date in force) of each report."""
    table = overrides(conn)
    stmt = (sa.select(reports.c.id, reports.c.year, sa.func.coalesce(agencies.c.level, reports.c.level).label("level"),
                      agencies.c.path, sa.func.coalesce(agencies.c.region, reports.c.region).label("region"),
                      published_on().label("published"))
            .select_from(reports.outerjoin(agencies, reports.c.agency_id == agencies.c.id))
            .where(reports.c.id.in_(list(ids))))
    return {r.id: (deadline(r.year, r.level, r.path, r.region, table), r.published) for r in conn.execute(stmt)}


def late_finding(due: Deadline | None, published: str | None) -> Finding | None:
    """G4 when the publication date is after the deadline."""
    late = days_late(parse_date(published), due.due if due else None)
    if due is None or late is None or late <= 0:
        return None
    return finding("G4", f"发布日期 {published} 晚于截止日期 {due.due.isoformat()}（{due.source}），迟报 {late} 天。",
                   expected=due.due.isoformat(), actual=published)


def late_findings(conn: Connection, ids: Sequence[int]) -> dict[int, Finding]:
    out = {}
    for rid, (due, published) in report_deadlines(conn, ids).items():
        f = late_finding(due, published)
        if f is not None:
            out[rid] = f
    return out
