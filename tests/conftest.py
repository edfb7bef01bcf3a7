"""Shared test fixtures.  Tests that need ../shared (seeds, real PDFs, the scorer) skip
cleanly when it is not beside the checkout; CI always has it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
REAL = SHARED / "fixtures" / "real"
ARTIFACTS = ROOT / "test-artifacts"
sys.path.insert(0, str(Path(__file__).resolve().parent))

needs_shared = pytest.mark.skipif(not SEEDS.exists(), reason="../shared is not beside the checkout")


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else []


def truth_of(path: Path) -> dict:
    return json.loads(path.with_name(path.name.split(".")[0] + ".truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
