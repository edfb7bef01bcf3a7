"""The region dashboard's chart series, each from one small pure function over the store's
`RegionStats`: the outcome composition of table 三 (its six result groups), the change of
each agency's new applications from the year before, the reviews and suits of table 四,
and the ranking by share denied (a share over 100% is a data error: listed apart, never
drawn as an ordinary bar)."""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..formats import templates as T
from ..model import Report
from ..store.compare import figure_labels

TOP = 20  # agencies in a per-agency chart
RESULTS = "results"


def result_groups() -> list[tuple[str, str]]:
    """(key, label) of the six result groups of table 三, in the template's order: the rows
    directly under 三、 (予以公开, 部分公开) and the groups under it (不予公开 … 其他处理)."""
    out: list[tuple[str, str]] = []
    for row in T.TEMPLATE_2021.table3_rows:
        if row.key == "results_total":
            continue
        if row.group == RESULTS:
            out.append((row.key, row.number + row.label))
        elif row.group and T.T3_GROUPS[row.group].parent == RESULTS and row.group not in dict(out):
            g = T.T3_GROUPS[row.group]
            out.append((g.key, g.number + g.label))
    return out


def _group_of(row_key: str, template: str | None) -> str | None:
    tpl = T.TEMPLATES.get(template or "2021") or T.TEMPLATE_2021
    for row in tpl.table3_rows:
        if row.key == row_key and row.key != "results_total":
            if row.group == RESULTS:
                return row.key
            if row.group and T.T3_GROUPS.get(row.group) and T.T3_GROUPS[row.group].parent == RESULTS:
                return row.group
    return None


def composition(totals: Report) -> dict[str, Any]:
    """The region's results (总计 column of table 三) in the six result groups."""
    sums = {key: 0.0 for key, _ in result_groups()}
    seen = set()
    for row_key, cells in (totals.table3 or {}).items():
        group = _group_of(row_key, totals.template)
        value = cells[T.T3_TOTAL_COLUMN] if isinstance(cells, list) and len(cells) > T.T3_TOTAL_COLUMN else None
        if group in sums and isinstance(value, (int, float)) and not math.isnan(value):
            sums[group] += value
            seen.add(group)
    groups = result_groups()
    return {"labels": [label for _, label in groups], "values": [_num(sums[k]) if k in seen else 0 for k, _ in groups]}


def _num(v: Any) -> float | int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    f = float(v)
    return int(f) if f.is_integer() else round(f, 4)


def _key(row: Any) -> str:
    agency_id = row.get("agency_id")
    return f"id:{int(agency_id)}" if agency_id is not None and not pd.isna(agency_id) else f"name:{row.get('agency')}"


def year_on_year(members: pd.DataFrame, before: pd.DataFrame | None, figure: str = "applications") -> dict[str, Any]:
    """Each agency's `figure` this year and the year before (matched by agency id, else by
    name), the largest changes first."""
    prev: dict[str, Any] = {}
    if before is not None and len(before):
        prev = {_key(r): r.get(figure) for r in before.to_dict("records")}
    rows = []
    for r in members.to_dict("records") if len(members) else []:
        now, then = _num(r.get(figure)), _num(prev.get(_key(r)))
        change = (now or 0) - (then or 0) if now is not None or then is not None else 0
        rows.append((abs(change), str(r.get("agency") or ""), then, now))
    rows.sort(key=lambda x: (-x[0], x[1]))
    rows = rows[:TOP]
    return {"agencies": [r[1] for r in rows], "before": [r[2] for r in rows], "now": [r[3] for r in rows],
            "figure": figure_labels()[figure]}


def appeals(members: pd.DataFrame) -> dict[str, Any]:
    """Each agency's 行政复议 and 行政诉讼 (table 四 totals), the most first; agencies with
    neither are left out."""
    rows = []
    for r in members.to_dict("records") if len(members) else []:
        reviews, suits = _num(r.get("reviews")), _num(r.get("suits"))
        if reviews or suits:
            rows.append(((reviews or 0) + (suits or 0), str(r.get("agency") or ""), reviews or 0, suits or 0))
    rows.sort(key=lambda x: (-x[0], x[1]))
    rows = rows[:TOP]
    return {"agencies": [r[1] for r in rows], "reviews": [r[2] for r in rows], "suits": [r[3] for r in rows]}


def denied_ranking(members: pd.DataFrame) -> dict[str, Any]:
    """Agencies by 不予公开占比 (不予公开 / 办理结果总计), highest first; a share over 100%
    cannot be right: such agencies are flagged as errors (`errors`: name and share) and
    their bars are not drawn as ordinary ones."""
    rows = []
    for r in members.to_dict("records") if len(members) else []:
        share = _num(r.get("denied_share"))
        if share is not None:
            rows.append((share, str(r.get("agency") or "")))
    rows.sort(key=lambda x: (-x[0], x[1]))
    errors = [{"agency": a, "share": s} for s, a in rows if s > 1]
    rows = rows[:TOP]
    return {"agencies": [a for _, a in rows], "shares": [s for s, _ in rows], "bad": [s > 1 for s, _ in rows],
            "errors": errors}


def region_charts(stats: Any, before: Any | None) -> dict[str, Any]:
    """Every chart of the region dashboard: `stats` this year's RegionStats, `before` last
    year's (or None)."""
    labels = figure_labels()
    members = stats.members
    return {
        "composition": composition(stats.totals),
        "yoy": year_on_year(members, before.members if before is not None else None),
        "appeals": appeals(members),
        "denied": denied_ranking(members),
        "labels": {"reviews": labels["reviews"], "suits": labels["suits"], "year": stats.year,
                   "before": stats.year - 1, "share": labels["denied_share"], "error": "数据错误",
                   "denied": labels["denied"], "results_total": labels["results_total"]},
    }
