"""``TuningEnv``: hyperparameter optimization as a Gymnasium environment."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from rl_hpo.envs.actions import ActionMapping, ExplorationFloor
from rl_hpo.envs.observation import EpisodeHistory, ObservationLayout, SpaceFeatures
from rl_hpo.exceptions import TaskNotFoundError
from rl_hpo.tasks.base import ScoreBounds, Task
from rl_hpo.tasks.registry import Suite, load_suite, load_task

__all__ = ["TaskPool", "TaskSampler", "TuningEnv", "score_span"]

#: What ``TuningEnv`` accepts as its task source.
TaskSampler = Callable[[np.random.Generator], Task] | Suite | Task | str | Sequence["Task | str | Suite"]

# Random points used to estimate a task's score range when it has no known bounds.
_N_RANGE_SAMPLES = 256


def score_span(task: Task, *, use_bounds: bool = True) -> float:
    """A task's score range for scaling rewards: its known bounds where ``use_bounds`` and they exist,
    otherwise the range of 256 random evaluations (a fixed generator per task name, so the estimate does
    not depend on the order of episodes); 1.0 when the scores do not vary (up to round-off:
    ``ScoreBounds.degenerate``)."""
    bounds = task.bounds
    if use_bounds and bounds is not None:
        span = float(bounds.best) - float(bounds.worst)
        if math.isfinite(span) and not bounds.degenerate:
            return span
    rng = np.random.default_rng(zlib.crc32(task.name.encode()))
    scores, _ = task.evaluate_unit(rng.random((_N_RANGE_SAMPLES, task.space.dim)))
    finite = scores[np.isfinite(scores)]
    if finite.size < 2 or ScoreBounds(float(finite.min()), float(finite.max())).degenerate:
        return 1.0  # constant scores up to round-off: dividing by their span would blow noise up
    return float(finite.max() - finite.min())


class TaskPool:
    """Draws tasks for episodes: from a callable, a suite split, task names, suite names or tasks.

    Tasks are grouped (one group per suite, one group for the tasks and task names given directly) and
    an episode draws a group uniformly, then a task of it uniformly, so a suite with many datasets does
    not crowd out the others. Tasks are loaded on first use and kept.

    Args:
        source: a callable ``source(rng) -> Task``; a ``Suite``; a ``Task``; a task name
            (``family/scenario/instance``) or a suite name (``family/scenario``); or a sequence of these.
        split: the split used for suites (``"train"``, ``"validation"``, ``"test"`` or ``"all"``).
        task_options: keyword options passed to ``load_task`` / ``load_suite``.
    """

    def __init__(self, source: TaskSampler, *, split: str = "train", **task_options: Any) -> None:
        self.split = split
        self._options = task_options
        self._callable: Callable[[np.random.Generator], Task] | None = None
        self._groups: list[list[Task | str]] = []
        self._cache: dict[str, Task] = {}
        self._suite_options: dict[str, dict[str, Any]] = {}
        if callable(source) and not isinstance(source, Task | Suite):
            self._callable = source
            return
        items: list[Any] = [source] if isinstance(source, str | Task | Suite) else list(source)
        if not items:
            raise ValueError("The task source is empty; give a suite, task names, tasks or a callable.")
        loose: list[Task | str] = []
        for item in items:
            if isinstance(item, Task):
                loose.append(item)
            elif isinstance(item, Suite):
                self._groups.append(list(item.task_names(split)))
                self._suite_options.update(dict.fromkeys(item.task_names(split), item.options))
            elif isinstance(item, str) and item.strip("/").count("/") == 1:
                names = load_suite(item, **task_options).task_names(split)
                if not names:
                    raise ValueError(f"Suite {item!r} has no tasks in split {split!r}; choose another split.")
                self._groups.append(list(names))
            elif isinstance(item, str) and "/" not in item.strip("/"):  # a family name, say, or a typo
                raise TaskNotFoundError(
                    f"{item!r} is not a suite or task name; name a suite as family/scenario, e.g. 'synthetic/mixed' "
                    "(rl-hpo tasks lists them), or a task as family/scenario/instance."
                )
            elif isinstance(item, str):
                loose.append(item)
            else:
                raise TypeError(
                    f"Cannot draw tasks from {item!r}; give a Task, a task or suite name, a Suite or a callable."
                )
        if loose:
            self._groups.append(loose)
        self._groups = [g for g in self._groups if g]
        if not self._groups:
            raise ValueError(f"The task source {source!r} holds no task in split {split!r}.")

    @property
    def task_names(self) -> list[str]:
        """Names of the tasks the pool draws from (empty for a callable source)."""
        return [t if isinstance(t, str) else t.name for g in self._groups for t in g]

    def get(self, item: Task | str) -> Task:
        if isinstance(item, Task):
            return item
        task = self._cache.get(item)
        if task is None:
            task = load_task(item, **{**self._suite_options.get(item, {}), **self._options})
            self._cache[item] = task
        return task

    def sample(self, rng: np.random.Generator) -> Task:
        """One task, drawn with ``rng``."""
        if self._callable is not None:
            task = self._callable(rng)
            if not isinstance(task, Task):
                raise TypeError(f"The task sampler must return a Task, got {type(task).__name__}: {task!r}.")
            return task
        group = self._groups[int(rng.integers(len(self._groups)))] if len(self._groups) > 1 else self._groups[0]
        return self.get(group[int(rng.integers(len(group)))])


class ConfigView(Mapping[str, Any]):
    """A configuration in ``info``, read-only and not a ``dict``: gymnasium's vector envs stack a dict's entries key by
    key into arrays typed by the first sub-environment's values, which the next task's parameters need not share (a
    category where the first had a number); any other object they keep as it is."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = dict(config)

    def __getitem__(self, name: str) -> Any:
        return self._config[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._config)

    def __len__(self) -> int:
        return len(self._config)

    def __repr__(self) -> str:
        return f"ConfigView({self._config!r})"


class TuningEnv(gym.Env[np.ndarray, np.ndarray]):
    """Hyperparameter optimization of one task per episode, one evaluation per step.

    Each ``reset`` draws a task and evaluates an initial design of ``n_initial`` uniformly random
    points; each ``step`` moves from the incumbent (the best point so far) by the action and evaluates
    the new point. A policy trained here is used on new tasks through
    ``rl_hpo.agents.PolicyOptimizer``, which shares the observation and action code.

    ## Action Space

    ``Box(-1, 1, (max_dim + 1,), float32)``. The first ``max_dim`` entries are a direction per
    coordinate slot (slots beyond the task's dimension are ignored), the last one the step scale, mapped
    log-uniformly to ``[min_scale, max_scale]`` (default ``10^-2 .. 10^0``). The new point is
    ``clip(incumbent + scale * direction, 0, 1)`` in the unit cube of the task's search space (see
    ``rl_hpo.envs.actions``).

    ## Observation Space

    ``Box(-score_clip, score_clip, (size,), float32)`` described by ``ObservationLayout``: a
    per-dimension block of ``max_dim`` rows (mask, kind one-hot for float / int / categorical,
    granularity, activity at the incumbent, incumbent coordinate, offsets of the last ``history_len``
    points from the incumbent, correlation of the coordinate with the scores) and a global block
    (budget fraction used, incumbent score, last ``history_len`` scores with presence flags and step
    scales, evaluations since the last improvement, 1 / dimension). With ``identity_dim > 0`` every row also
    holds its parameter's identity code (see ``rl_hpo.envs.observation``) when the task's space is one of
    ``known_spaces``; an episode hides the codes with probability ``hide_identity_prob``.
    Scores are standardized within the episode; the task's true optimum never enters the observation.

    ## Rewards

    The improvement of the best score so far, divided by the task's score range: ``(best_t - best_{t-1})
    / (bounds.best - bounds.worst)`` when the task knows its bounds, otherwise the range of 256 random
    evaluations (computed once per task). The rewards of an episode sum to the reduction of the
    normalized regret from the initial design to the end. The range is used for training only.

    ## Starting State

    A task drawn from the task source with ``self.np_random`` and ``n_initial`` uniformly random points,
    already evaluated; the budget used starts at ``n_initial``.

    ## Episode End

    The episode is never terminated (tuning has no goal state); it is truncated when ``budget``
    evaluations (initial design included) have been spent.

    ## Info

    ``reset`` and ``step`` return ``{"task": name, "u": cube point (a tuple), "score": raw score (NaN for a failed
    evaluation), "best_score": ..., "n_evals": ...}`` plus ``"config"`` (the decoded configuration of the last point,
    a read-only ``ConfigView``) when ``config_in_info`` is True.

    ## Arguments

    ```python
    env = gymnasium.make("rl_hpo/Tuning-v0")                       # synthetic/mixed train split
    env = TuningEnv("yahpo/lcbench", split="train", budget=50)     # a suite split
    env = TuningEnv(["yahpo/lcbench", "synthetic/mixed"])           # several suites, drawn evenly
    env = TuningEnv(lambda rng: my_task(rng))                        # any callable
    ```

    ## Version History

    * v0: initial version.

    Args:
        task_sampler: where tasks come from (see ``TaskPool``).
        split: the split of suites given by name or as ``Suite``.
        budget: evaluations per episode, initial design included.
        history_len: how many last points the observation shows.
        max_dim: the largest task dimension; smaller spaces are padded and masked.
        identity_dim: length of the per-parameter identity code in the observation (0: none).
        hide_identity_prob: probability that an episode shows zeros instead of the identity codes.
        known_spaces: fingerprints (``SearchSpace.fingerprint``) of the spaces that get identity codes;
            None: every space.
        n_initial: random points evaluated at reset.
        min_scale: the smallest step scale.
        max_scale: the largest step scale.
        random_prob: probability that a step evaluates a uniformly random point instead of the
            policy's (the exploration floor; 0 for training).
        patience: evaluations without improvement after which a random point is evaluated (None: off).
        reward_range_source: "bounds" (task bounds where known, else estimated) or "estimate" (always
            the range of random evaluations).
        config_in_info: put the decoded configuration in ``info`` (off saves a dict per step).
        task_options: keyword options for loading tasks by name.
    """

    metadata = {"render_modes": []}

    def render(self) -> None:
        """Nothing to draw (no render modes): the state is in the observation and ``info``."""
        return None

    def __init__(
        self,
        task_sampler: TaskSampler = "synthetic/mixed",
        *,
        split: str = "train",
        budget: int = 50,
        history_len: int = 5,
        max_dim: int = 16,
        identity_dim: int = 0,
        hide_identity_prob: float = 0.0,
        known_spaces: Collection[str] | None = None,
        n_initial: int = 1,
        min_scale: float = 1e-2,
        max_scale: float = 1.0,
        random_prob: float = 0.0,
        patience: int | None = None,
        reward_range_source: str = "bounds",
        config_in_info: bool = True,
        task_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if not (isinstance(budget, int) and budget >= 2):
            raise ValueError(f"The 'budget' parameter of TuningEnv must be an int >= 2. Got {budget!r} instead.")
        if not (isinstance(n_initial, int) and 1 <= n_initial < budget):
            raise ValueError(
                f"The 'n_initial' parameter of TuningEnv must be an int in [1, budget - 1]. Got {n_initial!r} instead."
            )
        if reward_range_source not in ("bounds", "estimate"):
            raise ValueError(
                "The 'reward_range_source' parameter must be 'bounds' or 'estimate'. "
                f"Got {reward_range_source!r} instead."
            )
        if not (isinstance(hide_identity_prob, int | float) and 0.0 <= hide_identity_prob <= 1.0):
            raise ValueError(
                f"The 'hide_identity_prob' parameter must be a number in [0, 1]. Got {hide_identity_prob!r} instead."
            )
        self.layout = ObservationLayout(max_dim=max_dim, history_len=history_len, identity_dim=identity_dim)
        self.hide_identity_prob = float(hide_identity_prob)
        self.known_spaces = None if known_spaces is None else frozenset(known_spaces)
        self.mapping = ActionMapping(min_scale=min_scale, max_scale=max_scale)
        self.floor = ExplorationFloor(random_prob=random_prob, patience=patience)
        self.pool = TaskPool(task_sampler, split=split, **(task_options or {}))
        self.budget = budget
        self.n_initial = n_initial
        self.reward_range_source = reward_range_source
        self.config_in_info = config_in_info
        bound = self.layout.bound
        self.observation_space = spaces.Box(-bound, bound, shape=(self.layout.size,), dtype=np.float32)
        self.action_space = spaces.Box(-1.0, 1.0, shape=(max_dim + 1,), dtype=np.float32)
        self.task: Task | None = None
        self.history: EpisodeHistory | None = None
        self._features: dict[tuple[int, bool], tuple[Task, SpaceFeatures, float]] = {}
        self._span = 1.0
        self._best = math.nan

    # -- helpers --------------------------------------------------------------------------------
    def _task_features(self, task: Task, identified: bool) -> tuple[SpaceFeatures, float]:
        """Static features and reward range of a task, computed on its first episode and kept."""
        key = (id(task), identified)
        entry = self._features.get(key)
        if entry is None or entry[0] is not task:
            try:
                features = SpaceFeatures(task.space, self.layout, identified=identified)
            except ValueError as err:
                raise ValueError(f"Task {task.name!r}: {err}") from None
            other = self._features.get((id(task), not identified))
            span = (
                other[2]
                if other is not None and other[0] is task
                else score_span(task, use_bounds=self.reward_range_source == "bounds")
            )
            entry = (task, features, span)
            self._features[key] = entry
        return entry[1], entry[2]

    def _evaluate(self, u: np.ndarray) -> float:
        assert self.task is not None
        scores, _ = self.task.evaluate_unit(u[None, :])
        return float(scores[0])

    def _info(self, u: np.ndarray, score: float) -> dict[str, Any]:
        assert self.task is not None and self.history is not None
        info: dict[str, Any] = {
            "task": self.task.name,
            "u": tuple(u.tolist()),  # a tuple: gymnasium's vector envs stack arrays, whose length is the task's
            "score": score,
            "best_score": self.history.best_score,
            "n_evals": self.history.n_evals,
        }
        if self.config_in_info:
            info["config"] = ConfigView(self.task.space.decode(u))
        return info

    # -- the Gymnasium API ----------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Draw a task and evaluate the initial design.

        Args:
            seed: seeds ``self.np_random`` (task draws, initial designs, exploration).
            options: ``{"task": Task or name}`` tunes that task in this episode instead of drawing one.
        """
        super().reset(seed=seed)
        rng = self.np_random
        if options and options.get("task") is not None:
            self.task = self.pool.get(options["task"])
        else:
            self.task = self.pool.sample(rng)
        identified = (
            self.layout.identity_dim > 0
            and (self.known_spaces is None or self.task.space.fingerprint() in self.known_spaces)
            and not rng.random() < self.hide_identity_prob
        )
        features, self._span = self._task_features(self.task, identified)
        self.history = EpisodeHistory(self.layout, features, self.budget)
        design = rng.random((self.n_initial, features.dim))
        scores, _ = self.task.evaluate_unit(design)
        for u, y in zip(design, scores):
            self.history.add(u, float(y))
        self._best = self.history.best_score
        return self.history.observation(), self._info(design[-1], float(scores[-1]))

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Evaluate the point the action moves to from the incumbent."""
        u, code = self.propose(action)
        return self.record(u, code, self._evaluate(u))

    # -- the two halves of a step (``TuningVecEnv`` evaluates many proposals in one call) ------------
    def propose(self, action: np.ndarray) -> tuple[np.ndarray, float]:
        """The cube point a step with ``action`` evaluates, and its step-scale code (no evaluation)."""
        history = self.history
        if history is None:
            raise RuntimeError("Call reset() before step().")
        if history.n_evals >= self.budget:
            raise RuntimeError(f"The episode's budget of {self.budget} evaluations is spent; call reset().")
        action = np.asarray(action, dtype=np.float32)
        if action.shape != self.action_space.shape:
            raise ValueError(
                f"The action must have shape {self.action_space.shape}, got {action.shape}; "
                "it is a direction per coordinate slot plus the step scale."
            )
        if self.floor.active and self.floor.explore(history, self.np_random):
            return self.np_random.random(history.dim), 1.0
        return self.mapping.apply(history.incumbent, action)

    def record(self, u: np.ndarray, code: float, score: float) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Record the score of a proposed point; returns what ``step`` returns."""
        history = self.history
        assert history is not None
        history.add(u, score, code)
        best = history.best_score
        reward = 0.0
        if math.isfinite(best):
            reward = (best - self._best) / self._span if math.isfinite(self._best) else 0.0
            self._best = best
        truncated = history.n_evals >= self.budget
        return history.observation(), float(reward), False, truncated, self._info(u, score)
