"""Methods of the parallel-trials study (imported by ``rl-hpo bench --plugins parallel_methods``).

- ``ei_unaware``: plain expected improvement that leaves pending trials out of its GP
  (``SearchSettings(pending="ignore")``): trials asked together only avoid each other's very configurations.
- ``tpe_liar``: Optuna's TPE with ``constant_liar=True``, which its documentation recommends for parallel
  optimization (running trials count as bad ones, so that concurrent suggestions spread out).
"""

from __future__ import annotations

from typing import Any

from rl_hpo import register_optimizer
from rl_hpo.acquisition.search import SearchSettings
from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.baselines.optuna_samplers import TPE


class PendingUnawareEI(ExpectedImprovement):
    name = "ei_unaware"

    def __init__(self, space: Any, **options: Any) -> None:
        super().__init__(space, settings=SearchSettings(pending="ignore"), **options)


class ConstantLiarTPE(TPE):
    name = "tpe_liar"

    def __init__(self, space: Any, **options: Any) -> None:
        super().__init__(space, constant_liar=True, **options)


register_optimizer("ei_unaware", PendingUnawareEI)
register_optimizer("tpe_liar", ConstantLiarTPE)
