"""Exports of what a page shows: one report's 问题清单 (the findings of the reviewed record,
`nianbao.store.reviewed`: re-checked on the corrected record, dismissed ones left out) as
XLSX or DOCX, its cells with provenance and corrections, and data tables, as CSV or XLSX.
A region's 问题清单 comes from `nianbao.exports` (the same document as `nianbao issues`),
which reads the same reviewed record.

Every text cell is guarded against formula injection (a report's text is untrusted and a
spreadsheet would run "=..." as a formula)."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from ..exports.issues_docx import Notice
from ..exports.output import guard_formula
from ..store.compare import cell_label
from ..words import DECISION_VERBS, SEVERITY_NAMES
from .reportview import FindingView, ReportView

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV_TYPE = "text/csv; charset=utf-8"
FINDING_HEADERS = ("序号", "机关", "地区", "年度", "报告编号", "规则", "规则名称", "严重程度", "问题说明", "涉及单元格",
                   "复核结论", "复核意见", "复核人")
CELL_HEADERS = ("单元格", "名称", "提取值", "更正值", "原文", "行号", "来源位置", "置信度", "提取方式")
# --------------------------------------------------------------------------- rows


def finding_rows(meta: dict[str, Any], views: Sequence[FindingView], start: int = 1) -> list[list[Any]]:
    rows = []
    for i, fv in enumerate(views, start):
        f, d = fv.finding, fv.decision
        severity = SEVERITY_NAMES.get(f.severity, f.severity) + ("（无法判断）" if f.status != "fail" else "")
        rows.append([i, meta.get("agency"), meta.get("region"), meta.get("year"), meta.get("id"), f.rule, fv.title,
                     severity, f.message + (f"（{f.detail}）" if f.detail and f.detail not in f.message else ""),
                     "、".join(cell_label(c, meta.get("template")) for c in fv.cells),
                     DECISION_VERBS.get(d.decision, "") if d else "", d.comment if d else "", d.user_name if d else ""])
    return rows


def report_finding_rows(view: ReportView, meta: dict[str, Any]) -> list[list[Any]]:
    """The 问题清单 rows of one report: the findings of the reviewed record, dismissed ones
    left out (they are resolved; the report page still shows them, marked)."""
    live = [fv for fv in view.findings if fv.state != "dismissed"]
    return finding_rows({**meta, "template": view.report.template}, live)


def cell_rows(view: ReportView) -> list[list[Any]]:
    from .reviews import cell_value

    rep = view.report
    paths = list(rep.provenance) + [p for p in view.fixes if p not in rep.provenance]
    rows = []
    for path in paths:
        if not path.startswith(("table2", "table3", "table4")):
            continue
        prov = rep.provenance.get(path)
        fix = view.fixes.get(path)
        rows.append([path, cell_label(path, rep.template), cell_value(rep, path), fix.value if fix else None,
                     prov.raw if prov else None, prov.line if prov else None, prov.origin if prov else None,
                     round(prov.confidence, 3) if prov else None, prov.method if prov else None])
    return rows


# --------------------------------------------------------------------------- writers


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a BOM (so that Excel opens the Chinese text correctly)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for row in rows:
        w.writerow(["" if v is None else guard_formula(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(sheet: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], widths: dict[int, int] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    for i, width in (widths or {}).items():
        ws.column_dimensions[chr(ord("A") + i)].width = width
    head = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font = Font(bold=True)
        head.append(c)
    ws.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        cells = []
        for v in row:
            c = WriteOnlyCell(ws, value=guard_formula(v))
            if isinstance(c.value, str):
                c.data_type = "s"
                c.alignment = wrap
            cells.append(c)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def findings_xlsx(rows: list[list[Any]]) -> bytes:
    return to_xlsx("问题清单", FINDING_HEADERS, rows, {1: 24, 6: 26, 8: 60, 9: 30, 11: 30})


def notice(deadline: date | None, issuer: str) -> Notice:
    """The 整改通知's settings from the export form (deadline and issuing office)."""
    return Notice(deadline=deadline, issuer=" ".join(issuer.split()))


def filename_header(name: str) -> dict[str, str]:
    """Content-Disposition for a download named `name` (built by the app, never from input
    it did not clean: non-ASCII goes in filename*)."""
    from urllib.parse import quote

    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8")
