"""One value-to-text module (nianbao.numbers) behind every output: a count stored as the
float 183.0 prints "183" and a blank prints blank (or a dash), never "nan" or "183.0", in
CSV, JSON, XLSX, DOCX, HTML, Markdown, the terminal, the web pages and the CLI listings."""
from __future__ import annotations

import io
import json
import math
import random
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from nianbao.exports.issues import show_value
from nianbao.exports.output import csv_text
from nianbao.exports.tabular import write_json
from nianbao.exports.xlsx import Workbook
from nianbao.numbers import (is_blank, is_number, number_text, plain, plain_frame, ratio_text,
                             whole)
from nianbao.render.docx import render_docx
from nianbao.render.report import render
from nianbao.render.terminal import print_report
from nianbao.synth import prose_for, random_record

BAD = re.compile(r"\b183\.0\b|\bnan\b|\bNaN\b|\bNone\b")


@pytest.mark.parametrize("value, text", [
    (183, "183"), (183.0, "183"), (np.float64(183.0), "183"), (np.int64(183), "183"), (Decimal("183.00"), "183"),
    (2.5, "2.5"), (Decimal("2.50"), "2.5"), (0.1 + 0.2, "0.3"), (-0.0, "0"), (None, ""), (float("nan"), ""),
    (pd.NA, ""), (pd.NaT, ""), (np.nan, ""), (float("inf"), ""), (True, "1"), ("未填", "未填"),
])
def test_number_text(value, text):
    assert number_text(value) == text


def test_number_text_options():
    assert number_text(1234567.0, grouping=True) == "1,234,567"
    assert number_text(1234.5678, grouping=True, places=2) == "1,234.57"
    assert number_text(None, blank="—") == "—" and number_text(float("nan"), blank="—") == "—"
    assert ratio_text(0.1234) == "12.3%" and ratio_text(9.0) == "900.0%"
    assert ratio_text(None) == ratio_text(float("nan")) == ratio_text(float("inf")) == "—"


def test_plain_values():
    assert plain(183.0) == 183 and type(plain(183.0)) is int
    assert type(plain(np.float64(7.0))) is int and plain(np.float64(7.5)) == 7.5
    assert plain(float("nan")) is None and plain(pd.NA) is None and plain(None) is None
    assert plain("x") == "x" and plain(True) is True
    assert whole(3.0) == 3 and math.isinf(whole(math.inf))
    assert is_blank(pd.NA) and is_blank(float("nan")) and not is_blank(0)
    assert is_number(3) and is_number(2.5) and not is_number(True) and not is_number("3")


def frame() -> pd.DataFrame:
    return pd.DataFrame({"机关": ["甲", "乙", "丙"], "新收": [183.0, np.nan, 2.5], "年度": [2024.0, 2023.0, np.nan]})


def test_csv_prints_whole_numbers_plainly_and_blanks_empty():
    text = csv_text(frame())
    assert text.splitlines() == ["机关,新收,年度", "甲,183,2024", "乙,,2023", "丙,2.5,"]


def test_json_prints_whole_numbers_plainly_and_blanks_as_null():
    out = io.BytesIO()
    write_json([frame()], out)
    raw = out.getvalue().decode("utf-8")
    assert not BAD.search(raw) and "2024.0" not in raw, raw
    assert json.loads(raw) == [{"机关": "甲", "新收": 183, "年度": 2024}, {"机关": "乙", "新收": None, "年度": 2023},
                               {"机关": "丙", "新收": 2.5, "年度": None}]
    assert plain_frame(frame()).to_json(orient="records").count("183,") == 1


def test_xlsx_cells_hold_whole_numbers_as_integers_and_blanks_empty():
    openpyxl = pytest.importorskip("openpyxl")
    out = io.BytesIO()
    book = Workbook(out)
    sheet = book.sheet("数据")
    for row in frame().itertuples(index=False):
        sheet.row(list(row))
    book.close()
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows == [["甲", 183, 2024], ["乙", None, 2023], ["丙", 2.5, None]]
    assert all(type(v) is int for v in (rows[0][1], rows[0][2]))


@pytest.fixture(scope="module")
def report():
    """A generated report whose counts were read back as floats (183.0) with one blank."""
    rng = random.Random(183)
    rec = random_record(rng, template="2021")
    row = rec.table3["new_received"]
    row[0] = 183.0
    rec.table3["granted"][1] = None
    for key, cells in rec.table3.items():
        rec.table3[key] = [float(v) if isinstance(v, int) else v for v in cells]
    return rec, prose_for(rec, rng)


def test_html_and_markdown_print_183(report):
    rec, prose = report
    for fmt in ("html", "md"):
        text = render(rec, fmt, prose=prose)
        assert ">183<" in text or "| 183 |" in text or " 183 " in text, fmt
        assert not re.search(r"\d\.0\b", text.replace("2.0", "")), fmt  # no "183.0", "12.0"
        assert not BAD.search(text), fmt


def test_docx_prints_183(report):
    docx = pytest.importorskip("docx")
    rec, prose = report
    doc = docx.Document(io.BytesIO(render_docx(rec, prose)))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "183" in cells
    assert not any(re.fullmatch(r"\d+\.0|nan|None", c) for c in cells)


def test_terminal_prints_183(report):
    rec, _ = report
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_report(rec, [], console)
    text = console.file.getvalue()
    assert re.search(r"\b183\b", text) and not BAD.search(text)
    assert not re.search(r"\b\d+\.0\b", text)


def test_web_pages_and_cli_listings_use_the_same_words():
    from nianbao.cli.store_cmds import _num, _text
    from nianbao.web.views import templates

    num = templates.env.filters["num"]
    assert [num(v) for v in (183.0, None, float("nan"), 1234.0, 2.5)] == ["183", "", "", "1,234", "2.5"]
    assert [_num(v) for v in (183.0, None, float("nan"))] == ["183", "—", "—"]
    assert _num(0.5, pct=True) == "50.0%" and _text(2024.0) == "2024" and _text(float("nan")) == ""


def test_issue_values_print_plainly():
    assert show_value(183.0) == "183" and show_value([3.0, 4.5]) == "3、4.5" and show_value(None) == ""


def test_rule_messages_print_183(report):
    """The checks on a record read back as floats: messages say 183, not 183.0."""
    from nianbao.rules import check
    from nianbao.store.crosscheck import crossyear_findings

    rec, _ = report
    found = check(rec)
    assert any("183" in f.message for f in found)  # 183 breaks the row's sum
    previous = random_record(random.Random(184), template="2021", year=rec.year - 1)
    found += list(crossyear_findings(rec, previous))
    text = "\n".join(f.message for f in found)
    assert not re.search(r"\d\.0(?!\d)", text), text
