"""The trials table of a study: every evaluation of every cell, with normalized regret.

Columns of ``trials.csv``, one row per evaluation, in study order (methods, tasks, seeds as given, then
trials):

- ``method, task, seed, trial``: the run and the trial's index in it (from 0).
- ``fidelity``: the fidelity of the evaluation (empty for a task without one).
- ``score``: the task's score (higher is better; a minimized objective appears negated); empty when the
  evaluation failed (``error`` says why).
- ``cost``: the seconds the task reported (simulated for surrogates); ``decision_s``: the optimizer's own
  measured seconds for this ask/tell round; ``sim_time``: the run's cumulative ``cost + decision_s``.
- ``budget_used``: cumulative full-fidelity-equivalent evaluations (a fidelity-f evaluation adds f/f_max).
- ``regret``: normalized regret of the best score so far among the run's *full-fidelity* evaluations,
  ``(best - incumbent) / (best - worst)`` with the study's bounds of the task (see ``study_bounds``), 1
  before the first successful full-fidelity evaluation. This is the common practice (HPOBench, Syne
  Tune's benchmarking): a score at a lower fidelity is not what the configuration delivers, so it is not
  a result a user could take away.
- ``regret_any``: the same with the best score so far at *any* fidelity (equal to ``regret`` for tasks
  without a fidelity); it shows how early multi-fidelity methods see good configurations.
- ``error``; ``test_score``: the evaluation's test-side score where the task reports one (a YAHPO
  ``test_*`` output paired with the objective, with the score's sign), else empty; ``incumbent_test_score``:
  the test-side score of the run's full-fidelity incumbent (the evaluation ``regret`` is computed from),
  empty before one or where the task reports none. The benchmark protocol reports it beside the objective.
- then the configuration as ``config.<name>`` (empty where a parameter is inactive or belongs to another
  task's space).

Bounds: regret is never negative. The study's bounds of a task are its stored bounds (``task.bounds``),
with the best raised to the best full-fidelity score any run of the study reached: a run that beats the
stored best shows that the bound was wrong, so the best is raised and every regret of the study is computed
with the raised bound. The raised bound is the study's own (its ``bounds.json``): nothing is written back to
the task, so no later result depends on this study having run. The stored worst
stays (an incumbent below it, which only a first evaluation can be, has regret 1), so a run's regret
depends on the other runs of the study only through a raised best. A task without stored bounds uses the
worst and best full-fidelity scores the study observed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rl_hpo.bench.evaluation import best_so_far_regret, incumbent_values
from rl_hpo.tasks.base import DEGENERATE_SPAN, ScoreBounds

__all__ = [
    "BASE_COLUMNS",
    "DEGENERATE_SPAN",
    "StudyBounds",
    "assemble_trials",
    "degenerate_tasks",
    "left_out_tasks",
    "study_bounds",
]


#: The columns of trials.csv before the configuration's ``config.<name>`` columns: the ten the study contract
#: names first, in its order, then the others.
BASE_COLUMNS = [
    "method",
    "task",
    "seed",
    "trial",
    "fidelity",
    "score",
    "cost",
    "sim_time",
    "regret",
    "decision_s",
    "regret_any",
    "budget_used",
    "error",
    "test_score",
    "incumbent_test_score",
]


@dataclass(frozen=True)
class StudyBounds:
    """The bounds used for one task's regret in a study, and where they came from.

    Attributes:
        worst, best: the bounds used (the stored worst, the stored best raised to any score a run reached).
        stored_worst, stored_best: the task's stored bounds (None when it has none).
        source: ``"task"`` (stored bounds, the best possibly raised) or ``"observed"`` (no stored bounds).
        raised: whether a run beat the stored best (so ``best`` is that run's score).
        best_run: the run and trial that reached ``best`` among the study's evaluations, if any did.
    """

    worst: float
    best: float
    stored_worst: float | None
    stored_best: float | None
    source: str
    raised: bool
    best_run: dict[str, Any] | None

    @property
    def bounds(self) -> ScoreBounds:
        return ScoreBounds(self.worst, self.best)

    def to_dict(self) -> dict[str, Any]:
        return {
            "worst": self.worst,
            "best": self.best,
            "stored_worst": self.stored_worst,
            "stored_best": self.stored_best,
            "source": self.source,
            "raised": self.raised,
            "best_run": self.best_run,
        }


def _full_fidelity(fidelity: np.ndarray, max_fidelity: float | None) -> np.ndarray:
    if max_fidelity is None:
        return np.ones(fidelity.shape, dtype=bool)
    # None (NaN here) means "the highest" in the Task protocol.
    return np.isnan(fidelity) | (fidelity >= max_fidelity * (1 - 1e-9))


def _cell_arrays(cell: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    rows = cell["rows"]
    score = np.array([np.nan if s is None else s for s in rows["score"]], dtype=float)
    fidelity = np.array([np.nan if f is None else f for f in rows["fidelity"]], dtype=float)
    return score, _full_fidelity(fidelity, cell.get("max_fidelity"))


def study_bounds(cells: Iterable[Mapping[str, Any]]) -> dict[str, StudyBounds]:
    """The bounds of every task of the study (see the module docstring), from its cells."""
    stored: dict[str, tuple[float | None, float | None]] = {}
    seen: dict[str, tuple[float, float, dict[str, Any] | None]] = {}
    for cell in cells:
        task = cell["task"]
        b = cell.get("bounds")
        old_w, old_b = stored.get(task, (None, None))
        if b is not None:
            # Cells run in different sessions may have read different stored bounds (a bound raised in
            # between): the widest is the truest.
            old_w = b["worst"] if old_w is None else min(old_w, b["worst"])
            old_b = b["best"] if old_b is None else max(old_b, b["best"])
        stored[task] = (old_w, old_b)
        score, full = _cell_arrays(cell)
        ok = full & np.isfinite(score)
        lo, hi, run = seen.get(task, (math.inf, -math.inf, None))
        if ok.any():
            i = int(np.flatnonzero(ok)[np.argmax(score[ok])])
            if score[i] > hi:
                config = {k: v[i] for k, v in cell["rows"]["config"].items() if v[i] is not None}
                trial = int(cell["rows"]["trial"][i])
                run = {"method": cell["method"], "seed": cell["seed"], "trial": trial, "config": config}
                hi = float(score[i])
            lo = min(lo, float(np.min(score[ok])))
        seen[task] = (lo, hi, run)
    out: dict[str, StudyBounds] = {}
    for task, (sw, sb) in stored.items():
        lo, hi, run = seen[task]
        if sw is None or sb is None:
            worst = lo if math.isfinite(lo) else 0.0
            best = hi if math.isfinite(hi) else 0.0
            out[task] = StudyBounds(worst, best, None, None, "observed", False, run)
        else:
            raised = math.isfinite(hi) and hi > sb
            out[task] = StudyBounds(sw, max(sb, hi), sw, sb, "task", raised, run)
    return out


def degenerate_tasks(bounds: Mapping[str, StudyBounds | Mapping[str, Any]]) -> dict[str, float]:
    """The tasks whose bounds span almost nothing (see ``DEGENERATE_SPAN``), with their span."""
    out = {}
    for task, b in bounds.items():
        worst, best = (b.worst, b.best) if isinstance(b, StudyBounds) else (float(b["worst"]), float(b["best"]))
        if ScoreBounds(worst, best).degenerate:
            out[task] = best - worst
    return out


def left_out_tasks(bounds: Mapping[str, StudyBounds | Mapping[str, Any]]) -> dict[str, str]:
    """The tasks every mean, rank and test of a study leaves out, each with why: bounds that span almost
    nothing, either because the scores are constant up to round-off or because no run scored the task at
    all (every evaluation failed, and the task stores no bounds)."""
    out = {}
    for task, span in degenerate_tasks(bounds).items():
        b = bounds[task]
        source, best_run = (
            (b.source, b.best_run) if isinstance(b, StudyBounds) else (b.get("source"), b.get("best_run"))
        )
        if source == "observed" and best_run is None:
            out[task] = "no run scored it: every evaluation failed"
        else:
            out[task] = f"its scores span only {span:.3g}, constant up to round-off"
    return out


def assemble_trials(
    cells: Sequence[Mapping[str, Any]], bounds: Mapping[str, StudyBounds] | None = None
) -> pd.DataFrame:
    """The trials table of ``cells`` (in the given order) with regret from ``bounds``.

    Args:
        cells: finished cell records (``rl_hpo.bench.runner.run_cell``'s output).
        bounds: the study's bounds per task; default ``study_bounds(cells)``.
    """
    bounds = study_bounds(cells) if bounds is None else bounds
    frames = []
    config_names: dict[str, None] = {}
    for cell in cells:
        rows = cell["rows"]
        score, full = _cell_arrays(cell)
        b = bounds[cell["task"]].bounds
        # Cells recorded before the column existed have no test-side scores.
        test = np.array([np.nan if t is None else t for t in rows.get("test_score", [None] * score.size)], dtype=float)
        frame = pd.DataFrame(
            {
                "method": cell["method"],
                "task": cell["task"],
                "seed": int(cell["seed"]),
                "trial": np.asarray(rows["trial"], dtype=int),
                "fidelity": np.array([np.nan if f is None else f for f in rows["fidelity"]], dtype=float),
                "score": score,
                "cost": np.asarray(rows["cost"], dtype=float),
                "sim_time": np.asarray(rows["sim_time"], dtype=float),
                "regret": best_so_far_regret(score, b, full),
                "regret_any": best_so_far_regret(score, b),
                "decision_s": np.asarray(rows["decision_s"], dtype=float),
                "budget_used": np.asarray(rows["budget_used"], dtype=float),
                "error": pd.Series(rows["error"], dtype=object),
                "test_score": test,
                "incumbent_test_score": incumbent_values(score, test, full),
            }
        )
        for name, values in rows["config"].items():
            config_names.setdefault(name)
            frame[f"config.{name}"] = pd.Series(values, dtype=object)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=BASE_COLUMNS)
    with warnings.catch_warnings():
        # Concatenating frames whose config columns are all-missing is fine here.
        warnings.simplefilter("ignore", FutureWarning)
        table = pd.concat(frames, ignore_index=True)
    return table[[*BASE_COLUMNS, *(f"config.{n}" for n in config_names)]]
