"""The crawler-dump layout: what a generic crawler stores for a report page.  A header
block (标题: 发布时间: 原文链接:) and then the whole page body on ONE line, the table
cells glued together with nothing between them:

    标题:栖霞市教育局2023年政府信息公开工作年度报告
    发布时间:2024-01-18
    原文链接:http://www.example.gov.cn/art/2024/1/18/art_1234_5678.html
    栖霞市教育局2023年…一、总体情况…规章000行政规范性文件512371第二十条…
"""
from __future__ import annotations

import random

from ..formats import templates as T
from ..model import Report
from ..render.formats import tab_lines
from ..render.report import TABLE_SECTIONS, grids_of, intro_of, title_of

LAYOUT = "crawl"


def glued_table(grid) -> str:  # type: ignore[no-untyped-def]
    """A table as a crawler flattens it: every cell's text, merged cells once, no separators."""
    return "".join("".join(line.split("\t")) for line in tab_lines(grid, pad=False))


def crawl_document(rep: Report, rng: random.Random, prose: dict[str, str]) -> str:
    title = title_of(rep)
    year = (rep.year or 2023) + 1
    colon = rng.choice((":", "："))
    header = [
        f"标题{colon}{title}",
        f"发布时间{colon}{year}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}",
        f"原文链接{colon}http://www.example.gov.cn/art/{year}/{rng.randint(1, 3)}/{rng.randint(1, 28)}/art_{rng.randint(100, 9999)}_{rng.randint(10000, 999999)}.html",
    ]
    grids = grids_of(rep)
    body = [title, prose.get("intro") or intro_of(rep)]
    for sec in T.SECTIONS:
        body.append(sec.title)
        if sec.key in TABLE_SECTIONS:
            body.append(glued_table(grids[TABLE_SECTIONS[sec.key]]))
        else:
            body.append((prose.get(sec.key) or "").replace("\n", ""))
    return "\n".join(header) + "\n" + "".join(body)
