"""Sobol' search: the conformance suite and the low-discrepancy sequence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from rl_hpo.baselines.qmc import SobolSearch
from rl_hpo.space import Float, SearchSpace
from tests.baselines.conformance import MIXED, OptimizerConformance


class TestSobolSearch(OptimizerConformance):
    factory = SobolSearch


def test_points_are_scipy_scrambled_sobol_drawn_one_at_a_time():
    opt = SobolSearch(MIXED, seed=3)
    asked = [opt.ask().config for _ in range(16)]
    block = qmc.Sobol(MIXED.dim, scramble=True, seed=np.random.default_rng(3)).random(16)
    assert asked == MIXED.decode_batch(block)


def test_the_first_power_of_two_points_are_balanced():
    space = SearchSpace({"x": Float(0.0, 1.0), "y": Float(0.0, 1.0)})
    opt = SobolSearch(space, seed=0)
    points = np.array([[c["x"], c["y"]] for c in (opt.ask().config for _ in range(16))])
    for axis in range(2):  # one point in each sixteenth of each axis
        assert sorted(np.floor(points[:, axis] * 16).astype(int)) == list(range(16))


def test_without_scrambling_the_sequence_is_the_same_for_every_seed():
    a = SobolSearch(MIXED, seed=0, scramble=False)
    b = SobolSearch(MIXED, seed=1, scramble=False)
    assert [a.ask().config for _ in range(8)] == [b.ask().config for _ in range(8)]


def test_scramble_is_validated():
    with pytest.raises(ValueError, match=r"'scramble' parameter of SobolSearch must be a bool\. Got 1 instead\."):
        SobolSearch(MIXED, scramble=1)
