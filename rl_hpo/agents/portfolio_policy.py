"""``PortfolioThenPolicy``: a greedy portfolio, then a trained policy (method ``portfolio_ppo``)."""

from __future__ import annotations

from typing import Any

from rl_hpo.baselines.portfolio import Portfolio
from rl_hpo.space import SearchSpace

__all__ = ["PortfolioThenPolicy"]


class PortfolioThenPolicy(Portfolio):
    """The greedy portfolio, then the shipped PPO policy for the space (method ``portfolio_ppo``).

    ``Portfolio`` with ``then="ppo"``: the portfolio's configurations are evaluated first and fill the
    policy's history, so the policy refines from the portfolio's best configuration instead of a random one.
    Same arguments as ``Portfolio``; ``then_options`` go to ``PolicyOptimizer`` (e.g. ``{"policy": DIR}``).
    ``PolicyOptimizer`` itself returns one for the shipped policy on a space with a shipped portfolio.
    """

    name = "portfolio_ppo"

    def __init__(self, space: SearchSpace, *, then: str = "ppo", **options: Any) -> None:
        super().__init__(space, then=then, **options)
