"""A finding's values in plain words, for a clerk: what the report says and what it should
say, the way a person writes it ("应为12，报告中为10"; "与2023年报告第五部分相似度87%"),
never a raw value such as `实为：0.872`.  The 问题清单 (DOCX and XLSX) and the web app's
finding card all print this one sentence."""
from __future__ import annotations

from typing import Any

from ..formats import templates as T
from ..numbers import is_number, number_text, ratio_text


def value_words(value: Any) -> str:
    """One expected or actual value as printed: numbers plainly, text in quotes, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool) or is_number(value):
        return number_text(value)
    if isinstance(value, (list, tuple)):
        return "、".join(w for w in (value_words(v) for v in value) if w)
    text = str(value).strip()
    return f"“{text}”" if text else ""


def _problems_section() -> str:
    return f"第{T.SECTION_BY_KEY['problems'].number}部分"


def finding_words(rule: str, expected: Any, actual: Any, *, related: str | None = None,
                  year: int | None = None) -> str:
    """The finding's values in one plain sentence ("" when it carries none).

    `related`: the other report a cross-report finding compares with, named for a person
    ("2023年报告", "洪泽区人民政府2024年报告"); `year`: the year of the report the finding is
    about (a G6 finding without `related` compares with the report of the year before)."""
    if rule == "G6" and is_number(actual):
        other = related or (f"{year - 1}年报告" if year else "另一份报告")
        return f"与{other}{_problems_section()}相似度{ratio_text(actual, places=0)}"
    if rule == "G13" and is_number(actual):
        other = related or "另一份报告"
        n = int(actual)
        return f"与{other}完全相同" + (f"（共{n}份相同的报告）" if n > 1 else "")
    e, a = value_words(expected), value_words(actual)
    if e and a:
        return f"应为{e}，报告中为{a}"
    if e:
        return f"应为{e}"
    if a:
        return f"报告中为{a}"
    return ""


def report_name(agency: str | None, year: Any, *, same_agency: bool = False) -> str:
    """A report named for a person: "洪泽区人民政府2023年报告", or "2023年报告" for the same
    agency's (never a database id or a file path)."""
    y = number_text(year)
    when = f"{y}年报告" if y else "报告"
    return when if same_agency or not agency else f"{agency}{when}"
