"""One report filter (`nianbao.store.filters.ReportFilter`) for the store, the CLI, the web
list and the exports: its fields select the same reports everywhere, and a name it does
not have is an error instead of "every report"."""
from __future__ import annotations

import pytest

from nianbao.formats import templates as T
from nianbao.errors import StoreError
from nianbao.store.filters import ReportFilter, UnknownFilter
from tests.support.store_util import dbs  # noqa: F401 - the fixture
from tests.support.web_util import record, report_file

REGION = "栖霞市"


@pytest.fixture
def store(dbs):  # type: ignore[no-untyped-def]
    s = dbs.store()
    bad = record(31, agency="寺口镇人民政府", region=REGION, year=2023)
    bad.table3["granted"][T.T3_TOTAL_COLUMN] += 2
    s.ingest([("a.txt", report_file(bad, 1, prose={"problems": "政务新媒体矩阵试点尚未铺开，政策解读形式单一。"})),
              ("b.txt", report_file(record(32, agency="庙后镇人民政府", region=REGION, year=2023), 2)),
              ("c.txt", report_file(record(33, agency="庙后镇人民政府", region=REGION, year=2024), 3)),
              ("d.txt", report_file(record(34, agency="洪泽区审计局", region="洪泽区", year=2024), 4))], workers=1)
    return s


def test_an_unknown_filter_name_is_an_error(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownFilter) as err:
        store.reports(regoin=REGION)
    assert "regoin" in err.value.message_zh and "regoin" in err.value.message_en
    assert isinstance(err.value, StoreError)  # the CLI prints it in both languages, no traceback
    for call in (store.wide, store.long, store.findings):
        with pytest.raises(UnknownFilter):
            call(yaer=2024)
    with pytest.raises(UnknownFilter):
        store.search("政策", regoin=REGION)


def test_each_field_selects_its_reports(store) -> None:  # type: ignore[no-untyped-def]
    every = store.reports()
    ids = lambda **kw: sorted(store.reports(**kw)["id"].tolist())  # noqa: E731
    by_agency = dict(zip(every["id"], every["agency"]))
    assert ids(region=REGION) == sorted(i for i, a in by_agency.items() if a != "洪泽区审计局")
    assert ids(year=2024) == sorted(every.loc[every["year"] == 2024, "id"].tolist())
    assert ids(year=[2023, 2024]) == sorted(every["id"].tolist())
    assert ids(name="庙后") == sorted(i for i, a in by_agency.items() if a == "庙后镇人民政府")
    assert ids(agency="庙后镇人民政府") == ids(name="庙后")
    failing = sorted(every.loc[every["n_errors"] > 0, "id"].tolist())
    assert failing and ids(errors_only=True) == failing
    t32 = ids(rule="T3.2")
    assert t32 and set(t32) <= set(failing) and ids(rule="T3.2", year=2024) == []
    assert ids(severity="error") == failing
    assert ids(text="矩阵试点") == [i for i, a in by_agency.items() if a == "寺口镇人民政府"]
    assert ids(level="township", year=2024) == ids(name="庙后", year=2024)
    assert ids(ids=[every["id"].iloc[0]]) == [every["id"].iloc[0]]


def test_the_filter_is_frozen_and_says_what_it_selects() -> None:
    f = ReportFilter.of(region=" 淮安市 ", year=2024, errors_only=True)
    assert f == ReportFilter(region="淮安市", years=(2024,), errors_only=True)
    assert f.describe() == "淮安市 2024年度 有错误的报告"
    assert ReportFilter().describe() == "全部报告" and ReportFilter().empty
    with pytest.raises(AttributeError):
        f.region = "x"  # type: ignore[misc]
    assert {f: 1}[ReportFilter.of(region="淮安市", years=[2024], errors_only=True)] == 1  # hashable: a cache key


def test_the_review_tables_read_by_the_store_match_the_web_schema() -> None:
    """`store.reviewed` names the web app's review tables by their columns (so that the
    store never imports the web app): the names must be the web schema's."""
    from nianbao.store.reviewed import CORRECTIONS_TABLE, DECISIONS_TABLE
    from nianbao.web.schema import cell_corrections, review_decisions

    for light, table in ((DECISIONS_TABLE, review_decisions), (CORRECTIONS_TABLE, cell_corrections)):
        assert light.name == table.name
        assert {c.name for c in light.columns} <= {c.name for c in table.columns}
