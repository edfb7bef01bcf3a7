"""Which reports an export is about: a `ReportFilter` (the same filter as `Store.reports`,
the CLI's `list` and the web pages), resolved to the store's report list."""
from __future__ import annotations

import pandas as pd

from ..errors import StoreError
from ..store import Store
from ..store.filters import LEVEL_ZH, ReportFilter, chunked

__all__ = ["LEVEL_ZH", "ReportFilter", "chunked", "member_reports", "selected_ids", "selected_reports"]


def selected_reports(store: Store, sel: ReportFilter, *, allow_empty: bool = False) -> pd.DataFrame:
    """The store's report list (one row per report, `Store.reports` columns) for `sel`;
    a StoreError when nothing matches (unless `allow_empty`)."""
    listed = store.reports(where=sel)
    if listed.empty and not allow_empty:
        raise _nothing(sel)
    return listed


def selected_ids(store: Store, sel: ReportFilter) -> list[int]:
    """The ids of `sel`'s reports in `Store.reports` order, without the listing (what a data
    file needs); a StoreError when nothing matches."""
    from ..store.queries import report_ids

    with store.engine.connect() as conn:
        ids = report_ids(conn, sel)
    if not ids:
        raise _nothing(sel)
    return ids


def _nothing(sel: ReportFilter) -> StoreError:
    return StoreError(f"库中没有符合条件的报告（{sel.describe()}）。",
                      f"No stored report matches the filters ({sel.describe()}).")


def member_reports(listed: pd.DataFrame) -> pd.DataFrame:
    """The parsed reports that a total counts: one per agency and year (the first stored;
    a second file of the same report is not counted twice), as `region_stats` does."""
    ok = listed[listed["status"] == "ok"].sort_values("id")
    keyed = ok["agency_id"].notna()
    first = ~ok.duplicated(["agency_id", "year"])
    return ok[~keyed | first].reset_index(drop=True)
