"""Drafting: numbers -> a checked report in the official format.

    form = read_form(xlsx_bytes)                               # or a record JSON, or web form data
    report = build_record(form.cells, year=form.year, agency=..., region=..., previous=last_year)
    result = gate(report, previous=last_year)                  # Gate(errors, warnings)
    if result.passed:
        data = render(report, "docx")                          # or "html", "md"

`build_record` takes cell paths ("table3.granted[0]", "table2.penalty.decisions",
"table4.review.upheld"; `template_cells(template_id)` lists them with their kinds,
names and, for totals, the cells they sum); empty cells are pre-filled from last
year's report where the format links the years, totals are computed, and everything
else empty is 0.  `write_form(year)` makes the XLSX 填报表.
"""
from __future__ import annotations

from .cells import CellSpec, parse_number, record_cells, template_cells
from .form import FormData, read_form, write_form
from .gate import Gate, document_view, full_prose, gate
from .output import FORMATS, MEDIA_TYPES, render
from .previous import load_previous, prefill_values
from .record import PREFILLED, build_record, canonical_agency, template_id_for

__all__ = [
    "CellSpec", "FormData", "Gate", "FORMATS", "MEDIA_TYPES", "PREFILLED",
    "build_record", "canonical_agency", "document_view", "full_prose", "gate", "load_previous",
    "parse_number", "prefill_values", "read_form", "record_cells", "render", "template_cells",
    "template_id_for", "write_form",
]
