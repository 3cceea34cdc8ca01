"""The evaluation core: one definition of regret at a budget, shared by studies, training and the scripts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from rl_hpo.bench import BenchSettings, run_bench
from rl_hpo.bench.evaluation import (
    NO_INCUMBENT_REGRET,
    best_so_far_regret,
    evaluate_method,
    incumbent_values,
    regret_at,
)
from rl_hpo.history import History
from rl_hpo.optimizer import Trial, make_optimizer
from rl_hpo.tasks.base import Result, ScoreBounds


def test_best_so_far_regret_skips_failures_and_uncounted_evaluations() -> None:
    bounds = ScoreBounds(worst=0.0, best=10.0)
    scores = np.array([np.nan, 2.0, 9.0, 5.0, 10.0])
    assert best_so_far_regret(scores, bounds).tolist() == [NO_INCUMBENT_REGRET, 0.8, 0.1, 0.1, 0.0]
    counted = np.array([True, True, False, True, True])  # e.g. trial 2 ran at a lower fidelity
    assert best_so_far_regret(scores, bounds, counted).tolist() == [1.0, 0.8, 0.8, 0.5, 0.0]


def test_incumbent_values_follow_the_evaluation_that_sets_the_regret() -> None:
    scores = np.array([np.nan, 2.0, 9.0, 5.0, 9.0, 10.0])
    values = np.array([0.0, 0.2, 0.9, 0.5, 0.95, 1.0])  # e.g. each evaluation's test-side score
    out = incumbent_values(scores, values)
    assert np.isnan(out[0]) and out[1:].tolist() == [0.2, 0.9, 0.9, 0.9, 1.0]  # the first of equal scores stays
    counted = np.array([True, True, False, True, True, True])  # trial 2 ran at a lower fidelity
    assert incumbent_values(scores, values, counted)[1:].tolist() == [0.2, 0.2, 0.5, 0.95, 1.0]
    assert incumbent_values(np.empty(0), np.empty(0)).size == 0


def test_regret_at_counts_full_fidelity_equivalent_evaluations() -> None:
    history = History(task="t", method="m", seed=0)
    for i, (score, fraction) in enumerate([(3.0, 0.5), (8.0, 0.5), (6.0, 1.0), (9.0, 1.0)]):
        history.add(Trial(i, {}, None), Result(score), budget_fraction=fraction)
    bounds = ScoreBounds(0.0, 10.0)
    # budget 1: two half-fidelity trials, neither counts as an incumbent; budget 2: the 6.0; 3: the 9.0
    assert regret_at(history, bounds, [0.5, 1, 2, 3, 50]) == [1.0, 1.0, 0.4, 0.1, 0.1]


def test_evaluate_method_and_a_study_give_the_same_regret(tmp_path: Path) -> None:
    tasks = ["synthetic/branin/64", "synthetic/branin/65"]
    study = run_bench(
        BenchSettings(
            out=tmp_path / "s",
            suite="synthetic/branin",
            split="validation",
            tasks=tasks,
            methods=("random",),
            budget=12,
            seeds=2,
            workers=1,
        ),
        progress=False,
    )
    summary = pd.read_csv(study.summary_csv).set_index("budget")
    result = evaluate_method(
        lambda space, seed: make_optimizer("random", space, seed=seed), tasks, seeds=(0, 1), budget=12
    )
    assert result.regret[10] == summary.loc[10, "regret_mean"]
    assert result.regret[12] == summary.loc[12, "regret_mean"]


def test_evaluate_method_leaves_out_a_task_with_degenerate_bounds_and_says_so() -> None:
    import pytest

    from rl_hpo.envs.tuning_env import score_span
    from rl_hpo.space import Float, SearchSpace
    from rl_hpo.tasks.base import FunctionTask

    space = SearchSpace({"x": Float(0.0, 1.0)})
    bowl = FunctionTask(lambda c: -((c["x"] - 0.3) ** 2), space, name="bowl")
    flat = FunctionTask(lambda c: 0.7 - 1e-13 * c["x"], space, name="flat")
    bowl.bounds, flat.bounds = ScoreBounds(-0.49, 0.0), ScoreBounds(0.7 - 1e-13, 0.7)
    assert flat.bounds.degenerate and not bowl.bounds.degenerate
    assert ScoreBounds(5.0, 5.001).degenerate is False

    def make(space, seed):
        return make_optimizer("random", space, seed=seed)

    with pytest.warns(UserWarning, match="Left out 'flat': its score bounds span 1e-13"):
        both = evaluate_method(make, [bowl, flat], seeds=(0,), budget=12)
    assert list(both.per_task) == ["bowl"]
    assert both.regret == evaluate_method(make, [bowl], seeds=(0,), budget=12).regret
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="Every task's score bounds are degenerate"):
        evaluate_method(make, [flat], seeds=(0,), budget=12)
    # Training rewards are not divided by a round-off span either.
    assert score_span(flat) == 1.0
    assert score_span(bowl) == pytest.approx(0.49)
