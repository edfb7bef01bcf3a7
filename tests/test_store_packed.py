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
