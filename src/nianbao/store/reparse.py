"""Re-reading stored originals after a parser upgrade: every report keeps its id (and its
cells their ids); its tables, sections, findings and status are replaced; then the
cross-report checks run again for what changed."""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .. import __version__
from . import crosscheck, db
from .ingest import ProgressFn, Task, default_workers, local_engine
from .parsed import Parsed, unpack_original
from .queries import _chunks
from .schema import STATUS_FAILED, STATUS_OK, originals, reports
from .writer import Writer


@dataclass
class ReparseSummary:
    considered: int = 0
    reparsed: int = 0
    now_ok: int = 0  # failed before, parsed now
    now_failed: int = 0
    changed_counts: int = 0  # reports whose error/warning counts changed
    skipped: int = 0  # no original stored
    seconds: float = 0.0


def reparse(engine: Engine, ids: Iterable[int] | None = None, *, everything: bool = False,
            workers: int | None = None, progress: ProgressFn | None = None, batch_size: int = 100) -> ReparseSummary:
    """Parse again the reports `ids`, or every report (`everything`), or by default those
    parsed by another parser version and those that failed."""
    started = time.perf_counter()
    stmt = sa.select(reports.c.id, reports.c.content_hash, reports.c.source_name, reports.c.status,
                     reports.c.n_errors, reports.c.n_warnings).order_by(reports.c.id)
    if ids is not None:
        stmt = stmt.where(reports.c.id.in_(list(ids)))
    elif not everything:
        stmt = stmt.where(sa.or_(reports.c.parser_version.is_(None), reports.c.parser_version != __version__,
                                 reports.c.status == STATUS_FAILED))
    with engine.connect() as conn:
        todo = conn.execute(stmt).all()
    summary = ReparseSummary(considered=len(todo))
    before = {r.content_hash: r for r in todo}
    id_of = {r.content_hash: r.id for r in todo}
    notify = progress or (lambda event, name: None)
    notify("total", str(len(todo)))

    def tasks() -> Iterator[Task]:
        for r in todo:
            with engine.connect() as conn:
                row = conn.execute(sa.select(originals.c.data, originals.c.compression)
                                   .where(originals.c.content_hash == r.content_hash)).first()
            if row is None:
                summary.skipped += 1
                notify("skipped", r.source_name or str(r.id))
                continue
            yield Task(r.source_name or str(r.id), unpack_original(row.data, row.compression), r.content_hash)

    writer = Writer(engine)
    batch: list[tuple[int, Parsed]] = []

    def flush() -> None:
        writer.replace(batch)
        for _, p in batch:
            old = before[p.content_hash]
            summary.reparsed += 1
            summary.now_ok += old.status == STATUS_FAILED and p.status == STATUS_OK
            summary.now_failed += old.status == STATUS_OK and p.status == STATUS_FAILED
            notify("failed" if p.status == STATUS_FAILED else "new", p.name)
        batch.clear()

    for parsed in local_engine(workers or default_workers())(tasks()):
        batch.append((id_of[parsed.content_hash], parsed))
        if len(batch) >= batch_size:
            flush()
    flush()
    ids_done = [r.id for r in todo]
    with db.write(engine) as conn:
        for chunk in _chunks(ids_done, 5000):
            conn.execute(reports.update().where(reports.c.id.in_(chunk)).values(cross_pending=True))
    crosscheck.run(engine)
    after: dict[int, tuple[int, int]] = {}
    with engine.connect() as conn:
        for chunk in _chunks(ids_done, 5000):
            for rid, errors, warnings in conn.execute(sa.select(reports.c.id, reports.c.n_errors, reports.c.n_warnings)
                                                      .where(reports.c.id.in_(chunk))):
                after[rid] = (errors, warnings)
    summary.changed_counts = sum(1 for r in todo if after.get(r.id, (r.n_errors, r.n_warnings)) != (r.n_errors, r.n_warnings))
    summary.seconds = time.perf_counter() - started
    return summary
