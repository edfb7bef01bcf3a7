"""Normalise a Document's lines before anything is matched.

Every substitution stays inside a line, so line numbers only change where a step
removes or joins whole lines (page numbers, running headers, vertical one-character
stacks); the per-line metadata (page, OCR confidence) follows the lines.

Steps, in order:
  1. invisible characters removed; NBSP and ideographic spaces -> " "
  2. traditional -> simplified (OpenCC), only when traditional characters occur
  3. pinyin annotations of mirror pages removed: 公(gong)開(kai) -> 公開
  4. markdown emphasis and heading marks removed
  5. full-width digits, letters and punctuation -> ASCII
  6. spaces inside CJK text removed ("商业 企业" -> "商业企业"); tabs are kept
  7. "1. 属于" -> "1.属于"
  8. page-number lines ("- 3 -", "第3页 共5页") and running headers/footers dropped
  9. vertical stacks of one-character lines joined ("三/、/本/年/度…" -> "三、本年度…")
 10. a crawler dump's one-line body cut into headings, prose and "label<TAB>digits" rows
     (`unglue`; only a long line with glued table rows)
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..lazyre import lazy
from ..model import Document, LineMeta

_INVISIBLE = re.compile("[\u200b-\u200f\u2028\u2029\u2060\ufeff\u00ad\x0b\x0c]")
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_CJK = "\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u201c\u201d\u2018\u2019\u2014\u2026"
# (each pattern starts with a plain character and looks behind from there: the regex engine
# then skips straight to the candidates instead of trying every position of the text)
_CJK_SPACE = re.compile(f" (?<=[{_CJK}] ) *(?=[{_CJK}])")  # spaces between two CJK characters
_PINYIN = re.compile("[（(](?<=[\u4e00-\u9fff][（(])[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹ]{1,7}[）)]")
# "**", "__", "~~", and at a line's start (after up to 3 spaces) "#{1,6} " and "> "
_MD_EMPHASIS = lazy(r"\*\*|__|~~|#(?<=^#)#{0,5} +|>(?<=^>) ?| (?<=^ ) {0,2}(?:#{1,6} +|> ?)", re.MULTILINE)
_NUMBERED_SPACE = lazy(r"(\d(?<![\d.]\d)\d?\.) +(?=[\u4e00-\u9fff])")  # "1. 属于" (no digit or "." before)
_FULLWIDTH = re.compile("[\uff01-\uff5e]")
_ODD_SPACE = re.compile(_INVISIBLE.pattern[:-1] + _SPACES.pattern[1:])  # either of the two above


def _to_ascii(text: str) -> str:
    """Full-width digits, letters and punctuation -> ASCII: one replace per character used,
    found by searching on from the last one (a list of every "，" of a report costs more)."""
    pos, search = 0, _FULLWIDTH.search
    while (m := search(text, pos)) is not None:
        ch = m.group()
        text = text.replace(ch, chr(ord(ch) - 0xFEE0))  # (one character for one: positions kept)
        pos = m.end()
    return text


def _pinyin_count(text: str, enough: int = 3, span: int = 20000) -> int:
    """How many pinyin annotations start in the first `span` characters, counted up to
    `enough` (each starts at a bracket: only brackets are tried, not every position)."""
    n, match = 0, _PINYIN.match
    for bracket in ("（", "("):
        pos = text.find(bracket, 0, span)
        while pos >= 0:
            if match(text, pos, span) is not None:
                n += 1
                if n >= enough:
                    return n
            pos = text.find(bracket, pos + 1, span)
    return n

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    re.IGNORECASE,
)
_ONE_CJK = lazy("^\\s*[\u4e00-\u9fff\u3001\uff0c\u3002]\\s*$")
_PAGE_OF = lazy(r"^第(\d+)页")


@lru_cache(maxsize=1)
def _converter() -> Any:  # an opencc.OpenCC (untyped)
    import opencc

    return opencc.OpenCC("t2s")


def traditional_chars() -> frozenset[str]:
    """Characters OpenCC changes when converting traditional -> simplified (kept in
    `formats.traditional`: computing them loads opencc's converter)."""
    from ..formats.traditional import TRADITIONAL_CHARS

    return TRADITIONAL_CHARS


def opencc_traditional_chars() -> frozenset[str]:
    """`traditional_chars` as the installed opencc computes them (what the kept list is checked against)."""
    block = "\n".join(chr(cp) for cp in range(0x4E00, 0xA000))
    converted = _converter().convert(block).split("\n")
    return frozenset(chr(0x4E00 + i) for i, ch in enumerate(converted) if ch != chr(0x4E00 + i))


@lru_cache(maxsize=1)
def _traditional_re() -> re.Pattern[str]:
    return re.compile("[" + "".join(sorted(traditional_chars())) + "]")


def to_simplified(text: str) -> str:
    """Traditional -> simplified, when the text is traditional: a few stray characters that
    OpenCC would change (乾县, 於) do not make a simplified report traditional."""
    found = _traditional_re()
    if found.search(text) is None or len(set(found.findall(text, 0, 20000))) < 3:
        return text
    simplified: str = _converter().convert(text)
    return simplified


def normalize_text(text: str) -> str:
    """Steps 1-7 on a string (newlines are preserved, never added or removed)."""
    if _ODD_SPACE.search(text):
        text = _INVISIBLE.sub("", text)
        text = _SPACES.sub(" ", text)
    text = to_simplified(text)
    if _pinyin_count(text) >= 3:
        text = _PINYIN.sub("", text)
    if "*" in text or "_" in text or "#" in text or ">" in text or "~" in text:
        text = _MD_EMPHASIS.sub("", text)
    text = _to_ascii(text)
    text = _CJK_SPACE.sub("", text)
    if ". " in text:
        text = _NUMBERED_SPACE.sub(r"\1", text)
    return text


def normalize(doc: Document) -> tuple[list[str], list[LineMeta]]:
    """The document's lines after all normalisation steps, with their metadata."""
    joined = "\n".join(doc.lines)
    if joined.count("\n") >= len(doc.lines):  # a reader put "\n" inside a line: a space there
        joined = "\n".join(line.replace("\n", " ") for line in doc.lines)
    lines = normalize_text(joined).split("\n")
    if len(lines) != len(doc.meta):  # defensive: a reader that put "\n" inside a line
        meta = [LineMeta() for _ in lines]
    else:
        meta = list(doc.meta)
    lines = [line.rstrip(" \r") for line in lines]
    # (no page number holds a "|": the short cells of a scraped table skip the pattern)
    keep = [len(line) > 24 or "|" in line or not _PAGE_NUMBER.match(line) for line in lines]
    if doc.pages is None or doc.pages >= 3:
        _drop_running_lines(lines, meta, keep)
    if not all(keep):
        lines = [line for line, k in zip(lines, keep) if k]
        meta = [m for m, k in zip(meta, keep) if k]
    from .unglue import unglue  # (unglue reads the templates through vocab, which imports this module)

    return unglue(*_join_vertical(lines, meta))


def _drop_running_lines(lines: list[str], meta: list[LineMeta], keep: list[bool]) -> None:
    """Mark running headers/footers: the same short line first or last on most pages."""
    pages: dict[int, list[int]] = {}
    for i, m in enumerate(meta):
        if not m.origin:
            continue
        found = _PAGE_OF.match(m.origin)
        if found and lines[i].strip() and keep[i]:
            pages.setdefault(int(found.group(1)), []).append(i)
    if len(pages) < 3:
        return
    edges: Counter[str] = Counter()
    shape: Callable[[str], str] = lambda s: re.sub(r"\d+", "#", s.strip())  # noqa: E731 - page numbers differ
    for idx in pages.values():
        for i in {idx[0], idx[-1]}:
            if len(lines[i].strip()) <= 40 and "\t" not in lines[i]:
                edges[shape(lines[i])] += 1
    running = {s for s, n in edges.items() if n >= max(3, len(pages) // 2 + 1)}
    if not running:
        return
    for idx in pages.values():
        for i in {idx[0], idx[-1]}:
            if shape(lines[i]) in running:
                keep[i] = False


def _join_vertical(lines: list[str], meta: list[LineMeta]) -> tuple[list[str], list[LineMeta]]:
    """Runs of three or more lines of one CJK character each (a label printed vertically) as
    one line."""
    # (a short cell of a scraped table, "0 |", holds a "|": no one-character line)
    singles = [i for i, n in enumerate(map(len, lines)) if 0 < n <= 3 and "|" not in lines[i] and _ONE_CJK.match(lines[i])]
    runs: list[tuple[int, int]] = []  # [i, j) of each run of three or more
    k = 0
    while k < len(singles):
        j = k
        while j + 1 < len(singles) and singles[j + 1] == singles[j] + 1:
            j += 1
        if j - k >= 2:
            runs.append((singles[k], singles[j] + 1))
        k = j + 1
    if not runs:
        return lines, meta
    out_lines: list[str] = []
    out_meta: list[LineMeta] = []
    done = 0
    for i, j in runs:
        out_lines += lines[done:i]
        out_meta += meta[done:i]
        out_lines.append("".join(s.strip() for s in lines[i:j]))
        out_meta.append(meta[i])
        done = j
    out_lines += lines[done:]
    out_meta += meta[done:]
    return out_lines, out_meta
