"""Comparison methods behind the one optimizer protocol (``rl_hpo.make_optimizer(name, space)``)."""

from rl_hpo.baselines.initial_design import initial_design, initial_design_rng
from rl_hpo.baselines.random_search import RandomSearch

__all__ = ["RandomSearch", "initial_design", "initial_design_rng"]
