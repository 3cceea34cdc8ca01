"""A task seen through a heavy-tailed loss: the same configurations in the same order, with scores spread over
orders of magnitude.

Real objectives often come on such a scale: a mean squared error of 1e4 for a diverged network beside 0.1 for
a good one, a loss that explodes where a learning rate is too high. Methods that only rank the scores (random
search, TPE) are unaffected by a monotone change of the score; a GP fitted to the standardized scores is not:
a few very bad scores set the scale and squeeze every good one into a sliver of it.
``HeavyTailedTask(task, k)`` tells the optimizer ``-expm1(k * r)`` for a score whose normalized regret on the
task is ``r = (best - score) / (best - worst)`` (not clipped, so the map increases everywhere): a loss from 0
at the task's best score to ``e**k - 1`` at its worst, which grows by a factor ``e`` with every ``1 / k`` of
regret. Each result keeps the task's own score in ``info["score_as_is"]``, and ``as_is(history)`` gives a run
back with those scores, so that its regret is measured on the task's own scale.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from rl_hpo.history import History
from rl_hpo.tasks.base import Result, ScoreBounds, Task, TaskView

__all__ = ["HeavyTailedTask", "ToldScoreView", "as_is"]

SCORE_AS_IS = "score_as_is"
#: Scores further below the worst than this exponent allows all get the loss ``e**MAX_EXPONENT - 1`` (finite).
MAX_EXPONENT = 700.0


class ToldScoreView(TaskView):
    """A task whose every score is told through ``told`` (a subclass's), the task's own kept in
    ``info["score_as_is"]`` for ``as_is``; ``task`` needs score bounds, from which ``told`` reads the regret."""

    def __init__(self, task: Task, what: str) -> None:
        if task.bounds is None or task.bounds.degenerate:
            raise ValueError(f"A {what} view needs a task with score bounds; {task.name!r} has none.")
        super().__init__(task)

    def told(self, score: float) -> float:
        raise NotImplementedError

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        result = self.task.evaluate(config, fidelity)
        return Result(self.told(result.score), result.cost, {**result.info, SCORE_AS_IS: result.score})


class HeavyTailedTask(ToldScoreView):
    """``task`` with its scores told as ``-expm1(k * r)`` (see the module docstring); ``task`` needs bounds."""

    def __init__(self, task: Task, k: float) -> None:
        super().__init__(task, "heavy-tailed")
        if not (math.isfinite(k) and k > 0.0):
            raise ValueError(f"The tail exponent k must be a positive number; got {k!r}.")
        self.k = float(k)
        self.bounds = ScoreBounds(worst=-math.expm1(self.k), best=0.0)

    def told(self, score: float) -> float:
        """The heavy-tailed score of one of the task's own scores."""
        inner = self.task.bounds
        assert inner is not None
        exponent = self.k * (inner.best - score) / (inner.best - inner.worst)
        return -math.expm1(min(exponent, MAX_EXPONENT))


def as_is(history: History) -> History:
    """The run with each trial's score as the task itself gave it (trials not from a ``HeavyTailedTask`` stay
    as they are)."""
    out = History(
        task=history.task,
        method=history.method,
        seed=history.seed,
        direction=history.direction,
        max_fidelity=history.max_fidelity,
        params=history.params,
    )
    out.records = [
        dataclasses.replace(r, score=float(r.info[SCORE_AS_IS])) if SCORE_AS_IS in r.info else r
        for r in history.records
    ]
    return out
