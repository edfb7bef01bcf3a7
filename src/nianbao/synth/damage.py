"""Rendering a record in a report layout, and the damage real files show (page numbers,
wrapped labels, spaces inside words, mirror-site characters, dropped or blanked cells)."""
from __future__ import annotations

import random
import re
from functools import lru_cache

from ..formats import templates as T
from ..model import Report
from ..render.report import LAYOUTS, render
from .crawl import LAYOUT as CRAWL
from .crawl import crawl_document
from .records import prose_for

LOSSLESS = ("page_numbers", "wrap", "cjk_spaces", "blank_lines", "traditional", "fullwidth", "pinyin")
LOSSY = ("drop_row", "blank_cell", "duplicate_line")
CORRUPTIONS = LOSSLESS + LOSSY
CRAWL_DAMAGE = ("cjk_spaces", "traditional", "fullwidth", "pinyin")  # what a crawler dump can carry


def document(rep: Report, layout: str, rng: random.Random, corruptions: tuple[str, ...] = (),
             prose: dict[str, str] | None = None) -> str:
    """The report as a text file in `layout` (see render.report.LAYOUTS, synth.crawl's crawler
    dump and synth.wild's scraped-page layouts), corrupted."""
    from .wild import WILD_DAMAGE, WILD_FAMILIES, wild_document

    if layout == CRAWL:  # one glued line: only the damage within a line applies
        lines = crawl_document(rep, rng, prose if prose is not None else prose_for(rep, rng)).split("\n")
        for c in sorted(c for c in corruptions if c in CRAWL_DAMAGE):
            lines = _CORRUPT[c](lines, rng, layout)
        return "\n".join(lines)
    if layout in WILD_FAMILIES:  # the layouts of scraped pages (synth.wild)
        return wild_document(rep, layout, rng, tuple(c for c in corruptions if c in WILD_DAMAGE), prose)
    if layout not in LAYOUTS:
        raise ValueError(layout)
    bodies = prose if prose is not None else prose_for(rep, rng)
    text = render(rep, layout, prose=bodies)
    if layout == "html":
        return text
    lines = text.split("\n")
    # a wrapped label first (it splits whole cells), then other layout damage, then page-wide
    # character changes (as a mirror site would add them)
    for c in sorted(corruptions, key=lambda c: 0 if c == "wrap" else 2 if c in ("traditional", "fullwidth", "pinyin") else 1):
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
    syllables = ("gong", "kai", "zheng", "fu", "xin", "xi", "shen", "qing", "bao", "gao", "shù", "guī", "zhèn", "wǎng", "jù")

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
