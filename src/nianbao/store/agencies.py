"""Agency identity: the same reporting body across years and title variants.

"平罗县头闸镇", "头闸镇人民政府" and "平罗县头闸镇人民政府" are one agency; "洪泽区人民政府"
and "洪泽区人民政府办公室" are two.  An agency is identified by

    core    its name without the government words (头闸镇, 洪泽区, 洪泽区审计局, 洪泽区政府办公室)
    anchor  the division that places it: the division code of a county-level or higher
            government, else the code (or the name) of the region it belongs to; "" when the
            report never says

`identify()` is pure (it runs in the parse workers); `AgencyResolver` maps identities to
rows of the `agencies` table, adopting an anchorless agency once a report places it.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..lazyre import lazy
from ..formats.divisions import Division, divisions_named, known_divisions, parse_chain, split_agency
from .db import insert_ignore
from .schema import agencies

# government words, longest first, and what they leave in the core name
_GOVERNMENT_SUFFIXES = (
    ("人民政府办公室", "政府办公室"),
    ("人民政府办公厅", "政府办公厅"),
    ("政府办公室", "政府办公室"),
    ("政府办公厅", "政府办公厅"),
    ("街道办事处", "街道"),
    ("人民政府", ""),
    ("办事处", ""),
    ("政府", ""),
)
_NOISE = lazy(r"[\s　·•()（）\[\]【】“”\"'《》]")
LEVELS = ("province", "city", "county", "township", "department")
_GOVERNMENT_LEVELS = ("province", "city", "county", "township")


@dataclass(frozen=True)
class AgencyIdentity:
    core: str
    anchor: str  # "" when unknown
    name: str  # display name
    region: str | None  # the division directly above
    level: str | None
    division_code: str | None
    path: str  # "/江苏省/淮安市/洪泽区/": the divisions it lies in (its own, for a government)

    @property
    def key(self) -> str:
        return f"{self.core}@{self.anchor}"


def core_name(name: str) -> str:
    """The name without spaces, brackets and trailing government words."""
    s = _NOISE.sub("", name)
    for suffix, keep in _GOVERNMENT_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            return s[: -len(suffix)] + keep
    return s


@lru_cache(maxsize=1)
def _names_by_code() -> dict[str, str]:
    return {d.code: d.name for name in known_divisions() for d in divisions_named(name) if d.code}


def division_path(code: str) -> list[str]:
    """Names of the province, city and county a division code lies in (itself included)."""
    names = _names_by_code()
    out: list[str] = []
    for part in (code[:2] + "0000", code[:4] + "00", code[:6]):
        name = names.get(part)
        if name and name not in out:
            out.append(name)
    return out


def _place(name: str | None, context: tuple[str, ...]) -> Division | None:
    """The bundled division called `name`, the one inside a division of `context` when several
    share the name (朝阳区 of 北京市, not of 长春市)."""
    if not name:
        return None
    found = divisions_named(name) or ((known_divisions()[name],) if name in known_divisions() else ())
    if len(found) > 1:
        for parent in (known_divisions().get(c) for c in context if c != name):
            if parent is None or not parent.code:
                continue
            prefix = parent.code[:2] if parent.level == "province" else parent.code[:4]
            inside = [d for d in found if d.code and d.code.startswith(prefix)]
            if inside:
                return inside[0]
    return found[0] if found else None


def identify(agency: str | None, region: str | None = None, level: str | None = None) -> AgencyIdentity | None:
    """The identity of an agency as a report names it (None when it names none)."""
    if not agency or not agency.strip():
        return None
    parsed = split_agency(_NOISE.sub("", agency))
    name = parsed.agency  # "平罗县头闸镇人民政府" -> 头闸镇人民政府 (in 平罗县)
    region = region or parsed.region
    level = level if level in LEVELS else parsed.level
    printed = parse_chain(_NOISE.sub("", region))[0] if region else []
    if len(printed) > 1:  # "重庆市九龙坡区", the whole chain as printed: placed by its last division
        region = printed[-1].name
    context = parsed.chain + tuple(d.name for d in printed[:-1]) + ((region,) if region else ())
    chain, _ = parse_chain(name)
    own = chain[-1] if chain else None
    own_core = core_name(own.name) if own is not None else ""
    core = core_name(name)
    government = own is not None and level in _GOVERNMENT_LEVELS and core.startswith(own_core)
    own_div = _place(own.name, context) if own is not None and own.code else None
    if government and own_div is not None:  # a county-level or higher government
        path = division_path(own_div.code or "")
        anchor = code = own_div.code
        region = region or (path[-2] if len(path) >= 2 else None)
    else:  # a township or a department, placed by its region or by the division it is named after
        place = own_div if own_div is not None and not government else _place(region, context) or own_div
        region = place.name if place is not None else region
        if place is not None and place.code:
            path, anchor, code = division_path(place.code), place.code, place.code
        else:
            path, anchor, code = ([region] if region else []), region or "", None
        if government and own_core not in path:
            path.append(own_core)
        if own is None and region and level == "department" and not core.startswith(core_name(region)):
            core = core_name(region) + core  # "审计局" of 洪泽区 is 洪泽区审计局
    return AgencyIdentity(core=core, anchor=anchor or "", name=name, region=region, level=level,
                          division_code=code, path="/" + "".join(p + "/" for p in path))


@dataclass
class _Known:
    id: int
    key: str
    anchor: str


class AgencyResolver:
    """Maps identities to agency ids for one writer.  The agencies are read from the
    database by name (core) as batches name them, one query per batch's new names, and
    kept: memory follows the agencies a run meets, not the store's size.  A concurrent
    writer's new agency is picked up through the unique key."""

    def __init__(self) -> None:
        self._by_key: dict[str, _Known] = {}
        self._by_core: dict[str, list[_Known]] = {}  # every stored agency of each core read so far

    def load(self, conn: Connection) -> None:
        """Forget what was read (after a rolled-back transaction, whose ids it may hold)."""
        self._by_key.clear()
        self._by_core.clear()

    def _read(self, conn: Connection, cores: Iterable[str]) -> None:
        """Read the stored agencies of `cores` not read yet (all of them: `_match` sees
        every agency of a core, as when every agency was in memory)."""
        todo = sorted(set(cores).difference(self._by_core))
        for core in todo:
            self._by_core[core] = []
        for chunk in _chunks(todo, 2000):
            for r in conn.execute(sa.select(agencies.c.id, agencies.c.key, agencies.c.core, agencies.c.anchor)
                                  .where(agencies.c.core.in_(chunk))):
                self._remember(r.core, _Known(r.id, r.key, r.anchor))

    def _remember(self, core: str, known: _Known) -> None:
        self._by_key[known.key] = known
        self._by_core.setdefault(core, []).append(known)

    def resolve(self, conn: Connection, idents: Sequence[AgencyIdentity | None]) -> list[int | None]:
        """The agency id of each identity, creating the agencies not known yet.  Identities
        that place their agency go first, so that "头闸镇人民政府" (no region) joins
        "平罗县头闸镇" even when both arrive in the same batch."""
        self._read(conn, (i.core for i in idents if i is not None))
        placed = [i for i in idents if i is not None and i.anchor]
        loose = [i for i in idents if i is not None and not i.anchor]
        for group in (placed, loose):
            new = {i.key: i for i in group if self._match(conn, i) is None}
            if new:
                self._insert(conn, list(new.values()))
        return [None if i is None else self._match(conn, i) for i in idents]

    def _insert(self, conn: Connection, new: list[AgencyIdentity]) -> None:
        stamp = datetime.now(timezone.utc)
        conn.execute(insert_ignore(conn, agencies), [
            dict(key=i.key, core=i.core, anchor=i.anchor, name=i.name, region=i.region, level=i.level,
                 division_code=i.division_code, path=i.path, created_at=stamp) for i in new])
        by_key = {i.key: i for i in new}
        for chunk in _chunks(list(by_key), 2000):
            for agency_id, key in conn.execute(sa.select(agencies.c.id, agencies.c.key).where(agencies.c.key.in_(chunk))):
                self._remember(by_key[key].core, _Known(agency_id, key, by_key[key].anchor))

    def _match(self, conn: Connection, ident: AgencyIdentity) -> int | None:
        hit = self._by_key.get(ident.key)
        if hit is not None:
            return hit.id
        same = self._by_core.get(ident.core, [])
        if not ident.anchor and len(same) == 1:
            return same[0].id  # the only agency of that name: this report just doesn't place it
        if ident.anchor and len(same) == 1 and not same[0].anchor:
            known = same[0]  # an agency known without a place: now we know where it is
            conn.execute(agencies.update().where(agencies.c.id == known.id).values(
                key=ident.key, anchor=ident.anchor, region=ident.region, division_code=ident.division_code,
                path=ident.path, level=ident.level))
            del self._by_key[known.key]
            known.key, known.anchor = ident.key, ident.anchor
            self._by_key[known.key] = known
            return known.id
        return None


def _chunks(seq: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


LIKE_ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` for a LIKE pattern with `LIKE_ESCAPE`: its %, _ and \\ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def region_pattern(region: str) -> str:
    """A LIKE pattern (escape character `LIKE_ESCAPE`) matching the paths of agencies in
    `region` (at any depth); a % or _ in the name matches only itself."""
    name = _NOISE.sub("", region)
    return f"%/{escape_like(name)}/%"


def in_region(path: sa.ColumnElement, region: str) -> sa.ColumnElement:
    """`path LIKE …`: the agencies in `region` (at any depth), wildcards in the name escaped."""
    return path.like(region_pattern(region), escape=LIKE_ESCAPE)
