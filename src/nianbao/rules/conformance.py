"""Conformance: the six sections, the right template for the year, the cited notice,
the statistical period, complete tables."""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from ..lazyre import lazy
from ..formats import templates as T
from ..model import Finding, Report
from ..words import BODY_NAMES, LEVEL_NAMES
from ..formats.vocab import LabelIndex, normalized, section_index
from . import finding, joined_lines, per_check, rule
from .arithmetic import row_title, rows_of, template_of

# matched on the text with all white space removed (PDF lines wrap inside dates); the end
# date may omit its year ("2025年1月1日至12月31日"): it is then the start's year
_YEAR_JAN1 = r"((?:19|20)\d{2})年0?1月0?1日"
_DEC31 = r"(?:((?:19|20)\d{2})年)?12月31日"
_PERIOD = lazy(rf"统计(?:期限|时限|期间|区间|时间|数据)[^。]{{0,12}}?{_YEAR_JAN1}[^。]{{0,12}}?{_DEC31}")
_PERIOD_LOOSE = lazy(rf"{_YEAR_JAN1}(?:起|至|到|-|—|－|~|～)+[^。]{{0,6}}?{_DEC31}")
# a line that holds a section heading behind junk or a wrong number ("l六、存在的主要问题及改进情况",
# "5、其他需要报告的事项", "（四）政府信息公开行政复议、行政诉讼情况")
_HEADING_PREFIX = re.compile(
    r"^[^\u4e00-\u9fff]{0,4}(?:第?[一二三四五六七八九十]{1,2}(?:部分)?|[(（][一二三四五六七八九十\d]{1,2}[)）])?[^\u4e00-\u9fff]{0,4}")
_HEADING_END = re.compile(r"[。:：;；]")
# a heading number as printed: "六、", "第五部分" (group 1) or "（五）" (group 2)
_HEADING_NUMBER = lazy(r"^\s*(?:第?([一二三四五六七八九十]{1,2})(?:部分)?\s*[、.,，．\s]|[(（]([一二三四五六七八九十]{1,2})[)）])")


@rule("G1", "conformance", "error", "六个部分齐全且顺序正确",
      "年度报告应依次包括：一、总体情况；二、主动公开政府信息情况；三、收到和处理政府信息公开申请情况；四、政府信息公开行政复议、行政诉讼情况；五、存在的主要问题及改进情况；六、其他需要报告的事项。",
      "《政府信息公开条例》第五十条；国办公开办函〔2021〕30号")
def g1(report: Report) -> Iterator[Finding]:
    if report.template == T.LEGACY:
        return
    found = [s.key for s in report.sections]
    placed = [(s.line_start, s.key) for s in report.sections]
    lost = not_read(report)
    for sec in T.SECTIONS:
        if sec.key in found:
            continue
        garbled = _garbled_heading(report, sec.key)
        if garbled is None and lost:  # the part may well be on a page the reader lost: not the author's fault
            yield finding("G1", f"没有读到第{sec.number}部分“{sec.title}”，{_lost_hint(lost, '该部分')}", severity="warning",
                          section=sec.key, expected=sec.title, pages=lost, detail="pages-not-read")
            continue
        if garbled is None:
            yield finding("G1", f"缺少第{sec.number}部分“{sec.title}”。", section=sec.key, expected=sec.title)
            continue
        line, printed = garbled
        placed.append((line, sec.key))
        wrong = "文字与官方格式不一致" if printed.startswith(f"{sec.number}、") else "编号或文字有误"
        yield finding("G1", f"第{sec.number}部分的标题印为“{printed}”，{wrong}，应为“{sec.title}”。", severity="warning",
                      section=sec.key, line=line, expected=sec.title, actual=printed)
    found = [k for _, k in sorted(placed)]
    order = [k for k in (s.key for s in T.SECTIONS) if k in found]
    if found != order:
        printed = "、".join(T.SECTION_BY_KEY[k].number for k in found)
        yield finding("G1", f"各部分顺序不符合官方格式（现为：{printed}）。", expected="一、二、三、四、五、六", actual=printed)
    for s in report.sections:
        canonical = T.SECTION_BY_KEY[s.key]
        if s.number and s.number != canonical.number:
            yield finding("G1", f"“{s.heading}”应为第{canonical.number}部分，编号印为“{s.number}”。", severity="warning",
                          section=s.key, line=s.line_start, expected=canonical.title, actual=s.heading)
        elif _words_added(s.heading, canonical):
            yield finding("G1", f"第{canonical.number}部分的标题印为“{s.heading}”，文字与官方格式不一致，应为“{canonical.title}”。",
                          severity="warning", section=s.key, line=s.line_start, expected=canonical.title, actual=s.heading)


def _words_added(printed: str, sec: T.Section) -> bool:
    """A heading the segmenter took, printed with words in front of the official wording
    ("一、政府信息公开工作总体情况" for "一、总体情况"): read as the section, but not the format."""
    cand = _heading_candidate(printed)
    official = normalized(sec.heading)
    return cand is not None and cand[1] != official and cand[1].endswith(official)


def _garbled_heading(report: Report, key: str) -> tuple[int, str] | None:
    """(1-based line, text) of a line the segmenter did not take for a heading but that is the
    heading of section `key` once stray characters or a wrong kind of number before it are
    dropped ("l六、存在的主要问题及改进情况", "5、其他需要报告的事项"), or a numbered heading with
    words added in front ("一、政府信息公开工作的总体情况").  Only between the sections found
    before and after it, so that a sub-heading elsewhere is not taken for it."""
    rank = _RANK
    lo = max((s.line_start for s in report.sections if rank[s.key] < rank[key]), default=0)
    hi = min((s.line_start for s in report.sections if rank[s.key] > rank[key]), default=len(report.lines) + 1)
    sec = T.SECTION_BY_KEY[key]
    wordings, tails = _wordings(key)
    index = _headings()
    if lo >= 0 and hi <= len(report.lines) + 1:
        found = [c for c in _heading_candidates(report) if lo < c[0] < hi]
    else:  # section lines outside the text (not a reader's): line by line, as they are
        found = [(i, *c) for i in range(lo + 1, hi) if (c := _heading_candidate(report.lines[i - 1]))]
    for i, s, cand in found:
        if not cand.endswith(tails):
            continue
        number = _HEADING_NUMBER.match(s)
        if number and number.group(2) and number.group(2) != sec.number:
            continue  # "（二）依申请公开政府信息情况": a sub-heading of another section
        hit = index.match(cand)
        if hit is not None and hit.quality == "exact" and hit.refs[0].key == key:
            return i, s
        if number and number.group(1) and any(cand.endswith(w) and len(cand) - len(w) <= 10 for w in wordings):
            return i, s
    return None


def _heading_candidate(line: str) -> tuple[str, str] | None:
    """(line stripped, its heading text normalised) of a line that may be a heading once
    stray characters or a number before it are dropped, or None."""
    s = line.strip()
    if not s or len(s) > 60 or "|" in s or "\t" in s:
        return None
    m = _HEADING_PREFIX.match(s)
    assert m is not None  # every part of the pattern is optional: it always matches
    rest = s[m.end():]
    end = _HEADING_END.search(rest)
    cand = normalized(rest[: end.start()] if end else rest).strip()
    if not cand or (not end and len(rest) > 40):
        return None
    return s, cand


@per_check
def _heading_candidates(report: Report) -> list[tuple[int, str, str]]:
    """(1-based line, line, heading text) of every line that may be a garbled heading: found
    once for all the sections a report lacks."""
    return [(i, c[0], c[1]) for i, line in enumerate(report.lines, 1) if (c := _heading_candidate(line))]


_RANK = {k: n for n, k in enumerate(T.SECTION_BY_KEY)}


@cache
def _wordings(key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Section `key`'s heading and its variants as normalised text, and their last two characters."""
    sec = T.SECTION_BY_KEY[key]
    wordings = tuple(normalized(h) for h in (sec.heading,) + sec.variants)
    return wordings, tuple({w[-2:] for w in wordings})


@cache
def _headings() -> LabelIndex:
    """The index of the section headings, built once (it keeps what it has matched)."""
    return section_index()


def _section_body(report: Report, key: str) -> tuple[str, int | None]:
    """(text, heading line) of a section, also when only a garbled heading marks it."""
    sec = report.section(key)
    if sec is not None:
        return sec.text, sec.line_start
    garbled = _garbled_heading(report, key)
    if garbled is None:
        return "", None
    line = garbled[0]
    following = [s.line_start for s in report.sections if s.line_start > line]
    end = min(following) - 1 if following else len(report.lines)
    return "\n".join(report.lines[line:end]), line


@rule("G2", "conformance", "error", "统计表格式与报告年度相符",
      "2021年度及以后的报告应使用国办公开办函〔2021〕30号格式；2019、2020年度使用国办公开办函〔2019〕60号格式。使用已废止格式的，统计口径与上级汇总不一致。",
      "国办公开办函〔2021〕30号；国办公开办函〔2019〕60号")
def g2(report: Report) -> Iterator[Finding]:
    expected = T.template_for_year(report.year)
    if report.template is None or expected is None or report.template == expected:
        return
    want = T.TEMPLATES.get(expected)
    used = T.TEMPLATES.get(report.template)
    yield finding(
        "G2",
        f"{report.year}年度报告应使用{want.notice if want else '当年'}规定的格式，"
        f"本报告的统计表是{used.notice + '的格式' if used else '旧版自由格式'}。",
        expected=expected, actual=report.template,
    )


@rule("G2.1", "conformance", "error", "表三沿用旧版“（六）其他处理”单行",
      "2021年格式的表三“（六）其他处理”分为三行：1.申请人无正当理由逾期不补正…；2.申请人逾期未按收费通知要求缴纳费用…；3.其他。只印一行“（六）其他处理”是2019年旧格式的写法。")
def g2_1(report: Report) -> Iterator[Finding]:
    t3 = report.table3
    if report.template == "2021" and "other_other" in t3 and "other_no_correction" not in t3 and "other_no_fee" not in t3:
        old = T.TEMPLATE_2019.t3_row("other_other").title
        new = "、".join(f"“{r.number}{r.label[:12]}…”" if len(r.label) > 12 else f"“{r.number}{r.label}”"
                       for r in T.TEMPLATE_2021.table3_rows if r.group == "other")
        yield finding("G2.1", f"表三只印了一行“{old}”（2019年旧格式），2021年格式应分为{new}三行；该行数值已记入最后一行。",
                      table="table3", row="other_other")


@rule("G2.2", "conformance", "warning", "引用的格式文件与报告年度不符",
      "报告引言引用的年度报告格式通知应与所用格式一致：2021年度起为国办公开办函〔2021〕30号，2019、2020年度为国办公开办函〔2019〕60号。")
def g2_2(report: Report) -> Iterator[Finding]:
    expected = T.TEMPLATES.get(T.template_for_year(report.year) or "")
    if expected is None:
        return
    notices = {tpl.notice: tid for tid, tpl in T.TEMPLATES.items()}
    for cited in report.cited_notices:
        if cited in notices and cited != expected.notice:
            yield finding("G2.2", f"报告引用了{cited}，但{report.year}年度报告的格式依据应为{expected.notice}。",
                          expected=expected.notice, actual=cited)


@rule("G3", "conformance", "warning", "写明统计期限且与报告年度一致",
      "报告应说明所列数据的统计期限为报告年度1月1日至12月31日，且与标题中的年度一致。",
      "四川省地方标准 DB51/T 2660—2019 第2.1条")
def g3(report: Report) -> Iterator[Finding]:
    if report.year is None:
        yield finding("G3", "未能从标题或正文确定报告年度。")
        return
    m = _period(joined_lines(report))
    if not m:
        yield finding("G3", f"报告未写明统计期限（应为{report.year}年1月1日至{report.year}年12月31日）。")
        return
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else start
    if start != report.year or end != report.year:
        yield finding("G3", f"统计期限写为{start}年1月1日至{end}年12月31日，与报告年度{report.year}年不一致。",
                      expected=report.year, actual=f"{start}-{end}")


PERIOD_SPAN = 100  # characters: more than any match of _PERIOD spans (test_rules checks it)
_HEAD = 1000  # characters of the text looked at first: the period is stated near the top


def _period(text: str) -> re.Match[str] | None:
    """The statement of the statistical period, on the text with all white space removed
    (str.split and re's \\s agree on what that is).  The first _HEAD characters are tried
    first: a match there that starts PERIOD_SPAN before their end is the first match in the
    whole text too (no earlier start could reach past them), and saves compacting the rest."""
    if len(text) > _HEAD:
        head = "".join(text[:_HEAD].split())
        m = _PERIOD.search(head)
        if m and m.start() + PERIOD_SPAN <= len(head):
            return m
    whole = "".join(text.split())
    return _PERIOD.search(whole) or _PERIOD_LOOSE.search(whole)


_NOTHING = ("无", "暂无", "没有", "无问题", "暂无问题", "不存在", "略", "无存在的主要问题")
_SENTENCE = lazy(r"[。！？!?；;]")
_SHORT = 50  # characters: below this, one sentence cannot say what went wrong and what was done


@rule("G6.1", "conformance", "warning", "存在的主要问题及改进情况过于简单",
      "第五部分应具体写明本机关政府信息公开工作存在的问题、改进措施和上年问题的整改情况；"
      "空白、只写“无”“暂无”或只有一句话的，不符合年度报告格式要求，也是评估中常见的扣分项。",
      "《政府信息公开条例》第五十条；国办公开办函〔2021〕30号")
def g6_1(report: Report) -> Iterator[Finding]:
    if report.template == T.LEGACY:
        return
    text, line = _section_body(report, "problems")
    if line is None:
        return
    body = "".join(text.split())  # (white space dropped)
    core = body.strip("。.;；:：!！、，,")
    title = T.SECTION_BY_KEY["problems"].title
    if not core or core in _NOTHING:
        said = f"只写了“{core}”" if core else "没有内容"
        yield finding("G6.1", f"第五部分“{title}”{said}，应写明存在的问题和改进措施。", section="problems",
                      line=line, actual=core)
        return
    sentences = [x for x in _SENTENCE.split(body) if x.strip("，,、")]
    if len(sentences) <= 1 and len(core) < _SHORT:
        yield finding("G6.1", f"第五部分“{title}”只有一句话（“{core}”），过于简单，应具体写明存在的问题和改进措施。",
                      section="problems", line=line, actual=core)


@rule("T2.5", "conformance", "warning", "无规章制定权的机关填报了规章",
      "规章只能由国务院部门和省级、设区的市级人民政府制定。乡镇、县级政府、县级市和政府部门的报告中，表二“规章”一行一般应为0。",
      "《中华人民共和国立法法》")
def t2_5(report: Report) -> Iterator[Finding]:
    cells = report.table2.get("regulations") or {}
    values = [v for v in cells.values() if isinstance(v, (int, float))]
    if not values or max(values) <= 0:
        return
    level = report.agency_level
    if level in ("township", "county") or (level == "department" and report.region):
        who = LEVEL_NAMES["township"] if level == "township" else BODY_NAMES[level]
        regs = template_of(report).table2_row("regulations").label
        docs = template_of(report).table2_row("normative_documents").label
        yield finding("T2.5", f"{who}没有规章制定权，但表二“{regs}”一行填报了非零数值，请核实是否应填入“{docs}”。",
                      table="table2", row="regulations")


@rule("N6", "conformance", "warning", "统计表或表中的行缺失",
      "三张统计表及官方格式规定的每一行都应印出；缺失的表或行不会被当作0。")
def n6(report: Report) -> Iterator[Finding]:
    if report.template not in T.TEMPLATES:
        return
    lost = not_read(report)
    for table, name in _TABLE_NAMES.items():
        if not getattr(report, table):
            if lost:
                yield finding("N6", f"没有读到{name}，{_lost_hint(lost, '该表')}", severity="warning", table=table,
                              pages=lost, detail="pages-not-read")
                continue
            yield finding("N6", f"没有读到{name}。", severity="error", table=table)
    if report.table3:
        single = "other_other" in report.table3 and "other_no_correction" not in report.table3 and "other_no_fee" not in report.table3
        missing = [k for k in rows_of(report).table3 if k not in report.table3
                   and not (single and k in ("other_no_correction", "other_no_fee"))]
        if missing:
            shown = "、".join(row_title(report, k) for k in missing[:5]) + ("等" if len(missing) > 5 else "")
            hint = _lost_hint(lost, "这些行") if lost else ""
            yield finding("N6", f"表三缺少{len(missing)}行：{shown}。{hint}", table="table3", rows=missing, pages=lost or None)
    if report.table2:
        missing2 = [k for k in rows_of(report).table2 if k not in report.table2]
        if missing2:
            labels = "、".join(template_of(report).table2_row(k).label for k in missing2)
            hint = _lost_hint(lost, "这些行") if lost else ""
            yield finding("N6", f"表二缺少：{labels}。{hint}", table="table2", rows=missing2, pages=lost or None)


_TABLE_NAMES = {t: f"{n}（{T.SECTION_BY_KEY[s].heading}）" for t, n, s in
                (("table2", "表二", "proactive"), ("table3", "表三", "requests"), ("table4", "表四", "appeals"))}


def not_read(report: Report) -> list[int]:
    """Pages the reader could not read (its N7 warnings that name a page: damaged, skipped
    as not print, read without any text, over the OCR time budget)."""
    return sorted({f.location["page"] for f in report.notes
                   if f.rule == "N7" and f.severity == "warning" and isinstance(f.location.get("page"), int)})


def _lost_hint(pages: list[int], what: str) -> str:
    shown = "、".join(f"第{p}页" for p in pages[:5]) + ("等" if len(pages) > 5 else "")
    return f"但{shown}未能读取（见N7），{what}可能就在其中，请先对照原件核实，不一定是报告本身缺失。"


# Emitted by the store's cross checks (nianbao.store.deadlines: the deadline table and the
# publication date in force), documented here.
rule("G4", "conformance", "warning", "按期发布（迟报）",
     "报告的发布日期晚于应发布的截止日期：县级以上人民政府部门应于每年1月31日前、县级以上地方人民政府应于"
     "每年3月31日前公布上一年度的年度报告；乡镇（街道）等按省、市规定。截止日期可按层级和地区设置。",
     "《中华人民共和国政府信息公开条例》第四十九条")(None)
