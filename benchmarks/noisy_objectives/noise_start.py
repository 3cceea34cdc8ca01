"""Methods of the noisy-objectives studies of the GP's fit (``--plugins noise_start``, with this folder on
PYTHONPATH): plain EI and the shipped general policy with other search settings than their own.

- ``ei_noise_start``, ``ppo_noise_start``: ``SearchSettings(fit_starts="warm+noise")``, each refit of the GP's
  hyperparameters also starting from the previous fit with its noise variance at a tenth of the scores' variance
  ("A second start with noise"; the default of both since);
- ``ei_noise_bound``, ``ppo_noise_bound``: that and ``max_noise=2.0``, an upper bound of 2 instead of 0.5 on the
  noise variance ("An upper bound on the noise");
- ``ei_lengthscale_bound``, ``ppo_lengthscale_bound``: that and ``min_lengthscale=0.05``, a lower bound of 0.05
  instead of 0.01 on the lengthscales ("A lower bound on the lengthscales").

Everything else is as ``ei`` and ``ppo`` run it (``ppo`` with ``--policy rl_hpo/data/policies/prior_gp``, as
``noise_start.sh`` gives it: the general policy trained on prior/gp, which every ``ppo_*`` method here starts from
too, with its own search settings changed).
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

#: The policy of these studies' runs (the shipped default when they ran); noise_start.sh gives it to ``ppo``.
PRIOR_GP = default_policy_path().parent / "prior_gp"

CHANGES: dict[str, dict[str, Any]] = {
    "noise_start": {"fit_starts": "warm+noise"},
    "noise_bound": {"fit_starts": "warm+noise", "max_noise": 2.0},
    "lengthscale_bound": {"fit_starts": "warm+noise", "max_noise": 2.0, "min_lengthscale": 0.05},
}


class NoiseStartEI(ExpectedImprovement):
    change = CHANGES["noise_start"]

    def __init__(self, space: SearchSpace, **options: Any) -> None:
        super().__init__(space, settings=SearchSettings(**self.change), **options)


class NoiseStartPolicy(CandidatePolicyOptimizer):
    change = CHANGES["noise_start"]

    def __init__(self, space: SearchSpace, **options: Any) -> None:
        policy = load_policy(PRIOR_GP)
        settings = dataclasses.replace(policy.search_settings, **self.change)
        super().__init__(space, policy=policy, settings=settings, **options)


class NoiseBoundEI(NoiseStartEI):
    change = CHANGES["noise_bound"]


class NoiseBoundPolicy(NoiseStartPolicy):
    change = CHANGES["noise_bound"]


class LengthscaleBoundEI(NoiseStartEI):
    change = CHANGES["lengthscale_bound"]


class LengthscaleBoundPolicy(NoiseStartPolicy):
    change = CHANGES["lengthscale_bound"]


register_optimizer("ei_noise_start", f"{__name__}:NoiseStartEI")
register_optimizer("ppo_noise_start", f"{__name__}:NoiseStartPolicy")
register_optimizer("ei_noise_bound", f"{__name__}:NoiseBoundEI")
register_optimizer("ppo_noise_bound", f"{__name__}:NoiseBoundPolicy")
register_optimizer("ei_lengthscale_bound", f"{__name__}:LengthscaleBoundEI")
register_optimizer("ppo_lengthscale_bound", f"{__name__}:LengthscaleBoundPolicy")
