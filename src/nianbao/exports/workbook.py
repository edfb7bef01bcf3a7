"""The data workbook (XLSX), streamed so that its size does not matter:

    统计表   the three official tables as printed (merged headers, built from `render.layout`
            grids): the region's totals per year when the selection is a region (sums of
            its member reports, as `nianbao stats` counts them), each report's own tables
            when the selection holds a few reports, else the selection's totals per year
    报告     one row per report (the wide shape): Chinese headings over the column keys
    明细     only with `detail=True`: one row per cell (the long shape), continued on 明细2, …
            past Excel's row limit (a year of 3,000 reports is 600,000 rows, ~11 million
            cells: the long CSV/Parquet export holds the same rows, smaller and faster)
    说明     what the file holds: the filters, the counts, the sheets

The second row of 报告 and 明细 holds the column keys of the Parquet/CSV/JSON exports, so
`pandas.read_excel(f, sheet_name="报告", header=1)` reads the same frame.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

import numpy as np
import pandas as pd

from ..formats import templates as T
from ..model import Report
from ..render.layout import report_grids
from ..store import Store
from ..store.records import fill_tables
from .frames import frames, long_tuples, python_rows
from .selection import LEVEL_ZH, ReportFilter, member_reports
from .sheets import cell_name, grid_title, headings, write_grid
from .xlsx import Sheet, Workbook

MAX_REPORT_BLOCKS = 30  # up to this many reports: each its own tables on 统计表
LAYOUT_WIDTH = 15  # the widest official table (表四)
REPORT_SLICE = 500  # reports read at a time for 报告 (each row becomes ~400 Python values: 2,000 cost 25 MB more peak)

REPORT_HEADINGS = {"id": "报告编号", "agency_id": "机关编号", "agency": "机关", "region": "地区", "level": "层级",
                   "year": "年度", "template": "格式", "status": "状态", "n_errors": "错误数", "n_warnings": "警告数",
                   "n_infos": "提示数", "source_name": "来源", "title": "标题", "parser_version": "解析器版本",
                   "error": "无法解析的原因"}
LONG_HEADINGS = {"report_id": "报告编号", "key_id": "单元格编号", "agency": "机关", "region": "地区", "year": "年度",
                 "path": "单元格", "label": "名称", "table": "表", "row": "行", "column": "列", "value": "数值",
                 "raw": "原文", "line": "行号", "span_start": "起始位置", "span_end": "结束位置", "confidence": "置信度",
                 "method": "提取方式", "origin": "来源位置"}


@dataclass
class LayoutBlock:
    """One set of the three official tables on 统计表."""

    title: str
    note: str
    template: str | None  # "2021" | "2019"; None: no official tables (old-format reports)
    values: dict[str, float] = field(default_factory=dict)  # cell path -> number


@dataclass
class WorkbookSummary:
    reports: int
    cells: int
    blocks: list[str]  # titles of the 统计表 blocks
    sheets: list[str]


class YearTotals:
    """Running sums of the member reports' cells, per year (a blank cell adds nothing; a
    cell blank in every member stays blank)."""

    def __init__(self) -> None:
        self.sums: dict[int, np.ndarray] = {}
        self.filled: dict[int, np.ndarray] = {}
        self.templates: dict[int, Counter[str]] = {}
        self.columns: list[str] = []

    def add(self, wide: pd.DataFrame) -> None:
        self.columns = [c for c in wide.columns if c.startswith("table")]
        for year, part in wide.groupby("year", dropna=True):
            values = part[self.columns].to_numpy(dtype="float64")
            y = int(year)
            self.sums[y] = self.sums.get(y, 0) + np.nansum(values, axis=0)
            self.filled[y] = self.filled.get(y, 0) + (~np.isnan(values)).sum(axis=0)
            self.templates.setdefault(y, Counter()).update(t for t in part["template"] if t in T.TEMPLATES)

    def values(self, year: int) -> dict[str, float]:
        return {p: float(v) for p, v, n in zip(self.columns, self.sums[year], self.filled[year]) if n}

    def template(self, year: int) -> str | None:
        common = self.templates.get(year, Counter()).most_common(1)
        return common[0][0] if common else None


# --------------------------------------------------------------------------- the workbook


def write_workbook(store: Store, listed: pd.DataFrame, sel: ReportFilter, out: IO[bytes],
                   detail: bool = False) -> WorkbookSummary:
    """Write the data workbook of the reports `listed` (the selection's `Store.reports`);
    `detail`: with the 明细 sheets (one row per cell)."""
    book = Workbook(out)
    layout = book.sheet("统计表", [34, 14, 14] + [11] * (LAYOUT_WIDTH - 3))
    members = member_reports(listed)
    member_ids = set(members["id"].tolist())
    per_report = sel.region is None and len(members) <= MAX_REPORT_BLOCKS
    totals = YearTotals()
    report_blocks: list[LayoutBlock] = []

    report_sheet = book.sheet("报告", [8, 8, 26, 12, 10, 7, 7, 7, 7, 7, 7, 30, 40, 10, 30], freeze_rows=2)
    n_reports = 0
    for wide in frames(store, listed["id"].tolist(), "wide", chunk=REPORT_SLICE):
        if n_reports == 0:
            headings(report_sheet, list(wide.columns), REPORT_HEADINGS)
        for row in python_rows(wide):
            report_sheet.row(row)
        n_reports += len(wide)
        mine = wide[wide["id"].isin(member_ids)]
        totals.add(mine)
        if per_report:
            report_blocks.extend(_report_block(r) for _, r in mine.iterrows())

    n_cells, sheets = _write_long(book, store, listed["id"].tolist()) if detail else (0, [])
    blocks = report_blocks if per_report else _total_blocks(totals, members, sel)
    for block in blocks:
        _write_block(layout, block)
    _write_about(book, sel, listed, members, blocks, n_cells, sheets)
    book.close()
    return WorkbookSummary(n_reports, n_cells, [b.title for b in blocks], book.sheetnames)


def _write_long(book: Workbook, store: Store, ids: list[int]) -> tuple[int, list[str]]:
    """明细 (one row per cell), continued on further sheets at Excel's row limit; rows come
    straight from the cursor (`long_tuples`), a slice of reports at a time."""
    from ..store.queries import LONG_COLUMNS

    at = LONG_COLUMNS.index("path") + 1
    columns = [*LONG_COLUMNS[:at], "label", *LONG_COLUMNS[at:]]
    sheets: list[Sheet] = []
    n = 0
    for row in long_tuples(store, ids):
        if not sheets or sheets[-1].full:
            name = "明细" if not sheets else f"明细{len(sheets) + 1}"
            sheets.append(book.sheet(name, [8, 8, 24, 10, 7, 26, 40, 8, 16, 14, 10, 10, 7, 8, 8, 8, 10, 10],
                                     freeze_rows=2))
            headings(sheets[-1], columns, LONG_HEADINGS)
        sheets[-1].row((*row[:at], cell_name(row[at - 1]), *row[at:]))
        n += 1
    if not sheets:  # no cells at all (only reports that could not be read)
        sheets.append(book.sheet("明细"))
        sheets[-1].line("所选报告没有读出任何单元格。", "subtitle", 6)
    return n, [s.name for s in sheets]


# --------------------------------------------------------------------------- 统计表


def _report_block(row: pd.Series) -> LayoutBlock:
    values = {c: float(v) for c, v in row.items() if c.startswith("table") and pd.notna(v)}
    template = row["template"] if row["template"] in T.TEMPLATES else None
    who = row["agency"] if isinstance(row["agency"], str) else "（未识别机关）"
    year = f"{int(row['year'])}年度" if pd.notna(row["year"]) else ""
    source = row["source_name"] if isinstance(row["source_name"], str) else ""
    return LayoutBlock(f"{who}{year}（报告编号 {int(row['id'])}）", f"来源：{source}" if source else "", template, values)


def _total_blocks(totals: YearTotals, members: pd.DataFrame, sel: ReportFilter) -> list[LayoutBlock]:
    who = (sel.region or "所选报告") + (LEVEL_ZH[sel.level] if sel.level else "")
    out = []
    for year in sorted(totals.sums):
        count = int((members["year"] == year).sum())
        template = totals.template(year)
        note = f"{count} 份报告之和（同一机关同一年度的重复报告只计一次；未读出的单元格不计入）。"
        used = totals.templates[year]
        if template and sum(used.values()) > used[template]:
            note += f"其中 {sum(used.values()) - used[template]} 份报告使用另一种格式，其特有的行未列出。"
        out.append(LayoutBlock(f"{who}{year}年度合计", note, template, totals.values(year)))
    return out


def _write_block(sheet: Sheet, block: LayoutBlock) -> None:
    sheet.line(block.title, "title", LAYOUT_WIDTH)
    if block.note:
        sheet.line(block.note, "subtitle", LAYOUT_WIDTH)
    if block.template is None:
        sheet.line("2019年以前的旧版格式报告没有统一的统计表。", "subtitle", LAYOUT_WIDTH)
        sheet.row([])
        return
    rep = Report(template=block.template)
    fill_tables(rep, list(block.values.items()))
    for grid in report_grids(block.template, rep.table2, rep.table3, rep.table4):
        sheet.row([])
        sheet.line(grid_title(grid), "section", LAYOUT_WIDTH)
        write_grid(sheet, grid, block.values)
    sheet.row([])
    sheet.row([])


# --------------------------------------------------------------------------- 说明


def _write_about(book: Workbook, sel: ReportFilter, listed: pd.DataFrame, members: pd.DataFrame,
                 blocks: list[LayoutBlock], n_cells: int, long_sheets: list[str]) -> None:
    sheet = book.sheet("说明", [16, 90])
    failed = int((listed["status"] != "ok").sum())
    rows: Iterable[tuple[str, str]] = (
        ("导出时间", datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("筛选条件", sel.describe()),
        ("报告", f"{len(listed)} 份（其中 {failed} 份无法解析）；计入合计的 {len(members)} 份"),
        ("工作表 统计表", "按官方格式排列的三张表：" + ("；".join(b.title for b in blocks) or "—")),
        ("工作表 报告", "每份报告一行：基本信息、检查出的错误和警告数、三张表的每个单元格；第二行为列名。"),
        ("工作表 " + "、".join(long_sheets), f"每个单元格一行（共 {n_cells} 行）：数值、原文、在正文中的位置和提取方式；第二行为列名。")
        if long_sheets else ("明细", "未包含每个单元格一行的明细：需要时用 nianbao export --detail 导出（xlsx），"
                                   "或 --shape long 导出 csv、parquet（同样的数据，文件更小、更快）。"),
    )
    sheet.line("政府信息公开工作年度报告数据导出", "title", 2)
    for k, v in rows:
        sheet.row([k, v], ["header", "text"])
