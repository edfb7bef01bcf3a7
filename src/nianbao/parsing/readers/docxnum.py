"""Word's automatic list numbers ("一、", "（二）", "1.", "①"), which are not in the paragraph
text but computed from numbering.xml: a heading typed as "总体情况" with an automatic "一、"
must still read "一、总体情况".

Counters are kept per list (numId) and level; a level's counter restarts whenever a
shallower level of the same list advances.  Formats: decimal (also full-width and
zero-padded), Chinese counting, 甲乙丙, circled numbers, Roman numerals and letters;
bullets and "none" print nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

_CN_DIGITS = "〇一二三四五六七八九"
_HEAVENLY = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (up to 9999)."""
    if n <= 0 or n > 9999:
        return str(n)
    out = ""
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += ("" if value == 10 and digit == 1 and not out else _CN_DIGITS[digit]) + unit
            zero = False
        else:
            zero = bool(out)
    return out


def _roman(n: int) -> str:
    out = ""
    for value, numeral in _ROMAN:
        while n >= value:
            out += numeral
            n -= value
    return out


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else str(n)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographDigital",
               "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting"):
        return chinese_number(n)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return str(n).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})"
    if fmt == "ideographTraditional":
        return _HEAVENLY[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _ZODIAC[(n - 1) % 12]
    if fmt in ("upperRoman", "lowerRoman"):
        return _roman(n) if fmt == "upperRoman" else _roman(n).lower()
    if fmt in ("upperLetter", "lowerLetter"):
        return _letters(n) if fmt == "upperLetter" else _letters(n).lower()
    if fmt in ("bullet", "none"):
        return ""
    return str(n)


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False  # isLgl: every level printed as a decimal
    suffix: str = "tab"


@dataclass
class Numbering:
    """The lists of one document and their running counters."""

    ns: str
    levels: dict[str, dict[int, Level]] = field(default_factory=dict)  # numId -> ilvl -> level
    styles: dict[str, tuple[str, int]] = field(default_factory=dict)  # paragraph style id -> (numId, ilvl)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def parse(cls, numbering: etree._Element | None, styles: etree._Element | None, ns: str) -> "Numbering":
        w = f"{{{ns}}}"
        out = cls(ns)
        if numbering is not None:
            abstract = {a.get(w + "abstractNumId"): _levels(a, w) for a in numbering.iter(w + "abstractNum")}
            for num in numbering.iter(w + "num"):
                ref = num.find(w + "abstractNumId")
                levels = dict(abstract.get(ref.get(w + "val") if ref is not None else None, {}))
                for over in num.iter(w + "lvlOverride"):
                    ilvl = _int(over.get(w + "ilvl"), 0)
                    lvl = over.find(w + "lvl")
                    base = _levels_one(lvl, w) if lvl is not None else Level(**vars(levels.get(ilvl, Level())))
                    start = over.find(w + "startOverride")
                    if start is not None:
                        base.start = _int(start.get(w + "val"), base.start)
                    levels[ilvl] = base
                out.levels[num.get(w + "numId") or ""] = levels
        if styles is not None:
            for style in styles.iter(w + "style"):
                numpr = style.find(f"{w}pPr/{w}numPr")
                if numpr is not None:
                    num_id, style_ilvl = _numpr(numpr, w)
                    out.styles[style.get(w + "styleId") or ""] = (num_id or "", style_ilvl or 0)
        return out

    def label(self, ppr: etree._Element | None) -> str:
        """The number printed before a paragraph with these properties ("" for none)."""
        if ppr is None or not self.levels:
            return ""
        w = f"{{{self.ns}}}"
        numpr = ppr.find(w + "numPr")
        num_id, ilvl = _numpr(numpr, w) if numpr is not None else (None, None)
        if num_id is None:
            style = ppr.find(w + "pStyle")
            num_id, style_lvl = self.styles.get(style.get(w + "val") if style is not None else "", (None, 0))
            ilvl = style_lvl if ilvl is None else ilvl
        ilvl = ilvl or 0
        levels = self.levels.get(num_id or "")
        if not levels or ilvl not in levels or num_id == "0":
            return ""
        counters = self.counters.setdefault(num_id or "", {})  # (keyed as the levels are)
        counters[ilvl] = counters.get(ilvl, levels[ilvl].start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        lvl = levels[ilvl]
        text = lvl.text
        for k in range(ilvl, -1, -1):
            n = counters.get(k, levels[k].start if k in levels else 1)
            fmt = "decimal" if lvl.legal and k < ilvl else (levels[k].fmt if k in levels else "decimal")
            text = text.replace(f"%{k + 1}", format_number(n, fmt))
        if lvl.fmt == "bullet" or not text:
            return ""
        return text if lvl.suffix == "nothing" or text[-1] in "、.．)）】」:：" else text + " "


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _numpr(numpr: etree._Element, w: str) -> tuple[str | None, int | None]:
    num, ilvl = numpr.find(w + "numId"), numpr.find(w + "ilvl")
    return (num.get(w + "val") if num is not None else None,
            _int(ilvl.get(w + "val"), 0) if ilvl is not None else None)


def _levels_one(lvl: etree._Element, w: str) -> Level:
    def val(tag: str) -> str | None:
        el = lvl.find(w + tag)
        return el.get(w + "val") if el is not None else None

    return Level(start=_int(val("start"), 1), fmt=val("numFmt") or "decimal", text=val("lvlText") or "",
                 legal=lvl.find(w + "isLgl") is not None, suffix=val("suff") or "tab")


def _levels(abstract: etree._Element, w: str) -> dict[int, Level]:
    return {_int(lvl.get(w + "ilvl"), 0): _levels_one(lvl, w) for lvl in abstract.iter(w + "lvl")}
