"""Exports imported on first use: a package names the module of each such export, and imports that module only when
the name is first asked for, so that importing the package, or one light module of it, stays light (PEP 562)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, where: Mapping[str, str], exported: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``.

    Args:
        package: the package's ``__name__``.
        where: each lazily imported name -> its module, relative to the package (``"runner"`` for
            ``rl_hpo.bench.runner``).
        exported: the package's ``__all__``, which ``dir()`` lists.

    Use in a package's ``__init__``: ``__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)``.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return sorted(exported)

    return __getattr__, __dir__
