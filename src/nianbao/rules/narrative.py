"""Narrative vs table: numbers the prose states about applications, reviews and suits."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeGuard

from ..lazyre import lazy
from ..formats import templates as T
from ..parsing.extract.tokens import MAX_DIGITS
from ..model import Finding, Number, Report, cell_path
from . import finding, per_check, rule

_END = r"[^。;\n]"
_CLAUSE = r"[^。;；，,\n]"  # inside one clause: no sentence or comma break
_UNIT = r"\s*(?:件|个|起|条|份|宗|次)"
_COUNT = rf"(?<!\d)(\d{{1,{MAX_DIGITS}}})"  # a whole number (a longer run of digits is no count)
# (pattern, group holding the number)
_RECEIVED = [
    lazy(rf"(?:收到|受理|接收|新收|接到){_END}{{0,24}}?(?:申请|请求){_END}{{0,8}}?{_COUNT}{_UNIT}"),
    lazy(rf"(?:收到|受理|接收|新收|接到){_END}{{0,12}}?{_COUNT}{_UNIT}{_END}{{0,12}}?(?:申请|请求)"),
    lazy(rf"依申请公开{_END}{{0,6}}?(?:办理|受理|收到){_END}{{0,2}}?{_COUNT}{_UNIT}"),
]
_RECEIVED_NONE = lazy(rf"(?:未|没有)(?:收到|受理|接到|发生){_END}{{0,12}}?(?:申请|请求)")
# counts of table 三's other totals the prose often states: (row key, patterns); a carry written
# with years ("2023年结转2024年…") is left alone: which side of it is this report's is unclear
_CARRIED = "结转"
_ROW_PATTERNS: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = (
    ("carried_over", (lazy(rf"上一?年度?{_CARRIED}{_CLAUSE}{{0,16}}?{_COUNT}{_UNIT}"),)),
    ("carried_forward", (
        lazy(rf"(?<!上年)(?<!上年度){_CARRIED}(?:至|到)?下一?年度?{_CLAUSE}{{0,8}}?{_COUNT}{_UNIT}"),
        lazy(rf"{_COUNT}{_UNIT}{_CLAUSE}{{0,4}}?{_CARRIED}(?:至|到)?下一?年度?"),
    )),
    (T.RESULTS_TOTAL_KEY, (lazy(rf"(?:办结|答复)(?:完毕|完成)?{_CLAUSE}{{0,4}}?{_COUNT}{_UNIT}"),)),
)
# a word every match of a row's patterns holds: without it in the text they are not run (a
# pattern that starts with a look-behind is slow to scan)
_ROW_NEEDLES = {"carried_over": _CARRIED, "carried_forward": _CARRIED}
# "答复人大代表建议12件", "办结网民留言30件": not applications for information
_OFF_TOPIC = lazy(r"建议|提案|信访|留言|咨询|热线|投诉|来信|诉求|工单|信箱")
# figures for a whole area or system ("全市…行政复议案件134件") are not this agency's own
_WHOLE_AREA = re.compile(r"全(?:市|县|区|省|州|盟|旗|系统|国)")
_OWN = lazy(r"(?:本|我)(?:机关|局|委|办|单位|部门|级|院|厅|府|镇|乡|街道|中心)")
_SENTENCE_START = lazy(r"[。;；!！?？\n]")
_REVIEW_WORD, _SUIT_WORD = T.T4_GROUPS[0][1], T.T4_HEADER_LITIGATION
_REVIEW = re.compile(rf"{_REVIEW_WORD}{_END}{{0,8}}?{_COUNT}{_UNIT}")
_LITIGATION = re.compile(rf"{_SUIT_WORD}{_END}{{0,8}}?{_COUNT}{_UNIT}")
# "未发生…行政复议、行政诉讼"; not "未经行政复议直接起诉", "尚未审结的行政复议" (the look-behind
# after 未, not before it: a pattern whose every branch starts with a character is scanned fast)
_NO_APPEALS = re.compile(
    rf"(?:未(?<!尚未)(?!经)|没有|无)(?:发生|出现|收到|产生|被提起|被申请|涉及)?{_CLAUSE}{{0,20}}?(?:{_REVIEW_WORD}|{_SUIT_WORD})"
    rf"{_CLAUSE}*"
)
# a denial of corrections or lost suits only ("未发生…被行政复议纠错或行政诉讼败诉情形"), not of any case
_ONLY_LOST = lazy(r"纠错|纠正|败诉|撤销|确认违法")
_REVIEW_GROUPS = ("review",)
_SUIT_GROUPS = tuple(k for k, _, parent in T.T4_GROUPS if parent == _SUIT_WORD)
_LOST_FIELD = "corrected"


@per_check
def _overview(report: Report) -> str:
    """Prose where the report narrates its year: introduction and section 一, lines joined
    (PDF text wraps sentences across lines)."""
    text = report.section_text("overview")
    if not text:
        first = report.sections[0].line_start - 1 if report.sections else len(report.lines)
        text = "\n".join(report.lines[:first])
    return re.sub(r"\n(?=[^\n])", "", text)


def _total(report: Report, key: str) -> float | None:
    row = report.table3.get(key)
    v = row[T.T3_TOTAL_COLUMN] if row else None
    return v if isinstance(v, (int, float)) else None


_MAX_TRIES = 50  # whole-area or off-topic statements skipped per pattern before giving up
_LOOKBACK = 200  # characters: a sentence is shorter; bounds the work on a hostile page


def _sentence_before(text: str, pos: int) -> str:
    """The sentence that runs up to `pos`, from its start (at most _LOOKBACK characters)."""
    window = text[max(0, pos - _LOOKBACK):pos]
    starts = [m.end() for m in _SENTENCE_START.finditer(window)]
    return window[starts[-1] if starts else 0:]


def _whole_area(text: str, pos: int) -> bool:
    """Whether the count at `pos` belongs to a sentence about a whole city, county, province or
    system rather than the agency itself ("全市共受理…", unless "其中本机关…" follows)."""
    before = _sentence_before(text, pos)
    areas = list(_WHOLE_AREA.finditer(before))
    return bool(areas) and not _OWN.search(before, areas[-1].end())


def _first(text: str, patterns: Iterable[re.Pattern[str]], *, off_topic: bool = False) -> re.Match[str] | None:
    """The first match of the first pattern that states the agency's own count."""
    for pattern in patterns:
        for m in islice(pattern.finditer(text), _MAX_TRIES):
            if _whole_area(text, m.start()):
                continue
            if off_topic and _OFF_TOPIC.search(_sentence_before(text, m.start()) + m.group(0)):
                continue
            return m
    return None


@rule("T3.9", "narrative", "warning", "正文所述申请、复议、诉讼数与统计表是否一致",
      "总体情况中写到的收到申请数、上年结转数、办结数、结转下年度数、行政复议数、行政诉讼数应与表三、表四一致；"
      "统计口径可能不同（如是否含上年结转、是否只含本机关），请核实并在正文说明。写明是全市、全县、全系统等范围的数字不与本机关的表格比较。")
def t3_9(report: Report) -> Iterator[Finding]:
    text = _overview(report)
    if not text:
        return
    new, carried = _total(report, "new_received"), _total(report, "carried_over")
    if new is not None:
        stated = None
        m = _first(text, _RECEIVED)
        if m:
            stated = (int(m.group(1)), m.group(0))
        elif (m := _RECEIVED_NONE.search(text)) and not _whole_area(text, m.start()):
            stated = (0, m.group(0))
        if stated is not None:
            n, quote = stated
            allowed = {new} | ({new + carried} if carried is not None else set())
            if n not in allowed:
                yield finding("T3.9",
                              f"正文写道“{quote.strip()}”（{n}件），而表三本年新收申请为{int(new)}件，两者是否统计口径不同？请核实。",
                              expected=int(new), actual=n, detail=quote.strip(), table="table3", row="new_received", column="total",
                              section="overview", cells=["table3.new_received[6]"])
    for key, patterns in _ROW_PATTERNS:
        value = _total(report, key)
        m = _first(text, patterns, off_topic=True) if value is not None and _ROW_NEEDLES.get(key, "") in text else None
        if m and value is not None and int(m.group(1)) != value:
            quote, title = m.group(0).strip(), T.t3_title(key, report.template)
            yield finding("T3.9", f"正文写道“{quote}”（{int(m.group(1))}件），而表三“{title}”为{int(value)}件，是否一致？请核实。",
                          expected=int(value), actual=int(m.group(1)), detail=quote, table="table3", row=key, column="total",
                          section="overview", cells=[cell_path("table3", key, T.T3_TOTAL_COLUMN)])
    if report.table4:
        review = (report.table4.get("review") or {}).get("total")
        suits = [(report.table4.get(g) or {}).get("total") for g in _SUIT_GROUPS]
        m = _first(text, [_REVIEW])
        if m and isinstance(review, (int, float)) and int(m.group(1)) != review:
            yield finding("T3.9", f"正文写道“{m.group(0)}”，而表四{_REVIEW_WORD}总计为{int(review)}件，是否一致？请核实。",
                          expected=int(review), actual=int(m.group(1)), detail=m.group(0), table="table4", row="review", column="total",
                          cells=["table4.review.total"])
        m = _first(text, [_LITIGATION])
        if m and _all_numbers(suits) and int(m.group(1)) != sum(suits):
            yield finding("T3.9", f"正文写道“{m.group(0)}”，而表四{_SUIT_WORD}总计为{int(sum(suits))}件，是否一致？请核实。",
                          expected=int(sum(suits)), actual=int(m.group(1)), detail=m.group(0), table="table4",
                          cells=[cell_path("table4", g, T.T4_TOTAL_FIELD) for g in _SUIT_GROUPS])


def _all_numbers(values: list[Number | None]) -> TypeGuard[list[Number]]:
    return all(isinstance(v, (int, float)) for v in values)


def _denied_cells(clause: str) -> tuple[list[str], list[str], str]:
    """(table-四 groups, fields, what) a denial clause speaks of: any review or suit at all
    ("未发生行政复议、行政诉讼"), or only corrections and lost suits ("未被复议纠错或诉讼败诉")."""
    groups = list(_REVIEW_GROUPS if _REVIEW_WORD[-2:] in clause else ())
    if _SUIT_WORD[-2:] in clause or "败诉" in clause:
        groups += _SUIT_GROUPS
    if _ONLY_LOST.search(clause):
        return groups, [_LOST_FIELD], f"“{T.t4_field_label(_LOST_FIELD)}”"
    return groups, [f.key for f in T.T4_FIELDS], ""


@rule("T4.4", "narrative", "warning", "正文称未发生复议诉讼，表四却有数",
      "正文写明本年度未发生政府信息公开行政复议、行政诉讼时，表四相应的单元格应为0；"
      "只写未被复议纠错、未发生诉讼败诉的，只与“结果纠正”一栏比较。")
def t4_4(report: Report) -> Iterator[Finding]:
    if not report.table4:
        return
    text = "\n".join([_overview(report), report.section_text("appeals")])
    if _REVIEW_WORD not in text and _SUIT_WORD not in text:  # what every denial names
        return
    for m in _NO_APPEALS.finditer(text):
        clause = m.group(0)
        groups, fields, what = _denied_cells(clause)
        nonzero = [(g, f) for g in groups for f in fields
                   if isinstance(v := (report.table4.get(g) or {}).get(f), (int, float)) and v]
        if nonzero:
            shown = "、".join(dict.fromkeys(T.t4_group_label(g) for g, _ in nonzero))
            cells = [cell_path("table4", g, f) for g, f in nonzero]
            yield finding("T4.4", f"正文写道“{clause}”，但表四{shown}{what}有{len(nonzero)}个单元格不为0，请核实。",
                          detail=clause, table="table4", cells=cells)
            return
