"""Table 二 (proactive disclosure): rows by label, fields by the template's column order."""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from ...formats import templates as T
from ...model import Finding, LineMeta, cell_path
from ...rules import finding
from ...formats.vocab import LabelRef, Match, table2_index
from .common import (cell_note, RowBuild, TableResult, alignment, dash_note, delimited, dropped_tail, grid_values, pad_run,
                     placed, provenance, trusted, typo_note, spilled, unlabelled)
from .tokens import BLANK, DASH, MAX_CACHED, NUMBER, TEXT, Token

TABLE = "table2"
_LABEL = re.compile(r"^(?:[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[.、])?[\u4e00-\u9fff]{2,20}$")
_BRACKETED_TAIL = re.compile(r"[(（].*$")


class _Roles(NamedTuple):
    """What a text cell is to table 二 under a template (labels recur in every report: cached)."""

    match: Match | None
    row: LabelRef | None  # the row it labels (the template's own first)
    extra: bool  # unknown, but shaped like a row label: a row the template lacks


def _roles(text: str, template_id: str) -> _Roles:
    return _cached_roles(text, template_id) if len(text) <= MAX_CACHED else _cached_roles.__wrapped__(text, template_id)


@lru_cache(maxsize=4096)
def _cached_roles(text: str, template_id: str) -> _Roles:
    match = table2_index().match(text)
    if match is None:
        return _Roles(None, None, _LABEL.match(_BRACKETED_TAIL.sub("", text)) is not None)
    refs = [r for r in match.refs if r.kind == "row"]
    ref = next((r for r in refs if template_id in r.templates), refs[0]) if refs else None
    return _Roles(match, ref, False)


def _place_unlabelled(rows: list[RowBuild], template_id: str) -> list[Finding]:
    """A row printed without its label takes the one official row its neighbours leave for it
    (the template's order); otherwise it stays out of the table, with a finding."""
    order = list(T.TEMPLATES[template_id].table2_fields())
    notes = []
    for i, row in enumerate(rows):
        if row.kind != "unlabelled":
            continue
        seen = {r.key for r in rows if r.kind == "row"}
        prev = next((r.key for r in reversed(rows[:i]) if r.kind == "row"), None)
        nxt = next((r.key for r in rows[i + 1:] if r.kind == "row"), None)
        lo = order.index(prev) + 1 if prev in order else 0
        hi = order.index(nxt) if nxt in order else len(order)
        free = [k for k in order[lo:hi] if k not in seen]
        line = row.label.line + 1
        width = len(T.TEMPLATES[template_id].table2_fields()[free[0]]) if len(free) == 1 else 0
        if width and len(row.values) > width and row.values[0].kind == BLANK and row.values[0].line != row.values[1].line:
            del row.values[0]  # (rows opened by a lone pipe: the opener, then the blank label)
        if len(free) == 1 and (prev is not None or nxt is not None) and len(row.trimmed()[0]) <= width:
            row.key, row.kind = free[0], "row"
            label = T.TEMPLATES[template_id].table2_row(free[0]).label
            notes.append(finding("N1", f"表二第{line}行没有印出行标签，按其在官方格式中的位置读作“{label}”。", expected=label,
                                 actual="", table=TABLE, row=free[0], line=line))
        else:
            notes.append(finding("N4", f"表二第{line}行没有印出行标签，无法确定是哪一行，其数值未计入任何官方行，请人工核对。",
                                 actual=[t.text for t in row.values], table=TABLE, line=line))
    return notes


def assemble_rows(tokens: list[Token], template_id: str) -> tuple[list[RowBuild], list[Finding]]:
    rows: list[RowBuild] = []
    notes: list[Finding] = []
    current: RowBuild | None = None
    widths = {k: len(v) for k, v in T.TEMPLATES[template_id].table2_fields().items()}
    any_unlabelled = False
    for i, tok in enumerate(tokens):
        if tok.kind != TEXT:
            if tok.kind == BLANK and unlabelled(tokens, i, current, widths.get(current.key or "", 99) if current else 0):
                if current is not None:
                    rows.append(current)
                current = RowBuild(tok, None, None, "unlabelled")
                any_unlabelled = True
            elif current is not None and current.kind == "row" and spilled(tokens, i, current,
                                                                           widths.get(current.key or "", 99)):
                rows.append(current)
                current = RowBuild(tok._replace(text="", kind=BLANK, value=None, unit=None, end=tok.start), None, None,
                                   "unlabelled", [tok])
                any_unlabelled = True
            elif current is not None:
                current.values.append(tok)
            continue
        if cell_note(current, tok):
            continue
        if tok.text in ("万元", "元") and current is not None:
            continue
        match, ref, extra = _roles(tok.text, template_id)
        if current is not None:
            rows.append(current.closed_by(tok))
            current = None
        if match is None:
            if extra:  # a row the template lacks (行政检查 under 行政许可)
                current = RowBuild(tok, None, None, "extra")
            continue
        if match.quality == "fuzzy":
            notes.append(typo_note(TABLE, tok, match))
        if ref is not None:
            current = RowBuild(tok, match, ref.key, "row")
    if current is not None:
        rows.append(current)
    if any_unlabelled:
        notes += _place_unlabelled(rows, template_id)
    return rows, notes


def _unplaced_note(row: RowBuild, printed: list[Token], width: int) -> Finding:
    shown = "、".join(t.text for t in printed)
    return finding("N3", f"表二“{row.label.text}”一行只印出{len(printed)}个数值（{shown}），少于{width}列，"
                   "无法确定各属哪一列，已留空，请人工核对。", actual=[t.text for t in printed], table=TABLE, row=row.key,
                   line=row.label.line + 1)


def _wrapped_before_gap(rows: list[RowBuild], order: list[str]) -> set[int]:
    """Rows of text without pipes or tabs (a flip-book page) whose numbers are all on lines
    after the label's ("规章" / "0 0 269"), then an official row that is not the next: the
    numbers may be this row's, wrapped, or those of the next row printed without its label
    after a row whose cells are all blank.  Their ids."""
    out = set()
    for i, row in enumerate(rows):
        if not row.values or any(t.sep or t.line == row.label.line for t in row.values) or row.key not in order:
            continue
        nxt = next((r.key for r in rows[i + 1:] if r.key in order), None)
        if nxt is not None and order.index(nxt) > order.index(row.key) + 1:  # (the last: a page may stop there)
            out.add(id(row))
    return out


def _wrapped_note(row: RowBuild) -> Finding:
    shown = "、".join(t.text for t in row.values)
    return finding("N3", f"表二“{row.label.text}”一行的数值（{shown}）印在标签的下一行，其后的官方行没有印出标签，"
                   "无法确定这些数值属于哪一行，已留空，请人工核对。", actual=[t.text for t in row.values], table=TABLE,
                   row=row.key, line=row.label.line + 1)


def extract_table2(tokens: list[Token], meta: list[LineMeta], template_id: str | None) -> TableResult:
    tid = template_id if template_id in T.TEMPLATES else "2021"
    template = T.TEMPLATES[tid]
    fields = template.table2_fields()
    result = TableResult()
    rows, result.notes = assemble_rows(tokens, tid)
    extras = [r for r in rows if r.kind == "extra" and r.has_values()]
    if extras:
        result.extras["table2_rows"] = [
            {"label": r.label.text, "kind": "nonstandard", "values": [t.value if t.kind == NUMBER else None for t in r.trimmed()[0]],
             "line": r.label.line + 1} for r in extras]
        for r in extras:
            result.notes.append(finding("N4", f"表二“{r.label.text}”不是官方格式中的行，其数值未计入任何官方行。", actual=r.label.text,
                                        table=TABLE, line=r.label.line + 1))
    # a label alone, the next official row's label after it (text where blank cells leave no
    # trace): a row printed with every cell blank (not one with invented sub-rows under it, nor
    # the last: an excerpt may stop after a label)
    bare = {id(r) for r, nxt in zip(rows, rows[1:]) if not r.values and r.kind == "row" and nxt.kind == "row"}
    rows = [r for r in rows if r.key in fields]
    wrapped = _wrapped_before_gap(rows, list(fields))
    layout = alignment([(r.values, len(fields[r.key]), 0) for r in rows if r.key in fields and delimited(r.values)])
    result.padded = any(pad_run(r.values, len(fields[r.key])) for r in rows if r.key is not None)
    for row in rows:
        assert row.key is not None  # (the rows kept are the template's)
        if row.key in result.values:
            continue
        wanted = fields[row.key]
        blank_row = delimited(row.values) and all(t.kind == BLANK for t in row.values)
        if not row.has_values() and grid_values(row, len(wanted)) is None and not blank_row and id(row) not in bare:
            continue  # (a row printed with every cell blank is a row of nulls, not a missing row)
        if id(row) in bare:
            result.notes.append(finding("N3", f"表二“{row.label.text}”一行没有印出任何数值，各单元格按空白处理，请核对。",
                                        severity="info", table=TABLE, row=row.key, line=row.label.line + 1))
        result.found = result.found or id(row) not in bare  # (labels alone: a blank format prints them too)
        dropped = dropped_tail(row.values, len(wanted)) if result.padded else 0
        options = placed(row.values, len(wanted), layout) if trusted(row.values, layout) and not dropped else None
        printed: Sequence[Token | None]
        if id(row) in wrapped:
            result.notes.append(_wrapped_note(row))
            printed = []
        elif dropped:  # blank cells dropped (`pad_run`): which columns the numbers are in is unknown
            result.notes.append(_unplaced_note(row, row.values[:-dropped], len(wanted)))
            printed = []
        elif options is not None and len(row.values) < len(wanted) and row.has_values():
            # a row cut by pipes printing fewer cells than columns: a cell (blank or not) was
            # dropped and nothing says which; every cell stays blank, the numbers are reported
            result.notes.append(_unplaced_note(row, [t for t in row.values if t.kind != BLANK], len(wanted)))
            printed = []
        elif options is not None:
            printed = list(options[0].cells)  # (None: a cell the row does not print)
        elif all(t.grid and t.line == row.label.line for t in row.values):
            printed = row.values[: len(wanted)]
        else:
            cells, _, _ = row.trimmed()
            kept = [t for t in cells if t.kind != BLANK] if not cells or not cells[0].grid else cells
            printed = kept
            if kept and not kept[0].grid and len(kept) < len(wanted):
                # fewer numbers than columns and nothing to say which are missing (blank cells
                # leave no trace in this text): every cell stays blank, the numbers are reported
                result.notes.append(_unplaced_note(row, kept, len(wanted)))
                printed = []
        out: dict[str, int | float | None] = {}
        for i, fld in enumerate(wanted):
            path = cell_path(TABLE, row.key, fld.key)
            tok = printed[i] if i < len(printed) else None
            if tok is None:
                out[fld.key] = None
                prov = provenance(row.label, meta, "missing", 0.0, "该单元格未印刷")
                prov.raw = None
                result.provenance[path] = prov
                continue
            value = tok.value if tok.kind == NUMBER else None
            note = ""
            if value is not None and fld.kind == "money" and tok.unit == "元":
                value = round(value / 10000, 6)
                note = "单元格以“元”为单位，已换算为万元"
            if value is not None and isinstance(value, float) and value.is_integer() and fld.kind != "money":
                value = int(value)
            out[fld.key] = value
            result.provenance[path] = provenance(tok, meta, note=note)
            if tok.kind == DASH:
                result.notes.append(dash_note(path, tok))
        extra = [t for t in printed[len(wanted):] if t is not None and t.kind == NUMBER]
        if extra:
            result.notes.append(
                finding("N4", f"表二“{row.label.text}”一行多印了{len(extra)}个数值，已忽略。", table=TABLE, row=row.key,
                        line=row.label.line + 1)
            )
        result.values[row.key] = out
    order = {k: i for i, k in enumerate(fields)}
    result.values = dict(sorted(result.values.items(), key=lambda kv: order.get(kv[0], 99)))
    return result
