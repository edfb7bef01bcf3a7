"""The record as reviewed: the one place that applies the web app's review decisions and cell
corrections to what the store holds.  Every view, API answer and export that shows values,
findings or counts reads them here (the report page, the report list's badges, the
dashboard and `region_stats`, the agency page, the 问题清单), so nothing recomputes them
on its own.

* A correction replaces a cell's value; the value as printed stays beside it
  (`Correction.extracted`) and the cell is marked corrected.
* With corrections, the single-report checks run again on the corrected record; the
  stored cross-report findings (which need other reports) are kept.
* A dismissed finding is out of every count and list, and only the review itself (the
  report page, `include_dismissed`) still shows it, marked.

Decisions and corrections are keyed by the report's content hash (and a finding by
`finding_key(rule, location)`), so they still apply after the report is parsed again; the
newest row for a key is the one in force.  They live in the web app's tables
(`nianbao.web.schema`: `review_decisions`, `cell_corrections`); in a store the web app
never opened there are none, and the reviewed record is the stored one.
"""
from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

from ..model import STATUS_FAIL, Finding, Number, Report
from .filters import chunked
from .records import split_path
from .schema import SCOPE_CROSS, SCOPE_REPORT, reports

# The web app's review tables (defined and migrated in nianbao.web.schema), named here by
# the columns this module reads, so that reading the store never imports the web app.
_TS = sa.DateTime(timezone=True)
DECISIONS_TABLE = sa.table(
    "review_decisions", sa.column("id", sa.Integer), sa.column("content_hash", sa.String),
    sa.column("finding_key", sa.String), sa.column("rule", sa.String), sa.column("decision", sa.String),
    sa.column("comment", sa.Text), sa.column("user_name", sa.String), sa.column("created_at", _TS))
CORRECTIONS_TABLE = sa.table(
    "cell_corrections", sa.column("id", sa.Integer), sa.column("content_hash", sa.String),
    sa.column("path", sa.String), sa.column("value", sa.Double), sa.column("extracted", sa.Double),
    sa.column("reverted", sa.Boolean), sa.column("comment", sa.Text), sa.column("user_name", sa.String),
    sa.column("created_at", _TS))


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
    value: Number | None  # None: the cell corrected to blank
    extracted: Number | None  # the value as printed (extracted) when the correction was made
    comment: str
    user_name: str
    created_at: datetime


@dataclass
class ReviewState:
    """The decisions and corrections in force for one report (by content hash)."""

    decisions: dict[str, Decision] = field(default_factory=dict)
    fixes: dict[str, Correction] = field(default_factory=dict)

    @property
    def dismissed(self) -> set[str]:
        return {k for k, d in self.decisions.items() if d.decision == "dismiss"}


# --------------------------------------------------------------------------- reading the review


def has_review_tables(conn: Connection) -> bool:
    inspector = sa.inspect(conn)
    return inspector.has_table(DECISIONS_TABLE.name) and inspector.has_table(CORRECTIONS_TABLE.name)


def review_states(conn: Connection, hashes: Iterable[str]) -> dict[str, ReviewState]:
    """The review in force of each report that has one, by content hash."""
    hashes = [h for h in dict.fromkeys(hashes) if h]
    out: dict[str, ReviewState] = {}
    if not hashes or not has_review_tables(conn):
        return out
    d, c = DECISIONS_TABLE.c, CORRECTIONS_TABLE.c
    for part in chunked(hashes, 2000):  # type: ignore[arg-type]
        for r in conn.execute(sa.select(DECISIONS_TABLE).where(d.content_hash.in_(part)).order_by(d.id)):
            out.setdefault(r.content_hash, ReviewState()).decisions[r.finding_key] = Decision(
                r.finding_key, r.rule, r.decision, r.comment or "", r.user_name or "", r.created_at)
        for r in conn.execute(sa.select(CORRECTIONS_TABLE).where(c.content_hash.in_(part)).order_by(c.id)):
            fixes = out.setdefault(r.content_hash, ReviewState()).fixes
            if r.reverted:
                fixes.pop(r.path, None)
            else:
                fixes[r.path] = Correction(r.path, _number(r.value), _number(r.extracted), r.comment or "",
                                           r.user_name or "", r.created_at)
    return {h: s for h, s in out.items() if s.decisions or s.fixes}


def review_state(conn: Connection, content_hash: str) -> ReviewState:
    return review_states(conn, [content_hash]).get(content_hash, ReviewState())


def reviewed_ids(conn: Connection, ids: Iterable[int] | None = None) -> dict[int, str]:
    """The reports with decisions or corrections (id -> content hash), among `ids` (None:
    all).  Reviewed reports are few: they are found from the review tables' side."""
    if not has_review_tables(conn):
        return {}
    hashes = sa.union(sa.select(DECISIONS_TABLE.c.content_hash), sa.select(CORRECTIONS_TABLE.c.content_hash)).subquery()
    found = dict(conn.execute(sa.select(reports.c.id, reports.c.content_hash)
                              .where(reports.c.content_hash.in_(sa.select(hashes.c.content_hash)))).all())
    if ids is None:
        return found
    return {int(i): found[int(i)] for i in ids if int(i) in found}


def _number(v: float | None) -> Number | None:
    return None if v is None else int(v) if float(v).is_integer() else v


# --------------------------------------------------------------------------- corrected values


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
    from ..formats.templates import T3_WIDTH

    out = copy.copy(report)
    out.table2 = {k: dict(v) for k, v in report.table2.items()}
    out.table3 = {k: list(v) for k, v in report.table3.items()}
    out.table4 = {k: dict(v) for k, v in report.table4.items()}
    for path, fix in fixes.items():
        tbl, row, col = split_path(path)
        if tbl == "table3":
            out.table3.setdefault(row, [None] * T3_WIDTH)[int(col)] = fix.value
        else:
            getattr(out, tbl).setdefault(row, {})[col] = fix.value
    return out


def correct_matrix(conn: Connection, mat: np.ndarray, index: dict[int, int], by_col: dict[int, str]) -> np.ndarray:
    """A value matrix (`queries.value_matrix`: one row per report id in `index`) with the
    corrections in force written over the extracted values (a copy when any applies)."""
    import numpy as np

    hashes = reviewed_ids(conn, index) if index else {}
    states = review_states(conn, hashes.values())
    if not states:
        return mat
    col_of = {p: c for c, p in by_col.items()}
    out = mat.copy()
    for rid, h in hashes.items():
        for path, fix in (states[h].fixes.items() if h in states else ()):
            if path in col_of:
                out[index[rid], col_of[path]] = np.nan if fix.value is None else float(fix.value)
    return out


CORRECTED_METHOD = "corrected"  # the long shape's `method` of a corrected cell (its `raw` stays as printed)


def fixes_by_report(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Correction]]:
    hashes = reviewed_ids(conn, ids)
    states = review_states(conn, hashes.values())
    return {rid: states[h].fixes for rid, h in hashes.items() if h in states and states[h].fixes}


def correct_wide(conn: Connection, df: pd.DataFrame) -> pd.DataFrame:
    """A wide frame (`queries.wide`: one row per report, one column per cell path) with the
    corrected values and the reviewed record's counts."""
    import numpy as np

    if df.empty:
        return df
    fixes = fixes_by_report(conn, df["id"].tolist())
    out = _with_counts(df, _found_counts(conn, df))
    row_of = {rid: i for i, rid in enumerate(out["id"].tolist())} if fixes else {}
    cells: dict[str, tuple[list[int], list[float]]] = {}  # the corrected cells by column: (rows, values)
    for rid, by_path in fixes.items():
        for path, fix in by_path.items():
            if rid in row_of and path in out.columns:
                rows, values = cells.setdefault(path, ([], []))
                rows.append(row_of[rid])
                values.append(np.nan if fix.value is None else float(fix.value))
    if cells:  # written column by column into one copy of the corrected columns (not cell by cell through .loc)
        columns = list(cells)
        block = out[columns].to_numpy(dtype="float64", copy=True)
        for k, (rows, values) in enumerate(cells.values()):
            block[rows, k] = values
        out = out.copy() if out is df else out
        out[columns] = block
    return out


def correct_long(conn: Connection, df: pd.DataFrame) -> pd.DataFrame:
    """A long frame (`queries.long`: one row per cell) with the corrected values: `raw`
    keeps the value as printed, `method` is "corrected"."""
    if df.empty:
        return df
    fixes = fixes_by_report(conn, set(int(i) for i in df["report_id"]))
    if not fixes:
        return df
    out = df.copy()
    value, method = out.columns.get_loc("value"), out.columns.get_loc("method")
    for i, fixed in corrected_cells(zip(out["report_id"], out["path"]), fixes):
        out.iat[i, value], out.iat[i, method] = fixed, CORRECTED_METHOD
    return out


def corrected_cells(keys: Iterable[tuple[Any, str]], fixes: dict[int, dict[str, Correction]]) -> Iterator[tuple[int, Any]]:
    """(position, corrected value) of each (report id, cell path) of `keys` that a reviewer
    corrected (`fixes`: `fixes_by_report`) - the one rule the long frame and the long
    export's cursor slices both apply."""
    for i, (rid, path) in enumerate(keys):
        fix = fixes.get(int(rid), {}).get(path)
        if fix is not None:
            yield i, fix.value


# --------------------------------------------------------------------------- findings and counts


def reviewed_findings(conn: Connection, report_id: int, report: Report | None, fixes: dict[str, Correction]) -> list[Finding]:
    """The findings of the record as reviewed (dismissed ones included: they are marked by
    the decisions): the stored ones, or with corrections the single-report checks re-run
    on the corrected record plus the stored cross-report findings."""
    from ..rules import check
    from .queries import load_report, report_findings

    if not fixes:
        return report_findings(conn, report_id)
    report = report if report is not None else load_report(conn, report_id)
    if report is None:
        return []
    return check(corrected_report(report, fixes)) + report_findings(conn, report_id, scope=SCOPE_CROSS)


def live(found: Iterable[Finding], state: ReviewState) -> list[Finding]:
    """The findings a reviewer did not dismiss."""
    dismissed = state.dismissed
    return [f for f in found if finding_key(f.rule, f.location) not in dismissed]


def counts(found: Iterable[Finding]) -> tuple[int, int, int]:
    """(errors, warnings, infos) among failing findings."""
    out = {"error": 0, "warning": 0, "info": 0}
    for f in found:
        if f.status == STATUS_FAIL and f.severity in out:
            out[f.severity] += 1
    return out["error"], out["warning"], out["info"]


def reviewed_counts(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """(errors, warnings, infos) of the reviewed record of each report among `ids` that has
    a review; the others' stored counts (reports.n_errors …) are already the reviewed ones."""
    hashes = reviewed_ids(conn, ids)
    states = review_states(conn, hashes.values())
    todo = {rid: states[h] for rid, h in hashes.items() if h in states}
    stored = _stored_findings(conn, [rid for rid, state in todo.items() if not state.fixes])
    return {rid: counts(live(reviewed_findings(conn, rid, None, state.fixes) if state.fixes else stored.get(rid, ()),
                             state)) for rid, state in todo.items()}


def _stored_findings(conn: Connection, ids: Sequence[int]) -> dict[int, list[Finding]]:
    """The stored findings of reports `ids`, by report, in one query (not one per report)."""
    from .records import finding_from_row
    from .schema import findings

    out: dict[int, list[Finding]] = {}
    for part in chunked(ids, 2000):
        for r in conn.execute(sa.select(findings).where(findings.c.report_id.in_(part)).order_by(findings.c.id)):
            out.setdefault(r.report_id, []).append(finding_from_row(r))
    return out


def with_reviewed_counts(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """List rows (dicts with id, n_errors, n_warnings, and maybe n_infos) with the reviewed
    record's counts, and `reviewed` (True for a report with decisions or corrections)."""
    found = reviewed_counts(conn, [int(r["id"]) for r in rows if r.get("status", "ok") == "ok"])
    for r in rows:
        got = found.get(int(r["id"]))
        r["reviewed"] = got is not None
        if got is not None:
            r["n_errors"], r["n_warnings"] = got[0], got[1]
            if "n_infos" in r:
                r["n_infos"] = got[2]
    return rows


def frame_with_reviewed_counts(conn: Connection, df: pd.DataFrame) -> pd.DataFrame:
    """A report frame (`Store.reports` columns) with the reviewed record's counts."""
    import pandas as pd

    if df.empty:
        return df.assign(reviewed=pd.Series(dtype=bool))
    found = _found_counts(conn, df)
    return _with_counts(df, found).assign(reviewed=df["id"].isin(list(found)) if found else False)


def _found_counts(conn: Connection, df: pd.DataFrame) -> dict[int, tuple[int, int, int]]:
    """`reviewed_counts` of the parsed reports of a report frame."""
    return reviewed_counts(conn, df.loc[df["status"] == "ok", "id"].tolist())


def _with_counts(df: pd.DataFrame, found: dict[int, tuple[int, int, int]]) -> pd.DataFrame:
    """`df` with the counts of the reports in `found` (the reviewed ones) written over the
    stored ones: only their rows change (with none, `df` as it is)."""
    if not found:
        return df
    out = df.copy()
    rows = out["id"].isin(list(found)).to_numpy().nonzero()[0]
    for k, col in enumerate(("n_errors", "n_warnings", "n_infos")):
        if col in out:
            values = out[col].tolist()
            for i in rows:
                values[i] = found[int(out["id"].iat[i])][k]
            out[col] = values
    return out


# --------------------------------------------------------------------------- one report


@dataclass
class ReviewedFinding:
    key: str
    finding: Finding
    decision: Decision | None = None

    @property
    def dismissed(self) -> bool:
        return self.decision is not None and self.decision.decision == "dismiss"


@dataclass
class ReviewedReport:
    id: int
    content_hash: str
    report: Report  # as extracted
    shown: Report  # with the corrections in force
    state: ReviewState
    findings: list[ReviewedFinding]  # of the reviewed record, dismissed ones marked
    extracted_counts: tuple[int, int]  # errors, warnings of the record as extracted

    @property
    def fixes(self) -> dict[str, Correction]:
        return self.state.fixes

    @property
    def counts(self) -> tuple[int, int]:
        errors, warnings, _ = counts(f.finding for f in self.findings if not f.dismissed)
        return errors, warnings


def reviewed_report(conn: Connection, report_id: int, content_hash: str) -> ReviewedReport | None:
    """One report as reviewed, with its findings (dismissed ones marked)."""
    from ..rules import sort_findings
    from .queries import load_report, report_findings

    report = load_report(conn, report_id)
    if report is None:
        return None
    state = review_state(conn, content_hash)
    found = reviewed_findings(conn, report_id, report, state.fixes)
    extracted = report_findings(conn, report_id) if state.fixes else found
    views = [ReviewedFinding(k, f, state.decisions.get(k))
             for f in sort_findings(found) for k in [finding_key(f.rule, f.location)]]
    return ReviewedReport(report_id, content_hash, report, corrected_report(report, state.fixes), state, views,
                          counts(extracted)[:2])


# --------------------------------------------------------------------------- many reports' findings

FINDING_COLUMNS = ["finding_id", "report_id", "agency", "region", "year", "scope", "rule", "severity", "status",
                   "message", "location", "expected", "actual", "detail", "related_report_id", "signature"]


def findings_frame(conn: Connection, ids: Sequence[int], *, include_dismissed: bool = False) -> pd.DataFrame:
    """The findings of the reviewed record of reports `ids` (`queries.findings_frame`'s
    columns, plus `key` and `decision` (a Decision or None)); dismissed findings are left
    out unless `include_dismissed` (then they carry their decision)."""
    import pandas as pd

    from .filters import ReportFilter
    from .queries import findings_frame as stored_frame

    df = stored_frame(conn, ReportFilter(ids=tuple(ids))) if len(ids) else pd.DataFrame(columns=FINDING_COLUMNS)
    hashes = reviewed_ids(conn, ids)
    states = review_states(conn, hashes.values())
    fixed = [rid for rid, h in hashes.items() if h in states and states[h].fixes]
    if fixed:
        df = pd.concat([df[~(df["report_id"].isin(fixed) & (df["scope"] == SCOPE_REPORT))],
                        _rechecked(conn, fixed, hashes, states, df)], ignore_index=True)
        df = df.sort_values(["report_id", "scope"], kind="stable").reset_index(drop=True)
    df["key"] = [finding_key(r, loc if isinstance(loc, dict) else None) for r, loc in zip(df["rule"], df["location"])]
    df["decision"] = pd.Series([states[hashes[int(rid)]].decisions.get(k) if hashes.get(int(rid)) in states else None
                                for rid, k in zip(df["report_id"], df["key"])], index=df.index, dtype=object)
    if not include_dismissed:
        df = df[[not (d is not None and d.decision == "dismiss") for d in df["decision"]]].reset_index(drop=True)
    return df


def _rechecked(conn: Connection, ids: list[int], hashes: dict[int, str], states: dict[str, ReviewState],
               stored: pd.DataFrame) -> pd.DataFrame:
    """Rows of the single-report findings re-run on each corrected record."""
    import pandas as pd

    from ..rules import check
    from .queries import load_report

    rows = []
    for rid in ids:
        report = load_report(conn, rid)
        if report is None:
            continue
        meta = stored[stored["report_id"] == rid].head(1)
        agency, region = (meta["agency"].iloc[0], meta["region"].iloc[0]) if len(meta) else (report.agency, report.region)
        for f in check(corrected_report(report, states[hashes[rid]].fixes)):
            rows.append([None, rid, agency, region, report.year, SCOPE_REPORT, f.rule, f.severity, f.status, f.message,
                         f.location or {}, f.expected, f.actual, f.detail, None, None])
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)
