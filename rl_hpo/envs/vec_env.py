"""``TuningVecEnv``: many ``TuningEnv`` episodes stepped together with batched evaluations.

Surrogate benchmarks cost far more per call than per row (YAHPO lcbench through onnxruntime: about
120 us for one row, 200 us for eight), so stepping environments one by one wastes most of the time in
call overhead. ``TuningVecEnv`` is a stable-baselines3 ``VecEnv`` (a ``DummyVecEnv``) whose ``step``
proposes every sub-environment's next point first, evaluates the points of sub-environments that tune
the same task with one ``evaluate_unit`` call (and tasks that share a surrogate, such as the datasets of one
YAHPO scenario, with one call for all of them; see ``rl_hpo.tasks.base.evaluate_unit_many``), then records
the scores. With ``n_task_groups=g`` the
sub-environments form ``g`` groups (sub-environment ``i`` in group ``i % g``) whose members tune the task
drawn by the group's first member, so each step costs ``g`` calls; the tasks still change every episode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env import DummyVecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvObs, VecEnvStepReturn

from rl_hpo.envs.tuning_env import TuningEnv
from rl_hpo.tasks.base import evaluate_unit_many

__all__ = ["TuningVecEnv"]


class TuningVecEnv(DummyVecEnv):
    """``n_envs`` tuning episodes in one process, evaluated in batches per task.

    Args:
        n_envs: number of sub-environments, or a list of functions that each build a ``TuningEnv``.
        n_task_groups: how many distinct tasks are tuned at once (None: every sub-environment draws its
            own); members of a group tune the task drawn by its first member.
        **env_kwargs: ``TuningEnv`` arguments (when ``n_envs`` is a number).

    Example:
        >>> venv = TuningVecEnv(8, n_task_groups=2, task_sampler="synthetic/mixed")  # doctest: +SKIP
        >>> venv.seed(0); obs = venv.reset()                                   # doctest: +SKIP
    """

    envs: list[TuningEnv]  # type: ignore[assignment]

    def __init__(
        self,
        n_envs: int | list[Callable[[], TuningEnv]],
        *,
        n_task_groups: int | None = None,
        **env_kwargs: Any,
    ) -> None:
        if isinstance(n_envs, int):
            if n_envs < 1:
                raise ValueError(f"The 'n_envs' parameter must be an int >= 1. Got {n_envs!r} instead.")
            env_fns: list[Callable[[], TuningEnv]] = [lambda: TuningEnv(**env_kwargs) for _ in range(n_envs)]
        else:
            env_fns = list(n_envs)
        super().__init__(env_fns)  # type: ignore[arg-type]
        for env in self.envs:
            if not isinstance(env, TuningEnv):
                raise TypeError(f"TuningVecEnv needs TuningEnv sub-environments, got {type(env).__name__}.")
        if n_task_groups is not None:
            if not (isinstance(n_task_groups, int) and 1 <= n_task_groups <= self.num_envs):
                raise ValueError(
                    f"The 'n_task_groups' parameter must be an int in [1, n_envs={self.num_envs}] or None. "
                    f"Got {n_task_groups!r} instead."
                )
            shapes = {(env.budget, env.n_initial) for env in self.envs}
            if len(shapes) > 1:
                raise ValueError(
                    f"n_task_groups needs one budget and n_initial for every sub-environment, got {sorted(shapes)}."
                )
        self.n_task_groups = n_task_groups

    def _reset_env(self, index: int, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        options = dict(options or {})
        groups = self.n_task_groups
        if groups is not None and index >= groups:
            # The group's first member (index % groups) was reset just before, in this same step.
            options["task"] = self.envs[index % groups].task
        return self.envs[index].reset(seed=seed, options=options or None)

    def reset(self) -> VecEnvObs:
        for i in range(self.num_envs):
            obs, self.reset_infos[i] = self._reset_env(i, self._seeds[i], self._options[i])
            self._save_obs(i, obs)
        self._reset_seeds()
        self._reset_options()
        return self._obs_from_buf()

    def step_wait(self) -> VecEnvStepReturn:
        envs = self.envs
        proposals = [env.propose(self.actions[i]) for i, env in enumerate(envs)]
        groups: dict[int, list[int]] = {}
        for i, env in enumerate(envs):
            groups.setdefault(id(env.task), []).append(i)
        tasks = [envs[members[0]].task for members in groups.values()]
        points = [np.stack([proposals[i][0] for i in members]) for members in groups.values()]
        scores = np.empty(self.num_envs)
        for members, group_scores in zip(groups.values(), evaluate_unit_many(tasks, points)):  # type: ignore[arg-type]
            scores[members] = group_scores
        obs_buf = self.buf_obs[None]  # type: ignore[index]  # SB3 keys a Box space's buffer by None, typed str
        for i, env in enumerate(envs):
            u, code = proposals[i]
            obs, reward, terminated, truncated, info = env.record(u, code, float(scores[i]))
            self.buf_rews[i] = reward
            self.buf_dones[i] = terminated or truncated
            info["TimeLimit.truncated"] = truncated and not terminated
            if self.buf_dones[i]:
                info["terminal_observation"] = obs
                obs, self.reset_infos[i] = self._reset_env(i)
            self.buf_infos[i] = info
            obs_buf[i] = obs
        # Infos are fresh dicts every step, so a shallow copy of the list is enough.
        return obs_buf.copy(), self.buf_rews.copy(), self.buf_dones.copy(), list(self.buf_infos)
