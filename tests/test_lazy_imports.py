"""Start-up cost: `import nianbao` and the one-shot commands load no heavy library they do not
need (each probe runs in a fresh interpreter, so modules loaded by other tests do not count)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
HEAVY = ("jieba", "pandas", "pyarrow", "sqlalchemy", "dask", "cpca", "opencc")


def loaded_after(code: str, watched: tuple[str, ...] = HEAVY) -> set[str]:
    """The `watched` (heavy) modules in sys.modules after running `code` in a new interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {watched!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    return set(out.stdout.split())


def test_import_nianbao_loads_no_heavy_library():
    assert loaded_after("import nianbao") == set()


def test_the_command_line_loads_no_heavy_library_before_a_command_runs():
    assert loaded_after("import nianbao.cli") == set()


def test_parse_and_check_of_a_report_without_names_needs_neither_jieba_nor_pandas(tmp_path):
    from nianbao.synth import corpus

    sample = corpus(1, seed=7, layouts=("txt",), corruption_rate=0.0)[0]
    path = tmp_path / "one.txt"
    path.write_text(sample.text, encoding="utf-8")
    code = f"import nianbao\nr = nianbao.parse({str(path)!r})\nnianbao.check(r)\nassert r.table3 and r.year"
    assert loaded_after(code) == set()


def test_a_one_shot_check_leaves_the_rare_patterns_uncompiled(tmp_path):
    from nianbao.synth import corpus

    sample = corpus(1, seed=7, layouts=("txt",), corruption_rate=0.0)[0]
    path = tmp_path / "one.txt"
    path.write_text(sample.text, encoding="utf-8")
    code = (f"import nianbao\nnianbao.check(nianbao.parse({str(path)!r}))\n"
            "from nianbao.lazyre import LazyPattern\nfrom nianbao.rules import crossyear, integrity\n"
            "from nianbao.parsing import selfname\n"
            "print(type(crossyear._CLEAN).__name__, type(integrity._SPAM_RE).__name__,"
            " type(selfname._CONTACT).__name__)")
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    # the cross-year rules need last year's report; a report without spam or a contact line
    assert out.split() == ["LazyPattern"] * 3


def _lazy_patterns() -> list[tuple[str, object]]:
    """Every lazy pattern of the package's modules (module-level, or in a module-level list,
    tuple or dict)."""
    import importlib
    import pkgutil

    import nianbao
    from nianbao.lazyre import CompiledPattern

    found = []
    skip = ("nianbao.__main__", "nianbao.web", "nianbao.cluster", "nianbao.store.migrations")
    for info in pkgutil.walk_packages(nianbao.__path__, "nianbao."):
        if info.name.startswith(skip):
            continue
        module = importlib.import_module(info.name)
        stack = [(f"{info.name}.{k}", v) for k, v in vars(module).items()]
        while stack:
            name, value = stack.pop()
            if isinstance(value, CompiledPattern):
                found.append((name, value))
            elif isinstance(value, (list, tuple)) and name.count("[") < 3:
                stack.extend((f"{name}[{i}]", v) for i, v in enumerate(value))
            elif isinstance(value, dict) and name.count("[") < 3:
                stack.extend((f"{name}[{k!r}]", v) for k, v in value.items())
    return found


def test_every_lazy_pattern_compiles_to_what_re_compile_makes():
    import re

    found = _lazy_patterns()
    assert len(found) >= 40  # (the walk finds them: selfname's, the rules')
    for name, lazy in found:
        args = lazy._args  # type: ignore[attr-defined]
        compiled = re.compile(*args)
        assert (lazy.pattern, lazy.flags, lazy.groups) == (compiled.pattern, compiled.flags, compiled.groups), name  # type: ignore[attr-defined]
        assert type(lazy).__name__ == "CompiledPattern", name  # the first use swapped it: no __getattr__ any more


def test_the_store_opens_and_lists_without_pandas(tmp_path):
    code = (f"from nianbao import Store\ns = Store('sqlite:///{tmp_path}/s.db')\n"
            "assert s.report_rows() == []")
    assert loaded_after(code) == {"sqlalchemy"}


def test_listing_a_sqlite_store_loads_neither_postgresql_nor_the_migrations(tmp_path):
    db = tmp_path / "s.db"
    subprocess.run([sys.executable, "-c", f"from nianbao import Store\nStore('sqlite:///{db}')"], check=True,
                   env={**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")})
    code = f"from nianbao import Store\ns = Store('sqlite:///{db}')\nassert s.report_rows() == []"
    watched = ("sqlalchemy.dialects.postgresql", "psycopg", "alembic", "sqlalchemy.orm", "pandas",
               "nianbao.formats.templates", "nianbao.store.parsed")
    assert loaded_after(code, watched) == set()


def test_every_command_is_found_through_the_lazy_map():
    import importlib
    import pkgutil

    import nianbao.cli as cli

    for info in pkgutil.iter_modules(cli.__path__):
        importlib.import_module(f"nianbao.cli.{info.name}")
    registered = {name: cmd.callback.__module__.rsplit(".", 1)[1] for name, cmd in cli.main.commands.items()}
    assert registered == cli.main.lazy_modules


def test_a_one_shot_check_imports_only_the_module_of_its_command():
    code = ("import sys\nfrom nianbao.cli import main\nmain.get_command(None, 'check')\n"
            "print(sorted(m for m in sys.modules if m.startswith('nianbao.cli.')))")
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert "nianbao.cli.core" in out and "store_cmds" not in out and "web_cmds" not in out
