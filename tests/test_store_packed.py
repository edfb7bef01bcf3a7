"""Packed cells (revision 0005_packed_cells): one `report_cells` row per report.  A store of the
revision before (one `cells` row per cell) reads back the same after the upgrade, and the
downgrade writes the same rows back."""
from __future__ import annotations

import sqlalchemy as sa

from nianbao.store.records import CellRow, pack_cells, read_method, stored_method, unpack_cells

from tests.support.store_util import dbs  # noqa: F401  (fixture)
from tests.test_store_compact import _alembic, _equal, _everything, _items


def test_cells_pack_and_unpack_to_the_same_rows():
    rows = [("table3.granted[0]", 12.0, "12", 40, 3, 5, 0.9, "label", None, None),
            ("table2.penalty.decisions", None, None, None, None, None, None, None, None, None),
            ("table4.review.total", 1.5, "1.5", 7, 0, 3, 1.0, "row-sum", "计算", "注：合计")]
    assert unpack_cells(pack_cells(rows)) == [CellRow(*r) for r in rows]
    assert unpack_cells(pack_cells([])) == []


def test_the_methods_of_revision_0004_convert_both_ways():
    for method, raw, line in (("label", "3", None), ("label", None, None), ("row-sum", "4", 2), (None, None, None)):
        assert read_method(stored_method(method, raw, line), raw, line) == method
    assert stored_method("label", "3", 1) is None


def _cell_rows(store) -> list[tuple]:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.text(
            "SELECT report_id, key_id, value, raw, line, span_start, span_end, confidence, method, origin, note "
            "FROM cells")))


def test_a_store_of_one_row_per_cell_reads_the_same_after_packing_and_back(dbs):
    store = dbs.store()
    store.ingest(_items(), workers=1)
    now = _everything(store)
    with store.engine.connect() as conn:
        packed = conn.execute(sa.text("SELECT count(*) FROM report_cells")).scalar()
    assert packed > 0
    _alembic(store, "downgrade", "0004_compact")
    before = _cell_rows(store)
    assert len(before) > 100 * packed  # ~200 rows a report
    assert not sa.inspect(store.engine).has_table("report_cells")
    _alembic(store, "upgrade", "head")
    assert not sa.inspect(store.engine).has_table("cells")
    _equal(_everything(store), now)
    _alembic(store, "downgrade", "0004_compact")
    assert _cell_rows(store) == before
    _alembic(store, "upgrade", "head")
    _equal(_everything(store), now)


def test_the_values_a_parse_sends_are_the_vector_the_writer_stores(dbs):
    """A parse process sends each cell's path and value as compact bytes
    (records.pack_value_list); the writer scatters them into the stored vector by key id."""
    import math
    from array import array

    from nianbao.store.parsed import parse_and_check
    from nianbao.store.records import cell_rows, pack_value_list, unpack_vector
    from nianbao import parse

    name, data = _items(1)[0]
    cells = cell_rows(parse(data, name))
    paths, packed = pack_value_list(cells)
    assert paths.split("\n") == [c[0] for c in cells]
    got = array("d", packed)
    assert [None if math.isnan(v) else v for v in got] == [c[1] for c in cells]
    assert pack_value_list([]) == ("", b"")

    store = dbs.store()
    store.ingest([(name, data)], workers=1)
    with store.engine.connect() as conn:
        keys = dict(conn.execute(sa.text("SELECT id, path FROM cell_keys")).all())
        (blob,) = conn.execute(sa.text("SELECT data FROM report_values")).scalars()
    vec = array("d", unpack_vector(blob))
    stored = {keys[i + 1]: v for i, v in enumerate(vec) if not math.isnan(v)}
    assert stored == {c[0]: c[1] for c in cells if c[1] is not None} != {}
    assert set(keys.values()) == {c[0] for c in cells}
    assert parse_and_check(name, data).value_paths == paths


def test_an_original_is_stored_compressed_when_that_pays():
    import os

    from nianbao.store.parsed import pack_original, unpack_original

    text = ("政府信息公开工作年度报告。" * 40).encode("utf-8")
    noise = os.urandom(3000)
    big = text * 200  # above the 64 KB probe
    for data, kind in ((text, "zlib"), (noise, "none"), (b"short", "none"), (big, "zlib"), (os.urandom(90_000), "none")):
        packed, compression = pack_original(data)
        assert compression == kind and unpack_original(packed, compression) == data
