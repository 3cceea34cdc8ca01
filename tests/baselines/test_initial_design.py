"""The Latin hypercube coupled to random search's points (``latin_design``)."""

import numpy as np
import pytest

from rl_hpo.baselines.initial_design import latin_design


@pytest.mark.parametrize(("n", "d"), [(5, 3), (10, 40), (1, 2)])
def test_a_latin_design_has_one_point_in_each_nth_and_keeps_the_uniform_points_where_it_can(n, d):
    rng = np.random.default_rng(0)
    for _ in range(50):
        uniform = rng.random((n, d))
        design = latin_design(uniform, rng)
        strata = np.floor(design * n).astype(int)
        assert (np.sort(strata, axis=0) == np.arange(n)[:, None]).all()  # one point in each n-th, every coordinate
        np.testing.assert_array_equal(design[0], uniform[0])
        for t in range(1, n):  # a coordinate changes only where an earlier point took its n-th
            first = np.floor(uniform[t] * n).astype(int)
            free = ~(strata[:t] == first).any(axis=0)
            np.testing.assert_array_equal(design[t, free], uniform[t, free])
            assert (design[t, ~free] != uniform[t, ~free]).all()


def test_a_latin_design_is_a_random_latin_hypercube_in_distribution():
    # in a random Latin hypercube each point's n-th, given the earlier points', is uniform over the free ones, and
    # its place within it uniform: here the second point's n-th given the first's, and the offsets
    rng, n, draws = np.random.default_rng(1), 4, 8000
    designs = np.array([latin_design(rng.random((n, 1)), rng) for _ in range(draws)])[:, :, 0]
    strata = np.floor(designs * n).astype(int)
    pairs = np.zeros((n, n))
    np.add.at(pairs, (strata[:, 0], strata[:, 1]), 1)
    assert np.diag(pairs).sum() == 0
    expected = draws / (n * (n - 1))
    off = pairs[~np.eye(n, dtype=bool)]
    assert np.abs(off - expected).max() < 5 * np.sqrt(expected)  # each of the 12 pairs about 667 times
    offsets = (designs * n) % 1.0
    assert abs(offsets.mean() - 0.5) < 0.01 and abs(offsets.var() - 1 / 12) < 0.005
