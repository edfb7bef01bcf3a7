"""An input whose bytes are those of another input of the same run keeps its name, even when
the first one is still being parsed when the duplicate's batch is written."""
from __future__ import annotations

import sqlalchemy as sa

from nianbao import Store
from nianbao.store.ingest import ingest
from nianbao.store.parsed import parse_and_check
from nianbao.synth import corpus


def test_a_duplicate_of_an_input_still_being_parsed_keeps_its_name(tmp_path):
    a, b = (s.text.encode("utf-8") for s in corpus(2, seed=5, layouts=("txt",), corruption_rate=0.0))
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    seen: list[tuple[str, str]] = []

    def first_back_last(tasks):  # type: ignore[no-untyped-def]  # a parse engine: "a.txt" comes back after "b.txt"
        done = [parse_and_check(t.name, t.data, t.content_hash, budgeted=False) for t in tasks]
        yield from done[1:] + done[:1]

    summary = ingest(store.engine, [("a.txt", a), ("b.txt", b), ("a-copy.txt", a)], parse_engine=first_back_last,
                     batch_size=1, run_crosscheck=False, progress=lambda event, name: seen.append((event, name)))
    with store.engine.connect() as conn:
        names = conn.execute(sa.text("SELECT r.source_name, s.name FROM report_sources s "
                                     "JOIN reports r ON r.id = s.report_id ORDER BY s.name")).all()
    assert (summary.new, summary.duplicates) == (2, 1)
    assert sorted(names) == [("a.txt", "a-copy.txt"), ("a.txt", "a.txt"), ("b.txt", "b.txt")]
    assert ("duplicate", "a-copy.txt") in seen
    store.close()
