"""Arithmetic: the printed identities (勾稽关系) and value types of tables 二, 三 and 四."""
from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from itertools import chain
from typing import NamedTuple, TypeGuard, cast

from ..formats import templates as T
from ..parsing.extract.tokens import classify
from ..model import STATUS_NOT_EVALUABLE, Finding, Number, Report, cell_path
from ..numbers import is_number, number_text
from . import finding, per_check, rule

COLS = [c.label for c in T.T3_COLUMNS]
TOTAL = T.T3_TOTAL_COLUMN


def template_of(report: Report) -> T.Template:
    return T.TEMPLATES.get(report.template or "2021", T.TEMPLATE_2021)


def row_title(report: Report, key: str) -> str:
    return T.t3_title(key, report.template)


def field(report: Report, row_key: str, field_key: str) -> str:
    return T.t2_field_label(report.template, row_key, field_key)


def _num(v: object) -> TypeGuard[Number]:
    t = type(v)
    if t is int or t is float:  # the common case first: this runs for every cell of every rule
        return True
    return v is not None and isinstance(v, (int, float)) and not isinstance(v, bool)


def _nums(vs: list[Number | None]) -> TypeGuard[list[Number]]:
    return all(_num(v) for v in vs)


class Table3View(NamedTuple):
    """Table 三 as the arithmetic rules read it, built once per check: the rows whose cells
    are all numbers (their identities can be evaluated cell by cell without looking again),
    and the rows holding only non-negative whole numbers (nothing for T3.4 to say)."""

    numeric: frozenset[str]
    whole: frozenset[str]


@per_check
def table3_view(report: Report) -> Table3View:
    cells = list(chain.from_iterable(report.table3.values()))
    if set(map(type, cells)) <= _INT:  # the common case, told apart without a Python loop
        keys = frozenset(report.table3)
        return Table3View(keys, keys if _not_negative(cells) else _whole_rows(report))
    numeric, whole = [], []
    for key, row in report.table3.items():
        if set(map(type, row)) <= _INT:
            numeric.append(key)
            if _not_negative(row):
                whole.append(key)
            continue
        all_numbers = all_whole = True
        for v in row:
            if _num(v):
                if v < 0 or not float(v).is_integer():
                    all_whole = False
            else:
                all_numbers = False
        if all_numbers:
            numeric.append(key)
            if all_whole:
                whole.append(key)
    return Table3View(frozenset(numeric), frozenset(whole))


_INT = frozenset({int})


def _whole_rows(report: Report) -> frozenset[str]:
    """The rows of a table 三 of ints only that hold no negative number."""
    return frozenset(key for key, row in report.table3.items() if _not_negative(row))


def _not_negative(ints: list[Number | None]) -> bool:
    """Whether a list of ints only (the caller knows) holds no negative number."""
    return not ints or min(cast(list[int], ints)) >= 0


def _evaluable(values: list[Number | None], known: bool) -> TypeGuard[list[Number]]:
    """Whether every value is a number; `known`: the numeric view says so already."""
    return known or _nums(values)


class TemplateRows(NamedTuple):
    """The row and field lists of a template the rules walk, worked out once per template."""

    results: tuple[str, ...]  # table 三's rows summed into （七）总计 (rule T3.3)
    table3: tuple[str, ...]  # table 三's row keys
    table2: dict[str, tuple[T.Field, ...]]  # table 二's fields per row


def rows_of(report: Report) -> TemplateRows:
    return _template_rows(template_of(report).id)


@cache
def _template_rows(template_id: str) -> TemplateRows:
    tpl = T.TEMPLATES[template_id]
    return TemplateRows(tpl.results_rows, tpl.table3_keys, tpl.table2_fields())


def _not_evaluable(rule_id: str, what: str, places: list[str], table: str) -> Finding:
    shown = "、".join(places[:6]) + ("等" if len(places) > 6 else "")
    return finding(rule_id, f"{what}无法核验：{shown}有空白或非数字单元格（空白不等于0）。",
                   status=STATUS_NOT_EVALUABLE, table=table, places=places)


# --------------------------------------------------------------------------- table 三


@rule("T3.1", "arithmetic", "error", "表三勾稽关系：一＋二＝三＋四",
      "表三每一列都应满足表头注明的勾稽关系：“本年新收”加“上年结转”之和，等于“本年度办理结果总计”加“结转下年度继续办理”之和。",
      "国办公开办函〔2021〕30号 表三表头注")
def t3_1(report: Report) -> Iterator[Finding]:
    t3 = report.table3
    keys = ("new_received", "carried_over", T.RESULTS_TOTAL_KEY, "carried_forward")
    if not all(k in t3 for k in keys):
        return
    blocked = []
    numeric = table3_view(report).numeric
    every_cell = all(k in numeric for k in keys)  # then no column needs looking at cell by cell
    rows = [t3[k] for k in keys]
    for c in range(T.T3_WIDTH):
        cells = [row[c] for row in rows]
        if not _evaluable(cells, every_cell):
            blocked.append(f"“{COLS[c]}”列")
            continue
        a, b, t, f = cells
        if abs((a + b) - (t + f)) > 1e-9:
            yield finding(
                "T3.1",
                f"表三“{COLS[c]}”列：第一项（{number_text(a)}）加第二项（{number_text(b)}）为{number_text(a + b)}，"
                f"但第三项（七）总计（{number_text(t)}）加第四项（{number_text(f)}）为{number_text(t + f)}，两者应相等。",
                expected=a + b, actual=t + f, table="table3", column=T.T3_COLUMNS[c].key,
                cells=[cell_path("table3", k, c) for k in keys],
            )
    if blocked:
        yield _not_evaluable("T3.1", "表三勾稽关系（一＋二＝三＋四）", blocked, "table3")


@rule("T3.2", "arithmetic", "error", "表三每行总计等于各类申请人之和",
      "表三每一行的“总计”应等于自然人、商业企业、科研机构、社会公益组织、法律服务机构、其他六列之和。")
def t3_2(report: Report) -> Iterator[Finding]:
    blocked = []
    numeric = table3_view(report).numeric
    for key, row in report.table3.items():
        if not _evaluable(row, key in numeric):
            blocked.append(row_title(report, key))
            continue
        parts, total = row[:TOTAL], row[TOTAL]
        if abs(sum(parts) - total) > 1e-9:
            yield finding(
                "T3.2",
                f"表三“{row_title(report, key)}”一行：各类申请人合计为{number_text(sum(parts))}，但“总计”填写为{number_text(total)}。",
                expected=sum(parts), actual=total, table="table3", row=key, column="total",
                cells=[cell_path("table3", key, c) for c in range(T.T3_WIDTH)],
            )
    if blocked:
        yield _not_evaluable("T3.2", "表三行合计", blocked, "table3")


@rule("T3.3", "arithmetic", "error", "表三（七）总计等于（一）至（六）之和",
      "表三“（七）总计”每一列应等于予以公开、部分公开、不予公开、无法提供、不予处理、其他处理各行之和。")
def t3_3(report: Report) -> Iterator[Finding]:
    t3 = report.table3
    if T.RESULTS_TOTAL_KEY not in t3:
        return
    single_other = "other_other" in t3 and "other_no_correction" not in t3 and "other_no_fee" not in t3
    expected = [k for k in rows_of(report).results
                if not (single_other and k in ("other_no_correction", "other_no_fee"))]
    missing = [k for k in expected if k not in t3]
    if missing:
        yield _not_evaluable("T3.3", "表三办理结果总计", [row_title(report, k) for k in missing], "table3")
        return
    rows = expected
    blocked = []
    numeric = table3_view(report).numeric
    every_cell = all(k in numeric for k in rows) and T.RESULTS_TOTAL_KEY in numeric
    summed = [t3[k] for k in rows] + [t3[T.RESULTS_TOTAL_KEY]]
    for c in range(T.T3_WIDTH):
        cells = [row[c] for row in summed]
        if not _evaluable(cells, every_cell):
            blocked.append(f"“{COLS[c]}”列")
            continue
        *vals, total = cells
        if abs(sum(vals) - total) > 1e-9:
            yield finding(
                "T3.3",
                f"表三“{COLS[c]}”列：（一）至（六）各项办理结果之和为{number_text(sum(vals))}，但（七）总计填写为{number_text(total)}。",
                expected=sum(vals), actual=total, table="table3", row=T.RESULTS_TOTAL_KEY, column=T.T3_COLUMNS[c].key,
                cells=[cell_path("table3", k, c) for k in rows + [T.RESULTS_TOTAL_KEY]],
            )
    if blocked:
        yield _not_evaluable("T3.3", "表三办理结果总计", blocked, "table3")


@rule("T3.4", "arithmetic", "error", "表三单元格为非负整数",
      "表三统计的是申请件数，每个单元格都应是不小于0的整数，不能有小数或负数。")
def t3_4(report: Report) -> Iterator[Finding]:
    whole = table3_view(report).whole
    for key, row in report.table3.items():
        if key in whole:
            continue
        for c, v in enumerate(row):
            if is_number(v) and (v < 0 or not float(v).is_integer()):
                yield finding("T3.4", f"表三“{row_title(report, key)}”的“{COLS[c]}”为{number_text(v)}，申请件数应为非负整数。",
                              actual=v, table="table3", row=key, column=T.T3_COLUMNS[c].key,
                              cells=[cell_path("table3", key, c)])


@rule("T3.5", "arithmetic", "error", "表三自加的小计等于其明细之和",
      "报告在官方格式之外自行增加了小计行（如“不予公开”小计）时，小计应等于其下各行之和。官方格式不要求小计行。")
def t3_5(report: Report) -> Iterator[Finding]:
    for extra in report.extras.get("table3_rows", []):
        kind = extra.get("kind", "")
        if not kind.startswith("subtotal:"):
            continue
        group = kind.split(":", 1)[1]
        children = [r.key for r in template_of(report).table3_rows if _in(r.group, group) and r.key in report.table3]
        values = extra.get("values") or []
        if len(values) != T.T3_WIDTH or not children:
            continue
        for c in range(T.T3_WIDTH):
            parts = [report.table3[k][c] for k in children]
            if values[c] is None or not _nums(parts):
                continue
            if abs(sum(parts) - values[c]) > 1e-9:
                yield finding("T3.5", f"表三自加的“{extra['label']}”小计行“{COLS[c]}”列为{number_text(values[c])}，其明细之和为{number_text(sum(parts))}。",
                              expected=sum(parts), actual=values[c], table="table3", line=extra.get("line"))


def _in(group: str | None, ancestor: str) -> bool:
    while group:
        if group == ancestor:
            return True
        group = T.T3_GROUPS[group].parent
    return False


@rule("T3.7", "arithmetic", "warning", "结转下年度的数量不合常理",
      "“结转下年度继续办理”不应超过本年新收与上年结转之和；答复期限最长为20个工作日再延长20个工作日，结转数量超过本年新收的四分之一通常不合常理，请核实。",
      "《政府信息公开条例》第三十三条")
def t3_7(report: Report) -> Iterator[Finding]:
    t3 = report.table3
    if not all(k in t3 for k in ("new_received", "carried_over", "carried_forward")):
        return
    a, b, f = t3["new_received"][TOTAL], t3["carried_over"][TOTAL], t3["carried_forward"][TOTAL]
    if not (_num(a) and _num(b) and _num(f)):
        return
    if f > a + b:
        yield finding("T3.7", f"{row_title(report, 'carried_forward')}（{number_text(f)}）超过了第一项与第二项之和（{number_text(a + b)}）。",
                      expected=a + b, actual=f, table="table3", row="carried_forward", column="total",
                      cells=[cell_path("table3", "carried_forward", TOTAL)])
    elif a >= 8 and f > 0.25 * a:
        yield finding("T3.7", f"{row_title(report, 'carried_forward')}有{number_text(f)}件，超过第一项本年新收（{number_text(a)}件）的四分之一，按法定答复期限不合常理，请核实。",
                      actual=f, table="table3", row="carried_forward", column="total",
                      cells=[cell_path("table3", "carried_forward", TOTAL)])


@rule("T3.8", "arithmetic", "warning", "上年结转的申请本年应已办结",
      "上年结转的申请应在本年内答复完毕；办理结果总计少于上年结转数时，说明有上年的申请至今未办结，请核实。")
def t3_8(report: Report) -> Iterator[Finding]:
    t3 = report.table3
    if "carried_over" not in t3 or T.RESULTS_TOTAL_KEY not in t3:
        return
    b, t = t3["carried_over"][TOTAL], t3[T.RESULTS_TOTAL_KEY][TOTAL]
    if is_number(b) and is_number(t) and b > 0 and t < b:
        yield finding("T3.8", f"上年结转{number_text(b)}件，但本年办理结果总计只有{number_text(t)}件，上年的申请未全部办结。",
                      expected=b, actual=t, table="table3", row=T.RESULTS_TOTAL_KEY, column="total",
                      cells=[cell_path("table3", "carried_over", TOTAL), cell_path("table3", T.RESULTS_TOTAL_KEY, TOTAL)])


@rule("T3.11", "arithmetic", "info", "空白单元格按空值记录，不视为0",
      "表三某行留有空白单元格而其他单元格有数值时，空白按空值记录（不当作0），该行的合计关系无法核验。建议没有数据的单元格填写0。")
def t3_11(report: Report) -> Iterator[Finding]:
    numeric = table3_view(report).numeric
    for key, row in report.table3.items():
        if key in numeric:  # no blank cell
            continue
        blanks = [c for c, v in enumerate(row) if v is None and report.provenance.get(cell_path("table3", key, c)) is not None
                  and report.provenance[cell_path("table3", key, c)].method not in ("missing", "arithmetic")]
        # (null with `arithmetic` provenance: glued digits no split settles, reported as N8, not a blank)
        if blanks and any(is_number(v) for v in row):
            names = "、".join(f"“{COLS[c]}”" for c in blanks)
            yield finding("T3.11", f"表三“{row_title(report, key)}”一行的{names}为空白，已按空值记录。",
                          table="table3", row=key, cells=[cell_path("table3", key, c) for c in blanks])


# --------------------------------------------------------------------------- table 二


@per_check
def _t2_fields(report: Report) -> list[tuple[str, T.Field, object]]:
    """(row, field, value) of every cell of table 二 the template knows, in print order."""
    fields = rows_of(report).table2
    return [(row_key, fld, cells[fld.key]) for row_key, cells in report.table2.items()
            for fld in fields.get(row_key, ()) if fld.key in cells]


def t2_name(report: Report, row_key: str, fld: T.Field | None = None) -> str:
    try:
        row = template_of(report).table2_row(row_key).label
    except KeyError:
        row = row_key
    return f"{row}“{fld.label}”" if fld else row


@rule("T2.1", "arithmetic", "error", "表二件数、决定数量为非负整数",
      "表二中的制发件数、废止件数、现行有效件数和处理决定数量都是件数，应为不小于0的整数（2019年格式的“本年增/减”可为负数）。")
def t2_1(report: Report) -> Iterator[Finding]:
    for row_key, fld, v in _t2_fields(report):
        if fld.kind == "money" or not is_number(v):
            continue
        if not float(v).is_integer() or (fld.kind == "count" and v < 0):
            yield finding("T2.1", f"表二{t2_name(report, row_key, fld)}为{number_text(v)}，应为非负整数。",
                          actual=v, table="table2", row=row_key, column=fld.key, cells=[cell_path("table2", row_key, fld.key)])


@rule("T2.2", "arithmetic", "warning", "表二收费金额以万元为单位",
      "行政事业性收费金额应以“万元”为单位填写数字，单位只写在表头。单元格写成“元”的已除以10000换算；金额不应为负数。")
def t2_2(report: Report) -> Iterator[Finding]:
    for row_key, fld, v in _t2_fields(report):
        if fld.kind != "money":
            continue
        path = cell_path("table2", row_key, fld.key)
        if is_number(v) and v < 0:
            yield finding("T2.2", f"表二{t2_name(report, row_key, fld)}为负数（{number_text(v)}）。", severity="error",
                          actual=v, table="table2", row=row_key, column=fld.key, cells=[path])
        prov = report.provenance.get(path)
        if prov is None or not prov.raw:
            continue
        unit = classify(prov.raw)[2]
        if unit == "元":
            yield finding("T2.2", f"表二{t2_name(report, row_key, fld)}写作“{prov.raw}”，以元为单位，已换算为{number_text(v)}万元，请按万元填写。",
                          actual=prov.raw, expected=v, table="table2", row=row_key, column=fld.key, cells=[path])
        elif unit == "万元":
            yield finding("T2.2", f"表二{t2_name(report, row_key, fld)}单元格内写了单位（“{prov.raw}”），单位应只在表头注明。",
                          severity="info", actual=prov.raw, table="table2", row=row_key, column=fld.key, cells=[path])


def _not_more_than(report: Report, rule_id: str, template: str, small: str, big: str, verb: str) -> Iterator[Finding]:
    """Table 二, regulations and normative documents: field `small` must not exceed `big`."""
    if report.template != template:
        return
    for row_key in ("regulations", "normative_documents"):
        cells = report.table2.get(row_key) or {}
        a, b = cells.get(small), cells.get(big)
        if is_number(a) and is_number(b) and a > b:
            yield finding(rule_id, f"表二{t2_name(report, row_key)}{field(report, row_key, small)}（{number_text(a)}）"
                                   f"{verb}{field(report, row_key, big)}（{number_text(b)}），请核实。",
                          expected=b, actual=a, table="table2", row=row_key, column=small,
                          cells=[cell_path("table2", row_key, small), cell_path("table2", row_key, big)])


@rule("T2.4", "arithmetic", "warning", "现行有效件数不少于本年制发件数",
      "本年制发的规章、行政规范性文件一般仍然有效，“现行有效件数”通常不应少于“本年制发件数”（同年制发又废止的除外）。")
def t2_4(report: Report) -> Iterator[Finding]:
    return _not_more_than(report, "T2.4", "2021", "issued", "in_force", "超过了")


@rule("T2.6", "arithmetic", "warning", "本年新公开数量不超过对外公开总数量（2019年格式）",
      "2019年格式表二中，“本年新公开数量”是“对外公开总数量”的一部分，不应超过后者。")
def t2_6(report: Report) -> Iterator[Finding]:
    return _not_more_than(report, "T2.6", "2019", "new_published", "total_public", "超过了")


@rule("T2.7", "arithmetic", "error", "上一年项目数量加本年增减不为负（2019年格式）",
      "2019年格式表二中，“上一年项目数量”加上“本年增/减”是本年的项目数量，不能为负数。")
def t2_7(report: Report) -> Iterator[Finding]:
    if report.template != "2019":
        return
    for row_key, cells in report.table2.items():
        prev, change = cells.get("prev_count"), cells.get("change")
        if is_number(prev) and is_number(change) and prev + change < 0:
            yield finding("T2.7", f"表二{t2_name(report, row_key)}{field(report, row_key, 'prev_count')}（{number_text(prev)}）"
                                  f"加{field(report, row_key, 'change')}（{number_text(change)}）为负数。",
                          actual=prev + change, table="table2", row=row_key, column="change",
                          cells=[cell_path("table2", row_key, "prev_count"), cell_path("table2", row_key, "change")])


# --------------------------------------------------------------------------- table 四

T4_NAMES = {k: label for k, label, _ in T.T4_GROUPS}
T4_FIELD_NAMES = {f.key: f.label for f in T.T4_FIELDS}
_T4_PARTS = tuple(f.key for f in T.T4_FIELDS if f.key != T.T4_TOTAL_FIELD)


@rule("T4.1", "arithmetic", "error", "表四总计等于维持、纠正、其他、尚未审结之和",
      "表四中行政复议、未经复议直接起诉、复议后起诉三组，每组的“总计”应等于结果维持、结果纠正、其他结果、尚未审结四项之和。")
def t4_1(report: Report) -> Iterator[Finding]:
    blocked = []
    for group, cells in report.table4.items():
        parts = [cells.get(k) for k in _T4_PARTS]
        total = cells.get(T.T4_TOTAL_FIELD)
        if not (_nums(parts) and _num(total)):
            blocked.append(T4_NAMES.get(group, group))
            continue
        if abs(sum(parts) - total) > 1e-9:
            names = "、".join(f.label for f in T.T4_FIELDS if f.key != T.T4_TOTAL_FIELD)
            yield finding("T4.1", f"表四“{T4_NAMES.get(group, group)}”：{names}之和为{number_text(sum(parts))}，但总计填写为{number_text(total)}。",
                          expected=sum(parts), actual=total, table="table4", row=group, column="total",
                          cells=[cell_path("table4", group, f.key) for f in T.T4_FIELDS])
    if blocked:
        yield _not_evaluable("T4.1", "表四合计", blocked, "table4")


@rule("T4.2", "arithmetic", "error", "表四单元格为非负整数",
      "表四统计的是行政复议和行政诉讼的件数，15个单元格都应是不小于0的整数。")
def t4_2(report: Report) -> Iterator[Finding]:
    for group, cells in report.table4.items():
        for fld, v in cells.items():
            if is_number(v) and (v < 0 or not float(v).is_integer()):
                yield finding("T4.2", f"表四“{T4_NAMES.get(group, group)}·{T4_FIELD_NAMES.get(fld, fld)}”为{number_text(v)}，应为非负整数。",
                              actual=v, table="table4", row=group, column=fld, cells=[cell_path("table4", group, fld)])
