"""The long-budgets study's own method (``--plugins long_methods``, with this folder on PYTHONPATH).

``ppo_greedy50``: the prior/gp policy (``rl_hpo/data/policies/prior_gp``, the policy ``run.sh`` gives ``ppo``),
sampling its candidate as it does up to 50 evaluations and taking its most likely one from the 51st on
(``greedy_after=50``); up to 50 evaluations it decides as ``ppo`` does. The bench's ``--policy`` reaches only ``ppo``,
so the policy is named here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rl_hpo
from rl_hpo import register_optimizer
from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer

DEFAULT_POLICY = Path(rl_hpo.__file__).resolve().parent / "data" / "policies" / "prior_gp"


class GreedyAfter50(CandidatePolicyOptimizer):
    """The prior/gp policy with ``greedy_after=50`` (another folder when ``policy`` is given)."""

    name = "ppo_greedy50"

    def __init__(self, space: rl_hpo.SearchSpace, *, policy: Any = DEFAULT_POLICY, **options: Any) -> None:
        super().__init__(space, policy=policy, greedy_after=50, **options)


register_optimizer("ppo_greedy50", GreedyAfter50)
