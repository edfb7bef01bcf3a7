"""Privacy (G8): applicants' names, ID-card numbers, mobile numbers, home addresses.

Names are found with jieba's part-of-speech tagger (tag nr), run only on sentences
that talk about applicants, complainants or litigants, and filtered: officials named
with their title, de-identified names (张某, 李**), and words the tagger mistakes for
names are not reported.  The agency's own office (landline) phone is fine.
"""
from __future__ import annotations

import re
from itertools import filterfalse
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from ..lazyre import lazy
from ..formats import templates as T
from ..model import Finding, Report
from . import finding, joined_lines, rule

_ID = lazy(r"(?<![0-9A-Za-z])(\d{6})((?:19|20)\d{2})(\d{2})(\d{2})(\d{3})([\dXx])(?![0-9A-Za-z])")
_MOBILE = lazy(r"(?<![\d.])(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![\d])")
# what every match of _ID and _MOBILE holds, without the look-arounds that make a scan of the
# whole text slow (a look-behind first defeats the regex engine's skip to a possible start):
# when these find nothing, neither pattern can
_ID_DIGITS = re.compile(r"\d\d{16}")
_MOBILE_DIGITS = lazy(r"1[3-9]\d[ -]?\d{4}[ -]?\d{4}")
_CONTACT = lazy(r"(?:联系电话|电话|热线|手机|咨询|监督|举报|联系方式|Tel|TEL)[^。\n]{0,12}$")
_ADDRESS = re.compile(r"(?:家庭住址|家住|住址|居住地址|现住址|现居住于|住所地)\s*[:为在]?\s*([\u4e00-\u9fff\d\-#号室栋楼单元组村]{4,40})")
_OFFICIAL_TITLE = lazy(
    r"^(?:书记|副书记|镇长|副镇长|乡长|县长|区长|市长|省长|主任|副主任|局长|副局长|科长|所长|站长|部长|主席|委员|同志|代表|秘书长|厅长|处长|队长|院长|组长|总理|总书记|主任委员)"
)
_TITLE_BEFORE = lazy(r"(?:书记|镇长|乡长|县长|区长|市长|主任|局长|科长|所长|站长|部长|主席|委员|组长|处长|秘书长)$")
_NOT_NAMES = frozenset(
    "申请人 当事人 负责人 联系人 第三人 举报人 投诉人 代理人 经办人 责任人 法人 本人 他人 原告 被告 群众 市民 公民 "
    "习近平 毛泽东 邓小平 江泽民 胡锦涛 李克强 李强 周恩来 孙中山 马克思 列宁 "
    # words jieba's dictionary tags as person names although they are not
    "顾问 文明 严格执行 严格遵守 严格把关 严格落实 明确 常务 高效 安全 方便 包括 于是 司法 宋体 黄金 华侨 向阳 石油".split()
)
# the 200 most common surnames and the common two-character ones
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒", "夏侯", "端木")


@lru_cache(maxsize=1)
def _tagger():  # type: ignore[no-untyped-def]
    import logging  # (here: a check that never tags does not load logging)

    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.ERROR)
    return pseg


def valid_id_number(s: str) -> bool:
    """An 18-digit resident ID number with a valid birth date and check digit."""
    if len(s) != 18 or not s[:17].isdigit() or s[0] not in "12345678":
        return False
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(s[:17], weights)) % 11]
    return s[17].upper() == check


def _line_of(report: Report, needle: str) -> int | None:
    for i, line in enumerate(report.lines):
        if needle in line:
            return i + 1
    return None


def _looks_like_name(word: str) -> bool:
    if not (2 <= len(word) <= 4) or word in _NOT_NAMES:
        return False
    if any(ch in word for ch in "某＊*×X某氏"):
        return False
    if not all("\u4e00" <= ch <= "\u9fff" for ch in word):
        return False
    return word[0] in _SURNAMES or word.startswith(_COMPOUND)


@lru_cache(maxsize=4096)
def _tag(window: str) -> tuple[tuple[str, str], ...]:
    return tuple((w.word, w.flag) for w in _tagger().cut(window))


_S = "[" + "".join(sorted(_SURNAMES)) + "]"
# where a private person's name is written: right after a word about applicants or
# litigants ("收到田彦贵、田改庆请求…", "申请人李明华"), or right before what they did
# ("张三于3月提出申请")
_AFTER = re.compile(r"(?:收到|受理|接到|申请人|来信人|来访人|举报人|投诉人|原告|当事人|第三人)[:：]?\s*"
                    r"(?:了|市民|群众|居民|村民|来自)?(?=" + _S + ")")
_VERBS = ("提出", "提交", "申请公开", "来信", "来访", "请求公开", "起诉", "申请" + T.T4_GROUPS[0][1])
_BEFORE = re.compile(_S + r"[\u4e00-\u9fff]{1,3}(?:等\d*人)?(?:于[^。,;\n]{0,12}?)?(?:" + "|".join(_VERBS) + ")")
_VERB = lazy("|".join(_VERBS))  # one scan finds every verb: none overlaps another (test_rules checks)
_ETC_COUNT = lazy(r"等(\d*)人")  # ("张三等3人提出…"): the one part of a _BEFORE match of no fixed length


def _before_matches(text: str) -> Iterator[re.Match[str]]:
    """`_BEFORE.finditer(text)`, scanning only the stretches that end in one of the verbs
    every match ends with (a surname starts the pattern, and surnames are common characters:
    a scan of the whole text is slow).  A match starts at most `reach` characters before
    its verb, so a stretch holds every match that ends in it, and the matches come in order."""
    spans = [m.span() for m in _VERB.finditer(text)]
    if not spans:
        return
    reach = 1 + 3 + 1 + 12 + 2 + max((len(m.group(1)) for m in _ETC_COUNT.finditer(text)), default=0)
    stretches: list[list[int]] = []
    for a, b in spans:
        a = max(0, a - reach)
        if stretches and a <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], b)
        else:
            stretches.append([a, b])
    for a, b in stretches:
        yield from _BEFORE.finditer(text, a, b)


MAX_WINDOWS = 200
# fixed phrases those two patterns also meet, which never hold a name: the title of section 三
# ("收到和处理政府信息公开申请情况"), "申请人申请…"/"收到申请…", "依申请公开" ("规范依申请公开"
# reads as 范 + 依 + 申请公开).  Checked before the tagger runs, so a report that only uses
# them never loads jieba (a second of CPU for a one-shot `nianbao check`).
_AFTER_FIXED = lazy(r"和处理|申请|依申请")
_BEFORE_FIXED = lazy(r"^申请|依申请")


def _fixed_phrase(pattern: re.Pattern[str], m: re.Match[str], text: str) -> bool:
    if pattern is _AFTER:
        return _AFTER_FIXED.match(text, m.end()) is not None
    return _BEFORE_FIXED.search(m.group(0)) is not None


def _windows(text: str) -> list[str]:
    out: dict[str, None] = {}
    for pattern, before, after in ((_AFTER, 2, 16), (_BEFORE, 6, 0)):
        for m in pattern.finditer(text) if pattern is _AFTER else _before_matches(text):
            if _fixed_phrase(pattern, m, text):
                continue
            out[text[max(0, m.start() - before): m.end() + after]] = None
            if len(out) >= MAX_WINDOWS:
                return list(out)
    return list(out)


def find_names(text: str) -> list[str]:
    """Private persons' names where applicants, complainants or litigants are written
    about: the tagger runs only on short windows there, never on the whole report."""
    names: list[str] = []
    for window in _windows(text):
        words = [_Word(w, f) for w, f in _tag(re.sub(r"\d+", "0", window))]
        for i, w in enumerate(words):
            if not w.flag.startswith("nr") or not _looks_like_name(w.word):
                continue
            after = "".join(x.word for x in words[i + 1 : i + 3])
            before = "".join(x.word for x in words[max(0, i - 2) : i])
            if _OFFICIAL_TITLE.match(after) or _TITLE_BEFORE.search(before):
                continue
            if w.word not in names:
                names.append(w.word)
    return names


_MARKS = "。,;:"  # a line with one of these holds a sentence
_SENTENCE_MARK = lazy(f"[{_MARKS}]")
_TABLE_ROW = re.compile(r"\t[\d\s.+\-]*$")  # a row ending in its number cells ("label<TAB>18800000188" of a crawler dump)


def _prose(report: Report) -> str:
    """All text outside the three tables: in sections 二–四 only sentences are kept (table
    rows hold numbers and official labels, never personal data).  Cut from the joined text
    the other rules read too, rather than joined again line by line."""
    lines, text = report.lines, joined_lines(report)
    spans: list[list[int]] = []  # the table sections' lines after the heading, overlaps merged
    for a, b in sorted((max(s.line_start, 0), min(s.line_end, len(lines))) for s in report.sections
                       if s.key in ("proactive", "requests", "appeals")):
        if a >= b:
            continue
        if spans and a <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b)
        else:
            spans.append([a, b])
    if not spans:
        return text
    kept: list[str] = []
    done = at = 0  # the first line not yet taken, and where it starts in `text`
    for a, b in spans:
        start = at + sum(map(len, lines[done:a])) + a - done
        end = start + sum(map(len, lines[a:b])) + b - a  # (one past the newline after line b-1)
        if a > done:
            kept.append(text[at:start - 1])
        kept += _sentences(text[start:end - 1], lines[a:b])
        done, at = b, end
    if done < len(lines):
        kept.append(text[at:])
    return "\n".join(kept)


def _sentences(block: str, lines: list[str]) -> list[str]:
    """The lines of a table section (`block`: them joined) that hold a sentence: a sentence
    mark, and not a row ending in its number cells.  Few lines there have a mark: they are
    found with str.find on the block, many times faster than a regex call per line or a
    regex character class over the block."""
    if block.count("\n") != len(lines) - 1:  # a line holding a newline itself: line by line
        return list(filterfalse(_TABLE_ROW.search, filter(_SENTENCE_MARK.search, lines)))
    out: list[str] = []
    row = at = 0
    upcoming = [block.find(mark) for mark in _MARKS]  # where each mark is next printed
    while True:
        found = [p for p in upcoming if p >= 0]
        if not found:
            break
        first = min(found)
        row += block.count("\n", at, first)
        if not _TABLE_ROW.search(lines[row]):
            out.append(lines[row])
        at = block.find("\n", first)
        if at < 0:
            break
        upcoming = [p if p < 0 or p > at else block.find(mark, at) for p, mark in zip(upcoming, _MARKS)]
    return out


class _Word(NamedTuple):
    word: str
    flag: str


@rule("G8", "privacy", "error", "报告公开了个人信息",
      "年度报告不得公开申请人等个人的姓名、身份证号码、手机号码、家庭住址等个人信息，应删除或作去标识化处理（如“张某”）。",
      "《政府信息公开条例》第十五条；2018年政务公开工作要点")
def g8(report: Report) -> Iterator[Finding]:
    text = _prose(report)
    for m in _ID.finditer(text) if _ID_DIGITS.search(text) else ():
        number = m.group(0)
        if valid_id_number(number):
            masked = number[:6] + "********" + number[-4:]
            yield finding("G8", f"报告中出现了身份证号码（{masked}），应删除或隐去。", detail=masked, line=_line_of(report, number))
    for m in _MOBILE.finditer(text) if _MOBILE_DIGITS.search(text) else ():
        number = "".join(m.groups())
        masked = number[:3] + "****" + number[-4:]
        before = text[max(0, m.start() - 16) : m.start()]
        if _CONTACT.search(before):
            yield finding("G8", f"联系电话使用了手机号码（{masked}），可能是个人号码，建议改用办公电话。", severity="warning",
                          detail=masked, line=_line_of(report, m.group(0)))
        else:
            yield finding("G8", f"报告中出现了手机号码（{masked}），应删除或隐去。", detail=masked, line=_line_of(report, m.group(0)))
    for m in _ADDRESS.finditer(text):
        yield finding("G8", f"报告中出现了个人住址（“{m.group(0)}”），应删除。", detail=m.group(0), line=_line_of(report, m.group(0)))
    names = find_names(text)
    if names:
        shown = "、".join(names)
        yield finding("G8", f"报告中出现了申请人等个人的姓名：{shown}。应删除或改为“某先生”“张某”等去标识化写法。",
                      detail=shown, line=_line_of(report, names[0]))
