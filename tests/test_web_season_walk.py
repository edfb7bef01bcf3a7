"""Issue 13's "Done means", walked in a real browser (Playwright driving Debian's Chromium):
a region's review season through the pages an admin uses.  Upload a zip whose member names
are UTF-8 without the zip UTF-8 flag, set the region's expected-agency list (a CSV with a
单位名称 header) with one agency that never files, set a late publication date by hand and
see 缺报 and 迟报 on the dashboard, dismiss a finding and correct a cell, return one report
(退回整改) and batch-approve others from the list, re-submit a corrected report that
supersedes the earlier one, then export the 整改通知 DOCX (with a 整改时限) and the region's
问题清单 XLSX through the page and read them with python-docx / openpyxl: A4, the dismissed
finding gone, the corrected value used, no file path anywhere.  Each page is saved at 1440
and 390 px as season_<page>_<desk|phone>.png in $NIANBAO_SCREENSHOTS (default: screenshots/
under pytest's basetemp)."""
from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from nianbao.formats import templates as T
from tests.support.browsing import WIDTHS, Browse
from tests.support.web_util import CHROMIUM, LiveServer, WebEnv

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]
TOTAL = T.T3_TOTAL_COLUMN
REGION = "栖霞市"
YEAR = 2023
ABSENT = "栖霞市统计局"  # on the expected list, never files
SUFFIX = {"txt": "txt", "space": "txt", "md": "md", "html": "html"}
# no file path of any kind: a server path, a demo path, a source file name, a folder/name pair
PATHLIKE = re.compile(r"/tmp|demo/|\.(txt|html|md|zip|pdf)\b|[\w\u4e00-\u9fff]+/[\w\u4e00-\u9fff]+\.\w+|^/\w")


def flagless_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of `members` whose names are stored as UTF-8 bytes WITHOUT the UTF-8 flag
    (0x800), as zip tools on Linux and macOS write them (the way tests/test_archive.py does)."""
    buf = io.BytesIO()
    placeholders = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, body) in enumerate(members):
            raw = name.encode("utf-8")
            ph = f"m{i:03d}".encode().ljust(len(raw), b"x")
            placeholders.append((ph, raw))
            z.writestr(ph.decode(), body)
    data = buf.getvalue()
    for ph, raw in placeholders:
        assert data.count(ph) == 2  # the local header and the central directory
        data = data.replace(ph, raw)
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        assert not info.flag_bits & 0x800
    return data


def season_files() -> tuple[dict[str, bytes], bytes]:
    """Five agencies of 栖霞市 reporting 2022 and 2023 (nianbao.synth's region corpus), as member name ->
    file: 栖霞市审计局 with a wrong 表三 total (to correct) and a wrong 表四 total (to
    dismiss), 江万街道 with a wrong total (returned for 整改), 福梅街道 with a wrong total
    (re-submitted corrected); and the corrected 福梅街道 file."""
    from nianbao.render.report import render
    from nianbao.synth.corpus import region_corpus

    corpus = region_corpus(REGION, [YEAR - 1, YEAR], agencies=5, seed=3, invalid_rate=0)
    samples = {s.record.agency: s for s in corpus if s.record.year == YEAR}
    files = {f"{REGION}{YEAR - 1}年度报告/{s.record.agency}{YEAR - 1}年政府信息公开工作年度报告.{SUFFIX[s.layout]}":
             s.text.encode("utf-8") for s in corpus if s.record.year == YEAR - 1}
    assert set(samples) == {"栖霞市人民政府", "栖霞市审计局", "江万街道办事处", "栖霞市教育局", "福梅街道办事处"}
    bumps = {"栖霞市审计局": (6, 3), "江万街道办事处": (9, 0), "福梅街道办事处": (4, 0)}
    for agency, s in samples.items():
        rec = s.record
        granted, review = bumps.get(agency, (0, 0))
        rec.table3["granted"][TOTAL] += granted
        rec.table4["review"]["total"] += review
        files[f"{REGION}{YEAR}年度报告/{agency}{YEAR}年政府信息公开工作年度报告.{SUFFIX[s.layout]}"] = \
            render(rec, s.layout, prose=s.prose).encode("utf-8")
        if agency == "福梅街道办事处":
            rec.table3["granted"][TOTAL] -= granted
            corrected = render(rec, s.layout, prose=s.prose) + "\n（更正版）\n"
            fixed = corrected.encode("utf-8")
    files[f"{REGION}{YEAR}年度报告/报送说明.txt"] = "各单位：请于1月31日前报送年度报告。此文件不是年度报告。\n".encode("utf-8")
    return files, fixed


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    env = WebEnv(tmp_path_factory.mktemp("season"))
    srv = LiveServer(env).start()
    yield srv
    srv.stop()
    env.close()


def listed(page) -> dict[str, list[int]]:  # type: ignore[no-untyped-def]
    """The report list's rows: agency -> report ids."""
    out: dict[str, list[int]] = {}
    rows = page.locator("#report-list table.list tbody tr")
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        if cells.count() < 4:
            continue
        rid = int(cells.nth(1).inner_text().strip())
        out.setdefault(cells.nth(2).inner_text().strip(), []).append(rid)
    return out


def docx_text(data: bytes) -> tuple[str, Any]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    for section in doc.sections:
        for part in (section.header, section.footer):
            parts.extend(p.text for p in part.paragraphs)
    return "\n".join(parts), doc


def test_a_review_season_walked_through_the_pages(browser, server, shots: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    files, fixed = season_files()
    desk = Browse(browser, server, "desk", user="admin", prefix="season_")
    page = desk.page

    # ---- 2. upload the zip (UTF-8 names, no flag) on the upload page; wait until processed
    desk.go("/upload")
    page.set_input_files("input[type=file]", [{"name": f"{REGION}{YEAR}年度报告.zip", "mimeType": "application/zip",
                                                 "buffer": flagless_zip(list(files.items()))}])
    page.click("text=上传并检查")
    expect(page.locator("#upload-items")).to_contain_text("处理完毕", timeout=120_000)
    items = page.inner_text("#upload-items")
    assert len(files) == 11
    for name in files:
        assert name.rsplit("/", 1)[-1] in items, items  # the member names decoded, not mojibake
    assert "已入库" in items and "æ" not in items and "ç" not in items
    desk.shot(shots, "upload")
    desk.go(f"/?year={YEAR}")
    rows = listed(page)
    assert set(rows) == {"栖霞市人民政府", "栖霞市审计局", "江万街道办事处", "栖霞市教育局", "福梅街道办事处"}, rows
    # the upload note is no report: an admin withdraws it (audited), restores it, withdraws it again
    desk.go("/")
    stray = page.locator("#report-list tr", has_text="报送说明.txt")
    expect(stray).to_have_count(1)
    stray_id = int(stray.locator("td.num").inner_text().strip())
    desk.go(f"/reports/{stray_id}")
    page.fill("#season input[name=reason]", "不是年度报告，误传")
    page.click("#season button:has-text('撤回报告')")
    expect(page.locator("#season")).to_contain_text("已撤回")
    page.click("#season button:has-text('恢复报告')")
    expect(page.locator("#season")).not_to_contain_text("已撤回")
    page.fill("#season input[name=reason]", "不是年度报告，误传")
    page.click("#season button:has-text('撤回报告')")
    expect(page.locator("#season")).to_contain_text("已撤回")
    desk.go("/")
    expect(page.locator("#report-list")).not_to_contain_text("报送说明.txt")
    desk.go("/?hidden=1")
    expect(page.locator("#report-list tr", has_text="报送说明.txt")).to_contain_text("已撤回")
    sources = page.inner_text("#report-list table.list tbody")
    assert f"栖霞市审计局{YEAR}年政府信息公开工作年度报告" in sources and "æ" not in sources
    ids = {agency: found[0] for agency, found in rows.items()}

    # ---- 1. the region's expected-agency list: a CSV with a 单位名称 header, one agency that will not file
    desk.go(f"/dashboard?region={REGION}&year={YEAR}")
    csv = "单位名称\n" + "\n".join([*rows, ABSENT]) + "\n"
    page.set_input_files("#coverage ~ .card input[type=file]",
                         [{"name": "应报机关名单.csv", "mimeType": "text/csv", "buffer": csv.encode("utf-8")}])
    page.click("text=保存名单")
    page.wait_for_selector("ul.missing")
    assert page.locator("ul.missing li").all_inner_texts() == [ABSENT]  # the header is not a missing agency
    assert "名单共 6 个机关" in page.inner_text("main")

    # ---- 3. 迟报: a department of a county-level government is due by 31 January; published 10 February
    desk.go(f"/reports/{ids['栖霞市教育局']}")
    page.fill("#season input[name=date]", f"{YEAR + 1}-02-10")
    page.click("#season form.row >> text=保存")
    expect(page.locator("#season")).to_contain_text(f"{YEAR + 1}-02-10（人工填写）")
    expect(page.locator("#season")).to_contain_text("迟报 10 天")
    # townships have no national deadline: a local rule on the deadlines page gives them one
    desk.go("/admin/deadlines")
    page.select_option("select[name=level]", "township")
    page.fill("form input[name=region]", REGION)
    page.fill("input[name=month]", "3")
    page.fill("input[name=day]", "1")
    page.fill("input[name=note]", "栖霞市政务公开办通知")
    page.click("form >> text=保存")
    expect(page.locator("main")).to_contain_text("栖霞市政务公开办通知")
    desk.go(f"/dashboard?region={REGION}&year={YEAR}")
    coverage = page.locator("#coverage-table")
    expect(coverage.locator("tr", has_text="江万街道办事处")).to_contain_text(f"{YEAR + 1}-03-01")
    expect(coverage.locator("tr", has_text=ABSENT)).to_contain_text("缺报")
    expect(coverage.locator("tr", has_text="栖霞市教育局")).to_contain_text("迟报 10 天")
    expect(page.locator("#progress")).to_contain_text("迟报：栖霞市教育局（10 天）")
    assert page.locator(".stat", has_text="缺报机关").locator("b").inner_text() == "1"

    # ---- 4. review: dismiss a finding and correct a cell on 栖霞市审计局
    audit_id = ids["栖霞市审计局"]
    desk.go(f"/reports/{audit_id}")
    t41 = page.locator(".finding.error", has_text="T4.1").first
    dismissed_message = t41.locator(".msg").inner_text().strip()
    assert "表四“行政复议”" in dismissed_message and "总计填写为" in dismissed_message, dismissed_message
    t41.locator("input[name=comment]").fill("复议案件另有统计口径，已核实")
    t41.locator("button[value=dismiss]").click()
    page.locator(".finding.dismissed", has_text="T4.1").wait_for()
    cell = page.locator(f'td[data-cell="table3.granted[{TOTAL}]"]')
    printed = int(cell.inner_text().strip())
    resolved_message = page.locator(".finding.error", has_text="T3.2").first.locator(".msg").inner_text().strip()
    right = printed - 6  # the total as the six columns add up
    assert f"合计为{right}，但“总计”填写为{printed}" in resolved_message, resolved_message
    cell.click()
    page.fill("#correct-form input[name=value]", str(right))
    page.fill("#correct-form input[name=comment]", "按原件更正")
    with page.expect_navigation():
        page.click("#correct-form button[type=submit]")
    cell = page.locator(f'td[data-cell="table3.granted[{TOTAL}]"]')
    assert cell.get_attribute("data-corrected") == "1" and cell.inner_text().strip().endswith(str(right))
    assert page.locator(".finding:not(.dismissed)", has_text="T3.2").count() == 0

    # 退回整改 on 江万街道 and 福梅街道 from their pages
    for agency in ("江万街道办事处", "福梅街道办事处"):
        desk.go(f"/reports/{ids[agency]}")
        page.click("#season button:has-text('设为退回整改')")
        expect(page.locator("#review-status")).to_have_text("退回整改")
    # 批量通过 on the other three from the list's checkboxes
    desk.go(f"/?year={YEAR}")
    approve = [ids[a] for a in ("栖霞市人民政府", "栖霞市审计局", "栖霞市教育局")]
    for rid in approve:
        page.check(f"#batch-form input[name=ids][value='{rid}']")
    page.click("#batch-form button[value=approved]")
    expect(page.locator("main")).to_contain_text("已将 3 份报告设为“已通过”")
    for rid in approve:
        expect(page.locator("#report-list tr", has=page.locator(f"input[value='{rid}']"))).to_contain_text("已通过")
    expect(page.locator("#report-list tr", has=page.locator(f"input[value='{ids['江万街道办事处']}']"))).to_contain_text("退回整改")
    desk.shot(shots, "list")

    # ---- 5. re-submit 福梅街道 corrected: it supersedes the earlier report
    desk.go("/upload")
    page.set_input_files("input[type=file]", [{"name": "福梅街道办事处2023年报告（更正版）.txt", "mimeType": "text/plain",
                                                 "buffer": fixed}])
    page.click("text=上传并检查")
    expect(page.locator("#upload-items")).to_contain_text("处理完毕", timeout=120_000)
    desk.go(f"/?year={YEAR}")
    rows = listed(page)
    assert len(rows["福梅街道办事处"]) == 1 and rows["福梅街道办事处"] != [ids["福梅街道办事处"]], rows
    old, new = ids["福梅街道办事处"], rows["福梅街道办事处"][0]
    desk.go(f"/reports/{new}")
    season = page.locator("#season")
    expect(season).to_contain_text("此报告替代了")
    assert season.locator(f"a[href='/reports/{old}']").count() == 1
    expect(page.locator("#review-status")).to_have_text("已整改")  # 退回整改 carried over, then 已整改
    desk.shot(shots, "report")
    desk.go(f"/reports/{old}")
    expect(page.locator("#season")).to_contain_text("已被替代")
    assert page.locator(f"#season a[href='/reports/{new}']").count() == 1

    # ---- the dashboard with coverage and progress
    desk.go(f"/dashboard?region={REGION}&year={YEAR}")
    progress = page.inner_text("#progress")
    assert "已通过\n3" in progress and "已整改\n1" in progress and "退回整改\n1" in progress, progress

    # ---- 6. exports through the page: the 整改通知 DOCX with a 整改时限, the region 问题清单 XLSX
    page.fill("form[action='/dashboard/export/findings.docx'] input[name=deadline]", f"{YEAR + 1}-05-31")
    page.fill("form[action='/dashboard/export/findings.docx'] input[name=issuer]", "栖霞市人民政府办公室")
    with page.expect_download() as got:
        page.click("text=整改通知 DOCX")
    docx = Path(got.value.path()).read_bytes()
    with page.expect_download() as got:
        page.click(".actions >> text=问题清单 XLSX")
    xlsx = Path(got.value.path()).read_bytes()
    with page.expect_download() as got:
        page.click("text=各机关数据 XLSX")
    members = Path(got.value.path()).read_bytes()
    for name, data in (("整改通知.docx", docx), ("问题清单.xlsx", xlsx), ("各机关数据.xlsx", members)):
        (shots / f"season_{name}").write_bytes(data)  # kept as artefacts beside the screenshots

    text, doc = docx_text(docx)
    for section in doc.sections:
        assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)  # A4
    assert "整改通知" in text and f"{YEAR + 1}年5月31日" in text and "栖霞市人民政府办公室" in text, text
    assert "江万街道办事处" in text and "填写为" in text  # the open finding of the returned report is there

    wb = load_workbook(io.BytesIO(xlsx))
    sheet = wb.worksheets[0]
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.freeze_panes and any(c.alignment.wrap_text for row in sheet.iter_rows() for c in row)
    cells = ["" if v is None else str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert any("江万街道办事处" in v for v in cells)
    for name, strings in (("docx", text.split("\n")), ("xlsx", cells)):
        joined = "\n".join(strings)
        # the dismissed finding (表四 行政复议 total of 栖霞市审计局) is out
        assert dismissed_message not in joined and "复议案件另有统计口径" not in joined, name
        # the corrected cell resolved T3.2 of 栖霞市审计局: its finding on the printed value is out
        assert resolved_message not in joined, name
        for s in strings:
            assert not PATHLIKE.search(s), (name, s)
    # where the value is printed (the region's per-agency data), the corrected value is used
    mws = load_workbook(io.BytesIO(members)).worksheets[0]
    head, *body = list(mws.iter_rows(values_only=True))
    row = next(r for r in body if "栖霞市审计局" in r)
    granted = [i for i, h in enumerate(head) if h and "予以公开" in str(h) and "部分" not in str(h)]
    assert granted and row[granted[0]] == right != printed, (head, row)
    desk.close()

    # ---- screenshots of each page at both widths (the season's pages, after the walk)
    pages = {"list": f"/?year={YEAR}", "dashboard": f"/dashboard?region={REGION}&year={YEAR}",
             "report": f"/reports/{new}", "deadlines": "/admin/deadlines", "audit": "/audit",
             "changes": f"/dashboard/changes?region={REGION}&years={YEAR - 1},{YEAR}"}
    for width in WIDTHS:
        tab = Browse(browser, server, width, user="admin", prefix="season_")
        for name, path in pages.items():
            tab.go(path)
            if name == "dashboard":
                tab.page.wait_for_selector(".chart canvas")
                expect(tab.page.locator("#coverage-table")).to_contain_text("缺报")
            if name == "audit":  # a clerk reads it: Chinese actions and statuses, names not hashes or keys
                log = tab.page.inner_text("main table")
                for words in ("驳回问题", "更正数值", "更改审核状态", "待审 → 退回整改", "待审 → 已通过",
                              "待审 → 已整改", "报告被新版替代", "撤回报告", "恢复报告", "不是年度报告，误传", "新版报告 #", "整改通知 DOCX", "栖霞市审计局2023年度报告",
                              "栖霞市应报机关名单（6个）"):
                    assert words in log, words
                assert not re.search(r"\b(approved|returned|rectified|pending)\b", log), log
            tab.shot(shots, name)
        tab.close()
