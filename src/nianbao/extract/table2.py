"""Table 二 (proactive disclosure): rows by label, fields by the template's column order."""
from __future__ import annotations

from .. import templates as T
from ..model import Finding, LineMeta, cell_path
from ..vocab import table2_index
from .common import RowBuild, TableResult, dash_note, grid_values, provenance, typo_note
from .tokens import BLANK, DASH, NUMBER, TEXT, Token

TABLE = "table2"


def assemble_rows(tokens: list[Token], template_id: str) -> tuple[list[RowBuild], list[Finding]]:
    index = table2_index()
    rows: list[RowBuild] = []
    notes: list[Finding] = []
    current: RowBuild | None = None
    for tok in tokens:
        if tok.kind != TEXT:
            if current is not None:
                current.values.append(tok)
            continue
        if tok.text in ("万元", "元") and current is not None:
            continue
        match = index.match(tok.text)
        if current is not None:
            rows.append(current)
            current = None
        if match is None:
            continue
        if match.quality == "fuzzy":
            notes.append(typo_note(TABLE, tok, match))
        refs = [r for r in match.refs if r.kind == "row"]
        if refs:
            ref = next((r for r in refs if template_id in r.templates), refs[0])
            current = RowBuild(tok, match, ref.key, "row")
    if current is not None:
        rows.append(current)
    return rows, notes


def extract_table2(tokens: list[Token], meta: list[LineMeta], template_id: str | None) -> TableResult:
    tid = template_id if template_id in T.TEMPLATES else "2021"
    template = T.TEMPLATES[tid]
    fields = template.table2_fields()
    result = TableResult()
    rows, result.notes = assemble_rows(tokens, tid)
    for row in rows:
        if row.key not in fields or row.key in result.values:
            continue
        wanted = fields[row.key]
        if not row.has_values() and grid_values(row, len(wanted)) is None:
            continue  # (a grid row printed with every cell blank is a row of nulls, not a missing row)
        result.found = True
        if all(t.grid and t.line == row.label.line for t in row.values):
            cells = row.values[: len(wanted)]
        else:
            cells, _, _ = row.trimmed()
        printed = [t for t in cells if t.kind != BLANK] if not cells or not cells[0].grid else cells
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
        extra = [t for t in printed[len(wanted):] if t.kind == NUMBER]
        if extra:
            result.notes.append(
                Finding("N4", "warning", f"表二“{row.label.text}”一行多印了{len(extra)}个数值，已忽略。",
                        {"table": TABLE, "row": row.key, "line": row.label.line + 1})
            )
        result.values[row.key] = out
    order = {k: i for i, k in enumerate(fields)}
    result.values = dict(sorted(result.values.items(), key=lambda kv: order.get(kv[0], 99)))
    return result
