"""The store, on SQLite and on PostgreSQL (each test runs against both): schema and
migrations, idempotent ingest, failed inputs, round trips, queries, search, reparse."""
from __future__ import annotations

import random

import numpy as np
import pytest
import sqlalchemy as sa

import nianbao
from nianbao.errors import StoreError, UnreadableInput
from nianbao.inputs import InputItem
from nianbao.store import db
from nianbao.store.records import unpack_cells
from nianbao.store.schema import (documents, findings, report_cells, report_sources, report_values, reports,
                                  sections)
from nianbao.synth import corpus

from tests.support.store_util import dbs, record, text_of  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def samples():
    return [(f"{s.name}.txt", s.text.encode("utf-8"), s.record) for s in
            corpus(12, seed=21, layouts=("txt", "md", "pipe", "space"), invalid_rate=0.3)]


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (reports, report_cells, findings, sections, documents, report_values, report_sources)}


# --------------------------------------------------------------------------- schema


def test_migrations_create_exactly_the_schema(dbs):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from nianbao.store.schema import metadata

    store = dbs.store()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    # the search index (PostgreSQL; a column before 0006) and the FTS5 tables (SQLite) are dialect-specific extras
    diff = [d for d in diff if not (d[0] == "remove_column" and d[3].name == "search")
            and not (d[0] == "remove_index" and d[1].name == "ix_sections_search")
            and not (d[0] == "remove_table" and d[1].name.startswith("sections_fts"))]
    assert diff == []


def test_head_is_the_newest_revision():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from nianbao.store.migrations import HEAD

    cfg = Config()
    cfg.set_main_option("script_location", str(db.MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD


def test_opening_twice_migrates_once(dbs):
    url = dbs.url()
    first = dbs.store(url)
    second = dbs.store(url)
    from nianbao.store.migrations import HEAD

    for store in (first, second):
        with store.engine.connect() as conn:
            assert db.current_revision(conn) == HEAD
        assert store.reports().empty


def test_urls():
    assert db.normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalize_url("some/file.db") == "sqlite:///some/file.db"
    assert db.normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_in_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError) as exc:
        nianbao.Store(f"sqlite:///{tmp_path}/no/such/dir/x.db")
    assert "不存在" in exc.value.message_zh


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = nianbao.Store(f"sqlite:///{tmp_path / 'w.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


# --------------------------------------------------------------------------- ingest


def test_ingest_stores_every_report_and_round_trips(dbs, samples):
    store = dbs.store()
    summary = store.ingest([(n, d) for n, d, _ in samples], workers=1)
    assert (summary.read, summary.new, summary.duplicates, summary.failed) == (12, 12, 0, 0)
    stored = store.reports()
    assert len(stored) == 12 and set(stored["status"]) == {"ok"}
    by_name = dict(zip(stored["source_name"], stored["id"]))
    for name, data, truth in samples:
        rid = int(by_name[name])
        parsed = nianbao.parse(data, name)
        again = store.report(rid)
        expected = parsed.to_dict()
        got = again.to_dict()
        # the source name is the one the store was given; everything else is as parsed
        assert got == expected
        for key in ("table2", "table3", "table4"):
            assert got[key] == truth.to_dict()[key]
        assert store.original(rid) == data
        direct = sorted((f.rule, f.message) for f in nianbao.check(parsed))
        assert sorted((f.rule, f.message) for f in store.report_findings(rid, scope="report")) == direct
    with_errors = sum(1 for n, d, _ in samples if any(f.severity == "error" and f.status == "fail"
                                                     for f in nianbao.check(nianbao.parse(d, n))))
    assert summary.with_errors == with_errors > 0


def test_reingest_adds_nothing_and_records_new_names(dbs, samples):
    store = dbs.store()
    items = [(n, d) for n, d, _ in samples]
    store.ingest(items, workers=2)
    before = counts(store)
    again = store.ingest(items, workers=2)
    assert (again.new, again.duplicates) == (0, 12)
    assert counts(store) == before
    renamed = store.ingest([("copy/" + n, d) for n, d in items[:3]], workers=1)
    assert (renamed.new, renamed.duplicates) == (0, 3)
    after = counts(store)
    assert after["reports"] == before["reports"] and after["report_sources"] == before["report_sources"] + 3
    twice = store.ingest([("copy/" + n, d) for n, d in items[:3]], workers=1)
    assert counts(store)["report_sources"] == after["report_sources"] and twice.new == 0


def test_duplicates_within_one_run_are_stored_once(dbs, samples):
    store = dbs.store()
    name, data, _ = samples[0]
    summary = store.ingest([(name, data), ("again/" + name, data)], workers=1)
    assert (summary.new, summary.duplicates) == (1, 1)
    rid = int(store.reports()["id"][0])
    from nianbao.store.queries import source_names

    with store.engine.connect() as conn:
        assert source_names(conn, rid) == [name, "again/" + name]


def test_inputs_that_fail_are_stored_with_their_reason_and_original(dbs):
    store = dbs.store()
    junk = {
        "notes.txt": "这只是一段普通的文字，不是年度报告。".encode(),
        "empty.txt": b"",
        "broken.pdf": b"%PDF-1.4\n%truncated",
    }
    unreadable = InputItem("gone.pdf", None, UnreadableInput("找不到文件：gone.pdf", "File not found: gone.pdf"))
    summary = store.ingest(list(junk.items()) + [unreadable], workers=1)
    assert (summary.new, summary.failed) == (4, 4)
    listed = store.reports(status="failed").set_index("source_name")
    assert set(listed.index) == set(junk) | {"gone.pdf"}
    for name, data in junk.items():
        row = listed.loc[name]
        assert row["error"] and row["status"] == "failed"
        assert store.original(int(row["id"])) == data
    assert "找不到文件" in listed.loc["gone.pdf", "error"] and store.original(int(listed.loc["gone.pdf", "id"])) is None
    again = store.ingest(list(junk.items()) + [unreadable], workers=1)
    assert (again.new, again.duplicates) == (0, 4)


def test_pool_and_inline_store_the_same(dbs, samples):
    a, b = dbs.store(), dbs.store()
    items = [(n, d) for n, d, _ in samples]
    a.ingest(items, workers=1)
    b.ingest(items, workers=2, batch_size=3)
    key = ["source_name", "agency", "region", "year", "n_errors", "n_warnings"]
    wa, wb = (s.wide().sort_values("source_name").reset_index(drop=True) for s in (a, b))
    assert wa[key].equals(wb[key])
    paths = [c for c in wa.columns if c.startswith("table")]
    assert np.allclose(wa[sorted(paths)].to_numpy(), wb[sorted(paths)].to_numpy(), equal_nan=True)


# --------------------------------------------------------------------------- queries


def test_wide_and_long_hold_the_values(dbs, samples):
    store = dbs.store()
    store.ingest([(n, d) for n, d, _ in samples], workers=1)
    wide = store.wide().set_index("source_name")
    long = store.long()
    for name, _, truth in samples:
        row = wide.loc[name]
        for key, values in truth.table3.items():
            assert [row[f"table3.{key}[{c}]"] for c in range(7)] == values
        for group, cells_ in truth.table4.items():
            for fld, v in cells_.items():
                assert row[f"table4.{group}.{fld}"] == v
    n_cells = sum(len(v) for _, _, t in samples for v in t.table3.values()) + sum(
        len(c) for _, _, t in samples for tbl in (t.table2, t.table4) for c in tbl.values())
    assert len(long) == n_cells
    assert long["raw"].notna().all() and (long["method"] != "").all() and long["line"].gt(0).all()


def test_search_finds_chinese_substrings(dbs):
    store = dbs.store()
    rec = record("洪泽区审计局", "洪泽区", 2023, "department", seed=3)
    store.ingest([("a.txt", text_of(rec, problems="政务新媒体账号更新不及时，个别栏目内容空白。"))], workers=1)
    rec2 = record("洪泽区财政局", "洪泽区", 2023, "department", seed=4)
    store.ingest([("b.txt", text_of(rec2, problems="依申请公开答复文书还需规范。"))], workers=1)
    hit = store.search("新媒体账号")
    assert list(hit["section"]) == ["problems"] and "新媒体账号" in hit["snippet"][0]
    assert len(store.search("答复文书", sections=["problems"])) == 1
    assert store.search("不存在的词语组合").empty
    assert len(store.search("栏目内容空白", region="淮安市")) == 1
    assert store.search("栏目内容空白", region="南京市").empty
    assert len(store.search("更新不及时，个别栏目")) == 1  # typed with full-width punctuation
    assert len(store.search("媒")) == 1  # one character: no bigram, a plain scan


def test_reparse_keeps_ids_and_refreshes(dbs, samples):
    store = dbs.store()
    store.ingest([(n, d) for n, d, _ in samples[:5]] + [("junk.txt", b"not a report at all")], workers=1)
    before = store.reports().set_index("id")
    long_before = store.long()
    with db.write(store.engine) as conn:
        conn.execute(reports.update().values(parser_version="0.0.1"))
    summary = store.reparse(workers=1)
    assert (summary.considered, summary.reparsed) == (6, 6)
    after = store.reports().set_index("id")
    assert list(after.index) == list(before.index)
    assert set(after["parser_version"]) == {nianbao.__version__}
    assert after["status"].equals(before["status"]) and after["n_errors"].equals(before["n_errors"])
    long_after = store.long()
    assert long_after[["report_id", "key_id", "value", "raw"]].equals(long_before[["report_id", "key_id", "value", "raw"]])
    assert store.reparse(workers=1).considered == 1  # only the failed input is tried again


def test_list_filters(dbs):
    store = dbs.store()
    specs = [("洪泽区审计局", "洪泽区", "department"), ("岔河镇人民政府", "洪泽区", "township"),
             ("洪泽区人民政府", "淮安市", "county"), ("淮安区教育局", "淮安区", "department"),
             ("玄武区财政局", "玄武区", "department")]
    items = [(f"{i}.txt", text_of(record(a, r, 2024, lvl, seed=i))) for i, (a, r, lvl) in enumerate(specs)]
    items.append(("old.txt", text_of(record("洪泽区审计局", "洪泽区", 2023, "department", seed=9))))
    store.ingest(items, workers=1)
    assert set(store.reports(region="淮安市", year=2024)["agency"]) == {
        "洪泽区审计局", "岔河镇人民政府", "洪泽区人民政府", "淮安区教育局"}
    assert set(store.reports(region="洪泽区")["agency"]) == {"洪泽区审计局", "岔河镇人民政府", "洪泽区人民政府"}
    assert set(store.reports(region="江苏省", level="department", year=2024)["agency"]) == {
        "洪泽区审计局", "淮安区教育局", "玄武区财政局"}
    assert list(store.reports(agency="淮安市洪泽区审计局")["year"]) == [2023, 2024]
    assert store.reports(agency="不存在的机关").empty
    agencies = store.agencies(region="淮安市")
    assert set(agencies["name"]) == {"洪泽区审计局", "岔河镇人民政府", "洪泽区人民政府", "淮安区教育局"}


def test_numbers_are_never_lost_to_float_rounding(dbs):
    store = dbs.store()
    rec = record("洪泽区财政局", "洪泽区", 2024, "department", seed=5)
    rec.table2["admin_fees"]["amount"] = 697.4495
    store.ingest([("fees.txt", text_of(rec))], workers=1)
    rid = int(store.reports()["id"][0])
    assert store.report(rid).table2["admin_fees"]["amount"] == 697.4495
    assert isinstance(store.report(rid).table3["granted"][0], int)


def test_random_corpus_counts_match(dbs):
    """Many reports in small batches through the pool: nothing lost, nothing twice."""
    store = dbs.store()
    rng = random.Random(4)
    data = [(f"r{i}.txt", s.text.encode()) for i, s in enumerate(corpus(40, seed=rng.randint(0, 99)))]
    data += data[:5]
    summary = store.ingest(data, workers=2, batch_size=7)
    assert (summary.read, summary.new, summary.duplicates) == (45, 40, 5)
    c = counts(store)
    assert c["reports"] == 40 == c["documents"] == c["report_values"]
    with store.engine.connect() as conn:
        per_report = [len(unpack_cells(d)) for d in conn.execute(sa.select(report_cells.c.data)).scalars()]
    assert len(per_report) == 40 and min(per_report) > 100


def test_reparse_after_a_parser_upgrade_recovers_failed_reports(dbs, samples, monkeypatch):
    from nianbao.errors import UnsupportedFormat

    store = dbs.store()
    name, data, truth = samples[1]

    def old_parser(source, name=None):  # a parser version that could not read this file
        raise UnsupportedFormat("暂不支持该格式。", "Not supported yet.")

    monkeypatch.setattr(nianbao, "parse", old_parser)
    store.ingest([(name, data)], workers=1)
    listed = store.reports()
    rid = int(listed["id"][0])
    assert listed["status"][0] == "failed" and "暂不支持" in listed["error"][0]
    monkeypatch.undo()
    summary = store.reparse(workers=1)
    assert (summary.reparsed, summary.now_ok) == (1, 1)
    again = store.reports()
    assert list(again["id"]) == [rid] and again["status"][0] == "ok" and again["error"][0] is None
    assert store.report(rid).table3 == truth.table3
    assert store.agencies()["name"].tolist() == [truth.agency]
