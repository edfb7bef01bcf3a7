"""A report as a Word document in the official layout (python-docx).

A4 portrait, the margins of 党政机关公文格式 (GB/T 9704), title in 小标宋/宋体 二号, body in
仿宋 三号, headings in 黑体, the three tables with their merged header and label cells
(built from `render.layout` grids), page numbers "— N —" in the footer.
"""
from __future__ import annotations

import io

from docx import Document as new_document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from .. import templates as T
from ..model import Report
from .layout import Grid
from .report import PLACEHOLDER, TABLE_SECTIONS, grids_of, intro_of, title_of

TITLE_FONT = ("方正小标宋简体", "宋体")
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TABLE_FONT = "仿宋_GB2312"


def _font(run, name: str, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph(doc, text: str, font: str = BODY_FONT, size: float = 16, bold: bool = False,  # type: ignore[no-untyped-def]
               align=None, indent: bool = True):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), font, size, bold)
    return p


def _page_number_footer(section) -> None:  # type: ignore[no-untyped-def]
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), "宋体", 14)
    run = p.add_run()
    _font(run, "宋体", 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    _font(p.add_run(" —"), "宋体", 14)


# column widths in cm (the text block of an A4 page with these margins is 15.6 cm wide)
COLUMN_WIDTHS = {
    "table2": [4.8] + [3.6] * 3,
    "table3": [1.4, 1.7, 3.8] + [1.24] * 7,
    "table4": [1.04] * 15,
}


def add_grid(doc, grid: Grid, size: float = 10.5):  # type: ignore[no-untyped-def]
    """The grid as a bordered Word table with real merged cells."""
    table = doc.add_table(rows=len(grid.rows), cols=grid.width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = COLUMN_WIDTHS.get(grid.name)
    if widths and len(widths) == grid.width:
        for col, width in zip(table.columns, widths):
            col.width = Cm(width)
            for cell in col.cells:
                cell.width = Cm(width)
    for r, row in enumerate(grid.rows):
        for c, cell in row:
            target = table.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = target.paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "label" else WD_ALIGN_PARAGRAPH.CENTER
            para.paragraph_format.space_after = Pt(0)
            text_size = size if grid.name != "table4" else size - 1.5
            _font(para.add_run(cell.text), TABLE_FONT, text_size, bold=cell.kind in ("item",))
    return table


def render_docx(report: Report, prose: dict[str, str] | None = None, notes: list[str] | None = None,
                zeros: bool = False) -> bytes:
    """The whole report as DOCX bytes.  `prose` maps section keys (and "intro") to text;
    `notes` are appended under a closing heading (e.g. the errors of a forced draft);
    `zeros` writes 0 in every empty numeric cell, as the format requires of a new report."""
    prose = prose or {s.key: s.text for s in report.sections}
    doc = new_document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _page_number_footer(section)
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)

    title = report.title or title_of(report)
    _paragraph(doc, title, TITLE_FONT[0], 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    for para in (prose.get("intro") or intro_of(report)).split("\n"):
        if para.strip():
            _paragraph(doc, para.strip())
    grids = grids_of(report, zeros=zeros)
    for sec in T.SECTIONS:
        _paragraph(doc, sec.title, HEADING_FONT, 16)
        if sec.key in TABLE_SECTIONS:
            add_grid(doc, grids[TABLE_SECTIONS[sec.key]])
            continue
        text = prose.get(sec.key) or PLACEHOLDER
        for para in text.split("\n"):
            if para.strip():
                _paragraph(doc, para.strip())
    if notes:
        _paragraph(doc, "附：生成时未通过的检查", HEADING_FONT, 16)
        for note in notes:
            _paragraph(doc, note)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
