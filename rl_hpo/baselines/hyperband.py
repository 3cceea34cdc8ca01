"""Hyperband (Li et al., JMLR 2018) as an ask/tell optimizer, with a pluggable configuration sampler.

The schedule is measured in units of the task's lowest fidelity: ``R = fidelity.high / fidelity.low``.
With ``s_max = floor(log_eta R)``, bracket ``s`` (``s_max`` down to 0) starts
``n = ceil((s_max + 1) / (s + 1) * eta^s)`` configurations at ``r = R eta^-s`` and runs successive
halving: rung ``i`` evaluates ``floor(n eta^-i)`` configurations at ``r eta^i`` and promotes the best
``floor(n eta^-(i+1))`` of them. Resource ``r`` is the fidelity ``fidelity.low * r``, i.e.
``fidelity.high * eta^(i - s)``, rounded for integer fidelities. After bracket 0 the cycle restarts with a
new bracket ``s_max`` until the budget ends.

BOHB (``rl_hpo.baselines.bohb``) reuses this schedule and replaces only how new configurations are
sampled (``Hyperband._sample_config``) and what is learned from results (``Hyperband._observe_at_level``).
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import numpy as np

from rl_hpo.baselines.initial_design import initial_design_rng
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity, Result

__all__ = ["Hyperband", "HyperbandBracket", "hyperband_brackets"]


@dataclass(frozen=True)
class HyperbandBracket:
    """One bracket of Hyperband: successive halving from ``rungs[0]``.

    Attributes:
        s: the bracket's index (``s_max`` is the most exploratory bracket, 0 is plain full-fidelity search).
        rungs: ``(n_i, r_i)`` per rung: how many configurations are evaluated with how much resource, in
            units of the lowest fidelity.
        levels: the budget level of each rung on the common ladder ``R eta^(k - s_max)``, k = 0..s_max
            (BOHB keeps one model per level).
    """

    s: int
    rungs: tuple[tuple[int, float], ...]
    levels: tuple[int, ...]


def _check_eta(eta: Any, owner: str) -> int:
    if not isinstance(eta, int | np.integer) or isinstance(eta, bool) or eta < 2:
        raise ValueError(f"The 'eta' parameter of {owner} must be an int in [2, inf). Got {eta!r} instead.")
    return int(eta)


def _s_max(max_resource: float, eta: int) -> int:
    # Integer powers rather than floor(log(R) / log(eta)), which rounds 4.999... down for R = eta^5.
    s = 0
    while eta ** (s + 1) <= max_resource * (1 + 1e-9):
        s += 1
    return s


def hyperband_brackets(max_resource: float, eta: int = 3) -> list[HyperbandBracket]:
    """The brackets of one Hyperband iteration, from the most exploratory (``s_max``) to ``s = 0``.

    Args:
        max_resource: ``R``, the highest fidelity in units of the lowest (``fidelity.high / fidelity.low``).
        eta: the halving rate: each rung keeps the best ``1/eta`` of its configurations.

    Returns:
        One ``HyperbandBracket`` per ``s``; e.g. ``R = 81, eta = 3`` gives first rungs 81 @ 1, 34 @ 3,
        15 @ 9, 8 @ 27 and 5 @ 81.

    Raises:
        ValueError: if ``max_resource`` is not a number >= 1 or ``eta`` not an int >= 2.
    """
    eta = _check_eta(eta, "hyperband_brackets")
    if not isinstance(max_resource, int | float | np.number) or not (1 <= max_resource < math.inf):
        raise ValueError(
            f"The 'max_resource' parameter of hyperband_brackets must be a number in [1, inf). "
            f"Got {max_resource!r} instead."
        )
    s_max = _s_max(float(max_resource), eta)
    brackets = []
    for s in range(s_max, -1, -1):
        n = -(-(s_max + 1) * eta**s // (s + 1))  # ceil((s_max + 1) / (s + 1) * eta^s), exact for any s
        r = max_resource * float(eta) ** -s
        rungs = tuple((max(1, n // eta**i), r * eta**i) for i in range(s + 1))
        brackets.append(HyperbandBracket(s, rungs, tuple(range(s_max - s, s_max + 1))))
    return brackets


@dataclass
class _RunningBracket:
    """The state of one bracket being run: which rung, which configurations, which results."""

    spec: HyperbandBracket
    index: int
    rung: int = 0
    #: configurations of the current rung (rung 0 fills up as they are sampled)
    configs: list[dict[str, Any]] = field(default_factory=list)
    n_asked: int = 0
    scores: dict[int, float] = field(default_factory=dict)

    @property
    def rung_size(self) -> int:
        return self.spec.rungs[0][0] if self.rung == 0 else len(self.configs)

    @property
    def can_ask(self) -> bool:
        return self.n_asked < self.rung_size

    @property
    def level(self) -> int:
        return self.spec.levels[self.rung]


def _init_frames(obj: object) -> int:
    """How many ``__init__`` frames of ``obj`` run, from the caller's up (a subclass's ``__init__`` calling its
    base's, and so on): the ``stacklevel`` past them is the line that made ``obj``."""
    n = 0
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_name == "__init__" and frame.f_locals.get("self") is obj:
        n, frame = n + 1, frame.f_back
    return n


class Hyperband(Optimizer):
    """Hyperband: successive halving over brackets that trade the number of configurations for fidelity.

    References:
        Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar, "Hyperband: A Novel Bandit-Based Approach to
        Hyperparameter Optimization", JMLR 18(185), 2018; Jamieson and Talwalkar, "Non-stochastic Best
        Arm Identification and Hyperparameter Optimization", AISTATS 2016 (successive halving).

    New configurations are uniform random draws continuing the shared initial design of ``seed``
    (``initial_design_rng``): the first configurations of the first bracket are those of random search
    with the same seed. Each is sampled when it is first asked.

    Asynchronous use: ``ask`` may be called before earlier trials are told. It returns the next free
    slot of the oldest running bracket; when every running bracket waits for results to finish a rung,
    it starts the next bracket of the cycle (as HpBandSter's master does), so ``ask`` never blocks and
    never raises. Told sequentially, one bracket runs at a time and the schedule is exactly the paper's.

    Failed trials: a failed configuration is never promoted. A rung with fewer successes than places to
    fill promotes only its successes, and a bracket left with none ends early.

    Args:
        space: the search space.
        seed: seeds the configurations; the same seed gives the same trials.
        fidelity: the task's fidelity (required): the schedule spans ``fidelity.low`` .. ``fidelity.high``.
        eta: the halving rate (the paper's default 3).

    Raises:
        ValueError: if ``fidelity`` is missing or ``eta`` is not an int >= 2.

    Warns:
        UserWarning: if ``fidelity.high / fidelity.low < eta``: there is a single bracket and Hyperband is
            random search at full fidelity.
    """

    name = "hyperband"
    multi_fidelity = True
    #: What a single bracket (a fidelity range narrower than eta) leaves of the method, for its warning.
    _single_bracket = "random search"

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        eta: int = 3,
    ) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity)
        assert fidelity is not None  # the base class rejects a multi-fidelity method without one
        self.eta = _check_eta(eta, type(self).__name__)
        self.max_resource = fidelity.high / fidelity.low
        self.brackets = hyperband_brackets(self.max_resource, self.eta)
        self.s_max = self.brackets[0].s
        if self.s_max == 0:
            warnings.warn(
                f"The fidelity range of {fidelity.name!r} ({fidelity.low}..{fidelity.high}) is narrower than "
                f"eta={self.eta}: {type(self).__name__} has a single bracket and is {self._single_bracket} at full "
                "fidelity. Use a smaller eta or a task with a wider fidelity range.",
                UserWarning,
                stacklevel=1 + _init_frames(self),  # the user's call, past the __init__ of subclasses
            )
        self._design_rng = initial_design_rng(seed)
        self._running: list[_RunningBracket] = []
        self._n_brackets = 0
        self._slots: dict[int, tuple[_RunningBracket, int]] = {}

    # -- hooks for model-based variants (BOHB) ----------------------------------------------------
    def _sample_config(self, level: int) -> dict[str, Any]:
        """A new configuration for a bracket whose first rung is at budget ``level``."""
        return self.space.decode(self._design_rng.random(self.space.dim))

    def _observe_at_level(self, config: dict[str, Any], level: int, result: Result) -> None:
        """Learn from a result at budget ``level`` (Hyperband learns nothing)."""

    # -- the schedule -----------------------------------------------------------------------------
    def fidelity_of(self, level: int) -> float:
        """The task fidelity of budget ``level``: ``fidelity.high * eta^(level - s_max)``."""
        assert self.fidelity is not None
        return self.fidelity.clip(self.fidelity.high * float(self.eta) ** (level - self.s_max))

    def _start_bracket(self) -> _RunningBracket:
        spec = self.brackets[self._n_brackets % len(self.brackets)]
        bracket = _RunningBracket(spec, self._n_brackets)
        self._n_brackets += 1
        self._running.append(bracket)
        return bracket

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        bracket = next((b for b in self._running if b.can_ask), None) or self._start_bracket()
        slot = bracket.n_asked
        if bracket.rung == 0:
            bracket.configs.append(self._sample_config(bracket.level))
        bracket.n_asked += 1
        self._slots[trial_id] = (bracket, slot)
        return dict(bracket.configs[slot]), self.fidelity_of(bracket.level)

    def _tell(self, trial: Trial, result: Result) -> None:
        bracket, slot = self._slots.pop(trial.id)
        bracket.scores[slot] = math.nan if result.failed else float(result.score)
        self._observe_at_level(bracket.configs[slot], bracket.level, result)
        if len(bracket.scores) == bracket.rung_size:
            self._promote(bracket)

    def _cancel(self, trial: Trial) -> None:
        bracket, slot = self._slots.pop(trial.id)
        bracket.scores[slot] = math.nan  # never evaluated: left out of the promotion, as a failed trial is
        if len(bracket.scores) == bracket.rung_size:
            self._promote(bracket)

    def _promote(self, bracket: _RunningBracket) -> None:
        """Successive halving: move the best of a finished rung to the next one, or end the bracket."""
        rung = bracket.rung + 1
        successes = [slot for slot, score in bracket.scores.items() if not math.isnan(score)]
        if rung == len(bracket.spec.rungs) or not successes:
            self._running.remove(bracket)
            return
        # Best first; ties keep the order in which configurations were sampled.
        successes.sort(key=lambda slot: (-bracket.scores[slot], slot))
        keep = bracket.spec.rungs[rung][0]
        bracket.configs = [bracket.configs[slot] for slot in successes[:keep]]
        bracket.rung = rung
        bracket.n_asked = 0
        bracket.scores = {}
