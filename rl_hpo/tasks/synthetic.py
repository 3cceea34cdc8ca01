"""Synthetic tasks: cheap randomized test functions with known optima (``synthetic/<function>/<seed>``).

For unit tests and for pre-training tuning policies, where millions of evaluations must cost nothing.
The instance of a task name is its seed; each seed gives a different, reproducible variant of the function.

Functions (minimized in their standard domain, Surjanovic & Bingham's "Virtual Library of Simulation
Experiments"): ``branin`` (2-d), ``hartmann3``, ``hartmann6``, and ``rosenbrock``, ``levy``, ``ackley`` in any
dimension 2..64 (``rosenbrock-5d``; the plain name is 2-d). ``mixture`` is a random mixture of Gaussian bumps
on a gentle bowl over the unit cube, any dimension (``mixture-8d``); its optimum is found numerically.

Randomization per seed, all of it preserving the optimum value of the function:

- the domain is a random sub-box of the standard domain (each side 50-100 % as long) that contains the
  global minimizer (a shift and a scale of each coordinate);
- a random rotation by at most 15 degrees about the minimizer; points rotated out of the sub-box are
  clipped back into it, so the function is only ever evaluated inside its standard domain;
- a random permutation and random flips of the coordinates.

The ``mixture`` family is random by construction and skips these transforms.

Scores: ``score = -log1p(f(x) - f*)``, higher is better, 0 at the optimum. The logarithm keeps heavy-tailed
functions (Rosenbrock reaches 1e6) on a scale where differences near the optimum still count. Bounds:
``best = 0``; ``worst`` = the lowest score of 10,000 seeded uniform random points.

Options (keywords of ``load_task`` / ``make_task`` / ``SyntheticTask``):

- ``mixed=True``: about half of the coordinates become ``Int`` (sometimes log-scaled) or ``Categorical``
  parameters, so policies see mixed spaces; the continuous ones get varied ranges, some log-scaled (the
  function reads their cube coordinate). A categorical's choices map to shuffled bin centres of its
  coordinate; an integer maps to its bin centre. For the functions with a known minimizer the sub-box is
  placed so that the minimizer falls on a bin centre of every discrete coordinate, so the optimum is still
  exact (score 0). For ``mixture`` the best score is estimated numerically: the best of the 10,000 random
  points, the bump centres (snapped to the nearest bins) and the best points of the sample are refined by
  alternating scipy L-BFGS-B over the continuous coordinates with an exhaustive search over each discrete
  coordinate; a mixture score may then exceed its estimated best of 0 (``SyntheticTask.optimum_exact`` is
  False) and regret is clipped at 0.
- ``noise=sigma``: Gaussian noise of standard deviation ``sigma`` (in score units) added to every score, one draw
  per configuration and budget, keyed by the task, so that a configuration evaluated again, or by a run resumed from
  its journal, gets the noise it got before (as a model cross-validated on fixed folds does).
- ``fidelity=True``: a ``budget`` fidelity 1..100. Below 100 the score carries a negative bias that depends
  on the configuration (a random smooth function) and shrinks to 0 as the budget grows (in proportion to
  ``sqrt(100 / b) - 1``), so low budgets rank configurations roughly right and multi-fidelity methods have
  something to exploit: the rank correlation of the scores at budget b with those at 100 is about 0.5 at
  b = 1, 0.8 at b = 4, 0.9 at b = 11 and 0.98 at b = 33 (over random configurations).

Cost: a simulated 1 second per full-fidelity evaluation (``budget / 100`` seconds at a lower fidelity).

Suites: ``synthetic/<function>`` (e.g. ``synthetic/branin``, ``synthetic/rosenbrock-5d``) with seeds 0..63 in
``train``, 64..79 in ``validation`` and 80..99 in ``test``; ``synthetic/mixed`` draws the function and the
dimension (2..12 where the function allows it) from each seed and always has mixed types (task names like
``synthetic/mixed/17``), for training across search spaces. A task name's instance is one of these seeds,
0..99; ``SyntheticTask`` itself takes any seed >= 0.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rl_hpo.exceptions import TaskNotFoundError
from rl_hpo.space import Categorical, Float, Int, Param, SearchSpace
from rl_hpo.tasks.base import Fidelity, Result, ScoreBounds, Task
from rl_hpo.tasks.registry import Suite, written_integer
from rl_hpo.threads import single_threaded

__all__ = [
    "DESCRIPTION",
    "FUNCTIONS",
    "MAX_DIM",
    "SPLIT_SEEDS",
    "SyntheticFunction",
    "SyntheticTask",
    "load_suite",
    "make_task",
    "suite_names",
]

MIN_DIM = 2
MAX_DIM = 64

DESCRIPTION = (
    "cheap randomized test functions with known optima; rosenbrock, levy, ackley and mixture take any dimension "
    f"{MIN_DIM}..{MAX_DIM}, not only those listed (e.g. synthetic/ackley-{MAX_DIM}d)"
)

#: Seeds of each split of every ``synthetic/*`` suite.
SPLIT_SEEDS: dict[str, range] = {"train": range(0, 64), "validation": range(64, 80), "test": range(80, 100)}
#: The instances of a ``synthetic/*`` task name: every seed of a split.
_SEEDS = range(0, max(seeds.stop for seeds in SPLIT_SEEDS.values()))

_N_BOUND_SAMPLES = 10_000
_MAX_ROTATION = math.radians(15.0)
_MIN_SIDE = 0.5  # the sub-box keeps at least this share of each side of the standard domain
_EDGE = 0.05  # the minimizer sits at least this far (relative) from the sub-box's faces
_FIDELITY = Fidelity("budget", 1.0, 100.0, integer=True)
_COST_S = 1.0
_MIXED_SUITE_DIMS = (2, 12)
_N_BIAS_FEATURES = 8
_BIAS_BASE, _BIAS_GAIN = 0.5, 4.0
_VARIABLE_SUITE_DIMS = (2, 5, 10)


# -- the test functions ---------------------------------------------------------------------------
def _branin(x: np.ndarray) -> np.ndarray:
    x1, x2 = x[:, 0], x[:, 1]
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * np.cos(x1) + 10


_H3_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)


def _hartmann(alpha: np.ndarray, a: np.ndarray, p: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def f(x: np.ndarray) -> np.ndarray:
        inner = np.einsum("kj,nkj->nk", a, (x[:, None, :] - p[None, :, :]) ** 2)
        return -np.exp(-inner) @ alpha

    return f


def _rosenbrock(x: np.ndarray) -> np.ndarray:
    return np.sum(100.0 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (x[:, :-1] - 1.0) ** 2, axis=1)


def _levy(x: np.ndarray) -> np.ndarray:
    w = 1.0 + (x - 1.0) / 4.0
    head = np.sin(math.pi * w[:, 0]) ** 2
    mid = np.sum((w[:, :-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:, :-1] + 1) ** 2), axis=1)
    tail = (w[:, -1] - 1) ** 2 * (1 + np.sin(2 * math.pi * w[:, -1]) ** 2)
    return head + mid + tail


def _ackley(x: np.ndarray) -> np.ndarray:
    d = x.shape[1]
    r = np.sqrt(np.sum(x * x, axis=1) / d)
    return -20.0 * np.exp(-0.2 * r) - np.exp(np.sum(np.cos(2 * math.pi * x), axis=1) / d) + 20.0 + math.e


@dataclass(frozen=True)
class SyntheticFunction:
    """A test function with a known global minimizer in its standard domain.

    Attributes:
        name: e.g. "branin".
        dim: its fixed dimension, or None for any dimension 2..64.
        low, high: the standard domain's bounds (the same for every coordinate where scalar).
        minimizers: global minimizers, shape (m, d) for fixed dimensions; for any dimension a scalar that
            every coordinate of the one minimizer takes.
        fn: vectorized ``fn(x)`` for ``x`` of shape (n, d) -> shape (n,).
    """

    name: str
    dim: int | None
    low: tuple[float, ...] | float
    high: tuple[float, ...] | float
    minimizers: tuple[tuple[float, ...], ...] | float
    fn: Callable[[np.ndarray], np.ndarray]

    def domain(self, dim: int) -> tuple[np.ndarray, np.ndarray]:
        return np.broadcast_to(np.asarray(self.low, float), (dim,)), np.broadcast_to(
            np.asarray(self.high, float), (dim,)
        )

    def minimizer_set(self, dim: int) -> np.ndarray:
        """Global minimizers of the ``dim``-dimensional function, shape (m, dim), polished where published
        values are rounded (Hartmann), so that the value there is the minimum to machine precision."""
        return _polished_minimizers(self.name, dim)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.fn(np.atleast_2d(np.asarray(x, dtype=float)))


#: The functions with a known minimizer, by name (``mixture`` has none and is built per seed).
FUNCTIONS: dict[str, SyntheticFunction] = {
    f.name: f
    for f in (
        SyntheticFunction(
            "branin", 2, (-5.0, 0.0), (10.0, 15.0), ((-math.pi, 12.275), (math.pi, 2.275), (9.42478, 2.475)), _branin
        ),
        SyntheticFunction(
            "hartmann3", 3, 0.0, 1.0, ((0.114614, 0.555649, 0.852547),), _hartmann(_H3_ALPHA, _H3_A, _H3_P)
        ),
        SyntheticFunction(
            "hartmann6",
            6,
            0.0,
            1.0,
            ((0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573),),
            _hartmann(_H3_ALPHA, _H6_A, _H6_P),
        ),
        SyntheticFunction("rosenbrock", None, -5.0, 10.0, 1.0, _rosenbrock),
        SyntheticFunction("levy", None, -10.0, 10.0, 1.0, _levy),
        SyntheticFunction("ackley", None, -32.768, 32.768, 0.0, _ackley),
    )
}
_FUNCTION_NAMES = (*FUNCTIONS, "mixture")


@functools.cache
def _polished_minimizers(name: str, dim: int) -> np.ndarray:
    spec = FUNCTIONS[name]
    if spec.dim is None:
        return np.full((1, dim), float(spec.minimizers))  # type: ignore[arg-type]
    points = np.array(spec.minimizers, dtype=float)
    if name == "branin":
        # Branin's third minimizer is published as (9.42478, 2.475); 3*pi is exact.
        points[2, 0] = 3 * math.pi
        return points
    low, high = spec.domain(dim)
    with single_threaded():
        polished = [_polish(spec, x0, low, high) for x0 in points]
    return np.array(polished)


def _polish(spec: SyntheticFunction, x0: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    from scipy.optimize import minimize

    res = minimize(
        lambda x: float(spec.fn(x[None, :])[0]),
        x0,
        method="L-BFGS-B",
        bounds=list(zip(low, high)),
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 1000},
    )
    better = float(spec.fn(res.x[None, :])[0]) < float(spec.fn(x0[None, :])[0])
    return res.x if better else x0


# -- one randomized instance ----------------------------------------------------------------------
@dataclass(frozen=True)
class _Coordinate:
    """How cube coordinate ``j`` maps to the function's coordinate z_j in [0, 1].

    Continuous coordinates pass through; a discrete one is decoded to its bin and ``table[bin]`` is z_j.
    """

    param: Param
    table: np.ndarray | None  # None for a continuous coordinate
    offset: int = 0  # Int: bin index = value - offset


@dataclass(frozen=True)
class _Instance:
    """Everything fixed by (function, dim, seed, mixed); shared by the tasks built with those arguments."""

    function: str
    dim: int
    seed: int
    mixed: bool
    space: SearchSpace
    coords: tuple[_Coordinate, ...]
    # known functions: x = clip(z @ matrix + shift, low, high)
    matrix: np.ndarray | None
    shift: np.ndarray | None
    box_low: np.ndarray | None
    box_high: np.ndarray | None
    # mixture: f(z) = trend * mean((z - bowl)^2) - sum_k weight_k exp(-0.5 sum_j ((z_j - centre_kj) / scale_kj)^2)
    centres: np.ndarray | None
    scales: np.ndarray | None
    weights: np.ndarray | None
    bowl: np.ndarray | None
    f_star: float
    optimum_unit: np.ndarray
    optimum_exact: bool
    worst: float
    # fidelity bias: g(z) = cos(z @ freq.T + phase) @ amp (random Fourier features), standardized by g_mean,
    # g_std over the bound sample; h(z) = (1 + tanh(g)) / 2
    freq: np.ndarray
    phase: np.ndarray
    amp: np.ndarray
    g_mean: float
    g_std: float
    bias_scale: float

    # -- the vectorized map --------------------------------------------------------------------
    def unit_to_z(self, u: np.ndarray) -> np.ndarray:
        z = np.clip(u, 0.0, 1.0)
        for j, c in enumerate(self.coords):
            if c.table is not None:
                idx = c.param.from_unit(z[:, j]).astype(np.intp) - c.offset
                z[:, j] = c.table[idx]
        return z

    def raw(self, z: np.ndarray) -> np.ndarray:
        """The function's value at function coordinates ``z`` (n, d)."""
        if self.function == "mixture":
            return _mixture_value(self, z)
        assert self.matrix is not None and self.shift is not None
        x = np.clip(z @ self.matrix + self.shift, self.box_low, self.box_high)
        return FUNCTIONS[self.function].fn(x)

    def score(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f = self.raw(z)
        gap = f - self.f_star
        if self.optimum_exact:
            gap = np.maximum(gap, 0.0)  # round-off only: f* is the exact minimum
        return -np.log1p(gap), f

    def raw_bias(self, z: np.ndarray) -> np.ndarray:
        return np.cos(z @ self.freq.T + self.phase) @ self.amp

    def bias(self, z: np.ndarray, budget: np.ndarray) -> np.ndarray:
        """The (non-negative) amount a budget below the highest takes off the score."""
        h = 0.5 * (1.0 + np.tanh((self.raw_bias(z) - self.g_mean) / self.g_std))
        ratio = math.sqrt(_FIDELITY.high / _FIDELITY.low) - 1.0
        shrink = (np.sqrt(_FIDELITY.high / budget) - 1.0) / ratio
        return shrink * self.bias_scale * (_BIAS_BASE + _BIAS_GAIN * h)


def _mixture_value(inst: _Instance, z: np.ndarray) -> np.ndarray:
    assert inst.centres is not None and inst.scales is not None and inst.weights is not None
    # the squared scaled distances expanded into matrix products: far faster than an (n, k, d) array
    inv2 = inst.scales**-2.0
    sq = (z * z) @ inv2.T - 2.0 * z @ (inst.centres * inv2).T + np.sum(inst.centres**2 * inv2, axis=1)
    bumps = np.exp(-0.5 * np.maximum(sq, 0.0)) @ inst.weights
    return 0.3 * np.mean((z - inst.bowl) ** 2, axis=1) - bumps


def _mixture_grad(inst: _Instance, z: np.ndarray) -> np.ndarray:
    """Gradient of the mixture at one point ``z`` (d,)."""
    assert inst.centres is not None and inst.scales is not None and inst.weights is not None
    diff = (z[None, :] - inst.centres) / inst.scales
    bumps = inst.weights * np.exp(-0.5 * np.sum(diff * diff, axis=1))
    return 0.6 * (z - inst.bowl) / z.size + (bumps[:, None] * diff / inst.scales).sum(axis=0)


def _stable_id(text: str) -> int:
    return zlib.crc32(text.encode())


def _make_coordinates(rng: np.random.Generator, dim: int, mixed: bool) -> tuple[_Coordinate, ...]:
    """The parameters of the search space; with ``mixed`` about half of them discrete."""
    if not mixed:
        return tuple(_Coordinate(Float(0.0, 1.0), None) for _ in range(dim))
    n_discrete = int(np.clip(rng.binomial(dim, 0.5), 1, dim - 1))
    discrete = set(rng.choice(dim, size=n_discrete, replace=False).tolist())
    coords: list[_Coordinate] = []
    for j in range(dim):
        if j not in discrete:
            kind = rng.integers(3)
            if kind == 0:
                param: Param = Float(0.0, 1.0)
            elif kind == 1:
                low = float(rng.choice([-10.0, -1.0, 0.5, 2.0]))
                param = Float(low, low + float(rng.choice([1.0, 5.0, 20.0])))
            else:
                exp = int(rng.integers(-6, -1))
                param = Float(10.0**exp, 10.0 ** (exp + int(rng.integers(2, 5))), log=True)
            coords.append(_Coordinate(param, None))
        elif rng.random() < 0.5:
            k = int(rng.integers(2, 7))
            param = Categorical([chr(ord("a") + i) for i in range(k)])
            table = (rng.permutation(k) + 0.5) / k  # shuffled bin centres: the choices have no order
            coords.append(_Coordinate(param, table))
        else:
            if rng.random() < 0.3:
                low = int(rng.choice([1, 2, 4, 8]))
                param = Int(low, low * 2 ** int(rng.integers(3, 9)), log=True)
            else:
                low = int(rng.choice([0, 1, 2, 10]))
                param = Int(low, low + int(rng.integers(2, 32)))
            assert isinstance(param, Int)
            values = np.arange(param.low, param.high + 1)
            table = np.array([param.to_unit(int(v)) for v in values])  # each integer's bin centre
            coords.append(_Coordinate(param, table, offset=int(param.low)))
    return tuple(coords)


def _unit_of_z(coords: Sequence[_Coordinate], z: np.ndarray) -> np.ndarray:
    """A cube point whose function coordinates are ``z`` (z attainable on every discrete coordinate)."""
    u = np.array(z, dtype=float)
    for j, c in enumerate(coords):
        if isinstance(c.param, Categorical) and c.table is not None:
            i = int(np.argmin(np.abs(c.table - z[j])))
            u[j] = (i + 0.5) / len(c.table)
    return u


def _place_side(
    rng: np.random.Generator, low: float, high: float, x_opt: float, attainable: np.ndarray | None
) -> tuple[float, float, float]:
    """A random sub-interval [a, a + w] of [low, high] holding ``x_opt`` at relative position t.

    Returns ``(a, w, t)``; t is drawn from ``attainable`` when given (a discrete coordinate's bin centres,
    so that the minimizer stays reachable), else uniformly, and keeps the minimizer off the faces.
    """
    span = high - low
    w = span * rng.uniform(_MIN_SIDE, 1.0)
    for _ in range(200):
        t_lo = max(_EDGE, 1.0 - (high - x_opt) / w)
        t_hi = min(1.0 - _EDGE, (x_opt - low) / w)
        if attainable is None and t_lo <= t_hi:
            t = rng.uniform(t_lo, t_hi)
            return x_opt - t * w, w, t
        if attainable is not None:
            ok = attainable[(attainable >= t_lo) & (attainable <= t_hi)]
            if ok.size:
                t = float(rng.choice(ok))
                return x_opt - t * w, w, t
        w *= 0.9  # a shorter side fits the minimizer at more relative positions
    raise AssertionError(f"no sub-box side of [{low}, {high}] holds {x_opt}")  # minimizers lie inside


def _random_rotation(rng: np.random.Generator, dim: int) -> np.ndarray:
    from scipy.linalg import expm

    a = rng.standard_normal((dim, dim))
    a = a - a.T
    norm = np.linalg.norm(a, 2)
    angle = rng.uniform(0.0, _MAX_ROTATION)
    return expm(a * (angle / norm)) if norm > 0 else np.eye(dim)


@functools.lru_cache(maxsize=512)
def _build(function: str, dim: int, seed: int, mixed: bool) -> _Instance:
    rng = np.random.default_rng([seed, _stable_id(function), dim, int(mixed)])
    coords = _make_coordinates(rng, dim, mixed)
    space = SearchSpace([(f"x{j}", c.param) for j, c in enumerate(coords)])
    # random directions with 0.5..2 periods across the cube: a smooth bias with interactions
    directions = rng.standard_normal((_N_BIAS_FEATURES, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    freq = 2 * math.pi * rng.uniform(0.5, 2.0, (_N_BIAS_FEATURES, 1)) * directions
    phase = rng.uniform(0.0, 2 * math.pi, _N_BIAS_FEATURES)
    amp = rng.standard_normal(_N_BIAS_FEATURES)
    common: dict[str, Any] = {"function": function, "dim": dim, "seed": seed, "mixed": mixed, "space": space}
    common.update(coords=coords, freq=freq, phase=phase, amp=amp, g_mean=0.0, g_std=1.0, bias_scale=0.0)
    if function == "mixture":
        return _build_mixture(rng, common)
    return _build_known(rng, common)


def _build_known(rng: np.random.Generator, common: dict[str, Any]) -> _Instance:
    spec = FUNCTIONS[common["function"]]
    dim: int = common["dim"]
    coords: tuple[_Coordinate, ...] = common["coords"]
    low, high = spec.domain(dim)
    minimizers = spec.minimizer_set(dim)
    x_opt = minimizers[rng.integers(len(minimizers))]
    f_star = float(spec.fn(minimizers).min())
    perm = rng.permutation(dim)  # cube coordinate j drives the function's coordinate perm[j]
    flip = rng.random(dim) < 0.5
    box_low, box_high = np.empty(dim), np.empty(dim)
    z_opt = np.empty(dim)
    for j in range(dim):
        i = perm[j]
        table = coords[j].table
        attainable = None if table is None else (1.0 - table if flip[j] else table)
        a, w, t = _place_side(rng, low[i], high[i], x_opt[i], attainable)
        box_low[i], box_high[i] = a, a + w
        z_opt[j] = 1.0 - t if flip[j] else t
    # x_box[perm[j]] = box_low + w * (flip ? 1 - z_j : z_j); then x = x_opt + R (x_box - x_opt)
    side = box_high - box_low
    scale = np.where(flip, -side[perm], side[perm])
    offset = np.where(flip, box_high[perm], box_low[perm])
    to_box = np.zeros((dim, dim))
    to_box[np.arange(dim), perm] = scale
    box_shift = np.zeros(dim)
    box_shift[perm] = offset
    rotation = _random_rotation(rng, dim)
    matrix = to_box @ rotation.T
    shift = x_opt + (box_shift - x_opt) @ rotation.T
    inst = _Instance(
        **common,
        matrix=matrix,
        shift=shift,
        box_low=box_low,
        box_high=box_high,
        centres=None,
        scales=None,
        weights=None,
        bowl=None,
        f_star=f_star,
        optimum_unit=_unit_of_z(coords, z_opt),
        optimum_exact=True,
        worst=0.0,
    )
    return _with_bounds(inst)


def _build_mixture(rng: np.random.Generator, common: dict[str, Any]) -> _Instance:
    dim: int = common["dim"]
    n_bumps = int(rng.integers(4, 4 + 2 * dim))
    centres = rng.uniform(0.05, 0.95, (n_bumps, dim))
    # widths grow with sqrt(dim) so that bumps keep a usable basin in high dimensions
    width = rng.uniform(0.08, 0.3, (n_bumps, 1)) * math.sqrt(dim / 2.0)
    scales = width * np.exp(rng.normal(0.0, 0.3, (n_bumps, dim)))
    weights = rng.uniform(0.2, 1.0, n_bumps)
    weights[0] = 1.0
    inst = _Instance(
        **common,
        matrix=None,
        shift=None,
        box_low=None,
        box_high=None,
        centres=centres,
        scales=scales,
        weights=weights,
        bowl=rng.uniform(0.2, 0.8, dim),
        f_star=0.0,
        optimum_unit=np.full(dim, 0.5),
        optimum_exact=False,
        worst=0.0,
    )
    sample_z = inst.unit_to_z(
        np.random.default_rng([common["seed"], _stable_id("mixture"), dim, 7]).random((_N_BOUND_SAMPLES, dim))
    )
    z_best = _minimize_mixture(inst, sample_z)
    u_best = _unit_of_z(inst.coords, z_best)
    f_star = float(inst.raw(inst.unit_to_z(u_best[None, :]))[0])
    inst = _replace(inst, f_star=f_star, optimum_unit=u_best)
    return _with_bounds(inst)


def _minimize_mixture(inst: _Instance, sample_z: np.ndarray) -> np.ndarray:
    """The best point found from the bump centres and the best sampled points (see the module docstring)."""
    from scipy.optimize import minimize

    assert inst.centres is not None
    continuous = np.array([c.table is None for c in inst.coords])
    discrete = [(j, c.table) for j, c in enumerate(inst.coords) if c.table is not None]

    def snap(z: np.ndarray) -> np.ndarray:
        z = np.clip(z, 0.0, 1.0)
        for j, table in discrete:
            z[j] = table[np.argmin(np.abs(table - z[j]))]
        return z

    def value(z: np.ndarray) -> float:
        return float(_mixture_value(inst, z[None, :])[0])

    def refine(z: np.ndarray, rounds: int) -> tuple[float, np.ndarray]:
        best = value(z)
        for _ in range(rounds):
            if continuous.any():
                full = z.copy()

                def fun(zc: np.ndarray, full: np.ndarray = full) -> tuple[float, np.ndarray]:
                    full[continuous] = zc
                    return value(full), _mixture_grad(inst, full)[continuous]

                res = minimize(fun, z[continuous], jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * continuous.sum())
                z = z.copy()
                z[continuous] = np.clip(res.x, 0.0, 1.0)
            for j, table in discrete:  # exhaustive along each discrete coordinate
                trial = np.repeat(z[None, :], len(table), axis=0)
                trial[:, j] = table
                vals = _mixture_value(inst, trial)
                z = trial[int(np.argmin(vals))].copy()
            new = value(z)
            if new >= best - 1e-13:
                return min(new, best), z
            best = new
        return best, z

    sample_f = _mixture_value(inst, sample_z)
    starts = [snap(c.copy()) for c in inst.centres] + [sample_z[i].copy() for i in np.argsort(sample_f)[:16]]
    # Many tiny L-BFGS-B problems: BLAS threads only contend (10x slower on a busy 2-core machine).
    with single_threaded():
        # one cheap round from every start, then only the most promising basins to convergence
        first = sorted((refine(z, 1) for z in starts), key=lambda r: r[0])
        best_f, best_z = min((refine(z, 10) for _, z in first[:8]), key=lambda r: r[0])
    i = int(np.argmin(sample_f))
    return best_z if best_f <= sample_f[i] else sample_z[i]


def _replace(inst: _Instance, **changes: Any) -> _Instance:
    from dataclasses import replace

    return replace(inst, **changes)


def _with_bounds(inst: _Instance) -> _Instance:
    """Set the worst score (a seeded random sample) and the scales of the fidelity bias."""
    u = np.random.default_rng([inst.seed, _stable_id(inst.function), inst.dim, 11]).random((_N_BOUND_SAMPLES, inst.dim))
    z = inst.unit_to_z(u)
    scores, _ = inst.score(z)
    g = inst.raw_bias(z)
    return _replace(
        inst,
        worst=float(scores.min()),
        bias_scale=max(float(np.std(scores)), 1e-3),
        g_mean=float(np.mean(g)),
        g_std=max(float(np.std(g)), 1e-6),
    )


# -- the task -------------------------------------------------------------------------------------
class SyntheticTask(Task):
    """A randomized synthetic test function as a task (see the module docstring).

    Args:
        function: one of ``branin``, ``hartmann3``, ``hartmann6``, ``rosenbrock``, ``levy``, ``ackley``,
            ``mixture``.
        seed: the instance: fixes the sub-box, rotation, permutation, flips and (with ``mixed``) the types.
        dim: the dimension (2..64) of ``rosenbrock``, ``levy``, ``ackley`` and ``mixture`` (default 2); the
            other functions have a fixed dimension and take None (or their own dimension).
        mixed: give about half of the coordinates Int or Categorical types.
        noise: standard deviation of Gaussian noise added to scores (score units), 0 for none.
        fidelity: add a ``budget`` fidelity 1..100 whose low values bias the score.
        name: the task's name (default ``synthetic/<function>[-<dim>d]/<seed>``).

    Attributes:
        optimum_unit: a cube point with the best score (0 up to round-off).
        optimum_exact: False for ``mixture``, whose optimum is a numerical estimate.
        f_star: the raw function's minimum value.

    Raises:
        ValueError: for an unknown function, a bad dimension, seed, noise or fidelity.
    """

    def __init__(
        self,
        function: str,
        seed: int = 0,
        *,
        dim: int | None = None,
        mixed: bool = False,
        noise: float = 0.0,
        fidelity: bool = False,
        name: str | None = None,
    ) -> None:
        if function not in _FUNCTION_NAMES:
            raise ValueError(f"Unknown synthetic function {function!r}; choose one of: {', '.join(_FUNCTION_NAMES)}.")
        fixed = FUNCTIONS[function].dim if function in FUNCTIONS else None
        if dim is None:
            dim = fixed or MIN_DIM
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
            raise ValueError(f"The 'dim' parameter of SyntheticTask must be an int. Got {dim!r} instead.")
        if fixed is not None and dim != fixed:
            raise ValueError(f"{function} is {fixed}-dimensional; got dim={dim}. Leave dim=None.")
        if not MIN_DIM <= dim <= MAX_DIM:
            raise ValueError(
                f"The 'dim' parameter of SyntheticTask must be in [{MIN_DIM}, {MAX_DIM}]. Got {dim} instead."
            )
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"The 'seed' parameter of SyntheticTask must be an int >= 0. Got {seed!r} instead.")
        if isinstance(noise, bool) or not isinstance(noise, int | float) or not (math.isfinite(noise) and noise >= 0):
            raise ValueError(f"The 'noise' parameter of SyntheticTask must be a float >= 0. Got {noise!r} instead.")
        self._inst = _build(function, int(dim), int(seed), bool(mixed))
        self.function = function
        self.dim = int(dim)
        self.seed = int(seed)
        self.mixed = bool(mixed)
        self.noise = float(noise)
        scenario = function if fixed is not None or dim == MIN_DIM else f"{function}-{dim}d"
        self.name = name if name is not None else f"synthetic/{scenario}/{seed}"
        self.space = self._inst.space
        self.fidelity = _FIDELITY if fidelity else None
        self.bounds = ScoreBounds(worst=self._inst.worst, best=0.0)
        self.optimum_unit = self._inst.optimum_unit.copy()
        self.optimum_exact = self._inst.optimum_exact
        self.f_star = self._inst.f_star

    @property
    def optimum_config(self) -> dict[str, Any]:
        """The configuration at ``optimum_unit``."""
        return self.space.decode(self.optimum_unit)

    def _budgets(self, fidelity: float | np.ndarray | None, n: int) -> np.ndarray | None:
        if fidelity is None:
            return None
        if self.fidelity is None:
            raise ValueError(
                f"Task {self.name!r} has no fidelity, got fidelity={fidelity!r}; "
                "pass None or load the task with fidelity=True."
            )
        b = np.broadcast_to(np.asarray(fidelity, dtype=float), (n,))
        lo, hi = self.fidelity.low, self.fidelity.high
        if not np.all((b >= lo - 1e-9) & (b <= hi + 1e-9)):
            raise ValueError(f"The fidelity 'budget' must lie in [{lo:g}, {hi:g}]. Got {fidelity!r} instead.")
        return np.clip(b, lo, hi)

    def _evaluate(
        self, u: np.ndarray, fidelity: float | np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        u = np.asarray(u, dtype=float)
        if u.ndim != 2 or u.shape[1] != self.dim:
            raise ValueError(f"Expected cube points of shape (n, {self.dim}), got shape {u.shape}.")
        n = u.shape[0]
        budgets = self._budgets(fidelity, n)
        z = self._inst.unit_to_z(u)
        scores, f = self._inst.score(z)
        if budgets is not None:
            scores = scores - self._inst.bias(z, budgets)
        if self.noise > 0:
            scores = scores + self.noise * self._standard_noise(z, budgets)
        costs = np.full(n, _COST_S) if budgets is None else _COST_S * budgets / _FIDELITY.high
        return scores, costs, f

    def _standard_noise(self, z: np.ndarray, budgets: np.ndarray | None) -> np.ndarray:
        """One standard normal draw per point, keyed by the task, the point's function inputs (rounded, so that
        encoding round-off does not change the draw) and its budget."""
        keys = np.round(z, 9) if budgets is None else np.column_stack([np.round(z, 9), budgets])
        words = np.ascontiguousarray(keys + 0.0).view(np.uint64)  # + 0.0: no -0.0
        key = [self.seed, _stable_id(self.name)]
        return np.array([np.random.default_rng([*key, *row.tolist()]).standard_normal() for row in words])

    def evaluate_unit(self, u: np.ndarray, fidelity: float | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and simulated costs of cube points ``u`` (n, d); ``fidelity`` may be one budget per row."""
        scores, costs, _ = self._evaluate(np.atleast_2d(u), fidelity)
        return scores, costs

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        scores, costs, f = self._evaluate(self.space.encode(config)[None, :], fidelity)
        return Result(float(scores[0]), float(costs[0]), {"f": float(f[0])})

    def evaluate_batch(self, configs: Sequence[Mapping[str, Any]], fidelity: float | None = None) -> list[Result]:
        if len(configs) == 0:
            return []
        scores, costs, f = self._evaluate(self.space.encode_batch(configs), fidelity)
        return [Result(float(s), float(c), {"f": float(v)}) for s, c, v in zip(scores, costs, f)]


# -- the family interface -------------------------------------------------------------------------
# a dimension as Python writes it (no leading zeros, ASCII digits), so that a task has one name
_SCENARIO = re.compile(r"^(?P<function>[a-z][a-z0-9]*?)(?:-(?P<dim>[1-9][0-9]*)d)?$", re.ASCII)
_OPTIONS = ("mixed", "noise", "fidelity")


def _parse_scenario(scenario: str) -> tuple[str, int | None]:
    """``"rosenbrock-5d"`` -> ("rosenbrock", 5); ``"mixed"`` -> ("mixed", None)."""
    m = _SCENARIO.match(scenario) if isinstance(scenario, str) else None
    choices = ", ".join([*_FUNCTION_NAMES, "mixed"])
    if m is None or m["function"] not in (*_FUNCTION_NAMES, "mixed"):
        raise TaskNotFoundError(
            f"Unknown synthetic scenario {scenario!r}; choose one of: {choices} "
            f"(rosenbrock, levy, ackley and mixture take a dimension 2..{MAX_DIM}, e.g. 'rosenbrock-5d')."
        )
    function, dim = m["function"], None if m["dim"] is None else int(m["dim"])
    if dim is not None:
        fixed = FUNCTIONS[function].dim if function in FUNCTIONS else (0 if function == "mixed" else None)
        if fixed is not None:
            raise TaskNotFoundError(
                f"Synthetic scenario {scenario!r}: {function} takes no dimension; write 'synthetic/{function}'."
            )
        if not MIN_DIM <= dim <= MAX_DIM:
            raise TaskNotFoundError(
                f"Synthetic scenario {scenario!r}: the dimension must be in {MIN_DIM}..{MAX_DIM}, got {dim}."
            )
    return function, dim


def _parse_seed(scenario: str, instance: str | int) -> int:
    seed = written_integer(instance)
    if seed is None or seed not in _SEEDS:
        splits = ", ".join(f"{split} {seeds[0]}..{seeds[-1]}" for split, seeds in SPLIT_SEEDS.items())
        raise TaskNotFoundError(
            f"Unknown instance {instance!r} of synthetic/{scenario}: an instance is a seed, an integer in "
            f"{_SEEDS[0]}..{_SEEDS[-1]} ({splits}), written without leading zeros."
        )
    return seed


def _check_options(options: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError(f"Unknown option(s) {unknown} for synthetic tasks; they take: {', '.join(_OPTIONS)}.")


def _mixed_draw(seed: int) -> tuple[str, int]:
    """The function and dimension of ``synthetic/mixed/<seed>``."""
    rng = np.random.default_rng([seed, _stable_id("synthetic/mixed")])
    function = str(rng.choice(_FUNCTION_NAMES))
    fixed = FUNCTIONS[function].dim if function in FUNCTIONS else None
    dim = fixed if fixed is not None else int(rng.integers(_MIXED_SUITE_DIMS[0], _MIXED_SUITE_DIMS[1] + 1))
    return function, dim


def make_task(scenario: str, instance: str, **options: Any) -> SyntheticTask:
    """The task ``synthetic/<scenario>/<instance>``; options: ``mixed``, ``noise``, ``fidelity``.

    Raises:
        TaskNotFoundError: for an unknown function, dimension or instance (the message lists the choices).
        TypeError: for an unknown option.
    """
    _check_options(options)
    function, dim = _parse_scenario(scenario)
    seed = _parse_seed(scenario, instance)
    name = f"synthetic/{scenario}/{seed}"
    if function == "mixed":
        function, dim = _mixed_draw(seed)
        mixed = options.get("mixed", True)
        mixed = True if mixed is None else mixed
    else:
        mixed = bool(options.get("mixed") or False)
    return SyntheticTask(
        function,
        seed,
        dim=dim,
        mixed=bool(mixed),
        noise=options.get("noise", 0.0),
        fidelity=bool(options.get("fidelity", False)),
        name=name,
    )


def suite_names(**options: Any) -> list[str]:
    """The listed suites: every fixed-dimension function, the others at 2, 5 and 10 dimensions, and mixed.

    Any other dimension 2..64 loads too (``synthetic/levy-7d``); ``DESCRIPTION`` says so in ``rl-hpo tasks``.
    """
    names = []
    for function in _FUNCTION_NAMES:
        if function in FUNCTIONS and FUNCTIONS[function].dim is not None:
            names.append(f"synthetic/{function}")
        else:
            names.extend(f"synthetic/{function}" + ("" if d == MIN_DIM else f"-{d}d") for d in _VARIABLE_SUITE_DIMS)
    return [*names, "synthetic/mixed"]


def load_suite(scenario: str, **options: Any) -> Suite:
    """The suite ``synthetic/<scenario>``: seeds 0..63 train, 64..79 validation, 80..99 test."""
    _check_options(options)
    _parse_scenario(scenario)
    splits = {split: tuple(f"synthetic/{scenario}/{s}" for s in seeds) for split, seeds in SPLIT_SEEDS.items()}
    return Suite(f"synthetic/{scenario}", splits, dict(options))
