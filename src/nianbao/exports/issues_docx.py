"""The 问题清单 as a Word document (python-docx): a title and a summary, then each agency
under its own heading with a table of its issues (where, what, the rule in plain words,
the values expected and found, the reviewer's decision)."""
from __future__ import annotations

import io
from typing import Any

from .issues import Issue, IssueList, agency_facts, agency_title, summary_line

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TABLE_COLUMNS = (("序号", 1.3), ("类别", 2.4), ("位置", 4.6), ("问题说明", 12.0), ("复核意见", 4.0))  # cm


def _fonts(run: Any, east_asian: str, size: float | None = None, bold: bool | None = None,
           grey: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = east_asian
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if grey:
        run.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def _para(container: Any, text: str, *, size: float = 10.5, bold: bool = False, grey: bool = False,
          font: str = BODY_FONT, first: bool = False) -> Any:
    p = container.paragraphs[0] if first and container.paragraphs and not container.paragraphs[0].text else \
        container.add_paragraph()
    _fonts(p.add_run(text), font, size, bold, grey)
    return p


def _issue_cells(cells: Any, issue: Issue) -> None:
    _para(cells[0], str(issue.number), first=True)
    _para(cells[1], issue.severity_zh, bold=issue.severity == "error", first=True)
    _para(cells[1], issue.rule, size=9, grey=True)
    _para(cells[2], issue.location, first=True)
    _para(cells[3], issue.title, bold=True, first=True)
    _para(cells[3], issue.message + (f"（{issue.detail}）" if issue.detail and issue.detail not in issue.message else ""))
    values = "；".join(x for x in (f"应为：{issue.expected}" if issue.expected else "",
                                  f"实为：{issue.actual}" if issue.actual else "") if x)
    if values:
        _para(cells[3], values)
    _para(cells[3], "说明：" + issue.explanation, size=9, grey=True)
    review = issue.review
    if review is not None:
        _para(cells[4], review.decision_zh, bold=True, first=True)
        for text in (review.comment, review.reviewer and f"（{review.reviewer}）"):
            if text:
                _para(cells[4], text, size=9)


def issues_docx(issues: IssueList) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))
    title = _para(doc, issues.title, size=18, bold=True, font=HEADING_FONT)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, summary_line(issues), grey=True)
    for n, group in enumerate(issues.agencies, 1):
        heading = doc.add_heading(level=2)
        _fonts(heading.add_run(agency_title(n, group)), HEADING_FONT, 14, True)
        _para(doc, agency_facts(group), size=10, grey=True)
        table = doc.add_table(rows=1, cols=len(TABLE_COLUMNS))
        table.style = "Table Grid"
        table.autofit = False
        for column, (_, width) in zip(table.columns, TABLE_COLUMNS):
            column.width = Cm(width)
        for c, (name, width) in zip(table.rows[0].cells, TABLE_COLUMNS):
            c.width = Cm(width)
            _para(c, name, bold=True, first=True)
        for issue in group.issues:
            row = table.add_row().cells
            for c, (_, width) in zip(row, TABLE_COLUMNS):
                c.width = Cm(width)
            _issue_cells(row, issue)
    if not issues.agencies:
        _para(doc, "所选报告没有发现问题。")
    if issues.clean:
        _para(doc, "以下机关的报告未发现问题：" + "、".join(g.agency for g in issues.clean) + "。")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
