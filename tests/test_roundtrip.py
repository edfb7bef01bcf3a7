"""Random records rendered in every text layout parse back exactly; damaged layouts never
move a value into another row."""
from __future__ import annotations

import pytest

from tests.support.roundtrip_util import differences
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


@pytest.mark.parametrize("batch", range(4))
def test_blank_cells_stay_blank_in_every_lossless_layout(batch):
    """Records with blanks where real reports leave them (only 总计 printed, blank rows and
    applicant columns, words in cells) come back with the blanks null in every layout that
    prints a blank cell — never filled in by the arithmetic."""
    samples = corpus(150, seed=4000 + batch, layouts=("txt", "md", "pipe", "html"), corruption_rate=0.5, blanks=1.0)
    failures = []
    for s in samples:
        got = parse_text(s.text)
        diff = differences(got, s.record)
        inferred = [p for p, prov in got.provenance.items() if prov.method == "arithmetic"]
        if diff or inferred:
            failures.append((s.name, s.layout, s.corruptions, diff[:2], inferred[:2]))
    assert not failures, failures[:5]


@pytest.mark.parametrize("batch", range(2))
def test_blank_cells_in_pdf_text_are_never_a_wrong_number(batch):
    """In space-separated PDF text a blank cell leaves no trace: a row printing fewer numbers
    than columns gives its numbers back where the arithmetic places them, or null with a
    finding (N3) — never a number in the wrong cell."""
    samples = corpus(150, seed=4100 + batch, layouts=("space",), corruption_rate=0.5, blanks=1.0)
    for s in samples:
        got = parse_text(s.text)
        flagged = {f.location.get("row") for f in check(got) if f.rule in ("N2", "N3")}
        for table in ("table2", "table3", "table4"):
            for key, want in getattr(s.record, table).items():
                row = getattr(got, table).get(key)
                if row is None:
                    continue
                pairs = zip(row, want) if isinstance(row, list) else ((row[k], want[k]) for k in row)
                for value, truth in pairs:
                    assert value is None or value == truth, (s.name, table, key, row, want)
                    if value is None and truth is not None:
                        assert key in flagged or table == "table4", (s.name, table, key, row, want)
