"""The public surface: the names `nianbao` exports (httpx's way: the list is written out
here, so adding or dropping a public name is a decision a test records), and their types."""
from __future__ import annotations

import inspect
from typing import Any

import nianbao

EXPECTED = [
    "parse", "parse_text", "check", "Report", "Finding", "Store", "__version__",
    "NianbaoError", "UnreadableInput", "NotAReport", "UnsupportedFormat", "MissingDependency", "LimitExceeded",
    "StoreError", "FetchError", "ClusterError",
]


def test_exported_names() -> None:
    assert sorted(nianbao.__all__) == sorted(EXPECTED)
    assert len(set(nianbao.__all__)) == len(nianbao.__all__)


def test_every_exported_name_imports() -> None:
    namespace: dict[str, object] = {}
    exec("from nianbao import *", namespace)  # noqa: S102 - what a caller's star import gets
    assert set(EXPECTED) <= namespace.keys()
    for name in EXPECTED:
        assert getattr(nianbao, name) is namespace[name]


def test_the_errors_are_one_bilingual_hierarchy() -> None:
    errors = [getattr(nianbao, n) for n in EXPECTED if n.endswith("Error") or n in (
        "UnreadableInput", "NotAReport", "UnsupportedFormat", "MissingDependency", "LimitExceeded")]
    assert len(errors) == 9
    for cls in errors:
        assert issubclass(cls, nianbao.NianbaoError)
        exc = cls("中文", "English")
        assert (exc.message_zh, exc.message_en) == ("中文", "English")


def _untyped(func: Any) -> list[str]:
    """The parameters (and "return") of `func` that carry no annotation."""
    sig = inspect.signature(func)
    missing = [p.name for p in sig.parameters.values()
               if p.name != "self" and p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


def test_the_public_functions_and_store_methods_are_annotated() -> None:
    functions = {name: getattr(nianbao, name) for name in ("parse", "parse_text", "check")}
    functions |= {f"Store.{name}": member for name, member in vars(nianbao.Store).items()
                  if not name.startswith("_") and inspect.isfunction(member)}
    assert "Store.ingest" in functions and "Store.reports" in functions
    untyped = {name: missing for name, func in functions.items() if (missing := _untyped(func))}
    assert untyped == {}
    assert "Any" not in str(inspect.signature(nianbao.parse))
