"""Whole sites: every report of a site's 政府信息公开年报 column, fetched politely.

    with Fetcher(Politeness(delay=1.0)) as fetcher:
        crawler = Crawler("https://www.example.gov.cn/zfxxgk/ndbg/index.html", fetcher, CrawlLog(store.engine))
        summary = store.ingest(crawler.items(), workers=1, progress=crawler.on_stored)  # streams

The crawler starts at a column (栏目) page and follows, breadth first:

- its pagination: index.html, index_1.html, … with the page count in a script
  (`createPageHTML(12, 0, "index", "html")`, `var countPage = 12`), and links to pages of
  the same listing (`list_2.html`, `index_3.html`, `?page=2`);
- its sub-columns: year columns (`2023年度`), columns named like a report column
  (`县教育局年报`), pages under the start page's folder, and index pages of sub-sites
  (`各部门`, `各乡镇`) whose agency links (`县教育局`, `岔河镇`) lead to their own columns;
- its reports: links whose text or title says they are a report (年报, 年度报告,
  信息公开工作报告) with a year, and report files (.pdf/.doc/.docx/.wps/…) so named.
  A report page gives the report files it links (`fetch.report_links`) and itself when it
  reads as a report; a page that is neither is skipped (and logged as such).

Only the start URL's host (and `allow_hosts`) is ever requested; other links are counted,
never fetched.  `max_pages` caps the requests, `max_depth` the column hops from the start
(pagination does not count).  Every URL's outcome goes to the store's `crawl_log` (status
listing | report | skipped | failed, time, content hash): a re-run fetches the listings
again but skips report URLs already stored (logged as report, or stored under that URL by
`nianbao ingest`) and pages already judged not to be reports; failed URLs are retried.  A
report URL is logged as done only once the store has its reports, so a crawl killed at any
point resumes where it stopped.
"""
from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, unquote, urldefrag, urljoin, urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .formats import templates as T
from .errors import FetchError, NianbaoError
from .fetch import DOCUMENT_SUFFIXES, Fetched, Fetcher, is_report, page_tree, report_links
from .inputs import InputItem

LISTING, REPORT, SKIPPED, FAILED = "listing", "report", "skipped", "failed"
# notes on a skipped URL
NOTE_NOT_REPORT = "not_report"  # fetched: neither a report nor a page linking one (final)
NOTE_OFFSITE = "offsite"  # on a host outside the crawl (never requested)
NOTE_ROBOTS = "robots"  # refused by robots.txt (asked again next time)

REPORT_WORDS = ("年报", "年度报告", "信息公开工作报告") + T.REPORT_TITLE_WORDS
_YEAR = re.compile(r"(?:19|20)\d{2}")
_YEAR_COLUMN = re.compile(r"^(?:19|20)\d{2}\s*年?度?\s*(?:年报|报告|年度报告)?$")
_SUBSITE = re.compile(r"^(?:各|县直|市直|区直|县级|市级|区级|本级)?(?:部门|单位|乡镇|镇|街道|乡镇街道|乡镇（街道）|镇（街道）|镇街|镇区|"
                      r"县区|区县|县市区|县（市、区）)(?:政府信息公开)?(?:年报|年度报告)?$")
_AGENCY = re.compile(r"(?:局|委|办|办公室|委员会|人民政府|政府|镇|乡|街道|办事处|管委会|中心|院|署|所|队|站|社|会)$")
_PAGER_FILE = re.compile(r"^(?:index|list|default|more)(?:[_-](\d+))?\.[sj]?html?$", re.I)
_PAGE_PARAMS = frozenset({"page", "pageno", "page_no", "pageindex", "pagenum", "page_num", "p", "curpage", "currpage",
                          "currentpage", "pagenow", "pn"})
_PAGE_TEMPLATE = re.compile(r"[\"'](?:\./)?((?:index|list)[_-])[\"']\s*\+\s*[\w.()+\s-]+?\+\s*[\"']\.([sj]?html?)[\"']")
_CREATE_PAGE = re.compile(r"createPageHTML\(\s*([\w.]+)\s*,\s*[\w.]+\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
_COUNT_VAR = re.compile(r"\b(?:countPage|pageCount|totalPage|pageTotal|page_count|totalPages)\s*=\s*[\"']?(\d+)")
_PARTLY = "部分附件未能下载，下次运行时重试"
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
MAX_PAGER = 500  # listing pages taken from one script


@dataclass(frozen=True)
class CrawlOptions:
    max_pages: int = 1000  # requests (listings, report pages, report files), robots.txt aside
    max_depth: int = 5  # column hops from the start page
    allow_hosts: tuple[str, ...] = ()  # hosts besides the start URL's ("files.example.gov.cn")
    dry_run: bool = False  # fetch the listings only; say which reports would be fetched


@dataclass
class Target:
    url: str
    kind: str  # LISTING | REPORT
    depth: int
    referrer: str | None = None
    text: str = ""  # the link text
    role: str = "column"  # a listing: "column" (lists reports) or "index" (lists sub-sites)


@dataclass
class CrawlProblem:
    url: str
    error: NianbaoError
    page: str | None = None  # the page that linked it


@dataclass
class CrawlStats:
    listings: int = 0  # listing pages fetched
    reports: int = 0  # report URLs (pages or files) fetched
    attachments: int = 0  # report files fetched from report pages
    already: int = 0  # report URLs skipped: stored by an earlier run
    not_reports: int = 0  # fetched pages that were neither a report nor linked one
    offsite: int = 0  # links to other hosts (never requested)
    failed: int = 0
    robots: int = 0  # refused by robots.txt
    capped: bool = False  # stopped at max_pages
    planned: list[Target] = field(default_factory=list)  # dry run: the report URLs that would be fetched
    known: list[Target] = field(default_factory=list)  # dry run: those that would be skipped


# --------------------------------------------------------------------------- the crawl log


class CrawlLog:
    """The store's `crawl_log`: one row per URL (its latest outcome).  It uses connections of
    its own (no pool), so that none crosses a fork into the ingest's worker processes."""

    def __init__(self, engine: Engine, crawl: str = "") -> None:
        from sqlalchemy.pool import NullPool

        args = {"timeout": 60} if engine.dialect.name == "sqlite" else {}
        self.engine = sa.create_engine(engine.url, poolclass=NullPool, connect_args=args)
        self.crawl = crawl

    def close(self) -> None:
        self.engine.dispose()

    def done(self) -> dict[str, str]:
        """URLs not to fetch again, with their status: reports stored, pages judged not to be
        reports (skipped), and every name a stored report was seen under (report)."""
        from .store.schema import crawl_log, report_sources

        with self.engine.connect() as conn:
            done = {name: REPORT for name in conn.execute(sa.select(report_sources.c.name).where(
                sa.or_(report_sources.c.name.like("http://%"), report_sources.c.name.like("https://%")))).scalars()}
            done.update((url, status) for url, status in conn.execute(
                sa.select(crawl_log.c.url, crawl_log.c.status).where(sa.or_(
                    crawl_log.c.status == REPORT,
                    sa.and_(crawl_log.c.status == SKIPPED, crawl_log.c.note == NOTE_NOT_REPORT)))))
        return done

    def record(self, url: str, status: str, *, note: str | None = None, error: str | None = None,
               referrer: str | None = None, depth: int | None = None, data: bytes | None = None,
               digest: tuple[str, int] | None = None) -> None:
        """Log `url`'s outcome, with the hash and size of `data` (or `digest`: both)."""
        from .store.schema import crawl_log

        if data is not None:
            digest = _digest(data)
        row = {"url": url, "status": status, "note": note, "error": error, "referrer": referrer, "depth": depth,
               "content_hash": digest[0] if digest else None, "size": digest[1] if digest else None,
               "crawl": self.crawl,
               "fetched_at": datetime.now(timezone.utc)}
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # (the same API, per dialect)
            stmt = insert(crawl_log).values(**row)
            conn.execute(stmt.on_conflict_do_update(index_elements=["url"],
                                                    set_={k: stmt.excluded[k] for k in row if k != "url"}))

    def rows(self) -> list[dict]:
        from .store.schema import crawl_log

        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(crawl_log).order_by(crawl_log.c.id))]


def _digest(data: bytes) -> tuple[str, int]:
    """(SHA-256, size): the hash is the store's content hash of the same bytes."""
    return hashlib.sha256(data).hexdigest(), len(data)


# --------------------------------------------------------------------------- links of a listing page


@dataclass
class PageLink:
    url: str
    text: str


def page_links(page: Fetched) -> tuple[list[PageLink], list[str]]:
    """The links of a page (absolute, without fragments; the text, or the title when that is
    longer: listings cut long titles), including links in its scripts (Hanweb sites send a
    listing's first records as `<script type="text/xml"><datastore>…<record><![CDATA[<li><a
    href=…>…]]>`), and the texts of its scripts."""
    from .parsing.readers.html import parse_tree

    root, base = page_tree(page)
    scripts = ["".join(el.itertext()) for el in root.iter("script")]
    anchors = list(root.iter("a", "area", "iframe"))
    for script in scripts:  # lists written by scripts: Hanweb's <datastore><record><![CDATA[<li><a …>, document.write
        if "<a" in script.lower() and "href" in script.lower():
            fragment = _CDATA.sub(r"\1", script).replace("\\'", "'").replace('\\"', '"')
            try:
                anchors.extend(parse_tree(f"<html><body>{fragment}</body></html>")[0].iter("a"))
            except NianbaoError:
                pass
    links: list[PageLink] = []
    for el in anchors:
        href = (el.get("href") or el.get("src") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base, href))[0]
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        label = " ".join("".join(el.itertext()).split())
        title = " ".join((el.get("title") or "").split())
        links.append(PageLink(url, title if len(title) > len(label) else label))
    return links, scripts


def pager_urls(page_url: str, scripts: Iterable[str]) -> list[str]:
    """The other pages of a listing whose page count is in a script: TRS-style
    `createPageHTML(12, 0, "index", "html")` (or `var countPage = 12` with
    `createPageHTML(countPage, …)`) means index.html, index_1.html … index_11.html."""
    out: list[str] = []
    for script in scripts:
        for m in _CREATE_PAGE.finditer(script):
            count_text, prefix, ext = m.groups()
            if count_text.isdigit():
                count = int(count_text)
            else:
                var = re.search(rf"\b{re.escape(count_text)}\s*=\s*[\"']?(\d+)", script) or _COUNT_VAR.search(script)
                if var is None:
                    continue
                count = int(var.group(1))
            for k in range(min(count, MAX_PAGER)):
                out.append(urljoin(page_url, f"{prefix}.{ext}" if k == 0 else f"{prefix}_{k}.{ext}"))
        count_var = _COUNT_VAR.search(script)
        template = _PAGE_TEMPLATE.search(script)
        if count_var and template and not _CREATE_PAGE.search(script):  # location.href = "index_" + n + ".html"
            stem, ext = template.groups()
            for k in range(1, min(int(count_var.group(1)), MAX_PAGER)):
                out.append(urljoin(page_url, f"{stem}{k}.{ext}"))
    return out


def _folder(path: str) -> str:
    return path[: path.rfind("/") + 1]


def _is_pager(url: str, page_url: str) -> bool:
    """Another page of the same listing: index_2.html / list_2.html in the same folder, or
    the same path with another ?page=."""
    a, b = urlsplit(url), urlsplit(page_url)
    if a.netloc.lower() != b.netloc.lower():
        return False
    if a.path == b.path and a.query != b.query:
        return any(k.lower() in _PAGE_PARAMS for k, _ in parse_qsl(a.query, keep_blank_values=True))
    m = _PAGER_FILE.match(a.path.rsplit("/", 1)[-1])
    return _folder(a.path) == _folder(b.path) and m is not None and m.group(1) is not None


def _column_path(path: str) -> bool:
    """A column's address (a folder, index.html, list.html …), not an article's."""
    return path.endswith("/") or bool(_PAGER_FILE.match(path.rsplit("/", 1)[-1]))


def _is_document(url: str, text: str) -> bool:
    return unquote(urlsplit(url).path).lower().endswith(DOCUMENT_SUFFIXES) or text.lower().endswith(DOCUMENT_SUFFIXES)


def says_report(text: str, url: str = "") -> bool:
    """A link to a report: its text names one (年报, 年度报告, …) and a year.  A bare
    `2023年度报告` may name a year column too: then the address decides (an article, or a
    column's folder / index.html)."""
    if not (any(w in text for w in REPORT_WORDS) and _YEAR.search(text)):
        return False
    if _YEAR_COLUMN.match(text.strip()):
        return bool(url) and not _column_path(urlsplit(url).path or "/")
    return True


def says_column(text: str) -> str | None:
    """'column' for a year column (2023年度) or a report column (县教育局年报), 'index' for a
    sub-site index (各部门, 各乡镇), None otherwise."""
    text = text.strip()
    if _YEAR_COLUMN.match(text):
        return "column"
    if _SUBSITE.match(text):
        return "index"
    if len(text) <= 40 and (text.endswith(("年报", "年度报告", "年报专栏", "年度报告专栏")) or "年报" in text) \
            and not _YEAR.search(text):
        return "column"
    return None


# --------------------------------------------------------------------------- the crawler


class Crawler:
    """Follows a report column (see the module's docstring); `items()` gives its reports as
    InputItems for the store's ingest, whose `progress` callback must be `on_stored`."""

    def __init__(self, start: str, fetcher: Fetcher, log: CrawlLog | None, options: CrawlOptions = CrawlOptions(),
                 on_event: Callable[[str, str], None] | None = None) -> None:
        from .fetch import _check_url

        start = urldefrag(start.strip())[0]
        _check_url(start)
        self.start = start
        self.fetcher = fetcher
        self.log = None if options.dry_run else log
        self.options = options
        parts = urlsplit(start)
        self.hosts = {parts.netloc.lower()} | {h.lower() for h in options.allow_hosts}
        self.folder = _folder(parts.path or "/")
        self.stats = CrawlStats()
        self.problems: list[CrawlProblem] = []
        self.on_event = on_event or (lambda event, url: None)
        self.done: dict[str, str] = log.done() if log is not None else {}
        self.seen: set[str] = set()
        self.offsite: set[str] = set()
        self.chrome: set[str] = set()  # the start page's links: the site's navigation
        self.queue: deque[Target] = deque()
        self.requests = 0
        self._pending: dict[str, tuple[str, tuple[str, int]]] = {}  # item URL -> (its report URL, digest)
        self._open: dict[str, list] = {}  # report URL -> [items not stored yet, Target, failed?, digest]

    # ------------------------------------------------------------------ outcomes
    def _record(self, url: str, status: str, **kw) -> None:  # type: ignore[no-untyped-def]
        if self.log is not None:
            self.log.record(url, status, **kw)

    def on_stored(self, event: str, name: str) -> None:
        """The ingest's progress callback: `name` (an item's URL) is now in the store."""
        if event not in ("new", "duplicate", "failed"):
            return
        self.on_event("stored", name)
        pending = self._pending.pop(name, None)
        if pending is None:
            return
        source, digest = pending
        entry = self._open.get(source)
        if name != source and entry is not None:
            self._record(name, REPORT, referrer=source, depth=entry[1].depth + 1, digest=digest)
        if entry is None:
            return
        entry[0] -= 1
        if entry[0] == 0:
            del self._open[source]
            target, failed = entry[1], entry[2]
            if failed:
                self._record(source, FAILED, error=_PARTLY, referrer=target.referrer, depth=target.depth,
                             digest=entry[3])
            else:
                self._record(source, REPORT, referrer=target.referrer, depth=target.depth, digest=entry[3])

    # ------------------------------------------------------------------ the walk
    def _allowed_host(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.netloc.lower() in self.hosts or (parts.hostname or "") in self.hosts

    def _get(self, target: Target) -> Fetched | None:
        """The page, or None (logged: failed, or skipped by robots.txt)."""
        self.requests += 1
        try:
            return self.fetcher.get(target.url)
        except NianbaoError as exc:
            self._fail(target.url, exc, target.referrer, target.depth)
            return None

    def _fail(self, url: str, exc: NianbaoError, referrer: str | None, depth: int | None) -> bool:
        """Log a URL that could not be fetched; whether robots.txt refused it (not a failure)."""
        robots = isinstance(exc, FetchError) and "robots.txt" in exc.message_en and "disallows" in exc.message_en
        if robots:  # the site's choice, not a failure (and no request was made)
            self.stats.robots += 1
            self.requests -= 1
            if url == self.start:
                self.problems.append(CrawlProblem(url, exc, referrer))
        else:
            self.problems.append(CrawlProblem(url, exc, referrer))
            self.stats.failed += 1
        self._record(url, SKIPPED if robots else FAILED, note=NOTE_ROBOTS if robots else None, error=exc.message_zh,
                     referrer=referrer, depth=depth)
        self.on_event("failed", url)
        return robots

    def _add(self, target: Target) -> None:
        if target.url in self.seen:
            return
        self.seen.add(target.url)
        if target.kind == LISTING:
            self.queue.append(target)
            return
        if target.url in self.done:
            if self.done[target.url] == REPORT:
                self.stats.already += 1
            else:
                self.stats.not_reports += 1
            if self.options.dry_run:
                self.stats.known.append(target)
            return
        if self.options.dry_run:
            try:
                self.fetcher._allowed(target.url)  # robots.txt (read once per host)
            except NianbaoError:
                self.stats.robots += 1
                return
            self.stats.planned.append(target)
            self.on_event("planned", target.url)
            return
        self.queue.append(target)

    def _follow(self, page_url: str, target: Target, links: list[PageLink], scripts: list[str]) -> None:
        for url in pager_urls(page_url, scripts):
            if self._allowed_host(url):
                self._add(Target(url, LISTING, target.depth, page_url, role=target.role))
        for link in links:
            url, text = link.url, link.text
            if url in self.seen:
                continue
            if not self._allowed_host(url):
                if url not in self.offsite:
                    self.offsite.add(url)
                    self.stats.offsite += 1
                if says_report(text, url) or (_is_document(url, text) and any(w in text for w in REPORT_WORDS)):
                    self.seen.add(url)
                    self._record(url, SKIPPED, note=NOTE_OFFSITE, referrer=page_url, depth=target.depth + 1)
                continue
            if _is_document(url, text):
                if any(w in text or w in unquote(url) for w in REPORT_WORDS):
                    self._add(Target(url, REPORT, target.depth + 1, page_url, text))
                continue
            if says_report(text, url):
                self._add(Target(url, REPORT, target.depth + 1, page_url, text))
                continue
            if _is_pager(url, page_url):
                self._add(Target(url, LISTING, target.depth, page_url, text, target.role))
                continue
            if target.depth >= self.options.max_depth:
                continue
            role = says_column(text)
            path = urlsplit(url).path or "/"
            if self._home_or_parent(path):
                continue  # the site's home page, the breadcrumbs above the start column
            if role is None and target.role == "index" and _AGENCY.search(text) and len(text) <= 30 \
                    and url not in self.chrome:
                role = "column"  # an agency on a sub-site index: its own report column
            if role is None and self.folder != "/" and path.startswith(self.folder) and _column_path(path) \
                    and not _YEAR.search(text):
                role = "column"  # a sub-column of the start column (…/ndbg/bmnb/index.html)
            if role is not None:
                self._add(Target(url, LISTING, target.depth + 1, page_url, text, role))

    def _home_or_parent(self, path: str) -> bool:
        folder = _folder(path)
        return _column_path(path) and folder != self.folder and self.folder.startswith(folder)

    def _listing(self, target: Target) -> None:
        page = self._get(target)
        if page is None:
            return
        self.stats.listings += 1
        self.on_event("listing", target.url)
        self._record(target.url, LISTING, referrer=target.referrer, depth=target.depth, data=page.data)
        if not page.is_html:
            return
        try:
            links, scripts = page_links(page)
        except NianbaoError:
            return
        if page.url != target.url:  # redirected: the links are relative to where it landed
            self.seen.add(page.url)
            if not self._allowed_host(page.url):
                return  # ... on another host: not followed
        if target.url == self.start:
            self.chrome = {link.url for link in links}
        self._follow(page.url, target, links, scripts)

    def _report(self, target: Target) -> Iterator[InputItem]:
        page = self._get(target)
        if page is None:
            return
        self.stats.reports += 1
        self.on_event("report", target.url)
        items: list[InputItem] = []
        failed = refused = False
        if not page.is_html:
            items.append(InputItem(target.url, page.data))
        else:
            links = []
            for link in report_links(page, self.fetcher.policy.max_attachments):
                if link.url in self.seen and link.url != target.url:
                    continue
                self.seen.add(link.url)
                if not self._allowed_host(link.url):
                    self.offsite.add(link.url)
                    self.stats.offsite = len(self.offsite)
                    self._record(link.url, SKIPPED, note=NOTE_OFFSITE, referrer=target.url, depth=target.depth + 1)
                    continue
                links.append(link)
            try:
                page_is_report = is_report(page.data)
            except Exception:  # noqa: BLE001 - a parser bug: the ingest stores the page as failed, with the reason
                page_is_report = True
            if page_is_report:
                items.append(InputItem(target.url, page.data))
            for link in links:
                if link.url in self.done:
                    self.stats.already += 1
                    continue
                if self._capped():
                    failed = True  # not finished: the next run comes back to it
                    break
                self.requests += 1
                try:
                    data = self.fetcher.get(link.url).data
                except NianbaoError as exc:
                    if self._fail(link.url, exc, target.url, target.depth + 1):
                        refused = True
                    else:
                        failed = True
                    continue
                self.stats.attachments += 1
                self.on_event("attachment", link.url)
                items.append(InputItem(link.url, data))
            if not items and not failed and not links:
                self.stats.not_reports += 1
                self._record(target.url, SKIPPED, note=NOTE_NOT_REPORT, referrer=target.referrer, depth=target.depth,
                             data=page.data)
                return
        if not items:  # every report file it links is stored already, or could not be fetched
            if failed:
                self._record(target.url, FAILED, error=_PARTLY, referrer=target.referrer, depth=target.depth,
                             data=page.data)
            elif refused:
                self._record(target.url, SKIPPED, note=NOTE_ROBOTS, referrer=target.referrer, depth=target.depth,
                             data=page.data)
            else:
                self._record(target.url, REPORT, referrer=target.referrer, depth=target.depth, data=page.data)
            return
        self._open[target.url] = [len(items), target, failed, _digest(page.data)]
        for item in items:
            assert item.data is not None  # (made above from fetched bytes)
            self._pending[item.name] = (target.url, _digest(item.data))
        for item in items:
            yield item

    def _capped(self) -> bool:
        if self.requests >= self.options.max_pages:
            self.stats.capped = True
            return True
        return False

    def items(self) -> Iterator[InputItem]:
        """Crawl; the reports found, as they are fetched."""
        self._add(Target(self.start, LISTING, 0))
        while self.queue:
            if self._capped():
                return
            target = self.queue.popleft()
            if target.kind == LISTING:
                self._listing(target)
            else:
                yield from self._report(target)

    def run_dry(self) -> CrawlStats:
        for _ in self.items():  # pragma: no cover - a dry run queues no report
            pass
        return self.stats


__all__ = ["Crawler", "CrawlLog", "CrawlOptions", "CrawlStats", "CrawlProblem", "page_links", "pager_urls",
           "says_report", "says_column", "LISTING", "REPORT", "SKIPPED", "FAILED"]
