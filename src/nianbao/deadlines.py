"""When an annual report is due (条例 第四十九条; domain.md §3.1), as data.

* departments of county-level and higher governments: by 31 January of the next year;
* county-level and higher governments' own reports: by 31 March;
* townships (乡镇、街道) and other bodies: no national date - provinces and cities set
  their own, so there is no default; an override gives one.

Overrides (the `deadlines` table of the store, edited on the 截止日期 page or with
`nianbao deadline set`) are keyed by agency level and region; the most specific one wins:
a rule for a region the agency lies in (the deepest such region) over a rule for every
region (region "") over the default below.  Pure functions; the store reads the table.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .words import BODY_NAMES as LEVEL_NAMES  # noqa: E402 - whose deadline, named
BASIS = "《中华人民共和国政府信息公开条例》第四十九条"

# level -> (month, day) of the year after the reporting year; None: set by local rules
DEFAULTS: dict[str, tuple[int, int] | None] = {
    "department": (1, 31),
    "county": (3, 31),
    "city": (3, 31),
    "province": (3, 31),
    "township": None,
}


@dataclass(frozen=True)
class Override:
    level: str
    region: str  # "" for every region
    month: int
    day: int
    note: str = ""


@dataclass(frozen=True)
class Deadline:
    due: date
    source: str  # where it comes from, in words (the 条例, or the local rule's note)


def check_month_day(month: int, day: int) -> None:
    """A valid calendar day (29 February is refused: it is not due every year)."""
    try:
        date(2001, month, day)
    except (ValueError, TypeError):
        from .errors import UnreadableInput

        raise UnreadableInput(f"日期无效：{month}月{day}日。", f"Not a valid day: month {month}, day {day}.") from None


def regions_of(path: str | None, region: str | None) -> list[str]:
    """The divisions an agency lies in, outermost first ("/江苏省/淮安市/洪泽区/" -> three)."""
    parts = [p for p in (path or "").split("/") if p]
    if region and region not in parts:
        parts.append(region)
    return parts


def applicable(level: str | None, path: str | None, region: str | None, overrides: list[Override]) -> Override | None:
    """The most specific override for an agency of `level` lying in `path`/`region`."""
    if not level:
        return None
    places = regions_of(path, region)
    best: tuple[int, Override] | None = None
    for o in overrides:
        if o.level != level:
            continue
        depth = 0 if o.region == "" else (places.index(o.region) + 1 if o.region in places else -1)
        if depth >= 0 and (best is None or depth > best[0]):
            best = (depth, o)
    return best[1] if best else None


def deadline(year: int | None, level: str | None, path: str | None = None, region: str | None = None,
             overrides: list[Override] | None = None) -> Deadline | None:
    """The date the report of reporting year `year` is due, or None where nothing says."""
    if not year or not level:
        return None
    found = applicable(level, path, region, overrides or [])
    if found is not None:
        where = found.region or "各地"
        return Deadline(date(year + 1, found.month, found.day), found.note or f"{where}规定")
    default = DEFAULTS.get(level)
    if default is None:
        return None
    return Deadline(date(year + 1, *default), BASIS)


def parse_date(text: str | None) -> date | None:
    """An ISO date ("2024-01-31") or None."""
    try:
        return date.fromisoformat((text or "").strip()[:10]) if text else None
    except ValueError:
        return None


def days_late(published: date | None, due: date | None) -> int | None:
    """Days after the deadline (0 or fewer: on time); None when either is unknown."""
    if published is None or due is None:
        return None
    return (published - due).days
