"""Exports (CSV, JSON, Parquet, the XLSX workbook with the official layout) and the 问题清单
(XLSX, DOCX), on SQLite and PostgreSQL: what is written is what the store holds."""
from __future__ import annotations

import io
import json
import random
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nianbao.formats import templates as T
from nianbao.exports import ReportFilter, build_issues, export_data, issues_docx, issues_xlsx, write_issues
from nianbao.errors import UnsupportedFormat
from nianbao.exports import xlsx as xlsx_writer
from nianbao.model import Report
from nianbao.render.layout import report_grids
from nianbao.rules import catalogue
from nianbao.store.records import fill_tables, table_values
from nianbao.synth import break_record

from tests.support.store_util import DIALECTS, Databases, record, text_of

REGION = "淮安市"


def _corpus() -> list[tuple[str, bytes]]:
    """A region over two years (one report stored twice, one with errors), an agency
    elsewhere, and a file that cannot be read."""
    items = []
    specs = [("洪泽区审计局", "洪泽区", "department", 2023), ("洪泽区审计局", "洪泽区", "department", 2024),
             ("岔河镇人民政府", "洪泽区", "township", 2024), ("淮安区教育局", "淮安区", "department", 2024),
             ("淮安区教育局", "淮安区", "department", 2023), ("栖霞市民政局", "栖霞市", "department", 2024)]
    for i, (agency, region, level, year) in enumerate(specs):
        rec = record(agency, region, year, level, seed=100 + i)
        if (agency, year) == ("淮安区教育局", 2024):
            rec, _ = break_record(random.Random(3), rec)
        items.append((f"{agency}_{year}.txt", text_of(rec, seed=i)))
    again = record("岔河镇人民政府", "洪泽区", 2024, "township", seed=102)
    items.append(("岔河镇人民政府_2024_网页版.md", text_of(again, seed=9, layout="md")))  # the same report, other bytes
    items.append(("broken.pdf", b"%PDF-1.4\n%truncated"))
    return items


@pytest.fixture(scope="module", params=DIALECTS)
def store(request, tmp_path_factory):
    dbs = Databases(request.param, tmp_path_factory.mktemp("exports"))
    s = dbs.store()
    summary = s.ingest(_corpus(), workers=1)
    assert summary.new == 8 and summary.failed == 1
    yield s
    dbs.close()


def same(written: pd.DataFrame, stored: pd.DataFrame) -> None:
    """Equal values (types may differ: a CSV has no nullable integers)."""
    assert list(written.columns) == list(stored.columns)
    assert len(written) == len(stored)
    for col in stored.columns:
        a, b = written[col].reset_index(drop=True), stored[col].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            np.testing.assert_allclose(pd.to_numeric(a, errors="coerce").astype(float), b.astype(float),
                                       equal_nan=True, err_msg=col)
        else:
            assert [None if pd.isna(x) else str(x) for x in a] == [None if pd.isna(x) else str(x) for x in b], col


def read_csv_like(raw: bytes | str, stored: pd.DataFrame) -> pd.DataFrame:
    """A CSV read with the text columns of `stored` as text ("2021" is a template, not a number)."""
    text = [c for c in stored.columns if not pd.api.types.is_numeric_dtype(stored[c])]
    data = io.BytesIO(raw) if isinstance(raw, bytes) else io.StringIO(raw)
    return pd.read_csv(data, encoding="utf-8-sig", dtype={c: "str" for c in text})


def read_excel_like(path, sheet: str, stored: pd.DataFrame) -> pd.DataFrame:
    """A sheet of an exported workbook (column keys in its second row), text columns as text."""
    text = [c for c in stored.columns if not pd.api.types.is_numeric_dtype(stored[c])]
    return pd.read_excel(path, sheet_name=sheet, header=1, dtype={c: "str" for c in text})


# --------------------------------------------------------------------------- data files


@pytest.mark.parametrize("shape", ["wide", "long"])
def test_parquet_csv_json_hold_the_stores_frames(store, tmp_path, shape):
    read = store.wide if shape == "wide" else store.long
    for sel, filters in ((ReportFilter(), {}), (ReportFilter(region=REGION, years=(2024,)), {"region": REGION, "year": 2024})):
        stored = read(**filters)
        assert len(stored)
        pq = tmp_path / f"{shape}.parquet"
        summary = export_data(store, pq, sel, shape=shape)
        assert summary.rows == len(stored)
        back = pd.read_parquet(pq)
        same(back, stored)
        assert str(back["year"].dtype) == "Int64"  # nullable integers survive the round trip
        export_data(store, tmp_path / f"{shape}.csv", sel, shape=shape)
        raw = (tmp_path / f"{shape}.csv").read_bytes()
        assert raw.startswith("\ufeff".encode())  # Excel reads the Chinese
        assert not re.search(rb"(^|,)\d+\.0(,|$)", raw, re.M)  # counts as 183, not 183.0
        same(read_csv_like(raw, stored), stored)
        export_data(store, tmp_path / f"{shape}.json", sel, shape=shape)
        rows = json.loads((tmp_path / f"{shape}.json").read_text(encoding="utf-8"))
        same(pd.DataFrame(rows, columns=list(stored.columns)), stored)


def test_filters_errors_level_and_slices(store, tmp_path):
    errors = export_data(store, tmp_path / "e.parquet", ReportFilter(errors_only=True))
    back = pd.read_parquet(tmp_path / "e.parquet")
    listed = store.reports()
    assert errors.reports == int((listed["n_errors"] > 0).sum()) >= 1
    assert (back["n_errors"] > 0).all() and "淮安区教育局" in set(back["agency"])
    export_data(store, tmp_path / "t.parquet", ReportFilter(region=REGION, level="township"))
    assert set(pd.read_parquet(tmp_path / "t.parquet")["agency"]) == {"岔河镇人民政府"}
    chosen = tuple(int(i) for i in listed["id"][:2])  # what a web page shows
    export_data(store, tmp_path / "ids.parquet", ReportFilter(ids=chosen))
    assert sorted(pd.read_parquet(tmp_path / "ids.parquet")["id"]) == sorted(chosen)
    one = build_issues(store, ReportFilter(ids=chosen[:1]), reviewed=False)
    assert one.reports == 1 and {i.report_id for g in one.agencies for i in g.issues} <= {chosen[0]}
    # many small slices (one without any cell) make one file with one schema
    from nianbao.exports.frames import frames
    from nianbao.exports.tabular import write_parquet

    small = list(frames(store, listed["id"].tolist(), "long", chunk=1))  # a slice per report with cells
    assert len(small) == 7 and min(len(f) for f in small) > 0
    broken = list(frames(store, listed["id"][listed["status"] != "ok"].tolist(), "long"))  # broken.pdf: no cell
    assert len(broken) == 1 and broken[0].empty and list(broken[0].columns) == list(small[0].columns)
    with open(tmp_path / "slices.parquet", "wb") as out:
        assert write_parquet(iter(small[:3] + broken + small[3:]), out) == len(store.long())
    same(pd.read_parquet(tmp_path / "slices.parquet"), store.long())


def test_nothing_matching_is_an_error_and_writes_nothing(store, tmp_path):
    from nianbao.errors import StoreError, UnsupportedFormat

    with pytest.raises(StoreError, match="没有符合条件"):
        export_data(store, tmp_path / "none.xlsx", ReportFilter(region="没有这个地方"))
    with pytest.raises(UnsupportedFormat):
        export_data(store, tmp_path / "data.txt", ReportFilter())
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_no_file(store, tmp_path, monkeypatch):
    from nianbao import exports

    def broken(*args, **kwargs):
        yield store.wide().head(1)
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "frames", broken)
    (tmp_path / "old.csv").write_text("kept")
    with pytest.raises(RuntimeError):
        export_data(store, tmp_path / "old.csv", ReportFilter())
    assert [p.name for p in tmp_path.iterdir()] == ["old.csv"] and (tmp_path / "old.csv").read_text() == "kept"


# --------------------------------------------------------------------------- the workbook


def _block_start(ws, title: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == title:
            return row[0].row
    raise AssertionError(f"no block {title!r}")


def check_block(ws, start: int, template: str, values: dict[str, float]) -> int:
    """The three grids below row `start` hold `values` where the official layout puts them,
    and their merged cells are the layout's spans; returns the number of values checked."""
    rep = Report(template=template)
    fill_tables(rep, list(values.items()))
    merged = {str(r) for r in ws.merged_cells.ranges}
    row = start
    checked = 0
    for grid in report_grids(template, rep.table2, rep.table3, rep.table4):
        while ws.cell(row, 1).value != T.SECTION_BY_KEY[{"table2": "proactive", "table3": "requests",
                                                          "table4": "appeals"}[grid.name]].title:
            row += 1
        row += 1
        for r, grid_row in enumerate(grid.rows):
            for c, gc in grid_row:
                got = ws.cell(row + r, c + 1).value
                if gc.kind == "value":
                    want = values.get(gc.path)
                    assert (got is None and want is None) or got == pytest.approx(want), (gc.path, got, want)
                    checked += want is not None
                else:
                    assert got == gc.text
                if gc.rowspan > 1 or gc.colspan > 1:
                    ref = (f"{openpyxl.utils.get_column_letter(c + 1)}{row + r}:"
                           f"{openpyxl.utils.get_column_letter(c + gc.colspan)}{row + r + gc.rowspan - 1}")
                    assert ref in merged
        row += len(grid.rows)
    return checked


def test_workbook_of_a_region_holds_its_totals_in_the_official_layout(store, tmp_path):
    path = tmp_path / "region.xlsx"
    summary = export_data(store, path, ReportFilter(region=REGION, years=(2024,)), detail=True)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["统计表", "报告", "明细", "说明"]
    stats = store.region_stats(REGION, 2024)
    assert len(stats.members) == 3 and stats.duplicates == 1  # 岔河镇's second file counts once
    title = f"{REGION}2024年度合计"
    assert summary.detail == title
    totals = {p: float(v) for p, v in table_values(stats.totals).items() if v is not None}
    assert check_block(wb["统计表"], _block_start(wb["统计表"], title), stats.totals.template, totals) > 100
    stored = store.wide(region=REGION, year=2024)
    same(read_excel_like(path, "报告", stored), stored)
    assert wb["报告"].cell(1, 3).value == "机关" and wb["报告"].cell(2, 3).value == "agency"
    stored = store.long(region=REGION, year=2024)
    same(read_excel_like(path, "明细", stored).drop(columns=["label"]), stored)


def test_workbook_leaves_the_cells_out_unless_asked(store, tmp_path):
    path = tmp_path / "year.xlsx"
    summary = export_data(store, path, ReportFilter(region=REGION, years=(2024,)))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["统计表", "报告", "说明"] and summary.rows == 0
    about = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert "--detail" in about["明细"] and "--shape long" in about["明细"]
    stored = store.wide(region=REGION, year=2024)
    same(read_excel_like(path, "报告", stored), stored)
    with pytest.raises(UnsupportedFormat):
        export_data(store, tmp_path / "cells.csv", ReportFilter(), detail=True)
    assert not (tmp_path / "cells.csv").exists()


def test_workbook_of_a_few_reports_shows_each_one(store, tmp_path):
    path = tmp_path / "agency.xlsx"
    export_data(store, path, ReportFilter(agency="洪泽区审计局"))
    ws = openpyxl.load_workbook(path)["统计表"]
    listed = store.reports(agency="洪泽区审计局")
    assert list(listed["year"]) == [2023, 2024]
    for rid, year in zip(listed["id"], listed["year"]):
        rep = store.report(int(rid))
        start = _block_start(ws, f"洪泽区审计局{year}年度（报告编号 {rid}）")
        values = {p: float(v) for p, v in table_values(rep).items() if isinstance(v, (int, float))}
        assert check_block(ws, start, rep.template, values) > 100


def test_long_data_continues_on_further_sheets(store, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_writer, "MAX_ROWS", 250)
    path = tmp_path / "split.xlsx"
    summary = export_data(store, path, ReportFilter(region=REGION), detail=True)
    wb = openpyxl.load_workbook(path)
    parts = [n for n in wb.sheetnames if n.startswith("明细")]
    assert len(parts) == -(-summary.rows // 248) >= 3
    stored = store.long(region=REGION)
    rows = pd.concat([read_excel_like(path, n, stored) for n in parts], ignore_index=True)
    same(rows.drop(columns=["label"]), stored)


def test_xlsx_text_is_never_a_formula(tmp_path):
    out = io.BytesIO()
    book = xlsx_writer.Workbook(out)
    sheet = book.sheet("t")
    sheet.row(["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", -3, 2.5, None, "a\x01b<&>"])
    book.close()
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["t"]
    cells = [ws.cell(1, c) for c in range(1, 7)]
    assert [c.data_type for c in cells[:2]] == ["s", "s"]
    assert cells[0].value.startswith("=HYPERLINK") and cells[2].value == -3 and cells[3].value == 2.5
    assert cells[4].value is None and cells[5].value == "ab<&>"
    from nianbao.exports.output import guard_formula

    assert guard_formula("=1+1") == "'=1+1" and guard_formula("-3") == "-3" and guard_formula("@SUM(A1)") == "'@SUM(A1)"


@pytest.mark.parametrize("dtype", [None, object, "string", "category"])
def test_csv_guards_every_text_value_whatever_the_column_dtype(dtype):
    """pandas 2 gives text columns dtype object (pandas 3: str); a guard that picks columns
    by dtype missed them.  The guard goes by value."""
    import csv

    from nianbao.exports.tabular import write_csv

    names = ["+cmd|' C calc'!A0", "@SUM(1)", "=1+1", "\tx", "-3", "栖霞市", None]
    frame = pd.DataFrame({"name": pd.Series(names, dtype=dtype), "n": [1.0, 2.5, 3, 4, 5, 6, None]})
    out = io.BytesIO()
    assert write_csv([frame, frame.head(2)], out) == len(names) + 2
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows[0] == ["name", "n"]
    assert [r[0] for r in rows[1:]] == ["'+cmd|' C calc'!A0", "'@SUM(1)", "'=1+1", "'\tx", "-3", "栖霞市", "",
                                        "'+cmd|' C calc'!A0", "'@SUM(1)"]
    assert [r[1] for r in rows[1:3]] == ["1", "2.5"]
    assert list(frame["name"].head(6).astype(object)) == names[:6]  # the caller's frame is left as it was


# --------------------------------------------------------------------------- 问题清单


def _expected_findings(store, ids) -> pd.DataFrame:
    found = store.findings(ids=ids)
    return found[found["severity"].isin(["error", "warning"])]


def test_issue_list_groups_findings_by_agency(store, tmp_path):
    sel = ReportFilter(region=REGION, years=(2024,))
    issues = build_issues(store, sel, reviewed=False)
    listed = store.reports(region=REGION, year=2024)
    expected = _expected_findings(store, listed["id"].tolist())
    assert issues.title == f"{REGION}2024年度{T.REPORT_TITLE_WORDS[0]}问题清单"
    assert issues.reports == len(listed) == 4
    by_agency = {g.agency: g for g in issues.agencies}
    assert "淮安区教育局" in by_agency and by_agency["淮安区教育局"].count("error") >= 1
    for agency, part in expected.groupby("agency"):
        assert len(by_agency[agency].issues) == len(part)
        assert sorted(i.rule for i in by_agency[agency].issues) == sorted(part["rule"])
    assert sum(len(g.issues) for g in issues.agencies) == len(expected)
    rules = {r.id: r for r in catalogue()}
    for g in issues.agencies:
        assert [i.number for i in g.issues] == list(range(1, len(g.issues) + 1))
        assert "江苏省 › 淮安市" in g.where
        for i in g.issues:
            assert i.location and i.title == rules[i.rule].title
            assert i.explanation.startswith(rules[i.rule].description)
            if i.rule.startswith("T3"):
                assert i.location.startswith("表三") and i.expected and i.actual
    clean = {g.agency for g in issues.clean}
    assert clean | set(by_agency) == set(listed["agency"])


def test_issue_list_documents(store, tmp_path):
    issues = build_issues(store, ReportFilter(region=REGION), reviewed=False)
    bad = next(g for g in issues.agencies if g.agency == "淮安区教育局")
    wb = openpyxl.load_workbook(io.BytesIO(issues_xlsx(issues)))
    ws = wb["问题清单"]
    assert ws["A1"].value == issues.title
    values = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    headings = [r[0] for r in values if isinstance(r[0], str) and r[0][:1].isdigit()]
    assert [h.split("（")[0].split(". ", 1)[1] for h in headings] == [g.agency for g in issues.agencies]
    rows = [r for r in values[3:] if isinstance(r[0], int)]
    assert len(rows) == issues.total
    first = bad.issues[0]
    assert any(r[1] == first.year and r[4] == first.rule and r[5] == first.location and r[8] == first.explanation
               for r in rows)
    assert all(c != "nan" for r in rows for c in r)  # a finding without an expected value shows a blank
    summary = pd.read_excel(io.BytesIO(issues_xlsx(issues)), sheet_name="汇总")
    assert set(summary["机关"]) == {g.agency for g in issues.agencies + issues.clean}

    import docx

    doc = docx.Document(io.BytesIO(issues_docx(issues)))
    text = "\n".join(p.text for p in doc.paragraphs)
    for g in issues.agencies:  # one 整改通知 per agency, addressed to it
        assert f"{g.agency}：" in text
    assert text.count("整改通知") == len(issues.agencies)
    assert len(doc.tables) == len(issues.agencies)
    for table, g in zip(doc.tables, issues.agencies):
        assert len(table.rows) == len(g.issues) + 1
        body = "\n".join(c.text for c in table.columns[3].cells)
        for i in g.issues:
            assert i.message in body and i.explanation in body
        assert [c.text for c in table.columns[2].cells[1:]] == [i.location for i in g.issues]


def test_a_report_that_could_not_be_read_is_an_issue(store):
    issues = build_issues(store, ReportFilter(status="failed"), reviewed=False)
    assert issues.total == 1
    (only,) = [i for g in issues.agencies for i in g.issues]
    assert only.title == "文件无法读取" and only.severity == "error" and "broken.pdf" in only.location


def test_issue_list_with_the_web_apps_decisions(tmp_path):
    from nianbao.web.accounts import User
    from nianbao.web.db import open_store
    from nianbao.web.reviews import decide

    dbs = Databases("sqlite", tmp_path)
    url = dbs.url()
    store = open_store(url)
    rec, _ = break_record(random.Random(3), record("淮安区教育局", "淮安区", 2024, "department", seed=103))
    extra = record("淮安区教育局", "淮安区", 2024, "department", seed=5)
    extra.table3["granted"][0] += 1  # two T3 errors at least
    store.ingest([("a.txt", text_of(rec)), ("b.txt", text_of(extra, seed=2))], workers=1)
    listed = store.reports()
    findings = {int(rid): store.report_findings(int(rid)) for rid in listed["id"]}
    (rid_a, found_a), (rid_b, found_b) = sorted(findings.items())
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        from nianbao.store.schema import reports

        hashes = dict(conn.execute(sa.select(reports.c.id, reports.c.content_hash)).all())
    reviewer = User(1, "张审核", "reviewer")
    dismissed = next(f for f in found_a if f.severity in ("error", "warning"))
    confirmed = next(f for f in found_b if f.severity in ("error", "warning"))
    decide(store.engine, reviewer, rid_a, hashes[rid_a], dismissed, "dismiss", "系统误读，原件正确")
    decide(store.engine, reviewer, rid_b, hashes[rid_b], confirmed, "confirm", "请整改")
    before = build_issues(store, ReportFilter(), reviewed=False)
    issues = build_issues(store, ReportFilter())  # the web app's decisions, found on their own
    assert issues.dismissed == 1 and issues.total == before.total - 1
    reviewed = [i for g in issues.agencies for i in g.issues if i.review is not None]
    assert len(reviewed) == 1 and reviewed[0].review.comment == "请整改" and reviewed[0].review.reviewer == "张审核"
    assert reviewed[0].rule == confirmed.rule and reviewed[0].report_id == rid_b
    everything = build_issues(store, ReportFilter(), include_dismissed=True)
    assert everything.total == before.total
    assert any(i.review and i.review.decision == "dismiss" for g in everything.agencies for i in g.issues)
    path = tmp_path / "问题清单.xlsx"
    write_issues(issues, path)
    cells = [c for row in openpyxl.load_workbook(path)["问题清单"].iter_rows(values_only=True) for c in row]
    assert "确认" in cells and "请整改" in cells and "张审核" in cells and "系统误读，原件正确" not in cells
    import docx

    write_issues(everything, tmp_path / "问题清单.docx")
    doc = docx.Document(tmp_path / "问题清单.docx")
    assert "已驳回" in "\n".join(c.text for t in doc.tables for c in t.columns[3].cells)
    store.close()
    dbs.close()


# --------------------------------------------------------------------------- the commands


def test_export_and_issues_commands(store, tmp_path):
    from click.testing import CliRunner

    from nianbao.cli import main

    db = store.url
    run = CliRunner(env={"COLUMNS": "160"}).invoke
    out = run(main, ["export", "--db", db, "--out", str(tmp_path / "淮安.xlsx"), "--region", REGION, "--year", "2024"])
    assert out.exit_code == 0, out.output
    assert f"已导出 {REGION} 2024年度：4 份报告" in out.stdout and f"{REGION}2024年度合计" in out.stdout
    assert zipfile.is_zipfile(tmp_path / "淮安.xlsx") and "个单元格" not in out.stdout
    detail = run(main, ["export", "--db", db, "--out", str(tmp_path / "d.xlsx"), "--region", REGION, "--detail"])
    assert detail.exit_code == 0 and "个单元格" in detail.stdout
    assert "明细" in openpyxl.load_workbook(tmp_path / "d.xlsx", read_only=True).sheetnames
    wrong = run(main, ["export", "--db", db, "--out", str(tmp_path / "d.csv"), "--detail"])
    assert wrong.exit_code == 2 and "--shape long" in wrong.stderr and not (tmp_path / "d.csv").exists()
    csv = run(main, ["export", "--db", db, "--out", "-", "--format", "csv", "--shape", "long", "--agency", "洪泽区审计局"])
    assert csv.exit_code == 0
    same(read_csv_like(csv.stdout.lstrip("\ufeff"), store.long(agency="洪泽区审计局")), store.long(agency="洪泽区审计局"))
    issues = run(main, ["issues", "--db", db, "--region", REGION, "--year", "2024", "--out", str(tmp_path / "问题清单.docx")])
    assert issues.exit_code == 0, issues.output
    assert "4 份报告" in issues.stdout and "个机关有问题" in issues.stdout
    bad = run(main, ["issues", "--db", db, "--out", str(tmp_path / "问题清单.pdf")])
    assert bad.exit_code == 2 and "--format" in bad.stderr
    nothing = run(main, ["export", "--db", db, "--out", str(tmp_path / "x.parquet"), "--region", "没有这个地方"])
    assert nothing.exit_code == 2 and "没有符合条件的报告" in nothing.stderr and not (tmp_path / "x.parquet").exists()


# --------------------------------------------------------------------------- 整改通知 and the printable list


def _season_store(tmp_path):
    """One agency over two years with the same section 五 (G6), stored from a folder named
    demo/ (a path that must never be printed), and a report with arithmetic errors."""
    dbs = Databases("sqlite", tmp_path)
    s = dbs.store()
    same = "本机关存在的主要问题是政务公开工作机制还不够健全，信息发布的及时性和准确性有待提高。" * 3
    items = []
    for year, seed in ((2023, 201), (2024, 202)):
        rec = record("洪泽区审计局", "洪泽区", year, "department", seed=seed)
        if year == 2024:
            rec, _ = break_record(random.Random(3), rec)
        items.append((f"demo/淮安/洪泽区审计局_{year}.txt", text_of(rec, seed=seed, problems=same)))
    s.ingest(items, workers=1)
    return dbs, s


def test_the_issue_list_names_reports_in_words_and_prints_no_paths_or_ids(tmp_path):
    dbs, s = _season_store(tmp_path)
    try:
        issues = build_issues(s, ReportFilter(years=(2024,)), reviewed=False)
        (g6,) = [i for g in issues.agencies for i in g.issues if i.rule == "G6"]
        assert re.fullmatch(r"与2023年报告第五部分相似度\d{2,3}%", g6.values), g6.values
        assert "#" not in g6.location and "对照报告" not in g6.location
        sheet = openpyxl.load_workbook(io.BytesIO(issues_xlsx(issues)))["问题清单"]
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        text = "\n".join(cells)
        assert g6.values in cells
        assert "demo/" not in text and ".txt" not in text and "报告#" not in text and "报告 #" not in text
        assert not re.search(r"实为：0\.\d", text) and "0.8" not in text.replace("0.8%", "")
        import docx

        doc = docx.Document(io.BytesIO(issues_docx(issues)))
        body = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
        assert g6.values in body and "demo/" not in body and ".txt" not in body and "#" not in body
    finally:
        dbs.close()


def test_the_notice_is_a4_with_deadline_issuer_and_widest_column_for_the_problem(tmp_path):
    import datetime

    import docx
    from docx.shared import Twips

    from nianbao.exports import Notice

    dbs, s = _season_store(tmp_path)
    try:
        issues = build_issues(s, ReportFilter(years=(2024,)), reviewed=False)
        path = tmp_path / "整改通知.docx"
        write_issues(issues, path, notice=Notice(deadline=datetime.date(2025, 4, 30), issuer="淮安市政务公开办公室",
                                                 issued=datetime.date(2025, 4, 10)))
        doc = docx.Document(path)
        section = doc.sections[0]
        assert (section.page_width, section.page_height) == (Twips(11906), Twips(16838))
        lines = [p.text for p in doc.paragraphs if p.text]
        assert lines[0] == "关于2024年度政府信息公开工作年度报告存在问题的整改通知"
        assert lines[1] == "〔2025〕X号" and lines[2] == "洪泽区审计局："
        assert "整改时限：2025年4月30日前。" in lines and lines[-2:] == ["淮安市政务公开办公室", "2025年4月10日"]
        (table,) = doc.tables
        widths = [c.width for c in table.rows[0].cells]
        assert [c.text for c in table.rows[0].cells] == ["序号", "问题类型", "位置", "问题说明"]
        assert widths[3] == max(widths) and widths[3] > sum(widths[:3]) / 2
        text_width = section.page_width - section.left_margin - section.right_margin
        assert abs(sum(widths) - text_width) < Twips(60)  # the table spans the text column, no more
        blank = docx.Document(io.BytesIO(issues_docx(issues)))  # no deadline, no issuer: blanks to fill in
        blank_lines = [p.text for p in blank.paragraphs if p.text]
        assert "整改时限：____年__月__日前。" in blank_lines and "（发文机关，盖章）" in blank_lines
    finally:
        dbs.close()


def test_the_xlsx_prints_on_a4_landscape_with_a_frozen_wrapped_header(tmp_path):
    dbs, s = _season_store(tmp_path)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(issues_xlsx(build_issues(s, ReportFilter(), reviewed=False))))
        ws = wb["问题清单"]
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        assert ws.freeze_panes == "A4" and ws.print_title_rows == "$3:$3"
        header = [c.value for c in ws[3]]
        assert header[6] == "问题说明" and ws.column_dimensions["G"].width == max(
            ws.column_dimensions[col].width for col in "ABCDEFGHIJKL")
        body = [r for r in ws.iter_rows(min_row=4) if isinstance(r[0].value, int)]
        assert body and all(r[6].alignment.wrap_text for r in body)
    finally:
        dbs.close()


def test_the_issues_command_takes_the_deadline_and_the_issuer(tmp_path):
    import docx
    from click.testing import CliRunner

    from nianbao.cli import main

    dbs, s = _season_store(tmp_path)
    try:
        out = tmp_path / "通知.docx"
        r = CliRunner().invoke(main, ["issues", "--db", s.url, "--year", "2024", "--out", str(out),
                                      "--deadline", "2025-05-31", "--issuer", "洪泽区政务公开办", "--issued", "2025-05-01"])
        assert r.exit_code == 0, r.output
        lines = [p.text for p in docx.Document(out).paragraphs if p.text]
        assert "整改时限：2025年5月31日前。" in lines and lines[-2:] == ["洪泽区政务公开办", "2025年5月1日"]
        bad = CliRunner().invoke(main, ["issues", "--db", s.url, "--out", str(out), "--deadline", "31/05/2025"])
        assert bad.exit_code == 2 and "--deadline" in bad.output
    finally:
        dbs.close()
