"""Agency identity across years and title variants, and the cross-report checks run after
ingest (cross-year pairs, 雷同 across agencies, duplicates), on SQLite and PostgreSQL."""
from __future__ import annotations

import copy

import pytest

import nianbao
from nianbao.exports import ReportFilter, build_issues
from nianbao.store import lifecycle
from nianbao.store.agencies import identify
from nianbao.store.crosscheck import crossyear_findings

from tests.support.shared import REAL, needs_shared
from tests.support.store_util import carry_in_force, dbs, problems_text, record, set_carried_forward, text_of  # noqa: F401


# --------------------------------------------------------------------------- identity (pure)


@pytest.mark.parametrize("a, b", [
    (("平罗县头闸镇", None, None), ("头闸镇人民政府", "平罗县", "township")),
    (("头闸镇人民政府", None, "township"), ("平罗县头闸镇人民政府", None, None)),
    (("淮安市洪泽区审计局", None, None), ("洪泽区审计局", "洪泽区", "department")),
    (("审计局", "洪泽区", "department"), ("洪泽区审计局", None, None)),
    (("洪泽区人民政府", "淮安市", "county"), ("淮安市洪泽区政府", None, None)),
    (("城东街道办事处", "洪泽区", "township"), ("洪泽区城东街道", None, None)),
])
def test_same_agency_despite_title_variants(a, b):
    x, y = identify(*a), identify(*b)
    assert x.core == y.core
    assert not x.anchor or not y.anchor or x.anchor == y.anchor


@pytest.mark.parametrize("a, b", [
    (("洪泽区人民政府", "淮安市", "county"), ("洪泽区人民政府办公室", "淮安市", "county")),
    (("岔河镇人民政府", "洪泽区", "township"), ("岔河镇人民政府", "盱眙县", "township")),
    (("北京市朝阳区人民政府", None, None), ("长春市朝阳区人民政府", None, None)),
])
def test_different_agencies_stay_apart(a, b):
    assert identify(*a).key != identify(*b).key


def test_region_and_level_are_inferred():
    dep = identify("淮安市洪泽区审计局")
    assert (dep.region, dep.level, dep.path) == ("洪泽区", "department", "/江苏省/淮安市/洪泽区/")
    town = identify("岔河镇人民政府", "洪泽区", "township")
    assert town.path == "/江苏省/淮安市/洪泽区/岔河镇/" and town.division_code == "320813"
    county = identify("洪泽区人民政府")
    assert (county.region, county.level, county.division_code) == ("淮安市", "county", "320813")
    beijing = identify("北京市朝阳区人民政府")
    assert beijing.path == "/北京市/朝阳区/"


# --------------------------------------------------------------------------- cross-year pairs


def _pair(carry_matches: bool, seed: int = 1):
    """Two consecutive years of one township whose tables agree across the years (rules
    T3.6 and T2.3), except, when asked, 结转 in column 自然人 by 3."""
    before = record("头闸镇人民政府", "平罗县", 2022, "township", seed=seed)
    after = record("头闸镇人民政府", "平罗县", 2023, "township", seed=seed + 1)
    target = list(after.table3["carried_over"])
    if not carry_matches:
        target[0] += 3
    set_carried_forward(before, target)
    carry_in_force(before, after)
    return before, after


def _files(before, after, titles=(None, None)):
    """The pair as files, with different section 五 texts (so G6 stays quiet)."""
    return [("2022.txt", text_of(before, problems=problems_text(1), title=titles[0])),
            ("2023.txt", text_of(after, problems=problems_text(2), title=titles[1]))]


def test_reports_of_one_agency_are_paired_across_years_and_title_variants(dbs):
    store = dbs.store()
    before, after = _pair(carry_matches=False)
    store.ingest(_files(before, after, ("平罗县头闸镇2022年政府信息公开工作年度报告",
                                        "头闸镇人民政府2023年政府信息公开工作年度报告")), workers=1)
    listed = store.reports().set_index("year")
    assert listed.loc[2022, "agency_id"] == listed.loc[2023, "agency_id"]
    old, new = int(listed.loc[2022, "id"]), int(listed.loc[2023, "id"])
    assert store.previous(new) == old and store.previous(old) is None
    cross = store.report_findings(new, scope="cross")
    # column 自然人 and the 总计 column disagree with last year
    assert [(f.rule, f.location["cells"]) for f in cross] == [
        ("T3.6", ["table3.carried_over[0]"]), ("T3.6", ["table3.carried_over[6]"])]
    assert cross[0].expected == before.table3["carried_forward"][0] == after.table3["carried_over"][0] + 3
    frame = store.findings(ids=[new])
    assert frame.loc[frame["rule"] == "T3.6", "related_report_id"].tolist() == [old, old]
    # the stored counts include the cross findings
    assert int(listed.loc[2023, "n_warnings"]) == sum(1 for f in store.report_findings(new) if f.severity == "warning"
                                                      and f.status == "fail")
    direct = crossyear_findings(store.report(new), store.report(old))
    assert sorted(f.message for f in direct) == sorted(f.message for f in cross if f.rule != "G13")


def test_consistent_years_give_no_cross_year_finding(dbs):
    store = dbs.store()
    before, after = _pair(carry_matches=True)
    store.ingest(_files(before, after), workers=1)
    assert store.findings().query("scope == 'cross'").empty
    assert store.previous(int(store.reports(year=2023)["id"][0])) == int(store.reports(year=2022)["id"][0])


def test_cross_checks_run_when_the_older_year_arrives_later(dbs):
    store = dbs.store()
    before, after = _pair(carry_matches=False, seed=5)
    older, newer = _files(before, after)
    store.ingest([newer], workers=1)
    new = int(store.reports()["id"][0])
    assert store.report_findings(new, scope="cross") == []
    store.ingest([older], workers=1)
    assert [f.rule for f in store.report_findings(new, scope="cross")] == ["T3.6", "T3.6"]


def test_copied_section_five_is_flagged_across_years_and_agencies(dbs):
    store = dbs.store()
    same = problems_text(7)
    a22 = record("洪泽区审计局", "洪泽区", 2022, "department", seed=11)
    a23 = record("洪泽区审计局", "洪泽区", 2023, "department", seed=12)
    b23 = record("洪泽区财政局", "洪泽区", 2023, "department", seed=13)
    c23 = record("洪泽区水利局", "洪泽区", 2023, "department", seed=14)
    store.ingest([("a22.txt", text_of(a22, problems=same)), ("a23.txt", text_of(a23, problems=same)),
                  ("b23.txt", text_of(b23, problems=same)), ("c23.txt", text_of(c23, problems=problems_text(8)))],
                 workers=2)
    ids = store.reports().set_index("source_name")["id"].astype(int).to_dict()
    g6 = store.findings().query("rule == 'G6'")
    pairs = {(r.report_id, r.related_report_id) for r in g6.itertuples()}
    assert (ids["a23.txt"], ids["a22.txt"]) in pairs  # last year's text
    # another agency's: the later of the two (neither has a date: the later stored) names the earlier
    first, later = sorted((ids["a23.txt"], ids["b23.txt"]))
    assert (later, first) in pairs and (first, later) not in pairs
    assert not any(ids["c23.txt"] in p for p in pairs)
    assert (ids["a22.txt"], ids["b23.txt"]) not in pairs  # different years of different agencies
    # the values as the rule gave them: no expected value is None (not NaN), a similarity a number
    assert all(v is None for v in g6["expected"]) and all(0.8 <= v <= 1 for v in g6["actual"])
    listed = [i for g in build_issues(store, ReportFilter(), reviewed=False).agencies for i in g.issues if i.rule == "G6"]
    assert listed and all(i.expected == "" for i in listed)  # the 问题清单 shows a blank, not "nan"


def test_a_cluster_of_copies_names_one_earlier_report_each(dbs):
    """Section 五 copied by n agencies of a region-year: n - 1 G6 findings, each naming the
    report it copies (not one per pair), in words without database ids; when a report turns
    out to be published first, the others name it instead."""
    store = dbs.store()
    same = problems_text(31)
    n = 6
    files = [(f"c{i}.txt", text_of(record(f"洪泽区测试{i}局", "洪泽区", 2023, "department", seed=60 + i), problems=same))
             for i in range(n)]
    store.ingest(files, workers=1)
    ids = store.reports().set_index("source_name")["id"].astype(int).to_dict()
    order = sorted(ids.values())

    def named() -> dict[int, int]:
        g6 = store.findings().query("rule == 'G6'")
        assert g6["report_id"].is_unique and not any("#" in m for m in g6["message"])
        return {int(r.report_id): int(r.related_report_id) for r in g6.itertuples()}

    assert named() == {rid: order[0] for rid in order[1:]}  # the first stored is the original
    g6 = store.findings().query("rule == 'G6'")
    assert all(m.startswith("第五部分与洪泽区测试0局2023年度报告的相似度为100%") for m in g6["message"])
    lifecycle.set_publish_date(store.engine, order[3], "2024-01-10")  # dated, the others undated: published first
    store.crosscheck()
    assert named() == {rid: order[3] for rid in order if rid != order[3]}
    store.crosscheck(everything=True)
    assert named() == {rid: order[3] for rid in order if rid != order[3]}


def test_duplicate_reports_under_two_names(dbs):
    store = dbs.store()
    rec = record("洪泽区审计局", "洪泽区", 2023, "department", seed=21)
    copy = record("洪泽区审计局", "洪泽区", 2023, "department", seed=21)
    copy.agency = "洪泽区统计局"
    store.ingest([("a.txt", text_of(rec, layout="txt")), ("a.md", text_of(rec, layout="md")),
                  ("b.txt", text_of(copy, layout="txt", seed=3))], workers=1)
    ids = store.reports().set_index("source_name")["id"].astype(int).to_dict()
    g13 = store.findings().query("rule == 'G13'").set_index("report_id")
    assert sorted(g13.index) == sorted(ids.values())  # one finding per report, naming its group
    # another agency's statistics: a warning pointing at that agency's report
    assert (g13.loc[ids["b.txt"], "severity"], g13.loc[ids["b.txt"], "related_report_id"]) == ("warning", ids["a.txt"])
    assert (g13.loc[ids["a.txt"], "severity"], g13.loc[ids["a.txt"], "related_report_id"]) == ("warning", ids["b.txt"])
    a_msg = g13.loc[ids["a.txt"], "message"]
    assert "与本机关另1份文件的统计数据完全相同，同一份2023年度报告存有2份文件" in a_msg  # the same report in another file
    assert "与洪泽区统计局2023年度报告的统计数据完全相同，可能照抄了其他机关的报告" in a_msg
    assert "#" not in "".join(g13["message"])  # ids are for links (related_report), not for the agency's notice
    # the same agency's second file is not counted twice in the region's figures
    stats = store.region_stats("洪泽区", 2023)
    assert stats.duplicates == 1 and len(stats.members) == 2


def test_the_same_report_in_several_files_is_a_note(dbs):
    store = dbs.store()
    rec = record("洪泽区审计局", "洪泽区", 2023, "department", seed=22)
    store.ingest([(f"a.{layout}", text_of(rec, layout=layout)) for layout in ("txt", "md")], workers=1)
    g13 = store.findings().query("rule == 'G13'")
    assert list(g13["severity"]) == ["info", "info"] and all("与本机关另1份文件的统计数据完全相同，同一份2023年度报告存有2份文件" in m for m in g13["message"])


def test_many_copies_make_one_finding_each_not_one_per_pair(dbs):
    """570 uploads of one table made 311,980 findings (n·(n-1)); n copies now make n,
    each naming its group (the first few ids and how many there are)."""
    store = dbs.store()
    n = 24
    files = []
    for i in range(n):
        rec = record("洪泽区审计局", "洪泽区", 2023, "department", seed=23)
        rec.agency = f"测试{i}镇人民政府"
        files.append((f"copy{i:02}.txt", text_of(rec, layout="txt", seed=i)))
    summary = store.ingest(files, workers=1)
    assert summary.new == n
    g13 = store.findings().query("rule == 'G13'")
    assert summary.cross_findings == len(g13) == n and g13["report_id"].is_unique
    ids = sorted(store.reports()["id"].astype(int))
    first = g13.set_index("report_id").loc[ids[0]]
    assert first.severity == "warning" and int(first.related_report_id) == ids[1]
    assert f"与测试1镇人民政府等{n - 1}个机关的{n - 1}份报告的" in first.message and "#" not in first.message
    assert max(len(m) for m in g13["message"]) < 200  # bounded, whatever the size of the group
    store.crosscheck(everything=True)  # recomputed: the same, not more
    assert len(store.findings().query("rule == 'G13'")) == n


def test_cross_checks_are_recomputable(dbs):
    store = dbs.store()
    before, after = _pair(carry_matches=False, seed=9)
    store.ingest(_files(before, after), workers=1)
    first = store.findings().query("scope == 'cross'")[["report_id", "rule", "message", "signature"]]
    store.crosscheck(everything=True)
    again = store.findings().query("scope == 'cross'")[["report_id", "rule", "message", "signature"]]
    assert len(first) > 0 and first.reset_index(drop=True).equals(again.reset_index(drop=True))


@needs_shared
def test_real_pair_is_paired(dbs):
    store = dbs.store()
    paths = [REAL / "hongze_2023.pdf", REAL / "hongze_2024.pdf"]
    summary = store.ingest([str(p) for p in paths], workers=1)
    assert (summary.new, summary.failed) == (2, 0)
    listed = store.reports().set_index("year")
    assert listed.loc[2023, "agency_id"] == listed.loc[2024, "agency_id"]
    assert listed.loc[2024, "agency"] == "洪泽区人民政府" and listed.loc[2024, "region"] == "淮安市"
    old, new = int(listed.loc[2023, "id"]), int(listed.loc[2024, "id"])
    assert store.previous(new) == old
    before, after = nianbao.parse(paths[0]), nianbao.parse(paths[1])
    assert crossyear_findings(after, before) == []  # the real pair agrees across the years ...
    assert store.report_findings(new, scope="cross") == []
    comp = store.compare("洪泽区人民政府", [2023, 2024])
    assert comp.years == [2023, 2024]
    # ... so pair the real 2024 report with a 2023 one whose 现行有效件数 is off by one:
    # the stored cross findings are those of the pair, and there are some
    tampered = copy.deepcopy(before)
    tampered.table2["normative_documents"]["in_force"] += 1
    other = dbs.store()
    other.ingest([("洪泽区_2023.txt", text_of(tampered, seed=1)), ("洪泽区_2024.pdf", paths[1].read_bytes())], workers=1)
    ids = {int(y): int(i) for y, i in zip(other.reports()["year"], other.reports()["id"])}
    assert other.previous(ids[2024]) == ids[2023]
    direct = crossyear_findings(after, nianbao.parse(text_of(tampered, seed=1)))
    stored = [f for f in other.report_findings(ids[2024], scope="cross") if f.rule != "G13"]
    assert "T2.3" in {f.rule for f in direct}
    assert sorted(f.message for f in stored) == sorted(f.message for f in direct)
