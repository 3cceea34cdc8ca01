"""The synthetic family: randomized test functions whose optimum is known (or estimated) exactly."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from rl_hpo.exceptions import TaskNotFoundError
from rl_hpo.space import Categorical, Float, Int
from rl_hpo.tasks import load_suite, load_task
from rl_hpo.tasks.synthetic import DESCRIPTION, FUNCTIONS, SPLIT_SEEDS, SyntheticTask, make_task, suite_names

ALL = ["branin", "hartmann3", "hartmann6", "rosenbrock", "levy", "ackley", "mixture"]
# (function, dim) pairs covering every function, low and high dimensions
CASES = [("branin", None), ("hartmann3", None), ("hartmann6", None), ("rosenbrock", 5), ("levy", 3)]
CASES += [("ackley", 7), ("mixture", 4), ("rosenbrock", 20)]


def test_published_optima_of_the_raw_functions():
    known = {"branin": 0.397887, "hartmann3": -3.86278, "hartmann6": -3.32237}
    for name, value in known.items():
        spec = FUNCTIONS[name]
        x = spec.minimizer_set(spec.dim)
        assert np.allclose(spec(x), value, atol=1e-5)
    for name in ("rosenbrock", "levy", "ackley"):
        x = FUNCTIONS[name].minimizer_set(6)
        assert abs(FUNCTIONS[name](x)[0]) < 1e-12
    # Hartmann minimizers are polished, not worse than the published rounded points
    h6 = FUNCTIONS["hartmann6"]
    assert h6(h6.minimizer_set(6))[0] <= h6(np.array(h6.minimizers))[0]


@pytest.mark.parametrize("function, dim", CASES)
@pytest.mark.parametrize("mixed", [False, True])
def test_the_optimum_is_attained_and_never_beaten(function, dim, mixed):
    task = SyntheticTask(function, 5, dim=dim, mixed=mixed)
    scores, _ = task.evaluate_unit(task.optimum_unit)
    assert abs(scores[0]) < 1e-9
    assert abs(task.evaluate(task.optimum_config).score) < 1e-9
    sample, _ = task.evaluate_unit(np.random.default_rng(1).random((20_000, task.dim)))
    assert np.all(sample <= task.bounds.best + 1e-9)
    assert sample.min() >= task.bounds.worst - 2.0  # a fresh sample lands near the stored worst
    assert task.bounds.worst < sample.max() <= 0.0


def test_scores_near_the_optimum_are_worse_but_close():
    task = SyntheticTask("hartmann6", 3)
    near = np.clip(task.optimum_unit + 1e-3 * np.random.default_rng(0).standard_normal((50, 6)), 0, 1)
    scores, _ = task.evaluate_unit(near)
    assert np.all(scores <= 0) and np.all(scores > -0.01)


def test_the_transform_is_a_real_random_sub_box_rotation_and_permutation():
    inst = SyntheticTask("branin", 4)._inst
    low, high = FUNCTIONS["branin"].domain(2)
    assert np.all(inst.box_low >= low) and np.all(inst.box_high <= high)
    assert np.all(inst.box_high - inst.box_low >= 0.5 * (high - low) * 0.9**10)
    # the map from the cube is affine; its linear part is not diagonal unless the rotation is trivial
    assert inst.matrix.shape == (2, 2)
    # a point's image stays inside the sub-box (clipped after the rotation)
    z = np.random.default_rng(0).random((1000, 2))
    x = np.clip(z @ inst.matrix + inst.shift, inst.box_low, inst.box_high)
    assert np.all(x >= inst.box_low) and np.all(x <= inst.box_high)


@pytest.mark.parametrize("function", ALL)
def test_same_seed_same_task_and_different_seeds_differ(function):
    u = np.random.default_rng(0).random((64, SyntheticTask(function, 0).dim))
    a = SyntheticTask(function, 11, mixed=True)
    b = SyntheticTask(function, 11, mixed=True)
    c = SyntheticTask(function, 12, mixed=True)
    assert a.space == b.space
    assert np.array_equal(a.evaluate_unit(u)[0], b.evaluate_unit(u)[0])
    assert a.bounds == b.bounds
    assert not np.allclose(a.evaluate_unit(u)[0], SyntheticTask(function, 12).evaluate_unit(u)[0])
    assert not np.allclose(a.optimum_unit, c.optimum_unit)


@pytest.mark.parametrize("function, dim", CASES)
def test_evaluate_and_evaluate_unit_agree(function, dim):
    task = SyntheticTask(function, 2, dim=dim, mixed=True, fidelity=True)
    u = np.random.default_rng(3).random((40, task.dim))
    configs = task.space.decode_batch(u)
    for fidelity in (None, 7):
        scores, costs = task.evaluate_unit(u, fidelity)
        singles = [task.evaluate(c, fidelity) for c in configs]
        batch = task.evaluate_batch(configs, fidelity)
        assert np.allclose(scores, [r.score for r in singles], rtol=0, atol=1e-9)
        assert np.allclose(scores, [r.score for r in batch], rtol=0, atol=1e-9)
        assert np.allclose(costs, [r.cost for r in singles])
        assert all(math.isfinite(r.info["f"]) for r in singles)


def test_mixed_spaces_decode_to_valid_configurations_of_each_type():
    kinds: set[str] = set()
    for seed in range(12):
        task = SyntheticTask("levy", seed, dim=6, mixed=True)
        kinds.update(task.space.kinds())
        assert "float" in task.space.kinds() and set(task.space.kinds()) & {"int", "categorical"}
        for config in task.space.decode_batch(np.random.default_rng(seed).random((30, 6))):
            task.space.validate(config)
            again = task.space.decode(task.space.encode(config))
            assert again.keys() == config.keys()
            for name, value in config.items():
                assert again[name] == (value if isinstance(value, str) else pytest.approx(value, rel=1e-12))
        # every level of a discrete coordinate is reachable and distinct
        for j, coord in enumerate(task._inst.coords):
            if coord.table is not None:
                assert len(np.unique(coord.table)) == len(coord.table)
                assert np.all((coord.table > 0) & (coord.table < 1))
                if isinstance(coord.param, Int):
                    assert np.all(np.diff(coord.table) > 0), "integers keep their order"
            else:
                assert isinstance(task.space[f"x{j}"], Float)
    assert kinds == {"float", "int", "categorical"}


def test_categorical_choices_map_to_shuffled_bin_centres():
    shuffled = 0
    for seed in range(10):
        task = SyntheticTask("rosenbrock", seed, dim=8, mixed=True)
        for coord in task._inst.coords:
            if isinstance(coord.param, Categorical):
                k = len(coord.param.choices)
                assert sorted(coord.table) == pytest.approx([(i + 0.5) / k for i in range(k)])
                shuffled += not np.allclose(coord.table, np.sort(coord.table))
    assert shuffled > 0


def test_discrete_coordinates_change_the_score_only_between_bins():
    task = SyntheticTask("ackley", 1, dim=5, mixed=True)
    for j, coord in enumerate(task._inst.coords):
        if coord.table is None:
            continue
        centre = coord.param.to_unit(coord.param.value_of(coord.param.from_unit(np.array(0.5))))
        u = np.tile(np.random.default_rng(j).random(5), (3, 1))
        u[:, j] = [centre - 1e-4, centre + 1e-4, 1.0 - centre if abs(centre - 0.5) > 0.3 else 0.0]
        scores, _ = task.evaluate_unit(u)
        assert scores[0] == scores[1] and scores[0] != scores[2]


def test_mixture_estimate_is_not_beaten_by_a_local_search():
    from scipy.optimize import minimize

    task = SyntheticTask("mixture", 9, dim=5)
    assert not task.optimum_exact
    u0 = np.random.default_rng(0).random((10, 5))
    for start in u0:
        res = minimize(lambda u: -task.evaluate_unit(u)[0][0], start, method="L-BFGS-B", bounds=[(0, 1)] * 5)
        assert -res.fun <= 1e-9


def test_noise_is_one_draw_per_configuration_and_budget_whatever_came_before():
    u = np.random.default_rng(0).random((100, 2))
    a, b = SyntheticTask("branin", 0, noise=0.1), SyntheticTask("branin", 0, noise=0.1)
    clean = SyntheticTask("branin", 0).evaluate_unit(u)[0]
    first = a.evaluate_unit(u)[0]
    assert np.array_equal(first, a.evaluate_unit(u)[0])  # evaluated again: the same noise
    b.evaluate_unit(u[50:])  # other calls before (a run resumed, another cell in the same worker)
    assert np.array_equal(first[::-1], b.evaluate_unit(u[::-1])[0])  # and in another order
    assert [a.evaluate(c).score for c in a.space.sample(3, seed=1)] == [
        b.evaluate(c).score for c in b.space.sample(3, seed=1)
    ]
    assert 0.07 < np.std(first - clean) < 0.13 and len(set(np.round(first - clean, 12))) == 100
    other = SyntheticTask("branin", 1, noise=0.1)
    assert not np.allclose(first - clean, other.evaluate_unit(u)[0] - SyntheticTask("branin", 1).evaluate_unit(u)[0])
    assert a.bounds == SyntheticTask("branin", 0).bounds
    noisy, exact = SyntheticTask("branin", 0, noise=0.1, fidelity=True), SyntheticTask("branin", 0, fidelity=True)
    at_10, at_20 = (noisy.evaluate_unit(u, b)[0] - exact.evaluate_unit(u, b)[0] for b in (10, 20))
    assert not np.allclose(at_10, at_20)  # another budget, another draw


def test_fidelity_bias_shrinks_with_the_budget_and_costs_scale():
    task = SyntheticTask("levy", 0, dim=4, fidelity=True)
    assert task.fidelity is not None and (task.fidelity.low, task.fidelity.high) == (1, 100)
    u = np.random.default_rng(0).random((2000, 4))
    full, full_cost = task.evaluate_unit(u)
    assert np.array_equal(full, task.evaluate_unit(u, 100)[0]) and np.all(full_cost == 1.0)
    gaps = []
    for budget in (1, 4, 11, 33):
        scores, costs = task.evaluate_unit(u, budget)
        assert np.all(scores < full)  # a lower budget is never better
        assert np.allclose(costs, budget / 100)
        gaps.append(np.mean(full - scores))
    assert all(g1 > g2 for g1, g2 in itertools.pairwise(gaps))
    corr = [
        np.corrcoef(np.argsort(np.argsort(full)), np.argsort(np.argsort(task.evaluate_unit(u, b)[0])))[0, 1]
        for b in (1, 33)
    ]
    assert 0.2 < corr[0] < corr[1] and corr[1] > 0.9  # informative but imperfect at low budgets
    per_row = task.evaluate_unit(u[:3], np.array([1, 50, 100]))[0]
    assert per_row[2] == full[2] and per_row[0] < full[0]


def test_fidelity_errors():
    with pytest.raises(ValueError, match="has no fidelity"):
        SyntheticTask("branin", 0).evaluate_unit(np.full((1, 2), 0.5), 10)
    with pytest.raises(ValueError, match=r"must lie in \[1, 100\]. Got 0.5"):
        SyntheticTask("branin", 0, fidelity=True).evaluate_unit(np.full((1, 2), 0.5), 0.5)


def test_constructor_errors():
    with pytest.raises(ValueError, match="Unknown synthetic function 'sphere'"):
        SyntheticTask("sphere")
    with pytest.raises(ValueError, match="branin is 2-dimensional; got dim=3"):
        SyntheticTask("branin", dim=3)
    with pytest.raises(ValueError, match=r"must be in \[2, 64\]. Got 65"):
        SyntheticTask("levy", dim=65)
    with pytest.raises(ValueError, match=r"'seed' .* Got -1"):
        SyntheticTask("levy", -1)
    with pytest.raises(ValueError, match=r"'noise' .* Got -0.1"):
        SyntheticTask("levy", noise=-0.1)
    with pytest.raises(ValueError, match="shape"):
        SyntheticTask("levy").evaluate_unit(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="outside the space"):
        SyntheticTask("levy").evaluate({"x0": 2.0, "x1": 0.5})


def test_names_load_through_the_registry():
    task = load_task("synthetic/rosenbrock-5d/3")
    assert isinstance(task, SyntheticTask) and task.dim == 5 and task.name == "synthetic/rosenbrock-5d/3"
    assert load_task("synthetic/levy/0").dim == 2
    assert load_task("synthetic/hartmann6/0", mixed=True).mixed
    noisy = load_task("synthetic/branin/0", noise=0.5, fidelity=True)
    assert noisy.noise == 0.5 and noisy.fidelity is not None
    assert SyntheticTask("ackley", 4, dim=9).name == "synthetic/ackley-9d/4"


@pytest.mark.parametrize(
    "name, match",
    [
        ("synthetic/sphere/0", "Unknown synthetic scenario 'sphere'; choose one of: branin, hartmann3"),
        ("synthetic/branin-3d/0", "branin takes no dimension"),
        ("synthetic/levy-80d/0", r"dimension must be in 2..64, got 80"),
        ("synthetic/levy/abc", r"an instance is a seed, an integer in 0\.\.99"),
        ("synthetic/levy/-3", "an instance is a seed"),
        (
            "synthetic/branin/100",
            r"Unknown instance '100' of synthetic/branin: an instance is a seed, an integer in 0\.\.99 "
            r"\(train 0\.\.63, validation 64\.\.79, test 80\.\.99\), written without leading zeros\.",
        ),
        ("synthetic/branin/03", r"Unknown instance '03' of synthetic/branin"),  # one name per task: '3'
        ("synthetic/branin/+3", r"Unknown instance '\+3' of synthetic/branin"),
        ("synthetic/mixture-020d/80", "Unknown synthetic scenario 'mixture-020d'"),  # one name: mixture-20d
        ("synthetic/mixed/1000", r"Unknown instance '1000' of synthetic/mixed: .* 0\.\.99"),
    ],
)
def test_unknown_names_raise_task_not_found(name, match):
    with pytest.raises(TaskNotFoundError, match=match):
        load_task(name)


def test_task_names_take_the_seeds_of_the_splits():
    seeds = sorted(s for split in SPLIT_SEEDS.values() for s in split)
    assert seeds == list(range(100))
    assert load_task("synthetic/branin/99").seed == 99
    assert load_task("synthetic/branin/0").seed == 0
    assert SyntheticTask("branin", 100).seed == 100  # the class itself takes any seed


def test_the_listing_says_every_dimension_loads():
    assert "rosenbrock, levy, ackley and mixture take any dimension 2..64, not only those listed" in DESCRIPTION
    assert "synthetic/ackley-64d" in DESCRIPTION and "\n" not in DESCRIPTION
    assert "synthetic/ackley-20d" not in suite_names()
    for function in ("rosenbrock", "levy", "ackley", "mixture"):
        assert load_suite(f"synthetic/{function}-20d").task_names("test")[0] == f"synthetic/{function}-20d/80"
    assert load_task("synthetic/ackley-20d/0").dim == 20


def test_unknown_options_are_refused():
    with pytest.raises(TypeError, match=r"Unknown option.*'noisy'.*mixed, noise, fidelity"):
        make_task("branin", "0", noisy=True)


def test_suites_and_splits():
    names = suite_names()
    assert {"synthetic/branin", "synthetic/rosenbrock-5d", "synthetic/mixture", "synthetic/mixed"} <= set(names)
    for name in names:
        load_suite(name)  # every listed suite loads
    suite = load_suite("synthetic/levy-7d", noise=0.01)
    assert suite.task_names("train")[0] == "synthetic/levy-7d/0"
    assert [len(suite.task_names(s)) for s in ("train", "validation", "test")] == [64, 16, 20]
    assert suite.split_of("synthetic/levy-7d/70") == "validation" and suite.split_of("synthetic/levy-7d/99") == "test"
    assert set(SPLIT_SEEDS["train"]).isdisjoint(SPLIT_SEEDS["test"])
    tasks = suite.load("test")[:2]
    assert all(t.noise == 0.01 and t.dim == 7 for t in tasks)


def test_the_mixed_suite_varies_function_dimension_and_types():
    tasks = [load_task(f"synthetic/mixed/{seed}") for seed in range(16)]
    assert {t.function for t in tasks} >= {"branin", "levy", "mixture"}
    assert len({t.dim for t in tasks}) >= 5 and all(2 <= t.dim <= 12 for t in tasks)
    assert all(t.mixed and t.name == f"synthetic/mixed/{i}" for i, t in enumerate(tasks))
    assert not load_task("synthetic/mixed/3", mixed=False).mixed
    again = load_task("synthetic/mixed/5")
    assert (again.function, again.dim, again.space) == (tasks[5].function, tasks[5].dim, tasks[5].space)


def test_batches_are_fast():
    import time

    task = SyntheticTask("hartmann6", 0, mixed=True)
    u = np.random.default_rng(0).random((10_000, 6))
    task.evaluate_unit(u)
    start = time.perf_counter()
    task.evaluate_unit(u)
    # >200k evaluations/s is the target; a loose floor so a busy machine does not fail the test
    assert 10_000 / (time.perf_counter() - start) > 50_000


def test_tuning_a_synthetic_task_end_to_end():
    import rl_hpo

    task = load_task("synthetic/branin/0", mixed=True)
    history = rl_hpo.tune(task, budget=30, method="random", seed=0)
    assert task.bounds.worst <= history.best_score <= 0


def test_training_on_the_bare_family_name_asks_for_a_suite():
    from rl_hpo.agents.train_settings import TrainConfig
    from rl_hpo.envs import TaskPool

    ask = r"is not a suite or task name; name a suite as family/scenario, e.g. 'synthetic/mixed'"
    with pytest.raises(TaskNotFoundError, match=rf"^'synthetic' {ask}"):
        TaskPool("synthetic")
    with pytest.raises(TaskNotFoundError, match=rf"^'/synthetic/' {ask}"):
        TaskPool(["synthetic/branin", "/synthetic/"])
    with pytest.raises(TaskNotFoundError, match=rf"^'synthetic' {ask}"):
        _ = TrainConfig(suites=("synthetic",)).training_spaces
    pool = TaskPool(["synthetic/branin", "synthetic/levy/0"])  # suites and task names still mix
    assert pool.task_names[-1] == "synthetic/levy/0" and len(pool.task_names) == 65


def test_a_task_of_a_test_split_given_by_name_is_refused_for_training():
    from rl_hpo.agents.train_settings import TrainConfig
    from rl_hpo.envs import TaskPool

    with pytest.raises(ValueError, match=r"'synthetic/branin/80' is in the test split of 'synthetic/branin'"):
        TrainConfig(suites=("synthetic/branin/0", "synthetic/branin/80")).task_sources()
    assert TrainConfig(suites=("synthetic/branin/64",)).task_sources() == ["synthetic/branin/64"]  # validation
    assert TaskPool("synthetic/branin/80", split="test").task_names == ["synthetic/branin/80"]  # not training
