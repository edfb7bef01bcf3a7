"""Pre-2019 ("legacy") reports: no standard tables, so only their headline figures are
taken — rows of a 指标名称 | 计量单位 | 数值 table, or the key sentences — and labelled
as printed (domain.md §6.4).  They are kept in `extras["legacy_figures"]`, never mapped
onto the official rows."""
from __future__ import annotations

from typing import Any

from ...lazyre import lazy
from ...formats import templates as T
from .tokens import MAX_DIGITS, NUMBER, TEXT, Token

_UNITS = T.LEGACY_UNITS
_SENTENCE = lazy(
    "((?:" + "|".join(sorted(T.LEGACY_FIGURE_WORDS, key=len, reverse=True)) + ")"
    r"[^。;,\n\d]{0,14}?)(\d{1," + str(MAX_DIGITS) + r"}(?:\.\d+)?)\s*(" + "|".join(_UNITS) + ")"
)


def legacy_figures(tokens: list[Token], text: str) -> list[dict[str, Any]]:
    """Labelled headline numbers: table rows (label, [unit], number) first, then sentences."""
    out: list[dict[str, Any]] = []
    by_line: dict[int, list[Token]] = {}
    for tok in tokens:
        by_line.setdefault(tok.line, []).append(tok)
    for line, toks in sorted(by_line.items()):
        labels = [t for t in toks if t.kind == TEXT and t.text not in _UNITS and len(t.text) >= 2]
        numbers = [t for t in toks if t.kind == NUMBER]
        if len(labels) == 1 and len(numbers) == 1 and len(toks) <= 4:
            unit = next((t.text for t in toks if t.text in _UNITS), numbers[0].unit)
            out.append({"label": labels[0].text, "value": numbers[0].value, "unit": unit, "line": line + 1})
    if not out:
        for m in _SENTENCE.finditer(text):
            value: float | int = float(m.group(2)) if "." in m.group(2) else int(m.group(2))
            out.append({"label": m.group(1).strip(), "value": value, "unit": m.group(3),
                        "line": text.count("\n", 0, m.start()) + 1})
    return out
