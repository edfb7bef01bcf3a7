"""Random records rendered in every text layout parse back exactly; damaged layouts never
move a value into another row."""
from __future__ import annotations

import pytest

from roundtrip_util import differences
from nianbao import check, parse_text
from nianbao.synth import corpus

BATCHES = 10
PER_BATCH = 250  # 2,500 documents, every layout, most with lossless damage


@pytest.mark.parametrize("batch", range(BATCHES))
def test_lossless_layouts_round_trip_exactly(batch):
    samples = corpus(PER_BATCH, seed=1000 + batch, layouts=("txt", "md", "pipe", "space"), corruption_rate=0.7)
    failures = []
    for s in samples:
        got = parse_text(s.text)
        diff = differences(got, s.record)
        if diff:
            failures.append((s.name, s.layout, s.corruptions, diff[:2]))
    assert not failures, failures[:5]


@pytest.mark.parametrize("batch", range(4))
def test_damaged_layouts_never_shift_a_value_into_another_row(batch):
    samples = corpus(200, seed=2000 + batch, layouts=("txt", "md", "pipe", "space"), corruption_rate=1.0, lossy=True)
    for s in samples:
        got = parse_text(s.text)
        flagged = {f.location.get("row") for f in check(got) if f.rule in ("N3", "N4")}
        for table in ("table2", "table3", "table4"):
            for key, row in getattr(got, table).items():
                want = getattr(s.record, table).get(key)
                assert want is not None, (s.name, "invented row", key)
                pairs = zip(row, want) if isinstance(row, list) else ((row[k], want[k]) for k in row)
                for value, truth in pairs:
                    if value is not None and value != truth:
                        assert key in flagged, (s.name, s.layout, s.corruptions, table, key, row, want)


def test_deliberately_broken_records_are_reported():
    samples = corpus(200, seed=3000, invalid_rate=1.0, corruption_rate=0.3)
    for s in samples:
        found = {f.rule for f in check(parse_text(s.text)) if f.severity == "error"}
        assert s.broken in found, (s.name, s.broken, found)
