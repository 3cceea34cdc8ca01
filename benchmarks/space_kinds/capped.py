"""A method of the space-kinds study's look at the choice of model (``--plugins space_kinds,capped``, with this
folder on PYTHONPATH): ``ei_capped``, plain EI whose GP's lengthscales stay below 1.5, the unit cube's side and a
half (``SearchSettings(max_lengthscale=1.5)``; the default bound is 100), so that no parameter's points can make
the GP see the function as flat along it. Everything else is as ``ei`` runs it. The setting is not a default: it
costs on the benchmark suites' GP-prior functions (``benchmarks/search_settings/README.md``, "An upper bound on the
lengthscales").
"""

from __future__ import annotations

from typing import Any

from rl_hpo.acquisition.search import SearchSettings
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.optimizer import register_optimizer
from rl_hpo.space import SearchSpace

MAX_LENGTHSCALE = 1.5


class CappedEI(ExpectedImprovement):
    """Plain EI with the GP's lengthscales at most ``MAX_LENGTHSCALE``."""

    def __init__(self, space: SearchSpace, **options: Any) -> None:
        super().__init__(space, settings=SearchSettings(max_lengthscale=MAX_LENGTHSCALE), **options)


register_optimizer("ei_capped", f"{__name__}:CappedEI")
