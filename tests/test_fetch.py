"""Reports from the web (`nianbao.fetch`, `nianbao ingest URL`) against a local web site:
a GBK page linking a PDF and a DOCX report, a page that is a report itself, robots.txt,
retries after 503, size caps, timeouts, redirects, politeness.  Nothing leaves the machine."""
from __future__ import annotations

import random

import pytest

from nianbao.errors import FetchError, LimitExceeded
from nianbao.fetch import Fetcher, Politeness, fetch_reports, is_url, report_links
from nianbao.office import convert
from nianbao.render.docx import render_docx
from nianbao.render.report import render
from nianbao.synth import prose_for

from tests.support.fetch_server import Reply, Site
from tests.support.store_util import dbs, record  # noqa: F401  (fixture)

FAST = Politeness(delay=0.05, backoff=0.02, retries=2, max_bytes=400_000, timeout=5.0)
GBK_HEAD = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'


def _record(agency: str, region: str, level: str, seed: int):  # type: ignore[no-untyped-def]
    rec = record(agency, region, 2024, level, seed)
    return rec, prose_for(rec, random.Random(seed))


def gbk_page(title: str, body: str) -> bytes:
    """A government-site page in GBK that declares it only in its own <meta>."""
    return (f"<html><head>{GBK_HEAD}<title>{title}</title></head><body>"
            f"<div class='nav'><a href='/index.html'>首页</a> <a href='/about.html'>网站地图</a>"
            f" <a href='/files/2023统计表.xls'>下载中心</a></div>"
            f"<div class='article'><h1>{title}</h1>{body}</div></body></html>").encode("gbk")


@pytest.fixture(scope="module")
def files():
    docx_rec, docx_prose = _record("洪泽区审计局", "洪泽区", "department", 11)
    pdf_rec, pdf_prose = _record("岔河镇人民政府", "洪泽区", "township", 12)
    page_rec, page_prose = _record("淮安区教育局", "淮安区", "department", 13)
    html = render(page_rec, "html", page_prose).replace('<meta charset="utf-8">', GBK_HEAD)
    return {
        "docx": render_docx(docx_rec, docx_prose),
        "pdf": convert(render_docx(pdf_rec, pdf_prose), ".docx", "pdf"),
        "report_page": html.encode("gbk"),
    }


@pytest.fixture()
def site(files):
    s = Site()
    s.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n"))
    s.add("/robots.txt", Reply(503, b"down"), host="localhost")  # another host whose robots.txt is unreachable
    s.add("/art/2025/1/20/art_1.html", Reply(200, gbk_page(
        "关于公开洪泽区2024年度政府信息公开工作年度报告的通知",
        "<p>现将有关报告予以公开。</p>"
        "<p>附件：<a href='/files/P020250120.docx'>1.洪泽区审计局2024年政府信息公开工作年度报告.docx</a></p>"
        "<p><a href='../../../../files/P020250121.pdf' title='岔河镇'>2.岔河镇人民政府2024年政府信息公开工作年度报告.pdf</a></p>"
        "<p><a href='/files/P020250120.docx#page=1'>（同上）</a> <a href='javascript:print()'>打印</a></p>"),
        {"Content-Type": "text/html"}))
    s.add("/files/P020250120.docx", Reply(200, files["docx"], {"Content-Type": "application/octet-stream"}))
    s.add("/files/P020250121.pdf", Reply(200, files["pdf"], {"Content-Type": "application/pdf"}))
    s.add("/files/2023统计表.xls", Reply(200, b"not a report"))
    s.add("/jyj/2024nb.html", Reply(200, files["report_page"], {"Content-Type": "text/html; charset=GBK"}))
    s.add("/old/nb.html", Reply(301, b"", {"Location": "/jyj/2024nb.html"}))
    s.add("/private/page.html", Reply(200, gbk_page("内部", "<a href='/private/x.pdf'>年度报告.pdf</a>")))
    s.add("/flaky/report.docx", Reply(503, b"busy", {"Retry-After": "0"}), Reply(200, files["docx"]))
    s.add("/down/report.docx", Reply(502, b"bad gateway"))
    s.add("/big.pdf", Reply(200, b"%PDF-1.4\n" + b"0" * 500_000))
    s.add("/endless.pdf", Reply(200, (b"%PDF" + b"0" * 65_532 for _ in range(100))))
    s.add("/slow.pdf", Reply(200, files["pdf"], pause=1.5))
    s.add("/links/many.html", Reply(200, gbk_page("链接", "".join(
        f"<a href='/gone/{i}.pdf'>{i}年度报告.pdf</a>" for i in range(3)))))
    s.start()
    yield s
    s.stop()


def fetch_all(site: Site, *paths: str, policy: Politeness = FAST, host: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    problems: list = []
    with Fetcher(policy) as fetcher:
        items = list(fetch_reports([site.url(p, host) for p in paths], fetcher, problems))
    return items, problems


# --------------------------------------------------------------------------- pages and attachments


def test_a_gbk_page_gives_the_report_files_it_links(site, files):
    items, problems = fetch_all(site, "/art/2025/1/20/art_1.html")
    assert problems == []
    assert [i.name for i in items] == [site.url("/files/P020250120.docx"), site.url("/files/P020250121.pdf")]
    assert items[0].data == files["docx"] and items[1].data == files["pdf"]  # the bytes as served
    assert not site.requests("/files/2023统计表.xls")  # a download of the site's chrome, not a report
    assert len(site.requests("/files/P020250120.docx")) == 1  # linked twice, fetched once


def test_links_of_a_page(site):
    with Fetcher(FAST) as fetcher:
        page = fetcher.get(site.url("/art/2025/1/20/art_1.html"))
    assert page.is_html and page.charset is None  # the page's own <meta> says GBK
    links = report_links(page)
    assert [link.text for link in links] == ["1.洪泽区审计局2024年政府信息公开工作年度报告.docx",
                                            "2.岔河镇人民政府2024年政府信息公开工作年度报告.pdf"]
    assert all(link.hinted for link in links)


def test_a_page_that_is_the_report_is_kept_itself(site, files):
    items, problems = fetch_all(site, "/old/nb.html")  # through a redirect
    assert problems == [] and [i.name for i in items] == [site.url("/old/nb.html")]
    assert items[0].data == files["report_page"]
    from nianbao import parse

    report = parse(items[0].data)
    assert report.agency == "淮安区教育局" and report.year == 2024 and report.source.reader == "html"


def test_fetched_reports_are_stored_with_their_urls(dbs, site, files):
    store = dbs.store()
    items, problems = fetch_all(site, "/art/2025/1/20/art_1.html", "/jyj/2024nb.html")
    summary = store.ingest(items, workers=1)
    assert problems == [] and summary.new == 3 and summary.failed == 0
    listed = store.reports().set_index("agency")
    assert set(listed.index) == {"洪泽区审计局", "岔河镇人民政府", "淮安区教育局"}
    assert listed.loc["岔河镇人民政府", "source_name"] == site.url("/files/P020250121.pdf")
    assert int(listed.loc["淮安区教育局", "year"]) == 2024
    pdf_id = int(listed.loc["岔河镇人民政府", "id"])
    assert store.original(pdf_id) == files["pdf"]
    assert store.report(pdf_id).source.reader == "pdf"
    again = store.ingest(fetch_all(site, "/art/2025/1/20/art_1.html")[0], workers=1)
    assert again.new == 0 and again.duplicates == 2


# --------------------------------------------------------------------------- politeness


def test_robots_txt_is_obeyed(site):
    items, problems = fetch_all(site, "/private/page.html", "/art/2025/1/20/art_1.html")
    assert len(items) == 2 and [p.url for p in problems] == [site.url("/private/page.html")]
    assert isinstance(problems[0].error, FetchError) and "robots.txt" in problems[0].error.message_zh
    assert not site.requests("/private/page.html")
    assert len(site.requests("/robots.txt")) == 1  # read once per site


def test_an_unreachable_robots_txt_means_nothing_is_fetched(site):
    items, problems = fetch_all(site, "/art/2025/1/20/art_1.html", host="localhost")
    assert items == [] and len(problems) == 1 and "robots.txt" in problems[0].error.message_zh
    assert len(site.requests("/robots.txt", host="localhost")) == FAST.retries + 1  # retried, then given up
    assert not site.requests("/art/2025/1/20/art_1.html")


def test_one_request_at_a_time_with_a_delay_and_a_clear_user_agent(site):
    policy = Politeness(delay=0.25, backoff=0.02, max_bytes=400_000)
    fetch_all(site, "/art/2025/1/20/art_1.html", policy=policy)
    seen = site.requests()
    assert len(seen) == 4  # robots.txt, the page, two attachments
    gaps = [b.at - a.at for a, b in zip(seen, seen[1:])]
    assert min(gaps) >= 0.24, gaps
    assert all(s.user_agent.startswith("nianbao/") and "robots" not in s.user_agent for s in seen)


def test_a_503_is_retried_with_back_off(site, files):
    items, problems = fetch_all(site, "/flaky/report.docx")
    assert problems == [] and items[0].data == files["docx"]
    tries = site.requests("/flaky/report.docx")
    assert len(tries) == 2 and tries[1].at - tries[0].at >= FAST.backoff
    items, problems = fetch_all(site, "/down/report.docx")
    assert items == [] and "HTTP 502" in problems[0].error.message_zh
    assert len(site.requests("/down/report.docx")) == FAST.retries + 1


def test_size_caps_and_timeouts(site):
    items, problems = fetch_all(site, "/big.pdf", "/endless.pdf")
    assert items == [] and [type(p.error) for p in problems] == [LimitExceeded, LimitExceeded]
    assert all("文件过大" in p.error.message_zh for p in problems)
    quick = Politeness(delay=0.0, backoff=0.01, retries=1, timeout=0.3)
    items, problems = fetch_all(site, "/slow.pdf", policy=quick)
    assert items == [] and "超时" in problems[0].error.message_zh
    assert len(site.requests("/slow.pdf")) == 2


def test_broken_links_are_reported_with_their_page(site):
    items, problems = fetch_all(site, "/links/many.html", "/nowhere.html")
    assert [p.url for p in problems] == [site.url(f"/gone/{i}.pdf") for i in range(3)] + [site.url("/nowhere.html")]
    assert all(p.page == site.url("/links/many.html") for p in problems[:3]) and problems[3].page is None
    assert "HTTP 404" in problems[0].error.message_zh
    assert items == []  # the page is not a report, and it linked report files


def test_only_web_urls():
    assert is_url("https://www.gov.cn/x.pdf") and is_url("HTTP://a/b") and not is_url("reports/a.pdf")
    with Fetcher(FAST) as fetcher, pytest.raises(FetchError, match="http"):
        fetcher.get("file:///etc/passwd")


def test_ingest_command_with_urls(site, tmp_path):
    from click.testing import CliRunner

    from nianbao.cli import main

    db = f"sqlite:///{tmp_path / 'web.db'}"
    args = ["ingest", site.url("/art/2025/1/20/art_1.html"), site.url("/private/page.html"), "--db", db, "--delay", "0",
            "--workers", "1"]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, args)
    assert result.exit_code == 2, result.output  # one URL could not be fetched
    assert "读取 2 份：新增 2" in result.stdout
    assert "1 个网址未能下载" in result.stderr and site.url("/private/page.html") in result.stderr
    assert "robots.txt" in result.stderr
    again = CliRunner(env={"COLUMNS": "200"}).invoke(main, args[:2] + args[3:])
    assert again.exit_code == 0 and "新增 0，重复 2" in again.stdout
