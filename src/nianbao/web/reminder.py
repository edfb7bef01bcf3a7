"""The 催报 exports of a region's season: the list of agencies that have not filed (缺报) or
filed late (迟报) as XLSX (A4 landscape print setup, frozen header, wrapped), and a 催报通知
as DOCX (A4 portrait: title, number placeholder, recipients, the rule, the table, 落款)."""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from ..deadlines import BASIS
from .coverage import Entry
from ..exports.output import guard_formula
from .views import COVERAGE_NAMES

HEADERS = ("序号", "单位名称", "情况", "截止日期", "发布日期", "说明")
WIDTHS_XLSX = (6, 40, 10, 14, 14, 40)
WIDTHS_DOCX_CM = (1.4, 6.4, 2.2, 2.8, 3.2)  # 序号, 单位名称, 情况, 截止日期, 说明 (A4 portrait: 16 cm)
BODY_FONT, HEADING_FONT = "仿宋", "黑体"


def chased(entries: Sequence[Entry]) -> list[Entry]:
    """The agencies a 催报 notice is about: 缺报 first, then 迟报."""
    return [e for e in entries if e.state == "missing"] + [e for e in entries if e.state == "late"]


def _note(e: Entry) -> str:
    if e.state == "late":
        return f"迟报 {e.late_days} 天（报告编号 {e.report_id}）"
    if e.due is None:
        return "尚未提交；截止日期按省、市规定"
    return "尚未提交"


def _row(n: int, e: Entry) -> list[str]:
    return [str(n), e.name, COVERAGE_NAMES[e.state], e.due.due.isoformat() if e.due else "", e.published or "", _note(e)]


def coverage_xlsx(region: str, year: int, entries: Sequence[Entry]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "缺报和迟报"
    ws.append([f"{region}{year}年度政府信息公开工作年度报告缺报、迟报名单"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(HEADERS))
    for c in ws[2]:
        c.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for n, e in enumerate(chased(entries), 1):
        ws.append([guard_formula(v) for v in _row(n, e)])
        for c in ws[ws.max_row]:
            c.alignment = wrap
    for i, w in enumerate(WIDTHS_XLSX):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _run(paragraph, text: str, *, size: float = 14, bold: bool = False, font: str = BODY_FONT):  # type: ignore[no-untyped-def]
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name, run.font.size, run.bold = font, Pt(size), bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def reminder_docx(region: str, year: int, entries: Sequence[Entry], sender: str = "", when: date | None = None) -> bytes:
    """A 催报通知 to the agencies that have not filed or filed late."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    when = when or date.today()
    chase = chased(entries)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, f"关于催报{year}年度政府信息公开工作年度报告的通知", size=22, bold=True, font=HEADING_FONT)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(number, f"〔{year + 1}〕X号", size=14)
    missing = [e.name for e in chase if e.state == "missing"]
    late = [e.name for e in chase if e.state == "late"]
    _run(doc.add_paragraph(), "、".join(e.name for e in chase) + "：" if chase else "各有关单位：")
    body = (f"根据{BASIS}，县级以上人民政府部门应当在每年1月31日前、县级以上地方人民政府应当在每年3月31日前"
            f"公布本机关上一年度政府信息公开工作年度报告。截至{when.year}年{when.month}月{when.day}日，")
    parts = []
    if missing:
        parts.append(f"{len(missing)}个单位尚未提交{year}年度报告")
    if late:
        parts.append(f"{len(late)}个单位的报告晚于截止日期发布")
    body += ("，".join(parts) + "（名单附后）。" if parts else f"{region}各单位均已按期提交{year}年度报告。")
    if missing:
        body += "请尚未提交的单位抓紧完成报告的编制和发布，并于____年__月__日前报送；"
    if late:
        body += "迟报单位请说明情况，今后严格按期发布。"
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Cm(0.99)
    _run(p, body)
    if chase:
        _run(doc.add_paragraph(), "附：缺报、迟报单位名单", bold=True)
        table = doc.add_table(rows=1, cols=len(WIDTHS_DOCX_CM))
        table.style = "Table Grid"
        table.autofit = False
        heads = ("序号", "单位名称", "情况", "截止日期", "说明")
        for c, h, w in zip(table.rows[0].cells, heads, WIDTHS_DOCX_CM):
            c.width = Cm(w)
            _run(c.paragraphs[0], h, size=12, bold=True)
        for n, e in enumerate(chase, 1):
            values = _row(n, e)
            for c, v, w in zip(table.add_row().cells, (values[0], values[1], values[2], values[3], values[5]),
                               WIDTHS_DOCX_CM):
                c.width = Cm(w)
                _run(c.paragraphs[0], v, size=12)
    for text in (sender or f"{region}政务公开工作主管部门", f"{when.year}年{when.month}月{when.day}日"):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(p, text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
