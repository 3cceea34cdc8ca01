"""Task names, families and suites.

A task is named ``family/scenario/instance`` (``synthetic/branin/0``, ``sklearn/svc/digits``,
``yahpo/lcbench/167190``); a suite is named ``family/scenario`` and splits its instances into
``train`` / ``validation`` / ``test`` (``all`` selects every instance).

Each family lives in its own module, imported on first use, that provides:

- ``make_task(scenario: str, instance: str, **options) -> Task``
- ``suite_names(**options) -> list[str]``: the suites it offers, e.g. ``["yahpo/lcbench", ...]``
- ``load_suite(scenario: str, **options) -> Suite``
- ``DESCRIPTION``: one line for ``rl-hpo tasks``
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from rl_hpo.exceptions import DataNotFoundError, TaskNotFoundError
from rl_hpo.tasks.base import Task

__all__ = [
    "SPLITS",
    "Suite",
    "families",
    "load_suite",
    "load_task",
    "register_family",
    "suite_names",
    "written_integer",
]

SPLITS = ("train", "validation", "test")

_FAMILIES: dict[str, str] = {
    "synthetic": "rl_hpo.tasks.synthetic",
    "yahpo": "rl_hpo.tasks.yahpo",
    "sklearn": "rl_hpo.tasks.sklearn",
    "prior": "rl_hpo.tasks.prior",
}
_BUILT_IN_FAMILIES = frozenset(_FAMILIES)  # a plugin may not replace these: "yahpo/lcbench" is always the package's


@dataclass(frozen=True)
class Suite:
    """A named collection of tasks with fixed meta-train / validation / test splits.

    Attributes:
        name: ``family/scenario``.
        splits: split name -> task names (full ``family/scenario/instance`` names).
        options: options passed on to ``load_task`` for every task of the suite.
    """

    name: str
    splits: dict[str, tuple[str, ...]]
    options: dict[str, Any] = field(default_factory=dict)

    def task_names(self, split: str = "all") -> list[str]:
        if split == "all":
            seen: dict[str, None] = {}
            for names in self.splits.values():
                seen.update(dict.fromkeys(names))
            return list(seen)
        if split not in self.splits:
            raise ValueError(
                f"Suite {self.name!r} has no split {split!r}; choose one of: {', '.join([*self.splits, 'all'])}."
            )
        return list(self.splits[split])

    def split_sizes(self) -> str:
        """How many tasks each non-empty split holds, e.g. ``"train 4"`` (for messages about an empty split)."""
        return ", ".join(f"{split} {len(names)}" for split, names in self.splits.items() if names)

    def split_of(self, task_name: str) -> str | None:
        return next((s for s, names in self.splits.items() if task_name in names), None)

    def load(self, split: str = "all", **options: Any) -> list[Task]:
        return [load_task(n, **{**self.options, **options}) for n in self.task_names(split)]


def register_family(name: str, module: str) -> None:
    """Register a task family implemented by ``module`` (see this module's docstring)."""
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"A task family's name must be a non-empty string without '/', got {name!r}.")
    if not isinstance(module, str):
        raise TypeError(f"register_family takes the module's name (e.g. __name__), got {type(module).__name__}.")
    if name.strip().lower() in _BUILT_IN_FAMILIES:
        raise ValueError(
            f"{name!r} is a built-in task family; register yours under another name (the built-in ones: "
            f"{', '.join(sorted(_BUILT_IN_FAMILIES))})."
        )
    _FAMILIES[name] = module


def families() -> dict[str, ModuleType]:
    return {name: _family(name) for name in _FAMILIES}


def _family(name: str) -> ModuleType:
    if name not in _FAMILIES:
        raise TaskNotFoundError(
            f"Unknown task family {name!r}; choose one of: {', '.join(sorted(_FAMILIES))}. (A family of your own is "
            "known once its module is imported: rl-hpo's --plugins MOD, or import it in Python.)"
        )
    module = importlib.import_module(_FAMILIES[name])
    missing = [f for f in ("make_task", "suite_names", "load_suite") if not callable(getattr(module, f, None))]
    if missing:
        raise TaskNotFoundError(
            f"The task family {name!r} (module {module.__name__}) lacks {', '.join(missing)}: a family's module "
            "provides make_task, suite_names, load_suite and DESCRIPTION (rl_hpo.tasks.registry)."
        )
    return module


def written_integer(text: str | int) -> int | None:
    """The non-negative integer ``text`` writes as Python writes it (``"3"``, not ``"03"`` or ``"+3"``), so that a
    task has one name (an instance's seed, a scenario's dimension); None for anything else."""
    text = str(text)
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text:
        return None
    return int(text)


def _split_name(name: str, parts: int, what: str, form: str, example: str) -> list[str]:
    if not isinstance(name, str):
        raise TaskNotFoundError(f"A {what} name must be a string like {example!r}, got {name!r}.")
    pieces = name.strip("/").split("/")
    if len(pieces) != parts or not all(pieces):
        raise TaskNotFoundError(f"{name!r} is not a {what} name; write it as {form}, e.g. {example!r}.")
    return pieces


def load_task(name: str, **options: Any) -> Task:
    """The task named ``family/scenario/instance``, e.g. ``"synthetic/branin/0"``.

    Raises:
        TaskNotFoundError: for an unknown family, scenario or instance (the message lists the choices).
    """
    family, scenario, instance = _split_name(name, 3, "task", "family/scenario/instance", "synthetic/branin/0")
    return _family(family).make_task(scenario, instance, **options)


def load_suite(name: str, **options: Any) -> Suite:
    """The suite named ``family/scenario``, e.g. ``"yahpo/lcbench"``."""
    family, scenario = _split_name(name, 2, "suite", "family/scenario", "yahpo/lcbench")
    return _family(family).load_suite(scenario, **options)


def suite_names(**options: Any) -> list[str]:
    """Every suite of every registered family (none of a family whose data folder holds none)."""
    out: list[str] = []
    for name in _FAMILIES:
        try:
            out.extend(_family(name).suite_names(**options))
        except DataNotFoundError:
            continue
    return out
