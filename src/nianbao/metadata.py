"""Metadata from the whole page: the title, the reporting agency, its region and the year.

The title is looked for among the first lines, past page furniture (breadcrumbs, 来源: /
发布机构: lines, metadata tables, flip-book page captions); a title wrapped over two lines is
joined.  Without a title naming the agency, the body's self-description names it
("现将青山街道办事处2022年…报告如下", "2020年,某局认真贯彻…", "请与某局办公室联系").
The region is the parent area printed in front of the agency ("重庆市九龙坡区" for
重庆市九龙坡区二郎街道办事处), never inferred: a department whose own name holds its area
(宁波市教育局) has none.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from . import templates as T
from .divisions import GOVERNMENT_WORDS, canonical_chain, region_before, split_agency
from .model import SectionText
from .selfname import body_agency, strip_injected
from .vocab import normalized

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(r"统计(?:期限|时限|期间|区间|时间)[^。\n]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_NOTICE = re.compile(r"国办公开办函\s*[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*(\d{1,4})\s*号")
_DOCNO = re.compile(r"[〔\[]\s*\d{4}\s*[〕\]]\s*\d+\s*号")
_QUOTED_TITLE = re.compile(r"《([^《》\n]{2,80}?年度报告)》")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_AGENCY_END = tuple("府局委室镇乡区县市处会院所站办厅部署馆队团")
_SENTENCE_PUNCT = re.compile(r"[。,;，；:：]")

# the report phrase of a title, standard or not ("政务公开工作报告", "年报"), with its year
_TITLE_PHRASE = re.compile(
    r"(?:(?:19|20)\d{2}(?:年度?)?)?的?(?:(?:(?:政府|政务)?(?:信息)?公开)(?:工作)?的?(?:年度)?(?:工作)?(?:年度)?(?:报告|年报)"
    r"|年度报告|年报)")
# the start of a title continued on the next line ("…2023年度政府" / "信息公开工作年度报告")
_TITLE_CONTINUATION = re.compile(r"^(?:\d{4}年|政府信息|政务|年度|信息公开|工作|公开|报告)")
# page furniture: lines that are never the title nor the name above it
_FURNITURE = re.compile(
    r"^(?:来源|信息来源|文章来源|发布机构|发布单位|发文机关|发文单位|发布时间|发布日期|更新时间|成文日期|"
    r"索引号|主题分类|信息分类|文号|发文字号|作者|浏览次数|访问次数|点击数|阅读数|字号|分享|打印|关闭|"
    r"当前位置|您现在的位置|您的位置|所在位置)")
_BREADCRUMB = re.compile(r"(?:首页|主页)\s*[>›»/]|[>›»]")
_PAGE_CAPTION = re.compile(r"^Page\d+[-–—]", re.I)  # a flip-book page: "Page 9 - 2020年报_审计局"
_NAME_AFTER = re.compile(r"[_\-—–|:：]+[\u4e00-\u9fff()]{2,20}")
_META_LABELS = ("名称", "标题", "文件名称", "信息名称", "文章标题")


@dataclass
class Metadata:
    title: str | None = None
    title_line: int | None = None  # 0-based
    agency: str | None = None
    agency_as_printed: str | None = None  # when the body contradicts the title
    region: str | None = None
    level: str | None = None
    year: int | None = None
    year_source: str | None = None
    publish_date: str | None = None
    publish_date_source: str | None = None  # 发布日期 | 发布时间 | 成文日期 (a header line) | 落款 (the signature)
    cited_notices: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- title


@lru_cache(maxsize=1)
def _title_words() -> tuple[str, ...]:
    return tuple(normalized(w) for w in T.REPORT_TITLE_WORDS) + ("年度报告",)


def _is_title(s: str) -> bool:
    if any(w in s for w in _title_words()):
        return True
    m = _TITLE_PHRASE.search(s)  # "2024年度政务公开工作报告", "2020年报_审计局"
    return bool(m) and (s.endswith(("报告", "年报")) or bool(_NAME_AFTER.fullmatch(s[m.end() :])))


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
        if _name_from_title(title)[0]:
            return title, i
    if found:
        return found[0]
    # no title line: the report may name itself in its introduction ("现发布《…年度报告》")
    head = "\n".join(lines[: min(limit, 40)])
    for m in _QUOTED_TITLE.finditer(head):
        if any(w in m.group(1) for w in _title_words()):
            return m.group(1), None
    return None, None


def _name_from_title(title: str) -> tuple[str, int | None]:
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
    name = name.strip("《》“”\"'_-—–|:： ")
    return name.removesuffix("的").removesuffix("关于"), year


# --------------------------------------------------------------------------- metadata


def find_metadata(lines: list[str], sections: list[SectionText]) -> Metadata:
    meta = Metadata()
    first_section = sections[0].line_start - 1 if sections else min(len(lines), 40)
    text = "\n".join(lines)
    meta.title, meta.title_line = find_title(lines, max(first_section, 1) if sections else 40)
    name = ""
    if meta.title:
        name, meta.year = _name_from_title(meta.title)
        if meta.year:
            meta.year_source = "title"
    head = "\n".join(lines[: max(first_section, 0) + 15])
    if not name:
        name = body_agency(head) or ""
    if name:
        _set_agency(meta, name, text)
    if meta.year is None:
        meta.year, meta.year_source = _year_from_body(text)
    meta.cited_notices = sorted({f"国办公开办函〔{y}〕{n}号" for y, n in _NOTICE.findall(text)})
    meta.publish_date, meta.publish_date_source = header_date(lines[: max(first_section, 0) + 15])
    if meta.publish_date is None:
        meta.publish_date = _publish_date(lines)
        meta.publish_date_source = "落款" if meta.publish_date else None
    return meta


def _confirmed(name: str, body: str) -> str:
    """The name without a tail the body never prints (spam injected into the title after
    the name): the longest leading part of the name the body confirms."""
    agency = split_agency(name).agency
    bare = agency
    for word in ("人民政府", "政府", "办事处"):
        if agency.endswith(word) and len(agency) - len(word) >= 2:
            bare = agency[: -len(word)]
            break
    if agency in body or bare in body:
        return name
    for n in range(len(agency) - 1, 3, -1):
        if agency[:n] in body:
            return name[: len(name) - (len(agency) - n)]
    return name


def _set_agency(meta: Metadata, name: str, text: str) -> None:
    body = text if meta.title_line is None else text.replace(meta.title or "", "", 1)
    name, removed = strip_injected(name)
    confirmed = _confirmed(name, body)
    if confirmed != name:
        meta.agency_as_printed = name
        name = confirmed
    parsed = split_agency(name)
    meta.agency, meta.level = parsed.agency, parsed.level
    # the region is what is printed in front of the agency: "重庆市九龙坡区" / "二郎街道办事处"
    # (a mirror's variant of a division name has the canonical name's length: 澂江县 / 澄江县)
    prefix = name[: len(name) - len(parsed.agency)] if len(name) > len(parsed.agency) else ""
    meta.region = canonical_chain(prefix) or None
    # "平罗县头闸镇" -> "头闸镇人民政府" when the body calls it so
    if meta.level in ("township", "county", "city", "province") and not meta.agency.endswith(GOVERNMENT_WORDS):
        for word in ("人民政府", "街道办事处", "办事处"):
            if meta.agency + word in body:
                meta.agency += word
                break
    if meta.region is None and not removed:
        meta.region = _region_in_body(body, parsed.agency, meta.level, parsed.chain)


def _region_in_body(body: str, agency: str, level: str | None, chain: tuple[str, ...]) -> str | None:
    """The area the body prints in front of the agency ("淮安市洪泽区人民政府办公室" for 洪泽区
    人民政府, "孝感市政府研究室" for 市政府研究室)."""
    if chain and level != "department":
        return region_before(body, chain[-1])
    if chain:  # a department named after its area: only a parent printed before the whole name
        return region_before(body, agency)
    # no area in the name: "市政府研究室" printed "孝感市政府研究室"
    return region_before(body, agency) or (region_before(body, agency[1:], agency[0]) if len(agency) > 3 else None)


def _year_from_body(text: str) -> tuple[int | None, str | None]:
    m = _PERIOD.search(text)
    if m:
        return int(m.group(1)), "period"
    m = re.search(r"((?:19|20)\d{2})\s*年度?政府信息公开", text)
    if m:
        return int(m.group(1)), "body"
    years = Counter(int(y) for y in _YEAR.findall(text[:6000]))
    if years:
        return years.most_common(1)[0][0], "frequency"
    return None, None


_HEADER_DATE = re.compile(r"(发布日期|发布时间|成文日期)\s*[:：]?\s*" + _DATE.pattern)
HEADER_DATE_ORDER = ("发布日期", "发布时间", "成文日期")  # the publication date first; 成文 is when it was written


def header_date(lines: list[str]) -> tuple[str | None, str | None]:
    """The date a page header prints (发布日期/发布时间/成文日期 lines, also several on one
    line), as (ISO date, the label it was read from); (None, None) when there is none."""
    found: dict[str, str] = {}
    for line in lines:
        for m in _HEADER_DATE.finditer(line.replace(" ", "")):
            label, (y, mo, d) = m.group(1), (int(g) for g in m.groups()[1:])
            if 1 <= mo <= 12 and 1 <= d <= 31:
                found.setdefault(label, f"{y:04d}-{mo:02d}-{d:02d}")
    for label in HEADER_DATE_ORDER:
        if label in found:
            return found[label], label
    return None, None


def _publish_date(lines: list[str]) -> str | None:
    tail = [ln.strip() for ln in lines[-8:] if ln.strip()]
    for s in reversed(tail):
        m = _DATE.fullmatch(s) or (len(s) < 40 and _DATE.search(s))
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None
