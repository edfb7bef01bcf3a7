"""Realistic web pages around a generated report, for the HTML reader's tests.

A government site wraps the report in chrome (top bar, navigation menu, breadcrumbs, a
sidebar of links, share buttons, "相关链接", print/close buttons, a footer with the ICP
number, scripts and styles); mirror sites add link farms and spam lines, convert the page
to traditional characters or sprinkle pinyin after characters.  Tables are written the way
Word's "save as web page" writes them (`<td><p><span>`, `&nbsp;` for blanks, `<br>`
inside long labels), optionally inside an old-style layout table.
"""
from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from nianbao.model import Report
from nianbao.parsing.normalize import normalize_text
from nianbao.render.layout import Grid
from nianbao.render.report import TABLE_SECTIONS, grids_of, title_of
from nianbao.formats import templates as T

SPAM = ("澳门新葡京娱乐场", "雷速体育直播", "开元棋牌官网", "百家乐在线", "皇冠体育投注")
CHROME_TEXT = ("无障碍浏览", "网站首页", "机构概况", "当前位置", "主办单位", "京ICP备", "网站标识码", "相关链接",
               "打印本页", "关闭窗口", "分享到") + SPAM


@dataclass(frozen=True)
class Variant:
    encoding: str = "utf-8"  # the bytes' encoding
    declare: str = "meta"  # meta | http-equiv | xml | none | lie (declares utf-8) | bom
    mirror: str = ""  # "" | traditional | pinyin
    layout_table: bool = False  # the article inside an old-style layout table
    spam: bool = True
    br_labels: bool = True  # long row labels broken with <br>
    thead: bool = False


VARIANTS = (  # encodings and declarations, mirrors, layout tables, th/thead, <br> in labels
    Variant(),
    Variant("gb18030", "http-equiv"),
    Variant("gb18030", "meta", mirror="pinyin"),
    Variant(mirror="traditional", layout_table=True),
    Variant("gb18030", "lie", thead=True),
    Variant("utf-8", "bom", layout_table=True, mirror="pinyin"),
    Variant("gb18030", "none", br_labels=False),
    Variant("gb18030", "xml", spam=False),
    Variant("big5", "meta", mirror="traditional"),
)


@lru_cache(maxsize=1)
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def mirror_transform(kind: str, rng: random.Random) -> Callable[[str], str]:
    syllables = ("gong", "kai", "zheng", "fu", "xin", "xī", "shēn", "qǐng", "bào", "gào")
    if kind == "traditional":
        return lambda s: _s2t().convert(s)
    if kind == "pinyin":
        def annotate(s: str) -> str:
            return re.sub(r"[\u4e00-\u9fff]", lambda m: m.group(0) + (f"({rng.choice(syllables)})" if rng.random() < 0.15 else ""), s)
        return annotate
    return lambda s: s


def _cell_html(text: str, rng: random.Random, br: bool, tx: Callable[[str], str]) -> str:
    if text == "":
        return rng.choice(("&nbsp;", "", "<p>&nbsp;</p>", "<p class=MsoNormal><span>&nbsp;</span></p>", " "))
    cjk = [i for i in range(2, len(text) - 2) if "\u4e00" <= text[i - 1] <= "\u9fff" and "\u4e00" <= text[i] <= "\u9fff"]
    if br and len(text) > 12 and cjk:
        cut = rng.choice(cjk)
        body = escape(tx(text[:cut])) + "<br>" + escape(tx(text[cut:]))
    else:
        body = escape(tx(text))
    style = rng.choice(("", " style='font-family:仿宋_GB2312;font-size:10.5pt'"))
    return f"<p class=MsoNormal align=center><span{style}>{body}</span></p>"


def table_html(grid: Grid, rng: random.Random, variant: Variant, tx: Callable[[str], str]) -> str:
    out = ["<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse'>"]
    head = grid.header_rows if variant.thead else 0
    out.append("<thead>" if head else "<tbody>")
    for r, row in enumerate(grid.rows):
        if head and r == head:
            out.append("</thead><tbody>")
        out.append("<tr style='height:20pt'>")
        for _, cell in row:
            tag = "th" if variant.thead and r < head else "td"
            attrs = (f" rowspan={cell.rowspan}" if cell.rowspan > 1 else "") + (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "")
            out.append(f"<{tag}{attrs} valign=middle>{_cell_html(cell.text, rng, variant.br_labels, tx)}</{tag}>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _links(items: list[str], tx: Callable[[str], str]) -> str:
    return "<ul>" + "".join(f'<li><a href="/art/{i}.html">{escape(tx(t))}</a></li>' for i, t in enumerate(items)) + "</ul>"


def article_html(record: Report, prose: dict[str, str], rng: random.Random, variant: Variant,
                 tx: Callable[[str], str]) -> str:
    grids = grids_of(record)
    parts = []
    for para in prose["intro"].split("\n"):
        parts.append(f"<p style='text-indent:2em'>&nbsp;&nbsp;{escape(tx(para))}</p>")
    for sec in T.SECTIONS:
        heading = escape(tx(sec.title))
        parts.append(rng.choice((f"<p><strong>{heading}</strong></p>", f"<h3>{heading}</h3>",
                                 f"<p style='text-indent:2em'><b><span>{heading}</span></b></p>")))
        if sec.key in TABLE_SECTIONS:
            parts.append(table_html(grids[TABLE_SECTIONS[sec.key]], rng, variant, tx))
        else:
            for para in prose[sec.key].split("\n"):
                parts.append(f"<p style='text-indent:2em'>{escape(tx(para))}</p>")
    return "\n".join(parts)


def gov_page(record: Report, prose: dict[str, str], rng: random.Random, variant: Variant = Variant()) -> bytes:
    """The report as a saved page of a government site (or a mirror of one), as bytes."""
    tx = mirror_transform(variant.mirror, rng)
    title = title_of(record)
    site = f"{record.region or ''}人民政府"
    charset = {"utf-8": "utf-8", "gb18030": "gb2312", "big5": "big5"}.get(variant.encoding, variant.encoding)
    declare = {
        "meta": f'<meta charset="{charset}">',
        "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={charset}" />',
        "lie": '<meta charset="utf-8">',
    }.get(variant.declare, "")
    spam = ""
    if variant.spam:
        spam = ("<div class=ggw>" + "".join(f"<a href='http://x{i}.example/'>{s}</a> " for i, s in enumerate(SPAM)) + "</div>"
                + f"<p>{rng.choice(SPAM)}最新官方入口，{rng.choice(SPAM)}注册送彩金</p>")
    article = article_html(record, prose, rng, variant, tx)
    related = _links([f"{record.agency}{record.year - k}年政府信息公开工作年度报告" for k in (1, 2)]
                     + ["关于做好政务公开工作的通知"], tx)
    content = f"""
<div class="article">
  <h1 class="title">{escape(tx(title))}</h1>
  <div class="info">发布时间：{record.year + 1}-01-20　来源：{escape(tx(record.agency or ""))}　浏览次数：<span id="hits">128</span></div>
  <div class="content" id="zoom">
{article}
  </div>
  <div class="bdshare">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
  <div class="xglj"><h4>相关链接</h4>{related}</div>
  <div class="btns"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>"""
    if variant.layout_table:
        content = f"<table width=1000 align=center border=0><tr><td width=220 valign=top>{_links(['政府信息公开指南', '政府信息公开制度', '法定主动公开内容', '政府信息公开年报'], tx)}</td><td valign=top>{content}</td></tr></table>"
    page = f"""{'<?xml version="1.0" encoding="' + charset + '"?>' if variant.declare == 'xml' else ''}<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>{declare}
<title>{escape(tx(title))}_{escape(tx(site))}</title>
<link rel="stylesheet" href="/css/style.css"><style>.nav li{{float:left}} body{{font-size:14px}}</style>
<script type="text/javascript">var _hmt = _hmt || []; document.write("<div>统计代码</div>");</script>
</head><body>
<div class="topbar">无障碍浏览 | 长者模式 | <a href="/login">登录</a></div>
{spam}
<div class="header"><img src="/logo.png" alt="{escape(site)}"></div>
<div class="nav">{_links(['网站首页', '机构概况', '政务公开', '政务服务', '互动交流'], tx)}</div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/nb/">政府信息公开年报</a></div>
<div style="display:none">{rng.choice(SPAM)}隐藏推广文字</div>
{content}
<div class="footer"><p>主办单位：{escape(site)}办公室　网站标识码：1234000001</p><p>京ICP备12345678号　公网安备 11010502000001号</p></div>
<script>(function(){{var s=document.createElement('script');}})();</script>
</body></html>"""
    if variant.encoding == "utf-8" and variant.declare == "bom":
        return "\ufeff".encode("utf-8") + page.encode("utf-8")
    return page.encode(variant.encoding, errors="xmlcharrefreplace")


def chrome_left(lines: list[str]) -> list[str]:
    """Chrome or spam phrases that reached the reader's output."""
    text = normalize_text("\n".join(lines))
    return [w for w in CHROME_TEXT if w in text]
