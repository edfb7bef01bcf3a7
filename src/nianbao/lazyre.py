"""Regular expressions compiled when first used.

Compiling a pattern costs a one-shot command up to a millisecond (a class of CJK characters
is expanded character by character), and every process that imports a module pays for all
of its module-level patterns.  `lazy` is for the patterns most reports never reach (a rare
layout, a rule's second look): the pattern is compiled by its first method call, and the
compiled pattern's methods are then looked up directly.  Use a lazy pattern only through its
methods and attributes (`.search`, `.sub`, `.pattern`…), never as an argument to `re.sub` or
`isinstance` (tests/test_lazy_imports.py checks the modules' lazy patterns compile).
"""
from __future__ import annotations

import re
from typing import Any, cast

_ATTRS = ("search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer", "scanner",
          "pattern", "flags", "groups", "groupindex")


class CompiledPattern:
    """A lazy pattern once compiled: the compiled pattern's methods in slots."""
    __slots__ = ("_args",) + _ATTRS
    _args: tuple[str, int]

    def __repr__(self) -> str:
        return f"lazy({self._args[0]!r})"


class LazyPattern(CompiledPattern):
    __slots__ = ()

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only while the pattern is not compiled yet
        if name not in _ATTRS:
            raise AttributeError(name)
        compiled = re.compile(*self._args)
        for attr in _ATTRS:
            setattr(self, attr, getattr(compiled, attr))
        object.__setattr__(self, "__class__", CompiledPattern)  # (no __getattr__: plain slot reads from now on)
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, compiled when first used (see the module's note)."""
    return cast("re.Pattern[str]", LazyPattern(pattern, flags))
