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

from .. import templates as T
from ..model import STATUS_FAIL, Finding, Provenance, Report
from ..render.formats import html_table
from ..render.layout import report_grids
from ..rules import catalogue, sort_findings
from ..store import Store
from ..store.compare import cell_label
from .pageimage import origin_page
from .reviews import Correction, Decision, corrected_report, corrections, decisions, finding_key, recheck

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
        out.update(key=self.key, title=self.title, family=self.family, cells=self.cells,
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


def _cells_of(f: Finding) -> list[str]:
    loc = f.location or {}
    cells = [c for c in loc.get("cells") or [] if isinstance(c, str)]
    if isinstance(loc.get("cell"), str) and loc["cell"] not in cells:
        cells.append(loc["cell"])
    return cells


def _line_of(f: Finding) -> int | None:
    line = (f.location or {}).get("line")
    return line if isinstance(line, int) else None


def finding_views(found: list[Finding], decided: dict[str, Decision]) -> list[FindingView]:
    rules = {r.id: r for r in catalogue()}
    out = []
    for f in sort_findings(found):
        key = finding_key(f.rule, f.location)
        rule = rules.get(f.rule)
        out.append(FindingView(key, f, rule.title if rule else f.rule, rule.description if rule else "",
                               rule.family if rule else "", _cells_of(f), _line_of(f), decided.get(key)))
    return out


def current_findings(store: Store, report_id: int, report: Report, fixes: dict[str, Correction]) -> list[Finding]:
    """The stored findings, or with corrections the checks re-run on the corrected record
    (plus the stored cross-report findings, which need other reports)."""
    if not fixes:
        return store.report_findings(report_id)
    return recheck(report, fixes) + store.report_findings(report_id, "cross")


def build(store: Store, report_id: int, content_hash: str, tables: bool = True) -> ReportView | None:
    """The report page's model; without `tables`, only the findings and corrections (the
    JSON API's findings do not need the grids)."""
    report = store.report(report_id)
    if report is None:
        return None
    fixes = corrections(store.engine, content_hash)
    decided = decisions(store.engine, content_hash)
    found = current_findings(store, report_id, report, fixes)
    extracted = store.report_findings(report_id) if fixes else found
    counts = (sum(f.status == STATUS_FAIL and f.severity == "error" for f in extracted),
              sum(f.status == STATUS_FAIL and f.severity == "warning" for f in extracted))
    view = ReportView(report_id, content_hash, report, corrected_report(report, fixes),
                      finding_views(found, decided), counts, fixes)
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
