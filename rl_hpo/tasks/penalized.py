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

from rl_hpo.tasks.base import ScoreBounds, Task
from rl_hpo.tasks.heavy_tail import ToldScoreView

__all__ = ["PENALIZED_REGRET", "PenalizedTask"]

#: Configurations whose normalized regret exceeds this are told the penalty.
PENALIZED_REGRET = 0.5


class PenalizedTask(ToldScoreView):
    """``task`` with the score ``-penalty`` told for its bad configurations (the module docstring); ``task`` needs
    bounds."""

    def __init__(self, task: Task, penalty: float) -> None:
        super().__init__(task, "penalized")
        if not (math.isfinite(penalty) and penalty > 0.0):
            raise ValueError(f"The penalty must be a positive finite number; got {penalty!r}.")
        self.penalty = float(penalty)
        assert task.bounds is not None  # checked by ToldScoreView
        self.bounds = ScoreBounds(worst=-self.penalty, best=task.bounds.best)

    def told(self, score: float) -> float:
        """The score the optimizer is told for one of the task's own scores."""
        inner = self.task.bounds
        assert inner is not None
        return -self.penalty if (inner.best - score) / (inner.best - inner.worst) > PENALIZED_REGRET else score
