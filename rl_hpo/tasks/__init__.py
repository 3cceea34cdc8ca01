"""What is tuned: the Task protocol and the task families (synthetic, yahpo, sklearn).

The families are imported on first use (``rl_hpo.tasks.SyntheticTask`` imports the synthetic module), so
``import rl_hpo`` does not pay for scikit-learn or onnxruntime.
"""

from __future__ import annotations

from rl_hpo.lazy_exports import lazy_exports
from rl_hpo.tasks.base import Fidelity, FunctionTask, Result, ScoreBounds, Task
from rl_hpo.tasks.registry import SPLITS, Suite, families, load_suite, load_task, register_family, suite_names

_WHERE = {  # name -> the module of rl_hpo.tasks that defines it
    "SyntheticTask": "synthetic",
    "YahpoTask": "yahpo",
    "SklearnTask": "sklearn",
    "TabulatedSklearnTask": "sklearn",
    "make_sklearn_task": "sklearn",
    "load_csv_task": "sklearn",
    "tabulate": "sklearn",
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


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
