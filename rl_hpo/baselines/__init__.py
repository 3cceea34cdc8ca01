"""Comparison methods behind the one optimizer protocol (``rl_hpo.make_optimizer(name, space)``).

Exports are imported on first use, so that a method imports only what it needs (Optuna, SciPy).
"""

from __future__ import annotations

# Imported here, not on first use: the module's name is also one of its functions', which the package's attribute
# must stay (a first use would find the submodule there once anything had imported it).
from rl_hpo.baselines.initial_design import initial_design, initial_design_rng, latin_design, latin_rng
from rl_hpo.lazy_exports import lazy_exports

__all__ = [
    "BOHB",
    "CMAES",
    "GP",
    "TPE",
    "GridSearch",
    "Hyperband",
    "Portfolio",
    "RandomSearch",
    "SobolSearch",
    "build_portfolio",
    "hyperband_brackets",
    "initial_design",
    "initial_design_rng",
    "latin_design",
    "latin_rng",
    "read_portfolio",
    "shipped_portfolio_for",
    "stored_portfolios",
    "write_portfolio",
]

_WHERE = {  # name -> the module of rl_hpo.baselines that defines it
    "BOHB": "bohb",
    "GridSearch": "grid",
    "Hyperband": "hyperband",
    "hyperband_brackets": "hyperband",
    "CMAES": "optuna_samplers",
    "GP": "optuna_samplers",
    "TPE": "optuna_samplers",
    "Portfolio": "portfolio",
    "read_portfolio": "portfolio",
    "shipped_portfolio_for": "portfolio",
    "stored_portfolios": "portfolio",
    "write_portfolio": "portfolio",
    "build_portfolio": "portfolio_building",
    "SobolSearch": "qmc",
    "RandomSearch": "random_search",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
