"""The compact store (revision 0004_compact): what a store of the revision before it held reads back the
same after the upgrade (and after a downgrade), and SQLite and PostgreSQL give the same rows."""
from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from nianbao.store.records import compress_vector, unpack_vector, unpack_vectors_into
from nianbao.synth import corpus

from tests.support.store_util import DIALECTS, Databases, dbs  # noqa: F401  (fixture)


def _items(n: int = 12):
    return [(f"{s.name}.txt", s.text.encode("utf-8"))
            for s in corpus(n, seed=31, layouts=("txt", "md"), corruption_rate=0.5, invalid_rate=0.2)]


def _alembic(store, action: str, revision: str) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from alembic.config import Config

    from nianbao.store.db import MIGRATIONS

    with store.engine.connect() as conn:
        with conn.begin():
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            getattr(command, action)(cfg, revision)


def _everything(store) -> tuple:  # type: ignore[no-untyped-def]
    ids = sorted(int(i) for i in store.reports()["id"])
    reports = [store.report(i) for i in ids]
    return (store.wide(), store.long(), store.search("信息公开"), [r.to_dict() if r else None for r in reports])


def _equal(a: tuple, b: tuple) -> None:
    for x, y in zip(a[:3], b[:3]):
        pd.testing.assert_frame_equal(x, y)
    assert a[3] == b[3]


def test_vectors_round_trip():
    raw = bytes(range(256)) * 8
    for data in (raw, b"", raw[:8]):
        packed = compress_vector(data)
        assert len(packed) % 8 and unpack_vector(packed) == data and unpack_vector(data) == data


def test_vectors_unpack_into_the_rows_of_one_matrix():
    import numpy as np

    full, short = np.arange(4, dtype="<f8"), np.array([7.5, np.nan], dtype="<f8")
    blobs = [compress_vector(full.tobytes()), None, short.tobytes(), compress_vector(short.tobytes()), full.tobytes()]
    mat = np.zeros((5, 4), dtype="<f8")
    left = unpack_vectors_into(memoryview(mat).cast("B"), 32, iter(blobs))
    assert left == [(1, 0), (2, 16), (3, 16)]  # the rows to pad: none, then two shorter vectors
    assert (mat[0] == full).all() and (mat[4] == full).all() and (mat[1] == 0).all()
    assert mat[2, 0] == mat[3, 0] == 7.5 and np.isnan(mat[2, 1]) and np.isnan(mat[3, 1])
    with pytest.raises(ValueError):  # a vector longer than a row would spill into the next
        unpack_vectors_into(memoryview(mat).cast("B"), 16, [full.tobytes()])


def test_a_store_of_the_revision_before_compaction_reads_the_same_after_the_upgrade(dbs):
    store = dbs.store()
    store.ingest(_items(), workers=1)
    now = _everything(store)
    _alembic(store, "downgrade", "0003_season")  # the rows as the revision before compaction wrote them
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cells WHERE method = 'label'")).scalar() > 0
        assert all(len(d) % 8 == 0 for d in conn.execute(sa.text("SELECT data FROM report_values")).scalars())
    _alembic(store, "upgrade", "0004_compact")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cells WHERE method = 'label'")).scalar() == 0
        assert all(len(d) % 8 for d in conn.execute(sa.text("SELECT data FROM report_values")).scalars())
    _alembic(store, "upgrade", "head")
    _equal(_everything(store), now)
    assert set(store.long()["method"].dropna()) >= {"label"}


@pytest.mark.postgres
def test_sqlite_and_postgresql_give_the_same_rows(tmp_path):
    stores = []
    dbs_ = [Databases(d, tmp_path) for d in ("sqlite", "postgresql")]
    try:
        for d in dbs_:
            s = d.store()
            s.ingest(_items(16), workers=1)
            stores.append(s)
        a, b = stores
        for frame in ("reports", "wide", "long", "findings"):
            x, y = getattr(a, frame)(), getattr(b, frame)()
            drop = [c for c in ("ingested_at", "parsed_at", "id") if c in x.columns and frame == "findings"]
            drop += [c for c in ("ingested_at", "parsed_at") if c in x.columns]
            pd.testing.assert_frame_equal(x.drop(columns=drop).reset_index(drop=True),
                                          y.drop(columns=drop).reset_index(drop=True), check_dtype=False)
        assert len(a.search("栏目更新")) == len(b.search("栏目更新"))
        assert a.search("栏目更新").equals(b.search("栏目更新"))
    finally:
        for d in dbs_:
            d.close()
