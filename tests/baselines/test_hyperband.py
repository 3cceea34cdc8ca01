"""Hyperband: the conformance suite, the paper's schedule, fidelity mapping and asynchronous asks."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from rl_hpo.baselines.hyperband import Hyperband, hyperband_brackets
from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.space import Float, SearchSpace
from rl_hpo.tasks.base import Fidelity
from tests.baselines.conformance import FIDELITY, MIXED, OptimizerConformance, synthetic_objective

LINE = SearchSpace({"x": Float(0.0, 1.0)})


class TestHyperband(OptimizerConformance):
    factory = Hyperband
    fidelity = FIDELITY
    n_trials = 60


def test_the_canonical_schedule_of_the_paper():
    # The worked example of Li et al. (2018): R = 81, eta = 3.
    brackets = hyperband_brackets(81, 3)
    assert [b.s for b in brackets] == [4, 3, 2, 1, 0]
    assert [b.rungs[0] for b in brackets] == [(81, 1), (34, 3), (15, 9), (8, 27), (5, 81)]
    assert [n for n, _ in brackets[0].rungs] == [81, 27, 9, 3, 1]
    assert [n for n, _ in brackets[1].rungs] == [34, 11, 3, 1]
    assert [r for _, r in brackets[1].rungs] == [3, 9, 27, 81]
    assert [b.levels for b in brackets] == [(0, 1, 2, 3, 4), (1, 2, 3, 4), (2, 3, 4), (3, 4), (4,)]


def run(opt, n, score, fail=lambda config: False):
    trials = []
    for _ in range(n):
        trial = opt.ask()
        opt.tell(trial, math.nan if fail(trial.config) else score(trial.config, trial.fidelity))
        trials.append(trial)
    return trials


def test_sequential_trials_follow_successive_halving():
    fidelity = Fidelity("epochs", 1, 81, integer=True)
    opt = Hyperband(LINE, seed=0, fidelity=fidelity)
    score = lambda config, at: -abs(config["x"] - 0.7)  # noqa: E731
    one_iteration = sum(n for b in hyperband_brackets(81, 3) for n, _ in b.rungs)
    trials = run(opt, one_iteration + 81, score)
    fidelities = [t.fidelity for t in trials]
    assert fidelities[:121] == [1.0] * 81 + [3.0] * 27 + [9.0] * 9 + [27.0] * 3 + [81.0]
    assert fidelities[121 : 121 + 34] == [3.0] * 34
    # The best third of each rung moves on, best first.
    first_rung = sorted(trials[:81], key=lambda t: -score(t.config, 1))
    assert [t.config for t in trials[81:108]] == [t.config for t in first_rung[:27]]
    # After bracket s = 0 the cycle starts again with s = 4.
    assert Counter(fidelities[one_iteration:]) == {1.0: 81}


def test_fidelities_are_the_ladder_of_the_task():
    lcbench = Fidelity("epoch", 1, 52, integer=True)  # R = 52: s_max = 3, 52 / 27 rounds to 2
    opt = Hyperband(LINE, seed=0, fidelity=lcbench)
    assert [opt.fidelity_of(level) for level in range(4)] == [2.0, 6.0, 17.0, 52.0]
    fraction = Fidelity("train_size", 0.03, 1.0)
    opt = Hyperband(LINE, seed=0, fidelity=fraction)
    assert [opt.fidelity_of(level) for level in range(4)] == pytest.approx([1 / 27, 1 / 9, 1 / 3, 1.0])


def test_an_integer_fidelity_rounds_half_up():
    fidelity = Fidelity("epoch", 1, 5, integer=True)
    clipped = [fidelity.clip(v) for v in (1.25, 2.5, 3.5, 4.49, 9.0)]
    assert clipped == [1, 3, 4, 4, 5] and all(type(v) is int for v in clipped)  # range(epochs) takes it
    opt = Hyperband(LINE, seed=0, fidelity=fidelity, eta=2)  # R = 5: 5 / 2 = 2.5 is 3 epochs, not 2
    assert [opt.fidelity_of(level) for level in range(3)] == [1.0, 3.0, 5.0]


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
def test_an_integer_fidelity_reaches_the_objective_as_an_int(method):
    import rl_hpo
    from rl_hpo.tasks.base import FunctionTask

    task = FunctionTask(
        lambda c, epochs: c["x"] * len(range(epochs)), LINE, fidelity=Fidelity("epochs", 1, 27, integer=True)
    )
    history = rl_hpo.tune(task, method=method, budget=6, seed=0)
    assert history.n_failed == 0 and {type(r.fidelity) for r in history.records} == {int}


def test_bracket_sizes_are_exact_for_large_ratios():
    from fractions import Fraction

    for brackets, eta in ((hyperband_brackets(3**10, 3), 3), (hyperband_brackets(2**20, 2), 2)):
        s_max = brackets[0].s
        for b in brackets:
            assert b.rungs[0][0] == math.ceil(Fraction(s_max + 1, b.s + 1) * eta**b.s)  # the paper's n
    assert {b.s: b for b in hyperband_brackets(3**10, 3)}[8].rungs[0][0] == 8019


def test_first_configurations_are_the_shared_initial_design():
    opt = Hyperband(MIXED, seed=5, fidelity=FIDELITY)
    random = RandomSearch(MIXED, seed=5)
    assert [opt.ask().config for _ in range(27)] == [random.ask().config for _ in range(27)]


def test_asks_while_a_rung_waits_start_the_next_bracket():
    opt = Hyperband(LINE, seed=0, fidelity=FIDELITY)  # brackets: 27 @ 1, 12 @ 3, 6 @ 9, 4 @ 27
    first = [opt.ask() for _ in range(27)]
    waiting = opt.ask()  # the first rung is not told yet: the next bracket starts
    assert waiting.fidelity == 3.0
    score = synthetic_objective(LINE, FIDELITY)
    for trial in first:
        opt.tell(trial, score(trial.config, trial.fidelity))
    promoted = opt.ask()  # the oldest bracket has priority again
    assert promoted.fidelity == 3.0 and promoted.config in [t.config for t in first]
    assert opt.ask().fidelity == 3.0


def test_failed_configurations_are_never_promoted():
    opt = Hyperband(LINE, seed=0, fidelity=FIDELITY)
    fail = lambda config: config["x"] > 0.2  # noqa: E731
    trials = run(opt, 27, lambda config, at: config["x"], fail=fail)
    n_ok = sum(not fail(t.config) for t in trials)
    assert 0 < n_ok < 9
    promoted = [opt.ask() for _ in range(n_ok)]
    assert all(t.fidelity == 3.0 and not fail(t.config) for t in promoted)
    new = opt.ask()  # the short rung waits for its results: bracket s = 2 starts, at 3 epochs
    assert new.fidelity == 3.0 and new.config not in [t.config for t in trials]


def test_a_bracket_with_no_success_ends():
    opt = Hyperband(LINE, seed=0, fidelity=FIDELITY)
    trials = run(opt, 27, lambda config, at: 0.0, fail=lambda config: True)
    new = opt.ask()  # bracket s = 2
    assert new.fidelity == 3.0 and new.config not in [t.config for t in trials]


@pytest.mark.parametrize("eta", [1, 0, 2.0, True])
def test_eta_is_validated(eta):
    with pytest.raises(
        ValueError, match=rf"The 'eta' parameter of Hyperband must be an int in \[2, inf\)\. Got {eta!r}"
    ):
        Hyperband(LINE, fidelity=FIDELITY, eta=eta)


def test_a_narrow_fidelity_range_warns():
    from rl_hpo.baselines.bohb import BOHB

    with pytest.warns(UserWarning, match="single bracket and is random search") as caught:
        opt = Hyperband(LINE, seed=0, fidelity=Fidelity("epochs", 10, 20, integer=True))
    assert {opt.ask().fidelity for _ in range(5)} == {20.0}
    with pytest.warns(UserWarning, match="single bracket and is its model-based search") as bohb:
        BOHB(LINE, seed=0, fidelity=Fidelity("epochs", 10, 20, integer=True))

    class Mine(BOHB):  # a subclass without an __init__ of its own
        pass

    with pytest.warns(UserWarning, match="single bracket") as mine:
        Mine(LINE, seed=0, fidelity=Fidelity("epochs", 10, 20, integer=True))
    assert caught[0].filename == bohb[0].filename == mine[0].filename == __file__  # the warning points at the user


def test_optimize_refuses_a_task_of_another_fidelity():
    import rl_hpo
    from rl_hpo.tasks.base import FunctionTask

    opt = Hyperband(LINE, seed=0, fidelity=Fidelity("epochs", 1, 27, integer=True))
    for task in (
        FunctionTask(lambda c: c["x"], LINE),
        FunctionTask(lambda c, e: c["x"], LINE, fidelity=Fidelity("epochs", 1, 9)),
    ):
        with pytest.raises(ValueError, match="was made for the fidelity"):
            opt.optimize(task, 3)
    with pytest.raises(TypeError, match="must be a Fidelity"):
        Hyperband(LINE, seed=0, fidelity=27)
    with pytest.raises(TypeError, match="tune takes the fidelity from the task"):
        rl_hpo.tune(lambda c, e: c["x"], LINE, method="hyperband", budget=3, fidelity=Fidelity("e", 1, 27))


@pytest.mark.parametrize(("low", "high"), [(1, math.inf), (1e-320, 1.0), (0, 1), ("1", 27), (2, 1)])
def test_a_fidelity_without_a_finite_positive_range_is_refused(low, high):
    with pytest.raises(ValueError, match="Fidelity 'e' needs"):
        Fidelity("e", low, high)
