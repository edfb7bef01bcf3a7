"""Cell-to-source highlighting: a cell's own box on the PDF page (every table, table 四
included), findings that name a row point at its cells (G2.1)."""
from __future__ import annotations

import random

import pytest

from nianbao import parse
from nianbao.model import Finding
from nianbao.web import pageimage
from nianbao.web.reportview import finding_views, row_cells
from tests.support.web_util import record


def test_part_index_counts_the_tabs_before_the_cell() -> None:
    line = "0\t12\t3\t45"
    assert [pageimage.part_index(line, s) for s in (0, 2, 5, 7, None)] == [0, 1, 2, 3, 0]


def test_match_row_needs_most_cells_in_place() -> None:
    rows = [["行政复议", "结果维持"], ["0", "0", "0", "3", "6"], ["0", "1", "0", "3", "6"]]
    assert pageimage.match_row("0\t1\t0\t3\t6".split("\t"), rows) == 2
    assert pageimage.match_row(["０", "1", "0", "3", "6 "], rows) == 2  # full-width digits, stray spaces
    assert pageimage.match_row(["9", "9", "9", "3", "9"], rows) is None  # one equal cell proves nothing
    assert pageimage.match_row(["7"], [["8"]]) is None


def test_a_finding_naming_a_row_points_at_its_cells() -> None:
    rec = record(81, agency="庙后镇人民政府", region="栖霞市", year=2023)
    rec.table3.pop("other_no_correction", None)
    rec.table3.pop("other_no_fee", None)
    rec.table3["other_other"] = [0, 0, 0, 0, 0, 0, 1]
    g21 = Finding("G2.1", "error", "表三只印了一行", {"table": "table3", "row": "other_other"})
    t42 = Finding("T4.2", "error", "负数", {"table": "table4", "row": "review", "column": "total"})
    views = {v.finding.rule: v for v in finding_views([g21, t42], {}, rec)}
    assert views["G2.1"].cells == [f"table3.other_other[{i}]" for i in range(7)]
    assert views["T4.2"].cells == ["table4.review.total"]
    assert row_cells(rec, "table3", "no_such_row") == [] and row_cells(None, "table3", "other_other") == []


@pytest.mark.slow
def test_a_table4_cell_is_boxed_on_its_pdf_page() -> None:
    from tests.support.pdf_corpus import CHROMIUM, html_pdf
    from nianbao.synth import prose_for

    if CHROMIUM is None:
        pytest.fail("chromium is needed to print the test PDF")
    rec = record(71, agency="松山街道办事处", region="栖霞市", year=2023)
    rec.table4["review"]["total"] += 3
    pdf = html_pdf(rec, prose_for(rec, random.Random(71)))
    got = parse(pdf)
    boxes = {}
    for path in ("table4.review.upheld", "table4.review.total", "table4.litigation_after_review.total", "table3.granted[6]"):
        prov = got.provenance[path]
        found = pageimage.locate_cell(pdf, pageimage.origin_page(prov.origin), got.lines[prov.line - 1], prov.start)
        assert found is not None, path
        x0, y0, x1, y1 = found["box"]
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1 and x1 - x0 < 0.2, (path, found)  # one cell, not the row
        boxes[path] = found["box"]
    review, total, last = boxes["table4.review.upheld"], boxes["table4.review.total"], boxes["table4.litigation_after_review.total"]
    assert review[1] == total[1] == last[1]  # one printed row
    assert review[0] < total[0] < last[0]  # left to right as printed
    assert pageimage.locate_cell(pdf, 1, "无表格的一行", 0) is None
