"""L-BFGS-B on a box, as ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` runs it, with less overhead.

Every decision runs L-BFGS-B several times on small problems: once to fit the GP's hyperparameters and once to
polish the best candidates (``rl_hpo.acquisition.gp``, ``rl_hpo.acquisition.polish``). For problems that
small, scipy's driver costs more than the optimizer: each call builds a ``ScalarFunction``, a ``MemoizeJac``,
checks its bounds twice and returns an inverse-Hessian operator nobody reads, about 0.8 ms of a 5 ms
decision at trial 50. ``minimize_lbfgsb`` runs the same compiled routine (``scipy.optimize._lbfgsb.setulb``)
in the same loop as scipy's ``_minimize_lbfgsb`` (scipy 1.15 and later): the same iterates, bit for bit, and the
objective evaluated at the same points in the same order. That routine is private to scipy, so the loop is
checked against ``scipy.optimize.minimize`` on a small problem the first time it is used, and scipy's own
driver runs wherever the check fails (older or changed scipy).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize

__all__ = ["minimize_lbfgsb"]

#: An objective: value and gradient at a point.
Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]

# scipy.optimize.minimize's defaults for L-BFGS-B
_MAXCOR, _FTOL, _GTOL, _MAXFUN, _MAXLS = 10, 2.2204460492503131e-09, 1e-5, 15000, 20
# setulb's task codes (scipy/optimize/__lbfgsb.h): evaluate f and g; a new iterate; stop, with a reason.
_FG, _NEW_X, _STOP, _STOP_MAXITER, _STOP_MAXFUN = 3, 1, 5, 504, 502


def minimize_lbfgsb(
    fun: Objective, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, maxiter: int
) -> tuple[np.ndarray, float]:
    """``(x, value)``: the point where L-BFGS-B stops, from ``x0`` (clipped into the box) within ``[lower, upper]``
    (finite or infinite bounds) after at most ``maxiter`` iterations, scipy's defaults otherwise, and the last
    value of ``fun`` (which returns the value and the gradient) that the routine was given. The same as
    ``result.x`` and ``result.fun`` of ``scipy.optimize.minimize(fun, x0, jac=True, method="L-BFGS-B",
    bounds=Bounds(lower, upper), options={"maxiter": maxiter})``."""
    x0, lower, upper = (np.asarray(a, dtype=np.float64) for a in (x0, lower, upper))
    if _own_loop_matches_scipy() and not np.all(lower == upper):
        return _setulb_loop(fun, x0, lower, upper, maxiter)
    return _scipy_minimize(fun, x0, lower, upper, maxiter)


def _scipy_minimize(
    fun: Objective, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, maxiter: int
) -> tuple[np.ndarray, float]:
    bounds = optimize.Bounds(lower, upper)
    result = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": maxiter})
    return result.x, float(result.fun)


def _setulb_loop(
    fun: Objective, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, maxiter: int
) -> tuple[np.ndarray, float]:
    """scipy's ``_minimize_lbfgsb`` loop (1.15+), without its wrappers: ``ScalarFunction`` evaluates the objective
    at the start, then wherever the routine asks at a point other than the last one (value as a scalar,
    gradient at least 1-d); the routine stops after ``maxiter`` new iterates or ``_MAXFUN`` evaluations."""
    from scipy.optimize import _lbfgsb

    n, m = x0.size, _MAXCOR
    x = np.clip(x0, lower, upper)
    finite_low, finite_up = np.isfinite(lower), np.isfinite(upper)
    # 0: unbounded, 1: lower only, 2: both, 3: upper only
    nbd = np.where(finite_low, np.where(finite_up, 2, 1), np.where(finite_up, 3, 0)).astype(np.int32)
    low_bnd, upper_bnd = np.where(finite_low, lower, 0.0), np.where(finite_up, upper, 0.0)
    factr = _FTOL / np.finfo(float).eps
    f: float | np.ndarray = np.array(0.0, dtype=np.float64)
    g = np.zeros(n, dtype=np.float64)
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m, dtype=np.float64)
    iwa = np.zeros(3 * n, dtype=np.int32)
    task, ln_task = np.zeros(2, dtype=np.int32), np.zeros(2, dtype=np.int32)
    lsave, isave, dsave = np.zeros(4, dtype=np.int32), np.zeros(44, dtype=np.int32), np.zeros(29, dtype=np.float64)

    def evaluate(point: np.ndarray) -> tuple[Any, np.ndarray]:  # the value as the objective gives it, if a scalar
        value, grad = fun(np.copy(point))
        if not np.isscalar(value):
            value = np.asarray(value).item()
        return value, np.atleast_1d(grad)

    last_x = x.copy()
    last = evaluate(last_x)
    n_evaluations, n_iterations = 1, 0
    while True:
        g = g.astype(np.float64)
        _lbfgsb.setulb(
            m, x, low_bnd, upper_bnd, nbd, f, g, factr, _GTOL, wa, iwa, task, lsave, isave, dsave, _MAXLS, ln_task
        )
        if task[0] == _FG:
            if not np.array_equal(x, last_x):
                last_x = x.copy()
                last = evaluate(last_x)
                n_evaluations += 1
            f, g = last
        elif task[0] == _NEW_X:
            n_iterations += 1
            if n_iterations >= maxiter:
                task[0], task[1] = _STOP, _STOP_MAXITER
            elif n_evaluations > _MAXFUN:
                task[0], task[1] = _STOP, _STOP_MAXFUN
        else:
            return x, float(f)


@functools.cache
def _own_loop_matches_scipy() -> bool:
    """Whether ``_setulb_loop`` gives scipy's iterates on a small bounded problem: false where scipy is older than
    1.15 (another routine's signature) or its routine or loop changed."""
    scale = np.array([1.0, 30.0, 0.3, 5.0])
    target = np.array([0.2, 1.4, -0.5, 0.9])

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:  # a curved valley, its minimum outside the box
        d = x - target
        return float(np.sum(scale * d * d) + np.sin(3 * x[0]) * x[1]), 2 * scale * d + np.array(
            [3 * np.cos(3 * x[0]) * x[1], np.sin(3 * x[0]), 0.0, 0.0]
        )

    x0, lower = np.array([0.9, 0.1, 0.5, -0.3]), np.array([0.0, 0.0, 0.0, -1.0])
    upper = np.array([1.0, 1.0, 1.0, np.inf])
    try:
        ours = [_setulb_loop(fun, x0, lower, upper, maxiter) for maxiter in (3, 30)]
    except Exception:  # any failure of the private routine means: use scipy's driver
        return False
    theirs = [_scipy_minimize(fun, x0, lower, upper, maxiter) for maxiter in (3, 30)]
    return all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(ours, theirs, strict=True))
