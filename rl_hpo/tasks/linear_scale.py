"""A task whose log-scaled parameters are declared on a linear scale: the same objective over a search space
as a user might write it by mistake.

A learning rate in [1e-5, 1e-1] declared ``Float(1e-5, 1e-1)`` instead of ``Float(1e-5, 1e-1, log=True)`` puts
every value below 1e-2 into the first tenth of its cube coordinate, where the good ones usually are. Random search
and TPE then sample that region rarely, and a GP with a stationary kernel sees a function that changes fast near
one end of the range and hardly at all elsewhere. ``LinearScaleTask(task)`` keeps ``task``'s objective, bounds
and parameters (with their conditions) and only drops ``log=True`` from the space, so a configuration means the
same to both and the regret of a run is measured on the task's own scale.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from rl_hpo.space import Float, Int, SearchSpace
from rl_hpo.tasks.base import Result, Task, TaskView

__all__ = ["LinearScaleTask", "linear_scale"]


def linear_scale(space: SearchSpace) -> SearchSpace:
    """``space`` with every log-scaled float and integer on a linear scale over the same range."""
    return SearchSpace(
        {
            name: dataclasses.replace(param, log=False) if isinstance(param, Float | Int) and param.log else param
            for name, param in space.items()
        }
    )


class LinearScaleTask(TaskView):
    """``task`` over ``linear_scale(task.space)`` (see the module docstring)."""

    def __init__(self, task: Task) -> None:
        super().__init__(task)
        self.space = linear_scale(task.space)

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        return self.task.evaluate(config, fidelity)
