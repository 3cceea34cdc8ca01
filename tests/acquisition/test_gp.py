import math

import numpy as np
import pytest
from scipy.linalg import cho_solve
from scipy.optimize import approx_fprime
from scipy.special import ndtri

from rl_hpo.acquisition.gp import (
    FIT_STARTS,
    INPUT_WARPS,
    LENGTHSCALE_PRIORS,
    NOISE_PRIORS,
    OUTLIER_DEPTH,
    OUTLIER_REACH,
    WARPS,
    GaussianProcess,
    MixedEncoding,
    _cho_solve,
    _half_rank,
    _median,
    _tame_outliers,
    expected_improvement,
    kumaraswamy,
    kumaraswamy_shape_derivatives,
    log_expected_improvement,
    log_expected_improvement_terms,
    negative_log_posterior,
    squared_distances,
    standardize_scores,
    warp_new_scores,
    warp_scores,
)
from rl_hpo.acquisition.search import SearchSettings
from rl_hpo.space import Categorical, Float, Int, SearchSpace


def _diff(xn, xc):
    num = (xn.T[:, :, None] - xn.T[:, None, :]) ** 2
    cat = (xc.T[:, :, None] != xc.T[:, None, :]).astype(float)
    return np.concatenate([num, cat])


@pytest.mark.parametrize("noise_prior", NOISE_PRIORS)
@pytest.mark.parametrize("spread", [None, 0.5])
@pytest.mark.parametrize("prior", LENGTHSCALE_PRIORS)
def test_gradient_matches_finite_differences(prior, spread, noise_prior):
    rng = np.random.default_rng(0)
    xn, xc = rng.random((12, 3)), rng.integers(3, size=(12, 2))
    diff, z = _diff(xn, xc), rng.standard_normal(12)
    theta = np.concatenate([rng.normal(-1.0, 0.3, 5), [0.2, math.log(0.01)]])

    def posterior(t):
        return negative_log_posterior(
            t, diff, z, 1.5, 3.0, lengthscale_prior=prior, lengthscale_spread=spread, noise_prior=noise_prior
        )

    _value, grad = posterior(theta)
    numeric = approx_fprime(theta, lambda t: posterior(t)[0], 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("spread", [None, 0.5])
def test_gradient_by_the_input_warps_shapes_matches_finite_differences(spread):
    rng = np.random.default_rng(4)
    xn, xc = rng.random((12, 3)), rng.integers(3, size=(12, 2))
    diff, z = _diff(xn, xc), rng.standard_normal(12)
    params = np.concatenate([rng.normal(-1.0, 0.3, 5), [0.2, math.log(0.01)], rng.normal(0.0, 0.5, 6)])

    def posterior(t):
        return negative_log_posterior(t, diff, z, 1.5, 3.0, lengthscale_spread=spread, warp_inputs=xn)

    _value, grad = posterior(params)
    numeric = approx_fprime(params, lambda t: posterior(t)[0], 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-4)
    # With identity shapes and no prior cost, the lengthscales' part is the unwarped posterior's.
    params[7:] = 0.0
    unwarped = negative_log_posterior(params[:7], _diff(xn, xc), z, 1.5, 3.0, lengthscale_spread=spread)
    np.testing.assert_allclose(posterior(params)[1][:7], unwarped[1], rtol=1e-6, atol=1e-4)


def test_the_gamma_noise_prior_keeps_a_noisy_fit_from_collapsing_its_noise():
    # Plain EI on a 5-parameter function with noise of a tenth of its range: its first fits, on a few points, can
    # interpolate them, and with a flat prior the noise stays at its lower bound from then on; the Gamma prior (mode 2)
    # pushes it up, here to its upper bound.
    import rl_hpo

    bounds = rl_hpo.load_task("synthetic/mixed/64").bounds
    fitted = {}
    for noise_prior in NOISE_PRIORS:
        task = rl_hpo.load_task("synthetic/mixed/64", noise=0.1 * (bounds.best - bounds.worst))
        settings = SearchSettings(noise_prior=noise_prior, fit_starts="warm")
        optimizer = rl_hpo.make_optimizer("ei", task.space, seed=0, settings=settings)
        optimizer.optimize(task, 30)
        fitted[noise_prior] = optimizer.search_.gp.noise_variance
    assert fitted["none"] < 1e-4 and fitted["gamma"] > 0.01


def test_a_second_start_with_noise_keeps_a_noisy_fit_from_collapsing_its_noise():
    # The same run with the flat prior: a refit that also starts from the warm fit with noise finds the noisy
    # scores' noise, where the warm start alone stays at the lower bound.
    import rl_hpo

    bounds = rl_hpo.load_task("synthetic/mixed/64").bounds
    fitted = {}
    for fit_starts in ("warm", "warm+noise"):
        task = rl_hpo.load_task("synthetic/mixed/64", noise=0.1 * (bounds.best - bounds.worst))
        optimizer = rl_hpo.make_optimizer("ei", task.space, seed=0, settings=SearchSettings(fit_starts=fit_starts))
        optimizer.optimize(task, 30)
        fitted[fit_starts] = optimizer.search_.gp.noise_variance
    assert fitted["warm"] < 1e-4 and fitted["warm+noise"] > 0.01
    enc = MixedEncoding(np.array([0]), np.array([], dtype=int), np.array([], dtype=int))
    with pytest.raises(ValueError, match="noise_prior"):
        GaussianProcess(enc, noise_prior="flat")


def test_the_noise_variance_stays_within_its_upper_bound_which_a_setting_moves():
    # Scores that are pure noise, which this fit calls noise as far as its bound lets it (on other draws, short
    # lengthscales explain them as well).
    space = SearchSpace({"x0": Float(0.0, 1.0), "x1": Float(0.0, 1.0)})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(3)
    u = rng.random((40, 2))
    y = rng.standard_normal(40)
    fitted = {}
    for max_noise in (0.5, 2.0):
        gp = GaussianProcess(enc, max_noise=max_noise)
        gp.fit(u, np.zeros((40, 0), dtype=int), y)
        fitted[max_noise] = gp.noise_variance
    assert fitted[0.5] == pytest.approx(0.5) and fitted[2.0] > 0.6
    for bad in (0.0, 1e-7, math.inf, math.nan, True, "1"):
        for owner in (lambda v: GaussianProcess(enc, max_noise=v), lambda v: SearchSettings(max_noise=v)):
            with pytest.raises(ValueError, match="max_noise"):
                owner(bad)


def test_the_lengthscales_stay_above_their_lower_bound_which_a_setting_raises():
    # Pure noise with the noise capped low: the fit explains the rest by short lengthscales, down to its bound.
    space = SearchSpace({"x0": Float(0.0, 1.0), "x1": Float(0.0, 1.0)})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(3)
    u, y = rng.random((40, 2)), rng.standard_normal(40)
    shortest = {}
    for bound in (0.01, 0.2):
        gp = GaussianProcess(enc, max_noise=1e-3, min_lengthscale=bound)
        gp.fit(u, np.zeros((40, 0), dtype=int), y)
        shortest[bound] = float(gp.lengthscales.min())
    assert shortest[0.01] < 0.2 and shortest[0.2] == pytest.approx(0.2)
    for bad in (0.0, 0.005, 1.5, math.nan, True, "0.1"):
        for owner in (lambda v: GaussianProcess(enc, min_lengthscale=v), lambda v: SearchSettings(min_lengthscale=v)):
            with pytest.raises(ValueError, match="min_lengthscale"):
                owner(bad)


def test_the_lengthscales_stay_below_their_upper_bound_which_a_setting_lowers():
    # The score depends on x0 alone: the fit leaves x1 out by a long lengthscale, up to its bound.
    space = SearchSpace({"x0": Float(0.0, 1.0), "x1": Float(0.0, 1.0)})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(4)
    u = rng.random((40, 2))
    y = np.sin(6.0 * u[:, 0])
    longest = {}
    for bound in (100.0, 1.5):
        gp = GaussianProcess(enc, max_lengthscale=bound)
        gp.fit(u, np.zeros((40, 0), dtype=int), y)
        longest[bound] = float(gp.lengthscales.max())
        assert gp.lengthscales.min() < 1.0  # x0 matters
    assert longest[100.0] > 3.0 and longest[1.5] == pytest.approx(1.5)
    # In many dimensions the prior's mode lies above a low bound: an unfitted GP starts at the bound.
    wide = MixedEncoding.of(SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(64)}))
    assert GaussianProcess(wide).lengthscales[0] > 1.5
    assert GaussianProcess(wide, max_lengthscale=1.5).lengthscales == pytest.approx(np.full(64, 1.5))
    assert SearchSettings().max_lengthscale == 100.0  # the default: no change
    for bad in (0.5, 101.0, math.inf, math.nan, True, "2"):
        for owner in (lambda v: GaussianProcess(enc, max_lengthscale=v), lambda v: SearchSettings(max_lengthscale=v)):
            with pytest.raises(ValueError, match="max_lengthscale"):
                owner(bad)


def test_kumaraswamy_maps_the_unit_interval_into_itself_in_order():
    x = np.linspace(0.0, 1.0, 101)[:, None].repeat(3, axis=1)
    shapes = np.array([[0.0, -1.5, 1.0], [0.0, 0.7, -2.0]])
    w = kumaraswamy(x, shapes)
    np.testing.assert_allclose(w[:, 0], x[:, 0], atol=2e-6)  # zero log shapes: the identity (clipped at 1e-6)
    assert np.all(np.diff(w, axis=0) > 0)
    assert np.all((w >= 0.0) & (w <= 1.0))
    value, by_shape = kumaraswamy_shape_derivatives(x[1:-1], shapes)
    np.testing.assert_allclose(value, w[1:-1])
    for i in range(2):
        step = np.zeros_like(shapes)
        step[i] = 1e-6
        numeric = (kumaraswamy(x[1:-1], shapes + step) - kumaraswamy(x[1:-1], shapes - step)) / 2e-6
        np.testing.assert_allclose(by_shape[i], numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_input_warp_makes_a_parameter_on_the_wrong_scale_stationary(seed):
    # A learning rate given on a linear scale: its effect is all near 0. The fitted warp stretches that end
    # (a < 1) and predicts held-out points far better; the parameter that acts linearly keeps the identity.
    space = SearchSpace({"lr": Float(0.0, 1.0), "other": Float(0.0, 1.0)})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(seed)

    def f(x):
        return np.log10(x[:, 0] + 1e-4) + 0.3 * x[:, 1]

    xn, xc = enc.rows(rng.random((25, 2)))
    tn, tc = enc.rows(rng.random((400, 2)))
    errors = {}
    for warp in INPUT_WARPS:
        gp = GaussianProcess(enc, input_warp=warp)
        gp.fit(xn, xc, f(xn))
        mean, _ = gp.predict(tn, tc)
        errors[warp] = np.sqrt(np.mean((mean * gp.y_std + gp.y_mean - f(tn)) ** 2))
    a, b = np.exp(gp.warp_shapes)
    assert a[0] < 0.3 and abs(np.log(a[1])) < 0.2 and abs(np.log(b[1])) < 0.2
    assert errors["kumaraswamy"] < 0.5 * errors["none"]


def test_a_prequential_choice_predicts_with_the_warp_of_the_fit_it_chose():
    space = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(3)})
    enc = MixedEncoding.of(space)
    gp = GaussianProcess(enc, lengthscale_spread=0.5, lengthscale_choice="prequential", input_warp="kumaraswamy")
    rng = np.random.default_rng(5)
    u = rng.random((16, 3))
    y = np.log10(u[:, 0] + 1e-3) + u[:, 1]
    for n in range(4, 17, 4):
        gp.fit(u[:n], np.zeros((n, 0), dtype=int), y[:n])
    chosen = gp.rivals[gp.spread_in_use]
    assert all(np.any(rival.warp_shapes != 0.0) for rival in gp.rivals.values())
    np.testing.assert_array_equal(gp.warp_shapes, chosen.warp_shapes)
    q = rng.random((5, 3))
    for ours, theirs in zip(
        gp.predict_gradient(q, np.zeros((5, 0), dtype=int)), chosen.predict_gradient(q, np.zeros((5, 0), dtype=int))
    ):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("fit_starts", FIT_STARTS)
def test_a_refit_from_a_second_start_keeps_the_better_posterior(monkeypatch, fit_starts):
    import rl_hpo.acquisition.gp as gp_module

    calls = []
    minimize = gp_module.minimize_lbfgsb

    def recorded(objective, x0, lower, upper, maxiter):
        params, value = minimize(objective, x0, lower, upper, maxiter=maxiter)
        calls.append((x0.copy(), params, objective(params)[0]))
        return params, value

    monkeypatch.setattr(gp_module, "minimize_lbfgsb", recorded)
    space = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(4)})
    enc = MixedEncoding.of(space)
    gp = GaussianProcess(enc, fit_starts=fit_starts)
    prior = gp.theta.copy()
    rng = np.random.default_rng(3)
    u = rng.random((30, 4))
    y = np.sin(6 * u[:, 0]) * u[:, 1] + 0.1 * u[:, 2]
    gp.fit(u[:5], np.zeros((5, 0), dtype=int), y[:5])
    # The first fit starts from the prior's mode already (and, with "warm+noise", from it with noise too).
    first = 2 if fit_starts == "warm+noise" else 1
    assert len(calls) == first
    start = min(calls, key=lambda call: call[2])[1]
    np.testing.assert_array_equal(gp.theta, start)
    gp.fit(u, np.zeros((30, 0), dtype=int), y)
    refit = calls[first:]
    np.testing.assert_array_equal(refit[0][0], start)  # warm: from the previous fit
    if fit_starts == "warm":
        assert len(refit) == 1
        np.testing.assert_array_equal(gp.theta, refit[0][1])
    else:
        assert len(refit) == 2
        if fit_starts == "warm+prior":
            np.testing.assert_array_equal(refit[1][0], prior)
        else:  # the warm start with the noise variance at a tenth of the scores'
            np.testing.assert_array_equal(refit[1][0][:-1], start[:-1])
            assert refit[1][0][-1] == pytest.approx(np.log(0.1))
        best = min(refit, key=lambda call: call[2])
        np.testing.assert_array_equal(gp.theta, best[1])


def test_integrated_lengthscales_predict_the_moments_of_three_shifted_gps():
    space = SearchSpace({"x0": Float(0.0, 1.0), "x1": Float(0.0, 1.0), "c": Categorical(["a", "b"])})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(5)
    u = rng.random((60, 3))
    xn, xc = enc.rows(u)
    y = np.sin(5 * xn[:, 0]) + xn[:, 1] - 0.3 * xc[:, 0]
    gp = GaussianProcess(enc, lengthscale_integration="laplace")
    plain = GaussianProcess(enc)
    gp.fit(xn[:6], xc[:6], y[:6])
    plain.fit(xn[:6], xc[:6], y[:6])
    np.testing.assert_array_equal(gp.theta, plain.theta)  # the mode is fitted as before
    assert 0.05 <= gp.scale_sd <= 1.0
    qn, qc = enc.rows(rng.random((7, 3)))
    means, stds = [], []
    for node in (-math.sqrt(3.0), 0.0, math.sqrt(3.0)):
        shifted = GaussianProcess(enc)
        shifted.theta = plain.theta.copy()
        shifted.theta[:3] += node * gp.scale_sd
        shifted.fit(xn[:6], xc[:6], y[:6], refit=False)
        m, s = shifted.predict(qn, qc)
        means.append(m)
        stds.append(s)
    w = np.array([1.0, 4.0, 1.0])[:, None] / 6.0
    mean = (w * np.array(means)).sum(0)
    var = (w * (np.array(stds) ** 2 + np.array(means) ** 2)).sum(0) - mean**2
    got_mean, got_std = gp.predict(qn, qc)
    np.testing.assert_allclose(got_mean, mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_std, np.sqrt(var), rtol=1e-10, atol=1e-12)
    # Points pin the scale down: its posterior narrows, and past _MIN_SCALE_SD the mode alone predicts.
    sds = []
    for n in (12, 30, 60):
        gp.fit(xn[:n], xc[:n], y[:n])
        sds.append(gp.scale_sd)
    assert sds[0] > sds[-1]
    gp.scale_sd = 0.01
    gp.fit(xn, xc, y, refit=False)
    plain.fit(xn, xc, y)
    gp.theta = plain.theta.copy()
    gp.fit(xn, xc, y, refit=False)
    np.testing.assert_array_equal(np.stack(gp.predict(qn, qc)), np.stack(plain.predict(qn, qc)))


@pytest.mark.parametrize(
    ("name", "bad", "owners"),
    [
        ("lengthscale_integration", "mcmc", (GaussianProcess, SearchSettings)),
        ("fit_starts", "cold", (GaussianProcess, SearchSettings)),
        ("input_warp", "beta", (GaussianProcess,)),
    ],
)
def test_an_unknown_choice_is_refused(name, bad, owners):
    encoding = MixedEncoding.of(SearchSpace({"a": Float(0.0, 1.0)}))
    for owner in owners:
        with pytest.raises(ValueError, match=f"'{name}' parameter of {owner.__name__} must be one of"):
            owner(encoding, **{name: bad}) if owner is GaussianProcess else owner(**{name: bad})


def test_unit_prior_keeps_lengthscales_near_one_where_the_data_say_little():
    # Five points in 20 dimensions: the likelihood barely constrains 20 lengthscales, so the prior decides.
    space = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(20)})
    rng = np.random.default_rng(3)
    xn = rng.random((5, 20))
    y = -np.sum((xn - 0.5) ** 2, axis=1)
    spread = {}
    for prior in LENGTHSCALE_PRIORS:
        gp = GaussianProcess(MixedEncoding.of(space), lengthscale_prior=prior)
        gp.fit(xn, np.zeros((5, 0), dtype=int), y)
        spread[prior] = np.abs(np.log(gp.lengthscales)).max()
    assert spread["unit"] < 2.0
    assert spread["unit"] < spread["dimension"]


def test_lengthscale_spread_pools_the_lengthscales_and_leaves_the_fit_alone_without_it():
    space = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(20)})
    rng = np.random.default_rng(3)
    xn = rng.random((8, 20))
    y = -np.sum((xn - 0.5) ** 2, axis=1)
    cat = np.zeros((8, 0), dtype=int)
    log_ls = {}
    for spread in (None, 0.3):
        gp = GaussianProcess(MixedEncoding.of(space), lengthscale_spread=spread)
        gp.fit(xn, cat, y)
        log_ls[spread] = np.log(gp.lengthscales)
    assert log_ls[0.3].std() < 0.5 * log_ls[None].std()
    plain = GaussianProcess(MixedEncoding.of(space))
    plain.fit(xn, cat, y)
    np.testing.assert_array_equal(np.log(plain.lengthscales), log_ls[None])


def _rotated_and_sparse_functions(rng, d):
    rotation = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return {
        "every parameter": lambda x: np.cos(3.0 * (x - 0.3) @ rotation).sum(1),
        "two parameters": lambda x: -np.sum((x[:, :2] - 0.3) ** 2, axis=1),
    }


def test_prequential_choice_pools_where_every_parameter_matters_and_frees_where_two_do():
    d = 12
    space = SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(d)})
    chosen = {}
    for seed in range(2):
        rng = np.random.default_rng(seed)
        x, cat = rng.random((36, d)), np.zeros((36, 0), dtype=int)
        for name, f in _rotated_and_sparse_functions(rng, d).items():
            y = f(x)
            gp = GaussianProcess(MixedEncoding.of(space), lengthscale_spread=0.5, lengthscale_choice="prequential")
            for n in range(5, 37):
                gp.fit(x[:n], cat[:n], y[:n], refit=n <= 12 or n % 4 == 0)
            chosen[name, seed] = gp.spread_in_use
            # It predicts from the chosen rival's fit.
            rival = gp.rivals[gp.spread_in_use]
            np.testing.assert_array_equal(gp.theta, rival.theta)
            np.testing.assert_array_equal(gp.predict(x[:3], cat[:3])[0], rival.predict(x[:3], cat[:3])[0])
    assert chosen == {
        ("every parameter", 0): 0.5,
        ("every parameter", 1): 0.5,
        ("two parameters", 0): None,
        ("two parameters", 1): None,
    }


def test_prequential_choice_starts_as_the_free_fit_and_scores_each_new_point_once():
    space = SearchSpace({"x": Float(0.0, 1.0), "k": Categorical(["a", "b"])})
    rng = np.random.default_rng(2)
    xn, xc = rng.random((10, 1)), rng.integers(2, size=(10, 1))
    y = np.sin(5 * xn[:, 0]) + xc[:, 0]
    chooser = GaussianProcess(MixedEncoding.of(space), lengthscale_spread=0.5, lengthscale_choice="prequential")
    free = GaussianProcess(MixedEncoding.of(space))
    chooser.fit(xn[:6], xc[:6], y[:6])
    free.fit(xn[:6], xc[:6], y[:6])
    assert chooser.spread_in_use is None and chooser.prequential_scores == {None: 0.0, 0.5: 0.0}
    np.testing.assert_array_equal(chooser.predict(xn, xc)[1], free.predict(xn, xc)[1])
    expected = {s: r.predictive_log_likelihood(xn[6:], xc[6:], y[6:]) for s, r in chooser.rivals.items()}
    chooser.fit(xn, xc, y)
    chooser.fit(xn, xc, y)  # the same points again: nothing new to score
    assert chooser.prequential_scores == pytest.approx(expected)


def test_predictive_log_likelihood_is_the_normal_density_of_the_standardized_scores():
    space = SearchSpace({"x": Float(0.0, 1.0)})
    x = np.linspace(0, 1, 7)[:, None]
    y = np.cos(4 * x[:, 0]) * 10 + 3
    gp = GaussianProcess(MixedEncoding.of(space))
    gp.fit(x[:5], np.zeros((5, 0), dtype=int), y[:5])
    mean, std = gp.predict(x[5:], np.zeros((2, 0), dtype=int))
    var = std**2 + math.exp(gp.theta[-1])
    z = (y[5:] - gp.y_mean) / gp.y_std
    expected = np.sum(-0.5 * np.log(2 * np.pi * var) - 0.5 * (z - mean) ** 2 / var)
    assert gp.predictive_log_likelihood(x[5:], np.zeros((2, 0), dtype=int), y[5:]) == pytest.approx(expected)


def test_prequential_choice_needs_a_spread_and_a_known_name():
    encoding = MixedEncoding.of(SearchSpace({"x": Float(0.0, 1.0)}))
    with pytest.raises(ValueError, match="needs a lengthscale_spread"):
        GaussianProcess(encoding, lengthscale_choice="prequential")
    with pytest.raises(ValueError, match="'lengthscale_choice' parameter of GaussianProcess must be one of"):
        GaussianProcess(encoding, lengthscale_spread=0.5, lengthscale_choice="evidence")


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "0.5", True])
def test_invalid_lengthscale_spread_is_refused(bad):
    space = SearchSpace({"x": Float(0.0, 1.0)})
    with pytest.raises(ValueError, match="'lengthscale_spread' parameter of GaussianProcess must be None or a posi"):
        GaussianProcess(MixedEncoding.of(space), lengthscale_spread=bad)


def test_unknown_lengthscale_prior_is_refused():
    space = SearchSpace({"x": Float(0.0, 1.0)})
    with pytest.raises(ValueError, match="lengthscale_prior"):
        GaussianProcess(MixedEncoding.of(space), lengthscale_prior="flat")


def test_log_ei_matches_ei_and_stays_finite_in_the_tail():
    mean = np.array([-60.0, -20.0, -6.0, -4.0, 0.0, 2.0, 50.0])
    std = np.full(mean.size, 0.7)
    log_ei = log_expected_improvement(mean, std, 0.0)
    assert np.isfinite(log_ei).all()
    assert np.all(np.diff(log_ei) > 0)
    ei = expected_improvement(mean, std, 0.0)
    shown = ei > 1e-300
    np.testing.assert_allclose(log_ei[shown], np.log(ei[shown]), rtol=1e-3)


def test_categorical_difference_counts_one_per_parameter():
    d2 = squared_distances(np.zeros((2, 0)), np.array([[0, 1], [0, 2]]), np.zeros((1, 0)), np.array([[1, 1]]))
    np.testing.assert_array_equal(d2, [[1.0], [2.0]])


def test_gp_fits_a_smooth_function_and_is_uncertain_far_from_data():
    space = SearchSpace({"a": Float(0, 1), "b": Int(1, 20), "c": Categorical(["x", "y"])})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(1)
    u = rng.random((30, 3))
    xn, xc = enc.rows(u)
    y = np.sin(4 * xn[:, 0]) + xn[:, 1] + 0.5 * xc[:, 0]
    gp = GaussianProcess(enc)
    gp.fit(xn, xc, y)
    mean, std = gp.predict(xn, xc)
    np.testing.assert_allclose(mean * gp.y_std + gp.y_mean, y, atol=0.1)
    test_u = rng.random((200, 3))
    t_mean, _ = gp.predict(*enc.rows(test_u))
    tn, tc = enc.rows(test_u)
    truth = np.sin(4 * tn[:, 0]) + tn[:, 1] + 0.5 * tc[:, 0]
    assert np.corrcoef(t_mean, truth)[0, 1] > 0.95
    assert std.max() < 0.2
    assert gp.y_best == pytest.approx(((y - y.mean()) / y.std()).max())


def test_inactive_parameters_are_a_category_of_their_own():
    enc = MixedEncoding(np.array([0]), np.array([1]), np.array([3]))
    xn, xc = enc.rows(np.array([[0.2, 0.9]]), active=np.array([[False, False]]))
    assert xn[0, 0] == 0.5 and xc[0, 0] == 3


def test_fit_keeps_the_best_and_latest_points_beyond_max_points():
    enc = MixedEncoding(np.array([0, 1]), np.array([], dtype=int), np.array([], dtype=int))
    rng = np.random.default_rng(2)
    xn = rng.random((60, 2))
    gp = GaussianProcess(enc, max_points=40, max_fit_points=20)
    gp.fit(xn, np.empty((60, 0), dtype=int), xn.sum(1))
    assert gp.n == 40


def test_predict_in_blocks_matches_the_dense_posterior():
    """``predict`` works through many points in blocks: each point's mean and std are the closed-form
    posterior's, whichever block it falls in."""
    space = SearchSpace({"a": Float(0, 1), "b": Float(0, 1), "c": Categorical(["x", "y", "z"])})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(3)
    xn, xc = enc.rows(rng.random((150, 3)))
    gp = GaussianProcess(enc)
    gp.fit(xn, xc, np.sin(5 * xn[:, 0]) * xn[:, 1] + 0.3 * xc[:, 0])
    qn, qc = enc.rows(rng.random((500, 3)))  # more than one block at 150 points
    mean, std = gp.predict(qn, qc)
    ls = gp.lengthscales
    signal, noise = math.exp(gp.theta[-2]), math.exp(gp.theta[-1])

    def kernel(an, ac, bn, bc):
        r = np.sqrt(squared_distances(an, ac, bn, bc, ls[:2], ls[2:]))
        return signal * (1 + math.sqrt(5) * r + 5 / 3 * r**2) * np.exp(-math.sqrt(5) * r)

    k = kernel(xn, xc, xn, xc) + (noise + 1e-8) * np.eye(len(xn))
    ks = kernel(qn, qc, xn, xc)
    z = k @ gp._alpha  # the standardized scores the GP conditioned on
    np.testing.assert_allclose(mean, ks @ np.linalg.solve(k, z), atol=1e-8)
    np.testing.assert_allclose(std**2, signal - np.einsum("ij,ji->i", ks, np.linalg.solve(k, ks.T)), atol=1e-8)
    single = [gp.predict(qn[i : i + 1], qc[i : i + 1]) for i in (0, 77, 499)]
    np.testing.assert_allclose([m[0] for m, _ in single], mean[[0, 77, 499]], rtol=1e-9)


@pytest.mark.parametrize("warp", WARPS)
def test_every_warp_keeps_the_order_of_the_scores(warp):
    rng = np.random.default_rng(3)
    z = np.concatenate([rng.normal(size=30), [-1e4, -50.0, -50.0]])  # outliers and a tie
    z = (z - z.mean()) / z.std()
    w = warp_scores(z, warp)
    order = np.argsort(z, kind="stable")
    assert np.all(np.diff(w[order]) >= 0.0)
    assert np.argmax(w) == np.argmax(z)


def test_half_rank_keeps_the_good_half_and_maps_the_bad_half_to_normal_quantiles():
    z = np.array([3.0, 2.0, 1.0, 0.0, -1.0, -2.0, -1000.0])
    w = _half_rank(z)
    assert np.array_equal(w[:4], z[:4])  # the median, 0, and above: unchanged
    spread = math.sqrt(np.mean(np.array([3.0, 2.0, 1.0, 0.0]) ** 2))
    # 3 distinct scores below the median, which is a score itself: quantiles 0.5 * (rank - 0.5) / 3.5
    expected = spread * ndtri(0.5 * (np.array([3, 2, 1]) - 0.5) / 3.5)
    np.testing.assert_allclose(w[4:], expected)


def test_tame_outliers_moves_only_scores_far_below_the_median():
    z = np.array([1.0, 0.5, 0.0, -0.5, -1.0, -2.9, -50.0, -5000.0])
    w = _tame_outliers(z)
    threshold = np.median(z) - OUTLIER_REACH * (1.0 - np.median(z))
    near = z >= threshold
    assert np.array_equal(w[near], z[near])
    assert np.all(w[~near] < threshold) and w[-1] < w[-2]
    reach = 1.0 - np.median(z)
    assert w[-1] > threshold - 10.0 * reach  # 5000 below the median, now 8 reaches below the threshold
    spread_evenly = np.random.default_rng(0).uniform(size=50)
    assert np.array_equal(_tame_outliers(spread_evenly), spread_evenly)


def test_tame_outliers_caps_how_deep_an_outlier_lies():
    z = np.array([1.0, 0.5, 0.0, -0.5, -1.0, -100.0, -1e20, -1e300])
    w = _tame_outliers(z)
    reach = 1.0 - np.median(z)
    floor = np.median(z) - OUTLIER_REACH * reach - OUTLIER_DEPTH * reach
    assert w[-1] == w[-2] == pytest.approx(floor)  # both deeper than e^OUTLIER_DEPTH reaches: one value
    assert floor < w[-3] < w[-4]  # 100 below: pulled in on the log scale, above the floor


def test_the_distinct_outliers_warp_still_finds_a_penalty_shared_by_most_scores():
    good = np.array([1.0, 0.5, 0.0, -0.5, -1.0])
    z = np.concatenate([good, np.full(7, -1e6)])  # 7 of 12 scores are the penalty: the median is the penalty
    assert np.array_equal(_tame_outliers(z), z)  # from the median of them all, nothing is an outlier
    w = _tame_outliers(z, distinct=True)
    np.testing.assert_array_equal(w[:5], good)  # the median of the 6 distinct scores is -0.25, the reach 1.25
    assert np.all(w[5:] == w[5]) and w[5] == pytest.approx(-0.25 - 1.25 * (OUTLIER_REACH + OUTLIER_DEPTH))
    spread_evenly = np.random.default_rng(0).uniform(size=50)  # distinct already: the same warp
    assert np.array_equal(warp_scores(spread_evenly, "outliers-distinct"), warp_scores(spread_evenly, "outliers"))


def test_standardize_scores_is_plain_standardization_bit_for_bit_on_ordinary_scores():
    """Decisions must not move: where no outlier lies deeper than the warp lets it, the numbers are those of
    standardizing the scores themselves and then warping them, to the last bit."""
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 7, 50):
        for scale in (1e-6, 1.0, 3e8):
            y = rng.standard_normal(n) * scale + 5.0 * scale
            y[0] = y[0] - 40.0 * scale  # an outlier, within the warp's depth
            mean, std = float(y.mean()), float(y.std())
            for warp in ("none", "outliers"):
                m, s, fit_z, z = standardize_scores(y, warp)
                if std > 1e-12 * np.abs(y).max():
                    assert (m, s) == (mean, std) and np.array_equal(fit_z, (y - mean) / std)
                assert np.array_equal(z, warp_scores(fit_z, warp))


@pytest.mark.parametrize("warp", ["none", "outliers"])
def test_standardize_scores_reads_scores_at_the_ends_of_the_float_range(warp: str):
    y = np.array([-3.0, -1.0, -0.5, -0.2, -2.0, -4.0])
    _, _, _, z = standardize_scores(y, warp)
    for scale in (1e-310, 1e-300, 1e300):  # squares underflow or overflow: once read as constant or infinite
        np.testing.assert_allclose(standardize_scores(y * scale, warp)[3], z, atol=1e-12)


def test_standardize_scores_keeps_the_good_scores_apart_beside_a_huge_penalty():
    good = np.array([-3.0, -1.0, -0.5, -0.2, -2.0, -4.0, -1.5])
    deep = standardize_scores(np.append(good, -1e30), "outliers")[3]
    for penalty in (-1e20, -1e300, -np.finfo(float).max):  # any penalty that deep: the same scores to the GP
        z = standardize_scores(np.append(good, penalty), "outliers")[3]
        assert np.all(np.isfinite(z))
        np.testing.assert_allclose(z, deep, rtol=1e-12)
    assert np.ptp(deep[:-1]) > 0.1  # the good scores are not squeezed into a sliver
    assert np.argmax(deep) == np.argmax(good)


def test_median_is_numpys_median_bit_for_bit():
    """The outliers warp's median is ``np.median``'s number exactly (decisions must not move), for odd and
    even sizes, ties and magnitudes far apart."""
    rng = np.random.default_rng(0)
    for n in range(1, 80):
        for scale in (1e-12, 1.0, 1e12):
            z = rng.standard_normal(n) * scale
            assert _median(z) == float(np.median(z))
            ties = np.round(z / scale, 1) * scale
            assert _median(ties) == float(np.median(ties))


def test_cho_solve_is_scipys_bit_for_bit():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((30, 30))
    chol = np.linalg.cholesky(a @ a.T + 30 * np.eye(30))
    for b in (rng.standard_normal(30), rng.standard_normal((30, 4)), np.eye(30)):
        np.testing.assert_array_equal(_cho_solve(chol, b), cho_solve((chol, True), b, check_finite=False))


def test_log_ei_terms_are_log_ei_with_its_z_and_log_std():
    mean = np.array([-30.0, -2.0, 0.0, 0.5, 3.0])
    std = np.array([1.0, 0.5, 1e-3, 2.0, 0.1])
    log_ei, z, log_std = log_expected_improvement_terms(mean, std, 0.2)
    np.testing.assert_array_equal(log_ei, log_expected_improvement(mean, std, 0.2))
    np.testing.assert_array_equal(z, (mean - 0.2) / std)
    np.testing.assert_array_equal(log_std, np.log(std))


def test_predictions_use_the_kernel_of_the_latest_fit():
    """The posterior keeps the kernel it was fitted with: ``predict`` and ``predict_gradient`` agree with each
    other and with a refit=False fit on the same points."""
    space = SearchSpace({"a": Float(0, 1), "b": Int(1, 9), "c": Categorical(["x", "y"])})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(4)
    xn, xc = enc.rows(rng.random((40, 3)))
    y = np.cos(4 * xn[:, 0]) + xn[:, 1] - 0.5 * xc[:, 0]
    gp = GaussianProcess(enc)
    gp.fit(xn, xc, y)
    qn, qc = enc.rows(rng.random((7, 3)))
    mean, std = gp.predict(qn, qc)
    g_mean, g_std, _, _ = gp.predict_gradient(qn, qc)
    np.testing.assert_allclose(g_mean, mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_std, std, rtol=1e-6)  # two solves of a small variance: round-off apart
    gp.fit(xn, xc, y, refit=False)
    np.testing.assert_array_equal(gp.predict(qn, qc)[0], mean)


def test_a_fit_on_no_points_predicts_the_prior(recwarn):
    """Conditioning on nothing is the prior: mean 0 and the signal's standard deviation, without warnings."""
    enc = MixedEncoding.of(SearchSpace({"a": Float(0, 1), "c": Categorical(["x", "y"])}))
    gp = GaussianProcess(enc)
    gp.fit(np.empty((0, 1)), np.empty((0, 1), dtype=int), np.empty(0))
    mean, std = gp.predict(*enc.rows(np.full((3, 2), 0.5)))
    np.testing.assert_array_equal(mean, 0.0)
    np.testing.assert_allclose(std, math.sqrt(gp._kernel[2]))
    assert (gp.n, gp.y_mean, gp.y_std, gp.y_best) == (0, 0.0, 1.0, 0.0)
    assert not recwarn.list


def test_theta_set_by_hand_takes_effect_at_the_next_fit():
    enc = MixedEncoding.of(SearchSpace({"a": Float(0, 1)}))
    xn, xc = enc.rows(np.linspace(0, 1, 6)[:, None])
    y = np.sin(5 * xn[:, 0])
    gp = GaussianProcess(enc)
    gp.fit(xn, xc, y, refit=False)
    query = enc.rows(np.array([[0.33]]))
    before = gp.predict(*query)
    gp.theta = gp.theta.copy()
    gp.theta[0] += 1.0
    np.testing.assert_array_equal(gp.predict(*query)[0], before[0])
    gp.fit(xn, xc, y, refit=False)
    assert gp.predict(*query)[0][0] != before[0][0]


@pytest.mark.parametrize("warp", ["none", "outliers"])
def test_new_scores_go_through_the_map_the_fitted_scores_went_through(warp):
    rng = np.random.default_rng(4)
    fitted = np.concatenate([rng.normal(size=30), [-40.0, -90.0]])  # two outliers to pull in
    np.testing.assert_allclose(warp_new_scores(fitted, fitted, warp), warp_scores(fitted, warp))
    # One score at a time lands where it would among the fitted ones, and the map stays monotone.
    one_by_one = np.array([warp_new_scores(fitted, np.array([z]), warp)[0] for z in fitted])
    np.testing.assert_allclose(one_by_one, warp_scores(fitted, warp))
    grid = np.linspace(-200.0, 5.0, 101)
    assert np.all(np.diff(warp_new_scores(fitted, grid, warp)) > 0)


def test_new_scores_are_refused_for_warps_fitted_to_ranks_or_shape():
    with pytest.raises(ValueError, match="'none', 'outliers' and 'outliers-distinct' only"):
        warp_new_scores(np.arange(5.0), np.zeros(1), "copula")


def test_a_fit_predicts_new_scores_in_its_own_units():
    space = SearchSpace({"a": Float(0.0, 1.0), "b": Float(0.0, 1.0)})
    rng = np.random.default_rng(5)
    xn = rng.random((12, 2))
    y = 3.0 + 10.0 * xn.sum(1)
    gp = GaussianProcess(MixedEncoding.of(space))
    gp.fit(xn, np.zeros((12, 0), dtype=int), y)
    np.testing.assert_allclose(gp.standardized(y), warp_scores((y - y.mean()) / y.std(), "outliers"))
    assert gp.noise_variance == pytest.approx(gp._kernel[3])


def test_std_scale_widens_the_predicted_uncertainty_and_its_gradient_alone():
    space = SearchSpace({"a": Float(0.0, 1.0), "c": Categorical(["x", "y", "z"])})
    encoding = MixedEncoding.of(space)
    rng = np.random.default_rng(6)
    xn, xc = rng.random((10, 1)), rng.integers(3, size=(10, 1))
    gp = GaussianProcess(encoding)
    gp.fit(xn, xc, np.sin(6 * xn[:, 0]) + xc[:, 0])
    qn, qc = rng.random((7, 1)), rng.integers(3, size=(7, 1))
    plain, plain_gradient = gp.predict(qn, qc), gp.predict_gradient(qn, qc)
    gp.std_scale = 2.5
    mean, std = gp.predict(qn, qc)
    g_mean, g_std, d_mean, d_std = gp.predict_gradient(qn, qc)
    np.testing.assert_allclose(g_mean, mean)
    np.testing.assert_array_equal(mean, plain[0])
    np.testing.assert_allclose(std, 2.5 * plain[1])
    np.testing.assert_array_equal(d_mean, plain_gradient[2])
    np.testing.assert_allclose(d_std, 2.5 * plain_gradient[3])
    np.testing.assert_allclose(g_std, std)


def test_scores_differ_beyond_round_off_at_any_magnitude():
    from rl_hpo.acquisition.gp import scores_differ

    assert not scores_differ(np.array([]))
    assert not scores_differ(np.array([-1e20, -1e20, -1e20]))
    assert not scores_differ(np.array([0.7, 0.7 + 1e-16]))  # round-off
    assert scores_differ(np.array([-1e20, -1e20, 0.5]))
    assert scores_differ(np.array([1e-300, 2e-300]))  # tiny scores that differ


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lengthscale_integration": "laplace"},
        {"input_warp": "kumaraswamy"},
        {"lengthscale_spread": 0.5, "lengthscale_choice": "prequential", "lengthscale_integration": "laplace"},
    ],
)
def test_believed_pending_points_keep_the_mean_and_shrink_the_uncertainty_near_them(options):
    space = SearchSpace({"a": Float(0, 1), "b": Float(0, 1), "c": Categorical(["x", "y", "z"])})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(5)
    u = rng.random((12, 3)) * [0.5, 0.5, 1.0]  # none near the pending point
    y = np.sin(6 * u[:, 0]) + np.cos(5 * u[:, 1]) + 0.3 * (u[:, 2] > 0.5)
    gp = GaussianProcess(enc, **options)
    gp.fit(*enc.rows(u), y)
    pending, far = np.array([[0.9, 0.9, 0.1]]), np.array([[0.1, 0.5, 0.9]])
    near = pending + np.array([0.02, -0.02, 0.0])
    grid = enc.rows(np.vstack([pending, near, far, rng.random((20, 3))]))
    mean, std = gp.predict(*grid)
    rival_counts = {spread: rival.n for spread, rival in gp.rivals.items()}
    believing = gp.believing(*enc.rows(pending))
    mean_b, std_b = believing.predict(*grid)
    np.testing.assert_allclose(mean_b, mean, atol=1e-6)  # the believer's score is the mean: it moves no mean
    assert (std_b <= std + 1e-9).all()
    assert std_b[0] < 0.2 * std[0] and std_b[1] < 0.5 * std[1]  # at and next to the pending point
    assert believing.y_best == max(gp.y_best, *mean[:1]) and believing.n == 13  # the believed score counts
    # A copy: the fit, its rivals and its quadrature nodes predict as before.
    assert gp.n == 12 and {spread: rival.n for spread, rival in gp.rivals.items()} == rival_counts
    np.testing.assert_array_equal(np.array(gp.predict(*grid)), np.array([mean, std]))


def test_a_believed_score_carries_no_observation_noise_even_where_the_fit_has_noise():
    space = SearchSpace({"a": Float(0, 1), "b": Float(0, 1)})
    enc = MixedEncoding.of(space)
    rng = np.random.default_rng(8)
    u = rng.random((15, 2))
    y = np.sin(6 * u[:, 0]) + 0.3 * rng.standard_normal(15)
    gp = GaussianProcess(enc)
    gp.theta[-1] = math.log(0.3)  # a noisy fit, kept as set
    gp.fit(*enc.rows(u), y, refit=False)
    pending = np.array([[0.5, 0.5]])
    believing = gp.believing(*enc.rows(pending))
    assert believing.noise_variance == gp.noise_variance == pytest.approx(0.3)
    assert believing.predict(*enc.rows(pending))[1][0] < 1e-3  # the latent value there is believed as it is
    # an observed point keeps the fit's noise: its latent value is not known exactly
    assert believing.predict(*enc.rows(u[:1]))[1][0] > 0.1


def test_believing_nothing_or_before_any_fit_is_the_fit_itself():
    space = SearchSpace({"a": Float(0, 1)})
    enc = MixedEncoding.of(space)
    gp = GaussianProcess(enc)
    assert gp.believing(*enc.rows(np.array([[0.5]]))) is gp
    gp.fit(*enc.rows(np.array([[0.2], [0.7]])), np.array([0.0, 1.0]))
    assert gp.believing(*enc.rows(np.empty((0, 1)))) is gp
