"""Packaging: every folder of Python modules is a regular package, so a wheel built by
setuptools' find_packages ships it (an editable install would hide the gap)."""
from __future__ import annotations

from pathlib import Path

import nianbao

PACKAGE_ROOT = Path(nianbao.__file__).parent


def test_every_module_folder_is_a_package() -> None:
    missing = [
        str(folder.relative_to(PACKAGE_ROOT))
        for folder in [PACKAGE_ROOT, *PACKAGE_ROOT.rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__"
        and any(folder.glob("*.py")) and not (folder / "__init__.py").exists()
    ]
    assert missing == []


def test_package_data_declared_for_web_assets() -> None:
    import tomllib

    pyproject = tomllib.loads((PACKAGE_ROOT.parents[1] / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["nianbao"]
    assert any(p.startswith("web/templates/") for p in patterns)
    assert any(p.startswith("web/static/") for p in patterns)
