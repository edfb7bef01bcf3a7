"""Table 四 (administrative review and litigation): one row of 15 values."""
from __future__ import annotations

from .. import templates as T
from ..model import Finding, LineMeta, cell_path
from .common import TableResult, dash_note, solved_provenance
from .solver import Identity, Reading, readings, solve
from .tokens import BLANK, DASH, NUMBER, TEXT, Token

TABLE = "table4"
KEYS = T.table4_keys()
WIDTH = len(KEYS)
ROW = "table4"


def _value_line(tokens: list[Token]) -> list[Token] | None:
    """The cells of one line that holds the whole data row (>= 15 value cells)."""
    by_line: dict[int, list[Token]] = {}
    for tok in tokens:
        by_line.setdefault(tok.line, []).append(tok)
    for toks in by_line.values():
        if any(t.kind == TEXT for t in toks):
            continue
        if toks[0].grid and len(toks) >= WIDTH:
            return toks[-WIDTH:]
        a, b = 0, len(toks)
        while a < b and toks[a].kind == BLANK:
            a += 1
        while b > a and toks[b - 1].kind == BLANK:
            b -= 1
        if b - a == WIDTH:
            return toks[a:b]
    return None


def extract_table4(tokens: list[Token], meta: list[LineMeta]) -> TableResult:
    result = TableResult()
    line_cells = _value_line(tokens)
    if line_cells is not None:
        candidates = [Reading(line_cells)]
    else:
        seq = [t for t in tokens if t.kind in (NUMBER, DASH)]
        if not seq:
            return result
        candidates = readings(seq, WIDTH)
    result.found = True
    groups = [g for g, _, _ in T.T4_GROUPS]
    n = len(T.T4_FIELDS)
    identities = [
        Identity("T4.1", [(ROW, gi * n + n - 1)], [(ROW, gi * n + f) for f in range(n - 1)]) for gi in range(len(groups))
    ]
    solution = solve({ROW: candidates}, identities, WIDTH)
    values = solution.values[ROW]
    anchor = next((t for t in solution.tokens[ROW] if t is not None), None)
    for i, (group, fld) in enumerate(KEYS):
        result.values.setdefault(group, {})[fld] = values[i]
        path = cell_path(TABLE, group, fld)
        tok = solution.tokens[ROW][i]
        prov = solved_provenance(tok, anchor, meta, inferred_by=solution.inferred.get((ROW, i)),
                                 ambiguous=ROW in solution.ambiguous, chosen_by=solution.chosen_by.get(ROW), width=WIDTH)
        if prov is not None:
            result.provenance[path] = prov
        if tok is not None and tok.kind == DASH:
            result.notes.append(dash_note(path, tok))
    if ROW in solution.ambiguous:
        result.notes.append(Finding("N3", "warning", "表四印出的单元格数与15列不符，数值位置无法唯一确定，请人工核对。", {"table": TABLE}))
    return result
