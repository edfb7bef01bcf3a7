"""Shared test fixtures.  Tests that need ../shared (seeds, real PDFs, the scorer) skip
cleanly when it is not beside the checkout; CI always has it."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.shared import ARTIFACTS, REAL, ROOT, SEEDS, SHARED, needs_shared, seed_files, truth_of  # noqa: F401


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, one per test module (the browser tests)."""
    from playwright.sync_api import sync_playwright

    from tests.support.web_util import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: $NIANBAO_SCREENSHOTS, else pytest's basetemp."""
    where = Path(os.environ.get("NIANBAO_SCREENSHOTS") or tmp_path_factory.getbasetemp() / "screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where
