"""Narrative vs table: numbers the prose states about applications, reviews and suits."""
from __future__ import annotations

import re
from collections.abc import Iterator

from .. import templates as T
from ..extract.tokens import MAX_DIGITS
from ..model import Finding, Report
from . import finding, rule

_END = r"[^。;\n]"
_UNIT = r"\s*(?:件|个|起|条|份|宗|次)"
_COUNT = rf"(?<!\d)(\d{{1,{MAX_DIGITS}}})"  # a whole number (a longer run of digits is no count)
# (pattern, group holding the number)
_RECEIVED = [
    re.compile(rf"(?:收到|受理|接收|新收|接到){_END}{{0,24}}?(?:申请|请求){_END}{{0,8}}?{_COUNT}{_UNIT}"),
    re.compile(rf"(?:收到|受理|接收|新收|接到){_END}{{0,12}}?{_COUNT}{_UNIT}{_END}{{0,12}}?(?:申请|请求)"),
    re.compile(rf"依申请公开{_END}{{0,6}}?(?:办理|受理|收到){_END}{{0,2}}?{_COUNT}{_UNIT}"),
]
_RECEIVED_NONE = re.compile(rf"(?:未|没有)(?:收到|受理|接到|发生){_END}{{0,12}}?(?:申请|请求)")
_REVIEW_WORD, _SUIT_WORD = T.T4_GROUPS[0][1], T.T4_HEADER_LITIGATION
_REVIEW = re.compile(rf"{_REVIEW_WORD}{_END}{{0,8}}?{_COUNT}{_UNIT}")
_LITIGATION = re.compile(rf"{_SUIT_WORD}{_END}{{0,8}}?{_COUNT}{_UNIT}")
_NO_APPEALS = re.compile(
    rf"(?:未|没有|无)(?:发生|出现|收到|产生|被提起|被申请|涉及)?{_END}{{0,14}}?(?:{_REVIEW_WORD}|{_SUIT_WORD})"
    rf"(?:{_END}{{0,10}}?(?:{_SUIT_WORD}|案件|情况))?"
)


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


@rule("T3.9", "narrative", "warning", "正文所述申请、复议、诉讼数与统计表是否一致",
      "总体情况中写到的收到申请数、行政复议数、行政诉讼数应与表三、表四一致；统计口径可能不同（如是否含上年结转、是否只含本机关），请核实并在正文说明。")
def t3_9(report: Report) -> Iterator[Finding]:
    text = _overview(report)
    if not text:
        return
    new, carried = _total(report, "new_received"), _total(report, "carried_over")
    if new is not None:
        stated = None
        for pattern in _RECEIVED:
            m = pattern.search(text)
            if m:
                stated = (int(m.group(1)), m.group(0))
                break
        if stated is None and _RECEIVED_NONE.search(text):
            m = _RECEIVED_NONE.search(text)
            stated = (0, m.group(0))
        if stated is not None:
            n, quote = stated
            allowed = {new} | ({new + carried} if carried is not None else set())
            if n not in allowed:
                yield finding("T3.9",
                              f"正文写道“{quote.strip()}”（{n}件），而表三本年新收申请为{int(new)}件，两者是否统计口径不同？请核实。",
                              expected=int(new), actual=n, detail=quote.strip(), table="table3", row="new_received", column="total",
                              section="overview", cells=["table3.new_received[6]"])
    if report.table4:
        review = (report.table4.get("review") or {}).get("total")
        suits = [(report.table4.get(g) or {}).get("total") for g in ("litigation_direct", "litigation_after_review")]
        m = _REVIEW.search(text)
        if m and isinstance(review, (int, float)) and int(m.group(1)) != review:
            yield finding("T3.9", f"正文写道“{m.group(0)}”，而表四{_REVIEW_WORD}总计为{int(review)}件，是否一致？请核实。",
                          expected=int(review), actual=int(m.group(1)), detail=m.group(0), table="table4", row="review", column="total",
                          cells=["table4.review.total"])
        m = _LITIGATION.search(text)
        if m and all(isinstance(s, (int, float)) for s in suits) and int(m.group(1)) != sum(suits):
            yield finding("T3.9", f"正文写道“{m.group(0)}”，而表四{_SUIT_WORD}总计为{int(sum(suits))}件，是否一致？请核实。",
                          expected=int(sum(suits)), actual=int(m.group(1)), detail=m.group(0), table="table4",
                          cells=["table4.litigation_direct.total", "table4.litigation_after_review.total"])


@rule("T4.4", "narrative", "warning", "正文称未发生复议诉讼，表四却有数",
      "正文写明本年度未发生政府信息公开行政复议、行政诉讼时，表四15个单元格应全部为0。")
def t4_4(report: Report) -> Iterator[Finding]:
    text = "\n".join([_overview(report), report.section_text("appeals")])
    m = _NO_APPEALS.search(text)
    if not m or not report.table4:
        return
    nonzero = [(g, f, v) for g, cells in report.table4.items() for f, v in cells.items() if isinstance(v, (int, float)) and v]
    if nonzero:
        cells = [f"table4.{g}.{f}" for g, f, _ in nonzero]
        yield finding("T4.4", f"正文写道“{m.group(0)}”，但表四有{len(nonzero)}个单元格不为0，请核实。",
                      detail=m.group(0), table="table4", cells=cells)
