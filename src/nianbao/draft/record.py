"""Numbers (from the XLSX form, a record JSON or the web form) -> a complete record.

    cells (path -> value as typed)
      -> parsed and checked against the template's cells      (cells.parse_cells)
      -> empty cells pre-filled from last year's report        (previous.prefill_values)
      -> empty totals computed, every other empty cell 0       (complete)
      -> Report, with the canonical agency/region and the list of pre-filled cells

A total the clerk did type is kept as typed: the gate then says whether it adds up.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..formats import templates as T
from ..formats.divisions import split_agency
from ..errors import UnsupportedFormat
from ..numbers import whole
from ..model import Number, Report
from .cells import CellSpec, parse_cells, template_cells
from .previous import prefill_values

PREFILLED = "prefilled"  # Report.extras key: the paths filled from last year's report


def template_id_for(year: int, template: str | None = None) -> str:
    """The official format a draft for `year` uses (or `template` when given)."""
    tid = template or T.template_for_year(year)
    if tid not in T.TEMPLATES:
        first = min(tpl.years[0] for tpl in T.TEMPLATES.values())
        raise UnsupportedFormat(f"{year}年度没有可用的官方年度报告格式（可起草{first}年度及以后的报告）。",
                                f"There is no official report format for {year}; drafts start with {first}.")
    return tid


def canonical_agency(agency: str | None, region: str | None) -> tuple[str | None, str | None, str | None]:
    """(agency, region, level) as the report's title will print them and a reader will
    read them back: "寺口镇人民政府" in "栖霞市" stays so; "教育局" in "栖霞市" becomes
    "栖霞市教育局" (a department keeps the place name of its government) with no region
    (nothing is printed in front of it)."""
    agency = (agency or "").strip() or None
    region = (region or "").strip() or None
    if agency is None:
        return None, region, None
    name = agency if region is None or agency.startswith(region) else region + agency
    parsed = split_agency(name)
    if parsed.level == "department":  # the title prints no area in front of a department
        return parsed.agency, None, parsed.level
    return parsed.agency, parsed.region or region, parsed.level


def complete(values: dict[str, Number | None], specs: tuple[CellSpec, ...]) -> dict[str, Number]:
    """Every cell filled: empty totals as the sum of their parts, other empty cells 0."""
    out: dict[str, Number] = {s.path: (v if (v := values.get(s.path)) is not None else 0)
                              for s in specs if not s.computed}
    pending = [s for s in specs if s.computed]
    while pending:  # totals of totals (a row total of （七）总计) after their parts
        later = []
        for spec in pending:
            if values.get(spec.path) is not None:
                out[spec.path] = values[spec.path]  # type: ignore[assignment]
            elif all(p in out for p in spec.parts):
                out[spec.path] = _sum(out[p] for p in spec.parts)
            else:
                later.append(spec)
        if len(later) == len(pending):
            raise RuntimeError("circular totals")  # pragma: no cover - the template defines none
        pending = later
    return out


def _sum(values: Any) -> Number:
    total = sum(values)
    return whole(total) if isinstance(total, float) else total


def _tables(values: dict[str, Number], specs: tuple[CellSpec, ...]) -> tuple[dict, dict, dict]:
    table2: dict[str, dict[str, Number]] = {}
    table3: dict[str, list[Number]] = {}
    table4: dict[str, dict[str, Number]] = {}
    for spec in specs:
        v = values[spec.path]
        if spec.table == "table3":
            table3.setdefault(spec.row, [0] * T.T3_WIDTH)[spec.column] = v  # type: ignore[index]
        else:
            (table2 if spec.table == "table2" else table4).setdefault(spec.row, {})[spec.column] = v  # type: ignore[index]
    return table2, table3, table4


def build_record(cells: Mapping[str, Any], *, year: int, agency: str | None = None, region: str | None = None,
                 template: str | None = None, previous: Report | None = None) -> Report:
    """A complete record from the numbers a clerk typed.

    `cells` maps cell paths ("table3.granted[0]", "table2.penalty.decisions",
    "table4.review.upheld"; see `cells.template_cells`) to what was typed: numbers,
    numeric strings or blanks.  Empty cells are pre-filled from `previous` where the
    format links the years, totals are computed, and everything else empty is 0.
    Raises UnreadableInput for unknown cells or text that is not a number."""
    tid = template_id_for(year, template)
    specs = template_cells(tid)
    values = parse_cells(dict(cells), tid)
    filled = prefill_values(values, tid, previous) if previous is not None else {}
    values.update(filled)
    table2, table3, table4 = _tables(complete(values, specs), specs)
    agency, region, level = canonical_agency(agency, region)
    report = Report(agency=agency, region=region, year=year, template=tid, agency_level=level,
                    table2=table2, table3=table3, table4=table4)
    if filled:
        report.extras[PREFILLED] = sorted(filled, key=[s.path for s in specs].index)
    return report
