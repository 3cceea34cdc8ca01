"""rl_hpo where users already work: an Optuna sampler and a scikit-learn search estimator.

``RLSampler`` needs Optuna and ``RLSearchCV`` scikit-learn; each is imported when first used.
"""

from __future__ import annotations

from rl_hpo.lazy_exports import lazy_exports

__all__ = ["RLSampler", "RLSearchCV"]

_WHERE = {  # name -> the module of rl_hpo.integrations that defines it
    "RLSampler": "optuna_sampler",
    "RLSearchCV": "sklearn_search",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
