"""Coverage of a region's review season: which agencies should report (one list per region
kept across years, by default the agencies that filed the year before), which have filed
(已报), which have not (缺报), which filed after their deadline (迟报), and the season's
progress toward its deadlines (counts per review status, days left)."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..deadlines import DEFAULTS, Deadline, days_late, deadline, parse_date
from ..errors import LimitExceeded
from ..store.agencies import core_name, identify
from ..store.deadlines import overrides, report_deadlines
from ..store.lifecycle import visible
from ..store.queries import report_select
from ..store.schema import STATUS_OK, agencies, reports
from ..store.agencies import in_region
from .accounts import User
from .db import now, write
from .reviews import audit
from .schema import REVIEW_STATUSES, expected_agencies

MAX_EXPECTED = 5000
REGION_LIST = 0  # expected_agencies.year of the list kept across years
# header cells of an uploaded list (the column holding the names, or a row to skip)
NAME_HEADERS = ("单位名称", "机关名称", "机构名称", "部门名称", "名称", "单位", "机关", "报送单位", "应报单位", "应报机关")
SKIP_HEADERS = ("序号", "编号", "No", "NO", "no")


@dataclass
class ExpectedList:
    names: list[str]
    source: str  # year (a list of that year, kept from earlier versions) | region | default | none
    from_year: int | None = None  # the year whose filers make the default list


# --------------------------------------------------------------------------- parsing a list


def _cells(text: str) -> list[list[str]]:
    """Rows of a text/CSV list (comma, tab or Chinese comma between cells)."""
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([line.replace("\t", ",").replace("，", ",")]), [])
        rows.append([c.strip().strip('"').strip() for c in cells])
    return rows


def _is_header(cell: str) -> bool:
    return cell.replace(" ", "") in NAME_HEADERS


def names_from_rows(rows: list[list[str]]) -> list[str]:
    """Agency names from a list's rows, with or without a header row: the column headed
    单位名称 (or a like word) if there is one, else the first column that is not a running
    number; the header itself is never a name."""
    rows = [r for r in rows if any(c for c in r)]
    column = 0
    if rows and any(_is_header(c) for c in rows[0]):
        column = next(i for i, c in enumerate(rows[0]) if _is_header(c))
        rows = rows[1:]
    elif rows and rows[0] and rows[0][0].replace(" ", "") in SKIP_HEADERS:
        rows = rows[1:]
        column = 1
    elif rows and all(len(r) > 1 and re.fullmatch(r"\d{1,5}[.、]?", r[0] or "0") for r in rows):
        column = 1  # a running number in front of each name
    names: dict[str, None] = {}
    for r in rows:
        name = r[column].strip() if column < len(r) else ""
        if name and not _is_header(name):
            names[name[:200]] = None
    if len(names) > MAX_EXPECTED:
        raise LimitExceeded(f"名单过长（{len(names)} 个，上限 {MAX_EXPECTED} 个）。",
                            f"The list is too long ({len(names)} names; the limit is {MAX_EXPECTED}).")
    return list(names)


def parse_names(text: str) -> list[str]:
    return names_from_rows(_cells(text))


def xlsx_rows(data: bytes) -> list[list[str]]:
    """The rows of an XLSX list's first sheet, as text."""
    from openpyxl import load_workbook

    from ..errors import UnreadableInput

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any broken workbook is the same message
        raise UnreadableInput("无法读取该 Excel 文件。", "The workbook cannot be read.") from None
    rows = []
    for r in wb.worksheets[0].iter_rows(max_col=20, values_only=True):
        rows.append(["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)).strip()
                     for v in r])
        if len(rows) > MAX_EXPECTED + 10:
            break
    return rows


# --------------------------------------------------------------------------- the list in force


def _stored(engine: Engine, region: str, year: int) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(expected_agencies.c.name).where(
            expected_agencies.c.region == region, expected_agencies.c.year == year).order_by(expected_agencies.c.id))
            .scalars())


def filers(engine: Engine, region: str, year: int) -> list[str]:
    """The agencies of `region` with a report in force for `year` (by name, in order)."""
    stmt = (report_select(sa.func.coalesce(agencies.c.name, reports.c.agency).label("name"))
            .where(reports.c.year == year, reports.c.status == STATUS_OK, visible(),
                   sa.or_(in_region(agencies.c.path, region),
                          sa.and_(reports.c.agency_id.is_(None), reports.c.region == region)))
            .order_by(reports.c.id))
    with engine.connect() as conn:
        return list(dict.fromkeys(n for n in conn.execute(stmt).scalars() if n))


def expected_list(engine: Engine, region: str, year: int) -> ExpectedList:
    """The agencies expected to report for `region` and `year`: a list of that very year (as
    earlier versions kept them), else the region's list, else last year's filers."""
    own = _stored(engine, region, year)
    if own:
        return ExpectedList(own, "year")
    kept = _stored(engine, region, REGION_LIST)
    if kept:
        return ExpectedList(kept, "region")
    last = filers(engine, region, year - 1)
    return ExpectedList(last, "default", year - 1) if last else ExpectedList([], "none")


def set_expected(engine: Engine, user: User, region: str, year: int | None, names: list[str]) -> int:
    """Replace the region's list (kept across years); a list of `year` itself gives way."""
    stamp = now()
    with write(engine) as conn:
        years = [REGION_LIST] + ([year] if year else [])
        conn.execute(expected_agencies.delete().where(expected_agencies.c.region == region,
                                                      expected_agencies.c.year.in_(years)))
        if names:
            conn.execute(expected_agencies.insert(), [dict(region=region, year=REGION_LIST, name=n,
                                                           created_by=user.name, created_at=stamp) for n in names])
        audit(conn, user, "expected.set", target=region, detail={"count": len(names), "year": year})
    return len(names)


# --------------------------------------------------------------------------- who has filed


@dataclass
class Entry:
    name: str
    state: str  # filed | late | missing
    report_id: int | None = None
    agency: str | None = None  # as the report names it
    published: str | None = None
    due: Deadline | None = None
    late_days: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "report_id": self.report_id, "agency": self.agency,
                "published": self.published, "due": self.due.due.isoformat() if self.due else None,
                "late_days": self.late_days}


def _agency_id(r: dict) -> int | None:
    v = r.get("agency_id")
    return int(v) if v is not None and pd.notna(v) else None


def _match(engine: Engine, members: pd.DataFrame, region: str, names: list[str]) -> dict[str, dict | None]:
    """Each expected name's report among `members` (matched by the store's agency identity:
    the same body under a variant of its name counts)."""
    rows = members.to_dict("records") if len(members) else []
    ids = [i for i in map(_agency_id, rows) if i is not None]
    keyed: dict[int, tuple[str, str]] = {}
    if ids:
        with engine.connect() as conn:
            keyed = {i: (k, c) for i, k, c in conn.execute(sa.select(agencies.c.id, agencies.c.key, agencies.c.core)
                                                             .where(agencies.c.id.in_(ids)))}
    out: dict[str, dict | None] = {}
    for name in names:
        ident = identify(name, region)
        wanted = {ident.key, ident.core} if ident is not None else set()
        wanted.add(core_name(name))

        def same(r: dict) -> bool:
            key, core = keyed.get(_agency_id(r) or -1, ("", ""))
            return r.get("agency") == name or bool({key, core} & wanted - {""})

        out[name] = next((r for r in rows if same(r)), None)
    return out


def entries(engine: Engine, members: pd.DataFrame, region: str, year: int, names: list[str]) -> list[Entry]:
    """已报 / 迟报 / 缺报 of each expected agency."""
    matched = _match(engine, members, region, names)
    ids = [int(r["id"]) for r in matched.values() if r is not None]
    with engine.connect() as conn:
        dates = report_deadlines(conn, ids)
        table = overrides(conn)
    out = []
    for name in names:
        r = matched[name]
        if r is None:
            ident = identify(name, region)
            due = deadline(year, ident.level if ident else None, ident.path if ident else None, region, table)
            out.append(Entry(name, "missing", due=due))
            continue
        due, published = dates.get(int(r["id"]), (None, None))
        late = days_late(parse_date(published), due.due if due else None)
        out.append(Entry(name, "late" if late is not None and late > 0 else "filed", int(r["id"]), r.get("agency"),
                         published, due, late))
    return out


# --------------------------------------------------------------------------- progress


@dataclass
class Progress:
    statuses: dict[str, int]  # review status -> reports
    deadlines: list[dict[str, Any]] = field(default_factory=list)  # {"label", "due", "days_left"}
    late: list[Entry] = field(default_factory=list)
    overdue: list[Entry] = field(default_factory=list)  # missing after their deadline


def progress(engine: Engine, members: pd.DataFrame, region: str, year: int, listed: list[Entry],
             today: date | None = None) -> Progress:
    from .season import statuses

    today = today or date.today()
    ids = [int(i) for i in members["id"]] if len(members) else []
    counts = {s: 0 for s in REVIEW_STATUSES}
    for s in statuses(engine, ids).values():
        counts[s] += 1
    with engine.connect() as conn:
        table = overrides(conn)
    dues: dict[str, date] = {}
    for level, md in DEFAULTS.items():
        d = deadline(year, level, None, region, table)
        if d is not None:
            dues.setdefault(f"{d.due.month}月{d.due.day}日", d.due)
    for o in table:
        if o.region in ("", region):
            due = date(year + 1, o.month, o.day)
            dues.setdefault(f"{due.month}月{due.day}日", due)
    deadlines_ = [{"label": k, "due": v.isoformat(), "days_left": (v - today).days}
                  for k, v in sorted(dues.items(), key=lambda kv: kv[1])]
    late = [e for e in listed if e.state == "late"]
    overdue = [e for e in listed if e.state == "missing" and e.due is not None and e.due.due < today]
    return Progress(counts, deadlines_, late, overdue)
