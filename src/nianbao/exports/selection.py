"""Which reports an export is about: the `list` filters (region with its sub-regions, years,
agency, level, status, errors only), resolved to the store's report list."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import StoreError
from ..store import Store

LEVEL_ZH = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇（街道）", "department": "部门"}


@dataclass(frozen=True)
class Selection:
    """The filters of an export; every field is optional (nothing set: every report)."""

    region: str | None = None  # a division: agencies in it at any depth
    years: tuple[int, ...] = ()
    agency: str | int | None = None  # a name as any report prints it, or an agency id
    level: str | None = None  # province | city | county | township | department
    status: str | None = None  # ok | failed
    errors_only: bool = False  # only reports with at least one error
    ids: tuple[int, ...] | None = None  # only these reports (e.g. what a web page shows)

    def store_filters(self) -> dict[str, Any]:
        """The keyword filters of `Store.reports` / `wide` / `long`."""
        out: dict[str, Any] = {"region": self.region, "agency": self.agency, "level": self.level,
                               "status": self.status}
        if self.years:
            out["year"] = list(self.years)
        if self.ids is not None:
            out["ids"] = list(self.ids)
        return {k: v for k, v in out.items() if v is not None}

    def describe(self) -> str:
        """The selection in words, e.g. "淮安市 2024年度 乡镇（街道） 有错误的报告"."""
        parts = [self.region or "", "、".join(f"{y}年度" for y in self.years), str(self.agency or ""),
                 LEVEL_ZH.get(self.level or "", ""), {"ok": "已解析的报告", "failed": "无法解析的报告"}.get(self.status or "", ""),
                 "有错误的报告" if self.errors_only else "",
                 f"报告 {'、'.join(f'#{i}' for i in self.ids[:5])}{' 等' if len(self.ids) > 5 else ''}" if self.ids else ""]
        return " ".join(p for p in parts if p) or "全部报告"


def selected_reports(store: Store, sel: Selection, *, allow_empty: bool = False) -> pd.DataFrame:
    """The store's report list (one row per report, `Store.reports` columns) for `sel`;
    a StoreError when nothing matches (unless `allow_empty`)."""
    listed = store.reports(**sel.store_filters())
    if sel.errors_only:
        listed = listed[listed["n_errors"] > 0].reset_index(drop=True)
    if listed.empty and not allow_empty:
        raise StoreError(f"库中没有符合条件的报告（{sel.describe()}）。",
                         f"No stored report matches the filters ({sel.describe()}).")
    return listed


def member_reports(listed: pd.DataFrame) -> pd.DataFrame:
    """The parsed reports that a total counts: one per agency and year (the first stored;
    a second file of the same report is not counted twice), as `region_stats` does."""
    ok = listed[listed["status"] == "ok"].sort_values("id")
    keyed = ok["agency_id"].notna()
    first = ~ok.duplicated(["agency_id", "year"])
    return ok[~keyed | first].reset_index(drop=True)


def chunked(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
