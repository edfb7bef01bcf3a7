"""Label matching: which official label (from `templates`) a piece of text is.

Nothing here spells a label: the indexes are built from `templates` at first use.
A text matches a label when, after `match_key` (numbers, quotes, spaces and the
parenthetical note stripped), it is

  exact   equal to the label or one of its accepted variants;
  prefix  the first part of a label that wrapped onto the next line (>= 4 characters);
  fuzzy   close enough to a label of >= 5 characters to be a typo (difflib ratio >= 0.75,
          and clearly closer than any other label) — reported as a label typo.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from . import templates as T
from ..parsing.normalize import normalize_text

# numbering: "(一)", "一、", "1." and "①"; also a lone digit right before a hanzi, "1属于…" (the
# dot lost by OCR or never typed: "1 属于…" once spaces are stripped)
_ENUM = re.compile(
    r"^(?:\((?:[一二三四五六七八九十]{1,3}|\d{1,2})\)|[一二三四五六七八九十]{1,3}[、.]|\d{1,2}[.、)]|[①-⑳]"
    r"|[1-9](?=[\u4e00-\u9fff]))"
)
_QUOTES = re.compile("[\u201c\u201d\u2018\u2019\"'`\\s]")
_TRAILING = re.compile(r"[:;,.。、]+$")
# mirrors converted with Taiwan phrasing (OpenCC s2twp) print 文件 as 檔案 ("規範性檔案"): in a
# label it is the word of the template (no official label has 档案)
_TW_PHRASES = (("档案", "文件"),)


def match_key(text: str, normalized: bool = True) -> str:
    """The comparable core of a label: no numbering, quotes, spaces or note in brackets."""
    s = text if normalized else normalize_text(text)
    s = _QUOTES.sub("", s)
    for _ in range(3):
        m = _ENUM.match(s)
        if not m:
            break
        s = s[m.end():]
    cut = s.find("(")
    if cut >= 2:
        s = s[:cut]
    for phrase, word in _TW_PHRASES:
        if phrase in s:
            s = s.replace(phrase, word)
    return _TRAILING.sub("", s)


@dataclass(frozen=True)
class LabelRef:
    table: str  # "table2" | "table3" | "table4" | "section"
    kind: str  # row | group | header | field | block
    key: str
    label: str  # the official label (for messages and typo suggestions)
    templates: tuple[str, ...] = T.TEMPLATE_IDS


@dataclass(frozen=True)
class Match:
    refs: tuple[LabelRef, ...]
    quality: str  # exact | prefix | fuzzy
    score: float = 1.0

    def first(self, kind: str | None = None) -> LabelRef | None:
        for ref in self.refs:
            if kind is None or ref.kind == kind:
                return ref
        return None


class LabelIndex:
    def __init__(self, entries: list[tuple[str, LabelRef]]):
        self.exact: dict[str, tuple[LabelRef, ...]] = {}
        for text, ref in entries:
            key = match_key(text, normalized=False)
            if not key:
                continue
            refs = self.exact.get(key, ())
            if ref not in refs:
                self.exact[key] = refs + (ref,)
        self.keys = sorted(self.exact, key=len, reverse=True)
        self.long_keys = [k for k in self.keys if len(k) >= 5]
        self._cache: dict[str, Match | None] = {}

    def match(self, text: str) -> Match | None:
        """The labels `text` (already normalised) is, or None."""
        cached = self._cache.get(text)
        if cached is not None or text in self._cache:
            return cached
        result = self._match(match_key(text), not text.endswith("。"))  # (a sentence is no label typo)
        if len(self._cache) < 50000:
            self._cache[text] = result
        return result

    def _match(self, key: str, fuzzy: bool = True) -> Match | None:
        if not key:
            return None
        refs = self.exact.get(key)
        if refs:
            return Match(refs, "exact")
        if len(key) >= 4:
            starts = [k for k in self.keys if len(k) > len(key) and k.startswith(key)]
            if len(starts) == 1 or (starts and len({r for k in starts for r in self.exact[k]}) == 1):
                return Match(self.exact[starts[0]], "prefix", len(key) / len(starts[0]))
        if fuzzy and len(key) >= 5 and len(key) <= 40 and _has_cjk(key):
            scored = []
            for k in self.long_keys:
                if abs(len(k) - len(key)) > max(4, len(k) // 3):
                    continue
                sm = SequenceMatcher(None, key, k, autojunk=False)
                if sm.real_quick_ratio() < 0.75 or sm.quick_ratio() < 0.75:
                    continue
                scored.append((sm.ratio(), k))
            scored.sort(reverse=True)
            # text that holds a whole label plus more is two cells run together, not a typo
            if scored and scored[0][1] in key:
                return None
            if scored and scored[0][0] >= 0.75 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.05):
                return Match(self.exact[scored[0][1]], "fuzzy", scored[0][0])
        return None


def _has_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


# --------------------------------------------------------------------------- indexes


@lru_cache(maxsize=1)
def table3_index() -> LabelIndex:
    entries: list[tuple[str, LabelRef]] = []
    for tid, tpl in T.TEMPLATES.items():
        for row in tpl.table3_rows:
            ref = LabelRef("table3", "row", row.key, row.title, (tid,))
            entries += [(row.label, ref)] + [(v, ref) for v in row.variants]
    for group in T.T3_GROUPS.values():
        templates = ("2021",) if group.key == "other" else T.TEMPLATE_IDS
        entries.append((group.label, LabelRef("table3", "group", group.key, group.title, templates)))
    for label in T.T3_HEADER_LABELS:
        entries.append((label, LabelRef("table3", "header", label, label)))
    entries.append((T.T3_NOTE.strip("（）"), LabelRef("table3", "header", "note", T.T3_NOTE)))
    return LabelIndex(_merge_templates(entries))


@lru_cache(maxsize=1)
def table2_index() -> LabelIndex:
    entries: list[tuple[str, LabelRef]] = []
    for tid, tpl in T.TEMPLATES.items():
        for block in tpl.table2:
            entries.append((block.item, LabelRef("table2", "block", block.item, block.item, (tid,))))
            for fld in block.fields:
                entries.append((fld.label, LabelRef("table2", "field", fld.key, fld.label, (tid,))))
            for row in block.rows:
                ref = LabelRef("table2", "row", row.key, row.label, (tid,))
                entries += [(row.label, ref)] + [(v, ref) for v in row.variants]
    entries.append((T.T2_HEADER, LabelRef("table2", "header", T.T2_HEADER, T.T2_HEADER)))
    return LabelIndex(_merge_templates(entries))


@lru_cache(maxsize=1)
def table4_index() -> LabelIndex:
    entries: list[tuple[str, LabelRef]] = []
    for key, label, parent in T.T4_GROUPS:
        entries.append((label, LabelRef("table4", "group", key, label)))
    entries.append((T.T4_HEADER_LITIGATION, LabelRef("table4", "header", "litigation", T.T4_HEADER_LITIGATION)))
    for fld in T.T4_FIELDS:
        entries.append((fld.label, LabelRef("table4", "field", fld.key, fld.label)))
    return LabelIndex(entries)


@lru_cache(maxsize=1)
def section_index() -> LabelIndex:
    entries: list[tuple[str, LabelRef]] = []
    for sec in T.SECTIONS:
        ref = LabelRef("section", "section", sec.key, sec.title)
        entries += [(sec.heading, ref)] + [(v, ref) for v in sec.variants]
    return LabelIndex(entries)


def _merge_templates(entries: list[tuple[str, LabelRef]]) -> list[tuple[str, LabelRef]]:
    """One ref per (kind, key, label text) with the union of the templates that print it."""
    merged: dict[tuple[str, str, str, str], set[str]] = {}
    order: list[tuple[str, str, str, str]] = []
    refs: dict[tuple[str, str, str, str], LabelRef] = {}
    for text, ref in entries:
        ident = (text, ref.kind, ref.key, ref.label)
        if ident not in merged:
            merged[ident] = set()
            order.append(ident)
            refs[ident] = ref
        merged[ident].update(ref.templates)
    out = []
    for ident in order:
        ref = refs[ident]
        tids = tuple(t for t in T.TEMPLATE_IDS if t in merged[ident])
        out.append((ident[0], LabelRef(ref.table, ref.kind, ref.key, ref.label, tids)))
    return out


@lru_cache(maxsize=1024)
def normalized(text: str) -> str:
    """A template string in the form normalised report text has (for substring search)."""
    return normalize_text(text).replace(" ", "")
