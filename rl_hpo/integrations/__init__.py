"""rl_hpo where users already work: an Optuna sampler and a scikit-learn search estimator.

``RLSampler`` needs Optuna and ``RLSearchCV`` scikit-learn; each is imported when first used.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["RLSampler", "RLSearchCV"]

_LAZY = {
    "RLSampler": "rl_hpo.integrations.optuna_sampler",
    "RLSearchCV": "rl_hpo.integrations.sklearn_search",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
