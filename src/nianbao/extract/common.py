"""Shared pieces of the table extractors: row assembly from tokens, provenance."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Finding, LineMeta, Provenance
from ..vocab import Match
from .tokens import BLANK, DASH, NUMBER, TEXT, Token


@dataclass
class TableResult:
    values: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    notes: list[Finding] = field(default_factory=list)
    found: bool = False  # the table (its labels) was seen at all


@dataclass
class RowBuild:
    """A row label and the value cells printed after it."""

    label: Token
    match: Match | None
    key: str | None = None  # official row key, or None for a non-standard row
    kind: str = "row"  # row | group | extra
    values: list[Token] = field(default_factory=list)

    def trimmed(self) -> tuple[list[Token], int, int]:
        """Value cells without leading/trailing blanks, and how many blanks were cut."""
        vals = self.values
        a, b = 0, len(vals)
        while a < b and vals[a].kind == BLANK:
            a += 1
        while b > a and vals[b - 1].kind == BLANK:
            b -= 1
        return vals[a:b], a, len(vals) - b

    def has_values(self) -> bool:
        return any(t.kind in (NUMBER, DASH) for t in self.values)


def grid_values(row: RowBuild, width: int) -> list[Token] | None:
    """For a row of a real grid: the last `width` cells of its own line, blanks included."""
    if not row.values or not all(t.grid and t.line == row.label.line for t in row.values):
        return None
    if len(row.values) >= width and all(t.kind != TEXT for t in row.values[-width:]):
        return row.values[-width:]
    return None


def provenance(tok: Token, meta: list[LineMeta], method: str = "label", confidence: float = 0.99, note: str = "") -> Provenance:
    origin = meta[tok.line].origin if tok.line < len(meta) else None
    conf = 1.0 if tok.grid and method == "label" else confidence
    if tok.confidence < 1.0:
        conf = round(min(conf, tok.confidence), 3)
        if method == "label":
            method = "ocr"
    return Provenance(tok.line + 1, tok.start, tok.end, tok.text, conf, method, note, origin)


def solved_provenance(tok: Token | None, anchor: Token | None, meta: list[LineMeta], *, inferred_by: str | None,
                      ambiguous: bool, chosen_by: str | None, width: int) -> Provenance | None:
    """Provenance of a cell whose position the arithmetic solver settled (`solver.Solution`):
    printed and placed as the layout says, placed by the table's identities, filled in by an
    identity (`inferred_by`), or not printed at all."""
    if tok is None:
        if anchor is None:
            return None
        if inferred_by:
            prov = provenance(anchor, meta, "arithmetic", 0.6, f"该单元格未印刷，按{inferred_by}勾稽关系推算")
        else:
            prov = provenance(anchor, meta, "missing", 0.0, "该单元格未印刷")
        prov.raw = prov.start = prov.end = None
        return prov
    if ambiguous:
        return provenance(tok, meta, "arithmetic", 0.5, f"本行单元格数与{width}列不符，位置无法唯一确定：{chosen_by}")
    if chosen_by:
        return provenance(tok, meta, "arithmetic", 0.8, f"本行单元格数与{width}列不符，按勾稽关系确定：{chosen_by}")
    return provenance(tok, meta)


def typo_note(table: str, tok: Token, match: Match) -> Finding:
    official = match.refs[0].label
    return Finding(
        "N1",
        "warning",
        f"标签“{tok.text}”与官方格式不一致，应为“{official}”。",
        {"table": table, "line": tok.line + 1, "start": tok.start, "end": tok.end},
        expected=official,
        actual=tok.text,
    )


def dash_note(path: str, tok: Token) -> Finding:
    return Finding(
        "N2",
        "warning",
        f"单元格填写了“{tok.text}”而不是数字，已按空值处理；如为零请填写0。",
        {"cell": path, "line": tok.line + 1, "start": tok.start, "end": tok.end},
        actual=tok.text,
    )
