"""Plain text in any encoding -> lines.

The encoding is decided deterministically, in this order: a byte-order mark; UTF-16
without a BOM (NUL bytes on alternate positions); strict UTF-8; strict GB18030 (which
covers GBK and GB2312); strict Big5; else UTF-8 with replacement characters (and a note).
"""
from __future__ import annotations

import codecs

from ..errors import UnreadableInput
from ..model import Document, Finding, LineMeta

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def detect_encoding(data: bytes) -> str:
    """Name of the encoding `data` is in (see module docstring for the order)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    sample = data[:4096]
    if len(sample) >= 4:
        even_nul = sample[0::2].count(0)
        odd_nul = sample[1::2].count(0)
        half = len(sample) / 2
        if odd_nul > 0.3 * half and even_nul < 0.05 * half:
            return "utf-16-le"
        if even_nul > 0.3 * half and odd_nul < 0.05 * half:
            return "utf-16-be"
    for name in ("utf-8", "gb18030", "big5"):
        try:
            data.decode(name)
        except UnicodeDecodeError:
            continue
        return name
    return "utf-8"


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, lossy): `lossy` is True when bytes had to be replaced."""
    enc = detect_encoding(data)
    bom_len = next((len(b) for b, n in _BOMS if n == enc), 0)
    body = data[bom_len:] if enc != "utf-8-sig" else data
    try:
        return body.decode(enc), enc, False
    except UnicodeDecodeError:
        return body.decode(enc, errors="replace"), enc, True


def looks_binary(text: str) -> bool:
    """True when decoded text is mostly control characters (a binary file read as text)."""
    if not text:
        return False
    sample = text[:8192]
    bad = sum(1 for ch in sample if (ch < " " and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return bad > 0.05 * len(sample)


def read_text(data: bytes) -> Document:
    text, enc, lossy = decode(data)
    if "\x00" in text or looks_binary(text):
        raise UnreadableInput("文件不是文本，也不是可识别的报告格式。", "The file is binary, not text or a known report format.")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    meta = []
    page = 1
    paged = "\f" in text
    for i, line in enumerate(lines):
        meta.append(LineMeta(origin=f"第{page}页 第{i + 1}行" if paged else f"第{i + 1}行"))
        page += line.count("\f")
    doc = Document(lines=lines, meta=meta, reader="text", encoding=enc)
    if paged:
        doc.pages = page
    if lossy:
        doc.notes.append(
            Finding("N7", "warning", f"文本中有无法按 {enc} 解码的字节，已用替换字符代替。", detail=enc)
        )
    return doc
