"""Backing up a store and restoring it, SQLite and PostgreSQL, through the CLI."""
from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa
from store_util import PG_SERVER, dbs, record, text_of  # noqa: F401  (fixture)


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
