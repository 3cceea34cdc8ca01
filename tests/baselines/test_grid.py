"""Grid search: the conformance suite, the grid, its shuffled order and its refinement."""

from __future__ import annotations

import pytest

from rl_hpo.baselines.grid import GridSearch
from rl_hpo.space import Categorical, Condition, Float, Int, SearchSpace
from tests.baselines.conformance import OptimizerConformance

SMALL = SearchSpace({"x": Float(1.0, 100.0, log=True), "n": Int(1, 3), "c": Categorical(["a", "b"])})


class TestGridSearch(OptimizerConformance):
    factory = GridSearch


def configs(opt, n):
    out = []
    for _ in range(n):
        trial = opt.ask()
        opt.tell(trial, 0.0)
        out.append(trial.config)
    return out


def key(config):
    return tuple(sorted(config.items()))


def test_the_first_grid_is_visited_once_in_a_seeded_order():
    opt = GridSearch(SMALL, seed=0, resolution=3)
    assert opt.grid_size() == 3 * 3 * 2
    first = configs(opt, 18)
    # log-spaced x (exp/log round-off aside), every integer, every choice: each combination once
    rounded = {(round(c["x"], 9), c["n"], c["c"]) for c in first}
    assert rounded == {(x, n, c) for x in (1.0, 10.0, 100.0) for n in (1, 2, 3) for c in ("a", "b")}
    assert first != configs(GridSearch(SMALL, seed=0, resolution=3, shuffle=False), 18)
    assert first != configs(GridSearch(SMALL, seed=1, resolution=3), 18)


def test_unshuffled_order_is_lexicographic():
    opt = GridSearch(SearchSpace({"a": Int(0, 1), "b": Categorical(["p", "q"])}), seed=0, shuffle=False)
    assert configs(opt, 4) == [{"a": 0, "b": "p"}, {"a": 0, "b": "q"}, {"a": 1, "b": "p"}, {"a": 1, "b": "q"}]


def test_an_exhausted_grid_is_refined_with_new_points_only():
    space = SearchSpace({"x": Float(0.0, 1.0)})
    opt = GridSearch(space, seed=0, resolution=3)
    level_0 = [c["x"] for c in configs(opt, 3)]
    level_1 = [c["x"] for c in configs(opt, 2)]
    level_2 = [c["x"] for c in configs(opt, 4)]
    assert sorted(level_0) == [0.0, 0.5, 1.0]
    assert sorted(level_1) == [0.25, 0.75]
    assert sorted(level_2) == [0.125, 0.375, 0.625, 0.875]
    assert opt.level_ == 2


def test_a_finite_space_goes_on_at_random_once_every_configuration_was_proposed():
    space = SearchSpace({"n": Int(1, 4), "c": Categorical(["a", "b", "c"])})
    opt = GridSearch(space, seed=0, resolution=2)
    first = configs(opt, 12)
    assert len({key(c) for c in first}) == 12
    assert not opt.exhausted_
    more = configs(opt, 20)
    assert opt.exhausted_
    assert all(space.contains(c) for c in more)


def test_inactive_parameters_do_not_repeat_configurations():
    space = SearchSpace(
        {"kernel": Categorical(["rbf", "linear"]), "gamma": Float(0.1, 1.0, condition=Condition("kernel", "rbf"))}
    )
    opt = GridSearch(space, seed=0, resolution=5)
    first = configs(opt, 6)  # 5 rbf points and one linear, not 5 copies of {"kernel": "linear"}
    assert len({key(c) for c in first}) == 6
    assert sum(c["kernel"] == "linear" for c in first) == 1


def test_a_grid_too_large_to_permute_is_still_visited_without_repeats():
    space = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(14)})  # 5^14 points
    opt = GridSearch(space, seed=0)
    first = configs(opt, 200)
    assert len({key(c) for c in first}) == 200
    assert all(v in (0.0, 0.25, 0.5, 0.75, 1.0) for c in first for v in c.values())


@pytest.mark.parametrize("resolution", [1, 0, 2.5, True])
def test_resolution_is_validated(resolution):
    with pytest.raises(
        ValueError, match=rf"'resolution' parameter of GridSearch must be an int in \[2, inf\)\. Got {resolution!r}"
    ):
        GridSearch(SMALL, resolution=resolution)


def test_a_float_range_of_a_few_floating_point_values_ends_the_refinement():
    # Between 1 and 1 + 1e-15 lie six doubles: once each is proposed, every later level would decode to them only.
    opt = GridSearch(SearchSpace({"x": Float(1.0, 1.0 + 1e-15)}), seed=0)
    values = [config["x"] for config in configs(opt, 8)]
    assert len(set(values[:6])) == 6 and opt.exhausted_
    assert all(1.0 <= x <= 1.0 + 1e-15 for x in values)  # the draws after it stay in the range
