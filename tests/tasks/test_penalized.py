import math

import numpy as np
import pytest

from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.tasks.base import ScoreBounds
from rl_hpo.tasks.heavy_tail import as_is
from rl_hpo.tasks.penalized import PENALIZED_REGRET, PenalizedTask


def test_the_penalty_replaces_only_the_bad_configurations_scores(line_task):
    penalized = PenalizedTask(line_task(), penalty=1e20)
    xs = np.linspace(0.0, 0.9, 10)
    told = [penalized.evaluate({"x": x}).score for x in xs]
    bad = (1.0 - (1.0 - 2.0 * xs)) / 2.0 > PENALIZED_REGRET  # normalized regret above the cut
    assert np.all(np.array(told)[bad] == -1e20) and bad.any() and not bad.all()
    np.testing.assert_array_equal(np.array(told)[~bad], 1.0 - 2.0 * xs[~bad])
    assert penalized.bounds == ScoreBounds(worst=-1e20, best=1.0)
    assert math.isnan(penalized.evaluate({"x": 0.99}).score)  # a failed evaluation stays failed


def test_a_run_on_the_penalized_task_is_measured_on_the_task_own_scale(line_task):
    task = line_task()
    on_task = RandomSearch(task.space, seed=4).optimize(task, 30)
    restored = as_is(RandomSearch(task.space, seed=4).optimize(PenalizedTask(task, penalty=1e20), 30))
    np.testing.assert_array_equal([r.score for r in restored.records], [r.score for r in on_task.records])
    assert regret_at(restored, task.bounds, [5, 30]) == regret_at(on_task, task.bounds, [5, 30])


def test_a_penalty_needs_bounds_and_a_positive_finite_value(line_task):
    with pytest.raises(ValueError, match="score bounds"):
        PenalizedTask(line_task(bounds=None), penalty=1e20)
    for penalty in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive finite"):
            PenalizedTask(line_task(), penalty=penalty)
