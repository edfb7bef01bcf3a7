"""The record as reviewed flows everywhere (issue 13 §1): after a cell correction and a
dismissal, the report list's badges, the dashboard (counts, charts, totals), the region's
statistics (`Store.region_stats`, what `nianbao stats` prints), the agency page, the
region's 问题清单 XLSX and the report's own 问题清单 all agree with the reviewed record - on
SQLite and on PostgreSQL."""
from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from nianbao.formats import templates as T
from tests.support.web_util import WebEnv, record, report_file

REGION, YEAR = "栖霞市", 2023
TOTAL = T.T3_TOTAL_COLUMN
GRANTED = f"table3.granted[{TOTAL}]"
LIVE = ("error", "warning")


def _pg_or_skip() -> None:
    from tests.support.store_util import PG_SERVER

    try:
        engine = sa.create_engine(PG_SERVER)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is a skip
        pytest.skip(f"PostgreSQL is not reachable: {exc}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def env(request, tmp_path):  # type: ignore[no-untyped-def]
    from tests.support.store_util import Databases

    if request.param == "postgresql":
        _pg_or_skip()
    dbs = Databases(request.param, tmp_path)
    e = WebEnv(tmp_path, url=dbs.url())
    wrong = record(21, agency="寺口镇人民政府", region=REGION, year=YEAR)
    wrong.table3["granted"][TOTAL] += 4  # a mis-read total: the reviewer corrects it
    doubtful = record(22, agency="庙后镇人民政府", region=REGION, year=YEAR)
    doubtful.table3["partially_granted"][TOTAL] += 3  # an error the reviewer dismisses
    clean = record(23, agency="亭口镇人民政府", region=REGION, year=YEAR)
    e.ids = dict(zip(("wrong", "doubtful", "clean"), e.ingest([
        ("a.txt", report_file(wrong, 1)), ("b.txt", report_file(doubtful, 2)), ("c.txt", report_file(clean, 3))])))
    e.reviewer = e.login("reviewer")
    yield e
    e.close()
    dbs.close()


def listed(env: WebEnv) -> dict[int, dict]:
    items = env.reviewer.get(f"/api/reports?region={REGION}&year={YEAR}&per_page=100").json()["items"]
    return {r["id"]: r for r in items}


def live_findings(env: WebEnv, rid: int) -> list[dict]:
    found = env.reviewer.get(f"/api/reports/{rid}/findings").json()["findings"]
    return [f for f in found if not (f["decision"] and f["decision"]["decision"] == "dismiss")]


def reviewed_counts(env: WebEnv, rid: int) -> tuple[int, int]:
    live = [f for f in live_findings(env, rid) if f["status"] == "fail"]
    return sum(f["severity"] == "error" for f in live), sum(f["severity"] == "warning" for f in live)


AGENCIES = {"wrong": "寺口镇人民政府", "doubtful": "庙后镇人民政府", "clean": "亭口镇人民政府"}


def region_rows(env: WebEnv) -> list[tuple]:
    """(report id, rule, 复核结论) of every issue row of the region's 问题清单 XLSX: the sheet
    names no report id, so a row's report is the agency of the heading above it (one report
    per agency here)."""
    r = env.reviewer.get(f"/dashboard/export/findings.xlsx?region={REGION}&year={YEAR}")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content))["问题清单"]
    rows = list(sheet.iter_rows(values_only=True))
    head = rows.index(next(r for r in rows if r and r[0] == "序号"))
    col = {name: i for i, name in enumerate(rows[head])}
    by_agency = {name: env.ids[key] for key, name in AGENCIES.items()}
    out, current = [], None
    for row in rows[head + 1:]:
        if isinstance(row[0], str):  # an agency's heading: "1. 寺口镇人民政府（栖霞市）　错误 2 个…"
            current = next((rid for name, rid in by_agency.items() if f" {name}" in row[0]), None)
        elif isinstance(row[0], int):
            out.append((current, row[col["规则"]], row[col["复核结论"]]))
    return out


def report_rows(env: WebEnv, rid: int) -> list[tuple]:
    """(rule, 复核结论) of the rows of one report's 问题清单 XLSX."""
    r = env.reviewer.get(f"/api/reports/{rid}/export/findings.xlsx")
    assert r.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    col = {name: i for i, name in enumerate(rows[0])}
    return [(row[col["规则"]], row[col["复核结论"]]) for row in rows[1:]]


def review(env: WebEnv) -> tuple[float, dict]:
    """Correct the wrong total, dismiss one error of the other report; returns the corrected
    value and the dismissed finding."""
    rid = env.ids["wrong"]
    extracted = env.reviewer.get(f"/api/reports/{rid}").json()["record"]["table3"]["granted"][TOTAL]
    r = env.reviewer.api("POST", f"/api/reports/{rid}/corrections", json={"path": GRANTED, "value": extracted - 4})
    assert r.status_code == 200, r.text
    dismissed = next(f for f in live_findings(env, env.ids["doubtful"]) if f["severity"] == "error" and f["status"] == "fail")
    r = env.reviewer.api("POST", f"/api/reports/{env.ids['doubtful']}/findings/{dismissed['key']}/decision",
                         json={"decision": "dismiss", "comment": "原件如此"})
    assert r.status_code == 200, r.text
    return extracted - 4, dismissed


def test_views_and_exports_agree_with_the_reviewed_record(env: WebEnv) -> None:
    wrong, doubtful = env.ids["wrong"], env.ids["doubtful"]
    before, rows_before = listed(env), region_rows(env)
    dash_before = env.reviewer.get(f"/api/stats/region?region={REGION}&year={YEAR}").json()  # cached, then stale
    assert before[wrong]["n_errors"] > 0 and before[doubtful]["n_errors"] > 0
    corrected, dismissed = review(env)

    # the list's badges are the reviewed record's counts (those the report page shows)
    after = listed(env)
    for rid in env.ids.values():
        assert (after[rid]["n_errors"], after[rid]["n_warnings"]) == reviewed_counts(env, rid)
    assert after[wrong]["n_errors"] < before[wrong]["n_errors"]
    assert after[doubtful]["n_errors"] == before[doubtful]["n_errors"] - 1
    assert after[doubtful]["n_warnings"] == before[doubtful]["n_warnings"]
    problems = env.reviewer.get(f"/api/reports?region={REGION}&year={YEAR}&problems=true").json()["items"]
    assert {r["id"] for r in problems} == {rid for rid, r in after.items() if r["n_errors"] > 0}
    assert {r["id"] for r in problems} != {rid for rid, r in before.items() if r["n_errors"] > 0}

    # the dashboard (API and chart data) and the region's statistics: the same counts, and
    # the totals summed over the corrected values
    dash = env.reviewer.get(f"/api/stats/region?region={REGION}&year={YEAR}").json()
    assert dash["errors"] == sum(r["n_errors"] for r in after.values()) < dash_before["errors"]
    assert dash["warnings"] == sum(r["n_warnings"] for r in after.values())
    members = {m["id"]: m for m in dash["agencies"]["items"]}
    assert {rid: (m["n_errors"], m["n_warnings"]) for rid, m in members.items()} == \
        {rid: (r["n_errors"], r["n_warnings"]) for rid, r in after.items()}
    granted = corrected + sum(env.reviewer.get(f"/api/reports/{rid}").json()["record"]["table3"]["granted"][TOTAL]
                              for rid in (doubtful, env.ids["clean"]))
    assert dash["totals"]["granted"] == granted == dash_before["totals"]["granted"] - 4
    assert members[wrong]["granted"] == corrected
    from nianbao.web import dashboard as dash_mod

    chart = dash_mod.charts(dash_mod.load(env.store, env.state.cache, REGION, YEAR))["problems"]
    by_agency = {r["agency"]: r["n_errors"] for r in after.values()}
    assert {a: e for a, e in zip(chart["agencies"], chart["errors"])} == \
        {a: e for a, e in by_agency.items() if e or a in chart["agencies"]}
    stats = env.store.region_stats(REGION, YEAR)
    assert dict(zip(stats.members["id"], stats.members["n_errors"])) == {r: v["n_errors"] for r, v in after.items()}
    assert stats.totals.table3["granted"][TOTAL] == granted

    # the agency page: its year's counts and the corrected value
    agency = env.reviewer.get(f"/api/agencies/{after[wrong]['agency_id']}").json()
    assert agency["counts"][str(YEAR)] == {"errors": after[wrong]["n_errors"], "warnings": after[wrong]["n_warnings"]}
    assert next(c for c in agency["cells"] if c["path"] == GRANTED)[str(YEAR)] == corrected

    # the region's 问题清单: per report, exactly the reviewed record's live errors and warnings
    rows = region_rows(env)
    for rid in env.ids.values():
        assert sum(1 for r in rows if r[0] == rid) == sum(reviewed_counts(env, rid))
    assert "驳回" not in {r[2] for r in rows}
    assert sum(1 for r in rows if r[0] == doubtful and r[1] == dismissed["rule"]) == \
        sum(1 for r in rows_before if r[0] == doubtful and r[1] == dismissed["rule"]) - 1
    assert sum(1 for r in rows if r[0] == wrong) < sum(1 for r in rows_before if r[0] == wrong)

    # the report's own 问题清单 leaves the dismissed finding out
    mine = report_rows(env, doubtful)
    assert len(mine) == len(live_findings(env, doubtful)) == len(
        env.reviewer.get(f"/api/reports/{doubtful}/findings").json()["findings"]) - 1
    assert "驳回" not in {r[1] for r in mine}


def test_the_store_reads_the_reviewed_record_without_the_web_app(env: WebEnv) -> None:
    """`Store.reports` (the CLI's `list`) and `nianbao issues` read the same record."""
    from nianbao import Store
    from nianbao.exports import ReportFilter, build_issues

    corrected, dismissed = review(env)
    with Store(env.url) as store:
        counts = store.reports(region=REGION, year=YEAR).set_index("id")
        issues = build_issues(store, ReportFilter(region=REGION, years=(YEAR,)))
        raw = build_issues(store, ReportFilter(region=REGION, years=(YEAR,)), reviewed=False)
        wide = store.wide(ids=[env.ids["wrong"]])
        cell = store.long(ids=[env.ids["wrong"]]).set_index("path").loc[GRANTED]
        printed = store.report(env.ids["wrong"]).provenance[GRANTED].raw
        from nianbao.exports.frames import frames, long_tuples, python_rows

        exported = next(frames(store, [env.ids["wrong"]], "long"))  # the long CSV/Parquet, read by the cursor
        streamed = list(long_tuples(store, [env.ids["wrong"]]))  # the workbook's 明细
    assert streamed == list(python_rows(exported))
    row = exported.set_index("path").loc[GRANTED]
    assert row["value"] == corrected and row["method"] == "corrected" and row["raw"] == cell["raw"]
    # data exports: the corrected value, the printed one kept (raw) and the cell marked
    assert wide.at[0, GRANTED] == corrected == cell["value"] and cell["method"] == "corrected"
    assert cell["raw"] == printed and float(printed) == corrected + 4
    assert (wide.at[0, "n_errors"], wide.at[0, "n_warnings"]) == reviewed_counts(env, env.ids["wrong"])
    for rid in env.ids.values():
        assert (counts.at[rid, "n_errors"], counts.at[rid, "n_warnings"]) == reviewed_counts(env, rid)
        assert sum(1 for g in issues.agencies for i in g.issues if i.report_id == rid) == sum(reviewed_counts(env, rid))
    assert bool(counts.at[env.ids["wrong"], "reviewed"]) and not bool(counts.at[env.ids["clean"], "reviewed"])
    assert issues.dismissed == 1 and raw.total > issues.total
