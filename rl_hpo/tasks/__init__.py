"""What is tuned: the Task protocol and the task families (synthetic, yahpo, sklearn)."""

from rl_hpo.tasks.base import Fidelity, FunctionTask, Result, ScoreBounds, Task
from rl_hpo.tasks.registry import SPLITS, Suite, families, load_suite, load_task, register_family, suite_names

__all__ = [
    "SPLITS",
    "Fidelity",
    "FunctionTask",
    "Result",
    "ScoreBounds",
    "Suite",
    "Task",
    "families",
    "load_suite",
    "load_task",
    "register_family",
    "suite_names",
]
