"""A region's agencies, one year against another: every key figure of every agency that
reported in both years, the largest changes first, and the jumps a reviewer should look at
(0 → 82, 230 → 0, a figure ten times what it was) flagged.

    >>> changes = store.region_changes("淮安市", (2023, 2024))
    >>> changes.rows[0].agency, changes.rows[0].before, changes.rows[0].after, changes.rows[0].jump
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import pandas as pd
from sqlalchemy.engine import Connection

from ..errors import StoreError
from ..numbers import is_blank, number_text
from .compare import FIGURES, figure_labels, region_stats

JUMP_MIN = 10  # the smaller side of a jump: 0 → 3 is noise, 0 → 82 is not
JUMP_FACTOR = 10  # a figure this many times what it was (or a tenth of it) is a jump


@dataclass(frozen=True)
class Change:
    """One figure of one agency in the two years."""

    agency_id: int | None
    agency: str
    figure: str  # a key of store.compare.FIGURES
    label: str  # its Chinese heading (from the templates)
    before: float | None  # None: blank in the report (not zero)
    after: float | None
    delta: float | None  # after - before (None when either is blank)
    jump: str  # "" or why the change is flagged, in words: 由0增至82 / 由230降为0 / 增至原来的12倍
    report_before: int
    report_after: int


@dataclass(frozen=True)
class RegionChanges:
    region: str
    before_year: int
    after_year: int
    rows: list[Change]  # the largest changes first
    only_before: list[str] = field(default_factory=list)  # agencies that reported the first year only
    only_after: list[str] = field(default_factory=list)  # … the second year only

    @property
    def jumps(self) -> list[Change]:
        return [c for c in self.rows if c.jump]

    def frame(self) -> pd.DataFrame:
        """One row per change (the CSV and JSON shape)."""
        columns = [f for f in Change.__dataclass_fields__]
        return pd.DataFrame([asdict(c) for c in self.rows], columns=columns)


def jump_words(before: float | None, after: float | None) -> str:
    """Why a change is a jump, in words ("" when it is not one)."""
    if before is None or after is None:
        return ""
    b, a = number_text(before), number_text(after)
    if before == 0 and after >= JUMP_MIN:
        return f"由0增至{a}"
    if after == 0 and before >= JUMP_MIN:
        return f"由{b}降为0"
    if before > 0 and after > 0 and abs(after - before) >= JUMP_MIN:
        if after >= JUMP_FACTOR * before:
            return f"由{b}增至{a}，增至原来的{number_text(after / before, places=0)}倍"
        if before >= JUMP_FACTOR * after:
            return f"由{b}降至{a}，不到原来的十分之一"
    return ""


def _value(v: object) -> float | None:
    return None if is_blank(v) else float(v)  # type: ignore[arg-type]


def region_changes(conn: Connection, region: str, years: Sequence[int]) -> RegionChanges:
    """The agencies of `region` in the last two of `years` (one year: it and the year before)."""
    wanted = sorted(set(int(y) for y in years))
    if not wanted:
        raise StoreError("请指定要对比的年度。", "Give the years to compare.")
    before_year, after_year = (wanted[-1] - 1, wanted[-1]) if len(wanted) == 1 else (wanted[-2], wanted[-1])
    first = region_stats(conn, region, before_year).members
    second = region_stats(conn, region, after_year).members
    if first.empty and second.empty:
        raise StoreError(f"库中没有{region}在{before_year}、{after_year}年度已解析的报告。",
                         f"No parsed report of {region} in {before_year} or {after_year}.")
    key = lambda df: df["agency_id"].where(df["agency_id"].notna(), df["agency"])  # noqa: E731
    first, second = first.assign(key=key(first)), second.assign(key=key(second))
    both = first.merge(second, on="key", suffixes=("_0", "_1"))
    labels = figure_labels()
    rows = []
    for r in both.to_dict("records"):
        agency_id = None if is_blank(r["agency_id_1"]) else int(r["agency_id_1"])
        for fig in FIGURES:
            b, a = _value(r[f"{fig}_0"]), _value(r[f"{fig}_1"])
            if b is None and a is None:
                continue
            delta = None if b is None or a is None else a - b
            rows.append(Change(agency_id, str(r["agency_1"] or r["agency_0"] or ""), fig, labels[fig], b, a, delta,
                               jump_words(b, a), int(r["id_0"]), int(r["id_1"])))
    rows.sort(key=lambda c: (-(abs(c.delta) if c.delta is not None else -1), c.agency, list(FIGURES).index(c.figure)))
    names = lambda df: sorted(str(n) for n in df["agency"].dropna())  # noqa: E731
    return RegionChanges(region, before_year, after_year, rows,
                         names(first[~first["key"].isin(second["key"])]), names(second[~second["key"].isin(first["key"])]))
