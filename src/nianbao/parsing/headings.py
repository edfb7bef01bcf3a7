"""The headings a report prints: the six section headings and the title line.

Recognising a heading is the one piece of report knowledge every stage needs: the HTML
reader weighs page elements by the headings they hold (the article among site chrome),
`segment` cuts the text into sections at them, and `metadata` reads the agency and year from
the title.  It lives here, below all three, so that a reader never imports a later stage.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from ..lazyre import lazy
from ..formats import templates as T
from ..formats.vocab import normalized, section_index

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DOCNO = re.compile(r"[〔\[]\s*\d{4}\s*[〕\]]\s*\d+\s*号")
_QUOTED_TITLE = re.compile(r"《([^《》\n]{2,80}?年度报告)》")
_AGENCY_END = tuple("府局委室镇乡区县市处会院所站办厅部署馆队团")
_SENTENCE_PUNCT = re.compile(r"[。,;，；:：]")

# the report phrase of a title, standard or not ("政务公开工作报告", "年报"), with its year
_TITLE_PHRASE = re.compile(
    r"(?:(?:19|20)\d{2}(?:年度?)?)?的?(?:(?:(?:政府|政务)?(?:信息)?公开)(?:工作)?的?(?:年度)?(?:工作)?(?:年度)?(?:报告|年报)"
    r"|年度报告|年报)")
# a report naming itself, not its agency: "本年报", "本单位2022年度报告", "我局年度报告"
_SELF_NAME = re.compile(r"^(?:本|该|我|此)(?:年|年度|次|单位|机关|部门|局|委|办|院|镇|乡|街道|区|县|市)?$")
# the start of a title continued on the next line ("…2023年度政府" / "信息公开工作年度报告")
_TITLE_CONTINUATION = re.compile(r"^(?:\d{4}年|政府信息|政务|年度|信息公开|工作|公开|报告)")
# page furniture: lines that are never the title nor the name above it
_FURNITURE = re.compile(
    r"^(?:来源|信息来源|文章来源|发布机构|发布单位|发文机关|发文单位|发布时间|发布日期|更新时间|成文日期|"
    r"索引号|主题分类|信息分类|文号|发文字号|作者|浏览次数|访问次数|点击数|阅读数|字号|分享|打印|关闭|"
    r"当前位置|您现在的位置|您的位置|所在位置)")
_BREADCRUMB = re.compile(r"(?:首页|主页)\s*[>›»/]|[>›»]")
_PAGE_CAPTION = re.compile(r"^Page\d+[-–—]", re.I)  # a flip-book page: "Page 9 - 2020年报_审计局"
_NAME_AFTER = lazy(r"[_\-—–|:：]+[\u4e00-\u9fff()]{2,20}")
_META_LABELS = ("名称", "标题", "文件名称", "信息名称", "文章标题")
_HEADING_NUMBER = re.compile(r"^(?:第?([一二三四五六七八九十]{1,2})\s*[、.,]\s*)?")
_HEADING_END = re.compile(r"[。:;]")
# every heading and variant ends in one of these (a cheap test before matching a line)
_HEADING_TAILS = frozenset(h[-2:] for sec in T.SECTIONS for h in (sec.heading,) + sec.variants)
_HEADING_TAIL = re.compile("|".join(sorted(map(re.escape, _HEADING_TAILS))))  # one scan for all of them
_SUBHEADING = re.compile(r"^(?:\d{1,2}\s*[、.)]|\(|[①-⑳])")


# --------------------------------------------------------------------------- sections


class Heading(NamedTuple):
    line: int  # 0-based
    key: str  # the section's key in `templates.SECTIONS`
    number: str  # the printed number ("一"), or ""
    tail: str  # text printed after the heading on its line


def heading_word_lines(lines: list[str]) -> list[int]:
    """Indices of the lines that print a heading word, in order (one regex scan of the whole
    text, not one per line: most lines print none)."""
    text = "\n".join(lines)
    if len(lines) < 2 or text.count("\n") != len(lines) - 1:  # (a line holding a line break: line by line)
        return [i for i, ln in enumerate(lines) if _HEADING_TAIL.search(ln)]
    out: list[int] = []
    line, pos = 0, 0
    for m in _HEADING_TAIL.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        if not out or out[-1] != line:
            out.append(line)
    return out


def find_headings(lines: list[str]) -> list[Heading]:
    """The section headings found, in document order, each section once (its first heading)."""
    index = section_index()
    found: list[Heading] = []
    seen: set[str] = set()
    for i in heading_word_lines(lines):
        line = lines[i]
        if len(line) > 120:
            continue
        s = line.strip()
        if not s or "\t" in s or "|" in s:
            continue
        m = _HEADING_NUMBER.match(s)
        assert m is not None  # the pattern is optional as a whole: it always matches
        number = m.group(1) or ""
        rest = s[m.end():]
        end = _HEADING_END.search(rest)
        cand, tail = (rest[: end.start()], rest[end.end():]) if end else (rest, "")
        if not cand or len(cand) > 40 or (not number and len(s) > 40):
            continue
        if _SUBHEADING.match(rest):
            continue  # "1、主动公开情况", "（一）…": a sub-heading, not one of the six sections
        hit = index.match(cand)
        if hit is None or hit.quality == "prefix" or (hit.quality == "fuzzy" and (not number or hit.score < 0.85)):
            continue
        key = hit.refs[0].key
        if key in seen:
            continue
        seen.add(key)
        found.append(Heading(i, key, number, tail.strip()))
    return found


# --------------------------------------------------------------------------- title


@lru_cache(maxsize=1)
def _title_words() -> tuple[str, ...]:
    return tuple(normalized(w) for w in T.REPORT_TITLE_WORDS) + ("年度报告",)


def _is_title(s: str) -> bool:
    if any(w in s for w in _title_words()):
        return True
    m = _TITLE_PHRASE.search(s)  # "2024年度政务公开工作报告", "2020年报_审计局"
    return m is not None and (s.endswith(("报告", "年报")) or bool(_NAME_AFTER.fullmatch(s[m.end() :])))


def _candidate(line: str) -> str:
    """A line without spaces, page furniture and the cell labels of a metadata table."""
    s = re.sub(r"\s+", "", line)
    s = _PAGE_CAPTION.sub("", s)
    if "|" in s:
        cells = [c for c in s.split("|") if c]
        for k, c in enumerate(cells[:-1]):
            if c.rstrip(":：") in _META_LABELS:
                return cells[k + 1]
        titles = [c for c in cells if _is_title(c)]
        return titles[0] if titles else ""
    for label in _META_LABELS:
        if s.startswith((label + ":", label + "：")):
            return s[len(label) + 1 :]
    return s


def _furniture(s: str) -> bool:
    return bool(_FURNITURE.match(s) or _BREADCRUMB.search(s))


def title_candidates(lines: list[str], limit: int) -> list[tuple[str, int]]:
    """Every title-like line among the first lines (joined when it wraps), with its line."""
    out: list[tuple[str, int]] = []
    seen = 0
    n = min(limit, len(lines))
    for i in range(n):
        s = _candidate(lines[i])
        if not s or _furniture(s):
            continue
        seen += 1
        if seen > 15:
            break
        if len(s) > 80 or s.startswith(("根据", "本报告", "现发布", "按照", "依据")):
            continue
        if _SENTENCE_PUNCT.search(s) and not s.startswith("《"):
            continue
        nxt = next((re.sub(r"\s+", "", lines[k]) for k in range(i + 1, min(i + 3, len(lines))) if lines[k].strip()), "")
        if not _is_title(s):
            if not (nxt and len(nxt) <= 20 and _TITLE_CONTINUATION.match(nxt) and not _SENTENCE_PUNCT.search(nxt)
                    and _is_title(s + nxt)):
                continue
            s = s + nxt  # "…2023年度政府" / "信息公开工作年度报告"
        title = s
        # the agency may stand on the line(s) above: "洪泽区人民政府" / "2023年政府信息公开工作年度报告"
        j = i - 1
        while j >= 0 and _TITLE_CONTINUATION.match(title):
            prev = re.sub(r"\s+", "", lines[j])
            if not prev:
                j -= 1
                continue
            if len(prev) > 30 or _SENTENCE_PUNCT.search(prev) or _DOCNO.search(prev) or _furniture(prev) \
                    or "|" in prev or _is_title(prev) or not prev.endswith(_AGENCY_END):
                break
            title = prev + title
            j -= 1
        out.append((title.strip("《》"), i))
        if len(out) >= 3:
            break
    return out


def find_title(lines: list[str], limit: int) -> tuple[str | None, int | None]:
    """The report title among the first lines (joined when it wraps), and its line: the
    first that names its agency, else the first."""
    found = title_candidates(lines, limit)
    for title, i in found:
        if name_from_title(title)[0]:
            return title, i
    if found:
        return found[0]
    # no title line: the report may name itself in its introduction ("现发布《…年度报告》")
    head = "\n".join(lines[: min(limit, 40)])
    for m in _QUOTED_TITLE.finditer(head):
        if any(w in m.group(1) for w in _title_words()):
            return m.group(1), None
    return None, None


def name_from_title(title: str) -> tuple[str, int | None]:
    """(agency part, year) of a title like "栖霞市寺口镇人民政府2022年政府信息公开工作年度报告"."""
    t = _DOCNO.sub("", title).removeprefix("关于")
    m = _YEAR.search(t)
    year = int(m.group(1)) if m else None
    phrase = _TITLE_PHRASE.search(t)
    name = t[: phrase.start()] if phrase else t
    name = re.sub(r"^(?:19|20)\d{2}年度?", "", name)  # "2025年某市人民政府办公厅政府信息公开…"
    name = re.sub(r"(?:19|20)\d{2}年度?$", "", name)
    if not name.strip("《》“”\"'_-—|: ") and phrase:
        name = t[phrase.end() :].strip("()")  # "2020年报_审计局", "…年度报告(某县审计局)"
    name = name.strip("《》“”\"'_-—–|:： ").removesuffix("的").removesuffix("关于")
    return ("" if _SELF_NAME.match(name) else name), year
