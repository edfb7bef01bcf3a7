"""The review season from the command line: the deadline table, review status, withdrawal
and the publication date, each written to the audit log."""
from __future__ import annotations

import sqlalchemy as sa
from click.testing import CliRunner

from nianbao.cli import main
from tests.support.web_util import record, report_file


def store_with(tmp_path, files):  # type: ignore[no-untyped-def]
    from nianbao.store.parsed import parse_and_check
    from nianbao.web.db import open_store

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = open_store(url)
    ids = store.write([parse_and_check(n, d) for n, d in files])
    store.crosscheck(ids)
    return url, store, ids


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def g4(store, rid: int) -> list:  # type: ignore[no-untyped-def]
    return [f for f in store.report_findings(rid) if f.rule == "G4"]


def test_deadline_status_withdraw_and_date_from_the_command_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    town = record(1, agency="寺口镇人民政府", region="栖霞市", year=2023)
    data = ("成文日期：2024年3月20日\n" + report_file(town, 1).decode("utf-8")).encode("utf-8")
    url, store, (rid,) = store_with(tmp_path, [("town.txt", data)])
    assert g4(store, rid) == []
    assert "township" in run("deadline", "list", "--db", url)
    out = run("deadline", "set", "township", "03-01", "--region", "栖霞市", "--note", "市通知", "--db", url)
    assert "已设置" in out
    assert g4(store, rid) and g4(store, rid)[0].expected == "2024-03-01"
    assert "市通知" in run("deadline", "list", "--db", url)
    run("review", "publish-date", str(rid), "2024-02-28", "--db", url)
    assert g4(store, rid) == []
    run("deadline", "unset", "township", "--region", "栖霞市", "--db", url)
    bad = CliRunner().invoke(main, ["deadline", "set", "township", "02-30", "--db", url])
    assert bad.exit_code != 0 and "日期无效" in bad.output and "Traceback" not in bad.output
    assert "已更改 1 份" in run("review", "status", "returned", str(rid), "--db", url)
    assert "不能从当前状态更改 0 份" in run("review", "status", "rectified", str(rid), "--db", url)
    run("review", "withdraw", str(rid), "--reason", "错传", "--db", url)
    assert len(store.reports()) == 0 and len(store.reports(hidden=True)) == 1
    run("review", "withdraw", str(rid), "--restore", "--db", url)
    assert len(store.reports()) == 1
    from nianbao.web.schema import audit_log

    with store.engine.connect() as conn:
        actions = list(conn.execute(sa.select(audit_log.c.action).order_by(audit_log.c.id)).scalars())
    assert actions == ["deadline.set", "report.publish_date", "deadline.remove", "status.set", "status.set",
                       "report.withdraw", "report.restore"]
