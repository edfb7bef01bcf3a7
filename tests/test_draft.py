"""Drafting: numbers -> record (totals, zeros, canonical names), the check gate, the
previous year's pre-fill and contradictions, forced drafts, placeholders."""
from __future__ import annotations

import copy
import random

import pytest

from nianbao import draft, parse
from nianbao.formats import templates as T
from nianbao.errors import UnreadableInput, UnsupportedFormat
from nianbao.model import Report, cell_path
from nianbao.render.guidance import CLOSING_HEADING, is_placeholder
from nianbao.synth import break_record, random_record
from nianbao.formats.vocab import normalized
from tests.support.roundtrip_util import differences


def built(rec: Report, cells: dict | None = None, **kw) -> Report:
    return draft.build_record(draft.record_cells(rec) if cells is None else cells, year=rec.year, agency=rec.agency,
                              region=rec.region, template=rec.template, **kw)


def test_every_cell_of_each_template_is_listed_with_a_kind_and_totals_sum_their_parts():
    for tid, tpl in T.TEMPLATES.items():
        specs = draft.template_cells(tid)
        paths = [s.path for s in specs]
        assert len(paths) == len(set(paths))
        n2 = sum(len(b.fields) * len(b.rows) for b in tpl.table2)
        assert len(specs) == n2 + len(tpl.table3_rows) * T.T3_WIDTH + 15
        computed = {s.path: s.parts for s in specs if s.computed}
        # every row total, the （七）总计 row, the three table-四 totals
        assert len(computed) == len(tpl.table3_rows) + (T.T3_WIDTH - 1) + 3
        assert computed["table3.results_total[0]"] == tuple(f"table3.{k}[0]" for k in tpl.results_rows)
        assert computed["table4.review.total"] == tuple(f"table4.review.{k}" for k in ("upheld", "corrected", "other", "pending"))
    kinds = {s.path: s.kind for s in draft.template_cells("2019")}
    assert kinds["table2.licensing.change"] == "signed" and kinds["table2.procurement.amount"] == "money"
    assert {s.kind for s in draft.template_cells("2021") if s.table != "table2"} == {"count"}


@pytest.mark.parametrize("seed", range(40))
def test_a_complete_record_comes_back_unchanged(seed):
    rec = random_record(random.Random(seed))
    got = built(rec)
    assert differences(got, rec) == []
    assert "prefilled" not in got.extras


def test_empty_cells_become_zero_and_empty_totals_are_computed():
    cells = {"table3.new_received[0]": 5, "table3.new_received[1]": "2", "table3.granted[0]": 4,
             "table3.granted[1]": 2, "table3.carried_forward[0]": 1, "table4.review.upheld": 1,
             "table4.review.pending": 2, "table2.admin_fees.amount": "3.50"}
    rep = draft.build_record(cells, year=2024)
    assert rep.template == "2021"
    assert rep.table3["new_received"] == [5, 2, 0, 0, 0, 0, 7]
    assert rep.table3["results_total"] == [4, 2, 0, 0, 0, 0, 6]
    assert rep.table3["carried_over"] == [0] * 7
    assert rep.table4["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 2, "total": 3}
    assert rep.table2["admin_fees"] == {"amount": 3.5}
    assert rep.table2["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert set(rep.table3) == set(T.TEMPLATE_2021.table3_keys)
    assert draft.gate(rep).passed


def test_a_typed_total_is_kept_and_the_gate_refuses_it_when_it_does_not_add_up():
    rep = draft.build_record({"table3.granted[0]": 3, "table3.granted[6]": 4, "table3.new_received[0]": 3}, year=2023)
    assert rep.table3["granted"][6] == 4
    result = draft.gate(rep)
    assert not result.passed
    assert {"T3.2", "T3.3"} <= {f.rule for f in result.errors}


def test_strings_as_typed_are_numbers_and_anything_else_is_refused_in_chinese():
    assert [draft.parse_number(v) for v in ("１２", " 1,200 ", "+3", "-2", "0.50", "", None, 7.0)] == [12, 1200, 3, -2, 0.5,
                                                                                                       None, None, 7]
    with pytest.raises(UnreadableInput) as exc:
        draft.build_record({"table3.granted[0]": "十二"}, year=2024)
    assert "不是数字" in exc.value.message_zh and "予以公开" in exc.value.message_zh
    with pytest.raises(UnreadableInput) as exc:
        draft.build_record({"table2.procurement.amount": 3}, year=2024)  # a 2019-only cell
    assert "没有这些单元格" in exc.value.message_zh
    with pytest.raises(UnsupportedFormat):
        draft.build_record({}, year=2015)


def test_negative_and_fractional_counts_are_errors_but_a_signed_change_may_be_negative():
    rep = draft.build_record({"table3.granted[1]": -1, "table2.penalty.decisions": 2.5}, year=2022)
    rules = {f.rule for f in draft.gate(rep).errors}
    assert "T3.4" in rules and "T2.1" in rules
    ok = draft.build_record({"table2.licensing.prev_count": 5, "table2.licensing.change": -3}, year=2020)
    assert ok.template == "2019" and ok.table2["licensing"]["change"] == -3
    assert draft.gate(ok).passed
    bad = draft.build_record({"table2.licensing.prev_count": 1, "table2.licensing.change": -3}, year=2020)
    assert "T2.7" in {f.rule for f in draft.gate(bad).errors}


@pytest.mark.parametrize(("agency", "region", "expected"), [
    ("寺口镇人民政府", "栖霞市", ("寺口镇人民政府", "栖霞市", "township")),
    ("栖霞市寺口镇人民政府", None, ("寺口镇人民政府", "栖霞市", "township")),
    ("教育局", "栖霞市", ("栖霞市教育局", None, "department")),  # its area is in its name
    ("栖霞市教育局", "栖霞市", ("栖霞市教育局", None, "department")),
    ("栖霞市人民政府", "烟台市", ("栖霞市人民政府", "烟台市", "county")),
    (None, None, (None, None, None)),
])
def test_agency_and_region_are_written_as_a_reader_reads_them_back(agency, region, expected):
    assert draft.canonical_agency(agency, region) == expected


@pytest.mark.parametrize("seed", range(60))
def test_the_gate_passes_valid_records_and_stops_each_broken_one(seed):
    rng = random.Random(seed)
    rec = built(random_record(rng))
    assert draft.gate(rec).errors == []
    bad, rule = break_record(rng, rec)
    result = draft.gate(bad)
    assert rule in {f.rule for f in result.errors}
    assert all(f.severity == "error" and f.message for f in result.errors)


def test_the_gate_judges_the_document_with_its_six_sections_and_statistical_period():
    rep = draft.build_record({}, year=2024, agency="寺口镇人民政府", region="栖霞市")
    view = draft.document_view(rep)
    assert [s.key for s in view.sections] == [s.key for s in T.SECTIONS]
    assert "统计期限自2024年1月1日起至2024年12月31日止" in "\n".join(view.lines)
    assert draft.gate(rep).errors == [] and draft.gate(rep).warnings == []


def test_personal_information_in_the_prose_stops_the_draft():
    rep = draft.build_record({}, year=2024, agency="寺口镇人民政府", region="栖霞市")
    prose = {"overview": "本年度收到张三（身份证号370686198805061234，手机13912345678）的申请。"}
    assert "G8" in {f.rule for f in draft.gate(rep, prose=prose).errors}


def test_placeholders_name_what_each_prose_section_must_cover():
    gov = draft.build_record({}, year=2024, agency="寺口镇人民政府", region="栖霞市")
    dept = draft.build_record({}, year=2024, agency="栖霞市教育局", region="栖霞市")
    gov_text, dept_text = draft.full_prose(gov), draft.full_prose(dept)
    for key in ("overview", "problems", "other"):
        assert is_placeholder(gov_text[key])
    assert "工作考核、社会评议和责任追究结果" in gov_text["overview"]
    assert "工作考核" not in dept_text["overview"]
    assert "信息处理费" in gov_text["other"]
    written = draft.full_prose(gov, {"problems": "我们改进了目录。"})
    assert written["problems"] == "我们改进了目录。" and is_placeholder(written["overview"])


# --------------------------------------------------------------------------- previous year


def _pair(seed: int, template: str = "2021") -> tuple[Report, Report]:
    rng = random.Random(seed)
    last = random_record(rng, template=template)
    now = random_record(rng, template=template, year=last.year + 1)
    now.agency, now.region, now.agency_level = last.agency, last.region, last.agency_level
    return built(last), now


@pytest.mark.parametrize("seed", range(10))
def test_previous_year_prefills_carried_over_and_in_force_where_left_empty(seed):
    last, now = _pair(seed)
    if now.year > 2021 + 4:
        now.year = last.year + 1
    cells = draft.record_cells(now)
    for c in range(T.T3_WIDTH):
        cells.pop(cell_path("table3", "carried_over", c))
    cells.pop("table2.normative_documents.in_force")
    rep = built(now, cells, previous=last)
    assert rep.table3["carried_over"][:6] == last.table3["carried_forward"][:6]
    assert rep.table3["carried_over"][6] == sum(rep.table3["carried_over"][:6])
    docs, before = rep.table2["normative_documents"], last.table2["normative_documents"]
    assert docs["in_force"] == before["in_force"] + docs["issued"] - docs["repealed"]
    assert rep.table2["regulations"]["in_force"] == now.table2["regulations"]["in_force"]  # typed: kept
    assert "table2.normative_documents.in_force" in rep.extras["prefilled"]
    warnings = {f.rule for f in draft.gate(rep, last).warnings}
    assert "T3.6" not in warnings and not any(f.location.get("row") == "normative_documents"
                                               for f in draft.gate(rep, last).warnings if f.rule == "T2.3")


def test_previous_year_contradictions_are_warnings_not_errors():
    last, now = _pair(3)
    now.table3["carried_over"] = [v + 1 for v in last.table3["carried_forward"][:6]] + [0]
    now.table3["carried_over"][6] = sum(now.table3["carried_over"][:6])
    rep = built(now, previous=last)
    assert rep.table3["carried_over"] == now.table3["carried_over"]  # typed numbers are never overwritten
    result = draft.gate(rep, last)
    t36 = [f for f in result.warnings if f.rule == "T3.6"]
    assert len(t36) == T.T3_WIDTH
    assert all(f.expected == last.table3["carried_forward"][i] for i, f in enumerate(t36))


def test_2019_prefills_last_years_item_count_plus_change():
    last, now = _pair(1, "2019")
    now.year = 2020
    last.year = 2019
    cells = draft.record_cells(now)
    cells.pop("table2.penalty.prev_count")
    rep = built(now, cells, previous=last)
    before = last.table2["penalty"]
    assert rep.table2["penalty"]["prev_count"] == before["prev_count"] + before["change"]


def test_a_previous_report_of_another_year_or_agency_is_pointed_out():
    last, now = _pair(2)
    other = copy.deepcopy(last)
    other.year = now.year - 3
    other.agency = "别的机关"
    messages = [f.message for f in draft.gate(built(now), other).warnings if f.rule == "D1"]
    assert len(messages) == 2 and any(str(now.year - 1) in m for m in messages)


def test_previous_can_be_a_record_file_or_any_report_file(tmp_path):
    last, _ = _pair(4)
    (tmp_path / "last.json").write_text(last.to_json(), encoding="utf-8")
    (tmp_path / "last.md").write_bytes(draft.render(last, "md"))
    for name in ("last.json", "last.md"):
        got = draft.load_previous(str(tmp_path / name))
        assert got.table3 == last.table3 and got.year == last.year
    with pytest.raises(UnreadableInput):
        draft.load_previous(str(tmp_path / "missing.json"))


# --------------------------------------------------------------------------- forced drafts


@pytest.mark.parametrize("fmt", draft.FORMATS)
def test_a_forced_draft_lists_its_errors_at_the_end_and_still_prints_its_numbers(fmt):
    rng = random.Random(11)
    bad, rule = break_record(rng, built(random_record(rng, template="2021")))
    result = draft.gate(bad)
    assert rule in {f.rule for f in result.errors}
    data = draft.render(bad, fmt, notes=result.notes())
    parsed = parse(data)
    assert differences(parsed, bad) == []
    text = "".join(parsed.lines).replace(" ", "")
    heading = normalized(CLOSING_HEADING)
    assert heading in text
    tail = text[text.index(heading):]
    for f in result.errors:
        assert normalized(f.message) in tail
    clean = parse(draft.render(bad, fmt))
    assert heading not in "".join(clean.lines).replace(" ", "")


def test_a_copied_problems_section_is_flagged_but_two_placeholders_are_not():
    last, now = _pair(6)
    text = "政策解读形式还不够丰富，解读材料质量有待提高。部分栏目更新不够及时，信息发布的规范性还需加强。下一步将逐项整改。"
    last_view = draft.document_view(last, {"problems": text})
    rep = built(now)
    assert "G6" in {f.rule for f in draft.gate(rep, last_view, {"problems": text}).warnings}
    assert "G6" not in {f.rule for f in draft.gate(rep, draft.document_view(last)).warnings}
