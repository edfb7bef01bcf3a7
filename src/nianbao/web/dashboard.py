"""The region dashboard for one year: the store's `region_stats` (members with their key
figures and error/warning counts, the region's totals), the supervisor's list of agencies
that should have reported and which of them are missing, and the chart series."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from ..numbers import plain
from ..store import Store
from ..store.compare import FIGURES, RegionStats, figure_labels
from .accounts import User
from .queries import Page, TTLCache, clamp
from . import coverage

MAX_EXPECTED = coverage.MAX_EXPECTED
CHART_AGENCIES = 30
MEMBER_SORTS = ("agency", "n_errors", "n_warnings", *FIGURES, "denied_share")


@dataclass
class Dashboard:
    region: str
    year: int
    stats: RegionStats
    expected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    expected_source: str = "none"  # coverage.ExpectedList.source
    expected_from: int | None = None
    entries: list[coverage.Entry] = field(default_factory=list)  # 已报 / 迟报 / 缺报 per expected agency
    progress: coverage.Progress | None = None

    @property
    def reports(self) -> int:
        return len(self.stats.members)

    @property
    def errors(self) -> int:
        return int(self.stats.members["n_errors"].sum()) if self.reports else 0

    @property
    def warnings(self) -> int:
        return int(self.stats.members["n_warnings"].sum()) if self.reports else 0

    @property
    def with_errors(self) -> int:
        return int((self.stats.members["n_errors"] > 0).sum()) if self.reports else 0

    def totals(self) -> list[tuple[str, str, float | None]]:
        """(figure key, Chinese label, regional total) of the key figures."""
        labels = figure_labels()
        out = []
        for key in FIGURES:
            col = self.stats.members[key] if self.reports else pd.Series(dtype=float)
            total = float(col.sum(min_count=1)) if len(col) else math.nan
            out.append((key, labels[key], plain(total)))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"region": self.region, "year": self.year, "reports": self.reports, "failed": self.stats.failed,
                "duplicates": self.stats.duplicates, "errors": self.errors, "warnings": self.warnings,
                "reports_with_errors": self.with_errors, "expected": self.expected, "missing": self.missing,
                "expected_source": self.expected_source,
                "coverage": [e.to_dict() for e in self.entries],
                "late": [e.to_dict() for e in self.entries if e.state == "late"],
                "review_statuses": self.progress.statuses if self.progress else {},
                "deadlines": self.progress.deadlines if self.progress else [],
                "totals": {k: v for k, _, v in self.totals()}}


def load(store: Store, cache: TTLCache, region: str, year: int) -> Dashboard:
    stats = cache.get(("region", region, year), lambda: store.region_stats(region, year, by="agency"))
    dash = Dashboard(region, year, stats)
    found = coverage.expected_list(store.engine, region, year)
    dash.expected, dash.expected_source, dash.expected_from = found.names, found.source, found.from_year
    dash.entries = coverage.entries(store.engine, stats.members, region, year, dash.expected)
    dash.missing = [e.name for e in dash.entries if e.state == "missing"]
    dash.progress = coverage.progress(store.engine, stats.members, region, year, dash.entries)
    return dash


# --------------------------------------------------------------------------- expected agencies
# (web.coverage: one list per region kept across years, by default last year's filers)


def parse_names(text: str) -> list[str]:
    return coverage.parse_names(text)


def expected_names(engine: Engine, region: str, year: int) -> list[str]:
    return coverage.expected_list(engine, region, year).names


def set_expected(engine: Engine, user: User, region: str, year: int, names: list[str]) -> int:
    return coverage.set_expected(engine, user, region, year, names)


# --------------------------------------------------------------------------- tables and charts


def member_page(dash: Dashboard, sort: str, desc: bool, page: int, per_page: int = 50) -> Page:
    page, per_page = clamp(page, per_page)
    df = dash.stats.members
    if not len(df):
        return Page([], page, per_page, 0)
    key = sort if sort in MEMBER_SORTS else "n_errors"
    df = df.sort_values([key, "agency"], ascending=[not desc, True], na_position="last")
    part = df.iloc[(page - 1) * per_page: page * per_page]
    cols = ["id", "agency_id", "agency", "region", "level", "n_errors", "n_warnings", *FIGURES, "denied_share"]
    rows = [{c: plain(r[c]) for c in cols} for _, r in part.iterrows()]
    return Page(rows, page, per_page, len(df))




def charts(dash: Dashboard) -> dict[str, Any]:
    """Series for the two charts: errors and warnings of the agencies with the most
    problems, and the region's totals of the key figures."""
    df = dash.stats.members
    out: dict[str, Any] = {"problems": {"agencies": [], "errors": [], "warnings": []},
                           "figures": {"labels": [], "values": []}}
    if len(df):
        top = df.assign(_p=df["n_errors"] * 1000 + df["n_warnings"]).sort_values("_p", ascending=False)
        top = top[top["_p"] > 0].head(CHART_AGENCIES)
        out["problems"] = {"agencies": [str(a) for a in top["agency"]], "errors": [int(v) for v in top["n_errors"]],
                           "warnings": [int(v) for v in top["n_warnings"]]}
    for key, label, total in dash.totals():
        if key in ("results_total",):
            continue
        out["figures"]["labels"].append(label)
        out["figures"]["values"].append(0 if total is None else total)
    out["labels"] = {"errors": "错误", "warnings": "警告", "total": "合计"}
    return out
