"""Word (DOCX) -> lines: paragraphs and tables in document order.

Read straight from the package's main part with lxml (python-docx is not needed to read).

* a paragraph is a line: its runs' text, `w:tab` as a tab, `w:br` starting a new line,
  its automatic list number (`docxnum`) in front; tracked deletions and moved-away text
  left out; text boxes read after the paragraph that anchors them;
* a table is one tab-separated line per row (`readers.grid`): a cell merged across columns
  (`gridSpan`) appears once, the continuation cells of a vertical merge (`vMerge`) or an
  old horizontal one (`hMerge`) are left out; a row that does not fill the table's grid is
  marked unreliable; an empty cell is an empty string;
* a table that holds tables is page layout: its cells are read as paragraphs and tables;
* content controls, smart tags, custom XML, hyperlinks and fields are read in place.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from lxml import etree

from ...errors import LimitExceeded, UnreadableInput
from ...model import Document, LineMeta
from .archive import UNPACK_ERRORS
from .docxnum import Numbering
from .grid import Cell, Row, grid_lines

MAX_PART_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for parts over 1 MB
MAX_COLUMNS = 200  # as in HTML: columns beyond are not tracked, so rows of a wider table are never reliable
MAIN_REL = "/officeDocument"
WRAPPERS = ("sdt", "sdtContent", "customXml", "smartTag", "ins", "moveTo")  # content read in place
WORDML_2003 = "http://schemas.microsoft.com/office/word/2003/wordml"
AUX_2003 = "{http://schemas.microsoft.com/office/word/2003/auxHint}"  # wx:sect, wx:sub-section, wx:t
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_comments=True, remove_pis=True)


def _bad(zh: str, en: str) -> UnreadableInput:
    return UnreadableInput(f"Word 文件无法读取：{zh}", f"The Word (DOCX) file cannot be read: {en}")


class Package:
    """The parts of a DOCX package, read with size limits."""

    def __init__(self, data: bytes, opened: zipfile.ZipFile | None = None) -> None:
        """`opened`: the package already opened on `data` (by `readers.sniff`)."""
        try:
            self.zip = opened if opened is not None else zipfile.ZipFile(io.BytesIO(data))
            self.names = set(self.zip.namelist())
            self._rels: dict[str, etree._Element | None] = {}
        except UNPACK_ERRORS:  # NotImplementedError: a central directory naming an unknown zip version
            raise _bad("文件不完整或已损坏（不是有效的 ZIP 包）。", "it is truncated or corrupt (not a valid zip package).") from None

    def read(self, name: str) -> bytes | None:
        if name not in self.names:
            return None
        info = self.zip.getinfo(name)
        if info.file_size > MAX_PART_BYTES or (info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size)):
            raise LimitExceeded(f"Word 文件的“{name}”部分解压后过大或压缩比异常（疑似压缩炸弹）。",
                                f"Part {name!r} of the Word file is too large unpacked or abnormally compressed (a zip bomb?).")
        try:
            with self.zip.open(info) as fh:
                # (no more than the declared size comes out, which is under the cap; asking zlib
                # for no more than that is several times faster on small parts than asking for the cap)
                return fh.read(info.file_size + 1)
        except UNPACK_ERRORS as exc:
            raise _bad(f"“{name}”部分已损坏。", f"part {name!r} is corrupt ({exc}).") from None

    def xml(self, name: str | None) -> etree._Element | None:
        body = self.read(name) if name else None
        if body is None:
            return None
        try:
            return etree.fromstring(body, _parser())
        except etree.XMLSyntaxError as exc:
            raise _bad(f"“{name}”部分的 XML 已损坏。", f"the XML of part {name!r} is corrupt ({exc}).") from None

    def related(self, source: str, rel_type: str) -> str | None:
        """The part that `source` ("" for the package) relates to by a relationship type ending in `rel_type`."""
        folder, base = posixpath.split(source)
        name = posixpath.join(folder, "_rels", base + ".rels")
        if name not in self._rels:  # (the main part's relationships are asked for twice)
            self._rels[name] = self.xml(name)
        rels = self._rels[name]
        if rels is None:
            return None
        for rel in rels:
            if (rel.get("Type") or "").endswith(rel_type) and rel.get("TargetMode") != "External":
                target = rel.get("Target") or ""
                return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        return None


class Names:
    """The qualified names of the WordprocessingML elements and attributes the reader looks
    for, made once per document (not an f-string per element)."""

    def __init__(self, ns: str) -> None:
        def q(name: str) -> str:
            return f"{{{ns}}}{name}"

        self.p, self.tbl, self.tr, self.tc, self.r = q("p"), q("tbl"), q("tr"), q("tc"), q("r")
        self.ppr, self.trpr, self.tcpr, self.val = q("pPr"), q("trPr"), q("tcPr"), q("val")
        self.t, self.tab, self.br, self.cr, self.nbh, self.box = (q("t"), q("tab"), q("br"), q("cr"),
                                                                   q("noBreakHyphen"), q("txbxContent"))
        self.grid_before, self.grid_span = q("gridBefore"), q("gridSpan")
        self.wrappers = frozenset(q(name) for name in WRAPPERS)
        self.merges = frozenset(q(name) for name in ("vMerge", "hMerge", "vmerge", "hmerge"))
        self.list_pr, self.list_hint = q("listPr"), AUX_2003 + "t"


@dataclass
class Reader:
    """Walks the body of one document, collecting lines."""

    ns: str
    numbering: Numbering
    lines: list[str] = field(default_factory=list)
    meta: list[LineMeta] = field(default_factory=list)
    paragraphs: int = 0
    tables: int = 0
    removed: set[etree._Element] = field(default_factory=set)  # inside tracked deletions and fallbacks
    labelled: bool = True  # the document has lists or Word 2003 list labels (else no paragraph has a label)
    rich: set[etree._Element] = field(default_factory=set)  # paragraphs holding tabs, breaks, hyphens or text boxes
    names: Names = field(init=False)

    def __post_init__(self) -> None:
        self.names = Names(self.ns)

    def w(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    # ----------------------------------------------------------------- blocks
    def blocks(self, container: etree._Element) -> None:
        n = self.names
        for el in container:
            tag = el.tag
            if tag == n.p:
                self.paragraph(el)
            elif tag == n.tbl:
                self.table(el)
            elif tag in n.wrappers or isinstance(tag, str) and tag.startswith(AUX_2003):
                self.blocks(el)

    def paragraph(self, p: etree._Element) -> None:
        text, boxes = self.runs(p, in_cell=False)
        for line in text.split("\n"):
            if line.strip():
                self.paragraphs += 1
                self.lines.append(line.strip(" \u3000"))
                self.meta.append(LineMeta(origin=f"第{self.paragraphs}段"))
        for box in boxes:
            self.blocks(box)

    def runs(self, p: etree._Element, in_cell: bool) -> tuple[str, list[etree._Element]]:
        """The text of paragraph `p` (with its list number) and the text boxes it anchors."""
        n = self.names
        parts = [self._label(p) if self.labelled else ""]
        boxes: list[etree._Element] = []
        t, tab, box, r = n.t, n.tab, n.box, n.r
        removed = self.removed
        space, brk = (" ", " ") if in_cell else ("\t", "\n")
        for el in p.iter(t, tab, n.br, n.cr, n.nbh, box) if p in self.rich else p.iter(t):  # (one name: a faster match)
            if removed and el in removed or (boxes and _inside(el, box, p)):
                continue  # tracked deletions, fallbacks; the text of a box is read after the paragraph
            tag = el.tag
            if tag == t:
                parts.append(el.text or "")
            elif tag == box:
                boxes.append(el)
            elif tag == tab:
                parent = el.getparent()
                if parent is not None and parent.tag == r:  # not a tab stop in pPr
                    parts.append(space)
            elif tag == n.nbh:
                parts.append("-")
            else:  # br, cr
                parts.append(brk)
        return "".join(parts), boxes

    def _label(self, p: etree._Element) -> str:
        """The list label printed before paragraph `p`: Word 2003's own (pPr/listPr/wx:t),
        else the automatic number (`docxnum`)."""
        n = self.names
        ppr = _child(p, n.ppr)
        hint = None
        for listpr in ppr.iterchildren(n.list_pr) if ppr is not None else ():
            hint = _child(listpr, n.list_hint)
            if hint is not None:
                break
        return hint.get(AUX_2003 + "val", "") if hint is not None else self.numbering.label(ppr)

    # ----------------------------------------------------------------- tables
    def _children(self, el: etree._Element, wanted: str) -> list[etree._Element]:
        """Children with the qualified name `wanted`, looking through content controls and custom XML."""
        out = []
        wrappers = self.names.wrappers
        for child in el:
            tag = child.tag
            if tag == wanted:
                out.append(child)
            elif tag in wrappers:
                out.extend(self._children(child, wanted))
        return out

    def table(self, tbl: etree._Element) -> None:
        n = self.names
        rows = self._children(tbl, n.tr)
        if next(tbl.iterdescendants(n.tbl), None) is not None:  # layout: read the cells as blocks
            for tr in rows:
                for tc in self._children(tr, n.tc):
                    self.blocks(tc)
            return
        self.tables += 1
        # the few gridSpan, merge and gridBefore elements of the table, in one pass, by the
        # element holding them: a cell or row without any needs no look at its properties
        marks: dict[etree._Element, list[etree._Element]] = {}
        shifted: set[etree._Element] = set()  # rows (grandparents) of the gridBefore elements
        for el in tbl.iter(n.grid_span, n.grid_before, *n.merges):
            parent = el.getparent()
            if parent is not None:
                marks.setdefault(parent, []).append(el)
                if el.tag == n.grid_before and (row := parent.getparent()) is not None:
                    shifted.add(row)
        for i, text, reliable in grid_lines([self.row(tr, marks, tr in shifted) for tr in rows]):
            self.lines.append(text)
            self.meta.append(LineMeta(origin=f"表格{self.tables} 第{i + 1}行", grid=reliable))

    def row(self, tr: etree._Element, marks: dict[etree._Element, list[etree._Element]], shifted: bool) -> Row:
        """The row's own cells (merged continuations left out) and the grid columns it covers
        (`gridBefore` columns included: the row starts there on purpose; `gridAfter` not).
        `marks`: the table's gridSpan, merge and gridBefore elements by their parents;
        `shifted`: whether a gridBefore is in the row's properties."""
        n = self.names
        p_tag, tcpr_tag, wrappers, grid_span, merges, val = n.p, n.tcpr, n.wrappers, n.grid_span, n.merges, n.val
        col = self._grid_value(_child(tr, n.trpr), n.grid_before) if shifted else 0
        row = Row(covered=set(range(min(col, MAX_COLUMNS))))
        covered, cells = row.covered, row.cells
        plain, rich, t = not self.labelled and not self.removed, self.rich, n.t  # (as in `_paragraphs_text`)
        for tc in self._children(tr, n.tc):
            pr, paragraphs = None, []
            for child in tc:  # its properties and its paragraphs in one pass
                tag = child.tag
                if tag == p_tag:
                    paragraphs.append(child)
                elif tag == tcpr_tag:
                    pr = child if pr is None else pr
                elif tag in wrappers:
                    paragraphs += self._children(child, p_tag)
            span, continues = 1, False
            if pr is not None and pr in marks:  # gridSpan (the first one) and merges, in one pass over them
                span_el = None
                for el in marks[pr]:
                    tag = el.tag
                    if tag == grid_span:
                        span_el = el if span_el is None else span_el
                    elif tag in merges and el.get(val, "continue") == "continue":
                        continues = True
                if span_el is not None:
                    span = max(1, self._int_value(span_el))
            if span == 1 and col < MAX_COLUMNS:
                covered.add(col)
            else:
                covered.update(range(min(col, MAX_COLUMNS), min(col + span, MAX_COLUMNS)))
            if not continues:
                if plain and len(paragraphs) == 1 and paragraphs[0] not in rich:  # the common cell: one plain paragraph
                    text = "".join([el.text or "" for el in paragraphs[0].iter(t)])
                else:
                    text = self._paragraphs_text(paragraphs)
                cells.append(Cell(col, span, " ".join(text.split())))
            col += span
        return row

    def cell_text(self, container: etree._Element) -> str:
        """The paragraphs of a cell (and of text boxes in it) on one line."""
        return self._paragraphs_text(self._children(container, self.names.p))

    def _paragraphs_text(self, paragraphs: list[etree._Element]) -> str:
        texts = []
        plain = not self.labelled and not self.removed  # (then a paragraph without tabs, breaks or boxes is its w:t)
        t, rich = self.names.t, self.rich
        for p in paragraphs:
            if plain and p not in rich:
                texts.append("".join([el.text or "" for el in p.iter(t)]))
                continue
            text, boxes = self.runs(p, in_cell=True)
            texts.append(text)
            texts.extend(self.cell_text(box) for box in boxes)
        return " ".join(texts)

    def _grid_value(self, props: etree._Element | None, name: str) -> int:
        """The integer `w:val` of the child `name` (a qualified name) of `props`, 0 if none."""
        return self._int_value(_child(props, name) if props is not None else None)

    def _int_value(self, el: etree._Element | None) -> int:
        try:
            return min(int(el.get(self.names.val)), 1000) if el is not None else 0
        except (TypeError, ValueError):
            return 0


def read_wordml(data: bytes) -> Document:
    """Word 2003 XML ("WordprocessingML 2003", often saved as .doc or .xml): the same body
    elements as DOCX in one XML file."""
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnreadableInput("Word 2003 XML 文件已损坏（XML 格式错误）。", f"The Word 2003 XML file is corrupt ({exc}).") from None
    body = root.find(f"{{{WORDML_2003}}}body")
    if body is None:
        raise UnreadableInput("Word 2003 XML 文件没有正文（缺少 w:body）。", "The Word 2003 XML file has no body (w:body).")
    return _read_body(body, Reader(WORDML_2003, Numbering(WORDML_2003)), "doc")


def read_docx(data: bytes, opened: zipfile.ZipFile | None = None) -> Document:
    package = Package(data, opened)
    main = package.related("", MAIN_REL) or "word/document.xml"
    root = package.xml(main)
    if root is None:
        raise _bad("缺少正文部分（word/document.xml）。", "the main document part (word/document.xml) is missing.")
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    body = root.find(f"{{{ns}}}body")
    if body is None:
        raise _bad("正文部分没有内容（缺少 w:body）。", "the main part has no body (w:body).")
    lists = package.xml(package.related(main, "/numbering"))
    # (the styles matter only for their list numbers: without a numbering part they are not read)
    numbering = Numbering.parse(lists, package.xml(package.related(main, "/styles")) if lists is not None else None, ns)
    return _read_body(body, Reader(ns, numbering), "docx")


def _child(el: etree._Element, tag: str) -> etree._Element | None:
    """`el.find(tag)` for a qualified name: the first child so named (without ElementPath)."""
    return next(el.iterchildren(tag), None)


def _inside(el: etree._Element, tag: str, stop: etree._Element) -> bool:
    """Is `el` inside an element named `tag` below `stop`?"""
    for anc in el.iterancestors():
        if anc is stop:
            return False
        if anc.tag == tag:
            return True
    return False


def _read_body(body: etree._Element, reader: Reader, name: str) -> Document:
    w = reader.w
    n = reader.names
    removing = frozenset((w("del"), w("moveFrom"), _MC_FALLBACK))
    hinted = False
    # one pass for what is removed, list labels of Word 2003 and the paragraphs holding tabs,
    # breaks, hyphens or text boxes
    for el in body.iter(n.tab, n.br, n.cr, n.nbh, n.box, n.list_hint, *removing):
        tag = el.tag
        if tag in removing:
            reader.removed.update(el.iter())
        elif tag == n.list_hint:
            hinted = True
        else:
            reader.rich.update(el.iterancestors(n.p))
    reader.labelled = bool(reader.numbering.levels) or hinted
    reader.blocks(body)
    if not reader.lines:
        raise UnreadableInput("Word 文件中没有文字（可能是扫描图片或空白文档）。",
                              "The Word file contains no text (it may hold only scanned images, or be blank).")
    return Document(lines=reader.lines, meta=reader.meta, reader=name)
