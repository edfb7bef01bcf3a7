"""Comparing a parsed report with the record it was rendered from."""
from __future__ import annotations

from nianbao.model import Report

META = ("agency", "region", "year", "template")


def differences(parsed: Report, record: Report, meta: bool = True) -> list[tuple]:
    out: list[tuple] = []
    for table in ("table2", "table3", "table4"):
        got, want = getattr(parsed, table), getattr(record, table)
        for key in want:
            if got.get(key) != want[key]:
                out.append((table, key, got.get(key), want[key]))
        for key in got:
            if key not in want:
                out.append((table, key, got[key], None))
    if meta:
        for key in META:
            if getattr(parsed, key) != getattr(record, key):
                out.append((key, getattr(parsed, key), getattr(record, key)))
    return out
