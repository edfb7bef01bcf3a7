"""The main content of a web page, among site chrome.

Government pages wrap a report in navigation menus, breadcrumbs, footers, "相关链接" lists
and, on mirror sites, link farms and injected spam.  The report is the element that holds
the most evidence of one — distinct section headings (found as `segment` finds them, after
`normalize`, so traditional and pinyin mirrors work) plus data tables — and, of the elements
holding all of it, the deepest.  With too little evidence, the densest block of non-link
text is taken instead.  Inside it, navigation-like elements (by tag, class/id words, or
link density) that hold no evidence are dropped, and so are short chrome lines ("上一篇",
"打印本页").  A title printed outside the article (an `<h1>` above it, or the `<title>`)
is put back in front.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from ..normalize import normalize_text
from ..segment import find_sections, find_title


@dataclass
class Line:
    """One line of the page, before the main content is chosen."""

    text: str
    owner: etree._Element | None  # the block element it came from (the table, for a grid row)
    grid: bool = False
    row: int = 0  # 1-based row number in its table, for grid rows
    origin: str | None = None  # set for a title taken from outside the article


CHROME_TAGS = frozenset({"nav", "aside", "footer", "menu"})
CHROME_WORDS = frozenset({
    "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "footer",
    "foot", "copyright", "share", "bdshare", "related", "relate", "xglj", "xgwz", "sidebar", "toolbar", "topbar",
    "friendlink", "links", "pager", "pagination", "dqwz", "position", "location",
})
_CHROME_LINE = re.compile(
    r"^[\[【(（]?\s*(?:相关(?:链接|文章|阅读|新闻|信息|文件|稿件)|上一篇|下一篇|上一条|下一条|打印(?:本页|此页)?|关闭(?:窗口|本页)?"
    r"|分享到|扫一扫|字号|字体|当前位置|您现在的位置|您当前的位置|浏览次数|访问次数|阅读次数|【?收藏)"
)
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s-\s|——|--)\s*")
_TOKEN = re.compile(r"[a-z]+")
MIN_EVIDENCE = 2  # distinct headings + data tables needed to trust the evidence


class PageStats:
    """Text and link-text length of every element (one pass, children before parents)."""

    def __init__(self, body: etree._Element) -> None:
        self.elements = list(body.iter())  # holds the proxies, so identities stay stable
        self.text: dict[etree._Element, int] = {}
        self.link: dict[etree._Element, int] = {}
        self.links: dict[etree._Element, int] = {}
        for el in reversed(self.elements):
            own = _length(el.text) if isinstance(el.tag, str) else 0
            text = link = links = 0
            for child in el:
                text += self.text.get(child, 0) + _length(child.tail)
                link += self.link.get(child, 0)
                links += self.links.get(child, 0)
            self.text[el] = own + text
            is_link = el.tag == "a"
            self.link[el] = own + text if is_link else link
            self.links[el] = links + is_link

    def content(self, el: etree._Element) -> int:
        return self.text.get(el, 0) - self.link.get(el, 0)


def _length(s: str | None) -> int:
    return len("".join(s.split())) if s else 0


def _evidence(lines: list[Line], norm: list[str]) -> dict[etree._Element, int]:
    """Per element: distinct section headings plus data tables inside it."""
    keys: dict[etree._Element, set[str]] = {}
    tables: dict[etree._Element, set[int]] = {}
    for ln, text in zip(lines, norm):
        if ln.row:
            mark = ("table", id(ln.owner))
        else:
            found = find_sections([text]) if len(text) <= 120 else []
            if not found:
                continue
            mark = ("heading", found[0].key)
        for el in (ln.owner, *ln.owner.iterancestors()):
            (keys if mark[0] == "heading" else tables).setdefault(el, set()).add(mark[1])  # type: ignore[arg-type]
    return {el: len(keys.get(el, ())) + len(tables.get(el, ())) for el in keys.keys() | tables.keys()}


def _depth(el: etree._Element) -> int:
    return sum(1 for _ in el.iterancestors())


def _densest(body: etree._Element, stats: PageStats) -> etree._Element:
    """Descend from `body` while one child holds most of the non-link text."""
    node = body
    while True:
        children = [c for c in node if isinstance(c.tag, str)]
        if not children:
            return node
        best = max(children, key=stats.content)
        if stats.content(best) <= 0 or stats.content(best) < 0.6 * stats.content(node):
            return node
        node = best


def _is_chrome(el: etree._Element, stats: PageStats) -> bool:
    if el.tag in CHROME_TAGS:
        return True
    words = set(_TOKEN.findall(f"{el.get('class') or ''} {el.get('id') or ''}".lower()))
    if words & CHROME_WORDS:
        return True
    text = stats.text.get(el, 0)
    return stats.links.get(el, 0) >= 3 and text > 0 and stats.link.get(el, 0) >= 0.5 * text


def _title_line(before: list[tuple[Line, str]], page_title: str) -> Line | None:
    """The nearest title-like line above the article, else the page's `<title>`."""
    for ln, text in reversed(before):
        if not ln.row and find_title([text], 1)[1] is not None:
            return Line(ln.text, ln.owner, origin="标题")
    for part in _TITLE_SEPARATORS.split(page_title):
        if find_title([normalize_text(part)], 1)[1] is not None:
            return Line(part.strip(), None, origin="网页标题")
    return None


def select(body: etree._Element, lines: list[Line], page_title: str = "") -> list[Line]:
    """The lines of the page's main content, in order."""
    if not lines:
        return []
    norm = normalize_text("\n".join(ln.text for ln in lines)).split("\n")
    if len(norm) != len(lines):
        norm = [ln.text for ln in lines]
    stats = PageStats(body)
    evidence = _evidence(lines, norm)
    best = max(evidence.values(), default=0)
    if best >= MIN_EVIDENCE:
        root = max((el for el, n in evidence.items() if n == best), key=_depth)
    else:
        root = _densest(body, stats)
    inside = set(root.iter())
    chrome: dict[etree._Element, bool] = {}

    def in_chrome(el: etree._Element) -> bool:
        for anc in (el, *el.iterancestors()):
            if anc is root:
                return False
            if anc not in chrome:
                chrome[anc] = anc not in evidence and _is_chrome(anc, stats)
            if chrome[anc]:
                return True
        return False

    kept: list[tuple[Line, str]] = []
    first = None
    for i, (ln, text) in enumerate(zip(lines, norm)):
        if ln.owner not in inside or in_chrome(ln.owner):
            continue
        if not ln.row and len(text) <= 40 and _CHROME_LINE.match(text):
            continue
        first = i if first is None else first
        kept.append((ln, text))
    if not kept:
        return []
    sections = find_sections([t for _, t in kept])
    limit = sections[0].line_start - 1 if sections else 15
    if find_title([t for _, t in kept], max(limit, 1))[1] is None:
        title = _title_line(list(zip(lines, norm))[: first or 0], page_title)
        if title is not None:
            return [title] + [ln for ln, _ in kept]
    return [ln for ln, _ in kept]
