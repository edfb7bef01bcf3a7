"""Helpers for the drafting tests: fill the XLSX form as a clerk would, and evaluate the
form's own formulas (SUM totals and the live 一＋二＝三＋四 check) without a spreadsheet."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from nianbao.draft import record_cells, template_cells
from nianbao.draft.form import sheet_layouts
from nianbao.model import Report


def fill_form(xlsx: bytes, record: Report, blank_zeros: bool = False) -> bytes:
    """The form with every input cell (not the formula cells) set from `record`;
    with `blank_zeros`, zeros are left blank as a clerk often does."""
    wb = load_workbook(io.BytesIO(xlsx))
    values = record_cells(record)
    computed = {s.path for s in template_cells(record.template) if s.computed}
    for lay in sheet_layouts(record.template):
        ws = wb[lay.name]
        for path, coord in lay.cells.items():
            if path in computed:
                continue
            v = values.get(path)
            ws[coord] = None if (blank_zeros and v == 0) else v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def expand(ref: str) -> list[str]:
    """"D7:D9" -> ["D7", "D8", "D9"]; "D7" -> ["D7"]."""
    if ":" not in ref:
        return [ref]
    a, b = ref.split(":")
    (ca, ra), (cb, rb) = coordinate_from_string(a), coordinate_from_string(b)
    cols = range(column_index_from_string(ca), column_index_from_string(cb) + 1)
    return [f"{get_column_letter(c)}{r}" for r in range(ra, rb + 1) for c in cols]


def sum_refs(formula: str) -> list[str]:
    """The cells a "=SUM(...)" formula adds up."""
    m = re.fullmatch(r"=SUM\((.+)\)", formula)
    assert m, formula
    return [cell for part in m.group(1).split(",") for cell in expand(part)]


def evaluate(ws, coord: str) -> object:  # type: ignore[no-untyped-def]
    """The value of a cell: numbers as they are, SUM formulas and the check formula evaluated."""
    value = ws[coord].value
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    if value.startswith("=SUM("):
        return sum((evaluate(ws, c) or 0) for c in sum_refs(value))
    m = re.fullmatch(r'=IF\((.+?)=0,"(.)","(.)"&TEXT\((.+?),"\+0;-0"\)\)', value)
    assert m, value
    diff = eval(re.sub(r"N\(([A-Z]+\d+)\)", lambda g: repr(evaluate(ws, g.group(1)) or 0), m.group(1)))  # noqa: S307
    return m.group(2) if diff == 0 else f"{m.group(3)}{diff:+d}"
