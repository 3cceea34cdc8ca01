"""The Task protocol: what is tuned.

A task has a search space and ``evaluate(config, fidelity=None) -> Result``. Scores are always "higher is
better" after the task's own sign convention, costs are seconds (measured or simulated). A task may have a
fidelity (epochs, train-set fraction) and known score bounds for normalized regret.
"""

from __future__ import annotations

import copy
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rl_hpo.space import SearchSpace

__all__ = [
    "DEGENERATE_SPAN",
    "Fidelity",
    "FunctionTask",
    "Result",
    "ScoreBounds",
    "Task",
    "TaskView",
    "as_number",
    "evaluate_unit_many",
]


@dataclass(frozen=True)
class Result:
    """The outcome of one evaluation.

    Attributes:
        score: higher is better; NaN marks a failed evaluation.
        cost: seconds the evaluation took (measured, or simulated by a surrogate).
        info: anything else (raw metric values, the error of a failed trial, ...).
    """

    score: float
    cost: float = 0.0
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return not math.isfinite(self.score)

    @classmethod
    def failure(cls, error: str, cost: float = 0.0, **info: Any) -> Result:
        return cls(float("nan"), cost, {"error": error, **info})


@dataclass(frozen=True)
class Fidelity:
    """A fidelity dimension such as epochs 1..52 or a train-set fraction 0.03..1.

    Budgets count full-fidelity-equivalent evaluations: an evaluation at fidelity ``f`` costs
    ``f / high`` of one full evaluation.
    """

    name: str
    low: float
    high: float
    integer: bool = False

    def __post_init__(self) -> None:
        bounds = (self.low, self.high)
        if not all(isinstance(b, int | float | np.integer | np.floating) and not isinstance(b, bool) for b in bounds):
            raise ValueError(
                f"Fidelity {self.name!r} needs numbers low and high, got low={self.low!r}, high={self.high!r}."
            )
        if not (0 < self.low < self.high < math.inf) or self.high / self.low == math.inf:
            raise ValueError(
                f"Fidelity {self.name!r} needs 0 < low < high < inf with a finite ratio high / low, got "
                f"low={self.low}, high={self.high}."
            )

    def clip(self, value: float) -> float:
        """``value`` within [low, high]; an integer fidelity rounded half up (Python's ``round`` would take 2.5 to 2
        and 3.5 to 4) and given as an int, as an objective's ``epochs`` or ``n_estimators`` needs it."""
        v = min(self.high, max(self.low, float(value)))
        return int(min(self.high, math.floor(v + 0.5))) if self.integer else v

    def fraction(self, value: float | None) -> float:
        """Cost of an evaluation at ``value`` in full-fidelity evaluations."""
        return 1.0 if value is None else float(value) / self.high


#: Bounds that span less than this, relative to their magnitude (at least 1), are degenerate: every mean,
#: rank and test leaves such a task out (``ScoreBounds.degenerate``).
DEGENERATE_SPAN = 1e-9


@dataclass(frozen=True)
class ScoreBounds:
    """The worst and best attainable scores of a task (for normalized regret)."""

    worst: float
    best: float

    @property
    def degenerate(self) -> bool:
        """Whether the bounds span almost nothing (``DEGENERATE_SPAN``): the scores are constant up to
        round-off (some YAHPO instances output a constant metric), so a regret would be noise of any size."""
        span = self.best - self.worst
        return not span > DEGENERATE_SPAN * max(1.0, abs(self.best), abs(self.worst))

    def regret(self, score: float | np.ndarray) -> float | np.ndarray:
        """Normalized regret (best - score) / (best - worst), clipped to [0, 1]."""
        span = self.best - self.worst
        if span <= 0:
            return np.zeros_like(np.asarray(score, dtype=float)) if np.ndim(score) else 0.0
        r = np.clip((self.best - np.asarray(score, dtype=float)) / span, 0.0, 1.0)
        return r if np.ndim(r) else float(r)


class Task(ABC):
    """A hyperparameter-tuning problem.

    Subclasses set ``name`` and ``space`` (and ``fidelity`` / ``bounds`` where they have them) and
    implement ``evaluate``. ``evaluate_unit`` is the vectorized fast path used by the tuning environment
    and benchmark suites; override it where the task can evaluate many points at once.
    """

    name: str
    space: SearchSpace
    fidelity: Fidelity | None = None
    bounds: ScoreBounds | None = None

    @abstractmethod
    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        """Evaluate one configuration at ``fidelity`` (None: the highest)."""

    def evaluate_batch(self, configs: Sequence[Mapping[str, Any]], fidelity: float | None = None) -> list[Result]:
        return [self.evaluate(c, fidelity) for c in configs]

    def evaluate_unit(self, u: np.ndarray, fidelity: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Evaluate cube points ``u`` of shape (n, d); returns ``(scores, costs)`` arrays of shape (n,)."""
        results = self.evaluate_batch(self.space.decode_batch(np.atleast_2d(u)), fidelity)
        return (
            np.array([r.score for r in results], dtype=float),
            np.array([r.cost for r in results], dtype=float),
        )

    def batch_key(self) -> Hashable | None:
        """Tasks with the same key (not None) are evaluated together by ``evaluate_unit_together``.

        Surrogates of several datasets that share one model (the instances of a YAHPO scenario) answer
        all their points in one model call; None (the default) evaluates the task on its own.
        """
        return None

    @classmethod
    def evaluate_unit_together(cls, tasks: Sequence[Task], points: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The scores of ``points[i]`` (cube points, shape (n_i, d)) on ``tasks[i]`` at the highest fidelity.

        Called by ``evaluate_unit_many`` for tasks that share a ``batch_key``; this default evaluates them
        one after another.
        """
        return [task.evaluate_unit(u)[0] for task, u in zip(tasks, points)]

    def fingerprint(self) -> str | None:
        """A short hash of what, beside ``name`` and ``space``, decides this task's scores (a live task's data
        and settings), or None where the name says it all (the default). A journal refuses to resume its run
        on a task of another fingerprint."""
        return None

    def budget_fraction(self, fidelity: float | None) -> float:
        """The share of one full-fidelity evaluation that an evaluation at ``fidelity`` costs."""
        return 1.0 if self.fidelity is None else self.fidelity.fraction(fidelity)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def evaluate_unit_many(tasks: Sequence[Task], points: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The scores of ``points[i]`` on ``tasks[i]`` (highest fidelity), with one call per ``batch_key`` group.

    The tuning environments step many episodes at once; this evaluates all their proposals with as few
    model calls as the tasks allow.
    """
    out: list[np.ndarray | None] = [None] * len(tasks)
    groups: dict[Hashable, list[int]] = {}
    for i, task in enumerate(tasks):
        key = task.batch_key()
        groups.setdefault(("task", id(task)) if key is None else ("key", key), []).append(i)
    for members in groups.values():
        first = tasks[members[0]]
        scores = type(first).evaluate_unit_together([tasks[i] for i in members], [points[i] for i in members])
        for i, s in zip(members, scores):
            out[i] = s
    return out  # type: ignore[return-value]


class TaskView(Task):
    """Another task seen another way (its scores told differently, its space declared differently): a subclass
    sets what it changes and implements ``evaluate``; name, space, fidelity and bounds start as the wrapped task's,
    and what a journal checks (``fingerprint``) and ``close`` go to it."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.name = task.name
        self.space = task.space
        self.fidelity = task.fidelity
        self.bounds = task.bounds

    def fingerprint(self) -> str | None:
        return self.task.fingerprint()

    def close(self) -> None:
        close = getattr(self.task, "close", None)
        if close is not None:
            close()


class FunctionTask(Task):
    """A user's objective function as a task.

    Args:
        objective: ``objective(config) -> float`` (or ``objective(config, fidelity)`` when ``fidelity`` is
            given). It may also return a ``Result``.
        space: the search space (a ``SearchSpace`` or a plain spec for ``SearchSpace.from_dict``).
        direction: "maximize" (default) or "minimize"; scores are negated for minimization so that every
            optimizer maximizes.
        name: shown in histories and reports.
        fidelity: an optional fidelity dimension passed to the objective as its second argument (its
            ``high`` when the method does not choose one).
        timeout: seconds per evaluation; the objective then runs in a worker process that is killed when a
            trial runs past it (the trial fails and the run goes on). See ``rl_hpo.tasks.timeout``.

    Exceptions, NaN, infinite or non-numeric returns are not caught by ``evaluate``; ``Optimizer.optimize`` turns
    them into failed trials, with their errors. ``evaluate_unit`` (the tuning environments' path, which keeps
    scores only) scores such a configuration NaN, a failed evaluation.
    """

    def __init__(
        self,
        objective: Callable[..., Any],
        space: SearchSpace | Mapping[str, Any],
        *,
        direction: str = "maximize",
        name: str | None = None,
        fidelity: Fidelity | None = None,
        timeout: float | None = None,
    ) -> None:
        if not callable(objective):
            raise TypeError(f"objective must be callable, got {type(objective).__name__}.")
        if direction not in ("maximize", "minimize"):
            raise ValueError(f"direction must be 'maximize' or 'minimize', got {direction!r}.")
        self.objective = objective
        self.space = space if isinstance(space, SearchSpace) else SearchSpace.from_dict(space)
        self.direction = direction
        self.name = name or str(getattr(objective, "__name__", "objective"))
        self.fidelity = fidelity
        self.timeout = timeout
        self._call: Callable[..., Any] = objective
        if timeout is not None:
            from rl_hpo.tasks.timeout import TimedObjective

            self._call = TimedObjective(objective, timeout)

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        start = time.perf_counter()
        if self.fidelity is None:
            value = self._call(dict(config))
        else:  # None, from a method that does not use fidelities, is the highest
            value = self._call(dict(config), self.fidelity.high if fidelity is None else fidelity)
        elapsed = time.perf_counter() - start
        if isinstance(value, Result):
            returned, cost, info = value.score, value.cost or elapsed, dict(value.info)
        else:
            returned, cost, info = value, elapsed, {}
        score = as_number(returned)
        if score is None:
            what = "a Result whose score is " if isinstance(value, Result) else ""
            raise TypeError(
                f"the objective returned {what}{type(returned).__name__} {returned!r}; it must return one number."
            )
        if self.direction == "minimize":
            info.setdefault("objective", score)
            score = -score
        return Result(score, cost, info)

    def evaluate_unit(self, u: np.ndarray, fidelity: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``Task.evaluate_unit``, with a score of NaN (a failed evaluation) for a configuration whose objective
        raises, runs past its timeout or returns no finite number, as ``Optimizer.optimize`` scores it: a tuning
        environment on a live objective goes on past a configuration that fails, as a tuning run does."""
        from rl_hpo.optimizer import Trial, evaluate_safely  # the optimizer module imports this one

        configs = self.space.decode_batch(np.atleast_2d(u))
        results = [evaluate_safely(self, Trial(i, config, fidelity)) for i, config in enumerate(configs)]
        return np.array([r.score for r in results], dtype=float), np.array([r.cost for r in results], dtype=float)

    def without_timeout(self) -> FunctionTask:
        """This task calling its objective directly, for a worker process that keeps the time itself
        (``rl_hpo.parallel``): a copy that does not share this one's timeout worker."""
        other = copy.copy(self)
        other.timeout, other._call = None, self.objective
        return other

    def close(self) -> None:
        """Stop the worker process of a task with a ``timeout`` (a later evaluation starts a new one)."""
        close = getattr(self._call, "close", None)
        if close is not None:
            close()


def as_number(value: Any) -> float | None:
    """``value`` as one float (a one-element array as its element), or None where it is not one number: a bool
    (``np.bool_`` too: a comparison returned by mistake), text (``float("0.5")`` would pass a score kept as text),
    None, or what ``float()`` refuses. NaN and infinities are numbers, and so is a number beyond a float's range
    (an infinity)."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
    except OverflowError:  # a number beyond a float's range (a huge int or Fraction): infinite, as Decimal("1e400") is
        try:
            return math.inf if value > 0 else -math.inf
        except TypeError:
            return None
