"""What is tuned: the Task protocol and the task families (synthetic, yahpo, sklearn).

The families are imported on first use (``rl_hpo.tasks.SyntheticTask`` imports the synthetic module), so
``import rl_hpo`` does not pay for scikit-learn or onnxruntime.
"""

from __future__ import annotations

import importlib
from typing import Any

from rl_hpo.tasks.base import Fidelity, FunctionTask, Result, ScoreBounds, Task
from rl_hpo.tasks.registry import SPLITS, Suite, families, load_suite, load_task, register_family, suite_names

_LAZY = {
    "SyntheticTask": "rl_hpo.tasks.synthetic",
    "YahpoTask": "rl_hpo.tasks.yahpo",
    "SklearnTask": "rl_hpo.tasks.sklearn",
    "TabulatedSklearnTask": "rl_hpo.tasks.sklearn",
    "make_sklearn_task": "rl_hpo.tasks.sklearn",
    "load_csv_task": "rl_hpo.tasks.sklearn",
    "tabulate": "rl_hpo.tasks.sklearn",
}

__all__ = [
    "SPLITS",
    "Fidelity",
    "FunctionTask",
    "Result",
    "ScoreBounds",
    "SklearnTask",
    "Suite",
    "SyntheticTask",
    "TabulatedSklearnTask",
    "Task",
    "YahpoTask",
    "families",
    "load_csv_task",
    "load_suite",
    "load_task",
    "make_sklearn_task",
    "register_family",
    "suite_names",
    "tabulate",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
