"""The dashboard's chart series and the search snippets, as pure functions."""
from __future__ import annotations

import math

import pandas as pd

from nianbao.formats import templates as T
from nianbao.model import Report
from nianbao.web import charts
from nianbao.web.searching import clean_breaks, snippets

TOTAL = T.T3_TOTAL_COLUMN


def test_pdf_line_break_spaces_between_chinese_characters_go() -> None:
    assert clean_breaks("政策 解读\n工作，  共 12 件") == "政策解读工作，共 12 件"
    assert clean_breaks("open data  2023 年") == "open data 2023 年"  # a space beside a digit stays


def test_snippets_find_text_across_line_breaks_and_do_not_overlap() -> None:
    text = "本机关加强政策\n解读。" + "其他内容" * 20 + "再次开展政策 解读工作。"
    got = snippets(text, "政策解读", context=6)
    assert [s["match"] for s in got] == ["政策解读", "政策解读"]
    assert got[0]["before"] == "本机关加强" and got[0]["after"].startswith("。其他") and got[0]["after"].endswith("…")
    assert " " not in "".join(s["before"] + s["after"] for s in got)
    assert snippets(text, "没有的词") == [] and len(snippets("甲乙" * 50, "甲乙", limit=3, context=0)) == 3


def test_composition_has_all_six_result_groups_and_no_new_applications() -> None:
    rep = Report(agency=None, template="2021")
    row = lambda v: [0] * TOTAL + [v]  # noqa: E731
    rep.table3 = {"new_received": row(100), "granted": row(5), "partially_granted": row(4), "denied_state_secret": row(1),
                  "denied_third_party": row(2), "unavailable_not_held": row(6), "not_processed_petition": row(7),
                  "other_other": row(8), "results_total": row(33)}
    got = charts.composition(rep)
    assert got["labels"] == ["（一）予以公开", "（二）部分公开", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"]
    assert got["values"] == [5, 4, 3, 6, 7, 8]  # 新收 (100) and the 总计 row are not among them


def _members(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["agency_id", "agency", "applications", "reviews", "suits", "denied_share"])


def test_denied_ranking_flags_shares_over_100_percent() -> None:
    df = _members([(1, "甲局", 3, 0, 0, 0.25), (2, "乙局", 3, 0, 0, 1.167), (3, "丙局", 3, 0, 0, 9.0),
                   (4, "丁局", 3, 0, 0, math.nan), (5, "戊局", 3, 0, 0, 1.0)])
    got = charts.denied_ranking(df)
    assert got["agencies"] == ["丙局", "乙局", "戊局", "甲局"]
    assert got["bad"] == [True, True, False, False]  # 100% is possible, 116.7% and 900% are not
    assert got["errors"] == [{"agency": "丙局", "share": 9.0}, {"agency": "乙局", "share": 1.167}]


def test_year_on_year_matches_agencies_and_puts_the_largest_change_first() -> None:
    now = _members([(1, "甲局", 10, 0, 0, 0), (2, "乙局", 82, 0, 0, 0), (3, "新单位", 4, 0, 0, 0)])
    before = _members([(1, "甲局（旧名）", 12, 0, 0, 0), (2, "乙局", 0, 0, 0, 0)])
    got = charts.year_on_year(now, before)
    assert got["agencies"] == ["乙局", "新单位", "甲局"]
    assert got["before"] == [0, None, 12] and got["now"] == [82, 4, 10]


def test_appeals_leave_out_agencies_without_cases() -> None:
    got = charts.appeals(_members([(1, "甲局", 0, 2, 1, 0), (2, "乙局", 0, 0, 0, 0), (3, "丙局", 0, 0, 5, 0)]))
    assert got == {"agencies": ["丙局", "甲局"], "reviews": [0, 2], "suits": [5, 1]}


def test_prose_snippets_come_before_table_rows() -> None:
    from nianbao.web.searching import best

    row = {"before": "申请数量 12 0 15 0 0 0 ", "match": "政府信息公开", "after": " 27 0 0"}
    prose = {"before": "本机关进一步规范", "match": "政府信息公开", "after": "工作流程，健全发布审核机制"}
    assert best([row, prose, row], limit=1) == [prose]
    assert best([row, prose], limit=2) == [row, prose]  # all kept: in the order found
    assert clean_breaks("法律服务机构\t其他") == "法律服务机构 其他"  # a tab separates table cells


def test_the_fts_query_also_finds_a_phrase_broken_by_a_line_break() -> None:
    from nianbao.web.searching import fts_query

    q = fts_query("政策解读")
    assert q is not None and q.split(" OR ")[0] == '"政策 策解 解读"'
    assert '"政策 解读"' in q.split(" OR ")  # "政策 解读" as the PDF printed it
    assert fts_query("GDP") == '"gdp"' and fts_query("  ") is None
