"""TPE, GP and CMA-ES through Optuna's ask/tell: the conformance suite and what the wrapper adds."""

from __future__ import annotations

import math

import optuna
import pytest
from optuna.trial import TrialState

from rl_hpo.baselines.initial_design import initial_design
from rl_hpo.baselines.optuna_samplers import CMAES, GP, TPE
from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.optimizer import make_optimizer
from rl_hpo.optuna_space import config_from_optuna
from rl_hpo.space import Categorical, Float, Int, SearchSpace
from tests.baselines.conformance import CONDITIONAL, MIXED, OptimizerConformance, synthetic_objective


class TestTPE(OptimizerConformance):
    factory = TPE
    n_trials = 25


class TestGP(OptimizerConformance):
    factory = GP
    n_trials = 12  # 10 from the initial design and 2 from the GP: each GP step costs ~0.5 s here


class TestCMAES(OptimizerConformance):
    factory = CMAES
    n_trials = 25


@pytest.mark.parametrize(("cls", "n_shared"), [(TPE, 10), (GP, 10), (CMAES, 1)])
def test_start_up_trials_are_the_shared_initial_design(cls, n_shared):
    opt = cls(MIXED, seed=7)
    random = RandomSearch(MIXED, seed=7)
    score = synthetic_objective(MIXED)
    for _ in range(n_shared):
        trial = opt.ask()
        assert trial.config == random.ask().config
        opt.tell(trial, score(trial.config))
    assert opt.ask().config != random.ask().config


def test_n_startup_trials_sets_the_shared_design_length():
    opt = TPE(MIXED, seed=0, n_startup_trials=3)
    random = RandomSearch(MIXED, seed=0)
    assert [opt.ask().config for _ in range(3)] == [random.ask().config for _ in range(3)]
    assert len(opt.study_.get_trials(states=(TrialState.WAITING,))) == 0


def test_failed_trials_are_told_as_fail():
    opt = TPE(MIXED, seed=0)
    first, second = opt.ask(), opt.ask()
    opt.tell(first, math.nan)
    opt.tell(second, 0.5)
    states = [t.state for t in opt.study_.get_trials(states=(TrialState.FAIL, TrialState.COMPLETE))]
    assert states == [TrialState.FAIL, TrialState.COMPLETE]
    assert opt.study_.best_value == 0.5


def test_conditional_parameters_reach_optuna_only_when_active():
    opt = TPE(CONDITIONAL, seed=0)
    score = synthetic_objective(CONDITIONAL)
    for _ in range(20):
        trial = opt.ask()
        opt.tell(trial, score(trial.config))
    for frozen in opt.study_.trials:
        CONDITIONAL.validate(config_from_optuna(CONDITIONAL, frozen.params))


def test_tpe_learns_on_a_smooth_function():
    score = synthetic_objective(MIXED)
    tpe, random = TPE(MIXED, seed=0), RandomSearch(MIXED, seed=0)
    best = {}
    for name, opt in {"tpe": tpe, "random": random}.items():
        values = []
        for _ in range(60):
            trial = opt.ask()
            values.append(score(trial.config))
            opt.tell(trial, values[-1])
        best[name] = max(values[10:])
    assert best["tpe"] > best["random"]


def test_optuna_verbosity_is_left_as_the_user_set_it():
    previous = optuna.logging.get_verbosity()
    try:
        optuna.logging.set_verbosity(optuna.logging.INFO)
        opt = TPE(MIXED, seed=0)
        opt.tell(opt.ask(), 1.0)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(previous)


def test_sampler_options_reach_the_sampler_and_unknown_ones_are_named():
    opt = make_optimizer("tpe", MIXED, seed=0, n_ei_candidates=5)
    assert opt.sampler_options == {"n_ei_candidates": 5}
    with pytest.raises(ValueError, match="Method 'gp' takes no option 'bogus'; its options: seed, "):
        make_optimizer("gp", MIXED, seed=0, bogus=1)


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_n_startup_trials_is_validated(bad):
    with pytest.raises(ValueError, match=r"The 'n_startup_trials' parameter of TPE must be an int in \[0, inf\)"):
        TPE(MIXED, n_startup_trials=bad)


@pytest.mark.parametrize("cls", [TPE, GP])
def test_observed_trials_take_the_places_of_start_up_trials(cls):
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    design = [space.decode(u) for u in initial_design(space, 10, 0)]
    warm = cls(space, seed=0)
    for config in space.sample(3, seed=5):
        warm.observe(config, -abs(config["x"] - 0.3))
    asked = [warm.ask() for _ in range(8)]
    assert [t.config for t in asked[:7]] == design[:7]  # 3 observed + 7 of the design = the 10 start-up trials
    assert asked[7].config != design[7]  # then the sampler's own model
    full = cls(space, seed=0)
    for config in space.sample(12, seed=5):
        full.observe(config, -abs(config["x"] - 0.3))
    assert full.ask().config not in design  # a study past its start-up asks nothing of the design


def test_observe_adds_finished_trials_with_only_the_active_parameters():
    opt = TPE(CONDITIONAL, seed=0)
    configs = CONDITIONAL.sample(2, seed=3)
    opt.observe(configs[0], 0.4)
    opt.observe(configs[1], math.nan)
    told = [t for t in opt.study_.trials if t.state.is_finished()]
    assert [config_from_optuna(CONDITIONAL, t.params) for t in told] == configs
    assert [t.state for t in told] == [TrialState.COMPLETE, TrialState.FAIL]
    assert opt.study_.best_value == 0.4


class _Estimator:
    """A choice that compares by identity, as an estimator object does."""


@pytest.mark.parametrize("cls", [TPE, GP, CMAES])
def test_choices_that_compare_by_identity_reach_the_objective_as_themselves(cls):
    choices = [_Estimator(), _Estimator(), _Estimator()]
    space = SearchSpace({"model": Categorical(choices), "x": Float(0.0, 1.0)})
    opt = cls(space, seed=0, n_startup_trials=3)
    opt.observe({"model": choices[2], "x": 0.5}, 0.9)
    for _ in range(8):
        trial = opt.ask()
        assert any(trial.config["model"] is c for c in choices)
        opt.tell(trial, trial.config["x"] + (trial.config["model"] is choices[1]))


def test_gp_refuses_an_integer_of_more_values_than_optuna_lists():
    with pytest.raises(
        ValueError, match=r"^gp \(Optuna's GPSampler\) lists every value .* 'n' has 1,000,000,000 \(at most"
    ):
        GP(SearchSpace({"n": Int(1, 10**9, log=True)}), seed=0)
    GP(SearchSpace({"n": Int(1, 2**24)}), seed=0)  # the largest it takes
