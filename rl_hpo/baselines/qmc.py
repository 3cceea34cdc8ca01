"""Quasi-random search: a scrambled Sobol' sequence over the unit cube.

Why scipy's ``scipy.stats.qmc.Sobol`` in the unit cube rather than Optuna's ``QMCSampler``: Optuna's
sampler infers its search space from the first trial, which it samples at random with its independent
sampler, so the first point is not quasi-random and a conditional parameter inactive in that first trial
is sampled at random for the rest of the run; its default is also an unscrambled sequence that is the same
for every seed. In the unit cube every coordinate, conditional ones included, follows the sequence, and
``SearchSpace.decode`` maps it to log scales, integer and categorical bins and active parameters exactly
as for every other method in rl_hpo.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity, Result

__all__ = ["SobolSearch"]


class SobolSearch(Optimizer):
    """Quasi-random search along a Sobol' sequence with Owen scrambling seeded by ``seed``.

    References:
        Sobol', "On the distribution of points in a cube and the approximate evaluation of integrals",
        USSR Comput. Math. Math. Phys. 1967; Owen, "Scrambling Sobol' and Niederreiter-Xing points",
        J. Complexity 1998; Bergstra and Bengio, "Random Search for Hyper-Parameter Optimization",
        JMLR 2012 (low-discrepancy sequences for hyperparameter search).

    Points are drawn one at a time; the sequence is the same as drawn in one block, and its first
    2^m points are balanced for every m. Scrambling (on by default) makes the sequence differ between
    seeds and removes the unscrambled sequence's point at the origin, the corner of every range. At most
    2^30 points can be drawn. Failed trials are ignored (the sequence does not depend on results).

    Args:
        space: the search space.
        seed: seeds the scrambling; the same seed gives the same sequence.
        fidelity: ignored (single-fidelity method).
        scramble: apply Owen scrambling with a digital shift (True, recommended) or use the plain
            deterministic sequence, identical for every seed (False).

    Raises:
        ValueError: if ``scramble`` is not a bool.
    """

    name = "qmc"
    #: Results never change its proposals, so observing one is a no-op.
    can_observe = True

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        scramble: bool = True,
    ) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity)
        from scipy.stats import qmc

        if not isinstance(scramble, bool):
            raise ValueError(f"The 'scramble' parameter of SobolSearch must be a bool. Got {scramble!r} instead.")
        self.scramble = scramble
        # `seed=` rather than `rng=`: the latter exists only from scipy 1.15 and the package allows 1.11.
        self._sobol = qmc.Sobol(space.dim, scramble=scramble, seed=np.random.default_rng(seed))

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        # One point at a time continues the same sequence; scipy warns only when a *first* block is not a
        # power of two, and 1 is one.
        u = self._sobol.random(1)[0]
        return self.space.decode(u), None

    def _tell(self, trial: Trial, result: Result) -> None:
        pass
