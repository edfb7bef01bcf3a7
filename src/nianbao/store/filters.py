"""Which reports a question is about: one frozen `ReportFilter` for the store
(`Store.reports(region=…)`), the CLI (`--region --year …`), the web pages, the JSON API and
the exports, with one `where()` building the WHERE clause.

    >>> ReportFilter.of(region="淮安市", year=2024)
    >>> ReportFilter.of(regoin="淮安市")          # UnknownFilter: a typo is an error, not "everything"

The clause reads `reports` columns only (region, agency name and level are first resolved to
agency ids in the small `agencies` table), so a statement over `reports` alone or over
`reports LEFT JOIN agencies` takes it alike, and SQLite and PostgreSQL reach the reports
through the (agency_id, year) index.  A region filter takes in every agency whose division
path passes through the region (`region="淮安市"`: 洪泽区人民政府, its departments and
townships); a report whose agency was not identified is matched by what it prints.

Extending it (the review workflow's status, withdrawn or superseded reports): add the field
here with its default meaning "no filter", and its condition in `where()`; every view, API
answer and export then takes it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import StoreError
from .agencies import LIKE_ESCAPE, escape_like, identify, in_region
from .lifecycle import only_visible
from .schema import agencies, findings, reports

PARSE_STATUSES = ("ok", "failed")
SEVERITIES = ("error", "warning", "info")


class UnknownFilter(StoreError, TypeError):
    """A filter name that `ReportFilter` does not have (a typo: `regoin=`)."""


@dataclass(frozen=True)
class ReportFilter:
    """The reports a query is about; every field is optional (nothing set: every report)."""

    region: str | None = None  # a division name: agencies in it, at any depth
    years: tuple[int, ...] = ()  # report years (`of(year=2024)` or `of(year=[2023, 2024])`)
    agency: str | int | None = None  # an agency id, or its name as any report prints it (identity)
    name: str | None = None  # part of the agency's name (the list page's search field)
    level: str | None = None  # province | city | county | township | department
    status: str | None = None  # parse status: ok | failed
    errors_only: bool = False  # only reports with at least one error
    rule: str | None = None  # only reports failing this rule
    severity: str | None = None  # only reports with a failing finding of this severity
    text: str | None = None  # only reports whose text (a section) contains this
    ids: tuple[int, ...] | None = None  # only these reports
    review: str | None = None  # the review status (the web app's season: pending | returned | rectified | approved)
    unapproved: bool = False  # only reports a reviewer has not approved: the season's open work, what a 整改通知 asks for
    hidden: bool = False  # also superseded and withdrawn reports (store.lifecycle), for history views

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        years = self.years
        set_(self, "years", tuple(sorted({int(y) for y in ([years] if isinstance(years, int) else years or ())})))
        if self.ids is not None:
            set_(self, "ids", tuple(int(i) for i in self.ids))
        for key in ("region", "name", "rule", "text", "level", "status", "severity"):
            value = getattr(self, key)
            if isinstance(value, str):
                set_(self, key, value.strip() or None)
        if isinstance(self.agency, str):
            set_(self, "agency", self.agency.strip() or None)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls)) + ("year",)

    @classmethod
    def of(cls, **kw: Any) -> "ReportFilter":
        """A filter from keyword arguments (`year` is a synonym of `years`); a name that
        is not a filter raises `UnknownFilter`; None means "not filtered"."""
        unknown = sorted(set(kw) - set(cls.names()))
        if unknown:
            listed, known = "、".join(unknown), ", ".join(cls.names())
            raise UnknownFilter(f"没有这个筛选条件：{listed}（可用：{known}）。",
                                f"Unknown filter {', '.join(unknown)} (known: {known}).")
        if "year" in kw:
            year = kw.pop("year")
            if year is not None:
                more = (year,) if isinstance(year, (int, str)) else tuple(year)
                kw["years"] = tuple(kw.get("years") or ()) + more
        return cls(**{k: v for k, v in kw.items() if v is not None})

    @property
    def empty(self) -> bool:
        return self == ReportFilter()

    def where(self, conn: Connection, stmt: sa.Select) -> sa.Select:
        """`stmt` (selecting from `reports`, joined or not) restricted to these reports."""
        stmt = only_visible(stmt, self.hidden)
        if self.review:
            from ..web.season import status_clause  # the web app's table; only a web filter names a status

            stmt = stmt.where(status_clause(self.review))
        if self.unapproved:
            from ..web.season import status_clause  # (as above)

            stmt = stmt.where(~status_clause("approved"))
        if self.ids is not None:
            stmt = stmt.where(reports.c.id.in_(list(self.ids)))
        if self.years:
            year = reports.c.year + 0 if self._by_agency() else reports.c.year
            # with agencies to look at, "year + 0" keeps the planner on the (agency_id, year)
            # index rather than reading the whole year through ix_reports_year
            stmt = stmt.where(year == self.years[0] if len(self.years) == 1 else year.in_(self.years))
        if self.status:
            stmt = stmt.where(reports.c.status == self.status)
        if self.errors_only:
            stmt = stmt.where(_has_errors(conn))
        if self.agency is not None:
            ids = agency_ids(conn, self.agency)
            stmt = stmt.where(reports.c.agency_id.in_(ids) if ids else sa.false())
        if self.region or self.name or self.level:
            stmt = stmt.where(self._agency_clause(conn))
        if self.rule or self.severity:
            stmt = stmt.where(self._finding_clause())
        if self.text:
            stmt = stmt.where(reports.c.id.in_(self._text_reports(conn)))
        return stmt

    def _by_agency(self) -> bool:
        return bool(self.region or self.name or self.level or self.agency is not None)

    def _agency_clause(self, conn: Connection) -> sa.ColumnElement:
        """Reports of the agencies matching region / name / level, and unidentified reports
        printing them.  An OR would keep SQLite off the (agency_id, year) index: the
        unidentified reports are added only when there are any (one index seek)."""
        found = sa.select(agencies.c.id)
        orphan: sa.ColumnElement[bool] = reports.c.agency_id.is_(None)
        if self.region:
            found = found.where(in_region(agencies.c.path, self.region))
            orphan = sa.and_(orphan, reports.c.region == self.region)
        if self.name:
            pattern = "%" + escape_like(self.name) + "%"
            found = found.where(agencies.c.name.like(pattern, escape=LIKE_ESCAPE))
            orphan = sa.and_(orphan, reports.c.agency.like(pattern, escape=LIKE_ESCAPE))
        if self.level:
            found = found.where(agencies.c.level == self.level)
            orphan = sa.and_(orphan, reports.c.level == self.level)
        ids = list(conn.execute(found).scalars())
        has_orphans = conn.execute(sa.select(reports.c.id).where(orphan).limit(1)).first() is not None
        if ids and has_orphans:
            return sa.or_(reports.c.agency_id.in_(ids), orphan)
        return reports.c.agency_id.in_(ids) if ids else orphan

    def _finding_clause(self) -> sa.ColumnElement:
        f = findings.alias("filter_findings")  # apart from a `findings` the statement may select itself
        cond = sa.and_(f.c.report_id == reports.c.id, f.c.status == "fail")
        if self.rule:
            cond = sa.and_(cond, f.c.rule == self.rule)
        if self.severity:
            cond = sa.and_(cond, f.c.severity == self.severity)
        return sa.exists().where(cond).correlate(reports)

    def _text_reports(self, conn: Connection) -> sa.Select:
        from ..parsing.normalize import normalize_text
        from .search import matching_sections

        text = normalize_text(self.text or "").strip()
        hits = matching_sections(conn.dialect.name, text).subquery()
        return sa.select(hits.c.report_id).where(hits.c.text.contains(text, autoescape=True))

    def describe(self) -> str:
        """The filter in words, e.g. "淮安市 2024年度 乡镇（街道） 有错误的报告"."""
        ids = self.ids or ()
        parts = [self.region or "", "、".join(f"{y}年度" for y in self.years), str(self.agency or ""),
                 f"名称含“{self.name}”" if self.name else "", LEVEL_ZH.get(self.level or "", ""),
                 {"ok": "已解析的报告", "failed": "无法解析的报告"}.get(self.status or "", ""),
                 "有错误的报告" if self.errors_only else "", f"违反规则 {self.rule}" if self.rule else "",
                 f"有{SEVERITY_ZH.get(self.severity, self.severity)}的报告" if self.severity else "",
                 f"正文含“{self.text}”" if self.text else "", "尚未审核通过的报告" if self.unapproved else "",
                 f"报告 {'、'.join(f'#{i}' for i in ids[:5])}{' 等' if len(ids) > 5 else ''}" if ids else ""]
        return " ".join(p for p in parts if p) or "全部报告"


def _has_errors(conn: Connection) -> sa.ColumnElement:
    """Reports with errors in the record as reviewed: the stored count, overridden for the
    (few) reports with decisions or corrections."""
    from .reviewed import reviewed_counts, reviewed_ids

    found = reviewed_counts(conn, list(reviewed_ids(conn)))
    with_errors = [rid for rid, c in found.items() if c[0] > 0]
    without = [rid for rid, c in found.items() if c[0] == 0]
    stored = reports.c.n_errors > 0
    if without:
        stored = sa.and_(stored, reports.c.id.not_in(without))
    return sa.or_(stored, reports.c.id.in_(with_errors)) if with_errors else stored


from ..words import LEVEL_NAMES as LEVEL_ZH  # noqa: E402
from ..words import SEVERITY_NAMES as SEVERITY_ZH  # noqa: E402


def agency_ids(conn: Connection, agency: str | int) -> list[int]:
    """The agencies a user means by an id or a name (any variant a report printed)."""
    if isinstance(agency, int) or (isinstance(agency, str) and agency.isdigit()):
        return [int(agency)]
    name = str(agency).strip()
    exact = conn.execute(sa.select(agencies.c.id).where(agencies.c.name == name)).scalars().all()
    if exact:
        return list(exact)
    ident = identify(name)
    if ident is None:
        return []
    for column, value in ((agencies.c.key, ident.key), (agencies.c.core, ident.core)):
        found = conn.execute(sa.select(agencies.c.id).where(column == value)).scalars().all()
        if found:
            return list(found)
    printed = conn.execute(sa.select(reports.c.agency_id).distinct()
                           .where(reports.c.agency == name, reports.c.agency_id.is_not(None))).scalars().all()
    return list(printed)


def chunked(ids: Sequence[int], size: int) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start: start + size]
