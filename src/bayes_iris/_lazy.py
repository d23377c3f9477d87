"""Lazy exports for package ``__init__`` files: ``import bayes_iris.trajectory`` stays light (no
PyMC, no JAX) until a name is used, so that the report and the command line start fast.

Usage in a package ``__init__``::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {".model": ["TrajectoryModel"]})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for a package exporting ``{module: [names]}``.

    Examples
    --------
    >>> getattr_, dir_, all_ = lazy_exports("bayes_iris", {".seeds": ["rng"]})
    >>> all_, getattr_("rng").__name__
    (['rng'], 'rng')
    """
    where = {name: module for module, names in exports.items() for name in names}
    names = sorted(where)

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name], package), name)

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__, names
