import copy
import itertools
import math
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from rl_hpo.acquisition.search import N_FEATURES, SearchSettings
from rl_hpo.envs import CANDIDATE_ENV_ID, CandidateTuningEnv
from tests.bowl import bowl_task

SMALL = SearchSettings(n_candidates=16, n_uniform=32, n_local=32, n_refine=8)


def test_passes_gymnasium_and_sb3_checks_without_warnings():
    env = CandidateTuningEnv([bowl_task(3, seed=0)], budget=12, settings=SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, skip_render_check=True)
        sb3_check_env(env)
    assert env.observation_space.shape == (16 * N_FEATURES,)
    assert env.action_space.n == 16


def test_registered_and_made_with_gymnasium():
    env = gymnasium.make(CANDIDATE_ENV_ID, budget=8, settings=SMALL)
    obs, info = env.reset(seed=0)
    assert obs.shape == (16 * N_FEATURES,)
    assert info["task"].startswith("prior/gp/")


def test_rewards_are_the_best_score_above_the_initial_best_over_the_span():
    task = bowl_task(2, seed=1)
    env = CandidateTuningEnv([task], budget=10, n_initial=3, settings=SMALL)
    _, info = env.reset(seed=1)
    best0 = env.search.best_score
    span = task.bounds.best - task.bounds.worst
    truncated, rewards = False, []
    while not truncated:
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert not terminated
        rewards.append(reward)
        assert reward == pytest.approx((info["best_score"] - best0) / span)
    assert len(rewards) == 7 and info["n_evals"] == 10
    assert all(b >= a for a, b in itertools.pairwise(rewards))
    with pytest.raises(RuntimeError, match="budget"):
        env.step(0)


def test_improvement_rewards_sum_to_the_final_gain():
    task = bowl_task(2, seed=1)
    env = CandidateTuningEnv([task], budget=10, n_initial=3, settings=SMALL, reward="improvement")
    env.reset(seed=1)
    best0 = env.search.best_score
    span = task.bounds.best - task.bounds.worst
    truncated, rewards, best = False, [], best0
    while not truncated:
        _, reward, _, truncated, info = env.step(env.action_space.sample())
        assert reward == pytest.approx((info["best_score"] - best) / span)
        best = info["best_score"]
        rewards.append(reward)
    assert min(rewards) >= 0.0
    assert sum(rewards) == pytest.approx((best - best0) / span)
    with pytest.raises(ValueError, match="'reward' parameter"):
        CandidateTuningEnv([task], reward="final")


@pytest.mark.parametrize("reward", ["area", "improvement"])
def test_an_ei_baseline_subtracts_what_plain_ei_earns_at_each_step_of_the_same_episode(reward):
    def run(baseline, pick):
        env = CandidateTuningEnv([bowl_task(3, seed=4)], budget=12, n_initial=3, settings=SMALL, reward=reward,
                                 reward_baseline=baseline)  # fmt: skip
        obs, _ = env.reset(seed=7)
        trace, rewards, truncated = [obs], [], False
        while not truncated:
            obs, r, _, truncated, _ = env.step(pick(env))
            trace.append(obs)
            rewards.append(r)
        return np.stack(trace), np.array(rewards)

    def ei(env):
        return int(np.argmax(env._proposal.log_ei))

    actions = iter([0, 5, 2, 9, 1, 3, 4, 8, 6])
    plain_obs, plain = run("none", lambda env: next(actions))
    actions = iter([0, 5, 2, 9, 1, 3, 4, 8, 6])
    based_obs, based = run("ei", lambda env: next(actions))
    _, ei_rewards = run("none", ei)
    # The shadow run leaves the episode's random stream alone, and takes off exactly EI's rewards.
    np.testing.assert_array_equal(plain_obs, based_obs)
    np.testing.assert_allclose(based, plain - ei_rewards, atol=1e-12)
    assert np.any(ei_rewards != 0.0)
    # Plain EI against itself earns nothing: the shadow run sees the very same shortlists.
    _, ei_against_ei = run("ei", ei)
    np.testing.assert_allclose(ei_against_ei, 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="'reward_baseline' parameter"):
        CandidateTuningEnv([bowl_task(2, seed=0)], reward_baseline="tpe")


def test_hindsight_improvements_are_each_actions_improvement_reward_and_spend_nothing():
    env = CandidateTuningEnv([bowl_task(3, seed=2)], budget=12, n_initial=3, settings=SMALL, reward="improvement")
    env.reset(seed=4)
    env.step(0)
    gains = env.hindsight_improvements()
    assert gains.shape == (env.action_space.n,) and gains.min() >= 0.0 and gains.max() > 0.0
    assert env.search.n_evals == 4
    for action in (int(np.argmax(gains)), int(np.argmin(gains)), 5):
        branch = copy.deepcopy(env)
        _, reward, *_ = branch.step(action)
        assert reward == pytest.approx(gains[action])
    with pytest.raises(RuntimeError, match="reset"):
        CandidateTuningEnv([bowl_task(2, seed=0)]).hindsight_improvements()
    truncated = False
    while not truncated:
        *_, truncated, _ = env.step(0)
    with pytest.raises(RuntimeError, match="budget"):
        env.hindsight_improvements()


def test_the_same_seed_gives_the_same_episode():
    def run(seed):
        env = CandidateTuningEnv([bowl_task(4, seed=2)], budget=12, settings=SMALL)
        obs, _ = env.reset(seed=seed)
        trace = [obs]
        for a in (0, 3, 5, 1, 2, 7):
            obs, *_ = env.step(a)
            trace.append(obs)
        return np.stack(trace)

    np.testing.assert_array_equal(run(5), run(5))
    assert not np.array_equal(run(5), run(6))


def test_bad_actions_and_arguments_are_refused():
    env = CandidateTuningEnv([bowl_task(2, seed=0)], budget=6, settings=SMALL)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"candidate index in \[0, 16\)"):
        env.step(16)
    with pytest.raises(ValueError, match="'n_initial' parameter"):
        CandidateTuningEnv([bowl_task(2, seed=0)], budget=6, n_initial=6)


def test_failed_initial_design_starts_the_reward_at_the_first_success():
    task = bowl_task(2, seed=0)
    calls = {"n": 0}
    evaluate_unit = task.evaluate_unit

    def flaky(u, fidelity=None):
        calls["n"] += 1
        scores, costs = evaluate_unit(u, fidelity)
        return (np.full_like(scores, math.nan) if calls["n"] == 1 else scores), costs

    task.evaluate_unit = flaky
    env = CandidateTuningEnv([task], budget=6, n_initial=2, settings=SMALL)
    env.reset(seed=0)
    assert env.search.best_score == -math.inf
    _, reward, *_ = env.step(0)
    assert reward == 0.0
    env = CandidateTuningEnv([task], budget=6, n_initial=2, settings=SMALL, reward="improvement")
    calls["n"] = 0
    env.reset(seed=0)
    _, reward, *_ = env.step(0)
    assert reward == 0.0


def test_the_ei_baseline_does_not_depend_on_the_policy_s_actions_when_the_initial_design_fails():
    def run(baseline, actions):
        task = bowl_task(2, seed=0)
        calls = {"n": 0}
        evaluate_unit = task.evaluate_unit

        def design_fails(u, fidelity=None):  # the first call is the initial design
            calls["n"] += 1
            scores, costs = evaluate_unit(u, fidelity)
            return (np.full_like(scores, math.nan) if calls["n"] == 1 else scores), costs

        task.evaluate_unit = design_fails
        env = CandidateTuningEnv([task], budget=8, n_initial=2, settings=SMALL, reward_baseline=baseline)
        env.reset(seed=0)
        return np.array([env.step(a)[1] for a in actions])

    subtracted = [run("none", actions) - run("ei", actions) for actions in ([0, 1, 2, 3, 4, 5], [15, 3, 9, 0, 7, 2])]
    assert np.any(subtracted[0] != 0.0)
    np.testing.assert_allclose(subtracted[0], subtracted[1], atol=1e-12)
