"""Writing parsed reports: one transaction per batch, idempotent by content hash.

`Writer.write(batch)` stores new reports (an input whose hash is already stored only adds
the name it was seen under); `Writer.replace(items)` rewrites stored reports in place after
a reparse, keeping their ids.  Each table gets one multi-row
statement per batch; the ids of new reports and sections are reserved up front, so no row
has to be read back.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import db, search
from .bulk import insert_rows
from .db import insert_ignore
from .agencies import AgencyResolver
from .parsed import Parsed
from .records import compress_vector, split_path
from .schema import (SCOPE_REPORT, cell_keys, documents, findings, originals, report_cells, report_sources,
                     report_values, reports, sections)

_META = ("agency", "region", "level", "year", "template", "title", "publish_date", "reader", "encoding", "pages",
         "parser_version")
_FINDING_FIELDS = ("rule", "severity", "status", "message", "location", "expected", "actual", "detail", "signature")
_FINDING_COLUMNS = ("report_id", "scope", "related_report_id", *_FINDING_FIELDS)


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Written:
    parsed: Parsed
    report_id: int
    new: bool  # False: the same bytes were already stored (only the name was added)


class CellKeys:
    """Cell paths <-> small integer ids (the `cell_keys` table), cached."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self._positions: dict[str, Any] = {}  # a report's value_paths (Parsed) -> each path's vector index

    def load(self, conn: Connection) -> None:
        self.ids = {r.path: r.id for r in conn.execute(sa.select(cell_keys.c.id, cell_keys.c.path))}
        self._positions = {}

    def ensure(self, conn: Connection, paths: Iterable[str]) -> None:
        """Register the paths not seen before (a cell keeps its id: its report and path)."""
        missing = sorted(set(paths).difference(self.ids))
        if not missing:
            return
        rows = [dict(zip(("path", "tbl", "row", "col"), (p, *split_path(p)))) for p in missing]
        conn.execute(insert_ignore(conn, cell_keys), rows)
        self.load(conn)

    def ensure_lists(self, conn: Connection, lists: Iterable[str]) -> None:
        """`ensure` the paths of reports' `value_paths` (most reports of a template share one)."""
        new = {s for s in lists if s and s not in self._positions}
        if new:
            self.ensure(conn, {path for s in new for path in s.split("\n")})

    def positions(self, value_paths: str) -> Any:
        """The vector index (id - 1) of each path of a report's `value_paths`, as a numpy array."""
        idx = self._positions.get(value_paths)
        if idx is None:
            import numpy as np

            if len(self._positions) >= 4096:
                self._positions.clear()
            ids = self.ids
            idx = np.array([ids[path] - 1 for path in value_paths.split("\n")], dtype=np.intp)
            self._positions[value_paths] = idx
        return idx

    def vector(self, value_paths: str, value_data: bytes) -> bytes:
        """A report's values (`Parsed.value_paths`, `value_data`) as a stored `report_values.data`
        (a little-endian float64 per cell key, index = id - 1, NaN where blank, compressed
        by records.compress_vector)."""
        import numpy as np

        vec = np.full(self.size, np.nan, dtype="<f8")
        vec[self.positions(value_paths)] = np.frombuffer(value_data, dtype="<f8")
        return compress_vector(vec.tobytes())

    @property
    def size(self) -> int:
        return max(self.ids.values(), default=0)


def reserve_ids(conn: Connection, table: sa.Table, n: int) -> list[int]:
    """`n` unused ids of `table` (inside a write transaction, which holds SQLite's lock;
    PostgreSQL draws them from the table's sequence)."""
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = f"{table.name}_id_seq"
        return list(conn.execute(sa.text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
                                 {"seq": seq, "n": n}).scalars())
    start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one() + 1
    return list(range(start, start + n))


class Writer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.keys = CellKeys()
        self.agencies = AgencyResolver()
        self.forget()

    def forget(self) -> None:
        """(Re)load the caches from the database (after a rolled-back transaction, whose
        ids they may hold)."""
        with self.engine.connect() as conn:
            self.keys.load(conn)
            self.agencies.load(conn)

    def _transaction(self, work: Any) -> Any:
        """Run `work(conn)` in one write transaction; retried once when a concurrent writer
        stored the same report first (a unique-constraint conflict)."""
        for attempt in (1, 2):
            try:
                with db.write(self.engine) as conn:
                    return work(conn)
            except sa.exc.IntegrityError:
                self.forget()
                if attempt == 2:
                    raise
            except BaseException:
                self.forget()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    # ------------------------------------------------------------------ new reports
    def write(self, batch: Sequence[Parsed], aliases: Sequence[tuple[str, str]] = ()) -> list[Written]:
        """Store a batch in one transaction; `aliases` are (content hash, name) pairs of
        inputs whose bytes are already stored (or are in this batch)."""
        if not batch and not aliases:
            return []
        return self._transaction(lambda conn: self._write(conn, batch, aliases))

    def _write(self, conn: Connection, batch: Sequence[Parsed], aliases: Sequence[tuple[str, str]]) -> list[Written]:
        hashes = sorted({p.content_hash for p in batch})
        present: dict[str, int] = {}
        for chunk in _chunks(hashes, 5000):
            present.update(conn.execute(sa.select(reports.c.content_hash, reports.c.id)
                                        .where(reports.c.content_hash.in_(chunk))).all())
        fresh: dict[str, Parsed] = {}
        for p in batch:
            if p.content_hash not in present:
                fresh.setdefault(p.content_hash, p)
        ids = dict(zip(fresh, reserve_ids(conn, reports, len(fresh))))
        stamp = now()
        blobs = [{"content_hash": p.content_hash, "size": p.size or 0, "compression": p.compression, "data": p.original}
                 for p in fresh.values() if p.original is not None]
        if blobs:
            conn.execute(insert_ignore(conn, originals), blobs)
        agency_ids = self.agencies.resolve(conn, [p.agency for p in fresh.values()])
        rows = [dict(self._report_columns(p, stamp), agency_id=agency_id, id=ids[h], content_hash=h, size=p.size,
                     source_name=p.name, ingested_at=stamp, cross_pending=True)
                for (h, p), agency_id in zip(fresh.items(), agency_ids)]
        if rows:
            conn.execute(reports.insert(), rows)
        written = [(ids[h], p) for h, p in fresh.items()]
        self._write_children(conn, written, stamp)
        out = []
        for p in batch:
            is_new = p.content_hash in fresh and fresh[p.content_hash] is p
            out.append(Written(p, ids[p.content_hash] if p.content_hash in ids else present[p.content_hash], is_new))
        again = [(w.parsed.content_hash, w.parsed.name) for w in out if not w.new]
        self._add_aliases(conn, list(aliases) + again, stamp)
        return out

    @staticmethod
    def _report_columns(p: Parsed, stamp: datetime) -> dict[str, Any]:
        return dict({k: p.meta.get(k) for k in _META}, status=p.status, error_kind=p.error_kind, error=p.error, error_en=p.error_en,
                    n_errors=p.counts[0], n_warnings=p.counts[1], n_infos=p.counts[2],
                    fingerprint=p.fingerprint, text_hash=p.text_hash, parsed_at=stamp)

    def _write_children(self, conn: Connection, written: Sequence[tuple[int, Parsed]], stamp: datetime) -> None:
        if not written:
            return
        conn.execute(report_sources.insert(), [{"report_id": rid, "name": p.name, "seen_at": stamp} for rid, p in written])
        self._write_parse(conn, written)

    def _write_parse(self, conn: Connection, items: Sequence[tuple[int, Parsed]]) -> None:
        """Everything a parse produced for stored reports: document, cells, vector,
        findings, sections (and their search index)."""
        self.keys.ensure_lists(conn, [p.value_paths for _, p in items])
        insert_rows(conn, "documents", ("report_id", "data"), [(rid, p.document) for rid, p in items if p.document])
        insert_rows(conn, "report_cells", ("report_id", "data"), [(rid, p.cell_data) for rid, p in items if p.cell_data])
        insert_rows(conn, "report_values", ("report_id", "data"),
                    [(rid, self.keys.vector(p.value_paths, p.value_data)) for rid, p in items if p.value_paths])
        insert_rows(conn, "findings", _FINDING_COLUMNS,
                    [(rid, SCOPE_REPORT, None, *(f[k] for k in _FINDING_FIELDS)) for rid, p in items for f in p.findings])
        self._write_sections(conn, items)

    @staticmethod
    def _write_sections(conn: Connection, items: Sequence[tuple[int, Parsed]]) -> None:
        todo = [(rid, s, tokens) for rid, p in items for s, tokens in zip(p.sections, p.section_tokens)]
        if not todo:
            return
        ids = reserve_ids(conn, sections, len(todo))
        search.insert_sections(conn, [(sid, rid, *s) for sid, (rid, s, _) in zip(ids, todo)],
                               [tokens for _, _, tokens in todo])

    @staticmethod
    def _add_aliases(conn: Connection, aliases: Sequence[tuple[str, str]], stamp: datetime) -> None:
        if not aliases:
            return
        by_hash: dict[str, int] = {}
        for chunk in _chunks(sorted({h for h, _ in aliases}), 5000):
            by_hash.update(conn.execute(sa.select(reports.c.content_hash, reports.c.id)
                                        .where(reports.c.content_hash.in_(chunk))).all())
        rows = [{"report_id": by_hash[h], "name": n, "seen_at": stamp} for h, n in dict.fromkeys(aliases) if h in by_hash]
        if rows:
            conn.execute(insert_ignore(conn, report_sources), rows)

    # ------------------------------------------------------------------ reparse
    def replace(self, items: Sequence[tuple[int, Parsed]]) -> None:
        """Rewrite stored reports from a new parse, in one transaction, keeping their ids."""
        if items:
            self._transaction(lambda conn: self._replace(conn, items))

    def _replace(self, conn: Connection, items: Sequence[tuple[int, Parsed]]) -> None:
        stamp = now()
        agency_ids = self.agencies.resolve(conn, [p.agency for _, p in items])
        for (report_id, p), agency_id in zip(items, agency_ids):
            values = dict(self._report_columns(p, stamp), agency_id=agency_id, cross_pending=True)
            conn.execute(reports.update().where(reports.c.id == report_id).values(**values))
        ids = [rid for rid, _ in items]
        old_sections = conn.execute(sa.select(sections.c.id, sections.c.text).where(sections.c.report_id.in_(ids))).all()
        search.unindex_sections(conn, [(r.id, r.text) for r in old_sections])
        for table in (sections, documents, report_cells, report_values):
            conn.execute(table.delete().where(table.c.report_id.in_(ids)))
        conn.execute(findings.delete().where(findings.c.report_id.in_(ids), findings.c.scope == SCOPE_REPORT))
        self._write_parse(conn, items)


def _chunks(seq: Sequence[Any], n: int) -> Iterable[list[Any]]:
    seq = list(seq)
    for i in range(0, len(seq), n):
        yield seq[i : i + n]
