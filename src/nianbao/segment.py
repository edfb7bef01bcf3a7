"""Segmentation: the six sections, the title, agency, region, year and template."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import templates as T
from .divisions import GOVERNMENT_WORDS, region_before, split_agency
from .model import SectionText
from .vocab import normalized, section_index

_HEADING_NUMBER = re.compile(r"^(?:第?([一二三四五六七八九十]{1,2})\s*[、.,]\s*)?")
_HEADING_END = re.compile(r"[。:;]")
# every heading and variant ends in one of these (a cheap test before matching a line)
_HEADING_TAILS = frozenset(h[-2:] for sec in T.SECTIONS for h in (sec.heading,) + sec.variants)
_SUBHEADING = re.compile(r"^(?:\d{1,2}\s*[、.)]|\(|[①-⑳])")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(r"统计(?:期限|时限|期间|区间|时间)[^。\n]{0,12}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_NOTICE = re.compile(r"国办公开办函\s*[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*(\d{1,4})\s*号")
_DOCNO = re.compile(r"[〔\[]\s*\d{4}\s*[〕\]]\s*\d+\s*号")
_QUOTED_TITLE = re.compile(r"《([^《》\n]{2,80}?年度报告)》")
_BODY_AUTHOR = re.compile(r"本(?:年度)?报告由([\u4e00-\u9fff()（）]{2,40}?)(?:根据|按照|依据|依照|编制|负责|结合)")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_AGENCY_END = tuple("府局委室镇乡区县市处会院所站办厅部署馆队团")
_SENTENCE_PUNCT = re.compile(r"[。,;，；:：]")


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
    cited_notices: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- sections


def find_sections(lines: list[str]) -> list[SectionText]:
    """The section headings found, in document order, each with its text."""
    index = section_index()
    found: list[tuple[int, str, str, str]] = []  # (line, key, number, rest of line)
    seen: set[str] = set()
    for i, line in enumerate(lines):
        if not line or len(line) > 120 or not any(tail in line for tail in _HEADING_TAILS):
            continue
        s = line.strip()
        if not s or "\t" in s or "|" in s:
            continue
        m = _HEADING_NUMBER.match(s)
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
        found.append((i, key, number, tail.strip()))
    sections: list[SectionText] = []
    for n, (i, key, number, tail) in enumerate(found):
        end_line = found[n + 1][0] - 1 if n + 1 < len(found) else len(lines) - 1
        body = ([tail] if tail else []) + lines[i + 1 : end_line + 1]
        sections.append(SectionText(key, number, lines[i].strip(), i + 1, end_line + 1, "\n".join(body).strip()))
    return sections


# --------------------------------------------------------------------------- metadata


def find_title(lines: list[str], limit: int) -> tuple[str | None, int | None]:
    """The report title among the first lines (joined when it wraps), and its line."""
    words = tuple(normalized(w) for w in T.REPORT_TITLE_WORDS) + ("年度报告",)
    seen = 0
    for i in range(min(limit, len(lines))):
        s = re.sub(r"\s+", "", lines[i])
        if not s:
            continue
        seen += 1
        if seen > 15:
            break
        if not any(w in s for w in words) or len(s) > 80 or s.startswith(("根据", "本报告", "现发布", "按照", "依据")):
            continue
        if _SENTENCE_PUNCT.search(s) and not s.startswith("《"):
            continue
        title = s
        # the agency may stand on the line(s) above: "洪泽区人民政府" / "2023年政府信息公开工作年度报告"
        j = i - 1
        while j >= 0 and (re.match(r"^(?:\d{4}年|政府信息|年度报告|信息公开)", title)):
            prev = re.sub(r"\s+", "", lines[j])
            if not prev:
                j -= 1
                continue
            if len(prev) > 30 or _SENTENCE_PUNCT.search(prev) or _DOCNO.search(prev) or not prev.endswith(_AGENCY_END):
                break
            title = prev + title
            j -= 1
        return title.strip("《》"), i
    # no title line: the report may name itself in its introduction ("现发布《…年度报告》")
    head = "\n".join(lines[: min(limit, 40)])
    for m in _QUOTED_TITLE.finditer(head):
        if any(w in m.group(1) for w in words):
            return m.group(1), None
    return None, None


def _name_from_title(title: str) -> tuple[str, int | None]:
    """(agency part, year) of a title like "栖霞市寺口镇人民政府2022年政府信息公开工作年度报告"."""
    t = _DOCNO.sub("", title)
    t = t.removeprefix("关于")
    m = _YEAR.search(t)
    year = int(m.group(1)) if m else None
    if m:
        name = t[: m.start()]
    else:
        cut = min((t.find(w) for w in ("政府信息公开", "政务信息公开", "信息公开", "年度报告") if w in t), default=len(t))
        name = t[:cut]
    name = name.strip("《》“”\"' ")
    return name.removesuffix("的").removesuffix("关于"), year


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
    head = "\n".join(lines[: max(first_section, 0) + 12])
    if not name:
        m = _BODY_AUTHOR.search(head)
        if m:
            name = m.group(1)
    if name:
        _set_agency(meta, name, text)
    if meta.year is None:
        meta.year, meta.year_source = _year_from_body(text)
    meta.cited_notices = sorted({f"国办公开办函〔{y}〕{n}号" for y, n in _NOTICE.findall(text)})
    meta.publish_date = _publish_date(lines)
    return meta


def _set_agency(meta: Metadata, name: str, text: str) -> None:
    body = text if meta.title_line is None else text.replace(meta.title or "", "", 1)
    parsed = split_agency(name)
    agency = parsed.agency
    bare = agency.removesuffix("人民政府").removesuffix("政府")
    if agency not in body and (bare == agency or len(bare) < 2 or bare not in body):
        # the body never names the agency as the title does (e.g. spam injected into the
        # title): keep the longest leading part of the agency that the body confirms
        for n in range(len(agency) - 1, 3, -1):
            if agency[:n] in body:
                meta.agency_as_printed = name
                parsed = split_agency(name[: len(name) - (len(agency) - n)])
                break
    meta.agency, meta.region, meta.level = parsed.agency, parsed.region, parsed.level
    # "平罗县头闸镇" -> "头闸镇人民政府" when the body calls it so
    if meta.level in ("township", "county", "city", "province") and not meta.agency.endswith(GOVERNMENT_WORDS):
        for word in ("人民政府", "街道办事处", "办事处"):
            if meta.agency + word in body:
                meta.agency += word
                break
    if meta.region is None and parsed.chain:
        meta.region = region_before(body, parsed.chain[-1])


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


def _publish_date(lines: list[str]) -> str | None:
    tail = [ln.strip() for ln in lines[-8:] if ln.strip()]
    for s in reversed(tail):
        m = _DATE.fullmatch(s) or (len(s) < 40 and _DATE.search(s))
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


# --------------------------------------------------------------------------- template


def detect_template(text: str) -> str | None:
    """"2021", "2019", "legacy" or None, from the set of labels the text prints (domain.md §6.5)."""
    scores = {tid: sum(normalized(w) in text for w in tpl.signature) for tid, tpl in T.TEMPLATES.items()}
    t2 = {tid: sum(normalized(w) in text for w in tpl.table2_signature) for tid, tpl in T.TEMPLATES.items()}
    shared = sum(normalized(w) in text for w in T.SHARED_SIGNATURE)
    best = max(scores.values())
    if best == 0:
        if shared:
            other = [r for r in T.TEMPLATE_2021.table3_rows if r.group == "other"]
            children = sum(normalized(r.label[:8]) in text for r in other[:2])
            children = children or int(normalized(T.T3_GROUPS["other"].title) in text)
            # neither the （六） rows of one template nor a label of its own: the page holds
            # only rows both templates print (undeterminable, domain.md §6.5)
            return "2021" if children >= 2 else "2019" if children == 1 else None
        legacy = sum(normalized(w) in text for w in T.LEGACY_SIGNATURE)
        return T.LEGACY if legacy >= 2 else None
    leaders = [tid for tid, s in scores.items() if s == best]
    if len(leaders) == 1:
        return leaders[0]
    # a tie: table 二 decides (a 2021 table 二 with the old single （六） row is "2021")
    return max(leaders, key=lambda tid: (t2[tid], tid))
