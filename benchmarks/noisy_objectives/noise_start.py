"""Methods of the noise-start study (``--plugins noise_start``, with this folder on PYTHONPATH).

``ei_noise_start`` and ``ppo_noise_start`` are plain EI and the shipped general policy with
``SearchSettings(fit_starts="warm+noise")``: each refit of the GP's hyperparameters also starts from the previous
fit with its noise variance at a tenth of the scores' variance, and keeps the better posterior. Everything else is
as ``ei`` and ``ppo`` run it (``ppo`` with ``--policy default``: the general policy and its own search settings).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rl_hpo.acquisition.search import SearchSettings
from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer
from rl_hpo.agents.policy_file import default_policy_path, load_policy
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.optimizer import register_optimizer
from rl_hpo.space import SearchSpace

CHANGE = {"fit_starts": "warm+noise"}


class NoiseStartEI(ExpectedImprovement):
    def __init__(self, space: SearchSpace, **options: Any) -> None:
        super().__init__(space, settings=SearchSettings(**CHANGE), **options)


class NoiseStartPolicy(CandidatePolicyOptimizer):
    def __init__(self, space: SearchSpace, **options: Any) -> None:
        policy = load_policy(default_policy_path())
        settings = dataclasses.replace(policy.search_settings, **CHANGE)
        super().__init__(space, policy=policy, settings=settings, **options)


register_optimizer("ei_noise_start", f"{__name__}:NoiseStartEI")
register_optimizer("ppo_noise_start", f"{__name__}:NoiseStartPolicy")
