"""BOHB (Falkner et al., ICML 2018): Hyperband's schedule with a kernel-density model proposing configurations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rl_hpo.baselines._kde import MixedKDE
from rl_hpo.baselines.hyperband import Hyperband
from rl_hpo.space import Categorical, SearchSpace
from rl_hpo.tasks.base import Fidelity, Result

__all__ = ["BOHB"]


class BOHB(Hyperband):
    """Bayesian optimization and Hyperband: Hyperband whose new configurations come from a TPE-like model.

    References:
        Falkner, Klein and Hutter, "BOHB: Robust and Efficient Hyperparameter Optimization at Scale",
        ICML 2018; the reference implementation HpBandSter (``hpbandster/optimizers/config_generators/
        bohb.py``), whose model rules this class follows.

    The schedule is Hyperband's (``rl_hpo.baselines.hyperband``, same ``eta``, brackets and asynchronous behaviour):
    a bracket's first rung has ``ceil((s_max + 1) / (s + 1) * eta**s)`` configurations, as in the Hyperband paper,
    where HpBandSter takes ``floor((s_max + 1) / (s + 1)) * eta**s`` (81 / 34 / 15 / 8 / 5 against 81 / 27 / 9 / 6 /
    5 for 81 budget units and eta 3). Each new configuration is, with probability ``random_fraction`` or while there
    is no model yet, a uniform random draw (continuing the shared initial design of ``seed``, so the first bracket
    starts like Hyperband's and random search's); otherwise it is the best of ``num_samples`` candidates under the
    ratio ``g(x) / l(x)`` of two kernel density estimates fitted on the largest budget that has a model: ``l`` on
    the best ``top_n_percent`` of that budget's configurations, ``g`` on the rest. Candidates are drawn around
    random points of ``l``, with its continuous bandwidths widened by ``bandwidth_factor`` (truncated normals in the
    unit cube) and each categorical kept with probability ``1 - lambda`` or else redrawn uniformly.

    The model of a budget, as in HpBandSter: with N results on that budget, ``n_good =
    max(min_points_in_model, floor(top_n_percent * N / 100))`` best configurations make ``l`` and the next
    ``max(min_points_in_model, floor((100 - top_n_percent) * N / 100))`` make ``g``; the model exists once
    both sets have more rows than the space has dimensions, i.e. from ``N = n_good + d + 1``
    (``2 (d + 1)`` results with the default ``min_points_in_model = d + 1``). Results on a budget below
    the largest one with a model are not recorded (they would never be used). Inactive conditional
    parameters are imputed from a random row of the same set where they are active, or uniformly when none
    is. Failed trials count as the worst results (``g``), as in HpBandSter, and are never promoted.

    Kernels (``rl_hpo.baselines._kde.MixedKDE``): Gaussian on the unit-cube coordinate of float and integer
    parameters, Aitchison-Aitken on categorical choices, bandwidths by the normal-reference rule and at
    least ``min_bandwidth``, written in numpy instead of statsmodels (not a dependency).

    Args:
        space: the search space.
        seed: seeds the configurations and the model's sampling; the same seed gives the same trials.
        fidelity: the task's fidelity (required).
        eta: Hyperband's halving rate.
        top_n_percent: percentage of the results that make the good density ``l`` (paper: 15).
        num_samples: candidates drawn per model-based configuration (paper: 64).
        random_fraction: share of configurations drawn uniformly at random even with a model (paper: 1/3).
        bandwidth_factor: widening of the continuous bandwidths when drawing candidates (paper: 3).
        min_bandwidth: the smallest bandwidth (paper: 1e-3).
        min_points_in_model: the least rows of each density; None: ``d + 1``, also its minimum.

    Raises:
        ValueError: for an option outside its range, naming it.
    """

    name = "bohb"
    _single_bracket = "its model-based search"

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        eta: int = 3,
        top_n_percent: int = 15,
        num_samples: int = 64,
        random_fraction: float = 1 / 3,
        bandwidth_factor: float = 3.0,
        min_bandwidth: float = 1e-3,
        min_points_in_model: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity, eta=eta)
        d = space.dim
        _check_int("top_n_percent", top_n_percent, 1, 99)
        _check_int("num_samples", num_samples, 1, None)
        _check_real("random_fraction", random_fraction, 0.0, 1.0)
        _check_real("bandwidth_factor", bandwidth_factor, 0.0, None, open_low=True)
        _check_real("min_bandwidth", min_bandwidth, 0.0, None, open_low=True)
        if min_points_in_model is None:
            min_points_in_model = d + 1
        _check_int("min_points_in_model", min_points_in_model, d + 1, None)
        self.top_n_percent = int(top_n_percent)
        self.num_samples = int(num_samples)
        self.random_fraction = float(random_fraction)
        self.bandwidth_factor = float(bandwidth_factor)
        self.min_bandwidth = float(min_bandwidth)
        self.min_points_in_model = int(min_points_in_model)
        # The model's own stream (coin flips, candidates, imputation), apart from the shared design stream.
        self._rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        self._n_choices = np.array([len(p.choices) if isinstance(p, Categorical) else 0 for p in space.values()])
        self._vectors: dict[int, list[np.ndarray]] = {}
        self._losses: dict[int, list[float]] = {}
        #: budget level -> (good density l, bad density g)
        self.models_: dict[int, tuple[MixedKDE, MixedKDE]] = {}

    # -- the model --------------------------------------------------------------------------------
    def _vector(self, config: dict[str, Any]) -> np.ndarray:
        """The model's representation: unit-cube coordinates, choice indices, NaN where inactive."""
        out = np.full(self.space.dim, np.nan)
        for j, (name, param) in enumerate(self.space.items()):
            if name in config:
                out[j] = param.index(config[name]) if isinstance(param, Categorical) else param.to_unit(config[name])
        return out

    def _observe_at_level(self, config: dict[str, Any], level: int, result: Result) -> None:
        if self.models_ and max(self.models_) > level:
            return
        loss = math.inf if result.failed else -float(result.score)
        self._vectors.setdefault(level, []).append(self._vector(config))
        self._losses.setdefault(level, []).append(loss)
        self._fit(level)

    def _fit(self, level: int) -> None:
        vectors = np.array(self._vectors[level])
        n, d = vectors.shape
        if n < self.min_points_in_model:
            return
        n_good = max(self.min_points_in_model, (self.top_n_percent * n) // 100)
        n_bad = max(self.min_points_in_model, ((100 - self.top_n_percent) * n) // 100)
        order = np.argsort(np.array(self._losses[level]), kind="stable")
        good = vectors[order[:n_good]]
        bad = vectors[order[n_good : n_good + n_bad]]
        if good.shape[0] <= d or bad.shape[0] <= d:
            return
        self.models_[level] = (
            MixedKDE(self._impute(good), self._n_choices, min_bandwidth=self.min_bandwidth),
            MixedKDE(self._impute(bad), self._n_choices, min_bandwidth=self.min_bandwidth),
        )

    def _impute(self, array: np.ndarray) -> np.ndarray:
        """Fill inactive (NaN) entries from a random row of ``array`` where they are active, else uniformly."""
        out = array.copy()
        for i in np.flatnonzero(np.isnan(array).any(axis=1)):  # a complete row draws nothing: not visited
            row = out[i]
            missing = np.flatnonzero(np.isnan(row))
            while missing.size:
                j = missing[0]
                donors = np.flatnonzero(np.isfinite(array[:, j]))
                if donors.size:
                    row[missing] = array[self._rng.choice(donors), missing]
                elif self._n_choices[j]:
                    row[j] = self._rng.integers(self._n_choices[j])
                else:
                    row[j] = self._rng.random()
                missing = np.flatnonzero(np.isnan(row))
        return out

    def _sample_config(self, level: int) -> dict[str, Any]:
        if not self.models_ or self._rng.random() < self.random_fraction:
            return super()._sample_config(level)
        from scipy.stats import truncnorm

        good, bad = self.models_[max(self.models_)]
        centres = good.data[self._rng.integers(good.data.shape[0], size=self.num_samples)]
        candidates = centres.copy()
        cont = ~good.categorical
        if cont.any():
            m = centres[:, cont]
            h = self.bandwidth_factor * np.maximum(good.bandwidth[cont], self.min_bandwidth)
            candidates[:, cont] = truncnorm.rvs(-m / h, (1 - m) / h, loc=m, scale=h, random_state=self._rng)
        for j in np.flatnonzero(good.categorical):
            redraw = self._rng.random(self.num_samples) >= 1 - good.bandwidth[j]
            candidates[redraw, j] = self._rng.integers(self._n_choices[j], size=int(redraw.sum()))
        # HpBandSter minimizes max(1e-32, g) / max(l, 1e-32); the same in logs.
        floor = math.log(1e-32)
        ratio = np.maximum(bad.log_pdf(candidates), floor) - np.maximum(good.log_pdf(candidates), floor)
        best = candidates[int(np.argmin(ratio))]
        u = np.where(good.categorical, (best + 0.5) / np.maximum(self._n_choices, 1), best)
        return self.space.decode(np.clip(u, 0.0, 1.0))


def _check_int(name: str, value: Any, low: int, high: int | None) -> None:
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        bound = "inf)" if high is None else f"{high}]"
        raise ValueError(f"The '{name}' parameter of BOHB must be an int in [{low}, {bound}. Got {value!r} instead.")


def _check_real(name: str, value: Any, low: float, high: float | None, *, open_low: bool = False) -> None:
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and (value > low if open_low else value >= low)
    if not ok or (high is not None and value > high):
        left = "(" if open_low else "["
        bound = "inf)" if high is None else f"{high}]"
        raise ValueError(
            f"The '{name}' parameter of BOHB must be a float in {left}{low}, {bound}. Got {value!r} instead."
        )
