"""Cross-report checks, run after ingest over what is stored (and re-computable):

- cross-year: each report against the same agency's report of the year before
  (T3.6, T2.3, T2.8, G6 via the rules of family "crossyear");
- G6 across agencies: section 五 nearly identical to that of another agency of the same
  region and year (雷同).  One finding per report at most, naming the one report it copies:
  the most similar of the block's reports published before it (a cluster of 50 copies
  is 49 findings, not 1,225 pairs; the first published is the original).  Blocked by
  region-year (one report per agency and year); identical texts are shingled once and are
  one candidate; the near-identical ones are found by an exact set-similarity join
  (`neardup.closest_earlier`: prefix filtering over 4-gram sets), never by comparing all
  pairs; the answer and figure are those of comparing every pair (tested against it);
- G4 迟报: the publication date in force after the deadline that applies (the deadline
  table, `store.deadlines`);
- G13 duplicates: stored reports with the same statistics (or the same text) under other
  names — the same agency's report in several files (info), or other agencies' copies
  (warning).  One finding per report, naming its group (n copies: n findings, not n·(n-1)).

The findings are stored with scope "cross"; each run recomputes them for the reports it
touches: the pending ones (new or re-parsed, `reports.cross_pending`) and every report
related to one of them (its years before and after, its near-identical peers, its
duplicates, and the reports whose stored findings name it), so an interrupted ingest is
completed by the next run.  A run reads only what those reports relate to (`_Index.cover`:
their agencies, region-year blocks and duplicates), so its memory follows the run, not the
store.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..model import Finding, Report
from ..rules import finding, load_rules
from ..rules.crossyear import G6_MIN_CHARS, G6_THRESHOLD, g6, shingles
from . import db
from .lifecycle import published_on, visible
from .neardup import closest_earlier
from .queries import _agency_name, _chunks, _region, light_reports, report_select
from .deadlines import late_findings
from .records import finding_row
from .schema import SCOPE_CROSS, STATUS_OK, findings, reports, sections


@dataclass
class CrossSummary:
    checked: int = 0  # reports whose cross findings were recomputed
    findings: int = 0


def crossyear_findings(report: Report, previous: Report) -> list[Finding]:
    """The cross-year rules (T3.6, T2.3, T2.8, G6) for a report and its predecessor."""
    out: list[Finding] = []
    for r in load_rules().values():
        if r.family == "crossyear" and r.func is not None:
            out.extend(r.func(report, previous))
    return out


def _who_row(index: "_Index", report_id: int) -> str:
    """The other report as a clerk names it (its id goes in the finding's location only)."""
    r = index.rows[report_id]
    year = f"{int(r.year)}年度" if r.year is not None and pd.notna(r.year) else ""  # (NaN: the old checker's rows)
    return f"{r.agency or '未识别机关'}{year}报告"


def peer_similarity(report: Report, other: Report) -> float | None:
    """Section 五's similarity to another agency's, when G6 calls it 雷同 (else None)."""
    for f in g6(report, other):
        return float(f.actual) if f.actual is not None else None
    return None


class _Row(NamedTuple):
    """What the cross checks read of a stored report (a compact tuple, not an object)."""
    id: int
    agency_id: int | None
    year: int | None
    region: str | None
    agency: str | None
    fingerprint: str | None
    text_hash: str | None


def _index_select(*where: sa.ColumnElement) -> sa.Select:
    """The parsed reports in force (their `_Row`s) that `where` selects."""
    return report_select(reports.c.id, reports.c.agency_id, reports.c.year, _region().label("region"),
                         _agency_name().label("agency"), reports.c.fingerprint, reports.c.text_hash).where(
        reports.c.status == STATUS_OK, visible(), *where)


SCOPE_CHUNK = 2000  # values of one IN (...) list when loading the index's scope


class _Index:
    """The stored reports that cross checks relate to each other: every report
    (`load_all`), or only the scope a run needs (`cover`): the reports it checks, every
    report of their agencies (all years: the year before and after, and which of an
    agency's reports of a year is the one compared), of their region-year blocks (and of
    those reports' agencies) and sharing their fingerprint or text.  A store's size does
    not change what a run of a few reports loads."""

    def __init__(self) -> None:
        self.rows: dict[int, _Row] = {}
        self.pending: dict[int, bool] = {}  # report id -> cross_pending (`load_all` only)
        self.everything = False
        self.agencies_done: set[int] = set()  # every report of these agencies is in `rows`
        self.blocks_loaded: set[tuple[str, int]] = set()  # ... of these region-year blocks
        self.hashes_done: dict[str, set[str]] = {"fingerprint": set(), "text_hash": set()}  # ... with these hashes
        self.copies: dict[int, tuple[int, float]] = {}  # canonical id -> the earlier report it copies, figure
        self.copied_by: dict[int, set[int]] = defaultdict(set)  # canonical id -> the later reports copying it
        self.blocks_done: set[tuple[str, int]] = set()
        self._derive()

    def load_all(self, conn: Connection) -> None:
        self.pending = {}
        for *row, pending in conn.execute(_index_select().add_columns(reports.c.cross_pending)):
            self.rows[row[0]] = _Row._make(row)
            self.pending[row[0]] = bool(pending)
        self.everything = True
        self._derive()

    def load_pending(self, conn: Connection) -> set[int]:
        """The pending reports (loaded, scope not yet covered): their ids."""
        rows = list(map(_Row._make, conn.execute(_index_select(reports.c.cross_pending == sa.true()))))
        self._add(rows)
        return {r.id for r in rows}

    def cover(self, conn: Connection, ids: Iterable[int]) -> None:
        """Load what checking the reports `ids` reads (see the class), in a few set-based
        queries (IN lists of `SCOPE_CHUNK` values), none per block or per report."""
        if self.everything:
            return
        ids = set(ids)
        self._add(self._fetch(conn, reports.c.id, ids - self.rows.keys()))
        mine = [self.rows[i] for i in ids if i in self.rows]
        blocks = {(r.region, r.year) for r in mine
                  if r.agency_id is not None and r.region and r.year is not None} - self.blocks_loaded
        in_blocks = [r for r in self._fetch(conn, _region(), {b[0] for b in blocks},
                                            reports.c.year.in_(sorted({b[1] for b in blocks})))
                     if (r.region, r.year) in blocks]
        self.blocks_loaded |= blocks
        self._add(in_blocks)
        agencies = {r.agency_id for r in (*mine, *in_blocks) if r.agency_id is not None} - self.agencies_done
        self._add(self._fetch(conn, reports.c.agency_id, agencies))
        self.agencies_done |= agencies
        for col, done in self.hashes_done.items():
            wanted = {v for r in mine if isinstance(v := getattr(r, col), str)} - done
            self._add(self._fetch(conn, reports.c[col], wanted))
            done |= wanted
        if self._stale:
            self._derive()

    @staticmethod
    def _fetch(conn: Connection, col: sa.ColumnElement, values: Collection[Any],
               *where: sa.ColumnElement) -> list[_Row]:
        out: list[_Row] = []
        for chunk in _chunks(sorted(values), SCOPE_CHUNK):
            out.extend(map(_Row._make, conn.execute(_index_select(col.in_(chunk), *where))))
        return out

    def _add(self, rows: Iterable[_Row]) -> None:
        for row in rows:
            self.rows[row.id] = row
            self._stale = True  # `_derive` to run

    def _derive(self) -> None:
        """The keys, canonical reports, blocks and hash groups of the rows loaded (exact for
        the scope covered)."""
        self._stale = False
        self.keys: dict[int, tuple[int, int]] = {  # report id -> (agency, year), when both are known
            rid: (r.agency_id, r.year) for rid, r in self.rows.items() if r.agency_id is not None and r.year is not None}
        self.canon: dict[tuple[int, int], int] = {}  # (agency, year) -> lowest report id
        for rid in sorted(self.keys):
            self.canon.setdefault(self.keys[rid], rid)
        self.groups: dict[tuple[str, int], list[int]] = defaultdict(list)  # (region, year) -> canonical ids
        for (agency, year), rid in self.canon.items():
            region = self.rows[rid].region
            if region:
                self.groups[(region, year)].append(rid)
        self.by_fingerprint = self._group("fingerprint")
        self.by_text = self._group("text_hash")

    def _group(self, col: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for rid, r in self.rows.items():
            value = getattr(r, col)
            if isinstance(value, str):
                out[value].append(rid)
        return {k: v for k, v in out.items() if len(v) > 1}

    def key(self, rid: int) -> tuple[int, int] | None:
        return self.keys.get(rid)

    def is_canonical(self, rid: int) -> bool:
        k = self.key(rid)
        return k is not None and self.canon.get(k) == rid

    def neighbour(self, rid: int, step: int) -> int | None:
        k = self.key(rid)
        return self.canon.get((k[0], k[1] + step)) if k else None

    def block(self, rid: int) -> tuple[str, int] | None:
        """The (region, year) block of a canonical report (None: compared with no other)."""
        r = self.rows[rid]
        if not self.is_canonical(rid) or not isinstance(r.region, str) or not r.region or r.year is None:
            return None
        return r.region, int(r.year)

    def group_of(self, rid: int) -> list[int]:
        b = self.block(rid)
        return self.groups.get(b, []) if b else []

    def similar(self, rid: int) -> set[int]:
        """The reports of the block whose G6 finding depends on this one: the one it copies
        and those copying it (after `find_peers` ran for its block)."""
        out = set(self.copied_by.get(rid, ()))
        if rid in self.copies:
            out.add(self.copies[rid][0])
        return out

    def duplicates_of(self, rid: int) -> list[int]:
        r = self.rows[rid]
        out = set(self.by_fingerprint.get(r.fingerprint, ()) if isinstance(r.fingerprint, str) else ())
        out |= set(self.by_text.get(r.text_hash, ()) if isinstance(r.text_hash, str) else ())
        out.discard(rid)
        return sorted(out)

    def related(self, rid: int) -> set[int]:
        out = {n for n in (self.neighbour(rid, -1), self.neighbour(rid, 1)) if n is not None}
        return out | self.similar(rid) | set(self.duplicates_of(rid))


BLOCK_BATCH = 5000  # section 五 texts held at once while finding peers


def find_peers(conn: Connection, index: _Index, ids: Iterable[int]) -> None:
    """Fill `index.copies` for the blocks of `ids`, a few thousand texts at a time."""
    todo = sorted({b for b in map(index.block, ids) if b is not None} - index.blocks_done)
    index.blocks_done.update(b for b in todo if len(index.groups.get(b, ())) < 2)  # nobody to compare with
    todo = [b for b in todo if b not in index.blocks_done]
    batch: list[tuple[str, int]] = []
    size = 0
    for b in todo:
        batch.append(b)
        size += len(index.groups.get(b, ()))
        if size >= BLOCK_BATCH:
            _peers_of_blocks(conn, index, batch)
            batch, size = [], 0
    if batch:
        _peers_of_blocks(conn, index, batch)


def _peers_of_blocks(conn: Connection, index: _Index, blocks: Sequence[tuple[str, int]]) -> None:
    ids = [rid for b in blocks for rid in index.groups.get(b, ())]
    texts = problems_texts(conn, ids)
    for b in blocks:
        index.blocks_done.add(b)
        grams: dict[str, frozenset[str]] = {}  # a block's identical texts: shingled once, one set (freed per block)
        members = sorted((rid for rid in index.groups.get(b, ()) if len(texts.get(rid, ("", ""))[1]) >= G6_MIN_CHARS),
                         key=lambda rid: (texts[rid][0] or "9999", rid))  # published first (undated last), stored first
        sets = [grams.get(texts[rid][1]) or grams.setdefault(texts[rid][1], shingles(texts[rid][1])) for rid in members]
        for rid, best in zip(members, closest_earlier(sets, G6_THRESHOLD)):
            if best is not None:  # a block holds one report per agency: the other is another agency's
                index.copies[rid] = (members[best[0]], best[1])
                index.copied_by[members[best[0]]].add(rid)


def problems_texts(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
    """(publication date in force, section 五's text) of each report of `ids` that has one."""
    out: dict[int, tuple[str | None, str]] = {}
    for chunk in _chunks(sorted(ids), 5000):
        rows = conn.execute(sa.select(sections.c.report_id, published_on(), sections.c.text)
                            .join(reports, reports.c.id == sections.c.report_id)
                            .where(sections.c.report_id.in_(chunk), sections.c.key == "problems")).all()
        out.update((rid, (date, text)) for rid, date, text in rows)
    return out


def citing(conn: Connection, ids: Collection[int]) -> set[int]:
    """Reports whose stored cross findings name one of `ids` (they change when those do)."""
    out: set[int] = set()
    for chunk in _chunks(sorted(ids), 2000):
        out.update(conn.execute(sa.select(findings.c.report_id).where(
            findings.c.related_report_id.in_(chunk), findings.c.scope == SCOPE_CROSS)).scalars())
    return out


WHOLE_SHARE = 4  # a run checking a quarter of the store or more loads all of it (less work than its scope)


def _stored(conn: Connection) -> tuple[int, int]:
    """How many parsed reports in force are pending, and stored."""
    pending, total = conn.execute(sa.select(sa.func.count().filter(reports.c.cross_pending == sa.true()),
                                            sa.func.count()).where(reports.c.status == STATUS_OK, visible())).one()
    return int(pending or 0), int(total or 0)


def run(engine: Engine, report_ids: Iterable[int] | None = None, everything: bool = False) -> CrossSummary:
    """Recompute the cross findings of the pending reports (or of `report_ids`, or of
    every report) and of the reports related to them."""
    with engine.connect() as conn:
        index = _Index()
        if everything:
            index.load_all(conn)
            start = set(index.rows)
        elif report_ids is not None:
            wanted = {int(i) for i in report_ids}
            if len(wanted) * WHOLE_SHARE >= _stored(conn)[1]:
                index.load_all(conn)
            index.cover(conn, wanted)
            start = wanted & index.rows.keys()
        else:
            pending, total = _stored(conn)
            if pending * WHOLE_SHARE >= total:
                index.load_all(conn)
                start = {rid for rid, p in index.pending.items() if p}
            else:
                start = index.load_pending(conn)
                index.cover(conn, start)
        pending_failed = list(conn.execute(sa.select(reports.c.id).where(reports.c.cross_pending == sa.true(),
                                                                          reports.c.status != "ok")).scalars())
        find_peers(conn, index, start)
        affected = set(start) if everything else set(start) | citing(conn, start)
        for rid in start:
            affected |= index.related(rid)
        index.cover(conn, affected)  # their years, blocks and duplicates too (the index is only the scope loaded)
        affected &= index.rows.keys()
        find_peers(conn, index, affected)
    summary = CrossSummary()
    for chunk in _chunks(sorted(affected), 2000):
        with db.write(engine) as conn:
            rows = _findings_for(conn, index, chunk)
            conn.execute(findings.delete().where(findings.c.report_id.in_(chunk), findings.c.scope == SCOPE_CROSS))
            if rows:
                conn.execute(findings.insert(), rows)
            update_counts(conn, chunk)
        summary.checked += len(chunk)
        summary.findings += len(rows)
    if pending_failed:
        with db.write(engine) as conn:
            for chunk in _chunks(pending_failed, 2000):
                conn.execute(reports.update().where(reports.c.id.in_(chunk)).values(cross_pending=False))
    return summary


def _findings_for(conn: Connection, index: _Index, ids: Sequence[int]) -> list[dict]:
    """Cross findings (as `findings` rows) of the reports `ids`."""
    needed: set[int] = set()
    plan: dict[int, tuple[int | None, list[tuple[int, float]], list[int]]] = {}
    for rid in ids:
        prev = index.neighbour(rid, -1) if index.is_canonical(rid) else None
        dups = index.duplicates_of(rid)
        plan[rid] = (prev, [index.copies[rid]] if rid in index.copies else [], dups)
        if prev is not None:
            needed |= {rid, prev}
    reps = light_reports(conn, sorted(needed))
    late = late_findings(conn, list(plan))
    out: list[dict] = []
    for rid, (prev, peers, dups) in plan.items():
        found: list[tuple[Finding, int | None]] = []
        if prev is not None:
            found += [(f, prev) for f in crossyear_findings(reps[rid], reps[prev])]
        for peer, score in peers:
            found.append((finding("G6", f"第五部分与{_who_row(index, peer)}的相似度为{score:.0%}，内容雷同。",
                                  section="problems", actual=round(score, 3), related_report=peer), peer))
        if dups:
            found.append(_duplicates(index, rid, dups))
        if rid in late:
            found.append((late[rid], None))
        for f, related in found:
            out.append(dict(finding_row(f), report_id=rid, scope=SCOPE_CROSS, related_report_id=related))
    return out


def _duplicates(index: _Index, rid: int, dups: Sequence[int]) -> tuple[Finding, int]:
    """One G13 finding for a report and all the stored reports it duplicates (its group),
    never one per pair: n copies make n findings, not n·(n-1).  A warning when another
    agency's report is among them (a copy), else a note (the same report in several files);
    the finding points at the group's first report of that kind (its id is in the
    location, not in the words: the message is read by the agency in a 整改通知)."""
    a = index.rows[rid]
    same: list[int] = []
    others: list[int] = []
    for d in dups:
        (same if pd.notna(a.agency_id) and index.rows[d].agency_id == a.agency_id else others).append(d)
    whole_text = isinstance(a.text_hash, str) and all(index.rows[d].text_hash == a.text_hash for d in dups)
    what = "全文" if whole_text else "统计数据"
    year = f"{int(a.year)}年度" if a.year is not None and pd.notna(a.year) else ""
    parts = []
    if same:
        parts.append(f"与本机关另{len(same)}份文件的{what}完全相同，同一份{year}报告存有{len(same) + 1}份文件")
    if others:
        ids = [index.rows[d].agency_id for d in others]
        agencies = len({i for i in ids if pd.notna(i)}) + sum(1 for i in ids if pd.isna(i))  # each unknown one apart
        if len(others) == 1:
            who = _who_row(index, others[0])
        else:
            first = index.rows[others[0]].agency or "另一机关"
            who = f"{first}{'等' + str(agencies) + '个机关' if agencies > 1 else ''}的{len(others)}份报告"
        parts.append(f"与{who}的{what}完全相同，可能照抄了其他机关的报告")
    message = "；".join(parts) + "。"
    if others:
        return finding("G13", message, actual=len(dups), related_report=others[0]), others[0]
    return finding("G13", message, severity="info", actual=len(dups), related_report=same[0]), same[0]


def update_counts(conn: Connection, ids: Sequence[int]) -> None:
    """Set reports.n_errors / n_warnings / n_infos from their failing findings (both scopes)
    and clear cross_pending, in one UPDATE (on PostgreSQL each UPDATE leaves a dead copy
    of the row behind)."""
    counts = {col: (sa.select(sa.func.count()).select_from(findings)
                    .where(findings.c.report_id == reports.c.id, findings.c.severity == severity,
                           findings.c.status == "fail").scalar_subquery())
              for col, severity in (("n_errors", "error"), ("n_warnings", "warning"), ("n_infos", "info"))}
    conn.execute(reports.update().where(reports.c.id.in_(list(ids))).values({**counts, "cross_pending": False}))
