"""Conformance rules on made-up report texts: headings, the statistical period, section 五."""
from __future__ import annotations

import pytest

from nianbao import check, parse_text
from nianbao.rules import REGISTRY

HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
PROBLEMS = ("一是政策解读形式不够丰富，解读材料质量有待提高。二是依申请公开答复文书规范性不足。"
            "下一步，我局将加强业务培训，规范答复流程，并对上年指出的问题逐项整改。")


def report_text(*, intro: str = "本报告所列数据的统计期限为2025年1月1日至2025年12月31日。",
                headings: list[str] | None = None, problems: str = PROBLEMS) -> str:
    heads = headings or HEADINGS
    body = {4: problems}
    lines = ["某县某局2025年政府信息公开工作年度报告", intro]
    for n, h in enumerate(heads):
        lines += [h, body.get(n, "本部分内容从略，见统计表。")]
    return "\n".join(lines) + "\n"


def findings(text: str, rule: str) -> list:
    return [f for f in check(parse_text(text)) if f.rule == rule]


def test_a_plain_report_has_no_g1_g3_or_g6_1_findings():
    text = report_text()
    assert findings(text, "G1") == [] and findings(text, "G3") == [] and findings(text, "G6.1") == []


# --------------------------------------------------------------------------- G3


@pytest.mark.parametrize(
    "intro",
    [
        "本报告统计期限为2025年1月1日至12月31日。",
        "本报告统计期限为2025 年 1 月 1 日至 12 月 31 日。",
        "本报告统计期限为2025年1月1日至\n12月31日。",
        "本报告内容涵盖2025年1月1日至12月31日期间的政府信息公开工作情况。",
    ],
    ids=["no-end-year", "spaces", "line-break", "loose"],
)
def test_g3_an_end_date_without_its_year_states_the_period(intro):
    assert findings(report_text(intro=intro), "G3") == []


def test_g3_an_end_date_without_its_year_takes_the_start_year():
    [f] = findings(report_text(intro="本报告统计期限为2024年1月1日至12月31日。"), "G3")
    assert f.actual == "2024-2024" and f.expected == 2025


# --------------------------------------------------------------------------- G1


@pytest.mark.parametrize(
    "printed",
    ["l六、存在的主要问题及改进情况", "l五、存在的主要问题及改进情况", "5、存在的主要问题及改进情况", "第五部分 存在的主要问题及改进情况"],
    ids=["garbled-misnumbered", "garbled", "arabic", "part"],
)
def test_g1_a_garbled_or_misnumbered_heading_is_a_warning_not_a_missing_section(printed):
    text = report_text(headings=HEADINGS[:4] + [printed] + HEADINGS[5:])
    found = findings(text, "G1")
    assert found and all(f.severity == "warning" for f in found), [(f.severity, f.message) for f in found]
    assert not any("缺少" in f.message or "顺序" in f.message for f in found)
    assert found[0].location["section"] == "problems" and found[0].actual == printed.replace(" ", "")


def test_g1_words_added_before_a_numbered_heading_are_a_warning():
    text = report_text(headings=["一、政府信息公开工作的总体情况"] + HEADINGS[1:])
    [f] = findings(text, "G1")
    assert f.severity == "warning" and f.location["section"] == "overview"


def test_g1_a_really_missing_section_is_still_an_error():
    text = report_text(headings=HEADINGS[:4] + HEADINGS[5:])
    [f] = findings(text, "G1")
    assert f.severity == "error" and "缺少第五部分" in f.message


def test_g1_a_sub_heading_of_another_section_is_not_taken_for_a_missing_one():
    # section 三 missing; "（二）依申请公开政府信息情况" sits inside section 一, before 二
    text = report_text(headings=HEADINGS[:2] + HEADINGS[3:]).replace(
        "一、总体情况\n本部分内容从略，见统计表。", "一、总体情况\n（二）依申请公开政府信息情况\n收到申请3件。")
    found = findings(text, "G1")
    assert [f.severity for f in found] == ["error"] and "缺少第三部分" in found[0].message


# --------------------------------------------------------------------------- G6.1


def test_g6_1_is_a_registered_warning():
    r = REGISTRY["G6.1"]
    assert r.severity == "warning" and r.family == "conformance"


@pytest.mark.parametrize(
    "problems",
    ["", "无", "暂无。", "本年度工作中存在的问题已及时整改。"],
    ids=["empty", "none", "none-yet", "one-sentence"],
)
def test_g6_1_an_empty_or_one_line_section_5_is_a_warning(problems):
    [f] = findings(report_text(problems=problems), "G6.1")
    assert f.severity == "warning" and f.location["section"] == "problems"


def test_g6_1_also_under_a_garbled_heading():
    text = report_text(headings=HEADINGS[:4] + ["l五、存在的主要问题及改进情况"] + HEADINGS[5:], problems="暂无")
    assert findings(text, "G6.1")


def test_g1_misnumbered_headings_are_numbering_warnings_only():
    heads = HEADINGS[:3] + ["五、政府信息公开行政复议、行政诉讼情况", "六、存在的主要问题及改进情况", "七、其他需要报告的事项"]
    found = findings(report_text(headings=heads), "G1")
    assert len(found) == 3 and all(f.severity == "warning" for f in found)
    assert {f.location["section"] for f in found} == {"appeals", "problems", "other"}
