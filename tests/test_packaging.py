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


def test_the_wheel_ships_templates_static_files_migrations_and_py_typed(tmp_path) -> None:
    """Build the wheel (from a copy of the source, so no stale build/ folder can fill a
    gap) and look inside: what an editable install hides, a real install lacks."""
    import shutil
    import subprocess
    import sys
    import zipfile

    source = tmp_path / "src-copy"
    source.mkdir()
    root = PACKAGE_ROOT.parents[1]
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (root / name).exists():
            shutil.copy2(root / name, source / name)
    shutil.copytree(PACKAGE_ROOT, source / "src" / "nianbao", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path / "dist"
    base = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)]
    # without build isolation when setuptools can build wheels here (offline), else with it
    proc = subprocess.run([*base, "--no-build-isolation"], capture_output=True, text=True, timeout=600)
    if proc.returncode:
        proc = subprocess.run(base, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = out.glob("nianbao-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("nianbao/") for n in names if n.startswith("nianbao/")}
    expected = {
        str(p.relative_to(PACKAGE_ROOT)) for p in PACKAGE_ROOT.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and (
            p.suffix == ".py" or p.name == "py.typed"
            or p.parts[len(PACKAGE_ROOT.parts):][:2] in (("web", "templates"), ("web", "static")))
    }
    assert "py.typed" in expected and any(n.startswith("web/templates/") for n in expected)
    assert any(n.startswith("web/static/vendor/") for n in expected)
    assert {"store/migrations/env.py", "store/migrations/versions/0001_initial.py", "web/migrations/env.py"} <= expected
    assert sorted(expected - shipped) == []
    assert "py.typed" in shipped  # pyproject declares it: type checkers use the installed package's hints


def test_mypy_runs_in_ci_strict_on_the_pipeline_formats_rules_and_model() -> None:
    """scripts/test (what .ci/run runs) type-checks before pytest, with the strict flags on the
    reading pipeline, the format data, the rules and the model."""
    import tomllib

    root = PACKAGE_ROOT.parents[1]
    mypy = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["mypy"]
    assert mypy["files"] == ["src/nianbao"]
    strict = [o for o in mypy["overrides"] if o.get("disallow_untyped_defs")]
    assert len(strict) == 1 and strict[0]["warn_return_any"] and strict[0]["disallow_any_generics"]
    assert {"nianbao.parsing.*", "nianbao.formats.*", "nianbao.rules.*", "nianbao.model"} <= set(strict[0]["module"])
    script = (root / "scripts" / "test").read_text("utf-8")
    assert "python3 -m mypy" in script and script.index("python3 -m mypy") < script.index("python3 -m pytest")
