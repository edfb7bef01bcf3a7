"""The pure task of ingest: one input's bytes -> everything the store writes for it.

`parse_and_check(name, data)` needs no database and returns a picklable `Parsed`, so it runs
in a local process pool, or as a Dask task on a cluster; `Writer.write` stores the results.
A file that cannot be parsed gives a `Parsed` with status "failed" and the reason, never
an exception.
"""
from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..errors import NianbaoError
from .agencies import AgencyIdentity, identify
from .records import (SectionRow, cell_rows, encode_document, finding_row, fingerprint, pack_cells, pack_value_list,
                      section_rows, text_hash)
from .schema import STATUS_FAILED, STATUS_OK
from .search import bigrams

_COMPRESS_PROBE = 64 * 1024


@dataclass
class Parsed:
    name: str
    content_hash: str
    size: int | None
    status: str  # ok | failed
    original: bytes | None = None  # as stored (see `compression`)
    compression: str = "none"
    error_kind: str | None = None
    error: str | None = None  # Chinese
    error_en: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # reports columns: agency, region, year, ...
    agency: AgencyIdentity | None = None
    document: bytes | None = None
    cell_data: bytes | None = None  # every cell with its provenance (records.pack_cells)
    value_paths: str = ""  # the path of each cell, "\n"-joined, and its value (float64, NaN when blank):
    value_data: bytes = b""  # compact to send between processes (records.pack_value_list)
    sections: list[SectionRow] = field(default_factory=list)
    section_tokens: list[str] = field(default_factory=list)  # search.bigrams of each section's text
    findings: list[dict[str, Any]] = field(default_factory=list)
    counts: tuple[int, int, int] = (0, 0, 0)  # errors, warnings, infos (failing findings)
    fingerprint: str | None = None
    text_hash: str | None = None


def content_key(data: bytes | None, name: str) -> str:
    """The identity of an input: the SHA-256 of its bytes; for an input that could not be
    read at all, of its name (so re-running does not store its failure twice)."""
    if data is None:
        return "name:" + hashlib.sha256(name.encode("utf-8")).hexdigest()
    return hashlib.sha256(data).hexdigest()


def pack_original(data: bytes) -> tuple[bytes, str]:
    """The bytes to store: zlib-compressed when that pays (text, HTML), as they are otherwise.
    A large input is probed (its first 64 KB at level 1); a small one is compressed once
    and kept compressed when that saves a fifth."""
    if len(data) <= 256:
        return data, "none"
    if len(data) <= _COMPRESS_PROBE:
        packed = zlib.compress(data, 6)
        return (packed, "zlib") if len(packed) < 0.8 * len(data) else (data, "none")
    probe = data[:_COMPRESS_PROBE]
    if len(zlib.compress(probe, 1)) < 0.8 * len(probe):
        return zlib.compress(data, 6), "zlib"
    return data, "none"


def unpack_original(data: bytes, compression: str) -> bytes:
    return zlib.decompress(data) if compression == "zlib" else data


def failed(name: str, data: bytes | None, exc: BaseException, content_hash: str | None = None) -> Parsed:
    """The record of an input that could not be parsed, with its reason (and original)."""
    if isinstance(exc, NianbaoError):
        kind, zh, en = type(exc).__name__, exc.message_zh, exc.message_en
    else:
        kind = "InternalError"
        zh = f"处理时发生内部错误（{type(exc).__name__}: {exc}），请把该文件报告给开发者。"
        en = f"Internal error while processing ({type(exc).__name__}: {exc}); please report this file."
    original, compression = pack_original(data) if data is not None else (None, "none")
    return Parsed(name=name, content_hash=content_hash or content_key(data, name),
                  size=None if data is None else len(data), status=STATUS_FAILED, original=original,
                  compression=compression, error_kind=kind, error=zh, error_en=en,
                  meta={"parser_version": __version__})


def parse_and_check(name: str, data: bytes, content_hash: str | None = None, *, budgeted: bool = True) -> Parsed:
    """Parse and check one report; never raises for a bad input.  `budgeted`: in a child
    process under the CPU/memory budget (`nianbao.budget`); a file that runs over is a
    failed `Parsed` with the budget's reason."""
    from .. import budget

    if not budgeted or not budget.needed(data):
        return _parse_and_check(name, data, content_hash)
    try:
        parsed = budget.call(_parse_and_check, name, data, content_hash)
    except Exception as exc:  # noqa: BLE001 - over budget (LimitExceeded) or the child died
        return failed(name, data, exc, content_hash)
    if "ocr" in (parsed.meta.get("reader") or ""):
        _keep_ocr_models()
    return parsed


def _keep_ocr_models() -> None:
    """After a child read a scan, load the OCR models here once (~5 s), so that every later
    child is forked with them instead of loading them again for each scanned file."""
    from ..parsing.readers.ocr_models import detector, recognizer, threads

    detector(threads())
    recognizer(threads())


def _parse_and_check(name: str, data: bytes, content_hash: str | None = None) -> Parsed:
    from .. import check, parse
    from ..rules import count_by_severity

    display = name.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    try:
        report = parse(data, display)
        findings = check(report)
    except Exception as exc:  # noqa: BLE001 - a bad file is stored as failed, with its reason
        return failed(name, data, exc, content_hash)
    original, compression = pack_original(data)
    counts = count_by_severity(findings)
    cells = cell_rows(report)
    sections = section_rows(report)
    src = report.source
    meta = {"agency": report.agency, "region": report.region, "level": report.agency_level, "year": report.year,
            "template": report.template, "title": report.title, "publish_date": report.publish_date,
            "reader": src.reader, "encoding": src.encoding, "pages": src.pages,
            "parser_version": report.parser_version}
    return Parsed(
        name=name, content_hash=content_hash or content_key(data, name), size=len(data), status=STATUS_OK,
        original=original, compression=compression, meta=meta,
        agency=identify(report.agency, report.region, report.agency_level),
        document=encode_document(report), cell_data=pack_cells(cells) if cells else None,
        **_value_fields(cells), sections=sections,
        section_tokens=[bigrams(s.text) for s in sections], findings=[finding_row(f) for f in findings],
        counts=(counts["error"], counts["warning"], counts["info"]),
        fingerprint=fingerprint(cells), text_hash=text_hash(report),
    )


def _value_fields(cells: list[tuple]) -> dict[str, Any]:
    paths, data = pack_value_list(cells)
    return {"value_paths": paths, "value_data": data}
