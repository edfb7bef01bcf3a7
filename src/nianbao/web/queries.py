"""The reads behind the pages, paginated so that no page loads a whole table: report lists,
search, rule statistics, the years and regions present.  Built on the store's query
helpers (`Filters`, `report_select`, `apply`) and its tables, read-only."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import astuple, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..store.agencies import escape_like, in_region
from ..store.queries import report_select
from ..store.schema import agencies, findings, reports, sections

PER_PAGE = 50
MAX_PER_PAGE = 500


@dataclass
class Page:
    rows: list[dict[str, Any]]
    page: int
    per_page: int
    total: int | None = None  # None when counting would cost too much (search)
    more: bool = False

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.more if self.total is None else self.page < (self.pages or 1)

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "has_next": self.has_next,
                "items": self.rows}


def clamp(page: int, per_page: int) -> tuple[int, int]:
    return max(1, page), min(max(1, per_page), MAX_PER_PAGE)


class TTLCache:
    """A small thread-safe cache of computed values for `ttl` seconds; `bump()` forgets
    everything (after this process stored reports)."""

    def __init__(self, ttl: float = 60.0, size: int = 256) -> None:
        self.ttl, self.size = ttl, size
        self._data: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        stamp = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and stamp - hit[0] < self.ttl:
                return hit[1]
        value = make()
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()
            self._data[key] = (stamp, value)
        return value

    def bump(self) -> None:
        with self._lock:
            self._data.clear()


# --------------------------------------------------------------------------- reports

_AGENCY = sa.func.coalesce(agencies.c.name, reports.c.agency)
_REGION = sa.func.coalesce(agencies.c.region, reports.c.region)
LIST_COLUMNS = (reports.c.id, reports.c.agency_id, _AGENCY.label("agency"), _REGION.label("region"), reports.c.year,
                reports.c.template, reports.c.status, reports.c.n_errors, reports.c.n_warnings, reports.c.source_name,
                reports.c.error)
SORTS: dict[str, Any] = {"id": reports.c.id, "year": reports.c.year, "agency": _AGENCY, "region": _REGION,
                         "errors": reports.c.n_errors, "warnings": reports.c.n_warnings}


@dataclass
class ReportQuery:
    region: str | None = None
    year: int | None = None
    agency: str | None = None  # part of the agency's name
    agency_id: int | None = None
    status: str | None = None  # ok | failed
    problems: bool = False  # only reports with errors
    sort: str = "id"
    desc: bool = True

    def where(self, conn: Connection, stmt: sa.Select) -> sa.Select:
        """The filters on `reports` columns only (no join needed).  Region and agency name
        are first resolved to agency ids in the small `agencies` table, so the reports are
        reached through the (agency_id, year) index instead of a scan; reports whose agency
        was not identified are matched by the region or name they print."""
        if self.year is not None:
            by_agency = self.region or self.agency or self.agency_id is not None
            # with agencies to look at, "year + 0" keeps the planner on the (agency_id, year)
            # index rather than reading the whole year through ix_reports_year
            stmt = stmt.where((reports.c.year + 0 if by_agency else reports.c.year) == self.year)
        if self.status:
            stmt = stmt.where(reports.c.status == self.status)
        if self.agency_id is not None:
            stmt = stmt.where(reports.c.agency_id == self.agency_id)
        if self.problems:
            stmt = stmt.where(reports.c.n_errors > 0)
        if self.region or self.agency:
            found = sa.select(agencies.c.id)
            orphan: sa.ColumnElement[bool] = reports.c.agency_id.is_(None)
            if self.region:
                found = found.where(in_region(agencies.c.path, self.region))
                orphan = sa.and_(orphan, reports.c.region == self.region)
            if self.agency:
                found = found.where(agencies.c.name.like(like_pattern(self.agency), escape="\\"))
                orphan = sa.and_(orphan, reports.c.agency.like(like_pattern(self.agency), escape="\\"))
            ids = list(conn.execute(found).scalars())
            # an OR would keep SQLite off the (agency_id, year) index: add the unidentified
            # reports only when there are any (their lookup is itself one index seek)
            has_orphans = conn.execute(sa.select(reports.c.id).where(orphan).limit(1)).first() is not None
            if ids and has_orphans:
                stmt = stmt.where(sa.or_(reports.c.agency_id.in_(ids), orphan))
            else:
                stmt = stmt.where(reports.c.agency_id.in_(ids) if ids else orphan)
        return stmt


def like_pattern(text: str) -> str:
    return "%" + escape_like(text) + "%"


def report_page(engine: Engine, q: ReportQuery, page: int = 1, per_page: int = PER_PAGE, cap: int = MAX_PER_PAGE,
                orders: TTLCache | None = None) -> Page:
    """One page of the report list; `cap` bounds `per_page` (an export takes a larger one).
    Sorted by anything but the id (which the primary key orders), the whole ordering is
    computed once and kept in `orders`, so the next pages of it are cheap."""
    page, per_page = max(1, page), min(max(1, per_page), cap)
    if q.sort != "id" and orders is not None:
        ordered = orders.get(("order", *astuple(q)), lambda: _ordered_ids(engine, q))
        ids = ordered[(page - 1) * per_page: page * per_page]
        with engine.connect() as conn:
            found = {r["id"]: dict(r) for r in conn.execute(report_select(*LIST_COLUMNS)
                                                            .where(reports.c.id.in_(ids))).mappings()}
        return Page([found[i] for i in ids if i in found], page, per_page, len(ordered))
    order = SORTS.get(q.sort, reports.c.id)
    order = order.desc() if q.desc else order.asc()
    with engine.connect() as conn:
        stmt = q.where(conn, report_select(*LIST_COLUMNS)).order_by(order, reports.c.id.desc())
        rows = [dict(r) for r in conn.execute(stmt.limit(per_page).offset((page - 1) * per_page)).mappings()]
        total = conn.execute(q.where(conn, sa.select(sa.func.count()).select_from(reports))).scalar_one()
    return Page(rows, page, per_page, int(total))


def _ordered_ids(engine: Engine, q: ReportQuery) -> list[int]:
    order = SORTS.get(q.sort, reports.c.id)
    order = order.desc() if q.desc else order.asc()
    with engine.connect() as conn:
        return list(conn.execute(q.where(conn, report_select(reports.c.id)).order_by(order, reports.c.id.desc()))
                    .scalars())


def report_row(engine: Engine, report_id: int) -> dict[str, Any] | None:
    """The list columns of one report plus its content hash, source and reader details."""
    cols = (*LIST_COLUMNS, reports.c.content_hash, reports.c.title, reports.c.reader, reports.c.pages,
            reports.c.publish_date, reports.c.parser_version, reports.c.size, reports.c.error_en, reports.c.n_infos)
    with engine.connect() as conn:
        row = conn.execute(report_select(*cols).where(reports.c.id == report_id)).mappings().first()
    return dict(row) if row else None


def years(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(y) for y in conn.execute(sa.select(reports.c.year).distinct().where(reports.c.year.is_not(None))
                                             .order_by(reports.c.year.desc())).scalars()]


def regions(engine: Engine, limit: int = 2000) -> list[str]:
    """Division names agencies lie in (for the dashboard's region field)."""
    with engine.connect() as conn:
        paths = conn.execute(sa.select(agencies.c.path).distinct().limit(limit * 5)).scalars().all()
    names: dict[str, None] = {}
    for p in paths:
        for part in (p or "").split("/"):
            if part:
                names[part] = None
    return sorted(names)[:limit]


def agency_info(engine: Engine, agency_id: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(agencies).where(agencies.c.id == agency_id)).mappings().first()
    return dict(row) if row else None


# --------------------------------------------------------------------------- search


def search_agencies(engine: Engine, text: str, limit: int = 20) -> list[dict[str, Any]]:
    if not text.strip():
        return []
    stmt = (sa.select(agencies.c.id, agencies.c.name, agencies.c.region, agencies.c.path)
            .where(agencies.c.name.like(like_pattern(text.strip()), escape="\\")).order_by(agencies.c.name).limit(limit))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def _matching_ids(conn: Connection, text: str, limit: int, offset: int) -> list[int]:
    """Ids of sections containing `text`, newest first, one page of them.  SQLite asks the
    FTS5 index directly (it yields rowids in order, so a page costs only the page); other
    databases go through the store's search select."""
    from ..store.search import bigrams, matching_sections

    tokens = bigrams(text).split()
    if conn.dialect.name == "sqlite" and tokens and not (len(tokens) == 1 and len(tokens[0]) == 1):
        phrase = '"' + " ".join(tokens).replace('"', '""') + '"'
        rows = conn.execute(sa.text("SELECT rowid FROM sections_fts WHERE sections_fts MATCH :q "
                                    "ORDER BY rowid DESC LIMIT :n OFFSET :o"), {"q": phrase, "n": limit, "o": offset})
        return [r[0] for r in rows]
    sub = matching_sections(conn.dialect.name, text).subquery()
    return list(conn.execute(sa.select(sub.c.id).order_by(sub.c.id.desc()).limit(limit).offset(offset)).scalars())


def search_text(engine: Engine, text: str, page: int = 1, per_page: int = 20) -> Page:
    """Sections whose text contains `text`, with a snippet around the first hit."""
    page, per_page = clamp(page, per_page)
    text = text.strip()
    if not text:
        return Page([], page, per_page, 0)
    with engine.connect() as conn:
        ids = _matching_ids(conn, text, per_page + 1, (page - 1) * per_page)
        more = len(ids) > per_page
        ids = ids[:per_page]
        stmt = report_select(sections.c.id.label("section_id"), sections.c.key, sections.c.text, reports.c.id,
                             _AGENCY.label("agency"), _REGION.label("region"), reports.c.year) \
            .join(sections, sections.c.report_id == reports.c.id).where(sections.c.id.in_(ids))
        found = {r.section_id: r for r in conn.execute(stmt)}
    rows = []
    for sid in ids:
        r = found.get(sid)
        if r is None:
            continue
        pos = r.text.find(text)
        if pos < 0:  # the bigram phrase matched across punctuation or lines
            continue
        start = max(0, pos - 40)
        rows.append({"report_id": r.id, "agency": r.agency, "region": r.region, "year": r.year, "section": r.key,
                     "before": ("…" if start else "") + r.text[start:pos], "match": r.text[pos: pos + len(text)],
                     "after": r.text[pos + len(text): pos + len(text) + 40] + "…"})
    return Page(rows, page, per_page, None, more)


# --------------------------------------------------------------------------- rules


def rule_counts(engine: Engine) -> dict[str, int]:
    """How many reports fail each rule."""
    stmt = (sa.select(findings.c.rule, sa.func.count(sa.distinct(findings.c.report_id)))
            .where(findings.c.status == "fail").group_by(findings.c.rule))
    with engine.connect() as conn:
        return {rule: int(n) for rule, n in conn.execute(stmt)}


def rule_reports(engine: Engine, rule: str, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Reports failing `rule`, most recently stored first, with the first message."""
    page, per_page = clamp(page, per_page)
    failing = sa.and_(findings.c.rule == rule, findings.c.status == "fail")
    with engine.connect() as conn:
        ids = _failing_reports(conn, failing, (page - 1) * per_page, per_page + 1)
        more, ids = len(ids) > per_page, ids[:per_page]
        messages = dict(conn.execute(sa.select(findings.c.report_id, sa.func.min(findings.c.message))
                                     .where(failing, findings.c.report_id.in_(ids)).group_by(findings.c.report_id)).all())
        found = {r["id"]: dict(r) for r in conn.execute(report_select(*LIST_COLUMNS).where(reports.c.id.in_(ids)))
                 .mappings()}
    rows = [dict(found[i], message=messages.get(i, "")) for i in ids if i in found]
    return Page(rows, page, per_page, None, more)


def _failing_reports(conn: Connection, failing: sa.ColumnElement, skip: int, want: int, chunk: int = 1000) -> list[int]:
    """Distinct report ids of the findings matching `failing`, newest finding first: the
    rule index is read backwards in chunks (no sort of all the rule's findings), until the
    page is complete - a page costs its depth, not the rule's frequency."""
    seen: dict[int, None] = {}
    last: int | None = None
    while len(seen) < skip + want:
        stmt = sa.select(findings.c.id, findings.c.report_id).where(failing).order_by(findings.c.id.desc()).limit(chunk)
        if last is not None:
            stmt = stmt.where(findings.c.id < last)
        rows = conn.execute(stmt).all()
        for _, report_id in rows:
            seen.setdefault(report_id, None)
        if len(rows) < chunk:
            break
        last = rows[-1][0]
    return list(seen)[skip: skip + want]
