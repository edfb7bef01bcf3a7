"""Segmentation: the text cut into the six sections at their headings (`headings`), and
the template the report follows."""
from __future__ import annotations

from ..formats import templates as T
from ..formats.vocab import normalized
from ..model import SectionText
from .headings import find_headings

__all__ = ["detect_template", "find_sections"]


# --------------------------------------------------------------------------- sections


def find_sections(lines: list[str]) -> list[SectionText]:
    """The sections found, in document order, each with its text."""
    found = find_headings(lines)
    sections: list[SectionText] = []
    for n, (i, key, number, tail) in enumerate(found):
        end_line = found[n + 1].line - 1 if n + 1 < len(found) else len(lines) - 1
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
