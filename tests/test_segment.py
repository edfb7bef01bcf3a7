"""Unit tests of the segmenting stage: headings (parsing/headings.py), the sections cut at
them and the template detected (parsing/segment.py)."""
from __future__ import annotations

from nianbao.formats import templates as T
from nianbao.parsing.headings import find_headings, find_title, name_from_title
from nianbao.parsing.normalize import normalize_text
from nianbao.parsing.segment import detect_template, find_sections
from nianbao.render.report import render
from nianbao.model import Report

SIX = [sec.key for sec in T.SECTIONS]


def _lines(text: str) -> list[str]:
    return normalize_text(text).split("\n")


def test_the_six_headings_are_found_in_order_each_once() -> None:
    lines = _lines(render(Report(template="2021", year=2024, agency="某县审计局"), "txt"))
    found = find_headings(lines)
    assert [h.key for h in found] == SIX
    assert all(lines[h.line].strip().startswith(h.number) for h in found if h.number)
    again = find_headings(lines + [lines[found[0].line]])  # a heading repeated later: the first counts
    assert [h.key for h in again] == SIX


def test_sections_span_the_text_between_headings() -> None:
    lines = ["某县审计局2024年政府信息公开工作年度报告", "一、总体情况", "全年主动公开信息120条。", "",
             "二、主动公开政府信息情况", "（表二）", "三、收到和处理政府信息公开申请情况", "（表三）"]
    sections = find_sections(_lines("\n".join(lines)))
    assert [s.key for s in sections] == SIX[:3]
    first = sections[0]
    assert first.text == "全年主动公开信息120条。" and (first.line_start, first.line_end) == (2, 4)
    assert sections[-1].text == "(表三)" and sections[-1].line_end == len(lines)  # full-width normalised


def test_sub_headings_and_table_rows_are_not_sections() -> None:
    lines = ["（一）总体情况", "1、总体情况", "一、总体情况\t120\t5", "一|总体情况|"]
    assert find_headings(_lines("\n".join(lines))) == []


def test_the_template_is_told_by_the_labels_it_prints() -> None:
    for tid in ("2021", "2019"):
        text = normalize_text(render(Report(template=tid, year=2024 if tid == "2021" else 2020, agency="某县审计局"), "txt"))
        assert detect_template(text) == tid
    assert detect_template("本机关今年没有收到申请。") is None


def test_the_title_and_the_agency_and_year_it_names() -> None:
    lines = ["首页 > 政务公开 > 年报", "来源：栖霞市人民政府", "栖霞市寺口镇人民政府2022年政府信息公开工作年度报告",
             "一、总体情况"]
    title, line = find_title(_lines("\n".join(lines)), 3)
    assert title == "栖霞市寺口镇人民政府2022年政府信息公开工作年度报告" and line == 2
    assert name_from_title(title) == ("栖霞市寺口镇人民政府", 2022)
    # a title wrapped over two lines is joined
    title, line = find_title(_lines("栖霞市审计局2023年度政府\n信息公开工作年度报告\n一、总体情况"), 2)
    assert title == "栖霞市审计局2023年度政府信息公开工作年度报告" and line == 0
