"""One agency across years: the store's comparison (as reviewed) and the trend of its key
figures, for the agency page and `GET /api/agencies/{id}`."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ...errors import StoreError
from ...numbers import whole
from ...store.compare import FIGURES, Comparison, figure_labels
from .. import queries
from ..deps import NotFound

if TYPE_CHECKING:  # pragma: no cover
    from ..app import WebState

TREND_FIGURES = ("applications", "granted", "partially_granted", "denied", "reviews", "suits")


def compare(st: "WebState", agency_id: int) -> Comparison:
    """The store's comparison of one agency's years (cached like the dashboards)."""
    try:
        return st.cache.get(("compare", agency_id), lambda: st.store.compare(agency_id))
    except StoreError as exc:
        raise NotFound(exc.message_zh, exc.message_en) from None


def trend(comparison: Comparison) -> dict[str, Any]:
    """The key figures by year, for the agency's trend chart."""
    labels = figure_labels()
    table = comparison.table.set_index("path") if len(comparison.table) else None
    series = []
    for key in TREND_FIGURES:
        values = []
        for year in comparison.years:
            total, seen = 0.0, False
            for path in FIGURES[key]:
                if table is not None and path in table.index:
                    v = table.at[path, year]
                    if not (isinstance(v, float) and math.isnan(v)):
                        total += float(v)
                        seen = True
            values.append(whole(total) if seen else None)
        series.append({"name": labels[key], "values": values})
    return {"years": [str(y) for y in comparison.years], "series": series}


def agency(st: "WebState", agency_id: int) -> dict[str, Any]:
    """The agency page's data: the agency, its comparison and trend, its reports."""
    from ...store.filters import ReportFilter

    info = queries.agency_info(st.engine, agency_id)
    if info is None:
        raise NotFound("没有这个机关。", f"No agency {agency_id}.")
    comparison = compare(st, agency_id)
    reports = queries.report_page(st.engine, ReportFilter(agency=agency_id), queries.ListOrder("year", False), 1, 100)
    return {"info": info, "comparison": comparison, "trend": trend(comparison), "reports": reports.rows}
