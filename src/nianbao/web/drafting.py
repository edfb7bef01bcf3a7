"""The drafting form on top of `nianbao.draft`: the official tables as inputs (the layout
grids of `render.layout`), the record built from what was typed (totals computed), the
check gate's errors and warnings, and the DOCX."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..formats import templates as T
from ..draft import Gate, build_record, gate, parse_number, record_cells, render, template_cells, template_id_for
from ..errors import NianbaoError
from ..model import Report
from ..render.layout import Grid, report_grids

CELL_PREFIX = "c:"
PROSE_KEYS = ("overview", "problems", "other")
MAX_PROSE = 20_000
TABLE_SECTIONS = (("table2", "proactive"), ("table3", "requests"), ("table4", "appeals"))


def year_choices() -> list[int]:
    first = min(tpl.years[0] for tpl in T.TEMPLATES.values())
    return list(range(date.today().year, first - 1, -1))


@dataclass
class DraftForm:
    year: int
    agency: str = ""
    region: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # path -> as typed
    prose: dict[str, str] = field(default_factory=dict)  # section key -> text
    force: bool = False

    @property
    def template(self) -> str:
        return template_id_for(self.year)


@dataclass
class DraftResult:
    form: DraftForm
    report: Report | None = None
    values: dict[str, Any] = field(default_factory=dict)  # every cell of the complete record
    bad_cells: list[str] = field(default_factory=list)  # typed text that is not a number
    gate: Gate | None = None
    error: str | None = None  # a problem that stops the record being built at all

    @property
    def passed(self) -> bool:
        return self.report is not None and self.gate is not None and self.gate.passed and not self.bad_cells


def form_from_fields(fields: Mapping[str, Any]) -> DraftForm:
    """The form as posted: `year`, `agency`, `region`, `force`, `prose:<key>` and
    `c:<cell path>` fields (unknown paths are ignored)."""
    try:
        year = int(str(fields.get("year") or year_choices()[1]).strip())
    except ValueError:
        year = year_choices()[1]
    form = DraftForm(year, str(fields.get("agency") or "").strip()[:200], str(fields.get("region") or "").strip()[:80],
                     force=str(fields.get("force") or "") in ("1", "on", "true"))
    try:
        known = {s.path for s in template_cells(form.template)}
    except NianbaoError:
        known = set()
    for name, value in fields.items():
        if name.startswith(CELL_PREFIX) and name[len(CELL_PREFIX):] in known:
            form.cells[name[len(CELL_PREFIX):]] = str(value)[:40]
        elif name.startswith("prose:") and name[6:] in PROSE_KEYS:
            form.prose[name[6:]] = str(value)[:MAX_PROSE]
    return form


def evaluate(form: DraftForm, previous: Report | None = None) -> DraftResult:
    """Build the record from the form and run the draft's check gate."""
    result = DraftResult(form)
    try:
        tid = form.template
    except NianbaoError as exc:
        result.error = exc.message_zh
        return result
    typed: dict[str, Any] = {}
    for spec in template_cells(tid):
        text = form.cells.get(spec.path, "")
        if spec.computed:
            continue  # the form computes totals; a typed total is not taken
        try:
            parse_number(text)
        except ValueError:
            result.bad_cells.append(spec.path)
            continue
        typed[spec.path] = text
    try:
        report = build_record(typed, year=form.year, agency=form.agency or None, region=form.region or None,
                              previous=previous)
    except NianbaoError as exc:
        result.error = exc.message_zh
        return result
    result.report = report
    result.values = record_cells(report)
    result.gate = gate(report, previous, {k: v for k, v in form.prose.items() if v.strip()})
    return result


def prefill(form: DraftForm, previous: Report) -> int:
    """Fill the form's empty cells that last year's report determines (上年结转 from its
    结转下年度, 现行有效件数, ...); returns how many were filled."""
    from ..draft import prefill_values

    typed = {p: v for p, v in form.cells.items() if v.strip()}
    filled = prefill_values({p: parse_number(v) for p, v in typed.items()}, form.template, previous)
    for path, value in filled.items():
        form.cells[path] = str(value)
    form.agency = form.agency or previous.agency or ""
    form.region = form.region or previous.region or ""
    return len(filled)


def flagged_cells(result: DraftResult) -> list[str]:
    """The cells the errors point at, and those that are not numbers (the form marks them)."""
    out = list(result.bad_cells)
    for f in result.gate.errors if result.gate else []:
        loc = f.location or {}
        for path in list(loc.get("cells") or []) + ([loc["cell"]] if isinstance(loc.get("cell"), str) else []):
            if path not in out:
                out.append(path)
    return out


def docx(result: DraftResult) -> bytes:
    """The DOCX of a checked draft (a forced draft lists its errors in a closing note)."""
    assert result.report is not None and result.gate is not None
    notes = result.gate.notes() if result.gate.errors else None
    return render(result.report, "docx", {k: v for k, v in result.form.prose.items() if v.strip()}, notes)


def grids(year: int) -> list[tuple[str, Grid]]:
    """(heading, grid) of the three official tables of the year's format, for inputs."""
    tid = template_id_for(year)
    headings = {g: T.SECTION_BY_KEY[s].title for g, s in TABLE_SECTIONS}
    return [(headings[g.name], g) for g in report_grids(tid, {}, {}, {})]


def computed_paths(year: int) -> set[str]:
    return {s.path for s in template_cells(template_id_for(year)) if s.computed}


def cell_names(year: int) -> dict[str, str]:
    return {s.path: s.name for s in template_cells(template_id_for(year))}


def prose_fields() -> list[tuple[str, str]]:
    return [(k, T.SECTION_BY_KEY[k].title) for k in PROSE_KEYS]
