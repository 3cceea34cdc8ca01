"""The long-budgets study's own method (``--plugins long_methods``, with this folder on PYTHONPATH).

``ppo_greedy50``: the shipped general policy, sampling its candidate as it does up to 50 evaluations and taking its
most likely one from the 51st on (``greedy_after=50``); up to 50 evaluations it decides as ``ppo`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rl_hpo
from rl_hpo import register_optimizer
from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer

DEFAULT_POLICY = Path(rl_hpo.__file__).resolve().parent / "data" / "policies" / "default"


class GreedyAfter50(CandidatePolicyOptimizer):
    """The general policy with ``greedy_after=50`` (its folder unless ``policy`` is given)."""

    name = "ppo_greedy50"

    def __init__(self, space: rl_hpo.SearchSpace, *, policy: Any = DEFAULT_POLICY, **options: Any) -> None:
        super().__init__(space, policy=policy, greedy_after=50, **options)


register_optimizer("ppo_greedy50", GreedyAfter50)
