"""Table extraction anchored on labels, in the layouts real reports come in."""
from __future__ import annotations

import random

from nianbao import check, parse_text
from nianbao import templates as T
from nianbao.model import Report
from nianbao.render.formats import tab_lines
from nianbao.render.layout import table3_grid
from nianbao.render.report import render
from nianbao.synth import random_record

HEAD = "某县某镇人民政府2023年政府信息公开工作年度报告\n一、总体情况\n正文。\n"
TAIL = "\n五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n"


def record(seed: int = 3, template: str = "2021") -> Report:
    rec = random_record(random.Random(seed), template=template)
    rec.agency, rec.region, rec.year = "某镇人民政府", "某县", 2023 if template == "2021" else 2020
    return rec


def doc_with_table3(lines: list[str], rec: Report) -> str:
    t2 = render(rec, "txt").split("三、收到和处理政府信息公开申请情况")[0].split("二、主动公开政府信息情况")[1]
    t4 = render(rec, "txt").split("四、政府信息公开行政复议、行政诉讼情况")[1].split("五、")[0]
    return (HEAD + "二、主动公开政府信息情况\n" + t2 + "三、收到和处理政府信息公开申请情况\n" + "\n".join(lines)
            + "\n四、政府信息公开行政复议、行政诉讼情况\n" + t4 + TAIL)


def test_eight_cells_where_seven_belong_takes_the_window_the_arithmetic_supports():
    rec = record(11)
    rec.table3["granted"] = [5, 0, 0, 0, 0, 0, 5]
    rec.table3["results_total"] = [x + y for x, y in zip(rec.table3["results_total"], [5, 0, 0, 0, 0, 0, 5])]
    rec.table3["new_received"] = [x + y for x, y in zip(rec.table3["new_received"], [5, 0, 0, 0, 0, 0, 5])]
    lines = tab_lines(table3_grid(T.TEMPLATE_2021, rec.table3))
    for i, line in enumerate(lines):
        if "予以公开" in line:  # a stray cell at the start, as merged label cells leave in PDF text
            cells = line.split("\t")
            lines[i] = "\t".join(cells[:3] + ["7"] + cells[3:])
    report = parse_text(doc_with_table3(lines, rec))
    assert report.table3["granted"] == [5, 0, 0, 0, 0, 0, 5]
    prov = report.provenance["table3.granted[0]"]
    assert prov.method == "arithmetic" and "勾稽" in prov.note


def test_wrapped_label_with_values_on_the_first_line():
    rec = record(12)
    lines = tab_lines(table3_grid(T.TEMPLATE_2021, rec.table3))
    out = []
    for line in lines:
        if "逾期不补正" in line:
            cells = line.split("\t")
            label = next(c for c in cells if "逾期不补正" in c)
            k = label.index("政府信息公") + 5
            out.append(line.replace(label, label[:k]))
            out.append("\t" + label[k:] + "\t" * 8)
        else:
            out.append(line)
    report = parse_text(doc_with_table3(out, rec))
    assert report.table3 == rec.table3


def test_one_cell_per_line_with_pipes_and_blank_lines():
    rec = record(13)
    text = render(rec, "pipe").replace("\n|", "\n\n|")
    report = parse_text(text)
    assert (report.table2, report.table3, report.table4) == (rec.table2, rec.table3, rec.table4)


def test_markdown_pipe_tables():
    rec = record(14)
    report = parse_text(render(rec, "md"))
    assert (report.table2, report.table3, report.table4) == (rec.table2, rec.table3, rec.table4)


def test_page_break_inside_a_table():
    rec = record(15)
    text = render(rec, "space")
    text = text.replace("6.属于四类过程性信息", "- 4 -\n洪泽区人民政府\n6.属于四类过程性信息")
    report = parse_text(text)
    assert report.table3 == rec.table3


def test_label_typo_is_matched_and_reported():
    rec = record(16)
    text = render(rec, "space").replace("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
    report = parse_text(text)
    assert report.table3["denied_prohibited_by_law"] == rec.table3["denied_prohibited_by_law"]
    typos = [f for f in check(report) if f.rule == "N1"]
    assert typos and typos[0].expected.endswith("其他法律行政法规禁止公开")


def test_units_inside_cells_converted_to_the_header_unit_raw_kept():
    rec = record(17, "2019")
    rec.table2["procurement"] = {"count": 3, "amount": 25.1}
    text = render(rec, "txt").replace("\t25.1", "\t251000元")
    report = parse_text(text)
    assert report.table2["procurement"] == {"count": 3, "amount": 25.1}
    assert report.provenance["table2.procurement.amount"].raw == "251000元"
    t22 = [f for f in check(report) if f.rule == "T2.2"]
    assert t22 and t22[0].severity == "warning"


def test_dashes_are_null_with_a_finding_not_zero():
    rec = record(18)
    lines = tab_lines(table3_grid(T.TEMPLATE_2021, rec.table3))
    out = []
    for line in lines:
        if "重复申请" in line:
            cells = line.split("\t")
            cells[4] = "—"
            line = "\t".join(cells)
        out.append(line)
    report = parse_text(doc_with_table3(out, rec))
    assert report.table3["not_processed_duplicate"][1] is None
    findings = check(report)
    assert any(f.rule == "N2" for f in findings)
    t32 = [f for f in findings if f.rule == "T3.2"]
    assert t32 and t32[0].status == "not_evaluable"


def test_a_missing_row_is_left_out_not_zero_filled():
    rec = record(19)
    text = render(rec, "space")
    text = "\n".join(ln for ln in text.split("\n") if not ln.startswith("3.要求提供公开出版物"))
    report = parse_text(text)
    assert "not_processed_publication" not in report.table3
    assert report.table3["not_processed_excessive"] == rec.table3["not_processed_excessive"]
    assert any(f.rule == "N6" for f in check(report))


def test_old_single_other_row_in_a_2021_report():
    rec = record(20)
    total = [a + b + c for a, b, c in zip(rec.table3.pop("other_no_correction"), rec.table3.pop("other_no_fee"), rec.table3["other_other"])]
    rec.table3["other_other"] = total
    report = parse_text(render(rec, "space"))
    assert report.template == "2021"
    assert "other_no_correction" not in report.table3 and report.table3["other_other"] == total
    assert any(f.rule == "G2.1" for f in check(report))


def test_2019_template_is_detected_and_read():
    rec = record(21, "2019")
    report = parse_text(render(rec, "txt"))
    assert report.template == "2019"
    assert report.table2 == rec.table2 and report.table3 == rec.table3


def test_label_and_number_in_one_cell_of_a_grid_line_are_split():
    rec = record(22)
    text = render(rec, "space").replace("(四)无法提供 1.", "(四)无法提供1.")
    assert parse_text(text).table3 == rec.table3


def test_tables_found_without_their_section_headings():
    rec = record(23)
    text = render(rec, "txt").replace("三、收到和处理政府信息公开申请情况", "").replace("二、主动公开政府信息情况", "")
    report = parse_text(text)
    assert report.table3 == rec.table3 and report.table2 == rec.table2
    assert any(f.rule == "G1" for f in check(report))


def test_legacy_report_is_labelled_and_its_headline_figures_kept():
    text = ("某县人民政府2012年政府信息公开工作年度报告\n一、概述\n本年度工作。\n"
            "三、依申请公开政府信息情况\n全年共收到政府信息公开申请36件，同意公开答复30件。\n"
            "四、政府信息公开的收费及减免情况\n无。\n附表\n指标名称\t计量单位\t数值\n主动公开政府信息数\t条\t1523\n")
    report = parse_text(text)
    assert report.template == "legacy" and report.year == 2012
    assert report.table3 == {} and report.table2 == {}
    assert {"label": "主动公开政府信息数", "value": 1523, "unit": "条", "line": 10} in report.extras["legacy_figures"]
    assert not any(f.rule in ("G1", "N6") for f in check(report))


def test_a_numbered_row_label_that_lost_its_dot_is_still_its_row():
    """OCR drops the small "." of "1.属于…" and clerks type "1 属于…": the digit is numbering."""
    from nianbao.vocab import normalized, table3_index

    rows = T.TEMPLATES["2021"].table3_rows
    for n, row in enumerate(rows[4:12], start=1):
        want = table3_index().match(normalized(f"{n}.{row.label}")).refs[0].key
        assert want == row.key
        for text in (f"{n}{row.label}", f"{n} {row.label}"):
            match = table3_index().match(normalized(text))
            assert match is not None and match.refs[0].key == row.key, (text, match)
    assert table3_index().match(normalized("12月31日")) is None
