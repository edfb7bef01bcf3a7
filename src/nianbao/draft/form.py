"""The XLSX 填报表: the official tables as an Excel form, and reading a filled one back.

Layout (one sheet per table, laid out from the `render.layout` grids, so the form has
the official merged headers, the 勾稽 note and the row labels of the year's format):

  基本信息   agency and region to fill in; year and format fixed; how to fill the form;
             a live summary of the table-三 checks
  表二/三/四  the table; white cells take numbers (with validation: non-negative whole
             numbers, decimals in 万元 for money, signed whole numbers for 本年增/减);
             grey cells are formulas (row totals, （七）总计, the totals of table 四);
             under table 三 a row shows, column by column, whether 一＋二＝三＋四 holds
  (hidden)   the form's format and year, so a filled form is read with the right layout

Labels, headers and formulas are locked (sheet protection without a password); only
the input cells can be edited.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ..formats import templates as T
from ..errors import UnreadableInput
from ..model import Number, cell_path
from ..render.layout import Grid, table2_grid, table3_grid, table4_grid
from .cells import CellSpec, cell_map
from .record import template_id_for

FORM_VERSION = 1
META_SHEET = "nianbao"
COVER_SHEET = "基本信息"
GRID_TOP = 4  # first row of a table's grid on its sheet
COVER_FIELDS = (("agency", "机关名称", 3), ("region", "所属地区", 4))  # (key, label, row)
COVER_YEAR_ROW, COVER_FORMAT_ROW, COVER_CHECK_ROW, COVER_HELP_ROW = 5, 6, 8, 10
CHECK_LABEL = "校验：第一项＋第二项＝第三项＋第四项"
OK_MARK, BAD_MARK = "✔", "✘"
HELP = (
    "填写说明",
    "1. 只在白色单元格中填写数字；灰色单元格是自动计算的合计，不需要填写。",
    "2. 没有发生的事项填 0 或留空（生成报告时空白按 0 处理）。",
    "3. 件数、决定数量、申请数量填不小于 0 的整数；收费金额以万元为单位，可以有小数。",
    "4. 表三最下面一行逐列检查勾稽关系，出现 ✘ 时请核对该列的数字。",
    "5. 填好后运行：nianbao draft 本文件.xlsx --out 年度报告.docx",
)
SECTION_OF = {"table2": "proactive", "table3": "requests", "table4": "appeals"}
COLUMN_WIDTHS: dict[str, list[int] | list[float]] = {"table2": [24, 16, 16, 16], "table3": [7, 9, 34] + [9] * 7, "table4": [8.5] * 15}
CHARS_PER_WIDTH = 0.45  # CJK characters per unit of Excel column width, with room to spare


@dataclass
class SheetLayout:
    table: str  # table2 | table3 | table4
    name: str  # sheet title: 表二 …
    grid: Grid
    cells: dict[str, str] = field(default_factory=dict)  # value path -> coordinate ("D7")
    labels: dict[str, str] = field(default_factory=dict)  # coordinate -> printed label / header text
    check_row: int | None = None  # table 三: the row of live checks


@dataclass
class FormData:
    """What a filled form holds."""

    year: int
    template: str
    agency: str | None
    region: str | None
    cells: dict[str, Any]  # path -> value as typed (None for blank and for formulas)


def _col(c: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(c)


def sheet_layouts(template_id: str) -> list[SheetLayout]:
    """Where every cell of the three tables sits in the form (the writer and the reader
    both use this)."""
    tpl = T.TEMPLATES[template_id]
    grids = (table2_grid(tpl, None, only_present=False), table3_grid(tpl), table4_grid())
    out = []
    for grid in grids:
        sec = T.SECTION_BY_KEY[SECTION_OF[grid.name]]
        lay = SheetLayout(grid.name, f"表{sec.number}", grid)
        for r, row in enumerate(grid.rows):
            for c, cell in row:
                coord = f"{_col(c + 1)}{GRID_TOP + r}"
                if cell.path:
                    lay.cells[cell.path] = coord
                else:
                    lay.labels[coord] = cell.text
        if grid.name == "table3":
            lay.check_row = GRID_TOP + len(grid.rows)
        out.append(lay)
    return out


# --------------------------------------------------------------------------- writing


def _sum_formula(coords: list[str]) -> str:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    parsed = [coordinate_from_string(c) for c in coords]
    cols = [column_index_from_string(col) for col, _ in parsed]
    rows = [row for _, row in parsed]
    if len(set(rows)) == 1 and sorted(cols) == list(range(min(cols), min(cols) + len(cols))):
        return f"=SUM({_col(min(cols))}{rows[0]}:{_col(max(cols))}{rows[0]})"
    if len(set(cols)) == 1 and sorted(rows) == list(range(min(rows), min(rows) + len(rows))):
        return f"=SUM({_col(cols[0])}{min(rows)}:{_col(cols[0])}{max(rows)})"
    return "=SUM(" + ",".join(coords) + ")"


class _Styles:
    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.font = Font(name="仿宋_GB2312", size=11)
        self.bold = Font(name="仿宋_GB2312", size=11, bold=True)
        self.title = Font(name="黑体", size=14)
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.left = Alignment(horizontal="left", vertical="center", wrap_text=True)
        self.header_fill = PatternFill("solid", fgColor="EDEDED")
        self.formula_fill = PatternFill("solid", fgColor="D9D9D9")
        self.input_fill = PatternFill("solid", fgColor="FFFFFF")
        self.bad_fill = PatternFill("solid", fgColor="F4B6B6")
        self.unlocked = Protection(locked=False)


def _validations(ws) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from openpyxl.worksheet.datavalidation import DataValidation

    def make(kind: str, **kw: Any) -> DataValidation:
        dv = DataValidation(type=kind, allow_blank=True, showErrorMessage=True, errorTitle="填写有误", **kw)
        ws.add_data_validation(dv)
        return dv

    return {
        "count": make("whole", operator="greaterThanOrEqual", formula1="0", error="请填写不小于0的整数。"),
        "money": make("decimal", operator="greaterThanOrEqual", formula1="0", error="请填写以万元为单位、不小于0的金额。"),
        "signed": make("whole", operator="between", formula1="-999999999", formula2="999999999",
                       error="请填写整数（减少时填负数）。"),
    }


def _protect(ws) -> None:  # type: ignore[no-untyped-def]
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # the clerk may still widen columns and rows
    ws.protection.formatRows = False


def _write_grid(ws, lay: SheetLayout, specs: dict[str, CellSpec], values: dict[str, Number], st: _Styles) -> None:  # type: ignore[no-untyped-def]
    grid = lay.grid
    dv = _validations(ws)
    width = grid.width
    widths = COLUMN_WIDTHS.get(grid.name, [10] * width)
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[_col(c)].width = w
    sec = T.SECTION_BY_KEY[SECTION_OF[grid.name]]
    ws.cell(1, 1, sec.title).font = st.title
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, "白色单元格填写数字，灰色单元格自动计算。").font = st.font
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    line_heights: dict[int, float] = {}
    for r, row in enumerate(grid.rows):
        excel_row = GRID_TOP + r
        for c, cell in row:
            target = ws.cell(excel_row, c + 1)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    ws.cell(excel_row + dr, c + 1 + dc).border = st.border
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(start_row=excel_row, start_column=c + 1,
                               end_row=excel_row + cell.rowspan - 1, end_column=c + cell.colspan)
            if cell.path is None:
                target.value = cell.text
                target.font = st.bold if cell.kind == "item" else st.font
                target.alignment = st.left if cell.kind == "label" else st.center
                target.fill = st.header_fill
                if cell.rowspan == 1:
                    span_width = sum(widths[c : c + cell.colspan]) * CHARS_PER_WIDTH
                    lines = -(-len(cell.text) // max(1, int(span_width)))
                    line_heights[excel_row] = max(line_heights.get(excel_row, 1), lines)
                continue
            spec = specs[cell.path]
            target.alignment = st.center
            target.font = st.font
            if spec.computed:
                target.value = _sum_formula([lay.cells[p] for p in spec.parts])
                target.fill = st.formula_fill
            else:
                target.value = values.get(cell.path)
                target.fill = st.input_fill
                target.protection = st.unlocked
                dv[spec.kind].add(target.coordinate)
    for excel_row, height in line_heights.items():
        ws.row_dimensions[excel_row].height = max(20, 15 * height)
    if lay.check_row:
        _write_checks(ws, lay, st)
    _protect(ws)
    _fit_to_width(ws, "landscape" if grid.name == "table4" else "portrait")


def _fit_to_width(ws, orientation: str) -> None:  # type: ignore[no-untyped-def]
    """Print on A4, one page wide."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_checks(ws, lay: SheetLayout, st: _Styles) -> None:  # type: ignore[no-untyped-def]
    """Under table 三: for each column, whether 一＋二＝三＋四 (rule T3.1) holds, live."""
    from openpyxl.formatting.rule import FormulaRule

    row = lay.check_row
    assert row is not None
    labels = 3
    ws.cell(row, 1, CHECK_LABEL).font = st.bold
    ws.cell(row, 1).alignment = st.left
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=labels)
    ws.row_dimensions[row].height = 30
    for c in range(T.T3_WIDTH):
        a, b, t, f = (lay.cells[cell_path("table3", k, c)]
                      for k in ("new_received", "carried_over", T.RESULTS_TOTAL_KEY, "carried_forward"))
        diff = f"N({a})+N({b})-N({t})-N({f})"
        target = ws.cell(row, labels + 1 + c)
        target.value = f'=IF({diff}=0,"{OK_MARK}","{BAD_MARK}"&TEXT({diff},"+0;-0"))'
        target.alignment = st.center
        target.font = st.bold
        target.border = st.border
    first, last = _col(labels + 1), _col(labels + T.T3_WIDTH)
    ws.conditional_formatting.add(f"{first}{row}:{last}{row}",
                                  FormulaRule(formula=[f'LEFT({first}{row},1)="{BAD_MARK}"'], fill=st.bad_fill))


def _write_cover(ws, template_id: str, year: int, agency: str | None, region: str | None,  # type: ignore[no-untyped-def]
                 check: tuple[str, str] | None, st: _Styles) -> None:
    tpl = T.TEMPLATES[template_id]
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 60
    ws.cell(1, 1, f"{year}年政府信息公开工作年度报告填报表").font = st.title
    ws.merge_cells("A1:B1")
    for key, label, row in COVER_FIELDS:
        ws.cell(row, 1, label).font = st.font
        cell = ws.cell(row, 2, agency if key == "agency" else region)
        cell.protection = st.unlocked
        cell.border = st.border
        cell.font = st.font
    ws.cell(COVER_YEAR_ROW, 1, "报告年度").font = st.font
    ws.cell(COVER_YEAR_ROW, 2, year).alignment = st.left
    ws.cell(COVER_YEAR_ROW, 2).font = st.font
    ws.cell(COVER_FORMAT_ROW, 1, "报告格式").font = st.font
    ws.cell(COVER_FORMAT_ROW, 2, f"{tpl.notice}（{tpl.format_name}）").font = st.font
    if check:
        sheet, cells = check
        ws.cell(COVER_CHECK_ROW, 1, "表三校验").font = st.font
        count = f"COUNTIF('{sheet}'!{cells},\"{BAD_MARK}*\")"
        ws.cell(COVER_CHECK_ROW, 2, f'=IF({count}=0,"{OK_MARK} 各列勾稽关系相符","{BAD_MARK} 有"&{count}&"列勾稽关系不符，请核对表三")')
        ws.cell(COVER_CHECK_ROW, 2).font = st.bold
        from openpyxl.formatting.rule import FormulaRule

        ws.conditional_formatting.add(f"B{COVER_CHECK_ROW}", FormulaRule(
            formula=[f'LEFT(B{COVER_CHECK_ROW},1)="{BAD_MARK}"'], fill=st.bad_fill))
    for i, text in enumerate(HELP):
        cell = ws.cell(COVER_HELP_ROW + i, 1, text)
        cell.font = st.bold if i == 0 else st.font
        ws.merge_cells(start_row=COVER_HELP_ROW + i, start_column=1, end_row=COVER_HELP_ROW + i, end_column=2)
    _protect(ws)
    _fit_to_width(ws, "portrait")


def write_form(year: int, agency: str | None = None, region: str | None = None,
               values: dict[str, Number] | None = None, template: str | None = None) -> bytes:
    """The 填报表 of `year` as XLSX bytes; `values` pre-fills input cells (path -> number)."""
    from openpyxl import Workbook
    from openpyxl.workbook.properties import CalcProperties

    tid = template_id_for(year, template)
    specs = cell_map(tid)
    st = _Styles()
    wb = Workbook()
    cover = wb.active
    cover.title = COVER_SHEET
    layouts = sheet_layouts(tid)
    check = None
    for lay in layouts:
        ws = wb.create_sheet(lay.name)
        _write_grid(ws, lay, specs, values or {}, st)
        if lay.check_row:
            check = (lay.name, f"{_col(4)}{lay.check_row}:{_col(3 + T.T3_WIDTH)}{lay.check_row}")
    _write_cover(cover, tid, year, agency, region, check, st)
    meta = wb.create_sheet(META_SHEET)
    for r, (key, value) in enumerate((("form_version", FORM_VERSION), ("template", tid), ("year", year)), start=1):
        meta.cell(r, 1, key)
        meta.cell(r, 2, value)
    meta.sheet_state = "veryHidden"
    _protect(meta)
    wb.calculation = CalcProperties(fullCalcOnLoad=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- reading


def _not_a_form(detail_zh: str, detail_en: str) -> UnreadableInput:
    return UnreadableInput(f"这不是 nianbao 生成的填报表：{detail_zh}。请用 nianbao template 生成填报表后填写。",
                           f"Not a nianbao form: {detail_en}. Create one with `nianbao template`.")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def read_form(data: bytes) -> FormData:
    """The numbers and details of a filled 填报表 (formula cells read as blank, to be
    computed; a total typed over a formula is kept as typed)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise UnreadableInput("无法打开这个 Excel 文件，文件可能已损坏。",
                              f"The Excel file could not be opened ({type(exc).__name__}).") from None
    if META_SHEET not in wb.sheetnames:
        raise _not_a_form("缺少格式信息", "the format information is missing")
    meta = {str(r[0].value): r[1].value for r in wb[META_SHEET].iter_rows(min_row=1, max_row=10, max_col=2) if r[0].value}
    try:
        year, tid = int(meta["year"]), str(meta["template"])
    except (KeyError, TypeError, ValueError):
        raise _not_a_form("格式信息不完整", "the format information is incomplete") from None
    if tid not in T.TEMPLATES:
        raise _not_a_form(f"未知的格式“{tid}”", f"unknown format {tid!r}")
    cover = wb[COVER_SHEET] if COVER_SHEET in wb.sheetnames else None
    details = {key: _text(cover.cell(row, 2).value) if cover else None for key, _, row in COVER_FIELDS}
    specs = cell_map(tid)
    cells: dict[str, Any] = {}
    for lay in sheet_layouts(tid):
        if lay.name not in wb.sheetnames:
            raise _not_a_form(f"缺少工作表“{lay.name}”", f"sheet {lay.name!r} is missing")
        ws = wb[lay.name]
        changed = [coord for coord, text in lay.labels.items() if _text(ws[coord].value) != _text(text)]
        if changed:
            raise UnreadableInput(f"填报表“{lay.name}”的表头或行标签被改动（{'、'.join(changed[:5])}），无法确定数字的位置。"
                                  "请在新生成的填报表中重新填写。",
                                  f"Labels of sheet {lay.name!r} were changed ({', '.join(changed[:5])}); "
                                  "the numbers cannot be located. Fill in a fresh form.")
        for path, coord in lay.cells.items():
            value = ws[coord].value
            if isinstance(value, str) and value.startswith("=") and specs[path].computed:
                value = None
            cells[path] = value
    return FormData(year=year, template=tid, agency=details["agency"], region=details["region"], cells=cells)
