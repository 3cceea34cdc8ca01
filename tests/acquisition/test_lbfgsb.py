import numpy as np
import pytest
import scipy
from scipy import optimize

from rl_hpo.acquisition import lbfgsb
from rl_hpo.acquisition.lbfgsb import minimize_lbfgsb


def _problem(seed: int, n: int):
    """A random smooth objective (a rotated quadratic plus a wave) that records where it is evaluated."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n))
    hessian = a @ a.T + 0.1 * np.eye(n)
    target = rng.normal(size=n)
    points: list[np.ndarray] = []

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        points.append(x.copy())
        d = x - target
        return float(0.5 * d @ hessian @ d + np.sin(3 * x).sum()), hessian @ d + 3 * np.cos(3 * x)

    return fun, points, rng


@pytest.mark.parametrize("seed", range(12))
def test_the_same_iterates_and_evaluations_as_scipy_minimize(seed: int) -> None:
    n = 1 + seed % 6
    fun, points, rng = _problem(seed, n)
    lower = rng.uniform(-1.5, 0.0, n)
    upper = lower + rng.uniform(0.0, 2.0, n)
    lower[0] = -np.inf if seed % 3 == 0 else lower[0]  # one-sided and fixed coordinates too
    upper[-1] = np.inf if seed % 4 == 1 else upper[-1]
    if n > 2 and seed % 2:
        upper[1] = lower[1]
    x0 = rng.uniform(-2.0, 2.0, n)  # partly outside the box: both clip it
    for maxiter in (1, 3, 10, 100):
        points.clear()
        x, value = minimize_lbfgsb(fun, x0, lower, upper, maxiter=maxiter)
        ours = list(points)
        points.clear()
        result = optimize.minimize(
            fun, x0, jac=True, method="L-BFGS-B", bounds=optimize.Bounds(lower, upper), options={"maxiter": maxiter}
        )
        np.testing.assert_array_equal(x, result.x)
        assert value == result.fun
        assert len(ours) == len(points)
        for a, b in zip(ours, points, strict=True):
            np.testing.assert_array_equal(a, b)


def test_every_coordinate_fixed_goes_to_scipys_driver() -> None:
    fun, _, _ = _problem(0, 3)
    box = np.array([0.1, 0.2, 0.3])
    x, value = minimize_lbfgsb(fun, np.zeros(3), box, box, maxiter=5)
    result = optimize.minimize(fun, np.zeros(3), jac=True, method="L-BFGS-B", bounds=optimize.Bounds(box, box))
    np.testing.assert_array_equal(x, result.x)
    assert value == result.fun


def test_malformed_input_gets_scipys_answer_or_error() -> None:
    """The private routine checks no array's size: input it was not made for goes to scipy's driver."""
    fun, _, _ = _problem(1, 1)
    with pytest.raises(ValueError):  # bounds of another length than the start (the routine would crash)
        minimize_lbfgsb(fun, np.array([0.5]), np.zeros(40), np.ones(40), maxiter=5)
    with pytest.raises(ValueError):  # lower above upper
        minimize_lbfgsb(fun, np.array([0.5]), np.array([1.0]), np.array([0.0]), maxiter=5)
    fun, _, _ = _problem(2, 2)
    lower, upper = np.array([np.nan, 0.0]), np.array([1.0, 1.0])  # scipy reads a NaN bound as none
    x, value = minimize_lbfgsb(fun, np.array([0.5, 0.5]), lower, upper, maxiter=5)
    result = optimize.minimize(
        fun,
        np.array([0.5, 0.5]),
        jac=True,
        method="L-BFGS-B",
        bounds=optimize.Bounds(lower, upper),
        options={"maxiter": 5},
    )
    np.testing.assert_array_equal(x, result.x)
    assert value == result.fun


def test_a_nan_gradient_ends_where_scipy_ends() -> None:
    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        return float(((x - 2) ** 2).sum()), np.array([np.nan]) if x[0] > 0.7 else 2 * (x - 2)

    x, value = minimize_lbfgsb(fun, np.array([0.8]), np.zeros(1), np.ones(1), maxiter=10)
    result = optimize.minimize(
        fun, np.array([0.8]), jac=True, method="L-BFGS-B", bounds=optimize.Bounds([0.0], [1.0]), options={"maxiter": 10}
    )
    np.testing.assert_array_equal(x, result.x)
    assert value == result.fun or (np.isnan(value) and np.isnan(result.fun))


def test_scipys_own_driver_runs_where_the_check_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    fun, _, _ = _problem(3, 4)
    lower, upper = np.zeros(4), np.ones(4)
    fast = minimize_lbfgsb(fun, np.full(4, 0.5), lower, upper, maxiter=10)
    monkeypatch.setattr(lbfgsb, "_own_loop_matches_scipy", lambda: False)
    monkeypatch.setattr(lbfgsb, "_setulb_loop", None)  # not called
    slow = minimize_lbfgsb(fun, np.full(4, 0.5), lower, upper, maxiter=10)
    np.testing.assert_array_equal(fast[0], slow[0])
    assert fast[1] == slow[1]


_SCIPY = tuple(int(p) for p in scipy.__version__.split(".")[:2])


@pytest.mark.skipif(
    not lbfgsb._SCIPY_VERSIONS[0] <= _SCIPY < lbfgsb._SCIPY_VERSIONS[1],
    reason="a scipy the loop does not follow: its own driver runs, as right, only slower",
)
def test_the_own_loop_is_in_use_on_this_scipy() -> None:
    assert lbfgsb._own_loop_matches_scipy()
