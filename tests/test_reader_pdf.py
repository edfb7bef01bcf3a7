"""PDF with a text layer: generated reports give every cell back, the two real PDFs score
372/372 with their metadata, table grids come from the rulings (merged and vertical cells,
tables over a page break), and bad PDFs get clear bilingual errors."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support import pdf_corpus as C
from tests.support.shared import REAL, needs_shared
from tests.support.roundtrip_util import differences
from nianbao.formats import templates as T
from nianbao.errors import LimitExceeded, UnreadableInput
from nianbao.parsing.pipeline import parse
from nianbao.parsing.readers import pdf as pdf_reader
from nianbao.parsing.readers import read
from nianbao.parsing.readers.boxes import Box, Ruling, TextBox, fill, find_tables, merge_rulings, snap_to_junctions
from nianbao.parsing.readers.pages import stitch
from nianbao.parsing.readers.pdf import broken_reason

SEEDS = {"docx-2021": (101, "2021"), "docx-2019": (102, "2019"), "docx-big": (103, None)}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple]:
    """name -> (record, PDF bytes): LibreOffice from the official DOCX, and Chromium from HTML."""
    out = {}
    for name, (seed, template) in SEEDS.items():
        rec, prose = C.record(seed, template)
        out[name] = (rec, C.docx_pdf(rec, prose))
    if C.CHROMIUM:
        rec, prose = C.record(104)
        out["chromium"] = (rec, C.html_pdf(rec, prose))
    return out


@pytest.mark.slow
def test_generated_pdfs_give_every_cell_and_the_metadata_back(corpus):
    assert len(corpus) >= 3
    for name, (rec, pdf) in corpus.items():
        report = parse(pdf)
        assert report.source.reader == "pdf", name
        assert differences(report, rec) == [], name


def test_table_rows_are_grid_lines_with_their_page(corpus):
    rec, pdf = corpus["docx-2021"]
    doc = read(pdf)
    grid = [(line, m) for line, m in zip(doc.lines, doc.meta) if m.grid]
    title = T.TEMPLATE_2021.t3_row("new_received").title
    row = next(line for line, _ in grid if line.startswith(title))
    assert row.split("\t")[1:] == [str(v) for v in rec.table3["new_received"]]
    assert all(re.fullmatch(r"第\d+页", m.origin) for _, m in grid)
    report = parse(pdf)
    prov = report.provenance["table3.new_received[6]"]
    assert prov.origin and prov.origin.startswith("第") and prov.confidence == 1.0


def test_page_numbers_are_dropped(corpus):
    for _, pdf in corpus.values():
        doc = read(pdf)
        assert not [ln for ln in doc.lines if re.fullmatch(r"[-—–\s]*\d{1,3}[-—–\s]*", ln)]


def test_a_blank_cell_stays_blank_in_its_column():
    rec, prose = C.record(105, "2021")
    rec.table3["granted"][2] = None  # printed empty, not 0
    pdf = C.docx_pdf(rec, prose)
    doc = read(pdf)
    label = T.TEMPLATE_2021.t3_row("granted").label
    row = next(line for line, m in zip(doc.lines, doc.meta) if m.grid and label in line)
    assert row.split("\t")[-7:][2] == ""
    assert parse(pdf).table3["granted"] == rec.table3["granted"]


# ---------------------------------------------------------------------------- real PDFs
@needs_shared
@pytest.mark.slow
def test_real_pdfs_score_every_cell_and_all_metadata():
    score = REAL.parent.parent / "tools" / "score.py"
    command = f"{sys.executable} -m nianbao parse --format json"
    proc = subprocess.run([sys.executable, str(score), str(REAL), "--cmd", command], capture_output=True, timeout=600)
    out = proc.stdout.decode()
    assert "metadata: 8/8" in out, out
    assert "cells: 372/372 (100.00%) files-perfect: 2/2" in out, out


@needs_shared
def test_real_pdf_layout_vertical_cell_page_break_and_provenance():
    doc = read((REAL / "hongze_2023.pdf").read_bytes())
    assert doc.reader == "pdf" and doc.pages == 5
    grid = [(line, m.origin) for line, m in zip(doc.lines, doc.meta) if m.grid]
    results = T.T3_GROUPS["results"].title
    # the vertical one-character-per-line merged cell is one cell, in the row where it starts
    assert any(line.split("\t")[0] == results for line, _ in grid)
    # table 三 goes on over the page break without empty cells for the merged labels
    first_on_4 = next(line for line, origin in grid if origin == "第4页")
    assert first_on_4.split("\t")[0].startswith("3.")
    assert not any(re.fullmatch(r"-\s*\d+\s*-", ln.strip()) for ln in doc.lines)
    report = parse((REAL / "hongze_2023.pdf").read_bytes())
    assert report.provenance["table3.unavailable_not_held[0]"].origin == "第3页"
    assert report.provenance["table3.unavailable_unclear[0]"].origin == "第4页"


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("cut", [0.3, 0.7])
def test_a_truncated_pdf_is_a_clear_error(corpus, cut):
    _, pdf = corpus["docx-2021"]
    with pytest.raises(UnreadableInput) as info:
        read(pdf[: int(len(pdf) * cut)])
    assert "PDF" in info.value.message_zh and "PDF" in info.value.message_en


def test_encrypted_and_truncated_pdfs_exit_2_with_bilingual_messages(corpus, tmp_path):
    rec, prose = C.record(106)
    locked = tmp_path / "locked.pdf"
    locked.write_bytes(C.encrypted_pdf(rec, prose))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(corpus["docx-2021"][1][:5000])
    for path, zh, en in ((locked, "加密", "encrypted"), (broken, "损坏", "damaged")):
        for command in ("parse", "check"):
            proc = run(command, str(path))
            err = proc.stderr.decode()
            assert proc.returncode == 2, (command, err)
            assert zh in err and en in err and "Traceback" not in err, err


@pytest.mark.skipif(not C.CHROMIUM, reason="Chromium is not installed")
def test_a_pdf_that_is_not_a_report_exits_2(tmp_path):
    path = tmp_path / "menu.pdf"
    path.write_bytes(C.chromium_pdf("<html><meta charset='utf-8'><body><h1>食堂菜单</h1>"
                                    "<table border=1><tr><td>周一</td><td>米饭</td></tr></table></body></html>"))
    proc = run("parse", str(path))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "年度报告" in err and "annual report" in err, err


def test_too_many_pages_is_a_limit(corpus, monkeypatch):
    monkeypatch.setattr(pdf_reader, "MAX_PAGES", 2)
    with pytest.raises(LimitExceeded):
        read(corpus["docx-2021"][1])


@pytest.mark.parametrize("text, reason", [
    ("(cid:12)(cid:13)(cid:14)(cid:15) 表", "cid"),
    ("政府信息公开\ufffd\ufffd\ufffd年度报告" * 3, "unmapped"),
    ("\ue001\ue002\ue003\ue004 政府" * 5, "unmapped"),
    ("ÐÐÕþÇ¿ÖÆ µÚ¶þÊ®ÌõµÚ£¨°Ë£©Ïî ÐÅÏ¢ÄÚÈÝ ±¾ÄêÊÕ·Ñ½ð¶î", "few-hanzi"),
    ("一、总体情况\n2023年，本机关主动公开政府信息1136条。", None),
    ("21 0 0 0 0 0 21\n0 0 0 0 0 0 0\n- 3 -", None),
    ("", None),
])
def test_broken_text_layers_are_recognised(text, reason):
    assert broken_reason(text) == reason


# ---------------------------------------------------------------------------- geometry
def _grid(xs: list[float], ys: list[float], skip: set[tuple[str, int, int]] = frozenset()) -> list[Ruling]:
    """Rulings of a grid; `skip` leaves out the segment of line i between cells j and j+1."""
    out = []
    for i, y in enumerate(ys):
        out += [Ruling("h", y, xs[j], xs[j + 1]) for j in range(len(xs) - 1) if ("h", i, j) not in skip]
    for i, x in enumerate(xs):
        out += [Ruling("v", x, ys[j], ys[j + 1]) for j in range(len(ys) - 1) if ("v", i, j) not in skip]
    return out


def test_rulings_make_a_grid_with_merged_cells():
    xs, ys = [0, 10, 20, 30], [0, 5, 10, 15]
    # the first column merged over rows 1-2; the top row merged over columns 1-2
    rulings = _grid(xs, ys, {("h", 2, 0), ("v", 2, 0)})
    (table,) = find_tables(rulings, 0.5, 1)
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells}
    assert spans[(1, 0)] == (2, 1) and spans[(0, 1)] == (1, 2) and (2, 0) not in spans
    fill(table, [TextBox(Box(1, 6, 3, 8), "三"), TextBox(Box(1, 11, 3, 13), "、"), TextBox(Box(21, 11, 23, 13), "7")])
    assert table.cell_at(2, 12).text == "三、"  # wrapped text of one cell joined in reading order
    assert table.cell_at(22, 12).text == "7" and table.cell_at(22, 7).text == ""


def test_a_stroke_touching_a_table_line_does_not_lengthen_it():
    rulings = merge_rulings(_grid([0, 10, 20], [0, 5, 10]) + [Ruling("v", 10, -3, 0)], 0.5)  # a stroke above
    assert min(r.start for r in rulings if r.orient == "v") == -3
    snapped = snap_to_junctions(rulings, 0.5)
    assert sorted((r.orient, r.pos, r.start, r.end) for r in snapped) == sorted(
        [("h", y, 0, 20) for y in (0, 5, 10)] + [("v", x, 0, 10) for x in (0, 10, 20)])


def test_page_break_stitching_drops_merged_label_continuations_and_joins_split_rows():
    xs = [0, 10, 20, 30]
    upper = find_tables(_grid(xs, [0, 5, 10], {("h", 1, 0)}), 0.5, 1)[0]  # column 0 merged over both rows
    fill(upper, [TextBox(Box(1, 4, 3, 6), "（四）"), TextBox(Box(11, 1, 13, 3), "1.甲"), TextBox(Box(21, 1, 23, 3), "5"),
                 TextBox(Box(11, 6, 13, 8), "2.乙"), TextBox(Box(21, 6, 23, 8), "6")])
    lower = find_tables(_grid(xs, [0, 5, 10]), 0.5, 1)[0]
    fill(lower, [TextBox(Box(11, 1, 13, 3), "3.丙"), TextBox(Box(21, 1, 23, 3), "7"),
                 TextBox(Box(1, 6, 3, 8), "（五）"), TextBox(Box(11, 6, 13, 8), "1.丁"), TextBox(Box(21, 6, 23, 8), "8")])
    # the lower part's first cell is empty: the merged label "（四）" goes on
    stitch(upper, lower)
    assert [c.text for c in lower.cells if c.row == 0] == ["3.丙", "7"]

    split_upper = find_tables(_grid(xs, [0, 5]), 0.5, 1)[0]
    fill(split_upper, [TextBox(Box(1, 1, 3, 3), "一、本年新收"), TextBox(Box(21, 1, 23, 3), "9")])
    split_lower = find_tables(_grid(xs, [0, 5, 10]), 0.5, 1)[0]
    fill(split_lower, [TextBox(Box(1, 1, 3, 3), "申请数量"), TextBox(Box(1, 6, 3, 8), "二、上年"), TextBox(Box(21, 6, 23, 8), "1")])
    stitch(split_upper, split_lower)
    assert split_upper.cell_at(2, 2).text == "一、本年新收申请数量"
    assert [c.text for c in split_lower.cells if c.row == 0] == []
