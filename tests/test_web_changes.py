"""The year-on-year page of a region (/dashboard/changes), its CSV and the JSON API
(/api/stats/changes): one data function, the largest changes first, jumps flagged."""
from __future__ import annotations

import csv
import io

import pytest

from tests.support.web_util import WebEnv, record, report_file

ZERO = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}
REVIEW_82 = {"upheld": 60, "corrected": 12, "other": 8, "pending": 2, "total": 82}


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path_factory.mktemp("changes"))
    files = []
    for i, agency in enumerate(("寺口镇人民政府", "庙后镇人民政府")):
        for year in (2022, 2023):
            rec = record(40 + 10 * i + year, agency=agency, region="栖霞市", year=year)
            for group in ("review", "litigation_direct", "litigation_after_review"):
                rec.table4[group] = dict(ZERO)
            if (agency, year) == ("寺口镇人民政府", 2023):
                rec.table4["review"] = dict(REVIEW_82)
            files.append((f"{agency}{year}.txt", report_file(rec, year)))
    files.append(("新.txt", report_file(record(5, agency="观里镇人民政府", region="栖霞市", year=2023), 5)))
    e.ids = e.ingest(files)
    e.viewer = e.login("viewer")
    yield e
    e.close()


def test_the_page_lists_the_largest_changes_first_with_jumps_flagged(env: WebEnv) -> None:
    html = env.viewer.get("/dashboard/changes?region=栖霞市&years=2022,2023").text
    assert "栖霞市 2022 年度 → 2023 年度" in html and "由0增至82" in html
    assert 'class="jump"' in html and "观里镇人民政府" in html  # a 2023-only agency is named
    only = env.viewer.get("/dashboard/changes?region=栖霞市&years=2022,2023&jumps=true").text
    assert only.count('<tr class="jump">') == only.count("<tr") - 1 >= 1  # the header, then jumps only
    assert "由0增至82" in env.viewer.get("/dashboard/changes?region=栖霞市").text  # default: the latest two years
    assert "与上年对比" in env.viewer.get("/dashboard?region=栖霞市&year=2023").text


def test_page_csv_and_api_agree(env: WebEnv) -> None:
    api = env.viewer.get("/api/stats/changes?region=栖霞市&years=2022,2023")
    assert api.status_code == 200, api.text
    data = api.json()
    assert (data["before_year"], data["after_year"]) == (2022, 2023) and data["only_after"] == ["观里镇人民政府"]
    rows = data["rows"]
    assert len(rows) == data["total"] and data["jumps"] >= 1
    deltas = [abs(r["delta"]) for r in rows if r["delta"] is not None]
    assert deltas == sorted(deltas, reverse=True)
    review = next(r for r in rows if r["agency"] == "寺口镇人民政府" and r["figure"] == "reviews")
    assert (review["before"], review["after"], review["delta"], review["jump"]) == (0, 82, 82, "由0增至82")
    assert isinstance(review["after"], int)
    r = env.viewer.get("/dashboard/changes?region=栖霞市&years=2022,2023&format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0] == ["机关", "项目", "上一年度", "本年度", "变化", "突变"] and len(table) == len(rows) + 1
    assert ["寺口镇人民政府", review["label"], "0", "82", "82", "由0增至82"] in table
    assert not any(cell.endswith(".0") for row in table for cell in row)
    assert env.viewer.get("/api/stats/changes?region=无此地&years=2022,2023").status_code == 400
    assert env.viewer.get("/dashboard/changes?region=栖霞市&format=pdf").status_code == 422


def test_region_json_prints_counts_as_integers(env: WebEnv) -> None:
    """The API's region totals, agency figures and trends: 183, not 183.0 (nianbao.numbers)."""
    data = env.viewer.get("/api/stats/region?region=栖霞市&year=2023").json()
    totals = [v for v in data["totals"].values() if v is not None]
    assert totals and all(isinstance(v, int) for v in totals), data["totals"]
    for item in data["agencies"]["items"]:
        assert isinstance(item["applications"], int) and isinstance(item["reviews"], int)
    agency = env.viewer.get("/api/agencies?q=寺口").json()[0]["id"]
    trend = env.viewer.get(f"/api/agencies/{agency}").json()["trend"]
    values = [v for s in trend["series"] for v in s["values"] if v is not None]
    assert values and all(isinstance(v, int) for v in values)
    page = env.viewer.get("/dashboard?region=栖霞市&year=2023").text
    assert not __import__("re").search(r">\d+\.0<", page)
