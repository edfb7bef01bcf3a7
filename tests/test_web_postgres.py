"""The web app over PostgreSQL (a schema of its own per test): the main pages and writes."""
from __future__ import annotations

import pytest

from nianbao.formats import templates as T
from tests.support.web_util import PASSWORD, WebEnv, record, report_file

pytestmark = pytest.mark.postgres


@pytest.fixture
def env(tmp_path):  # type: ignore[no-untyped-def]
    from tests.support.store_util import Databases

    dbs = Databases("postgresql", tmp_path)
    url = dbs.url()

    class PgEnv(WebEnv):
        def __post_init__(self) -> None:
            from nianbao.web import WebConfig, create_app
            from nianbao.web.accounts import add_user
            from nianbao.web.db import open_store

            self.url = url
            self.store = open_store(url)
            for role in ("admin", "reviewer", "viewer"):
                add_user(self.store.engine, role, role, PASSWORD)
            self.config = WebConfig(db=url, workers=0)
            self.app = create_app(self.config, self.store)
            self._clients = []

    e = PgEnv(tmp_path)
    yield e
    e.close()
    dbs.close()


def test_pages_and_review_on_postgresql(env: WebEnv) -> None:
    bad = record(5, agency="寺口镇人民政府", region="栖霞市", year=2023)
    bad.table3["granted"][T.T3_TOTAL_COLUMN] += 2
    rid, other = env.ingest([("a.txt", report_file(bad, 5, prose={"problems": "政策解读形式单一，栏目更新不及时。"})),
                             ("b.txt", report_file(record(6, agency="庙后镇人民政府", region="栖霞市", year=2023), 6))])
    rev = env.login("reviewer")
    assert "共 2 份报告" in rev.get("/?region=栖霞市&year=2023").text
    assert 'data-state="error"' in rev.get(f"/reports/{rid}").text
    f = next(x for x in rev.get(f"/api/reports/{rid}/findings").json()["findings"] if x["rule"] == "T3.2")
    assert rev.api("POST", f"/api/reports/{rid}/findings/{f['key']}/decision", json={"decision": "dismiss"}).status_code == 200
    fixed = rev.get(f"/api/reports/{rid}").json()["record"]["table3"]["granted"][T.T3_TOTAL_COLUMN] - 2
    r = rev.api("POST", f"/api/reports/{rid}/corrections",
                json={"path": f"table3.granted[{T.T3_TOTAL_COLUMN}]", "value": fixed})
    assert "T3.2" not in {x["rule"] for x in r.json()["findings"]}
    hits = rev.get("/api/search?q=栏目更新").json()["sections"]["items"]
    assert [h["report_id"] for h in hits] == [rid]
    stats = rev.get("/api/stats/region?region=栖霞市&year=2023").json()
    assert stats["reports"] == 2
    assert rev.get("/rules/T3.2").status_code == 200
    assert [e["action"] for e in rev.get("/api/audit").json()["items"]][:2] == ["cell.correct", "review.dismiss"]
    assert other


def test_throttle_audit_and_upload_ownership_on_postgresql(env: WebEnv) -> None:
    """Issue 14's tables on PostgreSQL: the login throttle's rows (locked pairs, unlock),
    the audit of failures, and an upload item with its owner and heartbeat."""
    c = env.anonymous()
    for _ in range(5):
        assert c.post("/login", data={"name": "viewer", "password": "wrong"}).status_code == 401
    assert c.post("/login", data={"name": "viewer", "password": PASSWORD}).status_code == 429
    admin = env.login("admin")
    assert admin.api("POST", "/api/users/viewer/unlock").json()["cleared"] >= 1
    assert c.post("/login", data={"name": "viewer", "password": PASSWORD}).status_code == 303
    actions = [r["action"] for r in admin.get("/api/audit").json()["items"]]
    assert "login.lockout" in actions and "user.unlock" in actions
    r = env.login("reviewer").post("/upload", files=[("files", ("a.txt", report_file(record(8, year=2023), 8),
                                                                "text/plain"))])
    assert r.status_code == 303
    env.state.uploads.join()
    batch = r.headers["location"].rsplit("/", 1)[-1]
    assert admin.get(f"/api/uploads/{batch}").json()["items"][0]["state"] == "done"


def test_audit_filters_and_region_changes_on_postgresql(env: WebEnv) -> None:
    from datetime import date, timedelta

    files = []
    for year in (2022, 2023):
        rec = record(30 + year, agency="寺口镇人民政府", region="栖霞市", year=year)
        files.append((f"{year}.txt", report_file(rec, year)))
    ids = env.ingest(files)
    rev = env.login("reviewer")
    rev.post(f"/reports/{ids[1]}/cells", data={"path": f"table3.granted[{T.T3_TOTAL_COLUMN}]", "value": "7"})
    today = date.today()
    page = rev.get(f"/audit?user=reviewer&report=寺口&since={today}&until={today}").text
    assert "更正数值" in page and "寺口镇人民政府2023年度报告" in page
    assert "没有符合条件的记录" in rev.get(f"/audit?until={today - timedelta(days=2)}").text
    data = rev.get("/api/stats/changes?region=栖霞市&years=2022,2023").json()
    assert (data["before_year"], data["after_year"]) == (2022, 2023) and data["total"] > 0
