import numpy as np
import pytest

from rl_hpo.exceptions import TaskNotFoundError
from rl_hpo.tasks.prior import MAX_DIM, MAX_FIXED_DIM, SPLIT_SEEDS, GPPriorTask
from rl_hpo.tasks.registry import load_suite, load_task


def test_a_seed_is_one_fixed_function():
    a, b = load_task("prior/gp/7"), GPPriorTask(7)
    u = np.random.default_rng(0).random((20, a.space.dim))
    assert a.space == b.space
    np.testing.assert_array_equal(a.evaluate_unit(u)[0], b.evaluate_unit(u)[0])
    assert a.name == "prior/gp/7"


def test_the_prior_covers_dimensions_types_and_conditions():
    tasks = [GPPriorTask(s) for s in range(60)]
    dims = [t.space.dim for t in tasks]
    assert min(dims) >= 1 and max(dims) <= MAX_DIM and max(dims) >= 16
    kinds = {k for t in tasks for k in t.space.kinds()}
    assert kinds == {"float", "int", "categorical"}
    assert any(t.space.has_conditions for t in tasks)
    assert len({t._warp for t in tasks}) == 3


def test_bounds_span_random_scores_and_evaluate_agrees_with_evaluate_unit():
    task = GPPriorTask(3)
    assert task.bounds.best > task.bounds.worst
    scores, _ = task.evaluate_unit(np.random.default_rng(1).random((500, task.space.dim)))
    assert scores.max() <= task.bounds.best + 1e-9 or task._noise > 0
    config = task.space.sample(seed=2)
    u = task.space.encode(config)
    assert task.evaluate(config).score == pytest.approx(task.evaluate_unit(u[None])[0][0])


def test_a_noisy_task_scores_a_configuration_the_same_whatever_ran_before():
    seed = next(s for s in range(100) if GPPriorTask(s)._noise > 0)
    a, b = GPPriorTask(seed), GPPriorTask(seed)
    rng = np.random.default_rng(0)
    u = rng.random((30, a.space.dim))
    b.evaluate_unit(rng.random((7, a.space.dim)))  # other evaluations first
    scores = a.evaluate_unit(u)[0]
    np.testing.assert_allclose(scores, b.evaluate_unit(u[::-1])[0][::-1], rtol=1e-12)
    noise = scores - a._value(u)
    assert np.all(noise != 0) and np.std(noise) == pytest.approx(a._noise, rel=0.5)
    config = a.space.decode(u[0])  # a configuration's score does not depend on how its point was written
    assert a.evaluate(config).score == pytest.approx(
        scores[0] - a._value(u[:1])[0] + a._value(a.space.encode(config)[None])[0]
    )


def test_suite_splits_are_disjoint_and_names_are_checked():
    suite = load_suite("prior/gp")
    splits = [set(suite.task_names(s)) for s in SPLIT_SEEDS]
    assert not (splits[0] & splits[1]) and not (splits[1] & splits[2])
    with pytest.raises(TaskNotFoundError, match=r"\['gp', 'edges'\]"):
        load_task("prior/other/1")
    with pytest.raises(TaskNotFoundError, match="integer"):
        load_task("prior/gp/x")
    with pytest.raises(TaskNotFoundError, match=r"without leading zeros\), got '03'"):
        load_task("prior/gp/03")  # one name per task: 'prior/gp/3'
    for scenario in ("gp-05d", "gp-\u00b2d"):  # one name per scenario ('gp-5d'), and a digit Python writes
        with pytest.raises(TaskNotFoundError, match=f"Unknown prior scenario '{scenario}'"):
            load_task(f"prior/{scenario}/3")


def test_prior_edges_is_the_same_function_plus_a_trend():
    for seed in range(8):
        gp, edges = load_task(f"prior/gp/{seed}"), load_task(f"prior/edges/{seed}")
        assert edges.name == f"prior/edges/{seed}" and edges.space == gp.space
        u = np.random.default_rng(seed).random((50, gp.space.dim))
        trend = (edges._inputs(u) - 0.5) @ edges._trend
        np.testing.assert_allclose(edges._latent(u), gp._latent(u) + trend)
        assert not np.any(edges._trend[[k == "categorical" for k in gp.space.kinds()]])
    assert set(load_suite("prior/edges").task_names("validation")) == {
        f"prior/edges/{s}" for s in SPLIT_SEEDS["validation"]
    }


def _share_of_best_coordinates_at_an_end(scenario: str) -> float:
    shares = []
    for seed in range(40):
        task = load_task(f"prior/{scenario}/{seed}")
        u = np.random.default_rng(seed).random((4000, task.space.dim))
        best = u[np.argmax(task._value(u))]
        ordered = [k != "categorical" for k in task.space.kinds()]
        if any(ordered):
            shares.append(np.mean(np.minimum(best, 1 - best)[ordered] < 0.15))
    return float(np.mean(shares))


def test_prior_edges_puts_best_values_at_the_ends_of_ranges_more_often():
    # Among 4,000 random points, the best one's ordered coordinates lie in the outer 15% of their range:
    # about 30% of them for uniform points; more often where trends push the optimum to an end.
    assert _share_of_best_coordinates_at_an_end("edges") > _share_of_best_coordinates_at_an_end("gp") + 0.1


def test_a_fixed_number_of_parameters_draws_the_same_kind_of_function_over_that_many():
    tasks = [load_task(f"prior/gp-50d/{seed}") for seed in range(6)]
    assert all(t.space.dim == 50 and t.name == f"prior/gp-50d/{i}" for i, t in enumerate(tasks))
    assert {k for t in tasks for k in t.space.kinds()} == {"float", "int", "categorical"}
    # a share of the parameters does not matter, as in prior/gp: their columns of the spectrum are zero
    assert all(0 < np.sum(~t._omega.any(axis=0)) < 50 for t in tasks)
    assert all(t.bounds.best > t.bounds.worst for t in tasks)
    edges = load_task("prior/edges-40d/3")
    assert edges.space.dim == 40 and edges.space == GPPriorTask(3, dim=40).space and edges._trend.any()
    assert load_suite("prior/gp-50d").task_names("test")[0] == f"prior/gp-50d/{SPLIT_SEEDS['test'][0]}"
    assert load_task("prior/gp-7d/5").space == GPPriorTask(5, dim=7, name="x").space


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("prior/gp-0d/1", r"must be in 1\.\.64, got 0"),
        (f"prior/gp-{MAX_FIXED_DIM + 1}d/1", r"must be in 1\.\.64, got 65"),
        ("prior/gp-5/1", r"'gp-<D>d' or 'edges-<D>d'"),
        ("prior/gpx-5d/1", "Unknown prior scenario 'gpx-5d'"),
    ],
)
def test_fixed_dimension_names_are_checked(name: str, message: str):
    with pytest.raises(TaskNotFoundError, match=message):
        load_task(name)
    with pytest.raises(ValueError, match=r"'dim' parameter of GPPriorTask must be an int in \[1, 64\]"):
        GPPriorTask(1, dim=0)
