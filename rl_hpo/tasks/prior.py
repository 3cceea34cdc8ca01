"""``prior/gp/<seed>`` and ``prior/edges/<seed>``: functions drawn from GP priors over random mixed search spaces.

A policy that must tune search spaces it never saw is trained on a broad prior of functions instead of on
one benchmark (as MetaBO and PFNs4BO are; see ../shared/FINDINGS.md). Each seed draws:

- a search space of 1..32 parameters (log-uniform): floats, ints with 2..50 levels, categoricals with
  2..6 choices, and sometimes parameters conditional on the first categorical;
- a function from a GP prior through random Fourier features (Rahimi & Recht, NeurIPS 2007): Matérn-3/2,
  Matérn-5/2 or squared-exponential spectra, one lengthscale per parameter (log-uniform in 0.05..1), a
  share of parameters that do not matter at all, and sometimes a smooth bowl around a random optimum;
- an output warp (none, a saturating one like accuracy, or a skewed one like a loss on a log scale) and
  sometimes a little observation noise, drawn once per configuration (as a fixed cross-validation split or
  training seed makes it), so a configuration scores the same in every run whatever ran before it.

``prior/gp-<D>d/<seed>`` (and ``prior/edges-<D>d/<seed>``) draws the same way over a space of exactly ``D``
parameters, 1..``MAX_FIXED_DIM``: a function of many parameters of which a share does not matter, for studies
beyond the 32 parameters the training prior reaches (``prior/gp-50d``).

``prior/edges/<seed>`` is the same function plus a linear trend along a random share of the relevant ordered
(float and int) parameters, strong enough that their best values lie at an end of the range, as the best
learning rate, number of units or regularization often does at a bound of a human-chosen range.

A categorical choice acts as a random position on a hidden axis, an int as its bin's centre, and an
inactive parameter as the middle of its range. Score bounds are the extremes of 1,000 random points,
the best raised by a short local search; they serve the reward scale in training and normalized regret.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from rl_hpo.exceptions import TaskNotFoundError
from rl_hpo.space import Categorical, Condition, Float, Int, Param, SearchSpace
from rl_hpo.tasks.base import Result, ScoreBounds, Task
from rl_hpo.tasks.registry import Suite, written_integer

__all__ = ["DESCRIPTION", "MAX_FIXED_DIM", "SCENARIOS", "GPPriorTask", "load_suite", "make_task", "suite_names"]

DESCRIPTION = (
    "functions drawn from GP priors over random mixed search spaces (1-32 parameters), for training; "
    "prior/edges adds trends that put some best values at an end of their range; prior/gp-50d (any 1..64) "
    "fixes the number of parameters"
)
#: ``gp``: the functions below; ``edges``: the same functions plus a monotone trend along some ordered
#: parameters, whose best values then lie at an end of their range, as they often do in real search spaces.
SCENARIOS = ("gp", "edges")
SPLIT_SEEDS = {"train": range(0, 5000), "validation": range(5000, 5064), "test": range(5064, 5128)}
MAX_DIM = 32
#: The most parameters a fixed-dimension scenario (``gp-<D>d``) takes.
MAX_FIXED_DIM = 64
_N_FEATURES = 256
_N_BOUND_SAMPLES = 1000
_STREAM = 0x6F9


class GPPriorTask(Task):
    """One function of the GP prior (see the module docstring).

    Args:
        seed: the draw (space, function, warp, noise).
        edges: add the trends of ``prior/edges``.
        dim: the number of parameters, 1..``MAX_FIXED_DIM`` (default: drawn, 1..``MAX_DIM``).
        name: the task's name (default ``prior/gp/<seed>``, ``prior/gp-<dim>d/<seed>`` with ``dim``).
    """

    def __init__(self, seed: int, *, edges: bool = False, dim: int | None = None, name: str | None = None) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"The 'seed' parameter of GPPriorTask must be an int >= 0. Got {seed!r} instead.")
        if dim is not None and (
            isinstance(dim, bool) or not isinstance(dim, int | np.integer) or not 1 <= dim <= MAX_FIXED_DIM
        ):
            raise ValueError(f"The 'dim' parameter of GPPriorTask must be an int in [1, {MAX_FIXED_DIM}]. Got {dim!r}.")
        self.seed = int(seed)
        self.edges = bool(edges)
        self.name = name or f"prior/{_scenario_name(self.edges, dim)}/{self.seed}"
        rng = np.random.default_rng([_STREAM, self.seed])
        self.space, self._levels = _draw_space(rng, dim)
        dim = self.space.dim
        self._cat_pos = [rng.random(int(n)) for n in self._levels]  # hidden axis position per category
        ls = np.exp(rng.uniform(math.log(0.05), math.log(1.0), dim))
        relevant = rng.random(dim) >= rng.uniform(0.0, 0.5)
        relevant[rng.integers(dim)] = True
        #: Which parameters the function depends on (one flag per parameter; the others it ignores).
        self.relevant = relevant.copy()
        nu = rng.choice([1.5, 2.5, math.inf])
        omega = rng.standard_normal((_N_FEATURES, dim))
        if math.isfinite(nu):  # a Matérn spectrum is a multivariate t with 2 nu degrees of freedom
            omega /= np.sqrt(rng.chisquare(2 * nu, size=(_N_FEATURES, 1)) / (2 * nu))
        self._omega = omega * np.where(relevant, 1.0 / ls, 0.0)
        self._phase = rng.uniform(0.0, 2 * math.pi, _N_FEATURES)
        self._weight = rng.standard_normal(_N_FEATURES) * math.sqrt(2.0 / _N_FEATURES)
        self._bowl = float(rng.choice([0.0, rng.uniform(0.5, 3.0)], p=[0.5, 0.5]))
        self._centre = rng.random(dim)
        self._bowl_scale = np.where(relevant, ls.mean() / ls, 0.0) / max(1.0, math.sqrt(relevant.sum()))
        # prior/edges: the same function plus a monotone trend along some ordered parameters, so that their best
        # value lies at an end of the range (drawn from a stream of its own: prior/gp/<s> is unchanged).
        self._trend = np.zeros(dim)
        if self.edges:
            trend_rng = np.random.default_rng([_STREAM, self.seed, 2])
            ordered = relevant & np.array([not isinstance(p, Categorical) for p in self.space.values()])
            chosen = ordered & (trend_rng.random(dim) < trend_rng.uniform(0.3, 0.8))
            slope = trend_rng.uniform(2.0, 5.0, dim) * np.where(trend_rng.random(dim) < 0.5, -1.0, 1.0)
            self._trend = np.where(chosen, slope, 0.0)
        self._warp = str(rng.choice(["none", "saturate", "skew"]))
        self._warp_rate = float(rng.uniform(0.5, 2.0))
        self._noise = float(rng.choice([0.0, rng.uniform(0.005, 0.05)], p=[0.8, 0.2]))
        sample = rng.random((_N_BOUND_SAMPLES, dim))
        raw = self._latent(sample)
        self._shift, self._scale = float(raw.mean()), float(raw.std()) or 1.0
        values = self._value(sample)
        best_u = _local_search(self._value, sample[np.argsort(-values)[:8]], rng)
        self.bounds = ScoreBounds(worst=float(values.min()), best=float(max(values.max(), self._value(best_u).max())))

    # -- the function ---------------------------------------------------------------------------
    def _inputs(self, u: np.ndarray) -> np.ndarray:
        values, active = self.space.decode_numeric(u)
        x = np.clip(u, 0.0, 1.0).copy()
        for j, param in enumerate(self.space.values()):
            if isinstance(param, Int):
                x[:, j] = (values[:, j] - param.low + 0.5) / (param.high - param.low + 1)
            elif isinstance(param, Categorical):
                x[:, j] = self._cat_pos[j][values[:, j].astype(int)]
        return np.where(active, x, 0.5)

    def _latent(self, u: np.ndarray) -> np.ndarray:
        x = self._inputs(np.atleast_2d(u))
        f = np.cos(x @ self._omega.T + self._phase) @ self._weight
        if self._bowl:
            f = f - self._bowl * np.sum(((x - self._centre) * self._bowl_scale) ** 2, axis=1)
        if self.edges:
            f = f + (x - 0.5) @ self._trend
        return f

    def _value(self, u: np.ndarray) -> np.ndarray:
        z = (self._latent(u) - self._shift) / self._scale
        if self._warp == "saturate":  # like an accuracy: flat near the top, a long bad tail
            return -np.log1p(np.exp(-self._warp_rate * z))
        if self._warp == "skew":  # like minus a loss on a log scale
            return -np.exp(-self._warp_rate * z)
        return z

    def _standard_noise(self, u: np.ndarray) -> np.ndarray:
        """One standard normal draw per point, keyed by the task and the point's configuration (its function
        inputs, rounded so that encoding round-off does not change the draw), so that the same configuration
        always gets the same noise."""
        words = np.ascontiguousarray(np.round(self._inputs(u), 9) + 0.0).view(np.uint64)  # + 0.0: no -0.0
        return np.array(
            [np.random.default_rng([_STREAM, self.seed, 1, *row.tolist()]).standard_normal() for row in words]
        )

    # -- the Task API -----------------------------------------------------------------------------
    def evaluate_unit(self, u: np.ndarray, fidelity: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        u = np.atleast_2d(np.asarray(u, dtype=float))
        y = self._value(u)
        if self._noise:
            y = y + self._noise * self._standard_noise(u)
        return y, np.ones(len(y))

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        scores, costs = self.evaluate_unit(self.space.encode(config)[None, :])
        return Result(float(scores[0]), float(costs[0]))


def _draw_space(rng: np.random.Generator, fixed_dim: int | None = None) -> tuple[SearchSpace, list[int]]:
    dim = int(np.exp(rng.uniform(0.0, math.log(MAX_DIM + 1))))  # drawn either way: the stream stays aligned
    dim = min(MAX_DIM, max(1, dim)) if fixed_dim is None else int(fixed_dim)
    share_int, share_cat = rng.uniform(0.0, 0.4, 2)
    params: list[tuple[str, Param]] = []
    levels: list[int] = []
    parent: tuple[str, tuple[Any, ...]] | None = None
    for j in range(dim):
        kind = rng.random()
        condition = None
        if parent is not None and rng.random() < 0.3:
            condition = Condition(parent[0], parent[1][:1])
        if kind < share_cat:
            n = int(rng.integers(2, 7))
            param: Param = Categorical([f"c{i}" for i in range(n)], condition=condition)
            levels.append(n)
            if parent is None and j < dim - 1 and rng.random() < 0.4:
                parent = (f"x{j}", param.choices)  # type: ignore[attr-defined]
        elif kind < share_cat + share_int:
            n = int(rng.integers(2, 51))
            param = Int(0, n - 1, condition=condition)
            levels.append(0)
        else:
            param = Float(0.0, 1.0, condition=condition)
            levels.append(0)
        params.append((f"x{j}", param))
    return SearchSpace(params), levels


def _local_search(value, starts: np.ndarray, rng: np.random.Generator, n_steps: int = 60) -> np.ndarray:
    """A few rounds of Gaussian moves from the start points, keeping improvements (raises the best bound)."""
    u = starts.copy()
    best = value(u)
    for step in range(n_steps):
        radius = 0.1 * (0.95**step)
        trial = np.clip(u + radius * rng.standard_normal(u.shape), 0.0, 1.0)
        score = value(trial)
        better = score > best
        u[better], best[better] = trial[better], score[better]
    return u


def _scenario_name(edges: bool, dim: int | None) -> str:
    return ("edges" if edges else "gp") + ("" if dim is None else f"-{int(dim)}d")


def _parse_scenario(scenario: str) -> tuple[bool, int | None]:
    """``gp``, ``edges``, ``gp-<D>d`` or ``edges-<D>d`` -> (edges, D or None)."""
    base, _, rest = scenario.partition("-")
    written = written_integer(rest[:-1]) if rest.endswith("d") else None  # one name per task: "gp-5d", not "gp-05d"
    if base in SCENARIOS and (not rest or written is not None):
        dim = written if rest else None
        if dim is None or 1 <= dim <= MAX_FIXED_DIM:
            return base == "edges", dim
        raise TaskNotFoundError(
            f"Prior scenario {scenario!r}: the number of parameters must be in 1..{MAX_FIXED_DIM}, got {dim}."
        )
    raise TaskNotFoundError(
        f"Unknown prior scenario {scenario!r}; the family has {list(SCENARIOS)}, and 'gp-<D>d' or 'edges-<D>d' "
        f"for exactly D parameters (1..{MAX_FIXED_DIM}, e.g. 'gp-50d')."
    )


def make_task(scenario: str, instance: str, **options: Any) -> GPPriorTask:
    """The task ``prior/gp/<seed>``, ``prior/edges/<seed>`` or, with a fixed number of parameters,
    ``prior/gp-<D>d/<seed>`` / ``prior/edges-<D>d/<seed>``.

    Raises:
        TaskNotFoundError: for another scenario or a seed that is not a non-negative integer.
        TypeError: for any option (the family has none).
    """
    if options:
        raise TypeError(f"prior tasks take no options, got {sorted(options)}.")
    edges, dim = _parse_scenario(scenario)
    seed = written_integer(instance)
    if seed is None:
        raise TaskNotFoundError(
            f"A prior/{scenario} instance is a seed (an integer >= 0 without leading zeros), got {instance!r}."
        )
    return GPPriorTask(seed, edges=edges, dim=dim)


def suite_names(**options: Any) -> list[str]:
    return [f"prior/{s}" for s in SCENARIOS]


def load_suite(scenario: str, **options: Any) -> Suite:
    """The suite ``prior/gp`` or ``prior/edges`` (or ``prior/gp-<D>d``, ``prior/edges-<D>d``): seeds 0..4999
    train, 5000..5063 validation, 5064..5127 test."""
    _parse_scenario(scenario)
    splits = {split: tuple(f"prior/{scenario}/{s}" for s in seeds) for split, seeds in SPLIT_SEEDS.items()}
    return Suite(f"prior/{scenario}", splits, dict(options))
