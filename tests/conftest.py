"""Shared test fixtures.  Tests that need ../shared (seeds, real PDFs, the scorer) skip
cleanly when it is not beside the checkout; CI always has it."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.shared import ARTIFACTS, REAL, ROOT, SEEDS, SHARED, needs_shared, seed_files, truth_of  # noqa: F401


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
