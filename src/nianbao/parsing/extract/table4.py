"""Table 四 (administrative review and litigation): one row of 15 values."""
from __future__ import annotations

from ...formats import templates as T
from ...model import LineMeta, cell_path
from ...rules import finding
from ...formats.vocab import table4_index
from .common import Alignment, TableResult, dash_note, delimited, dropped_tail, pad_run, placed, solved_provenance, windows
from .solver import Identity, Reading, _check, readings, solve
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
        if delimited(toks) and len(toks) == WIDTH:  # blank cells printed as such
            return toks
        a, b = 0, len(toks)
        while a < b and toks[a].kind == BLANK:
            a += 1
        while b > a and toks[b - 1].kind == BLANK:
            b -= 1
        if b - a == WIDTH:
            return toks[a:b]
    return None


def _after_headers(tokens: list[Token]) -> list[Token]:
    """The cells after the last label or header of the region (the data row, when the
    table's cells are one per line)."""
    last = max((i for i, t in enumerate(tokens) if t.kind == TEXT), default=-1)
    line = tokens[last].line if last >= 0 else -1
    tail = [t for t in tokens[last + 1:] if t.line != line]  # (blanks ending the header line are its own)
    # a run of pipes right after the headers ("|||||") fills the header row's merged cells;
    # a blank first cell of the data row is a single pipe
    while tail and tail[0].kind == BLANK:
        run = [t for t in tail if t.line == tail[0].line]
        if len(run) < 2 or any(t.kind != BLANK for t in run):
            break
        tail = tail[len(run):]
    return tail


def _windows(tail: list[Token], identities: list[Identity], opened: bool) -> list[Reading] | None:
    """Readings of a data row whose blank cells are printed: the 15-cell window that keeps
    every printed cell and best satisfies the table's arithmetic — on a tie, the one the
    layout gives: nearest the headers, or, where every row is opened by a lone "|" line,
    the one after that pipe.  For a shorter row, its cells with the missing ones placed by
    the arithmetic."""
    span = windows(tail, WIDTH)
    if span is None:
        return placed(tail, WIDTH, Alignment("left", 0, False))
    lo, hi = span
    note = f"印刷了{len(tail)}个单元格，取其中15个" if hi > lo else ""
    best: tuple[int, int] | None = None
    chosen = lo
    for start in range(lo, hi + 1):
        vals = {ROW: [t.value if t.kind == NUMBER else None for t in tail[start:start + WIDTH]]}
        checks = [_check(i, vals) for i in identities]
        rank = (checks.count(True) - 2 * checks.count(False), -(hi - start if opened else start - lo))
        if best is None or rank > best:
            best, chosen = rank, start
    return [Reading(list(tail[chosen:chosen + WIDTH]), 0.0, note)]


def _labelled(tokens: list[Token]) -> bool:
    index = table4_index()
    return sum(1 for t in tokens if t.kind == TEXT and len(t.text) <= 12 and index.match(t.text) is not None) >= 2


def extract_table4(tokens: list[Token], meta: list[LineMeta], opened: bool = False, padded: bool = False) -> TableResult:
    """`opened`: the table's rows are each opened by a lone "|" line (a scraped layout);
    `padded`: a table before this one drops its blank cells (`common.pad_run`)."""
    result = TableResult()
    groups = [g for g, _, _ in T.T4_GROUPS]
    n = len(T.T4_FIELDS)
    identities = [
        Identity("T4.1", [(ROW, gi * n + n - 1)], [(ROW, gi * n + f) for f in range(n - 1)]) for gi in range(len(groups))
    ]
    line_cells = _value_line(tokens)
    tail = _after_headers(tokens)
    options = _windows(tail, identities, opened) if delimited(tail) else None
    result.padded = pad_run(tail, WIDTH)
    dropped = dropped_tail(tail, WIDTH) if padded or result.padded else 0
    if dropped:  # blank cells dropped: the printed ones go wherever the arithmetic allows
        candidates = readings(tail[:-dropped], WIDTH, 0, dropped)
        for r in candidates:
            r.fill = False
    elif options is not None and any(t.kind != BLANK for t in tail):
        candidates = options  # the cells after the headers, cut by pipes or tabs, blanks kept
    elif line_cells is not None:
        candidates = [Reading(line_cells)]
    else:
        seq = [t for t in tokens if t.kind in (NUMBER, DASH)]
        if not seq:
            return result
        candidates = readings(seq, WIDTH)
        if not all(t.sep == "\t" for t in seq):  # a lost cell is told from a blank one only in tab text
            for r in candidates:
                r.fill = False
    # the table is there when its data row or its own labels are (not a few stray numbers)
    result.found = line_cells is not None or _labelled(tokens)
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
        result.notes.append(finding("N3", "表四印出的单元格数与15列不符，数值位置无法唯一确定，请人工核对。", table=TABLE))
    return result
