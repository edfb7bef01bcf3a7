"""Plain text in any encoding -> lines.

The encoding is decided deterministically, in this order: a byte-order mark; UTF-16
without a BOM (NUL bytes on alternate positions); strict UTF-8; strict GB18030 (which
covers GBK and GB2312); strict Big5; else UTF-8 with replacement characters (and a note).
"""
from __future__ import annotations

import codecs
from functools import lru_cache

from ...lazyre import lazy
from ...errors import UnreadableInput
from ...model import Document, LineMeta
from ...rules import finding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The 3755 most common hanzi (GB2312 level 1), CJK punctuation and printable ASCII."""
    chars = {chr(c) for c in range(0x20, 0x7F)} | set("\t\n\r\f\u3000、。，：；？！“”‘’（）《》〔〕【】—…·")
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def _plausibility(text: str) -> float:
    sample = text[:4000]
    if not sample:
        return 0.0
    common = _common_chars()
    return sum(ch in common for ch in sample) / len(sample)


def detect_encoding(data: bytes) -> str:
    """Name of the encoding `data` is in: a BOM decides; else strict UTF-8; else, of the
    encodings that decode without error (GB18030, Big5, UTF-16 LE/BE), the one whose text
    is most plausible (common hanzi, punctuation and ASCII), earlier ones winning ties."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best, best_score = "utf-8", -1.0
    candidates = ["gb18030", "big5"] + (["utf-16-le", "utf-16-be"] if len(data) % 2 == 0 else [])
    for name in candidates:
        try:
            text = data[:8192 - (8192 % 2)].decode(name) if name.startswith("utf-16") else data.decode(name)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if score > best_score + 1e-9:
            best, best_score = name, score
    return best


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, lossy): `lossy` is True when bytes had to be replaced."""
    enc = detect_encoding(data)
    bom_len = next((len(b) for b, n in _BOMS if n == enc and data.startswith(b)), 0)
    body = data[bom_len:] if enc != "utf-8-sig" else data
    try:
        return body.decode(enc), enc, False
    except UnicodeDecodeError:
        return body.decode(enc, errors="replace"), enc, True


_NO_ORIGIN = LineMeta()


_CONTROL = lazy("[\x00-\x08\x0e-\x1f\ufffd]")  # control characters but \t \n \v \f \r, and U+FFFD


def looks_binary(text: str) -> bool:
    """True when decoded text is mostly control characters (a binary file read as text)."""
    if not text:
        return False
    sample = text[:8192]
    return len(_CONTROL.findall(sample)) > 0.05 * len(sample)


def read_text(data: bytes) -> Document:
    text, enc, lossy = decode(data)
    if "\x00" in text or looks_binary(text):
        raise UnreadableInput("文件不是文本，也不是可识别的报告格式。", "The file is binary, not text or a known report format.")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    page = 1
    paged = "\f" in text
    if paged:  # form feeds mark pages: keep the page of each line (for running headers)
        meta = []
        for line in lines:
            meta.append(LineMeta(origin=f"第{page}页"))
            page += line.count("\f")
    else:  # a plain text file: the line number in the normalised text is the reference
        meta = [_NO_ORIGIN] * len(lines)
    doc = Document(lines=lines, meta=meta, reader="text", encoding=enc)
    if paged:
        doc.pages = page
    if lossy:
        doc.notes.append(
            finding("N7", f"文本中有无法按 {enc} 解码的字节，已用替换字符代替。", detail=enc)
        )
    return doc
