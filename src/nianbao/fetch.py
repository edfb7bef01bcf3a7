"""Reports from the web: a report page and the report files it links, fetched politely.

    problems: list[FetchProblem] = []
    with Fetcher() as fetcher:
        for item in fetch_reports(["https://www.example.gov.cn/art/2024/1/30/art_1.html"], fetcher, problems):
            ...  # InputItem(name=<the URL>, data=<the bytes as served>)

A URL that serves a document (PDF, Word, WPS, ...) is that report.  A URL that serves a
web page gives the report files it links or embeds (the attachments: 附件 …年度报告.pdf),
and the page itself when the page is the report (or when it links none, so that what it
is gets recorded).  Each item keeps the bytes exactly as served and its URL as its name.

Polite by default (`Politeness`): robots.txt is obeyed (RFC 9309: a missing robots.txt
allows everything, an unreachable one nothing; its Crawl-delay is honoured); requests go
one at a time, with `delay` seconds between two requests to the same host; a 429, a 5xx
or a network error is retried with exponential back-off (a Retry-After is honoured, up to
`max_wait`); every request has a timeout; a response over `max_bytes` is abandoned as
soon as that is known; the User-Agent says who is asking.  Page encodings (GBK, GB2312,
...) come from the HTTP header or the page itself (`readers.html.decode_html`).
"""
from __future__ import annotations

import email.utils
import time
import urllib.robotparser
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import Any
from urllib.parse import SplitResult, unquote, urldefrag, urljoin, urlsplit

import httpx

from . import __version__
from .formats import templates as T
from .errors import FetchError, LimitExceeded, NianbaoError
from .inputs import InputItem

DEFAULT_USER_AGENT = (f"nianbao/{__version__} (+https://pypi.org/project/nianbao/; reads government "
                      "information-disclosure annual reports; one request at a time)")
DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".rtf", ".odt", ".txt")
REPORT_HINTS = ("年报", "年度报告", "工作报告") + T.REPORT_TITLE_WORDS
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class Politeness:
    """How the fetcher behaves towards a site."""

    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 1.0  # seconds between two requests to one host (at least the robots.txt Crawl-delay)
    timeout: float = 30.0  # seconds to connect, and between two reads
    max_bytes: int = 100 * 1024 * 1024  # a larger response is abandoned
    retries: int = 3  # further attempts after a 429, a 5xx or a network error
    backoff: float = 2.0  # seconds before the first retry, doubled for each next one
    max_wait: float = 60.0  # the longest back-off, Retry-After or Crawl-delay honoured
    max_redirects: int = 5
    max_attachments: int = 20  # report files taken from one page


@dataclass
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str  # media type, lower case ("text/html")
    charset: str | None
    data: bytes
    location: str | None = None  # where a redirect points

    @property
    def is_html(self) -> bool:
        from .parsing.readers import sniff

        return self.content_type in _HTML_TYPES or (not self.content_type.startswith("application/")
                                                    and sniff(self.data[:4096]) == "html")


@dataclass
class FetchProblem:
    url: str
    error: NianbaoError
    page: str | None = None  # the page that linked it


@dataclass
class _Host:
    last: float | None = None  # when the last request to it ended (monotonic clock)
    robots: urllib.robotparser.RobotFileParser | None = None
    robots_error: NianbaoError | None = None
    checked: bool = False


class Fetcher:
    """Fetches URLs one at a time, politely (see `Politeness`)."""

    def __init__(self, policy: Politeness = Politeness(), *, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(policy.timeout), follow_redirects=False,
            headers={"User-Agent": policy.user_agent, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
        self.sleep = sleep
        self.clock = clock
        self.hosts: dict[str, _Host] = {}
        self.requests = 0

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ public
    def get(self, url: str) -> Fetched:
        """The response to GET `url`, after redirects; a FetchError (robots.txt, HTTP error,
        timeout, too many redirects) or LimitExceeded (too large) otherwise."""
        for _ in range(self.policy.max_redirects + 1):
            _check_url(url)
            self._allowed(url)
            response = self._request(url)
            if response.status in REDIRECT_STATUSES:
                url = urldefrag(urljoin(url, response.location or ""))[0]
                continue
            if response.status >= 400:
                raise FetchError(f"下载失败（HTTP {response.status}）：{url}", f"Download failed (HTTP {response.status}): {url}")
            return response
        raise FetchError(f"重定向次数过多：{url}", f"Too many redirects: {url}")

    # ------------------------------------------------------------------ robots.txt
    def _allowed(self, url: str) -> None:
        parts = urlsplit(url)
        host = self._host(parts)
        if not host.checked:
            host.checked = True
            self._load_robots(parts, host)
        if host.robots_error is not None:
            raise host.robots_error
        if host.robots is not None and not host.robots.can_fetch(self.policy.user_agent, url):
            raise FetchError(f"该网站的 robots.txt 不允许抓取：{url}", f"The site's robots.txt disallows fetching {url}")

    def _load_robots(self, parts: SplitResult, host: _Host) -> None:
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            response = None
            url = robots_url
            for _ in range(self.policy.max_redirects + 1):
                response = self._request(url)
                if response.status not in REDIRECT_STATUSES:
                    break
                url = urljoin(url, response.location or "")
        except LimitExceeded:
            return  # an absurd robots.txt: treated as none (RFC 9309 allows a 500 KiB cut)
        except FetchError as exc:  # unreachable: assume complete disallow (RFC 9309 2.3.1.4)
            host.robots_error = FetchError(f"无法读取该网站的 robots.txt，按规定暂不抓取：{robots_url}（{exc.message_zh}）",
                                           f"The site's robots.txt is unreachable, so nothing is fetched: {robots_url} "
                                           f"({exc.message_en})")
            return
        if response is None or 400 <= response.status < 500:
            return  # unavailable: everything is allowed
        if response.status >= 500 or response.status in REDIRECT_STATUSES:
            host.robots_error = FetchError(f"无法读取该网站的 robots.txt，按规定暂不抓取：{robots_url}",
                                           f"The site's robots.txt is unreachable, so nothing is fetched: {robots_url}")
            return
        parser = urllib.robotparser.RobotFileParser(robots_url)
        parser.parse(response.data.decode("utf-8", "replace").splitlines())
        host.robots = parser

    def _delay(self, host: _Host) -> float:
        crawl = host.robots.crawl_delay(self.policy.user_agent) if host.robots is not None else None
        return max(self.policy.delay, min(float(crawl or 0), self.policy.max_wait))

    # ------------------------------------------------------------------ one request, with retries
    def _host(self, parts: SplitResult) -> _Host:
        return self.hosts.setdefault(f"{parts.scheme}://{parts.netloc}".lower(), _Host())

    def _wait_turn(self, host: _Host) -> None:
        if host.last is not None:
            left = host.last + self._delay(host) - self.clock()
            if left > 0:
                self.sleep(left)

    def _request(self, url: str) -> Fetched:
        """GET once (retried on 429, 5xx and network errors); a redirect comes back unread,
        with its `location`; another error status comes back unread."""
        host = self._host(urlsplit(url))
        attempt = 0
        while True:
            self._wait_turn(host)
            retry_after: float | None = None
            try:
                self.requests += 1
                with self.client.stream("GET", url) as r:
                    if r.status_code in RETRY_STATUSES and attempt < self.policy.retries:
                        retry_after = _retry_after(r.headers.get("retry-after"))
                    elif r.status_code in REDIRECT_STATUSES and r.headers.get("location"):
                        return Fetched(str(r.url), r.status_code, "", None, b"", r.headers["location"])
                    elif r.status_code >= 400:
                        return Fetched(str(r.url), r.status_code, "", None, b"")
                    else:
                        return self._read(url, r)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt >= self.policy.retries:
                    what = "超时" if isinstance(exc, httpx.TimeoutException) else "网络错误"
                    raise FetchError(f"下载失败（{what}，已重试 {attempt} 次）：{url}",
                                     f"Download failed ({type(exc).__name__}, after {attempt} retries): {url}") from None
            finally:
                host.last = self.clock()
            wait = self.policy.backoff * 2 ** attempt
            self.sleep(min(max(wait, retry_after or 0), self.policy.max_wait))
            attempt += 1

    def _read(self, url: str, r: httpx.Response) -> Fetched:
        limit = self.policy.max_bytes
        declared = r.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(url, int(declared), limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in r.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _too_large(url, size, limit)
            chunks.append(chunk)
        media, _, params = r.headers.get("content-type", "").partition(";")
        charset = next((p.split("=", 1)[1].strip().strip('"') for p in params.split(";")
                        if p.strip().lower().startswith("charset=")), None)
        return Fetched(str(r.url), r.status_code, media.strip().lower(), charset, b"".join(chunks))


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(f"只能抓取 http 或 https 网址：{url}", f"Only http and https URLs can be fetched: {url}")


def _too_large(url: str, size: int, limit: int) -> LimitExceeded:
    return LimitExceeded(f"文件过大（超过 {limit // 1024 // 1024} MB），未下载：{url}",
                         f"Response too large (over {limit // 1024 // 1024} MB); not downloaded: {url} ({size} bytes so far)")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# --------------------------------------------------------------------------- pages and their report files


@dataclass
class Link:
    url: str
    text: str  # the link text (or title), e.g. 附件：2023年政府信息公开工作年度报告.pdf
    hinted: bool = False  # the text or URL says it is a report


def page_tree(page: Fetched) -> tuple[Any, str]:
    """The parsed tree of a fetched page and the URL its links are relative to (its <base>)."""
    from .parsing.readers.html import decode_html, parse_tree

    text, _, _ = decode_html(page.data, page.charset)
    root, _ = parse_tree(text)
    tag = root.find(".//base[@href]")
    return root, urljoin(page.url, tag.get("href", "").strip()) if tag is not None else page.url


def report_links(page: Fetched, limit: int = Politeness.max_attachments) -> list[Link]:
    """The report files a page links or embeds: links to documents (by the URL's or the link
    text's file type); when some of them say they are a report (年度报告, 年报), only those."""
    root, base = page_tree(page)
    found: dict[str, Link] = {}
    for el in root.iter("a", "iframe", "embed", "object"):
        href = el.get("href") or el.get("src") or el.get("data")
        if not href or href.strip().lower().startswith(("javascript:", "mailto:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(base, href.strip()))[0]
        label = " ".join("".join(el.itertext()).split()) or el.get("title", "")
        path = unquote(urlsplit(url).path).lower()
        if not (path.endswith(DOCUMENT_SUFFIXES) or label.lower().endswith(DOCUMENT_SUFFIXES)):
            continue
        if urlsplit(url).scheme not in ("http", "https") or url in found:
            continue
        hinted = any(h in label or h in unquote(url) for h in REPORT_HINTS)
        found[url] = Link(url, label, hinted)
    links = list(found.values())
    if any(link.hinted for link in links):
        links = [link for link in links if link.hinted]
    return links[:limit]


def is_report(data: bytes) -> bool:
    """Whether a page reads as an annual report itself (its title, sections or tables)."""
    from .parsing.pipeline import parse

    try:
        parse(data)
    except NianbaoError:
        return False
    return True


def fetch_reports(urls: Iterable[str], fetcher: Fetcher, problems: list[FetchProblem]) -> Iterator[InputItem]:
    """The reports at `urls` as inputs named by their URLs (see the module's docstring);
    what cannot be fetched goes to `problems`, with its reason."""
    seen: set[str] = set()
    for url in urls:
        if url in seen:
            continue
        seen.add(url)
        try:
            page = fetcher.get(url)
        except NianbaoError as exc:
            problems.append(FetchProblem(url, exc))
            continue
        if not page.is_html:
            yield InputItem(url, page.data)
            continue
        links = [link for link in report_links(page, fetcher.policy.max_attachments) if link.url not in seen]
        if not links or is_report(page.data):
            yield InputItem(url, page.data)
        for link in links:
            seen.add(link.url)
            try:
                yield InputItem(link.url, fetcher.get(link.url).data)
            except NianbaoError as exc:
                problems.append(FetchProblem(link.url, exc, page=url))


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))
