"""The search page's reads and the report list's facets: one hit per report with its best
snippets (PDF line-break spaces between Chinese characters taken out), a result count,
filters by year, region, rule and review status; counts by region, year and rule of the
reports a list's filters select (datasette-style facets)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..store.queries import report_select
from ..store.search import bigrams
from ..store.schema import agencies, findings, reports, sections
from ..store.filters import ReportFilter
from .queries import Page, _matching_ids, clamp
from .schema import REVIEW_STATUSES, report_status
from .season import DEFAULT_STATUS

MAX_SECTIONS = 5000  # matching sections looked at for one search (newest first)
SNIPPETS = 3  # per report
CONTEXT = 36  # characters either side of a hit
FACET_VALUES = 12

_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
_BREAK = re.compile(rf"(?<=[{_CJK}])[ \r\n\u00a0]+(?=[{_CJK}])")  # not a tab: it separates table cells
_SPACES = re.compile(r"[ \t\r\n\u00a0]+")



def clean_breaks(text: str) -> str:
    """Text without the spaces and line breaks a PDF leaves between two Chinese characters
    (or Chinese punctuation); other runs of whitespace (tabs between table cells too)
    become one space."""
    return _SPACES.sub(" ", _BREAK.sub("", text or ""))


def prose_score(snippet: dict[str, str]) -> float:
    """How much of a snippet is Chinese prose rather than table numbers (0..1): the share of
    CJK characters in its context, so a sentence is shown before a row of figures."""
    around = snippet["before"] + snippet["after"]
    return sum(1 for ch in around if "\u3400" <= ch <= "\u9fff") / max(1, len(around))


def best(found: list[dict[str, str]], limit: int = SNIPPETS) -> list[dict[str, str]]:
    """The `limit` most prose-like snippets, in the order found."""
    keep = sorted(range(len(found)), key=lambda i: (-prose_score(found[i]), i))[:limit]
    return [found[i] for i in sorted(keep)]


def snippets(text: str, query: str, limit: int = SNIPPETS, context: int = CONTEXT) -> list[dict[str, str]]:
    """Up to `limit` non-overlapping passages of `text` around `query` (both cleaned):
    {"before", "match", "after"}, with "…" where the text goes on."""
    body, needle = clean_breaks(text), clean_breaks(query).strip()
    out: list[dict[str, str]] = []
    if not needle:
        return out
    pos, low, key = 0, body.lower(), needle.lower()
    while len(out) < limit:
        at = low.find(key, pos)
        if at < 0:
            break
        start, end = max(0, at - context), min(len(body), at + len(needle) + context)
        out.append({"before": ("…" if start else "") + body[start:at], "match": body[at:at + len(needle)],
                    "after": body[at + len(needle):end] + ("…" if end < len(body) else "")})
        pos = end
    return out


@dataclass
class SearchFilters:
    year: int | None = None
    region: str | None = None
    rule: str | None = None
    status: str | None = None  # review status (web.season): pending | returned | rectified | approved

    def where(self, conn: Connection, stmt: sa.Select) -> sa.Select:
        years = (self.year,) if self.year is not None else ()
        review = self.status if self.status in REVIEW_STATUSES else None
        return ReportFilter(region=self.region, years=years, rule=self.rule, review=review).where(conn, stmt)


def fts_query(text: str) -> str | None:
    """The FTS5 query for `text` that also finds it broken by one PDF line break: the phrase
    of its tokens, OR the phrases of its two halves at every split point (a run "政策 解读"
    is indexed as 政策 解读, without the bigram 策解).  None when `text` has no token."""
    tokens = bigrams(text).split()
    if not tokens:
        return None
    quote = lambda toks: '"' + " ".join(toks).replace('"', '""') + '"'  # noqa: E731
    phrases = [quote(tokens)]
    squeezed = re.sub(r"\s+", "", text)
    if all("\u3400" <= ch <= "\u9fff" for ch in squeezed) and 4 <= len(squeezed) <= 40:
        for i in range(2, len(squeezed) - 1):
            phrases.append(quote(bigrams(squeezed[:i]).split() + bigrams(squeezed[i:]).split()))
    return " OR ".join(dict.fromkeys(phrases))


def _section_ids(conn: Connection, text: str, limit: int) -> list[int]:
    """Ids of sections that may contain `text`, newest first (SQLite: across line breaks)."""
    query = fts_query(text)
    if conn.dialect.name != "sqlite" or query is None or len(bigrams(text).split()[0]) == 1 and len(bigrams(text).split()) == 1:
        return _matching_ids(conn, text, limit, 0)
    rows = conn.execute(sa.text("SELECT rowid FROM sections_fts WHERE sections_fts MATCH :q ORDER BY rowid DESC LIMIT :n"),
                        {"q": query, "n": limit})
    return [r[0] for r in rows]


def search_reports(engine: Engine, text: str, filters: SearchFilters, page: int = 1, per_page: int = 20) -> Page:
    """Reports whose sections contain `text`, newest first, one row per report with its
    best snippets (`total`: the number of reports, counted among the newest MAX_SECTIONS
    matching sections; `more` tells a capped count)."""
    page, per_page = clamp(page, per_page)
    text = text.strip()
    if not text:
        return Page([], page, per_page, 0)
    with engine.connect() as conn:
        ids = _section_ids(conn, text, MAX_SECTIONS + 1)
        capped = len(ids) > MAX_SECTIONS
        ids = ids[:MAX_SECTIONS]
        by_report: dict[int, list[int]] = {}
        for chunk in (ids[i:i + 900] for i in range(0, len(ids), 900)):
            stmt = sa.select(sections.c.id, sections.c.report_id).join(reports, reports.c.id == sections.c.report_id) \
                .where(sections.c.id.in_(chunk))
            for sid, rid in conn.execute(filters.where(conn, stmt)):
                by_report.setdefault(int(rid), []).append(int(sid))
        order = sorted(by_report, reverse=True)
        shown = order[(page - 1) * per_page: page * per_page]
        rows = _hits(conn, text, {rid: by_report[rid] for rid in shown})
    return Page([rows[r] for r in shown if r in rows], page, per_page, len(order), capped)


def _hits(conn: Connection, text: str, wanted: dict[int, list[int]]) -> dict[int, dict[str, Any]]:
    if not wanted:
        return {}
    section_ids = [s for ids in wanted.values() for s in ids]
    stmt = report_select(sections.c.id.label("section_id"), sections.c.key, sections.c.text, reports.c.id,
                         sa.func.coalesce(agencies.c.name, reports.c.agency).label("agency"),
                         sa.func.coalesce(agencies.c.region, reports.c.region).label("region"), reports.c.year) \
        .join(sections, sections.c.report_id == reports.c.id).where(sections.c.id.in_(section_ids)) \
        .order_by(sections.c.id)
    out: dict[int, dict[str, Any]] = {}
    for r in conn.execute(stmt):
        found = snippets(r.text, text)
        if not found:  # the bigram phrase matched across punctuation: not a real hit
            continue
        hit = out.setdefault(r.id, {"report_id": r.id, "agency": r.agency, "region": r.region, "year": r.year,
                                    "sections": [], "snippets": []})
        hit["sections"].append(r.key)
        hit["snippets"] += [dict(s, section=r.key) for s in found]
    for hit in out.values():
        hit["snippets"] = best(hit["snippets"])
    return out


# --------------------------------------------------------------------------- facets


@lru_cache(maxsize=1)
def rule_titles() -> dict[str, str]:
    """Rule id -> its Chinese title, for filters and facets."""
    from ..rules import catalogue

    return {r.id: r.title for r in catalogue()}


def facets(engine: Engine, q: ReportFilter, limit: int = FACET_VALUES) -> dict[str, list[tuple[Any, int]]]:
    """(value, number of reports) by region, year and failing rule among the reports `q`
    selects, the most first (the filter a facet already fixes is kept: its one value)."""
    region = sa.func.coalesce(agencies.c.region, reports.c.region)
    with engine.connect() as conn:
        def counted(col: Any, stmt: sa.Select) -> list[tuple[Any, int]]:
            n = sa.func.count(sa.distinct(reports.c.id))
            stmt = q.where(conn, stmt.add_columns(col, n)).where(col.is_not(None)).group_by(col) \
                .order_by(n.desc(), col).limit(limit)
            return [(v, int(c)) for v, c in conn.execute(stmt)]

        base = report_select()
        with_rule = sa.select().select_from(reports.outerjoin(agencies, reports.c.agency_id == agencies.c.id)
                                            .join(findings, findings.c.report_id == reports.c.id)) \
            .where(findings.c.status == "fail", findings.c.severity.in_(("error", "warning")))
        status = sa.func.coalesce(report_status.c.status, DEFAULT_STATUS)
        with_status = report_select().outerjoin(report_status, report_status.c.content_hash == reports.c.content_hash)
        return {"region": counted(region, base), "year": counted(reports.c.year, base),
                "rule": counted(findings.c.rule, with_rule), "review": counted(status, with_status)}
