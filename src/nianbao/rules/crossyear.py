"""Cross-year checks: one agency's report against its report of the year before.

`check(report, previous)` runs these; the store pairs reports after ingest."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeGuard

from ..lazyre import lazy
from ..formats import templates as T
from ..model import Finding, Number, Report, cell_path
from ..formats import templates as T
from ..numbers import is_number, number_text
from . import finding, rule

COLS = [c.label for c in T.T3_COLUMNS]


def _num(v: object) -> TypeGuard[Number]:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _nums(vs: tuple[Number | None, ...]) -> TypeGuard[tuple[Number, ...]]:
    return all(_num(v) for v in vs)


_CLEAN = lazy(r"[\s\d,.;:!?，。；：、“”()（）]")
G6_THRESHOLD = 0.8  # section 五 this similar to another is 雷同
G6_MIN_CHARS = 40  # shorter sections are not compared


def shingles(text: str, n: int = 4) -> frozenset[str]:
    """The character n-grams of a text, punctuation, digits and spaces ignored."""
    s = _CLEAN.sub("", text)
    return frozenset(s[i : i + n] for i in range(len(s) - n + 1))


def jaccard(ga: frozenset[str], gb: frozenset[str]) -> float:
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / len(ga | gb)


def similarity(a: str, b: str, n: int = 4) -> float:
    """Jaccard similarity of character n-grams (punctuation and spaces ignored)."""
    return jaccard(shingles(a, n), shingles(b, n))


@rule("T3.6", "crossyear", "warning", "上年结转等于上一年度的结转下年度",
      "本年表三“二、上年结转政府信息公开申请数量”应等于同一机关上一年度报告“四、结转下年度继续办理”的数量（逐列）。")
def t3_6(report: Report, previous: Report) -> Iterator[Finding]:
    now, before = report.table3.get("carried_over"), previous.table3.get("carried_forward")
    if not now or not before:
        return
    for c in range(T.T3_WIDTH):
        if is_number(now[c]) and is_number(before[c]) and now[c] != before[c]:
            yield finding("T3.6", f"表三“{COLS[c]}”列上年结转为{number_text(now[c])}，但{previous.year}年度报告的结转下年度为{number_text(before[c])}。",
                          expected=before[c], actual=now[c], table="table3", row="carried_over", column=T.T3_COLUMNS[c].key,
                          cells=[cell_path("table3", "carried_over", c)])


@rule("T2.3", "crossyear", "warning", "现行有效件数与上年衔接",
      "现行有效件数一般应约等于上年现行有效件数加本年制发件数减本年废止件数；因修订、重新印发的统计口径不同，不要求完全相等，差异较大时请核实。")
def t2_3(report: Report, previous: Report) -> Iterator[Finding]:
    if report.template != "2021" or previous.template != "2021":
        return
    for key in ("regulations", "normative_documents"):
        now, before = report.table2.get(key) or {}, previous.table2.get(key) or {}
        vals = (before.get("in_force"), now.get("issued"), now.get("repealed"), now.get("in_force"))
        if not _nums(vals):
            continue
        expected = vals[0] + vals[1] - vals[2]
        if expected != vals[3]:
            label = T.TEMPLATE_2021.table2_row(key).label
            f_in, f_is, f_re = (T.t2_field_label("2021", key, k) for k in ("in_force", "issued", "repealed"))
            n = [number_text(v) for v in vals]
            yield finding("T2.3", f"表二“{label}”{f_in}为{n[3]}，按上年{f_in}{n[0]}＋{f_is}{n[1]}－{f_re}{n[2]}"
                                  f"应为{number_text(expected)}，请核实。",
                          expected=expected, actual=vals[3], table="table2", row=key, column="in_force",
                          cells=[cell_path("table2", key, "in_force")])


@rule("T2.8", "crossyear", "warning", "上一年项目数量与上年衔接（2019年格式）",
      "2019年格式中，本年的“上一年项目数量”应等于上一年度报告的“上一年项目数量”加“本年增/减”。")
def t2_8(report: Report, previous: Report) -> Iterator[Finding]:
    if report.template != "2019" or previous.template != "2019":
        return
    for key, cells in report.table2.items():
        before = previous.table2.get(key) or {}
        prev_now, p0, ch = cells.get("prev_count"), before.get("prev_count"), before.get("change")
        if is_number(prev_now) and is_number(p0) and is_number(ch) and p0 + ch != prev_now:
            label = T.TEMPLATE_2019.table2_row(key).label
            yield finding("T2.8", f"表二“{label}”{T.t2_field_label('2019', key, 'prev_count')}为{number_text(prev_now)}，"
                                  f"但按上一年度报告应为{number_text(p0)}{'+' if ch >= 0 else ''}{number_text(ch)}"
                                  f"＝{number_text(p0 + ch)}。",
                          expected=p0 + ch, actual=prev_now, table="table2", row=key, column="prev_count")


@rule("G6", "crossyear", "warning", "存在问题及改进情况与上年雷同",
      "第五部分应写本机关当年的具体问题和改进措施，并说明上一年问题的整改情况；与上年报告（或其他机关报告）几乎相同属于“内容雷同”。",
      "国办公开办函〔2021〕30号（四）明确责任")
def g6(report: Report, previous: Report) -> Iterator[Finding]:
    a, b = report.section_text("problems"), previous.section_text("problems")
    if len(a) < G6_MIN_CHARS or len(b) < G6_MIN_CHARS:
        return
    score = similarity(a, b)
    if score >= G6_THRESHOLD:
        yield finding("G6", f"第五部分“{T.SECTION_BY_KEY['problems'].heading}”与{previous.year}年度报告的相似度为{score:.0%}，内容雷同。",
                      section="problems", actual=round(score, 3))


# Emitted by the store's cross-report checks (nianbao.store.crosscheck), documented here.
rule("G13", "crossyear", "warning", "与另一份报告重复",
     "两份报告的统计数据完全相同（或全文相同）。若属同一机关，是同一报告的另一份文件（提示）；若属不同机关，"
     "说明报告可能照抄他人，属于“内容雷同”。",
     "国办公开办函〔2021〕30号（四）明确责任")(None)
