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
from ..headings import find_headings, find_title, heading_word_lines


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
_KEEP, _CHROME, _OUTSIDE = 0, 1, 2  # where a line's block lies, relative to the chosen root


class PageStats:
    """Text and link-text length of the elements of a subtree, each measured when first
    asked for: the first question about an element measures its whole subtree in one pass
    (children before parents), so elements asked about top-down cost one pass in all, and
    a subtree nobody asks about (a menu recognised by its class) is never walked."""

    def __init__(self, body: etree._Element, opaque: frozenset[etree._Element] = frozenset()) -> None:
        """`opaque`: elements (data tables) whose own totals are wanted but never those of
        the elements inside them; each is measured in one C-level pass."""
        self.text: dict[etree._Element, int] = {}
        self.link: dict[etree._Element, int] = {}
        self.links: dict[etree._Element, int] = {}
        self.opaque = opaque
        self.elements_only = next(body.iter(etree.Comment, etree.ProcessingInstruction, etree.Entity), None) is None

    def totals(self, el: etree._Element) -> tuple[int, int, int]:
        """(text, link text, links) of `el`'s subtree."""
        if el not in self.text:
            if self.elements_only:
                self._walk(el, self.opaque)
            else:
                self._children(el)
        return self.text[el], self.link[el], self.links[el]

    def _children(self, body: etree._Element) -> None:
        """Each node from its children's totals (comments, entities: their tails count)."""
        for el in reversed(list(body.iter())):  # the dicts hold the proxies: identities stay stable
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

    def _walk(self, body: etree._Element, opaque: frozenset[etree._Element]) -> None:
        """The same totals in one walk with a stack, for a tree of elements only (what the
        reader's parser leaves): no per-child lookups."""
        text_of, link_of, links_of = self.text, self.link, self.links
        stack: list[list[int]] = []  # per open element: [text, link text, links] so far
        walker = etree.iterwalk(body, events=("start", "end"))
        for event, el in walker:
            if event == "start":
                if el in opaque and el is not body and not _COUNT_LINKS(el):
                    # no links inside: its text is its text nodes' (no comments in this tree)
                    walker.skip_subtree()
                    stack.append([_length("".join(el.itertext())), 0, 0])
                else:
                    stack.append([_length(el.text), 0, 0])
                continue
            text, link, links = stack.pop()
            if el.tag == "a":
                link, links = text, links + 1
            text_of[el] = text
            link_of[el] = link
            links_of[el] = links
            if stack:
                parent = stack[-1]
                parent[0] += text + (_length(el.tail) if el is not body else 0)
                parent[1] += link
                parent[2] += links

    def content(self, el: etree._Element) -> int:
        text, link, _ = self.totals(el)
        return text - link


_COUNT_LINKS = etree.XPath("count(descendant-or-self::a)")


def _length(s: str | None) -> int:
    return len("".join(s.split())) if s else 0


def _evidence(lines: list[Line], norm: list[str]) -> dict[etree._Element, int]:
    """Per element: distinct section headings plus data tables inside it."""
    keys: dict[etree._Element, set[str]] = {}
    tables: dict[etree._Element, set[int]] = {}
    seen_tables: set[int] = set()
    worded = set(heading_word_lines(norm))  # (the few lines that can be headings, in one scan)
    last_table = None
    for i, (ln, text) in enumerate(zip(lines, norm)):
        if ln.owner is None:  # (only a title line made from the page's <title> has no element)
            continue
        if ln.row:
            if ln.owner is last_table or id(ln.owner) in seen_tables:  # one table's rows all mark the same elements
                continue
            last_table = ln.owner
            seen_tables.add(id(ln.owner))
            mark: tuple[str, int | str] = ("table", id(ln.owner))
        else:
            found = find_headings([text]) if i in worded and len(text) <= 120 else []
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
    text, link, links = stats.totals(el)
    return links >= 3 and text > 0 and link >= 0.5 * text


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
    norm = normalize_text("\n".join([ln.text for ln in lines])).split("\n")
    if len(norm) != len(lines):
        norm = [ln.text for ln in lines]
    evidence = _evidence(lines, norm)
    best = max(evidence.values(), default=0)
    if best >= MIN_EVIDENCE:
        root = max((el for el, n in evidence.items() if n == best), key=_depth)
        # only the article's elements are ever looked up, and of a data table only the table
        stats = PageStats(root, frozenset(ln.owner for ln in lines if ln.row))
    else:
        stats = PageStats(body)
        root = _densest(body, stats)
    state: dict[etree._Element, int] = {root: _KEEP}

    def status(el: etree._Element) -> int:
        """_KEEP inside `root`, _CHROME inside a chrome element below it, _OUTSIDE else
        (memoised per element, top-down along the ancestor path)."""
        path = []
        node = el
        while node is not None and node not in state:
            path.append(node)
            node = node.getparent()
        up = _OUTSIDE if node is None else state[node]
        for anc in reversed(path):
            if up == _KEEP and anc not in evidence and _is_chrome(anc, stats):
                up = _CHROME
            state[anc] = up
        return up

    kept: list[tuple[Line, str]] = []
    first = None
    for i, (ln, text) in enumerate(zip(lines, norm)):
        where = state.get(ln.owner)  # (known for most lines: all rows of a table, a block's lines)
        if (status(ln.owner) if where is None else where) != _KEEP:
            continue
        if not ln.row and len(text) <= 40 and _CHROME_LINE.match(text):
            continue
        first = i if first is None else first
        kept.append((ln, text))
    if not kept:
        return []
    headings = find_headings([t for _, t in kept])
    limit = headings[0].line if headings else 15
    if find_title([t for _, t in kept], max(limit, 1))[1] is None:
        title = _title_line(list(zip(lines, norm))[: first or 0], page_title)
        if title is not None:
            return [title] + [ln for ln, _ in kept]
    return [ln for ln, _ in kept]
