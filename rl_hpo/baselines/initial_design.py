"""The shared initial design: the same random configurations, per seed, for every method that uses one.

The benchmark protocol gives every method the same initial random configurations per seed. Methods that
start from random points (random search, TPE, GP, BOHB's random fraction aside) draw them from
``initial_design_rng(seed)``, in order, so their first trials coincide. ``ei`` and the candidate policy make a Latin
hypercube of theirs that keeps those points' coordinates where it can (``latin_design``;
``SearchSettings.initial_design``).
"""

from __future__ import annotations

import numpy as np

from rl_hpo.space import SearchSpace

__all__ = [
    "MANY_PARAMETERS",
    "MANY_PARAMETER_INITIAL",
    "initial_design",
    "initial_design_rng",
    "initial_design_size",
    "latin_design",
    "latin_rng",
]

# A fixed stream key so that the design stream is independent of any other use of the seed.
_DESIGN_STREAM = 0x5EED
_LATIN_STREAM = 0x1A71
#: Beyond this many parameters (the training prior's largest spaces) the candidate methods start from at least
#: ``MANY_PARAMETER_INITIAL`` random points (benchmarks/high_dimensions/README.md, "A rule for many parameters"), and
#: the candidate policy takes its most likely candidate instead of sampling one (``CandidatePolicyOptimizer``).
MANY_PARAMETERS = 32
MANY_PARAMETER_INITIAL = 10


def initial_design_size(space: SearchSpace, n_initial: int) -> int:
    """How many random points ``ei`` and ``ppo`` start from on ``space`` when not told: ``n_initial``, and at
    least 10 on a space of more than 32 parameters, where a model fitted to 5 points in so many dimensions
    chose worse than random search at its first choices."""
    return max(n_initial, MANY_PARAMETER_INITIAL) if space.dim > MANY_PARAMETERS else n_initial


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


def latin_design(uniform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A Latin hypercube of ``len(uniform)`` cube points coupled to ``uniform``, points drawn uniformly (random
    search's first trials): shape (n, d), one point in each n-th of every coordinate's range.

    Point by point, each coordinate keeps its value from ``uniform`` where no earlier point took its n-th of the
    range, and is otherwise drawn from ``rng``, uniformly within a uniformly chosen free n-th. Given the earlier
    points, a coordinate's n-th is then uniform over the free ones and its place uniform within it, as in a random
    Latin hypercube (scipy's ``LatinHypercube``): the design is one, in distribution, and agrees with ``uniform`` in
    its first point and, in the t-th, in each coordinate whose n-th was free, (n - t + 1) / n of them in expectation
    (half of the second to fifth points' coordinates with 5 points). (scipy draws a design of its own, which cannot
    be coupled so; hence this one.) A categorical parameter has each of its choices among the points where every
    choice's share of the range holds a whole n-th (at most n / 2 choices, or n, or 3 among 5).
    """
    n, d = uniform.shape
    design = np.array(uniform, dtype=float)
    taken = np.zeros((d, n), dtype=bool)  # taken[j, s]: an earlier point lies in the s-th n-th of coordinate j
    columns = np.arange(d)
    for point in design:
        strata = np.minimum((point * n).astype(int), n - 1)
        for j in np.flatnonzero(taken[columns, strata]):
            strata[j] = rng.choice(np.flatnonzero(~taken[j]))
            point[j] = (strata[j] + rng.random()) / n
        taken[columns, strata] = True
    return design


def latin_rng(seed: int | None) -> np.random.Generator:
    """The generator of ``latin_design``'s redrawn coordinates for ``seed``, apart from the design stream (whose
    points it keeps; fresh entropy when ``seed`` is None)."""
    return np.random.default_rng(None if seed is None else [_LATIN_STREAM, int(seed)])
