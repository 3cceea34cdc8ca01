"""Comparison methods behind the one optimizer protocol (``rl_hpo.make_optimizer(name, space)``).

Heavy dependencies (Optuna, SciPy) are imported only when an optimizer is built.
"""

from rl_hpo.baselines.bohb import BOHB
from rl_hpo.baselines.grid import GridSearch
from rl_hpo.baselines.hyperband import Hyperband, hyperband_brackets
from rl_hpo.baselines.initial_design import initial_design, initial_design_rng, latin_design, latin_rng
from rl_hpo.baselines.optuna_samplers import CMAES, GP, TPE
from rl_hpo.baselines.portfolio import (
    Portfolio,
    read_portfolio,
    shipped_portfolio_for,
    stored_portfolios,
    write_portfolio,
)
from rl_hpo.baselines.portfolio_building import build_portfolio
from rl_hpo.baselines.qmc import SobolSearch
from rl_hpo.baselines.random_search import RandomSearch

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
