"""The review season in the web app: a status per report (single and batch changes, each
audited; refused moves), withdrawing and restoring (admins; hidden from the list and the
region's stats, restorable), a corrected re-submission superseding the earlier report
(linked both ways, decisions and status carried over where the cells are unchanged), the
publication date and the deadline that applies (G4 迟报)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from nianbao.formats import templates as T
from tests.support.store_util import DIALECTS, PG_SERVER, Databases
from tests.support.web_util import WebEnv, record, report_file

TOTAL = T.T3_TOTAL_COLUMN
REGION = "栖霞市"


def agency_file(seed: int, agency: str, year: int = 2023, header: str = "", bump: int = 0) -> bytes:
    rec = record(seed, agency=agency, region=REGION, year=year)
    rec.table3["granted"][TOTAL] += bump  # bump > 0 breaks T3.2 (the total no longer adds up)
    data = report_file(rec, seed)
    return (header.encode("utf-8") + data) if header else data


def audit_actions(env: WebEnv, report_id: int | None = None) -> list[str]:
    from nianbao.web.schema import audit_log

    stmt = sa.select(audit_log.c.action).order_by(audit_log.c.id)
    if report_id is not None:
        stmt = stmt.where(audit_log.c.report_id == report_id)
    with env.store.engine.connect() as conn:
        return list(conn.execute(stmt).scalars())


def listed_ids(client, **params) -> list[int]:  # type: ignore[no-untyped-def]
    page = client.get("/", params=params).text
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page)]


def reachable(url: str) -> bool:
    try:
        engine = sa.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture
def env(tmp_path):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path)
    yield e
    e.close()


@pytest.fixture(params=DIALECTS)
def anydb(request, tmp_path):  # type: ignore[no-untyped-def]
    """The app over SQLite, and over PostgreSQL (a schema of its own) when the server answers."""
    if request.param == "postgresql" and not reachable(PG_SERVER):
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}")
    dbs = Databases(request.param, tmp_path)
    e = WebEnv(tmp_path, url=dbs.url())
    yield e
    e.close()
    dbs.close()


def test_status_moves_one_by_one_and_in_batches_each_audited(anydb) -> None:  # type: ignore[no-untyped-def]
    env = anydb
    ids = env.ingest([(f"{n}.txt", agency_file(n, name)) for n, name in
                      enumerate(("寺口镇人民政府", "翠屏街道办事处", "栖霞市教育局"), start=1)])
    rev = env.login("reviewer")
    page = rev.get("/").text
    assert page.count("待审") >= 3 and "批量通过" in page
    r = rev.post("/reports/status", data={"ids": ids[:2], "status": "returned", "back": "/?year=2023"})
    assert r.status_code == 303 and r.headers["location"].startswith("/?year=2023&done=")
    assert sorted(listed_ids(rev, review="returned")) == sorted(ids[:2])
    assert listed_ids(rev, review="pending") == [ids[2]]
    # 退回整改 -> 已通过 is allowed, 待审 -> 已整改 is not: the batch says how many were refused
    r = rev.post("/reports/status", data={"ids": [ids[0], ids[2]], "status": "rectified"})
    assert "1" in r.headers["location"]
    assert listed_ids(rev, review="rectified") == [ids[0]]
    assert listed_ids(rev, review="pending") == [ids[2]]
    assert audit_actions(env).count("status.set") == 3
    # the list's status facet counts them, and the search filters by status
    from nianbao.store.filters import ReportFilter
    from nianbao.web import searching

    facet = dict(searching.facets(env.store.engine, ReportFilter())["review"])
    assert facet == {"rectified": 1, "returned": 1, "pending": 1}
    assert "已整改" in rev.get("/").text.split('data-facet="review"')[1].split("</div>")[0]
    with env.store.engine.connect() as conn:
        import sqlalchemy as sa
        from nianbao.store.schema import reports

        where = searching.SearchFilters(status="returned").where(conn, sa.select(reports.c.id))
        assert [r for (r,) in conn.execute(where)] == [ids[1]]
    # a single report's page moves it too, and shows the badge
    r = rev.post(f"/reports/{ids[0]}/status", data={"status": "approved"})
    assert r.status_code == 303
    assert re.search(r'id="review-status">已通过<', rev.get(f"/reports/{ids[0]}").text)
    # bad input: a clear message, no traceback
    r = rev.post("/reports/status", data={"ids": [ids[0]], "status": "done"})
    assert r.status_code == 400 and "审核状态只能是" in r.text
    # viewers cannot change a status
    r = env.login("viewer").post("/reports/status", data={"ids": [ids[1]], "status": "approved"})
    assert r.status_code == 403


def test_the_status_survives_a_reparse(env) -> None:  # type: ignore[no-untyped-def]
    (rid,) = env.ingest([("a.txt", agency_file(4, "寺口镇人民政府"))])
    rev = env.login("reviewer")
    rev.post(f"/reports/{rid}/status", data={"status": "returned"})
    env.store.reparse(everything=True, workers=1)
    assert listed_ids(rev, review="returned") == [rid]


def test_admins_withdraw_and_restore_a_report_hidden_from_list_and_stats(anydb) -> None:  # type: ignore[no-untyped-def]
    env = anydb
    keep, wrong = env.ingest([("a.txt", agency_file(5, "寺口镇人民政府")), ("b.txt", agency_file(6, "栖霞市教育局"))])
    admin, rev = env.login("admin"), env.login("reviewer")
    assert rev.post(f"/reports/{wrong}/withdraw", data={"reason": "x"}).status_code == 403

    def searched() -> set[int]:
        return {h["report_id"] for h in admin.get("/api/search?q=栖霞市教育局").json()["sections"]["items"]}

    assert wrong in searched()
    r = admin.post(f"/reports/{wrong}/withdraw", data={"reason": "上传错误"})
    assert r.status_code == 303
    assert listed_ids(admin) == [keep]
    assert sorted(listed_ids(admin, hidden="1")) == sorted([keep, wrong])
    assert "已撤回" in admin.get(f"/reports/{wrong}").text
    assert env.store.region_stats(REGION, 2023).members["id"].tolist() == [keep]
    assert len(env.store.reports()) == 1
    assert wrong not in searched()
    exported = admin.get("/export/reports.csv").content.decode("utf-8-sig").splitlines()[1:]
    assert [line.split(",")[0] for line in exported] == [str(keep)]
    assert "report.withdraw" in audit_actions(env, wrong)
    admin.post(f"/reports/{wrong}/restore", data={"reason": "误操作"})
    assert sorted(listed_ids(admin)) == sorted([keep, wrong])
    assert audit_actions(env, wrong)[-1] == "report.restore"


def upload(env: WebEnv, client, name: str, data: bytes) -> int:  # type: ignore[no-untyped-def]
    from tests.support.web_util import wait_for_uploads

    r = client.post("/upload", files=[("files", (name, data, "text/plain"))])
    assert r.status_code == 303, r.text
    wait_for_uploads(env)
    batch = r.headers["location"].rsplit("/", 1)[-1]
    items = client.get(f"/api/uploads/{batch}").json()["items"]
    assert items[0]["state"] == "done", items
    return items[0]["report_id"]


def t32_key(client, rid: int) -> str | None:  # type: ignore[no-untyped-def]
    found = [f for f in client.get(f"/api/reports/{rid}/findings").json()["findings"] if f["rule"] == "T3.2"]
    return found[0]["key"] if found else None


def test_a_resubmission_supersedes_the_earlier_report_and_keeps_its_review(anydb) -> None:  # type: ignore[no-untyped-def]
    env = anydb
    rev = env.login("reviewer")
    name = "寺口镇人民政府"
    first = upload(env, rev, "v1.txt", agency_file(7, name, bump=4))
    key = t32_key(rev, first)
    assert key is not None
    rev.api("POST", f"/api/reports/{first}/findings/{key}/decision", json={"decision": "confirm", "comment": "属实"})
    rev.post(f"/reports/{first}/status", data={"status": "returned"})
    # the corrected file: a different total (T3.2 gone), the rest the same
    second = upload(env, rev, "v2.txt", agency_file(7, name, bump=0) + "\n（更正版）\n".encode("utf-8"))
    assert second != first
    assert listed_ids(rev) == [second]
    assert sorted(listed_ids(rev, hidden="1")) == sorted([first, second])
    old_page, new_page = rev.get(f"/reports/{first}").text, rev.get(f"/reports/{second}").text
    assert "已被替代" in old_page and f'href="/reports/{second}"' in old_page
    assert f'href="/reports/{first}"' in new_page and "此报告替代了" in new_page
    # 退回整改 -> 已整改 on the re-submission
    assert re.search(r'id="review-status">已整改<', new_page)
    assert "report.supersede" in audit_actions(env, first)
    # the region counts the new one only; no G13 hint between the two versions
    assert env.store.region_stats(REGION, 2023).members["id"].tolist() == [second]
    rules = {f["rule"] for f in rev.get(f"/api/reports/{second}/findings").json()["findings"]}
    assert "G13" not in rules and "T3.2" not in rules


def test_decisions_carry_over_only_where_the_cells_are_unchanged(anydb) -> None:  # type: ignore[no-untyped-def]
    env = anydb
    """A decision on a finding whose cells read the same in the re-submission is kept; one
    whose cells changed is not (the reviewer must look again)."""
    rev = env.login("reviewer")
    name = "翠屏街道办事处"
    first = upload(env, rev, "v1.txt", agency_file(8, name, bump=4))
    key = t32_key(rev, first)
    rev.api("POST", f"/api/reports/{first}/findings/{key}/decision", json={"decision": "dismiss", "comment": "核实无误"})
    rev.api("POST", f"/api/reports/{first}/corrections", json={"path": "table3.granted[0]", "value": 999})
    same = upload(env, rev, "v2.txt", agency_file(8, name, bump=4) + "\n（重报）\n".encode("utf-8"))
    carried = [f for f in rev.get(f"/api/reports/{same}/findings").json()["findings"] if f["key"] == key]
    assert carried and carried[0]["decision"]["decision"] == "dismiss" and "沿用报告" in carried[0]["decision"]["comment"]
    assert rev.get(f"/api/reports/{same}").json()["corrections"]["table3.granted[0]"]["value"] == 999
    changed = upload(env, rev, "v3.txt", agency_file(8, name, bump=9))
    again = [f for f in rev.get(f"/api/reports/{changed}/findings").json()["findings"] if f["rule"] == "T3.2"]
    assert again and again[0]["key"] == key and again[0]["decision"] is None


def test_publication_date_from_the_page_or_by_hand_and_late_reports_flagged(env) -> None:  # type: ignore[no-untyped-def]
    """A department of a county-level government is due by 31 January: published on 5
    February it is late (G4); a date set by hand wins over the page; a local rule for
    townships gives them a deadline they otherwise lack."""
    dept, town = env.ingest([
        ("dept.txt", agency_file(9, "栖霞市教育局", header="发布机构：栖霞市教育局  发布日期：2024-02-05\n")),
        ("town.txt", agency_file(10, "寺口镇人民政府", header="成文日期：2024年3月20日\n"))])
    rev, admin = env.login("reviewer"), env.login("admin")

    def g4(rid: int) -> list[dict]:
        return [f for f in rev.get(f"/api/reports/{rid}/findings").json()["findings"] if f["rule"] == "G4"]

    (late,) = g4(dept)
    assert late["expected"] == "2024-01-31" and late["actual"] == "2024-02-05" and "迟报 5 天" in late["message"]
    page = rev.get(f"/reports/{dept}").text
    assert "2024-02-05（读自页面）" in page and "2024-01-31" in page and "迟报 5 天" in page
    assert g4(town) == []  # townships: no national deadline
    assert "未规定" in rev.get(f"/reports/{town}").text
    # by hand: on time
    rev.post(f"/reports/{dept}/publish-date", data={"date": "2024-01-30"})
    assert g4(dept) == [] and "2024-01-30（人工填写）" in rev.get(f"/reports/{dept}").text
    r = rev.post(f"/reports/{dept}/publish-date", data={"date": "2024-13-45"})
    assert r.status_code == 400 and "日期" in r.text
    # a local rule for townships of 栖霞市 (reviewers may read the table, only admins set it)
    assert rev.post("/admin/deadlines", data={"level": "township", "region": REGION, "month": 3, "day": 1}).status_code == 403
    r = admin.post("/admin/deadlines", data={"level": "township", "region": REGION, "month": 3, "day": 1,
                                             "note": "栖霞市政务公开办通知"})
    assert r.status_code == 303
    (late,) = g4(town)
    assert late["expected"] == "2024-03-01" and "栖霞市政务公开办通知" in late["message"]
    assert "栖霞市政务公开办通知" in rev.get("/admin/deadlines").text
    r = admin.post("/admin/deadlines", data={"level": "township", "region": "", "month": 2, "day": 30})
    assert r.status_code == 400 and "日期无效" in r.text
    admin.post("/admin/deadlines/remove", data={"level": "township", "region": REGION})
    assert g4(town) == []
    assert {"deadline.set", "deadline.remove", "report.publish_date"} <= set(audit_actions(env))


def test_withdrawing_a_wrong_resubmission_puts_the_earlier_report_back(env) -> None:  # type: ignore[no-untyped-def]
    rev, admin = env.login("reviewer"), env.login("admin")
    first = upload(env, rev, "v1.txt", agency_file(11, "栖霞市教育局"))
    wrong = upload(env, rev, "v2.txt", agency_file(12, "栖霞市教育局"))
    assert listed_ids(rev) == [wrong]
    admin.post(f"/reports/{wrong}/withdraw", data={"reason": "传错了文件"})
    assert listed_ids(rev) == [first]
    assert env.store.region_stats(REGION, 2023).members["id"].tolist() == [first]
    admin.post(f"/reports/{wrong}/restore")
    assert listed_ids(rev) == [wrong]


def test_the_json_api_moves_statuses_and_withdraws(env) -> None:  # type: ignore[no-untyped-def]
    a, b = env.ingest([("a.txt", agency_file(13, "寺口镇人民政府")), ("b.txt", agency_file(14, "栖霞市教育局"))])
    rev, admin = env.login("reviewer"), env.login("admin")
    out = rev.api("POST", "/api/reports/status", json={"ids": [a, b], "status": "approved"}).json()
    assert sorted(out["changed"]) == sorted([a, b]) and out["refused"] == []
    out = rev.api("POST", "/api/reports/status", json={"ids": [a], "status": "rectified"}).json()
    assert out["refused"] == [a]
    assert rev.api("POST", f"/api/reports/{b}/withdraw", json={"reason": "x"}).status_code == 403
    out = admin.api("POST", f"/api/reports/{b}/withdraw", json={"reason": "错传"}).json()
    assert out == {"id": b, "done": True, "state": "withdrawn", "replaces": [], "replaced_by": []}
    assert [r["id"] for r in rev.get("/api/reports").json()["items"]] == [a]
    assert admin.api("POST", f"/api/reports/{b}/restore", json={}).json()["state"] is None


def test_the_notice_leaves_out_approved_reports_and_the_issue_list_keeps_them(anydb) -> None:  # type: ignore[no-untyped-def]
    """A reviewer who approves a report accepts what is left in it: the region's 整改通知
    asks only the agencies whose reports are still open, while its 问题清单 lists all."""
    import io

    from docx import Document
    from openpyxl import load_workbook

    env = anydb
    ids = env.ingest([(f"{n}.txt", agency_file(n, name, bump=5)) for n, name in
                      enumerate(("寺口镇人民政府", "栖霞市教育局"), start=1)])
    rev = env.login("reviewer")
    q = f"?region={REGION}&year=2023"

    def notice_text() -> str:
        r = rev.get("/dashboard/export/findings.docx" + q)
        assert r.status_code == 200, r.text
        doc = Document(io.BytesIO(r.content))
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)

    before = notice_text()
    assert "寺口镇人民政府" in before and "栖霞市教育局" in before
    assert rev.post(f"/reports/{ids[1]}/status", data={"status": "returned"}).status_code == 303
    assert rev.post(f"/reports/{ids[1]}/status", data={"status": "approved"}).status_code == 303
    after = notice_text()
    assert "寺口镇人民政府" in after and "栖霞市教育局" not in after
    sheet = load_workbook(io.BytesIO(rev.get("/dashboard/export/findings.xlsx" + q).content)).active
    listed = "\n".join(str(v) for row in sheet.values for v in row if v)
    assert "寺口镇人民政府" in listed and "栖霞市教育局" in listed
