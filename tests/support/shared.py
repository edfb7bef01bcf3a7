"""Where the real material is (../shared beside the checkout) and how to read its truth
files.  Tests that need it skip cleanly when it is absent; CI always has it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
REAL = SHARED / "fixtures" / "real"
ARTIFACTS = ROOT / "test-artifacts"

needs_shared = pytest.mark.skipif(not SEEDS.exists(), reason="../shared is not beside the checkout")


def seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) if SEEDS.exists() else []


def truth_of(path: Path) -> dict:
    return json.loads(path.with_name(path.name.split(".")[0] + ".truth.json").read_text(encoding="utf-8"))
