"""The evaluation core: normalized regret of the best score so far, at a budget, for one run or many.

Every number the project publishes is computed here or from ``trials.csv`` built with it: studies
(``rl_hpo.bench.trials`` uses ``best_so_far_regret``), training validation and policy selection
(``evaluate_method``), specialist cross-validation and portfolio evaluation (the scripts call
``evaluate_method`` or ``best_so_far_regret``). The definitions are the benchmark protocol's (``benchmarks/README.md``):

- the regret of a run after evaluation ``i`` is ``(best - incumbent) / (best - worst)`` with the task's
  bounds, where the incumbent is the best score among the evaluations ``0..i`` that count (successful, and
  at the highest fidelity); ``NO_INCUMBENT_REGRET`` (1) before the first one;
- the regret at budget ``b`` is that of the last evaluation with ``budget_used <= b`` (full-fidelity-equivalent
  evaluations; one per trial for single-fidelity methods).

``evaluate_method`` uses each task's stored bounds as they are; a study (``rl-hpo bench``) raises a stored best
that one of its runs beat, for every regret of the study (``rl_hpo.bench.trials``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from rl_hpo.history import History
from rl_hpo.optimizer import Optimizer
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import ScoreBounds, Task
from rl_hpo.tasks.registry import load_task

__all__ = [
    "EVAL_BUDGETS",
    "NO_INCUMBENT_REGRET",
    "EvalResult",
    "best_score_at",
    "best_so_far_regret",
    "evaluate_method",
    "incumbent_values",
    "last_within",
    "regret_at",
]

#: Regret of a run that has no successful evaluation yet (nothing to recommend).
NO_INCUMBENT_REGRET = 1.0
#: Relative tolerance when matching a budget against cumulative budgets (``last_within``).
BUDGET_TOL = 1e-9
#: The budgets ``evaluate_method`` reports besides the run's own.
EVAL_BUDGETS = (10, 25)


def best_so_far_regret(scores: np.ndarray, bounds: ScoreBounds, counted: np.ndarray | None = None) -> np.ndarray:
    """Normalized regret of the best score so far after each evaluation.

    Args:
        scores: the run's scores in order (higher is better; NaN for a failed evaluation).
        bounds: the task's score bounds.
        counted: which evaluations may become the incumbent (default: all; e.g. only full-fidelity ones).
    """
    scores = np.asarray(scores, dtype=float)
    incumbent = incumbent_values(scores, scores, counted)
    has = np.isfinite(incumbent)
    regret = np.full(scores.shape, NO_INCUMBENT_REGRET)
    if has.any():
        regret[has] = bounds.regret(incumbent[has])
    return regret


def incumbent_values(scores: np.ndarray, values: np.ndarray, counted: np.ndarray | None = None) -> np.ndarray:
    """After each evaluation, ``values`` at the incumbent: the evaluation of the best score so far among the
    ``counted`` successful ones (the first of equal scores), as in ``best_so_far_regret``; NaN before any.
    E.g. the test-side score of the configuration a run would recommend."""
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        return np.empty(0)
    counted = np.ones(scores.shape, dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    candidates = np.where(counted & np.isfinite(scores), scores, -np.inf)
    best_before = np.concatenate([[-np.inf], np.maximum.accumulate(candidates)[:-1]])
    index = np.maximum.accumulate(np.where(candidates > best_before, np.arange(scores.size), -1))
    return np.where(index >= 0, np.asarray(values, dtype=float)[np.maximum(index, 0)], np.nan)


def last_within(budget_used: np.ndarray, budgets: Sequence[float] | np.ndarray) -> np.ndarray:
    """For each budget, the index of a run's last evaluation done within it (-1: none yet). ``budget_used`` is
    the run's cumulative full-fidelity-equivalent budget per evaluation (non-decreasing); a budget is matched
    with a relative tolerance of 1e-9, since sums of fractions such as 1/3 land just above a whole number."""
    budgets = np.asarray(budgets, dtype=float)
    reach = budgets + BUDGET_TOL * np.maximum(1.0, np.abs(budgets))
    return np.searchsorted(np.asarray(budget_used, dtype=float), reach, side="right") - 1


def best_score_at(
    scores: np.ndarray,
    budget_used: np.ndarray,
    budgets: Sequence[float] | np.ndarray,
    counted: np.ndarray | None = None,
) -> np.ndarray:
    """The best score among the ``counted`` successful evaluations done once each budget is used (NaN where
    there is none yet). ``budget_used`` is the run's cumulative full-fidelity-equivalent budget per evaluation."""
    scores = np.asarray(scores, dtype=float)
    counted = np.ones(scores.shape, dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    best = np.fmax.accumulate(np.where(counted & np.isfinite(scores), scores, np.nan)) if scores.size else scores
    return np.array([best[i] if i >= 0 else np.nan for i in last_within(budget_used, budgets)], dtype=float)


def regret_at(history: History, bounds: ScoreBounds, budgets: Sequence[float]) -> list[float]:
    """A run's regret at each budget (full-fidelity-equivalent evaluations; see the module docstring).

    Evaluations below the task's highest fidelity count toward the budget but never become the incumbent.
    """
    scores = np.array([r.score for r in history.records], dtype=float)
    full = np.array([r.budget_fraction >= 1.0 - 1e-9 for r in history.records], dtype=bool)
    used = np.cumsum([r.budget_fraction for r in history.records])
    best = best_score_at(scores, used, budgets, full)
    return [NO_INCUMBENT_REGRET if np.isnan(b) else float(bounds.regret(b)) for b in best]


@dataclass
class EvalResult:
    """Normalized regret of a method on tasks (mean over tasks of the mean over seeds).

    Attributes:
        regret: budget -> mean normalized regret of the best score after that many evaluations.
        per_task: task name -> (budget -> mean regret over seeds).
        score: the selection criterion, the mean of ``regret`` over its budgets (lower is better).
    """

    regret: dict[int, float]
    per_task: dict[str, dict[int, float]] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(np.mean(list(self.regret.values())))


def evaluate_method(
    make: Callable[[SearchSpace, int], Optimizer],
    tasks: Sequence[Task | str],
    *,
    seeds: Sequence[int] = (0, 1, 2),
    budget: int = 50,
) -> EvalResult:
    """Run the optimizer ``make(space, seed)`` on every task and seed and average the normalized regret of
    its best score at 10, 25 and ``budget`` evaluations (with the tasks' stored bounds).

    A task whose bounds are degenerate (``ScoreBounds.degenerate``: constant scores) is left out of the mean,
    with a warning naming it, as a study leaves it out of every mean and rank.

    Raises:
        ValueError: if a task has no score bounds, or every task's bounds are degenerate.
    """
    budgets = sorted({b for b in (*EVAL_BUDGETS, budget) if b <= budget})
    per_task: dict[str, dict[int, float]] = {}
    left_out: list[str] = []
    for item in tasks:
        task = load_task(item) if isinstance(item, str) else item
        if task.bounds is None:
            raise ValueError(f"Task {task.name!r} has no score bounds; normalized regret needs them.")
        if task.bounds.degenerate:
            warnings.warn(
                f"Left out {task.name!r}: its score bounds span {task.bounds.best - task.bounds.worst:.3g} "
                "(constant scores), so it has no usable regret.",
                stacklevel=2,
            )
            left_out.append(task.name)
            continue
        curves = [regret_at(make(task.space, int(seed)).optimize(task, budget), task.bounds, budgets) for seed in seeds]
        per_task[task.name] = dict(zip(budgets, np.mean(curves, axis=0).tolist()))
    if not per_task:
        raise ValueError(f"Every task's score bounds are degenerate ({left_out}); there is no regret to average.")
    regret = {b: float(np.mean([r[b] for r in per_task.values()])) for b in budgets}
    return EvalResult(regret, per_task)
