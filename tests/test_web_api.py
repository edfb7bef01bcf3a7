"""The JSON API: every endpoint, its answers, and the refusals (401 without credentials,
403 for a role that may not, 404 for what does not exist, 422 for bad input)."""
from __future__ import annotations

import io
import zipfile

import pytest

from nianbao.formats import templates as T
from tests.support.web_util import WebEnv, record, report_file
from nianbao.formats import templates as T
from nianbao.rules import catalogue
from tests.support.web_util import WebEnv, record, report_file

GOOD_SEED, BAD_SEED = 11, 12
WRONG_BY = 5


def wrong_total(seed: int, agency: str, region: str, year: int):  # type: ignore[no-untyped-def]
    """A record whose table-3 row 予以公开 has a total 5 too high (rule T3.2)."""
    rec = record(seed, agency=agency, region=region, year=year)
    rec.table3["granted"][T.T3_TOTAL_COLUMN] += WRONG_BY
    return rec


@pytest.fixture(scope="module")
def env(tmp_path_factory):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path_factory.mktemp("api"))
    files = [
        ("寺口镇2022.txt", report_file(record(GOOD_SEED, agency="寺口镇人民政府", region="栖霞市", year=2022), 1)),
        ("寺口镇2023.txt", report_file(wrong_total(BAD_SEED, "寺口镇人民政府", "栖霞市", 2023), 2)),
        ("庙后镇2023.txt", report_file(record(13, agency="庙后镇人民政府", region="栖霞市", year=2023), 3)),
        ("other.txt", report_file(record(14, year=2023), 4)),
    ]
    e.ids = dict(zip(("si2022", "si2023", "miao2023", "other"), e.ingest(files)))
    e.viewer, e.reviewer, e.admin = e.login("viewer"), e.login("reviewer"), e.login("admin")
    yield e
    e.close()


def finding_of(env: WebEnv, report_id: int, rule: str) -> dict:
    found = env.viewer.get(f"/api/reports/{report_id}/findings").json()["findings"]
    return next(f for f in found if f["rule"] == rule and f["status"] == "fail")


# --------------------------------------------------------------------------- every endpoint


# method, path in the OpenAPI document -> a concrete URL (and body) for the refusal checks
def _cases(env: WebEnv) -> dict[tuple[str, str], tuple[str, dict | None]]:
    rid = env.ids["other"]  # writes that get through must not disturb the other tests' reports
    return {
        ("GET", "/api/me"): ("/api/me", None),
        ("GET", "/api/tokens"): ("/api/tokens", None),
        ("POST", "/api/tokens"): ("/api/tokens", {"name": "x"}),
        ("DELETE", "/api/tokens/{token_id}"): ("/api/tokens/1", None),
        ("GET", "/api/users"): ("/api/users", None),
        ("POST", "/api/users"): ("/api/users", {"name": "u", "role": "viewer", "password": "a-long-api-password"}),
        ("PATCH", "/api/users/{name}"): ("/api/users/viewer", {"role": "viewer"}),
        ("POST", "/api/users/{name}/unlock"): ("/api/users/viewer/unlock", None),
        ("POST", "/api/uploads"): ("/api/uploads", None),
        ("GET", "/api/uploads/{batch}"): ("/api/uploads/abc", None),
        ("GET", "/api/reports"): ("/api/reports", None),
        ("GET", "/api/reports/{report_id}"): (f"/api/reports/{rid}", None),
        ("GET", "/api/reports/{report_id}/cells"): (f"/api/reports/{rid}/cells", None),
        ("GET", "/api/reports/{report_id}/text"): (f"/api/reports/{rid}/text", None),
        ("GET", "/api/reports/{report_id}/findings"): (f"/api/reports/{rid}/findings", None),
        ("POST", "/api/reports/{report_id}/findings/{key}/decision"):
            (f"/api/reports/{rid}/findings/0000/decision", {"decision": "confirm"}),
        ("GET", "/api/reports/{report_id}/corrections"): (f"/api/reports/{rid}/corrections", None),
        ("POST", "/api/reports/{report_id}/corrections"):
            (f"/api/reports/{rid}/corrections", {"path": "table3.granted[0]", "value": 1}),
        ("GET", "/api/reports/{report_id}/history"): (f"/api/reports/{rid}/history", None),
        ("GET", "/api/reports/{report_id}/export/{name}"): (f"/api/reports/{rid}/export/findings.xlsx", None),
        # no such report: the role is checked first, then the report is not found (nothing changes)
        ("POST", "/api/reports/status"): ("/api/reports/status", {"ids": [999_999], "status": "approved"}),
        ("POST", "/api/reports/{report_id}/withdraw"): ("/api/reports/999999/withdraw", {"reason": ""}),
        ("POST", "/api/reports/{report_id}/restore"): ("/api/reports/999999/restore", {"reason": ""}),
        ("GET", "/api/agencies"): ("/api/agencies?q=镇", None),
        ("GET", "/api/agencies/{agency_id}"): ("/api/agencies/1", None),
        ("GET", "/api/stats/region"): ("/api/stats/region?region=栖霞市&year=2023", None),
        ("GET", "/api/stats/expected"): ("/api/stats/expected?region=栖霞市&year=2023", None),
        ("GET", "/api/stats/changes"): ("/api/stats/changes?region=栖霞市&years=2022,2023", None),
        ("PUT", "/api/stats/expected"): ("/api/stats/expected", {"region": "测试市", "year": 2023, "names": []}),
        ("GET", "/api/search"): ("/api/search?q=政府", None),
        ("GET", "/api/rules"): ("/api/rules", None),
        ("GET", "/api/rules/{rule_id}"): ("/api/rules/T3.2", None),
        ("GET", "/api/audit"): ("/api/audit", None),
        ("POST", "/api/draft/check"): ("/api/draft/check", {"year": 2023}),
        ("POST", "/api/draft/docx"): ("/api/draft/docx", {"year": 2023}),
    }


WRITES_FOR = {  # endpoints a viewer may not use (-> 403), and those only an admin may
    "reviewer": {("POST", "/api/uploads"), ("GET", "/api/uploads/{batch}"), ("GET", "/api/audit"),
                 ("POST", "/api/reports/{report_id}/findings/{key}/decision"),
                 ("POST", "/api/reports/{report_id}/corrections"), ("PUT", "/api/stats/expected"),
                 ("POST", "/api/reports/status")},
    "admin": {("GET", "/api/users"), ("POST", "/api/users"), ("PATCH", "/api/users/{name}"),
              ("POST", "/api/users/{name}/unlock"), ("POST", "/api/reports/{report_id}/withdraw"),
              ("POST", "/api/reports/{report_id}/restore")},
}


def test_every_endpoint_is_documented_and_listed_here(env: WebEnv) -> None:
    spec = env.anonymous().get("/api/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert documented - {("GET", "/api/health")} == set(_cases(env))
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_every_endpoint_but_health_refuses_anonymous_callers(env: WebEnv) -> None:
    http = env.anonymous().http
    for (method, _), (url, body) in _cases(env).items():
        r = http.request(method, url, json=body)
        assert r.status_code == 401, (method, url, r.status_code)
    assert http.get("/api/health").json()["status"] == "ok"


def test_roles_are_enforced_on_every_endpoint(env: WebEnv) -> None:
    for (method, path), (url, body) in _cases(env).items():
        for role, client in (("viewer", env.viewer), ("reviewer", env.reviewer)):
            r = client.api(method, url, json=body)
            needs = "admin" if (method, path) in WRITES_FOR["admin"] else \
                "reviewer" if (method, path) in WRITES_FOR["reviewer"] else "viewer"
            allowed = {"viewer": 0, "reviewer": 1, "admin": 2}[role] >= {"viewer": 0, "reviewer": 1, "admin": 2}[needs]
            if allowed:
                assert r.status_code != 403, (role, method, url, r.text)
            else:
                assert r.status_code == 403, (role, method, url, r.status_code)


# --------------------------------------------------------------------------- reports


def test_report_list_filters_sorts_and_pages(env: WebEnv) -> None:
    v = env.viewer
    everything = v.get("/api/reports").json()
    assert everything["total"] == 4 and len(everything["items"]) == 4
    assert [r["id"] for r in everything["items"]] == sorted(env.ids.values(), reverse=True)
    paged = v.get("/api/reports?per_page=3&page=2&order=asc").json()
    assert paged["page"] == 2 and [r["id"] for r in paged["items"]] == [max(env.ids.values())]
    assert not paged["has_next"]
    region = v.get("/api/reports?region=栖霞市&year=2023").json()
    assert {r["id"] for r in region["items"]} == {env.ids["si2023"], env.ids["miao2023"]}
    named = v.get("/api/reports?agency=寺口").json()
    assert {r["agency"] for r in named["items"]} == {"寺口镇人民政府"}
    problems = v.get("/api/reports?problems=true").json()
    assert env.ids["si2023"] in {r["id"] for r in problems["items"]}
    assert all(r["n_errors"] > 0 for r in problems["items"])
    by_errors = v.get("/api/reports?sort=errors&order=desc").json()["items"]
    assert by_errors[0]["n_errors"] == max(r["n_errors"] for r in by_errors)
    assert v.get("/api/reports?per_page=100000").status_code == 422


def test_report_record_cells_text(env: WebEnv) -> None:
    rid = env.ids["si2023"]
    out = env.viewer.get(f"/api/reports/{rid}").json()
    assert out["meta"]["agency"] == "寺口镇人民政府" and out["meta"]["year"] == 2023
    expected = wrong_total(BAD_SEED, "寺口镇人民政府", "栖霞市", 2023)
    assert out["record"]["table3"]["granted"] == expected.table3["granted"]
    assert "lines" not in out["record"]
    assert out["errors"] >= 1
    assert "lines" in env.viewer.get(f"/api/reports/{rid}?text=true").json()["record"]
    cells = {c["path"]: c for c in env.viewer.get(f"/api/reports/{rid}/cells").json()}
    total = cells[f"table3.granted[{T.T3_TOTAL_COLUMN}]"]
    assert total["value"] == expected.table3["granted"][T.T3_TOTAL_COLUMN]
    assert total["raw"] == str(total["value"]) and total["line"] > 0
    text = env.viewer.get(f"/api/reports/{rid}/text").json()
    assert text["lines"][total["line"] - 1].count(total["raw"]) >= 1
    assert text["lines"][total["line"] - 1][total["start"]:total["end"]] == total["raw"]  # the column span
    assert [s["key"] for s in text["sections"]][:2] == ["overview", "proactive"]
    assert env.viewer.get("/api/reports/99999").status_code == 404
    assert env.viewer.get("/api/reports/99999/cells").status_code == 404


def test_findings_carry_rule_titles_cells_and_keys(env: WebEnv) -> None:
    f = finding_of(env, env.ids["si2023"], "T3.2")
    assert f["title"] and f["family"] == "arithmetic"
    assert f"table3.granted[{T.T3_TOTAL_COLUMN}]" in f["cells"]
    assert len(f["key"]) == 16 and f["decision"] is None
    good = env.viewer.get(f"/api/reports/{env.ids['si2022']}/findings").json()
    assert not [x for x in good["findings"] if x["severity"] == "error" and x["status"] == "fail"]


def test_decisions_are_recorded_with_who_and_when(env: WebEnv) -> None:
    rid = env.ids["si2023"]
    f = finding_of(env, rid, "T3.2")
    url = f"/api/reports/{rid}/findings/{f['key']}/decision"
    r = env.reviewer.api("POST", url, json={"decision": "dismiss", "comment": "原件如此，已核实"})
    assert r.status_code == 200
    d = r.json()["decision"]
    assert d["decision"] == "dismiss" and d["user"] == "reviewer" and d["comment"] == "原件如此，已核实"
    assert finding_of(env, rid, "T3.2")["decision"]["decision"] == "dismiss"
    r = env.reviewer.api("POST", url, json={"decision": "confirm"})
    assert finding_of(env, rid, "T3.2")["decision"]["decision"] == "confirm"  # the newest decision is in force
    history = env.viewer.get(f"/api/reports/{rid}/history").json()["items"]
    actions = [h["action"] for h in history if h["target"] == f["key"]]
    assert actions[:2] == ["review.confirm", "review.dismiss"]
    assert env.reviewer.api("POST", url, json={"decision": "maybe"}).status_code == 400
    assert env.reviewer.api("POST", url, json={"decision": "confirm", "comment": "x" * 3000}).status_code == 422
    assert env.reviewer.api("POST", f"/api/reports/{rid}/findings/nope/decision",
                            json={"decision": "confirm"}).status_code == 404


def test_a_correction_is_kept_beside_the_value_and_the_checks_rerun(env: WebEnv) -> None:
    rid = env.ids["si2023"]
    path = f"table3.granted[{T.T3_TOTAL_COLUMN}]"
    before = env.viewer.get(f"/api/reports/{rid}").json()
    extracted = before["record"]["table3"]["granted"][T.T3_TOTAL_COLUMN]
    r = env.reviewer.api("POST", f"/api/reports/{rid}/corrections",
                         json={"path": path, "value": extracted - WRONG_BY, "comment": "原件第2页为此数"})
    assert r.status_code == 200
    rules = {f["rule"] for f in r.json()["findings"] if f["status"] == "fail" and f["severity"] == "error"}
    assert "T3.2" not in rules
    after = env.viewer.get(f"/api/reports/{rid}").json()
    assert after["record"]["table3"]["granted"][T.T3_TOTAL_COLUMN] == extracted  # never written over
    assert after["corrections"][path]["value"] == extracted - WRONG_BY
    assert after["corrections"][path]["extracted"] == extracted
    assert after["errors"] < before["errors"]
    listed = env.viewer.get(f"/api/reports/{rid}/corrections").json()
    assert listed[0]["path"] == path and listed[0]["user"] == "reviewer"
    # the stored report is untouched
    assert env.state.store.report(rid).table3["granted"][T.T3_TOTAL_COLUMN] == extracted
    # bad corrections
    assert env.reviewer.api("POST", f"/api/reports/{rid}/corrections",
                            json={"path": "table9.x[0]", "value": 1}).status_code == 400
    assert env.reviewer.api("POST", f"/api/reports/{rid}/corrections",
                            json={"path": path, "value": "十二"}).status_code == 400
    # revert
    r = env.reviewer.api("POST", f"/api/reports/{rid}/corrections", json={"path": path, "value": None})
    assert r.json()["corrections"] == 0
    assert "T3.2" in {f["rule"] for f in r.json()["findings"] if f["status"] == "fail"}
    actions = [h["action"] for h in env.viewer.get(f"/api/reports/{rid}/history").json()["items"] if h["target"] == path]
    assert actions[:2] == ["cell.revert", "cell.correct"]


def test_exports_through_the_api(env: WebEnv) -> None:
    from docx import Document
    from openpyxl import load_workbook

    rid = env.ids["si2023"]
    x = env.viewer.get(f"/api/reports/{rid}/export/findings.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(x.content)).active
    rows = list(ws.values)
    assert rows[0][:3] == ("序号", "机关", "地区")
    assert any(r[5] == "T3.2" for r in rows[1:])
    d = Document(io.BytesIO(env.viewer.get(f"/api/reports/{rid}/export/findings.docx").content))
    assert "整改通知" in d.paragraphs[0].text
    t32 = next(r.title for r in catalogue() if r.id == "T3.2")
    assert any(t32 in c.text for c in d.tables[0].columns[1].cells)
    csv = env.viewer.get(f"/api/reports/{rid}/export/cells.csv")
    assert csv.content.startswith("\ufeff".encode()) and f"table3.granted[{T.T3_TOTAL_COLUMN}]" in csv.text
    assert env.viewer.get(f"/api/reports/{rid}/export/nothing.pdf").status_code == 404


# --------------------------------------------------------------------------- agencies, stats, search, rules


def test_agencies_and_their_years(env: WebEnv) -> None:
    found = env.viewer.get("/api/agencies?q=寺口").json()
    assert [a["name"] for a in found] == ["寺口镇人民政府"]
    out = env.viewer.get(f"/api/agencies/{found[0]['id']}").json()
    assert out["years"] == [2022, 2023]
    assert set(out["report_ids"].values()) == {env.ids["si2022"], env.ids["si2023"]}
    series = {s["name"]: s["values"] for s in out["trend"]["series"]}
    assert len(next(iter(series.values()))) == 2
    assert env.viewer.get("/api/agencies/9999").status_code == 404


def test_region_stats_and_expected_agencies(env: WebEnv) -> None:
    r = env.reviewer.api("PUT", "/api/stats/expected",
                         json={"region": "栖霞市", "year": 2023, "names": ["寺口镇人民政府", "庙后镇", "观里镇人民政府", " "]})
    assert r.json()["names"] == ["寺口镇人民政府", "庙后镇", "观里镇人民政府"]
    stats = env.viewer.get("/api/stats/region?region=栖霞市&year=2023").json()
    assert stats["reports"] == 2
    assert stats["missing"] == ["观里镇人民政府"]  # 庙后镇 is 庙后镇人民政府
    assert stats["errors"] >= 1 and stats["reports_with_errors"] >= 1
    agencies = stats["agencies"]["items"]
    assert {a["agency"] for a in agencies} == {"寺口镇人民政府", "庙后镇人民政府"}
    assert agencies[0]["n_errors"] >= agencies[1]["n_errors"]  # sorted by errors, most first
    expected_total = sum(a["applications"] for a in agencies)
    assert stats["totals"]["applications"] == expected_total
    by_name = env.viewer.get("/api/stats/region?region=栖霞市&year=2023&sort=agency&order=asc").json()
    assert [a["agency"] for a in by_name["agencies"]["items"]] == ["寺口镇人民政府", "庙后镇人民政府"] or \
        [a["agency"] for a in by_name["agencies"]["items"]] == sorted(a["agency"] for a in agencies)
    assert env.viewer.get("/api/stats/expected?region=栖霞市&year=2023").json()["names"][0] == "寺口镇人民政府"
    empty = env.viewer.get("/api/stats/region?region=不存在市&year=2023").json()
    assert empty["reports"] == 0 and empty["agencies"]["items"] == []


def test_search_finds_text_and_agencies(env: WebEnv) -> None:
    out = env.viewer.get("/api/search?q=寺口镇").json()
    assert [a["name"] for a in out["agencies"]] == ["寺口镇人民政府"]
    hits = out["sections"]["items"]
    assert hits and all("寺口镇" == h["match"] for h in hits)
    assert {h["report_id"] for h in hits} <= set(env.ids.values())
    none = env.viewer.get("/api/search?q=绝不会出现的词语组合").json()
    assert none["sections"]["items"] == [] and none["agencies"] == []
    assert env.viewer.get("/api/search?q=").status_code == 422


def test_rules(env: WebEnv) -> None:
    from nianbao.rules import catalogue

    rules = env.viewer.get("/api/rules").json()
    assert [r["id"] for r in rules] == [r.id for r in catalogue()]
    t32 = next(r for r in rules if r["id"] == "T3.2")
    assert t32["reports"] >= 1 and t32["description"]
    one = env.viewer.get("/api/rules/T3.2").json()
    assert env.ids["si2023"] in {r["id"] for r in one["reports"]["items"]}
    assert env.viewer.get("/api/rules/NOPE").status_code == 404


def test_audit_log(env: WebEnv) -> None:
    env.reviewer.api("PUT", "/api/stats/expected", json={"region": "测试县", "year": 2020, "names": ["甲"]})
    items = env.reviewer.get("/api/audit").json()["items"]
    assert items[0]["action"] == "expected.set" and items[0]["user_name"] == "reviewer"
    assert items[0]["detail"] == {"count": 1, "year": 2020}  # the region's list (kept across years), set from 2020


# --------------------------------------------------------------------------- accounts


def test_user_administration_through_the_api(env: WebEnv) -> None:
    a = env.admin
    assert a.api("POST", "/api/users", json={"name": "api用户", "role": "viewer", "password": "a-long-api-password"}).status_code == 201
    assert "api用户" in {u["name"] for u in a.get("/api/users").json()}
    assert a.api("PATCH", "/api/users/api用户", json={"role": "reviewer"}).json()["role"] == "reviewer"
    assert a.api("PATCH", "/api/users/nobody", json={"role": "reviewer"}).status_code == 400
    assert a.api("POST", "/api/users", json={"name": "bad", "role": "king", "password": "a-long-api-password"}).status_code == 400
    assert a.api("PATCH", "/api/users/admin", json={"active": False}).status_code == 403


# --------------------------------------------------------------------------- uploads and drafting


def test_upload_through_the_api(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = WebEnv(tmp_path)  # its own store: the upload adds a report
    env.reviewer, env.viewer, env.admin = env.login("reviewer"), env.login("viewer"), env.login("admin")
    try:
        _upload(env)
    finally:
        env.close()


def _upload(env: WebEnv) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a/新报告.txt", report_file(record(21, year=2024), 21))
    r = env.reviewer.http.post("/api/uploads", headers={"X-CSRF-Token": env.reviewer.csrf},
                               files=[("files", ("reports.zip", buf.getvalue(), "application/zip")),
                                      ("files", ("junk.bin", b"\x00\x01\x02" * 100, "application/octet-stream"))])
    assert r.status_code == 202
    batch = r.json()["batch"]
    states = {i["name"]: i["state"] for i in r.json()["items"]}
    assert states["junk.bin"] == "rejected"
    assert states["reports.zip!a/新报告.txt"] in ("queued", "parsing", "done")  # the queue may be quick
    env.state.uploads.join()
    out = env.reviewer.get(f"/api/uploads/{batch}").json()
    assert out["finished"]
    item = next(i for i in out["items"] if i["name"].endswith("新报告.txt"))
    assert item["state"] == "done" and item["report_id"]
    assert env.viewer.get(f"/api/reports/{item['report_id']}").json()["meta"]["year"] == 2024
    assert env.admin.get(f"/api/uploads/{batch}").status_code == 200  # an admin sees every upload
    assert env.login("reviewer").get("/api/uploads/nope").status_code == 404


def test_draft_check_and_docx(env: WebEnv) -> None:
    from nianbao.draft import template_cells

    rec = record(31, agency="观里镇人民政府", region="栖霞市", year=2023)
    cells = {}
    for spec in template_cells("2021"):
        if spec.computed:
            continue
        if spec.table == "table3":
            cells[spec.path] = rec.table3[spec.row][spec.column]
        else:
            cells[spec.path] = getattr(rec, spec.table)[spec.row][spec.column]
    body = {"year": 2023, "agency": "观里镇人民政府", "region": "栖霞市", "cells": cells}
    out = env.viewer.api("POST", "/api/draft/check", json=body).json()
    assert out["passed"], out["errors"]
    assert out["values"][f"table3.results_total[{T.T3_TOTAL_COLUMN}]"] == rec.table3["results_total"][T.T3_TOTAL_COLUMN]
    docx = env.viewer.api("POST", "/api/draft/docx", json=body)
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    from nianbao import parse

    back = parse(docx.content)
    assert back.table3 == rec.table3 and back.agency == "观里镇人民政府"
    bad = dict(body, cells={**cells, "table3.granted[0]": "abc"})
    out = env.viewer.api("POST", "/api/draft/check", json=bad).json()
    assert not out["passed"] and out["bad_cells"] == ["table3.granted[0]"]
    assert env.viewer.api("POST", "/api/draft/docx", json=bad).status_code == 422
    early = env.viewer.api("POST", "/api/draft/check", json={"year": 2001}).json()
    assert early["error"] and not early["passed"]
