"""How a report names itself outside its title, and what is printed in front of the name.

The body's self-description ("现将青山街道办事处2022年…报告如下", "2020年,某局认真贯彻…",
"请与某局办公室联系"), and a web address or spam brand a mirror printed where the area
name was ("puroview.com东城街道").
"""
from __future__ import annotations

import re

from ..lazyre import lazy
from ..formats.divisions import parse_chain

# a web address or bare domain printed where a name should start ("puroview.com东城街道"); a
# name is short, and `domain_before` looks only at a short window, so neither scans a long line
DOMAIN_PREFIX = re.compile(r"(?:https?://)?(?:www\.)?[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,6}(?:/[\x21-\x7e]*)?(?=[\u4e00-\u9fff])")
_DOMAIN_AT_END = re.compile(r"(?:https?://)?(?:www\.)?[A-Za-z0-9][A-Za-z0-9\-.]*\.[A-Za-z]{2,6}(?:/[\x21-\x7e]*)?$")


def domain_before(text: str, name: str) -> tuple[int, str] | None:
    """(position, domain) of the first web address printed right before `name` in `text`."""
    start = 0
    for _ in range(20 if name else 0):  # the first few places it is printed
        i = text.find(name, start)
        if i < 0:
            return None
        m = _DOMAIN_AT_END.search(text[max(0, i - 60) : i])
        if m:
            return i - len(m.group(0)), m.group(0)
        start = i + 1
    return None

_NAME = r"[\u4e00-\u9fff()]{2,30}?"
_ALIAS = r"(?:\((?:以下)?简称[^()]{1,15}\))?"
# the body naming its own report: "现将青山街道办事处2022年政府信息公开工作情况报告如下"
_SELF_REPORT = lazy(
    r"(?:现将|现就|现公布|现公开|现发布|现形成|现予公布|面向社会公开|向社会公布|公布|编制了?|做好)《?(?:(?:19|20)\d{2}\s*年度?)?(" + _NAME + r")" + _ALIAS
    + r"(?:(?:19|20)\d{2}\s*年度?)?(?:政府|政务)?(?:信息)?公开")
# the name before the verb: "…等文件要求,二郎街道现面向社会公开2022年度…报告"
_SELF_REPORT_AFTER = lazy(r"(?:^|[,，。;；\n])(" + _NAME + r")现(?:将|就)?(?:面向社会公开|向社会公布|公布|发布)")
_AUTHOR = lazy(r"本(?:年度)?报告由(" + _NAME + r")(?:根据|按照|依据|依照|编制|负责|结合)")
# "本报告依据《条例》…的要求,由保康县农业农村局编制" (the author after a clause on the basis)
_AUTHOR_LATE = lazy(r"本(?:年度)?报告[^。\n]{0,200}?[,，]由(" + _NAME + r")编制")
_AUTHOR_AFTER = lazy(r"(?:^|[,，。;；])(" + _NAME + r")(?:根据[^。]{0,60})?编制了?本(?:年度)?报告")
# the first clause of a paragraph: "2020年,抚远市生态环境局认真贯彻…"
_CLAUSE = lazy(r"(?:^|[,，。;；、\n])(?:(?:19|20)\d{2}年度?,?)?([\u4e00-\u9fff()]{2,30})")
_VERBS = ("认真", "严格", "高度", "不断", "坚持", "始终", "紧紧", "紧扣", "积极", "进一步", "深入", "全面", "切实",
          "扎实", "继续", "持续", "以", "按照", "根据", "依据", "围绕", "贯彻", "落实", "强化", "加强", "着力", "立足",
          "聚焦", "主动", "共", "全年", "结合", "秉持", "对照", "大力", "牢固", "狠抓", "推进", "在", "未", "通过",
          "累计", "不折不扣", "着眼", "坚决")
_QUOTED_WORK = lazy(r"[“\"]([\u4e00-\u9fff]{2,20}?)政府信息公开工作")
_CONTACT = lazy(r"请与(" + _NAME + r")联系")
_INNER_OFFICE = lazy(r"(?<=[局委会府处镇乡厅])(?:党政|综合)?办公室$|(?<=[局委会府处镇乡厅])党政办$")
_NOT_A_NAME = lazy(
    r"网站|门户|平台|本年|^(?:我|本(?:局|镇|乡|街|单位|机关|部门|级|报告|委|办)|全(?:局|年|县|市|区|镇|乡|系统|面)|各|该|在|以|[(（]|"
    r"上级|相关|有关|所有|全体|通过|按照|根据|依据|围绕|结合|对照|[省市县区镇乡旗]?(?:人民)?政府$|[省市县区旗]委$|办公室$|党政办)")
_AGENCY_SUFFIX = ("局", "委", "办", "室", "府", "处", "镇", "乡", "街道", "苏木", "院", "所", "站", "会", "厅", "部",
                  "署", "馆", "队", "团", "中心")


def _looks_like_agency(name: str) -> bool:
    if not 2 <= len(name) <= 30 or _NOT_A_NAME.match(name):
        return False
    if name.endswith(_AGENCY_SUFFIX):
        return True
    chain, rest = parse_chain(name)  # "平利县农业农村" (printed without 局)
    return bool(chain and chain[0].code and len(rest) >= 2)


def _opening_subject(head: str) -> str | None:
    """The agency a paragraph opens with: "2020年,抚远市生态环境局认真贯彻…"."""
    for line in head.split("\n"):
        if "|" in line:
            continue
        for m in _CLAUSE.finditer(line):
            words = m.group(1)
            for k in range(2, len(words)):
                if words[k:].startswith(_VERBS):  # the first verb ends the subject ("长安区认真贯彻")
                    if _looks_like_agency(words[:k]):
                        return words[:k]
                    break
    return None


_NAME_LINE = re.compile(r"[\u4e00-\u9fff()]{3,30}")


def name_line(lines: list[str]) -> str | None:
    """A line above the report that prints nothing but an agency's name (a page header or a
    title split from it: "得荣县卫生健康局" / "一、总体情况")."""
    for line in lines:
        s = line.strip()
        if _NAME_LINE.fullmatch(s) and s.endswith(_AGENCY_SUFFIX) and _looks_like_agency(s):
            return s
    return None


def body_agency(head: str) -> str | None:
    """The agency as the body names itself; None when it only says 我局 / 我镇."""
    for pattern in (_SELF_REPORT, _SELF_REPORT_AFTER, _AUTHOR, _AUTHOR_LATE, _AUTHOR_AFTER):
        for m in pattern.finditer(head):
            name = _INNER_OFFICE.sub("", m.group(1)) if pattern is _AUTHOR_LATE else m.group(1)
            if _looks_like_agency(name):
                return name
    found = _opening_subject(head)
    if found:
        return found
    for m in _QUOTED_WORK.finditer(head):
        if _looks_like_agency(m.group(1)):
            return m.group(1)
    for m in _CONTACT.finditer(head):
        name = _INNER_OFFICE.sub("", m.group(1))
        if _looks_like_agency(name):
            return name
    return None


def strip_injected(name: str) -> tuple[str, str]:
    """(name, what was removed): a domain or spam brand printed in front of the name
    ("puroview.com东城街道" -> 东城街道; "某博彩官网区人民政府北京街道办事处" -> 北京街道办事处)."""
    from ..rules.integrity import spam_hits  # noqa: PLC0415 - the rules import this module

    removed = ""
    m = DOMAIN_PREFIX.match(name[:120])
    if m:
        removed, name = m.group(0), name[m.end() :]
    hits = spam_hits(name)
    if hits:
        rest = name[hits[-1][1] :]
        # the rest of the brand up to its government word: "官网区人民政府北京街道办事处"
        gov = rest.rfind("政府")
        if 0 <= gov and len(rest) - gov - 2 >= 3:
            rest = rest[gov + 2 :]
        if len(rest) >= 3 and _looks_like_agency(rest):  # else the spam follows the name
            removed, name = removed + name[: len(name) - len(rest)], rest
    return name, removed
