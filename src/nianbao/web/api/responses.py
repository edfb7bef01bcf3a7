"""The bodies of the JSON API's successful answers, for the OpenAPI document (and so for
script writers and the schemathesis run, which checks every answer against them).

They describe what the endpoints return, not a new shape: numbers that may be integers
or fractions are `Number` (a plain `float` would turn 5 into 5.0), timestamps keep the
form they had (`datetime.isoformat()`, now always with the UTC offset SQLite leaves out),
open-ended maps (a table's rows, a record's extras) stay `dict[str, ...]`.  Endpoints
whose values leave keys out rather than set them to null (a finding's `expected`, a cell's
provenance) answer with `response_model_exclude_unset=True`, so an absent key stays absent.

FastAPI validates each answer against its model before sending it (a mismatch is a 500,
which the tests would see); for the long lists this costs less than serialising an untyped
`dict[str, Any]` did (a 500-row report page: 27 ms before, 9 ms now)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

Number = int | float


def _iso(d: datetime) -> str:
    """RFC 3339, in UTC: every stored time is UTC, but SQLite gives it back without its
    offset (PostgreSQL with it), and a time without one does not say which it is."""
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).isoformat()


Timestamp = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "format": "date-time"})]
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; `total` is null where counting would cost a full scan."""

    page: int
    per_page: int
    total: int | None
    has_next: bool
    items: list[T]


# --------------------------------------------------------------------------- service, accounts


class HealthOut(BaseModel):
    status: str
    version: str
    read_only: bool


class UserOut(BaseModel):
    name: str
    role: str = Field(description="admin | reviewer | viewer")


class UserRow(BaseModel):
    id: int
    name: str
    role: str
    active: bool
    created_at: Timestamp
    last_login_at: Timestamp | None


class TokenRow(BaseModel):
    id: int
    name: str
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked: bool


class TokenCreated(BaseModel):
    id: int
    token: str = Field(description="the secret; shown in this answer only")


class TokenRevoked(BaseModel):
    revoked: int


class Unlocked(BaseModel):
    name: str
    cleared: int  # (name, address) pairs whose failed logins were cleared


# --------------------------------------------------------------------------- uploads


class UploadItem(BaseModel):
    id: int
    batch: str
    user_name: str
    name: str
    size: int | None
    kind: str | None
    state: str = Field(description="queued | parsing | done | duplicate | failed | rejected")
    report_id: int | None
    n_errors: int | None
    n_warnings: int | None
    message: str | None = Field(description="why a file failed or was rejected (Chinese)")
    position: int | None = Field(None, description="a queued item's place in the queue (1: next), when known")
    eta_seconds: float | None = Field(None, description="a queued item's estimated seconds until it is done")
    created_at: Timestamp
    finished_at: Timestamp | None
    agency: str | None
    year: int | None


class UploadOut(BaseModel):
    batch: str
    items: list[UploadItem]


class UploadState(BaseModel):
    batch: str
    finished: bool = Field(description="no file is queued or parsing any more")
    items: list[UploadItem]


# --------------------------------------------------------------------------- reports


class ReportItem(BaseModel):
    """A row of the report list."""

    id: int
    agency_id: int | None
    agency: str | None
    region: str | None
    year: int | None
    template: str | None
    status: str = Field(description="ok | failed")
    n_errors: int
    n_warnings: int
    source_name: str | None
    error: str | None = Field(description="why the file could not be parsed (Chinese)")


class ReportMeta(ReportItem):
    content_hash: str
    title: str | None
    reader: str | None
    pages: int | None
    publish_date: str | None
    parser_version: str | None
    size: int | None
    error_en: str | None
    n_infos: int


class ProvenanceOut(BaseModel):
    """Where a cell's value came from; keys without a value are left out."""

    line: int | None = Field(None, description="1-based line of the normalised text")
    start: int | None = Field(None, description="column span [start, end) in that line")
    end: int | None = None
    raw: str | None = Field(None, description="the cell as printed")
    confidence: Number | None = None
    method: str | None = Field(None, description="label | arithmetic | ocr | missing")
    note: str | None = None
    origin: str | None = Field(None, description="page or element of the source file")


class FindingOut(BaseModel):
    """A rule's finding; `expected`, `actual` and `detail` are left out when there are none."""

    rule: str
    severity: str = Field(description="error | warning | info")
    message: str
    location: dict[str, Any] = Field(description="table, row, column, cells ... as the rule gives them")
    status: str = Field(description="fail | not_evaluable")
    expected: Any = None
    actual: Any = None
    detail: str | None = None


class SectionOut(BaseModel):
    key: str
    number: str
    heading: str
    line_start: int
    line_end: int
    text: str


class SourceOut(BaseModel):
    name: str | None
    sha256: str | None
    size: int | None
    reader: str | None
    encoding: str | None
    pages: int | None


class RecordOut(BaseModel):
    """The canonical record (schema.md) as extracted, with provenance by cell path."""

    model_config = ConfigDict(extra="allow")

    agency: str | None
    region: str | None
    year: int | None
    template: str | None
    table2: dict[str, dict[str, Number | None]] = Field(description="row -> column -> value")
    table3: dict[str, list[Number | None]] = Field(description="row -> the seven applicant columns")
    table4: dict[str, dict[str, Number | None]] = Field(description="row -> column -> value")
    extras: dict[str, Any]
    title: str | None
    agency_level: str | None
    publish_date: str | None
    cited_notices: list[str]
    source: SourceOut
    parser_version: str | None
    sections: list[SectionOut]
    provenance: dict[str, ProvenanceOut] = Field(description="cell path -> provenance")
    extraction_notes: list[FindingOut]
    lines: list[str] | None = Field(None, description="the normalised text (with text=true)")


class CorrectionInForce(BaseModel):
    value: Number | None
    extracted: Number | None
    comment: str
    user: str
    at: Timestamp


class ReportOut(BaseModel):
    """A report: its metadata; for a parsed one also the record, the error and warning
    counts in force, and the corrections by cell path."""

    meta: ReportMeta
    record: RecordOut | None = None
    errors: int | None = None
    warnings: int | None = None
    corrections: dict[str, CorrectionInForce] | None = None


class CellOut(BaseModel):
    path: str = Field(description='e.g. "table3.granted[0]"')
    label: str
    value: Number | None = Field(description="as extracted")
    corrected: Number | None = Field(description="the correction in force, if any")
    raw: str | None
    line: int | None
    start: int | None = Field(description="column span [start, end) in the line")
    end: int | None
    origin: str | None
    confidence: Number | None
    method: str | None


class TextOut(BaseModel):
    lines: list[str]
    sections: list[SectionOut]


class DecisionOut(BaseModel):
    decision: str = Field(description="confirm | dismiss")
    comment: str
    user: str
    at: Timestamp


class FindingView(FindingOut):
    key: str = Field(description="the finding's key, for decisions")
    title: str = Field(description="the rule's title")
    family: str
    cells: list[str]
    decision: DecisionOut | None
    values: str = Field("", description="expected and actual in plain words (与2023年报告第五部分相似度87%)")


class FindingsOut(BaseModel):
    corrected: bool = Field(description="the findings are of the corrected record")
    extracted_counts: list[int] = Field(description="errors, warnings of the record as extracted")
    findings: list[FindingView]


class CorrectionRow(BaseModel):
    path: str
    label: str
    value: Number | None
    extracted: Number | None
    comment: str
    user: str
    at: Timestamp


class CorrectionResult(BaseModel):
    corrections: int = Field(description="how many cells are corrected now")
    findings: list[FindingView]


class AuditEntry(BaseModel):
    id: int
    at: Timestamp
    user_name: str
    action: str
    content_hash: str | None
    report_id: int | None
    target: str | None
    detail: dict[str, Any] | None
    action_name: str = Field(description="the action in Chinese (确认问题, 更正数值, …)")
    report_name: str = Field(description="the report named: agency + year (empty if none)")
    object: str = Field(description="what was acted on, in words")


class AuditPage(BaseModel):
    page: int
    has_next: bool
    items: list[AuditEntry]


# --------------------------------------------------------------------------- browse, stats


class AgencyHit(BaseModel):
    id: int
    name: str
    region: str | None
    path: str


class AgencyInfo(BaseModel):
    id: int
    key: str
    core: str
    anchor: str
    name: str
    region: str | None
    level: str | None
    division_code: str | None
    path: str
    created_at: Timestamp


class Series(BaseModel):
    name: str
    values: list[Number | None]


class Trend(BaseModel):
    years: list[str]
    series: list[Series]


class Counts(BaseModel):
    errors: int
    warnings: int


class AgencyOut(BaseModel):
    agency: AgencyInfo
    years: list[int]
    report_ids: dict[int, int] = Field(description="year -> report id")
    trend: Trend
    counts: dict[int, Counts] = Field(description="year -> counts")
    cells: list[dict[str, Any]] = Field(description="path, table, label, one value per year, delta")


class RegionMember(BaseModel):
    id: int
    agency_id: int | None
    agency: str | None
    region: str | None
    level: str | None
    n_errors: int
    n_warnings: int
    applications: Number | None
    carried_over: Number | None
    granted: Number | None
    partially_granted: Number | None
    denied: Number | None
    results_total: Number | None
    carried_forward: Number | None
    reviews: Number | None
    suits: Number | None
    denied_share: Number | None


class ChangeRow(BaseModel):
    agency_id: int | None
    agency: str
    figure: str = Field(description="applications | granted | denied | reviews | suits | …")
    label: str
    before: Number | None = Field(description="null: blank in the report (not zero)")
    after: Number | None
    delta: Number | None
    jump: str = Field(description="why the change is flagged, in words (由0增至82); empty if it is not")
    report_before: int
    report_after: int


class ChangesOut(BaseModel):
    region: str
    before_year: int
    after_year: int
    total: int = Field(description="changes in all")
    jumps: int = Field(description="flagged changes in all")
    only_before: list[str] = Field(description="agencies with a report of the first year only")
    only_after: list[str]
    rows: list[ChangeRow] = Field(description="the largest changes first")


class StatusChange(BaseModel):
    changed: list[int] = Field(description="reports moved to the status")
    unchanged: list[int] = Field(description="reports that had it already")
    refused: list[int] = Field(description="reports whose status cannot move to it (season.TRANSITIONS)")


class LifecycleOut(BaseModel):
    id: int
    done: bool = Field(description="false when the report was in that state already")
    state: str | None = Field(description="superseded | withdrawn | null (in force)")
    replaces: list[int]
    replaced_by: list[int]


class CoverageEntry(BaseModel):
    name: str = Field(description="an expected agency")
    state: str = Field(description="filed (已报) | late (迟报) | missing (缺报)")
    report_id: int | None
    agency: str | None = Field(description="the agency as its report names it")
    published: str | None = Field(description="the publication date in force (set by hand, else read from the page)")
    due: str | None = Field(description="the deadline that applies (None: set by local rules, not configured)")
    late_days: int | None


class DeadlineOut(BaseModel):
    label: str
    due: str
    days_left: int


class RegionOut(BaseModel):
    region: str
    year: int
    reports: int
    failed: int
    duplicates: int
    errors: int
    warnings: int
    reports_with_errors: int
    expected: list[str]
    missing: list[str]
    expected_source: str = Field(description="region (the region's list) | year (a list of that year) | "
                                             "default (last year's filers) | none")
    coverage: list[CoverageEntry]
    late: list[CoverageEntry]
    review_statuses: dict[str, int] = Field(description="review status -> the region's reports of the year")
    deadlines: list[DeadlineOut]
    totals: dict[str, Number | None] = Field(description="key figure -> the region's total")
    agencies: Page[RegionMember]


class ExpectedOut(BaseModel):
    region: str
    year: int
    names: list[str]


class SearchHit(BaseModel):
    report_id: int
    agency: str | None
    region: str | None
    year: int | None
    section: str
    before: str
    match: str
    after: str


class SearchOut(BaseModel):
    agencies: list[AgencyHit] = Field(description="on the first page only")
    sections: Page[SearchHit]


class RuleOut(BaseModel):
    id: str
    family: str
    severity: str
    title: str
    description: str
    basis: str


class RuleRow(RuleOut):
    reports: int = Field(description="reports failing the rule")


class RuleReport(ReportItem):
    message: str


class RuleDetail(BaseModel):
    rule: RuleOut
    reports: Page[RuleReport]


# --------------------------------------------------------------------------- drafting


class DraftOut(BaseModel):
    passed: bool
    error: str | None
    bad_cells: list[str] = Field(description="cells whose text is not a number")
    values: dict[str, Any] = Field(description="cell path -> value, of the complete record")
    errors: list[FindingOut]
    warnings: list[FindingOut]
