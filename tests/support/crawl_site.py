"""A generated county web site for the crawl tests, in the shapes real government sites use:
a 政府信息公开年报 column paginated by script (TRS `createPageHTML`, `var countPage`), year
sub-columns, a 各部门 index paginated with `?page=2`, department columns paginated with
`list_2.html` links and table rows, a 各乡镇 index whose township columns have year
sub-columns listing `<li>` items (one in a Hanweb `<datastore>` data island) or report
files, GBK and UTF-8 pages, report pages that
are the report and pages that carry it as an attachment, and noise: notices, news, a
budget page, a notice whose title names the annual report, a spreadsheet, links to other
hosts, a robots.txt-protected page, a flaky page (503 once), an oversized attachment.

    site = Site(); expected = build(site); site.start()
    expected.start        # the column's URL path
    expected.reports      # path -> the record each stored report must carry (agency, year)

Served by `fetch_server.Site`; nothing leaves the machine.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from nianbao.render.docx import render_docx
from nianbao.synth import region_corpus

from tests.support.fetch_server import Reply, Site

REGION = "洪泽区"
YEARS = (2021, 2022, 2023, 2024)
OFF_HOST = "localhost"  # the same server under another name: any request to it is a bug
GBK = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
UTF8 = '<meta charset="utf-8">'
HTML = {"Content-Type": "text/html"}


@dataclass
class Expected:
    start: str = "/zfxxgk/ndbg/index.html"
    reports: dict[str, tuple[str, int]] = field(default_factory=dict)  # path of a stored item -> (agency, year)
    report_pages: list[str] = field(default_factory=list)  # pages fetched as reports (incl. attachment carriers)
    listings: list[str] = field(default_factory=list)  # listing pages the crawl must visit
    noise: list[str] = field(default_factory=list)  # served pages the crawl must never request
    not_report: str = ""  # a page named like a report that is not one
    robots: str = ""  # a report page robots.txt forbids
    offsite: str = ""  # a report on another host
    flaky: str = ""  # 503 once, then fine
    too_big: str = ""  # an attachment over the size cap
    pages: int = 0  # routes served


def _chrome(title: str, body: str, meta: str = UTF8, crumbs: str = "") -> str:
    """A government page: header navigation, breadcrumbs, the content, a footer with links off-site."""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}_洪泽区人民政府</title></head><body>"
            "<div class='top'><a href='/'>洪泽区人民政府</a> <a href='/'>首页</a> <a href='/xwzx/index.html'>新闻中心</a>"
            " <a href='/zfxxgk/index.html'>政府信息公开</a> <a href='http://www.gov.cn/'>中国政府网</a></div>"
            f"<div class='crumbs'>当前位置：<a href='/'>首页</a> &gt; <a href='/zfxxgk/index.html'>政府信息公开</a>{crumbs}</div>"
            f"<div class='main'>{body}</div>"
            "<div class='foot'><a href='https://beian.miit.gov.cn/'>苏ICP备05000000号</a> "
            "<a href='/wzdt/index.html'>网站地图</a> <a href='/lxwm/index.html'>联系我们</a></div></body></html>")


def _page(site: Site, path: str, html: str, meta: str = UTF8) -> None:
    site.add(path, Reply(200, html.encode("gbk" if meta == GBK else "utf-8"), HTML))


def _li(href: str, text: str, date: str, title: str | None = None) -> str:
    t = f" title='{title}'" if title else ""
    return f"<li><a href='{href}' target='_blank'{t}>{text}</a><span>{date}</span></li>"


def _tr(href: str, text: str, date: str, title: str | None = None) -> str:
    t = f" title='{title}'" if title else ""
    return f"<tr><td class='t'><a href='{href}'{t}>{text}</a></td><td class='d'>{date}</td></tr>"


def _cut(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[:n] + "..."


def _with_nav(report_html: str) -> str:
    """A rendered report as a site's article page (navigation links before it)."""
    nav = ("<div class='top'><a href='/'>首页</a> <a href='/xwzx/index.html'>新闻中心</a> "
           "<a href='http://www.gov.cn/'>中国政府网</a></div>")
    return report_html.replace("<body>", "<body>" + nav, 1)


NOISE_TITLES = ("关于印发{y}年政务公开工作要点的通知", "{y}年第{n}季度政府网站检查情况通报", "关于开展{y}年度政务公开培训的通知",
                "洪泽区{y}年法治政府建设情况报告", "{y}年{n}月份依申请公开办理情况", "关于公布{y}年度行政许可事项清单的公告")


def build(site: Site, *, departments: int = 9, townships: int = 6, docx_departments: tuple[int, ...] = (2, 5),
          main_pages: int = 8, seed: int = 0) -> Expected:
    """Fill `site` with a county site (see the module's docstring); what the crawl should find."""
    rng = random.Random(seed)
    ex = Expected()
    samples = region_corpus(REGION, list(YEARS), agencies=1 + departments + townships, seed=seed, layouts=("html",))
    by_agency: dict[str, list] = {}
    for s in samples:
        by_agency.setdefault(s.record.agency, []).append(s)
    agencies = list(by_agency)
    county, rest = agencies[0], agencies[1:]
    depts = [a for a in rest if by_agency[a][0].record.agency_level == "department"]
    towns = [a for a in rest if a not in depts]
    counter = iter(range(10_000, 100_000))

    def report(sample, folder: str, as_docx: bool = False) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        """Serve one report; (the page to link, its title)."""
        rec = sample.record
        title = f"{rec.agency}{rec.year}年政府信息公开工作年度报告"
        n = next(counter)
        page = f"{folder}{rec.year + 1}01/t{rec.year + 1}0120_{n}.html"
        if as_docx:
            doc = f"{folder}{rec.year + 1}01/P0{rec.year + 1}0120{n}.docx"
            site.add(doc, Reply(200, render_docx(rec, sample.prose), {"Content-Type": "application/msword"}))
            body = (f"<h1>{title}</h1><p>现将{title}予以公布。</p>"
                    f"<p>附件：<a href='./P0{rec.year + 1}0120{n}.docx'>{title}.docx</a></p>"
                    f"<p><a href='/files/{rec.year}统计表.xls'>统计表.xls</a> <a href='javascript:window.print()'>打印</a></p>")
            _page(site, page, _chrome(title, body))
            ex.reports[doc] = (rec.agency, rec.year)
        else:
            site.add(page, Reply(200, _with_nav(sample.text).encode("utf-8"), HTML))
            ex.reports[page] = (rec.agency, rec.year)
        ex.report_pages.append(page)
        return page, title

    def noise(folder: str, k: int) -> tuple[str, str]:
        y = rng.choice(YEARS)
        title = NOISE_TITLES[k % len(NOISE_TITLES)].format(y=y, n=k % 4 + 1)
        path = f"{folder}{y}0{k % 9 + 1}/t{y}0{k % 9 + 1}15_{next(counter)}.html"
        _page(site, path, _chrome(title, f"<h1>{title}</h1><p>正文。</p>"))
        ex.noise.append(path)
        return path, title

    # --- the site's other pages: never requested
    for path, title in (("/", "首页"), ("/xwzx/index.html", "新闻中心"), ("/zfxxgk/index.html", "政府信息公开"),
                        ("/wzdt/index.html", "网站地图"), ("/lxwm/index.html", "联系我们")):
        _page(site, path, _chrome(title, f"<h1>{title}</h1><a href='{ex.start}'>政府信息公开年报</a>"))
        ex.noise.append(path)
    site.add("/files/2023统计表.xls", Reply(200, b"\xd0\xcf\x11\xe0 not a report"))
    ex.noise.append("/files/2023统计表.xls")
    site.add("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 0\nDisallow: /zfxxgk/ndbg/nbbak/\n"))

    # --- the column: the county government's reports among notices, 8 pages by createPageHTML, GBK
    main = "/zfxxgk/ndbg/"
    items: list[str] = []
    county_pages: dict[int, str] = {}
    for s in by_agency[county]:
        page, title = report(s, main)
        county_pages[s.record.year] = page
        items.append(_li(page.removeprefix(main), _cut(title), f"{s.record.year + 1}-01-20", title))
    ex.not_report = f"{main}202312/t20231201_{next(counter)}.html"
    notice = "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知"
    _page(site, ex.not_report, _chrome(notice, f"<h1>{notice}</h1><p>各部门：请于1月31日前发布年度报告。</p>"))
    items.insert(2, _li(ex.not_report, _cut(notice), "2023-12-01", notice))
    ex.robots = "/zfxxgk/ndbg/nbbak/2020nb.html"
    _page(site, ex.robots, _chrome("备份", "<p>不应被抓取。</p>"))
    items.append(_li(ex.robots, "洪泽区2020年政府信息公开工作年度报告（备份）", "2021-01-20"))
    ex.offsite = "/nb/2023.html"
    items.insert(1, _li(f"http://{OFF_HOST}:{site.port}{ex.offsite}", "淮安市2023年政府信息公开工作年度报告", "2024-01-25"))
    _page(site, ex.offsite, _chrome("淮安市", "<p>另一个网站。</p>"))
    per_page = 12
    while len(items) < per_page * main_pages:
        path, title = noise(main, len(items))
        items.append(_li(path, _cut(title), path.split("/t")[1][:8]))
    side = "".join(f"<li><a href='{y}/index.html'>{y}年度</a></li>" for y in sorted(YEARS, reverse=True))
    side += "<li><a href='/zfxxgk/bmnb/index.html'>各部门</a></li><li><a href='/zfxxgk/xznb/index.html'>各乡镇</a></li>"
    crumbs = f" &gt; <a href='{ex.start}'>政府信息公开年报</a>"
    for k in range(main_pages):
        chunk = "".join(items[k * per_page:(k + 1) * per_page])
        script = f"<script>createPageHTML({main_pages}, {k}, \"index\", \"html\");</script>"
        body = f"<ul class='side'>{side}</ul><ul class='list'>{chunk}</ul><div class='page'>{script}</div>"
        path = ex.start if k == 0 else f"{main}index_{k}.html"
        _page(site, path, _chrome("政府信息公开年报", body, GBK, crumbs), GBK)
        ex.listings.append(path)

    # --- year sub-columns: the same county reports again, `var countPage` pagination (2 pages)
    for y in YEARS:
        folder = f"{main}{y}/"
        first = _li("../" + county_pages[y].removeprefix(main), f"洪泽区人民政府{y}年政府信息公开工作年度报告",
                    f"{y + 1}-01-20")
        second = "".join(_li(*noise(folder, j), f"{y}-06-0{j + 1}") for j in range(3))
        for k, chunk in enumerate((first, second)):
            script = ("<script>var currentPage = %d; var countPage = 2;\n"
                      "createPageHTML(countPage, currentPage, \"index\", \"html\");</script>" % k)
            path = f"{folder}index.html" if k == 0 else f"{folder}index_{k}.html"
            _page(site, path, _chrome(f"{y}年度", f"<ul class='list'>{chunk}</ul>{script}", crumbs=crumbs))
            ex.listings.append(path)

    # --- 各部门: an index in two pages (?page=2); each department's column in table rows, list_2.html
    index = "/zfxxgk/bmnb/index.html"
    half = (len(depts) + 1) // 2
    for k, part in enumerate((depts[:half], depts[half:])):
        links = "".join(f"<li><a href='/bm/d{depts.index(a)}/ndbg/'>{a}</a></li>" for a in part)
        pager = "<a href='index.html?page=2'>下一页</a>" if k == 0 else "<a href='index.html'>上一页</a>"
        _page(site, index if k == 0 else index + "?page=2",
              _chrome("各部门", f"<ul class='units'>{links}</ul><div class='page'>{pager}</div>", crumbs=crumbs))
        ex.listings.append(index if k == 0 else index + "?page=2")
    for i, a in enumerate(depts):
        folder = f"/bm/d{i}/ndbg/"
        rows = []
        for s in by_agency[a]:
            page, title = report(s, folder, as_docx=(i in docx_departments and s.record.year == 2023))
            rows.append(_tr(page.removeprefix(folder), _cut(title), f"{s.record.year + 1}-01-20", title))
        rows.insert(1, _tr(f"{folder}201906/t20190610_{next(counter)}.html", f"{a}2019年部门预算公开", "2019-06-10"))
        ex.noise.append(rows[1].split("'")[1])
        _page(site, rows[1].split("'")[1], _chrome("预算", "<p>预算。</p>"))
        dept_crumbs = f" &gt; <a href='/bm/d{i}/index.html'>{a}</a> &gt; <a href='{folder}'>政府信息公开年报</a>"
        for k, chunk in enumerate((rows[:3], rows[3:])):
            pager = "<a href='list_2.html'>下一页</a> <a href='list_2.html'>尾页</a>" if k == 0 else \
                "<a href='./'>首页</a> <a href='./'>上一页</a>"
            body = f"<table class='list'>{''.join(chunk)}</table><div class='pager'>{pager}</div>"
            path = folder if k == 0 else f"{folder}list_2.html"
            _page(site, path, _chrome(f"{a}政府信息公开年报", body, crumbs=dept_crumbs))
            ex.listings.append(path)
        _page(site, f"/bm/d{i}/index.html", _chrome(a, f"<h1>{a}</h1>"))
        ex.noise.append(f"/bm/d{i}/index.html")

    # --- 各乡镇: an index; each township's column has year sub-columns; some list the report file itself
    links = "".join(f"<tr><td><a href='/xz/t{towns.index(a)}/xxgk/ndbg/index.html'>{a}</a></td></tr>" for a in towns)
    _page(site, "/zfxxgk/xznb/index.html", _chrome("各乡镇", f"<table>{links}</table>", crumbs=crumbs))
    ex.listings.append("/zfxxgk/xznb/index.html")
    for i, a in enumerate(towns):
        folder = f"/xz/t{i}/xxgk/ndbg/"
        years = "".join(f"<li><a href='{y}/index.html'>{y}年</a></li>" for y in YEARS)
        _page(site, f"{folder}index.html", _chrome(f"{a}年报", f"<ul class='years'>{years}</ul>"))
        ex.listings.append(f"{folder}index.html")
        for s in by_agency[a]:
            y = s.record.year
            title = f"{a}{y}年政府信息公开工作年度报告"
            if i == 2:  # the listing links the report file directly
                doc = f"{folder}{y}/P0{y + 1}0115{next(counter)}.docx"
                site.add(doc, Reply(200, render_docx(s.record, s.prose), {"Content-Type": "application/octet-stream"}))
                ex.reports[doc] = (a, y)
                item = _li(doc.rsplit("/", 1)[1], f"{title}.docx", f"{y + 1}-01-15")
            else:
                page, _ = report(s, f"{folder}{y}/")
                item = _li(page.removeprefix(f"{folder}{y}/"), _cut(title), f"{y + 1}-01-15", title)
            if i == 0:  # Hanweb: the records in an XML data island, written into the page by a script
                listing = (f"<div id='list'><script type='text/xml'><datastore><recordset><record><![CDATA[{item}]]>"
                           "</record></recordset></datastore></script></div>")
            else:
                listing = f"<ul class='list'>{item}</ul>"
            _page(site, f"{folder}{y}/index.html", _chrome(f"{y}年", listing))
            ex.listings.append(f"{folder}{y}/index.html")

    # --- trouble: a flaky report page (503 once), an oversized attachment
    ex.flaky = next(p for p in ex.report_pages if p.startswith("/bm/d1/"))
    site.routes[(None, ex.flaky)].insert(0, Reply(503, b"busy", {"Retry-After": "0"}))
    big_page = next(p for p in ex.report_pages if p.startswith("/bm/d2/") and p not in ex.reports)
    ex.too_big = big_page.rsplit("/", 1)[0] + "/P0big.pdf"
    site.add(ex.too_big, Reply(200, b"%PDF-1.4\n" + b"0" * 600_000))
    old = site.routes[(None, big_page)][0]
    site.routes[(None, big_page)] = [Reply(200, old.body.replace(  # type: ignore[union-attr]
        "</p><p><a href='/files/".encode(), "</p><p>附件2：<a href='./P0big.pdf'>年度报告附表.pdf</a></p><p><a href='/files/".encode(), 1),
        HTML)]
    ex.pages = len(site.routes)
    return ex
