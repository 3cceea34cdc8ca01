import math

import numpy as np
import pytest

from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.tasks.base import ScoreBounds
from rl_hpo.tasks.heavy_tail import MAX_EXPONENT, HeavyTailedTask, as_is


def test_the_heavy_tailed_score_keeps_the_order_and_spans_e_to_the_k(line_task):
    heavy = HeavyTailedTask(line_task(), k=10.0)
    told = [heavy.evaluate({"x": x}).score for x in np.linspace(0.0, 0.9, 10)]
    assert told[0] == 0.0 and np.all(np.diff(told) < 0.0)
    assert heavy.told(-1.0) == pytest.approx(-math.expm1(10.0))
    assert heavy.bounds == ScoreBounds(worst=-math.expm1(10.0), best=0.0)
    assert heavy.told(2.0) > 0.0  # above the task's best: still increasing
    assert math.isfinite(heavy.told(-1e9)) and heavy.told(-1e9) == -math.expm1(MAX_EXPONENT)


def test_a_run_on_the_heavy_tailed_task_is_measured_on_the_task_own_scale(line_task):
    task = line_task()
    on_task = RandomSearch(task.space, seed=4).optimize(task, 30)
    on_heavy = RandomSearch(task.space, seed=4).optimize(HeavyTailedTask(task, k=10.0), 30)
    assert any(r.failed for r in on_heavy.records)  # a failed evaluation stays failed
    restored = as_is(on_heavy)
    np.testing.assert_array_equal([r.score for r in restored.records], [r.score for r in on_task.records])
    budgets = [5, 10, 30]
    assert regret_at(restored, task.bounds, budgets) == regret_at(on_task, task.bounds, budgets)


def test_a_heavy_tail_needs_bounds_and_a_positive_exponent(line_task):
    with pytest.raises(ValueError, match="score bounds"):
        HeavyTailedTask(line_task(bounds=None), k=10.0)
    for k in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            HeavyTailedTask(line_task(), k=k)
