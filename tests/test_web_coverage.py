"""Coverage of a region's season: the expected-agency list is kept per region across years
(a header row is not an agency), defaults to last year's filers, shows 已报/缺报/迟报 per
agency with the season's progress, and the 缺报/迟报 lists export as XLSX and a 催报 DOCX
(A4, no file paths)."""
from __future__ import annotations

import io
import re

import pytest

from tests.support.web_util import WebEnv, record, report_file

REGION = "栖霞市"


def filed(seed: int, agency: str, year: int, header: str = "") -> tuple[str, bytes]:
    rec = record(seed, agency=agency, region=REGION, year=year)
    return f"{agency}{year}.txt", header.encode("utf-8") + report_file(rec, seed)


@pytest.fixture
def env(tmp_path):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path)
    e.ingest([filed(1, "寺口镇人民政府", 2022), filed(2, "栖霞市教育局", 2022),
              filed(3, "寺口镇人民政府", 2023),
              filed(4, "栖霞市教育局", 2023, header="发布日期：2024-02-10\n")])
    yield e
    e.close()


def dash(client, year: int = 2023) -> dict:  # type: ignore[no-untyped-def]
    return client.get(f"/api/stats/region?region={REGION}&year={year}").json()


def test_the_default_list_is_last_years_filers_with_late_and_missing(env) -> None:  # type: ignore[no-untyped-def]
    rev = env.login("reviewer")
    d = dash(rev)
    assert d["expected_source"] == "default"
    assert sorted(d["expected"]) == ["寺口镇人民政府", "栖霞市教育局"]
    states = {e["name"]: e["state"] for e in d["coverage"]}
    assert states == {"寺口镇人民政府": "filed", "栖霞市教育局": "late"}
    (late,) = d["late"]
    assert late["late_days"] == 10 and late["due"] == "2024-01-31"
    page = rev.get(f"/dashboard?region={REGION}&year=2023").text
    assert "默认取 2022 年度" in page and "迟报 10 天" in page and "本年度审核进度" in page
    assert re.search(r"截止日期 2024-01-31：已过 \d+ 天", page)


def test_the_list_is_kept_across_years_and_a_header_row_is_not_an_agency(env) -> None:  # type: ignore[no-untyped-def]
    rev = env.login("reviewer")
    csv_text = "序号,单位名称,联系人\n1,寺口镇人民政府,张三\n2,栖霞市教育局,李四\n3,观里镇人民政府,王五\n"
    r = rev.post("/dashboard/expected", data={"region": REGION, "year": "2023"},
                 files={"file": ("名单.csv", csv_text.encode("gb18030"), "text/csv")})
    assert r.status_code == 303
    d = dash(rev)
    assert d["expected_source"] == "region"
    assert d["expected"] == ["寺口镇人民政府", "栖霞市教育局", "观里镇人民政府"]
    assert d["missing"] == ["观里镇人民政府"]
    # the same list holds for another year (nothing uploaded again)
    d22 = dash(rev, 2022)
    assert d22["expected"] == d["expected"] and d22["missing"] == ["观里镇人民政府"]
    # an XLSX with a 单位名称 header
    from openpyxl import Workbook

    wb = Workbook()
    for row in (["单位名称"], ["寺口镇人民政府"], ["松山街道办事处"]):
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    rev.post("/dashboard/expected", data={"region": REGION, "year": "2023"},
             files={"file": ("名单.xlsx", buf.getvalue(), "application/octet-stream")})
    d = dash(rev)
    assert d["expected"] == ["寺口镇人民政府", "松山街道办事处"] and d["missing"] == ["松山街道办事处"]
    # edited in the page (a header line typed in the box is not an agency either)
    rev.post("/dashboard/expected", data={"region": REGION, "year": "2023", "names": "单位名称\n寺口镇人民政府\n"})
    assert dash(rev)["expected"] == ["寺口镇人民政府"]


def test_missing_and_late_lists_export_as_xlsx_and_a_reminder_docx(env) -> None:  # type: ignore[no-untyped-def]
    from docx import Document
    from openpyxl import load_workbook

    rev = env.login("reviewer")
    rev.post("/dashboard/expected", data={"region": REGION, "year": "2023",
                                          "names": "寺口镇人民政府\n栖霞市教育局\n观里镇人民政府"})
    r = rev.get(f"/dashboard/export/coverage.xlsx?region={REGION}&year=2023")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert [(row[1], row[2]) for row in rows] == [("观里镇人民政府", "缺报"), ("栖霞市教育局", "迟报")]
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert ws.freeze_panes == "A3"
    r = rev.get(f"/dashboard/export/reminder.docx?region={REGION}&year=2023")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    section = doc.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.05 and abs(section.page_height.cm - 29.7) < 0.05
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "催报" in text and "〔2024〕X号" in text and "第四十九条" in text
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert [c[1] for c in cells[1:]] == ["观里镇人民政府", "栖霞市教育局"]
    assert "迟报 10 天" in cells[2][4]
    everything = text + str(cells)
    assert ".txt" not in everything and "/" not in everything.replace("〔", "")
