"""PolicyOptimizer: the ask/tell contract over a policy, seeding, failures, and the shipped default."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rl_hpo.agents.network import TuningNetwork
from rl_hpo.agents.policy_file import load_policy, save_policy
from rl_hpo.agents.policy_optimizer import PolicyOptimizer
from rl_hpo.envs import TuningEnv
from rl_hpo.envs.observation import ObservationLayout
from rl_hpo.optimizer import make_optimizer
from rl_hpo.space import Float, SearchSpace
from rl_hpo.tasks.base import FunctionTask, Result
from tests.bowl import bowl_task


@pytest.fixture(scope="module")
def policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = TuningNetwork(ObservationLayout(max_dim=6, history_len=3), hidden=8)
        net.orthogonal_init()
    return save_policy(net, tmp_path_factory.mktemp("policy") / "p", metadata={"defaults": {"horizon": 20}})


def _trials(policy: Path | str, seed: int | None, n: int = 12, **options) -> list[dict]:
    task = bowl_task(4, seed=3)
    opt = PolicyOptimizer(task.space, seed=seed, policy=policy, **options)
    configs = []
    for _ in range(n):
        trial = opt.ask()
        assert task.space.contains(trial.config)
        opt.tell(trial, task.evaluate(trial.config))
        configs.append(trial.config)
    return configs


def test_same_seed_same_trials_different_seed_different(policy_dir: Path) -> None:
    assert _trials(policy_dir, 0) == _trials(policy_dir, 0)
    assert _trials(policy_dir, 0) != _trials(policy_dir, 1)
    assert _trials(policy_dir, 5, deterministic=True) == _trials(policy_dir, 5, deterministic=True)


def test_first_trial_is_the_shared_initial_design(policy_dir: Path) -> None:
    space = bowl_task(4, seed=3).space
    random = make_optimizer("random", space, seed=4)
    ppo = make_optimizer("ppo", space, seed=4, policy=str(policy_dir))
    assert ppo.ask().config == random.ask().config


def test_policy_steps_match_the_environment(policy_dir: Path) -> None:
    """The optimizer and the env share the bookkeeping: same points, same observations."""
    policy = load_policy(policy_dir)
    task = bowl_task(4, seed=3)
    opt = PolicyOptimizer(task.space, seed=0, policy=policy, deterministic=True, horizon=10)
    env = TuningEnv([task], budget=10, max_dim=6, history_len=3)
    trial = opt.ask()
    opt.tell(trial, task.evaluate(trial.config))
    env.reset(seed=0)
    env.history = opt.history_.__class__(env.layout, task.space, 10)
    env.history.add(opt.history_.points[0], opt.history_.scores[0])
    env._best = env.history.best_score
    for _ in range(6):
        np.testing.assert_array_equal(env.history.observation(), opt.history_.observation())
        action = policy.act(env.history.observation()[None])[0]
        *_, info = env.step(action.astype(np.float32))
        trial = opt.ask()
        assert trial.config == info["config"]
        opt.tell(trial, task.evaluate(trial.config))


def test_failed_trials_count_as_the_worst_and_the_run_goes_on(policy_dir: Path) -> None:
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    task = FunctionTask(lambda c: float("nan") if c["x"] > 0.6 else -abs(c["y"] - 0.3), space)
    opt = PolicyOptimizer(space, seed=0, policy=policy_dir)
    history = opt.optimize(task, 25)
    assert history.n_trials == 25
    assert np.isfinite(opt.history_.observation()).all()
    trial = opt.ask()
    opt.tell(trial, Result.failure("boom"))
    assert opt.history_.n_evals == 26


def test_optimize_sets_the_horizon_to_the_budget(policy_dir: Path) -> None:
    task = bowl_task(3)
    opt = PolicyOptimizer(task.space, seed=0, policy=policy_dir)
    assert opt.history_.horizon == 20  # the policy's default
    opt.optimize(task, 8)
    assert opt.history_.horizon == 8
    fixed = PolicyOptimizer(task.space, seed=0, policy=policy_dir, horizon=30)
    fixed.optimize(task, 8)
    assert fixed.history_.horizon == 30


def test_observed_results_replace_the_initial_design_and_set_the_incumbent(policy_dir: Path) -> None:
    task = bowl_task(4, seed=3)
    configs = task.space.sample(3, seed=7)
    scores = [task.evaluate(c).score for c in configs]
    opt = PolicyOptimizer(task.space, seed=0, policy=policy_dir, deterministic=True)
    for config, score in zip(configs, scores):
        opt.observe(config, score)
    opt.observe(task.space.sample(seed=8), Result.failure("crashed"))
    assert opt.history_.n_evals == 4
    best = int(np.argmax(scores))
    np.testing.assert_allclose(opt.history_.incumbent, task.space.encode(configs[best]))
    # The first trial is the policy's step from that incumbent, not the seed's random initial design.
    expected = opt.mapping_.apply(opt.history_.incumbent, opt.policy_.act(opt.history_.observation()[None])[0])[0]
    trial = opt.ask()
    assert trial.config == task.space.decode(expected)
    assert trial.config != make_optimizer("random", task.space, seed=0).ask().config


def test_a_warm_started_run_plans_for_its_whole_budget(policy_dir: Path) -> None:
    task = bowl_task(3)
    opt = make_optimizer(
        "portfolio_ppo",
        task.space,
        seed=0,
        portfolio=task.space.sample(4, seed=1),
        then_options={"policy": str(policy_dir)},
    )
    history = opt.optimize(task, 12)
    assert history.n_trials == 12
    assert opt.continuation_.history_.horizon == 12
    assert opt.continuation_.history_.n_evals == 12
    assert opt.policy_hash == load_policy(policy_dir).sha256  # what studies record
    assert make_optimizer("portfolio", task.space, seed=0, portfolio=task.space.sample(2, seed=1)).policy_hash is None


def test_too_many_dimensions_is_a_clear_error(policy_dir: Path) -> None:
    space = bowl_task(7).space
    with pytest.raises(ValueError, match=r"7 dimensions but the policy handles at most max_dim=6"):
        PolicyOptimizer(space, policy=policy_dir)


def test_unknown_options_and_bad_values(policy_dir: Path) -> None:
    space = bowl_task(2).space
    with pytest.raises(ValueError, match=r"^Method 'ppo' takes no option 'temperature'\.$"):
        make_optimizer("ppo", space, policy=str(policy_dir), temperature=2.0)
    with pytest.raises(
        ValueError, match=r"^Method 'random' takes no option 'n_trials'; its options: seed, fidelity\.$"
    ):
        make_optimizer("random", space, n_trials=5)
    with pytest.raises(ValueError, match=r"'horizon' parameter of PolicyOptimizer must be an int >= 1\. Got 0"):
        PolicyOptimizer(space, policy=policy_dir, horizon=0)


@pytest.mark.parametrize("method", ["ppo", "ei"])
@pytest.mark.parametrize("option", [{"n_initial": 2.7}, {"n_initial": True}, {"horizon": 30.5}, {"horizon": 0}])
def test_candidate_methods_refuse_counts_that_are_not_ints(method: str, option: dict) -> None:
    with pytest.raises(ValueError, match=rf"'{next(iter(option))}' parameter of .* must be an int >= 1"):
        make_optimizer(method, bowl_task(2).space, seed=0, **option)


def test_the_exploration_floor_inserts_random_points(policy_dir: Path) -> None:
    task = bowl_task(3)
    opt = PolicyOptimizer(task.space, seed=0, policy=policy_dir, random_prob=1.0)
    opt.optimize(task, 6)
    points = opt.history_.points
    inc = points[0]
    # With a zero-initialized action head the policy would stay near the incumbent; random points do not.
    assert np.abs(points[1:] - inc).max() > 0.2


def test_default_policy_tunes_a_new_space_better_than_random() -> None:
    """The shipped policy on 10 bowls of a space shape it never saw: mean best score beats random search."""
    tasks = [bowl_task(6, seed=s) for s in range(10)]
    ppo, rnd = [], []
    for task in tasks:
        ppo.append(make_optimizer("ppo", task.space, seed=0).optimize(task, 30).best_score)
        rnd.append(make_optimizer("random", task.space, seed=0).optimize(task, 30).best_score)
    assert np.mean(ppo) > np.mean(rnd)


def test_identity_codes_are_used_only_on_spaces_the_policy_knows(tmp_path: Path) -> None:
    task = bowl_task(3, seed=1)
    net = TuningNetwork(ObservationLayout(max_dim=6, history_len=3, identity_dim=4), hidden=8)
    meta = {"known_spaces": {task.space.fingerprint(): task.name}}
    folder = save_policy(net, tmp_path / "p", metadata=meta)
    assert load_policy(folder).known_spaces == meta["known_spaces"]
    assert PolicyOptimizer(task.space, seed=0, policy=str(folder)).identified_
    assert not PolicyOptimizer(task.space, seed=0, policy=str(folder), use_identity=False).identified_
    assert not PolicyOptimizer(bowl_task(4, seed=1).space, seed=0, policy=str(folder)).identified_
    plain = save_policy(TuningNetwork(ObservationLayout(max_dim=6, history_len=3), hidden=8), tmp_path / "q")
    assert not PolicyOptimizer(task.space, seed=0, policy=str(plain)).identified_


def test_the_default_is_a_shipped_specialist_of_the_very_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rl_hpo.agents import policy_file

    task, other = bowl_task(3, seed=1), bowl_task(4, seed=1)
    layout = ObservationLayout(max_dim=6, history_len=3)
    general = save_policy(TuningNetwork(layout, hidden=8), tmp_path / "policies" / "default")
    specialty = {"fingerprint": task.space.fingerprint(), "example_task": task.name}
    specialist = save_policy(
        TuningNetwork(layout, hidden=8), tmp_path / "policies" / "bowl", metadata={"specialty": specialty}
    )
    (tmp_path / "policies" / "broken").mkdir()
    (tmp_path / "policies" / "broken" / "policy.json").write_text("{not json")
    monkeypatch.setattr(policy_file, "default_policy_path", lambda: general)

    with pytest.warns(UserWarning, match="broken"):
        assert policy_file.shipped_policy_for(task.space) == specialist
    assert policy_file.shipped_policy_for(other.space) == general
    assert load_policy(specialist).specialty == task.space.fingerprint()
    assert load_policy(general).specialty is None
    assert PolicyOptimizer(task.space, seed=0).policy_.path == specialist
    assert PolicyOptimizer(other.space, seed=0).policy_.path == general
    assert PolicyOptimizer(task.space, seed=0, policy=str(general)).policy_.path == general
    with pytest.warns(UserWarning, match=f"specialist, trained on one search space only \\(that of {task.name}"):
        PolicyOptimizer(other.space, seed=0, policy=str(specialist))


def test_a_malformed_specialty_is_refused(tmp_path: Path) -> None:
    from rl_hpo.exceptions import PolicyFileError

    folder = save_policy(
        TuningNetwork(ObservationLayout(max_dim=6, history_len=3), hidden=8),
        tmp_path / "p",
        metadata={"specialty": "lcbench"},
    )
    with pytest.raises(PolicyFileError, match="specialty"):
        load_policy(folder)


def _shipped_portfolio_task(scenario: str) -> tuple[FunctionTask, list[dict]]:
    """A cheap objective over the search space of a shipped portfolio (no YAHPO data needed), and its configs."""
    from rl_hpo.baselines.portfolio import read_portfolio, stored_portfolios

    doc = read_portfolio(stored_portfolios()[scenario])
    space = SearchSpace.from_dict(doc["space"])
    centre = np.random.default_rng(0).random(space.dim)
    task = FunctionTask(lambda c: float(-np.sum((space.encode(c) - centre) ** 2)), space)
    return task, doc["configs"]


@pytest.mark.parametrize("scenario", ["lcbench", "iaml_glmnet"])
def test_the_shipped_policy_starts_from_the_shipped_portfolio_of_its_space(scenario: str) -> None:
    from rl_hpo.agents.portfolio_policy import PortfolioThenPolicy

    task, configs = _shipped_portfolio_task(scenario)
    runs = {
        method: make_optimizer(method, task.space, seed=3).optimize(task, len(configs) + 4).records
        for method in ("ppo", "portfolio_ppo")
    }
    assert type(make_optimizer("ppo", task.space, seed=3)) is PortfolioThenPolicy
    assert [r.config for r in runs["ppo"][: len(configs)]] == [{**c} for c in configs]
    # ppo with the shipped policy is exactly the portfolio continued by that policy
    assert [r.config for r in runs["ppo"]] == [r.config for r in runs["portfolio_ppo"]]
    # the policy after the portfolio is the plain shipped one, not a second portfolio
    assert not isinstance(make_optimizer("ppo", task.space, seed=3).continuation_, PortfolioThenPolicy)


@pytest.mark.parametrize("scenario", ["lcbench", "iaml_glmnet"])  # a specialist continues; the general policy
def test_the_shipped_policy_on_a_portfolio_space_takes_a_warm_start(scenario: str) -> None:
    task, configs = _shipped_portfolio_task(scenario)
    rng = np.random.default_rng(1)
    elsewhere = [task.space.decode(rng.random(task.space.dim)) for _ in range(3)]
    warm = make_optimizer("ppo", task.space, seed=0)
    for config in elsewhere:
        warm.observe(config, task.evaluate(config))
    cold = make_optimizer("ppo", task.space, seed=0)
    runs = [opt.optimize(task, len(configs) + 2).records for opt in (warm, cold)]
    assert [r.config for r in runs[0][: len(configs)]] == [r.config for r in runs[1][: len(configs)]] == configs
    assert [r.config for r in runs[0][len(configs) :]] != [r.config for r in runs[1][len(configs) :]]


def test_a_portfolio_is_used_only_with_the_shipped_policy_or_when_asked(policy_dir: Path) -> None:
    from rl_hpo.agents.policy_file import default_policy_path
    from rl_hpo.agents.portfolio_policy import PortfolioThenPolicy
    from rl_hpo.baselines.portfolio import Portfolio

    task, configs = _shipped_portfolio_task("lcbench")
    assert type(make_optimizer("ppo", task.space, seed=0, portfolio=None)) is PolicyOptimizer
    general = make_optimizer("ppo", task.space, seed=0, policy=str(default_policy_path()))
    assert not isinstance(general, Portfolio)
    first = general.optimize(task, 1).records[0].config
    assert first != configs[0]
    asked = make_optimizer(
        "ppo",
        bowl_task(4, seed=3).space,
        seed=0,
        policy=policy_dir,
        portfolio=[{"x0": 0.5, "x1": 2, "x2": "b", "x3": 0.25}],
    )
    assert type(asked) is PortfolioThenPolicy
    assert asked.ask().config == {"x0": 0.5, "x1": 2, "x2": "b", "x3": 0.25}
    # a portfolio continued by ppo hands over to the policy, never to a second portfolio
    assert type(Portfolio(task.space, seed=0, then="ppo").continuation_) is PolicyOptimizer
