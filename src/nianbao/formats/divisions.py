"""Administrative divisions: split "栖霞市寺口镇人民政府" into region and agency.

County-level and higher names come from the list bundled with the `cpca` package
(its CSV only; nothing is downloaded).  Townships and sub-districts are recognised by
their suffix (镇 / 乡 / 街道 / 苏木) when followed by a government word or the end.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..lazyre import lazy

LEVELS = ("province", "city", "county", "township")

_TOWNSHIP = lazy(r"([\u4e00-\u9fff]{2,8}?(?:街道办事处|街道|镇|乡|苏木))(?=人民政府|政府|办事处|人大|党委|$|[(（])")
_GENERIC = lazy(r"([\u4e00-\u9fff]{2,5}?(?:自治区|自治州|自治县|省|市|州|盟|县|区|旗))(?=人民政府|政府|$)")
# an area the bundled list lacks, printed before a township ("西咸新区底张街道办事处")
_AREA_BEFORE_TOWNSHIP = lazy(
    r"([\u4e00-\u9fff]{2,6}?(?:新区|开发区|县|区|市|旗))(?=[\u4e00-\u9fff]{2,8}?(?:街道办事处|街道|镇|乡|苏木)(?:人民政府|政府|办事处|$|[(（]))")
GOVERNMENT_WORDS = ("人民政府办公室", "人民政府办公厅", "人民政府", "政府办公室", "政府办公厅", "政府", "街道办事处", "办事处")


@dataclass(frozen=True)
class Division:
    name: str
    level: str  # province | city | county | township
    code: str | None = None


def _adcodes_csv() -> str | None:
    """cpca's CSV, found without importing cpca (its import loads pandas and its own tables:
    most of a one-shot `nianbao check`)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        try:
            return Path(folder, "resources", "adcodes.csv").read_text(encoding="utf-8")
        except OSError:
            continue
    return None


@lru_cache(maxsize=1)
def _bundled() -> tuple[Division, ...]:
    """Every province, city and county of the bundled list, in its order."""
    raw = _adcodes_csv()
    if raw is None:  # pragma: no cover - dependency missing
        return ()
    out = []
    rows = csv.reader(io.StringIO(raw))  # (a plain reader: DictReader's dict per row cost start-up 10 ms)
    header = next(rows, [])
    if "adcode" not in header or "name" not in header:  # pragma: no cover - another layout
        return ()
    at_code, at_name = header.index("adcode"), header.index("name")
    for row in rows:
        code, name = (row[at_code], row[at_name]) if len(row) > max(at_code, at_name) else ("", "")
        if not name or len(code) < 6 or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        level = "province" if code[2:6] == "0000" else "city" if code[4:6] == "00" else "county"
        out.append(Division(name, level, code[:6]))
    return tuple(out)


def divisions_named(name: str) -> tuple[Division, ...]:
    """Every bundled division called `name` (朝阳区 is in 北京市 and in 长春市)."""
    return _by_name().get(name, ())


@lru_cache(maxsize=1)
def _by_name() -> dict[str, tuple[Division, ...]]:
    out: dict[str, list[Division]] = {}
    for d in _bundled():
        out.setdefault(d.name, []).append(d)
    return {k: tuple(v) for k, v in out.items()}


# names as they come back from a traditional-character mirror (浚县 -> 濬縣 -> 濬县), read as the
# canonical name: what `traditional_variants` computes with opencc from the bundled list, kept
# here because building opencc's two converters costs a one-shot command a tenth of a second
# (tests/test_metadata.py checks the two agree)
TRADITIONAL_VARIANTS = {"澂江县": "澄江县", "濬县": "浚县", "干县": "乾县", "干安县": "乾安县"}


@lru_cache(maxsize=1)
def known_divisions() -> dict[str, Division]:
    """Name -> Division for every province, city and county in the bundled list."""
    out: dict[str, Division] = {}
    for d in _bundled():
        out.setdefault(d.name, d)
    for variant, name in TRADITIONAL_VARIANTS.items():
        if name in out and variant not in out:
            out[variant] = out[name]
    return out


def traditional_variants(names: list[str]) -> dict[str, str]:
    """Variant -> name: each name through simplified->traditional->simplified and
    traditional->simplified with opencc, where that changes it and the result is no other name."""
    import opencc

    known = set(names)
    out: dict[str, str] = {}
    t2s = opencc.OpenCC("t2s")
    joined = "\n".join(names)
    for converted in (t2s.convert(opencc.OpenCC("s2t").convert(joined)), t2s.convert(joined)):
        for name, variant in zip(names, converted.split("\n")):
            if variant != name and variant not in known and variant not in out:
                out[variant] = name
    return out


@lru_cache(maxsize=1)
def _name_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(n) for n in known_divisions()}, reverse=True))


def parse_chain(text: str) -> tuple[list[Division], str]:
    """Leading divisions of `text`, and the rest: "淮安市洪泽区审计局" -> ([淮安市, 洪泽区], "审计局")."""
    chain: list[Division] = []
    pos = 0
    known = known_divisions()
    while pos < len(text):
        hit = None
        for n in _name_lengths():
            cand = text[pos : pos + n]
            if len(cand) == n and cand in known:
                hit = known[cand]
                break
        if hit is None and (not chain or chain[-1].level in ("province", "city")):
            m = _AREA_BEFORE_TOWNSHIP.match(text, pos)
            if m:
                hit = Division(m.group(1), "county")
        if hit is None and (not chain or chain[-1].level in ("county", "city")):
            m = _TOWNSHIP.match(text, pos)
            if m:
                hit = Division(m.group(1), "township")
        if hit is None and not chain:
            m = _GENERIC.match(text, pos)
            if m:
                name = m.group(1)
                hit = Division(name, "county" if name[-1] in "县区旗" else "city")
        if hit is None:
            break
        chain.append(hit)
        pos += len(cand) if hit.code and cand in known else len(hit.name)
    return chain, text[pos:]


@dataclass(frozen=True)
class AgencyName:
    agency: str
    region: str | None
    level: str | None  # province | city | county | township | department | None
    chain: tuple[str, ...] = ()


@lru_cache(maxsize=64)  # (frozen result; a report's metadata asks for the same name more than once)
def split_agency(text: str) -> AgencyName:
    """Agency and region from a name as a report prints it.

    Government bodies keep their own place name, and the region is the division above
    ("栖霞市寺口镇人民政府" -> 寺口镇人民政府 in 栖霞市); departments keep the place name of
    the government they belong to, which is also their region ("咸宁市审计局" -> 咸宁市).
    """
    text = text.strip()
    chain, rest = parse_chain(text)
    if not chain:
        return AgencyName(text, None, "department" if rest else None)
    names = tuple(d.name for d in chain)
    last = chain[-1]
    if not rest or rest.startswith(GOVERNMENT_WORDS):
        region = chain[-2].name if len(chain) >= 2 else None
        return AgencyName(last.name + rest, region, last.level, names)
    return AgencyName(last.name + rest, last.name, "department", names)


def canonical_chain(text: str) -> str:
    """Divisions as printed, under their own names: a traditional mirror's variant read back
    ("澂江县" -> 澄江县); text that is not a chain of divisions as it is."""
    chain, rest = parse_chain(text)
    return "".join(d.name for d in chain) if chain and not rest else text


def region_before(text: str, name: str, ending: str = "") -> str | None:
    """The known divisions printed just before `name` in `text`, the whole chain as printed
    ("重庆市九龙坡区二郎街道", 二郎街道 -> 重庆市九龙坡区); with `ending`, the division must end
    in it ("孝感市政府研究室", 政府研究室 and 市 -> 孝感市)."""
    known = known_divisions()
    start = 0
    while True:
        i = text.find(name, start)
        if i < 0:
            return None
        end = i
        parts: list[str] = []
        while True:
            for n in _name_lengths():
                cand = text[end - n : end]
                if n <= end and cand in known and (end < i or cand.endswith(ending)):
                    end -= n
                    parts.append(known[cand].name)  # a mirror's variant (澂江县) read as its name
                    break
            else:
                break
        if parts:
            return "".join(reversed(parts))
        start = i + len(name)
