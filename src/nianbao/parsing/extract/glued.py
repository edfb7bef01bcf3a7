"""Glued cells: a crawler dump prints a table row's cells with nothing between them
("一、本年新收政府信息公开申请数量410021044").  Each row's run of digits is split into the
row's cells with the table's own arithmetic, as a small constraint problem per table:

  1. every split of a run into the row's k cells (numbers without leading zeros, a sign
     only where the column is signed, a decimal point only in money) that satisfies the
     row's own identities (the six applicant cells sum to 总计; 维持+纠正+其他+尚未审结 = 总计);
  2. the table's column identities across rows (results rows = （七）总计 per column;
     新收 + 结转 = 总计 + 结转下年度 per column), by propagation and then a bounded search;
  3. figures stated elsewhere (the prose, last year's report) only to choose among splits
     the arithmetic leaves open, and only when exactly one agrees.

A cell every consistent split agrees on gets its value; any other cell stays null and a
finding lists the candidates.  Nothing is guessed: when the space of splits is too large
to enumerate, the row's cells stay null too.

The module is pure: `split_run` and `solve_table` know nothing of reports; `extract_glued`
reads the label/run lines that `nianbao.parsing.unglue` makes of a one-line body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ...lazyre import lazy
from ...formats import templates as T
from ...model import Finding, LineMeta, Provenance, cell_path
from ...rules import finding
from ...formats import templates as T
from ...model import Finding, LineMeta, Provenance, cell_path
from ...numbers import number_text, whole
from .common import TableResult
from .tokens import MAX_DIGITS

COUNT, SIGNED, MONEY = "count", "signed", "money"
MAX_NODES = 200_000  # search steps for one row before it counts as "too many splits"
MAX_CANDIDATES = 2_000  # consistent splits of one row kept before it counts as "too many"
MAX_SOLUTIONS = 64  # consistent whole-table assignments collected before giving up on agreement
MAX_SUMS = 50_000  # size of a set of achievable sums in propagation
SHOWN = 6  # candidates spelled out in a finding

# confidences of glued cells, by what settled them
CONF_FORCED, CONF_ROW, CONF_TABLE, CONF_HINT = 0.95, 0.9, 0.8, 0.6

_PIECE = {
    COUNT: re.compile(r"(?:0|[1-9]\d{0,%d})" % (MAX_DIGITS - 1)),
    SIGNED: re.compile(r"[+-]?(?:0|[1-9]\d{0,%d})" % (MAX_DIGITS - 1)),
    MONEY: re.compile(r"(?:0|[1-9]\d{0,%d})(?:\.\d{1,6})?" % (MAX_DIGITS - 1)),
}
RUN_CHARS = "0123456789.+-"


@dataclass(frozen=True)
class RowSpec:
    """A row of k cells: the kind of each cell and the row's own identities
    (sum of the cells `parts` == the cell `total`; the total comes after its parts)."""

    key: str
    kinds: tuple[str, ...]
    sums: tuple[tuple[tuple[int, ...], int], ...] = ()

    @property
    def width(self) -> int:
        return len(self.kinds)


Value = int | float
Candidate = tuple[tuple[Value, ...], tuple[tuple[int, int], ...]]  # values, spans in the run


@dataclass
class RowSplits:
    """The splits of one row's run that satisfy its own identities."""

    candidates: list[Candidate]
    exploded: bool = False  # the enumeration was cut off: too many splits to tell

    @property
    def values(self) -> list[tuple[Value, ...]]:
        return [c[0] for c in self.candidates]


def _parse(piece: str, kind: str) -> Value:
    if kind == MONEY and "." in piece:
        return float(piece)
    return int(piece)


def split_run(run: str, spec: RowSpec, max_nodes: int = MAX_NODES, max_candidates: int = MAX_CANDIDATES) -> RowSplits:
    """Every split of `run` (digits, and signs / decimal points where the kinds allow) into
    the row's cells that satisfies the row's own identities."""
    k, n = spec.width, len(run)
    out: list[Candidate] = []
    if n < k:
        return RowSplits(out)
    total_of = {total: parts for parts, total in spec.sums}
    vals: list[Value] = [0] * k
    spans: list[tuple[int, int]] = [(0, 0)] * k
    budget = [max_nodes]
    exploded = [False]
    maxlen = MAX_DIGITS + 8

    def min_rest(i: int) -> int:
        """Fewest characters cells i.. can take: one each, a total at least its parts' sum."""
        need = 0
        for j in range(i, k):
            if j in total_of:
                done = [p for p in total_of[j] if p < i]
                need += max(1, len(str(int(sum(vals[p] for p in done))))) if done else 1
            else:
                need += 1
        return need

    # a group of count cells followed directly by their total ("a b c d = e"): the total is
    # chosen first and the parts are split to add up to it (far fewer paths than parts first)
    blocks = {parts[0]: (len(parts), total) for parts, total in spec.sums
              if parts and list(parts) == list(range(parts[0], total))
              and all(spec.kinds[c] == COUNT for c in (*parts, total))}

    memo: dict[tuple[int, int, int, int], list[tuple[tuple[int, int, int], ...]]] = {}

    def parts_summing(a: int, b: int, r: int, rest: int) -> list[tuple[tuple[int, int, int], ...]]:
        """Splits of run[a:b] into r counts adding up to `rest` (each piece (value, start, end))."""
        key = (a, b, r, rest)
        if key in memo:
            return memo[key]
        budget[0] -= 1
        found: list[tuple[tuple[int, int, int], ...]] = []
        if budget[0] < 0:
            exploded[0] = True
            return found
        if r == 1:
            piece = run[a:b]
            if piece.isdigit() and (len(piece) == 1 or piece[0] != "0") and len(piece) <= len(str(rest)) \
                    and int(piece) == rest:
                found.append(((rest, a, b),))
            memo[key] = found
            return found
        widest = len(str(rest))
        for q in range(a + 1, min(b - r + 1, a + widest) + 1):
            if (q - a > 1 and run[a] == "0") or not run[q - 1].isdigit():
                break  # a leading zero, or a sign or decimal point inside a count
            v = int(run[a:q])
            if v > rest:
                break
            left = rest - v
            if b - q > (r - 1) * len(str(left)):
                continue  # what is left cannot be r - 1 counts adding up to `left`
            for tail in parts_summing(q, b, r - 1, left):
                found.append(((v, a, q),) + tail)
            if exploded[0] or len(found) > max_candidates:
                exploded[0] = True
                break
        memo[key] = found
        return found

    def walk(i: int, p: int) -> None:
        if exploded[0]:
            return
        budget[0] -= 1
        if budget[0] < 0 or len(out) >= max_candidates:
            exploded[0] = True
            return
        if i == k:
            if p == n:
                out.append((tuple(vals), tuple(spans)))
            return
        if min_rest(i) > n - p:
            return
        if i in blocks:
            r, total = blocks[i]
            after = k - total - 1  # cells after this group's total, one character at least each
            ends = [n] if after == 0 else range(p + r + 1, n - after + 1)
            for end in ends:
                for t in range(1, end - p - r + 1):
                    tstr = run[end - t:end]
                    if not _PIECE[COUNT].fullmatch(tstr):
                        continue
                    width = end - t - p
                    if width > r * t or len(tstr) > MAX_DIGITS:  # the parts cannot be longer than their sum
                        continue
                    for pieces in parts_summing(p, end - t, r, int(tstr)):
                        for c, (v, a, b) in zip(range(i, total), pieces):
                            vals[c], spans[c] = v, (a, b)
                        vals[total], spans[total] = int(tstr), (end - t, end)
                        walk(total + 1, end)
                        if exploded[0]:
                            return
            return
        if i in total_of:
            want = str(int(sum(vals[q] for q in total_of[i])))
            if run.startswith(want, p):
                vals[i], spans[i] = int(want), (p, p + len(want))
                walk(i + 1, p + len(want))
            return
        pattern = _PIECE[spec.kinds[i]]
        last = min(n - (k - i - 1), p + maxlen)
        for q in range(p + 1, last + 1):
            piece = run[p:q]
            if not pattern.fullmatch(piece):
                if piece in ("+", "-") or piece.endswith("."):
                    continue
                if pattern.fullmatch(piece[:-1]) is None and len(piece) > 1:
                    break  # a longer piece cannot become valid again ("05", "1+")
                continue
            vals[i], spans[i] = _parse(piece, spec.kinds[i]), (p, q)
            walk(i + 1, q)
            if exploded[0]:
                return

    walk(0, 0)
    return RowSplits(out, exploded[0])


@dataclass(frozen=True)
class Identity:
    """sum(lhs) == sum(rhs) over (row key, column) cells; `rule` names it (T3.1, T3.3)."""

    rule: str
    lhs: tuple[tuple[str, int], ...]
    rhs: tuple[tuple[str, int], ...]

    def rows(self) -> set[str]:
        return {k for k, _ in self.lhs + self.rhs}

    def contribution(self, key: str, values: tuple[Value, ...]) -> Value:
        return sum(values[c] for k, c in self.lhs if k == key) - sum(values[c] for k, c in self.rhs if k == key)


@dataclass
class RowOutcome:
    """What the table solve settled for one row."""

    values: list[Value | None]  # None: not settled
    spans: list[tuple[int, int] | None]
    candidates: list[tuple[Value, ...]] = field(default_factory=list)  # open splits (when unsettled)
    settled_by: str = ""  # forced | row | table | hint | "" (unsettled)
    reason: str = ""  # none | many | ambiguous (when unsettled)


def _forced(run: str, spec: RowSpec) -> bool:
    return len(run) == spec.width


Check = Callable[[tuple[Value, ...]], bool]  # a relation a row's values must satisfy (a hint)


def solve_table(runs: dict[str, str], specs: dict[str, RowSpec], identities: Iterable[Identity] = (),
                hints: dict[tuple[str, int], Value] | None = None, relations: dict[str, list[Check]] | None = None,
                fixed: dict[str, tuple[Value, ...]] | None = None) -> dict[str, RowOutcome]:
    """Split every row's run; settle what the row and column identities determine; then,
    for rows still open, what the hints (a cell's value stated elsewhere, a relation to last
    year's report) add; leave the rest null with its candidates.  `fixed` rows (values
    already known, no run) take part in the column identities only."""
    splits = {key: split_run(run, specs[key]) for key, run in runs.items()}
    domains: dict[str, list[Candidate]] = {k: s.candidates for k, s in splits.items()
                                           if s.candidates and not s.exploded}
    for key, values in (fixed or {}).items():
        domains[key] = [(tuple(values), tuple((0, 0) for _ in values))]
    identities = list(identities)
    out = _settle(runs, specs, splits, domains, identities)
    checks: dict[str, list[Check]] = {k: list(v) for k, v in (relations or {}).items()}
    for (key, col), value in (hints or {}).items():
        def stated(c: tuple[Value, ...], col: int = col, value: Value = value) -> bool:
            return c[col] == value
        checks.setdefault(key, []).append(stated)
    open_rows = [k for k, o in out.items() if o.reason == "ambiguous"]
    if not any(k in checks for k in open_rows):
        return out
    narrowed = dict(domains)
    for key in open_rows:
        if key in checks:
            agree = [c for c in domains[key] if all(check(c[0]) for check in checks[key])]
            if agree:  # a hint no split agrees with is ignored
                narrowed[key] = agree
    again = _settle(runs, specs, splits, narrowed, identities)
    for key in open_rows:
        if sum(v is None for v in again[key].values) < sum(v is None for v in out[key].values):
            again[key].settled_by = "hint"
            out[key] = again[key]
    return out


def _settle(runs: dict[str, str], specs: dict[str, RowSpec], splits: dict[str, RowSplits],
            domains: dict[str, list[Candidate]], identities: list[Identity]) -> dict[str, RowOutcome]:
    usable = [i for i in identities if i.rows() <= set(domains)]
    solutions = _search(domains, usable) if usable else None
    out: dict[str, RowOutcome] = {}
    for key, run in runs.items():
        spec, s = specs[key], splits[key]
        width = spec.width
        if s.exploded:
            out[key] = RowOutcome([None] * width, [None] * width, s.values[:SHOWN], "", "many")
            continue
        if not s.candidates:
            out[key] = RowOutcome([None] * width, [None] * width, [], "", "none")
            continue
        pool = domains[key]
        how = "forced" if _forced(run, spec) else "row"
        if len(pool) > 1 and solutions is not None and key in solutions.rows:
            pool = solutions.rows[key]
            how = "table"
        if len(pool) == 1:
            values, spans = pool[0]
            out[key] = RowOutcome(list(values), list(spans), [], how)
            continue
        cells: list[Value | None] = []
        cell_spans: list[tuple[int, int] | None] = []
        for col in range(width):
            seen = {c[0][col] for c in pool}
            spans_seen = {c[1][col] for c in pool}
            # a value every consistent split agrees on is settled (its place in the run may vary)
            cells.append(next(iter(seen)) if len(seen) == 1 else None)
            cell_spans.append(next(iter(spans_seen)) if len(seen) == 1 and len(spans_seen) == 1 else None)
        out[key] = RowOutcome(cells, cell_spans, [c[0] for c in pool], how if any(v is not None for v in cells) else "",
                              "ambiguous")
    return out


@dataclass
class _Solutions:
    rows: dict[str, list[Candidate]]  # per row, the candidates some consistent assignment uses


def _search(domains: dict[str, list[Candidate]], identities: list[Identity]) -> _Solutions | None:
    """Prune the rows' candidates with the column identities; None when the identities
    cannot all hold (the report's own arithmetic is off: then only row identities count)
    or when the joint search is too large to be sure."""
    dom = {k: list(v) for k, v in domains.items()}
    involved = set().union(*(i.rows() for i in identities))
    changed = True
    while changed:
        changed = False
        for ident in identities:
            keys = sorted(ident.rows())
            sets: dict[str, set[Value]] = {k: {ident.contribution(k, c[0]) for c in dom[k]} for k in keys}
            for key in keys:
                others = _sums([sets[o] for o in keys if o != key])
                if others is None:
                    continue
                kept = [c for c in dom[key] if -ident.contribution(key, c[0]) in others]
                if len(kept) != len(dom[key]):
                    dom[key] = kept
                    sets[key] = {ident.contribution(key, c[0]) for c in kept}
                    changed = True
                    if not kept:
                        return None
    open_rows = sorted((k for k in involved if len(dom[k]) > 1), key=lambda k: len(dom[k]))
    if not open_rows:
        if all(_holds(i, {k: dom[k][0][0] for k in i.rows()}) for i in identities):
            return _Solutions({k: dom[k] for k in involved})
        return None
    # a bounded joint search over the rows still open
    fixed = {k: dom[k][0][0] for k in involved if len(dom[k]) == 1}
    used: dict[str, set[int]] = {k: set() for k in open_rows}
    found = 0
    budget = MAX_NODES
    assign: dict[str, tuple[Value, ...]] = dict(fixed)
    checks = {k: [i for i in identities if k in i.rows()] for k in open_rows}
    chosen: dict[str, int] = {}

    def walk(d: int) -> None:
        nonlocal found, budget
        budget -= 1
        if budget < 0 or found >= MAX_SOLUTIONS:
            return
        if d == len(open_rows):
            found += 1
            for k, idx in chosen.items():
                used[k].add(idx)
            return
        key = open_rows[d]
        for idx, cand in enumerate(dom[key]):
            assign[key] = cand[0]
            chosen[key] = idx
            if all(_holds(i, assign) is not False for i in checks[key]):
                walk(d + 1)
            if budget < 0 or found >= MAX_SOLUTIONS:
                break
        assign.pop(key, None)
        chosen.pop(key, None)

    walk(0)
    if budget < 0 or found >= MAX_SOLUTIONS:
        # not sure every consistent assignment was seen: keep only what propagation proved
        return _Solutions({k: dom[k] for k in involved})
    if not found:
        return None
    rows = {k: dom[k] for k in involved if len(dom[k]) == 1}
    rows.update({k: [dom[k][i] for i in sorted(used[k])] for k in open_rows})
    return _Solutions(rows)


def _sums(sets: list[set[Value]]) -> set[Value] | None:
    acc: set[Value] = {0}
    for s in sorted(sets, key=len):  # the fixed rows first: the set stays small as long as it can
        acc = {a + b for a in acc for b in s}
        if len(acc) > MAX_SUMS:
            return None
    return acc


def _holds(ident: Identity, assign: dict[str, tuple[Value, ...]]) -> bool | None:
    if not ident.rows() <= set(assign):
        return None
    return sum(ident.contribution(k, assign[k]) for k in ident.rows()) == 0


# --------------------------------------------------------------------------- the official tables


def table3_specs(template: T.Template) -> dict[str, RowSpec]:
    parts = tuple(range(T.T3_TOTAL_COLUMN))
    return {k: RowSpec(k, (COUNT,) * T.T3_WIDTH, ((parts, T.T3_TOTAL_COLUMN),)) for k in template.table3_keys}


def table3_identities(template: T.Template, keys: set[str]) -> list[Identity]:
    out: list[Identity] = []
    results = tuple(k for k in template.results_rows)
    flow = ("new_received", "carried_over", T.RESULTS_TOTAL_KEY, "carried_forward")
    for col in range(T.T3_WIDTH):
        if T.RESULTS_TOTAL_KEY in keys and set(results) <= keys:
            out.append(Identity("T3.3", ((T.RESULTS_TOTAL_KEY, col),), tuple((k, col) for k in results)))
        if set(flow) <= keys:
            out.append(Identity("T3.1", ((flow[0], col), (flow[1], col)), ((flow[2], col), (flow[3], col))))
    return out


TABLE4_ROW = "table4"


def table4_spec() -> RowSpec:
    n = len(T.T4_FIELDS)
    total = [f.key for f in T.T4_FIELDS].index(T.T4_TOTAL_FIELD)
    sums = tuple((tuple(g * n + f for f in range(n) if f != total), g * n + total) for g in range(len(T.T4_GROUPS)))
    return RowSpec(TABLE4_ROW, (COUNT,) * (n * len(T.T4_GROUPS)), sums)


def table2_specs(template: T.Template) -> dict[str, RowSpec]:
    return {key: RowSpec(key, tuple(f.kind if f.kind in (SIGNED, MONEY) else COUNT for f in fields))
            for key, fields in template.table2_fields().items()}


# --------------------------------------------------------------------------- reading the glued lines


GLUED_SEP = "\t"  # unglue writes "label<TAB>run"; the run is the last field


@dataclass
class GluedRow:
    key: str
    line: int  # 0-based
    label: str
    run: str  # compact: only RUN_CHARS
    columns: list[int]  # column in the line of each character of `run`
    unit: str | None = None


_SIGNS = {"增": "+", "减": "-"}
_UNIT_TAIL = re.compile("(万元|元)$")


def read_run(text: str, offset: int = 0) -> tuple[str, list[int], str | None]:
    """The compact run of a printed cell text ("12 34", "+3", "增3", "974.45万元"): the run
    characters, the column of each, and a money unit printed after it."""
    unit = None
    m = _UNIT_TAIL.search(text)
    if m:
        unit, text = m.group(1), text[: m.start()]
    chars, cols = [], []
    for i, ch in enumerate(text):
        ch = _SIGNS.get(ch, ch)
        if ch in RUN_CHARS:
            chars.append(ch)
            cols.append(offset + i)
    return "".join(chars), cols, unit


def glued_rows(lines: list[str], meta: list[LineMeta], start: int, end: int, table: str) -> list[GluedRow]:
    out = []
    prefix = table + "."
    for i in range(start, min(end, len(lines), len(meta))):
        tag = meta[i].glued
        if not tag or not (tag == table or tag.startswith(prefix)):
            continue
        line = lines[i]
        cut = line.rfind(GLUED_SEP)
        if cut < 0:
            continue
        run, cols, unit = read_run(line[cut + 1:], cut + 1)
        out.append(GluedRow(tag[len(prefix):] if tag.startswith(prefix) else tag, i, line[:cut].strip(), run, cols, unit))
    return out


def has_glued(meta: list[LineMeta], start: int, end: int, table: str) -> bool:
    """True when the region holds rows that unglue split out of a one-line body (cheap)."""
    for m in meta[start:end]:
        if m.glued and m.glued.split(".")[0] == table:
            return True
    return False


def _fmt(values: tuple[Value, ...]) -> str:
    return "、".join(number_text(v) for v in values)


def _candidates_text(cands: list[tuple[Value, ...]]) -> str:
    shown = "；".join(f"（{_fmt(c)}）" for c in cands[:SHOWN])
    more = f"等{len(cands)}种" if len(cands) > SHOWN else ""
    return shown + more


_HOW = {
    "forced": "原文数字粘连，每格一位，拆分唯一",
    "row": "原文数字粘连，按本行勾稽关系（或数字写法）唯一拆分",
    "table": "原文数字粘连，按表内行列勾稽关系唯一拆分",
    "hint": "原文数字粘连，勾稽关系留有多种拆分，按正文或上年数据所述数值确定",
}
_CONF = {"forced": CONF_FORCED, "row": CONF_ROW, "table": CONF_TABLE, "hint": CONF_HINT}


def _provenance(row: GluedRow, span: tuple[int, int] | None, how: str, meta: list[LineMeta]) -> Provenance:
    origin = meta[row.line].origin if row.line < len(meta) else None
    if span is None:
        return Provenance(row.line + 1, None, None, None, 0.0, "arithmetic",
                          f"原文数字粘连（{row.run}），无法唯一拆分，该单元格留空", origin)
    a, b = row.columns[span[0]], row.columns[span[1] - 1] + 1
    raw = row.run[span[0]:span[1]]
    return Provenance(row.line + 1, a, b, raw, _CONF[how], "arithmetic", _HOW[how], origin)


def _unsettled_note(table: str, title: str, key: str, row: GluedRow, outcome: RowOutcome, paths: list[str],
                    spec: RowSpec) -> Finding:
    label = row.label.split(GLUED_SEP)[-1].strip()
    if outcome.reason == "many":
        what = "可能的拆分过多，无法一一核对"
        cands: list[Any] = []
    elif outcome.reason == "none":
        what = ("没有一种拆分满足本行勾稽关系（原表数据可能有误）" if spec.sums
                else f"无法拆成{spec.width}个单元格")
        cands = []
    else:
        n = len(outcome.candidates)
        what = (f"有{n}种拆分都满足勾稽关系：" if spec.sums else f"本行没有可供核对的勾稽关系，有{n}种可能的拆分：")
        what += _candidates_text(outcome.candidates)
        cands = [list(c) for c in outcome.candidates]
    return finding("N8", f"{title}“{label}”一行的数字在原文中粘连为“{row.run}”，{what}，无法确定的单元格已留空，请对照原件填写。", actual=row.run,
                   expected=cands or None, table=table, row=key, line=row.line + 1, cells=paths)


def _summary_note(table: str, title: str, settled: dict[str, str]) -> Finding:
    hows = sorted({h for h in settled.values()}, key=list(_HOW).index)
    return finding("N3", f"{title}的数值在原文中粘连在一起（网页抓取文本），已按表格自身的勾稽关系拆分，共{len(settled)}行；请对照原件核对。", severity="info",
                   detail="；".join(_HOW[h] for h in hows), table=table, rows=sorted(settled))


def _money(value: Value, unit: str | None) -> Value:
    if unit == "元":
        value = round(value / 10000, 6)
    return whole(value) if isinstance(value, float) else value


def extract_glued(table: str, lines: list[str], meta: list[LineMeta], start: int, end: int,
                  template_id: str | None, hints: dict[tuple[str, int], Value] | None = None,
                  previous: Any = None) -> TableResult:
    """A table whose rows unglue split out of a one-line body: the same result a table
    extractor gives, every cell either settled by arithmetic or null with an N8 finding."""
    tid = template_id if template_id in T.TEMPLATES else "2021"
    template = T.TEMPLATES[tid]
    result = TableResult()
    rows = glued_rows(lines, meta, start, end, table)
    if not rows:
        return result
    by_key: dict[str, GluedRow] = {}
    for row in rows:
        by_key.setdefault(row.key, row)
    if table == "table3":
        specs = table3_specs(template)
        by_key = {k: r for k, r in by_key.items() if k in specs}
        identities = table3_identities(template, set(by_key))
        title = "表三"
    elif table == "table4":
        specs = {TABLE4_ROW: table4_spec()}
        by_key = {k: r for k, r in by_key.items() if k in specs}
        identities = []
        title = "表四"
    else:
        specs = table2_specs(template)
        by_key = {k: r for k, r in by_key.items() if k in specs}
        identities = []
        title = "表二"
    hints = dict(hints or {})
    last, relations = previous_hints(table, template, previous)
    hints.update(last)
    outcomes = solve_table({k: r.run for k, r in by_key.items()}, specs, identities, hints, relations)
    result.found = bool(outcomes)
    settled: dict[str, str] = {}
    order = list(specs)
    for key in sorted(outcomes, key=order.index):
        row, outcome = by_key[key], outcomes[key]
        if specs[key].width == 1 and outcome.settled_by:
            outcome.settled_by = "forced"
        paths = _paths(table, key, template)
        values: list[Value | None] = []
        for col, (v, sp) in enumerate(zip(outcome.values, outcome.spans)):
            how = outcome.settled_by or "row"
            if v is not None and specs[key].kinds[col] == MONEY:
                v = _money(v, row.unit)
            values.append(v)
            prov = _provenance(row, sp, how, meta) if v is not None and sp is not None else _provenance(row, None, how, meta)
            if v is not None and sp is None:  # the value is certain, its place in the run is not
                prov.confidence, prov.note = _CONF[how], _HOW[how] + "（数值确定，位置不唯一）"
            if specs[key].width == 1 and v is not None:
                prov.method, prov.confidence, prov.note = "label", 0.99, ""
            result.provenance[paths[col]] = prov
        if outcome.reason:
            result.notes.append(_unsettled_note(table, title, key, row, outcome,
                                                [p for p, v in zip(paths, values) if v is None], specs[key]))
        elif specs[key].width > 1:
            settled[key] = outcome.settled_by
        _store(result.values, table, key, values, template)
    if settled:
        result.notes.append(_summary_note(table, title, settled))
    return result


def _paths(table: str, key: str, template: T.Template) -> list[str]:
    if table == "table3":
        return [cell_path(table, key, c) for c in range(T.T3_WIDTH)]
    if table == "table4":
        return [cell_path(table, g, f) for g, f in T.table4_keys()]
    return [cell_path(table, key, f.key) for f in template.table2_fields()[key]]


def _store(values: dict[str, Any], table: str, key: str, cells: list[Value | None], template: T.Template) -> None:
    if table == "table3":
        values[key] = cells
    elif table == "table4":
        for (g, f), v in zip(T.table4_keys(), cells):
            values.setdefault(g, {})[f] = v
    else:
        values[key] = {f.key: v for f, v in zip(template.table2_fields()[key], cells)}


def previous_hints(table: str, template: T.Template, previous: Any) -> tuple[dict[tuple[str, int], Value], dict[str, list[Check]]]:
    """What last year's report (same template) pins down: 上年结转 = last year's 结转下年度
    (table 三); the 2019 table 二's 上一年项目数量 = last year's 上一年项目数量 + 本年增/减; the
    2021 table 二's 现行有效件数 = last year's + 本年制发 - 本年废止.  (values, relations)"""
    values: dict[tuple[str, int], Value] = {}
    relations: dict[str, list[Check]] = {}
    if previous is None or getattr(previous, "template", None) != template.id:
        return values, relations
    if table == "table3":
        row = (previous.table3 or {}).get("carried_forward")
        if row and all(isinstance(v, int) for v in row):
            values.update({("carried_over", c): v for c, v in enumerate(row)})
    elif table == "table2":
        for key, fields in template.table2_fields().items():
            names = [f.key for f in fields]
            before = (previous.table2 or {}).get(key) or {}
            if "prev_count" in names and isinstance(before.get("prev_count"), int) and isinstance(before.get("change"), int):
                values[(key, names.index("prev_count"))] = before["prev_count"] + before["change"]
            if {"issued", "repealed", "in_force"} <= set(names) and isinstance(before.get("in_force"), int):
                i, r, f, last = names.index("issued"), names.index("repealed"), names.index("in_force"), before["in_force"]
                def carried(c: tuple[Value, ...], i: int = i, r: int = r, f: int = f, last: Value = last) -> bool:
                    return c[f] == last + c[i] - c[r]
                relations.setdefault(key, []).append(carried)
    return values, relations


def refine_with_previous(report: Any, previous: Any) -> int:
    """Re-split the rows of a glued report that its own arithmetic left open (its N8
    findings), now with last year's report of the same agency; fill the cells that become
    unique (provenance `arithmetic`, confidence CONF_HINT), replace the findings.  Returns
    the number of cells filled.  For the store, which knows last year's report."""
    if previous is None or report.template not in T.TEMPLATES or previous.template != report.template:
        return 0
    template = T.TEMPLATES[report.template]
    filled = 0
    for table in ("table2", "table3", "table4"):
        open_notes = [f for f in report.notes if f.rule == "N8" and f.location.get("table") == table]
        if not open_notes:
            continue
        values, relations = previous_hints(table, template, previous)
        if not values and not relations:
            continue
        rows: dict[str, GluedRow] = {}
        for f in open_notes:
            line = f.location["line"] - 1
            text = report.lines[line]
            cut = text.rfind(GLUED_SEP)
            run, cols, unit = read_run(text[cut + 1:], cut + 1)
            rows[f.location["row"]] = GluedRow(f.location["row"], line, text[:cut].strip(), run, cols, unit)
        if table == "table3":
            specs = table3_specs(template)
            current = report.table3
            fixed = {k: tuple(v) for k, v in current.items() if k not in rows and v and None not in v}
            identities = table3_identities(template, set(fixed) | set(rows))
        else:
            specs = table2_specs(template) if table == "table2" else {TABLE4_ROW: table4_spec()}
            fixed, identities = {}, []
        rows = {k: r for k, r in rows.items() if k in specs}
        outcomes = solve_table({k: r.run for k, r in rows.items()}, specs, identities, values, relations, fixed)
        meta = [LineMeta() for _ in report.lines]
        for key, outcome in outcomes.items():
            if outcome.settled_by != "hint":
                continue
            row, paths = rows[key], _paths(table, key, template)
            got: list[Value | None] = []
            for col, (v, sp) in enumerate(zip(outcome.values, outcome.spans)):
                if v is not None and specs[key].kinds[col] == MONEY:
                    v = _money(v, row.unit)
                got.append(v)
                old = report.provenance.get(paths[col])
                if v is not None and (old is None or old.confidence == 0.0):
                    prov = _provenance(row, sp, "hint", meta)
                    prov.origin = old.origin if old is not None else None
                    report.provenance[paths[col]] = prov
                    filled += 1
            _store(getattr(report, table), table, key, got, template)
            report.notes = [f for f in report.notes
                            if not (f.rule == "N8" and f.location.get("table") == table and f.location.get("row") == key)]
            if outcome.reason:
                title = {"table2": "表二", "table3": "表三", "table4": "表四"}[table]
                report.notes.append(_unsettled_note(table, title, key, row, outcome,
                                                    [p for p, v in zip(paths, got) if v is None], specs[key]))
    return filled


_RECEIVED = lazy(r"(?:收到|受理|新收|接到)[^。;\n\d]{0,24}?申请[^。;\n\d]{0,8}?(?<!\d)(\d{1,%d})\s*件" % MAX_DIGITS)


def prose_hints(lines: list[str], sections: list[Any]) -> dict[tuple[str, int], Value]:
    """Figures the report's own prose states (section 一): the applications received this
    year, 三一 总计.  Used only to choose among splits the arithmetic leaves open."""
    sec = next((s for s in sections if s.key == "overview"), None)
    if sec is None:
        return {}
    text = sec.text or "\n".join(lines[sec.line_start - 1: sec.line_end])
    m = _RECEIVED.search(text)
    return {("new_received", T.T3_TOTAL_COLUMN): int(m.group(1))} if m else {}
