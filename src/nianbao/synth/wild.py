"""Layouts seen in the wild (issue 11 §2), each a family with its own damage.

Real reports scraped from the web arrive as text a generic crawler made of an HTML table:
every cell followed by a pipe, line breaks wherever the page had a paragraph, blank cells as
lone pipes, extra empty columns, filler runs of pipes for spanned cells.  Or as the text of a
PDF flip-book page.  `wild_document(record, family, rng)` writes a record in one of
`WILD_FAMILIES`:

  cells        one cell per line ending " |"; a blank cell is a lone "|"; "||" filler
  cells_sep    one cell per line with a lone "|" line between cells (a blank: two "|" lines)
  lead_rows    every row opened by a lone "|" line, then one cell per line
  rows         " | " rows with an extra empty cell at the end, filler for spans
  pipe_rows    leading-pipe rows "| 规章 | 0 | 0 | 0 | "
  blank_break  " | " rows whose blank cells each hold a line break ("| 25 |" / "|" / "| 25 |")
  glued        the label on its own line, the row's other cells glued on the next ("0 | 0 | 0 |")
  padded       cells padded with tabs and double spaces, a value then a newline then the pipe
  flipbook     PDF text of a flip-book page: space-separated numbers, headers split into
               stacked one-character lines (blank cells leave no trace: lossy)
  dropped      blank cells dropped, each row padded to the table's width by a run of bare
               pipes at its end ("3 |" / "3 |" / "|||||||", "| 0 | ||||||||"): lossy

The records may carry what real reports print (`wild_record`): blank cells in the patterns
small agencies leave them (only 总计 printed, whole applicant columns or rows blank), words
in numeric cells (不适用, 无, /), signed changes as words (增72, 减4, +173, 未增未减) and money
in 元 in a 万元 column (184719元).  `WILD_DAMAGE` adds labels and headers with extra words,
invented sub-rows, tone-marked pinyin glosses inside labels, missing section headings, a
row printed without its label (`blank_label`, in `BLANK_LABEL_FAMILIES`) and no title line
(`no_title`: the agency's name alone on a line, or only the introduction's 本报告由…).
"""
from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable

from ..formats import templates as T
from ..model import Report
from ..render.layout import Grid, GridCell, report_grids
from ..render.report import title_of
from .records import prose_for

WILD_FAMILIES = ("cells", "cells_sep", "lead_rows", "rows", "pipe_rows", "blank_break", "glued", "padded", "flipbook",
                 "dropped")
LOSSY_FAMILIES = ("flipbook", "dropped")  # blank cells leave no trace
WILD_DAMAGE = ("annotated", "sub_rows", "tones", "no_headings", "heading_variant", "traditional", "page_furniture",
               "blank_label", "no_title")
# where `corpus` prints a row without its label (`blank_label`; placed by its neighbours).  The
# other families read it too (their cells may stay null, with a finding, where the layout loses
# blank cells): `wild_document(..., any_family=True)`; kept out of `corpus` to keep its corpora
BLANK_LABEL_FAMILIES = ("cells", "cells_sep", "rows", "pipe_rows", "glued", "padded")
WORDS = ("不适用", "无", "/", "—", "abc", "暂无", "--253")  # (a number with stray signs: no number)

CellText = Callable[[GridCell], str]


# --------------------------------------------------------------------------- records


def wild_record(rng: random.Random, rec: Report, partial: bool = False) -> Report:
    """A copy of `rec` with blank cells where real reports leave them — zeros not written: a
    row printing only its 总计 (the applicant cells blank), rows or whole applicant columns
    left blank, zeros left blank here and there — and table-二 cells of any value left
    blank; with `partial`, only some of its tables (a page or an excerpt holding only table
    二, or only 三 and 四)."""
    out = copy.deepcopy(rec)
    t3 = out.table3
    keys = list(t3)

    def blank_zeros(key: str, cols: range | list[int]) -> None:
        t3[key] = [None if c in cols and v == 0 else v for c, v in enumerate(t3[key])]

    pattern = rng.choice(("total_only", "columns", "rows", "scattered", "none"))
    if pattern == "total_only":  # only 总计 printed: the applicant cells (zeros) blank
        for k in rng.sample(keys, k=rng.randint(1, len(keys))):
            blank_zeros(k, range(T.T3_WIDTH - 1))
    elif pattern == "columns":  # whole applicant columns of zeros left blank
        cols = [c for c in range(1, T.T3_WIDTH - 1) if all(t3[k][c] == 0 for k in keys)]
        chosen = rng.sample(cols, k=rng.randint(1, len(cols))) if cols else []
        for k in keys:
            blank_zeros(k, chosen)
    elif pattern == "rows":  # rows of zeros printed with every cell blank
        for k in rng.sample(keys, k=rng.randint(1, 6)):
            blank_zeros(k, range(T.T3_WIDTH))
    elif pattern == "scattered":
        for _ in range(rng.randint(1, 8)):
            k = rng.choice(keys)
            blank_zeros(k, [rng.randrange(T.T3_WIDTH)])
    for key, cells in out.table2.items():
        roll = rng.random()
        if roll < 0.15:
            out.table2[key] = {f: None for f in cells}
        elif roll < 0.35:
            cells[rng.choice(list(cells))] = None
    if rng.random() < 0.3:
        group = rng.choice(list(out.table4))
        zeros = [f for f, v in out.table4[group].items() if v == 0]
        if zeros:
            out.table4[group][rng.choice(zeros)] = None
    if partial:
        kind = rng.choice(("table2", "table4", "tail", "head"))
        if kind == "table2":  # only table 二
            out.table3, out.table4 = {}, {}
        elif kind == "table4":  # only table 四
            out.table2, out.table3 = {}, {}
        elif kind == "tail":  # the last rows of table 三 and table 四 (a flip-book page)
            out.table2 = {}
            out.table3 = {k: v for k, v in out.table3.items() if k in keys[-rng.randint(1, 4):]}
        else:  # table 二 and the first rows of table 三 (an excerpt cut in table 三)
            out.table3 = {k: v for k, v in out.table3.items() if k in keys[: rng.randint(1, 5)]}
            out.table4 = {}
    return out


def value_text(rng: random.Random, words: float = 0.3) -> CellText:
    """How a crawler page prints each value cell: blanks sometimes as words, changes and
    money in the forms real pages use."""

    def text(cell: GridCell) -> str:
        if cell.kind != "value":
            return cell.text
        if cell.text == "":
            return rng.choice(WORDS) if rng.random() < words else ""
        path = cell.path or ""
        if path.endswith(".change"):
            v = int(cell.text)
            if v == 0:
                return rng.choice(("0", "未增未减", "0"))
            form = rng.choice(("plain", "sign", "word"))
            if form == "sign":
                return f"+{v}" if v > 0 else str(v)
            if form == "word":
                return f"增{v}" if v > 0 else f"减{-v}"
            return str(v)
        if path.endswith(".amount") and rng.random() < 0.4:
            value = float(cell.text)
            yuan = round(value * 10000, 6)
            if yuan.is_integer() and rng.random() < 0.5:
                return f"{int(yuan)}元"
            return f"{cell.text}万元"
        return cell.text

    return text


# --------------------------------------------------------------------------- families


def _tds(grid: Grid, text: CellText) -> list[list[tuple[str, int]]]:
    """Each grid row as the page's cells: (text, colspan); a label's merged columns print no
    pipes of their own (colspan 1), as on the pages seen."""
    return [[(text(cell), 1 if cell.kind == "label" else cell.colspan) for _, cell in row] for row in grid.rows]


def _cells(rows: list[list[tuple[str, int]]], rng: random.Random, lead: bool = False) -> list[str]:
    inline_spans = rng.random() < 0.5
    out = []
    for row in rows:
        if lead:
            out.append("|")
        for txt, span in row:
            line = f"{txt} |" if txt else "|"
            if span > 1:
                if inline_spans:
                    line += " " + "|" * (span - 1)
                else:
                    out.append(line)
                    line = "|" * (span - 1)
            out.append(line)
    return out


def _cells_sep(rows: list[list[tuple[str, int]]], rng: random.Random) -> list[str]:
    out = []
    for row in rows:
        for txt, _ in row:
            if txt:
                out.append(txt)
            out.append("|")
    return out


def _rows(rows: list[list[tuple[str, int]]], rng: random.Random, leading: bool = False) -> list[str]:
    extra = rng.choice((0, 1, 1, 2))
    runs = rng.random() < 0.5  # a spanned header or value cell followed by a run of pipes
    out = []
    for row in rows:
        parts = []
        for txt, span in row:
            parts.append(txt)
            parts += [""] * (span - 1 if runs else 0)
        parts += [""] * extra
        line = " | ".join(parts) + " |"
        if leading:
            line = "| " + line + rng.choice(("", " "))
        out.append(line)
    return out


def _blank_break(rows: list[list[tuple[str, int]]], rng: random.Random) -> list[str]:
    """A blank cell holds a line break: "label | 25 | " / " | " / … / " | 25 |"."""
    text = "\n".join(" | ".join(txt if txt else "\n" for txt, _ in row) + " |" for row in rows)
    return [ln.rstrip() for ln in text.split("\n")]


def _glued(rows: list[list[tuple[str, int]]], rng: random.Random) -> list[str]:
    out = []
    for row in rows:
        label, rest = row[0], row[1:]
        if rest and all(txt == "" or not re.search("[\u4e00-\u9fff]", txt) for txt, _ in rest):
            out.append(f"{label[0]} |")
            out.append(" | ".join(txt for txt, _ in rest) + " |" + rng.choice(("", " ||", " |")))
        else:
            out += [f"{txt} |" if txt else "|" for txt, _ in row]
    return out


def _padded(rows: list[list[tuple[str, int]]], rng: random.Random) -> list[str]:
    out = []
    for row in rows:
        for i, (txt, _) in enumerate(row):
            pad = "" if i == 0 else "\t\t\t"
            if txt and i and rng.random() < 0.3:  # the value, then a newline, then the pipe
                out += [f"{pad}{txt}", "   | "]
            else:
                out.append(f"{pad}{txt}  | ")
        out.append("\t\t")
    return out


def _dropped(rows: list[list[tuple[str, int]]], rng: random.Random) -> list[str]:
    """Blank cells dropped, every row padded to the table's width by a run of bare pipes after
    its printed cells, one cell per line or the row on one line.  The pages seen count the
    width wider than any row (a full row ends in a pipe or two): a short row ends in two or
    more.  (Where a full row ends in no pipe, a row missing one cell ends in a single pipe, as
    a row of another layout whose last cell is blank: not told apart, not generated.)"""
    width = max(len(row) for row in rows) + rng.choice((1, 2))
    inline = rng.random() < 0.5
    out = []
    for row in rows:
        shown = [txt for txt, _ in row if txt]
        pad = "|" * (width - len(shown))
        if inline:
            out.append(" | ".join(shown) + " |" + (" " + pad if pad else ""))
        else:
            out += [f"{txt} |" for txt in shown] + ([pad] if pad else [])
    return out


def _flipbook(grid: Grid, text: CellText, rng: random.Random) -> list[str]:
    """A PDF flip-book page: header words split one character per token and stacked,
    data rows space-separated (blank cells vanish)."""
    out = []
    for r, row in enumerate(grid.rows):
        cells = [text(cell) for _, cell in row]
        header = r < grid.header_rows or all(cell.kind in ("header", "note", "item") for _, cell in row)
        if header and grid.name == "table4" and r >= 1:
            words = [c for c in cells if c]
            for k in range(max(len(w) for w in words)):  # one character of every header per line
                out.append(" ".join(w[k] for w in words if k < len(w)))
            continue
        out.append(" ".join(c for c in cells if c))
    return out


def table_lines(grid: Grid, family: str, rng: random.Random, text: CellText) -> list[str]:
    if family == "flipbook":
        return _flipbook(grid, text, rng)
    rows = _tds(grid, text)
    if family == "cells":
        return _cells(rows, rng)
    if family == "lead_rows":
        return _cells(rows, rng, lead=True)
    if family == "cells_sep":
        return _cells_sep(rows, rng)
    if family == "rows":
        return _rows(rows, rng)
    if family == "pipe_rows":
        return _rows(rows, rng, leading=True)
    if family == "blank_break":
        return _blank_break(rows, rng)
    if family == "glued":
        return _glued(rows, rng)
    if family == "padded":
        return _padded(rows, rng)
    if family == "dropped":
        return _dropped(rows, rng)
    raise ValueError(family)


# --------------------------------------------------------------------------- damage

_T21, _T19 = T.TEMPLATE_2021, T.TEMPLATE_2019
_ANNOTATIONS = {  # extra words real pages print inside labels and headers
    _T21.table2_row("regulations").label: "{label}(设区的市、自治州人民政府应提供相关数据)",
    _T19.table2[1].fields[0].label: "{label}(指{prev}年事项数)",
    _T19.table2[1].fields[1].label: "{label}(如 -8)",
    _T21.table2[0].fields[0].label: "本年({year}){rest}",
    _T21.table2[1].fields[0].label: "本年({year}){rest}",
    _T19.table2_row("other_services").label: "{label}(指许可以外的行政确认、行政给付等事项)",
}
_PARENTS = (_T19.table2_row("other_services").label, _T21.table2_row("licensing").label)
_SUB_ROWS = ("行政检查", "行政确认", "行政奖励")
_TONES = ("gōng", "kāi", "zhèng", "fǔ", "xìn", "xī", "shù", "guī", "zhèn", "wǎng", "jù", "lǐ")


def _annotated(grid: Grid, rec: Report, rng: random.Random) -> None:
    for row in grid.rows:
        for _, cell in row:
            if cell.kind in ("header", "label") and cell.text in _ANNOTATIONS and rng.random() < 0.7:
                year = rec.year or 2020
                cell.text = _ANNOTATIONS[cell.text].format(label=cell.text, rest=cell.text[2:], year=year, prev=year - 1)


def _sub_rows(grid: Grid, rng: random.Random) -> None:
    """Invented rows under a table-二 row: a label of their own and numbers that belong to no
    official row."""
    out = []
    for row in grid.rows:
        out.append(row)
        first = row[0][1]
        if first.kind == "label" and first.text in _PARENTS and rng.random() < 0.6:
            values = [c for _, c in row[1:]]
            for name in rng.sample(_SUB_ROWS, k=rng.randint(1, 2)):
                cells = [(0, GridCell(name, "label"))]
                cells += [(col, GridCell(str(rng.randint(0, 9)), "value", colspan=c.colspan))
                          for (col, _), c in zip(row[1:], values)]
                out.append(cells)
    grid.rows = out


def _tones(lines: list[str], rng: random.Random) -> list[str]:
    """Tone-marked pinyin glosses after characters inside labels (traditional mirrors)."""
    def annotate(m: re.Match[str]) -> str:
        return m.group(0) + f"({rng.choice(_TONES)})" if rng.random() < 0.15 else m.group(0)

    return [re.sub(r"[\u4e00-\u9fff]", annotate, ln) for ln in lines]


def _blank_label(grid: Grid, template_id: str, rng: random.Random) -> None:
    """One data row printed without its label (the label cell left empty), between two rows
    that print theirs and leave it the only place in the template's order: a row with a single
    label cell and a number in it."""
    tpl = T.TEMPLATES[template_id]
    order = list(tpl.table2_fields()) if grid.name == "table2" else list(tpl.table3_keys)

    def key(row: list[tuple[int, GridCell]]) -> str | None:
        path = next((c.path for _, c in row if c.kind == "value" and c.path), None)
        return re.split(r"[.\[]", path)[1] if path else None

    rows = [(i, k) for i, row in enumerate(grid.rows) if row[0][1].kind == "label" and (k := key(row)) in order]
    inner = [i for (_, a), (i, k), (_, b) in zip(rows, rows[1:], rows[2:])
             if order.index(a) + 1 == order.index(k) == order.index(b) - 1 and grid.rows[i][1][1].kind == "value"
             and any(c.kind == "value" and re.search(r"\d", c.text) for _, c in grid.rows[i])]
    if inner:
        grid.rows[rng.choice(inner)][0][1].text = ""


def _title_lines(rep: Report, rng: random.Random) -> list[str]:
    """No title line (`no_title`): the page prints the agency's name alone on a line above the
    report, or nothing (the introduction names the report only as 本报告/本年报)."""
    return [rep.agency] if rep.agency and rng.random() < 0.5 else []


def _page_furniture(rng: random.Random) -> list[str]:
    return rng.choice((["Page 9 - 2020年报", "P. 9"], ["标题:政府信息公开工作年度报告", "发布时间:2021-01-25"], []))


# --------------------------------------------------------------------------- documents


def wild_document(rep: Report, family: str, rng: random.Random, damage: tuple[str, ...] = (),
                  prose: dict[str, str] | None = None, any_family: bool = False) -> str:
    """The report as a scraped page (or flip-book page) in `family`, with `damage`."""
    if family not in WILD_FAMILIES:
        raise ValueError(family)
    bodies = prose if prose is not None else prose_for(rep, rng)
    grids = report_grids(rep.template, rep.table2, rep.table3, rep.table4, only_present=True)
    present = {"table2": bool(rep.table2), "table3": bool(rep.table3), "table4": bool(rep.table4)}
    if "annotated" in damage:
        for grid in grids[:2]:
            _annotated(grid, rep, rng)
    if "sub_rows" in damage:
        _sub_rows(grids[0], rng)
    elif "blank_label" in damage and (any_family or family in BLANK_LABEL_FAMILIES):  # (not next to an invented sub-row)
        for grid in grids[:2]:
            _blank_label(grid, rep.template or "2021", rng)
    text = value_text(rng)
    lines = _page_furniture(rng) if "page_furniture" in damage else []
    lines += _title_lines(rep, rng) if "no_title" in damage else [title_of(rep)]
    lines.append(bodies["intro"])
    table_of = {"proactive": 0, "requests": 1, "appeals": 2}
    for sec in T.SECTIONS:
        heading = sec.title
        if sec.key == "requests" and "heading_variant" in damage:
            heading = f"{sec.number}、行政机关{sec.heading}"
        if sec.key in table_of:
            grid = grids[table_of[sec.key]]
            if not present[grid.name]:
                continue
            if "no_headings" not in damage:
                lines.append(heading)
            lines += table_lines(grid, family, rng, text)
        elif sec.key in ("overview", "problems", "other"):
            lines.append(heading)
            lines.append(bodies.get(sec.key) or "无。")
    if "tones" in damage:
        lines = _tones(lines, rng)
    out = "\n".join(lines)
    if "traditional" in damage:
        from .damage import _s2t

        out = _s2t().convert(out)
        if rng.random() < 0.5:  # a mirror with Taiwan phrasing: 文件 -> 檔案 ("規範性檔案")
            out = out.replace("文件", "檔案")
    return out
