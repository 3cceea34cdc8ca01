"""The shared initial design: the same random configurations, per seed, for every method that uses one.

The benchmark protocol gives every method the same initial random configurations per seed. Methods that
start from random points (random search, TPE, GP, BOHB's random fraction aside) draw them from
``initial_design_rng(seed)``, in order, so their first trials coincide.
"""

from __future__ import annotations

import numpy as np

from rl_hpo.space import SearchSpace

__all__ = ["initial_design", "initial_design_rng"]

# A fixed stream key so that the design stream is independent of any other use of the seed.
_DESIGN_STREAM = 0x5EED


def initial_design_rng(seed: int | None) -> np.random.Generator:
    """The generator of the initial design for ``seed`` (fresh entropy when ``seed`` is None)."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([_DESIGN_STREAM, int(seed)])


def initial_design(space: SearchSpace, n: int, seed: int | None) -> np.ndarray:
    """The first ``n`` cube points of the initial design for ``seed``, shape (n, d).

    Row i is the same whatever ``n`` is, so a method using 10 initial points and random search
    share their first 10 trials.
    """
    rng = initial_design_rng(seed)
    return np.array([rng.random(space.dim) for _ in range(n)]).reshape(n, space.dim)
