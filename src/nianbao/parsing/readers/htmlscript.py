"""HTML written inside a page's JavaScript.

Some sites ship an empty page body and put the report into it with a script:
``let content = "<p style='…'>…</p><table>…";`` then ``innerHTML = content``, or
``document.write('…')``, or a ``<script type="text/html">`` template.  The string literals
of the page's inline scripts are found with a small tokenizer (comments skipped; literals
joined by ``+`` are one string), decoded as JavaScript decodes them (``\\n``, ``\\"``,
``\\/``, ``\\xHH``, ``\\uXXXX``, ``\\u{…}``, surrogate pairs, line continuations — not JSON:
JSON has no ``\\x`` or ``\\'``), and those that hold HTML markup are handed back, in page
order, to be read as the page's content (`html.read_html` does so only when the visible
body holds less of a report than they do).
"""
from __future__ import annotations

import html
import re

MAX_SCRIPT_CHARS = 20_000_000  # all inline scripts of a page together
MIN_HTML_CHARS = 20  # a literal shorter than this is not content ("<br>", "<div>")

# one token at a time: a comment, or a string literal ('…', "…", `…`); other text is skipped
_TOKEN = re.compile(
    r"//[^\n]*"
    r"|/\*.*?(?:\*/|\Z)"
    r"|\"(?:[^\"\\\n]|\\.)*(?:\"|$)"
    r"|'(?:[^'\\\n]|\\.)*(?:'|$)"
    r"|`(?:[^`\\]|\\.)*(?:`|\Z)",
    re.DOTALL | re.MULTILINE,
)
_JOIN = re.compile(r"\s*\+\s*")  # "a" + "b": one string
_ESCAPE = re.compile(r"\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([0-7]{1,3})|(\r\n|[\s\S]))")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "\n": "", "\r\n": "", "\r": "",
           "\u2028": "", "\u2029": ""}
_SURROGATES = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_TEMPLATE_SUB = re.compile(r"\$\{[^{}]*\}")
_MARKUP = re.compile(r"<\s*(?:p|table|tr|td|th|div|span|br|h[1-6]|section|article|font|strong|b|li)\b[^<>]*>", re.I)
_ESCAPED_MARKUP = re.compile(r"&lt;\s*(?:p|table|tr|td|div|span|br|h[1-6])\b", re.I)
_PERCENT_MARKUP = re.compile(r"%3C\s*(?:%2F)?(?:p|table|tr|td|div|span|br)\b", re.I)
_PERCENT_U = re.compile(r"%u([0-9a-fA-F]{4})")
_PERCENT_RUN = re.compile(r"(?:%[0-9a-fA-F]{2})+")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_HANZI = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_HTML_TYPES = ("text/html", "text/template", "text/x-template", "text/x-html", "text/x-jquery-tmpl")


def unescape_js(body: str) -> str:
    """The value of a JavaScript string literal's body (the text between its quotes)."""
    if "\\" not in body:
        return body

    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        if code is not None:
            value = int(code, 16)
            return chr(value) if value <= 0x10FFFF else "\ufffd"
        if m.group(4) is not None:  # legacy octal escapes: "\0" is NUL, "\101" is "A"
            return chr(int(m.group(4), 8))
        ch = m.group(5)
        return _SIMPLE.get(ch, ch)  # \" \' \\ \/ and any other character: the character itself

    return _whole_characters(_ESCAPE.sub(one, body))


def string_values(script: str) -> list[str]:
    """The values of the script's string literals, literals joined by ``+`` taken as one."""
    out: list[str] = []
    last_end = -1
    for m in _TOKEN.finditer(script):
        token = m.group(0)
        if token.startswith("/"):
            continue  # a comment
        quote = token[0]
        body = token[1:-1] if len(token) >= 2 and token.endswith(quote) else token[1:]
        if quote == "`":
            body = _TEMPLATE_SUB.sub("", body)
        value = unescape_js(body)
        if out and last_end >= 0 and _JOIN.fullmatch(script, last_end, m.start()):
            out[-1] += value
        else:
            out.append(value)
        last_end = m.end()
    return out


def markup_of(value: str) -> str | None:
    """The HTML a string holds, or None when it holds no markup worth reading."""
    if len(value) < MIN_HTML_CHARS:
        return None
    if _MARKUP.search(value):
        return value
    if _ESCAPED_MARKUP.search(value):  # stored entity-escaped, unescaped before use
        return html.unescape(value)
    if _PERCENT_MARKUP.search(value):  # document.write(unescape("%3Cp%3E%u653F...")), decodeURIComponent
        decoded = percent_decode(value)
        return decoded if _MARKUP.search(decoded) else None
    return None


def percent_decode(value: str) -> str:
    """What JavaScript's ``unescape`` makes of a string: %XX and %uXXXX decoded; %XX runs
    that are UTF-8 (``decodeURIComponent``'s input) decoded as UTF-8, other bytes as Latin-1."""
    def run(m: re.Match[str]) -> str:
        raw = bytes(int(h, 16) for h in re.findall(r"%([0-9a-fA-F]{2})", m.group(0)))
        # UTF-8 where it is UTF-8, else each byte the Latin-1 character it is (as unescape does)
        return _ESCAPED_BYTE.sub(lambda b: chr(ord(b.group(0)) - 0xDC00), raw.decode("utf-8", "surrogateescape"))

    text = _PERCENT_RUN.sub(run, _PERCENT_U.sub(lambda m: chr(int(m.group(1), 16)), value))
    return _whole_characters(text)


def _whole_characters(text: str) -> str:
    """Surrogate pairs (from \\uD83D\\uDE00 or %uD83D%uDE00) joined; a lone surrogate is no character."""
    text = _SURROGATES.sub(lambda m: m.group(0).encode("utf-16-le", "surrogatepass").decode("utf-16-le"), text)
    return _LONE_SURROGATE.sub("\ufffd", text)


def _piece(value: str) -> bool:
    """Whether a string can be part of the content: markup, or text (hanzi), not an element
    id, a selector or a URL (``"zoom"``, ``'#content'``)."""
    return ("<" in value or ">" in value or "&lt;" in value or "%3c" in value.lower() or "%u" in value
            or _HANZI.search(value) is not None)


def script_html(scripts: list[tuple[str | None, str]]) -> str:
    """The HTML held by a page's inline scripts (`(type attribute, text)` each), in page
    order, as one fragment; "" when they hold none.  In one script, the strings that can be
    content are joined without a separator: a page built up piece by piece
    (``s += "<td>"; s += "行政许可";``) is one string cut at arbitrary places."""
    parts: list[str] = []
    budget = MAX_SCRIPT_CHARS
    for kind, text in scripts:
        if not text or budget <= 0:
            continue
        text = text[:budget]
        budget -= len(text)
        kind = (kind or "").strip().lower()
        if kind in _HTML_TYPES:  # a template: the script's text is the markup itself
            if _MARKUP.search(text):
                parts.append(text)
            continue
        if kind and "javascript" not in kind and "ecmascript" not in kind and kind != "module":
            continue  # JSON data, other languages
        lower = text.lower()
        if "<" not in text and not any(mark in lower for mark in ("&lt;", "\\u003c", "\\x3c", "%3c")):
            continue
        markup = markup_of("".join(v for v in string_values(text) if _piece(v)))
        if markup is not None:
            parts.append(markup)
    return "\n".join(parts)
