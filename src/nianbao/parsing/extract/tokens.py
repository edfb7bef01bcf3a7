"""Lines of a table region -> a stream of cells, each classified and located.

A line is split into cells by tabs between its cells (grids, PDF text), else by "|" (scraped
HTML and markdown tables; tabs and spaces around the pipes are padding), else by runs of spaces when the result
looks like a table row (a label followed by numbers, or a row of short header words); any
other line is one text cell.

Scraped pages spread one table row over several lines ("规章 |" / "0 |" / "|" / "0 |"): there
the pipes, not the line breaks, separate the cells, so an empty stretch between two pipes is a
blank cell even when it spans a line break (a lone "|" line is one).  `tokenize` adds those
blank cells, so a row's cells keep their positions (`Token.sep`).
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import NamedTuple

from ...lazyre import lazy
from ...model import LineMeta

BLANK, DASH, NUMBER, TEXT = "blank", "dash", "number", "text"

DASHES = frozenset({"-", "--", "—", "——", "–", "/", "\\", "无", "－", "—-", "-—", "×", "／", "空"})
# words printed in a numeric cell instead of a number: the cell is blank (null), worth a finding
WORDS = frozenset({"不适用", "暂无", "无此项", "不涉及", "未涉及", "没有", "无数据", "略", "未发生", "无此类",
                   "N/A", "n/a", "NA", "na", "null", "NULL", "None", "none", "nil", "—/—"})
# a signed change (2019 table 二, 本年增/减) that says "no change": 0
NO_CHANGE = frozenset({"未增未减", "不增不减", "无增减", "无增减变化", "无变化", "持平", "未增减"})
_ASCII_WORD = re.compile(r"^[A-Za-z]{1,8}$")
# a number with a note in brackets after it: "18(其中修订5件)", "3件(含转办1件)"
_NOTED = re.compile(r"^([^()（）]{1,24}?)\s*[(（][^()（）]*[\u4e00-\u9fff][^()（）]*[)）]$")
UNITS = ("万元", "元", "件", "个", "项", "次", "条", "起", "宗", "份")
MAX_DIGITS = 15  # a longer run of digits is not a count (nor exact as a float): it is text
MAX_CELLS = 2000  # a line with more cells is no table row (a report's three tables have ~400 cells in all)
MAX_CACHED = 1000  # longer lines and cells are not cached: a hostile 10 MB line must not outlive its report
_NUMBER = re.compile(r"^(增加|减少|增|减|\+|-)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(" + "|".join(UNITS) + ")?$")
# a label that starts inside a cell: "本年度办理结果(一)予以公开", "无法提供1.本机关不掌握…"
_INNER_ENUM = re.compile(r"(?<=[\u4e00-\u9fff）)])(?=\((?:[一二三四五六七八九十]|\d{1,2})\)[\u4e00-\u9fff]|\d{1,2}\.[\u4e00-\u9fff])")
_LABEL_START = lazy(r"\((?:[一二三四五六七八九十]{1,2}|\d{1,2})\)|[一二三四五六七八九十]{1,2}、|\d{1,2}\.[\u4e00-\u9fff]")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_SPACES = re.compile(r" +")
_MISSIGNED = re.compile(r"^[-+－—–]{2,}\d+(?:\.\d+)?$")
_SPLIT_DIGITS = re.compile(r"\d +\d")


class Token(NamedTuple):
    line: int  # 0-based index into the normalised lines
    start: int
    end: int
    text: str
    kind: str  # blank | dash | number | text
    value: int | float | None = None
    unit: str | None = None
    confidence: float = 1.0
    grid: bool = False  # from a real table grid (positions reliable)
    sep: str = ""  # "|" or "\t" when cut by pipes or tabs: a blank cell is printed as such (positions kept)

    @property
    def raw(self) -> str:
        return self.text


def classify(text: str) -> tuple[str, int | float | None, str | None]:
    """(kind, value, unit) of one cell."""
    return _classify(text) if len(text) <= MAX_CACHED else _classify.__wrapped__(text)


@lru_cache(maxsize=8192)
def _classify(text: str) -> tuple[str, int | float | None, str | None]:
    s = text.strip()
    if not s:
        return BLANK, None, None
    if s in DASHES or s in WORDS or _ASCII_WORD.match(s):
        return DASH, None, None
    if s in NO_CHANGE:
        return NUMBER, 0, None
    if _SPLIT_DIGITS.search(s):  # "21 0": two cells merged into one (PDF-to-markdown), not 210
        return TEXT, None, None
    s = s.replace(" ", "")
    m = _NUMBER.match(s)
    if not m:
        noted = _NOTED.match(s)
        if noted and _NUMBER.match(noted.group(1)):
            return _classify(noted.group(1))
        if _MISSIGNED.match(s):  # "--253", "+-3": a number with stray signs is no number, nor a label
            return DASH, None, None
        return TEXT, None, None
    sign, digits, frac, unit = m.groups()
    digits = digits.replace(",", "")
    if len(digits) > MAX_DIGITS:
        return TEXT, None, None
    value: int | float = float(digits + frac) if frac else int(digits)
    if sign in ("-", "减少", "减"):
        value = -value
    return NUMBER, value, unit


def _cells_by(line: str, sep: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for part in line.split(sep, MAX_CELLS):  # more parts than MAX_CELLS: split_cells makes it one cell
        spans.append((pos, pos + len(part)))
        pos += len(part) + len(sep)
    return spans


def split_cells(line: str) -> list[tuple[int, int]]:
    """Column spans [start, end) of the cells of one line (untrimmed); a line of more than
    MAX_CELLS cells is one text cell."""
    spans = _split_cells(line)
    if len(spans) <= MAX_CELLS:
        return spans
    lead = len(line) - len(line.lstrip())
    return [(lead, len(line.rstrip()))]


def _split_cells(line: str) -> list[tuple[int, int]]:
    if "|" in line and "\t" not in line.strip():  # tabs around pipes are padding ("\t\t\t0  | ")
        if _MD_RULE.match(line):
            return []
        body_start = line.find("|") + 1 if line.lstrip().startswith("|") else 0
        body_end = line.rfind("|") if line.rstrip().endswith("|") else len(line)
        if body_end < body_start:
            return [(0, 0)]
        return [(body_start + a, body_start + b) for a, b in _cells_by(line[body_start:body_end], "|")]
    if "\t" in line:
        return _cells_by(line, "\t")
    stripped = line.strip()
    if not stripped:
        return []
    if " " not in stripped:
        lead = len(line) - len(line.lstrip())
        return [(lead, lead + len(stripped))]
    spans = [(m.start(), m.end()) for m in itertools.islice(re.finditer(r"[^ ]+", line), MAX_CELLS + 1)]
    if len(spans) > MAX_CELLS:
        return spans  # too many for a row: split_cells makes it one cell
    spans = _unglue_words(line, spans)
    kinds = [classify(line[a:b])[0] for a, b in spans]
    if _looks_like_row(line, spans, kinds):
        return _attach_units(line, spans, kinds)
    lead = len(line) - len(line.lstrip())
    return [(lead, lead + len(stripped))]


_CJK_WORDS = sorted((w for w in WORDS | DASHES | {"无"} if re.match("[\u4e00-\u9fff]", w)), key=len, reverse=True)


def _word_cuts(text: str) -> list[int] | None:
    """Where `text` splits into words printed in numeric cells ("无不适用" -> 无 | 不适用), or
    None when it is not made of them (removing the spaces between CJK words glued them)."""
    cuts, pos = [0], 0
    while pos < len(text):
        word = next((w for w in _CJK_WORDS if text.startswith(w, pos)), None)
        if word is None:
            return None
        pos += len(word)
        cuts.append(pos)
    return cuts


def _unglue_words(line: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Space-separated cells glued back together by normalisation: a run of words ("无 不适用"
    -> "无不适用") is one cell per word, and a word glued to the label before the row's first
    number ("…禁止公开无 0") is a cell of its own."""
    out: list[tuple[int, int]] = []
    for n, (a, b) in enumerate(spans):
        text = line[a:b]
        if classify(text)[0] == TEXT:
            cuts = _word_cuts(text) if len(text) > 1 else None
            if cuts is not None and n:
                out.extend((a + x, a + y) for x, y in zip(cuts, cuts[1:]))
                continue
            nxt = classify(line[spans[n + 1][0]:spans[n + 1][1]])[0] if n + 1 < len(spans) else None
            if n == 0 and nxt in (NUMBER, DASH):  # the label, then the row's first value
                for k in range(4, len(text)):
                    tail = _word_cuts(text[k:])
                    if tail is not None and re.search("[\u4e00-\u9fff]{4}", text[:k]):
                        out.append((a, a + k))
                        out.extend((a + k + x, a + k + y) for x, y in zip(tail, tail[1:]))
                        break
                else:
                    out.append((a, b))
                continue
        out.append((a, b))
    return out


def _looks_like_row(line: str, spans: list[tuple[int, int]], kinds: list[str]) -> bool:
    """Label cell(s) then value cells, or short header words: not a sentence of prose."""
    first_value = next((i for i, k in enumerate(kinds) if k != TEXT), None)
    if first_value is None:  # all words: a header row of short words, or labels side by side
        return len(spans) >= 2 and all(b - a <= 12 or _LABEL_START.match(line, a) for a, b in spans)
    if first_value > 3:
        return False
    tail = kinds[first_value:]
    texts = [line[a:b] for (a, b), k in zip(spans[first_value:], tail) if k == TEXT]
    return all(t in UNITS for t in texts)


def _attach_units(line: str, spans: list[tuple[int, int]], kinds: list[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for (a, b), kind in zip(spans, kinds):
        if out and kind == TEXT and line[a:b] in UNITS and classify(line[out[-1][0]:out[-1][1]])[0] == NUMBER:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


Cell = tuple[int, int, str, str, "int | float | None", "str | None", int]  # start, end, text, kind, value, unit, cell no.


def line_cells(line: str) -> tuple[Cell, ...]:
    """The classified cells of one line (cached: rows like "0\t0\t0" recur in every report)."""
    return _line_cells(line) if len(line) <= MAX_CACHED else _line_cells.__wrapped__(line)


@lru_cache(maxsize=32768)
def _line_cells(line: str) -> tuple[Cell, ...]:
    if not line.strip("|\t "):  # "||||||": filler between rows
        return ()
    out: list[Cell] = []
    for n, (a, b) in enumerate(split_cells(line)):
        raw = line[a:b]
        text = raw.strip()
        if text != raw:
            a += len(raw) - len(raw.lstrip())
        kind, value, unit = classify(text)
        if kind == TEXT and len(text) <= 80 and _INNER_ENUM.search(text):
            cuts = [0] + [mm.start() for mm in _INNER_ENUM.finditer(text)] + [len(text)]
            out.extend((a + x, a + y, text[x:y], TEXT, None, None, n) for x, y in zip(cuts, cuts[1:]))
            continue
        out.append((a, a + len(text), text, kind, value, unit, n))
    if all(c[3] == BLANK for c in out):  # "\t\t\t", a markdown rule: nothing to read
        return ()
    return tuple(out)


class PipeShape(NamedTuple):
    first: int  # position of the first "|"
    last: int  # position of the last "|"
    lead: bool  # the line starts with "|"
    trail: bool  # the line ends with "|"
    pipes: int  # how many "|" (for a line of nothing else)
    only: bool  # nothing but pipes and spaces: blank cells only
    rule: bool  # a markdown rule "|---|---|"


@lru_cache(maxsize=4096)
def pipe_shape(line: str) -> PipeShape | None:
    """Where the pipes of a line are, or None for a line without any."""
    first = line.find("|")
    if first < 0:
        return None
    body = line.strip(" \t")
    only = not body.strip("|\t ")
    if "\t" in body and not only:  # cut by tabs (a "|" inside a cell is text)
        return None
    return PipeShape(first, line.rfind("|"), body.startswith("|"), body.endswith("|"), line.count("|") if only else 0,
                     only, not only and bool(_MD_RULE.match(line)))


@lru_cache(maxsize=1024)
def _pipes_at(line: str) -> tuple[int, ...]:
    """Where the "|" of a line of nothing but pipes are (such lines recur: "|", "||")."""
    return tuple(k for k, ch in enumerate(line) if ch == "|")


_new = tuple.__new__


def _line_tokens(i: int, cells: tuple[Cell, ...], conf: tuple[float, ...] | None, grid: bool, sep: str) -> list[Token]:
    """The tokens of line `i` from its cells (built as plain tuples: a report has hundreds)."""
    if not conf:
        return [_new(Token, (i, a, b, text, kind, value, unit, 1.0, grid, sep)) for a, b, text, kind, value, unit, _ in cells]
    return [_new(Token, (i, a, b, text, kind, value, unit, conf[n] if n < len(conf) else 1.0, grid, sep))
            for a, b, text, kind, value, unit, n in cells]


def tokenize(lines: list[str], meta: list[LineMeta], start: int, end: int) -> list[Token]:
    """Cells of lines[start:end] in reading order.  Where the lines are cut by pipes, a line
    break is not a cell boundary: an empty stretch between two pipes is a blank cell even
    across lines, and tabs on lines without pipes are indentation."""
    end = min(end, len(lines))
    out: list[Token] = []
    append = out.append
    shown = [i for i in range(start, end) if lines[i] and not lines[i].isspace()]
    piped = len([i for i in shown if "|" in lines[i]]) * 3 >= len(shown) > 0
    gap = False  # a pipe was the last thing printed: what follows opens a new cell
    md_row = False  # the last line was a whole markdown row "| … |"
    n_meta = len(meta)
    for i in shown:
        line = lines[i]
        if i < n_meta:
            m = meta[i]
            conf, grid = m.cell_confidence, m.grid
        else:
            conf, grid = None, False
        shape = pipe_shape(line) if piped else None
        if shape is None:
            sep = "\t" if "\t" in line else ""
            if piped and sep:  # among lines cut by pipes, tabs around a cell are indentation
                if "\t" in line.strip():
                    sep = "\t"
                else:
                    line, sep = line.replace("\t", " "), "|"
            elif piped:
                sep = "|"
            gap = md_row = False
        elif shape.rule:  # a markdown rule: a row boundary
            gap = md_row = False
            continue
        elif shape.only:  # "|", "||", "| ||": blank cells (the first one closes an open cell)
            if shape.pipes <= MAX_CELLS:  # (more: no table row has that many cells: filler)
                pos = _pipes_at(line) if len(line) <= MAX_CACHED else _pipes_at.__wrapped__(line)
                for k in pos if gap else pos[1:]:
                    append(_new(Token, (i, k, k, "", BLANK, None, None, 1.0, grid, "|")))
            gap, md_row = True, False
            continue
        else:
            # a markdown row "| a | b | c |" after another: the line break ends a row, it is no
            # blank cell (a fragment " | 25 |" of a row cut by line breaks is not such a row)
            whole_row = shape.lead and shape.trail and line.count("|") >= 4
            if shape.lead and gap and not (md_row and whole_row):
                append(_new(Token, (i, shape.first, shape.first, "", BLANK, None, None, 1.0, grid, "|")))
            sep = "|"
            gap, md_row = shape.trail, whole_row
        cells = _line_cells(line) if len(line) <= MAX_CACHED else _line_cells.__wrapped__(line)
        if conf:
            out += _line_tokens(i, cells, conf, grid, sep)
        else:  # (the common line: its tokens built here, without a call; most lines hold one cell)
            for a, b, text, kind, value, unit, _ in cells:
                append(_new(Token, (i, a, b, text, kind, value, unit, 1.0, grid, sep)))
    return out
