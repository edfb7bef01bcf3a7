"""Review decisions and corrections outlive re-parsing: they are keyed by the report's
content and the finding's rule and location, not by row ids; the audit log keeps every
step; the web tables have migrations of their own beside the store's."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nianbao.formats import templates as T
from tests.support.web_util import WebEnv, record, report_file

TOTAL = T.T3_TOTAL_COLUMN


def broken_file(seed: int) -> bytes:
    rec = record(seed, agency="寺口镇人民政府", region="栖霞市", year=2023)
    rec.table3["granted"][TOTAL] += 4
    return report_file(rec, seed)


def t32(client, rid: int) -> dict:  # type: ignore[no-untyped-def]
    return next(f for f in client.get(f"/api/reports/{rid}/findings").json()["findings"] if f["rule"] == "T3.2")


def test_decisions_and_corrections_survive_a_reparse(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = WebEnv(tmp_path)
    try:
        (rid,) = env.ingest([("a.txt", broken_file(1))])
        rev = env.login("reviewer")
        f = t32(rev, rid)
        rev.api("POST", f"/api/reports/{rid}/findings/{f['key']}/decision", json={"decision": "dismiss", "comment": "核实"})
        rev.api("POST", f"/api/reports/{rid}/corrections", json={"path": "table3.granted[0]", "value": 999})
        summary = env.store.reparse(everything=True, workers=1)
        assert summary.reparsed == 1
        after = t32(rev, rid)
        assert after["key"] == f["key"]
        assert after["decision"]["decision"] == "dismiss" and after["decision"]["comment"] == "核实"
        assert rev.get(f"/api/reports/{rid}").json()["corrections"]["table3.granted[0]"]["value"] == 999
    finally:
        env.close()


def test_decisions_follow_the_bytes_even_into_a_new_store_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A report deleted and stored again gets a new id; its review history comes back."""
    from nianbao.store.schema import reports

    env = WebEnv(tmp_path)
    try:
        data = broken_file(2)
        rid, _ = env.ingest([("a.txt", data), ("b.txt", broken_file(6))])  # the deleted row is not the last
        rev = env.login("reviewer")
        key = t32(rev, rid)["key"]
        rev.api("POST", f"/api/reports/{rid}/findings/{key}/decision", json={"decision": "confirm"})
        with env.store.engine.begin() as conn:
            conn.execute(sa.text("PRAGMA foreign_keys=ON"))
            conn.execute(reports.delete().where(reports.c.id == rid))
        (again,) = env.ingest([("a-again.txt", data)])
        assert again != rid
        assert t32(rev, again)["decision"]["decision"] == "confirm"
    finally:
        env.close()


def test_the_audit_log_records_every_step_in_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = WebEnv(tmp_path)
    try:
        (rid,) = env.ingest([("a.txt", broken_file(3))])
        rev = env.login("reviewer")
        key = t32(rev, rid)["key"]
        rev.post(f"/reports/{rid}/findings/{key}", data={"decision": "dismiss", "comment": "第一次"})
        rev.post(f"/reports/{rid}/findings/{key}", data={"decision": "confirm", "comment": "改主意"})
        rev.post(f"/reports/{rid}/cells", data={"path": f"table3.granted[{TOTAL}]", "value": "7", "comment": "看错"})
        rev.post(f"/reports/{rid}/cells", data={"path": f"table3.granted[{TOTAL}]", "value": ""})
        log = [(e["action"], e["user_name"], e["report_id"]) for e in rev.get("/api/audit").json()["items"]]
        assert log[:4] == [("cell.revert", "reviewer", rid), ("cell.correct", "reviewer", rid),
                           ("review.confirm", "reviewer", rid), ("review.dismiss", "reviewer", rid)]
        page = rev.get("/audit").text
        assert "驳回问题" in page and "第一次" in page and "review.dismiss" not in page
        report = rev.get(f"/reports/{rid}").text
        assert "改主意" in report and "审阅记录" in report
    finally:
        env.close()


def test_corrections_rerun_the_checks_and_show_both_values(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nianbao.web.reviews import corrected_report

    env = WebEnv(tmp_path)
    try:
        (rid,) = env.ingest([("a.txt", broken_file(4))])
        rev = env.login("reviewer")
        stored = env.store.report(rid)
        path = f"table3.granted[{TOTAL}]"
        fixed = stored.table3["granted"][TOTAL] - 4
        r = rev.post(f"/reports/{rid}/cells", data={"path": path, "value": str(fixed), "comment": "原件为准"},
                     headers={"HX-Request": "true"})
        assert r.status_code == 204 and r.headers["hx-refresh"] == "true"
        page = rev.get(f"/reports/{rid}").text
        assert f'data-cell="{path}"' in page and 'data-corrected="1"' in page
        assert f'data-extracted="{stored.table3["granted"][TOTAL]}"' in page
        assert "已有 1 处单元格更正" in page
        assert "T3.2" not in {f["rule"] for f in rev.get(f"/api/reports/{rid}/findings").json()["findings"]}
        assert env.store.report(rid).table3["granted"][TOTAL] == stored.table3["granted"][TOTAL]
        # the corrected copy leaves the original alone
        from nianbao.web.reviews import corrections

        content_hash = rev.get(f"/api/reports/{rid}").json()["meta"]["content_hash"]
        copy = corrected_report(stored, corrections(env.store.engine, content_hash))
        assert copy.table3["granted"][TOTAL] == fixed and stored.table3["granted"][TOTAL] == fixed + 4
        assert rev.post(f"/reports/{rid}/cells", data={"path": "table3.nonsense[0]", "value": "1"}).status_code == 400
    finally:
        env.close()


def test_decision_form_returns_the_updated_finding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = WebEnv(tmp_path)
    try:
        (rid,) = env.ingest([("a.txt", broken_file(5))])
        rev = env.login("reviewer")
        key = t32(rev, rid)["key"]
        r = rev.post(f"/reports/{rid}/findings/{key}", data={"decision": "dismiss", "comment": "<b>不是问题</b>"},
                     headers={"HX-Request": "true"})
        assert r.status_code == 200
        assert r.text.lstrip().startswith(f'<li class="finding dismissed" id="f-{key}"')
        assert "已驳回" in r.text and "&lt;b&gt;不是问题&lt;/b&gt;" in r.text
        r = rev.post(f"/reports/{rid}/findings/{key}", data={"decision": "confirm"})
        assert r.status_code == 303 and r.headers["location"] == f"/reports/{rid}#f-{key}"
        assert rev.post(f"/reports/{rid}/findings/{key}", data={"decision": "perhaps"}).status_code == 400
    finally:
        env.close()


# --------------------------------------------------------------------------- migrations


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_web_migrations_build_the_web_schema_beside_the_store(dialect, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.support.store_util import Databases

    from nianbao.web import schema
    from nianbao.web.db import current_revision, open_store, upgrade
    from nianbao.web.migrations import HEAD

    dbs = Databases(dialect, tmp_path)
    try:
        store = open_store(dbs.url())
        dbs.stores.append(store)
        insp = sa.inspect(store.engine)
        tables = set(insp.get_table_names())
        assert set(schema.metadata.tables) <= tables
        assert {"reports", "report_cells", "findings", "alembic_version", "web_alembic_version"} <= tables
        for name, table in schema.metadata.tables.items():
            assert {c["name"] for c in insp.get_columns(name)} == set(table.columns.keys()), name
            wanted = {tuple(i.columns.keys()) for i in table.indexes} | {(c.name,) for c in table.columns if c.index}
            have = {tuple(i["column_names"]) for i in insp.get_indexes(name)}
            assert {w for w in wanted if w} <= have | {tuple(u["column_names"]) for u in insp.get_unique_constraints(name)}, name
        with store.engine.connect() as conn:
            assert current_revision(conn) == HEAD
        upgrade(store.engine)  # a second upgrade is a no-op
        from nianbao.store.db import current_revision as store_revision
        from nianbao.store.migrations import HEAD as STORE_HEAD

        with store.engine.connect() as conn:
            assert store_revision(conn) == STORE_HEAD  # the store's version is its own
    finally:
        dbs.close()


def test_head_is_the_newest_web_revision() -> None:
    import re
    from pathlib import Path

    import nianbao.web.migrations as m

    versions = Path(m.__file__).parent / "versions"
    revisions = {}
    for f in versions.glob("[!_]*.py"):
        text = f.read_text(encoding="utf-8")
        rev = re.search(r'^revision = "([^"]+)"', text, re.M).group(1)
        down = re.search(r"^down_revision = (.+)$", text, re.M).group(1).strip("\"'")
        revisions[rev] = down
    heads = set(revisions) - set(revisions.values())
    assert heads == {m.HEAD}


def test_the_audit_log_reads_in_words_and_filters_by_person_report_and_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Chinese action names, the report named by agency and year, the object in words (the
    cell's label, the rule's title, a user's name), never a finding hash; filters by
    person, report and date on the page and in the API."""
    from datetime import date, timedelta

    from nianbao.rules import REGISTRY
    from nianbao.web.accounts import CLI_USER, add_user

    env = WebEnv(tmp_path)
    try:
        (rid,) = env.ingest([("a.txt", broken_file(5))])
        meta = env.store.reports(ids=[rid]).iloc[0]
        name = f"{meta['agency']}{int(meta['year'])}年度报告"
        rev = env.login("reviewer")
        finding = t32(rev, rid)
        rev.post(f"/reports/{rid}/findings/{finding['key']}", data={"decision": "dismiss", "comment": "原件无误"})
        rev.post(f"/reports/{rid}/cells", data={"path": f"table3.granted[{TOTAL}]", "value": "7"})
        add_user(env.store.engine, "李四", "reviewer", "a-long-password-1", by=CLI_USER)
        other = env.login("李四", "a-long-password-1")
        other.get(f"/reports/{rid}/export/findings.xlsx")
        page = rev.get("/audit").text
        assert "驳回问题" in page and "更正数值" in page and "导出" in page and "新增用户" in page
        assert f">{name}</a>" in page and "问题清单 XLSX" in page and "用户“李四”" in page
        assert f"T3.2 {REGISTRY['T3.2'].title}" in page and finding["key"] not in page
        assert "：由" in page and "改为7" in page  # the cell by its label, with both values
        mine = rev.get("/audit?user=李四").text
        assert "导出" in mine and "驳回问题" not in mine and "更正数值" not in mine
        by_report = rev.get(f"/audit?report={meta['agency'][:3]}").text
        assert "驳回问题" in by_report and "新增用户" not in by_report
        assert "新增用户" not in rev.get(f"/audit?report={rid}").text
        today = date.today()
        assert "驳回问题" in rev.get(f"/audit?since={today}&until={today}").text
        assert "还没有记录" not in rev.get("/audit?since=bad-date").text  # an unreadable date is no filter
        empty = rev.get(f"/audit?until={today - timedelta(days=2)}").text
        assert "没有符合条件的记录" in empty
        api = rev.get("/api/audit", params={"user": "reviewer", "report": str(rid)}).json()["items"]
        assert api and {e["report_name"] for e in api} == {name} and {e["user_name"] for e in api} == {"reviewer"}
        assert {e["action_name"] for e in api} >= {"驳回问题", "更正数值"}
        assert rev.get("/api/audit", params={"since": str(today + timedelta(days=1))}).json()["items"] == []
        history = rev.get(f"/reports/{rid}").text
        assert "审阅记录" in history and "驳回问题" in history
    finally:
        env.close()


def test_every_audited_action_has_a_chinese_name() -> None:
    """Every action the code writes to the audit log (a literal passed to audit/audit_now/
    record/_log, or the documented table in docs/security.md) is named in ACTION_NAMES."""
    import re
    from pathlib import Path

    from nianbao.web.views import ACTION_NAMES

    root = Path(__file__).resolve().parents[1]
    written = set()
    for path in (root / "src" / "nianbao" / "web").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r"\b(?:audit|audit_now|record|_log)\((?:[^()\"]*?, )?\"([a-z_]+(?:\.[a-z_]+)?)\"", text))
        written |= set(re.findall(r"action=\"([a-z_]+\.[a-z_]+)\"", text))
    written |= {f"review.{d}" for d in ("confirm", "dismiss")} | {"cell.correct", "cell.revert"}
    documented = set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)?)`", (root / "docs" / "security.md").read_text(encoding="utf-8")
                                .split("## The audit log", 1)[1].split("\n\n", 3)[2]))
    assert written and documented
    assert written - set(ACTION_NAMES) == set() and documented - set(ACTION_NAMES) == set()
