"""Hostile variants of real report files (text, HTML, DOCX, PDF), for tests/test_fuzz.py
and bench/fuzz_mass.py.  `base(fmt, seed)` is a clean generated file; `mutate(fmt, rng,
data)` damages it the way broken downloads, odd producers and attackers do: dropped and
repeated tags, thousands of nested elements, lying charsets, absurd spans, truncated or
bit-flipped containers, random bytes spliced in.  Deterministic for a given `rng`.
"""
from __future__ import annotations

import io
import random
import re
import zipfile
import zlib
from functools import lru_cache

FORMATS = ("txt", "html", "docx", "pdf")
TEXT_LAYOUTS = ("txt", "md", "pipe", "space")
JUNK = ["\x00", "\ufffd", "—", "|", "\t", "   ", "9" * 40, "-0", "1e309", "（", "）", "一、", "(六)", "\f", "\r"]
SPANS = ["999999999", "0", "-1", "99999999999999999999999", "9" * 5000, "65535", "1e9", " 7x", "", "２"]
CHARSETS = ["x-bogus", "utf-16", "utf-32", "utf-7", "gb2312", "big5", "hz-gb-2312", "cp037", "rot13", "base64",
            "zlib", "hex", "uu", "bz2", "quopri", "idna", "punycode", "undefined", "unicode_escape", "iso-2022-jp"]
_TAG = re.compile(rb"<[^<>]{0,300}>")
_NUM = re.compile(rb"\d+")


def base(fmt: str, seed: int) -> bytes:
    """A clean generated report as a `fmt` file (PDF: LibreOffice's export of the DOCX)."""
    from ..render.docx import render_docx
    from ..render.report import render
    from .damage import document
    from .records import prose_for, random_record

    rng = random.Random(seed)
    rec = random_record(rng)
    if fmt == "txt":
        return document(rec, rng.choice(TEXT_LAYOUTS), rng).encode("utf-8")
    prose = prose_for(rec, rng)
    if fmt == "html":
        return render(rec, "html", prose).encode("utf-8")
    if fmt == "docx":
        return render_docx(rec, prose)
    if fmt == "pdf":
        return _pdf(render_docx(rec, prose))
    raise ValueError(fmt)


@lru_cache(maxsize=4)
def _pdf(docx: bytes) -> bytes:
    from ..office import convert

    return convert(docx, ".docx", "pdf")


def mutate(fmt: str, rng: random.Random, data: bytes) -> bytes:
    return {"txt": mutate_text, "html": mutate_html, "docx": mutate_docx, "pdf": mutate_pdf}[fmt](rng, data)


def damage_bytes(rng: random.Random, data: bytes, ops: int = 3) -> bytes:
    """Container-level damage: truncation, bit flips, random bytes spliced in or overwritten."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, ops)):
        op, i = rng.random(), rng.randrange(len(buf) + 1)
        if op < 0.25:
            del buf[i:]
        elif op < 0.55 and buf:
            for _ in range(rng.randint(1, 16)):
                buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        elif op < 0.8:
            buf[i:i] = rng.randbytes(rng.randint(1, 256))
        else:
            n = rng.randint(1, 512)
            buf[i:i + n] = rng.randbytes(n)
    return bytes(buf)


def mutate_text(rng: random.Random, data: bytes | str) -> bytes:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    lines = text.split("\n")
    for _ in range(rng.randint(1, 8)):
        op, i = rng.random(), rng.randrange(max(1, len(lines)))
        if op < 0.2 and lines:
            del lines[i]
        elif op < 0.35 and lines:
            lines.insert(i, lines[i])
        elif op < 0.5 and len(lines) > 1:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op < 0.65 and lines:
            k = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:k] + rng.choice(JUNK) * rng.randint(1, 5) + lines[i][k:]
        elif op < 0.75:
            lines.insert(i, str(rng.randint(0, 10 ** rng.randint(1, 30))))
        elif op < 0.85 and lines:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        else:
            lines.insert(i, "".join(chr(rng.randint(32, 0x9FFF)) for _ in range(rng.randint(1, 200))))
    out = "\n".join(lines).encode(rng.choice(["utf-8", "utf-8", "gb18030", "utf-16"]), "replace")
    return damage_bytes(rng, out, 1) if rng.random() < 0.05 else out


def _markup(rng: random.Random, data: bytes, nest: list[tuple[bytes, bytes]], span_attr: bytes) -> bytes:
    """Tag-level damage shared by HTML and WordprocessingML: drop, repeat or misplace
    tags, nest thousands deep, absurd span values, entity soup, random bytes."""
    buf = data
    for _ in range(rng.randint(1, 5)):
        tags = [m.span() for m in _TAG.finditer(buf)]
        a, b = rng.choice(tags) if tags else (0, 0)
        op = rng.random()
        if op < 0.15:
            buf = buf[:a] + buf[b:]
        elif op < 0.3:
            c, _ = rng.choice(tags) if tags else (0, 0)
            buf = buf[:c] + buf[a:b] * rng.choice((1, 2, 1000)) + buf[c:]
        elif op < 0.45:
            open_, close = rng.choice(nest)
            n = rng.choice((300, 1000, 5000))
            buf = buf[:b] + open_ * n + b"x" + (close * n if rng.random() < 0.5 else b"") + buf[b:]
        elif op < 0.65:
            value = rng.choice(SPANS).encode()
            hits = list(re.finditer(span_attr + rb'="?[^" >/]*"?', buf))
            if hits and rng.random() < 0.7:
                m = rng.choice(hits)
                buf = buf[:m.start()] + span_attr + b'="' + value + b'"' + buf[m.end():]
            else:
                buf = buf[:b - 1] + b" " + span_attr + b'="' + value + b'"' + buf[b - 1:] if b else buf
        elif op < 0.75:
            soup = rng.choice((b"&#x110000;", b"&#99999999999;", b"&nbsp", b"&bogus;", b"&#0;", b"<!--", b"<![CDATA[",
                               b"\x00", b"\xff\xfe", b"</", b"<", b"&"))
            buf = buf[:b] + soup * rng.randint(1, 50) + buf[b:]
        elif op < 0.85:  # a slice repeated: many rows, many tables
            c = rng.randrange(len(buf) + 1)
            buf = buf[:c] + buf[a:c] * rng.randint(2, 20) + buf[c:] if c > a else buf
        else:
            buf = damage_bytes(rng, buf, 1)
    return buf


_HTML_NEST = [(b"<div>", b"</div>"), (b"<table><tr><td>", b"</td></tr></table>"), (b"<span>", b"</span>"),
              (b"<ul><li>", b"</li></ul>"), (b"<b><i>", b"</i></b>"), (b"<td>", b""), (b"<tr>", b"")]


def mutate_html(rng: random.Random, data: bytes) -> bytes:
    if rng.random() < 0.3:  # a page that lies about (or garbles) its charset
        label = rng.choice(CHARSETS).encode()
        meta = rng.choice((b'<meta charset="%s">', b'<meta http-equiv="Content-Type" content="text/html; charset=%s">',
                           b'<?xml version="1.0" encoding="%s"?>')) % label
        data = re.sub(rb"<meta charset=[^>]*>", b"", data, count=1)
        data = meta + data if meta.startswith(b"<?xml") else data.replace(b"<head>", b"<head>" + meta, 1)
        if rng.random() < 0.3:
            data = data.decode("utf-8").encode(rng.choice(("gb18030", "big5", "utf-16")), "replace")
    if rng.random() < 0.2:
        attr = rng.choice((b"rowspan", b"colspan"))
        data = data.replace(b"<td", b"<td " + attr + b'="' + rng.choice(SPANS).encode() + b'"', rng.randint(1, 50))
    if rng.random() < 0.1:
        data = data.replace(b"<table", b"<table><tfoot>" + b"<tr><td>1</td><td>2</td></tr>" * 3000 + b"</tfoot", 1)
    return _markup(rng, data, _HTML_NEST, rng.choice((b"colspan", b"rowspan")))


_W_NEST = [(b"<w:sdt><w:sdtContent>", b"</w:sdtContent></w:sdt>"), (b"<w:ins>", b"</w:ins>"),
           (b"<w:tbl><w:tr><w:tc>", b"</w:tc></w:tr></w:tbl>"), (b"<w:customXml>", b"</w:customXml>"),
           (b"<w:del>", b"</w:del>"), (b"<w:r>", b"</w:r>")]
_LAUGHS = (b'<!DOCTYPE w:document [<!ENTITY a "lollollollol">' + b"".join(
    b'<!ENTITY %c "%s">' % (ord("b") + i, b"&%c;" % (ord("a") + i) * 10) for i in range(9)) + b"]>")


def _w(name: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + name


def _docx_tree(rng: random.Random, xml: bytes) -> bytes:
    """Well-formed but hostile WordprocessingML: elements dropped, repeated or moved,
    absurd gridSpan/gridBefore, stray vMerge continuations, rows of thousands of cells,
    content controls nested deep."""
    from copy import deepcopy

    from lxml import etree

    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    for _ in range(rng.randint(1, 6)):
        els = [el for el in root.iter() if isinstance(el.tag, str) and el.getparent() is not None]
        if not els:
            break
        cells = [el for el in els if el.tag == _w("tc")]
        el, op = rng.choice(els), rng.random()
        if op < 0.15:
            el.getparent().remove(el)
        elif op < 0.3:
            for _ in range(rng.choice((1, 2, 50, 500))):
                el.addnext(deepcopy(el))
        elif op < 0.4:
            target = rng.choice(els)
            if el not in target.iterancestors() and el is not target:
                target.append(el)
        elif op < 0.7 and cells:
            tc = rng.choice(cells)
            pr = tc.find(_w("tcPr"))
            pr = pr if pr is not None else etree.SubElement(tc, _w("tcPr"))
            name = rng.choice(("gridSpan", "vMerge", "hMerge", "gridSpan"))
            prop = etree.SubElement(pr, _w(name))
            prop.set(_w("val"), rng.choice(SPANS + ["continue", "restart"]))
            if rng.random() < 0.2:
                tr = tc.getparent()
                trpr = etree.SubElement(tr, _w("trPr"))
                etree.SubElement(trpr, _w(rng.choice(("gridBefore", "gridAfter")))).set(_w("val"), rng.choice(SPANS))
        elif op < 0.8 and cells:
            tc = rng.choice(cells)
            for _ in range(rng.choice((100, 1000, 3000))):
                tc.addnext(deepcopy(tc))
        else:  # wrapped in content controls, tens to hundreds of levels deep
            parent, inner = el.getparent(), el
            at = parent.index(el)
            for _ in range(rng.choice((10, 60, 120, 300))):
                sdt = etree.Element(_w("sdt"))
                etree.SubElement(sdt, _w("sdtContent")).append(inner)
                inner = sdt
            parent.insert(at, inner)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def mutate_docx(rng: random.Random, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    main = "word/document.xml"
    name = main if rng.random() < 0.85 else rng.choice(sorted(parts))
    op = rng.random()
    if op < 0.05:
        del parts[name]
    elif op < 0.1:
        parts[name] = parts[name][: rng.randrange(len(parts[name]) + 1)]
    elif op < 0.15 and name == main:
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", parts[name])
        parts[name] = _LAUGHS + re.sub(rb"(<w:t\b[^>]*>)", rb"\1&j;", body, count=rng.randint(1, 30))
    elif op < 0.7 and name == main:
        parts[name] = _docx_tree(rng, parts[name])
    else:
        parts[name] = _markup(rng, parts[name], _W_NEST, rng.choice((b"w:val", b"w:gridSpan")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for part, body in parts.items():
            zf.writestr(part, body)
    return damage_bytes(rng, out.getvalue(), 2) if rng.random() < 0.15 else out.getvalue()


def _page_drawing(rng: random.Random, buf: bytes) -> bytes:
    """A page's content stream inflated, its drawing made hostile (a content-stream bomb of
    up to two million path operators, a grid of thousands of rulings, absurd coordinates,
    everything drawn 50 times, operators cut) and deflated
    in place: the stale /Length and offsets are left for the reader to cope with."""
    streams = []
    for m in re.finditer(rb"stream\r?\n", buf):
        end = buf.find(b"endstream", m.end())
        try:
            raw = zlib.decompressobj().decompress(buf[m.end():end])
        except zlib.error:
            continue
        if b" Tj" in raw or b" l S" in raw:
            streams.append((m.end(), end, raw))
    if not streams:
        return buf
    start, end, raw = rng.choice(streams)
    op = rng.random()
    if op < 0.05:  # a few KB compressed: millions of page objects or path segments
        ops = rng.choice((b"0 0 m 1 1 l ", b"0 0 m 100 0 l S ", b"0 0 1 1 re f "))
        raw = ops * rng.choice((200_000, 600_000, 2_000_000)) + b"S\n" + raw
    elif op < 0.35:
        n, step = rng.choice((50, 300, 1000, 3000)), rng.choice((0.5, 2.0, 4.0, 10.0))
        raw = b"0 G 0.5 w\n" + b"".join(b"%.1f 0 m %.1f 9000 l S 0 %.1f m 9000 %.1f l S\n" % ((k * step,) * 4)
                                        for k in range(n)) + raw
    elif op < 0.6:
        values = (b"1e30", b"-99999", b"0", b"nan", b"3.4e38", b"-0.0001")
        raw = re.sub(rb"-?\d+(?:\.\d+)?", lambda m: rng.choice(values) if rng.random() < 0.2 else m.group(), raw)
    elif op < 0.8:
        raw = raw * rng.choice((2, 10, 50))
    else:
        raw = raw[: rng.randrange(len(raw) + 1)]
    return buf[:start] + zlib.compress(raw) + b"\n" + buf[end:]


def mutate_pdf(rng: random.Random, data: bytes) -> bytes:
    """A page's drawing made hostile; numbers in the uncompressed structure (offsets,
    lengths, counts, boxes) made absurd, keywords dropped, regions repeated; then
    container damage."""
    buf = _page_drawing(rng, data) if rng.random() < 0.4 else data
    if rng.random() < 0.6:
        hits = list(_NUM.finditer(buf))
        for _ in range(rng.randint(1, 10)):
            m = rng.choice(hits)
            value = rng.choice((b"0", b"-1", b"999999999", b"14400", b"2147483648", b"1e30", b"%d" % rng.randint(0, 99999)))
            if rng.random() < 0.5:  # in place, so that the offsets of the xref table stay right
                value = value[: m.end() - m.start()].rjust(m.end() - m.start(), b"0")
            buf = buf[:m.start()] + value + buf[m.end():]
    if rng.random() < 0.2:
        word = rng.choice((b"endobj", b"endstream", b"startxref", b"%%EOF", b"xref", b"/Root", b"/Pages", b"/Kids"))
        buf = buf.replace(word, rng.choice((b"", b"x" * len(word))), rng.randint(1, 3))
    if rng.random() < 0.2:
        a = rng.randrange(len(buf) + 1)
        buf = buf[:a] + buf[a:a + rng.randint(1, 4096)] * rng.randint(2, 5) + buf[a:]
    return damage_bytes(rng, buf, 3) if rng.random() < 0.7 else buf
