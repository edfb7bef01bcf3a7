"""The XLSX 填报表 (layout, locking, validation, formulas, live check) and the `template`
and `draft` commands."""
from __future__ import annotations

import io
import json
import random

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from tests.support.draft_util import evaluate, fill_form, sum_refs
from nianbao import draft, parse
from nianbao.formats import templates as T
from nianbao.cli import main
from nianbao.draft.form import COVER_SHEET, sheet_layouts
from nianbao.errors import UnreadableInput
from nianbao.synth import break_record, random_record
from tests.support.roundtrip_util import differences


@pytest.fixture(scope="module", params=["2021", "2019"])
def form(request):
    year = 2024 if request.param == "2021" else 2020
    data = draft.write_form(year, "寺口镇人民政府", "栖霞市")
    return request.param, year, data, load_workbook(io.BytesIO(data))


def _merged(ws) -> dict[str, tuple[int, int]]:
    return {r.coord.split(":")[0]: (r.max_row - r.min_row + 1, r.max_col - r.min_col + 1) for r in ws.merged_cells.ranges}


def test_the_form_has_the_official_tables_with_merged_headers_and_labels(form):
    tid, year, _, wb = form
    assert wb.sheetnames[:4] == [COVER_SHEET, "表二", "表三", "表四"]
    for lay in sheet_layouts(tid):
        ws = wb[lay.name]
        sec = T.SECTION_BY_KEY[{"table2": "proactive", "table3": "requests", "table4": "appeals"}[lay.table]]
        assert ws["A1"].value == sec.title
        merged = _merged(ws)
        for r, row in enumerate(lay.grid.rows):
            for c, cell in row:
                coord = ws.cell(4 + r, c + 1).coordinate
                if cell.rowspan > 1 or cell.colspan > 1:
                    assert merged[coord] == (cell.rowspan, cell.colspan), (lay.name, cell.text)
                if cell.path is None:
                    assert ws[coord].value == cell.text
                    assert ws[coord].protection.locked
    t3 = wb["表三"]
    assert t3["A4"].value == T.T3_NOTE and _merged(t3)["A4"] == (3, 3)
    printed = {cell.value for row in t3.iter_rows() for cell in row if cell.value}
    tpl = T.TEMPLATES[tid]
    assert {row.title for row in tpl.table3_rows} <= printed
    assert {g.title for g in T.T3_GROUPS.values() if any(r.group == g.key for r in tpl.table3_rows)} <= printed
    assert any(T.t2_field_label(tid, "admin_fees", f.key) == wb["表二"].cell(r, 2).value
               for r in range(4, 30) for f in tpl.table2[3].fields)
    cover = wb[COVER_SHEET]
    assert cover["B3"].value == "寺口镇人民政府" and cover["B4"].value == "栖霞市" and cover["B5"].value == year
    assert not cover["B3"].protection.locked and cover["B5"].protection.locked
    assert all(wb[name].protection.sheet for name in wb.sheetnames)


def test_inputs_are_unlocked_with_validation_by_kind_and_totals_are_locked_formulas(form):
    tid, _, _, wb = form
    specs = {s.path: s for s in draft.template_cells(tid)}
    seen_kinds = set()
    for lay in sheet_layouts(tid):
        ws = wb[lay.name]
        validations = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                for row in ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]:
                    for cell in row:
                        validations[cell.coordinate] = dv
        for path, coord in lay.cells.items():
            spec, cell = specs[path], ws[coord]
            if spec.computed:
                assert cell.protection.locked and isinstance(cell.value, str) and cell.value.startswith("=SUM(")
                assert sorted(sum_refs(cell.value)) == sorted(lay.cells[p] for p in spec.parts), path
                assert coord not in validations
                continue
            assert not cell.protection.locked and cell.value is None
            dv = validations[coord]
            seen_kinds.add(spec.kind)
            if spec.kind == "count":
                assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
            elif spec.kind == "money":
                assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
            else:
                assert dv.type == "whole" and int(dv.formula1) < 0 < int(dv.formula2)
            assert dv.showErrorMessage and dv.error
    assert seen_kinds == ({"count", "money", "signed"} if tid == "2019" else {"count", "money"})


@pytest.mark.parametrize("seed", range(6))
def test_the_forms_formulas_reproduce_the_totals_and_the_live_check_flags_bad_columns(form, seed):
    tid, year, data, _ = form
    rng = random.Random(seed)
    rec = draft.build_record(draft.record_cells(random_record(rng, template=tid)), year=year, template=tid)
    wb = load_workbook(io.BytesIO(fill_form(data, rec)))
    layouts = {lay.table: lay for lay in sheet_layouts(tid)}
    values = draft.record_cells(rec)
    for lay in layouts.values():
        for path, coord in lay.cells.items():
            assert evaluate(wb[lay.name], coord) == values[path], path
    t3 = layouts["table3"]
    row = t3.check_row
    checks = [evaluate(wb["表三"], wb["表三"].cell(row, 4 + c).coordinate) for c in range(T.T3_WIDTH)]
    assert checks == ["✔"] * T.T3_WIDTH
    wb["表三"][t3.cells["table3.carried_forward[2]"]] = values["table3.carried_forward[2]"] + 2
    checks = [evaluate(wb["表三"], wb["表三"].cell(row, 4 + c).coordinate) for c in range(T.T3_WIDTH)]
    assert checks[2] == "✘-2" and checks[6] == "✘-2" and checks.count("✔") == T.T3_WIDTH - 2
    assert "COUNTIF('表三'!" in wb[COVER_SHEET]["B8"].value


@pytest.mark.parametrize("blank_zeros", [False, True])
def test_a_filled_form_reads_back_to_the_record(form, blank_zeros):
    tid, year, data, _ = form
    rec = draft.build_record(draft.record_cells(random_record(random.Random(5), template=tid)), year=year, template=tid)
    got = draft.read_form(fill_form(data, rec, blank_zeros=blank_zeros))
    assert (got.year, got.template, got.agency, got.region) == (year, tid, "寺口镇人民政府", "栖霞市")
    computed = {s.path for s in draft.template_cells(tid) if s.computed}
    assert all(got.cells[p] is None for p in computed)
    again = draft.build_record(got.cells, year=got.year, template=got.template)
    assert differences(again, rec, meta=False) == []


def test_a_total_typed_over_its_formula_is_kept_and_checked(form):
    tid, year, data, _ = form
    wb = load_workbook(io.BytesIO(data))
    lay = sheet_layouts(tid)[1]
    wb["表三"][lay.cells["table3.granted[0]"]] = 2
    wb["表三"][lay.cells["table3.granted[6]"]] = 5
    buf = io.BytesIO()
    wb.save(buf)
    got = draft.read_form(buf.getvalue())
    assert got.cells["table3.granted[6]"] == 5
    rep = draft.build_record(got.cells, year=year, template=tid)
    assert "T3.2" in {f.rule for f in draft.gate(rep).errors}


def test_an_altered_or_foreign_workbook_is_refused(form):
    tid, _, data, _ = form
    wb = load_workbook(io.BytesIO(data))
    label = T.TEMPLATES[tid].t3_row("denied_state_secret").title
    coord = next(c for c, text in sheet_layouts(tid)[1].labels.items() if text == label)
    wb["表三"][coord] = "随便写的"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(UnreadableInput) as exc:
        draft.read_form(buf.getvalue())
    assert "被改动" in exc.value.message_zh and coord in exc.value.message_zh
    plain = io.BytesIO()
    Workbook().save(plain)
    with pytest.raises(UnreadableInput) as exc:
        draft.read_form(plain.getvalue())
    assert "nianbao template" in exc.value.message_zh
    with pytest.raises(UnreadableInput):
        draft.read_form(data[: len(data) // 2])


# --------------------------------------------------------------------------- the commands


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A 2024 form written by `nianbao template` and filled from a random record."""
    tmp = tmp_path_factory.mktemp("form")
    result = invoke("template", "--year", "2024", "--out", str(tmp / "填报表.xlsx"))
    assert result.exit_code == 0, result.output
    assert "已写入" in result.stderr
    rec = draft.build_record(draft.record_cells(random_record(random.Random(21), template="2021")), year=2024,
                             agency="寺口镇人民政府", region="栖霞市")
    (tmp / "filled.xlsx").write_bytes(fill_form((tmp / "填报表.xlsx").read_bytes(), rec, blank_zeros=True))
    return tmp, rec


@pytest.mark.parametrize("suffix", [".docx", ".html", ".md"])
def test_draft_from_the_filled_form_parses_back_to_the_same_numbers(filled, suffix):
    tmp, rec = filled
    out = tmp / f"年度报告{suffix}"
    result = invoke("draft", str(tmp / "filled.xlsx"), "--agency", "寺口镇人民政府", "--region", "栖霞市", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    got = parse(out)
    assert differences(got, rec) == []
    assert got.agency == "寺口镇人民政府" and got.region == "栖霞市" and got.year == 2024


def test_draft_refuses_a_form_with_errors_and_writes_nothing_unless_forced(filled):
    tmp, rec = filled
    wb = load_workbook(tmp / "filled.xlsx")
    lay = sheet_layouts("2021")[1]
    wb["表三"][lay.cells["table3.carried_forward[0]"]] = rec.table3["carried_forward"][0] + 4
    wb.save(tmp / "bad.xlsx")
    out = tmp / "bad.docx"
    result = invoke("draft", str(tmp / "bad.xlsx"), "--agency", "寺口镇人民政府", "--region", "栖霞市", "--out", str(out))
    assert result.exit_code == 1
    assert "T3.1" in result.stderr and "未生成报告" in result.stderr and "--force" in result.stderr
    assert not out.exists()
    result = invoke("draft", str(tmp / "bad.xlsx"), "--agency", "寺口镇人民政府", "--region", "栖霞市", "--out", str(out),
                    "--force")
    assert result.exit_code == 0 and out.exists()
    got = parse(out)
    assert got.table3["carried_forward"][0] == rec.table3["carried_forward"][0] + 4
    assert "T3.1" in "".join(got.lines)


def test_draft_from_a_record_with_previous_year_prefill_and_warnings(tmp_path):
    rng = random.Random(8)
    last = draft.build_record(draft.record_cells(random_record(rng, template="2021", year=2023)), year=2023,
                              agency="寺口镇人民政府", region="栖霞市")
    last.table3["carried_forward"] = [3, 1, 0, 0, 0, 0, 4]
    (tmp_path / "2023.json").write_text(last.to_json(), encoding="utf-8")
    now = draft.build_record({}, year=2024, agency="寺口镇人民政府", region="栖霞市").record()
    del now["table3"]["carried_over"]
    now["table3"]["new_received"] = [5, 0, 0, 0, 0, 0, 5]
    now["table3"]["granted"] = [8, 1, 0, 0, 0, 0, 9]
    now["table3"]["results_total"] = [8, 1, 0, 0, 0, 0, 9]
    (tmp_path / "2024.json").write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
    result = invoke("draft", str(tmp_path / "2024.json"), "--format", "md", "--previous", str(tmp_path / "2023.json"))
    assert result.exit_code == 0, result.stderr
    assert "已按2023年度报告预填" in result.stderr
    got = parse(result.stdout.encode("utf-8"))
    assert got.table3["carried_over"] == [3, 1, 0, 0, 0, 0, 4]
    # a number that contradicts last year is kept, with a warning
    now["table3"]["carried_over"] = [2, 1, 0, 0, 0, 0, 3]
    now["table3"]["carried_forward"] = [0, 0, 0, 0, 0, 0, 0]
    now["table3"]["granted"] = [7, 1, 0, 0, 0, 0, 8]
    now["table3"]["results_total"] = [7, 1, 0, 0, 0, 0, 8]
    (tmp_path / "2024.json").write_text(json.dumps(now, ensure_ascii=False), encoding="utf-8")
    result = invoke("draft", str(tmp_path / "2024.json"), "--out", str(tmp_path / "2024.html"),
                    "--previous", str(tmp_path / "2023.json"))
    assert result.exit_code == 0, result.stderr
    assert "T3.6" in result.stderr and "警告" in result.stderr
    assert parse(tmp_path / "2024.html").table3["carried_over"] == [2, 1, 0, 0, 0, 0, 3]


def test_template_prefills_last_years_carry_over_into_the_form(tmp_path):
    last = draft.build_record({"table3.new_received[0]": 4, "table3.granted[0]": 1, "table3.carried_forward[0]": 3},
                              year=2023, agency="寺口镇人民政府", region="栖霞市")
    (tmp_path / "2023.json").write_text(last.to_json(), encoding="utf-8")
    result = invoke("template", "--year", "2024", "--out", str(tmp_path / "f.xlsx"), "--previous", str(tmp_path / "2023.json"))
    assert result.exit_code == 0, result.stderr
    form = draft.read_form((tmp_path / "f.xlsx").read_bytes())
    assert form.cells["table3.carried_over[0]"] == 3 and form.cells["table3.carried_over[1]"] == 0


def test_bad_inputs_exit_2_with_a_chinese_message(tmp_path):
    (tmp_path / "x.json").write_text("[1, 2]", encoding="utf-8")
    result = invoke("draft", str(tmp_path / "x.json"), "--format", "md")
    assert result.exit_code == 2 and "错误" in result.stderr and "Traceback" not in result.output
    (tmp_path / "y.json").write_text(json.dumps({"table3": {"granted": ["x"] * 7}}), encoding="utf-8")
    result = invoke("draft", str(tmp_path / "y.json"), "--format", "md")
    assert result.exit_code == 2 and "年度" in result.stderr
    result = invoke("draft", str(tmp_path / "y.json"), "--format", "md", "--year", "2024", "--agency", "寺口镇人民政府")
    assert result.exit_code == 2 and "不是数字" in result.stderr
    result = invoke("draft", str(tmp_path / "y.json"))
    assert result.exit_code == 2 and "--out" in result.output
    result = invoke("template", "--year", "2010", "--out", str(tmp_path / "old.xlsx"))
    assert result.exit_code == 2 and "2019" in result.stderr and not (tmp_path / "old.xlsx").exists()


def test_an_existing_output_survives_a_refused_or_failed_draft(tmp_path):
    out = tmp_path / "report.md"
    out.write_text("旧内容", encoding="utf-8")
    rec = draft.build_record({}, year=2024, agency="寺口镇人民政府", region="栖霞市")
    bad, _ = break_record(random.Random(1), rec)
    (tmp_path / "bad.json").write_text(bad.to_json(), encoding="utf-8")
    result = invoke("draft", str(tmp_path / "bad.json"), "--out", str(out))
    assert result.exit_code == 1 and out.read_text(encoding="utf-8") == "旧内容"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_previous_can_be_a_stored_report_by_id(tmp_path):
    store_module = pytest.importorskip("nianbao.store")  # the store is an optional part of an installation
    last = draft.build_record({"table3.new_received[0]": 4, "table3.granted[0]": 1, "table3.carried_forward[0]": 3},
                              year=2023, agency="寺口镇人民政府", region="栖霞市")
    (tmp_path / "2023.md").write_bytes(draft.render(last, "md"))
    db = str(tmp_path / "reports.db")
    with store_module.Store(db) as store:
        (report_id,) = store.ingest([str(tmp_path / "2023.md")]).report_ids
    wb = load_workbook(io.BytesIO(draft.write_form(2024, "寺口镇人民政府", "栖霞市")))
    wb["表三"][sheet_layouts("2021")[1].cells["table3.granted[0]"]] = 3  # last year's three, closed this year
    wb.save(tmp_path / "f.xlsx")
    result = invoke("draft", str(tmp_path / "f.xlsx"), "--previous", str(report_id), "--db", db,
                    "--out", str(tmp_path / "2024.md"))
    assert result.exit_code == 0, result.stderr
    assert "已按2023年度报告预填" in result.stderr and "警告" not in result.stderr
    assert parse(tmp_path / "2024.md").table3["carried_over"][0] == 3
    result = invoke("draft", str(tmp_path / "f.xlsx"), "--previous", "999", "--db", db, "--format", "md")
    assert result.exit_code == 2 and "999" in result.stderr
    result = invoke("draft", str(tmp_path / "f.xlsx"), "--previous", "1", "--db", str(tmp_path / "none.db"), "--format", "md")
    assert result.exit_code == 2 and "--db" in result.stderr and not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("seed", range(8))
def test_forms_filled_with_random_numbers_make_drafts_that_parse_back(form, seed):
    tid, year, data, _ = form
    rec = draft.build_record(draft.record_cells(random_record(random.Random(400 + seed), template=tid)), year=year,
                             agency="寺口镇人民政府", region="栖霞市", template=tid)
    got = draft.read_form(fill_form(data, rec, blank_zeros=seed % 2 == 1))
    report = draft.build_record(got.cells, year=got.year, agency=got.agency, region=got.region, template=got.template)
    assert draft.gate(report).passed
    assert differences(parse(draft.render(report, "docx")), rec) == []


def test_draft_needs_an_agency(tmp_path):
    (tmp_path / "f.xlsx").write_bytes(draft.write_form(2024))
    result = invoke("draft", str(tmp_path / "f.xlsx"), "--format", "md")
    assert result.exit_code == 2 and "机关名称" in result.stderr
    result = invoke("draft", str(tmp_path / "f.xlsx"), "--format", "md", "--agency", "寺口镇人民政府", "--region", "栖霞市")
    assert result.exit_code == 0 and parse(result.stdout.encode()).agency == "寺口镇人民政府"
