"""``CandidatePolicyOptimizer``: a trained candidate-scoring policy behind the ask/tell protocol."""

from __future__ import annotations

import os

import numpy as np

from rl_hpo.acquisition.search import CandidateSearch, SearchSettings
from rl_hpo.agents.policy_file import Policy, load_policy
from rl_hpo.baselines.expected_improvement import CandidateOptimizer
from rl_hpo.baselines.initial_design import MANY_PARAMETERS, initial_design_size
from rl_hpo.exceptions import PolicyFileError
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity

__all__ = ["CandidatePolicyOptimizer"]


class CandidatePolicyOptimizer(CandidateOptimizer):
    """Tune with a candidate policy trained by PPO in ``CandidateTuningEnv`` (Schulman et al. 2017,
    "Proximal Policy Optimization Algorithms").

    Every trial after the initial design runs the very pipeline of training
    (``rl_hpo.acquisition.CandidateSearch`` with the policy's recorded settings) and evaluates the
    candidate the policy scores highest (or one sampled from its softmax when ``deterministic`` is
    False).

    Args:
        space: the search space, of any dimension.
        seed: seeds the initial design, the candidate moves and any sampled choice.
        fidelity: ignored (the policy evaluates at the highest fidelity).
        policy: a policy folder or a loaded ``Policy`` of the ``candidate`` kind.
        deterministic: pick the most likely candidate (default: the policy's setting, and the most likely candidate
            on a space of more than 32 parameters, beyond the training prior's largest spaces, where sampling cost
            against it: benchmarks/high_dimensions/README.md, "The most likely candidate beyond 32 parameters").
        n_initial: random points before the policy takes over (default: the policy's setting, and at least 10
            on a space of more than 32 parameters; ``initial_design_size``).
        horizon: the budget the policy plans for (``optimize`` sets it to its budget).
        settings: the candidate search (default: the settings the policy file records).
        greedy_after: once this many evaluations are told, pick the most likely candidate whatever
            ``deterministic`` says (None: never). The policy's sampling was chosen on runs of up to 50 evaluations
            (``benchmarks/long_budgets/``).

    Raises:
        PolicyFileError: if the policy file is missing, corrupted, or not a candidate policy.
    """

    name = "ppo"

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        policy: str | os.PathLike[str] | Policy,
        deterministic: bool | None = None,
        n_initial: int | None = None,
        horizon: int | None = None,
        settings: SearchSettings | None = None,
        greedy_after: int | None = None,
    ) -> None:
        if greedy_after is not None and (
            isinstance(greedy_after, bool) or not isinstance(greedy_after, int | np.integer) or greedy_after < 0
        ):
            raise ValueError(
                f"The 'greedy_after' parameter of ppo must be an int >= 0 or None. Got {greedy_after!r} instead."
            )
        policy_ = policy if isinstance(policy, Policy) else load_policy(policy)
        if policy_.kind != "candidate":
            raise PolicyFileError(
                f"The policy at {policy_.path} scores per-dimension moves, not candidates; use PolicyOptimizer."
            )
        defaults = policy_.defaults
        super().__init__(
            space,
            seed=seed,
            fidelity=fidelity,
            # CandidateOptimizer checks an n_initial given
            n_initial=initial_design_size(space, int(defaults["n_initial"])) if n_initial is None else n_initial,
            horizon=int(defaults["horizon"]) if horizon is None else horizon,
            settings=policy_.search_settings if settings is None else settings,
        )
        self.policy = policy
        self.policy_ = policy_
        if deterministic is None:
            deterministic = bool(defaults["deterministic"]) or space.dim > MANY_PARAMETERS
        self.deterministic = bool(deterministic)
        self.greedy_after = None if greedy_after is None else int(greedy_after)

    def _choose(self, search: CandidateSearch) -> np.ndarray:
        proposal = search.propose(self.pending())
        greedy = self.deterministic or (self.greedy_after is not None and search.n_evals >= self.greedy_after)
        index = self.policy_.choose(proposal.features, None if greedy else search.rng)
        return proposal.u[index]
