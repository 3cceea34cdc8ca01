"""Polishing candidates: a few L-BFGS-B steps on log expected improvement over the numeric coordinates.

Random moves land near a maximum of expected improvement, not on it; where the best configurations lie in a
narrow region or on a bound of a range, the last digits matter. Optuna's ``GPSampler`` refines its best
candidates the same way, but its optimizer is an internal, torch-based part of Optuna, so this module writes
the gradient of log EI for the in-episode GP (``GaussianProcess.predict_gradient``) and hands it to scipy's
L-BFGS-B (``rl_hpo.acquisition.lbfgsb``). Categorical coordinates, and numeric ones a condition switches off,
stay where they are (moving a numeric coordinate never changes which parameters are active: conditions hang
on categorical parents only).

Discrete coordinates (categories, and integers where the GP sees them at their values) have no gradient:
``discrete_search`` moves them one at a time to the value of largest expected improvement, as Optuna's mixed
local search does (``optuna._gp.optim_mixed``: every value of a categorical parameter or of an integer with at
most 16 values, a line search over the values of a larger integer). It is written here because Optuna's is
internal and scores its own torch acquisition function; a larger integer tries 16 values spread over its
range and the two values on either side of its own, which a decision scores in one batch, not a line search.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import log_ndtr

from rl_hpo.acquisition.gp import GaussianProcess, log_expected_improvement, log_expected_improvement_terms
from rl_hpo.acquisition.lbfgsb import minimize_lbfgsb
from rl_hpo.space import Categorical, Int, SearchSpace

__all__ = ["DiscreteLevels", "discrete_search", "log_expected_improvement_gradient", "polish"]

#: An integer with at most this many values tries them all in ``discrete_search`` (Optuna's threshold).
MAX_EXHAUSTIVE = 16
#: The steps, in values, that a larger integer also tries from its own value.
NEIGHBOUR_STEPS = (-2, -1, 1, 2)


def log_expected_improvement_gradient(
    gp: GaussianProcess, xn: np.ndarray, xc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``log EI`` at the points and its gradient by their numeric coordinates (shape ``xn.shape``)."""
    return _log_ei_and_gradient(*gp.predict_gradient(xn, xc), gp.y_best)


def _log_ei_and_gradient(
    mean: np.ndarray, std: np.ndarray, d_mean: np.ndarray, d_std: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray]:
    log_ei, z, log_std = log_expected_improvement_terms(mean, std, best)
    # EI = std * h(z) with h(z) = z Phi(z) + phi(z) and h'(z) = Phi(z), so
    # d log EI = d std / std + Phi(z) / h(z) * dz, with dz = (d mean - z d std) / std; Phi / h in logs.
    phi_over_h = np.exp(log_ndtr(z) - (log_ei - log_std))
    dz = (d_mean - z[:, None] * d_std) / std[:, None]
    return log_ei, d_std / std[:, None] + phi_over_h[:, None] * dz


def polish(
    gp: GaussianProcess,
    xn: np.ndarray,
    xc: np.ndarray,
    movable: np.ndarray,
    *,
    iterations: int = 10,
    start: tuple[np.ndarray, np.ndarray] | None = None,
    scale: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Climb log EI from each start (rows of ``xn``, with categorical rows ``xc``) within the unit cube.

    Args:
        gp: a fitted GP (at least one point).
        xn, xc: the starts' numeric coordinates (s, p) and categorical indices.
        movable: boolean mask (s, p) of the numeric coordinates that may move.
        iterations: L-BFGS-B iterations (one joint problem: the starts do not interact, so the sum of their
            log EI separates).
        start: the GP's ``(mean, std)`` at the starts, where the caller has it already.
        scale: one positive scale per numeric coordinate (p,), for instance the GP's lengthscales: L-BFGS-B then
            climbs in ``xn / scale``, where a coordinate of short lengthscale is as long as one of a long one and
            the problem is better conditioned (Optuna's ``optim_mixed`` preconditions its local search so). None:
            in the cube's own coordinates.

    Returns:
        ``(xn, mean, std)``: the polished numeric coordinates and the GP's prediction there. A start the
        optimizer did not improve comes back unchanged.
    """
    start_mean, start_std = gp.predict(xn, xc) if start is None else start
    if not movable.any():
        return xn, start_mean, start_std
    shape = xn.shape
    unit = np.broadcast_to(np.ones(shape[1]) if scale is None else scale, shape).ravel()
    lower = np.where(movable, 0.0, xn).ravel() / unit
    upper = np.where(movable, 1.0, xn).ravel() / unit
    last: dict[str, np.ndarray] = {}  # the latest point evaluated, with the GP's mean and std there

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = flat * unit
        mean, std, d_mean, d_std = gp.predict_gradient(x.reshape(shape), xc)
        last.update(x=x, mean=mean, std=std)
        value, grad = _log_ei_and_gradient(mean, std, d_mean, d_std, gp.y_best)
        return -float(value.sum()), -np.where(movable, grad, 0.0).ravel() * unit

    polished, _ = minimize_lbfgsb(objective, xn.ravel() / unit, lower, upper, maxiter=iterations)
    # Back to the cube: clipped into it, against round-off, and the fixed coordinates exactly as they were.
    polished = np.where(movable.ravel(), np.clip(np.clip(polished, lower, upper) * unit, 0.0, 1.0), xn.ravel())
    if "x" in last and np.array_equal(polished, last["x"]):  # L-BFGS-B ends on its latest evaluation
        mean, std = last["mean"], last["std"]
    else:
        mean, std = gp.predict(polished.reshape(shape), xc)
    polished = polished.reshape(shape)
    log_ei = log_expected_improvement(mean, std, gp.y_best)
    better = np.isfinite(log_ei) & (log_ei > log_expected_improvement(start_mean, start_std, gp.y_best))
    return np.where(better[:, None], polished, xn), np.where(better, mean, start_mean), np.where(better, std, start_std)


class DiscreteLevels:
    """The cube coordinates that ``discrete_search`` tries for each discrete coordinate of a space: every
    category of a categorical parameter; every value of an integer with at most ``MAX_EXHAUSTIVE`` values,
    else ``MAX_EXHAUSTIVE`` values spread evenly over its cube range plus the values ``NEIGHBOUR_STEPS`` away
    from its current one. Integers are included only when ``integers`` is true (the GP sees them snapped),
    categories only when ``categories`` is."""

    def __init__(self, space: SearchSpace, *, integers: bool, categories: bool = True) -> None:
        fixed_columns: list[int] = []
        fixed_levels: list[float] = []
        self.stepped: list[tuple[int, Int]] = []  # integers whose neighbours depend on the current value
        for j, p in enumerate(space.values()):
            if categories and isinstance(p, Categorical):
                n = len(p.choices)
                values = (np.arange(n) + 0.5) / n if n > 1 else np.empty(0)
            elif integers and isinstance(p, Int):
                if p.high - p.low + 1 <= MAX_EXHAUSTIVE:
                    values = np.array([p.to_unit(v) for v in range(p.low, p.high + 1)])
                else:
                    grid = p.from_unit((np.arange(MAX_EXHAUSTIVE) + 0.5) / MAX_EXHAUSTIVE)
                    values = np.array([p.to_unit(v) for v in np.unique(grid)])
                    self.stepped.append((j, p))
            else:
                continue
            fixed_columns += [j] * values.size
            fixed_levels += values.tolist()
        self.fixed_levels = np.array(fixed_levels, dtype=float)
        stepped_columns = np.repeat([j for j, _ in self.stepped], len(NEIGHBOUR_STEPS))
        self.columns = np.concatenate([fixed_columns, stepped_columns]).astype(int)
        #: Each discrete coordinate with the positions of its levels in ``columns``.
        self.groups = [(int(j), np.flatnonzero(self.columns == j)) for j in np.unique(self.columns)]

    def __bool__(self) -> bool:
        return bool(self.columns.size)

    def levels(self, u: np.ndarray) -> np.ndarray:
        """The cube coordinate tried for each of ``columns`` from each point of ``u`` (m, d): shape
        (m, len(columns))."""
        out = np.broadcast_to(self.fixed_levels, (u.shape[0], self.fixed_levels.size))
        if not self.stepped:
            return out
        steps = []
        for j, p in self.stepped:
            current = p.from_unit(u[:, j])
            for step in NEIGHBOUR_STEPS:
                value = np.clip(current + step, p.low, p.high)
                steps.append([p.to_unit(int(v)) for v in value])
        return np.concatenate([out, np.array(steps).T], axis=1)


def discrete_search(
    score: Callable[[np.ndarray], np.ndarray],
    u: np.ndarray,
    log_ei: np.ndarray,
    levels: DiscreteLevels,
    *,
    sweeps: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinate search over the discrete coordinates of cube points ``u`` (m, d).

    Each sweep scores, in one batch, every point with one discrete coordinate changed to one of its levels.
    Every coordinate whose best level alone raises the point's log expected improvement (``log_ei``, (m,))
    takes that level, all at once, as one more scored point; the point then moves to whichever of that
    combination and its best single change scores higher (so a sweep never does worse than changing one
    coordinate, and with separable effects it changes all of them). ``score`` maps cube points to their
    log EI. Returns the points and their log EI; a point no change improves comes back as it was.
    """
    u, log_ei = u.copy(), log_ei.copy()
    m, n_levels = u.shape[0], levels.columns.size
    rows = np.arange(m)
    for _ in range(sweeps):
        values = levels.levels(u)
        variants = np.repeat(u, n_levels, axis=0)
        variants[np.arange(m * n_levels), np.tile(levels.columns, m)] = values.ravel()
        scores = score(variants).reshape(m, n_levels)
        best = np.argmax(scores, axis=1)
        single = u.copy()
        single[rows, levels.columns[best]] = values[rows, best]
        combined = u.copy()
        for j, group in levels.groups:
            pick = group[np.argmax(scores[:, group], axis=1)]
            raises = scores[rows, pick] > log_ei + 1e-9
            combined[raises, j] = values[rows[raises], pick[raises]]
        combined_score = score(combined)
        use_combined = combined_score >= scores[rows, best]
        candidate = np.where(use_combined[:, None], combined, single)
        candidate_score = np.where(use_combined, combined_score, scores[rows, best])
        gain = candidate_score > log_ei + 1e-9
        if not gain.any():
            break
        u = np.where(gain[:, None], candidate, u)
        log_ei = np.where(gain, candidate_score, log_ei)
    return u, log_ei
