"""The store's tables (SQLAlchemy Core).  The migrations in `migrations/versions` create
exactly these; a test compares the two.

Stable ids: a report keeps its integer id when it is parsed again (`reparse` updates it in
place); a cell is identified by its report and its path (cell_keys id) - and a
finding carries a `signature` (rule + location) that survives a reparse; agencies keep
their ids.  Later tables (users, review decisions, cell corrections, an audit log) refer
to these.

    agencies        one reporting body, recognised across years and title variants
    reports         one input file (content-addressed), its metadata and status
    report_sources  every name (path, archive member, URL) a report's bytes were seen under
    originals       the original bytes, by content hash
    documents       the rest of the parsed record (text lines, notes, extras) as compressed JSON
    cell_keys       the cell paths ("table3.granted[0]") as small integers
    report_cells    every extracted value of a report with its raw string and provenance, one
                    row per report (records.pack_cells; 0005): cells are read per report -
                    a report, the long export - never across reports, which `report_values` serves
    report_values   every value of a report as one float64 vector indexed by cell key id
                    (a cache of `report_cells` for fast wide queries; rebuilt with it), zlib-compressed
                    (records.compress_vector; plain vectors of older stores are read as well)
    findings        one rule result (scope "report": single-report rules; "cross": rules that
                    need another report, recomputed after every ingest)
    sections        the six sections' texts (full-text searchable: FTS5 on SQLite, a
                    tsvector of character bigrams on PostgreSQL)
    deadlines       overrides of the publication deadline (条例 第四十九条) by agency level and
                    region (the defaults are data in `nianbao.deadlines`)
    crawl_log       one URL met by `nianbao crawl`: listing | report | skipped | failed, when,
                    the hash of what it served (so a re-run skips what is stored)
"""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

STATUS_OK = "ok"
STATUS_FAILED = "failed"
SCOPE_REPORT = "report"
SCOPE_CROSS = "cross"

_ts = sa.DateTime(timezone=True)


def _report_fk() -> sa.ForeignKey:
    return sa.ForeignKey("reports.id", ondelete="CASCADE")


agencies = sa.Table(
    "agencies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False, unique=True),  # core@anchor
    sa.Column("core", sa.String(160), nullable=False, index=True),  # the name without government words
    sa.Column("anchor", sa.String(40), nullable=False, server_default=""),  # division code/name placing it
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("region", sa.String(80)),  # the division directly above (a county for its townships)
    sa.Column("level", sa.String(20)),  # province | city | county | township | department
    sa.Column("division_code", sa.String(12)),
    sa.Column("path", sa.Text, nullable=False, server_default="/"),  # "/江苏省/淮安市/洪泽区/"
    sa.Column("created_at", _ts, nullable=False),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_hash", sa.String(80), nullable=False, unique=True),
    sa.Column("size", sa.Integer),
    sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id")),
    sa.Column("agency", sa.String(200)),  # as the report names it
    sa.Column("region", sa.String(80)),
    sa.Column("level", sa.String(20)),
    sa.Column("year", sa.Integer),
    sa.Column("template", sa.String(10)),
    sa.Column("title", sa.Text),
    sa.Column("publish_date", sa.String(10)),
    sa.Column("source_name", sa.Text),  # the first name it was seen under
    sa.Column("reader", sa.String(20)),
    sa.Column("encoding", sa.String(20)),
    sa.Column("pages", sa.Integer),
    sa.Column("parser_version", sa.String(40)),
    sa.Column("status", sa.String(10), nullable=False),  # ok | failed
    sa.Column("error_kind", sa.String(40)),
    sa.Column("error", sa.Text),  # Chinese reason
    sa.Column("error_en", sa.Text),
    sa.Column("n_errors", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_warnings", sa.Integer, nullable=False, server_default="0"),
    sa.Column("n_infos", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fingerprint", sa.String(64), index=True),  # hash of the three tables' values
    sa.Column("text_hash", sa.String(64), index=True),  # hash of the normalised text
    sa.Column("cross_pending", sa.Boolean, nullable=False, server_default=sa.true(), index=True),  # checks to run
    sa.Column("ingested_at", _ts, nullable=False),
    sa.Column("parsed_at", _ts, nullable=False),
    # the review season (0003): a date set by hand wins over the one read from the page;
    # a superseded or withdrawn report is kept but left out of lists, stats and exports
    sa.Column("publish_date_set", sa.String(10)),
    sa.Column("superseded_by", sa.Integer, index=True),  # the report that replaced it
    sa.Column("withdrawn_at", _ts),
    sa.Column("withdrawn_by", sa.String(80)),
    sa.Index("ix_reports_agency_year", "agency_id", "year"),
    sa.Index("ix_reports_year", "year"),
)

report_sources = sa.Table(
    "report_sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, _report_fk(), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("seen_at", _ts, nullable=False),
    sa.UniqueConstraint("report_id", "name", name="uq_report_sources_report_name"),
)

originals = sa.Table(
    "originals",
    metadata,
    sa.Column("content_hash", sa.String(80), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("compression", sa.String(10), nullable=False),  # none | zlib
    sa.Column("data", sa.LargeBinary, nullable=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("report_id", sa.Integer, _report_fk(), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),  # zlib(JSON)
)

cell_keys = sa.Table(
    "cell_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("path", sa.String(120), nullable=False, unique=True),
    sa.Column("tbl", sa.String(20), nullable=False),
    sa.Column("row", sa.String(80), nullable=False),
    sa.Column("col", sa.String(40), nullable=False),
)

report_cells = sa.Table(
    "report_cells",
    metadata,
    sa.Column("report_id", sa.Integer, _report_fk(), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),  # records.pack_cells: zlib(MessagePack), one array per field
)

report_values = sa.Table(
    "report_values",
    metadata,
    sa.Column("report_id", sa.Integer, _report_fk(), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),  # float64 little-endian, index = cell_keys.id - 1
)

findings = sa.Table(
    "findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, _report_fk(), nullable=False, index=True),
    sa.Column("scope", sa.String(10), nullable=False),  # report | cross
    sa.Column("rule", sa.String(20), nullable=False, index=True),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("location", sa.Text),  # JSON
    sa.Column("expected", sa.Text),  # JSON
    sa.Column("actual", sa.Text),  # JSON
    sa.Column("detail", sa.Text),
    sa.Column("signature", sa.String(40), nullable=False),  # rule + location: survives a reparse
    sa.Column("related_report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="SET NULL")),
    # the cross findings naming a report (recomputed when it changes); only they have one, so
    # migration 0004 makes the index partial (WHERE related_report_id IS NOT NULL).  The
    # condition is not repeated here: a dialect keyword would load that dialect's module
    # (PostgreSQL's: 30 ms) in every process that imports the schema, e.g. `nianbao list`
    sa.Index("ix_findings_related", "related_report_id"),
)

sections = sa.Table(
    "sections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, _report_fk(), nullable=False),
    sa.Column("key", sa.String(20), nullable=False),
    sa.Column("number", sa.String(8)),
    sa.Column("heading", sa.Text),
    sa.Column("line_start", sa.Integer),
    sa.Column("line_end", sa.Integer),
    sa.Column("text", sa.Text, nullable=False),
    sa.UniqueConstraint("report_id", "key", name="uq_sections_report_key"),
)

crawl_log = sa.Table(
    "crawl_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # listing | report | skipped | failed
    sa.Column("note", sa.String(20)),  # why skipped: not_report | offsite | robots
    sa.Column("error", sa.Text),  # why failed (Chinese)
    sa.Column("referrer", sa.Text),  # the page that linked it
    sa.Column("depth", sa.Integer),  # column hops from the start page
    sa.Column("content_hash", sa.String(80)),  # SHA-256 of what it served
    sa.Column("size", sa.Integer),
    sa.Column("crawl", sa.Text),  # the start URL of the crawl that last met it
    sa.Column("fetched_at", _ts, nullable=False),
    sa.UniqueConstraint("url", name="uq_crawl_log_url"),
)

deadlines = sa.Table(
    "deadlines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("level", sa.String(20), nullable=False),  # province | city | county | township | department
    sa.Column("region", sa.String(80), nullable=False, server_default=""),  # "": everywhere
    sa.Column("month", sa.Integer, nullable=False),  # of the year after the reporting year
    sa.Column("day", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),  # the local rule it comes from
    sa.Column("updated_by", sa.String(80), nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
    sa.UniqueConstraint("level", "region", name="uq_deadlines_level_region"),
)

# Tables that hang off a report (written together with it, replaced by a reparse).
REPORT_CHILDREN = (report_sources, documents, report_cells, report_values, findings, sections)
