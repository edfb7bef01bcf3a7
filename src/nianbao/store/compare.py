"""Comparing and aggregating stored reports: one agency across years, and the agencies of a
region in one year (totals are the sums of the member reports' cells).  Both read the
record as reviewed (`reviewed`): corrected cells, counts without dismissed findings."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..formats import templates as T
from ..errors import StoreError
from ..model import Finding, Report, cell_path
from .filters import ReportFilter, agency_ids
from .queries import list_reports, report_findings, template_cell_paths, template_paths, value_matrix
from .records import fill_tables, split_path
from .reviewed import correct_matrix, frame_with_reviewed_counts
from .schema import SCOPE_CROSS, STATUS_OK, agencies

# --------------------------------------------------------------------------- key figures

_DENIED_ROWS = tuple(r.key for r in T.TEMPLATE_2021.table3_rows if r.group == "denied")
_TOTAL = T.T3_TOTAL_COLUMN


def _t3(row: str) -> str:
    return cell_path("table3", row, _TOTAL)


FIGURES: dict[str, tuple[str, ...]] = {
    "applications": (_t3("new_received"),),
    "carried_over": (_t3("carried_over"),),
    "granted": (_t3("granted"),),
    "partially_granted": (_t3("partially_granted"),),
    "denied": tuple(_t3(r) for r in _DENIED_ROWS),
    "results_total": (_t3("results_total"),),
    "carried_forward": (_t3("carried_forward"),),
    "reviews": (cell_path("table4", "review", T.T4_TOTAL_FIELD),),
    "suits": (cell_path("table4", "litigation_direct", T.T4_TOTAL_FIELD), cell_path("table4", "litigation_after_review", T.T4_TOTAL_FIELD)),
}


def figure_labels() -> dict[str, str]:
    """Chinese column headings of the key figures, built from the templates."""
    t21 = T.TEMPLATE_2021
    return {
        "applications": t21.t3_row("new_received").label,
        "carried_over": t21.t3_row("carried_over").label,
        "granted": t21.t3_row("granted").label,
        "partially_granted": t21.t3_row("partially_granted").label,
        "denied": T.T3_GROUPS["denied"].label,
        "denied_share": T.T3_GROUPS["denied"].label + "占比",
        "results_total": T.T3_GROUPS["results"].label + T.T3_COLUMNS[_TOTAL].label,
        "carried_forward": t21.t3_row("carried_forward").label,
        "reviews": T.t4_group_label("review"),
        "suits": T.T4_HEADER_LITIGATION,
    }


def figures(mat: np.ndarray, col_of: dict[str, int]) -> pd.DataFrame:
    """The key figures of each row of a value matrix (NaN when every part is blank)."""
    out = {}
    for name, paths in FIGURES.items():
        cols = [col_of[p] for p in paths if p in col_of]
        if not cols:
            out[name] = np.full(len(mat), np.nan)
            continue
        part = mat[:, cols]
        total = np.nansum(part, axis=1)
        total[np.all(np.isnan(part), axis=1)] = np.nan
        out[name] = total
    df = pd.DataFrame(out)
    with np.errstate(divide="ignore", invalid="ignore"):
        df["denied_share"] = np.where(df["results_total"] > 0, df["denied"] / df["results_total"], np.nan)
    return df


def cell_label(path: str, template: str | None = None, column: bool = True) -> str:
    """A cell as a clerk reads it: "（三）1.属于国家秘密·自然人", "行政许可·本年处理决定数量"
    (`column=False`: a table 三 row without its column, for a view of one column)."""
    tbl, row, col = split_path(path)
    if tbl == "table3":
        title = T.t3_title(row, template)
        return f"{title}·{T.T3_COLUMNS[int(col)].label}" if column else title
    if tbl == "table2":
        tpl = T.TEMPLATES.get(template or "2021", T.TEMPLATE_2021)
        try:
            label = tpl.table2_row(row).label
        except KeyError:
            label = row
        return f"{label}·{T.t2_field_label(template, row, col)}"
    return f"{T.t4_group_label(row)}·{T.t4_field_label(col)}"


# --------------------------------------------------------------------------- one agency, several years


@dataclass
class Comparison:
    agency_id: int
    agency: str
    region: str | None
    years: list[int]  # the years asked for that have a report
    missing_years: list[int]
    report_ids: dict[int, int]  # year -> report id
    table: pd.DataFrame  # path, table, label, one column per year, delta (last year - the one before)
    findings: dict[int, list[Finding]] = field(default_factory=dict)  # year -> cross-report findings
    counts: dict[int, tuple[int, int]] = field(default_factory=dict)  # year -> (errors, warnings)


def resolve_agency(conn: Connection, agency: str | int) -> int:
    """One agency id for what a user typed, or a StoreError that says why not."""
    ids = agency_ids(conn, agency)
    if not ids:
        raise StoreError(f"库中没有找到机关“{agency}”。", f"No agency {agency!r} in the store.")
    if len(ids) > 1:
        rows = conn.execute(sa.select(agencies.c.id, agencies.c.name, agencies.c.path).where(agencies.c.id.in_(ids))).all()
        listing = "；".join(f"{r.id}：{r.name}（{r.path.strip('/')}）" for r in rows)
        raise StoreError(f"有多个机关与“{agency}”相符，请用机关编号指定：{listing}",
                         f"Several agencies match {agency!r}; give its id: {listing}")
    return ids[0]


def compare(conn: Connection, agency: str | int, years: Sequence[int] = (), column: int | None = _TOTAL) -> Comparison:
    """One agency's reports side by side: every cell (table 三: the `column`, default 总计,
    labelled by row only; None for all seven) per year, and the change from the year before."""
    agency_id = resolve_agency(conn, agency)
    listed = list_reports(conn, ReportFilter(agency=agency_id, status=STATUS_OK))
    listed = listed.sort_values("id").drop_duplicates("year")  # one report per year: the first stored
    by_year = {int(y): int(i) for y, i in zip(listed["year"], listed["id"]) if pd.notna(y)}
    wanted = sorted(set(years)) if years else sorted(by_year)
    have = [y for y in wanted if y in by_year]
    info = conn.execute(sa.select(agencies.c.name, agencies.c.region).where(agencies.c.id == agency_id)).first()
    ids = [by_year[y] for y in have]
    mat, index, by_col = value_matrix(conn, ids)
    mat = correct_matrix(conn, mat, index, by_col)  # the record as reviewed
    listed = frame_with_reviewed_counts(conn, listed)
    template = Counter(listed.set_index("id").loc[ids, "template"].dropna()).most_common(1)[0][0] if ids else None
    order = {p: i for i, p in enumerate(template_paths())}
    cols = [c for c in by_col if not np.all(np.isnan(mat[:, c]))] if ids else []
    rows = []
    for c in sorted(cols, key=lambda c: order.get(by_col[c], len(order))):
        path = by_col[c]
        tbl, _, col = split_path(path)
        if tbl == "table3" and column is not None and int(col) != column:
            continue
        values = [mat[index[by_year[y]], c] for y in have]
        delta = values[-1] - values[-2] if len(values) >= 2 else np.nan
        rows.append([path, tbl, cell_label(path, template, column=column is None), *values, delta])
    table = pd.DataFrame(rows, columns=["path", "table", "label", *have, "delta"])
    comp = Comparison(agency_id, info.name if info else str(agency), info.region if info else None, have,
                      [y for y in wanted if y not in by_year], {y: by_year[y] for y in have}, table)
    for y in have:
        rid = by_year[y]
        comp.findings[y] = report_findings(conn, rid, scope=SCOPE_CROSS)
        row = listed[listed["id"] == rid].iloc[0]
        comp.counts[y] = (int(row["n_errors"]), int(row["n_warnings"]))
    return comp


# --------------------------------------------------------------------------- a region in one year


@dataclass
class RegionStats:
    region: str
    year: int
    members: pd.DataFrame  # one row per member report: list columns + key figures
    groups: pd.DataFrame  # by agency / sub-region / level: sums of the key figures and counts, ranked
    totals: Report  # every cell summed over the members (blank cells are left out of a sum)
    failed: int  # reports of the region and year that could not be parsed
    duplicates: int  # further reports of an agency-year, not counted twice


def region_stats(conn: Connection, region: str, year: int, by: str = "agency") -> RegionStats:
    """The agencies of `region` (at any depth) in `year`: their key figures, the region's
    totals, and rankings grouped `by` agency, region (the next division down) or level."""
    if by not in ("agency", "region", "level"):
        raise ValueError(by)
    listed = list_reports(conn, ReportFilter(region=region, years=(year,)))
    failed = int((listed["status"] != STATUS_OK).sum())
    ok = listed[listed["status"] == STATUS_OK].sort_values("id")
    members = ok[ok["agency_id"].isna() | ~ok.duplicated("agency_id")].reset_index(drop=True)
    duplicates = len(ok) - len(members)
    members = frame_with_reviewed_counts(conn, members)  # the record as reviewed: counts and values
    ids = members["id"].tolist()
    mat, index, by_col = value_matrix(conn, ids)
    mat = correct_matrix(conn, mat, index, by_col)
    col_of = {p: c for c, p in by_col.items()}
    members = pd.concat([members, figures(mat, col_of)], axis=1)
    paths = dict(conn.execute(sa.select(agencies.c.id, agencies.c.path)).all()) if by == "region" else {}
    members["group"] = [_group_key(r, by, region, paths) for r in members.itertuples(index=False)]
    sums = list(FIGURES) + ["n_errors", "n_warnings"]
    groups = members.groupby("group", dropna=False)[sums].sum(min_count=1)
    groups.insert(0, "reports", members.groupby("group", dropna=False).size())
    with np.errstate(divide="ignore", invalid="ignore"):
        groups["denied_share"] = np.where(groups["results_total"] > 0, groups["denied"] / groups["results_total"], np.nan)
    groups = groups.sort_values(["applications", "reports"], ascending=False, na_position="last")
    groups["rank"] = range(1, len(groups) + 1)
    template = Counter(members["template"].dropna()).most_common(1)[0][0] if len(members) else None
    totals = Report(agency=None, region=region, year=year, template=template)
    if len(ids):
        summed = np.nansum(mat, axis=0)
        summed[np.all(np.isnan(mat), axis=0)] = np.nan
        keep = _template_paths(template)
        fill_tables(totals, [(by_col[c], float(v)) for c, v in enumerate(summed)
                             if not np.isnan(v) and (keep is None or by_col[c] in keep)])
    return RegionStats(region, year, members, groups.reset_index(), totals, failed, duplicates)


def _template_paths(template: str | None) -> set[str] | None:
    return set(template_cell_paths(template)) if template in T.TEMPLATES else None


def _group_key(r: object, by: str, region: str, paths: dict[int, str]) -> str:
    if by == "agency":
        return str(getattr(r, "agency") or "")
    if by == "level":
        return str(getattr(r, "level") or "")
    agency_id = getattr(r, "agency_id")
    parts = [p for p in paths.get(int(agency_id), "").split("/") if p] if pd.notna(agency_id) else []
    if region in parts:
        below = parts[parts.index(region) + 1 :]
        return below[0] if below else f"{region}（本级）"
    return str(getattr(r, "region") or "")
