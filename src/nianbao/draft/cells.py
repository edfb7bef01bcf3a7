"""The numeric cells of one template, as the drafter sees them.

Every cell has a path (`table3.granted[0]`, `table2.penalty.decisions`,
`table4.review.total`: the notation of `model.cell_path` and of the layout grids), a
kind (count, signed or money, from `templates`), a readable name for messages, and, for
the cells the official format computes (row totals, （七）总计, the totals of table 四),
the cells it is the sum of.  The XLSX form writes those as formulas; `build_record`
computes them when they are left empty.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..formats import templates as T
from ..errors import UnreadableInput
from ..parsing.extract.tokens import NUMBER, classify
from ..numbers import whole
from ..parsing.extract.tokens import NUMBER, classify
from ..model import Number, Report, cell_path

TABLE_NAMES = {"table2": "表二", "table3": "表三", "table4": "表四"}


@dataclass(frozen=True)
class CellSpec:
    path: str
    table: str  # table2 | table3 | table4
    row: str  # row key (table 2/3) or group key (table 4)
    column: int | str  # table-3 column index, or field key
    kind: str  # count | signed | money
    name: str  # for messages: 表三“（一）予以公开”·自然人
    parts: tuple[str, ...] = ()  # a computed total: the paths it sums

    @property
    def computed(self) -> bool:
        return bool(self.parts)


@lru_cache(maxsize=4)
def template_cells(template_id: str) -> tuple[CellSpec, ...]:
    """Every numeric cell of the template, in the printed order of its tables."""
    tpl = T.TEMPLATES[template_id]
    out: list[CellSpec] = []
    row: T.T2Row | T.Row  # (a row of table 二, then of table 三)
    for block in tpl.table2:
        for row in block.rows:
            for fld in block.fields:
                out.append(CellSpec(cell_path("table2", row.key, fld.key), "table2", row.key, fld.key, fld.kind,
                                    f"{TABLE_NAMES['table2']}“{row.label}”·{fld.label}"))
    results = tpl.results_rows
    for row in tpl.table3_rows:
        for c, col in enumerate(T.T3_COLUMNS):
            if c == T.T3_TOTAL_COLUMN:
                parts = tuple(cell_path("table3", row.key, i) for i in range(T.T3_TOTAL_COLUMN))
            elif row.key == T.RESULTS_TOTAL_KEY:
                parts = tuple(cell_path("table3", key, c) for key in results)
            else:
                parts = ()
            out.append(CellSpec(cell_path("table3", row.key, c), "table3", row.key, c, "count",
                                f"{TABLE_NAMES['table3']}“{T.t3_title(row.key, template_id)}”·{col.label}", parts))
    for group, label, parent in T.T4_GROUPS:
        for fld in T.T4_FIELDS:
            parts = ()
            if fld.key == T.T4_TOTAL_FIELD:
                parts = tuple(cell_path("table4", group, f.key) for f in T.T4_FIELDS if f.key != T.T4_TOTAL_FIELD)
            where = f"{parent}·{label}" if parent else label
            out.append(CellSpec(cell_path("table4", group, fld.key), "table4", group, fld.key, "count",
                                f"{TABLE_NAMES['table4']}“{where}”·{fld.label}", parts))
    return tuple(out)


def cell_map(template_id: str) -> dict[str, CellSpec]:
    return {spec.path: spec for spec in template_cells(template_id)}


def parse_number(value: Any) -> Number | None:
    """A cell as typed: None for blank; int for whole numbers (also "1,200", "１２", "+3",
    12.0); float for decimals.  Raises ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(value)
        return whole(value)
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("−", "-")
    if not text:
        return None
    kind, number, unit = classify(text)
    if kind != NUMBER or unit is not None or number is None:
        raise ValueError(value)
    return parse_number(number)


def parse_cells(cells: dict[str, Any], template_id: str) -> dict[str, Number | None]:
    """`cells` (path -> value as typed) checked against the template: every path must be
    one of its cells and every value a number or blank.  Problems raise UnreadableInput
    naming the cells."""
    specs = cell_map(template_id)
    unknown = [p for p in cells if p not in specs]
    if unknown:
        shown = "、".join(unknown[:5]) + ("等" if len(unknown) > 5 else "")
        raise UnreadableInput(f"{T.TEMPLATES[template_id].notice}格式中没有这些单元格：{shown}。",
                              f"These cells are not part of the {template_id} format: {', '.join(unknown[:5])}.")
    out: dict[str, Number | None] = {}
    bad: list[str] = []
    for path, value in cells.items():
        try:
            out[path] = parse_number(value)
        except ValueError:
            bad.append(f"{specs[path].name}（“{value}”）")
    if bad:
        shown = "；".join(bad[:5]) + ("等" if len(bad) > 5 else "")
        raise UnreadableInput(f"这些单元格不是数字：{shown}。请只填写数字，没有的填0或留空。",
                              f"{len(bad)} cell(s) are not numbers; fill in numbers only (blank or 0 for none).")
    return out


def record_cells(report: Report) -> dict[str, Number | None]:
    """The numeric cells a record holds, by path (the inverse of `build_record`)."""
    out: dict[str, Number | None] = {}
    for table in ("table2", "table4"):
        for row, fields in getattr(report, table).items():
            for key, value in (fields or {}).items():
                out[cell_path(table, row, key)] = value
    for row, values in report.table3.items():
        for c, value in enumerate(values or []):
            out[cell_path("table3", row, c)] = value
    return out
