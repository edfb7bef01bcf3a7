"""A region's agencies, one year against the other: the one data function behind the page
(/dashboard/changes), its CSV and the JSON API (/api/stats/changes), which only render it."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ...numbers import plain
from ...store import Store
from ...store.changes import Change, RegionChanges
from ..queries import MAX_PER_PAGE

CSV_HEADERS = ("机关", "项目", "上一年度", "本年度", "变化", "突变")


@dataclass(frozen=True)
class ChangesView:
    changes: RegionChanges
    rows: list[Change]  # what is shown: all, or only the jumps; the largest changes first
    jumps_only: bool

    def to_dict(self) -> dict[str, Any]:
        c = self.changes
        return {"region": c.region, "before_year": c.before_year, "after_year": c.after_year,
                "total": len(c.rows), "jumps": len(c.jumps), "only_before": c.only_before, "only_after": c.only_after,
                "rows": [{"agency_id": r.agency_id, "agency": r.agency, "figure": r.figure, "label": r.label,
                          "before": plain(r.before), "after": plain(r.after), "delta": plain(r.delta), "jump": r.jump,
                          "report_before": r.report_before, "report_after": r.report_after} for r in self.rows]}

    def csv_rows(self) -> Iterator[list[Any]]:
        for r in self.rows:
            yield [r.agency, r.label, plain(r.before), plain(r.after), plain(r.delta), r.jump]


def region_years(years_text: str | None, known: list[int], before: int | None, after: int | None) -> list[int]:
    """The two years to compare: `before`/`after`, else "2023,2024" / "2023 2024", else the
    latest year known and the one before."""
    if after:
        return [before or after - 1, after]
    picked = [int(p) for p in (years_text or "").replace("，", ",").replace(",", " ").split()
              if p.isascii() and p.isdigit() and len(p) == 4]
    if picked:
        return sorted(set(picked))[-2:]
    return [known[0] - 1, known[0]] if known else []


def load(store: Store, region: str, years: list[int], jumps_only: bool = False, limit: int = MAX_PER_PAGE) -> ChangesView:
    changes = store.region_changes(region, years)
    rows = changes.jumps if jumps_only else changes.rows
    return ChangesView(changes, rows[:limit], jumps_only)
