"""Integrity (G12): injected spam (gambling, pornography, SEO) and agency names the
body contradicts — typical of copies on hijacked or mirror sites."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import Report
from . import finding, rule

SPAM = re.compile(
    "|".join(
        (
            # gambling
            r"竞彩|彩票|博彩|赌场|赌博|百家乐|老虎机|娱乐城|棋牌(?:游戏|平台|官网)|真人(?:娱乐|视讯|荷官)|"
            r"体育(?:直播|投注|平台|官网|app|APP|在线)|明升|威尼斯人|新?葡京|金沙(?:娱乐|官网|国际|平台)|"
            r"澳门(?:赌|银河|永利|威尼斯|新葡)|皇冠(?:体育|app|APP|足球)|bet365|开云|亚博|乐鱼|九游|半岛体育|华体会|"
            r"爱体育|雷速体育|足彩|下注|投注|赔率|买球|盘口|返水|首存|注册送|彩金|六合彩|时时彩|北京赛车|幸运飞艇",
            # pornography
            r"色情|成人(?:影院|视频|网站|电影)|无码|黄色(?:网站|视频|电影)|裸聊|约炮|一夜情|福利姬|麻豆传媒|国产精品|自拍偷拍|AV(?:在线|电影|女优)",
            # SEO / app-store spam
            r"【[^】]{0,12}官网[^】]{0,6}】|唯一(?:app)?官网|官方(?:入口|网站下载)|app下载|APP下载|登录入口|网页版入口|手机版下载",
        )
    ),
    re.IGNORECASE,
)
_AUTHOR = re.compile(r"本(?:年度)?报告由([\u4e00-\u9fff()]{2,40}?)(?:根据|按照|依据|依照|编制|负责|结合)")
_GOV_TAIL = re.compile(r"(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府|办公室|办事处)$")


def _core(name: str) -> str:
    return _GOV_TAIL.sub("", re.sub(r"[()（）\s]", "", name))


@rule("G12", "integrity", "warning", "标题或正文被插入垃圾信息、机关名称前后不一致",
      "镜像网站或被篡改的页面常在标题、正文中插入赌博、色情、推广信息，或使机关名称与正文不符。发现此类内容，说明该文本并非原始公开版本，应以政府网站原件为准。",
      "domain.md §6.3")
def g12(report: Report) -> Iterator[Finding]:
    text = "\n".join(report.lines)
    spam_lines = {text.count("\n", 0, m.start()) for m in SPAM.finditer(text)}
    for i in sorted(spam_lines):
        line = report.lines[i]
        hits = list(SPAM.finditer(line))
        while hits:
            # one finding per stretch of spam: matches within 24 characters belong together
            group = [hits.pop(0)]
            while hits and hits[0].start() - group[-1].end() <= 24:
                group.append(hits.pop(0))
            a, b = group[0].start(), group[-1].end()
            snippet = line[max(0, a - 12) : b + 12].strip()
            terms = "、".join(dict.fromkeys(m.group(0) for m in group))
            where = "标题" if report.title and group[0].group(0) in report.title else "正文"
            where += "" if where == "标题" else f"第{i + 1}行"
            yield finding("G12", f"{where}中有疑似被插入的垃圾信息“{terms}”（……{snippet}……）。",
                          detail=line[a:b], line=i + 1, start=a, end=b)
    printed = report.extras.get("agency_as_printed")
    if printed and report.agency:
        yield finding("G12", f"标题中的机关名称“{printed}”与正文不一致，正文中只出现“{report.agency}”。",
                      expected=report.agency, actual=printed)
    m = _AUTHOR.search("\n".join(report.lines[:40]))
    if m and report.agency:
        author, agency = _core(m.group(1)), _core(report.agency)
        if author and agency and agency not in author and author not in agency:
            yield finding("G12", f"报告称由“{m.group(1)}”编制，与报告机关“{report.agency}”不一致。",
                          expected=report.agency, actual=m.group(1), detail=m.group(0))
