"""Layouts seen in the wild (issue 11 §2): scraped pages and flip-book PDF text, with blank
cells, words in numeric cells, signed changes and units as real pages print them.  Every cell
comes back, or (where the layout loses blank cells) is null with a finding; never a wrong
number."""
from __future__ import annotations

import random

import pytest

from nianbao import check, parse_text
from nianbao.model import Report
from nianbao.synth import LOSSY_FAMILIES, WILD_FAMILIES, corpus, wild_document

BATCHES = 4
PER_BATCH = 250  # 1,000 documents per family
LOSSLESS_FAMILIES = tuple(f for f in WILD_FAMILIES if f not in LOSSY_FAMILIES)


def cells(rep: Report) -> dict[tuple[str, str, object], object]:
    out = {}
    for table in ("table2", "table3", "table4"):
        for key, row in getattr(rep, table).items():
            for col, value in (enumerate(row) if isinstance(row, list) else row.items()):
                out[(table, key, col)] = value
    return out


def flagged(report: Report) -> set[tuple[str | None, str | None]]:
    """(table, row) pairs a finding says may be incomplete; (table, None) for a whole table."""
    out = set()
    for f in check(report):
        if f.rule in ("N2", "N3", "N4"):
            out.add((f.location.get("table") or f.location.get("cell", "").split(".")[0], f.location.get("row")))
        if f.rule in ("N3", "N6"):
            out.add((f.location.get("table"), None))
    for path in (f.location.get("cell") for f in report.notes if f.location.get("cell")):
        table, rest = path.split(".", 1)
        out.add((table, rest.split("[")[0].split(".")[0]))
    return out


def compare(samples) -> tuple[list, list, int, int]:
    """Wrong numbers, nulls no finding explains, nulls a finding explains, cells compared."""
    wrong, silent, explained, total = [], [], 0, 0
    for s in samples:
        got = parse_text(s.text)
        if s.record.table2 and got.template != s.record.template:
            wrong.append((s.name, s.corruptions, "template", s.record.template, got.template))
        marks = flagged(got)
        have = cells(got)
        for key, value in cells(s.record).items():
            total += 1
            read = have.get(key, "<missing>")
            if read == value:
                continue
            if read not in (None, "<missing>"):
                wrong.append((s.name, s.corruptions, key, value, read))
            elif (key[0], key[1]) in marks or (key[0], None) in marks:
                explained += 1
            else:
                silent.append((s.name, s.corruptions, key, value))
    return wrong, silent, explained, total


@pytest.mark.parametrize("batch", range(BATCHES))
@pytest.mark.parametrize("family", LOSSLESS_FAMILIES)
def test_scraped_page_families_give_every_cell_back(family, batch):
    samples = corpus(PER_BATCH, seed=7000 + 10 * batch + WILD_FAMILIES.index(family), layouts=(family,),
                     corruption_rate=0.6, blanks=0.8, partial=0.2)
    wrong, silent, explained, total = compare(samples)
    assert not wrong, wrong[:5]
    assert not silent, silent[:5]
    # the page prints every cell: only a data row of table 四 whose first or last cell is blank
    # may leave its place to the arithmetic, and then to a finding
    assert explained <= 0.001 * total, explained


@pytest.mark.parametrize("batch", range(BATCHES))
def test_lossy_pages_give_cells_back_or_null_with_a_finding_never_a_wrong_number(batch):
    """Flip-book text and pages whose crawler dropped the blank cells (`dropped`)."""
    samples = corpus(PER_BATCH, seed=8000 + batch, layouts=LOSSY_FAMILIES, corruption_rate=0.6, blanks=0.8,
                     partial=0.2)
    wrong, silent, explained, total = compare(samples)
    assert not wrong, wrong[:5]
    assert not silent, silent[:5]


def test_words_in_numeric_cells_are_blank_with_a_finding():
    samples = corpus(60, seed=8100, layouts=("cells", "rows", "flipbook"), corruption_rate=0.0, blanks=1.0)
    words = 0
    for s in samples:
        got = parse_text(s.text)
        n2 = [f for f in check(got) if f.rule == "N2"]
        for f in n2:
            table, rest = f.location["cell"].split(".", 1)
            key = rest.split("[")[0].split(".")[0]
            col = int(rest.split("[")[1].rstrip("]")) if "[" in rest else rest.split(".")[1]
            assert cells(s.record)[(table, key, col)] is None, (s.name, f.location)
            words += 1
    assert words > 20


DROPPED = """三、收到和处理政府信息公开申请情况
(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) |
申请人情况 |
||||||||
一、本年新收政府信息公开申请数量 |
3 |
3 |
|||||||
二、上年结转政府信息公开申请数量 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | ||
三、本年度办理结果 | (一)予以公开 | 1 | ||||||||
"""


def test_a_row_whose_blank_cells_were_dropped_is_null_with_a_finding_not_read_left_aligned():
    """"3 |" / "3 |" / "|||||||": the crawler printed the row's two numbers and padded it with
    pipes; which columns they are in (自然人 and 总计? 商业企业?) is not printed."""
    got = parse_text(DROPPED)
    assert got.table3["new_received"] == [None] * 7
    assert got.table3["granted"] == [None] * 7
    assert got.table3["carried_over"] == [0] * 7  # a full row keeps its cells
    n3 = {f.location.get("row") for f in check(got) if f.rule == "N3"}
    assert {"new_received", "granted"} <= n3


def test_a_row_ending_in_a_single_pipe_is_read_as_printed_unless_the_table_drops_its_blanks():
    alone = "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 3 |\n|\n"
    assert parse_text(alone).table3["new_received"] == [3, 0, 0, 0, 0, 3, None]
    padded = DROPPED + "(二)部分公开(区分处理的,只计这一情形,不计其他情形) | 3 | 0 | 0 | 0 | 0 | 3 |\n|\n"
    assert parse_text(padded).table3["partially_granted"] == [None] * 7


@pytest.mark.parametrize("family", WILD_FAMILIES)
def test_a_row_printed_without_its_label_is_placed_by_its_neighbours(family):
    """`blank_label`: one row of table 二 and one of table 三 with an empty label cell, between
    rows that leave it one place in the template: every cell comes back (where the layout
    loses blank cells: back or null with a finding), never into the row before it."""
    rng = random.Random(9100 + WILD_FAMILIES.index(family))
    samples = corpus(60, seed=9100 + WILD_FAMILIES.index(family), layouts=(family,), corruption_rate=0.0, blanks=0.8,
                     partial=0.2)
    for s in samples:
        s.text = wild_document(s.record, family, rng, ("blank_label",), any_family=True)
    wrong, silent, explained, total = compare(samples)
    assert not wrong, wrong[:5]
    assert not silent, silent[:5]
    if family not in LOSSY_FAMILIES:
        assert explained <= 0.001 * total, explained
    placed = sum(1 for s in samples for f in parse_text(s.text).notes if f.rule == "N1" and "没有印出行标签" in f.message)
    assert placed >= len(samples), placed  # (about one row per table)


_T2 = "二、主动公开政府信息情况\n第二十条第（一）项{p}\n信息内容{s}本年制发件数{s}本年废止件数{s}现行有效件数{p}\n"
_LICENSING = "第二十条第（五）项{p}\n信息内容{s}本年处理决定数量{p}\n行政许可{s}4{p}\n"


@pytest.mark.parametrize("page, row", [
    # blank cells as line breaks: "行政处罚 |" / " |" (its blank cell) / "" / " | 3 |" (the next row)
    ("二、主动公开政府信息情况\n第二十条第（六）项 |\n信息内容 | 本年处理决定数量 |\n行政处罚 |\n |\n\n | 3 |\n"
     "第二十条第（八）项 |\n信息内容 | 本年收费金额（单位：万元） |\n行政事业性收费 | 0 |\n", ("coercion", {"decisions": 3})),
    # a flip-book page: more numbers than the row before has columns
    ((_T2 + "规章 1\n0 5 9\n" + _LICENSING).format(p="", s=" "), ("normative_documents", {"issued": 0, "repealed": 5,
                                                                                         "in_force": 9})),
    # blank cells dropped, rows padded by a run of bare pipes: the label's cell dropped too
    ((_T2 + "规章 | ||||\n0 | 5 | 9 | ||\n" + _LICENSING).format(p=" | ||||", s=" | "),
     ("normative_documents", {"issued": 0, "repealed": 5, "in_force": 9})),
], ids=("blank_break", "flipbook", "dropped"))
def test_a_row_printed_without_its_label_in_a_lossy_or_broken_layout_is_not_read_into_the_row_before(page, row):
    got = parse_text(page)
    first = next(iter(got.table2))
    assert all(v is None for v in got.table2[first].values()), got.table2
    assert got.table2[row[0]] == row[1]
    assert any(f.rule == "N1" and "没有印出行标签" in f.message for f in got.notes)


def test_a_flip_book_label_alone_then_numbers_before_an_unprinted_row_is_null_with_a_finding():
    """"规章" / "0 5 9", then 行政许可: the numbers are 规章's, wrapped, or 行政规范性文件's after a
    blank 规章 (its label not printed): not told apart, left null.  With the next label printed
    they are 规章's."""
    got = parse_text((_T2 + "规章\n0 5 9\n" + _LICENSING).format(p="", s=" "))
    assert got.table2["regulations"] == {"issued": None, "repealed": None, "in_force": None}
    assert any(f.rule == "N3" and f.location.get("row") == "regulations" for f in check(got))
    wrapped = parse_text((_T2 + "规章\n0 5 9\n行政规范性文件 1 2 3\n" + _LICENSING).format(p="", s=" "))
    assert wrapped.table2["regulations"] == {"issued": 0, "repealed": 5, "in_force": 9}
