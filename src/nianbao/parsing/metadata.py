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

from ..lazyre import lazy
from ..formats.divisions import GOVERNMENT_WORDS, canonical_chain, region_before, split_agency
from ..model import SectionText
from .headings import find_title, name_from_title
from .selfname import body_agency, name_line, strip_injected

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = lazy(r"统计(?:期限|时限|期间|区间|时间)[^。\n]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_NOTICE = re.compile(r"国办公开办函\s*[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*(\d{1,4})\s*号")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")


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


# --------------------------------------------------------------------------- metadata


def find_metadata(lines: list[str], sections: list[SectionText]) -> Metadata:
    meta = Metadata()
    first_section = sections[0].line_start - 1 if sections else min(len(lines), 40)
    text = "\n".join(lines)
    meta.title, meta.title_line = find_title(lines, max(first_section, 1) if sections else 40)
    name = ""
    if meta.title:
        name, meta.year = name_from_title(meta.title)
        if meta.year:
            meta.year_source = "title"
    head = "\n".join(lines[: max(first_section, 0) + 15])
    if not name:
        name = name_line(lines[: max(first_section, 0)]) or body_agency(head) or ""
    if name:
        _set_agency(meta, name, text)
    if meta.year is None:
        meta.year, meta.year_source = _year_from_body(text)
    elif meta.title_line is None:  # a title quoted in the introduction: its statistical period wins
        period = _PERIOD.search(text)
        if period and int(period.group(1)) != meta.year:
            meta.year, meta.year_source = int(period.group(1)), "period"
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
    if agency in body or bare in body or agency in body.replace("\n", ""):  # (a title wrapped in the body)
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
