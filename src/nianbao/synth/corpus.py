"""Corpora of samples: many random reports, or one region's agencies over several years
(with the carry-overs between years, and a share of deliberate errors)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..formats.divisions import known_divisions
from ..model import Report
from .damage import CORRUPTIONS, LOSSLESS, document
from .records import _DEPARTMENTS, _SYLLABLES, break_record, prose_for, random_record
from .wild import WILD_DAMAGE, WILD_FAMILIES, wild_record


@dataclass
class Sample:
    name: str
    record: Report
    layout: str
    corruptions: tuple[str, ...]
    text: str
    broken: str | None = None  # the rule a deliberately broken record violates
    prose: dict[str, str] = field(default_factory=dict)


def corpus(n: int, seed: int = 0, layouts: tuple[str, ...] = ("txt", "md", "pipe", "space"),
           invalid_rate: float = 0.0, corruption_rate: float = 0.5, lossy: bool = False,
           blanks: float = 0.0, partial: float = 0.0) -> list[Sample]:
    """`n` samples cycling through `layouts` (those of `render` and the scraped-page families
    of `synth.wild`), some with lossless corruptions (and lossy ones when `lossy`), some
    deliberately broken (`invalid_rate`); a share (`blanks`) with blank cells and words where
    real reports leave them, some of those (`partial`) holding only part of the tables."""
    rng = random.Random(seed)
    out = []
    pool = CORRUPTIONS if lossy else LOSSLESS
    for i in range(n):
        rec = random_record(rng)
        broken = None
        if rng.random() < invalid_rate:
            rec, broken = break_record(rng, rec)
        elif rng.random() < blanks:
            rec = wild_record(rng, rec, partial=rng.random() < partial)
        layout = layouts[i % len(layouts)]
        chosen: tuple[str, ...] = ()
        if layout in WILD_FAMILIES:
            if rng.random() < corruption_rate:
                chosen = tuple(rng.sample(WILD_DAMAGE, k=rng.randint(1, 3)))
        elif layout != "html" and rng.random() < corruption_rate:
            chosen = tuple(rng.sample(pool, k=rng.randint(1, 3)))
        text = document(rec, layout, rng, chosen)
        out.append(Sample(f"synth_{seed}_{i:05d}", rec, layout, chosen, text, broken))
    return out


def region_agencies(region: str, n: int, rng: random.Random) -> list[tuple[str, str | None, str]]:
    """`n` reporting bodies of `region` (a county or city in the bundled division list):
    its own government, departments, and townships or counties below it."""
    divisions = known_divisions()
    place = divisions.get(region)
    if place is None or place.code is None:
        raise ValueError(f"unknown region {region!r}")
    parent = next((d.name for d in divisions.values() if d.code == place.code[:4] + "00" and d.name != region), None)
    out: list[tuple[str, str | None, str]] = [(region + "人民政府", parent, place.level)]
    below = sorted({d.name for d in divisions.values() if d.code and d.code[:4] == place.code[:4]
                    and d.code != place.code and d.level == "county"}) if place.level == "city" else []
    for i in range(1, n):
        if below and i % 3 == 1:
            out.append((below[(i // 3) % len(below)] + "人民政府", region, "county"))
        elif i % 2:
            out.append((region + _DEPARTMENTS[(i // 2) % len(_DEPARTMENTS)], None, "department"))
        else:
            name = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)
            out.append((name + rng.choice(("镇人民政府", "乡人民政府", "街道办事处")), region, "township"))
    return list(dict.fromkeys(out))[:n]


def region_corpus(region: str, years: list[int], agencies: int = 12, seed: int = 0, invalid_rate: float = 0.15,
                  layouts: tuple[str, ...] = ("txt", "space", "md", "html")) -> list[Sample]:
    """Every agency of `region` reporting every year of `years`, each report carrying on from
    the last; about `invalid_rate` of them with a deliberate error (an arithmetic slip, a
    carry-over that does not match last year, or section 五 copied from last year)."""
    rng = random.Random(seed)
    out = []
    for a, agency in enumerate(region_agencies(region, agencies, rng)):
        previous: Report | None = None
        last_prose: dict[str, str] = {}
        for y in sorted(years):
            rec = random_record(rng, year=y, agency=agency, previous=previous)
            prose = prose_for(rec, rng)
            broken = None
            roll = rng.random()
            if previous is not None and roll < invalid_rate / 3:
                prose["problems"] = last_prose["problems"]
                broken = "G6"
            elif previous is not None and roll < 2 * invalid_rate / 3:
                for key in ("carried_over", "granted", "results_total"):  # consistent within the year
                    rec.table3[key] = [(v or 0) + 2 if c in (0, 6) else v for c, v in enumerate(rec.table3[key])]
                broken = "T3.6"
            elif roll < invalid_rate:
                rec, broken = break_record(rng, rec)
            clean = rec
            layout = layouts[(a + y) % len(layouts)]
            text = document(clean, layout, rng, prose=prose)
            out.append(Sample(f"{agency[0]}_{y}", clean, layout, (), text, broken, prose))
            previous, last_prose = rec, prose
    return out
