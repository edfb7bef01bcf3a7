"""Synthetic reports: random records with known values, rendered in every layout, with the
corruptions real files show.  The test corpus and the benchmarks are built from these.

    rec = random_record(random.Random(7))               # arithmetic holds
    bad, what = break_record(random.Random(7), rec)       # one identity broken
    text = document(rec, "space", random.Random(7), corruptions=("wrap", "page_numbers"))
"""
from __future__ import annotations

import copy
from functools import lru_cache
import random
import re
from dataclasses import dataclass

from . import templates as T
from .divisions import known_divisions
from .model import Report
from .render.report import LAYOUTS, render, title_of

LOSSLESS = ("page_numbers", "wrap", "cjk_spaces", "blank_lines", "traditional", "fullwidth", "pinyin")
LOSSY = ("drop_row", "blank_cell", "duplicate_line")
CORRUPTIONS = LOSSLESS + LOSSY

_SYLLABLES = "安宝北城春大东丰福港河和红华吉江金锦京兰临龙马梅南平青清泉三山石顺太桃天田万温西仙新兴阳永玉云长正中"
_DEPARTMENTS = ("审计局", "教育局", "财政局", "民政局", "自然资源局", "生态环境局", "交通运输局", "水利局", "农业农村局",
                "卫生健康委员会", "市场监督管理局", "应急管理局", "统计局", "司法局", "住房和城乡建设局", "人力资源和社会保障局")
_PROSE = (
    "坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实《条例》各项要求。",
    "进一步规范政府信息公开工作流程，健全信息发布审核机制。",
    "通过政府门户网站、政务新媒体等渠道及时发布政府信息。",
    "加强政府信息公开平台建设，优化栏目设置，提升公开质量。",
    "落实保密审查制度，坚持“先审查、后公开”和“一事一审”原则。",
    "强化监督保障，将政务公开工作纳入年度绩效考核。",
)
_PROBLEMS = (
    "政策解读形式还不够丰富，解读材料质量有待提高。",
    "部分栏目更新不够及时，信息发布的规范性还需加强。",
    "工作人员业务能力有待提升，培训还不够系统。",
    "依申请公开答复文书的规范性有待进一步提高。",
)


def _counties() -> list[tuple[str, str | None]]:
    """(county, parent city) pairs from the bundled division list, in a stable order."""
    divs = known_divisions()
    by_code = {d.code: d.name for d in divs.values() if d.code}
    out = []
    for d in sorted(divs.values(), key=lambda d: d.code or ""):
        if d.level == "county" and d.code:
            out.append((d.name, by_code.get(d.code[:4] + "00")))
    return out or [("示例县", "示例市")]


_COUNTY_CACHE: list[tuple[str, str | None]] = []


def random_agency(rng: random.Random) -> tuple[str, str | None, str]:
    """(agency, region, level) of a plausible reporting body."""
    if not _COUNTY_CACHE:
        _COUNTY_CACHE.extend(_counties())
    county, city = rng.choice(_COUNTY_CACHE)
    kind = rng.random()
    if kind < 0.5:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(2))
        suffix = rng.choice(("镇人民政府", "乡人民政府", "街道办事处"))
        return name + suffix, county, "township"
    if kind < 0.85:
        return county + rng.choice(_DEPARTMENTS), county, "department"
    return county + "人民政府", city, "county"


def _count(rng: random.Random, big: float = 1.0) -> int:
    r = rng.random()
    if r < 0.5:
        return 0
    if r < 0.85:
        return rng.randint(1, 20)
    if r < 0.97 * big:
        return rng.randint(21, 999)
    return rng.randint(1000, 99999)


def random_table3(rng: random.Random, template: T.Template) -> dict[str, list[int]]:
    results = list(template.results_rows)
    t3: dict[str, list[int]] = {k: [0] * T.T3_WIDTH for k in template.table3_keys}
    for col in range(T.T3_WIDTH - 1):
        busy = col == 0 or rng.random() < 0.3
        new = _count(rng) if busy else 0
        carried = rng.randint(0, 5) if busy and rng.random() < 0.3 else 0
        forward = rng.randint(0, max(0, new // 5)) if new and rng.random() < 0.4 else 0
        handled = new + carried - forward
        t3["new_received"][col], t3["carried_over"][col], t3["carried_forward"][col] = new, carried, forward
        used = rng.sample(results, k=min(len(results), rng.randint(1, 5)))
        for _ in range(handled):
            t3[rng.choice(used)][col] += 1 if handled < 200 else 0
        if handled >= 200:  # big numbers: split in chunks rather than one by one
            left = handled
            for k in used[:-1]:
                part = rng.randint(0, left)
                t3[k][col] += part
                left -= part
            t3[used[-1]][col] += left
        t3[T.RESULTS_TOTAL_KEY][col] = handled
    for row in t3.values():
        row[T.T3_TOTAL_COLUMN] = sum(row[: T.T3_TOTAL_COLUMN])
    return t3


def random_table2(rng: random.Random, template: T.Template, level: str) -> dict[str, dict[str, int | float]]:
    out: dict[str, dict[str, int | float]] = {}
    for block in template.table2:
        for row in block.rows:
            cells: dict[str, int | float] = {}
            for fld in block.fields:
                if fld.kind == "money":
                    v = rng.choice((0, 0, rng.randint(1, 9999), round(rng.uniform(0, 9999), rng.randint(1, 4))))
                    cells[fld.key] = int(v) if float(v).is_integer() else v
                elif fld.kind == "signed":
                    cells[fld.key] = rng.randint(-(cells.get("prev_count", 0) or 0), 30)
                else:
                    cells[fld.key] = _count(rng, 0.5)
            if row.key == "regulations" and level in ("township", "county", "department"):
                cells = {k: 0 for k in cells}
            if template.id == "2021" and row.key in ("regulations", "normative_documents"):
                cells["in_force"] = max(cells["in_force"], cells["issued"])
            if template.id == "2019" and "total_public" in cells:
                cells["total_public"] = max(cells["total_public"], cells["new_published"])
            out[row.key] = cells
    return out


def random_table4(rng: random.Random) -> dict[str, dict[str, int]]:
    out = {}
    for key, _, _ in T.T4_GROUPS:
        cells = {f.key: (rng.randint(0, 12) if rng.random() < 0.3 else 0) for f in T.T4_FIELDS if f.key != T.T4_TOTAL_FIELD}
        cells[T.T4_TOTAL_FIELD] = sum(cells.values())
        out[key] = cells
    return out


def random_record(rng: random.Random, template: str | None = None, year: int | None = None) -> Report:
    """A report whose tables satisfy every identity (and whose prose agrees with them)."""
    if year is None:
        year = rng.choice(range(2019, 2026)) if template is None else (
            rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2025))
    tid = template or T.template_for_year(year) or "2021"
    tpl = T.TEMPLATES[tid]
    agency, region, level = random_agency(rng)
    rep = Report(agency=agency, region=region, year=year, template=tid, agency_level=level)
    rep.table2 = random_table2(rng, tpl, level)
    rep.table3 = random_table3(rng, tpl)
    rep.table4 = random_table4(rng)
    return rep


def prose_for(rep: Report, rng: random.Random) -> dict[str, str]:
    """Section texts consistent with the record's tables."""
    new = rep.table3.get("new_received", [0] * 7)[T.T3_TOTAL_COLUMN]
    intro = (f"本报告由{rep.agency}根据《中华人民共和国政府信息公开条例》编制。"
             f"本报告所列数据的统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止。")
    overview = "\n".join(
        [f"{rep.year}年，{rep.agency}" + rng.choice(_PROSE)] + rng.sample(_PROSE, 2)
        + [f"（二）依申请公开情况。全年共收到政府信息公开申请{new}件，均在法定期限内答复。"]
    )
    return {
        "intro": intro,
        "overview": overview,
        "problems": "\n".join(rng.sample(_PROBLEMS, 2)) + "\n下一步，将针对上述问题逐项整改。",
        "other": f"{rep.year}年，本机关未收取信息处理费。",
    }


def break_record(rng: random.Random, rep: Report) -> tuple[Report, str]:
    """A copy of `rep` with one error a checker must catch, and the rule that catches it."""
    bad = copy.deepcopy(rep)
    kind = rng.choice(("T3.1", "T3.2", "T3.3", "T4.1", "T3.4"))
    if kind == "T3.2":
        key = rng.choice(list(bad.table3))
        bad.table3[key][T.T3_TOTAL_COLUMN] += rng.randint(1, 9)
    elif kind == "T3.3":
        key = rng.choice(list(T.TEMPLATES[bad.template].results_rows))
        col = rng.randrange(T.T3_WIDTH - 1)
        bad.table3[key][col] += 1
        bad.table3[key][T.T3_TOTAL_COLUMN] += 1
    elif kind == "T3.1":
        for col in (0, T.T3_TOTAL_COLUMN):
            bad.table3["new_received"][col] += 3
    elif kind == "T4.1":
        group = rng.choice([g for g, _, _ in T.T4_GROUPS])
        bad.table4[group][T.T4_TOTAL_FIELD] += rng.randint(1, 5)
    else:  # a negative count (the row's other identities may break with it)
        bad.table3["granted"][1] = -rng.randint(1, 5)
    return bad, kind


# --------------------------------------------------------------------------- layouts


def document(rep: Report, layout: str, rng: random.Random, corruptions: tuple[str, ...] = ()) -> str:
    """The report as a text file in `layout` (see render.report.LAYOUTS), corrupted."""
    if layout not in LAYOUTS:
        raise ValueError(layout)
    bodies = prose_for(rep, rng)
    text = render(rep, layout, prose=bodies)
    if layout == "html":
        return text
    lines = text.split("\n")
    # layout damage first, then page-wide character changes (as a mirror site would add them)
    for c in sorted(corruptions, key=lambda c: c in ("traditional", "fullwidth", "pinyin")):
        lines = _CORRUPT[c](lines, rng, layout)
    return "\n".join(lines)


_VALUE_LINE = re.compile(r"(?:^|[\t ])\d")


def _table_lines(lines: list[str]) -> list[int]:
    """Indices of table-3 and table-4 data rows (lines with a label and numbers)."""
    first, last = T.TEMPLATE_2021.t3_row("new_received").label[:4], T.SECTION_BY_KEY["problems"].heading[:6]
    start = next((i for i, ln in enumerate(lines) if first in ln), 0)
    end = next((i for i, ln in enumerate(lines) if last in ln), len(lines))
    return [i for i in range(start, end) if _VALUE_LINE.search(lines[i]) and re.search("[\u4e00-\u9fff]", lines[i])]


def _page_numbers(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    out, page = [], 1
    for i, ln in enumerate(lines):
        out.append(ln)
        if i and i % rng.randint(15, 30) == 0:
            page += 1
            out.append(f"- {page} -")
    return out


def _wrap(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    """A long row label wraps onto the next line (values stay on the first line or move down)."""
    out = list(lines)
    rows = [i for i in _table_lines(out) if layout in ("txt", "space")]
    for i in rng.sample(rows, k=min(3, len(rows)))[::-1] if rows else []:
        line = out[i]
        sep = "\t" if layout == "txt" else " "
        cells = line.split(sep)
        idx = max(range(len(cells)), key=lambda j: len(cells[j]))
        label = cells[idx]
        core = re.sub(r"^[(（][一二三四五六七]+[)）]|^[一二三四]、|^\d\.", "", label)
        if len(core) < 12:
            continue
        k = len(label) - len(core) + rng.randint(7, len(core) - 3)
        head, tail = label[:k], label[k:]
        if layout == "txt":
            first = sep.join(cells[:idx] + [head] + cells[idx + 1 :])
            second = sep.join([""] * idx + [tail] + [""] * (len(cells) - idx - 1))
            out[i : i + 1] = [first, second]
        elif rng.random() < 0.5:
            out[i : i + 1] = [sep.join(cells[:idx] + [head]), sep.join([tail] + cells[idx + 1 :])]
        else:
            out[i : i + 1] = [sep.join(cells[:idx] + [head] + cells[idx + 1 :]), tail]
    return out


def _cjk_spaces(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    def spaced(m: re.Match[str]) -> str:
        s = m.group(0)
        k = rng.randint(1, len(s) - 1)
        return s[:k] + " " + s[k:]

    return [re.sub(r"[\u4e00-\u9fff]{4,}", spaced, ln) if rng.random() < 0.3 else ln for ln in lines]


def _blank_lines(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    rows = set(rng.sample(_table_lines(lines), k=min(3, len(_table_lines(lines)))))
    out = []
    for i, ln in enumerate(lines):
        out.append(ln)
        if i in rows:
            out.append("")
    return out


@lru_cache(maxsize=1)
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    return _s2t().convert("\n".join(lines)).split("\n")


def _fullwidth(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    table = {ord(d): chr(ord(d) + 0xFEE0) for d in "0123456789"}
    return [ln.translate(table) for ln in lines]


def _pinyin(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    syllables = ("gong", "kai", "zheng", "fu", "xin", "xi", "shen", "qing", "bao", "gao")

    def annotate(m: re.Match[str]) -> str:
        return m.group(0) + f"({rng.choice(syllables)})" if rng.random() < 0.2 else m.group(0)

    return [re.sub(r"[\u4e00-\u9fff]", annotate, ln) for ln in lines]


def _drop_row(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    rows = _table_lines(lines)
    if not rows:
        return lines
    i = rng.choice(rows)
    return lines[:i] + lines[i + 1 :]


def _blank_cell(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    rows = _table_lines(lines)
    if not rows:
        return lines
    out = list(lines)
    i = rng.choice(rows)
    sep = "\t" if layout == "txt" else " " if layout == "space" else "|"
    cells = out[i].split(sep)
    nums = [j for j, c in enumerate(cells) if c.strip().isdigit()]
    if nums:
        cells[rng.choice(nums)] = "" if sep != "|" else " "
        out[i] = sep.join(cells) if layout != "space" else re.sub(" +", " ", sep.join(cells)).strip()
    return out


def _duplicate_line(lines: list[str], rng: random.Random, layout: str) -> list[str]:
    rows = _table_lines(lines)
    if not rows:
        return lines
    i = rng.choice(rows)
    return lines[: i + 1] + [lines[i]] + lines[i + 1 :]


_CORRUPT = {
    "page_numbers": _page_numbers,
    "wrap": _wrap,
    "cjk_spaces": _cjk_spaces,
    "blank_lines": _blank_lines,
    "traditional": _traditional,
    "fullwidth": _fullwidth,
    "pinyin": _pinyin,
    "drop_row": _drop_row,
    "blank_cell": _blank_cell,
    "duplicate_line": _duplicate_line,
}


@dataclass
class Sample:
    name: str
    record: Report
    layout: str
    corruptions: tuple[str, ...]
    text: str
    broken: str | None = None  # the rule a deliberately broken record violates


def corpus(n: int, seed: int = 0, layouts: tuple[str, ...] = ("txt", "md", "pipe", "space"),
           invalid_rate: float = 0.0, corruption_rate: float = 0.5, lossy: bool = False) -> list[Sample]:
    """`n` samples cycling through `layouts`, some with lossless corruptions (and lossy ones
    when `lossy`), some deliberately broken (`invalid_rate`)."""
    rng = random.Random(seed)
    out = []
    pool = CORRUPTIONS if lossy else LOSSLESS
    for i in range(n):
        rec = random_record(rng)
        broken = None
        if rng.random() < invalid_rate:
            rec, broken = break_record(rng, rec)
        layout = layouts[i % len(layouts)]
        chosen: tuple[str, ...] = ()
        if layout != "html" and rng.random() < corruption_rate:
            chosen = tuple(rng.sample(pool, k=rng.randint(1, 3)))
        text = document(rec, layout, rng, chosen)
        out.append(Sample(f"synth_{seed}_{i:05d}", rec, layout, chosen, text, broken))
    return out


__all__ = ["random_record", "break_record", "document", "corpus", "title_of", "CORRUPTIONS", "LOSSLESS", "LOSSY"]
