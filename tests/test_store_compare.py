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


# --------------------------------------------------------------------------- a region, one year against the other

REVIEW_82 = {"upheld": 60, "corrected": 12, "other": 8, "pending": 2, "total": 82}
SUITS_230 = {"upheld": 200, "corrected": 20, "other": 5, "pending": 5, "total": 230}
ZERO = {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0}


def _season_files():
    """Three agencies of 淮安市 in 2023 and 2024: reviews 0 → 82 at one, direct suits
    230 → 0 at another; a fourth agency reports in 2024 only, one outside the region."""
    recs = {}
    for i, (agency, region, level) in enumerate(MEMBERS_2024[1:4]):
        for year in (2023, 2024):
            rec = record(agency, region, year, level, seed=300 + 10 * i + year)
            for group in ("review", "litigation_direct", "litigation_after_review"):
                rec.table4[group] = dict(ZERO)
            recs[(agency, year)] = rec
    recs[("洪泽区审计局", 2024)].table4["review"] = dict(REVIEW_82)
    recs[("洪泽区财政局", 2023)].table4["litigation_direct"] = dict(SUITS_230)
    recs[("淮安市统计局", 2024)] = record("淮安市统计局", "淮安市", 2024, "department", seed=77)
    recs[("玄武区财政局", 2023)] = record("玄武区财政局", "玄武区", 2023, "department", seed=78)
    return recs, [(f"{a}_{y}.txt", text_of(rec, seed=y)) for (a, y), rec in recs.items()]


def test_region_changes_put_the_largest_first_and_flag_jumps(dbs):
    from nianbao.store.changes import RegionChanges

    recs, files = _season_files()
    store = dbs.store()
    store.ingest(files, workers=1)
    changes = store.region_changes("淮安市", (2023, 2024))
    assert isinstance(changes, RegionChanges) and (changes.before_year, changes.after_year) == (2023, 2024)
    assert {c.agency for c in changes.rows} == {"洪泽区审计局", "洪泽区财政局", "岔河镇人民政府"}
    assert changes.only_after == ["淮安市统计局"] and changes.only_before == []
    deltas = [abs(c.delta) for c in changes.rows if c.delta is not None]
    assert deltas == sorted(deltas, reverse=True)
    jumps = {(c.agency, c.figure): c for c in changes.jumps}
    review = jumps[("洪泽区审计局", "reviews")]
    assert (review.before, review.after, review.delta, review.jump) == (0, 82, 82, "由0增至82")
    suits = jumps[("洪泽区财政局", "suits")]
    assert (suits.before, suits.after, suits.delta, suits.jump) == (230, 0, -230, "由230降为0")
    for c in changes.rows:  # every figure is the report's own
        apps_b = recs[(c.agency, 2023)].table3["new_received"][T.T3_TOTAL_COLUMN]
        apps_a = recs[(c.agency, 2024)].table3["new_received"][T.T3_TOTAL_COLUMN]
        if c.figure == "applications":
            assert (c.before, c.after) == (apps_b, apps_a)
    one = store.region_changes("淮安市", [2024])  # one year: against the year before
    assert (one.before_year, one.after_year) == (2023, 2024) and len(one.rows) == len(changes.rows)
    with pytest.raises(StoreError):
        store.region_changes("无此地", (2023, 2024))


def test_compare_command_for_a_region(dbs):
    import json

    from click.testing import CliRunner

    from nianbao.cli import main

    _, files = _season_files()
    store = dbs.store()
    store.ingest(files, workers=1)
    run = CliRunner(env={"COLUMNS": "200"}).invoke
    for years in (["--years", "2023,2024"], ["--years", "2023", "2024"], []):
        out = run(main, ["compare", "--db", store.url, "--region", "淮安市", *years])
        assert out.exit_code == 0, out.output
        assert "由0增至82" in out.output and "由230降为0" in out.output and "淮安市统计局" in out.output
    data = json.loads(run(main, ["compare", "--db", store.url, "--region", "淮安市", "--years", "2023,2024",
                                 "--jumps", "--format", "json"]).output)
    assert {(d["agency"], d["figure"], d["before"], d["after"]) for d in data} >= {
        ("洪泽区审计局", "reviews", 0, 82), ("洪泽区财政局", "suits", 230, 0)}
    assert all(d["jump"] for d in data)
    csv = run(main, ["compare", "--db", store.url, "--region", "淮安市", "--years", "2023,2024", "--format", "csv",
                     "--top", "3"]).output.splitlines()
    assert len(csv) == 4 and "230.0" not in "\n".join(csv)
    both = run(main, ["compare", "--db", store.url, "--region", "淮安市", "--agency", "洪泽区审计局"])
    assert both.exit_code == 2 and "--region" in both.output
