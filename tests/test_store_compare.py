"""compare and stats: the numbers are the members' own numbers and their sums (checked
against the generated records, not against the store), on SQLite and PostgreSQL."""
from __future__ import annotations

import math

import numpy as np
import pytest

from nianbao.formats import templates as T
from nianbao.errors import StoreError

from tests.support.store_util import dbs, record, text_of  # noqa: F401

MEMBERS_2024 = [  # (agency, region, level): all in 淮安市
    ("洪泽区人民政府", "淮安市", "county"),
    ("洪泽区审计局", "洪泽区", "department"),
    ("洪泽区财政局", "洪泽区", "department"),
    ("岔河镇人民政府", "洪泽区", "township"),
    ("淮安区教育局", "淮安区", "department"),
    ("淮安市统计局", "淮安市", "department"),
]
OUTSIDE_2024 = [("玄武区财政局", "玄武区", "department")]  # 南京市


@pytest.fixture(scope="module")
def region_corpus():
    recs = {}
    for i, (agency, region, level) in enumerate(MEMBERS_2024 + OUTSIDE_2024):
        recs[(agency, 2024)] = record(agency, region, 2024, level, seed=100 + i)
    recs[("洪泽区人民政府", 2023)] = record("洪泽区人民政府", "淮安市", 2023, "county", seed=99)
    recs[("洪泽区人民政府", 2021)] = record("洪泽区人民政府", "淮安市", 2021, "county", seed=98)
    files = [(f"{agency}_{year}.txt", text_of(rec, seed=year)) for (agency, year), rec in recs.items()]
    return recs, files


def _members(recs):
    return [recs[(a, 2024)] for a, _, _ in MEMBERS_2024]


def test_region_totals_are_the_sums_of_the_members(dbs, region_corpus):
    recs, files = region_corpus
    store = dbs.store()
    store.ingest(files, workers=2)
    st = store.region_stats("淮安市", 2024)
    members = _members(recs)
    assert sorted(st.members["agency"]) == sorted(a for a, _, _ in MEMBERS_2024)
    for key in T.TEMPLATE_2021.table3_keys:
        assert st.totals.table3[key] == [sum(r.table3[key][c] for r in members) for c in range(T.T3_WIDTH)]
    for group, fld in T.table4_keys():
        assert st.totals.table4[group][fld] == sum(r.table4[group][fld] for r in members)
    for row, fields in members[0].table2.items():
        for fld in fields:
            assert st.totals.table2[row][fld] == pytest.approx(sum(r.table2[row][fld] for r in members))
    apps = {r.agency: r.table3["new_received"][T.T3_TOTAL_COLUMN] for r in members}
    ranked = st.groups.sort_values("rank")
    assert list(ranked["group"]) == sorted(apps, key=lambda a: -apps[a])
    assert dict(zip(ranked["group"], ranked["applications"])) == apps
    denied_rows = [r.key for r in T.TEMPLATE_2021.table3_rows if r.group == "denied"]
    for r in members:
        row = ranked[ranked["group"] == r.agency].iloc[0]
        denied = sum(r.table3[k][T.T3_TOTAL_COLUMN] for k in denied_rows)
        total = r.table3["results_total"][T.T3_TOTAL_COLUMN]
        assert (math.isnan(row["denied_share"]) if total == 0 else row["denied_share"] == pytest.approx(denied / total))
        assert row["reviews"] == r.table4["review"]["total"]
        assert row["suits"] == r.table4["litigation_direct"]["total"] + r.table4["litigation_after_review"]["total"]


def test_stats_by_sub_region(dbs, region_corpus):
    recs, files = region_corpus
    store = dbs.store()
    store.ingest(files, workers=1)
    st = store.region_stats("淮安市", 2024, by="region")
    groups = st.groups.set_index("group")
    assert set(groups.index) == {"洪泽区", "淮安区", "淮安市（本级）"}
    assert groups.loc["洪泽区", "reports"] == 4
    hz = [recs[(a, 2024)] for a, _, _ in MEMBERS_2024[:4]]
    assert groups.loc["洪泽区", "applications"] == sum(r.table3["new_received"][T.T3_TOTAL_COLUMN] for r in hz)
    inner = store.region_stats("洪泽区", 2024)
    assert len(inner.members) == 4


def test_compare_one_agency_across_years(dbs, region_corpus):
    recs, files = region_corpus
    store = dbs.store()
    store.ingest(files, workers=1)
    comp = store.compare("淮安市洪泽区人民政府", [2023, 2024])
    a, b = recs[("洪泽区人民政府", 2023)], recs[("洪泽区人民政府", 2024)]
    assert comp.years == [2023, 2024] and comp.missing_years == []
    rows = comp.table.set_index("path")
    for key in T.TEMPLATE_2021.table3_keys:
        path = f"table3.{key}[{T.T3_TOTAL_COLUMN}]"
        x, y = a.table3[key][T.T3_TOTAL_COLUMN], b.table3[key][T.T3_TOTAL_COLUMN]
        if x == y == 0:
            continue
        assert (rows.loc[path, 2023], rows.loc[path, 2024], rows.loc[path, "delta"]) == (x, y, y - x)
    assert not any(p.startswith("table3.") and not p.endswith(f"[{T.T3_TOTAL_COLUMN}]") for p in rows.index)
    assert rows.loc["table4.review.total", "delta"] == b.table4["review"]["total"] - a.table4["review"]["total"]
    every_year = store.compare("洪泽区人民政府", column=None)
    assert every_year.years == [2021, 2023, 2024]
    assert every_year.table["table"].eq("table3").sum() > comp.table["table"].eq("table3").sum()
    gap = store.compare("洪泽区人民政府", [2022, 2024])
    assert gap.years == [2024] and gap.missing_years == [2022]


def test_unknown_or_ambiguous_agency_is_a_clear_error(dbs, region_corpus):
    recs, files = region_corpus
    store = dbs.store()
    store.ingest(files, workers=1)
    with pytest.raises(StoreError) as exc:
        store.compare("不存在的机关")
    assert "没有找到" in exc.value.message_zh


def test_wide_values_sum_like_the_totals(dbs, region_corpus):
    recs, files = region_corpus
    store = dbs.store()
    store.ingest(files, workers=1)
    wide = store.wide(region="淮安市", year=2024)
    st = store.region_stats("淮安市", 2024)
    col = f"table3.granted[{T.T3_TOTAL_COLUMN}]"
    assert np.nansum(wide[col]) == st.totals.table3["granted"][T.T3_TOTAL_COLUMN]
