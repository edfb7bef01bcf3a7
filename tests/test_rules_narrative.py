"""Narrative rules on made-up prose: what a sentence denies or states, and whose figure it is."""
from __future__ import annotations

import random

import pytest

from nianbao.model import Report, SectionText
from nianbao.rules import check as run_rules
from nianbao.synth import random_record


def record(seed: int, overview: str) -> Report:
    rec = random_record(random.Random(seed), template="2021")
    rec.year, rec.agency_level = 2024, "department"
    rec.lines = ["某局2024年政府信息公开工作年度报告", "一、总体情况", overview]
    rec.sections = [SectionText("overview", "一", "一、总体情况", 2, 3, overview)]
    return rec


def t4(**groups: tuple[int, int, int, int]) -> dict:
    """table 四 from (upheld, corrected, other, pending) per group; the rest zero."""
    out = {}
    for g in ("review", "litigation_direct", "litigation_after_review"):
        u, c, o, p = groups.get(g, (0, 0, 0, 0))
        out[g] = {"upheld": u, "corrected": c, "other": o, "pending": p, "total": u + c + o + p}
    return out


def found(rec: Report, rule: str) -> list:
    return [f for f in run_rules(rec) if f.rule == rule]


# --------------------------------------------------------------------------- T4.4

ONLY_LOST = "全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形。"


def test_t4_4_denying_only_corrections_and_lost_suits_allows_upheld_cases():
    rec = record(1, ONLY_LOST)
    rec.table4 = t4(review=(2, 0, 0, 0), litigation_direct=(1, 0, 0, 1))
    assert found(rec, "T4.4") == []


def test_t4_4_denying_only_corrections_is_contradicted_by_a_corrected_cell():
    rec = record(2, ONLY_LOST)
    rec.table4 = t4(review=(2, 1, 0, 0))
    [f] = found(rec, "T4.4")
    assert f.location["cells"] == ["table4.review.corrected"] and "结果纠正" in f.message
    rec.table4 = t4(litigation_after_review=(0, 1, 0, 0))
    assert found(rec, "T4.4")[0].location["cells"] == ["table4.litigation_after_review.corrected"]


def test_t4_4_denying_reviews_only_is_compared_with_the_review_row_only():
    rec = record(3, "本年度未发生政府信息公开行政复议案件。")
    rec.table4 = t4(litigation_direct=(1, 0, 0, 0))
    assert found(rec, "T4.4") == []
    rec.table4 = t4(review=(1, 0, 0, 0))
    [f] = found(rec, "T4.4")
    assert set(f.location["cells"]) == {"table4.review.upheld", "table4.review.total"}


def test_t4_4_denying_any_case_still_checks_all_fifteen_cells():
    rec = record(4, "本年度未发生因政府信息公开引起的行政复议、行政诉讼。")
    rec.table4 = t4(litigation_after_review=(0, 0, 1, 0))
    assert found(rec, "T4.4")
    rec.table4 = t4()
    assert found(rec, "T4.4") == []


def test_t4_4_a_denial_of_something_else_before_a_comma_is_not_a_denial_of_reviews():
    rec = record(5, "收到申请3件，无逾期答复，被申请行政复议1件。")
    rec.table4 = t4(review=(1, 0, 0, 0))
    assert found(rec, "T4.4") == []


# --------------------------------------------------------------------------- T3.9: whose figure


@pytest.mark.parametrize("area", ["全市", "全县", "全区", "全省", "全系统", "全国"],
                         ids=["city", "county", "district", "province", "system", "country"])
def test_t3_9_figures_of_a_whole_area_or_system_are_not_the_agencys(area):
    rec = record(6, f"2024年，{area}共办理政府信息公开行政复议案件134件，{area}共收到政府信息公开申请900件。")
    rec.table4 = t4(review=(2, 0, 0, 0))
    assert found(rec, "T3.9") == []


def test_t3_9_the_agencys_own_figure_after_a_whole_area_one_is_still_checked():
    rec = record(7, "全市共收到政府信息公开申请900件，其中本机关收到申请12件。")
    rec.table3["new_received"][6] = 30
    [f] = found(rec, "T3.9")
    assert f.actual == 12 and f.expected == 30


def test_t3_9_an_own_review_count_is_still_checked():
    rec = record(8, "本机关被申请政府信息公开行政复议案件3件。")
    rec.table4 = t4(review=(2, 0, 0, 0))
    [f] = found(rec, "T3.9")
    assert f.actual == 3 and f.expected == 2


# --------------------------------------------------------------------------- T3.9: more counts


def _t3(rec: Report, key: str, total: int) -> None:
    rec.table3[key] = [total, 0, 0, 0, 0, 0, total]


@pytest.mark.parametrize(
    "text, key",
    [
        ("本年度新收申请10件，上年结转3件，均已办理完毕。", "carried_over"),
        ("上年度结转政府信息公开申请3件。", "carried_over"),
        ("因需征求第三方意见，结转下年度继续办理3件。", "carried_forward"),
        ("另有3件结转至下一年度办理。", "carried_forward"),
        ("全年收到申请10件，均已按时办结3件。", "results_total"),
        ("依法答复3件，答复率100%。", "results_total"),
    ],
    ids=["carried-over", "carried-over-2", "carried-forward", "carried-forward-2", "done", "answered"],
)
def test_t3_9_carried_and_answered_counts_in_the_prose_against_table_3(text, key):
    rec = record(9, text)
    _t3(rec, "new_received", 10)
    _t3(rec, key, 5)
    hits = [f for f in found(rec, "T3.9") if f.location.get("row") == key]
    assert len(hits) == 1 and hits[0].actual == 3 and hits[0].expected == 5, found(rec, "T3.9")
    assert f"table3.{key}[6]" in hits[0].location["cells"] and "？" in hits[0].message
    _t3(rec, key, 3)
    assert [f for f in found(rec, "T3.9") if f.location.get("row") == key] == []


def test_t3_9_answers_to_proposals_or_messages_are_not_applications():
    rec = record(10, "办结人大代表建议和政协提案8件，答复网民留言30件。")
    _t3(rec, "results_total", 5)
    assert [f for f in found(rec, "T3.9") if f.location.get("row") == "results_total"] == []


@pytest.mark.parametrize(
    "text",
    ["未经行政复议直接提起行政诉讼1件。", "尚未审结的行政复议1件。"],
    ids=["without-review", "pending"],
)
def test_t4_4_words_that_only_look_like_a_denial(text):
    rec = record(11, text)
    rec.table4 = t4(review=(0, 0, 0, 1), litigation_direct=(1, 0, 0, 0))
    assert found(rec, "T4.4") == []


def test_t4_4_a_long_denial_within_one_clause():
    rec = record(12, "未发生针对本部门有关政府信息公开事务的行政复议案、行政诉讼案和有关的申诉案。")
    rec.table4 = t4(review=(1, 0, 0, 0))
    assert found(rec, "T4.4")
