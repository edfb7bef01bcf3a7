"""Metadata from the whole page: title, agency, region and year (made-up pages)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nianbao import parse, parse_text
from nianbao.errors import NotAReport
from nianbao.formats.divisions import parse_chain, region_before
from nianbao.rules import check
from nianbao.parsing.metadata import find_metadata
from nianbao.parsing.segment import find_sections

HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


def meta(*head: str, body: str = "我局认真贯彻落实《中华人民共和国政府信息公开条例》。"):
    lines = [*head, HEADINGS[0], body, *HEADINGS[1:]]
    return find_metadata(lines, find_sections(lines))


def test_title_wrapped_over_two_lines():
    m = meta("2025年宁波市人民政府办公厅政府信息公开", "工作年度报告")
    assert (m.agency, m.year) == ("宁波市人民政府办公厅", 2025)
    m = meta("2025年某市人民政府办公厅政府信息公开", "工作年度报告")
    assert m.agency == "某市人民政府办公厅"
    m = meta("西咸新区底张街道办事处2023年度政府", "信息公开工作年度报告")
    assert (m.agency, m.region, m.year) == ("底张街道办事处", "西咸新区", 2023)


def test_agency_from_the_body_without_a_title():
    m = meta(body="根据《条例》规定,现将青山街道办事处2022年政府信息公开工作情况报告如下。")
    assert (m.title, m.agency, m.year) == (None, "青山街道办事处", 2022)
    m = meta(body="2020年,抚远市生态环境局认真贯彻落实《条例》,主动公开政府信息131条。")
    assert (m.agency, m.region) == ("抚远市生态环境局", None)
    m = meta(body="根据《条例》要求,杭锦后旗教育局编制了本报告。")
    assert m.agency == "杭锦后旗教育局"
    m = meta(body="如需咨询,请与柞水县凤凰镇人民政府党政办公室联系。")
    assert (m.agency, m.region) == ("凤凰镇人民政府", "柞水县")


@pytest.mark.parametrize("body", [
    "2021年,我局认真贯彻落实《条例》,通过县政府门户网站共主动公开政府信息6条。",
    "2023年,我镇坚持以习近平新时代中国特色社会主义思想为指导,在县委、县政府的正确领导下推进政务公开。",
    "(四)本年度在政府网站主动公开信息12条次。",
])
def test_no_agency_when_the_page_only_says_we(body):
    assert meta(body=body).agency is None


def test_page_furniture_before_the_title():
    m = meta("首页 > 政务公开 > 政府信息公开年报", "来源: 德清县人民政府", "发布机构: 德清县人民政府办公室",
             "索引号 | 001008003 | 发布时间 | 2024-01-20", "名称 | 德清县发展和改革局2023年政府信息公开工作年度报告")
    assert (m.agency, m.region, m.year) == ("德清县发展和改革局", None, 2023)
    m = meta("Page 9 - 2020年报_审计局", body="2020年,我单位未收到申请。")
    assert (m.agency, m.year) == ("审计局", 2020)


def test_spam_domain_before_the_name():
    m = meta("example.com东城街道2019年政府信息公开工作年度报告", body="现公布example.com东城街道2019年政府信息公开工作年度报告。")
    assert (m.agency, m.region) == ("东城街道", None)
    m = meta(body="2020年,在区委、区政府的正确领导下,新葡京博彩官网区人民政府北京街道办事处认真贯彻落实《条例》。")
    assert (m.agency, m.region) == ("北京街道办事处", None)


def test_g12_flags_a_domain_printed_before_the_agency():
    text = "\n".join(["example.com东城街道2019年政府信息公开工作年度报告", HEADINGS[0],
                      "2019年,东城街道认真贯彻落实《条例》。", *HEADINGS[1:]])
    report = parse_text(text)
    assert report.agency == "东城街道"
    found = [f for f in check(report) if f.rule == "G12"]
    assert any("example.com" in f.message and f.location.get("line") == 1 for f in found)
    clean = parse_text(text.replace("example.com", ""))
    assert not any("网址" in f.message for f in check(clean) if f.rule == "G12")


def test_non_standard_title_and_agency_on_the_line_above():
    m = meta("德清县审计局", "2024年度政务公开工作报告")
    assert (m.agency, m.region, m.year) == ("德清县审计局", None, 2024)
    m = meta("2022年政府信息公开工作年度报告", "桃江县松木塘镇人民政府", "2022年政府信息公开工作年度报告")
    assert (m.agency, m.region) == ("松木塘镇人民政府", "桃江县")


def test_region_is_what_is_printed_in_front_of_the_agency():
    m = meta("宁波市教育局2023年政府信息公开工作年度报告")
    assert (m.agency, m.region) == ("宁波市教育局", None)
    m = meta("杭州市西湖区北山街道办事处2023年政府信息公开工作年度报告")
    assert (m.agency, m.region) == ("北山街道办事处", "杭州市西湖区")
    m = meta("杭州市西湖区审计局2023年政府信息公开工作年度报告")
    assert (m.agency, m.region) == ("西湖区审计局", "杭州市")
    # a name without its area: the region only when the body prints it in front
    m = meta("市政府研究室2019年政府信息公开", "工作年度报告", body="特向社会公布孝感市政府研究室信息公开年度报告。")
    assert (m.agency, m.region) == ("市政府研究室", "孝感市")
    m = meta("市农业农村局2021年政府信息公开工作年度报告", body="本报告在绵竹市人民政府网站公开。")
    assert (m.agency, m.region) == ("市农业农村局", None)
    # a township government named without its county takes the one the body prints before it
    m = meta("仙庵镇2023年度政府信息公开工作年度报告", body="本报告由惠来县仙庵镇人民政府编制。")
    assert (m.agency, m.region) == ("仙庵镇人民政府", "惠来县")


def test_year_is_the_statistics_year_or_none():
    m = meta(body="本报告中所列数据的统计期限自2022年1月1日起至2022年12月31日止。")
    assert (m.year, m.year_source) == (2022, "period")
    assert meta(body="一年来,我局认真落实政务公开各项工作。").year is None


def test_divisions_chain_as_printed():
    assert region_before("现公布重庆市九龙坡区二郎街道2022年度报告", "二郎街道") == "重庆市九龙坡区"
    assert region_before("特向社会公布孝感市政府研究室报告", "政府研究室", "市") == "孝感市"
    assert region_before("特向社会公布孝感市政府研究室报告", "政府研究室", "县") is None
    chain, rest = parse_chain("西咸新区底张街道办事处")
    assert [d.name for d in chain] == ["西咸新区", "底张街道办事处"] and rest == ""
    chain, _ = parse_chain("新市镇人民政府")
    assert [d.name for d in chain] == ["新市镇"]


REAL_WEB = Path("/work/shared/fixtures/real-web")


@pytest.mark.skipif(not REAL_WEB.is_dir(), reason="real-web fixtures absent")
def test_real_web_metadata():
    ok = total = 0
    for truth_path in sorted(REAL_WEB.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        got = parse(truth_path.with_name(truth_path.name.replace(".truth.json", ".txt")))
        for key in ("agency", "region", "year"):
            if key in truth:
                total += 1
                ok += str(getattr(got, key) or "").removesuffix("人民政府") == str(truth[key] or "").removesuffix("人民政府")
    assert ok >= 0.95 * total, (ok, total)


def test_names_that_start_like_a_pronoun_are_still_names():
    assert meta(body="2021年,本溪市审计局认真贯彻落实《条例》。").agency == "本溪市审计局"
    assert meta(body="2021年,全椒县民政局认真贯彻落实《条例》。").agency == "全椒县民政局"
    assert meta(body="2021年,本局认真贯彻落实《条例》,全局主动公开信息8条。").agency is None


def test_a_region_printed_as_a_chain_is_the_same_agency_as_its_last_division():
    from nianbao.store.agencies import identify

    full = identify("二郎街道办事处", "重庆市九龙坡区", "township")
    short = identify("二郎街道办事处", "九龙坡区", "township")
    assert full.key == short.key and full.path == short.path == "/重庆市/九龙坡区/二郎街道/"
    assert identify("西湖区审计局", "杭州市", "department").path == "/浙江省/杭州市/西湖区/"


def test_region_from_a_traditional_mirror_is_read_as_its_canonical_name():
    """s2t then t2s does not give every name back (澄江县 -> 澂江縣 -> 澂江县): the region is the
    division the mirror printed, under its own name."""
    from nianbao.formats.divisions import region_before

    assert region_before("玉溪市澂江县教育局2022年", "教育局") == "玉溪市澄江县"
    assert region_before("重庆市九龙坡区二郎街道", "二郎街道") == "重庆市九龙坡区"


def test_region_printed_in_the_title_of_a_mirror_is_its_canonical_name():
    from nianbao import parse_text

    report = parse_text("玉溪市澂江县教育局2022年政府信息公开工作年度报告\n一、总体情况\n正文。\n二、主动公开政府信息情况\n"
                        "三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n")
    assert (report.agency, report.region) == ("澄江县教育局", "玉溪市")


def test_the_traditional_variants_of_division_names_are_what_opencc_makes_of_the_bundled_list():
    from nianbao.formats.divisions import TRADITIONAL_VARIANTS, _bundled, traditional_variants

    names = list(dict.fromkeys(d.name for d in _bundled()))
    assert traditional_variants(names) == TRADITIONAL_VARIANTS


def test_a_title_quoted_in_the_introduction_gives_way_to_the_statistical_period():
    """The introduction quotes last year's title (copied forward); the data's period is the year."""
    m = meta(body="我镇编制了《某某镇2020年政府信息公开工作年度报告》。所列数据的统计期限自2021年1月1日起至12月31日止。")
    assert (m.year, m.year_source) == (2021, "period")
    m = meta("某某镇人民政府2020年政府信息公开工作年度报告", body="本报告统计期限为2021年1月1日至2021年12月31日。")
    assert m.year == 2020  # a title line of its own stays the year (G3 tells the mismatch)


def test_a_title_the_body_prints_wrapped_over_two_lines_confirms_the_whole_name():
    m = meta("某某市某某风景区管理委员会 卫生健康办公室2023年政府信息公开工作年度报告", "某某市某某风景区管理委员会",
             "卫生健康办公室2023年政府信息公开工作年度报告", body="某某风景区管委会卫生健康办公室依法开展了政务公开工作。")
    assert m.agency == "某某市某某风景区管理委员会卫生健康办公室"


def test_an_excerpt_that_ends_before_the_tables_is_still_a_report():
    text = ("某某县审计局2022年政府信息公开工作年度报告\n本报告所列数据的统计期限为2022年1月1日至12月31日。\n"
            "一、总体情况\n2022年,某某县审计局认真贯彻落实《条例》。")
    report = parse_text(text)
    assert (report.agency, report.year, report.template) == ("某某县审计局", 2022, None)
    intro = "根据《条例》规定,现公开某某街道办事处2022年政府信息公开工作年度报告。\n一、总体情况\n2022年,某某街道推进政务公开。"
    assert parse_text(intro).agency == "某某街道办事处"
    with pytest.raises(NotAReport):  # a page that only mentions a report, with no section of one
        parse_text("关于做好2022年政府信息公开工作年度报告编制工作的通知\n各单位:请按时报送。")


def test_more_ways_a_body_names_its_agency():
    m = meta(body="如对本报告有任何疑问,请与某某市卫生健康委员会办公室联系。")
    assert m.agency == "某某市卫生健康委员会"  # (the commission's office is where to ask, not the reporter)
    m = meta(body="为认真做好某某市卫生健康局政府信息公开工作,我局按照《条例》要求狠抓落实。")
    assert m.agency == "某某市卫生健康局"
    # the author after a clause on the basis of the report, its inner office dropped
    m = meta(body="本报告依据《条例》及县委、县政府关于政务公开的相关要求,由某某县农业农村局编制。")
    assert m.agency == "某某县农业农村局"
    m = meta(body="本年度报告是根据《条例》的要求,由某某县某某镇人民政府党政办公室编制。")
    assert m.agency == "某某镇人民政府"


def test_an_excerpt_naming_itself_a_work_report_with_a_variant_heading_is_a_report():
    text = ("某某市以工代赈办公室\n2020年度政府信息公开工作年度报告\n现将有关情况报告如下。\n"
            "一、政府信息公开总体情况\n今年以来,市办始终将信息公开工作作为重要手段。")
    assert (parse_text(text).agency, parse_text(text).year) == ("某某市以工代赈办公室", 2020)
    text = "根据《条例》要求,编制某某区卫生健康局2023年度政府信息公开工作报告。\n一、总体情况\n2023年,我局推进政务公开。"
    assert parse_text(text).agency == "某某区卫生健康局"


def test_the_first_verb_ends_an_opening_subject():
    m = meta(body="2025年,某某区认真贯彻落实政务公开工作部署。如对本报告有疑问,请与某某市某某区人民政府办公室联系。")
    assert m.agency != "某某区认真"


def test_a_notice_about_the_reports_is_not_a_report_even_when_it_names_the_table_words():
    text = ("某某市人民政府办公室关于做好2025年政府信息公开工作年度报告编制和发布工作的通知\n各县区人民政府:\n"
            "一、规范年报内容。要认真撰写年度报告。\n二、确保数据准确。认真填写规章、行政规范性文件的本年制发件数、"
            "本年废止件数、现行有效件数;准确统计本年处理决定数量。\n")
    with pytest.raises(NotAReport):
        parse_text(text)
    # the format notice itself: its blank tables print the headings and table words, no numbers
    text = ("信息名称 | 某某办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知 | 内容概述 |\n"
            "某某办公室关于印发《中华人民共和国政府信息公开工作年度报告格式》的通知\n附件:\n一、总体情况\n"
            "第二十条第(一)项\n信息内容\n本年制发件数\n本年废止件数\n现行有效件数\n规章\n行政规范性文件\n"
            "第二十条第(五)项\n信息内容\n本年处理决定数量\n行政许可\n")
    with pytest.raises(NotAReport):
        parse_text(text)


def test_a_report_naming_itself_only_as_this_report_takes_its_agency_from_elsewhere():
    """No title naming the agency (本年报 / 本报告): the name comes from a line that prints it
    alone above the report, or from the body; 本 is never an agency."""
    m = meta("本年报", body="2021年,我局认真贯彻落实《条例》。")
    assert m.agency is None
    m = meta("某某县卫生健康局", body="2021年,我局认真贯彻落实《条例》。本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。")
    assert (m.agency, m.year) == ("某某县卫生健康局", 2021)
    m = meta(body="根据《条例》规定,特向社会公布2019年度市政府研究室信息公开年度报告。所有科室共同配合。")
    assert m.agency == "市政府研究室"
    m = meta(body="根据《条例》等文件要求,某某街道现面向社会公开2022年度政府信息公开年度报告。")
    assert (m.agency, m.year) == ("某某街道", 2022)


def test_generated_pages_without_a_title_still_name_agency_and_year():
    import random

    from nianbao.synth import random_record, wild_document

    rng = random.Random(41)
    for _ in range(40):
        rec = random_record(rng)
        page = wild_document(rec, rng.choice(("rows", "cells")), rng, ("no_title",))
        got = parse_text(page)
        assert (got.agency, got.year) == (rec.agency, rec.year), page[:200]
