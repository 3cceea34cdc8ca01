"""TuningEnv: API conformance (gymnasium and SB3 checkers), episode semantics, determinism."""

from __future__ import annotations

import math
import warnings

import gymnasium
import numpy as np
import pytest

import rl_hpo.envs
from rl_hpo.envs import CANDIDATE_ENV_ID, ENV_ID, ActionMapping, ExplorationFloor, TuningEnv
from rl_hpo.space import Float, SearchSpace
from rl_hpo.tasks.base import FunctionTask
from tests.bowl import bowl_task


def test_registered_env_passes_gymnasium_check_env_without_warnings() -> None:
    from gymnasium.utils.env_checker import check_env

    env = gymnasium.make(ENV_ID, budget=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    assert env.unwrapped.pool.task_names[0].startswith("synthetic/mixed/")


def test_sb3_check_env_without_warnings(small_tasks) -> None:
    from stable_baselines3.common.env_checker import check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(TuningEnv(small_tasks, budget=10), warn=True)


def test_gymnasium_check_env_on_a_task_list(small_tasks) -> None:
    from gymnasium.utils.env_checker import check_env

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(TuningEnv(small_tasks, budget=10), skip_render_check=True)


def test_episode_runs_to_budget_and_is_truncated_not_terminated(small_tasks) -> None:
    env = TuningEnv(small_tasks, budget=8, n_initial=3)
    obs, info = env.reset(seed=3)
    assert info["n_evals"] == 3 and env.observation_space.contains(obs)
    start_best = info["best_score"]
    total = 0.0
    for step in range(5):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        total += reward
        assert env.observation_space.contains(obs)
        assert not terminated
        assert truncated == (step == 4)
        assert reward >= 0.0
        assert env.task.space.contains(info["config"])
        assert info["score"] == pytest.approx(env.task.evaluate(info["config"]).score)
    # The rewards telescope to the normalized improvement of the best score.
    span = env.task.bounds.best - env.task.bounds.worst
    assert total == pytest.approx((info["best_score"] - start_best) / span)
    with pytest.raises(RuntimeError, match="budget of 8 evaluations is spent"):
        env.step(env.action_space.sample())


def test_step_moves_from_the_incumbent_by_the_scaled_direction() -> None:
    task = bowl_task(3, seed=4, mixed=False)
    env = TuningEnv([task], budget=10, max_dim=4)
    env.reset(seed=0)
    inc = env.history.incumbent.copy()
    action = np.array([1.0, -0.5, 0.25, 0.9, 1.0], dtype=np.float32)  # slot 3 is padding: ignored
    *_, info = env.step(action)
    expected = np.clip(inc + 1.0 * np.array([1.0, -0.5, 0.25]), 0, 1)
    np.testing.assert_allclose(info["u"], expected)
    mapping = ActionMapping()
    assert mapping.scale(-1.0) == pytest.approx(1e-2)
    assert mapping.scale(1.0) == pytest.approx(1.0)
    assert mapping.scale(0.0) == pytest.approx(0.1)


def test_reset_is_deterministic_per_seed(small_tasks) -> None:
    a, b = TuningEnv(small_tasks, budget=10), TuningEnv(small_tasks, budget=10)
    for seed in (0, 1, 2):
        oa, ia = a.reset(seed=seed)
        ob, ib = b.reset(seed=seed)
        np.testing.assert_array_equal(oa, ob)
        assert ia["task"] == ib["task"]
        actions = np.random.default_rng(seed).uniform(-1, 1, (9, a.action_space.shape[0])).astype(np.float32)
        for act in actions:
            np.testing.assert_array_equal(a.step(act)[0], b.step(act)[0])
    firsts = {tuple(a.reset(seed=s)[1]["u"]) for s in range(5)}
    assert len(firsts) == 5


def test_padding_rows_are_zero_and_mask_and_kinds_are_set(small_tasks) -> None:
    env = TuningEnv([small_tasks[1]], budget=10, max_dim=6)
    obs, _ = env.reset(seed=0)
    per_dim, _ = env.layout.split(obs)
    assert per_dim.shape == (6, env.layout.n_dim_features)
    np.testing.assert_array_equal(per_dim[3:], 0.0)
    np.testing.assert_array_equal(per_dim[:3, 0], 1.0)
    # bowl_task kinds cycle float, int, categorical.
    np.testing.assert_array_equal(per_dim[:3, 1:4], np.eye(3))


def test_space_larger_than_max_dim_is_refused_with_the_fix() -> None:
    env = TuningEnv([bowl_task(5)], max_dim=4)
    with pytest.raises(ValueError, match=r"5 dimensions but the observation holds at most max_dim=4"):
        env.reset(seed=0)


def test_invalid_arguments_name_the_value() -> None:
    with pytest.raises(ValueError, match=r"'budget' parameter of TuningEnv must be an int >= 2\. Got 1"):
        TuningEnv([bowl_task(2)], budget=1)
    with pytest.raises(ValueError, match=r"'n_initial'.*Got 50"):
        TuningEnv([bowl_task(2)], budget=50, n_initial=50)
    with pytest.raises(ValueError, match="action must have shape"):
        env = TuningEnv([bowl_task(2)], budget=5)
        env.reset(seed=0)
        env.step(np.zeros(3, dtype=np.float32))


def test_callable_sampler_and_task_option() -> None:
    tasks = [bowl_task(2, seed=i) for i in range(3)]
    env = TuningEnv(lambda rng: tasks[int(rng.integers(3))], budget=5)
    _, info = env.reset(seed=1)
    assert info["task"] in {t.name for t in tasks}
    _, info = env.reset(seed=1, options={"task": tasks[2]})
    assert info["task"] == tasks[2].name


def test_reward_range_is_estimated_when_the_task_has_no_bounds() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0)})
    task = FunctionTask(lambda c: 10.0 * c["x"], space, name="line")
    env = TuningEnv([task], budget=5)
    env.reset(seed=0)
    assert env._span == pytest.approx(10.0, rel=0.02)


def test_failed_evaluations_do_not_break_the_episode() -> None:
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    task = FunctionTask(lambda c: float("nan") if c["x"] > 0.5 else -c["y"], space, name="half-failing")
    env = TuningEnv([task], budget=30, reward_range_source="estimate")
    obs, _ = env.reset(seed=0)
    for _ in range(29):
        obs, reward, _, _, _ = env.step(env.action_space.sample())
        assert np.isfinite(obs).all() and np.isfinite(reward)


def test_exploration_floor_replaces_steps_by_random_points() -> None:
    env = TuningEnv([bowl_task(3)], budget=30, random_prob=1.0)
    env.reset(seed=0)
    inc = env.history.incumbent.copy()
    *_, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert not np.allclose(info["u"], inc)  # a zero action would re-evaluate the incumbent
    with pytest.raises(ValueError, match=r"'random_prob' parameter must be a float in \[0, 1\]\. Got 2"):
        ExplorationFloor(random_prob=2.0)


def test_vec_env_batches_evaluations_and_matches_single_envs(small_tasks) -> None:
    from rl_hpo.envs import TuningVecEnv

    venv = TuningVecEnv(4, n_task_groups=2, task_sampler=small_tasks, budget=6)
    venv.seed(7)
    obs = venv.reset()
    singles = [TuningEnv(small_tasks, budget=6) for _ in range(4)]
    names = [venv.envs[i].task.name for i in range(4)]
    assert names[0] == names[2] and names[1] == names[3]
    # Group leaders (0, 1) draw their task as a single env would; members are given the leader's.
    single_obs = [
        env.reset(seed=7 + i, options={"task": venv.envs[i].task} if i >= 2 else None)[0]
        for i, env in enumerate(singles)
    ]
    np.testing.assert_array_equal(obs, np.stack(single_obs))
    rng = np.random.default_rng(0)
    for _ in range(5):
        actions = rng.uniform(-1, 1, (4, venv.action_space.shape[0])).astype(np.float32)
        obs, rewards, dones, infos = venv.step(actions)
        for i, env in enumerate(singles):
            o, r, _, trunc, _ = env.step(actions[i])
            np.testing.assert_allclose(rewards[i], r, rtol=1e-6)
            assert dones[i] == trunc
            if trunc:
                np.testing.assert_array_equal(infos[i]["terminal_observation"], o)
            else:
                np.testing.assert_array_equal(obs[i], o)
    assert dones.all()


def test_module_reexports() -> None:
    assert set(rl_hpo.envs.__all__) >= {"TuningEnv", "TuningVecEnv", "ObservationLayout", "EpisodeHistory"}


def test_suite_objects_and_suite_names_are_split_aware() -> None:
    from rl_hpo.tasks.registry import load_suite

    suite = load_suite("synthetic/levy-4d")
    env = TuningEnv(suite, split="validation", budget=5)
    assert env.pool.task_names == suite.task_names("validation")
    _, info = env.reset(seed=0)
    assert info["task"] in suite.task_names("validation")
    by_name = TuningEnv("synthetic/levy-4d", split="test", budget=5)
    assert by_name.pool.task_names == suite.task_names("test")
    with pytest.raises(ValueError, match="has no split 'nope'"):
        TuningEnv("synthetic/levy-4d", split="nope")


def _identity_block(env: TuningEnv, obs: np.ndarray) -> np.ndarray:
    per_dim, _ = env.layout.split(obs)
    c = env.layout.identity_column
    return per_dim[:, c : c + env.layout.identity_dim]


def test_known_spaces_show_identity_codes_unless_hidden() -> None:
    from rl_hpo.envs.observation import identity_codes

    task = bowl_task(3, seed=1)
    env = TuningEnv([task], budget=10, max_dim=5, identity_dim=4)
    codes = _identity_block(env, env.reset(seed=0)[0])
    np.testing.assert_array_equal(codes[:3], identity_codes(task.space, 4))
    np.testing.assert_array_equal(codes[3:], 0.0)
    assert np.all(np.abs(codes[:3]).sum(axis=1) > 0)

    hidden = TuningEnv([task], budget=10, max_dim=5, identity_dim=4, hide_identity_prob=1.0)
    np.testing.assert_array_equal(_identity_block(hidden, hidden.reset(seed=0)[0]), 0.0)
    unknown = TuningEnv([task], budget=10, max_dim=5, identity_dim=4, known_spaces=["0123456789abcdef"])
    np.testing.assert_array_equal(_identity_block(unknown, unknown.reset(seed=0)[0]), 0.0)

    half = TuningEnv([task], budget=10, max_dim=5, identity_dim=4, hide_identity_prob=0.5)
    shown = [np.any(_identity_block(half, half.reset(seed=s)[0]) != 0) for s in range(40)]
    assert 5 < sum(shown) < 35


def test_identity_codes_depend_on_the_space_and_the_name_only() -> None:
    from rl_hpo.envs.observation import identity_codes

    a = SearchSpace({"lr": Float(1e-4, 1.0, log=True), "momentum": Float(0.1, 0.99)})
    same = SearchSpace({"lr": Float(1e-4, 1.0, log=True), "momentum": Float(0.1, 0.99)})
    other = SearchSpace({"lr": Float(1e-5, 1.0, log=True), "momentum": Float(0.1, 0.99)})
    assert a.fingerprint() == same.fingerprint() != other.fingerprint()
    np.testing.assert_array_equal(identity_codes(a, 6), identity_codes(same, 6))
    assert not np.allclose(identity_codes(a, 6), identity_codes(other, 6))
    codes = identity_codes(a, 6)
    assert not np.allclose(codes[0], codes[1]) and np.all(np.abs(codes) <= 3.0)


def test_env_with_identity_codes_passes_check_env() -> None:
    from gymnasium.utils.env_checker import check_env

    env = TuningEnv([bowl_task(3, seed=1)], budget=10, max_dim=5, identity_dim=4, hide_identity_prob=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env, skip_render_check=True)


@pytest.mark.parametrize("env_id", [ENV_ID, CANDIDATE_ENV_ID])
def test_gymnasium_s_vector_env_steps_episodes_of_different_dimensions(env_id):
    from gymnasium.vector import SyncVectorEnv

    venv = SyncVectorEnv([lambda: gymnasium.make(env_id, budget=8) for _ in range(2)])
    venv.reset(seed=[1, 2])  # the default suites draw spaces of different dimensions: info holds no stacked arrays
    for _ in range(20):  # past the budget: autoreset to other tasks
        venv.step(venv.action_space.sample())
    venv.close()
    assert gymnasium.make(env_id, budget=8).unwrapped.render() is None


@pytest.mark.parametrize("env_class", ["TuningEnv", "CandidateTuningEnv"])
def test_an_objective_that_raises_is_a_failed_evaluation_in_an_episode(env_class):
    def diverges_above_half(config):
        if config["x"] > 0.5:
            raise RuntimeError("diverged")
        return config["x"] + config["y"]

    task = FunctionTask(diverges_above_half, SearchSpace({"x": Float(0, 1), "y": Float(0, 1)}), name="f")
    assert np.isnan(FunctionTask(lambda c: math.inf, task.space).evaluate_unit(np.full((1, 2), 0.2))[0][0])
    env = getattr(rl_hpo.envs, env_class)(task, budget=20)
    env.reset(seed=0)  # its score span read 256 random points, half of them failing
    env.action_space.seed(0)
    scores = [env.step(env.action_space.sample())[4]["score"] for _ in range(15)]
    assert any(np.isnan(s) for s in scores) and any(np.isfinite(s) for s in scores)
