"""The streamed exports hold what the DataFrame path held: the workbook's 明细 rows read
straight from the cursor equal the long frames' rows, cell for cell."""
from __future__ import annotations

import openpyxl

from nianbao.exports import ReportFilter, export_data
from nianbao.exports.frames import frames, long_tuples, python_rows
from nianbao.exports.sheets import cell_name
from nianbao.synth import corpus

from tests.support.store_util import dbs  # noqa: F401  (fixture)


def _store(dbs):  # type: ignore[no-untyped-def]
    store = dbs.store()
    store.ingest([(f"{s.name}.txt", s.text.encode("utf-8"))
                  for s in corpus(10, seed=41, layouts=("txt", "md"), corruption_rate=0.5, invalid_rate=0.2)],
                 workers=1)
    return store


def test_long_tuples_are_the_long_frames_rows(dbs):
    store = _store(dbs)
    ids = store.reports()["id"].tolist()
    expected = [row for df in frames(store, ids, "long", chunk=3) for row in python_rows(df)]
    assert expected and list(long_tuples(store, ids, chunk=4)) == expected


def test_workbook_detail_sheet_equals_the_long_frames(dbs, tmp_path):
    store = _store(dbs)
    out = tmp_path / "all.xlsx"
    summary = export_data(store, out, ReportFilter(), "xlsx", detail=True)
    expected = []
    for df in frames(store, store.reports()["id"].tolist(), "long"):
        df.insert(df.columns.get_loc("path") + 1, "label", df["path"].map(cell_name))
        expected += [list(r) for r in python_rows(df)]
    book = openpyxl.load_workbook(out, read_only=True)
    got = [list(r) for r in book["明细"].iter_rows(min_row=3, values_only=True)]
    assert summary.rows == len(expected) == len(got)
    # numbers as Excel holds them (an integral float reads back as int)
    norm = lambda row: [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in row]  # noqa: E731
    assert [norm(r) for r in got] == [norm(r) for r in expected]
