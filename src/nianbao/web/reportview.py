"""What the report page shows, assembled from the store and the review tables: the three
tables in the official layout (`render.layout` grids through `render.formats.html_table`)
with every failing or doubtful cell marked and its provenance attached, the findings with
the rules' explanations and the decisions on them, the corrected values beside the
extracted ones, and the source text."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import Any

from ..formats import templates as T
from ..model import STATUS_FAIL, Finding, Provenance, Report, cell_path
from ..formats import templates as T
from ..render.formats import html_table
from ..render.layout import report_grids
from ..rules import REGISTRY, catalogue, sort_findings
from ..rules.plain import finding_words, report_name
from ..store import Store
from ..store.compare import cell_label
from .pageimage import origin_page
from ..store.reviewed import Correction, Decision, finding_key, reviewed_findings, reviewed_report

DOUBT_CONFIDENCE = 0.9  # a cell read with less confidence than this is marked doubtful
TABLE_SECTIONS = (("table2", "proactive"), ("table3", "requests"), ("table4", "appeals"))
STATE_ORDER = ("error", "warning", "doubt", "info")


@dataclass
class FindingView:
    key: str
    finding: Finding
    title: str  # the rule's Chinese title
    description: str  # the rule's plain-language explanation
    family: str
    cells: list[str]
    line: int | None
    decision: Decision | None = None
    values: str = ""  # expected and actual in plain words (rules.plain), as the 问题清单 prints them

    @property
    def state(self) -> str:
        """How the finding colours its cells: error | warning | doubt | info | dismissed."""
        f = self.finding
        if self.decision is not None and self.decision.decision == "dismiss":
            return "dismissed"
        if f.status != STATUS_FAIL:
            return "doubt"
        return f.severity if f.severity in ("error", "warning") else "info"

    def to_dict(self) -> dict[str, Any]:
        out = self.finding.to_dict()
        out.update(key=self.key, title=self.title, family=self.family, cells=self.cells, values=self.values,
                   decision=None if self.decision is None else {
                       "decision": self.decision.decision, "comment": self.decision.comment,
                       "user": self.decision.user_name, "at": self.decision.created_at.isoformat()})
        return out


@dataclass
class ReportView:
    id: int
    content_hash: str
    report: Report  # as extracted
    shown: Report  # with the corrections applied
    findings: list[FindingView]
    extracted_counts: tuple[int, int]  # errors, warnings of the record as extracted
    fixes: dict[str, Correction]
    tables: list[tuple[str, str]] = field(default_factory=list)  # (heading, table HTML)

    @property
    def counts(self) -> tuple[int, int]:
        live = [f for f in self.findings if f.state in ("error", "warning")]
        return sum(f.state == "error" for f in live), sum(f.state == "warning" for f in live)


def row_cells(report: Report | None, table: object, row: object, column: object = None) -> list[str]:
    """The paths of the cells of one row of a table in the record, or of its `column` only
    (a finding that names a row, like G2.1 on table 三's "other_other", points at its cells)."""
    if report is None or not isinstance(table, str) or not isinstance(row, str):
        return []
    values = getattr(report, table, None) if table in ("table2", "table3", "table4") else None
    cells = values.get(row) if isinstance(values, dict) else None
    if isinstance(cells, list):
        cols: list[int | str] = list(range(len(cells)))
    elif isinstance(cells, dict):
        cols = list(cells)
    else:
        return []
    if isinstance(column, (int, str)) and not isinstance(column, bool):
        cols = [c for c in cols if c == column]
    return [cell_path(table, row, c) for c in cols]


def _cells_of(f: Finding, report: Report | None = None) -> list[str]:
    loc = f.location or {}
    cells = [c for c in loc.get("cells") or [] if isinstance(c, str)]
    if isinstance(loc.get("cell"), str) and loc["cell"] not in cells:
        cells.append(loc["cell"])
    return cells or row_cells(report, loc.get("table"), loc.get("row"), loc.get("column"))


def _line_of(f: Finding) -> int | None:
    line = (f.location or {}).get("line")
    return line if isinstance(line, int) else None


def finding_views(found: list[Finding], decided: dict[str, Decision], report: Report | None = None,
                  names: dict[int, str] | None = None) -> list[FindingView]:
    """`report`: the report (its cells, its year); `names`: the reports cross-report findings
    point at, named."""
    year = report.year if report is not None else None
    rules = {r.id: r for r in catalogue()}
    out = []
    for f in sort_findings(found):
        key = finding_key(f.rule, f.location)
        rule = rules.get(f.rule)
        other = (f.location or {}).get("related_report")
        related = (names or {}).get(other) if isinstance(other, int) else None
        out.append(FindingView(key, f, rule.title if rule else f.rule, rule.description if rule else "",
                               rule.family if rule else "", _cells_of(f, report), _line_of(f), decided.get(key),
                               finding_words(f.rule, f.expected, f.actual, related=related, year=year)))
    return out


def related_names(store: Store, report: Report, found: list[Finding]) -> dict[int, str]:
    """The reports `found` compares with (cross-report findings), named for a person."""
    ids = {o for f in found if isinstance(o := (f.location or {}).get("related_report"), int)}
    if not ids:
        return {}
    listed = store.reports(ids=sorted(ids))
    return {int(r.id): report_name(r.agency if isinstance(r.agency, str) else None, r.year,
                                   same_agency=r.agency == report.agency)
            for r in listed.itertuples(index=False)}


def current_findings(store: Store, report_id: int, report: Report, fixes: dict[str, Correction]) -> list[Finding]:
    """The findings of the reviewed record (see `store.reviewed.reviewed_findings`)."""
    with store.engine.connect() as conn:
        return reviewed_findings(conn, report_id, report, fixes)


def build(store: Store, report_id: int, content_hash: str, tables: bool = True) -> ReportView | None:
    """The report page's model: the record as reviewed (`store.reviewed`); without
    `tables`, only the findings and corrections (the JSON API's findings need no grids)."""
    with store.engine.connect() as conn:
        rec = reviewed_report(conn, report_id, content_hash)
    if rec is None:
        return None
    found = [f.finding for f in rec.findings]
    views = finding_views(found, rec.state.decisions, rec.report, related_names(store, rec.report, found))
    view = ReportView(report_id, content_hash, rec.report, rec.shown, views, rec.extracted_counts, rec.fixes)
    if tables:
        view.tables = tables_html(view)
    return view


# --------------------------------------------------------------------------- the tables


def cell_states(view: ReportView) -> dict[str, str]:
    """The strongest state of every cell a finding points at."""
    out: dict[str, str] = {}
    for fv in view.findings:
        state = fv.state
        if state == "dismissed":
            continue
        for path in fv.cells:
            old = out.get(path)
            if old is None or STATE_ORDER.index(state) < STATE_ORDER.index(old):
                out[path] = state
    return out


def _attr(name: str, value: object) -> str:
    return f' {name}="{escape(str(value), quote=True)}"'


@lru_cache(maxsize=8192)
def _label_attr(path: str, template: str | None) -> str:
    return ' tabindex="0"' + _attr("data-label", cell_label(path, template))


def cell_attrs(view: ReportView, paths: list[str]) -> dict[str, str]:
    """The attributes of each value cell: its name, its state, its provenance (line, span,
    origin page, raw text, confidence), its corrected and extracted values, the findings
    on it."""
    states = cell_states(view)
    keys_by_cell: dict[str, list[str]] = {}
    for fv in view.findings:
        for path in fv.cells:
            keys_by_cell.setdefault(path, []).append(fv.key)
    out: dict[str, str] = {}
    for path in paths:
        prov: Provenance | None = view.report.provenance.get(path)
        state = states.get(path)
        if state is None and prov is not None and (prov.confidence < DOUBT_CONFIDENCE or prov.method == "missing"):
            state = "doubt"
        attrs = _label_attr(path, view.report.template)
        if state:
            attrs += _attr("data-state", state)
        if prov is not None:
            for name, value in (("data-line", prov.line), ("data-start", prov.start), ("data-end", prov.end),
                                ("data-raw", prov.raw), ("data-method", prov.method), ("data-origin", prov.origin),
                                ("data-page", origin_page(prov.origin))):
                if value is not None and value != "":
                    attrs += _attr(name, value)
            attrs += _attr("data-conf", f"{prov.confidence:.2f}")
        fix = view.fixes.get(path)
        if fix is not None:
            attrs += _attr("data-corrected", "1") + _attr("data-extracted", "空" if fix.extracted is None else fix.extracted)
        if path in keys_by_cell:
            attrs += _attr("data-findings", " ".join(keys_by_cell[path]))
        out[path] = attrs
    return out


def tables_html(view: ReportView) -> list[tuple[str, str]]:
    rep = view.shown
    if not (rep.table2 or rep.table3 or rep.table4):
        return []
    grids = report_grids(rep.template if rep.template in T.TEMPLATES else None, rep.table2, rep.table3, rep.table4)
    attrs = cell_attrs(view, [c.path for g in grids for row in g.rows for _, c in row if c.path])
    headings = {g: T.SECTION_BY_KEY[s].title for g, s in TABLE_SECTIONS}
    return [(headings[g.name], html_table(g, "nb-table", attrs)) for g in grids]


def section_texts(report: Report) -> list[tuple[str, str]]:
    """(heading as printed, text) of the sections found, in order."""
    return [(f"{s.number}、{s.heading}" if s.number and not s.heading.startswith(s.number) else s.heading, s.text)
            for s in report.sections]
