"""The region dashboard for one year: the store's `region_stats` (members with their key
figures and error/warning counts, the region's totals), the supervisor's list of agencies
that should have reported and which of them are missing, and the chart series."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..numbers import plain
from ..store import Store
from ..store.agencies import core_name, identify
from ..store.compare import FIGURES, RegionStats, figure_labels
from ..store.schema import agencies
from .accounts import User
from .db import now, write
from .queries import Page, TTLCache, clamp
from .reviews import audit
from .schema import expected_agencies

MAX_EXPECTED = 5000
CHART_AGENCIES = 30
MEMBER_SORTS = ("agency", "n_errors", "n_warnings", *FIGURES, "denied_share")


@dataclass
class Dashboard:
    region: str
    year: int
    stats: RegionStats
    expected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

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
                "totals": {k: v for k, _, v in self.totals()}}


def load(store: Store, cache: TTLCache, region: str, year: int) -> Dashboard:
    stats = cache.get(("region", region, year), lambda: store.region_stats(region, year, by="agency"))
    dash = Dashboard(region, year, stats)
    dash.expected = expected_names(store.engine, region, year)
    dash.missing = missing(store.engine, stats, region, dash.expected)
    return dash


# --------------------------------------------------------------------------- expected agencies


def parse_names(text: str) -> list[str]:
    """Agency names from an uploaded list: one per line (or the first column of a CSV)."""
    names: dict[str, None] = {}
    for line in text.splitlines():
        name = re.split(r"[,\t，]", line.strip(), maxsplit=1)[0].strip().strip('"').strip()
        if name and not name.startswith("#"):
            names[name[:200]] = None
    if len(names) > MAX_EXPECTED:
        from ..errors import LimitExceeded

        raise LimitExceeded(f"名单过长（{len(names)} 个，上限 {MAX_EXPECTED} 个）。",
                            f"The list is too long ({len(names)} names; the limit is {MAX_EXPECTED}).")
    return list(names)


def expected_names(engine: Engine, region: str, year: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(expected_agencies.c.name).where(
            expected_agencies.c.region == region, expected_agencies.c.year == year).order_by(expected_agencies.c.id))
            .scalars())


def set_expected(engine: Engine, user: User, region: str, year: int, names: list[str]) -> int:
    """Replace the list of agencies expected to report for `region` and `year`."""
    stamp = now()
    with write(engine) as conn:
        conn.execute(expected_agencies.delete().where(expected_agencies.c.region == region,
                                                      expected_agencies.c.year == year))
        if names:
            conn.execute(expected_agencies.insert(), [dict(region=region, year=year, name=n, created_by=user.name,
                                                           created_at=stamp) for n in names])
        audit(conn, user, "expected.set", target=f"{region}/{year}", detail={"count": len(names)})
    return len(names)


def missing(engine: Engine, stats: RegionStats, region: str, expected: list[str]) -> list[str]:
    """The expected agencies none of the region's reports of the year is from (matched by
    the store's agency identity: the same body under a variant of its name counts)."""
    if not expected:
        return []
    members = stats.members
    ids = [int(i) for i in members["agency_id"].dropna().tolist()] if len(members) else []
    keys: set[str] = set()
    cores: set[str] = set()
    if ids:
        with engine.connect() as conn:
            for key, core in conn.execute(sa.select(agencies.c.key, agencies.c.core).where(agencies.c.id.in_(ids))):
                keys.add(key)
                cores.add(core)
    printed = {str(a) for a in members["agency"].dropna()} if len(members) else set()
    out = []
    for name in expected:
        ident = identify(name, region)
        found = name in printed or (ident is not None and (ident.key in keys or ident.core in cores)) \
            or core_name(name) in cores
        if not found:
            out.append(name)
    return out


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
