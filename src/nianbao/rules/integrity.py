"""Integrity (G12): injected spam (gambling, pornography, SEO) and agency names the
body contradicts — typical of copies on hijacked or mirror sites."""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from functools import lru_cache
from collections.abc import Iterator

from ..lazyre import lazy
from ..parsing.selfname import domain_before
from ..model import Finding, Report
from . import finding, joined_lines, rule

# Injected spam, as literal terms (matched lower-cased, all at once with Aho–Corasick).
SPAM_TERMS: tuple[str, ...] = tuple(dict.fromkeys(
    # gambling
    "竞彩 彩票 博彩 赌场 赌博 百家乐 老虎机 娱乐城 棋牌游戏 棋牌平台 棋牌官网 真人娱乐 真人视讯 真人荷官 "
    "体育直播 体育投注 体育平台 体育官网 体育app 体育在线 明升 威尼斯人 葡京 金沙娱乐 金沙官网 金沙国际 金沙平台 "
    "澳门赌 澳门银河 澳门永利 澳门威尼斯 澳门新葡 皇冠体育 皇冠app 皇冠足球 bet365 开云 亚博 乐鱼 九游 半岛体育 "
    "华体会 爱体育 雷速体育 足彩 下注 投注 赔率 买球 盘口 返水 首存 注册送 彩金 六合彩 时时彩 北京赛车 幸运飞艇 "
    # pornography
    "色情 成人影院 成人视频 成人网站 成人电影 无码 黄色网站 黄色视频 黄色电影 裸聊 约炮 一夜情 福利姬 麻豆传媒 "
    "国产精品 自拍偷拍 av在线 av电影 av女优 "
    # SEO / app-store spam
    "官网】 唯一官网 唯一app官网 官方入口 官方网站下载 app下载 登录入口 网页版入口 手机版下载".split()
))


@lru_cache(maxsize=1)
def _automaton():  # type: ignore[no-untyped-def]
    try:
        import ahocorasick
    except ImportError:  # pragma: no cover - pyahocorasick comes with cpca
        return None
    auto = ahocorasick.Automaton()
    for term in SPAM_TERMS:
        auto.add_word(term.lower(), term)
    auto.make_automaton()
    return auto


_SPAM_RE = lazy("|".join(re.escape(t.lower()) for t in SPAM_TERMS))


def _from_its_end(term: str) -> str:
    """A regex for `term` (lower-cased) that starts at its last character other than an ASCII
    letter and looks behind for the rest: fewer common characters end a spam term than begin
    one, so the regex engine skips most of a report.  ASCII letters match in either case, as
    `text.lower()` would make them (no other character lower-cases to a term's character)."""
    k = max(i for i, ch in enumerate(term) if not "a" <= ch <= "z")
    behind = f"(?<={_either_case(term[:k + 1])})" if k else ""
    return re.escape(term[k]) + behind + _either_case(term[k + 1:])


def _either_case(text: str) -> str:
    return f"(?ai:{re.escape(text)})" if re.search("[a-z]", text) else re.escape(text)


# whether the text holds any spam term at all, found on the text as printed (no lower-cased
# copy) and several times faster than the automaton: most reports hold none
_ANY_SPAM = re.compile("|".join(_from_its_end(t.lower()) for t in SPAM_TERMS))


def spam_hits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, term) of every spam term in `text`, in order."""
    if _ANY_SPAM.search(text) is None:
        return []
    low = text.lower()
    auto = _automaton()
    if auto is None:
        return [(m.start(), m.end(), m.group(0)) for m in _SPAM_RE.finditer(low)]
    hits = [(end - len(term) + 1, end + 1, text[end - len(term) + 1 : end + 1]) for end, term in
            ((e, t.lower()) for e, t in auto.iter(low))]
    hits.sort()
    out: list[tuple[int, int, str]] = []
    for h in hits:  # drop terms inside a longer one ("官网】" inside "唯一app官网】")
        if out and h[0] < out[-1][1]:
            if h[1] > out[-1][1]:
                out[-1] = (out[-1][0], h[1], text[out[-1][0] : h[1]])
            continue
        out.append(h)
    return out


MAX_FINDINGS = 30  # a page flooded with spam needs a few examples, not thousands


def _spam_lines(report: Report) -> list[tuple[int, str]]:
    hits = spam_hits(joined_lines(report))
    if not hits:
        return []
    lines = report.lines
    starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    found = sorted({bisect_right(starts, a) - 1 for a, _, _ in hits})
    return [(i, lines[i]) for i in found]


_AUTHOR = re.compile(r"本(?:年度)?报告由([\u4e00-\u9fff()]{2,40}?)(?:根据|按照|依据|依照|编制|负责|结合)")
_GOV_TAIL = lazy(r"(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府|办公室|办事处)$")


def _core(name: str) -> str:
    return _GOV_TAIL.sub("", re.sub(r"[()（）\s]", "", name))


@rule("G12", "integrity", "warning", "标题或正文被插入垃圾信息、机关名称前后不一致",
      "镜像网站或被篡改的页面常在标题、正文中插入赌博、色情、推广信息，或使机关名称与正文不符。发现此类内容，说明该文本并非原始公开版本，应以政府网站原件为准。",
      "domain.md §6.3")
def g12(report: Report) -> Iterator[Finding]:
    shown = 0
    for i, line in _spam_lines(report):
        hits = spam_hits(line)
        k = 0
        while k < len(hits) and shown < MAX_FINDINGS:
            # one finding per stretch of spam: matches within 24 characters belong together
            group = [hits[k]]
            k += 1
            while k < len(hits) and hits[k][0] - group[-1][1] <= 24:
                group.append(hits[k])
                k += 1
            shown += 1
            a, b = group[0][0], group[-1][1]
            group = group[:20]
            snippet = line[max(0, a - 12) : b + 12].strip()
            terms = "、".join(dict.fromkeys(h[2] for h in group))
            where = "标题" if report.title and group[0][2] in report.title else f"正文第{i + 1}行"
            if len(snippet) > 80:
                snippet = snippet[:80]
            yield finding("G12", f"{where}中有疑似被插入的垃圾信息“{terms}”（……{snippet}……）。",
                          detail=line[a:b][:200], line=i + 1, start=a, end=b)
    printed = report.extras.get("agency_as_printed")
    if printed and report.agency:
        yield finding("G12", f"标题中的机关名称“{printed}”与正文不一致，正文中只出现“{report.agency}”。",
                      expected=report.agency, actual=printed)
    prefix = _injected_prefix(report)
    if prefix and report.agency:  # (a prefix is only found before a known agency)
        where, line_no, domain = prefix
        yield finding("G12", f"{where}中机关名称“{report.agency}”前有疑似被插入的网址“{domain}”，该页面可能是镜像或被篡改的副本。",
                      actual=domain + report.agency, expected=report.agency, detail=domain, line=line_no)
    m = _AUTHOR.search("\n".join(report.lines[:40])) if report.agency else None
    if m and report.agency:
        author, agency = _core(m.group(1)), _core(report.agency)
        if author and agency and agency not in author and author not in agency:
            yield finding("G12", f"报告称由“{m.group(1)}”编制，与报告机关“{report.agency}”不一致。",
                          expected=report.agency, actual=m.group(1), detail=m.group(0))


def _injected_prefix(report: Report) -> tuple[str, int, str] | None:
    """(where, line, domain) of the first web address printed right before the agency's name
    ("puroview.com东城街道") in the first lines."""
    if not report.agency:
        return None
    name = _core(report.agency)[:4]
    for i, line in enumerate(report.lines[:80]):
        # (the address has a dot and the name follows it: most lines have neither)
        found = domain_before(line, name) if "." in line and name in line else None
        if found:
            title = re.sub(r"\s+", "", report.title or "")
            flat = re.sub(r"\s+", "", line[:200])
            where = "标题" if title and flat and (flat in title or title in flat) else f"正文第{i + 1}行"
            return where, i + 1, found[1]
    return None
