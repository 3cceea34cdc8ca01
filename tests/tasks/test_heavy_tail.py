import math

import numpy as np
import pytest

from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.space import Float, SearchSpace
from rl_hpo.tasks.base import FunctionTask, ScoreBounds
from rl_hpo.tasks.heavy_tail import MAX_EXPONENT, HeavyTailedTask, as_is

SPACE = SearchSpace({"x": Float(0.0, 1.0)})
BOUNDS = ScoreBounds(worst=-1.0, best=1.0)


def _task(bounds: ScoreBounds | None = BOUNDS) -> FunctionTask:
    def score(config: dict) -> float:
        return float("nan") if config["x"] > 0.95 else 1.0 - 2.0 * config["x"]

    task = FunctionTask(score, SPACE, name="line")
    task.bounds = bounds
    return task


def test_the_heavy_tailed_score_keeps_the_order_and_spans_e_to_the_k():
    heavy = HeavyTailedTask(_task(), k=10.0)
    told = [heavy.evaluate({"x": x}).score for x in np.linspace(0.0, 0.9, 10)]
    assert told[0] == 0.0 and np.all(np.diff(told) < 0.0)
    assert heavy.told(-1.0) == pytest.approx(-math.expm1(10.0))
    assert heavy.bounds == ScoreBounds(worst=-math.expm1(10.0), best=0.0)
    assert heavy.told(2.0) > 0.0  # above the task's best: still increasing
    assert math.isfinite(heavy.told(-1e9)) and heavy.told(-1e9) == -math.expm1(MAX_EXPONENT)


def test_a_run_on_the_heavy_tailed_task_is_measured_on_the_task_own_scale():
    task = _task()
    on_task = RandomSearch(SPACE, seed=4).optimize(task, 30)
    on_heavy = RandomSearch(SPACE, seed=4).optimize(HeavyTailedTask(task, k=10.0), 30)
    assert any(r.failed for r in on_heavy.records)  # a failed evaluation stays failed
    restored = as_is(on_heavy)
    np.testing.assert_array_equal([r.score for r in restored.records], [r.score for r in on_task.records])
    budgets = [5, 10, 30]
    assert regret_at(restored, task.bounds, budgets) == regret_at(on_task, task.bounds, budgets)


def test_a_heavy_tail_needs_bounds_and_a_positive_exponent():
    with pytest.raises(ValueError, match="score bounds"):
        HeavyTailedTask(_task(bounds=None), k=10.0)
    for k in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            HeavyTailedTask(_task(), k=k)
