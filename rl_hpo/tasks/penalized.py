"""A task whose bad configurations "fail" with a huge penalty: the score a user's objective often returns for a
diverged or crashed configuration instead of raising (``return -1e20``).

``PenalizedTask(task, penalty)`` tells the optimizer ``-penalty`` for every configuration whose normalized regret
on the task, ``(best - score) / (best - worst)``, exceeds ``PENALIZED_REGRET``, and the task's own score
otherwise: a cliff of arbitrary height where the task's scores were smooth. Each result keeps the task's own score
in ``info["score_as_is"]``, and ``rl_hpo.tasks.heavy_tail.as_is(history)`` gives a run back with those scores, so
that its regret is measured on the task's own scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rl_hpo.tasks.base import Result, ScoreBounds, Task, TaskView
from rl_hpo.tasks.heavy_tail import SCORE_AS_IS

__all__ = ["PENALIZED_REGRET", "PenalizedTask"]

#: Configurations whose normalized regret exceeds this are told the penalty.
PENALIZED_REGRET = 0.5


class PenalizedTask(TaskView):
    """``task`` with the score ``-penalty`` told for its bad configurations (the module docstring); ``task`` needs
    bounds."""

    def __init__(self, task: Task, penalty: float) -> None:
        if task.bounds is None or task.bounds.degenerate:
            raise ValueError(f"A penalized view needs a task with score bounds; {task.name!r} has none.")
        if not (math.isfinite(penalty) and penalty > 0.0):
            raise ValueError(f"The penalty must be a positive finite number; got {penalty!r}.")
        super().__init__(task)
        self.penalty = float(penalty)
        self.bounds = ScoreBounds(worst=-self.penalty, best=task.bounds.best)

    def told(self, score: float) -> float:
        """The score the optimizer is told for one of the task's own scores."""
        inner = self.task.bounds
        assert inner is not None
        return -self.penalty if (inner.best - score) / (inner.best - inner.worst) > PENALIZED_REGRET else score

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        result = self.task.evaluate(config, fidelity)
        return Result(self.told(result.score), result.cost, {**result.info, SCORE_AS_IS: result.score})
