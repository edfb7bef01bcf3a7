"""parse(): bytes -> Document -> normalised lines -> sections/metadata -> tables -> Report."""
from __future__ import annotations

import hashlib
import re
import os
from pathlib import Path

from .. import __version__
from ..formats import templates as T
from ..errors import NotAReport
from .extract import extract
from ..model import Document, Report, Source
from ..rules import finding
from .normalize import normalize
from .readers import read
from .metadata import find_metadata
from .segment import detect_template, find_sections
from ..formats.vocab import normalized

MB = 1024 * 1024
MAX_BYTES = 200 * MB


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        from ..errors import LimitExceeded

        raise LimitExceeded(
            f"文件过大（{size / MB:.1f} MB，上限 {MAX_BYTES / MB:g} MB）。",
            f"File too large ({size / MB:.1f} MB; the limit is {MAX_BYTES / MB:g} MB).",
        )


def load(source: str | os.PathLike[str] | bytes) -> tuple[bytes, str | None]:
    """The bytes of `source` (a path or the bytes themselves) and a display name; over
    MAX_BYTES either way is `LimitExceeded` (a path is refused before it is read)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        _check_size(len(source))
        return bytes(source), None
    from ..inputs import read_regular  # (inputs imports this module)

    path = Path(source)
    return read_regular(path), path.name  # regular files only: a FIFO or /dev/zero is refused, not read


def parse(source: str | os.PathLike[str] | bytes, name: str | None = None) -> Report:
    """Read one annual report (a path or its bytes) into the canonical record."""
    data, loaded_name = load(source)
    doc = read(data)
    report = parse_document(doc, name or loaded_name)
    report.source.sha256 = hashlib.sha256(data).hexdigest()
    report.source.size = len(data)
    return report


def parse_text(text: str, name: str | None = None) -> Report:
    """Parse a report given as a string."""
    return parse(text.encode("utf-8"), name)


TABLE_NAMES = {t: f"{n}（{T.SECTION_BY_KEY[k].heading}）" for t, n, k in
               (("table2", "表二", "proactive"), ("table3", "表三", "requests"), ("table4", "表四", "appeals"))}


_NAMED = re.compile(normalized("政府信息公开") + "(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)")
_NOTICE_ENDS = ("通知", "的函", "意见", "方案")
# a report naming itself only as 本报告/本年报 in the template's opening sentences
_SELF_NAMED = re.compile(r"本(?:年度)?(?:报告|年报)(?:由|中?所列数据)")
_NAMED_WITHIN = 600  # characters: the title or the opening sentence


def parse_document(doc: Document, name: str | None = None) -> Report:
    lines, meta = normalize(doc)
    sections = find_sections(lines)
    text = "\n".join(lines)
    template = detect_template(text)
    md = find_metadata(lines, sections)
    ex = extract(lines, meta, sections, template)
    # a report is decided by what was read, not by its headings: a file that yields rows of
    # the official tables is a report, however little of the rest it holds
    # a notice about the reports ("关于做好…年度报告编制工作的通知") is no report's title
    titled = md.title is not None and normalized("信息公开") in md.title and not md.title.endswith(_NOTICE_ENDS)
    evidence = (
        titled
        + (len(sections) >= 3)
        + (template is not None)
    )
    # an excerpt that ends before the tables: the page names itself a report (in its title or
    # its first lines) and prints an official section heading
    named = (titled or _NAMED.search(text, 0, _NAMED_WITHIN) is not None
             or _SELF_NAMED.search(text, 0, _NAMED_WITHIN) is not None)
    # a page titled as a notice that yields no table row is the notice, even when it prints
    # the blank format (the format notice itself: its headings and table words, no numbers)
    notice = md.title is not None and md.title.endswith(_NOTICE_ENDS)
    if not ex.found and (notice or (evidence < 2 and not (template in T.TEMPLATES and len(sections) >= 1)
                                    and not (named and len(sections) >= 1))):
        raise NotAReport(
            "文件中没有找到政府信息公开工作年度报告的标题、章节或统计表，似乎不是年度报告。",
            "No title, sections or tables of a government information-disclosure annual report were found; "
            "this does not look like an annual report.",
        )
    report = Report(
        agency=md.agency,
        region=md.region,
        year=md.year,
        template=template,
        table2=ex.table2,
        table3=ex.table3,
        table4=ex.table4,
        extras=ex.extras,
        title=md.title,
        agency_level=md.level,
        publish_date=md.publish_date,
        cited_notices=md.cited_notices,
        source=Source(name=name, reader=doc.reader, encoding=doc.encoding, pages=doc.pages),
        sections=sections,
        provenance=ex.provenance,
        lines=lines,
        notes=list(doc.notes) + ex.notes,
        parser_version=__version__,
    )
    if md.agency_as_printed:
        report.extras["agency_as_printed"] = md.agency_as_printed
    if md.publish_date_source:
        report.extras["publish_date_source"] = md.publish_date_source
    if md.year_source and md.year_source != "title":
        report.extras["year_source"] = md.year_source
    report.extras["line_origins"] = [m.origin for m in meta] if doc.reader != "text" else None
    if report.extras["line_origins"] is None:
        del report.extras["line_origins"]
    _mark_partial(report, ex.found)
    return report


def _mark_partial(report: Report, found: set[str]) -> None:
    """A report missing one of the official tables is partial (an excerpt, a page of a
    flip-book, a page holding only some tables): `extras["partial"]` and the tables not read
    (`extras["missing_tables"]`).  Where the template is known the checker's N6 names what
    is missing, row by row; where it is not, the tables not read are N6 findings here."""
    if report.template == T.LEGACY:
        return
    missing = [t for t in TABLE_NAMES if t not in found]
    if not missing:
        return
    report.extras["partial"] = True
    report.extras["missing_tables"] = missing
    if report.template in T.TEMPLATES:
        return
    for table in missing:
        report.notes.append(finding("N6", f"没有读到{TABLE_NAMES[table]}。", severity="error", table=table))
