"""Evaluate the trials of a round at the same time, in worker processes (``optimize(..., workers=N)``).

A round is the trials an optimizer was asked for before the first of them is told (``optimize``'s ``batch``).
Each worker is a process of its own (``rl_hpo.tasks.timeout.TimedObjective``: forked on Linux, so closures and
lambdas work; stopped with whatever it started), started at the first round and reused; a worker that dies is
replaced at the next trial. The results are told in the order the trials were asked, whichever finishes first,
so a seed gives the same trials with any number of workers, as ``optimize(..., batch=N)`` alone would.

A task's evaluation runs in the worker, so what the objective changes outside itself (a list it appends to, a
global) does not reach the calling process. A ``FunctionTask``'s ``timeout`` applies to each trial from the
moment its worker receives it.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rl_hpo.tasks.base import FunctionTask, Result, Task
from rl_hpo.tasks.timeout import TimedObjective

if TYPE_CHECKING:
    from rl_hpo.optimizer import Trial

__all__ = ["ParallelEvaluator", "check_workers"]


def check_workers(workers: object) -> None:
    """Refuse a number of workers that is not an int >= 1."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"The 'workers' parameter must be an int >= 1. Got {workers!r} instead.")


def _evaluate(task: Task, config: dict[str, Any], fidelity: float | None) -> Result:
    """One trial's evaluation, as a worker runs it."""
    return task.evaluate(config, fidelity)


class ParallelEvaluator:
    """``workers`` worker processes that evaluate trials of ``task`` at the same time.

    Usage: ``with ParallelEvaluator(task, 4) as pool: results = pool.evaluate(trials)``: one ``Result`` per trial,
    in order, a failed one (``Result.failure``) where the objective raised, timed out, returned no number or its
    worker died, as ``rl_hpo.optimizer.evaluate_safely`` makes them.
    """

    def __init__(self, task: Task, workers: int) -> None:
        check_workers(workers)
        timeout = None
        if isinstance(task, FunctionTask) and task.timeout is not None:
            # The worker calls the objective itself and the pool keeps its time (a forked worker would otherwise share
            # the task's own timeout worker with this process).
            timeout, task = task.timeout, task.without_timeout()
        self.task = task
        self._workers = [TimedObjective(functools.partial(_evaluate, task), timeout) for _ in range(workers)]

    def evaluate(self, trials: Sequence[Trial]) -> list[Result]:
        """Evaluate ``trials``, as many at a time as there are workers; their results in the trials' order."""
        from rl_hpo.optimizer import evaluate_safely  # the optimizer module imports this one

        results: list[Result] = []
        width = len(self._workers)
        for first in range(0, len(trials), width):
            chunk = trials[first : first + width]
            started = []
            for worker, trial in zip(self._workers, chunk, strict=False):
                started.append(time.perf_counter())
                worker.submit(dict(trial.config), trial.fidelity)
            for worker, trial, start in zip(self._workers, chunk, started, strict=False):
                results.append(evaluate_safely(self.task, trial, evaluate=worker.result, started=start))
        return results

    def close(self) -> None:
        """Stop every worker (and what its objective started) and reap it."""
        for worker in self._workers:
            with contextlib.suppress(Exception):
                worker.close()

    def __enter__(self) -> ParallelEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
