"""`--engine dask`: the same parse-and-check on a Dask cluster, written idempotently through
the store's writer; SQLite and PostgreSQL.  The cluster is a LocalCluster of two workers
in threads of the test process (quick to start; bench/ingest_dask.py runs worker processes)."""
from __future__ import annotations

import pytest

from nianbao.cluster import dask_client, dask_engine
from nianbao.errors import ClusterError
from nianbao.store.ingest import Task, chunked, ingest
from nianbao.synth import corpus

from tests.support.store_util import dbs  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def client():
    with dask_client(None, workers=2, processes=False) as c:
        yield c


@pytest.fixture(scope="module")
def items():
    out = [(f"{s.name}.txt", s.text.encode("utf-8")) for s in
           corpus(30, seed=31, layouts=("txt", "md", "pipe", "space"), invalid_rate=0.3, corruption_rate=0.3)]
    out.append(("broken.pdf", b"%PDF-1.4\n%truncated"))
    out.append(("again.txt", out[0][1]))  # the same bytes under another name
    return out


def _comparable(store):  # type: ignore[no-untyped-def]
    wide = store.wide().drop(columns=["id", "agency_id"]).sort_values("source_name").reset_index(drop=True)
    found = store.findings()[["rule", "severity", "status", "message"]].sort_values(["rule", "message"])
    return wide, found.reset_index(drop=True)


def test_dask_engine_stores_what_the_local_engine_stores(dbs, client, items):
    on_cluster, local = dbs.store(), dbs.store()
    summary = ingest(on_cluster.engine, items, parse_engine=dask_engine(client, chunk_items=4))
    assert (summary.read, summary.new, summary.duplicates, summary.failed) == (32, 31, 1, 1)
    ingest(local.engine, items, workers=1)
    (wide_a, found_a), (wide_b, found_b) = _comparable(on_cluster), _comparable(local)
    assert len(wide_a) == 31 and summary.with_errors >= 3
    import pandas as pd

    pd.testing.assert_frame_equal(wide_a, wide_b)
    pd.testing.assert_frame_equal(found_a, found_b)
    again = ingest(on_cluster.engine, items, parse_engine=dask_engine(client))
    assert (again.new, again.duplicates) == (0, 32)
    assert len(on_cluster.reports()) == 31


def test_the_work_ran_on_the_workers(client, items):
    from nianbao.cluster import parse_chunk
    from nianbao.store.parsed import content_key

    tasks = [Task(n, d, content_key(d, n)) for n, d in items[:4]]
    future = client.submit(parse_chunk, tasks, pure=False)
    assert [p.name for p in future.result()] == [n for n, _ in items[:4]]
    assert client.who_has(future)[future.key]  # computed and held by a worker


def test_chunks_hold_few_items_and_bytes():
    tasks = [Task(f"{i}", b"x" * 100, str(i)) for i in range(10)]
    assert [len(c) for c in chunked(tasks, 4, 1 << 20)] == [4, 4, 2]
    assert [len(c) for c in chunked(tasks, 100, 250)] == [3, 3, 3, 1]


def test_workers_with_another_version_are_refused(client, monkeypatch):
    import nianbao.cluster

    assert nianbao.cluster.check_workers(client) == 2

    def other_version() -> str:
        return "0.0.0-other"

    monkeypatch.setattr(nianbao.cluster, "worker_version", other_version)  # what the workers report
    with pytest.raises(ClusterError, match="版本"):
        nianbao.cluster.check_workers(client)

    def missing() -> str:
        raise ModuleNotFoundError("No module named 'nianbao'")

    monkeypatch.setattr(nianbao.cluster, "worker_version", missing)
    with pytest.raises(ClusterError, match="安装"):
        nianbao.cluster.check_workers(client)


def test_an_unreachable_scheduler_is_a_clear_error(monkeypatch):
    import nianbao.cluster

    monkeypatch.setattr(nianbao.cluster, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(ClusterError, match="无法连接 Dask 调度器 tcp://127.0.0.1:9"):
        with dask_client("tcp://127.0.0.1:9"):
            pass


def test_ingest_command_on_the_cluster(client, items, tmp_path):
    from click.testing import CliRunner

    from nianbao.cli import main

    folder = tmp_path / "reports"
    folder.mkdir()
    for name, data in items[:10]:
        (folder / name).write_bytes(data)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run = CliRunner(env={"COLUMNS": "200"}).invoke
    address = client.scheduler.address
    first = run(main, ["ingest", str(folder), "--db", db, "--engine", "dask", "--scheduler", address, "-q"])
    assert first.exit_code == 0, first.output
    assert "读取 10 份：新增 10" in first.stdout and f"Dask：2 个工作节点（{address}）" in first.stderr
    again = run(main, ["ingest", str(folder), "--db", db, "--engine", "dask", "--scheduler", address, "-q"])
    assert again.exit_code == 0 and "新增 0，重复 10" in again.stdout
    wrong = run(main, ["ingest", str(folder), "--db", db, "--scheduler", address])
    assert wrong.exit_code == 2 and "--engine dask" in wrong.output
