"""L-BFGS-B on a box, as ``scipy.optimize.minimize(method="L-BFGS-B", jac=True)`` runs it, with less overhead.

Every decision runs L-BFGS-B several times on small problems: once to fit the GP's hyperparameters and once to
polish the best candidates (``rl_hpo.acquisition.gp``, ``rl_hpo.acquisition.polish``). For problems that
small, scipy's driver costs more than the optimizer: each call builds a ``ScalarFunction`` and a
``MemoizeJac``, checks its bounds twice and returns an inverse-Hessian operator nobody reads
(``benchmarks/README.md``, "Decision time", has the measurements). ``minimize_lbfgsb`` runs the same compiled
routine (``scipy.optimize._lbfgsb.setulb``) in the same loop as scipy's ``_minimize_lbfgsb`` (scipy 1.15 to
1.18): the same iterates, bit for bit, and the objective evaluated at the same points in the same order (but
once, not twice, at a point with a NaN coordinate, where scipy's memo never matches). That routine is private
to scipy and checks none of its arrays' sizes, so the loop runs only where it is known to be scipy's: a
scipy of those versions whose routine has the expected signature, after a check against
``scipy.optimize.minimize`` on a small problem of every kind of bound the first time it is used, and on
well-formed input (a 1-d start, bounds of its shape, none NaN, lower <= upper, not every coordinate fixed).
Anything else goes to scipy's own driver, with the same settings.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy
from scipy import optimize

__all__ = ["minimize_lbfgsb"]

#: An objective: value and gradient at a point.
Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]

# The settings of every run, scipy.optimize.minimize's defaults for L-BFGS-B (passed to it explicitly, so that
# both drivers keep them should scipy's defaults change).
_MAXCOR, _FTOL, _GTOL, _MAXFUN, _MAXLS = 10, 2.2204460492503131e-09, 1e-5, 15000, 20
# setulb's task codes (scipy/optimize/__lbfgsb.h): evaluate f and g; a new iterate; stop, with a reason.
_FG, _NEW_X, _STOP, _STOP_MAXITER, _STOP_MAXFUN = 3, 1, 5, 504, 502
#: The scipy versions whose routine and loop ``_setulb_loop`` follows, and the routine's signature there.
_SCIPY_VERSIONS = ((1, 15), (1, 19))
_SETULB_SIGNATURE = "setulb(m,x,l,u,nbd,f,g,factr,pgtol,wa,iwa,task,lsave,isave,dsave,maxls,ln_task)"


def _setulb_signature() -> str | None:
    """The first line of the routine's docstring without spaces (1.18 spaces its arguments and documents them)."""
    from scipy.optimize import _lbfgsb

    doc = getattr(getattr(_lbfgsb, "setulb", None), "__doc__", None)
    return doc.split("\n", 1)[0].replace(" ", "") if isinstance(doc, str) else None


def _int_dtype() -> type[np.signedinteger]:
    """The routine's integer type: 64-bit where scipy's LAPACK is (scipy 1.18's ``HAS_ILP64``), else 32-bit."""
    from scipy.optimize import _lbfgsb_py

    return np.int64 if getattr(_lbfgsb_py, "HAS_ILP64", False) else np.int32


def minimize_lbfgsb(
    fun: Objective, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, maxiter: int
) -> tuple[np.ndarray, float]:
    """``(x, value)``: the point where L-BFGS-B stops, from ``x0`` (clipped into the box) within ``[lower, upper]``
    (finite or infinite bounds) after at most ``maxiter`` iterations, scipy's defaults otherwise, and the last
    value of ``fun`` (which returns the value and the gradient) that the routine was given: the value at ``x``
    unless a line search failed. The same as ``result.x`` and ``result.fun`` of ``scipy.optimize.minimize(fun,
    x0, jac=True, method="L-BFGS-B", bounds=Bounds(lower, upper), options={"maxiter": maxiter})``."""
    x0, lower, upper = (np.asarray(a, dtype=np.float64) for a in (x0, lower, upper))
    well_formed = (
        x0.ndim == 1
        and lower.shape == upper.shape == x0.shape
        and not (np.isnan(lower).any() or np.isnan(upper).any())
        and bool(np.all(lower <= upper))
        and not np.all(lower == upper)  # scipy answers that without running the routine
    )
    if well_formed and _own_loop_matches_scipy():
        return _setulb_loop(fun, x0, lower, upper, maxiter)
    return _scipy_minimize(fun, x0, lower, upper, maxiter)


def _scipy_minimize(
    fun: Objective, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, maxiter: int
) -> tuple[np.ndarray, float]:
    options = {"maxiter": maxiter, "maxcor": _MAXCOR, "ftol": _FTOL, "gtol": _GTOL, "maxfun": _MAXFUN, "maxls": _MAXLS}
    bounds = optimize.Bounds(lower, upper)
    result = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
    return result.x, float(result.fun)


def _setulb_loop(
    fun: Objective, x0: np.ndarray, lower: np.ndarray, upper: np.ndarray, maxiter: int
) -> tuple[np.ndarray, float]:
    """scipy's ``_minimize_lbfgsb`` loop (1.15 to 1.18), without its wrappers: as its ``ScalarFunction`` does, the
    objective is evaluated at the start, then wherever the routine asks at a point other than the last one
    (value as a scalar, gradient at least 1-d); the routine stops after ``maxiter`` new iterates or ``_MAXFUN``
    evaluations."""
    from scipy.optimize import _lbfgsb

    n, m = x0.size, _MAXCOR
    x = np.clip(x0, lower, upper)
    finite_low, finite_up = np.isfinite(lower), np.isfinite(upper)
    # 0: unbounded, 1: lower only, 2: both, 3: upper only
    int_dtype = _int_dtype()
    nbd = np.where(finite_low, np.where(finite_up, 2, 1), np.where(finite_up, 3, 0)).astype(int_dtype)
    low_bnd, upper_bnd = np.where(finite_low, lower, 0.0), np.where(finite_up, upper, 0.0)
    factr = _FTOL / np.finfo(float).eps
    f: float | np.ndarray = np.array(0.0, dtype=np.float64)
    g = np.zeros(n, dtype=np.float64)
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m, dtype=np.float64)
    iwa = np.zeros(3 * n, dtype=int_dtype)
    task, ln_task = np.zeros(2, dtype=int_dtype), np.zeros(2, dtype=int_dtype)
    lsave, isave, dsave = np.zeros(4, dtype=int_dtype), np.zeros(44, dtype=int_dtype), np.zeros(29, dtype=np.float64)

    def evaluate(point: np.ndarray) -> tuple[Any, np.ndarray]:  # the value as the objective gives it, if a scalar
        value, grad = fun(np.copy(point))
        if not np.isscalar(value):
            value = np.asarray(value).item()
        return value, np.atleast_1d(grad)

    last_x = x.copy()
    last = evaluate(last_x)
    n_evaluations, n_iterations = 1, 0
    while True:
        g = g.astype(np.float64)  # a copy, of the dtype the routine reads without checking
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
    """Whether ``_setulb_loop`` may run: a scipy of ``_SCIPY_VERSIONS`` whose routine has ``_SETULB_SIGNATURE``,
    and whose ``minimize`` gives the loop's iterates, values and evaluated points on a problem with every kind of
    bound (none, lower or upper only, both, fixed), stopped before and after it converges."""
    version = tuple(int(part) for part in scipy.__version__.split(".")[:2])
    if not _SCIPY_VERSIONS[0] <= version < _SCIPY_VERSIONS[1]:
        return False
    if _setulb_signature() != _SETULB_SIGNATURE:
        return False
    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 8))
    hessian, target = a @ a.T + 0.5 * np.eye(8), rng.normal(size=8)

    def problem() -> tuple[Objective, list[np.ndarray]]:
        points: list[np.ndarray] = []

        def fun(x: np.ndarray) -> tuple[float, np.ndarray]:  # a rotated quadratic plus a wave
            points.append(x.copy())
            d = x - target
            return float(0.5 * d @ hessian @ d + np.sin(3 * x).sum()), hessian @ d + 3 * np.cos(3 * x)

        return fun, points

    x0 = rng.uniform(-2.0, 2.0, 8)
    lower = np.array([-np.inf, -1.0, -np.inf, -0.5, 0.2, -1.0, -2.0, -np.inf])
    upper = np.array([np.inf, np.inf, 0.5, 0.5, 0.2, 1.0, 0.0, np.inf])
    for maxiter in (3, 100):
        ours, our_points = problem()
        theirs, their_points = problem()
        try:
            x, value = _setulb_loop(ours, x0, lower, upper, maxiter)
        except Exception:  # any failure of the private routine means: use scipy's driver
            return False
        expected = _scipy_minimize(theirs, x0, lower, upper, maxiter)
        if not (np.array_equal(x, expected[0]) and value == expected[1] and len(our_points) == len(their_points)):
            return False
        if not all(np.array_equal(p, q) for p, q in zip(our_points, their_points, strict=True)):
            return False
    return True
