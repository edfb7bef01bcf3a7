"""A normalisation step for crawler text dumps: a header block (标题: 发布时间: 原文链接:)
and then the whole page body on ONE line, table cells glued together
("…规章000行政规范性文件512371第二十条…一、本年新收政府信息公开申请数量410021044二、…").

Such a line is cut into the lines a report has: the section headings on their own lines,
prose between them, and one line per table row, "label<TAB>digits", found by the
template's own row labels in order.  Each row line is tagged in `LineMeta.glued` with
its cell path prefix ("table3.granted", "table2.licensing", "table4"), and
`extract.glued` splits the digits with the table's arithmetic.

Only a long line on which several official row labels are directly followed by digits is
touched: ordinary reports pass through at the cost of one length check per line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from ..lazyre import lazy
from ..formats import templates as T
from ..model import LineMeta
from ..formats.vocab import normalized

MIN_LINE = 120  # a glued body is far longer; shorter lines are never looked at
MIN_LABELS = 3  # official row labels directly followed by digits on one line
_RUN = lazy(r"[\s|]*((?:[0-9.,+\-增减]|[ \t|])*[0-9](?:万元|元)?)")


@dataclass(frozen=True)
class RowLabel:
    tag: str  # "table3.granted"
    number: str  # normalised row number printed before the label ("1.", "(一)"), or ""
    labels: tuple[str, ...]  # normalised label and variants, longest first
    note: str = ""  # normalised note printed after the label
    need_number: bool = False  # a short label ("其他", "总计") only counts with its number


@lru_cache(maxsize=1)
def _detectors() -> tuple[re.Pattern[str], ...]:
    """One pattern per official row label of tables 二 and 三 (both templates): the label
    directly followed by a digit."""
    labels = {normalized(r.label) for t in T.TEMPLATES.values() for r in t.table3_rows if len(r.label) >= 4}
    labels |= {normalized(r.label) for t in T.TEMPLATES.values() for b in t.table2 for r in b.rows}
    return tuple(re.compile(re.escape(x) + "[ ]?[+\\-]?[0-9]") for x in sorted(labels))


@lru_cache(maxsize=1)
def _t4_glued() -> tuple[str, re.Pattern[str]]:
    """Table 四 flattened on its own: the header words, then its cells as one run of digits."""
    total = normalized(next(f.label for f in T.T4_FIELDS if f.key == T.T4_TOTAL_FIELD))
    return _t4_anchor()[0], re.compile(re.escape(total) + "[0-9]{%d,}" % len(T.table4_keys()))


def is_glued(line: str) -> bool:
    """A long line on which at least MIN_LABELS different official row labels are directly
    followed by digits, or table 四's header glued to a run of at least 15 digits (a few
    linear scans; ordinary lines are shorter than MIN_LINE and hold no such header)."""
    anchor, t4 = _t4_glued()
    i = line.find(anchor)
    if i >= 0 and t4.search(line, i):
        return True
    if len(line) < MIN_LINE:
        return False
    found = 0
    for pattern in _detectors():
        if pattern.search(line):
            found += 1
            if found >= MIN_LABELS:
                return True
    return False


@lru_cache(maxsize=1)
def _row_glued() -> re.Pattern[str]:
    """A whole line that is one table row with its cells glued to the label and to each
    other ("规章000", "行政许可124"): an HTML table flattened row by row without separators."""
    labels = {normalized(r.label) for t in T.TEMPLATES.values() for r in t.table3_rows if len(r.label) >= 4}
    labels |= {normalized(r.label) for t in T.TEMPLATES.values() for b in t.table2 for r in b.rows}
    return re.compile("(?:" + "|".join(re.escape(x) for x in sorted(labels, key=len, reverse=True)) + ")[+\\-]?[0-9][0-9.,]*")


MIN_ROW_LINES = 2  # lines that are each one glued row (distinct labels)
_ROW_SPAN = 200  # lines from the first such row to the last


def _join_glued_rows(lines: list[str], meta: list[LineMeta]) -> tuple[list[str], list[LineMeta]]:
    """Tables printed one glued row per line: the table's lines joined into one glued body
    (from the table's first line, its 第二十条 item or note, to its last glued row), which
    `split_body` cuts as it cuts a crawler dump.  Lines with a separator are never rows here."""
    pattern = _row_glued()
    rows = [i for i, x in enumerate(lines) if len(x) < 60 and pattern.fullmatch(x.strip())]
    if len({pattern.fullmatch(lines[i].strip()) and lines[i].strip().rstrip("0123456789.,+-") for i in rows}) < MIN_ROW_LINES:
        return lines, meta
    first, last = rows[0], rows[-1]
    if last - first > _ROW_SPAN:
        return lines, meta
    anchors = _t2_anchor() + _t3_anchor()
    start = first
    for i in range(first - 1, max(first - 8, -1), -1):
        if any(a in normalized(lines[i]) for a in anchors):
            start = i
            break
    if any("|" in x or "\t" in x for x in lines[start : last + 1]):  # rows with separators: another layout
        return lines, meta
    body = "".join(x.strip() for x in lines[start : last + 1])
    pieces = [p for t, tag in split_body(body) if t.strip() for p in _unless_doubtful(t, tag)]
    if not any(tag for _, tag in pieces):
        return lines, meta
    m = meta[start]
    return (lines[:start] + [t for t, _ in pieces] + lines[last + 1 :],
            meta[:start] + [replace(m, glued=tag) for _, tag in pieces] + meta[last + 1 :])


def _unless_doubtful(text: str, tag: str | None) -> list[tuple[str, str | None]]:
    """A table 二 row glued on its own line is split only when its run is all zeros: a blank
    cell vanishes from such a row, and with no arithmetic to tell, "012" may be 0, 1, 2 or a
    blank, 0, 12.  All zeros split into one-digit cells whatever vanished (a short run has no
    split).  Any other row is given back as printed, on its own line (the ordinary reading
    takes it or leaves it, as before)."""
    if tag and tag.startswith("table2.") and set(text.rsplit("\t", 1)[-1].strip()) - {"0"}:
        fields = text.split("\t")
        row = "".join(fields[-2:])
        return [(fields[0], None), (row, None)] if len(fields) > 2 else [(row, None)]
    return [(text, tag)]


def unglue(lines: list[str], meta: list[LineMeta]) -> tuple[list[str], list[LineMeta]]:
    """Lines with every glued body cut into label-anchored lines (others unchanged)."""
    lines, meta = _join_glued_rows(lines, meta)
    anchor = _t4_glued()[0]
    if max(map(len, lines), default=0) < MIN_LINE and anchor not in "\n".join(lines):
        return lines, meta
    out_lines: list[str] = []
    out_meta: list[LineMeta] = []
    for line, m in zip(lines, meta):
        if not is_glued(line):
            out_lines.append(line)
            out_meta.append(m)
            continue
        for text, tag in split_body(line):
            if text.strip():
                out_lines.append(text)
                out_meta.append(replace(m, glued=tag))
    return out_lines, out_meta


# --------------------------------------------------------------------------- the body


def _headings() -> list[tuple[str, tuple[str, ...]]]:
    return [(s.key, tuple(sorted({normalized(f"{s.number}、{h}") for h in (s.heading,) + s.variants}, key=len, reverse=True)))
            for s in T.SECTIONS]


def _find_first(text: str, words: tuple[str, ...], start: int, end: int | None = None) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    for w in words:
        i = text.find(w, start, end)
        if i >= 0 and (best is None or i < best[0] or (i == best[0] and i + len(w) > best[1])):
            best = (i, i + len(w))
    return best


_TABLE_OF = {"proactive": "table2", "requests": "table3", "appeals": "table4"}


def split_body(line: str) -> list[tuple[str, str | None]]:
    """(text, tag) pieces of a glued body, in order; tag None for prose and headings.  A
    table is looked for under its own section heading (anywhere when that heading is missing)."""
    cuts: list[tuple[int, int, str]] = []
    pos = 0
    for key, words in _headings():
        hit = _find_first(line, words, pos)
        if hit is not None:
            cuts.append((hit[0], hit[1], key))
            pos = hit[1]
    homeless = {t for k, t in _TABLE_OF.items() if k not in {c[2] for c in cuts}}
    out: list[tuple[str, str | None]] = []
    start, allowed = 0, homeless
    for a, b, key in cuts:
        out += _split_segment(line, start, a, allowed)
        out.append((line[a:b], None))
        start = b
        allowed = homeless | ({_TABLE_OF[key]} if key in _TABLE_OF else set())
    out += _split_segment(line, start, len(line), allowed)
    return out


def _t2_anchor() -> tuple[str, ...]:
    return tuple({normalized(t.table2[0].item) for t in T.TEMPLATES.values()})


def _t3_anchor() -> tuple[str, ...]:
    return (normalized(T.T3_NOTE)[:8], normalized(T.T3_HEADER_TOP), normalized(T.TEMPLATE_2021.t3_row("new_received").label))


def _t4_anchor() -> tuple[str, ...]:
    return (normalized(T.T4_GROUPS[0][1] + T.T4_HEADER_LITIGATION),)


def _split_segment(line: str, a: int, b: int, tables: set[str]) -> list[tuple[str, str | None]]:
    """A stretch between headings: prose, and the tables (of `tables`) that start in it."""
    if a >= b:
        return []
    starts = []
    for name, words in (("table2", _t2_anchor()), ("table3", _t3_anchor()), ("table4", _t4_anchor())):
        if name not in tables:
            continue
        hit = _find_first(line, words, a, b)
        if hit is not None:
            starts.append((hit[0], name))
    starts.sort()
    if not starts:
        return [(line[a:b], None)]
    out: list[tuple[str, str | None]] = []
    if starts[0][0] > a:
        out.append((line[a:starts[0][0]], None))
    bounds = [s for s, _ in starts[1:]] + [b]
    for (s, name), e in zip(starts, bounds):
        if name == "table4":
            out += _table4(line, s, e)
        else:
            rows = _table2_rows(line[s:e]) if name == "table2" else _table3_rows(line[s:e])
            out += _rows(line, s, e, rows)
    return out


def _table2_rows(zone: str) -> list[RowLabel]:
    tpl = T.TEMPLATE_2021
    if any(normalized(w) in zone for w in T.TEMPLATE_2019.table2_signature):
        tpl = T.TEMPLATE_2019
    return [RowLabel(f"table2.{r.key}", "", tuple(sorted({normalized(x) for x in (r.label,) + r.variants}, key=len, reverse=True)))
            for block in tpl.table2 for r in block.rows]


def _table3_rows(zone: str) -> list[RowLabel]:
    tpl = T.TEMPLATE_2021
    if not any(normalized(w) in zone for w in T.TEMPLATE_2021.signature):
        tpl = T.TEMPLATE_2019
    return [RowLabel(f"table3.{r.key}", normalized(r.number),
                     tuple(sorted({normalized(x) for x in (r.label,) + r.variants}, key=len, reverse=True)),
                     normalized(r.note), len(r.label) <= 3)
            for r in tpl.table3_rows]


def _locate(line: str, row: RowLabel, start: int, end: int) -> tuple[int, int] | None:
    """[row start (its number included), label end (its note included)) of `row`."""
    words = tuple(row.number + w for w in row.labels) if row.need_number else row.labels
    hit = _find_first(line, words, start, end)
    if hit is None:
        return None
    a, b = hit
    if not row.need_number and row.number and line.startswith(row.number, a - len(row.number)) and a - len(row.number) >= start:
        a -= len(row.number)
    if row.note and line.startswith(row.note, b):
        b += len(row.note)
    return a, b


def _rows(line: str, s: int, e: int, rows: list[RowLabel]) -> list[tuple[str, str | None]]:
    found: list[tuple[RowLabel, int, int]] = []
    pos = s
    for row in rows:
        hit = _locate(line, row, pos, e)
        if hit is not None:
            found.append((row, *hit))
            pos = hit[1]
    if not found:
        return [(line[s:e], None)]
    out: list[tuple[str, str | None]] = []
    lead = line[s:found[0][1]]
    for n, (row, a, b) in enumerate(found):
        nxt = found[n + 1][1] if n + 1 < len(found) else e
        m = _RUN.match(line, b, nxt)
        run_end = m.end() if m else b
        label = line[a:b]
        if m:
            out.append((f"{lead}\t{label}\t{line[b:run_end]}" if lead else f"{label}\t{line[b:run_end]}", row.tag))
        else:
            out.append((f"{lead}{label}", None))
        lead = line[run_end:nxt]
    if lead.strip():
        out.append((lead, None))
    return out


def _table4(line: str, s: int, e: int) -> list[tuple[str, str | None]]:
    first = line.find(normalized(T.T4_FIELDS[0].label), s, e)
    digit = re.compile(r"[0-9]").search(line, first if first >= 0 else s, e)
    if digit is None:
        return [(line[s:e], None)]
    m = _RUN.match(line, digit.start(), e)
    assert m is not None
    out: list[tuple[str, str | None]] = [(f"{line[s:digit.start()]}\t{line[digit.start():m.end()]}", "table4")]
    if m.end() < e:
        out.append((line[m.end():e], None))
    return out
