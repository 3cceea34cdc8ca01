"""Plain expected improvement over the candidate shortlist: the rule the PPO candidate policy starts from.

``ExpectedImprovement`` (method ``"ei"``) runs the very pipeline the candidate policy sees
(``rl_hpo.acquisition.CandidateSearch``: the in-episode GP, the candidate moves, the shortlist) and
evaluates the candidate of largest expected improvement (Jones et al., "Efficient Global Optimization of
Expensive Black-Box Functions", J. Global Optim. 1998). It exists so that a study can show what
reinforcement learning adds on top of the same candidates and features.

``SampledExpectedImprovement`` (method ``"ei_sampled"``) draws the candidate instead, with probability
proportional to ``EI ** temperature``: exactly what the candidate policy does before any training when it
samples (its logits start as ``EI_TEMPERATURE`` times log EI). Set beside a trained policy that samples, it
separates what the training changed from what sampling alone does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rl_hpo.acquisition.search import EI_TEMPERATURE, CandidateSearch, SearchSettings
from rl_hpo.baselines.initial_design import initial_design_rng, initial_design_size, latin_design, latin_rng
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity, Result
from rl_hpo.threads import single_threaded

__all__ = ["CandidateOptimizer", "ExpectedImprovement", "SampledExpectedImprovement"]

# Stream key of the candidate moves' generator, apart from the initial design's.
_MOVES_STREAM = 0xCA9D
#: Random points before the candidates take over, on a space of at most ``MANY_PARAMETERS`` parameters.
DEFAULT_INITIAL = 5


class CandidateOptimizer(Optimizer):
    """Base class of methods that pick one of ``CandidateSearch``'s shortlisted candidates per trial.

    The first ``n_initial`` trials are the initial design of the seed (random search's first trials made a Latin
    hypercube, or as they are: ``SearchSettings.initial_design``); after that ``_choose``
    picks a candidate. Failed trials count as the worst score seen (in the GP) and never become the
    incumbent. Trials asked before earlier ones are told see those as pending (``SearchSettings.pending``: the GP
    believes each at its predicted mean, so that trials asked together spread out).

    Args:
        space: the search space.
        seed: seeds the initial design and the candidate moves.
        fidelity: ignored (single-fidelity method).
        n_initial: random points before the candidates take over (default: 5, and 10 on a space of more than
            32 parameters; ``initial_design_size``).
        horizon: the budget the run plans for (``optimize`` sets it to its budget).
        settings: the candidate pool's sizes.
    """

    can_observe = True

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        n_initial: int | None = None,
        horizon: int = 50,
        settings: SearchSettings | None = None,
    ) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity)
        n_initial = initial_design_size(space, DEFAULT_INITIAL) if n_initial is None else n_initial
        for name, value in (("n_initial", n_initial), ("horizon", horizon)):
            if not (isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 1):
                raise ValueError(
                    f"The {name!r} parameter of {type(self).__name__} must be an int >= 1. Got {value!r} instead."
                )
        self.n_initial = n_initial
        self._design_rng = initial_design_rng(seed)
        self._latin_rng = latin_rng(seed)
        self._latin: np.ndarray | None = None  # the Latin hypercube design, drawn at its first point
        moves_rng = np.random.default_rng(None if seed is None else [_MOVES_STREAM, int(seed)])
        self.search_ = CandidateSearch(space, horizon=horizon, rng=moves_rng, settings=settings)
        self._n_design = 0
        self._proposals: dict[int, np.ndarray] = {}
        self._held: list[np.ndarray] = []

    def plan(self, budget: float) -> None:
        if self.search_.n_evals == 0 and math.isfinite(budget) and budget >= 1:
            self.search_.horizon = max(1, math.ceil(budget))

    def _choose(self, search: CandidateSearch) -> np.ndarray:
        """The cube point of the next trial (after the initial design)."""
        raise NotImplementedError

    def pending(self) -> np.ndarray:
        """Cube points of the trials asked and not told yet and of the configurations held, shape (m, d)."""
        return np.array([*self._proposals.values(), *self._held], dtype=float).reshape(-1, self.space.dim)

    def hold(self, configs: Sequence[Mapping[str, Any]]) -> None:
        """Configurations under evaluation elsewhere (other workers' running trials, as ``RLSampler`` reads them
        from an Optuna study): the next decisions treat them as pending, as trials asked and not told yet. Replaces
        what was held before; ``hold([])`` releases them."""
        self._held = [self.space.encode(config) for config in configs]  # encode validates; all or none is held

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        if self._n_design < self.n_initial or self.search_.n_evals == 0 or self._tied():
            u = self._design_point()
            self._n_design += 1
        else:
            turn = self.search_.uniform_turn()
            if turn is not None:
                u = turn
            else:
                with single_threaded():  # small matrices: more threads only contend
                    u = self._choose(self.search_)
        self._proposals[trial_id] = u
        return self.space.decode(u), None

    def _design_point(self) -> np.ndarray:
        """The next point of the initial design (``SearchSettings.initial_design``); beyond ``n_initial`` points (a
        design that goes on while scores tie) uniform ones."""
        if self.search_.settings.initial_design == "latin" and self._n_design < self.n_initial:
            if self._latin is None:  # over the points left: results observed before the first ask take their place
                uniform = self._design_rng.random((self.n_initial - self._n_design, self.space.dim))
                self._latin = latin_design(uniform, self._latin_rng)
            return self._latin[self._n_design - (self.n_initial - len(self._latin))]
        return self._design_rng.random(self.space.dim)

    def _cancel(self, trial: Trial) -> None:
        self._proposals.pop(trial.id, None)

    def _tied(self) -> bool:
        """Whether the design goes on because the history's scores do not differ (``SearchSettings.ties``)."""
        return self.search_.settings.ties == "design" and not self.search_.scores_differ

    def _tell(self, trial: Trial, result: Result) -> None:
        self.search_.add(self._proposals.pop(trial.id), result.score if not result.failed else math.nan)

    def _observe(self, config: dict[str, Any], result: Result) -> None:
        self._n_design += 1
        self.search_.add(self.space.encode(config), result.score if not result.failed else math.nan)


class ExpectedImprovement(CandidateOptimizer):
    """The candidate of largest expected improvement under the in-episode GP (method ``"ei"``)."""

    name = "ei"

    def _choose(self, search: CandidateSearch) -> np.ndarray:
        proposal = search.propose(self.pending())
        return proposal.by_expected_improvement()


class SampledExpectedImprovement(CandidateOptimizer):
    """A candidate drawn with probability proportional to ``EI ** temperature`` (method ``"ei_sampled"``).

    Args:
        temperature: the exponent (> 0); the default is the weight an untrained candidate policy gives log
            EI, so this method tunes as that policy does when it samples.
        **options: those of ``CandidateOptimizer``.
    """

    name = "ei_sampled"

    def __init__(self, space: SearchSpace, *, temperature: float = EI_TEMPERATURE, **options: Any) -> None:
        if not (isinstance(temperature, int | float) and math.isfinite(temperature) and temperature > 0):
            raise ValueError(
                f"The 'temperature' parameter of SampledExpectedImprovement must be a number > 0. Got {temperature!r}."
            )
        super().__init__(space, **options)
        self.temperature = float(temperature)

    def _choose(self, search: CandidateSearch) -> np.ndarray:
        proposal = search.propose(self.pending())
        return proposal.sample_by_expected_improvement(search.rng, self.temperature)
