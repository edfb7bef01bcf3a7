"""The objects that flow through the pipeline.

reader  -> Document (text lines, each with where it came from)
extract -> Report   (the canonical record of schema.md, plus provenance)
rules   -> Finding  (one problem, located, with a Chinese message)
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from .words import SEVERITIES as SEVERITIES  # re-exported: the severity codes are the app's words

STATUS_FAIL = "fail"
STATUS_NOT_EVALUABLE = "not_evaluable"

Number = int | float


@dataclass
class LineMeta:
    """Where one line of text came from in the source file."""

    origin: str | None = None  # "第3页", "表格2 第5行", "L12" (source line) ...
    cell_confidence: tuple[float, ...] | None = None  # OCR confidence of each tab-separated cell
    grid: bool = False  # a row of a real table grid: cell positions (and blanks) are reliable
    glued: str | None = None  # "table3.granted": a row unglue split out of a one-line body ("label<TAB>digits")


@dataclass
class Document:
    """What a reader hands to the pipeline: text lines in reading order.

    Table rows are tab-separated lines (one line per grid row), whatever the source
    format; merged cells appear once, in their first row and column.
    """

    lines: list[str]
    meta: list[LineMeta]
    reader: str  # text | html | pdf | docx | doc | ocr | ...
    encoding: str | None = None
    pages: int | None = None
    notes: list["Finding"] = field(default_factory=list)  # problems the reader noticed

    @classmethod
    def from_lines(cls, lines: list[str], reader: str, **kw: Any) -> "Document":
        return cls(lines=lines, meta=[LineMeta() for _ in lines], reader=reader, **kw)


@dataclass(slots=True)
class Provenance:
    """Where a cell's value came from, and how sure the extractor is."""

    line: int | None  # 1-based line number in the normalised text (Report.lines)
    start: int | None = None  # column span [start, end) in that line
    end: int | None = None
    raw: str | None = None  # the cell exactly as printed
    confidence: float = 1.0
    method: str = "label"  # label | arithmetic | ocr | missing
    note: str = ""
    origin: str | None = None  # page / element in the source file

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


@dataclass
class Finding:
    rule: str
    severity: str  # error | warning | info
    message: str  # Chinese, for a clerk
    location: dict[str, Any] = field(default_factory=dict)
    status: str = STATUS_FAIL  # fail | not_evaluable
    expected: Any = None
    actual: Any = None
    detail: str | None = None  # what exactly was found (e.g. the name, the spam text)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class SectionText:
    key: str  # templates.SECTIONS key
    number: str  # 一 … 六
    heading: str  # as printed
    line_start: int  # 1-based, the heading line
    line_end: int  # 1-based, inclusive
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Source:
    name: str | None = None
    sha256: str | None = None
    size: int | None = None
    reader: str | None = None
    encoding: str | None = None
    pages: int | None = None


RECORD_KEYS = ("agency", "region", "year", "template", "table2", "table3", "table4")


@dataclass
class Report:
    """The canonical record (schema.md) of one annual report, with provenance."""

    agency: str | None = None
    region: str | None = None
    year: int | None = None
    template: str | None = None
    table2: dict[str, dict[str, Number | None]] = field(default_factory=dict)
    table3: dict[str, list[Number | None]] = field(default_factory=dict)
    table4: dict[str, dict[str, Number | None]] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)  # non-standard rows, raw cells
    title: str | None = None
    agency_level: str | None = None  # province | city | county | township | department
    publish_date: str | None = None
    cited_notices: list[str] = field(default_factory=list)
    source: Source = field(default_factory=Source)
    sections: list[SectionText] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)  # "table3.granted[0]" -> ...
    lines: list[str] = field(default_factory=list)  # the normalised text
    notes: list[Finding] = field(default_factory=list)  # what the reader/extractor noticed
    parser_version: str | None = None

    # ------------------------------------------------------------------ access helpers
    def section(self, key: str) -> SectionText | None:
        for s in self.sections:
            if s.key == key:
                return s
        return None

    def section_text(self, key: str) -> str:
        s = self.section(key)
        return s.text if s else ""

    @property
    def prose(self) -> str:
        """Text of the prose parts (title, introduction, sections 一, 五, 六), joined."""
        keys = ("overview", "problems", "other")
        parts = [s.text for s in self.sections if s.key in keys]
        first = self.sections[0].line_start - 1 if self.sections else len(self.lines)
        return "\n".join(self.lines[:first] + parts)

    # ------------------------------------------------------------------ serialisation
    def record(self) -> dict[str, Any]:
        """Only the schema.md keys."""
        return {k: getattr(self, k) for k in RECORD_KEYS}

    def to_dict(self, findings: list[Finding] | None = None, with_text: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = self.record()
        out["extras"] = self.extras
        out["title"] = self.title
        out["agency_level"] = self.agency_level
        out["publish_date"] = self.publish_date
        out["cited_notices"] = self.cited_notices
        out["source"] = asdict(self.source)
        out["parser_version"] = self.parser_version
        out["sections"] = [s.to_dict() for s in self.sections]
        out["provenance"] = {k: p.to_dict() for k, p in self.provenance.items()}
        out["extraction_notes"] = [f.to_dict() for f in self.notes]
        if findings is not None:
            out["findings"] = [f.to_dict() for f in findings]
        if with_text:
            out["lines"] = self.lines
        return out

    def to_json(self, findings: list[Finding] | None = None, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(findings), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        """Build a Report from the canonical record (a truth file, a `parse --format json` output)."""
        rep = cls(
            agency=data.get("agency"),
            region=data.get("region"),
            year=_int_or_none(data.get("year")),
            template=data.get("template"),
            table2={k: dict(v) for k, v in (data.get("table2") or {}).items()},
            table3={k: list(v) for k, v in (data.get("table3") or {}).items()},
            table4={k: dict(v) for k, v in (data.get("table4") or {}).items()},
            extras=dict(data.get("extras") or {}),
            title=data.get("title"),
            agency_level=data.get("agency_level"),
            publish_date=data.get("publish_date"),
            cited_notices=list(data.get("cited_notices") or []),
            lines=list(data.get("lines") or []),
            parser_version=data.get("parser_version"),
        )
        src = data.get("source")
        if isinstance(src, dict):
            rep.source = Source(**{k: v for k, v in src.items() if k in Source.__dataclass_fields__})
        for s in data.get("sections") or []:
            rep.sections.append(SectionText(**{k: s[k] for k in SectionText.__dataclass_fields__ if k in s}))
        for path, p in (data.get("provenance") or {}).items():
            rep.provenance[path] = Provenance(**{k: v for k, v in p.items() if k in Provenance.__dataclass_fields__})
        rep.notes = [Finding.from_dict(f) for f in data.get("extraction_notes") or [] if isinstance(f, dict)]
        return rep


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v) if v is not None else None
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=4096, typed=True)  # (a few hundred paths, asked for by every extractor and rule)
def cell_path(table: str, row: str, col: int | str) -> str:
    """Path of one cell, in the notation of score.py: table3.granted[0], table2.penalty.decisions."""
    if isinstance(col, int):
        return f"{table}.{row}[{col}]"
    return f"{table}.{row}.{col}"
