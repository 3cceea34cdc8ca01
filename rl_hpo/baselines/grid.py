"""Grid search over the unit cube, visited in an order shuffled by the seed and refined when exhausted."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.space import Categorical, Int, SearchSpace
from rl_hpo.tasks.base import Fidelity, Result

__all__ = ["GridSearch"]

# Grids up to this many points are shuffled with one permutation; larger ones are visited in a uniformly
# random order drawn by rejection (sampling without replacement), which needs no memory per point.
_MAX_PERMUTED = 2**20
# Consecutive rejected draws after which a large grid level counts as exhausted.
_MAX_MISSES = 10_000


class GridSearch(Optimizer):
    """Grid search: the Cartesian product of evenly spaced values of every parameter.

    References:
        Bergstra and Bengio, "Random Search for Hyper-Parameter Optimization", JMLR 2012 (grid search as
        the baseline that random search beats); scikit-learn's ``GridSearchCV``.

    The grid: ``resolution`` evenly spaced values per float parameter, both bounds included (evenly
    spaced in the unit cube, hence log-spaced for log-scaled parameters); for an integer parameter the
    integers nearest to such values, deduplicated (all its values once ``resolution`` reaches their
    number); every choice of a categorical parameter. Points that differ only in inactive conditional parameters give
    one configuration, proposed once.

    Order: with ``shuffle=True`` (the default) the grid is visited in a uniformly random order drawn from
    ``seed``, so a budget smaller than the grid gets a spread-out subset rather than the first corner of a
    lexicographic sweep; with ``shuffle=False`` it is visited lexicographically (the first parameter
    varies slowest), the same for every seed.

    When the grid is exhausted it is refined: the next level has ``2 (r - 1) + 1`` values per numeric
    axis, halving the spacing, and only its new points are visited, in a new shuffled order; and so on.
    A space without float parameters has a finite grid: once every one of its configurations has been
    proposed, further asks are uniform random draws (they repeat configurations). So are they after a level that
    proposed no new configuration at all (a float range that holds only a few floating-point values).

    Failed trials are ignored (the order does not depend on results).

    Args:
        space: the search space.
        seed: seeds the visiting order.
        fidelity: ignored (single-fidelity method).
        resolution: values per numeric axis of the first grid, at least 2. The default 5 puts
            the bounds, the midpoint and the quartiles (in the unit cube) on every axis.
        shuffle: visit each grid level in an order shuffled by ``seed`` (True) or lexicographically.

    Raises:
        ValueError: if ``resolution`` is not an int >= 2 or ``shuffle`` is not a bool.
    """

    name = "grid"
    #: Results never change its proposals, so observing one is a no-op.
    can_observe = True

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        resolution: int = 5,
        shuffle: bool = True,
    ) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity)
        if not isinstance(resolution, int | np.integer) or isinstance(resolution, bool) or resolution < 2:
            raise ValueError(
                f"The 'resolution' parameter of GridSearch must be an int in [2, inf). Got {resolution!r} instead."
            )
        if not isinstance(shuffle, bool):
            raise ValueError(f"The 'shuffle' parameter of GridSearch must be a bool. Got {shuffle!r} instead.")
        self.resolution = int(resolution)
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self.level_ = 0
        self.exhausted_ = False
        self._emitted: set[tuple[tuple[str, str], ...]] = set()
        self._points = self._level_points(0)
        self._level_proposed = False  # whether the current level has proposed a configuration yet

    # -- the grid ---------------------------------------------------------------------------------
    def axes(self, level: int = 0) -> list[np.ndarray]:
        """The unit-cube coordinates of every axis of the grid at refinement ``level`` (0: the first)."""
        n_values = (self.resolution - 1) * 2**level + 1
        cube = np.linspace(0.0, 1.0, n_values)
        axes: list[np.ndarray] = []
        for param in self.space.values():
            if isinstance(param, Categorical):
                n = len(param.choices)
                axes.append((np.arange(n) + 0.5) / n)
            elif isinstance(param, Int):
                # The integers nearest to evenly spaced values (not the bins of the cube, whose edges
                # fall on the grid for some resolutions and round either way): bounds always included.
                lo, hi = (math.log(param.low), math.log(param.high)) if param.log else (param.low, param.high)
                values = np.linspace(lo, hi, n_values)
                values = np.exp(values) if param.log else values
                ints = np.unique(np.clip(np.floor(values + 0.5), param.low, param.high)).astype(int)
                axes.append(np.array([param.to_unit(int(v)) for v in ints]))
            else:
                axes.append(cube)
        return axes

    def _covers_the_space(self, level: int) -> bool:
        """Whether the grid at ``level`` holds every configuration (only when no parameter is a float)."""
        for param, axis in zip(self.space.values(), self.axes(level)):
            if isinstance(param, Int) and len(axis) < param.high - param.low + 1:
                return False
            if not isinstance(param, Int | Categorical):
                return False
        return True

    def grid_size(self, level: int = 0) -> int:
        """The number of grid points at refinement ``level`` (before merging inactive duplicates)."""
        return math.prod(len(axis) for axis in self.axes(level))

    def _level_points(self, level: int) -> Iterator[np.ndarray]:
        """The points of ``level`` that were not on the previous level, in visiting order."""
        axes = self.axes(level)
        sizes = [len(axis) for axis in axes]
        if level == 0:
            old = [np.zeros(size, dtype=bool) for size in sizes]
        else:
            previous = self.axes(level - 1)
            old = [np.isclose(a[:, None], p[None, :], rtol=0.0, atol=1e-12).any(axis=1) for a, p in zip(axes, previous)]

        def point(index: tuple[int, ...]) -> np.ndarray | None:
            if level > 0 and all(old[j][i] for j, i in enumerate(index)):
                return None  # visited on an earlier level
            return np.array([axes[j][i] for j, i in enumerate(index)])

        n_points = math.prod(sizes)
        if not self.shuffle:
            indices: Iterator[tuple[int, ...]] = itertools.product(*(range(size) for size in sizes))
        elif n_points <= _MAX_PERMUTED:
            order = self._rng.permutation(n_points)
            indices = (tuple(int(i) for i in np.unravel_index(flat, sizes)) for flat in order)
        else:
            indices = self._draw_without_replacement(sizes)
        for index in indices:
            u = point(index)
            if u is not None:
                yield u

    def _draw_without_replacement(self, sizes: list[int]) -> Iterator[tuple[int, ...]]:
        # Uniform draws with rejection of repeats are a uniformly random order of the grid, without
        # materializing a permutation of a grid too large for memory (e.g. 9 values on 14 axes).
        seen: set[tuple[int, ...]] = set()
        misses = 0
        highs = np.array(sizes)
        while misses < _MAX_MISSES:
            index = tuple(int(i) for i in self._rng.integers(0, highs))
            if index in seen:
                misses += 1
                continue
            misses = 0
            seen.add(index)
            yield index

    # -- ask/tell ---------------------------------------------------------------------------------
    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        while not self.exhausted_:
            for u in self._points:
                config = self.space.decode(u)
                key = tuple((name, repr(value)) for name, value in config.items())
                if key not in self._emitted:
                    self._emitted.add(key)
                    self._level_proposed = True
                    return config, None
            # A level whose every point decoded to a configuration of an earlier one (a float range of a few
            # floating-point values) would be followed by ever larger levels just as empty.
            if self._covers_the_space(self.level_) or not self._level_proposed:
                self.exhausted_ = True
                break
            self.level_ += 1
            self._points = self._level_points(self.level_)
            self._level_proposed = False
        return self.space.decode(self._rng.random(self.space.dim)), None

    def _tell(self, trial: Trial, result: Result) -> None:
        pass
