"""Segmentation: the six sections and the template; the title, agency, region and year
come from `metadata` (re-exported here)."""
from __future__ import annotations

import re

from . import templates as T
from .metadata import Metadata, find_metadata, find_title  # noqa: F401 - re-exported
from .model import SectionText
from .vocab import normalized, section_index

_HEADING_NUMBER = re.compile(r"^(?:第?([一二三四五六七八九十]{1,2})\s*[、.,]\s*)?")
_HEADING_END = re.compile(r"[。:;]")
# every heading and variant ends in one of these (a cheap test before matching a line)
_HEADING_TAILS = frozenset(h[-2:] for sec in T.SECTIONS for h in (sec.heading,) + sec.variants)
_HEADING_TAIL = re.compile("|".join(sorted(map(re.escape, _HEADING_TAILS))))  # one scan for all of them
_SUBHEADING = re.compile(r"^(?:\d{1,2}\s*[、.)]|\(|[①-⑳])")

__all__ = ["Metadata", "detect_template", "find_metadata", "find_sections", "find_title"]


# --------------------------------------------------------------------------- sections


def find_sections(lines: list[str]) -> list[SectionText]:
    """The section headings found, in document order, each with its text."""
    index = section_index()
    found: list[tuple[int, str, str, str]] = []  # (line, key, number, rest of line)
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if not line or len(line) > 120 or _HEADING_TAIL.search(line) is None:
            continue
        s = line.strip()
        if not s or "\t" in s or "|" in s:
            continue
        m = _HEADING_NUMBER.match(s)
        number = m.group(1) or ""
        rest = s[m.end():]
        end = _HEADING_END.search(rest)
        cand, tail = (rest[: end.start()], rest[end.end():]) if end else (rest, "")
        if not cand or len(cand) > 40 or (not number and len(s) > 40):
            continue
        if _SUBHEADING.match(rest):
            continue  # "1、主动公开情况", "（一）…": a sub-heading, not one of the six sections
        hit = index.match(cand)
        if hit is None or hit.quality == "prefix" or (hit.quality == "fuzzy" and (not number or hit.score < 0.85)):
            continue
        key = hit.refs[0].key
        if key in seen:
            continue
        seen.add(key)
        found.append((i, key, number, tail.strip()))
    sections: list[SectionText] = []
    for n, (i, key, number, tail) in enumerate(found):
        end_line = found[n + 1][0] - 1 if n + 1 < len(found) else len(lines) - 1
        body = ([tail] if tail else []) + lines[i + 1 : end_line + 1]
        sections.append(SectionText(key, number, lines[i].strip(), i + 1, end_line + 1, "\n".join(body).strip()))
    return sections


# --------------------------------------------------------------------------- template


def detect_template(text: str) -> str | None:
    """"2021", "2019", "legacy" or None, from the set of labels the text prints (domain.md §6.5)."""
    scores = {tid: sum(normalized(w) in text for w in tpl.signature) for tid, tpl in T.TEMPLATES.items()}
    t2 = {tid: sum(normalized(w) in text for w in tpl.table2_signature) for tid, tpl in T.TEMPLATES.items()}
    shared = sum(normalized(w) in text for w in T.SHARED_SIGNATURE)
    best = max(scores.values())
    if best == 0:
        if shared:
            other = [r for r in T.TEMPLATE_2021.table3_rows if r.group == "other"]
            children = sum(normalized(r.label[:8]) in text for r in other[:2])
            children = children or int(normalized(T.T3_GROUPS["other"].title) in text)
            # neither the （六） rows of one template nor a label of its own: the page holds
            # only rows both templates print (undeterminable, domain.md §6.5)
            return "2021" if children >= 2 else "2019" if children == 1 else None
        legacy = sum(normalized(w) in text for w in T.LEGACY_SIGNATURE)
        return T.LEGACY if legacy >= 2 else None
    leaders = [tid for tid, s in scores.items() if s == best]
    if len(leaders) == 1:
        return leaders[0]
    # a tie: table 二 decides (a 2021 table 二 with the old single （六） row is "2021")
    return max(leaders, key=lambda tid: (t2[tid], tid))
