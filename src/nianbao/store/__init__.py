"""The store: parsed reports in SQLite (default `sqlite:///nianbao.db`) or PostgreSQL.

    >>> from nianbao import Store
    >>> store = Store()                                    # ./nianbao.db, or $NIANBAO_DB
    >>> store.ingest(["reports/"])                         # files, directories, zip archives
    >>> store.reports(region="淮安市", year=2024)           # DataFrame: one row per report
    >>> store.wide(year=2024)                              # ... with one column per cell
    >>> store.long(agency="洪泽区人民政府")                  # DataFrame: one row per cell
    >>> store.compare("洪泽区人民政府", [2023, 2024])
    >>> store.region_stats("淮安市", 2024, by="agency")

The schema is migrated on open (alembic, bundled).  Module map: `schema` (tables),
`db` (engines, transactions, migrations), `parsed` (the pure parse-and-check task),
`writer` (batched, idempotent writes), `ingest` (the driver), `crosscheck` (checks across
reports), `agencies` (identity), `queries` and `compare` (reading), `search` (full text).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..model import Finding, Report
from . import db
from .ingest import IngestSummary, ProgressFn

if TYPE_CHECKING:  # pragma: no cover
    from .compare import Comparison, RegionStats
    from .crosscheck import CrossSummary
    from .reparse import ReparseSummary

__all__ = ["Store", "IngestSummary"]


class Store:
    def __init__(self, url: str | None = None) -> None:
        self.url = db.normalize_url(url)
        self.engine = db.create(self.url)
        db.upgrade(self.engine)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # ------------------------------------------------------------------ writing
    def ingest(self, sources: Iterable[Any], *, workers: int | None = None, batch_size: int = 200,
               progress: ProgressFn | None = None, crosscheck: bool = True) -> IngestSummary:
        """Store reports from paths (files, directories, zip archives, patterns) or from
        (name, bytes) pairs / `InputItem`s.  Idempotent; see `ingest.ingest`."""
        from ..inputs import iter_inputs
        from .ingest import expand, ingest

        sources = list(sources)
        if all(isinstance(s, str) or hasattr(s, "__fspath__") for s in sources):
            items: Iterable[Any] = iter_inputs(expand([str(s) for s in sources]))
        else:
            items = sources
        return ingest(self.engine, items, workers=workers, batch_size=batch_size, progress=progress,
                      run_crosscheck=crosscheck)

    def write(self, parsed: Sequence[Any]) -> list[int]:
        """Store results of `parse_and_check` computed elsewhere (e.g. on a Dask cluster), in
        one transaction; returns their report ids (existing ids for bytes already stored)."""
        from .writer import Writer

        return [w.report_id for w in Writer(self.engine).write(list(parsed))]

    def crosscheck(self, report_ids: Iterable[int] | None = None, everything: bool = False) -> CrossSummary:
        """Recompute the cross-report findings (pending reports by default)."""
        from . import crosscheck

        return crosscheck.run(self.engine, report_ids, everything)

    def reparse(self, ids: Iterable[int] | None = None, *, everything: bool = False, workers: int | None = None,
                progress: ProgressFn | None = None) -> ReparseSummary:
        """Parse stored originals again (those of an older parser version, or `ids`, or all)."""
        from .reparse import reparse

        return reparse(self.engine, ids, everything=everything, workers=workers, progress=progress)

    # ------------------------------------------------------------------ reading
    def _read(self, fn: Any, **filters: Any) -> Any:
        from .queries import Filters

        with self.engine.connect() as conn:
            return fn(conn, Filters.of(**filters))

    def reports(self, limit: int | None = None, **filters: Any) -> pd.DataFrame:
        """One row per report (filters: region, year, agency, level, status, ids)."""
        from .queries import Filters, list_reports

        with self.engine.connect() as conn:
            return list_reports(conn, Filters.of(**filters), limit)

    def wide(self, **filters: Any) -> pd.DataFrame:
        """One row per report with one float column per cell path ("table3.granted[0]")."""
        from .queries import wide

        return self._read(wide, **filters)

    def long(self, **filters: Any) -> pd.DataFrame:
        """One row per cell, with its raw string and provenance."""
        from .queries import long

        return self._read(long, **filters)

    def findings(self, **filters: Any) -> pd.DataFrame:
        from .queries import findings_frame

        return self._read(findings_frame, **filters)

    def agencies(self, **filters: Any) -> pd.DataFrame:
        from .queries import agency_list

        return self._read(agency_list, **filters)

    def search(self, text: str, sections: Iterable[str] = (), limit: int | None = 1000, **filters: Any) -> pd.DataFrame:
        """Sections whose text contains `text` (e.g. search("政策解读", sections=["problems"]))."""
        from .queries import Filters, search_sections

        with self.engine.connect() as conn:
            return search_sections(conn, text, Filters.of(**filters), sections, limit)

    def report(self, report_id: int) -> Report | None:
        """A stored report, whole (tables with provenance, sections, text)."""
        from .queries import load_report

        with self.engine.connect() as conn:
            return load_report(conn, report_id)

    def report_findings(self, report_id: int, scope: str | None = None) -> list[Finding]:
        """A report's findings, most severe first (scope "report": its own rules; "cross":
        the checks against other reports; None: both)."""
        from .queries import report_findings

        with self.engine.connect() as conn:
            return report_findings(conn, report_id, scope)

    def previous(self, report_id: int) -> int | None:
        """The id of the same agency's report of the year before (what cross-year checks pair)."""
        from .queries import previous_report

        with self.engine.connect() as conn:
            return previous_report(conn, report_id)

    def original(self, report_id: int) -> bytes | None:
        from .queries import original

        with self.engine.connect() as conn:
            return original(conn, report_id)

    def compare(self, agency: str | int, years: Sequence[int] = (), **options: Any) -> Comparison:
        """One agency's reports side by side (see compare.compare)."""
        from .compare import compare

        with self.engine.connect() as conn:
            return compare(conn, agency, years, **options)

    def region_stats(self, region: str, year: int, by: str = "agency") -> RegionStats:
        from .compare import region_stats

        with self.engine.connect() as conn:
            return region_stats(conn, region, year, by)
