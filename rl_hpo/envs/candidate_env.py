"""``CandidateTuningEnv``: tuning as choosing, at every step, one of a shortlist of candidate moves."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rl_hpo.acquisition.search import FEATURE_BOUND, N_FEATURES, CandidateSearch, Proposal, SearchSettings
from rl_hpo.envs.tuning_env import TaskPool, TaskSampler, score_span
from rl_hpo.tasks.base import Task

__all__ = ["REWARDS", "REWARD_BASELINES", "CandidateTuningEnv"]

#: The reward rules of ``CandidateTuningEnv`` (see its Rewards section).
REWARDS = ("area", "improvement")
#: What ``CandidateTuningEnv`` may subtract from each reward (see its Rewards section).
REWARD_BASELINES = ("none", "ei")


class CandidateTuningEnv(gym.Env[np.ndarray, np.int64]):
    """Hyperparameter optimization of one task per episode; each step evaluates one of ``n_candidates``
    candidate moves.

    Each ``reset`` draws a task and evaluates ``n_initial`` uniformly random points; each step fits the
    in-episode GP to every point seen, proposes candidate moves (around the incumbent and the other best
    points at several radii, uniform points, refinements of the best by expected improvement) and shows a
    shortlist of them, one feature row each (see ``rl_hpo.acquisition.search``). The action picks one; it
    is evaluated. ``rl_hpo.agents.CandidatePolicyOptimizer`` runs a trained policy through the very same
    ``CandidateSearch``.

    ## Action Space

    ``Discrete(n_candidates)``: the index of the shortlisted candidate to evaluate next.

    ## Observation Space

    ``Box(-5, 5, (n_candidates * N_FEATURES,), float32)``: one row per candidate, flattened (a 1-D
    vector, as SB3 expects; the network reshapes it to rows), its features
    (``CANDIDATE_FEATURES``: the GP's mean and standard deviation relative to the best score, expected
    improvement, ranks, distances to the incumbent and the nearest evaluated point, how the move was made)
    followed by the run's ``GLOBAL_FEATURES`` (budget used, evaluations since the last improvement,
    dimension, the GP's noise and lengthscales, share of failed evaluations). No feature is a coordinate,
    so the observation has the same meaning for every search space, of any dimension.

    ## Rewards

    ``reward="area"`` (the default): ``(best_t - best_0) / span`` after every step, the best score so far
    above the best of the initial design, divided by the task's score range (its known bounds, else the
    range of 256 random points). An episode's return is the area between its best-so-far curve and the
    initial best, so a policy is rewarded for reaching good scores early as well as for the final one.

    ``reward="improvement"``: ``(best_t - best_{t-1}) / span``, what the step added to the best score. The
    undiscounted return is the final best's gain over the initial design, so with ``gamma = 1`` a policy is
    rewarded for the score it ends with, not for when it got there.

    ``reward_baseline="ei"`` subtracts from each step's reward what plain expected improvement earns at the
    same step of the same episode: at reset, a shadow run of EI (the argmax of expected improvement over the
    same shortlists) starts from the same initial design with a copy of the episode's random state and spends
    the whole budget. Which task an episode draws, and how hard it is, then no longer dominates the return,
    only how the policy does against EI on it (a greedy-rollout baseline, as in self-critical sequence
    training). The shadow run does not depend on the policy's actions, so the policy gradient's expectation
    is unchanged; each episode costs about twice the evaluations and GP fits.

    Training only: the span never enters the observation. ``hindsight_improvements()`` returns the
    ``"improvement"`` reward every candidate of the current shortlist would earn (it evaluates them all, so it
    is for studies on cheap tasks).

    ## Episode End

    Never terminated; truncated when ``budget`` evaluations (initial design included) are spent.

    ## Arguments

    ```python
    env = gymnasium.make("rl_hpo/CandidateTuning-v0")                   # prior/gp train split
    env = CandidateTuningEnv(["prior/gp", "yahpo/lcbench"], budget=50)
    ```

    ## Version History

    * v0: initial version.

    Args:
        task_sampler: where tasks come from (see ``TaskPool``).
        split: the split of suites given by name.
        budget: evaluations per episode, initial design included.
        n_initial: random points evaluated at reset.
        settings: candidate pool and shortlist sizes (``SearchSettings``).
        task_options: keyword options for loading tasks by name.
        reward: "area" or "improvement" (see Rewards).
        reward_baseline: "none" or "ei" (see Rewards).
    """

    metadata = {"render_modes": []}

    def render(self) -> None:
        """Nothing to draw (no render modes): the state is in the observation and ``info``."""
        return None

    def __init__(
        self,
        task_sampler: TaskSampler = "prior/gp",
        *,
        split: str = "train",
        budget: int = 50,
        n_initial: int = 5,
        settings: SearchSettings | None = None,
        task_options: dict[str, Any] | None = None,
        reward: str = "area",
        reward_baseline: str = "none",
    ) -> None:
        super().__init__()
        if reward not in REWARDS:
            raise ValueError(f"The 'reward' parameter of CandidateTuningEnv must be one of {REWARDS}. Got {reward!r}.")
        if reward_baseline not in REWARD_BASELINES:
            raise ValueError(
                f"The 'reward_baseline' parameter of CandidateTuningEnv must be one of {REWARD_BASELINES}. "
                f"Got {reward_baseline!r}."
            )
        if not (isinstance(budget, int) and budget >= 2):
            raise ValueError(
                f"The 'budget' parameter of CandidateTuningEnv must be an int >= 2. Got {budget!r} instead."
            )
        if not (isinstance(n_initial, int) and 1 <= n_initial < budget):
            raise ValueError(
                f"The 'n_initial' parameter of CandidateTuningEnv must be an int in [1, budget - 1]. "
                f"Got {n_initial!r} instead."
            )
        self.settings = settings or SearchSettings()
        self.pool = TaskPool(task_sampler, split=split, **(task_options or {}))
        self.budget = budget
        self.n_initial = n_initial
        self.reward = reward
        self.reward_baseline = reward_baseline
        k = self.settings.n_candidates
        self.observation_space: spaces.Box = spaces.Box(
            -FEATURE_BOUND, FEATURE_BOUND, shape=(k * N_FEATURES,), dtype=np.float32
        )
        self.action_space = spaces.Discrete(k)
        self.task: Task | None = None
        self.search: CandidateSearch | None = None
        self._proposal: Proposal | None = None
        self._spans: dict[int, tuple[Task, float]] = {}
        self._span = 1.0
        self._best0 = 0.0
        self._baseline_best: np.ndarray | None = None  # EI's best score after n evaluations, by n
        self._baseline_best0 = float("nan")  # what the shadow run's rewards are measured from

    def _task_span(self, task: Task) -> float:
        entry = self._spans.get(id(task))
        if entry is None or entry[0] is not task:
            entry = (task, score_span(task))
            self._spans[id(task)] = entry
        return entry[1]

    def _observe(self) -> np.ndarray:
        assert self.search is not None
        self._proposal = self.search.propose()
        return self._proposal.features.astype(np.float32).ravel()

    def _info(self, u: np.ndarray, score: float) -> dict[str, Any]:
        assert self.task is not None and self.search is not None
        return {
            "task": self.task.name,
            "u": tuple(u.tolist()),  # a tuple: gymnasium's vector envs stack arrays, whose length is the task's
            "score": score,
            "best_score": self.search.best_score,
            "n_evals": self.search.n_evals,
        }

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Draw a task and evaluate the initial design.

        Args:
            seed: seeds ``self.np_random`` (task draws, initial designs, candidate moves).
            options: ``{"task": Task or name}`` tunes that task in this episode instead of drawing one.
        """
        super().reset(seed=seed)
        rng = self.np_random
        baseline_rng = None
        if self.reward_baseline == "ei":  # the same random stream as the episode's, drawn separately
            baseline_rng = np.random.Generator(type(rng.bit_generator)())
        task = self.pool.get(options["task"]) if options and options.get("task") is not None else self.pool.sample(rng)
        self.task = task
        self._span = self._task_span(task)
        self.search = CandidateSearch(task.space, horizon=self.budget, rng=rng, settings=self.settings)
        design = rng.random((self.n_initial, task.space.dim))
        if baseline_rng is not None:
            baseline_rng.bit_generator.state = rng.bit_generator.state
        scores, _ = task.evaluate_unit(design)
        for u, y in zip(design, scores):
            self.search.add(u, float(y))
        best = self.search.best_score
        self._best0 = best if math.isfinite(best) else float("nan")
        self._baseline_best = None if baseline_rng is None else self._ei_rollout(design, scores, baseline_rng)
        # The shadow run measures from its own first success where the whole design failed, so that what it
        # subtracts never depends on the policy's actions.
        finite = [] if self._baseline_best is None else self._baseline_best[np.isfinite(self._baseline_best)]
        self._baseline_best0 = self._best0 if math.isfinite(self._best0) or not len(finite) else float(finite[0])
        return self._observe(), self._info(design[-1], float(scores[-1]))

    def _ei_rollout(self, design: np.ndarray, scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Best score after each number of evaluations of plain EI from this episode's initial design."""
        assert self.task is not None
        search = CandidateSearch(self.task.space, horizon=self.budget, rng=rng, settings=self.settings)
        for u, y in zip(design, scores):
            search.add(u, float(y))
        best = np.full(self.budget + 1, np.nan)
        best[search.n_evals] = search.best_score
        while search.n_evals < self.budget:
            u = search.propose().by_expected_improvement()
            search.add(u, float(self.task.evaluate_unit(u[None, :])[0][0]))
            best[search.n_evals] = search.best_score
        return best

    def _reward(self, best: float, before: float, best0: float) -> float:
        """The reward rule applied to a best score after a step and before it, measured from ``best0``."""
        if not (math.isfinite(best) and math.isfinite(best0)):
            return 0.0
        if self.reward == "area":
            return (best - best0) / self._span
        return (best - max(before, best0)) / self._span

    def hindsight_improvements(self) -> np.ndarray:
        """What each candidate of the current shortlist would add to the best score if it were evaluated, over
        the task's score span (0 where it fails): the one-step ``"improvement"`` reward of every action at
        once. It evaluates every candidate on the task (``n_candidates`` evaluations, none of them counted in
        the episode), so it is for studies and full-information training on cheap tasks, not for tuning."""
        search, proposal, task = self.search, self._proposal, self.task
        if search is None or proposal is None or task is None:
            raise RuntimeError("Call reset() before hindsight_improvements().")
        if search.n_evals >= self.budget:
            raise RuntimeError(f"The episode's budget of {self.budget} evaluations is spent; call reset().")
        gain = np.asarray(task.evaluate_unit(proposal.u)[0], dtype=float) - search.best_score
        # Before any success the reward is 0, as in step(): a first success only starts the measure.
        return np.where(np.isfinite(gain), np.maximum(gain, 0.0), 0.0) / self._span

    def step(self, action: int | np.integer | np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Evaluate the chosen candidate."""
        search, proposal, task = self.search, self._proposal, self.task
        if search is None or proposal is None or task is None:
            raise RuntimeError("Call reset() before step().")
        if search.n_evals >= self.budget:
            raise RuntimeError(f"The episode's budget of {self.budget} evaluations is spent; call reset().")
        index = int(np.asarray(action).reshape(()))
        if not 0 <= index < len(proposal.u):
            raise ValueError(f"The action must be a candidate index in [0, {len(proposal.u)}), got {index}.")
        u = proposal.u[index]
        score = float(task.evaluate_unit(u[None, :])[0][0])
        before = search.best_score
        search.add(u, score)
        best = search.best_score
        if not math.isfinite(self._best0) and math.isfinite(best):
            self._best0 = best  # every initial point failed: measure from the first success
        reward = self._reward(best, before, self._best0)
        if self._baseline_best is not None:
            n = search.n_evals
            reward -= self._reward(self._baseline_best[n], self._baseline_best[n - 1], self._baseline_best0)
        truncated = search.n_evals >= self.budget
        # The last observation is never acted on: skip the GP fit and the candidates.
        obs = np.zeros(self.observation_space.shape, np.float32) if truncated else self._observe()
        return obs, float(reward), False, truncated, self._info(u, score)
