"""The main journeys in a real browser (Playwright driving Debian's Chromium, headless):
log in, upload reports (dragged and dropped, the seeds, the real PDFs), open a report,
click a flagged cell and see its source, dismiss a finding, export the 问题清单, view the
dashboard, use the drafting form.  Each page is saved as a screenshot under
test-artifacts/ (web_*.png); no page may log a console error (CSP violations included)."""
from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.shared import REAL, needs_shared, seed_files
from nianbao.formats import templates as T
from tests.support.web_util import CHROMIUM, PASSWORD, LiveServer, WebEnv, record, report_file

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]
TOTAL = T.T3_TOTAL_COLUMN
DESKTOP = {"width": 1440, "height": 960}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    env = WebEnv(tmp_path_factory.mktemp("browser"))
    bad = record(51, agency="寺口镇人民政府", region="栖霞市", year=2023)
    bad.table3["granted"][TOTAL] += 6
    ids = env.ingest([("寺口镇2022.txt", report_file(record(52, agency="寺口镇人民政府", region="栖霞市", year=2022), 52)),
                ("寺口镇2023.txt", report_file(bad, 51)),
                ("庙后镇2023.txt", report_file(record(53, agency="庙后镇人民政府", region="栖霞市", year=2023), 53)),
                ("观里镇2023.txt", report_file(record(54, agency="观里镇人民政府", region="栖霞市", year=2023), 54))])
    srv = LiveServer(env).start()
    srv.bad = ids[1]  # the report with a wrong total
    yield srv
    srv.stop()
    env.close()


class Session:
    """A logged-in browser page that records console errors."""

    def __init__(self, browser, server: LiveServer, viewport: dict, user: str = "reviewer") -> None:  # type: ignore[no-untyped-def]
        self.context = browser.new_context(viewport=viewport, accept_downloads=True, locale="zh-CN")
        self.page = self.context.new_page()
        self.url = server.url
        self.bad = server.bad
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.errors.append("dialog: " + d.message), d.dismiss()))
        self.login(user)

    def login(self, user: str) -> None:
        self.page.goto(self.url + "/login")
        self.page.fill("input[name=name]", user)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.url + "/")

    def shot(self, artifacts: Path, name: str, full: bool = True) -> None:
        # caret="initial": Playwright would otherwise inject a <style> to hide the caret,
        # which the page's CSP (rightly) refuses
        self.page.screenshot(path=str(artifacts / f"web_{name}.png"), full_page=full, caret="initial")

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors


@pytest.fixture
def desk(browser, server) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    s = Session(browser, server, DESKTOP)
    yield s
    s.close()


def test_login_page_and_report_list(browser, server, artifacts) -> None:  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = ctx.new_page()
    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/login")
    page.screenshot(path=str(artifacts / "web_login.png"), caret="initial")
    page.fill("input[name=name]", "viewer")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.inner_text(".notice")
    ctx.close()
    s = Session(browser, server, DESKTOP, "viewer")
    assert "共 4 份报告" in s.page.inner_text("#report-list")
    s.page.fill("input[name=agency]", "庙后")
    s.page.click("form button[type=submit]")
    expect(s.page.locator("#report-list")).to_contain_text("共 1 份报告")
    assert "agency=" in s.page.url  # the filter is in the address (hx-push-url)
    s.shot(artifacts, "reports")
    s.close()


def test_flagged_cell_shows_its_source_then_dismiss_and_export(desk: Session, artifacts) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    page = desk.page
    page.click(f'#report-list a[href="/reports/{desk.bad}"] >> nth=0')
    cell = page.locator(f'td[data-cell="table3.granted[{TOTAL}]"]')
    assert cell.get_attribute("data-state") == "error"
    cell.click()
    line = cell.get_attribute("data-line")
    hit = page.locator(f"#L{line}")
    assert "hit" in hit.get_attribute("class")
    assert page.locator(f"#L{line} mark").inner_text() == cell.inner_text().strip()
    assert page.locator("#cell-detail").is_visible()
    assert cell.inner_text().strip() in page.inner_text("#cell-detail")
    assert page.locator(".finding.hl").count() >= 1  # the findings on that cell light up
    desk.shot(artifacts, "report_cell_source", full=False)
    desk.shot(artifacts, "report_full")

    finding = page.locator(".finding.error", has_text="T3.2").first
    finding.locator("input[name=comment]").fill("原件确实如此，已与经办人核实")
    finding.locator("button[value=dismiss]").click()
    dismissed = page.locator(".finding.dismissed", has_text="T3.2")
    dismissed.wait_for()
    assert "已驳回" in dismissed.inner_text() and "reviewer" in dismissed.inner_text()
    page.reload()
    assert page.locator(".finding.dismissed", has_text="原件确实如此").count() == 1  # stored, not just shown
    dismissed.scroll_into_view_if_needed()
    desk.shot(artifacts, "finding_dismissed", full=False)

    with page.expect_download() as info:
        page.click("text=问题清单 XLSX")
    assert info.value.suggested_filename.endswith("问题清单.xlsx")
    rows = list(load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active.values)
    # the report's 问题清单 is the reviewed record: the dismissed finding is left out (issue 13)
    assert rows[0][5] == "规则" and rows[0][10] == "复核结论"
    assert all(r[10] != "驳回" and r[11] != "原件确实如此，已与经办人核实" for r in rows[1:])


def test_correcting_a_cell_reruns_the_checks(browser, server, artifacts) -> None:  # type: ignore[no-untyped-def]
    s = Session(browser, server, DESKTOP)
    page = s.page
    page.goto(f"{s.url}/reports/{s.bad}")
    cell = page.locator(f'td[data-cell="table3.granted[{TOTAL}]"]')
    right = int(cell.inner_text()) - 6
    cell.click()
    page.fill("#correct-form input[name=value]", str(right))
    page.fill("#correct-form input[name=comment]", "按原件第2页更正")
    with page.expect_navigation():
        page.click("#correct-form button[type=submit]")  # HTMX answers with HX-Refresh
    cell = page.locator(f'td[data-cell="table3.granted[{TOTAL}]"]')
    assert cell.get_attribute("data-corrected") == "1" and cell.inner_text().strip().endswith(str(right))
    assert "已有 1 处单元格更正" in page.inner_text("main")
    assert page.locator(".finding", has_text="T3.2").count() == 0
    s.shot(artifacts, "report_corrected", full=False)
    page.click(f'td[data-cell="table3.granted[{TOTAL}]"]')
    page.fill("#correct-form input[name=value]", "")
    with page.expect_navigation():
        page.click("#correct-form button[type=submit]")
    assert page.locator(".finding", has_text="T3.2").count() >= 1
    s.close()


def test_report_on_a_phone(browser, server, artifacts) -> None:  # type: ignore[no-untyped-def]
    s = Session(browser, server, PHONE)
    s.page.goto(f"{s.url}/reports/{s.bad}")
    width = s.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1  # wide tables scroll inside their box, not the page
    s.shot(artifacts, "phone_report")
    s.page.goto(s.url + "/dashboard?region=栖霞市&year=2023")
    s.page.wait_for_selector(".chart canvas")
    assert s.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    s.shot(artifacts, "phone_dashboard")
    s.close()


def test_dashboard_with_charts_sorting_and_missing_agencies(desk: Session, artifacts) -> None:  # type: ignore[no-untyped-def]
    page = desk.page
    page.goto(desk.url + "/dashboard")
    page.fill("input[name=region]", "栖霞市")
    page.select_option("select[name=year]", "2023")
    page.click("form button[type=submit]")
    page.wait_for_selector(".chart canvas")
    assert page.locator(".chart canvas").count() >= 4  # problems, composition, year on year, share denied
    page.fill("textarea[name=names]", "寺口镇人民政府\n庙后镇人民政府\n观里镇人民政府\n松山街道办事处")
    page.click("text=保存名单")
    page.wait_for_selector("ul.missing")
    assert page.inner_text("ul.missing").strip() == "松山街道办事处"
    page.click("#members th >> text=机关")
    expect(page.locator("#members th a.on")).to_contain_text("机关↑")  # names sort A to Z first
    page.wait_for_selector(".chart canvas")
    desk.shot(artifacts, "dashboard")


def test_drafting_form(desk: Session, artifacts) -> None:  # type: ignore[no-untyped-def]
    from nianbao import parse

    page = desk.page
    page.goto(desk.url + "/draft?year=2023")
    page.fill("input[name=agency]", "观里镇人民政府")
    page.fill("input[name=region]", "栖霞市")
    for col, value in enumerate((3, 1, 0, 0, 0, 1)):
        page.fill(f'input[name="c:table3.new_received[{col}]"]', str(value))
        page.fill(f'input[name="c:table3.granted[{col}]"]', str(value))
    total = page.locator('input[name="c:table3.new_received[6]"]')
    expect(total).to_have_value("5")
    assert total.get_attribute("readonly") is not None
    expect(page.locator("#draft-check")).to_contain_text("检查通过")
    desk.shot(artifacts, "draft_ok", full=False)
    page.fill('input[name="c:table3.granted[0]"]', "9")  # 一+二 no longer equals 三+四
    expect(page.locator("#draft-check")).to_contain_text("T3.1")
    desk.shot(artifacts, "draft_errors", full=False)
    page.fill('input[name="c:table3.granted[0]"]', "3")
    expect(page.locator("#draft-check")).to_contain_text("检查通过")
    with page.expect_download() as info:
        page.click("text=下载 Word 文档")
    back = parse(Path(info.value.path()).read_bytes())
    assert back.agency == "观里镇人民政府" and back.table3["new_received"] == [3, 1, 0, 0, 0, 1, 5]


def test_drag_and_drop_upload(desk: Session, artifacts) -> None:  # type: ignore[no-untyped-def]
    page = desk.page
    page.goto(desk.url + "/upload")
    text = report_file(record(61, agency="松山街道办事处", region="栖霞市", year=2023), 61).decode()
    dt = page.evaluate_handle("""(text) => { const dt = new DataTransfer();
        dt.items.add(new File([text], "拖进来的报告.txt", {type: "text/plain"})); return dt; }""", text)
    page.dispatch_event("[data-drop]", "drop", {"dataTransfer": dt})
    assert "拖进来的报告.txt" in page.inner_text("#chosen-files")
    page.click("text=上传并检查")
    expect(page.locator("#upload-items")).to_contain_text("处理完毕", timeout=60_000)
    assert "已入库" in page.inner_text("#upload-items")
    desk.shot(artifacts, "upload_dropped")


@needs_shared
def test_upload_the_seeds_and_the_real_pdfs_then_see_a_page(desk: Session, artifacts) -> None:  # type: ignore[no-untyped-def]
    page = desk.page
    files = [str(p) for p in seed_files()] + [str(p) for p in sorted(REAL.glob("*.pdf"))]
    page.goto(desk.url + "/upload")
    page.set_input_files("input[type=file]", files)
    page.click("text=上传并检查")
    expect(page.locator("#upload-items")).to_contain_text("处理完毕", timeout=300_000)
    table = page.inner_text("#upload-items")
    assert table.count("已入库") == len(files), table
    desk.shot(artifacts, "upload_seeds_pdfs")
    pdf = sorted(REAL.glob("*.pdf"))[0].name
    page.click(f"#upload-items tr:has-text('{pdf}') a")
    page.wait_for_selector("button[data-tab=page]")
    cell = page.locator("td[data-page]").first
    cell.click()
    page.wait_for_selector("[data-panel=page]:not([hidden]), #source-text .hit")
    page.click("button[data-tab=page]")
    img = page.locator("#page-img")
    expect(img).to_have_attribute("src", re.compile(r"/pages/\d+\.png$"))
    page.wait_for_load_state("networkidle")
    assert img.evaluate("el => el.complete && el.naturalWidth > 0")
    assert re.fullmatch(r"\d+ / \d+", page.inner_text("#page-no"))
    assert page.inner_text("#page-no").split(" / ")[0] == cell.get_attribute("data-page")
    expect(page.locator(".page-mark.box")).to_have_count(1)  # the row's label, found in the PDF's text layer
    desk.shot(artifacts, "report_pdf_page", full=False)


def test_api_docs_page(desk: Session, artifacts) -> None:  # type: ignore[no-untyped-def]
    desk.page.goto(desk.url + "/api/docs")
    expect(desk.page.get_by_text("/api/reports/{report_id}/findings/{key}/decision")).to_be_visible()
    desk.shot(artifacts, "api_docs", full=False)

