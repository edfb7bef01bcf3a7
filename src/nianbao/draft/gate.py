"""The check gate a draft passes before it is written.

The rules look at the report as its document will read (title, introduction, the six
sections with their prose or placeholders, the three tables), so the whole-report rules
(six sections, statistical period, privacy) judge the draft as they would judge the
published file.  Error-level findings stop the draft unless it is forced; warnings are
shown either way.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..model import STATUS_FAIL, Finding, Report
from ..render.guidance import is_placeholder, prose_placeholders
from ..render.report import render as render_text
from ..render.report import title_of
from ..rules import check
from ..parsing.segment import find_sections
from .previous import previous_mismatch

SAME_PROBLEMS_RULE = "G6"  # section 五 alike last year's


@dataclass
class Gate:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.errors

    def notes(self) -> list[str]:
        """The errors as the closing note of a forced draft lists them."""
        return [f"{f.rule}：{f.message}" for f in self.errors]


def full_prose(report: Report, prose: dict[str, str] | None = None) -> dict[str, str]:
    """The texts the document will print: the given prose over the drafting placeholders."""
    given = {k: v for k, v in (prose or {}).items() if v and v.strip()}
    return {**prose_placeholders(report), **given}


def document_view(report: Report, prose: dict[str, str] | None = None) -> Report:
    """`report` with the title, text lines and sections of the document a draft prints."""
    lines = render_text(report, "txt", prose=full_prose(report, prose)).split("\n")
    return dataclasses.replace(report, title=report.title or title_of(report), lines=lines,
                               sections=find_sections(lines), notes=[])


def gate(report: Report, previous: Report | None = None, prose: dict[str, str] | None = None) -> Gate:
    """Error and warning findings for a draft (with `previous`, also the cross-year
    checks against last year's report)."""
    view = document_view(report, prose)
    findings = check(view, previous)
    if is_placeholder(view.section_text("problems")):  # two unwritten sections are alike, not copied
        findings = [f for f in findings if f.rule != SAME_PROBLEMS_RULE]
    if previous is not None:
        findings += previous_mismatch(report.agency, report.year, previous)
    failed = [f for f in findings if f.status == STATUS_FAIL]
    return Gate(errors=[f for f in failed if f.severity == "error"],
                warnings=[f for f in failed if f.severity == "warning"])
