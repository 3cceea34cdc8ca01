"""Random search (Bergstra & Bengio, JMLR 2012): independent uniform draws from the unit cube."""

from __future__ import annotations

from typing import Any

from rl_hpo.baselines.initial_design import initial_design_rng
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity, Result

__all__ = ["RandomSearch"]


class RandomSearch(Optimizer):
    """Uniform random search over the unit cube (log-uniform for log-scaled parameters).

    Its trials are the shared initial design of ``initial_design_rng(seed)``, continued: the first n
    trials equal the n initial configurations of every other method with the same seed.
    Failed trials are ignored (they change nothing in what is proposed next).
    """

    name = "random"
    #: Results never change its proposals, so observing one is a no-op.
    can_observe = True

    def __init__(self, space: SearchSpace, *, seed: int | None = None, fidelity: Fidelity | None = None) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity)
        self._rng = initial_design_rng(seed)

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        return self.space.decode(self._rng.random(self.space.dim)), None

    def _tell(self, trial: Trial, result: Result) -> None:
        pass
