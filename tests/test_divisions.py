"""Unit tests of administrative divisions (formats/divisions.py): a printed agency name
split into its region and the agency, chains read back from mirrors, the region printed
in front of a name."""
from __future__ import annotations

import pytest

from nianbao.formats.divisions import canonical_chain, region_before, split_agency


@pytest.mark.parametrize("printed, agency, region, level", [
    ("栖霞市寺口镇人民政府", "寺口镇人民政府", "栖霞市", "township"),   # a government: the division above
    ("咸宁市审计局", "咸宁市审计局", "咸宁市", "department"),           # a department: its own government's area
    ("淮安市人民政府", "淮安市人民政府", None, "city"),                 # nothing printed above it: never inferred
    ("江苏省淮安市人民政府", "淮安市人民政府", "江苏省", "city"),
    ("某某研究会", "某某研究会", None, "department"),                   # no division at all
])
def test_split_agency(printed: str, agency: str, region: str | None, level: str | None) -> None:
    got = split_agency(printed)
    assert (got.agency, got.region, got.level) == (agency, region, level)


def test_canonical_chain_reads_a_mirrors_variant_back() -> None:
    assert canonical_chain("澂江县") == "澄江县"
    assert canonical_chain("栖霞市") == "栖霞市"
    assert canonical_chain("栖霞市审计局") == "栖霞市审计局"  # not a chain of divisions: as it is


def test_region_before_takes_the_whole_printed_chain() -> None:
    assert region_before("重庆市九龙坡区二郎街道办事处2023年报告", "二郎街道") == "重庆市九龙坡区"
    assert region_before("孝感市政府研究室", "政府研究室", "市") == "孝感市"
    assert region_before("二郎街道办事处", "二郎街道") is None
