"""A method of the space-kinds study's look at the choice of model (``--plugins space_kinds,pooled``, with this
folder on PYTHONPATH): ``ei_pooled``, plain EI whose GP pools its lengthscales
(``SearchSettings(lengthscale_spread=0.5)``: a normal prior of standard deviation 0.5 on each log lengthscale
around the mean of them all, so that the parameters share one lengthscale unless the points say otherwise).
Everything else is as ``ei`` runs it. The setting is not a default: its confirmation on the benchmark suites
rejected it (``benchmarks/search_settings/README.md``, "Pooled lengthscales").
"""

from __future__ import annotations

from typing import Any

from rl_hpo.acquisition.search import SearchSettings
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.optimizer import register_optimizer
from rl_hpo.space import SearchSpace

SPREAD = 0.5


class PooledEI(ExpectedImprovement):
    """Plain EI with pooled lengthscales (``lengthscale_spread=SPREAD``)."""

    def __init__(self, space: SearchSpace, **options: Any) -> None:
        super().__init__(space, settings=SearchSettings(lengthscale_spread=SPREAD), **options)


register_optimizer("ei_pooled", f"{__name__}:PooledEI")
