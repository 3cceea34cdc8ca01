"""``PolicyOptimizer``: a trained tuning policy behind the ask/tell protocol (method ``"ppo"``)."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rl_hpo.agents.policy_file import Policy, load_policy, shipped_policy_for
from rl_hpo.baselines.initial_design import initial_design_rng
from rl_hpo.bench.evaluation import EvalResult, evaluate_method
from rl_hpo.envs.actions import ExplorationFloor
from rl_hpo.envs.observation import EpisodeHistory, SpaceFeatures
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity, Result, Task

__all__ = ["EvalResult", "PolicyOptimizer", "evaluate_policy"]

# Stream key of the optimizer's own generator (action noise, exploration), apart from the design stream.
_POLICY_STREAM = 0x9E0


class PolicyOptimizer(Optimizer):
    """Tune with a trained PPO policy (Schulman et al. 2017, "Proximal Policy Optimization Algorithms");
    method ``"ppo"``.

    The policy file decides the design: a *candidate* policy (the shipped general default, trained in
    ``CandidateTuningEnv``) is run by ``rl_hpo.agents.CandidatePolicyOptimizer``, which
    ``PolicyOptimizer(...)`` then returns; a *per-dimension* policy (the shipped specialists, trained in
    ``TuningEnv``) is run by this class, as follows. With the shipped policy (``policy="default"``) on a
    search space the package also ships a greedy portfolio for (the YAHPO suites), the portfolio's
    configurations come first and the policy moves on from their best (``portfolio="auto"``); the
    ``PortfolioThenPolicy`` that does so is returned.

    The first ``n_initial`` trials are the shared initial design of the seed (the same configurations
    as random search and the other methods); after that every trial moves from the incumbent by the
    policy's action, exactly as in training: the observation is built by the same
    ``rl_hpo.envs.EpisodeHistory`` and the action mapped by the same ``ActionMapping``.

    Failed trials count as the worst score seen so far in the observation (as in training) and never
    become the incumbent. Trials asked before earlier ones are told all see the same history.

    Args:
        space: the search space; at most the policy's ``max_dim`` coordinates.
        seed: seeds the initial design and the action noise; the same seed gives the same trials.
        fidelity: ignored (the policy evaluates at the highest fidelity).
        policy: ``"default"`` (the shipped policy for this space: a specialist trained on this very search
            space when the package ships one, else the general default policy; see
            ``rl_hpo.agents.shipped_policy_for``), a policy folder, or a ``Policy``.
        portfolio: configurations evaluated first, in place of the random initial design (the policy is
            told their results and moves on from their best). ``"auto"``: with ``policy="default"``, the
            greedy portfolio the package ships for this very search space (``rl_hpo/data/portfolios/``, built on
            its suite's train split; ``rl_hpo.baselines.shipped_portfolio_for``), if there is one; with any
            other policy, none. ``None``: none. A portfolio file or a list of configurations: those (see
            ``rl_hpo.baselines.Portfolio``). With a portfolio, ``PolicyOptimizer(...)`` returns the
            ``PortfolioThenPolicy`` that runs it.
        deterministic: take the mean action instead of sampling it (default: the policy's setting).
        n_initial: random points before the policy takes over (default: the policy's setting).
        horizon: the budget the policy plans for; ``optimize`` sets it to its budget, the policy's
            training budget is the default for plain ask/tell.
        random_prob: probability that a trial is a uniformly random point (the exploration floor).
        patience: trials without improvement after which a random point is tried (None: off).
        use_identity: show the parameters' identity codes when the policy was trained on this very
            search space (``Policy.knows``); False tunes as on a space the policy never saw.
        greedy_after: for a policy that scores candidates, the evaluations after which it picks its most likely
            candidate (``CandidatePolicyOptimizer``); a per-dimension policy refuses it.

    Raises:
        ValueError: if the space has more dimensions than the policy's ``max_dim``.
        PolicyFileError: if the policy file is missing, corrupted or tampered with.
    """

    name = "ppo"
    can_observe = True
    _loaded: Policy  # set by __new__ where it loads the policy file; __init__ takes it instead of reading it again

    def __new__(cls, space: SearchSpace, **options: Any) -> Any:
        policy = options.get("policy", "default")
        portfolio = _warm_start(space, policy, options.pop("portfolio", "auto"))
        if cls is PolicyOptimizer and portfolio is not None:
            # The portfolio's configurations first, then this very method told their results (the portfolio's
            # continuation passes portfolio=None, so it starts no second one).
            from rl_hpo.agents.portfolio_policy import PortfolioThenPolicy

            seed, fidelity = options.pop("seed", None), options.pop("fidelity", None)
            return PortfolioThenPolicy(space, seed=seed, fidelity=fidelity, portfolio=portfolio, then_options=options)
        # One method name, two policy designs: a candidate-scoring policy file (the general default) is run
        # by CandidatePolicyOptimizer, a per-dimension one (the specialists) by this class.
        loaded = policy if isinstance(policy, Policy) else load_policy(_resolve_default(policy, space))
        if cls is PolicyOptimizer and loaded.kind == "candidate":
            from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer

            unsupported = sorted(set(options) & {"random_prob", "patience", "use_identity"})
            if unsupported:
                raise ValueError(
                    f"The policy at {loaded.path} scores candidates and does not take {unsupported}; "
                    "those options belong to per-dimension policies."
                )
            return CandidatePolicyOptimizer(space, **{**options, "policy": loaded})
        instance = super().__new__(cls)
        instance._loaded = loaded  # __init__ takes it instead of reading the files again
        return instance

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        policy: str | os.PathLike[str] | Policy = "default",
        portfolio: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | None = "auto",
        deterministic: bool | None = None,
        n_initial: int | None = None,
        horizon: int | None = None,
        random_prob: float | None = None,
        patience: int | None = None,
        use_identity: bool = True,
        greedy_after: int | None = None,
    ) -> None:
        if greedy_after is not None:
            raise ValueError(
                "greedy_after applies to a policy that scores candidates (the general default); this one moves "
                "per dimension (deterministic=True picks its mean move at every step). For the general policy on "
                "this space, give policy=rl_hpo.agents.policy_file.default_policy_path()."
            )
        super().__init__(space, seed=seed, fidelity=fidelity)
        self.policy = policy
        policy_ = getattr(self, "_loaded", None) or (
            policy if isinstance(policy, Policy) else load_policy(_resolve_default(policy, space))
        )
        defaults = policy_.defaults
        self.deterministic = bool(defaults["deterministic"] if deterministic is None else deterministic)
        self.n_initial = int(defaults["n_initial"]) if n_initial is None else n_initial
        if isinstance(self.n_initial, bool) or not isinstance(self.n_initial, int | np.integer) or self.n_initial < 1:
            raise ValueError(
                f"The 'n_initial' parameter of PolicyOptimizer must be an int >= 1. Got {n_initial!r} instead."
            )
        self.horizon = horizon
        if horizon is not None and not (isinstance(horizon, int) and horizon >= 1):
            raise ValueError(
                f"The 'horizon' parameter of PolicyOptimizer must be an int >= 1. Got {horizon!r} instead."
            )
        self.floor = ExplorationFloor(
            random_prob=float(defaults["random_prob"] if random_prob is None else random_prob),
            patience=defaults["patience"] if patience is None else patience,
        )
        layout = policy_.layout
        if space.dim > layout.max_dim:
            raise ValueError(
                f"The search space has {space.dim} dimensions but the policy handles at most max_dim="
                f"{layout.max_dim}; train a policy with --max-dim {space.dim} or more, or use another method."
            )
        if policy_.specialty is not None and policy_.specialty != space.fingerprint():
            example = policy_.metadata["specialty"].get("example_task", "another space")
            warnings.warn(
                f"The policy at {policy_.path} is a specialist, trained on one search space only (that of "
                f"{example}), and this search space is another. It was not made for it: policy='default' "
                "(the CLI's default) tunes any space with the policy the package ships for it.",
                UserWarning,
                stacklevel=3,
            )
        self.policy_ = policy_
        self.mapping_ = policy_.mapping
        self.use_identity = bool(use_identity)
        self.identified_ = self.use_identity and policy_.knows(space)
        self.history_ = EpisodeHistory(
            layout,
            SpaceFeatures(space, layout, identified=self.identified_),
            horizon if horizon is not None else int(defaults["horizon"]),
        )
        self._design_rng = initial_design_rng(seed)
        self._rng = np.random.default_rng(None if seed is None else [_POLICY_STREAM, int(seed)])
        self._n_design = 0
        self._proposals: dict[int, tuple[np.ndarray, float]] = {}

    def _next_point(self) -> tuple[np.ndarray, float]:
        history = self.history_
        if self._n_design < self.n_initial or history.n_evals == 0:
            self._n_design += 1
            return self._design_rng.random(self.space.dim), 1.0
        if self.floor.active and self.floor.explore(history, self._rng):
            return self._rng.random(self.space.dim), 1.0
        obs = history.observation()[None, :]
        action = self.policy_.act(obs, None if self.deterministic else self._rng)[0]
        return self.mapping_.apply(history.incumbent, action)

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        u, code = self._next_point()
        self._proposals[trial_id] = (u, code)
        return self.space.decode(u), None

    def _tell(self, trial: Trial, result: Result) -> None:
        u, code = self._proposals.pop(trial.id)
        self.history_.add(u, result.score if not result.failed else math.nan, code)

    def _observe(self, config: dict[str, Any], result: Result) -> None:
        # A configuration evaluated elsewhere (e.g. a portfolio's) enters the history like the initial design.
        self._n_design += 1
        self.history_.add(self.space.encode(config), result.score if not result.failed else math.nan, 1.0)

    def plan(self, budget: float) -> None:
        """The policy plans for ``budget`` unless ``horizon`` was given or trials were already told."""
        if self.horizon is None and self.history_.n_evals == 0 and math.isfinite(budget) and budget >= 1:
            self.history_.horizon = max(1, math.ceil(budget))


def _warm_start(
    space: SearchSpace, policy: Any, portfolio: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | None
) -> str | os.PathLike[str] | Sequence[Mapping[str, Any]] | None:
    """The portfolio ``ppo`` starts with: ``"auto"`` is the shipped one for ``space`` when the policy is the
    shipped one too (``"default"``), else none."""
    if isinstance(portfolio, str) and portfolio == "auto":
        if not (isinstance(policy, str) and policy == "default"):
            return None
        from rl_hpo.baselines.portfolio import shipped_portfolio_for

        return shipped_portfolio_for(space)
    return portfolio


def _resolve_default(policy: str | os.PathLike[str], space: SearchSpace) -> str | os.PathLike[str]:
    """``"default"`` as the shipped policy for ``space`` (its specialist, else the general default)."""
    return shipped_policy_for(space) if isinstance(policy, str) and policy == "default" else policy


def evaluate_policy(
    policy: Policy | str | os.PathLike[str],
    tasks: Sequence[Task | str],
    *,
    seeds: Sequence[int] = (0, 1, 2),
    budget: int = 50,
    **optimizer_options: Any,
) -> EvalResult:
    """Run ``PolicyOptimizer`` on every task and seed and average the normalized regret (the evaluation core,
    ``rl_hpo.bench.evaluation.evaluate_method``).

    Args:
        policy: a ``Policy``, a policy folder or "default".
        tasks: tasks (or names) with known ``bounds``.
        seeds: seeds per task.
        budget: evaluations per run; regret is reported at 10, 25 and ``budget``.
        **optimizer_options: ``PolicyOptimizer`` options (``deterministic``, ``random_prob``, ...).

    Raises:
        ValueError: if a task has no score bounds.
    """
    policy = policy if isinstance(policy, Policy) else load_policy(policy)
    return evaluate_method(
        lambda space, seed: PolicyOptimizer(space, seed=seed, policy=policy, **optimizer_options),
        tasks,
        seeds=seeds,
        budget=budget,
    )
