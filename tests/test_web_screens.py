"""Every page in a real browser at desk (1440 px) and phone (390 px) width: a flagged table-四
cell boxed on the PDF page image, chart legends clear of axis labels, the report list's
facets, the phone layout (table 三 scrolls under a sticky label column, names keep their
width, the cell card opens beside the tapped cell).  Screenshots of each page at both widths
go to $NIANBAO_SCREENSHOTS (default: screenshots/ under pytest's basetemp)."""
from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from nianbao.formats import templates as T
from tests.support.browsing import WIDTHS, Browse
from tests.support.web_util import CHROMIUM, LiveServer, WebEnv, record, report_file

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")]
TOTAL = T.T3_TOTAL_COLUMN
REGION = "栖霞市"


def _pdf_with_a_wrong_table4_total() -> bytes:
    from tests.support.pdf_corpus import html_pdf
    from nianbao.synth import prose_for

    rec = record(71, agency="松山街道办事处", region=REGION, year=2023)
    rec.table4["review"]["total"] += 3
    return html_pdf(rec, prose_for(rec, random.Random(71)))


def _denied_over_results() -> bytes:
    rec = record(56, agency="桃村镇人民政府", region=REGION, year=2023)
    rec.table3["results_total"][TOTAL] = max(rec.table3["results_total"][TOTAL], 6)
    rec.table3["denied_state_secret"][TOTAL] = rec.table3["results_total"][TOTAL] + 5
    return report_file(rec, 56)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    env = WebEnv(tmp_path_factory.mktemp("screens"))
    bad = record(51, agency="寺口镇人民政府", region=REGION, year=2023)
    bad.table3["granted"][TOTAL] += 6
    files = [(f"{name}2022.txt", report_file(record(seed, agency=name, region=REGION, year=2022), seed))
             for seed, name in ((42, "寺口镇人民政府"), (43, "庙后镇人民政府"), (44, "栖霞市人力资源和社会保障局"))]
    files += [("寺口镇2023.txt", report_file(bad, 51)),
              ("庙后镇2023.txt", report_file(record(53, agency="庙后镇人民政府", region=REGION, year=2023), 53)),
              ("人社局2023.txt", report_file(record(54, agency="栖霞市人力资源和社会保障局", region=REGION, year=2023), 54)),
              ("桃村镇2023.txt", _denied_over_results()),
              ("松山街道2023.pdf", _pdf_with_a_wrong_table4_total())]
    ids = env.ingest(files)
    srv = LiveServer(env).start()
    srv.ids = dict(zip(("siko22", "miaohou22", "renshe22", "siko", "miaohou", "renshe", "taocun", "pdf"), ids))
    yield srv
    srv.stop()
    env.close()


@pytest.fixture(params=list(WIDTHS))
def tab(request, browser, server) -> Iterator[Browse]:  # type: ignore[no-untyped-def]
    b = Browse(browser, server, request.param)
    yield b
    b.close()


@pytest.fixture
def desk(browser, server) -> Iterator[Browse]:  # type: ignore[no-untyped-def]
    b = Browse(browser, server, "desk")
    yield b
    b.close()


@pytest.fixture
def phone(browser, server) -> Iterator[Browse]:  # type: ignore[no-untyped-def]
    b = Browse(browser, server, "phone")
    yield b
    b.close()


# --------------------------------------------------------------------------- highlighting


def test_a_flagged_table4_cell_is_boxed_on_the_page_image(desk: Browse, shots: Path) -> None:
    page = desk.page
    desk.go(f"/reports/{desk.ids['pdf']}")
    cell = page.locator('td[data-cell="table4.review.total"]')
    assert cell.get_attribute("data-state") == "error" and cell.get_attribute("data-page")
    cell.click()
    line = cell.get_attribute("data-line")
    expect(page.locator(f"#L{line} mark")).to_have_text(cell.inner_text().strip())  # the text view marks it too
    page.click("button[data-tab=page]")
    box = page.locator(".page-mark.box.cell")
    expect(box).to_have_count(1)
    # polled from here: wait_for_function evaluates its predicate in the page, which the CSP forbids
    for _ in range(200):
        if page.evaluate("document.getElementById('page-img').complete"):
            break
        page.wait_for_timeout(50)
    img, mark = page.locator("#page-img").bounding_box(), box.bounding_box()
    assert img and mark
    assert img["x"] <= mark["x"] and mark["x"] + mark["width"] <= img["x"] + img["width"] + 1
    assert mark["width"] < img["width"] * 0.15  # the cell, not the whole row
    # the G2.1-style finding and every other finding with cells points at them
    t41 = page.locator(".finding", has_text="T4.1").first
    cells = (t41.get_attribute("data-cells") or "").split()
    assert "table4.review.total" in cells and len(cells) == 5
    t41.locator("[data-show-finding]").click()  # a finding shows every one of its cells on the page
    expect(page.locator(".page-mark.box.cell")).to_have_count(5)
    page.click("button[data-tab=page]")
    box = page.locator(".page-mark.box.cell:not(.also)")
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "report_table4_page_box_desk.png"), caret="initial")


# --------------------------------------------------------------------------- charts

_OVERLAPS = """(el) => {
  const chart = window.echarts.getInstanceByDom(el);
  const rectOf = (e) => { const r = e.getBoundingRect().clone(); const m = e.getComputedTransform();
                          if (m) { r.applyTransform(m); } return r; };
  const views = chart._componentsViews.filter((v) => v && v.__model);
  const legends = views.filter((v) => v.__model.mainType === "legend").map((v) => rectOf(v.group))
                       .filter((r) => r.width > 0);
  const labels = [];
  views.filter((v) => /Axis$/.test(v.__model.mainType)).forEach((v) => v.group.traverse((e) => {
    if (e.type === "text" && !e.ignore && !e.invisible) { labels.push(rectOf(e)); } }));
  const grid = chart.getModel().getComponent("grid").coordinateSystem.getRect();
  const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  return {legends: legends.length, labels: labels.length,
          overlaps: legends.reduce((n, l) => n + labels.filter((t) => hit(l, t)).length, 0),
          legendOverGrid: legends.some((l) => l.y + l.height > grid.y),
          inside: labels.every((t) => t.x >= -1 && t.x + t.width <= el.clientWidth + 1)};
}"""


def test_chart_legends_never_overlap_axis_labels(tab: Browse, shots: Path) -> None:
    page = tab.page
    tab.go(f"/dashboard?region={REGION}&year=2023")
    page.wait_for_selector("#chart-denied canvas")
    charts = page.locator(".chart[data-chart]")
    assert charts.count() >= 5
    with_legend = 0
    for i in range(charts.count()):
        el = charts.nth(i)
        el.scroll_into_view_if_needed()
        got = el.evaluate(_OVERLAPS)
        assert got["labels"] > 0, (el.get_attribute("id"), got)
        assert got["overlaps"] == 0 and not got["legendOverGrid"], (el.get_attribute("id"), got)
        assert got["inside"], (el.get_attribute("id"), got)  # no axis label cut off at the chart's edge
        with_legend += got["legends"]
    assert with_legend >= 3  # problems, year on year, reviews and suits
    # all six result groups, and the impossible 不予公开占比 shown apart from the normal bars
    names = page.locator("#chart-composition").evaluate(
        "el => window.echarts.getInstanceByDom(el).getOption().yAxis[0].data")
    assert {"（四）无法提供", "（五）不予处理"} <= set(names) and len(names) == 6
    bad = page.locator("#chart-denied").evaluate("""el => window.echarts.getInstanceByDom(el).getOption()
        .series[0].data.filter((d) => d.bad).map((d) => [d.value, d.share])""")
    assert len(bad) == 1 and bad[0][0] == 100 and bad[0][1] > 1
    expect(page.locator("#denied-errors")).to_contain_text("桃村镇人民政府")
    tab.shot(shots, "dashboard")


# --------------------------------------------------------------------------- facets and search


def test_facets_filter_the_report_list(desk: Browse) -> None:
    page = desk.page
    expect(page.locator("#report-list")).to_contain_text("共 8 份报告")
    page.click("#facets [data-facet=year] a:has-text('2023')")
    expect(page.locator("#report-list")).to_contain_text("共 5 份报告")
    assert "year=2023" in page.url
    rule = page.locator("#facets [data-facet=rule] li").first
    n = int(rule.locator("span.count").inner_text())
    rule.locator("a").click()
    expect(page.locator("#report-list")).to_contain_text(f"共 {n} 份报告")
    assert "rule=" in page.url and "year=2023" in page.url
    page.click("#facets .facet-clear >> nth=0")  # the year's ✕ takes the year off again
    expect(page.locator("#report-list")).not_to_contain_text("共 5 份报告")
    assert "year=" not in page.url and "rule=" in page.url


def test_search_counts_reports_and_filters(desk: Browse) -> None:
    page = desk.page
    desk.go("/search?q=政府信息公开")
    count = page.inner_text("#search-count")
    hits = page.locator(".hit")
    assert f"共 {hits.count()} 份报告" in count
    ids = [hits.nth(i).get_attribute("data-report") for i in range(hits.count())]
    assert len(ids) == len(set(ids))  # one hit per report
    page.select_option("select[name=year]", "2022")
    page.click("form[role=search] button[type=submit]")
    expect(page.locator("#search-count")).to_contain_text("共 3 份报告")


# --------------------------------------------------------------------------- phone


def test_phone_table3_scrolls_under_a_sticky_label_column(phone: Browse, shots: Path) -> None:
    page = phone.page
    phone.go(f"/reports/{phone.ids['siko']}")
    table = page.locator("table.nb-table.table3")
    box = table.locator("xpath=..")
    label = table.locator("td.label", has_text="本年新收政府信息公开申请数量")
    x0 = label.bounding_box()["x"]
    box.evaluate("el => { el.scrollLeft = 400; }")
    page.wait_for_timeout(100)
    assert box.evaluate("el => el.scrollLeft") > 100  # it does scroll
    assert abs(label.bounding_box()["x"] - x0) < 1  # ... and the label stays where it was
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"]["width"] + 1
    # the cell card opens beside the tapped cell, not at the top of the page
    box.evaluate("el => { el.scrollLeft = 0; }")
    cell = page.locator(f'td[data-cell="table3.granted[{TOTAL}]"]')
    cell.scroll_into_view_if_needed()
    cell.tap()
    card = page.locator("#cell-detail")
    expect(card).to_be_visible()
    c, d = cell.bounding_box(), card.bounding_box()
    assert 0 <= d["y"] - (c["y"] + c["height"]) < 400, (c, d)
    assert d["y"] < WIDTHS["phone"]["height"]  # in view
    page.screenshot(path=str(shots / "report_cell_card_phone.png"), caret="initial")


def test_phone_names_are_not_squeezed(phone: Browse) -> None:
    page = phone.page
    for path, sel in (("/", "#report-list td.name"), (f"/dashboard?region={REGION}&year=2023", "#members td.name")):
        phone.go(path)
        name = page.locator(sel, has_text="栖霞市人力资源和社会保障局").first
        size = float(name.evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
        assert name.bounding_box()["width"] > 3 * size, path


# --------------------------------------------------------------------------- every page


PAGES = {"home": "/", "dashboard": f"/dashboard?region={REGION}&year=2023", "report": "/reports/{pdf}",
         "search": "/search?q=政府信息公开", "rule": "/rules/T3.2", "agency": "/agencies/{agency}", "upload": "/upload"}


def test_every_page_at_both_widths(tab: Browse, server: LiveServer, shots: Path) -> None:
    from nianbao.web.queries import report_row

    agency_id = report_row(server.env.store.engine, tab.ids["siko"])["agency_id"]
    for name, path in PAGES.items():
        tab.go(path.format(pdf=tab.ids["pdf"], agency=agency_id))
        if name == "dashboard":
            tab.page.wait_for_selector("#chart-denied canvas")
        tab.page.wait_for_load_state("networkidle")
        if tab.width == "phone":  # wide content scrolls inside its box, never the page
            assert tab.page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"]["width"] + 1, name
        tab.shot(shots, name)
    assert len(list(shots.glob(f"*_{tab.width}.png"))) >= len(PAGES)
