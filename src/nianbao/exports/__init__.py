"""Exports of the store: data files and the 问题清单.

    >>> from nianbao import Store
    >>> from nianbao.exports import ReportFilter, export_data, build_issues, issues_xlsx
    >>> store = Store()
    >>> export_data(store, "淮安市2024.xlsx", ReportFilter(region="淮安市", years=(2024,)))
    >>> export_data(store, "all.parquet", ReportFilter(), shape="long")
    >>> issues = build_issues(store, ReportFilter(region="淮安市", years=(2024,)))
    >>> open("问题清单.xlsx", "wb").write(issues_xlsx(issues))

Everything here reads the record as reviewed (`nianbao.store.reviewed`): corrected cells,
dismissed findings out.  Module map: `selection` (a `ReportFilter` -> the report list), `frames` (wide and long data, a
slice of reports at a time), `tabular` (CSV, JSON, Parquet), `workbook` (the XLSX with the
official layout), `sheets` (spreadsheet pieces), `issues` (the 问题清单 as data, grouped by
agency), `issues_xlsx` / `issues_docx` (its documents), `reviews` (a reviewer's
decision as the 问题清单 prints it), `output` (whole-or-nothing files, formula guard).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import UnsupportedFormat
from ..store import Store
from .frames import SHAPES, frames
from .issues import AgencyIssues, Issue, IssueList, build_issues
from .issues_docx import Notice, issues_docx
from .issues_xlsx import issues_xlsx
from .output import STDOUT, atomic_file
from .selection import ReportFilter, selected_ids, selected_reports
from .tabular import write_csv, write_json, write_parquet

FORMATS = ("xlsx", "csv", "parquet", "json")
ISSUE_FORMATS = ("xlsx", "docx")

__all__ = ["ReportFilter", "ExportSummary", "export_data", "format_of", "FORMATS", "SHAPES", "build_issues",
           "IssueList", "AgencyIssues", "Issue", "issues_xlsx", "issues_docx", "Notice", "write_issues", "ISSUE_FORMATS"]


@dataclass
class ExportSummary:
    path: str
    format: str
    shape: str  # wide | long | workbook
    reports: int
    rows: int  # data rows written (the 明细 rows of a workbook: 0 without `detail`)
    detail: str = ""


def format_of(path: str | os.PathLike[str], fmt: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format asked for, else the one the file name ends with."""
    name = str(path).lower()
    chosen = fmt or next((f for f in allowed if name.endswith("." + f)), None)
    if chosen not in allowed:
        raise UnsupportedFormat(f"无法从文件名判断导出格式，请用 --format 指定（{'、'.join(allowed)}）。",
                                f"Cannot tell the export format from the file name; give --format ({', '.join(allowed)}).")
    return chosen


def export_data(store: Store, path: str | os.PathLike[str], sel: ReportFilter, fmt: str | None = None,
                shape: str = "wide", detail: bool = False) -> ExportSummary:
    """Write the reports `sel` picks to `path` ("-": standard output, CSV and JSON only) as
    xlsx (the workbook: official layout, one row per report; `detail`: also one row per
    cell), csv / json / parquet (`shape` wide: one row per report; long: one row per cell).
    The file appears whole or not at all."""
    fmt = format_of(path, fmt)
    if shape not in SHAPES:
        raise ValueError(shape)
    if detail and fmt != "xlsx":
        raise UnsupportedFormat("--detail 只用于 xlsx；csv、json、parquet 的明细请用 --shape long。",
                                "--detail is for xlsx; for csv, json or parquet use --shape long.")
    if str(path) == STDOUT and fmt not in ("csv", "json"):
        raise UnsupportedFormat(f"{fmt} 文件不能输出到标准输出，请用 --out 指定文件名。",
                                f"A {fmt} file cannot go to standard output; give --out FILE.")
    if fmt == "xlsx":
        from .workbook import write_workbook

        listed = selected_reports(store, sel)
        with atomic_file(path) as out:
            wb = write_workbook(store, listed, sel, out, detail)
        return ExportSummary(str(path), fmt, "workbook", wb.reports, wb.cells, "；".join(wb.blocks))
    ids = selected_ids(store, sel)  # (a data file needs no listing: 100,000 listed reports cost ~250 MB)
    with atomic_file(path) as out:
        writer = {"csv": write_csv, "json": write_json, "parquet": write_parquet}[fmt]
        rows = writer(frames(store, ids, shape), out)
    return ExportSummary(str(path), fmt, shape, len(ids), rows)


def write_issues(issues: IssueList, path: str | os.PathLike[str], fmt: str | None = None,
                 notice: Notice | None = None) -> str:
    """Write the 问题清单 as XLSX or DOCX (by `fmt` or the file name; the DOCX holds a 整改通知
    per agency, with `notice`'s deadline, issuer and date); returns the format."""
    fmt = format_of(path, fmt, ISSUE_FORMATS)
    data = issues_xlsx(issues) if fmt == "xlsx" else issues_docx(issues, notice)
    with atomic_file(path) as out:
        out.write(data)
    return fmt
