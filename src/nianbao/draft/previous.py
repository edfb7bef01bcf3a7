"""Last year's report: what it pre-fills in this year's draft, and where the two disagree.

Pre-filled (only cells the clerk left empty):
  表三 二、上年结转      <- last year's 四、结转下年度继续办理, column by column (rule T3.6)
  表二 现行有效件数      <- last year's 现行有效件数 + 本年制发件数 - 本年废止件数 (T2.3, 2021 format)
  表二 上一年项目数量    <- last year's 上一年项目数量 + 本年增/减 (T2.8, 2019 format)
Contradictions are the cross-year rules' warnings (`rules.check(report, previous)`),
plus a previous report that is not of the year before or names another agency.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TypeGuard

from ..formats import templates as T
from ..errors import UnreadableInput
from ..model import Finding, Number, Report, cell_path
from ..numbers import is_number
from .cells import cell_map

RULE = "D1"  # the drafter's own findings about the previous report


def prefill_values(values: dict[str, Number | None], template_id: str, previous: Report) -> dict[str, Number]:
    """The values last year's report gives for the cells of `values` that are empty
    (path -> value).  `values` is not changed."""
    out: dict[str, Number] = {}

    def empty(path: str) -> bool:
        return values.get(path) is None

    before = previous.table3.get("carried_forward") or []
    for c, v in enumerate(before[: T.T3_TOTAL_COLUMN]):  # the total column is computed
        path = cell_path("table3", "carried_over", c)
        if is_number(v) and empty(path):
            out[path] = v
    if template_id == "2021" and previous.template == "2021":
        for key in ("regulations", "normative_documents"):
            last = (previous.table2.get(key) or {}).get("in_force")
            path = cell_path("table2", key, "in_force")
            if is_number(last) and empty(path):
                issued = values.get(cell_path("table2", key, "issued")) or 0
                repealed = values.get(cell_path("table2", key, "repealed")) or 0
                out[path] = last + issued - repealed
    if template_id == "2019" and previous.template == "2019":
        for key, cells in previous.table2.items():
            p0, change = (cells or {}).get("prev_count"), (cells or {}).get("change")
            path = cell_path("table2", key, "prev_count")
            if is_number(p0) and is_number(change) and path in cell_map(template_id) and empty(path):
                out[path] = p0 + change
    return out


def previous_mismatch(agency: str | None, year: int | None, previous: Report) -> list[Finding]:
    """Warnings when `previous` is not this agency's report of the year before."""
    out = []
    if year is not None and previous.year is not None and previous.year != year - 1:
        out.append(Finding(RULE, "warning", f"作为上年报告提供的是{previous.year}年度报告，不是{year - 1}年度报告，预填和比对可能不正确。",
                           expected=year - 1, actual=previous.year))
    if agency and previous.agency and agency != previous.agency:
        out.append(Finding(RULE, "warning", f"上年报告的机关是“{previous.agency}”，与本报告的“{agency}”不同。",
                           expected=agency, actual=previous.agency))
    return out


def load_previous(spec: str, db: str | None = None) -> Report:
    """Last year's report from `spec`: a record JSON file, any report file nianbao reads,
    or the id of a stored report (in the store at `db`, default ./nianbao.db or
    $NIANBAO_DB)."""
    path = Path(spec)
    if path.is_file():
        data = path.read_bytes()
        try:
            record = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            record = None
        if isinstance(record, dict):
            return Report.from_dict(record)
        from ..parsing.pipeline import parse

        return parse(data, path.name)
    if spec.strip().isdigit():
        return _from_store(int(spec), db)
    raise UnreadableInput(f"找不到上年报告文件：{spec}", f"Previous report not found: {spec}")


def _from_store(report_id: int, db: str | None) -> Report:
    try:
        from ..store import Store
        from ..store.db import normalize_url
    except ImportError:
        raise UnreadableInput(f"找不到上年报告文件：{report_id}（本安装没有报告库）。",
                              f"Previous report file not found: {report_id} (this installation has no store).") from None
    url = normalize_url(db)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise UnreadableInput(f"找不到报告库 {url.removeprefix('sqlite:///')}，无法按编号 {report_id} 读取上年报告；请用 --db 指定报告库。",
                              f"No store at {url}; cannot read previous report #{report_id}. Give the store with --db.")
    with Store(db) as store:
        report = store.report(report_id)
    if report is None:
        raise UnreadableInput(f"报告库中没有编号为 {report_id} 的报告。", f"The store has no report #{report_id}.")
    return report
