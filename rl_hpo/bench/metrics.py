"""Head-to-head metrics computed from a trials table alone (``trials.csv`` of a study).

The definitions follow the benchmark protocol (``benchmarks/README.md``):

- **Regret at a budget.** A run's regret at budget ``b`` is the ``regret`` column (the normalized regret
  of the best score so far, see ``rl_hpo.bench.trials``) of its last evaluation with ``budget_used <= b``.
  An evaluation that would end past ``b`` (a multi-fidelity method's last trial can overshoot the budget)
  does not count at ``b``. A run with no evaluation by ``b`` has regret 1 (nothing to recommend).
- **Mean and standard error, over seeds then over tasks.** For each method and task: the mean ``m_t`` of
  the regrets of its seeds and their standard error ``s_t = sd_t / sqrt(n_t)`` (sample standard deviation,
  ddof = 1). Over the ``T`` tasks: ``regret_mean = mean_t(m_t)`` and ``regret_sem = sqrt(sum_t s_t^2) / T``,
  the standard error of that mean of independent per-task means (tasks are the study's fixed set, seeds
  the random part). With a single seed the standard error is undefined (NaN).
- **Average rank.** At each budget, the methods are ranked by regret on every (task, seed) pair (1 = the
  lowest regret; ties get the average of the ranks they span), and the ranks are averaged over seeds, then
  over tasks. Only (task, seed) pairs that every method ran are ranked.
- **Win rate** of A over B: the share of (task, seed) pairs on which A's regret is lower than B's, a tie
  counting one half.
- **Wilcoxon signed-rank test** over tasks: on the per-task mean regrets of A and B (two-sided,
  ``scipy.stats.wilcoxon`` with its default handling of zero differences: they are dropped); p = 1 when
  every difference is zero, NaN with no task in common.
- **Decision overhead**: ``decision_s`` is the optimizer's own time for one ask/tell round (what it spends
  deciding, not evaluating); the median over runs at the n-th trial (n = 10, 100, 500), and the median over
  all trials.
- **Regret vs simulated time**: the same best-so-far regret read at ``sim_time`` (the cumulative task cost
  plus decision time) on a log-spaced grid of times; a run that has finished keeps its final regret.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from rl_hpo.bench.evaluation import BUDGET_TOL, NO_INCUMBENT_REGRET, last_within

__all__ = [
    "DEFAULT_BUDGETS",
    "NO_INCUMBENT_REGRET",
    "Curves",
    "above_reference",
    "aggregate",
    "budget_grid",
    "decision_overhead",
    "final_budget",
    "mean_ranks",
    "rank_curves",
    "regret_curves",
    "summary_budgets",
    "summary_table",
    "time_grid",
    "wilcoxon_pvalue",
    "wilcoxon_table",
    "win_rate",
    "win_rate_table",
]

#: Budgets reported beside the final one (benchmarks/README.md).
DEFAULT_BUDGETS: tuple[float, ...] = (10, 25, 50)
#: Columns that identify one run.
RUN_KEYS = ["method", "task", "seed"]
# Budgets are sums of fidelity fractions: compare them with a tolerance for round-off.
_TOL = BUDGET_TOL


@dataclass(frozen=True)
class Curves:
    """The best-so-far regret of every run, read on a common grid.

    Attributes:
        methods, tasks, seeds: the labels of the first three axes of ``values``, in study order.
        grid: the budgets (or simulated times) at which regret is read, shape (G,).
        values: regret, shape (methods, tasks, seeds, G); NaN where a run is missing.
        ends: the run's last ``x`` value (its budget used or simulated time), shape (methods, tasks, seeds).
    """

    methods: tuple[str, ...]
    tasks: tuple[str, ...]
    seeds: tuple[int, ...]
    grid: np.ndarray
    values: np.ndarray
    ends: np.ndarray

    def at(self, x: float) -> np.ndarray:
        """The values at grid point ``x`` (which must be on the grid), shape (methods, tasks, seeds)."""
        hits = np.flatnonzero(np.isclose(self.grid, x, rtol=0, atol=_TOL * max(1.0, abs(x))))
        if hits.size == 0:
            raise ValueError(f"{x} is not on the grid {self.grid.tolist()}; build the curves on a grid that holds it.")
        return self.values[..., hits[0]]


def _check_columns(trials: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in [*RUN_KEYS, "trial", *columns] if c not in trials.columns]
    if missing:
        raise ValueError(
            f"The trials table lacks the column(s) {missing}; it needs {[*RUN_KEYS, 'trial', *columns]} "
            "(a trials.csv written by `rl-hpo bench`)."
        )


def regret_curves(
    trials: pd.DataFrame,
    grid: Sequence[float] | np.ndarray,
    *,
    x: str = "budget_used",
    column: str = "regret",
    before: float = NO_INCUMBENT_REGRET,
) -> Curves:
    """Read every run's ``column`` (a best-so-far regret) at the grid points of ``x``.

    Args:
        trials: the trials table (one row per evaluation).
        grid: increasing values of ``x`` at which to read the regret.
        x: a cumulative column: ``"budget_used"`` or ``"sim_time"``.
        column: ``"regret"`` (full-fidelity incumbent), ``"regret_any"`` (incumbent at any fidelity), or
            another column of the incumbent, e.g. ``"incumbent_test_score"``.
        before: the value at a grid point before the run's first evaluation (NaN for a score).
    """
    _check_columns(trials, x, column)
    grid = np.asarray(grid, dtype=float)
    methods = tuple(pd.unique(trials["method"]))
    tasks = tuple(pd.unique(trials["task"]))
    seeds = tuple(sorted(int(s) for s in pd.unique(trials["seed"])))
    m_idx = {m: i for i, m in enumerate(methods)}
    t_idx = {t: i for i, t in enumerate(tasks)}
    s_idx = {s: i for i, s in enumerate(seeds)}
    values = np.full((len(methods), len(tasks), len(seeds), grid.size), np.nan)
    ends = np.full((len(methods), len(tasks), len(seeds)), np.nan)
    ordered = trials.sort_values([*RUN_KEYS, "trial"], kind="stable")
    for (method, task, seed), run in ordered.groupby(RUN_KEYS, sort=False):
        xs = run[x].to_numpy(dtype=float)
        ys = run[column].to_numpy(dtype=float)
        last = last_within(xs, grid)
        at = np.where(last >= 0, ys[np.maximum(last, 0)], before)
        values[m_idx[method], t_idx[task], s_idx[int(seed)]] = at
        ends[m_idx[method], t_idx[task], s_idx[int(seed)]] = xs[-1] if xs.size else np.nan
    return Curves(methods, tasks, seeds, grid, values, ends)


def aggregate(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over seeds, then over tasks (see the module docstring).

    Args:
        values: shape (methods, tasks, seeds, ...), NaN where missing.

    Returns:
        ``(mean, sem)``, each of shape (methods, ...).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.sum(~np.isnan(values), axis=2)  # seeds per (method, task)
        total = np.nansum(values, axis=2)
        task_mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        dev = np.where(np.isnan(values), 0.0, values - task_mean[:, :, None])
        var = np.where(n > 1, np.sum(dev**2, axis=2) / np.maximum(n - 1, 1), np.nan)
        task_sem = np.sqrt(var / np.maximum(n, 1))
        has = n > 0
        n_tasks = np.sum(has, axis=1)
        mean = np.where(n_tasks > 0, np.nansum(task_mean, axis=1) / np.maximum(n_tasks, 1), np.nan)
        # A task with data but an undefined sem (one seed) makes the combined sem undefined too.
        sq = np.where(has, task_sem**2, 0.0)
        sem = np.where(n_tasks > 0, np.sqrt(np.sum(sq, axis=1)) / np.maximum(n_tasks, 1), np.nan)
    return mean, sem


def rank_curves(curves: Curves) -> np.ndarray:
    """Ranks of the methods on each (task, seed) pair at each grid point, shape like ``curves.values``.

    Rank 1 is the lowest regret; ties share the average rank. Pairs on which a method is missing are NaN
    for every method.
    """
    values = curves.values
    ranks = stats.rankdata(np.where(np.isnan(values), np.inf, values), axis=0, method="average")
    complete = ~np.isnan(values).any(axis=0, keepdims=True)
    return np.where(complete, ranks, np.nan)


def mean_ranks(curves: Curves) -> np.ndarray:
    """Average rank per method and grid point (over seeds, then over tasks), shape (methods, G)."""
    ranks = rank_curves(curves)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices (incomplete pairs) give NaN
        return np.nanmean(np.nanmean(ranks, axis=2), axis=1)


def final_budget(trials: pd.DataFrame) -> float:
    """The budget every run reached, from the trials alone (prefer the study's recorded budget).

    That is the smallest last ``budget_used`` over the runs, rounded down to a whole evaluation when it is
    fractional (a multi-fidelity run overshoots its budget by less than one evaluation).
    """
    _check_columns(trials, "budget_used")
    last = trials.groupby(RUN_KEYS, sort=False)["budget_used"].max().min()
    if abs(last - round(last)) < 1e-6:
        return float(round(last))
    return float(math.floor(last))


def summary_budgets(final: float, budgets: Sequence[float] = DEFAULT_BUDGETS) -> list[float]:
    """``budgets`` up to ``final``, then ``final`` itself (once)."""
    out = [float(b) for b in budgets if b < final - _TOL]
    return [*out, float(final)]


def budget_grid(final: float, extra: Sequence[float] = ()) -> np.ndarray:
    """Budgets 1, 2, ..., ``final`` (and ``final`` and ``extra`` when they are fractional), sorted."""
    points = set(np.arange(1, math.floor(final + _TOL) + 1, dtype=float).tolist())
    points.update(float(e) for e in (*extra, final))
    return np.array(sorted(points))


def time_grid(trials: pd.DataFrame, n_points: int = 120) -> np.ndarray:
    """A log-spaced grid of simulated times from the first evaluation's end to the last run's end."""
    _check_columns(trials, "sim_time")
    t = trials["sim_time"].to_numpy(dtype=float)
    t = t[np.isfinite(t) & (t > 0)]
    if t.size == 0:
        return np.array([0.0])
    lo, hi = float(t.min()), float(t.max())
    if hi <= lo:
        return np.array([lo])
    return np.geomspace(lo, hi, n_points)


def summary_table(
    trials: pd.DataFrame,
    budgets: Sequence[float] | None = None,
    *,
    final: float | None = None,
    column: str = "regret",
) -> pd.DataFrame:
    """``method,budget,regret_mean,regret_sem,rank_mean`` at each budget (the rows of ``summary.csv``).

    Args:
        trials: the trials table.
        budgets: the budgets; default 10, 25, 50 (those below the final budget) and the final budget.
        final: the study's budget; default ``final_budget(trials)``.
        column: the regret column to summarize.
    """
    if budgets is None:
        budgets = summary_budgets(final if final is not None else final_budget(trials))
    curves = regret_curves(trials, sorted(set(map(float, budgets))), column=column)
    mean, sem = aggregate(curves.values)
    ranks = mean_ranks(curves)
    rows = []
    for i, method in enumerate(curves.methods):
        for g, budget in enumerate(curves.grid):
            rows.append(
                {
                    "method": method,
                    "budget": _plain_number(budget),
                    "regret_mean": mean[i, g],
                    "regret_sem": sem[i, g],
                    "rank_mean": ranks[i, g],
                }
            )
    return pd.DataFrame(rows, columns=["method", "budget", "regret_mean", "regret_sem", "rank_mean"])


def _plain_number(x: float) -> float | int:
    return round(x) if abs(x - round(x)) < 1e-9 else float(x)


def win_rate(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pairs on which ``a`` has the lower regret, ties counting one half (NaN pairs dropped)."""
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    keep = ~(np.isnan(a) | np.isnan(b))
    if not keep.any():
        return float("nan")
    a, b = a[keep], b[keep]
    return float((np.sum(a < b) + 0.5 * np.sum(a == b)) / a.size)


def win_rate_table(curves: Curves, budget: float) -> pd.DataFrame:
    """Win rate of the row method over the column method on (task, seed) pairs at ``budget``."""
    at = curves.at(budget)
    table = pd.DataFrame(np.nan, index=list(curves.methods), columns=list(curves.methods))
    for i, a in enumerate(curves.methods):
        for j, b in enumerate(curves.methods):
            if i != j:
                table.loc[a, b] = win_rate(at[i], at[j])
    return table


def wilcoxon_pvalue(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired per-task values ``a`` and ``b``.

    Pairs with a NaN are dropped; p = 1 when every difference is zero (no evidence of a difference), NaN
    when no pair is left.
    """
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    keep = ~(np.isnan(a) | np.isnan(b))
    diff = a[keep] - b[keep]
    if diff.size == 0:
        return float("nan")
    if np.all(diff == 0):
        return 1.0
    return float(stats.wilcoxon(diff).pvalue)


def _task_means(at: np.ndarray) -> np.ndarray:
    """Mean over seeds of values shaped (methods, tasks, seeds), NaN where a task has no seed."""
    with np.errstate(invalid="ignore"):
        n = np.sum(~np.isnan(at), axis=2)
        return np.where(n > 0, np.nansum(at, axis=2) / np.maximum(n, 1), np.nan)


def wilcoxon_table(curves: Curves, budget: float) -> pd.DataFrame:
    """Wilcoxon p-values over tasks (per-task mean regrets at ``budget``) for each pair of methods."""
    task_means = _task_means(curves.at(budget))
    table = pd.DataFrame(np.nan, index=list(curves.methods), columns=list(curves.methods))
    for i, a in enumerate(curves.methods):
        for j, b in enumerate(curves.methods):
            if i != j:
                table.loc[a, b] = wilcoxon_pvalue(task_means[i], task_means[j])
    return table


def above_reference(curves: Curves, reference: str = "random") -> pd.DataFrame:
    """Where each method's mean regret is higher than ``reference``'s, at every point of the curves' grid.

    A learned optimizer should never do worse than random search; this finds the budgets where it does, and
    how surely, at the worst of them.

    Returns:
        One row per method other than ``reference`` (study order) with the columns ``budgets`` (the grid
        points where the method's mean regret exceeds the reference's, a list), ``n_points`` (the grid's
        size), ``worst_budget`` and ``excess`` (where the difference of mean regrets is largest, and that
        difference; NaN when it is never above), and at that budget ``win_rate`` (of the method over the
        reference on (task, seed) pairs) and ``wilcoxon_p`` (over tasks).

    Raises:
        ValueError: if ``reference`` is not among the methods.
    """
    if reference not in curves.methods:
        raise ValueError(
            f"The reference method {reference!r} is not in the study; its methods: {list(curves.methods)}."
        )
    mean, _ = aggregate(curves.values)
    r = curves.methods.index(reference)
    rows = []
    for i, method in enumerate(curves.methods):
        if i == r:
            continue
        diff = mean[i] - mean[r]
        above = np.flatnonzero(diff > _TOL)
        row: dict[str, object] = {
            "method": method,
            "budgets": [_plain_number(b) for b in curves.grid[above]],
            "n_points": len(curves.grid),
            "worst_budget": np.nan,
            "excess": np.nan,
            "win_rate": np.nan,
            "wilcoxon_p": np.nan,
        }
        if above.size:
            g = int(above[np.argmax(diff[above])])
            at = curves.values[..., g]
            means = _task_means(at)
            row.update(
                worst_budget=_plain_number(curves.grid[g]),
                excess=float(diff[g]),
                win_rate=win_rate(at[i], at[r]),
                wilcoxon_p=wilcoxon_pvalue(means[i], means[r]),
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")


def decision_overhead(trials: pd.DataFrame, at: Sequence[int] = (10, 100, 500)) -> pd.DataFrame:
    """Median decision seconds per ask/tell round per method: overall and at the n-th trial of each run.

    Returns:
        One row per method (study order) with the columns ``median_s`` and ``at_<n>`` (NaN where no run
        reached the n-th trial) and ``n_trials`` (the number of rows of that method).
    """
    _check_columns(trials, "decision_s")
    rows = []
    for method, group in trials.groupby("method", sort=False):
        row: dict[str, object] = {"method": method, "median_s": float(group["decision_s"].median())}
        for n in at:
            hit = group.loc[group["trial"] == n - 1, "decision_s"]  # trial ids count from 0
            row[f"at_{n}"] = float(hit.median()) if len(hit) else float("nan")
        row["n_trials"] = len(group)
        rows.append(row)
    return pd.DataFrame(rows).set_index("method")
