"""The HTML reader: encodings, main content among site chrome, tables as grids, safety."""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
import urllib.parse

import pytest

from tests.support.html_pages import VARIANTS, Variant, chrome_left, gov_page
from tests.support.roundtrip_util import differences
from nianbao.errors import NotAReport, UnreadableInput
from nianbao.parsing.pipeline import parse
from nianbao.parsing.readers import read, sniff
from nianbao.parsing.readers.html import read_html
from nianbao.render.report import render
from nianbao.synth import prose_for, random_record


def with_blanks(rec, rng: random.Random):
    """Some cells left blank, as clerks leave them (a blank is null, not 0)."""
    for _ in range(rng.randint(0, 10)):
        table = rng.choice(("table2", "table3", "table4"))
        rows = getattr(rec, table)
        key = rng.choice(list(rows))
        if table == "table3":
            rows[key][rng.randrange(7)] = None
        else:
            rows[key][rng.choice(list(rows[key]))] = None
    if rng.random() < 0.2:
        key = rng.choice(list(rec.table3))
        rec.table3[key] = [None] * 7
    return rec


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao", *args], capture_output=True, timeout=300)


@pytest.mark.parametrize("batch", range(3))
def test_rendered_pages_give_every_cell_back(batch):
    failures = []
    for i in range(100):
        rng = random.Random(10_000 * batch + i)
        rec = with_blanks(random_record(rng), rng)
        page = render(rec, "html", prose=prose_for(rec, rng)).encode("utf-8")
        got = parse(page)
        assert got.source.reader == "html"
        diff = differences(got, rec)
        if diff:
            failures.append((i, diff[:3]))
    assert not failures, failures[:5]


@pytest.mark.parametrize("batch", range(3))
def test_government_site_pages_give_every_cell_back_without_chrome(batch):
    failures = []
    for i in range(60):
        rng = random.Random(20_000 * batch + i)
        rec = with_blanks(random_record(rng), rng)
        variant = VARIANTS[i % len(VARIANTS)]
        page = gov_page(rec, prose_for(rec, rng), rng, variant)
        assert sniff(page) == "html"
        doc = read_html(page)
        got = parse(page)
        problems = differences(got, rec) + [("chrome", w) for w in chrome_left(doc.lines)]
        if got.title is None or rec.agency not in got.title:
            problems.append(("title", got.title))
        if problems:
            failures.append((i, variant, problems[:4]))
    assert not failures, failures[:3]


def test_table_grid_contract():
    page = """<html><body><h1>某县财政局2023年政府信息公开工作年度报告</h1>
    <table><tr><th rowspan="2" colspan="2">项目</th><th colspan="2">数量</th></tr>
    <tr><th>甲</th><th>乙</th></tr>
    <tr><td rowspan="2">分组</td><td>第一<br>行</td><td>&nbsp;</td><td>3</td></tr>
    <tr><td><p>第二</p><p>行</p></td><td>0</td><td></td></tr></table>
    <p>表后的段落</p></body></html>""".encode()
    doc = read_html(page)
    rows = [(line, m.origin, m.grid) for line, m in zip(doc.lines, doc.meta)]
    assert rows == [
        ("某县财政局2023年政府信息公开工作年度报告", "第1段", False),
        ("项目\t数量", "表格1 第1行", True),
        ("甲\t乙", "表格1 第2行", True),
        ("分组\t第一 行\t\t3", "表格1 第3行", True),  # &nbsp; is a blank cell, <br> joined
        ("第二 行\t0\t", "表格1 第4行", True),  # the merged 分组 is left out, not padded
        ("表后的段落", "第2段", False),
    ]


def test_a_row_that_does_not_fill_the_grid_is_not_trusted():
    page = b"""<table><tr><td>a</td><td>1</td><td>2</td></tr><tr><td>b</td><td>3</td></tr>
    <tr><td>c</td><td colspan=2>4</td></tr><tr><td colspan=1000000 rowspan=0>x</td></tr></table>"""
    doc = read_html(page)
    assert [(line, m.grid) for line, m in zip(doc.lines, doc.meta)] == [
        ("a\t1\t2", False), ("b\t3", False), ("c\t4", False), ("x", False)]  # a 1000-wide row: nothing trusted
    doc = read_html(page.replace(b"<tr><td colspan=1000000 rowspan=0>x</td></tr>", b""))
    assert [m.grid for m in doc.meta] == [True, False, True]


@pytest.mark.parametrize("declare,encoding", [
    ('<meta charset="gb2312">', "gb18030"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=GBK">', "gb18030"),
    ('<meta charset="utf-8">', "gb18030"),  # the page lies: detection decides
    ("", "gb18030"),
    ('<meta charset="big5">', "big5hkscs"),
])
def test_encoding_from_the_page(declare, encoding):
    # 堃 and 镕 are GBK but not GB2312: a page labelled gb2312 is really GBK
    words = "鎔基同志在堃山調研，政府資訊公開工作年度報告" if encoding == "big5hkscs" else "镕基同志在堃山調研，政府信息公开工作年度报告"
    doc = read_html(f"<html><head>{declare}</head><body><p>{words}</p></body></html>".encode(encoding))
    assert doc.encoding == encoding
    assert doc.lines == [words] and not doc.notes


def test_a_page_re_encoded_to_utf8_that_still_declares_gbk():
    words = "镕基同志在堃山調研，政府信息公开工作年度报告"
    doc = read_html(f'<html><head><meta charset="gb2312"></head><body><p>{words}</p></body></html>'.encode("utf-8"))
    assert doc.lines == [words] and doc.encoding == "utf-8"


def test_empty_columns_at_the_right_edge_are_dropped():
    page = b"""<table><tr><td colspan=2>a</td><td>b</td><td></td></tr><tr><td>c</td><td>1</td><td></td><td>&nbsp;</td></tr>
    <tr><td>d</td><td>2</td><td>3</td></tr></table>"""
    doc = read_html(page)
    assert [(line, m.grid) for line, m in zip(doc.lines, doc.meta)] == [("a\tb", True), ("c\t1\t", True), ("d\t2\t3", True)]


def test_bom_wins_over_the_declaration():
    page = '<html><head><meta charset="gb2312"></head><body><p>年度报告正文</p></body></html>'
    assert read_html(page.encode("utf-16")).lines == ["年度报告正文"]
    assert read_html(b"\xef\xbb\xbf" + page.encode("utf-8")).lines == ["年度报告正文"]


def test_saved_mht_page_is_read():
    rng = random.Random(7)
    rec = random_record(rng)
    html = gov_page(rec, prose_for(rec, rng), rng, Variant("gb18030", "none"))
    import quopri

    body = quopri.encodestring(html).decode("ascii")
    mht = ("From: <Saved by Blink>\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/related; type="text/html"; boundary="----B"\r\n\r\n'
           '------B\r\nContent-Type: text/html; charset="gb2312"\r\nContent-Transfer-Encoding: quoted-printable\r\n'
           "Content-Location: http://www.example.gov.cn/a.html\r\n\r\n" + body + "\r\n"
           "------B\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n------B--\r\n")
    data = mht.encode("ascii")
    assert sniff(data) == "html"
    assert differences(parse(data), rec) == []


def test_scripts_styles_hidden_text_and_ruby_are_not_content():
    page = """<html><head><title>t</title><style>p{color:red}</style></head><body>
    <script>document.write('脚本文字')</script><noscript>请启用脚本</noscript>
    <div style="display: none">隐藏的推广</div><p hidden>也隐藏</p><div style="position:absolute;left:-9999px">移出屏幕</div>
    <p><ruby>公<rp>(</rp><rt>gōng</rt><rp>)</rp></ruby>开可见文字</p><textarea>表单</textarea></body></html>""".encode()
    assert read_html(page).lines == ["公开可见文字"]


def test_entities_are_never_expanded_and_nothing_is_fetched():
    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    page = (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY l0 "ha">{laughs}'
            '<!ENTITY xxe SYSTEM "file:///etc/passwd">]><html><body><p>&l9;</p><p>&xxe;</p><p>年度报告</p></body></html>')
    start = time.perf_counter()
    doc = read_html(page.encode())
    assert time.perf_counter() - start < 2
    text = "\n".join(doc.lines)
    assert "root:" not in text and "haha" not in text and "年度报告" in text


def test_deep_nesting_does_not_crash_and_is_noted():
    rng = random.Random(3)
    rec = random_record(rng)
    html = render(rec, "html", prose=prose_for(rec, rng))
    page = html.replace("</body>", "<div>" * 100_000 + "深处" + "</div>" * 100_000 + "</body>").encode()
    doc = read_html(page)
    assert any(n.rule == "N7" and "嵌套" in n.message for n in doc.notes)
    assert differences(parse(page), rec) == []


def test_pages_without_text_or_not_a_report_are_refused():
    with pytest.raises(UnreadableInput):
        read(b"<html><head><title>x</title></head><body><script>var a=1;</script></body></html>")
    with pytest.raises(NotAReport):
        parse("<html><body><p>今天天气很好。</p><table><tr><td>a</td><td>1</td></tr></table></body></html>".encode())


@pytest.mark.parametrize("content", [
    b"<html><body><script>var x = 1;</script><style>p{}</style></body></html>",
    "<!DOCTYPE html><html><body><div><p>网站首页 | 机构概况</p></div></body></html>".encode("gbk"),
    b"<html><body><table><tr><td>\xff\xfe\xfd</td></tr></table>",
], ids=["no-text", "not-a-report", "broken-bytes"])
def test_cli_gives_a_bilingual_message_and_exit_2(tmp_path, content):
    path = tmp_path / "page.html"
    path.write_bytes(content)
    for command in ("parse", "check"):
        proc = run(command, str(path))
        err = proc.stderr.decode()
        assert proc.returncode == 2, (command, err)
        assert "错误" in err and "Error" in err and "Traceback" not in err and "内部错误" not in err


def _padding(n: int, size: int) -> str:
    """`size` bytes of what a big government page carries besides its report: link lists,
    long news text, numeric tables (plain and merged) that are not the report's."""
    links = '<div class="sidebar"><ul>' + "".join(
        f'<li><a href="/art/{n}_{j}.html">关于印发第{j}号通知的文件</a><span>2023-01-{j % 28 + 1:02d}</span></li>'
        for j in range(200)) + "</ul></div>"
    news = "<div class='news'>" + "".join(
        f"<p style='text-indent:2em'>近日，我市召开第{j}次专题会议，研究部署政务公开工作，推进决策、执行、管理、服务、结果公开。</p>"
        for j in range(200)) + "</div>"
    plain = "<table border=1>" + "".join(
        "<tr>" + "".join(f"<td>{r * 7 + c}</td>" for c in range(8)) + "</tr>" for r in range(300)) + "</table>"
    merged = "<table border=1>" + "".join(
        "<tr>" + ("<td rowspan=10>分组</td>" if r % 10 == 0 else "") + "".join(f"<td>{r + c}</td>" for c in range(6)) + "</tr>"
        for r in range(300)) + "</table>"
    unit = links + news + plain + merged
    return unit * max(1, size // len(unit.encode()))


def _big_gov_page(rec, prose, size: int) -> bytes:
    page = gov_page(rec, prose, random.Random(1), Variant()).decode("utf-8")
    page = page.replace('<div class="article">', _padding(0, size // 2) + '<div class="article">', 1)
    return page.replace('<div class="footer">', _padding(1, size // 2) + '<div class="footer">', 1).encode("utf-8")


def test_a_big_government_page_reads_in_linear_time():
    """A report on a page padded to 4 MB with site chrome, news text and tables that are not
    the report: every cell back; at well under a second per megabyte; at most 24 times what
    libxml2 alone takes to parse the same bytes (a machine-independent yardstick with room
    for a busy machine: ~10 now, ~24 before the content and grid code was made lean); and
    4 MB at most 8 times 1 MB (linear is 4, a quadratic step makes it 16)."""
    from lxml import etree

    rng = random.Random(77)
    rec = random_record(rng)
    prose = prose_for(rec, rng)
    small, big = _big_gov_page(rec, prose, 1_000_000), _big_gov_page(rec, prose, 4_000_000)
    parse(gov_page(rec, prose, random.Random(1)))  # imports and caches outside the timing
    cpu = []
    for page in (small, big):
        t0 = time.process_time()
        got = parse(page)
        cpu.append(time.process_time() - t0)
        assert differences(got, rec) == []
    libxml2 = []
    for _ in range(3):
        t0 = time.process_time()
        etree.HTML(big)
        libxml2.append(time.process_time() - t0)
    megabytes = len(big) / 1e6
    assert cpu[1] < 0.6 * megabytes, f"{cpu[1]:.2f} s for {megabytes:.1f} MB"
    assert cpu[1] < 24 * min(libxml2), (cpu[1], min(libxml2))
    assert cpu[1] < 8 * max(cpu[0], 0.05), cpu


# ---------------------------------------------------------------------------- HTML inside JavaScript
def _js_double(text: str) -> str:
    """A double-quoted literal as JSON writes it (\\uXXXX for every non-ASCII character, \\" and
    \\n), with "/" escaped as "\\/" the way PHP's json_encode does."""
    return json.dumps(text, ensure_ascii=True).replace("/", "\\/")


def _js_single(text: str) -> str:
    """A single-quoted literal as a hand-written escaper makes it: \\' and \\\\, \\xHH for
    Latin-1 characters and "<", \\uXXXX for the rest of non-ASCII, a line continuation."""
    out = []
    for i, ch in enumerate(text):
        if ch in "'\\":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "<" and i % 3 == 0:
            out.append("\\x3c")
        elif 0x80 <= ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) >= 0x100 and i % 2:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
        if i % 500 == 499:
            out.append("\\\n")  # a line continuation: no character
    return "'" + "".join(out) + "'"


def _js_escape(text: str) -> str:
    """JavaScript's legacy escape(): %XX below 256, %uXXXX above, a few ASCII marks kept."""
    keep = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@*_+-./")
    return "".join(ch if ch in keep else f"%{ord(ch):02X}" if ord(ch) < 256 else f"%u{ord(ch):04X}" for ch in text)


def _chunks(text: str, size: int = 700) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


SCRIPT_FORMS = {
    "let-json": lambda body: f'let content = {_js_double(body)};\ndocument.getElementById("zoom").innerHTML = content;',
    "var-single": lambda body: f"var content = {_js_single(body)};\n$('#zoom').html(content);",
    "const-concat": lambda body: "const html = " + " +\n    ".join(_js_double(c) for c in _chunks(body)) + ";\nzoom.innerHTML = html;",
    "document-write": lambda body: f"// the article\ndocument.write({_js_single(body)});",
    "append-lines": lambda body: "var s = '';\n" + "".join(f"s += {_js_double(c)};\n" for c in _chunks(body, 300)),
    "unescape": lambda body: f'document.write(unescape("{_js_escape(body)}"));',
    "uri-component": lambda body: f"el.innerHTML = decodeURIComponent('{urllib.parse.quote(body, safe='')}');",
    "template": lambda body: "zoom.innerHTML = `" + body.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`;",
}


def _script_page(body: str, form: str, title: str) -> bytes:
    """A government page whose visible body is only chrome, the report in a script string."""
    script = SCRIPT_FORMS[form](body)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<script src='/js/jquery.min.js'></script><script>var _hmt = _hmt || []; /* \"<p>统计</p>\" */</script>"
            "</head><body><div class='nav'><a href='/'>网站首页</a> <a href='/zwgk'>政务公开</a></div>"
            f"<div id='zoom'></div><script type='text/javascript'>\n{script}\n</script>"
            "<div class='footer'>主办单位：人民政府办公室 网站标识码 1234567890</div></body></html>").encode("utf-8")


def _report_body(rec, rng) -> str:
    page = render(rec, "html", prose=prose_for(rec, rng))
    body = re.search(r"<body[^>]*>(.*)</body>", page, re.S).group(1)
    # a style with quotes of both kinds, as CMS editors write it
    return body.replace("<p>", "<p style='text-indent:2em; font-family:\"仿宋_GB2312\"'>")


@pytest.mark.parametrize("form", sorted(SCRIPT_FORMS))
def test_a_report_written_inside_a_script_string_is_read(form):
    rng = random.Random(sorted(SCRIPT_FORMS).index(form) + 400)
    rec = with_blanks(random_record(rng), rng)
    page = _script_page(_report_body(rec, rng), form, f"{rec.agency}{rec.year}年政府信息公开工作年度报告")
    assert sniff(page) == "html"
    doc = read_html(page)
    assert any(n.rule == "N7" and n.severity == "info" and "脚本" in n.message for n in doc.notes), doc.notes
    assert not [ln for ln in doc.lines if "网站首页" in ln or "网站标识码" in ln]
    got = parse(page)
    assert differences(got, rec) == [], form


def test_a_visible_report_wins_over_markup_in_scripts():
    rng = random.Random(8)
    rec = random_record(rng)
    page = render(rec, "html", prose=prose_for(rec, rng))
    menu = _js_double("<ul class='menu'><li><a href='/a'>机构概况</a></li><li><p>政务公开</p></li></ul>")
    page = page.replace("</body>", f"<script>var menu = {menu}; document.write(menu);</script></body>").encode()
    doc = read_html(page)
    assert not [n for n in doc.notes if n.detail == "html-in-script"]
    assert differences(parse(page), rec) == []


def test_script_strings_are_decoded_as_javascript_decodes_them():
    from nianbao.parsing.readers.htmlscript import markup_of, string_values, unescape_js

    assert unescape_js(r"\x3cp\x3e\u4e2d\u{1F600}\uD83D\uDE00\'\"\/\\\n\t\0\101\q") == "<p>中😀😀'\"/\\\n\t\0Aq"
    assert unescape_js("a\\\nb") == "ab"  # a line continuation
    assert unescape_js(r"\uD800x") == "\ufffdx"  # a lone surrogate is not a character
    script = ('var a = "<p>一" + \'二\' +\n "三</p>"; // "<p>comment</p>"\n/* \'<table>\' */ var b = \'it\\\'s\';'
              "var c = `<p>${x}四</p>`; var d = \"unterminated\nvar e = 'ok';")
    assert string_values(script) == ["<p>一二三</p>", "it's", "<p>四</p>", "unterminated", "ok"]
    assert markup_of("&lt;p&gt;政府信息公开&lt;/p&gt; 工作年度报告") == "<p>政府信息公开</p> 工作年度报告"
    assert markup_of("<br>") is None and markup_of("1 < 2 and 3 > 2, not markup at all") is None


def test_json_and_external_scripts_are_not_read_as_content():
    inner = _js_double("<p>一、总体情况</p><p>二、主动公开政府信息情况</p><table><tr><td>规章</td><td>1</td></tr></table>")
    page = (f"<html><body><p>网站首页</p><script type='application/json'>{{\"html\": {inner}}}</script>"
            "</body></html>").encode()
    doc = read_html(page)
    assert doc.lines == ["网站首页"] and not doc.notes


def test_hostile_script_strings_never_crash_the_reader():
    from nianbao.parsing.readers.htmlscript import percent_decode

    assert percent_decode("%3Cp%3E%uD83D%uDE00%uD800%E6%94%BF%FF") == "<p>😀\ufffd政ÿ"
    rng = random.Random(5)
    pieces = ["<p>", "</p>", "<table><tr><td>", "\\uD800", "\\uDFFF", "\\u{110000}", "\\x00", "\\0", "%uD800", "%3Cp%3E",
              "\\", "'", '"', "`", "${", "*/", "/*", "//", "\n", "一、总体情况", "&lt;p&gt;", "\\u003c", "%E6%94"]
    for _ in range(200):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        page = f"<html><body><p>网站首页</p><script>var c = \"{body}\"; document.write('{body}');</script></body></html>"
        try:
            read_html(page.encode("utf-8", "surrogatepass"))
        except UnreadableInput:
            pass
