"""From a policy's action to the next point to evaluate, shared by ``TuningEnv`` and ``PolicyOptimizer``.

An action is a vector in ``[-1, 1]^(max_dim + 1)``: a direction for each of the ``max_dim`` coordinate
slots (only the first ``dim`` are used) and one step-scale coordinate ``a_s`` mapped log-uniformly to
``scale = min_scale * (max_scale / min_scale) ** ((a_s + 1) / 2)``. The next point is

    u_next = clip(incumbent + scale * direction, 0, 1)

Moving from the incumbent rather than from the last point makes the policy a learned local search with
a learned trust region: a bad step costs one evaluation and never drags the search away from the best
region found, and the policy needs no "go back" move. The last points stay in the observation so the
policy still knows what was tried around the incumbent.

``ExplorationFloor`` is the safety net: with probability ``random_prob``, or after ``patience``
evaluations without improvement, the next point is drawn uniformly from the cube instead. A policy
out of its depth then degrades towards random search rather than collapsing onto one point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rl_hpo.envs.observation import EpisodeHistory

__all__ = ["ActionMapping", "ExplorationFloor"]


@dataclass(frozen=True)
class ActionMapping:
    """The map from an action in ``[-1, 1]^(max_dim + 1)`` to a cube point.

    Attributes:
        min_scale: the step scale of action coordinate ``a_s = -1``.
        max_scale: the step scale of ``a_s = +1``.
    """

    min_scale: float = 1e-2
    max_scale: float = 1.0

    def __post_init__(self) -> None:
        if not (0 < self.min_scale < self.max_scale):
            raise ValueError(
                f"ActionMapping needs 0 < min_scale < max_scale, got min_scale={self.min_scale}, "
                f"max_scale={self.max_scale}."
            )

    def scale(self, code: float) -> float:
        """The step scale of the action coordinate ``code`` (clipped to [-1, 1])."""
        t = (min(1.0, max(-1.0, float(code))) + 1.0) / 2.0
        return self.min_scale * math.exp(t * math.log(self.max_scale / self.min_scale))

    def apply(self, incumbent: np.ndarray, action: np.ndarray) -> tuple[np.ndarray, float]:
        """The next point and its scale code.

        Args:
            incumbent: the current best cube point, shape (dim,).
            action: shape (max_dim + 1,); entries outside [-1, 1] are clipped.

        Returns:
            ``(u_next, scale_code)`` with ``u_next`` of shape (dim,) inside the unit cube.
        """
        d = incumbent.shape[0]
        code = min(1.0, max(-1.0, float(action[-1])))
        # np.minimum/np.maximum in place: np.clip's Python wrapper costs more than the arithmetic here.
        u = np.minimum(np.maximum(np.asarray(action[:d], dtype=np.float64), -1.0), 1.0)
        u *= self.scale(code)
        u += incumbent
        np.maximum(u, 0.0, out=u)
        np.minimum(u, 1.0, out=u)
        return u, code

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": "incumbent_step",
            "formula": "u = clip(incumbent + scale * a[:dim], 0, 1); "
            "scale = min_scale * (max_scale / min_scale) ** ((a[-1] + 1) / 2)",
            "min_scale": self.min_scale,
            "max_scale": self.max_scale,
        }


@dataclass(frozen=True)
class ExplorationFloor:
    """When to replace the policy's proposal by a uniformly random point.

    Attributes:
        random_prob: the probability of a random point at every step.
        patience: after this many evaluations without improvement, the next point is random (and the
            count restarts); None disables it.
    """

    random_prob: float = 0.0
    patience: int | None = None

    def __post_init__(self) -> None:
        if not (0.0 <= self.random_prob <= 1.0):
            raise ValueError(
                f"The 'random_prob' parameter must be a float in [0, 1]. Got {self.random_prob!r} instead."
            )
        if self.patience is not None and not (isinstance(self.patience, int) and self.patience >= 1):
            raise ValueError(f"The 'patience' parameter must be an int >= 1 or None. Got {self.patience!r} instead.")

    @property
    def active(self) -> bool:
        return self.random_prob > 0 or self.patience is not None

    def explore(self, history: EpisodeHistory, rng: np.random.Generator) -> bool:
        """Whether the next point should be random (draws from ``rng`` only when ``random_prob > 0``)."""
        if self.patience is not None:
            stall = history.since_improvement
            if stall >= self.patience and stall % self.patience == 0:
                return True
        return self.random_prob > 0 and rng.random() < self.random_prob
