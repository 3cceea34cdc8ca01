"""Building a greedy portfolio of configurations from meta-train tasks (the ``Portfolio`` method's data).

Building (``build_portfolio``), after Auto-sklearn 2.0 (Feurer et al. 2022):

1. candidates: ``n_candidates`` uniform random points of the unit cube (seeded), plus, unless
   ``n_local_rounds=0``, one incumbent per meta-train task, found by a short local search on that task
   from its best random candidate (Auto-sklearn 2.0 uses the incumbents of a BO run per meta-train dataset
   as candidates; a random sample alone misses the best configurations of lcbench, which lie on edges of
   the space). The local search is a (1+λ) evolution strategy in the cube: ``local_batch`` Gaussian steps
   around the incumbent per round, clipped to the cube, the step shrinking geometrically from 0.2 to 0.005;
2. every candidate is evaluated on every task at the highest fidelity (``Task.evaluate_unit``, vectorized)
   and its score turned into normalized regret with the task's ``bounds`` (a failed evaluation counts as
   regret 1);
3. greedy forward selection: starting from the empty portfolio (regret 1 on every task), repeatedly add the
   candidate that most reduces the mean over tasks of the portfolio's best (smallest) regret, until
   ``max_size`` configurations are chosen or no candidate reduces it by more than ``min_gain`` (once every
   task has its best candidate in the portfolio, further picks would be arbitrary; the continuation
   optimizer takes over instead). Ties go to the earlier candidate, so the build is deterministic.

References: Feurer, Eggensperger, Falkner, Lindauer and Hutter, "Auto-Sklearn 2.0: Hands-free AutoML via
Meta-Learning", JMLR 2022 (the greedy portfolio, Algorithm 1); Wistuba, Schilling and Schmidt-Thieme,
"Sequential Model-Free Hyperparameter Tuning", ICDM 2015.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rl_hpo.baselines.portfolio import FORMAT
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Task

__all__ = ["build_portfolio", "greedy_selection"]

_LOCAL_STEP_START = 0.2
_LOCAL_STEP_END = 0.005


def greedy_selection(regret: np.ndarray, max_size: int, *, min_gain: float = 0.0) -> tuple[list[int], list[float]]:
    """Greedy forward selection of a portfolio from a (tasks x candidates) regret matrix.

    Auto-sklearn 2.0's greedy portfolio (Feurer et al. 2022, Algorithm 1): starting from the empty
    portfolio, whose regret is 1 on every task, add the candidate that most reduces the mean over tasks of
    the portfolio's smallest regret; stop at ``max_size`` or when the best reduction is ``<= min_gain``.

    Args:
        regret: shape (n_tasks, n_candidates), normalized regret in [0, 1] (NaN counts as 1).
        max_size: the most candidates to choose.
        min_gain: stop once no candidate reduces the mean regret by more than this.

    Returns:
        ``(indices, losses)``: the chosen candidates in order, and the mean regret after each was added.
    """
    r = np.asarray(regret, dtype=float)
    if r.ndim != 2 or r.size == 0:
        raise ValueError(f"regret must be a non-empty (n_tasks, n_candidates) matrix, got shape {r.shape}.")
    if isinstance(max_size, bool) or not isinstance(max_size, int | np.integer) or max_size < 1:
        raise ValueError(f"max_size must be an int in [1, inf), got {max_size!r}.")
    r = np.where(np.isfinite(r), np.clip(r, 0.0, 1.0), 1.0)
    best = np.ones(r.shape[0])
    indices: list[int] = []
    losses: list[float] = []
    current = 1.0
    for _ in range(min(int(max_size), r.shape[1])):
        loss = np.minimum(best[:, None], r).mean(axis=0)
        loss[indices] = np.inf  # a chosen candidate would add nothing; never pick it twice
        c = int(np.argmin(loss))  # ties go to the earlier candidate
        if not current - loss[c] > min_gain:
            break
        indices.append(c)
        losses.append(float(loss[c]))
        best = np.minimum(best, r[:, c])
        current = float(loss[c])
    return indices, losses


def build_portfolio(
    tasks: Sequence[Task],
    *,
    n_candidates: int = 2000,
    max_size: int = 50,
    seed: int = 0,
    n_local_rounds: int = 30,
    local_batch: int = 256,
    min_gain: float = 0.0,
    suite: str | None = None,
    split: str | None = None,
    command: str | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Build a greedy portfolio on meta-train ``tasks`` (see this module's docstring for the method).

    Args:
        tasks: the meta-train tasks; they must share one search space and have score ``bounds``. Never pass
            validation or test tasks: the portfolio would have seen them.
        n_candidates: random candidate configurations.
        max_size: the most configurations in the portfolio (fewer where the greedy selection saturates).
        seed: seeds the candidates and the local searches.
        n_local_rounds: rounds of the local search for each task's incumbent candidate (0: no incumbents,
            random candidates only).
        local_batch: points per round of the local search.
        min_gain: see ``greedy_selection``.
        suite, split, command: recorded in the document (where it came from and how to rebuild it).
        log: called with a line of progress now and then (e.g. ``print``).

    Returns:
        The portfolio document for ``write_portfolio``: ``configs`` in order, ``space``, the settings, the
        ``train_regret`` after each configuration and each configuration's ``sources``.

    Raises:
        ValueError: if there are no tasks, they differ in search space, one lacks bounds, or a setting is
            out of range.
    """
    from rl_hpo import __version__

    tasks = list(tasks)
    if not tasks:
        raise ValueError("build_portfolio needs at least one meta-train task, got none.")
    space = tasks[0].space
    for task in tasks:
        if task.space != space:
            raise ValueError(
                f"Task {task.name!r} has another search space than {tasks[0].name!r}; a portfolio is built for one "
                "space: pass tasks of one suite."
            )
        if task.bounds is None:
            raise ValueError(
                f"Task {task.name!r} has no score bounds; regret needs them: give the task ScoreBounds(worst, best)."
            )
    flat = [task.name for task in tasks if task.bounds is not None and task.bounds.degenerate]
    if flat:
        warnings.warn(
            f"Left out {flat}: their score bounds span almost nothing (constant scores), so they have no usable "
            "regret to choose a portfolio by.",
            stacklevel=2,
        )
        tasks = [task for task in tasks if task.name not in flat]
        if not tasks:
            raise ValueError("Every task's score bounds are degenerate; there is no regret to build a portfolio from.")
    for key, value, low in (("n_candidates", n_candidates, 1), ("n_local_rounds", n_local_rounds, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{key} must be an int in [{low}, inf), got {value!r}.")
    if isinstance(local_batch, bool) or not isinstance(local_batch, int) or local_batch < 1:
        raise ValueError(f"local_batch must be an int in [1, inf), got {local_batch!r}.")
    log = log or (lambda line: None)

    candidate_seq, *task_seqs = np.random.SeedSequence(seed).spawn(1 + len(tasks))
    pool = _CandidatePool(space)
    pool.add(space.sample_unit(n_candidates, np.random.default_rng(candidate_seq)), "random")
    regret = np.vstack([_regret(task, pool.points) for task in tasks])
    log(f"{pool.size} random candidates evaluated on {len(tasks)} tasks")

    if n_local_rounds > 0:
        for i, task in enumerate(tasks):
            start = pool.points[int(np.argmin(regret[i]))]
            rng = np.random.default_rng(task_seqs[i])
            pool.add(_local_search(task, start, rng, n_local_rounds, local_batch)[None, :], f"incumbent:{task.name}")
        new = pool.points[regret.shape[1] :]
        if len(new):
            regret = np.hstack([regret, np.vstack([_regret(task, new) for task in tasks])])
        log(f"{len(new)} task incumbents added by local search ({n_local_rounds} rounds of {local_batch})")

    indices, losses = greedy_selection(regret, max_size, min_gain=min_gain)
    objective = getattr(tasks[0], "objective", None)  # a YAHPO task names its output; a FunctionTask holds a callable
    log(f"greedy portfolio of {len(indices)}: mean train regret {losses[0]:.4f} -> {losses[-1]:.4f}")
    return {
        "format": FORMAT,
        "suite": suite,
        "split": split,
        "tasks": [task.name for task in tasks],
        "objective": objective if isinstance(objective, str) else None,
        "space": space.to_dict(),
        "n_candidates": n_candidates,
        "seed": seed,
        "max_size": max_size,
        "n_local_rounds": n_local_rounds,
        "local_batch": local_batch,
        "min_gain": min_gain,
        "method": "greedy forward selection minimizing the mean over tasks of the portfolio's smallest normalized "
        "regret (Feurer et al. 2022, Auto-sklearn 2.0)",
        "command": command,
        "rl_hpo_version": __version__,
        "train_regret": losses,
        "sources": [pool.sources[i] for i in indices],
        "configs": [pool.configs[i] for i in indices],
    }


class _CandidatePool:
    """Distinct candidate configurations with their canonical cube points and where they came from."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space
        self.configs: list[dict[str, Any]] = []
        self.sources: list[str] = []
        self._points: list[np.ndarray] = []
        self._seen: set[str] = set()

    def add(self, u: np.ndarray, source: str) -> None:
        for config in self.space.decode_batch(u):
            key = json.dumps(config, sort_keys=True)
            if key in self._seen:  # e.g. small discrete spaces, or an incumbent that is a random candidate
                continue
            self._seen.add(key)
            self.configs.append(config)
            self.sources.append(source)
            # The stored configuration's own cube point, so that what is evaluated is what is stored.
            self._points.append(self.space.encode(config))

    @property
    def points(self) -> np.ndarray:
        return np.array(self._points).reshape(len(self._points), self.space.dim)

    @property
    def size(self) -> int:
        return len(self.configs)


def _scores(task: Task, u: np.ndarray) -> np.ndarray:
    scores, _ = task.evaluate_unit(u)
    return np.where(np.isfinite(scores), scores, -np.inf)


def _regret(task: Task, u: np.ndarray) -> np.ndarray:
    assert task.bounds is not None
    scores = _scores(task, u)
    regret = np.asarray(task.bounds.regret(np.where(np.isfinite(scores), scores, task.bounds.worst)), dtype=float)
    return np.where(np.isfinite(scores), regret, 1.0)


def _local_search(task: Task, start: np.ndarray, rng: np.random.Generator, n_rounds: int, batch: int) -> np.ndarray:
    """A (1+λ) evolution strategy in the unit cube from ``start``; returns the best point found."""
    best = np.asarray(start, dtype=float).copy()
    best_score = float(_scores(task, best[None, :])[0])
    for r in range(n_rounds):
        step = _LOCAL_STEP_START * (_LOCAL_STEP_END / _LOCAL_STEP_START) ** (r / max(1, n_rounds - 1))
        # Clipping (not resampling) puts mass on the faces of the cube, where lcbench's best points lie.
        points = np.clip(best + step * rng.standard_normal((batch, best.size)), 0.0, 1.0)
        scores = _scores(task, points)
        i = int(np.argmax(scores))
        if scores[i] > best_score:
            best, best_score = points[i], float(scores[i])
    if not math.isfinite(best_score):
        return np.asarray(start, dtype=float)
    return best
