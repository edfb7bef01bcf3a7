"""Readers: bytes -> Document (text lines; table rows as tab-separated lines).

The reader is chosen by content (magic bytes), never by file name.  Each format is a
module of its own exposing `read_<kind>(data: bytes) -> Document`; they are imported
only when needed, so reading a text file never loads the PDF or OCR libraries.
"""
from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Callable

from ...errors import UnreadableInput, UnsupportedFormat
from ...model import Document

# kind -> (module, function)
READERS: dict[str, tuple[str, str]] = {
    "text": ("text", "read_text"),
    "html": ("html", "read_html"),
    "pdf": ("pdf", "read_pdf"),
    "docx": ("docx", "read_docx"),
    "doc": ("doc", "read_doc"),
    "image": ("ocr", "read_image"),
}

_WORD_XML_MARKERS = (b'progid="word.document"', b"<w:worddocument", b"<office:document ")
_HTML_MARKERS = (b"<html", b"<!doctype html", b"<body", b"<table", b"<meta", b"<div", b"<p>", b"<p ", b"<head", b"<span", b"<tr")


def sniff(data: bytes, opened: list[zipfile.ZipFile] | None = None) -> str:
    """The kind of `data`: pdf, docx, zip, doc, image, rtf, html or text.  `opened`: where
    to leave the zip package opened to tell its kind (so the DOCX reader does not open it
    again)."""
    head = data[:16]
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data, opened)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF87a", b"GIF89a", b"BM")):
        return "image"
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image"
    if head.lstrip().startswith(b"{\\rtf"):
        return "doc"  # LibreOffice converts RTF like DOC
    probe = data[:2048].lower()
    for bom in (b"\xef\xbb\xbf",):
        if probe.startswith(bom):
            probe = probe[len(bom):]
    if b"mime-version:" in probe and b"multipart/related" in probe:
        return "html"  # a web page saved as one file (.mht / .mhtml)
    if any(m in probe for m in _WORD_XML_MARKERS):
        return "doc"  # Word 2003 XML (read directly) or flat OpenDocument (through LibreOffice)
    if probe.lstrip().startswith(b"<") and any(m in probe for m in _HTML_MARKERS):
        return "html"
    if b"\x00" in probe:
        from .text import detect_encoding

        return "text" if detect_encoding(data[:8192]).startswith(("utf-16", "utf-32")) else "binary"
    return "text"


def _zip_kind(data: bytes, opened: list[zipfile.ZipFile] | None = None) -> str:
    """docx (a Word package, whatever its main part is called), doc (OpenDocument text,
    converted like DOC), ooxml (another Office package: a workbook, a deck) or zip (an
    archive of reports)."""
    from .archive import UNPACK_ERRORS

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except UNPACK_ERRORS:  # truncated or corrupt: let the reader say so
        return "docx" if b"word/document.xml" in data else "zip"
    if opened is not None:
        opened.append(zf)
    if "word/document.xml" in names:
        return "docx"
    try:
        if "[Content_Types].xml" in names and zf.getinfo("[Content_Types].xml").file_size < 1 << 20:
            if b"wordprocessingml.document.main" in zf.read("[Content_Types].xml"):
                return "docx"
            return "ooxml"
        if "mimetype" in names and zf.getinfo("mimetype").file_size < 200:
            if zf.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                return "doc"
    except UNPACK_ERRORS:  # a damaged part: the Word reader does without [Content_Types].xml
        return "docx" if any(n.startswith("word/") for n in names) else "zip"
    return "zip"


def read(data: bytes, kind: str | None = None) -> Document:
    """Read one report from `data` (see `sniff` for the kinds)."""
    if not data or not data.strip():
        raise UnreadableInput("文件为空。", "The file is empty.")
    opened: list[zipfile.ZipFile] = []
    kind = kind or sniff(data, opened)
    if kind == "zip":
        raise UnsupportedFormat(
            "这是一个压缩包，其中可能包含多份报告，请用 check 或 ingest 命令逐份读取。",
            "This is a zip archive that may hold several reports; use `check` or `ingest`, which read it member by member.",
        )
    if kind == "ooxml":
        raise UnsupportedFormat("这是 Excel 或 PowerPoint 等 Office 文件，不是年度报告文档；请提供 Word、WPS、PDF 或网页格式的报告。",
                                "This is an Office workbook or presentation, not a report document; supply Word, WPS, PDF or HTML.")
    if kind == "binary":
        raise UnreadableInput("无法识别的二进制文件，不是年度报告。", "Unrecognised binary file; not an annual report.")
    if kind not in READERS:
        raise UnsupportedFormat(f"不支持的文件类型：{kind}。", f"Unsupported file type: {kind}.")
    module_name, func_name = READERS[kind]
    try:
        module = importlib.import_module(f".{module_name}", __name__)
    except ModuleNotFoundError as exc:  # a reader of a later milestone, or a missing optional package
        raise UnsupportedFormat(
            f"当前安装不支持读取 {kind} 文件（缺少模块 {exc.name}）。",
            f"This installation cannot read {kind} files (missing module {exc.name}).",
        ) from None
    if kind == "docx" and opened:  # the package the sniffer opened
        return module.read_docx(data, opened[0])  # type: ignore[no-any-return]
    reader: Callable[[bytes], Document] = getattr(module, func_name)
    return reader(data)
