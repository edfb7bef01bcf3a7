"""HTML pages (saved pages, fragments, mirror copies) -> lines; data tables as grids.

1. decode: a byte-order mark, else the page's own `<meta charset>` / `http-equiv` /
   `<?xml encoding?>` (gb2312 and gbk read as gb18030) unless the bytes are valid UTF-8
   (a re-encoded page that kept its old declaration), else `readers.text` detection;
2. parse with lxml, safely: no network, no entity expansion, no huge trees (libxml2 stops
   at 256 levels of nesting; a page cut there gets a note);
3. drop what is never content: scripts, styles, forms controls, hidden elements, ruby
   annotations (pinyin mirrors);
4. walk the blocks in order: a paragraph is a line, a data table is one tab-separated line
   per row (a merged cell once, in its first row; the positions it covers left out; an
   empty or `&nbsp;` cell an empty string);
5. keep the main content (`htmlcontent.select`): the element holding the report's section
   headings and tables (else the densest text), without navigation, "相关链接" and link farms,
   and with the title when the page prints it outside the article;
6. a page whose visible body holds no report but whose scripts hold report HTML in a
   string (``var content = "<p>…</p><table>…"``, ``document.write('…')``) is read from
   that HTML (`htmlscript`), with an info finding saying so.
"""
from __future__ import annotations

import codecs
import email
import email.policy
import gc
import heapq
import re
import threading
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager

from lxml import etree

from ...errors import UnreadableInput
from ...model import Document, LineMeta
from ...rules import finding
from ..normalize import normalize_text
from ..headings import find_headings
from .htmlcontent import Line, select
from .htmlscript import script_html
from .text import decode as detect_and_decode

_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:\-]+)""", re.IGNORECASE)
_GB_NAMES = frozenset({"gb2312", "gbk", "x-gbk", "cp936", "gb_2312", "gb_2312-80", "chinese", "csgb2312",
                       "euc-cn", "x-euc-cn", "iso-ir-58", "gb18030", "hz-gb-2312"})
_BIG5_NAMES = frozenset({"big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5"})
# Python codecs that are not the encoding of any web page (bytes-to-bytes codecs are
# recognised by codecs' own flag)
_NOT_PAGE_CODECS = frozenset({"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7", "charmap"})
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# control characters libxml2 rejects, as UTF-8 bytes (each is one ASCII byte there, never part of
# a longer sequence): deleted from the encoded page by bytes.translate, far quicker than a regex on the text
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_WS = re.compile(r"[ \t\n\r\f\v]+")

NEVER_CONTENT = ("script", "style", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
                 "svg", "math", "canvas", "audio", "video", "select", "option", "button", "textarea", "input",
                 "map", "rt", "rp", "head", "link", "meta")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?:left|top|text-indent)\s*:\s*-\d{3,}|font-size\s*:\s*0(?![.\d])",
    re.IGNORECASE,
)
BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav ol p pre section "
    "summary table tbody td tfoot th thead tr ul".split()
)
MAX_COLUMNS = 200  # a table wider than this is not a report table: its positions are not trusted
MAX_CELL_TEXT = 300  # a cell with more text than this is page layout, not a data cell


def declared_encoding(head: bytes) -> str | None:
    """The encoding the page declares in its first bytes, as a Python codec name."""
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return _codec(m.group(1).decode("ascii", "ignore")) if m else None


def _codec(label: str) -> str | None:
    label = label.lower()
    if label in _GB_NAMES:
        return "gb18030"
    if label in _BIG5_NAMES:
        return "big5hkscs"
    if label.startswith(("utf-16", "utf-32", "unicode")):
        return "utf-8"  # a page read as bytes cannot be UTF-16 without a BOM (WHATWG)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if info.name.startswith(("utf-16", "utf-32")):  # the same under another alias (utf_16, u16)
        return "utf-8"
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_CODECS:
        return None  # base64, zlib, rot13, undefined, unicode-escape: ignored, as a browser does
    return info.name


def decode_html(data: bytes, transport: str | None = None) -> tuple[str, str, bool]:
    """(text, encoding, lossy): a BOM; else the charset of the transport (a saved page's MIME
    header) or the page's own declaration, if it decodes; else detection."""
    return _decode(data, transport)[:3]


def _decode(data: bytes, transport: str | None) -> tuple[str, str, bool, bool]:
    """`decode_html`, and whether the text is `data` decoded as UTF-8 as it is (then `data`
    is the text's UTF-8: the parser is given it without encoding the text again)."""
    if not data.startswith(_BOMS):
        declared = (_codec(transport) if transport else None) or declared_encoding(data[:8192])
        if declared and declared != "utf-8":
            try:  # a page re-encoded to UTF-8 that still declares GBK: valid UTF-8 is never chance
                text = data.decode("utf-8")
                if not text.isascii():
                    return text, "utf-8", False, True
            except UnicodeDecodeError:
                pass
        if declared:
            try:
                return data.decode(declared), declared, False, declared == "utf-8"
            except UnicodeError:
                pass  # the page lies about its encoding: detect instead
    return (*detect_and_decode(data), False)


def mhtml_page(data: bytes) -> tuple[bytes, str | None]:
    """The HTML part of a web page saved as one file (.mht/.mhtml) and its MIME charset."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            body = part.get_payload(decode=True)
            if isinstance(body, bytes) and body.strip():
                return body, part.get_content_charset()
    raise UnreadableInput("网页存档（MHT）中没有网页正文。", "The saved web archive (MHT) holds no HTML page.")


def parse_tree(text: str, encoded: bytes | None = None) -> tuple[etree._Element, bool]:
    """The page's root element and whether libxml2 cut it at its nesting limit (`encoded`:
    the text's UTF-8, when the caller has it)."""
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                              huge_tree=False, default_doctype=False, recover=True)
    root = etree.fromstring((text.encode("utf-8") if encoded is None else encoded).translate(None, _CONTROL_BYTES), parser)
    if root is None:
        raise UnreadableInput("网页没有任何内容。", "The web page has no content.")
    cut = any("depth" in err.message.lower() for err in parser.error_log)
    return root, cut


def page_title(root: etree._Element) -> str:
    el = next(root.iterdescendants("title"), None)  # (root.find(".//title") without ElementPath)
    return _WS.sub(" ", "".join(el.itertext())).strip() if el is not None else ""


def _drop(el: etree._Element) -> None:
    """Remove `el` and its subtree, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# the `style` and `hidden` attributes of the tree, in document order
_HIDING_ATTRS = etree.XPath("descendant-or-self::*/@style | descendant-or-self::*/@hidden")


def strip_non_content(root: etree._Element) -> None:
    etree.strip_elements(root, *NEVER_CONTENT, with_tail=False)
    # only elements with a `hidden` or `style` attribute, in document order (XPath, not a
    # Python pass over every node of a multi-megabyte page)
    hiding: dict[str, bool] = {}  # style -> hides? (a page repeats a few styles on many elements)

    def hides(style: str) -> bool:
        found = hiding.get(style)
        if found is None:
            found = hiding[style] = _HIDDEN_STYLE.search(style) is not None
        return found

    hidden: list[etree._Element] = []
    seen: set[etree._Element] = set()
    for attr in _HIDING_ATTRS(root):  # (selecting the attributes is several times quicker than a predicate on each element)
        el = attr.getparent()
        if el in seen:
            continue
        seen.add(el)
        if el.get("hidden") is not None or hides(el.get("style") or ""):
            hidden.append(el)
    for el in hidden:
        _drop(el)


def _cells(tr: etree._Element) -> list[etree._Element]:
    return list(tr.iterchildren("td", "th"))


def cell_text(cell: etree._Element) -> str:
    """The text of one cell on one line: `<br>` and paragraphs inside it joined by a space."""
    if not len(cell):  # a bare cell (most cells of big tables): no walk
        text = cell.text or ""
        return text if text.isalnum() else _WS.sub(" ", text).strip()  # a number or a word: as it is
    el = cell  # a chain of single wrappers (<td><p><span>12</span></p></td>): its one piece of text, without
    while True:  # lxml's itertext (a walk with events, ~10x slower than following the chain)
        text = el.text
        n = len(el)
        if not n:
            if not text or text.isspace():
                return ""
            return text if text.isalnum() else _WS.sub(" ", text).strip()  # (as a bare cell's)
        if n > 1 or text and not text.isspace():
            break
        child = el[0]
        tail = child.tail
        if not isinstance(child.tag, str) or tail and not tail.isspace():
            break
        el = child
    pieces = [t for t in cell.itertext() if t.strip()]
    if len(pieces) < 2:  # one piece of text: the spaces of blocks would be stripped
        return _WS.sub(" ", pieces[0]).strip() if pieces else ""
    parts: list[str] = []
    for event, el in etree.iterwalk(cell, events=("start", "end")):
        tag = el.tag
        block = tag == "br" or tag in BLOCK_TAGS
        if event == "start":
            parts.append(" " if block else "")
            parts.append(el.text or "" if isinstance(tag, str) else "")
        else:
            parts.append(" " if block else "")
            if el is not cell:
                parts.append(el.tail or "")
    return _WS.sub(" ", "".join(parts)).strip()


def _rows_in_order(table: etree._Element) -> list[etree._Element]:
    if next(table.iter("tfoot"), None) is None:  # (most tables: no look at each row's parent)
        return list(table.iter("tr"))
    body: list[etree._Element] = []
    foot: list[etree._Element] = []  # a footer's rows last, wherever the page puts it (one pass: 10,000 rows are fine)
    for tr in table.iter("tr"):
        parent = tr.getparent()
        (foot if parent is not None and parent.tag == "tfoot" else body).append(tr)
    return body + foot


_SPANNED = etree.XPath("boolean(descendant::*[self::td or self::th][@colspan or @rowspan])")


def _spanned(table: etree._Element, rows: list[list[etree._Element]]) -> bool:
    """Whether a cell of the table has a colspan or rowspan: the rows' own cells first (a
    spanned header answers at once), then any other td/th below the table."""
    for cells in rows:
        for cell in cells:
            if cell.get("colspan") is not None or cell.get("rowspan") is not None:
                return True
    return bool(_SPANNED(table))


def data_table(table: etree._Element) -> tuple[list[list[etree._Element]], list[list[str]]] | None:
    """The rows (cells, and their texts) of a grid of short cells; None for a table that
    holds tables or long text, which is page layout."""
    if next(table.iterdescendants("table"), None) is not None:
        return None
    rows = [_cells(tr) for tr in _rows_in_order(table)]
    if not rows or max(len(r) for r in rows) < 2:
        return None
    texts = []
    ws = _WS
    for r in rows:
        row_texts = []
        for c in r:
            if len(c):
                text = cell_text(c)
            else:  # a bare cell (most cells of big tables), as `cell_text` reads it, inline
                text = c.text or ""
                if not text.isalnum():
                    text = ws.sub(" ", text).strip()
            if len(text) > MAX_CELL_TEXT:
                return None
            row_texts.append(text)
        texts.append(row_texts)
    return rows, texts


_SPAN = re.compile(r"\s*(\d+)")


def _span(value: str | None, limit: int) -> int:
    if value is None:
        return 1
    m = _SPAN.match(value)
    if not m:
        return 1
    return limit if len(m.group(1)) > 9 else min(int(m.group(1)), limit)  # no int() of 5,000 digits


def place(rows: list[list[etree._Element]], texts: list[list[str]]) -> list[tuple[list[int], set[int], int]] | None:
    """Per row: its cells' first grid columns (rowspans and colspans expanded; increasing),
    the columns the row covers (its own cells and rowspans from above) and the end column
    of its last cell with text (0 if none); None for a table too wide to be a report table
    (its positions are not trusted).

    Cost per row is its own cells plus the rowspans ending there (a heap of end rows), not
    the table's width: a rowspan of 65,534 over 200 columns is not re-counted on every row."""
    until: dict[int, int] = {}  # column -> first row no longer covered by a rowspan from above
    ends: list[tuple[int, int]] = []  # (end row, column), possibly stale (see `until`)
    out: list[tuple[list[int], set[int], int]] = []
    for r, (cells, cell_texts) in enumerate(zip(rows, texts)):
        while ends and ends[0][0] <= r:
            end, k = heapq.heappop(ends)
            if until.get(k) == end:
                del until[k]
        covered = set(until)
        firsts: list[int] = []
        stop = col = 0
        for cell, text in zip(cells, cell_texts):
            names = cell.keys()  # (one call listing the attributes is ~5x cheaper than two get()s)
            if "colspan" not in names and "rowspan" not in names:  # the common cell
                while col in covered:
                    col += 1
                if col >= MAX_COLUMNS:
                    return None
                firsts.append(col)
                covered.add(col)
                if col in until:  # over a column a rowspan above still held
                    del until[col]
                col += 1
                if text:
                    stop = col
                continue
            span = cell.get("colspan") if "colspan" in names else None
            down = cell.get("rowspan") if "rowspan" in names else None
            colspan = 1 if span is None else max(1, _span(span, 1000))
            rowspan = 1 if down is None else _span(down, 65534) or (len(rows) - r)  # rowspan=0: to the end
            while col in covered:
                col += 1
            if col + colspan > MAX_COLUMNS:
                return None
            firsts.append(col)
            for k in range(col, col + colspan):
                covered.add(k)
                if rowspan > 1:
                    until[k] = r + rowspan
                    heapq.heappush(ends, (r + rowspan, k))
                elif k in until:  # a cell of this row over a column a rowspan above still held
                    del until[k]
            col += colspan
            if text:
                stop = col
        out.append((firsts, covered, stop))
    return out


def _placed_lines(table: etree._Element, placed: list[tuple[list[int], set[int], int]], texts: list[list[str]]) -> list[Line]:
    """`grid.grid_lines` for the placed rows: the columns right of every cell with text
    dropped; a row reliable when it covers each remaining column."""
    used = max([stop for _, _, stop in placed], default=0)
    out = []
    for i, ((firsts, covered, _), t) in enumerate(zip(placed, texts)):
        if used:
            n = bisect_left(firsts, used)  # (the cells starting left of `used`)
            if not n:
                continue
            cells = t[:n] if n < len(t) else t
            reliable = covered.issuperset(range(used))
        elif t:
            cells, reliable = t, False
        else:
            continue
        out.append(Line("\t".join(cells), table, grid=reliable, row=i + 1))
    return out


def table_lines(table: etree._Element, rows: list[list[etree._Element]], texts: list[list[str]]) -> list[Line]:
    """One tab-separated line per row with cells (`grid` when the row's positions are reliable)."""
    if not _spanned(table, rows):
        return _plain_table_lines(table, texts)
    placed = place(rows, texts)
    if placed is None:
        return _loose_lines(table, texts)
    return _placed_lines(table, placed, texts)


def _loose_lines(table: etree._Element, texts: list[list[str]]) -> list[Line]:
    return [Line("\t".join(t), table, row=n) for n, t in enumerate(texts, start=1) if t]


def _plain_table_lines(table: etree._Element, texts: list[list[str]]) -> list[Line]:
    """`place` + `grid_lines` for a table without a rowspan or colspan, in one pass: each
    row's k-th cell is at column k and a row covers exactly its own cells."""
    if any(len(t) > MAX_COLUMNS for t in texts):
        return _loose_lines(table, texts)
    used = 0  # columns up to the last one with text anywhere
    for t in texts:
        for k in range(len(t) - 1, used - 1, -1):
            if t[k]:
                used = k + 1
                break
    out = []
    for i, t in enumerate(texts):
        cells = t[:used] if used else t
        if cells:
            out.append(Line("\t".join(cells), table, grid=used > 0 and len(t) >= used, row=i + 1))
    return out


def page_lines(body: etree._Element) -> list[Line]:
    """Every line of `body` in reading order (iterative: deep nesting cannot recurse)."""
    out: list[Line] = []
    parts: list[str] = []
    blocks: list[etree._Element] = [body]
    owner: list[etree._Element | None] = [None]
    pre = 0

    def add(text: str | None) -> None:
        if not text:
            return
        if pre:
            first, *rest = text.split("\n")
            add_piece(first)
            for piece in rest:
                flush()
                add_piece(piece)
        else:
            add_piece(text)

    def add_piece(text: str) -> None:
        if owner[0] is None and text.strip():
            owner[0] = blocks[-1]
        parts.append(text)

    def flush() -> None:
        raw = "".join(parts)
        text = raw.rstrip() if pre else _WS.sub(" ", raw)
        text = text.strip(" \u00a0\u3000\r\n")
        if text and owner[0] is not None:
            out.append(Line(text, owner[0]))
        parts.clear()
        owner[0] = None

    walker = etree.iterwalk(body, events=("start", "end"))
    for event, el in walker:
        tag = el.tag  # (read once: lxml makes a new string on every read)
        if not isinstance(tag, str):
            tag = ""
        if event == "start":
            grid = data_table(el) if tag == "table" else None
            if grid is not None:
                flush()
                out.extend(table_lines(el, *grid))
                walker.skip_subtree()
                blocks.append(el)
                continue
            block = tag in BLOCK_TAGS
            if block or tag == "br":
                flush()
            if block:
                blocks.append(el)
            if tag == "pre":
                pre += 1
            if tag:
                add(el.text)
            continue
        if tag in BLOCK_TAGS:
            flush()
            blocks.pop()
        if tag == "pre":
            pre -= 1
        if el is not body:
            add(el.tail)
    flush()
    return out


_gc_lock = threading.Lock()
_gc_readers = 0  # pages being read now, in all threads
_gc_was_enabled = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while a page is read.  The reader makes
    a few objects per element, cell and line, nearly all freed by reference counting; the
    collector, run every few hundred allocations, re-traverses the growing heap each time
    it reaches the oldest generation: 40% of the time of a page of 200,000 table rows, 15%
    of a realistic 4 MB page.  Re-entrant and thread-safe: the last reader out turns it
    back on, and only if it was on when the first came in."""
    global _gc_readers, _gc_was_enabled
    with _gc_lock:
        if _gc_readers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_readers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_readers -= 1
            if _gc_readers == 0 and _gc_was_enabled:
                gc.enable()


def read_html(data: bytes) -> Document:
    with collector_paused():
        return _read_html(data)


def _read_html(data: bytes) -> Document:
    transport = None
    head = data[:2048].lower()
    if b"mime-version:" in head and b"multipart/related" in head:
        data, transport = mhtml_page(data)
    text, encoding, lossy, as_is = _decode(data, transport)
    root, cut = parse_tree(text, data if as_is and isinstance(data, bytes) else None)
    title = page_title(root)
    scripts = [(el.get("type"), el.text or "") for el in root.iter("script") if el.text]
    chosen = _content(root, title)
    from_script = False
    if scripts:
        chosen, from_script = _script_content(scripts, chosen, title)
    if not chosen:
        raise UnreadableInput("网页中没有可读的正文。", "The web page has no readable text.")
    doc = Document(lines=[ln.text for ln in chosen], meta=_origins(chosen), reader="html", encoding=encoding)
    if from_script:
        doc.notes.append(finding("N7", "网页的可见正文中没有报告，报告内容写在网页脚本（JavaScript）的字符串里，已从中读取。", severity="info",
                                 detail="html-in-script"))
    if lossy:
        doc.notes.append(finding("N7", f"网页中有无法按 {encoding} 解码的字节，已用替换字符代替。", detail=encoding))
    if cut:
        doc.notes.append(finding("N7", "网页嵌套层数超过256层，超出部分未能读取，内容可能不完整。", detail="libxml2 nesting limit"))
    return doc


def _content(root: etree._Element, title: str) -> list[Line]:
    """The main content lines of a parsed page (its scripts, styles and hidden parts dropped)."""
    strip_non_content(root)
    body = root.find("body")
    lines = page_lines(body if body is not None else root)
    return select(body if body is not None else root, lines, title)


def report_evidence(lines: list[Line]) -> int:
    """Distinct section headings plus data tables among `lines`: how much of a report they hold."""
    tables = {id(ln.owner) for ln in lines if ln.row}
    norm = normalize_text("\n".join(ln.text for ln in lines if not ln.row)).split("\n")
    return len(tables) + len(find_headings(norm))


def _script_content(scripts: list[tuple[str | None, str]], chosen: list[Line], title: str) -> tuple[list[Line], bool]:
    """The report written inside the page's scripts (`htmlscript`), when the visible body
    holds less of one: (lines, True); else (`chosen`, False)."""
    markup = script_html(scripts)
    if not markup:
        return chosen, False
    root, _ = parse_tree(f"<html><body>{markup}</body></html>")
    lines = _content(root, title)
    evidence = report_evidence(lines) if lines else 0
    if evidence and evidence > report_evidence(chosen):  # (none in the scripts: the page's own is not counted)
        return lines, True
    return chosen, False


def _origins(lines: list[Line]) -> list[LineMeta]:
    """"表格2 第5行" for grid rows, "第12段" for paragraphs, "标题"/"网页标题" for a title
    taken from above the article or from the page's `<title>`."""
    tables: dict[int, int] = {}
    out = []
    paragraph = 0
    for ln in lines:
        if ln.origin:
            out.append(LineMeta(origin=ln.origin))
        elif ln.row:
            number = tables.setdefault(id(ln.owner), len(tables) + 1)
            out.append(LineMeta(origin=f"表格{number} 第{ln.row}行", grid=ln.grid))
        else:
            paragraph += 1
            out.append(LineMeta(origin=f"第{paragraph}段"))
    return out
