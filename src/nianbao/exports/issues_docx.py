"""The 问题清单 as 整改通知 a supervisor can sign and send (python-docx): one notice per
agency, each on its own A4 pages - a title, the number to fill in (〔2026〕X号), the
agency it goes to, a sentence on what was found, the findings table (问题说明 the widest
column), the 整改时限, and the issuing office with the date (落款).

Nothing in it names a server file, a database id or a raw score: every value is in plain
words (`rules.plain`)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .issues import AgencyIssues, Issue, IssueList

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
A4_TWIPS = (11906, 16838)  # width, height
MARGINS_CM = (3.7, 2.8, 2.6, 2.6)  # top, left, bottom, right: the 公文 page (GB/T 9704)
TABLE_COLUMNS = (("序号", 1.3), ("问题类型", 2.6), ("位置", 3.1), ("问题说明", 8.6))  # cm, 15.6 in all
BLANK_ISSUER = "（发文机关，盖章）"


@dataclass(frozen=True)
class Notice:
    """What the supervisor sets on a 整改通知: the deadline (None: a blank to fill in by
    hand), the issuing office (落款), the date it is issued (default today) and the number
    (default 〔year〕X号, the year of the review season: the reports' year + 1)."""

    deadline: date | None = None
    issuer: str = ""
    issued: date = field(default_factory=date.today)
    number: str | None = None


def chinese_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def notice_number(notice: Notice, year: int | None) -> str:
    if notice.number:
        return notice.number
    season = year + 1 if year else notice.issued.year
    return f"〔{season}〕X号"


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
          font: str = BODY_FONT, first: bool = False, align: str | None = None, indent: bool = False) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = container.paragraphs[0] if first and container.paragraphs and not container.paragraphs[0].text else \
        container.add_paragraph()
    _fonts(p.add_run(text), font, size, bold, grey)
    if align:
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    return p


def _issue_cells(cells: Any, issue: Issue) -> None:
    _para(cells[0], str(issue.number), first=True, align="center")
    _para(cells[1], issue.title, bold=issue.severity == "error", first=True)
    _para(cells[1], issue.severity_zh, size=9, grey=True)
    _para(cells[2], issue.location, first=True, size=9.5)
    message = issue.message + (f"（{issue.detail}）" if issue.detail and issue.detail not in issue.message else "")
    _para(cells[3], message, first=True)
    if issue.values and issue.values not in message:
        _para(cells[3], f"核对情况：{issue.values}。")
    review = issue.review
    if review is not None and (review.comment or review.decision == "dismiss"):
        verdict = "（已驳回，不需整改）" if review.decision == "dismiss" else ""
        _para(cells[3], f"复核意见{verdict}：{review.comment or ''}".rstrip("："), bold=True)
    if issue.explanation:
        _para(cells[3], "说明：" + issue.explanation, size=9, grey=True)


def _page(doc: Any) -> None:
    from docx.shared import Cm, Twips

    for section in doc.sections:
        section.page_width, section.page_height = Twips(A4_TWIPS[0]), Twips(A4_TWIPS[1])
        top, left, bottom, right = MARGINS_CM
        section.top_margin, section.left_margin = Cm(top), Cm(left)
        section.bottom_margin, section.right_margin = Cm(bottom), Cm(right)


def _table(doc: Any, group: AgencyIssues) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm
    from docx.table import _Cell

    table = doc.add_table(rows=1, cols=len(TABLE_COLUMNS))
    table.style = "Table Grid"
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, (_, width) in zip(table.columns, TABLE_COLUMNS):
        column.width = Cm(width)
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")  # the heading row on every page the table runs to
    header._tr.get_or_add_trPr().append(repeat)
    for c, (name, width) in zip(header.cells, TABLE_COLUMNS):
        c.width = Cm(width)
        _para(c, name, bold=True, first=True, align="center", font=HEADING_FONT)
    for issue in group.issues:
        row = table.add_row()
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a finding stays on one page
        # the row's own cells: `row.cells` lays out the whole table's grid on every call, which
        # made a region's notice quadratic in its findings
        cells = [_Cell(tc, table) for tc in row._tr.tc_lst]
        for c, (_, width) in zip(cells, TABLE_COLUMNS):
            c.width = Cm(width)
        _issue_cells(cells, issue)


def _year(group: AgencyIssues) -> int | None:
    years = [r.year for r in group.reports if r.year]
    return max(years) if years else None


def _notice(doc: Any, group: AgencyIssues, notice: Notice) -> None:
    year = _year(group)
    what = f"{year}年度政府信息公开工作年度报告" if year else "政府信息公开工作年度报告"
    _para(doc, f"关于{what}存在问题的整改通知", size=22, font=TITLE_FONT, align="center")
    _para(doc, notice_number(notice, year), size=16, align="center")
    _para(doc, f"{group.agency}：", size=16)
    counts = f"错误{group.count('error')}个、警告{group.count('warning')}个"
    if group.count("info"):
        counts += f"、提示{group.count('info')}个"
    deadline = chinese_date(notice.deadline) if notice.deadline else "____年__月__日"
    issuer = notice.issuer or "我单位"
    _para(doc, f"经审核，你单位公开的{what}存在以下问题（{counts}）。请对照《中华人民共和国政府信息公开条例》"
               f"和年度报告格式要求逐项核实整改，于{deadline}前在原公开位置更新报告，并将整改情况书面报送{issuer}。",
          size=16, indent=True)
    _table(doc, group)
    _para(doc, "")
    _para(doc, f"整改时限：{deadline}前。", size=16, bold=True)
    _para(doc, "")
    _para(doc, notice.issuer or BLANK_ISSUER, size=16, align="right")
    _para(doc, chinese_date(notice.issued), size=16, align="right")


def issues_docx(issues: IssueList, notice: Notice | None = None) -> bytes:
    """One 整改通知 per agency with issues, each starting on a new page."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    notice = notice or Notice()
    doc = Document()
    _page(doc)
    for n, group in enumerate(issues.agencies):
        if n:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _notice(doc, group, notice)
    if not issues.agencies:
        _para(doc, issues.title, size=18, font=HEADING_FONT, align="center")
        _para(doc, "所选报告没有发现需要整改的问题。", size=16)
        if issues.clean:
            _para(doc, "以下机关的报告未发现问题：" + "、".join(g.agency for g in issues.clean) + "。", size=16)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
