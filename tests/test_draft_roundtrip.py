"""Every draft nianbao writes (DOCX, HTML, Markdown) parses back with nianbao to exactly
the record it was drafted from: 1,200 random records in each format (3,600 documents),
both official formats, half with written prose and half with the drafting placeholders."""
from __future__ import annotations

import random

import pytest

from nianbao import draft, parse
from nianbao.synth import prose_for, random_record
from tests.support.roundtrip_util import differences

BATCHES = 6
PER_BATCH = 200


def drafts(batch: int):
    rng = random.Random(9000 + batch)
    for i in range(PER_BATCH):
        rec = random_record(rng)
        prose = prose_for(rec, rng) if i % 2 else None
        report = draft.build_record(draft.record_cells(rec), year=rec.year, agency=rec.agency, region=rec.region,
                                    template=rec.template)
        yield f"{batch}-{i}", rec, report, prose


@pytest.mark.slow
@pytest.mark.parametrize("fmt", draft.FORMATS)
@pytest.mark.parametrize("batch", range(BATCHES))
def test_drafts_parse_back_to_the_exact_record(fmt, batch):
    failures = []
    for name, rec, report, prose in drafts(batch):
        if int(name.split("-")[1]) % 25 == 0:  # the gate is slow: every 25th draft, with prose and without
            assert draft.gate(report, prose=prose).passed, (name, [f.message for f in draft.gate(report, prose=prose).errors])
        got = parse(draft.render(report, fmt, prose))
        diff = differences(got, rec)
        if diff:
            failures.append((name, rec.template, diff[:3]))
    assert not failures, failures[:5]
