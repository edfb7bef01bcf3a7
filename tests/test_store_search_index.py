"""PostgreSQL's search index on an expression of the text (revision 0006_search_expression): the
SQL function gives exactly the tokens of `search.bigrams`, and a store of the revision before
(a stored vector column) searches the same after the upgrade and after the downgrade."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from nianbao.store.search import bigrams

from tests.support.store_util import Databases
from tests.test_store_compact import _alembic, _equal, _everything, _items

ODD = ["政府信息公开 ABC12x 年度报告，a-b 一", "", "（一）主动公开政府信息情况 2023年", "ｆｕｌｌ ＷＩＤＴＨ 豈更车 x9 Ⅳ"]


@pytest.mark.postgres
def test_the_sql_tokens_are_the_python_tokens_and_the_upgrade_keeps_every_search(tmp_path):
    dbs = Databases("postgresql", tmp_path)
    try:
        store = dbs.store()
        store.ingest(_items(), workers=1)
        now = _everything(store)
        same = sa.text("SELECT nianbao_search_vector(:t) = strip(to_tsvector('simple', :b))")
        with store.engine.connect() as conn:
            texts = ODD + list(conn.execute(sa.text("SELECT text FROM sections")).scalars())
            assert len(texts) > 50
            assert all(conn.execute(same, {"t": t, "b": bigrams(t)}).scalar() for t in texts)
        phrases = [bigrams(q) for q in ("信息公开", "政府", "申请", "2023")]
        by_column = sa.text("SELECT id FROM sections WHERE search @@ plainto_tsquery('simple', :q) ORDER BY id")
        by_index = sa.text("SELECT id FROM sections WHERE nianbao_search_vector(text) @@ plainto_tsquery('simple', :q) "
                           "ORDER BY id")
        _alembic(store, "downgrade", "0005_packed_cells")
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM sections WHERE search IS NULL")).scalar() == 0
            before = [list(conn.execute(by_column, {"q": q}).scalars()) for q in phrases]
        assert all(before)
        _alembic(store, "upgrade", "head")
        with store.engine.connect() as conn:
            assert [list(conn.execute(by_index, {"q": q}).scalars()) for q in phrases] == before
        _equal(_everything(store), now)
    finally:
        dbs.close()
