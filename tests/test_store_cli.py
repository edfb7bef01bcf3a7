"""The store's commands end to end (ingest, list, show, compare, stats, reparse), and an
ingest killed with SIGKILL half-way that a re-run completes (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest
import sqlalchemy as sa

from nianbao.store.schema import documents, report_cells, report_values, reports
from nianbao.synth import corpus

from tests.support.store_util import dbs, record, text_of  # noqa: F401


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command in a new process (as a user runs it)."""
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "160", **(env or {})})


def cli(*args: str, env: dict | None = None):  # type: ignore[no-untyped-def]
    """The command in this process (faster; same code path below the process start)."""
    from click.testing import CliRunner

    from nianbao.cli import main

    return CliRunner(env={"COLUMNS": "160", **(env or {})}).invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder of reports: a region, one agency over two years, a zip, a broken file."""
    root = tmp_path_factory.mktemp("reports")
    specs = [("洪泽区审计局", "洪泽区", "department"), ("岔河镇人民政府", "洪泽区", "township"),
             ("淮安区教育局", "淮安区", "department")]
    for i, (agency, region, level) in enumerate(specs):
        (root / f"{agency}_2024.txt").write_bytes(text_of(record(agency, region, 2024, level, seed=i)))
    (root / "洪泽区审计局_2023.txt").write_bytes(text_of(record("洪泽区审计局", "洪泽区", 2023, "department", seed=7)))
    with zipfile.ZipFile(root / "more.zip", "w") as zf:
        for s in corpus(3, seed=5):
            zf.writestr(f"{s.name}.txt", s.text)
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n%truncated")
    return root


def test_commands_end_to_end(folder, tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    first = run("ingest", str(folder), "--db", db, "--workers", "2")  # a real process, with the progress bar
    assert first.returncode == 0, first.stderr
    assert "读取 8 份：新增 8，重复 0，失败 1" in first.stdout and "8/8" in first.stderr
    again = cli("ingest", str(folder), "--db", db, "-q")
    assert "新增 0，重复 8" in again.stdout
    listed = cli("list", "--db", db, "--region", "淮安市", "--year", "2024")
    assert listed.exit_code == 0 and "洪泽区审计局" in listed.stdout and "淮安区教育局" in listed.stdout
    assert "共 3 份" in listed.stdout
    data = json.loads(cli("list", "--db", db, "--format", "json").stdout)
    assert len(data) == 8 and {d["status"] for d in data} == {"ok", "failed"}
    one = next(d for d in data if d["agency"] == "岔河镇人民政府")
    shown = cli("show", str(one["id"]), "--db", db)
    assert shown.exit_code == 0 and "岔河镇人民政府" in shown.stdout and "SHA-256" in shown.stdout
    record_json = json.loads(cli("show", str(one["id"]), "--db", db, "--format", "json").stdout)
    assert record_json["agency"] == "岔河镇人民政府" and record_json["store"]["id"] == one["id"]
    failed = cli("list", "--db", db, "--status", "failed")
    assert failed.exit_code == 0 and "无法解析" in failed.stdout and "broken.pdf" in failed.stdout
    broken = next(d for d in data if d["status"] == "failed")
    assert "无法解析" in cli("show", str(broken["id"]), "--db", db).stdout
    assert cli("show", str(broken["id"]), "--db", db, "--original").stdout_bytes == b"%PDF-1.4\n%truncated"
    comp = cli("compare", "--agency", "洪泽区审计局", "--years", "2023", "2024", "--db", db)
    assert comp.exit_code == 0, comp.output
    assert "2023" in comp.stdout and "2024" in comp.stdout and "变化" in comp.stdout
    stats = cli("stats", "--region", "淮安市", "--year", "2024", "--by", "agency", "--db", db, "--tables")
    assert stats.exit_code == 0 and "按机关排名" in stats.stdout and "地区合计" in stats.stdout
    ranked = json.loads(cli("stats", "--region", "淮安市", "--year", "2024", "--db", db, "--format", "json").stdout)
    assert [r["rank"] for r in ranked] == [1, 2, 3]
    reparsed = cli("reparse", "--db", db, "--all", "-q", "--workers", "1")
    assert reparsed.exit_code == 0 and "重新解析 8 份" in reparsed.stdout


def test_clear_errors_without_tracebacks(folder, tmp_path):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    missing = run("show", "999", "--db", db)
    assert missing.returncode == 2 and "没有编号为 999 的报告" in missing.stderr and "Traceback" not in missing.stderr
    nowhere = cli("list", "--db", f"sqlite:///{tmp_path}/no/such/x.db")
    assert nowhere.exit_code == 2 and "不存在" in nowhere.stderr
    unknown = cli("compare", "--agency", "没有这个机关", "--db", db)
    assert unknown.exit_code == 2 and "没有找到" in unknown.stderr
    pattern = cli("ingest", str(folder / "*.docx"), "--db", db)
    assert pattern.exit_code == 2 and "没有与" in pattern.stderr
    (tmp_path / "empty").mkdir()
    nothing = cli("ingest", str(tmp_path / "empty"), "--db", db, "-q")
    assert nothing.exit_code == 2 and "没有找到要读入的文件" in nothing.stderr


def test_db_from_environment(folder, tmp_path):
    db = f"sqlite:///{tmp_path / 'env.db'}"
    assert cli("ingest", str(folder / "more.zip"), "-q", "--workers", "1", env={"NIANBAO_DB": db}).exit_code == 0
    assert len(json.loads(cli("list", "--format", "json", env={"NIANBAO_DB": db}).stdout)) == 3


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("many")
    for s in corpus(100, seed=77, layouts=("txt", "space", "pipe")):
        (root / f"{s.name}.txt").write_text(s.text, encoding="utf-8")
    return root


def _consistent(url: str) -> tuple[int, int]:
    """(reports, distinct hashes), after checking that no stored report is half-written."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(reports)).scalar_one()
        hashes = conn.execute(sa.select(sa.func.count(sa.distinct(reports.c.content_hash)))).scalar_one()
        for table in (documents, report_cells, report_values):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == n
    engine.dispose()
    return n, hashes


@pytest.mark.slow
def test_ingest_killed_midway_is_completed_by_a_rerun(dbs, big_folder):
    url = dbs.url()
    dbs.store(url)  # create the schema first, so the poll below can count
    engine = sa.create_engine(url)
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "ingest", str(big_folder), "--db", url, "--workers", "2",
                             "--batch-size", "10", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    stored = 0
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        with engine.connect() as conn:
            stored = conn.execute(sa.select(sa.func.count()).select_from(reports)).scalar_one()
        if stored >= 20:
            os.killpg(proc.pid, signal.SIGKILL)  # the ingest and its worker processes
            break
        time.sleep(0.02)
    proc.wait(timeout=60)
    engine.dispose()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    n, distinct = _consistent(url)
    assert 20 <= n < 100 and n == distinct
    rerun = run("ingest", str(big_folder), "--db", url, "--workers", "2", "-q")
    assert rerun.returncode == 0, rerun.stderr
    assert f"新增 {100 - n}，重复 {n}" in rerun.stdout
    assert _consistent(url) == (100, 100)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(reports.c.cross_pending == sa.true())).scalar_one() == 0
    engine.dispose()


def test_csv_output_of_list_and_stats_never_starts_a_formula(dbs):
    """File names are the uploader's: `+cmd|' C calc'!A0` and `@SUM(1)` must not reach a
    spreadsheet as formulas from `nianbao list/stats/compare --format csv` either."""
    import csv
    import io

    store = dbs.store()
    names = ["+cmd|' C calc'!A0.txt", "@SUM(1).txt", "=HYPERLINK(1).txt"]
    store.ingest([(n, text_of(record(f"测试{i}镇人民政府", "洪泽区", 2023, "township", seed=60 + i)))
                  for i, n in enumerate(names)], workers=1)
    listed = cli("list", "--db", store.url, "--format", "csv")
    assert listed.exit_code == 0, listed.output
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert sorted(r["source_name"] for r in rows) == sorted("'" + n for n in names)
    for args in (["stats", "--region", "洪泽区", "--year", "2023"], ["compare", "--agency", rows[0]["agency_id"]]):
        out = cli(*args, "--db", store.url, "--format", "csv")
        assert out.exit_code == 0, out.output
        cells = [c for r in csv.reader(io.StringIO(out.stdout)) for c in r]
        assert cells and not [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and not _number(c))]


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_a_region_is_a_name_not_a_like_pattern(dbs):
    """`%` and `_` in a region match only themselves, as in agency names (API and CLI)."""
    store = dbs.store()
    store.ingest([(f"{i}.txt", text_of(record(agency, "洪泽区", 2023, level, seed=70 + i)))
                  for i, (agency, level) in enumerate([("洪泽区审计局", "department"), ("岔河镇人民政府", "township")])],
                 workers=1)
    assert len(store.reports(region="洪泽区")) == 2 and len(store.agencies(region="淮安市")) == 2
    for pattern in ("%", "洪泽_", "洪%", "_", "洪泽区\\"):
        assert store.reports(region=pattern).empty, pattern
        assert store.agencies(region=pattern).empty, pattern
        listed = cli("list", "--db", store.url, "--region", pattern, "--format", "csv")
        assert listed.exit_code == 0 and listed.stdout.strip().count("\n") == 0, (pattern, listed.output)  # the header
    stats = cli("stats", "--db", store.url, "--region", "洪泽_", "--year", "2023")
    assert stats.exit_code == 2 and "没有 洪泽_ 2023 年度已解析的报告" in stats.stderr
