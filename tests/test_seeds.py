"""The five seed reports parse exactly, and carry exactly the findings they should."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.shared import SEEDS, SHARED, needs_shared, seed_files, truth_of
from tests.support.roundtrip_util import differences
from nianbao import check, parse
from nianbao.model import Report

pytestmark = needs_shared


@pytest.mark.parametrize("path", seed_files(), ids=lambda p: p.name[:3])
def test_seed_parses_exactly(path):
    report = parse(path)
    truth = truth_of(path)
    assert differences(report, Report.from_dict(truth), meta=False) == []
    for key in ("year", "template"):
        assert getattr(report, key) == truth[key]
    core = lambda s: (s or "").replace("人民政府", "").replace("(", "").replace(")", "")  # noqa: E731
    assert core(report.agency) == core(truth["agency"])
    assert core(report.region) == core(truth["region"])


def _rules(path_stem: str) -> dict[str, list]:
    report = parse(next(SEEDS.glob(path_stem + "*.txt")))
    out: dict[str, list] = {}
    for f in check(report):
        out.setdefault(f.rule, []).append(f)
    return out


def test_no_false_arithmetic_errors_on_any_seed():
    for path in seed_files():
        errors = [f for f in check(parse(path)) if f.severity == "error" and f.rule.startswith(("T3", "T2", "T4"))]
        assert errors == [], path.name


def test_seed_001_names_the_applicants():
    found = _rules("001")
    assert [f.severity for f in found["G8"]] == ["error"]
    assert "田彦贵" in found["G8"][0].detail and "田改庆" in found["G8"][0].detail
    assert "T3.9" not in found  # the narrative's 1 application matches the table


def test_seed_003_spam_unit_and_cited_notice():
    found = _rules("003")
    assert found["G12"] and all("竞彩" in f.message for f in found["G12"])
    assert found["G12"][0].location["line"] == 1
    t22 = found["T2.2"][0]
    assert t22.actual == "697.449万元" and t22.severity == "info"
    assert found["G2.2"][0].actual == "国办公开办函〔2019〕60号"


def test_seed_004_label_typo_with_the_official_label():
    typo = _rules("004")["N1"][0]
    assert typo.actual == "本年度止件数" and typo.expected == "本年废止件数"


def test_seed_000_short_rows_are_resolved_by_arithmetic_and_say_so():
    report = parse(next(SEEDS.glob("000*.txt")))
    inferred = [p for p, prov in report.provenance.items() if prov.method == "arithmetic"]
    assert inferred, "the rows printing 6 cells for 7 columns must be marked"
    prov = report.provenance[inferred[0]]
    assert prov.confidence < 0.9 and "勾稽" in prov.note


def test_every_cell_has_provenance_in_the_normalised_text():
    for path in seed_files():
        report = parse(path)
        for table in ("table2", "table3", "table4"):
            for key, row in getattr(report, table).items():
                cells = enumerate(row) if isinstance(row, list) else row.items()
                for col, value in cells:
                    path_ = f"{table}.{key}[{col}]" if isinstance(row, list) else f"{table}.{key}.{col}"
                    prov = report.provenance[path_]
                    assert prov.line is not None and 0 < prov.line <= len(report.lines)
                    if prov.method == "label":
                        assert report.lines[prov.line - 1][prov.start:prov.end] == prov.raw


def test_score_py_gives_full_marks():
    out = subprocess.run([sys.executable, str(SHARED / "tools" / "score.py"), str(SEEDS),
                          "--cmd", f"{sys.executable} -m nianbao parse --format json"],
                         capture_output=True, text=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "cells: 1000/1000 (100.00%) files-perfect: 5/5", out.stdout
    assert "metadata: 20/20" in out.stdout
