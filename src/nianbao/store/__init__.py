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

from ..model import Finding, Report
from . import db

if TYPE_CHECKING:  # pragma: no cover - pandas and the ingest driver load when first used
    import pandas as pd

    from .changes import RegionChanges
    from .compare import Comparison, RegionStats
    from .crosscheck import CrossSummary
    from .ingest import IngestSummary, ParseEngine, ProgressFn
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
    @property
    def display_url(self) -> str:
        """The database's URL, without its password (for messages)."""
        return self.engine.url.render_as_string(hide_password=True)

    def ingest(self, sources: Iterable[Any], *, workers: int | None = None, batch_size: int = 200,
               progress: ProgressFn | None = None, crosscheck: bool = True,
               engine: ParseEngine | None = None, batch_seconds: float = 5.0) -> IngestSummary:
        """Store reports from paths (files, directories, zip archives, patterns) or from
        (name, bytes) pairs / `InputItem`s, read as they come (a crawl's or a generator's
        items are never listed first).  `engine` parses them (default: local processes;
        `cluster.dask_engine` for a Dask cluster).  A batch is committed every `batch_size`
        reports or `batch_seconds`, whichever comes first.  Idempotent; see `ingest.ingest`."""
        import itertools
        import os

        from ..inputs import iter_inputs
        from .ingest import expand, ingest

        it = iter(sources)
        first = next(it, None)
        items: Iterable[Any]
        if isinstance(first, (str, os.PathLike)):
            items = iter_inputs(expand([str(first), *(str(s) for s in it)]))
        else:
            items = [] if first is None else itertools.chain([first], it)
        return ingest(self.engine, items, workers=workers, batch_size=batch_size, progress=progress,
                      run_crosscheck=crosscheck, parse_engine=engine, max_batch_seconds=batch_seconds)

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
    def _read(self, fn: Any, where: Any = None, **filters: Any) -> Any:
        with self.engine.connect() as conn:
            return fn(conn, _filter(where, filters))

    def reports(self, limit: int | None = None, where: Any = None, **filters: Any) -> pd.DataFrame:
        """One row per report.  Filters by keyword (region, year, agency, name, level, status,
        errors_only, rule, severity, text, ids: see `filters.ReportFilter`; an unknown name
        raises `UnknownFilter`) or a `ReportFilter` as `where`.  The counts are the reviewed
        record's (`reviewed`: dismissed findings out, corrected cells re-checked)."""
        from .queries import list_reports
        from .reviewed import frame_with_reviewed_counts

        with self.engine.connect() as conn:
            return frame_with_reviewed_counts(conn, list_reports(conn, _filter(where, filters), limit))

    def report_rows(self, limit: int | None = None, where: Any = None, **filters: Any) -> list[dict[str, Any]]:
        """The rows of `reports` as plain dicts (no pandas: a quick listing), with the reviewed
        record's counts like `reports`."""
        from .queries import REPORT_COLUMNS, report_rows
        from .reviewed import with_reviewed_counts

        with self.engine.connect() as conn:
            rows = [dict(zip(REPORT_COLUMNS, r)) for r in report_rows(conn, _filter(where, filters), limit)]
            return with_reviewed_counts(conn, rows)

    def wide(self, where: Any = None, **filters: Any) -> pd.DataFrame:
        """One row per report with one float column per cell path ("table3.granted[0]"):
        the record as reviewed (corrected values, counts without dismissed findings)."""
        from .queries import wide
        from .reviewed import correct_wide

        return self._read(lambda conn, f: correct_wide(conn, wide(conn, f)), where, **filters)

    def long(self, where: Any = None, **filters: Any) -> pd.DataFrame:
        """One row per cell, with its raw string and provenance; a corrected cell holds the
        corrected value, its `raw` the value as printed, its `method` "corrected"."""
        from .queries import long
        from .reviewed import correct_long

        return self._read(lambda conn, f: correct_long(conn, long(conn, f)), where, **filters)

    def findings(self, where: Any = None, **filters: Any) -> pd.DataFrame:
        from .queries import findings_frame

        return self._read(findings_frame, where, **filters)

    def agencies(self, where: Any = None, **filters: Any) -> pd.DataFrame:
        from .queries import agency_list

        return self._read(agency_list, where, **filters)

    def search(self, text: str, sections: Iterable[str] = (), limit: int | None = 1000, where: Any = None,
               **filters: Any) -> pd.DataFrame:
        """Sections whose text contains `text` (e.g. search("政策解读", sections=["problems"]))."""
        from .queries import search_sections

        with self.engine.connect() as conn:
            return search_sections(conn, text, _filter(where, filters), sections, limit)

    def meta(self, report_id: int) -> dict[str, Any] | None:
        """A stored report's row (who, when, status, counts, source, parser version) with its
        agency as identified and every name its file was stored under (`sources`); None
        when there is no such report."""
        from .queries import report_meta, source_names

        with self.engine.connect() as conn:
            meta = report_meta(conn, report_id)
            if meta is not None:
                meta["sources"] = source_names(conn, report_id)
        return meta

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

    def region_changes(self, region: str, years: Sequence[int]) -> RegionChanges:
        """Every agency of `region`, one year against the other, the largest changes first
        and jumps (0 → 82, 230 → 0) flagged (see changes.region_changes)."""
        from .changes import region_changes

        with self.engine.connect() as conn:
            return region_changes(conn, region, years)

    def region_stats(self, region: str, year: int, by: str = "agency") -> RegionStats:
        from .compare import region_stats

        with self.engine.connect() as conn:
            return region_stats(conn, region, year, by)


def _filter(where: Any, filters: dict[str, Any]) -> Any:
    """The `ReportFilter` of a call: `where`, or one built from keywords (not both)."""
    from .filters import ReportFilter

    if where is None:
        return ReportFilter.of(**filters)
    if filters:
        raise TypeError("give a ReportFilter or keyword filters, not both")
    return where


def __getattr__(name: str) -> Any:
    if name == "IngestSummary":  # imported on first use: the ingest driver pulls the parser in
        from .ingest import IngestSummary

        return IngestSummary
    raise AttributeError(name)
