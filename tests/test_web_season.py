"""The review season in the web app: a status per report (single and batch changes, each
audited; refused moves), withdrawing and restoring (admins; hidden from the list and the
region's stats, restorable), a corrected re-submission superseding the earlier report
(linked both ways, decisions and status carried over where the cells are unchanged), the
publication date and the deadline that applies (G4 迟报)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from nianbao import templates as T
from web_util import WebEnv, record, report_file

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


@pytest.fixture
def env(tmp_path):  # type: ignore[no-untyped-def]
    e = WebEnv(tmp_path)
    yield e
    e.close()


def test_status_moves_one_by_one_and_in_batches_each_audited(env) -> None:  # type: ignore[no-untyped-def]
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


def test_admins_withdraw_and_restore_a_report_hidden_from_list_and_stats(env) -> None:  # type: ignore[no-untyped-def]
    keep, wrong = env.ingest([("a.txt", agency_file(5, "寺口镇人民政府")), ("b.txt", agency_file(6, "栖霞市教育局"))])
    admin, rev = env.login("admin"), env.login("reviewer")
    assert rev.post(f"/reports/{wrong}/withdraw", data={"reason": "x"}).status_code == 403
    r = admin.post(f"/reports/{wrong}/withdraw", data={"reason": "上传错误"})
    assert r.status_code == 303
    assert listed_ids(admin) == [keep]
    assert sorted(listed_ids(admin, hidden="1")) == sorted([keep, wrong])
    assert "已撤回" in admin.get(f"/reports/{wrong}").text
    assert env.store.region_stats(REGION, 2023).members["id"].tolist() == [keep]
    assert len(env.store.reports()) == 1
    assert "report.withdraw" in audit_actions(env, wrong)
    admin.post(f"/reports/{wrong}/restore", data={"reason": "误操作"})
    assert sorted(listed_ids(admin)) == sorted([keep, wrong])
    assert audit_actions(env, wrong)[-1] == "report.restore"
