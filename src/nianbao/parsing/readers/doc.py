"""Word 97-2003 (DOC), Kingsoft WPS, RTF, Word 2003 XML and OpenDocument text -> lines.

LibreOffice (headless, a private profile per conversion, a timeout: `nianbao.office`)
converts the file to DOCX, which `readers.docx` reads; Word 2003 XML is read directly.  Before that, the container is
looked at: an OLE file holding an encrypted Office package, an Excel workbook or a
PowerPoint deck gets a clear message instead of a slow, failing conversion.
"""
from __future__ import annotations

from ... import office
from ...errors import UnreadableInput, UnsupportedFormat
from ...model import Document
from .docx import WORDML_2003, read_docx, read_wordml

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _has_stream(data: bytes, name: str) -> bool:
    """Does the OLE directory name a stream `name`? (Names are stored in UTF-16-LE.)"""
    return name.encode("utf-16-le") in data


def source_suffix(data: bytes) -> str:
    """The file name suffix LibreOffice should see for `data`, or a clear error."""
    if data.lstrip()[:5] == b"{\\rtf":
        return ".rtf"
    if data.startswith(b"PK"):
        return ".odt"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return ".xml"  # Word 2003 XML, flat OpenDocument: LibreOffice tells them apart by content
    if not data.startswith(OLE_MAGIC):
        raise UnsupportedFormat("不是 Word/WPS 文件。", "Not a Word or WPS file.")
    if _has_stream(data, "EncryptedPackage") or _has_stream(data, "EncryptionInfo"):
        raise UnreadableInput("文件已加密（设置了打开密码），无法读取；请提供未加密的文件。",
                              "The file is encrypted (password-protected) and cannot be read; please supply an unencrypted copy.")
    if _has_stream(data, "WordDocument"):
        return ".doc"
    if _has_stream(data, "Workbook") or _has_stream(data, "Book"):
        raise UnsupportedFormat("这是 Excel 表格文件，不是年度报告文档；请提供 Word、WPS、PDF 或网页格式的报告。",
                                "This is an Excel workbook, not a report document; supply the report as Word, WPS, PDF or HTML.")
    if _has_stream(data, "PowerPoint Document"):
        raise UnsupportedFormat("这是 PowerPoint 演示文稿，不是年度报告文档。", "This is a PowerPoint presentation, not a report document.")
    return ".wps"  # older Kingsoft WPS and Works files: LibreOffice detects the filter itself


def read_doc(data: bytes) -> Document:
    suffix = source_suffix(data)
    if suffix == ".xml" and WORDML_2003.encode() in data[:4096]:
        return read_wordml(data)  # Word 2003 XML is read directly (LibreOffice loses its merged cells)
    if suffix in (".doc", ".wps") and len(data) < 512 + 512:  # an OLE header and one sector at least
        raise UnreadableInput("Word/WPS 文件不完整（文件被截断），无法读取。", "The Word/WPS file is truncated and cannot be read.")
    converted = office.convert(data, suffix, "docx")
    doc = read_docx(converted)
    doc.reader = "doc"
    return doc
