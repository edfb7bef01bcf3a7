"""Backing up a store and restoring it, SQLite and PostgreSQL, through the CLI."""
from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa
from tests.support.store_util import PG_SERVER, dbs, record, text_of  # noqa: F401  (fixture)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, text=True, timeout=300)


def _ids(store) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(int(i) for i in store.reports()["id"])


def test_backup_then_restore_gives_the_same_store(dbs, tmp_path):  # noqa: F811
    url = dbs.url()
    store = dbs.store(url)
    for i in range(3):
        path = tmp_path / f"r{i}.txt"
        path.write_bytes(text_of(record(f"第{i}镇人民政府", "栖霞市", 2023, "township", seed=i), seed=i))
    store.ingest([str(p) for p in sorted(tmp_path.glob("r*.txt"))], workers=1, progress=False)
    before = _ids(store)
    cells_before = store.long().sort_values(["report_id", "path"]).reset_index(drop=True)
    store.close()

    out = tmp_path / "backup" / "nianbao.bak"
    proc = run("backup", str(out), "--db", url)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "已备份" in proc.stdout

    # lose the data, then bring it back
    if dbs.dialect == "sqlite":
        db_file = sa.engine.make_url(url).database
        refused = run("restore", str(out), "--db", url)
        assert refused.returncode == 2 and "--force" in refused.stderr
        restored = run("restore", str(out), "--db", url, "--force")
    else:
        schema = url.split("search_path%3D")[1]
        with sa.create_engine(PG_SERVER).begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        restored = run("restore", str(out), "--db", url)
        db_file = None
    assert restored.returncode == 0, restored.stderr
    again = dbs.store(url)
    assert _ids(again) == before
    cells_after = again.long().sort_values(["report_id", "path"]).reset_index(drop=True)
    assert cells_after[["report_id", "path", "value"]].equals(cells_before[["report_id", "path", "value"]])
    if db_file:
        assert not list(tmp_path.glob(".nianbao-restore-*"))


def test_restore_refuses_a_file_that_is_not_a_store(tmp_path):
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a database at all" * 100)
    proc = run("restore", str(junk), "--db", str(tmp_path / "x.db"), "--force")
    assert proc.returncode == 2 and "不是 nianbao 数据库" in proc.stderr and "Traceback" not in proc.stderr


def test_backup_restore_template_and_draft_leave_only_their_file_with_the_umasks_mode(tmp_path):
    """No -wal/-shm files of the temporary copy beside the backup (its connections were left
    open), and every file written through a temporary file gets 0666 less the umask, as an
    export does (it was 0600)."""
    import os
    import stat

    from click.testing import CliRunner

    from nianbao import Store
    from nianbao.cli import main

    db = tmp_path / "store" / "nianbao.db"
    db.parent.mkdir()
    with Store(f"sqlite:///{db}") as store:
        store.ingest([("a.txt", text_of(record("第一镇人民政府", "栖霞市", 2023, "township", seed=1)))], workers=1)
    old = os.umask(0o027)
    try:
        out = tmp_path / "backups"
        out.mkdir()
        for i in range(2):
            proc = run("backup", str(out / f"b{i}.db"), "--db", f"sqlite:///{db}")
            assert proc.returncode == 0, proc.stderr
        restored = tmp_path / "restored"
        restored.mkdir()
        proc = run("restore", str(out / "b0.db"), "--db", f"sqlite:///{restored / 'nianbao.db'}")
        assert proc.returncode == 0, proc.stderr
        runner = CliRunner()
        forms = tmp_path / "forms"
        forms.mkdir()
        made = runner.invoke(main, ["template", "--year", "2024", "--agency", "第一镇人民政府", "--region", "栖霞市",
                                    "-o", str(forms / "form.xlsx")], catch_exceptions=False)
        assert made.exit_code == 0, made.output
        drafted = runner.invoke(main, ["draft", str(forms / "form.xlsx"), "--force", "-o", str(forms / "report.md")],
                                catch_exceptions=False)
        assert drafted.exit_code == 0, drafted.output
    finally:
        os.umask(old)
    assert sorted(p.name for p in out.iterdir()) == ["b0.db", "b1.db"]
    assert sorted(p.name for p in db.parent.iterdir()) == ["nianbao.db"]  # the source's connections closed too
    assert sorted(p.name for p in restored.iterdir()) == ["nianbao.db"]
    assert sorted(p.name for p in forms.iterdir()) == ["form.xlsx", "report.md"]
    for path in (out / "b0.db", out / "b1.db", restored / "nianbao.db", forms / "form.xlsx", forms / "report.md"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path
