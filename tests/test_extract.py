"""Table extraction anchored on labels, in the layouts real reports come in."""
from __future__ import annotations

import random
import re

import pytest

from nianbao import check, parse_text
from nianbao.formats import templates as T
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
    from nianbao.formats.vocab import normalized, table3_index

    rows = T.TEMPLATES["2021"].table3_rows
    for n, row in enumerate(rows[4:12], start=1):
        want = table3_index().match(normalized(f"{n}.{row.label}")).refs[0].key
        assert want == row.key
        for text in (f"{n}{row.label}", f"{n} {row.label}"):
            match = table3_index().match(normalized(text))
            assert match is not None and match.refs[0].key == row.key, (text, match)
    assert table3_index().match(normalized("12月31日")) is None


# --------------------------------------------------------------------------- scraped pages (issue 11 §2)
# The pages below are made up, in the layouts real scraped pages come in (../shared/fixtures/real-web).

PAGE_HEAD = "某县卫生健康局\n2019年政府信息公开工作年度报告\n一、总体情况\n2019年，我局认真落实《条例》。\n"


def t2_cells_2019(rows: list[tuple[str, list[str]]], lead: str = "") -> str:
    """Table 二 of 2019, one cell per line ending " |", a blank cell a lone "|"."""
    out = ["二、主动公开政府信息情况"]
    for label, cells in rows:
        out += [lead + f"{label} |"] + [f"{c} |" if c else "|" for c in cells] + ["|"]
    return "\n".join(out) + "\n"


def test_a_row_printing_only_its_total_keeps_the_applicant_cells_blank():
    text = PAGE_HEAD + t2_cells_2019([("规章", ["0", "0", "0"])]) + (
        "三、收到和处理政府信息公开申请情况\n(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) |\n申请人情况 |\n"
        "||||||||\n自然人 |\n法人或其他组织 |\n总计 |\n|||||||\n商业企业 |\n科研机构 |\n社会公益组织 |\n法律服务机构 |\n其他 |\n"
        "一、本年新收政府信息公开申请数量 |\n" + "|\n" * 6 + "3 |\n||\n"
        "二、上年结转政府信息公开申请数量 |\n" + "|\n" * 6 + "0 |\n||\n")
    report = parse_text(text)
    assert report.table3["new_received"] == [None] * 6 + [3]
    assert report.table3["carried_over"] == [None] * 6 + [0]
    # the arithmetic may propose, never write
    assert all(p.method != "arithmetic" for k, p in report.provenance.items() if k.startswith("table3"))


def test_blank_cells_each_holding_a_line_break():
    text = PAGE_HEAD + (
        "三、收到和处理政府信息公开申请情况\n(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 |\n"
        "自然人 | 法人或其他组织 | 总计 |\n商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |\n"
        "一、本年新收政府信息公开申请数量 | 25 |\n|\n|\n|\n|\n| 25 |\n"
        "二、上年结转政府信息公开申请数量 |\n|\n|\n|\n|\n|\n| 0 |\n"
        "三、本年度办理结果 | (一)予以公开 | 7 |\n|\n|\n|\n|\n| 7 |\n")
    report = parse_text(text)
    assert report.table3 == {"new_received": [25] + [None] * 5 + [25], "carried_over": [None] * 6 + [0],
                             "granted": [7] + [None] * 5 + [7]}


def test_rows_of_blank_cells_or_words_are_kept_as_printed_rows():
    text = PAGE_HEAD + t2_cells_2019([
        ("规章", ["", "", ""]), ("规范性文件", ["不适用", "无", "/"]), ("行政许可", ["126", "增72", "142"]),
        ("其他对外管理服务事项", ["", "", ""]), ("行政处罚", ["5", "减4", "1"]), ("行政强制", ["3", "+173", "176"]),
        ("行政事业性收费", ["0", "未增未减"]), ("政府集中采购", ["22", "184719元"])])
    report = parse_text(text)
    assert report.table2["regulations"] == {"new_made": None, "new_published": None, "total_public": None}
    assert report.table2["normative_documents"] == {"new_made": None, "new_published": None, "total_public": None}
    assert report.table2["licensing"] == {"prev_count": 126, "change": 72, "decisions": 142}
    assert report.table2["penalty"]["change"] == -4 and report.table2["coercion"]["change"] == 173
    assert report.table2["admin_fees"] == {"prev_count": 0, "change": 0}
    assert report.table2["procurement"] == {"count": 22, "amount": 18.4719}
    findings = check(report)
    words = {f.location["cell"] for f in findings if f.rule == "N2"}
    assert {"table2.normative_documents.new_made", "table2.normative_documents.total_public"} <= words
    n6 = [f for f in findings if f.rule == "N6" and f.location.get("table") == "table2"]
    assert not n6, n6  # every table-二 row is printed


def test_label_line_with_its_values_glued_on_the_next_line():
    text = ("某县交通运输局\n2021年政府信息公开工作年度报告\n一、总体情况\n正文。\n二、主动公开政府信息情况\n"
            "第二十条第(一)项 | |||\n信息内容 |\n本年制发件数 |\n本年废止件数 |\n现行有效件数 |\n"
            "规章 |\n0 | 0 | 0 |\n行政规范性文件 |\n2 | 0 | 5 |\n"
            "第二十条第(五)项 | |||\n信息内容 |\n本年处理决定数量 | ||\n行政许可 |\n114 | ||\n"
            "三、行政机关收到和处理政府信息公开申请情况\n"
            "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) |\n申请人情况 | ||||||||\n"
            "自然人 |\n法人或其他组织 |\n总计 | |||||||\n商业 企业 |\n科研 机构 |\n社会公益组织 |\n法律服务机构 |\n其他 | |||||\n"
            "一、本年新收政府信息公开申请数量 |\n1 | 0 | 0 | 0 | 0 | 0 | 1 | ||\n"
            "二、上年结转政府信息公开申请数量 |\n0 | 0 | 0 | 0 | 0 | 0 | 0 | ||\n")
    report = parse_text(text)
    assert report.table2["normative_documents"] == {"issued": 2, "repealed": 0, "in_force": 5}
    assert report.table2["licensing"] == {"decisions": 114}
    assert report.table3 == {"new_received": [1, 0, 0, 0, 0, 0, 1], "carried_over": [0] * 7}


def test_traditional_mirror_with_pinyin_inside_labels_tabs_and_a_value_before_its_pipe():
    text = ("一、總體情況\n  我局2021年認真落實。\n  二、主動公開政府信息情況\n  第二十條第(一)項  | \n\t\t\n"
            "信息內(nèi)容  | \n\t\t\t本年制發(fā)件數(shù)  | \n\t\t\t本年廢止件數(shù)  | \n\t\t\t現(xiàn)行有效件數(shù)  | \n\t\t\n"
            "規(guī)章  | \n\t\t\t0  | \n\t\t\t0  | \n\t\t\t0\n   | \n\t\t\n"
            "行政規(guī)範性文件  | \n\t\t\t3  | \n\t\t\t1\n   | \n\t\t\t12  | \n\t\t\n"
            "第二十條第(五)項  | \n\t\t\n信息內(nèi)容  | \n\t\t\t本年處理決定數(shù)量  | \n\t\t\n行政許可  | \n\t\t\t951  | \n")
    report = parse_text(text)
    assert report.template == "2021"
    assert report.table2 == {"regulations": {"issued": 0, "repealed": 0, "in_force": 0},
                             "normative_documents": {"issued": 3, "repealed": 1, "in_force": 12},
                             "licensing": {"decisions": 951}}


def test_flipbook_page_with_only_shared_rows_has_no_template():
    text = ("Page 9 - 2020年报_审计局\nP. 9\n四、结转下年度继续办理 0 0 0 0 0 0 0\n四、政府信息公开行政复议、行政诉讼情况\n"
            "2020 年,我单位未出现申请行政复议、提起行政诉讼的情况。\n行政复议 行政诉讼\n未经复议直接起诉 复议后起诉\n"
            "结 结 其 尚\n结 结 其 尚 结 结 其 尚\n果 果 他 未\n总计 果 果 他 未 总 果 果 他 未 总\n维 纠 结 审\n"
            "维 纠 结 审 计 维 纠 结 审 计\n持 正 果 结\n持 正 果 结 持 正 果 结\n0 1 0 0 1 0 0 0 0 0 0 0 0 0 0\n"
            "五、存在的主要问题及改进情况\n宣传方式有待提升。\n")
    report = parse_text(text)
    assert report.template is None
    assert report.table3 == {"carried_forward": [0] * 7}
    assert report.table4["review"] == {"upheld": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1}
    assert report.extras["partial"] is True and report.extras["missing_tables"] == ["table2"]
    assert any(f.rule == "N6" and f.location.get("table") == "table2" for f in check(report))


def test_labels_and_headers_with_extra_words_and_invented_sub_rows():
    text = PAGE_HEAD.replace("2019", "2020") + (
        "二、主动公开政府信息情况\n第二十条第(一)项 | |||\n信息内容 | 本年新制作数量 | 本年新公开数量 | 对外公开总数量 |\n"
        "规章(设区的市、自治州人民政府应提供相关数据) | 0 | 0 | 0 |\n规范性文件 | 4 | 4 | 17 |\n"
        "其他主动公开文件(含以本单位名义签发的文件) | 9 | 9 | 9 |\n"
        "第二十条第(五)项 | |||\n信息内容 | 上一年项目数量(指2019年事项数) | 本年增/减(如 -8) | 处理决定数量 |\n"
        "行政许可 | 10 | 2 | 12 |\n行政检查 | 7 | 7 | 7 |\n行政确认 | 1 | 1 | 1 |\n"
        "其他对外管理服务事项(指许可以外的事项) | 3 | 0 | 3 |\n")
    report = parse_text(text)
    assert report.template == "2019"
    assert report.table2["regulations"] == {"new_made": 0, "new_published": 0, "total_public": 0}
    assert report.table2["licensing"] == {"prev_count": 10, "change": 2, "decisions": 12}
    assert report.table2["other_services"] == {"prev_count": 3, "change": 0, "decisions": 3}
    extra = {r["label"].split("(")[0]: r["values"] for r in report.extras["table2_rows"]}
    assert extra == {"其他主动公开文件": [9, 9, 9], "行政检查": [7, 7, 7], "行政确认": [1, 1, 1]}
    assert any(f.rule == "N4" and "行政检查" in f.message for f in check(report))


def test_2021_headers_annotated_with_the_year():
    rec = record(31)
    text = render(rec, "md").replace("本年制发件数", "本年(2023)制发件数").replace("本年处理决定数量", "本年(2023)处理决定数量")
    report = parse_text(text)
    assert report.template == "2021" and report.table2 == rec.table2


def test_a_number_with_a_note_in_its_cell():
    text = PAGE_HEAD.replace("2019", "2021") + (
        "二、主动公开政府信息情况\n第二十条第(一)项 |\n信息内容 |\n本年制发件数 |\n本年废止件数 |\n现行有效件数 |\n"
        "规章 |\n0 |\n0 |\n0 |\n行政规范性文件 |\n18\n(其中修订5件) |\n2 |\n40 |\n")
    report = parse_text(text)
    assert report.table2["normative_documents"] == {"issued": 18, "repealed": 2, "in_force": 40}


def test_tables_with_no_headings_around_them_are_found_by_their_labels():
    rec = record(32)
    lines = render(rec, "txt").split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("第二十条"))
    end = next(i for i, ln in enumerate(lines) if ln.startswith("五、"))
    body = [ln for ln in lines[start:end] if not re.match(r"^[三四]、(收到|政府信息公开行政)", ln)]
    report = parse_text("\n".join(body))  # nothing but the three tables
    assert (report.table2, report.table3, report.table4) == (rec.table2, rec.table3, rec.table4)
    assert "partial" not in report.extras


def test_a_table_found_inside_the_section_before_it():
    rec = record(33)
    text = render(rec, "pipe").replace("三、收到和处理政府信息公开申请情况", "（三）依申请办理情况统计")
    report = parse_text(text)
    assert report.table2 == rec.table2 and report.table3 == rec.table3


# --------------------------------------------------------------------------- §1 never refuse a report that has one


def test_a_page_with_only_table_2_is_a_partial_report():
    rec = record(34)
    t2 = render(rec, "pipe").split("二、主动公开政府信息情况")[1].split("三、")[0]
    report = parse_text("二、主动公开政府信息情况\n" + t2)
    assert report.table2 == rec.table2 and not report.table3
    assert report.extras["partial"] is True and report.extras["missing_tables"] == ["table3", "table4"]
    n6 = {f.location.get("table") for f in check(report) if f.rule == "N6"}
    assert {"table3", "table4"} <= n6


def test_a_page_with_only_table_4_is_a_partial_report():
    rec = record(35)
    t4 = render(rec, "txt").split("四、政府信息公开行政复议、行政诉讼情况")[1].split("五、")[0]
    report = parse_text("统计表\n" + t4)
    assert report.table4 == rec.table4
    assert report.extras["missing_tables"] == ["table2", "table3"]


def test_text_without_report_content_is_still_refused():
    from nianbao.errors import NotAReport

    for text in ("今天天气很好。\n我们去公园散步。\n", "行政复议\n1 2 3\n", "会议纪要\n第二十条第(一)项规定了主动公开的范围。\n"):
        with pytest.raises(NotAReport) as err:
            parse_text(text)
        assert "似乎不是年度报告" in str(err.value) and "does not look like an annual report" in err.value.message_en


def test_a_label_that_lost_its_first_characters_is_placed_by_the_row_order():
    rec = record(36)
    text = render(rec, "space")
    text = text.replace("4.保护第三方合法权益", "合法权益").replace("一、本年新收政府信息公开申请数量", "公开申请数量")
    report = parse_text(text)
    assert report.table3 == rec.table3
    placed = {f.location.get("row"): f.actual for f in check(report) if f.rule == "N1"}
    assert placed == {"denied_third_party": "合法权益", "new_received": "公开申请数量"}


def test_an_unrecognised_label_whose_numbers_break_the_row_arithmetic_is_not_placed():
    rec = record(37)
    rec.table3["denied_third_party"] = [1, 0, 0, 0, 0, 0, 1]
    text = render(rec, "space").replace("4.保护第三方合法权益 1 0 0 0 0 0 1", "合法权益 1 0 0 0 0 0 5")
    report = parse_text(text)
    assert "denied_third_party" not in report.table3
    assert any(r["label"] == "合法权益" for r in report.extras["table3_rows"])
    assert any(f.rule == "N6" and "denied_third_party" in f.location.get("rows", []) for f in check(report))


def test_a_docx_holding_only_the_tables_is_read():
    import io

    import docx

    from nianbao import parse
    from nianbao.render.report import grids_of

    rec = record(38)
    document = docx.Document()
    for grid in grids_of(rec):
        table = document.add_table(rows=len(grid.rows), cols=grid.width)
        for r, row in enumerate(grid.rows):
            for c, cell in row:
                target = table.cell(r, c)
                if cell.rowspan > 1 or cell.colspan > 1:
                    target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
                target.text = cell.text
        document.add_paragraph("")
    buf = io.BytesIO()
    document.save(buf)
    report = parse(buf.getvalue())
    assert (report.table2, report.table3, report.table4) == (rec.table2, rec.table3, rec.table4)
    assert report.template == rec.template


def test_a_cell_holding_two_numbers_is_never_read_as_one():
    """PDF-to-markdown merges two columns into one cell ("21 0"): that is not 210."""
    from nianbao.parsing.extract.tokens import NUMBER, TEXT, classify

    assert classify("21 0")[0] == TEXT and classify("1 0 0")[0] == TEXT
    assert classify("21")[:2] == (NUMBER, 21) and classify("增 72")[:2] == (NUMBER, 72)
    text = ("某县审计局\n2023年政府信息公开工作年度报告\n一、总体情况\n正文。\n二、主动公开政府信息情况\n"
            "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n| 规章 | 0 | 0 | 0 |\n| 行政规范性文件 | 21 0 | 3 |\n")
    report = parse_text(text)
    assert report.table2["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert 210 not in [v for row in report.table2.values() for v in row.values()]


def test_a_sentence_in_a_table_section_is_no_label_typo():
    rec = record(37)
    text = render(rec, "txt").replace("（本列数据的勾稽关系", "本年度未收到政府信息公开申请。\n（本列数据的勾稽关系", 1)
    report = parse_text(text)
    assert report.table3 == rec.table3
    assert not [f for f in check(report) if f.rule == "N1" and "本年度未收到" in str(f.actual)]


def test_a_mirror_with_taiwan_phrasing_prints_documents_as_dang_an():
    rec = record(38)
    text = render(rec, "txt").replace("规范性文件", "規範性檔案")
    assert "規範性檔案" in text
    assert parse_text(text).table2 == rec.table2


def test_a_number_with_stray_signs_is_a_blank_cell_with_a_finding_and_keeps_the_row_in_place():
    text = ("二、主动公开政府信息情况\n第二十条第（六）项 | | |\n信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
            "行政处罚 |\n12 |\n--12 |\n0 |\n行政强制 |\n3 |\n+1 |\n7 |\n")
    report = parse_text(text)
    assert report.template == "2019"
    assert report.table2["penalty"] == {"prev_count": 12, "change": None, "decisions": 0}
    assert report.table2["coercion"] == {"prev_count": 3, "change": 1, "decisions": 7}
    assert any(f.rule == "N2" and f.actual == "--12" for f in check(report))


def test_a_row_printed_without_its_label_is_placed_by_its_neighbours_or_left_out():
    """"| | 4 | 0 | 10 |" between rows that print their labels: the one row of the template the
    neighbours leave for it (N1), else no official row (N4); never read into its neighbour."""
    head = "二、主动公开政府信息情况\n第二十条第(一)项 | |||\n信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
    page = head + "规章 | 0 | 0 | 0 |\n | 2 | 1 | 7 |\n第二十条第(五)项 | |||\n信息内容 | 本年处理决定数量 | ||\n行政许可 | 44 | ||\n"
    got = parse_text(page)
    assert got.table2["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 7}
    assert got.table2["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert any(f.rule == "N1" and f.location.get("row") == "normative_documents" for f in _findings(got))
    cells = head + "规章 |\n0 |\n0 |\n0 |\n|\n2 |\n1 |\n7 |\n第二十条第(五)项 |\n信息内容 |\n本年处理决定数量 |\n行政许可 |\n44 |\n"
    assert parse_text(cells).table2["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 7}
    t3 = ("三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 3 | 4 | |\n"
          " | 0 | 0 | 0 | 0 | 0 | 1 | 1 | |\n三、本年度办理结果 | (一)予以公开 | 1 | 0 | 0 | 0 | 0 | 3 | 4 | |\n")
    got = parse_text(t3)
    assert got.table3["carried_over"] == [0, 0, 0, 0, 0, 1, 1]
    assert got.table3["new_received"] == [1, 0, 0, 0, 0, 3, 4]
    # two rows left between the neighbours (行政许可 and 行政处罚 both unprinted): which one is unknown
    got = parse_text("二、主动公开政府信息情况\n规章 | 0 | 0 | 0 |\n行政规范性文件 | 0 | 0 | 0 |\n | 5 | ||\n行政强制 | 0 | ||\n")
    assert "licensing" not in got.table2 and "penalty" not in got.table2
    assert got.table2["coercion"] == {"decisions": 0}
    assert any(f.rule == "N4" and f.location.get("table") == "table2" for f in _findings(got))


def test_a_pipe_cut_row_missing_a_cell_is_null_with_a_finding_not_read_left_aligned():
    """"行政许可 | 4 | 10 |" under a three-column header, its neighbours printing three cells: a
    cell was dropped and nothing says which."""
    page = ("二、主动公开政府信息情况\n第二十条第(五)项 | |||\n信息内容 | 上一年项目数量 | 本年增/减 | 处理决定数量 |\n"
            "行政许可 | 4 | 10 |\n其他对外管理服务事项 | 0 | 0 | 0 |\n")
    got = parse_text(page)
    assert got.table2["licensing"] == {"prev_count": None, "change": None, "decisions": None}
    assert got.table2["other_services"] == {"prev_count": 0, "change": 0, "decisions": 0}
    assert any(f.rule == "N3" and f.location.get("row") == "licensing" for f in _findings(got))
    # a row printing every cell, the last one blank, is read as printed
    blank_last = page.replace("行政许可 | 4 | 10 |", "行政许可 | 4 | 10 | |")
    assert parse_text(blank_last).table2["licensing"] == {"prev_count": 4, "change": 10, "decisions": None}


def _findings(report):
    from nianbao import check

    return [*report.notes, *check(report)]


def test_a_label_alone_between_rows_of_space_separated_text_is_a_row_of_nulls():
    """Text where blank cells leave no trace: "行政处罚" alone, "行政强制  0" after it. The row is
    kept with every cell null (a missing cell is not a blank one), with a finding."""
    page = ("二、主动公开政府信息情况\n第二十条第(一)项\n信息内容  本年制发件数  本年废止件数  现行有效件数\n规章\n"
            "行政规范性文件  3  0  12\n第二十条第(五)项\n信息内容  本年处理决定数量\n行政许可  5\n行政处罚\n行政强制  0\n行政事业性收费\n")
    got = parse_text(page)
    assert got.table2["regulations"] == {"issued": None, "repealed": None, "in_force": None}
    assert got.table2["penalty"] == {"decisions": None}
    assert got.table2["coercion"] == {"decisions": 0}
    assert "admin_fees" not in got.table2  # (the last label: an excerpt may stop there)
    assert any(f.rule == "N3" and f.location.get("row") == "penalty" for f in _findings(got))
