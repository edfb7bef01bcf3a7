"""The HTML pages: what each shows for a small store, the HTMX fragments, the exports
behind their buttons, the dashboard's expected-agency list, and the drafting form."""
from __future__ import annotations

import io
import re

import pytest

from nianbao.formats import templates as T
from tests.support.web_util import WebEnv, record, report_file

TOTAL = T.T3_TOTAL_COLUMN


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path_factory.mktemp("pages"))
    bad = record(7, agency="寺口镇人民政府", region="栖霞市", year=2023)
    bad.table3["granted"][TOTAL] += 3
    e.bad_total = bad.table3["granted"][TOTAL]
    e.ids = dict(zip(("good", "bad", "other"), e.ingest([
        ("good.txt", report_file(record(8, agency="寺口镇人民政府", region="栖霞市", year=2022), 8)),
        ("bad.txt", report_file(bad, 7)),
        ("other.txt", report_file(record(9, agency="庙后镇人民政府", region="栖霞市", year=2023), 9,
                                  prose={"problems": "本机关公开萤火虫\n观测站名录，做好萤火 虫观测站的回应关切。"})),
    ])))
    e.viewer, e.reviewer = e.login("viewer"), e.login("reviewer")
    yield e
    e.close()


def test_home_lists_filters_and_sorts_reports(env: WebEnv) -> None:
    page = env.viewer.get("/").text
    assert "共 3 份报告" in page and page.count('href="/reports/') >= 6
    assert "寺口镇人民政府" in page and "庙后镇人民政府" in page
    only = env.viewer.get("/?year=2023&problems=1").text
    assert "共 1 份报告" in only and f'/reports/{env.ids["bad"]}"' in only
    frag = env.viewer.get("/?agency=庙后", headers={"HX-Request": "true", "HX-Target": "report-list"}).text
    assert "<html" not in frag and "共 1 份报告" in frag
    head, rows = env.viewer.get("/?sort=year&order=asc").text.split("<tbody>")
    assert rows.index(">2022</td>") < rows.index(">2023</td>")
    assert "sort=year&amp;order=desc" in head  # the active column toggles


def test_report_page_shows_tables_findings_source_and_sections(env: WebEnv) -> None:
    rid = env.ids["bad"]
    page = env.viewer.get(f"/reports/{rid}").text
    for key in ("proactive", "requests", "appeals"):
        assert T.SECTION_BY_KEY[key].title in page
    cell = re.search(rf'<td[^>]*data-cell="table3\.granted\[{TOTAL}\]"[^>]*>', page).group(0)
    assert 'data-state="error"' in cell and 'data-line="' in cell and f'data-raw="{env.bad_total}"' in cell
    assert 'data-findings="' in cell and 'data-label="' in cell
    line = int(re.search(r'data-line="(\d+)"', cell).group(1))
    row = re.search(rf'<div class="src-line" id="L{line}"><span class="no">{line}</span><span class="tx">([^<]*)</span>',
                    page)
    assert row and str(env.bad_total) in row.group(1)
    assert 'class="finding error"' in page and 'href="/rules/T3.2"' in page and "规则说明" in page
    assert "确认问题" not in page  # a viewer sees no review form
    assert "报告正文" in page and T.SECTION_BY_KEY["overview"].heading in page
    assert "确认问题" in env.reviewer.get(f"/reports/{rid}").text
    assert env.viewer.get("/reports/424242").status_code == 404


def test_printable_view(env: WebEnv) -> None:
    page = env.viewer.get(f"/reports/{env.ids['bad']}/print").text
    assert "data-print" in page and "问题清单" in page and "T3.2" in page
    assert page.count("<table") == 3


def test_report_exports_from_the_page(env: WebEnv) -> None:
    from openpyxl import load_workbook

    rid = env.ids["bad"]
    r = env.viewer.get(f"/reports/{rid}/export/cells.xlsx")
    assert "attachment;" in r.headers["content-disposition"] and "filename*=UTF-8''" in r.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(r.content)).active.values)
    by_path = {row[0]: row for row in rows[1:]}
    assert by_path[f"table3.granted[{TOTAL}]"][2] == env.bad_total
    assert by_path[f"table3.granted[{TOTAL}]"][1].endswith(T.T3_COLUMNS[TOTAL].label)


def test_agency_page_sets_years_side_by_side(env: WebEnv) -> None:
    agency_id = env.viewer.get("/api/agencies?q=寺口").json()[0]["id"]
    page = env.viewer.get(f"/agencies/{agency_id}").text
    assert "历年报告" in page and "逐项对比" in page
    assert 'data-chart="' in page and "&#34;trend&#34;" in page
    assert page.index(">2022<") < page.index(">2023<")
    assert "/static/vendor/echarts.common.min.js" in page


def test_dashboard_counts_charts_members_and_missing(env: WebEnv) -> None:
    empty = env.viewer.get("/dashboard").text
    assert "输入一个地区" in empty
    page = env.viewer.get("/dashboard?region=栖霞市&year=2023").text
    assert "已收报告" in page and "尚未上传" in page
    charts = set(re.findall(r'class="chart" id="chart-(\w+)"', page))
    assert {"problems", "composition", "denied"} <= charts and "&#34;problems&#34;" in page
    assert "&#34;figures&#34;" not in page  # no chart mixing 新收 with results
    for group in ("予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理"):  # all six result groups
        assert group in re.search(r'id="chart-composition" data-chart="([^"]*)"', page).group(1)
    members = re.search(r'<div id="members">(.*?)</table>', page, re.S).group(1)
    assert members.index("寺口镇人民政府") < members.index("庙后镇人民政府")  # most errors first
    frag = env.viewer.get("/dashboard?region=栖霞市&year=2023&sort=agency&order=asc",
                          headers={"HX-Request": "true", "HX-Target": "members"}).text
    assert "<html" not in frag and "sort=agency" in frag
    assert "全地区合计" in page and page.count("nb-table") >= 3


def test_expected_list_by_form_and_by_file(env: WebEnv) -> None:
    from openpyxl import Workbook

    r = env.reviewer.post("/dashboard/expected", data={"region": "栖霞市", "year": "2023",
                                                       "names": "寺口镇人民政府\n庙后镇人民政府\n松山街道办事处"})
    assert r.status_code == 303
    page = env.viewer.get("/dashboard?region=栖霞市&year=2023").text
    assert "名单共 3 个机关" in page and "松山街道办事处" in re.search(r'<ul class="missing">(.*?)</ul>', page, re.S).group(1)
    wb = Workbook()
    for name in ("寺口镇", "翠屏街道办事处", None):
        wb.active.append([name])
    buf = io.BytesIO()
    wb.save(buf)
    r = env.reviewer.post("/dashboard/expected", data={"region": "栖霞市", "year": "2023"},
                          files={"file": ("名单.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 303
    dash = env.viewer.get("/api/stats/region?region=栖霞市&year=2023").json()
    assert dash["expected"] == ["寺口镇", "翠屏街道办事处"] and dash["missing"] == ["翠屏街道办事处"]
    r = env.reviewer.post("/dashboard/expected", data={"region": "栖霞市", "year": "2023"},
                          files={"file": ("名单.txt", "观里镇\n".encode("gb18030"), "text/plain")})
    assert env.viewer.get("/api/stats/expected?region=栖霞市&year=2023").json()["names"] == ["观里镇"]
    assert env.viewer.post("/dashboard/expected", data={"region": "栖霞市", "year": "2023", "names": "x"}).status_code == 403


def test_finding_card_and_notice_from_the_report_page(env: WebEnv) -> None:
    """The finding card says what is expected and found in words; the report's 整改通知
    takes its deadline and issuer from the export form and prints no file name or id."""
    from docx import Document

    rid = env.ids["bad"]
    page = env.viewer.get(f"/reports/{rid}").text
    assert re.search(r"核对情况：应为\d+，报告中为\d+", page)
    assert 'name="deadline"' in page and 'action="/reports/%d/export/findings.docx"' % rid in page
    r = env.viewer.get(f"/reports/{rid}/export/findings.docx?deadline=2024-03-31&issuer=栖霞市政务公开办")
    assert r.status_code == 200 and "%E6%95%B4%E6%94%B9%E9%80%9A%E7%9F%A5" in r.headers["content-disposition"]  # 整改通知
    doc = Document(io.BytesIO(r.content))
    lines = [p.text for p in doc.paragraphs if p.text]
    assert lines[2] == "寺口镇人民政府：" and "整改时限：2024年3月31日前。" in lines and "栖霞市政务公开办" in lines
    body = "\n".join(lines + [c.text for t in doc.tables for row in t.rows for c in row.cells])
    assert "bad.txt" not in body and f"#{rid}" not in body and "报告编号" not in body
    assert env.viewer.get(f"/reports/{rid}/export/findings.docx?deadline=tomorrow").status_code in (400, 422)
    api = env.viewer.get(f"/api/reports/{rid}/findings").json()["findings"]
    assert any(re.fullmatch(r"应为\d+，报告中为\d+", f["values"]) for f in api)


def test_dashboard_exports(env: WebEnv) -> None:
    from docx import Document
    from openpyxl import load_workbook

    q = "?region=栖霞市&year=2023"
    # the region's 问题清单 is nianbao.exports' (as `nianbao issues` writes it)
    rows = list(load_workbook(io.BytesIO(env.viewer.get("/dashboard/export/findings.xlsx" + q).content)).active.values)
    assert rows[0][0] == "栖霞市2023年度政府信息公开工作年度报告问题清单"
    assert any(r[4] == "T3.2" and r[1] == 2023 for r in rows[3:])
    doc = Document(io.BytesIO(env.viewer.get("/dashboard/export/findings.docx" + q).content))
    assert "2023年度政府信息公开工作年度报告存在问题的整改通知" in doc.paragraphs[0].text
    assert doc.paragraphs[1].text == "〔2024〕X号"
    r = env.viewer.get("/dashboard/export/findings.xlsx?region=无此地&year=2023")
    assert r.status_code == 400 and "没有符合条件的报告" in r.text
    csv = env.viewer.get("/dashboard/export/members.csv" + q).content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("报告编号,机关") and len(csv.splitlines()) == 3
    assert env.viewer.get("/dashboard/export/members.pdf" + q).status_code == 404


def test_search_page(env: WebEnv) -> None:
    page = env.viewer.get("/search?q=寺口镇").text
    assert "<mark>寺口镇</mark>" in page and "/agencies/" in page
    hits = re.findall(r'<div class="hit" data-report="(\d+)">', page)
    assert sorted(hits) == sorted({str(env.ids["good"]), str(env.ids["bad"])}) and len(hits) == len(set(hits))  # one per report
    assert "共 2 份报告含“寺口镇”" in page
    y2023 = env.viewer.get("/search?q=寺口镇&year=2023").text
    assert re.findall(r'data-report="(\d+)"', y2023) == [str(env.ids["bad"])] and "共 1 份报告" in y2023
    by_rule = env.viewer.get("/search?q=寺口镇&rule=T3.2").text
    assert re.findall(r'data-report="(\d+)"', by_rule) == [str(env.ids["bad"])]
    assert "没有找到" in env.viewer.get("/search?q=寺口镇&region=淮安市").text
    broken = env.viewer.get("/search?q=萤火虫观测站").text  # printed across PDF line breaks
    assert re.findall(r'data-report="(\d+)"', broken) == [str(env.ids["other"])]
    assert "公开<mark>萤火虫观测站</mark>名录" in broken and "做好萤火虫观测站的" in broken  # no break left
    assert "没有找到" in env.viewer.get("/search?q=从未出现过的词").text
    one_char = env.viewer.get("/search?q=镇").text
    assert "<mark>镇</mark>" in one_char


def test_report_list_facets_link_to_filters(env: WebEnv) -> None:
    page = env.viewer.get("/").text
    facets = re.search(r'<div class="facets" id="facets">(.*?)</div>\s*<p', page, re.S).group(1)
    years = dict(re.findall(r'href="\?year=(\d+)[^"]*">\d+</a> <span class="count">(\d+)</span>', facets))
    assert years == {"2023": "2", "2022": "1"}
    assert re.search(r'href="\?region=%E6%A0%96%E9%9C%9E%E5%B8%82[^"]*">栖霞市</a> <span class="count">3</span>', facets)
    rule = re.search(r'href="\?rule=T3\.2[^"]*"[^>]*>T3\.2.*?<span class="count">(\d+)</span>', facets, re.S)
    assert rule and rule.group(1) == "1"
    only = env.viewer.get("/?rule=T3.2").text
    assert "共 1 份报告" in only and f'/reports/{env.ids["bad"]}"' in only
    assert "✕ T3.2" in only  # the fixed facet can be cleared
    assert "/export/reports.csv?rule=T3.2" in only
    csv = env.viewer.get("/export/reports.csv?rule=T3.2").content.decode("utf-8-sig").splitlines()
    assert len(csv) == 2 and csv[1].startswith(str(env.ids["bad"]))  # the export keeps the rule filter
    year = env.viewer.get("/?year=2022").text
    assert "共 1 份报告" in year and re.search(r'href="\?region=%E6%A0%96%E9%9C%9E%E5%B8%82&amp;year=2022[^"]*">栖霞市</a> <span class="count">1</span>', year)


def test_rules_pages(env: WebEnv) -> None:
    page = env.viewer.get("/rules").text
    assert 'href="/rules/T3.2"' in page and "表内勾稽" in page
    one = env.viewer.get("/rules/T3.2").text
    assert f'/reports/{env.ids["bad"]}"' in one and "不符合该规则的报告" in one
    assert env.viewer.get("/rules/XX").status_code == 404


def test_error_pages_are_chinese(env: WebEnv) -> None:
    r = env.viewer.get("/nothing-here")
    assert r.status_code == 404 and "没有找到" in r.text and "<html" in r.text
    r = env.viewer.get("/reports/abc")
    assert r.status_code == 422 and "请求参数不正确" in r.text


# --------------------------------------------------------------------------- drafting


def cells_of(rec) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from nianbao.draft import template_cells

    out = {}
    for spec in template_cells(rec.template):
        if spec.computed:
            continue
        table = rec.table3 if spec.table == "table3" else getattr(rec, spec.table)
        out[f"c:{spec.path}"] = str(table[spec.row][spec.column])
    return out


def test_draft_form_lays_out_the_official_tables_as_inputs(env: WebEnv) -> None:
    page = env.viewer.get("/draft?year=2023").text
    assert 'name="c:table3.granted[0]"' in page and 'hx-post="/draft/check"' in page
    total = re.search(r'<input[^>]*name="c:table3\.granted\[6\]"[^>]*>', page).group(0)
    assert "readonly" in total
    assert T.T3_HEADER_TOP in page and T.TEMPLATE_2021.t3_row("granted").title in page
    old = env.viewer.get("/draft?year=2020").text  # the 2019 format
    assert 'name="c:table3.other_other[0]"' in old and 'name="c:table3.other_no_fee[0]"' not in old


def test_draft_check_computes_totals_and_lists_problems(env: WebEnv) -> None:
    rec = record(21, agency="观里镇人民政府", region="栖霞市", year=2023)
    fields = {"year": "2023", "agency": "观里镇人民政府", "region": "栖霞市", **cells_of(rec)}
    r = env.viewer.post("/draft/check", data=fields, headers={"HX-Request": "true"})
    assert "检查通过" in r.text
    oob = re.search(r'<input[^>]*id="c-table3-results_total-6"[^>]*>', r.text).group(0)
    assert 'hx-swap-oob="true"' in oob and f'value="{rec.table3["results_total"][TOTAL]}"' in oob
    fields["c:table3.granted[0]"] = "12x"
    r = env.viewer.post("/draft/check", data=fields)
    assert "不是数字" in r.text
    fields["c:table3.granted[0]"] = str(rec.table3["granted"][0] + 50)  # breaks 一+二 = 三+四
    r = env.viewer.post("/draft/check", data=fields)
    assert "错误" in r.text and "T3.1" in r.text


def test_draft_docx_download_and_refusal(env: WebEnv) -> None:
    from nianbao import parse

    rec = record(22, agency="观里镇人民政府", region="栖霞市", year=2023)
    fields = {"year": "2023", "agency": "观里镇人民政府", "region": "栖霞市", **cells_of(rec)}
    r = env.viewer.post("/draft/docx", data=fields)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    back = parse(r.content)
    assert back.table3 == rec.table3 and back.table4 == rec.table4
    fields["c:table3.granted[0]"] = str(rec.table3["granted"][0] + 50)
    r = env.viewer.post("/draft/docx", data=fields)
    assert r.status_code == 422 and "没有生成文档" in r.text and 'value="' + fields["c:table3.granted[0]"] + '"' in r.text
    r = env.viewer.post("/draft/docx", data={**fields, "force": "1"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = env.anonymous().post("/draft/check", data=fields)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")  # logged-in users only


def test_draft_prefilled_from_last_years_report(env: WebEnv) -> None:
    last = env.viewer.get(f"/api/reports/{env.ids['good']}").json()["record"]  # 寺口镇 2022
    page = env.viewer.get(f"/draft?year=2023&previous={env.ids['good']}").text
    assert "已按报告" in page and "预填" in page
    for col in range(TOTAL):
        value = last["table3"]["carried_forward"][col]
        field = re.search(rf'<input[^>]*name="c:table3\.carried_over\[{col}\]"[^>]*>', page).group(0)
        assert f'value="{value}"' in field
    assert 'value="寺口镇人民政府"' in page
    assert "没有编号为 999999 的报告" in env.viewer.get("/draft?year=2023&previous=999999").text


def test_report_list_export(env: WebEnv) -> None:
    from openpyxl import load_workbook

    csv = env.viewer.get("/export/reports.csv?year=2023").content.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("报告编号,机关") and len(csv) == 3
    rows = list(load_workbook(io.BytesIO(env.viewer.get("/export/reports.xlsx?problems=1").content)).active.values)
    assert [r[0] for r in rows[1:]] == [env.ids["bad"]]
    assert env.viewer.get("/export/reports.pdf").status_code == 404
