"""Random records whose arithmetic holds (or is broken on purpose), for agencies that
exist, with prose that agrees with the tables."""
from __future__ import annotations

import copy
import random

from ..formats import templates as T
from ..formats.divisions import known_divisions
from ..model import Number, Report

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
        return county + rng.choice(_DEPARTMENTS), None, "department"  # its area is in its name
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


def random_table3(rng: random.Random, template: T.Template, carried_over: list[Number | None] | None = None) -> dict[str, list[int]]:
    """Table 三 with every identity holding; `carried_over` (last year's 结转) fixes row 二."""
    results = list(template.results_rows)
    t3: dict[str, list[int]] = {k: [0] * T.T3_WIDTH for k in template.table3_keys}
    for col in range(T.T3_WIDTH - 1):
        busy = col == 0 or rng.random() < 0.3
        new = _count(rng) if busy else 0
        carried = rng.randint(0, 5) if busy and rng.random() < 0.3 else 0
        if carried_over is not None:
            carried = int(carried_over[col] or 0)
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


def random_table2(rng: random.Random, template: T.Template, level: str,
                  previous: dict[str, dict[str, Number | None]] | None = None) -> dict[str, dict[str, int | float]]:
    """Table 二; with last year's table of the same template, 现行有效 (2021) or 上一年项目数量
    (2019) continue from it."""
    out: dict[str, dict[str, int | float]] = {}
    for block in template.table2:
        for row in block.rows:
            cells: dict[str, int | float] = {}
            for fld in block.fields:
                if fld.kind == "money":
                    v = rng.choice((0, 0, rng.randint(1, 9999), round(rng.uniform(0, 9999), rng.randint(1, 4))))
                    cells[fld.key] = int(v) if float(v).is_integer() else v
                elif fld.kind == "signed":
                    cells[fld.key] = rng.randint(-int(cells.get("prev_count", 0) or 0), 30)
                elif block.rows[0].key in ("regulations", "normative_documents"):
                    cells[fld.key] = rng.choice((0, 0, 0, rng.randint(1, 12), rng.randint(10, 300)))
                else:
                    cells[fld.key] = _count(rng, 0.5)
            if row.key == "regulations" and level in ("township", "county", "department"):
                cells = {k: 0 for k in cells}
            before = (previous or {}).get(row.key) or {}
            if template.id == "2021" and row.key in ("regulations", "normative_documents"):
                if "in_force" in before:
                    cells["repealed"] = min(cells["repealed"], int(before["in_force"] or 0))
                    cells["in_force"] = int(before["in_force"] or 0) + cells["issued"] - cells["repealed"]
                else:
                    cells["in_force"] = max(cells["in_force"], cells["issued"])
            if template.id == "2019" and "prev_count" in before and "change" in before:
                cells["prev_count"] = int(before["prev_count"] or 0) + int(before["change"] or 0)
                if "change" in cells:
                    cells["change"] = max(cells["change"], -cells["prev_count"])
            if template.id == "2019" and "total_public" in cells:
                cells["total_public"] = max(cells["total_public"], cells["new_published"])
            out[row.key] = cells
    return out


def random_table4(rng: random.Random) -> dict[str, dict[str, int]]:
    out = {}
    for key, _, _ in T.T4_GROUPS:
        busy = rng.random() < 0.3  # most agencies see no review or suit at all
        cells = {f.key: (rng.choice((1, 1, 2, 3, rng.randint(4, 40))) if busy and rng.random() < 0.4 else 0)
                 for f in T.T4_FIELDS if f.key != T.T4_TOTAL_FIELD}
        cells[T.T4_TOTAL_FIELD] = sum(cells.values())
        out[key] = cells
    return out


def random_record(rng: random.Random, template: str | None = None, year: int | None = None,
                  agency: tuple[str, str | None, str] | None = None, previous: Report | None = None) -> Report:
    """A report whose tables satisfy every identity (and whose prose agrees with them); with
    `previous` (the same agency's report of the year before) it carries on from it."""
    if year is None:
        year = rng.choice(range(2019, 2026)) if template is None else (
            rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2025))
    tid = template or T.template_for_year(year) or "2021"
    tpl = T.TEMPLATES[tid]
    name, region, level = agency or random_agency(rng)
    rep = Report(agency=name, region=region, year=year, template=tid, agency_level=level)
    same = previous is not None and previous.template == tid
    rep.table2 = {k: dict(v) for k, v in random_table2(rng, tpl, level, previous.table2 if previous is not None and same else None).items()}
    carried = previous.table3.get("carried_forward") if previous is not None else None
    rep.table3 = {k: list(v) for k, v in random_table3(rng, tpl, carried).items()}
    rep.table4 = {k: dict(v) for k, v in random_table4(rng).items()}
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
        "problems": "\n".join(rng.sample(_PROBLEMS, 2)) + f"\n{(rep.year or 0) + 1}年，将针对上述问题逐项整改：" + rng.choice(_PROSE),
        "other": f"{rep.year}年，本机关未收取信息处理费。",
    }


def break_record(rng: random.Random, rep: Report) -> tuple[Report, str]:
    """A copy of `rep` with one error a checker must catch, and the rule that catches it."""
    bad = copy.deepcopy(rep)
    kind = rng.choice(("T3.1", "T3.2", "T3.3", "T4.1", "T3.4"))
    # (every cell of a record made here is a number: `or 0` only tells the type checker)
    if kind == "T3.2":
        key = rng.choice(list(bad.table3))
        bad.table3[key][T.T3_TOTAL_COLUMN] = (bad.table3[key][T.T3_TOTAL_COLUMN] or 0) + rng.randint(1, 9)
    elif kind == "T3.3":
        key = rng.choice(list(T.TEMPLATES[bad.template or "2021"].results_rows))
        col = rng.randrange(T.T3_WIDTH - 1)
        bad.table3[key][col] = (bad.table3[key][col] or 0) + 1
        bad.table3[key][T.T3_TOTAL_COLUMN] = (bad.table3[key][T.T3_TOTAL_COLUMN] or 0) + 1
    elif kind == "T3.1":
        for col in (0, T.T3_TOTAL_COLUMN):
            bad.table3["new_received"][col] = (bad.table3["new_received"][col] or 0) + 3
    elif kind == "T4.1":
        group = rng.choice([g for g, _, _ in T.T4_GROUPS])
        bad.table4[group][T.T4_TOTAL_FIELD] = (bad.table4[group][T.T4_TOTAL_FIELD] or 0) + rng.randint(1, 5)
    else:  # a negative count (the row's other identities may break with it)
        bad.table3["granted"][1] = -rng.randint(1, 5)
    return bad, kind


