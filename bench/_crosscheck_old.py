"""The cross-report checks as they were before the blocked near-duplicate join (all pairs
of a region-year compared): the baseline of bench/ingest.py, which checks that both give
the same findings.  What a finding says follows the checker of today (G6: the one most
similar report published before it; no database ids in the words), so the findings can be
compared; how they are found (every pair of a block through `g6`) is the old way.

Cross-report checks, run after ingest over what is stored (and re-computable):

- cross-year: each report against the same agency's report of the year before
  (T3.6, T2.3, T2.8, G6 via the rules of family "crossyear");
- G6 across agencies: section 五 nearly identical to that of another agency of the same
  region and year (雷同);
- G13 duplicates: stored reports with the same statistics (or the same text) under other
  names — the same agency's report in several files (info), or other agencies' copies
  (warning).  One finding per report, naming its group (n copies: n findings, not n·(n-1)).

The findings are stored with scope "cross"; each run recomputes them for the reports it
touches: the pending ones (new or re-parsed, `reports.cross_pending`) and every report
related to one of them, so an interrupted ingest is completed by the next run.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from nianbao.model import Finding, Report
from nianbao.rules import finding, load_rules
from nianbao.rules.crossyear import g6
from nianbao.store import db
from nianbao.store.crosscheck import _duplicates, _who_row
from nianbao.store.lifecycle import published_on
from nianbao.store.queries import _chunks, light_reports, ok_report_index
from nianbao.store.records import finding_row
from nianbao.store.schema import SCOPE_CROSS, findings, reports


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


def peer_similarity(report: Report, other: Report) -> float | None:
    """Section 五's similarity to another agency's, when G6 calls it 雷同 (else None)."""
    for f in g6(report, other):
        return float(f.actual) if f.actual is not None else None
    return None


class _Index:
    """The stored reports that cross checks relate to each other."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.rows = {int(r.id): r for r in frame.itertuples(index=False)}
        self.canon: dict[tuple[int, int], int] = {}  # (agency, year) -> lowest report id
        for r in frame.sort_values("id").itertuples(index=False):
            if pd.notna(r.agency_id) and pd.notna(r.year):
                self.canon.setdefault((int(r.agency_id), int(r.year)), int(r.id))
        self.groups: dict[tuple[str, int], list[int]] = defaultdict(list)  # (region, year) -> canonical ids
        for (agency, year), rid in self.canon.items():
            region = self.rows[rid].region
            if region:
                self.groups[(region, year)].append(rid)
        self.by_fingerprint = self._group("fingerprint")
        self.by_text = self._group("text_hash")

    def _group(self, col: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = defaultdict(list)
        for rid, value in zip(self.frame["id"], self.frame[col]):
            if isinstance(value, str):
                out[value].append(int(rid))
        return {k: v for k, v in out.items() if len(v) > 1}

    def key(self, rid: int) -> tuple[int, int] | None:
        r = self.rows[rid]
        if pd.isna(r.agency_id) or pd.isna(r.year):
            return None
        return int(r.agency_id), int(r.year)

    def is_canonical(self, rid: int) -> bool:
        k = self.key(rid)
        return k is not None and self.canon.get(k) == rid

    def neighbour(self, rid: int, step: int) -> int | None:
        k = self.key(rid)
        return self.canon.get((k[0], k[1] + step)) if k else None

    def group_of(self, rid: int) -> list[int]:
        r = self.rows[rid]
        if not self.is_canonical(rid) or not r.region or pd.isna(r.year):
            return []
        return self.groups.get((r.region, int(r.year)), [])

    def duplicates_of(self, rid: int) -> list[int]:
        r = self.rows[rid]
        out = set(self.by_fingerprint.get(r.fingerprint, ()) if isinstance(r.fingerprint, str) else ())
        out |= set(self.by_text.get(r.text_hash, ()) if isinstance(r.text_hash, str) else ())
        out.discard(rid)
        return sorted(out)

    def related(self, rid: int) -> set[int]:
        out = {n for n in (self.neighbour(rid, -1), self.neighbour(rid, 1)) if n is not None}
        return out | set(self.group_of(rid)) | set(self.duplicates_of(rid))


def run(engine: Engine, report_ids: Iterable[int] | None = None, everything: bool = False) -> CrossSummary:
    """Recompute the cross findings of the pending reports (or of `report_ids`, or of
    every report) and of the reports related to them."""
    with engine.connect() as conn:
        index = _Index(ok_report_index(conn))
        if everything:
            start = set(index.rows)
        elif report_ids is not None:
            start = {int(i) for i in report_ids if int(i) in index.rows}
        else:
            start = {int(i) for i in index.frame.loc[index.frame["cross_pending"].astype(bool), "id"]}
        pending_failed = list(conn.execute(sa.select(reports.c.id).where(reports.c.cross_pending == sa.true(),
                                                                          reports.c.status != "ok")).scalars())
    affected = set(start)
    for rid in start:
        affected |= index.related(rid)
    summary = CrossSummary()
    for chunk in _chunks(sorted(affected), 2000):
        with db.write(engine) as conn:
            rows = _findings_for(conn, index, chunk)
            conn.execute(findings.delete().where(findings.c.report_id.in_(chunk), findings.c.scope == SCOPE_CROSS))
            if rows:
                conn.execute(findings.insert(), rows)
            update_counts(conn, chunk)
            conn.execute(reports.update().where(reports.c.id.in_(chunk)).values(cross_pending=False))
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
    plan: dict[int, tuple[int | None, list[int], list[int]]] = {}
    dates = _dates(conn, ids, index)
    for rid in ids:
        prev = index.neighbour(rid, -1) if index.is_canonical(rid) else None
        peers = [p for p in index.group_of(rid) if p != rid and index.key(p)[0] != index.key(rid)[0]]
        dups = index.duplicates_of(rid)
        plan[rid] = (prev, peers, dups)
        if prev is not None or peers:
            needed |= {rid, *peers} | ({prev} if prev is not None else set())
    reps = light_reports(conn, sorted(needed))
    out: list[dict] = []
    for rid, (prev, peers, dups) in plan.items():
        found: list[tuple[Finding, int]] = []
        if prev is not None:
            found += [(f, prev) for f in crossyear_findings(reps[rid], reps[prev])]
        best: tuple[int, float] | None = None
        for peer in sorted(peers, key=lambda p: (dates[p] or "9999", p)):
            if (dates[peer] or "9999", peer) >= (dates[rid] or "9999", rid):
                break  # published after it (or later stored)
            score = peer_similarity(reps[rid], reps[peer])
            if score is not None and (best is None or score > best[1]):
                best = (peer, score)
        if best is not None:
            peer, score = best
            found.append((finding("G6", f"第五部分与{_who_row(index, peer)}的相似度为{score:.0%}，内容雷同。",
                                  section="problems", actual=round(score, 3), related_report=peer), peer))
        if dups:
            found.append(_duplicates(index, rid, dups))
        for f, related in found:
            out.append(dict(finding_row(f), report_id=rid, scope=SCOPE_CROSS, related_report_id=related))
    return out


def _dates(conn: Connection, ids: Sequence[int], index: _Index) -> dict[int, str | None]:
    """The publication date in force of `ids` and of their blocks' reports."""
    want = set(ids) | {p for rid in ids for p in index.group_of(rid)}
    out: dict[int, str | None] = {}
    for chunk in _chunks(sorted(want), 5000):
        out.update(conn.execute(sa.select(reports.c.id, published_on()).where(reports.c.id.in_(chunk))).all())
    return out


def update_counts(conn: Connection, ids: Sequence[int]) -> None:
    """Set reports.n_errors / n_warnings / n_infos from their failing findings (both scopes)."""
    for col, severity in (("n_errors", "error"), ("n_warnings", "warning"), ("n_infos", "info")):
        count = (sa.select(sa.func.count()).select_from(findings)
                 .where(findings.c.report_id == reports.c.id, findings.c.severity == severity,
                        findings.c.status == "fail").scalar_subquery())
        conn.execute(reports.update().where(reports.c.id.in_(list(ids))).values({col: count}))
