"""The greedy portfolio baseline: the conformance suite, the portfolio-then-TPE contract, stored files, building."""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from optuna.trial import TrialState

from rl_hpo import optimizer as optimizer_module
from rl_hpo.agents.portfolio_policy import PortfolioThenPolicy
from rl_hpo.baselines.initial_design import initial_design
from rl_hpo.baselines.optuna_samplers import TPE
from rl_hpo.baselines.portfolio import (
    FORMAT,
    Portfolio,
    find_portfolio,
    read_portfolio,
    stored_portfolios,
    write_portfolio,
)
from rl_hpo.baselines.portfolio_building import build_portfolio, greedy_selection
from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.optimizer import Optimizer, Trial, make_optimizer
from rl_hpo.optuna_space import config_from_optuna
from rl_hpo.space import Float, SearchSpace
from rl_hpo.tasks import load_suite
from rl_hpo.tasks.base import Fidelity, FunctionTask, Result, ScoreBounds
from tests.baselines.conformance import CONDITIONAL, MIXED, SPACES, OptimizerConformance, synthetic_objective

#: Short, so that runs with different seeds leave the shared portfolio within the conformance suite's
#: first 10 trials (the portfolio part is the same for every seed by design).
N_CONFORMANCE = 3


def _bowls(space: SearchSpace, n: int = 3) -> list[FunctionTask]:
    """Meta-train tasks for a test space: quadratic bowls around different optima, with bounds."""
    tasks = []
    for k in range(n):
        target = np.random.default_rng(k).random(space.dim)

        def objective(config: dict[str, Any], target: np.ndarray = target) -> float:
            return -float(np.sum((space.encode(config) - target) ** 2))

        task = FunctionTask(objective, space, name=f"bowl/{k}")
        task.bounds = ScoreBounds(-float(space.dim), 0.0)
        tasks.append(task)
    return tasks


@functools.cache
def _built(space_name: str, max_size: int = N_CONFORMANCE) -> tuple[dict[str, Any], ...]:
    """A portfolio built on the fly for a conformance space (cached: the build is deterministic)."""
    doc = build_portfolio(
        _bowls(SPACES[space_name]), n_candidates=100, max_size=max_size, seed=0, n_local_rounds=3, local_batch=16
    )
    return tuple(doc["configs"])


def _configs_for(space: SearchSpace, max_size: int = N_CONFORMANCE) -> list[dict[str, Any]]:
    name = next(n for n, s in SPACES.items() if s == space)
    return [dict(c) for c in _built(name, max_size)]


def _portfolio(space: SearchSpace, *, seed: int | None = None, fidelity: Fidelity | None = None) -> Portfolio:
    return Portfolio(space, seed=seed, fidelity=fidelity, portfolio=_configs_for(space))


class TestPortfolio(OptimizerConformance):
    factory = _portfolio
    n_trials = 25  # 3 from the portfolio, 7 from TPE's start-up design, 15 from TPE's model

    def test_make_optimizer_builds_it_by_name(self) -> None:
        # "auto" needs a stored portfolio for the space, and none is stored for the test spaces.
        opt = make_optimizer("portfolio", MIXED, seed=0, portfolio=_configs_for(MIXED))
        assert type(opt) is Portfolio


def _portfolio_then_policy(
    space: SearchSpace, *, seed: int | None = None, fidelity: Fidelity | None = None
) -> PortfolioThenPolicy:
    return PortfolioThenPolicy(space, seed=seed, fidelity=fidelity, portfolio=_configs_for(space))


class TestPortfolioThenPolicy(OptimizerConformance):
    factory = _portfolio_then_policy
    n_trials = 15  # 3 from the portfolio, 12 from the shipped default policy

    def test_make_optimizer_builds_it_by_name(self) -> None:
        opt = make_optimizer("portfolio_ppo", MIXED, seed=0, portfolio=_configs_for(MIXED))
        assert type(opt) is PortfolioThenPolicy
        assert opt.continuation_.name == "ppo"


def _score_all(opt: Portfolio, n: int, objective=None) -> list:
    objective = objective or synthetic_objective(opt.space)
    trials = []
    for _ in range(n):
        trial = opt.ask()
        opt.tell(trial, objective(trial.config))
        trials.append(trial)
    return trials


# -- the portfolio, then the continuation --------------------------------------------------------------
def test_the_portfolio_is_evaluated_in_order_whatever_the_seed():
    configs = MIXED.sample(6, seed=11)
    for seed in (0, 1, None):
        trials = _score_all(Portfolio(MIXED, seed=seed, portfolio=configs), 6)
        assert [t.config for t in trials] == configs
        assert all(t.fidelity is None for t in trials)


def test_the_portfolio_s_configurations_reach_the_objective_with_their_parameters_types():
    from rl_hpo.space import Categorical, Int

    space = SearchSpace({"n_estimators": Int(10, 500), "lr": Float(0.0, 1.0), "kind": Categorical([1, "a"])})
    given = {"n_estimators": 50.0, "lr": 1, "kind": np.int64(1)}  # as read from a table or JSON
    (trial,) = _score_all(Portfolio(space, seed=0, portfolio=[given]), 1)
    assert trial.config == {"n_estimators": 50, "lr": 1.0, "kind": 1}
    assert [type(v) for v in trial.config.values()] == [int, float, int]


def test_the_continuation_takes_over_after_the_portfolio():
    configs = MIXED.sample(3, seed=11)
    opt = Portfolio(MIXED, seed=5, portfolio=configs)
    trials = _score_all(opt, 12)
    # The portfolio's observed trials take the places of TPE's start-up trials: 10 - 3 random trials of the
    # shared initial design (the same as random search's for the seed), then the model.
    random = RandomSearch(MIXED, seed=5)
    assert [t.config for t in trials[3:10]] == [random.ask().config for _ in range(7)]
    assert opt.continuation_._n_asked == 9
    assert [t.id for t in trials] == list(range(12))


def test_a_long_portfolio_replaces_the_start_up_design():
    configs = MIXED.sample(12, seed=1)
    opt = Portfolio(MIXED, seed=0, portfolio=configs)
    trials = _score_all(opt, 14)
    design = {tuple(MIXED.decode(u).values()) for u in initial_design(MIXED, 10, 0)}
    assert not any(tuple(t.config.values()) in design for t in trials[12:])  # the model from trial 12 on
    assert not opt.continuation_.study_.get_trials(states=(TrialState.WAITING,))
    options = Portfolio(MIXED, seed=0, portfolio=configs, then_options={"n_startup_trials": 4})
    assert options.continuation_.n_startup_trials == 4


def test_the_inner_tpe_is_told_the_portfolio_results():
    configs = CONDITIONAL.sample(4, seed=2)
    opt = Portfolio(CONDITIONAL, seed=0, portfolio=configs)
    scores = [0.1, math.nan, 0.7, 0.3]
    for score in scores:
        trial = opt.ask()
        opt.tell(trial, score)
    study = opt.continuation_.study_
    told = [t for t in study.trials if t.state in (TrialState.COMPLETE, TrialState.FAIL)]
    # only active parameters, as define-by-run gives them
    assert [config_from_optuna(CONDITIONAL, t.params) for t in told] == configs
    assert [t.state for t in told] == [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE, TrialState.COMPLETE]
    assert [t.value for t in told if t.state == TrialState.COMPLETE] == [0.1, 0.7, 0.3]
    assert study.best_value == 0.7
    # ...and it keeps learning from its own trials afterwards.
    trial = opt.ask()
    opt.tell(trial, 0.9)
    assert opt.continuation_.study_.best_value == 0.9


def test_tpe_after_a_portfolio_models_the_portfolio_results():
    # A portfolio of 12 points, good ones near the optimum: TPE (no start-up trials left) must sample near
    # them at once, unlike TPE started from scratch with the same seed.
    score = synthetic_objective(MIXED)
    target = np.linspace(0.2, 0.8, MIXED.dim)
    rng = np.random.default_rng(0)
    near = [MIXED.decode(np.clip(target + 0.05 * rng.standard_normal(MIXED.dim), 0, 1)) for _ in range(4)]
    configs = near + MIXED.sample(8, seed=3)
    warm = Portfolio(MIXED, seed=0, portfolio=configs)
    _score_all(warm, 12)
    cold = TPE(MIXED, seed=0)
    after_portfolio = [score(t.config) for t in _score_all(warm, 10)]
    from_scratch = [score(t.config) for t in _score_all(cold, 10)]
    assert np.mean(after_portfolio) > np.mean(from_scratch)


def test_a_result_told_after_the_continuation_started_still_reaches_it():
    opt = Portfolio(MIXED, seed=0, portfolio=MIXED.sample(2, seed=1))
    first, second, third = opt.ask(), opt.ask(), opt.ask()  # the third comes from TPE
    opt.tell(third, 0.2)
    opt.tell(second, 0.5)
    opt.tell(first, math.nan)
    states = [t.state for t in opt.continuation_.study_.trials if t.state.is_finished()]
    assert sorted(states, key=str) == sorted([TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL], key=str)


def test_a_failed_portfolio_goes_on_to_the_continuation():
    opt = Portfolio(MIXED, seed=0, portfolio=MIXED.sample(12, seed=1))
    for _ in range(12):
        opt.tell(opt.ask(), Result.failure("diverged"))
    trials = _score_all(opt, 5)  # TPE with no start-up trials and no success yet samples from its prior
    for trial in trials:
        MIXED.validate(trial.config)


def test_n_configs_uses_a_prefix():
    configs = MIXED.sample(5, seed=1)
    opt = Portfolio(MIXED, seed=0, portfolio=configs, n_configs=2)
    assert opt.configs_ == configs[:2]
    trials = _score_all(opt, 5)
    assert [t.config for t in trials[:2]] == configs[:2]
    random = RandomSearch(MIXED, seed=0)  # then 8 of TPE's 10 start-up trials: the shared design
    assert [t.config for t in trials[2:]] == [random.ask().config for _ in range(3)]


def test_then_random_needs_no_results():
    opt = Portfolio(MIXED, seed=4, portfolio=MIXED.sample(2, seed=1), then="random")
    trials = _score_all(opt, 5)
    random = RandomSearch(MIXED, seed=4)
    assert [t.config for t in trials[2:]] == [random.ask().config for _ in range(3)]


def test_then_cmaes_warns_that_it_ignores_the_portfolio():
    with pytest.warns(UserWarning, match="ignores the portfolio's results"):
        Portfolio(MIXED, seed=0, portfolio=MIXED.sample(2, seed=1), then="cmaes")


# -- bad input ------------------------------------------------------------------------------------
def test_configs_outside_the_space_are_named():
    configs = [*MIXED.sample(2, seed=1), {**MIXED.sample(seed=2), "dropout": 0.9}, {"lr": 0.01}]
    with pytest.raises(
        ValueError,
        match=r"2 configuration\(s\) of the portfolio \(list\) are not in the search space: "
        r"#2 .*'dropout': 0.9.*#3 \{'lr': 0.01\}",
    ):
        Portfolio(MIXED, portfolio=configs)


def test_auto_without_a_stored_portfolio_names_them_and_how_to_build_one():
    with pytest.raises(
        ValueError,
        match=r"No stored portfolio matches this search space .*stored: .*"
        r"scripts/build_portfolios.py",
    ):
        Portfolio(MIXED)


class _Learner(Optimizer):
    name = "learner"

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        return self.space.sample(seed=trial_id), None

    def _tell(self, trial: Trial, result: Result) -> None:
        pass


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"then": "hyperband"}, "is a multi-fidelity method"),
        ({"then": "portfolio"}, "must be the name of another optimizer"),
        ({"then": "nope"}, "Unknown method 'nope'"),
        ({"then": "learner"}, "cannot be told the portfolio's results"),
        ({"then_options": {"seed": 1}}, "must not set 'seed'"),
        ({"n_configs": 0}, r"'n_configs' parameter of Portfolio must be an int in \[1, inf\)"),
        ({"n_configs": 9}, "is more than the 2 configurations"),
        ({"portfolio": []}, "has no configurations"),
    ],
)
def test_bad_options_are_named(options, match, monkeypatch):
    # A method that learns from results but offers no way to be told results it did not ask for.
    monkeypatch.setitem(optimizer_module._REGISTRY, "learner", _Learner)
    options = {"portfolio": MIXED.sample(2, seed=1), **options}
    with pytest.raises(ValueError, match=match):
        Portfolio(MIXED, fidelity=Fidelity("epochs", 1, 27), **options)


def test_a_portfolio_of_the_wrong_kind_is_a_type_error():
    with pytest.raises(TypeError, match="must be 'auto', a path to a portfolio file or a list of configurations"):
        Portfolio(MIXED, portfolio=42)  # type: ignore[arg-type]


def test_a_file_for_another_space_is_refused(tmp_path: Path):
    doc = build_portfolio(_bowls(MIXED, 2), n_candidates=20, max_size=2, n_local_rounds=0)
    path = write_portfolio(doc, tmp_path / "mixed.json")
    narrower = SearchSpace({**dict(MIXED), "dropout": Float(0.0, 0.4)})
    with pytest.raises(
        ValueError, match=r"was built for another search space \(parameters that differ: \['dropout'\]\)"
    ):
        Portfolio(narrower, portfolio=path)
    (tmp_path / "bad.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="is not a portfolio file of format"):
        Portfolio(MIXED, portfolio=tmp_path / "bad.json")
    with pytest.raises(ValueError, match="does not exist"):
        Portfolio(MIXED, portfolio=tmp_path / "missing.json")


# -- building -------------------------------------------------------------------------------------
def test_greedy_selection_adds_the_largest_reduction_first_and_stops_when_saturated():
    regret = np.array(
        [
            [0.0, 0.5, 0.2, 0.9],
            [0.8, 0.5, 0.2, 0.0],
            [0.8, 0.5, 0.3, 0.0],
        ]
    )
    indices, losses = greedy_selection(regret, 10)
    # 2 is best alone (0.2, 0.2, 0.3); then 3 gives (0.2, 0, 0); then 0 gives (0, 0, 0); nothing helps after.
    assert indices == [2, 3, 0]
    np.testing.assert_allclose(losses, [0.7 / 3, 0.2 / 3, 0.0])
    assert greedy_selection(regret, 2)[0] == [2, 3]
    assert greedy_selection(regret, 10, min_gain=0.2)[0] == [2]  # the second pick gains only 1/6
    assert greedy_selection(np.array([[0.5, 0.5, np.nan]]), 3)[0] == [0]  # ties: the earlier; NaN counts as 1


def test_building_on_a_tiny_synthetic_suite(tmp_path: Path):
    suite = load_suite("synthetic/branin")
    tasks = suite.load("train")[:4]
    settings = {"n_candidates": 200, "max_size": 5, "seed": 0, "n_local_rounds": 5, "local_batch": 32}
    doc = build_portfolio(tasks, **settings, suite="synthetic/branin", split="train", command="test")
    assert doc["format"] == FORMAT and doc["suite"] == "synthetic/branin" and doc["split"] == "train"
    assert doc["tasks"] == [t.name for t in tasks]
    assert 1 <= len(doc["configs"]) <= 5 and len(doc["sources"]) == len(doc["configs"])
    assert np.all(np.diff(doc["train_regret"]) < 0)
    # The recorded train regret is what the stored configurations score (what is evaluated is what is stored).
    regret = np.array([[t.bounds.regret(t.evaluate(c).score) for c in doc["configs"]] for t in tasks])
    np.testing.assert_allclose(np.minimum.accumulate(regret, axis=1).mean(axis=0), doc["train_regret"], atol=1e-9)
    again = build_portfolio(tasks, **settings, suite="synthetic/branin", split="train", command="test")
    assert again == doc  # deterministic

    path = write_portfolio(doc, tmp_path / "branin.json")
    assert read_portfolio(path) == json.loads(json.dumps(doc))
    opt = Portfolio(tasks[0].space, seed=0, portfolio=path)
    assert [opt.ask().config for _ in range(len(doc["configs"]))] == doc["configs"]


def test_local_search_incumbents_help_on_the_train_tasks():
    tasks = load_suite("synthetic/branin").load("train")[:4]
    plain = build_portfolio(tasks, n_candidates=50, max_size=4, n_local_rounds=0)
    refined = build_portfolio(tasks, n_candidates=50, max_size=4, n_local_rounds=10, local_batch=32)
    assert refined["train_regret"][-1] < plain["train_regret"][-1]
    assert any(s.startswith("incumbent:synthetic/branin/") for s in refined["sources"])


def test_build_refuses_mixed_spaces_and_tasks_without_bounds():
    mixed, conditional = _bowls(MIXED, 1)[0], _bowls(CONDITIONAL, 1)[0]
    with pytest.raises(ValueError, match="has another search space"):
        build_portfolio([mixed, conditional])
    unbounded = FunctionTask(synthetic_objective(MIXED), MIXED, name="unbounded")
    with pytest.raises(ValueError, match="'unbounded' has no score bounds"):
        build_portfolio([unbounded])
    with pytest.raises(ValueError, match="build_portfolio needs at least one meta-train task"):
        build_portfolio([])
    flat = FunctionTask(lambda c: 0.5, MIXED, name="flat")
    flat.bounds = ScoreBounds(0.5, 0.5 + 1e-13)
    with pytest.warns(UserWarning, match=r"Left out \['flat'\]"), pytest.raises(ValueError, match="Every task's"):
        build_portfolio([flat])


def test_the_build_script_writes_a_portfolio_and_refuses_other_splits(tmp_path: Path):
    from scripts.build_portfolios import main

    out = tmp_path / "branin.json"
    args = ["--suite", "synthetic/branin", "--n-candidates", "50", "--n-local-rounds", "2", "--local-batch", "8"]
    main([*args, "--max-size", "3", "--out", str(out)])
    doc = read_portfolio(out)
    assert doc["split"] == "train" and len(doc["tasks"]) == len(load_suite("synthetic/branin").task_names("train"))
    assert doc["command"].startswith("python scripts/build_portfolios.py --suite synthetic/branin --split train")
    with pytest.raises(SystemExit, match="built from the train split only"):
        main(["--suite", "synthetic/branin", "--split", "validation", "--out", str(out)])
    with pytest.raises(SystemExit, match="--evaluate --split test is refused"):
        main(["--evaluate", "--suite", "synthetic/branin", "--split", "test", "--portfolio", str(out)])


# -- the stored portfolios --------------------------------------------------------------------------
STORED = {"lcbench": "yahpo/lcbench", "rbv2_xgboost": "yahpo/rbv2_xgboost", "iaml_glmnet": "yahpo/iaml_glmnet"}


@pytest.mark.parametrize("name", sorted(STORED))
def test_stored_portfolios_load_for_their_spaces(name):
    path = stored_portfolios()[name]
    doc = read_portfolio(path)
    assert doc["suite"] == STORED[name] and doc["split"] == "train"
    assert doc["command"].startswith(f"python scripts/build_portfolios.py --suite {STORED[name]} --split train")
    space = SearchSpace.from_dict(doc["space"])
    assert find_portfolio(space) == path
    opt = Portfolio(space, seed=0)  # "auto"
    assert opt.source_ == str(path)
    assert [opt.ask().config for _ in range(len(doc["configs"]))] == doc["configs"]


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
@pytest.mark.parametrize("name", sorted(STORED))
def test_stored_portfolios_match_the_yahpo_tasks_and_saw_only_the_train_split(name):
    doc = read_portfolio(stored_portfolios()[name])
    suite = load_suite(STORED[name])
    assert set(doc["tasks"]) == set(suite.task_names("train"))
    unseen = set(suite.task_names("validation")) | set(suite.task_names("test"))
    assert not unseen & set(doc["tasks"])
    assert not any(source.split(":", 1)[-1] in unseen for source in doc["sources"])
    task = suite.load("train")[0]
    opt = Portfolio(task.space, seed=0)
    trial = opt.ask()
    result = task.evaluate(trial.config)
    opt.tell(trial, result)
    assert math.isfinite(result.score)
