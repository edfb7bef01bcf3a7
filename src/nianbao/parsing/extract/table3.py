"""Table 三 (applications received and handled): 25 (2019: 23) rows x 7 columns."""
from __future__ import annotations

import re
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

from ...formats import templates as T
from ...model import Finding, LineMeta, cell_path
from ...rules import finding
from ...formats.vocab import LabelRef, Match, match_key, table3_index
from .common import (cell_note, RowBuild, TableResult, alignment, dash_note, delimited, dropped_tail, grid_values,
                     label_provenance, pad_run, placed, solved_provenance, trusted, typo_note, spilled, unlabelled)
from .solver import Identity, Reading, readings, solve
from .tokens import BLANK, DASH, MAX_CACHED, NUMBER, TEXT, Token

TABLE = "table3"
_NUMBERED = re.compile(r"^\s*(?:[(（][一二三四五六七八九十]{1,2}[)）]|[一二三四五六七八九十]{1,2}、|\d{1,2}\s*[.、])")
WIDTH = T.T3_WIDTH
_KIND = itemgetter(Token._fields.index("kind"))  # (tokens are tuples: faster than attrgetter)
_HEADER_ONLY = frozenset({T.T3_HEADER_TOP, T.T3_HEADER_ORGS, "note"} | {c.label for c in T.T3_COLUMNS[:-2]})


class _Roles(NamedTuple):
    """What a text cell is to table 三 (the same labels recur in every report: cached)."""

    match: Match | None
    header: LabelRef | None
    row: LabelRef | None
    group: LabelRef | None
    numbered: bool  # printed with its number: "（七）总计", "3.其他"


def _roles(text: str) -> _Roles:
    return _cached_roles(text) if len(text) <= MAX_CACHED else _cached_roles.__wrapped__(text)


@lru_cache(maxsize=4096)
def _cached_roles(text: str) -> _Roles:
    match = table3_index().match(text)
    numbered = _NUMBERED.match(text) is not None
    if match is None:
        return _Roles(None, None, None, None, numbered)
    return _Roles(match, match.first("header"), match.first("row"), match.first("group"), numbered)


def assemble_rows(tokens: list[Token]) -> tuple[list[RowBuild], list[Finding]]:
    """Row labels and their value cells, in print order."""
    rows: list[RowBuild] = []
    notes: list[Finding] = []
    current: RowBuild | None = None
    started = False
    in_header = False
    for i, tok in enumerate(tokens):
        if tok.kind != TEXT:
            if tok.kind == BLANK and started and unlabelled(tokens, i, current, WIDTH):
                if current is not None:
                    rows.append(current)
                current = RowBuild(tok, None, None, "extra")  # (placed by the rows around it, if they leave one)
            elif current is not None and started and spilled(tokens, i, current, WIDTH):
                rows.append(current)
                current = RowBuild(tok._replace(text="", kind=BLANK, value=None, unit=None, end=tok.start), None, None,
                                   "extra", [tok])  # (placed by the rows around it, if they leave one)
            elif current is not None:
                current.values.append(tok)
            continue
        if current is not None and current.values and cell_note(current, tok):
            continue
        text = tok.text
        match, header, row_ref, group_ref, numbered = (_cached_roles(text) if len(text) <= MAX_CACHED
                                                       else _cached_roles.__wrapped__(text))
        if match is None:
            # an unknown label after a row's values starts a non-standard row; before
            # them it is the rest of a wrapped label ("…政府信息公" / "开申请")
            fresh = current is None or (current.kind == "extra" and not current.values) or (
                current.kind == "group" and not current.values and numbered)
            if len(tok.text) >= 2 and (fresh or (current is not None and current.has_values())):
                if current is not None and not fresh:
                    rows.append(current.closed_by(tok))
                current = RowBuild(tok, None, None, "extra")  # (the text nearest the numbers is their label)
            continue
        if header is not None and header.key in _HEADER_ONLY:
            in_header = True
            continue
        if header is not None and (not started or in_header) and match.quality == "exact" and not numbered:
            continue  # 其他 / 总计 as column headers (a row prints its number: （七）总计, 3.其他)
        if row_ref is None and group_ref is None:
            continue
        in_header = False
        if match.quality == "fuzzy":
            notes.append(typo_note(TABLE, tok, match))
        if current is not None:
            rows.append(current.closed_by(tok))
        if row_ref is not None and (group_ref is None or not started or row_ref.key != "other_other"):
            current = RowBuild(tok, match, row_ref.key, "row")
            started = True
        else:
            current = RowBuild(tok, match, group_ref.key if group_ref else None, "group")
    if current is not None:
        rows.append(current)
    return rows, notes


def _identities(keys: set[str], template: T.Template) -> list[Identity]:
    return list(_identities_of(frozenset(keys), template.id))


@lru_cache(maxsize=64)
def _identities_of(keys: frozenset[str], template_id: str) -> tuple[Identity, ...]:
    """The identities of table 三 among the rows `keys` (the same few sets recur: cached)."""
    template = T.TEMPLATES[template_id]
    ids: list[Identity] = []
    parts = list(range(WIDTH - 1))
    for key in keys:
        ids.append(Identity("T3.2", [(key, WIDTH - 1)], [(key, c) for c in parts]))
    results = [k for k in template.results_rows if k in keys]
    for col in range(WIDTH):
        if T.RESULTS_TOTAL_KEY in keys and results:
            ids.append(Identity("T3.3", [(T.RESULTS_TOTAL_KEY, col)], [(k, col) for k in results]))
        if {"new_received", "carried_over", T.RESULTS_TOTAL_KEY, "carried_forward"} <= keys:
            ids.append(
                Identity("T3.1", [("new_received", col), ("carried_over", col)],
                         [(T.RESULTS_TOTAL_KEY, col), ("carried_forward", col)])
            )
    return tuple(ids)


def extract_table3(tokens: list[Token], meta: list[LineMeta], template_id: str | None, padded: bool = False) -> TableResult:
    """`padded`: a table before this one drops its blank cells (`common.pad_run`)."""
    result = TableResult()
    built, result.notes = assemble_rows(tokens)
    template = T.TEMPLATES.get(template_id or "2021", T.TEMPLATE_2021)
    by_order = _place_by_order(built, template)
    candidates: dict[str, list[Reading]] = {}
    labels: dict[str, Token] = {}
    extras: list[dict[str, Any]] = []
    official = [r for r in built if r.kind == "row" or (r.kind == "group" and r.key == "other")]
    layout = alignment([(r.values, WIDTH, _depth(r, template)) for r in official if delimited(r.values)])
    result.padded = any(pad_run(r.values, WIDTH) for r in official)
    padded = padded or result.padded
    for row in built:
        is_official = row.kind == "row" or (row.kind == "group" and row.key == "other")
        # a row printed with every cell blank (a grid row, or cells cut by pipes or tabs) is
        # a row of nulls, not a missing row
        if not row.has_values() and (not is_official or (grid_values(row, WIDTH) is None and not _blank_row(row))):
            continue
        key = row.key
        if row.kind == "group":
            if key == "other":  # the old single （六） row of 2019
                key = "other_other"
            else:
                extras.append(_extra(row, f"subtotal:{key}"))
                continue
        elif row.kind == "extra":
            extras.append(_extra(row, None))
            if row.label.kind == BLANK:
                result.notes.append(finding("N4", f"表三第{row.label.line + 1}行没有印出行标签，无法确定是哪一行，"
                                            "其数值未计入任何官方行，请人工核对。", table=TABLE, line=row.label.line + 1))
            continue
        assert key is not None  # an official row has its key
        if key in candidates:
            result.notes.append(
                finding("N4", f"表三“{row.label.text}”一行出现了两次，已采用第一次的数值。", table=TABLE, row=key,
                        line=row.label.line + 1)
            )
            continue
        labels[key] = row.label
        dropped = dropped_tail(row.values, WIDTH) if padded else 0
        if dropped:  # blank cells dropped: the printed ones go wherever the arithmetic allows
            candidates[key] = readings(row.values[:-dropped], WIDTH, 0, dropped)
            for r in candidates[key]:
                r.fill = False  # (a dropped cell was blank: never filled in)
            continue
        exact = grid_values(row, WIDTH)
        if exact is not None:
            candidates[key] = [Reading(exact)]
            continue
        if trusted(row.values, layout):
            options = placed(row.values, WIDTH, layout, _depth(row, template))
            if options is not None:
                candidates[key] = options
                if len(options) == 1 and options[0].note and not layout.voted:
                    result.notes.append(_layout_note(row.label, key))
                continue
        values, lead, trail = row.trimmed()
        if len(values) > WIDTH + 2:
            extras.append({"label": None, "kind": "unlabeled", "after": key,
                           "values": [t.value if t.kind == NUMBER else None for t in values[WIDTH:]],
                           "line": values[WIDTH].line + 1})
            result.notes.append(
                finding("N4", f"表三“{row.label.text}”一行之后多出{len(values) - WIDTH}个没有行标签的数值，"
                        "可能是某一行的标签缺失，这些数值未计入任何官方行。", table=TABLE, row=key,
                        line=values[WIDTH].line + 1)
            )
        candidates[key] = readings(values, WIDTH, lead, trail)
        if not all(t.sep == "\t" for t in values):  # a lost cell is told from a blank one only in tab text
            for r in candidates[key]:
                r.fill = False
    if not candidates:
        return result
    result.found = True
    solution = solve(candidates, _identities(set(candidates), template), WIDTH)
    noted = {k for k, _ in solution.inferred} | {k for k, _ in solution.proposed}
    dashes = DASH in map(_KIND, tokens)  # (most tables print none: no row need look for them)
    for key in _ordered(candidates, template):
        result.values[key] = solution.values[key]
        toks, paths = solution.tokens[key], _paths(key)
        label = labels[key]
        if None not in toks and key not in solution.ambiguous and key not in solution.chosen_by:
            # every cell printed where the layout puts it (the common row): nothing was inferred
            result.provenance.update(zip(paths, label_provenance(toks, meta)))  # type: ignore[arg-type]
        else:
            for col, tok in enumerate(toks):
                rule = solution.inferred.get((key, col))
                result.provenance[paths[col]] = solved_provenance(  # type: ignore[assignment]
                    tok, label, meta, inferred_by=rule, ambiguous=key in solution.ambiguous,
                    chosen_by=solution.chosen_by.get(key), width=WIDTH)
        if key not in noted:  # (the common row: nothing inferred nor proposed, dashes noted)
            if dashes:
                result.notes += [dash_note(path, tok) for path, tok in zip(paths, toks) if tok is not None and tok.kind == DASH]
        else:
            for col, tok in enumerate(toks):
                rule = solution.inferred.get((key, col))
                if rule:
                    result.notes.append(_inferred_note(paths[col], label.text, key, col, rule, result.values[key][col]))
                if tok is not None and tok.kind == DASH:
                    result.notes.append(dash_note(paths[col], tok))
                if (key, col) in solution.proposed:
                    result.notes.append(_proposed_note(paths[col], label.text, key, col, *solution.proposed[(key, col)]))
        if key in by_order:
            row_vals = result.values[key]
            if all(v is not None for v in row_vals) and abs(sum(row_vals[:-1]) - row_vals[-1]) > 1e-6:
                # the row order alone does not make its own arithmetic hold: not this row
                del result.values[key]
                for col in range(WIDTH):
                    result.provenance.pop(cell_path(TABLE, key, col), None)
                extras.append({"label": labels[key].text, "kind": "unrecognised", "values": row_vals,
                               "line": labels[key].line + 1})
                result.notes.append(finding("N4", f"表三“{labels[key].text}”不是可识别的行标签，"
                                            "其数值未计入任何官方行。", table=TABLE,
                                            line=labels[key].line + 1))
                continue
            official_label = template.t3_row(key).title
            printed = "没有印出行标签" if labels[key].kind == BLANK else f"的标签“{labels[key].text}”残缺"
            result.notes.append(finding(
                "N1", f"表三第{labels[key].line + 1}行{printed}，按表中行的顺序应为“{official_label}”，"
                "数值已计入该行，请核对。", expected=official_label, actual=labels[key].text,
                table=TABLE, row=key, line=labels[key].line + 1))
        if key in solution.ambiguous:
            shown = "；".join("、".join("空" if v is None else str(v) for v in c) for c in solution.candidates[key][:4])
            result.notes.append(
                finding("N3", f"表三“{labels[key].text}”一行的单元格数与7列不符，数值位置无法唯一确定，"
                        f"有分歧的单元格已留空，请人工核对（可能的读法：{shown}）。", actual=solution.candidates[key],
                        table=TABLE, row=key, line=labels[key].line + 1)
            )
    if extras:
        result.extras["table3_rows"] = extras
    return result


@lru_cache(maxsize=64)
def _paths(key: str) -> tuple[str, ...]:
    """The cell paths of a row of table 三, one per column."""
    return tuple(cell_path(TABLE, key, col) for col in range(WIDTH))


def _place_by_order(built: list[RowBuild], template: T.Template) -> set[str]:
    """Rows whose label lost its first characters ("收政府信息公开申请数量"): where the rows
    before and after it leave exactly one row of the template unprinted, and what is left
    of the label is part of that row's, the row is that one (its arithmetic is checked once
    read).  Returns the keys placed so."""
    order = list(template.table3_keys)
    keys = [r.key if r.kind == "row" and r.values else "other_other" if r.kind == "group" and r.key == "other" and r.has_values()
            else None for r in built]  # (a label with no cells is a group's; 2019's single （六） row prints as its group)
    present = set(keys)
    placed_keys: set[str] = set()
    for i, row in enumerate(built):
        if row.kind != "extra" or not row.has_values():
            continue
        before = next((k for k in reversed(keys[:i]) if k in order), None)
        after = next((k for k in keys[i + 1:] if k in order), None)
        lo = order.index(before) + 1 if before else 0
        hi = order.index(after) if after else len(order)
        gap = [k for k in order[lo:hi] if k not in present]
        if len(gap) != 1:
            continue
        if row.label.kind != BLANK:  # (a blank label: the place alone says which row it is)
            rest = match_key(row.label.text)
            official = template.t3_row(gap[0])
            if len(rest) < 3 or not any(_within(rest, match_key(lab)) for lab in (official.label, *official.variants)):
                continue
        vals = row.values
        if row.label.kind == BLANK and len(vals) > WIDTH and vals[0].kind == BLANK and vals[0].line != vals[1].line:
            del vals[0]  # (rows opened by a lone pipe: the opener, then the blank label)
        row.key, row.kind = gap[0], "row"
        present.add(gap[0])
        placed_keys.add(gap[0])
    return placed_keys


def _within(part: str, label: str) -> bool:
    """`part` is what is left of `label` when characters were lost: its characters in order."""
    pos = 0
    for ch in part:
        pos = label.find(ch, pos) + 1
        if not pos:
            return False
    return True


def _depth(row: RowBuild, template: T.Template) -> int:
    """How many merged group labels stand before the row's own label (0 for 一、, 1 for
    （一）予以公开, 2 for （三）1.属于国家秘密)."""
    if row.kind != "row" or not row.key:
        return 1
    return _depths(template.id).get(row.key, 1)


@lru_cache(maxsize=4)
def _depths(template_id: str) -> dict[str, int]:
    return {r.key: len(T.t3_group_chain(r)) for r in T.TEMPLATES[template_id].table3_rows}


def _blank_row(row: RowBuild) -> bool:
    """A row whose cells are all printed blank (cut by pipes or tabs)."""
    return delimited(row.values) and all(t.kind == BLANK for t in row.values)


def _layout_note(label: Token, key: str) -> Finding:
    return finding("N3", f"表三“{label.text}”一行印出的单元格多于7列，数值按紧随标签的位置读取，请核对。", severity="info", table=TABLE, row=key,
                   line=label.line + 1)


def _ordered(keys: dict[str, list[Reading]], template: T.Template) -> list[str]:
    order = _order(template.id)
    return sorted(keys, key=lambda k: order.get(k, len(order)))


@lru_cache(maxsize=4)
def _order(template_id: str) -> dict[str, int]:
    return {k: i for i, k in enumerate(T.TEMPLATES[template_id].table3_keys)}


def _extra(row: RowBuild, kind: str | None) -> dict[str, Any]:
    values, _, _ = row.trimmed()
    return {
        "label": row.label.text,
        "kind": kind or "nonstandard",
        "values": [t.value if t.kind == NUMBER else None for t in values],
        "line": row.label.line + 1,
    }


def _proposed_note(path: str, label: str, key: str, col: int, rule: str, value: object) -> Finding:
    return _n3(f"表三“{label}”一行的“{T.T3_COLUMNS[col].label}”列为空，按{rule}勾稽关系应为{value}（未填入）。",
               path, key, col, expected=value)


def _inferred_note(path: str, label: str, key: str, col: int, rule: str, value: object) -> Finding:
    return _n3(f"表三“{label}”一行的“{T.T3_COLUMNS[col].label}”列没有印出数值，按{rule}勾稽关系推算为{value}。",
               path, key, col, actual=value)


def _n3(message: str, path: str, key: str, col: int, expected: object = None, actual: object = None) -> Finding:
    return finding("N3", message, severity="info", expected=expected, actual=actual, cell=path, table=TABLE, row=key,
                   column=T.T3_COLUMNS[col].key)
