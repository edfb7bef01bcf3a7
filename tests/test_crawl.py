"""`nianbao crawl` against a generated county site (tests/crawl_site.py) served on 127.0.0.1:
pagination by script, `?page=` and `list_2.html`, year sub-columns, 各部门/各乡镇 sub-sites,
report pages and report files, noise, other hosts, robots.txt, a flaky page, a size cap,
the crawl log, re-runs, resuming after an interruption and after a kill, --dry-run,
--max-pages/--max-depth, the command's output.  Nothing leaves the machine."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from nianbao.crawl import (FAILED, LISTING, REPORT, SKIPPED, Crawler, CrawlLog, CrawlOptions, pager_urls, says_column,
                           says_report)
from nianbao.fetch import Fetcher, Politeness
from nianbao.store.ingest import ingest

from tests.support.crawl_site import OFF_HOST, Expected, build
from tests.support.fetch_server import Reply, Site
from tests.support.store_util import dbs  # noqa: F401  (fixture)

HTML_TYPE = {"Content-Type": "text/html"}
FAST = Politeness(delay=0.0, backoff=0.01, retries=2, max_bytes=400_000, timeout=5.0)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def served():
    site = Site()
    expected = build(site)
    site.start()
    yield site, expected
    site.stop()


@pytest.fixture()
def site(served):
    """The generated site with an empty request log (and its flaky page flaky again)."""
    s, ex = served
    routes = {k: list(v) for k, v in s.routes.items()}
    with s.lock:
        s.log.clear()
        s.routes[(None, ex.flaky)] = [Reply(503, b"busy", {"Retry-After": "0"}), routes[(None, ex.flaky)][-1]]
    yield s
    with s.lock:  # what a test added or changed goes
        s.routes.clear()
        s.routes.update(routes)


def crawl(store, site: Site, ex: Expected, policy: Politeness = FAST, fetcher_class=Fetcher,  # type: ignore[no-untyped-def]
          batch_size: int = 200, **options):
    log = CrawlLog(store.engine, site.url(ex.start))
    try:
        with fetcher_class(policy) as fetcher:
            crawler = Crawler(site.url(ex.start), fetcher, log, CrawlOptions(**options))
            summary = ingest(store.engine, crawler.items(), workers=1, progress=crawler.on_stored,
                             batch_size=batch_size, run_crosscheck=False)
        return crawler, summary, log.rows()
    finally:
        log.close()


def requested(site: Site) -> list[str]:
    return [s.path for s in site.requests() if s.path != "/robots.txt"]


def stored_urls(store) -> set[str]:  # type: ignore[no-untyped-def]
    from nianbao.store.schema import report_sources

    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(report_sources.c.name)).scalars())


# --------------------------------------------------------------------------- pieces


def test_listing_pagination_in_scripts():
    base = "http://a.gov.cn/zfxxgk/ndbg/index.html"
    assert pager_urls(base, ['createPageHTML(3, 0, "index", "html");']) == [
        "http://a.gov.cn/zfxxgk/ndbg/index.html", "http://a.gov.cn/zfxxgk/ndbg/index_1.html",
        "http://a.gov.cn/zfxxgk/ndbg/index_2.html"]
    script = "var currentPage = 0;//所在页从0开始\nvar countPage = 12//共多少页\ncreatePageHTML(countPage, currentPage, 'list', 'shtml');"
    urls = pager_urls("http://a.gov.cn/col/index_5.shtml", [script])
    assert len(urls) == 12 and urls[0] == "http://a.gov.cn/col/list.shtml" and urls[-1] == "http://a.gov.cn/col/list_11.shtml"
    assert pager_urls(base, ["var countPage = 3;", "document.write('x')"]) == []  # no page template: nothing guessed
    script = "var totalPage = 4; function go(n) { location.href = 'list-' + (n - 1) + '.html'; }"
    assert pager_urls(base, [script]) == [f"http://a.gov.cn/zfxxgk/ndbg/list-{k}.html" for k in (1, 2, 3)]


def test_links_to_other_pages_of_a_listing():
    from nianbao.crawl import _is_pager

    page = "http://a.gov.cn/zfxxgk/ndbg/index.html"
    for url in ("index_2.html", "list_3.html", "index-4.shtml", "more_2.jhtml", "index.html?page=2", "index.html?pageNo=3"):
        assert _is_pager(f"http://a.gov.cn/zfxxgk/ndbg/{url}", page), url
    for url in ("http://a.gov.cn/zfxxgk/ndbg/2023/index_2.html", "http://a.gov.cn/zfxxgk/ndbg/index.html",
                "http://a.gov.cn/zfxxgk/ndbg/t20240120_2.html", "http://a.gov.cn/zfxxgk/ndbg/index.html?id=2",
                "http://b.gov.cn/zfxxgk/ndbg/index_2.html"):
        assert not _is_pager(url, page), url


def test_what_a_link_text_says():
    assert says_report("洪泽区审计局2023年政府信息公开工作年度报告")
    assert says_report("2023年度政府信息公开年报.pdf") and says_report("岔河镇2022年信息公开工作报告")
    for text in ("2023年度", "2023年", "2023", "政府信息公开年报", "关于印发2024年政务公开工作要点的通知", "洪泽区审计局"):
        assert not says_report(text), text
    assert says_report("2023年度报告", "http://a.gov.cn/ndbg/202401/t20240120_1.html")  # an article: the report
    assert not says_report("2023年度报告", "http://a.gov.cn/ndbg/2023/") and not says_report("2023年度报告")
    assert says_column("2023年度") == "column" and says_column("2021年") == "column"
    assert says_column("县教育局年报") == "column" and says_column("政府信息公开年报") == "column"
    assert says_column("各部门") == "index" and says_column("各乡镇") == "index" and says_column("乡镇年报") == "index"
    assert says_column("新闻中心") is None and says_column("洪泽区审计局") is None


# --------------------------------------------------------------------------- the whole site


def test_a_whole_site_is_crawled_and_stored(dbs, site, served):
    _, ex = served
    store = dbs.store()
    crawler, summary, rows = crawl(store, site, ex)
    want = {site.url(p): who for p, who in ex.reports.items()}
    assert len(want) == 64 and ex.pages > 250
    # every report of every year, department and township, stored under its URL
    listed = store.reports()
    assert summary.new == len(want) and summary.failed == 0 and not summary.interrupted
    assert {r.source_name: (r.agency, int(r.year)) for r in listed.itertuples()} == want
    assert set(listed["level"]) >= {"county", "department", "township"}
    # every listing page (script pagination, var countPage, ?page=2, list_2.html, sub-columns, sub-sites) was read
    seen = requested(site)
    assert set(ex.listings) <= set(seen)
    assert "/zfxxgk/ndbg/index_7.html" in seen and "/zfxxgk/bmnb/index.html?page=2" in seen
    assert "/bm/d3/ndbg/list_2.html" in seen and "/xz/t1/xxgk/ndbg/2022/index.html" in seen
    # ... and nothing else: no noise page, no other host, nothing robots.txt forbids; each URL once
    assert not set(ex.noise) & set(seen)
    assert site.requests(host=OFF_HOST) == []
    assert ex.robots not in seen
    assert [p for p in seen if seen.count(p) > 1] == [ex.flaky] * 2  # the 503 was retried, nothing else twice
    assert seen.count(ex.not_report) == 1 and site.url(ex.not_report) not in set(listed["source_name"])
    # the oversized attachment is a problem with its page; everything else went through
    assert [(p.url, p.page) for p in crawler.problems] == [
        (site.url(ex.too_big), next(site.url(p) for p in ex.report_pages if p.startswith(ex.too_big.rsplit("/", 1)[0])))]
    assert "文件过大" in crawler.problems[0].error.message_zh
    stats = crawler.stats
    assert (stats.listings, stats.failed, stats.robots, stats.not_reports, stats.offsite) == (len(ex.listings), 1, 1, 1, 3)
    # the crawl log: one row per URL met, with its status, time and hash
    log = {r["url"]: r for r in rows}
    assert {log[site.url(p)]["status"] for p in ex.listings} == {LISTING}
    assert {log[u]["status"] for u in want} == {REPORT}
    assert log[site.url(ex.not_report)]["status"] == SKIPPED and log[site.url(ex.not_report)]["note"] == "not_report"
    assert log[site.url(ex.robots)]["note"] == "robots"
    assert log[f"http://{OFF_HOST}:{site.port}{ex.offsite}"]["note"] == "offsite"
    assert log[site.url(ex.too_big)]["status"] == FAILED and "文件过大" in log[site.url(ex.too_big)]["error"]
    from nianbao.store.schema import reports

    with store.engine.connect() as conn:
        hashes = dict(conn.execute(sa.select(reports.c.source_name, reports.c.content_hash)).all())
    assert all(log[u]["content_hash"] == hashes[u] for u in want)
    assert all(r["fetched_at"] is not None and r["crawl"] == site.url(ex.start) for r in rows)

    # a re-run reads the listings again and fetches only what is not stored: the failed attachment (and its page)
    with site.lock:
        site.log.clear()
    again, summary2, _ = crawl(store, site, ex)
    seen2 = requested(site)
    carrier = crawler.problems[0].page.removeprefix(site.url(""))
    assert sorted(set(seen2) - set(ex.listings)) == sorted([carrier, ex.too_big])
    assert summary2.new == 0 and again.stats.already == len(want)

    # a report published since: only it is fetched and stored
    new_page = "/bm/d0/ndbg/202601/t20260120_1.html"
    from tests.support.crawl_site import _tr
    from tests.support.store_util import record

    from nianbao.render.report import render

    rec = record("洪泽区审计局", "洪泽区", 2025, "department", 99)
    site.add(new_page, Reply(200, render(rec, "html").encode("utf-8"), {"Content-Type": "text/html"}))
    first = site.routes[(None, "/bm/d0/ndbg/")][0]
    site.add("/bm/d0/ndbg/", Reply(200, first.body.replace(  # type: ignore[union-attr]
        b"<table class='list'>", b"<table class='list'>" + _tr("202601/t20260120_1.html", "洪泽区审计局2025年年报",
                                                             "2026-01-20").encode()), first.headers))
    with site.lock:
        site.log.clear()
    _, summary3, _ = crawl(store, site, ex)
    assert summary3.new == 1 and new_page in requested(site)
    assert store.reports(year=2025)["source_name"].tolist() == [site.url(new_page)]


def test_politeness(tmp_path, site, served):
    from nianbao import Store

    _, ex = served
    policy = Politeness(delay=0.05, backoff=0.01, retries=2, max_bytes=400_000)
    crawl(Store(f"sqlite:///{tmp_path / 'p.db'}"), site, ex, policy=policy, max_pages=12)
    seen = site.requests()
    assert seen[0].path == "/robots.txt" and len(seen) == 13
    gaps = [b.at - a.at for a, b in zip(seen, seen[1:])]
    assert min(gaps) >= 0.045, gaps  # one at a time, with the delay between two
    assert all(s.user_agent.startswith("nianbao/") for s in seen)


def test_max_pages_and_max_depth(tmp_path, site, served):
    from nianbao import Store

    _, ex = served
    crawler, _, _ = crawl(Store(f"sqlite:///{tmp_path / 'a.db'}"), site, ex, max_pages=25)
    assert crawler.stats.capped and len(requested(site)) == 25
    with site.lock:
        site.log.clear()
    crawler, summary, _ = crawl(Store(f"sqlite:///{tmp_path / 'b.db'}"), site, ex, max_depth=0)
    seen = requested(site)
    # the column's own pages and the reports they list; no sub-column, no sub-site
    assert not crawler.stats.capped and summary.new == 4
    assert {p for p in seen if p.endswith("index.html") or "index_" in p} == {
        p for p in ex.listings if p.startswith("/zfxxgk/ndbg/index")}
    assert not any(p.startswith(("/bm/", "/xz/", "/zfxxgk/bmnb", "/zfxxgk/ndbg/2021/")) for p in seen)


def test_dry_run_fetches_listings_only_and_writes_nothing(tmp_path, site, served):
    from nianbao import Store

    _, ex = served
    store = Store(f"sqlite:///{tmp_path / 'd.db'}")
    crawler, summary, rows = crawl(store, site, ex, dry_run=True)
    assert summary.read == 0 and rows == [] and store.reports().empty
    assert set(requested(site)) == set(ex.listings)
    planned = {t.url for t in crawler.stats.planned}
    pages = {site.url(p) for p in ex.report_pages} | {site.url(p) for p in ex.reports if p.endswith(".docx")
                                                    and "/xz/" in p}
    assert planned == pages | {site.url(ex.not_report)}  # robots.txt and other hosts left out
    assert crawler.stats.robots == 1 and crawler.stats.offsite == 3


def test_allowed_hosts_are_followed(tmp_path, site, served):
    from nianbao import Store

    _, ex = served
    crawler, _, rows = crawl(Store(f"sqlite:///{tmp_path / 'h.db'}"), site, ex, allow_hosts=(OFF_HOST,), max_depth=0)
    assert [s.path for s in site.requests(host=OFF_HOST)] == ["/robots.txt", ex.offsite]
    assert {r["url"]: r["note"] for r in rows}[f"http://{OFF_HOST}:{site.port}{ex.offsite}"] == "not_report"


# --------------------------------------------------------------------------- interrupted crawls


class Interrupting(Fetcher):
    """Ctrl-C after 60 requests."""

    def get(self, url):  # type: ignore[no-untyped-def]
        if self.requests >= 60:
            raise KeyboardInterrupt
        return super().get(url)


def test_an_interrupted_crawl_resumes_where_it_stopped(dbs, site, served):
    _, ex = served
    store = dbs.store()
    crawler, summary, rows = crawl(store, site, ex, fetcher_class=Interrupting, batch_size=5)
    assert summary.interrupted and 0 < summary.new < len(ex.reports)
    done = {r["url"] for r in rows if r["status"] == REPORT}
    stored = stored_urls(store)
    assert done and {u for u in done if u in {site.url(p) for p in ex.reports}} <= stored  # logged only once stored
    first = requested(site)
    with site.lock:
        site.log.clear()
    again, summary2, _ = crawl(store, site, ex)
    second = requested(site)
    assert not done & {site.url(p) for p in second}  # what was done is not fetched again
    assert stored_urls(store) >= {site.url(p) for p in ex.reports}
    assert summary.new + summary2.new == len(ex.reports)
    fetched_twice = [p for p in set(first) & set(second) if p not in ex.listings]
    assert len(fetched_twice) <= 6, fetched_twice  # at most the batch that was being written


def test_a_killed_crawl_resumes(tmp_path, site, served):
    """`nianbao crawl` killed with SIGKILL half-way; the same command again completes the store."""
    _, ex = served
    db = tmp_path / "k.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    # a delay that keeps the crawl running for several commits (about 257 requests x 0.1 s)
    cmd = [sys.executable, "-m", "nianbao", "crawl", site.url(ex.start), "--db", str(db), "--delay", "0.1", "-q",
           "--no-crosscheck"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    engine = sa.create_engine(f"sqlite:///{db}")
    deadline = time.monotonic() + 60
    done = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            try:
                with engine.connect() as conn:
                    done = conn.execute(sa.text("SELECT count(*) FROM crawl_log WHERE status = 'report'")).scalar()
            except sa.exc.OperationalError:
                continue  # not created yet
            if done >= 8:
                break
        assert proc.poll() is None, proc.stderr.read().decode()  # type: ignore[union-attr]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        engine.dispose()
    from nianbao import Store

    store = Store(f"sqlite:///{db}")
    before = stored_urls(store)
    assert 8 <= len(before) < len(ex.reports)
    with site.lock:
        site.log.clear()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert stored_urls(store) >= {site.url(p) for p in ex.reports}
    assert not before & {site.url(p) for p in requested(site)}
    store.close()


# --------------------------------------------------------------------------- the command


def run_cli(*args: str):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from nianbao.cli import main

    return CliRunner(env={"COLUMNS": "200"}).invoke(main, ["crawl", *args])


def test_crawl_command(tmp_path, site, served):
    _, ex = served
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    dry = run_cli(site.url(ex.start), "--db", db, "--delay", "0", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"试运行：将下载 {len(ex.report_pages) + 4 + 1} 个报告网址" in dry.stdout
    assert site.url(ex.report_pages[0]) in dry.stdout and "（试运行：未下载）" in dry.stdout
    result = run_cli(site.url(ex.start), "--db", db, "--delay", "0")
    assert result.exit_code == 0, result.output
    assert f"栏目页 {len(ex.listings)} 个" in result.stdout and "robots.txt 不允许 1 个" in result.stdout
    assert "站外链接 3 个（未访问）" in result.stdout and "不是年报 1 个" in result.stdout
    assert "读取 65 份：新增 65" in result.stdout  # the 600 kB "PDF" is under the default cap: stored as failed
    assert "Traceback" not in result.output
    again = run_cli(site.url(ex.start), "--db", db, "--delay", "0")
    assert again.exit_code == 0 and "已入库而跳过 64 个" in again.stdout and "读取 0 份" in again.stdout


def test_crawl_command_errors(tmp_path, site, served):
    db = f"sqlite:///{tmp_path / 'e.db'}"
    bad = run_cli("ftp://example.gov.cn/ndbg/", "--db", db)
    assert bad.exit_code == 2 and "只能抓取 http 或 https 网址" in bad.output and "Only http" in bad.output
    assert "Traceback" not in bad.output
    gone = run_cli(site.url("/nowhere/index.html"), "--db", db, "--delay", "0")
    assert gone.exit_code == 2 and "HTTP 404" in gone.stderr and "起始网址无法读取" in gone.stderr
    _, ex = served
    refused = run_cli(site.url(ex.robots), "--db", db, "--delay", "0")
    assert refused.exit_code == 2 and "robots.txt 不允许抓取" in refused.stderr and "起始网址无法读取" in refused.stderr
    empty = run_cli(site.url("/xwzx/index.html"), "--db", db, "--delay", "0", "--max-depth", "0")
    assert empty.exit_code == 2 and "没有找到年报链接" in empty.stderr


def test_links_written_by_scripts():
    from nianbao.crawl import page_links
    from nianbao.fetch import Fetched

    html = ("<html><body><div id='list'><script type='text/xml'><datastore><nextgroup><![CDATA[<a href=\"/module/"
            "web/jpage/dataproxy.jsp?page=1\"></a>]]></nextgroup><recordset>"
            "<record><![CDATA[<li><a href='/art/2024/1/30/art_123_4567.html' title='栖霞市2023年政府信息公开工作年度报告'>"
            "栖霞市2023年政府信息公开...</a><span>2024-01-30</span></li>]]></record>"
            "<record><![CDATA[<li><a href='/art/2023/1/20/art_123_3456.html'>栖霞市2022年政府信息公开年报</a></li>]]>"
            "</record></recordset></datastore></script>"
            "<script>document.write('<a href=\\'/col/col124/index.html\\'>2021年度</a>');</script></div></body></html>")
    page = Fetched("http://www.qixia.gov.cn/col/col123/index.html", 200, "text/html", "utf-8", html.encode())
    links, scripts = page_links(page)
    assert [(link.url.removeprefix("http://www.qixia.gov.cn"), link.text) for link in links] == [
        ("/module/web/jpage/dataproxy.jsp?page=1", ""),
        ("/art/2024/1/30/art_123_4567.html", "栖霞市2023年政府信息公开工作年度报告"),
        ("/art/2023/1/20/art_123_3456.html", "栖霞市2022年政府信息公开年报"),
        ("/col/col124/index.html", "2021年度")]
    assert len(scripts) == 2


def test_report_pages_whose_attachments_cannot_be_had(tmp_path):
    """An attachment robots.txt refuses leaves its page skipped (not retried as failed); a
    broken one leaves it failed, and the next run asks for that page and attachment again."""
    from nianbao import Store

    s = Site()
    s.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /files/private/\n"))
    page = "<html><head><meta charset='utf-8'></head><body>{}</body></html>"
    s.add("/nb/index.html", Reply(200, page.format(
        "<ul><li><a href='a.html'>甲局2023年政府信息公开工作年度报告</a></li>"
        "<li><a href='b.html'>乙局2023年政府信息公开工作年度报告</a></li></ul>").encode(), HTML_TYPE))
    s.add("/nb/a.html", Reply(200, page.format("<a href='/files/private/a.pdf'>甲局年度报告.pdf</a>").encode(), HTML_TYPE))
    s.add("/nb/b.html", Reply(200, page.format("<a href='/files/b.pdf'>乙局年度报告.pdf</a>").encode(), HTML_TYPE))
    s.start()
    try:
        store = Store(f"sqlite:///{tmp_path / 'x.db'}")
        ex = Expected(start="/nb/index.html")
        for run in (1, 2):
            with s.lock:
                s.log.clear()
            crawler, summary, rows = crawl(store, s, ex)
            log = {r["url"].removeprefix(s.url("")): (r["status"], r["note"]) for r in rows}
            assert log["/nb/a.html"] == (SKIPPED, "robots") and log["/files/private/a.pdf"] == (SKIPPED, "robots")
            assert log["/nb/b.html"] == (FAILED, None) and log["/files/b.pdf"] == (FAILED, None)
            assert [p.url for p in crawler.problems] == [s.url("/files/b.pdf")] and summary.read == 0
            assert "/files/private/a.pdf" not in requested(s)
            assert ("/nb/b.html" in requested(s)) and ("/files/b.pdf" in requested(s))
    finally:
        s.stop()
