"""Random search: the conformance suite, and its trials are the shared initial design."""

from __future__ import annotations

import numpy as np

from rl_hpo.baselines.initial_design import initial_design
from rl_hpo.baselines.random_search import RandomSearch
from tests.baselines.conformance import MIXED, OptimizerConformance


class TestRandomSearch(OptimizerConformance):
    factory = RandomSearch


def test_trials_continue_the_shared_initial_design():
    opt = RandomSearch(MIXED, seed=4)
    configs = [opt.ask().config for _ in range(12)]
    design = MIXED.decode_batch(initial_design(MIXED, 12, seed=4))
    assert configs == design
    assert not np.array_equal(initial_design(MIXED, 12, seed=4), initial_design(MIXED, 12, seed=5))
