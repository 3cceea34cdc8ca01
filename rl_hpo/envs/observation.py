"""The observation of a tuning episode: one builder shared by ``TuningEnv`` and ``PolicyOptimizer``.

A policy sees the history of a tuning run through a fixed-size vector made of two blocks:

- a **per-dimension block** of ``max_dim`` rows (one per search-space coordinate, padded with zero
  rows that the mask marks absent), each row the same features for every coordinate: the mask, the
  coordinate's kind (float / int / categorical, one-hot), its granularity (1 / number of levels for
  ints and categoricals), whether it is active at the incumbent (conditional parameters), the
  incumbent's coordinate, the offsets of the last ``history_len`` points from the incumbent, and the
  correlation of the coordinate with the scores seen so far, and (when ``identity_dim > 0``) an identity
  code of the parameter;
- a **global block**: the fraction of the budget used, the incumbent's normalized score, the last
  ``history_len`` normalized scores with flags telling which exist, the step scales that produced
  them, the evaluations since the last improvement, and 1 / dim (independent of ``max_dim``, so padding
  never changes what the network computes).

Scores are standardized within the episode (mean and standard deviation of the scores seen so far,
clipped to ``[-score_clip, score_clip]``) and never use the task's true optimum, so one policy works
across tasks whose metrics differ in scale. A failed evaluation counts as the worst score seen so far.

Every row of the per-dimension block is built by the same code from the same kinds of numbers, so a
network that applies one shared function to every row (``rl_hpo.agents``) is independent of the
dimension and of the order of the coordinates.

Identity codes. Types alone cannot tell a learning rate from a dropout rate, yet datasets tuned over the
same search space share their good regions (every lcbench dataset prefers similar settings). A parameter
of a *known* search space (one the policy was trained on, recognized by ``SearchSpace.fingerprint``) gets a
fixed pseudo-random code derived from the space's fingerprint and the parameter's name; a parameter of any
other space gets zeros. Training hides the codes in a share of its episodes, so the policy also learns to
tune without them, which is what it does on a space it never saw.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from rl_hpo.space import Categorical, Int, SearchSpace

if TYPE_CHECKING:
    import torch

__all__ = [
    "DIM_FEATURES",
    "GLOBAL_FEATURES_FIXED",
    "EpisodeHistory",
    "ObservationLayout",
    "SpaceFeatures",
    "identity_codes",
]

#: Kinds of coordinates, in the order of their one-hot columns.
KINDS = ("float", "int", "categorical")

#: Names of the per-dimension features before the ``history_len`` offsets ("delta_1" .. "delta_k").
DIM_FEATURES = ("mask", "is_float", "is_int", "is_categorical", "granularity", "active", "incumbent")
#: Names of the per-dimension features after the offsets.
DIM_FEATURES_TAIL = ("score_correlation",)
#: Global features besides the per-point ones.
GLOBAL_FEATURES_FIXED = ("budget_used", "incumbent_score", "since_improvement", "inverse_dim")

#: Observations as ``ObservationLayout.split`` takes them: numpy arrays (inference) or torch tensors (training).
_Array = TypeVar("_Array", np.ndarray, "torch.Tensor")

# Column indices of the per-dimension block.
_C_MASK, _C_KIND, _C_GRAN, _C_ACTIVE, _C_INC, _C_DELTA = 0, 1, 4, 5, 6, 7
# Global block: fixed features first, then three groups of history_len entries.
_G_BUDGET, _G_INC, _G_STALL, _G_DIM, _G_HIST = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class ObservationLayout:
    """Shape and meaning of the observation vector.

    Attributes:
        max_dim: the largest search-space dimension the observation holds; smaller spaces are padded.
        history_len: how many of the last evaluated points the observation shows.
        score_clip: standardized scores are clipped to ``[-score_clip, score_clip]``.
        identity_dim: length of the per-parameter identity code (0: no identity columns).
    """

    max_dim: int = 16
    history_len: int = 5
    score_clip: float = 5.0
    identity_dim: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.max_dim, int) and not isinstance(self.max_dim, bool) and self.max_dim >= 1):
            raise ValueError(f"The 'max_dim' parameter must be an int >= 1. Got {self.max_dim!r} instead.")
        if not (isinstance(self.history_len, int) and not isinstance(self.history_len, bool) and self.history_len >= 1):
            raise ValueError(f"The 'history_len' parameter must be an int >= 1. Got {self.history_len!r} instead.")
        if not (isinstance(self.score_clip, int | float) and self.score_clip >= 1):
            raise ValueError(f"The 'score_clip' parameter must be a number >= 1. Got {self.score_clip!r} instead.")
        if not (
            isinstance(self.identity_dim, int) and not isinstance(self.identity_dim, bool) and self.identity_dim >= 0
        ):
            raise ValueError(f"The 'identity_dim' parameter must be an int >= 0. Got {self.identity_dim!r} instead.")

    @property
    def n_dim_features(self) -> int:
        """Features per coordinate (columns of the per-dimension block)."""
        return len(DIM_FEATURES) + self.history_len + len(DIM_FEATURES_TAIL) + self.identity_dim

    @property
    def identity_column(self) -> int:
        """The first column of the identity code in the per-dimension block."""
        return len(DIM_FEATURES) + self.history_len + len(DIM_FEATURES_TAIL)

    @property
    def n_global_features(self) -> int:
        return len(GLOBAL_FEATURES_FIXED) + 3 * self.history_len

    @property
    def size(self) -> int:
        """Length of the flat observation vector."""
        return self.max_dim * self.n_dim_features + self.n_global_features

    @property
    def bound(self) -> float:
        """Every entry of the observation lies in ``[-bound, bound]``."""
        return float(self.score_clip)

    def dim_feature_names(self) -> list[str]:
        k = self.history_len
        return [
            *DIM_FEATURES,
            *(f"delta_{i + 1}" for i in range(k)),
            *DIM_FEATURES_TAIL,
            *(f"identity_{i + 1}" for i in range(self.identity_dim)),
        ]

    def global_feature_names(self) -> list[str]:
        k = range(1, self.history_len + 1)
        return [
            *GLOBAL_FEATURES_FIXED,
            *(f"score_{i}" for i in k),
            *(f"present_{i}" for i in k),
            *(f"scale_{i}" for i in k),
        ]

    def split(self, obs: _Array) -> tuple[_Array, _Array]:
        """Split flat observations ``(..., size)`` into ``(..., max_dim, n_dim_features)`` and globals (numpy
        arrays or torch tensors)."""
        n = self.max_dim * self.n_dim_features
        per_dim = obs[..., :n].reshape(*obs.shape[:-1], self.max_dim, self.n_dim_features)
        return per_dim, obs[..., n:]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (written into policy files)."""
        return {
            "max_dim": self.max_dim,
            "history_len": self.history_len,
            "score_clip": float(self.score_clip),
            "identity_dim": self.identity_dim,
            "score_normalization": "standardized within the episode, failed trials as the worst score seen",
            "size": self.size,
            "dim_features": self.dim_feature_names(),
            "global_features": self.global_feature_names(),
            "order": "per-dimension block (max_dim rows, row-major) then the global block",
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObservationLayout:
        """The layout described by ``to_dict`` output; raises ``ValueError`` when it does not match."""
        layout = cls(
            int(data["max_dim"]),
            int(data["history_len"]),
            float(data["score_clip"]),
            int(data.get("identity_dim", 0)),
        )
        if (
            data.get("dim_features", layout.dim_feature_names()) != layout.dim_feature_names()
            or data.get("global_features", layout.global_feature_names()) != layout.global_feature_names()
        ):
            raise ValueError(
                "The observation layout lists features this version of rl_hpo does not build; "
                f"expected {layout.dim_feature_names()} and {layout.global_feature_names()}."
            )
        return layout


def identity_codes(space: SearchSpace, size: int) -> np.ndarray:
    """The identity code of every parameter of ``space``: shape (dim, size), entries in [-3, 3].

    A code depends only on the space's fingerprint and the parameter's name, so it is the same in every
    process and version; it is a clipped standard normal vector drawn from a generator seeded by their hash.
    """
    fingerprint = space.fingerprint()
    codes = np.zeros((space.dim, size), dtype=np.float32)
    for j, name in enumerate(space.names):
        digest = hashlib.sha256(f"{fingerprint}/{name}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
        codes[j] = np.clip(rng.standard_normal(size), -3.0, 3.0)
    return codes


class SpaceFeatures:
    """The static part of the per-dimension block for one search space (computed once per space).

    Args:
        space: the search space.
        layout: the observation layout; ``space.dim`` must not exceed ``layout.max_dim``.
        identified: fill in the parameters' identity codes (for a space the policy knows); otherwise
            the identity columns stay zero.

    Raises:
        ValueError: if the space has more coordinates than ``layout.max_dim``.
    """

    def __init__(self, space: SearchSpace, layout: ObservationLayout, *, identified: bool = False) -> None:
        if space.dim > layout.max_dim:
            raise ValueError(
                f"The search space has {space.dim} dimensions but the observation holds at most "
                f"max_dim={layout.max_dim}; use a policy trained with max_dim >= {space.dim} or a smaller space."
            )
        self.space = space
        self.dim = space.dim
        self.has_conditions = space.has_conditions
        static = np.zeros((layout.max_dim, layout.n_dim_features), dtype=np.float32)
        for j, name in enumerate(space.names):
            param = space[name]
            static[j, _C_MASK] = 1.0
            static[j, _C_KIND + KINDS.index(param.kind)] = 1.0
            if isinstance(param, Categorical):
                static[j, _C_GRAN] = 1.0 / len(param.choices)
            elif isinstance(param, Int):
                static[j, _C_GRAN] = 1.0 / (int(param.high) - int(param.low) + 1)
            static[j, _C_ACTIVE] = 1.0
        self.identified = bool(identified and layout.identity_dim > 0)
        if self.identified:
            c = layout.identity_column
            static[: self.dim, c : c + layout.identity_dim] = identity_codes(space, layout.identity_dim)
        self.static = static


class EpisodeHistory:
    """Bookkeeping of one tuning run and the observation a policy sees of it.

    ``TuningEnv`` and ``PolicyOptimizer`` both record every evaluated cube point here and build the
    observation with ``observation()``, so training and use see exactly the same numbers.

    Args:
        layout: the observation layout.
        space: the search space of the run, or its precomputed ``SpaceFeatures``.
        horizon: the budget the run plans for (the budget fraction saturates at 1 beyond it).
    """

    def __init__(self, layout: ObservationLayout, space: SearchSpace | SpaceFeatures, horizon: int) -> None:
        if not (isinstance(horizon, int | np.integer) and horizon >= 1):
            raise ValueError(f"The 'horizon' parameter must be an int >= 1. Got {horizon!r} instead.")
        self.layout = layout
        self.features = space if isinstance(space, SpaceFeatures) else SpaceFeatures(space, layout)
        self.horizon = int(horizon)
        self.dim = self.features.dim
        capacity = max(self.horizon, 8)
        self._u = np.zeros((capacity, self.dim))
        self._y = np.zeros(capacity)
        self._scale = np.zeros(capacity)
        self._n = 0
        self._n_failed = 0
        self._best_index = -1
        self._last_improvement = 0
        self._active = np.ones(self.dim, dtype=np.float32)
        # Running sums over successful evaluations (scores shifted by the first success for accuracy);
        # they make the observation O(dim * history_len) per step instead of O(n_evals * dim).
        self._shift = math.nan
        self._n_ok = 0
        self._s_y = 0.0
        self._s_yy = 0.0
        self._s_x = np.zeros(self.dim)
        self._s_xx = np.zeros(self.dim)
        self._s_xy = np.zeros(self.dim)
        self._obs = np.zeros(layout.size, dtype=np.float32)
        n_block = layout.max_dim * layout.n_dim_features
        self._per_dim = self._obs[:n_block].reshape(layout.max_dim, layout.n_dim_features)
        self._global = self._obs[n_block:]
        self._per_dim[:] = self.features.static
        self._global[_G_DIM] = 1.0 / self.dim

    # -- recording ------------------------------------------------------------------------------
    @property
    def n_evals(self) -> int:
        return self._n

    @property
    def points(self) -> np.ndarray:
        """The evaluated cube points so far, shape (n_evals, dim) (a view; do not modify)."""
        return self._u[: self._n]

    @property
    def scores(self) -> np.ndarray:
        """The raw scores so far, NaN for failed evaluations (a view; do not modify)."""
        return self._y[: self._n]

    @property
    def has_success(self) -> bool:
        return self._best_index >= 0

    @property
    def incumbent(self) -> np.ndarray:
        """The best point so far (the first point while every evaluation failed)."""
        return self._u[max(self._best_index, 0)]

    @property
    def best_score(self) -> float:
        """The best raw score so far (NaN while there is none)."""
        return float(self._y[self._best_index]) if self._best_index >= 0 else math.nan

    @property
    def since_improvement(self) -> int:
        """Evaluations since the incumbent last changed."""
        return self._n - self._last_improvement

    def add(self, u: np.ndarray, score: float, scale_code: float = 1.0) -> bool:
        """Record one evaluation.

        Args:
            u: the evaluated cube point, shape (dim,).
            score: its raw score (higher is better); NaN or infinite marks a failed evaluation.
            scale_code: the step-scale action coordinate in [-1, 1] that produced the point (1 for
                points that did not come from a policy step: the initial design, random exploration).

        Returns:
            Whether the point became the new incumbent.
        """
        if self._n == len(self._y):
            self._u = np.concatenate([self._u, np.zeros_like(self._u)])
            self._y = np.concatenate([self._y, np.zeros_like(self._y)])
            self._scale = np.concatenate([self._scale, np.zeros_like(self._scale)])
        i = self._n
        x = self._u[i]
        x[:] = u
        score = float(score)
        failed = not math.isfinite(score)
        self._y[i] = math.nan if failed else score
        self._scale[i] = scale_code
        self._n = i + 1
        if failed:
            self._n_failed += 1
            return False
        if self._n_ok == 0:
            self._shift = score
        ys = score - self._shift
        self._n_ok += 1
        self._s_y += ys
        self._s_yy += ys * ys
        self._s_x += x
        self._s_xx += x * x
        self._s_xy += x * ys
        if self._best_index < 0 or score > self._y[self._best_index]:
            self._best_index = i
            self._last_improvement = self._n
            if self.features.has_conditions:
                _, active = self.features.space.decode_numeric(x[None, :])
                self._active = active[0].astype(np.float32)
            return True
        return False

    # -- the observation ------------------------------------------------------------------------
    def _filled_scores(self) -> np.ndarray:
        """Scores with failures replaced by the worst successful score (all zeros without a success)."""
        y = self._y[: self._n]
        if not self._n_failed:
            return y
        if self._best_index < 0:
            return np.zeros(self._n)
        return np.where(np.isnan(y), np.nanmin(y), y)

    def _moments(self) -> tuple[float, float, float, np.ndarray]:
        """How to standardize scores, and each coordinate's correlation with them.

        Returns:
            ``(scale, mean, sd, corr)``: a score ``y`` standardizes to ``(y / scale - mean) / sd``; ``sd`` is
            0 when the scores do not vary.
        """
        n = self._n
        if self._n_failed == 0 and math.isfinite(self._s_yy):
            scale = 1.0
            my = self._s_y / n
            var_y = max(self._s_yy / n - my * my, 0.0)
            mx = self._s_x / n
            var_x = np.maximum(self._s_xx / n - mx * mx, 0.0)
            cov = self._s_xy / n - mx * my
            mean = self._shift + my
        else:
            # Failures (filled with the worst score) or scores so large that squares overflow: recompute
            # from the scores, scaled by their largest magnitude.
            y = self._filled_scores()
            scale = float(np.abs(y).max()) or 1.0
            y = y / scale
            x = self._u[:n]
            mean = float(y.mean())
            yc = y - mean
            var_y = float((yc * yc).mean())
            xc = x - x.mean(axis=0)
            var_x = (xc * xc).mean(axis=0)
            cov = xc.T @ yc / n
        sd = math.sqrt(var_y)
        if not sd > 1e-12 * (1.0 + abs(mean)):
            return scale, mean, 0.0, np.zeros(self.dim)
        # No floor on the scores' spread (sd is above zero relative to the mean, and a floor would shrink the
        # correlations of tiny scores); a coordinate that never moved (its variance a rounding error) has none.
        moved = var_x > 1e-12
        corr = np.divide(cov, np.sqrt(var_x) * sd, out=np.zeros(self.dim), where=moved)
        return scale, mean, sd, np.minimum(np.maximum(corr, -1.0), 1.0)

    def normalized_scores(self) -> np.ndarray:
        """All scores standardized within the run, failures as the worst score seen, clipped."""
        scale, mean, sd, _ = self._moments()
        if sd == 0.0:
            return np.zeros(self._n)
        clip = self.layout.score_clip
        return np.clip((self._filled_scores() / scale - mean) / sd, -clip, clip)

    def observation(self) -> np.ndarray:
        """The flat float32 observation vector of ``layout.size`` entries, all in ``[-bound, bound]``."""
        n, d, k = self._n, self.dim, self.layout.history_len
        if n == 0:
            raise RuntimeError("The observation needs at least one evaluated point; add the initial design first.")
        scale, mean, sd, corr = self._moments()
        m = min(k, n)
        best = max(self._best_index, 0)
        inc = self._u[best]
        y_recent = self._filled_scores()[n - m : n][::-1]  # most recent first
        if sd > 0.0:
            clip = self.layout.score_clip
            z_recent = np.minimum(np.maximum((y_recent / scale - mean) / sd, -clip), clip)
            z_best = (float(self._y[best]) / scale - mean) / sd
            z_inc = min(clip, max(-clip, z_best)) if self._best_index >= 0 else 0.0
        else:
            z_recent = np.zeros(m)
            z_inc = 0.0
        per_dim, glob = self._per_dim, self._global
        per_dim[:d, _C_ACTIVE] = self._active
        per_dim[:d, _C_INC] = 2.0 * inc - 1.0
        per_dim[:d, _C_DELTA : _C_DELTA + m] = (self._u[n - m : n][::-1] - inc).T
        per_dim[:d, _C_DELTA + m : _C_DELTA + k] = 0.0
        per_dim[:d, _C_DELTA + k] = corr
        glob[_G_BUDGET] = min(1.0, n / self.horizon)
        glob[_G_INC] = z_inc
        glob[_G_STALL] = min(1.0, (n - self._last_improvement) / self.horizon)
        h = _G_HIST
        glob[h : h + m] = z_recent
        glob[h + m : h + k] = 0.0
        glob[h + k : h + k + m] = 1.0
        glob[h + k + m : h + 2 * k] = 0.0
        glob[h + 2 * k : h + 2 * k + m] = self._scale[n - m : n][::-1]
        glob[h + 2 * k + m : h + 3 * k] = 0.0
        return self._obs.copy()
