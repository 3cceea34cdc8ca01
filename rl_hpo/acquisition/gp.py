"""A small Gaussian process over a mixed search space, in numpy: the in-episode surrogate.

The candidate policy and the plain expected-improvement rule read a surrogate's mean and uncertainty at
every step, so the surrogate must cost about a millisecond at 50 points. Optuna's ``GPSampler`` (250-500
ms per suggestion here) and scikit-learn's ``GaussianProcessRegressor`` (no per-parameter categorical
kernel, no warm-started refits, several ms of Python overhead per fit) do not fit that budget, so this
module writes the few formulas it needs (Rasmussen & Williams 2006, ch. 2 and 5).

The kernel is Matérn-5/2 with one lengthscale per *parameter* (ARD). A numeric parameter (float or int; an
int's cube coordinate as the caller gives it: ``CandidateSearch`` gives the coordinate of its value by
default, ``SearchSettings.integers``) contributes ``(u - u')^2`` in unit-cube coordinates; a categorical
parameter contributes 1 when the categories differ (a one-hot embedding scaled by 1/sqrt(2)). An inactive
conditional parameter takes a fixed value: the middle of the cube for a numeric one, a category of its own
for a categorical one (its parent differs anyway). Scores are standardized before fitting.

Hyperparameters (log lengthscales, log signal and noise variance) maximize the marginal likelihood plus a
log-normal prior on the lengthscales that grows with the dimension (Hvarfner et al., ICML 2024, "Vanilla
Bayesian Optimization Performs Great in High Dimensions"; ``lengthscale_prior="unit"`` puts Optuna's in its
place), by L-BFGS-B with analytic gradients (``rl_hpo.acquisition.lbfgsb``), warm-started from the previous fit.
With ``lengthscale_spread`` the prior also pools the log lengthscales around their mean (a hierarchical prior
whose mean is fitted with them), so that parameters share one lengthscale unless the points say otherwise.
With ``lengthscale_choice="prequential"`` the GP runs a free and a pooled fit side by side and predicts with
the one whose predictions of each new point, made before the point was seen, have the higher summed log
likelihood (Dawid's prequential principle): pooling where every parameter matters alike, free lengthscales
where some do not matter. (A leave-one-out likelihood would cost nothing extra, but it scores each point with
hyperparameters fitted to that point too, which favours the more flexible free fit.)
With ``input_warp="kumaraswamy"`` each numeric input first passes through a Kumaraswamy CDF ``1 - (1 - x**a)**b``
whose two shapes per parameter are fitted with the other hyperparameters, under a log-normal prior centred on
the identity (Snoek et al., ICML 2014, "Input Warping for Bayesian Optimization of Non-stationary Functions";
BoTorch's ``Warp`` input transform uses the same CDF; the prior is BoTorch's with its variance divided by the number
of numeric parameters): a parameter whose effect is concentrated near one end of its range, such as a learning
rate on a linear scale, becomes stationary to the kernel.
With ``lengthscale_integration="laplace"`` the GP predicts from its lengthscales' posterior rather than from its mode
alone, along the one direction a handful of points leaves most uncertain, the scale of every lengthscale at once:
a Laplace approximation of the log posterior along that direction (its curvature from the analytic gradient)
integrated by three-point Gauss-Hermite quadrature, the three GPs' predictions matched to one Gaussian by their
first two moments. Marginalizing the hyperparameters instead of fixing them at their mode is what Spearmint's
integrated acquisition does (Snoek et al., NeurIPS 2012, "Practical Bayesian Optimization of Machine Learning
Algorithms"), with slice-sampled hyperparameters; a line and three nodes keep it within a decision's budget, and
once the points pin the scale down (its posterior standard deviation below ``_MIN_SCALE_SD``) the mode alone predicts.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.linalg import lapack
from scipy.special import ndtr, ndtri

from rl_hpo.acquisition.lbfgsb import minimize_lbfgsb

__all__ = [
    "GaussianProcess",
    "MixedEncoding",
    "expected_improvement",
    "kumaraswamy",
    "kumaraswamy_shape_derivatives",
    "log_expected_improvement",
    "log_expected_improvement_terms",
    "negative_log_posterior",
    "scores_differ",
    "squared_distances",
    "standardize_scores",
    "warp_new_scores",
]

_SQRT5 = math.sqrt(5.0)
#: ``predict`` works through its points in blocks of about this many kernel entries (64 KB of floats). Whole
#: (points x history) arrays run to several hundred KB each; glibc's allocator returns such memory to the
#: system when they are freed and faults it back in on the next call, some 500 page faults per decision at
#: 200 conditioned points, which cost more than the arithmetic (benchmarks/decision_overhead.py).
_BLOCK = 8192
#: Output warps of ``GaussianProcess`` (see ``warp_scores``).
WARPS = ("none", "yeo-johnson", "copula", "half-rank", "outliers", "outliers-distinct")
#: The warps that pull in outliers alone (``_tame_outliers``); ``"outliers-distinct"`` reads the median and the best
#: from the distinct scores, so that a penalty more than half of the scores share still counts as an outlier.
OUTLIER_WARPS = ("outliers", "outliers-distinct")
#: Lengthscale priors of ``GaussianProcess``: ``"dimension"``, a log-normal whose median grows with the square
#: root of the number of parameters (Hvarfner et al. 2024); ``"unit"``, Optuna's GPSampler's prior on the inverse
#: squared lengthscale ``q``, ``exp(-0.1 / q - 0.1 q)``, whose mode is a lengthscale of 1 in any dimension.
LENGTHSCALE_PRIORS = ("dimension", "unit")
#: How ``GaussianProcess`` uses ``lengthscale_spread``: ``"fixed"``, the prior as given (pooled when a spread is
#: set); ``"prequential"``, a free and a pooled fit side by side, predicting with the one whose predictions of
#: the points as they came were better.
LENGTHSCALE_CHOICES = ("fixed", "prequential")
#: Input warps of ``GaussianProcess``: ``"none"``, or ``"kumaraswamy"``, each numeric input through a fitted
#: Kumaraswamy CDF (``kumaraswamy``).
INPUT_WARPS = ("none", "kumaraswamy")
#: Where a hyperparameter fit of ``GaussianProcess`` starts L-BFGS-B: ``"warm"``, from the previous fit's
#: hyperparameters alone; ``"warm+prior"``, from those and from the prior's mode (the first fit's start), keeping
#: the fit of lower negative log posterior. A fit warm-started from fewer points can stay in their optimum.
#: ``"warm+noise"``: from those and from the same with the noise variance at ``_NOISE_START`` (a tenth of the scores'
#: variance), keeping the better: a fit whose noise went to the lower bound cannot leave it by the gradient (which
#: vanishes with the noise), so noisy scores would stay interpolated.
FIT_STARTS = ("warm", "warm+prior", "warm+noise")
_NOISE_START = 0.1
#: Priors of ``GaussianProcess`` on its noise variance (in standardized-score units): ``"none"``, a flat one in
#: log space; ``"gamma"``, Gamma(concentration 1.1, rate 0.05), the noise prior of BoTorch's Gamma-prior models (its
#: mode 2, its mean 22: a weak prior that in log space pushes the noise up by a constant 0.1 against the likelihood,
#: up to the bound of 0.5). With a flat prior a fit that reaches the lower bound can stay there, as the likelihood's
#: gradient by the log noise vanishes with the noise; with the Gamma prior it does not.
NOISE_PRIORS = ("none", "gamma")
_NOISE_GAMMA = (1.1, 0.05)  # concentration, rate
#: How ``GaussianProcess`` treats the uncertainty of its lengthscales: ``"none"``, it predicts from their fitted
#: values (the posterior's mode); ``"laplace"``, from their posterior along the direction that scales them all.
LENGTHSCALE_INTEGRATIONS = ("none", "laplace")
#: Three-point Gauss-Hermite quadrature of a standard normal: nodes -sqrt(3), 0, sqrt(3) and their weights.
_QUADRATURE_NODES = np.array([-math.sqrt(3.0), 0.0, math.sqrt(3.0)])
_QUADRATURE_WEIGHTS = np.array([1.0, 4.0, 1.0]) / 6.0
#: With ``lengthscale_integration="laplace"``: the posterior standard deviation of the common log lengthscale
#: shift below which the mode alone predicts (the outer nodes then scale the lengthscales by less than 9%), and the
#: largest one used (where the log posterior is flat or not convex along the line; nodes at factors of 1/5.7 and 5.7).
_MIN_SCALE_SD = 0.05
_MAX_SCALE_SD = 1.0
#: The step of the central difference that gives the log posterior's curvature along that direction.
_CURVATURE_STEP = 0.05
#: Bounds of the warp's log shapes, and the variance of their normal prior in a space of one numeric parameter
#: (BoTorch's ``Warp``: a log-normal prior of variance 0.75 on each shape). With p numeric parameters each log shape
#: has variance 0.75 / p, so that the warps of all of them together vary as much as one warp does in any dimension:
#: with 50 points in 20 dimensions and BoTorch's variance for each of the 40 shapes, plain EI's regret at 50 on a
#: 20-parameter mixture of Gaussians rose by a fifth (``benchmarks/search_settings/input_warp_explore_20d.txt``).
_WARP_SHAPE_BOUNDS = (math.log(0.1), math.log(10.0))
_WARP_SHAPE_PRIOR_VAR = 0.75
#: The warp squeezes [0, 1] onto [eps, 1 - eps], where its derivatives are finite.
_WARP_EPS = 1e-6
#: What a fitted ``GaussianProcess`` predicts from: a prequential choice takes it from the chosen fit.
_FITTED_STATE = (
    "theta",
    "_kernel",
    "_xn",
    "_xc",
    "_raw_xn",
    "_z",
    "_scaled_xn",
    "_scaled_norms",
    "_inv_ls2",
    "_alpha",
    "_chol",
    "warp_shapes",
    "y_mean",
    "y_std",
    "y_best",
    "_fit_z",
    "n",
    "scale_sd",
    "_components",
)
#: The noise variance's lower bound and the default upper one (``max_noise``), in standardized-score units.
MIN_NOISE, MAX_NOISE = 1e-6, 0.5
_SIGNAL_BOUNDS = (math.log(0.05), math.log(20.0))
#: ``_tame_outliers``: a score is an outlier this many times (best - median) below the median.
OUTLIER_REACH = 3.0
#: ``_tame_outliers``: the deepest an outlier lies below the threshold, in ``log1p`` of reaches (e^8: about 3,000
#: reaches; 20, about 5e8, is deeper than any score of the benchmark suites goes). Adopted by a rule fixed before its
#: two runs: no harm on the suites (benchmarks/search_settings/outlier_depth_confirm.sh) and a lower regret where a
#: penalty of -1e20 is returned for bad configurations (benchmarks/heavy_tails/penalty.sh).
OUTLIER_DEPTH = 8.0
#: The lengthscales' default lower and upper bounds (``min_lengthscale``, ``max_lengthscale``), in units of the unit
#: cube.
MIN_LENGTHSCALE, MAX_LENGTHSCALE = 1e-2, 1e2


@dataclass(frozen=True)
class MixedEncoding:
    """Which cube coordinates are numeric and which categorical (with how many choices).

    ``rows(u, active)`` turns cube points into the GP's inputs: numeric coordinates stay as they are (ints
    too), categorical ones become choice indices, and an inactive parameter becomes 0.5 (numeric) or the
    extra index ``n_choices`` (categorical).
    """

    numeric: np.ndarray  # coordinate indices
    categorical: np.ndarray  # coordinate indices
    n_choices: np.ndarray  # per categorical coordinate

    @classmethod
    def of(cls, space) -> MixedEncoding:
        kinds = space.kinds()
        numeric = np.array([j for j, k in enumerate(kinds) if k != "categorical"], dtype=int)
        categorical = np.array([j for j, k in enumerate(kinds) if k == "categorical"], dtype=int)
        params = list(space.values())
        n_choices = np.array([len(params[j].choices) for j in categorical], dtype=int)
        return cls(numeric, categorical, n_choices)

    @property
    def n_params(self) -> int:
        return int(self.numeric.size + self.categorical.size)

    def rows(self, u: np.ndarray, active: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(numeric (n, d_num), categorical indices (n, d_cat))`` of cube points ``u`` (n, d)."""
        u = np.atleast_2d(u)
        xn = np.clip(u[:, self.numeric], 0.0, 1.0)
        xc = np.minimum(np.floor(np.clip(u[:, self.categorical], 0.0, 1.0) * self.n_choices), self.n_choices - 1)
        xc = xc.astype(int)
        if active is not None:
            active = np.atleast_2d(active)
            xn = np.where(active[:, self.numeric], xn, 0.5)
            xc = np.where(active[:, self.categorical], xc, self.n_choices)
        return xn, xc


def squared_distances(
    an: np.ndarray,
    ac: np.ndarray,
    bn: np.ndarray,
    bc: np.ndarray,
    ls_num: np.ndarray | float = 1.0,
    ls_cat: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Squared distances between points a and b (numeric rows, categorical index rows), each parameter
    divided by its lengthscale; a differing category counts 1. Shape (len(a), len(b))."""
    sb = bn / ls_num
    return _scaled_squared_distances(an / ls_num, ac, sb, (sb * sb).sum(1), bc, ls_cat)


def _scaled_squared_distances(
    sa: np.ndarray, ac: np.ndarray, sb: np.ndarray, sb_norms: np.ndarray, bc: np.ndarray, ls_cat: np.ndarray | float
) -> np.ndarray:
    """``squared_distances`` from numeric rows already divided by their lengthscales, b's with their squared
    norms (which a GP keeps for the points it conditions on)."""
    d2 = (sa * sa).sum(1)[:, None] + sb_norms[None, :] - 2.0 * sa @ sb.T
    if ac.shape[1]:
        d2 = d2 + ((ac[:, None, :] != bc[None, :, :]) / np.square(ls_cat)).sum(-1)
    return np.maximum(d2, 0.0)


def _matern52(r: np.ndarray) -> np.ndarray:
    sr = _SQRT5 * r
    return (1.0 + sr + sr * sr / 3.0) * np.exp(-sr)


class GaussianProcess:
    """A Matérn-5/2 GP with per-parameter lengthscales over numeric and categorical inputs.

    Args:
        encoding: the space's ``MixedEncoding``.
        max_fit_points: at most this many points enter the hyperparameter fit (the best half and the
            most recent rest); the posterior always conditions on every point up to ``max_points``.
        max_points: at most this many points enter the posterior (the best and the most recent ones).

    Usage: ``fit(xn, xc, y, refit=True)``, then ``predict(xn_new, xc_new) -> (mean, std)`` in units of the
    standardized scores; ``y_best`` is the best standardized score. The hyperparameters ``theta`` are read by
    ``fit``: a value set by hand takes effect at the next fit (``refit=False`` keeps it as it is).
    """

    def __init__(
        self,
        encoding: MixedEncoding,
        *,
        max_fit_points: int = 60,
        max_points: int = 200,
        warp: str = "none",
        outlier_depth: float = OUTLIER_DEPTH,
        lengthscale_prior: str = "dimension",
        lengthscale_spread: float | None = None,
        lengthscale_choice: str = "fixed",
        input_warp: str = "none",
        fit_starts: str = "warm",
        lengthscale_integration: str = "none",
        noise_prior: str = "none",
        max_noise: float = MAX_NOISE,
        min_lengthscale: float = MIN_LENGTHSCALE,
        max_lengthscale: float = MAX_LENGTHSCALE,
    ) -> None:
        check_one_of("warp", warp, WARPS, "GaussianProcess")
        check_max_noise(max_noise, "GaussianProcess")
        check_min_lengthscale(min_lengthscale, "GaussianProcess")
        check_max_lengthscale(max_lengthscale, "GaussianProcess")
        check_outlier_depth(outlier_depth, "GaussianProcess")
        check_one_of("lengthscale_prior", lengthscale_prior, LENGTHSCALE_PRIORS, "GaussianProcess")
        check_lengthscale_spread(lengthscale_spread, "GaussianProcess")
        check_lengthscale_choice(lengthscale_choice, lengthscale_spread, "GaussianProcess")
        check_one_of("input_warp", input_warp, INPUT_WARPS, "GaussianProcess")
        check_one_of("fit_starts", fit_starts, FIT_STARTS, "GaussianProcess")
        check_one_of("noise_prior", noise_prior, NOISE_PRIORS, "GaussianProcess")
        check_one_of("lengthscale_integration", lengthscale_integration, LENGTHSCALE_INTEGRATIONS, "GaussianProcess")
        self.warp = warp
        self.outlier_depth = float(outlier_depth)
        self.lengthscale_integration = lengthscale_integration
        self.input_warp = input_warp
        self.fit_starts = fit_starts
        self.noise_prior = noise_prior
        self.max_noise = float(max_noise)
        self.min_lengthscale = float(min_lengthscale)
        self.max_lengthscale = float(max_lengthscale)
        self._lengthscale_bounds = (math.log(self.min_lengthscale), math.log(self.max_lengthscale))
        self.lengthscale_prior = lengthscale_prior
        self.lengthscale_spread = lengthscale_spread
        self.lengthscale_choice = lengthscale_choice
        self.encoding = encoding
        self.max_fit_points = max_fit_points
        self.max_points = max_points
        p = encoding.n_params
        self._prior_mu = math.sqrt(2.0) + 0.5 * math.log(max(p, 1))
        self._prior_var = 3.0
        # log lengthscales, log signal variance, log noise variance
        start = self._prior_mu - self._prior_var if lengthscale_prior == "dimension" else 0.0
        start = min(start, self._lengthscale_bounds[1])  # the prior's mode in many dimensions may lie above a bound
        self.theta = np.concatenate([np.full(p, start), [0.0, math.log(1e-3)]])
        self._prior_theta = self.theta.copy()
        #: With ``input_warp="kumaraswamy"``: each numeric parameter's log shapes ``(log a, log b)``, shape (2, p_num);
        #: zeros are the identity.
        self.warp_shapes = np.zeros((2, encoding.numeric.size))
        self._xn = np.empty((0, encoding.numeric.size))
        self._xc = np.empty((0, encoding.categorical.size), dtype=int)
        self._kernel = self._parts()
        self._scaled_xn = self._xn
        self._scaled_norms = np.empty(0)
        self._inv_ls2 = 1.0 / np.square(self._kernel[0])
        self._alpha = np.empty(0)
        self._chol = np.empty((0, 0))
        self._raw_xn, self._z = self._xn, np.empty(0)
        self.y_mean = 0.0
        self.y_std = 1.0
        self.y_best = 0.0
        self._fit_z = np.empty(0)  # the conditioned scores, standardized (before the output warp)
        self.n = 0
        #: Every predicted standard deviation (and its gradient) is multiplied by this (1: the posterior's own), as a
        #: recalibration of the posterior's uncertainty sets it (``rl_hpo.acquisition.search``, ``calibration``).
        self.std_scale = 1.0
        #: With ``lengthscale_integration="laplace"``: the posterior standard deviation of a common shift of the log
        #: lengthscales (from the last refit), and the GPs at the quadrature's outer nodes, which predict with this
        #: one (none while ``scale_sd`` is below ``_MIN_SCALE_SD``).
        self.scale_sd = 0.0
        self._components: tuple[GaussianProcess, ...] = ()
        #: With ``lengthscale_choice="prequential"``: the free and the pooled fit (keyed by their spread, None for
        #: the free one), each one's summed log likelihood of the points as they came, and the spread in use.
        self.rivals: dict[float | None, GaussianProcess] = {}
        self.prequential_scores: dict[float | None, float] = {}
        self.spread_in_use = lengthscale_spread
        if lengthscale_choice == "prequential":
            for spread in (None, lengthscale_spread):
                self.rivals[spread] = GaussianProcess(
                    encoding,
                    max_fit_points=max_fit_points,
                    max_points=max_points,
                    warp=warp,
                    outlier_depth=outlier_depth,
                    lengthscale_prior=lengthscale_prior,
                    lengthscale_spread=spread,
                    input_warp=input_warp,
                    fit_starts=fit_starts,
                    lengthscale_integration=lengthscale_integration,
                    noise_prior=noise_prior,
                    max_noise=max_noise,
                    min_lengthscale=min_lengthscale,
                    max_lengthscale=max_lengthscale,
                )
                self.prequential_scores[spread] = 0.0
            self.spread_in_use = None
            self._adopt(self.rivals[None])

    # -- kernels ----------------------------------------------------------------------------------
    @property
    def lengthscales(self) -> np.ndarray:
        return np.exp(self.theta[:-2])

    @property
    def numeric_lengthscales(self) -> np.ndarray:
        """The lengthscales of the numeric inputs the posterior uses (those of the mode, where it integrates them)."""
        return self._kernel[0]

    def _parts(self) -> tuple[np.ndarray, np.ndarray, float, float]:
        """``theta`` as (numeric lengthscales, categorical lengthscales, signal variance, noise variance)."""
        ls = np.exp(self.theta[:-2])
        n_num = self.encoding.numeric.size
        return ls[:n_num], ls[n_num:], float(np.exp(self.theta[-2])), float(np.exp(self.theta[-1]))

    def _warped(self, xn: np.ndarray) -> np.ndarray:
        """Numeric inputs as the kernel sees them: through the fitted input warp, if any."""
        return kumaraswamy(xn, self.warp_shapes) if self.input_warp == "kumaraswamy" else xn

    def _sqdist_to_conditioned(self, wn: np.ndarray, xc: np.ndarray) -> np.ndarray:
        """Squared scaled distances from points (numeric rows already warped) to the conditioned ones
        (``squared_distances``, with the conditioned points' scaled rows and norms kept from ``fit``: the
        posterior's hot path)."""
        ls_num, ls_cat, _, _ = self._kernel
        return _scaled_squared_distances(wn / ls_num, xc, self._scaled_xn, self._scaled_norms, self._xc, ls_cat)

    # -- fitting ----------------------------------------------------------------------------------
    def fit(self, xn: np.ndarray, xc: np.ndarray, y: np.ndarray, *, refit: bool = True) -> None:
        """Condition on points ``(xn, xc)`` with scores ``y`` (higher is better, all finite).

        Args:
            refit: re-estimate the hyperparameters (warm-started); otherwise keep the previous ones.
        """
        if self.rivals:
            self._fit_rivals(xn, xc, np.asarray(y, dtype=float), refit)
            return
        y = np.asarray(y, dtype=float)
        if y.size > self.max_points:
            keep = _keep(y, self.max_points)
            xn, xc, y = xn[keep], xc[keep], y[keep]
        self.y_mean, self.y_std, self._fit_z, z = standardize_scores(y, self.warp, self.outlier_depth)
        if refit and y.size >= 2:
            fit_rows = _keep(z, self.max_fit_points) if y.size > self.max_fit_points else slice(None)
            self._optimize(xn[fit_rows], xc[fit_rows], z[fit_rows])
        self._condition(xn, xc, z)
        self._components = ()
        if self.lengthscale_integration == "laplace" and self.scale_sd >= _MIN_SCALE_SD and y.size:
            self._components = tuple(
                self._shifted(float(node) * self.scale_sd, xn, xc, z) for node in _QUADRATURE_NODES
            )

    def _shifted(self, shift: float, xn: np.ndarray, xc: np.ndarray, z: np.ndarray) -> GaussianProcess:
        """This GP with every log lengthscale moved by ``shift`` (within bounds), conditioned on the same points."""
        if shift == 0.0:
            return self
        other = copy.copy(self)
        other.rivals, other._components = {}, ()
        other.theta = self.theta.copy()
        p = self.encoding.n_params
        other.theta[:p] = np.clip(self.theta[:p] + shift, *self._lengthscale_bounds)
        other._condition(xn, xc, z)
        return other

    def _condition(self, xn: np.ndarray, xc: np.ndarray, z: np.ndarray, believed: int = 0) -> None:
        """Condition on points ``(xn, xc)`` with warped standardized scores ``z``, with the hyperparameters as set;
        the last ``believed`` of them without observation noise (``believing``)."""
        # The kernel's parts and the conditioned points' (warped) scaled rows, fixed until the next fit.
        self._kernel = ls_num, _, signal, noise = self._parts()
        wn = self._warped(xn)
        self._xn, self._xc = wn, xc  # the numeric rows as the kernel sees them (warped, with an input warp)
        self._raw_xn, self._z = xn, z  # as given, for ``believing``
        self._scaled_xn = wn / ls_num
        self._scaled_norms = (self._scaled_xn * self._scaled_xn).sum(1)
        self._inv_ls2 = 1.0 / np.square(ls_num)
        self.n = int(z.size)
        self.y_best = float(z.max()) if z.size else 0.0
        k = signal * _matern52(np.sqrt(self._sqdist_to_conditioned(wn, xc)))
        k[np.diag_indices_from(k)] += noise + 1e-8
        if believed:  # their latent value believed as it is
            rows = np.arange(z.size - believed, z.size)
            k[rows, rows] -= noise
        self._chol = _cholesky(k)
        self._alpha = _cho_solve(self._chol, z)

    def believing(self, xn: np.ndarray, xc: np.ndarray) -> GaussianProcess:
        """This fit, also conditioned on points whose scores are not known yet (trials running in parallel), each
        as if it had scored the posterior mean there: the kriging believer (Ginsbourger, Le Riche & Carraro, "Kriging
        is well-suited to parallelize optimization", 2010). The mean stays as it is everywhere, the uncertainty at
        and near those points shrinks (at them to nothing: a believed score is the latent value, without the fit's
        observation noise, so that a fit with noise does not send a batch's trials to one spot), and the incumbent
        (``y_best``) is the best of the scores observed and believed, as the paper's believer counts its fantasies
        as observations: so expected improvement turns to other regions, also away from a pending point the GP
        expects to improve. The hyperparameters stay as fitted. A copy: this GP, its rivals and the quadrature
        nodes it predicts with are left as they are (itself when there is nothing to believe)."""
        if self.n == 0 or not len(xn):
            return self
        copies: dict[int, GaussianProcess] = {}

        def believed(gp: GaussianProcess) -> GaussianProcess:
            if id(gp) not in copies:
                other = copy.copy(gp)
                other.rivals, other._components = {}, ()
                mean = gp._predict(xn, xc)[0]
                other._condition(
                    np.concatenate([gp._raw_xn, xn]),
                    np.concatenate([gp._xc, xc]),
                    np.concatenate([gp._z, mean]),
                    believed=len(xn),
                )
                copies[id(gp)] = other
            return copies[id(gp)]

        out = believed(self)
        if self._components:  # predictions come from the nodes (one of them this GP or the rival it adopted)
            out._components = tuple(believed(node) for node in self._components)
        return out

    def _fit_rivals(self, xn: np.ndarray, xc: np.ndarray, y: np.ndarray, refit: bool) -> None:
        """The prequential choice: score the points the rivals have not seen (when ``y`` extends what they were
        fitted to, within ``max_points``) by each one's predictive density, fit both, predict with the better."""
        for spread, rival in self.rivals.items():
            if 0 < rival.n < y.size <= self.max_points:
                self.prequential_scores[spread] += rival.predictive_log_likelihood(
                    xn[rival.n :], xc[rival.n :], y[rival.n :]
                )
            rival.fit(xn, xc, y, refit=refit)
        best = max(self.prequential_scores.values())
        # Ties (no evidence yet) keep the free fit, the GP's default.
        self.spread_in_use = next(spread for spread, score in self.prequential_scores.items() if score == best)
        self._adopt(self.rivals[self.spread_in_use])

    def _adopt(self, other: GaussianProcess) -> None:
        """Predict from ``other``'s fit (its arrays are shared, not copied: a fit replaces them, never edits them)."""
        for name in _FITTED_STATE:
            setattr(self, name, getattr(other, name))

    def predictive_log_likelihood(self, xn: np.ndarray, xc: np.ndarray, y: np.ndarray) -> float:
        """The summed log density of scores ``y`` at points ``(xn, xc)`` under the fit's predictive distribution
        (latent variance plus noise), with the scores standardized as the fit's own were (before its output warp)."""
        mean, std = self.predict(xn, xc)
        var = std * std + self._kernel[3]
        z = (y - self.y_mean) / self.y_std
        return float(np.sum(-0.5 * np.log(2 * math.pi * var) - 0.5 * (z - mean) ** 2 / var))

    def standardized(self, y: np.ndarray) -> np.ndarray:
        """Scores ``y`` in the units the fit predicts in: standardized and warped by the very map the fit's own
        scores went through (``warp_new_scores``), so that a prediction made before a score was known can be set
        against it."""
        z = (np.asarray(y, dtype=float) - self.y_mean) / self.y_std
        return warp_new_scores(self._fit_z, z, self.warp, self.outlier_depth)

    @property
    def noise_variance(self) -> float:
        """The fitted observation noise's variance, in standardized-score units."""
        return self._kernel[3]

    def _optimize(self, xn: np.ndarray, xc: np.ndarray, z: np.ndarray) -> None:
        n, n_num = z.size, xn.shape[1]
        warped = self.input_warp == "kumaraswamy" and n_num > 0
        # Per-parameter squared differences, computed once per fit (with an input warp, the numeric ones are the
        # warped inputs', computed at each step by negative_log_posterior).
        diff = np.empty((self.encoding.n_params, n, n))
        if n_num and not warped:
            diff[:n_num] = (xn.T[:, :, None] - xn.T[:, None, :]) ** 2
        if xc.shape[1]:
            diff[n_num:] = xc.T[:, :, None] != xc.T[:, None, :]
        noise_bounds = (math.log(MIN_NOISE), math.log(self.max_noise))
        bounds = [self._lengthscale_bounds] * self.encoding.n_params + [_SIGNAL_BOUNDS, noise_bounds]
        if warped:
            bounds += [_WARP_SHAPE_BOUNDS] * (2 * n_num)
        lower, upper = np.array(bounds).T
        k = self.theta.size

        def objective(params: np.ndarray) -> tuple[float, np.ndarray]:
            return negative_log_posterior(
                params,
                diff,
                z,
                self._prior_mu,
                self._prior_var,
                lengthscale_prior=self.lengthscale_prior,
                lengthscale_spread=self.lengthscale_spread,
                warp_inputs=xn if warped else None,
                noise_prior=self.noise_prior,
            )

        x0 = np.clip(np.concatenate([self.theta, self.warp_shapes.ravel()]) if warped else self.theta, lower, upper)
        params, value = minimize_lbfgsb(objective, x0, lower, upper, maxiter=30)
        if self.fit_starts != "warm":
            if self.fit_starts == "warm+prior":
                second = np.concatenate([self._prior_theta, np.zeros(2 * n_num)]) if warped else self._prior_theta
            else:
                second = x0.copy()
                second[k - 1] = math.log(_NOISE_START)
            second = np.clip(second, lower, upper)
            if not np.array_equal(second, x0):
                other, _ = minimize_lbfgsb(objective, second, lower, upper, maxiter=30)
                # Each end point's own value: after a failed line search the routine's may be another point's.
                ends = [(objective(x)[0], i, x) for i, x in enumerate((params, other)) if np.all(np.isfinite(x))]
                if ends:
                    value, _, params = min(ends, key=lambda end: (end[0], end[1]))
        # value: the last one the routine was given (scipy's result.fun), 1e10 where a kernel was not positive
        # definite; after a failed line search it may be another point's.
        if np.all(np.isfinite(params)) and value < 1e9:
            self.theta = params[:k]
            if warped:
                self.warp_shapes = params[k:].reshape(2, n_num)
        if self.lengthscale_integration == "laplace":
            fitted = np.concatenate([self.theta, self.warp_shapes.ravel()]) if warped else self.theta
            self.scale_sd = _scale_sd(objective, fitted, self.encoding.n_params)

    # -- prediction -------------------------------------------------------------------------------
    def predict(self, xn: np.ndarray, xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation (of the latent function) in standardized-score units, the
        standard deviation times ``std_scale``."""
        if not self._components:
            mean, std = self._predict(xn, xc)
        else:
            means, stds = zip(*(gp._predict(xn, xc) for gp in self._components), strict=True)
            mean, std = _matched_moments(np.array(means), np.array(stds))
        return mean, std if self.std_scale == 1.0 else std * self.std_scale

    def _predict(self, xn: np.ndarray, xc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``predict`` with this GP's hyperparameters alone."""
        signal = self._kernel[2]
        if self.n == 0:
            m = xn.shape[0]
            return np.zeros(m), np.full(m, math.sqrt(signal))
        m = xn.shape[0]
        xn = self._warped(xn)
        mean, var = np.empty(m), np.empty(m)
        step = max(8, _BLOCK // self.n)
        for start in range(0, m, step):
            block = slice(start, start + step)
            ks = signal * _matern52(np.sqrt(self._sqdist_to_conditioned(xn[block], xc[block])))
            mean[block] = ks @ self._alpha
            # L v = ks^T by LAPACK's trtrs on the transposed factor (Fortran order, so nothing is copied).
            v = lapack.dtrtrs(self._chol.T, ks.T, lower=0, trans=1)[0]
            var[block] = signal - (v * v).sum(0)
        return mean, np.sqrt(np.maximum(var, 1e-12))

    def predict_gradient(self, xn: np.ndarray, xc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``predict`` and its gradient by the numeric inputs: ``(mean, std, d mean / d xn, d std / d xn)``,
        the gradients of shape ``xn.shape`` (the standard deviation and its gradient times ``std_scale``). Needs
        at least one conditioned point."""
        if not self._components:
            mean, std, d_mean, d_std = self._predict_gradient(xn, xc)
        else:
            parts = [
                np.array(part) for part in zip(*(gp._predict_gradient(xn, xc) for gp in self._components), strict=True)
            ]
            means, stds, d_means, d_stds = parts
            mean, std = _matched_moments(means, stds)
            w = _QUADRATURE_WEIGHTS[:, None, None]
            d_mean = (w * d_means).sum(0)
            # var = sum_i w_i (std_i^2 + mean_i^2) - mean^2, so d std = (sum_i w_i (std_i d std_i + mean_i d mean_i)
            # - mean d mean) / std.
            d_second = (w * (stds[:, :, None] * d_stds + means[:, :, None] * d_means)).sum(0)
            d_std = (d_second - mean[:, None] * d_mean) / std[:, None]
        if self.std_scale != 1.0:
            std, d_std = std * self.std_scale, d_std * self.std_scale
        return mean, std, d_mean, d_std

    def _predict_gradient(
        self, xn: np.ndarray, xc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``predict_gradient`` with this GP's hyperparameters alone."""
        signal = self._kernel[2]
        wn = self._warped(xn)
        d2 = self._sqdist_to_conditioned(wn, xc)
        sr = _SQRT5 * np.sqrt(d2)
        e = np.exp(-sr)
        ks = signal * (1.0 + sr + 5.0 / 3.0 * d2) * e
        # d ks[s, i] / d wn[s, p] = slope[s, i] * (wn[s, p] - W[i, p]) / lengthscale_p^2 for the (warped) rows wn
        # and the conditioned ones W (Matérn-5/2 is smooth at r = 0), so a weighted sum over i of those is
        # (sum_i c_i) wn[s] - c @ W, without an (s, n, p) array; the warp's slope then takes it to xn.
        slope = -signal * (5.0 / 3.0) * (1.0 + sr) * e
        inv_ls2 = self._inv_ls2
        if self.input_warp == "kumaraswamy":  # by the warped inputs, then by xn (the chain rule)
            inv_ls2 = inv_ls2 * _kumaraswamy_slope(xn, self.warp_shapes)

        def weighted_dks(c: np.ndarray) -> np.ndarray:
            return (c.sum(1)[:, None] * wn - c @ self._xn) * inv_ls2

        # (K^-1 ks^T)^T by LAPACK's potrs on the Cholesky factor (its transpose is the upper factor, in Fortran
        # order, so nothing is copied). Polishing calls this about eight times per fit on three points: at 50
        # and 200 points, those solves cost a half and a quarter of forming K^-1 once.
        w = lapack.dpotrs(self._chol.T, ks.T, lower=0)[0].T
        std = np.sqrt(np.maximum(signal - (ks * w).sum(1), 1e-12))
        d_mean = weighted_dks(slope * self._alpha)
        d_std = -weighted_dks(slope * w) / std[:, None]
        return ks @ self._alpha, std, d_mean, d_std


def negative_log_posterior(
    params: np.ndarray,
    diff: np.ndarray,
    z: np.ndarray,
    prior_mu: float,
    prior_var: float,
    *,
    lengthscale_prior: str = "dimension",
    lengthscale_spread: float | None = None,
    warp_inputs: np.ndarray | None = None,
    noise_prior: str = "none",
) -> tuple[float, np.ndarray]:
    """The negative log marginal likelihood plus hyperprior of the GP's hyperparameters and its gradient.

    Args:
        params: log lengthscales (one per parameter), log signal variance, log noise variance; with
            ``warp_inputs``, then the numeric parameters' log warp shapes (all ``log a``, then all ``log b``).
        diff: per-parameter squared differences between the points, shape (n_params, n, n). With
            ``warp_inputs``, only its categorical rows are read (the numeric ones come from the warped inputs).
        z: standardized scores.
        prior_mu, prior_var: the log-normal lengthscale prior (``lengthscale_prior="dimension"``).
        lengthscale_prior: one of ``LENGTHSCALE_PRIORS``.
        lengthscale_spread: the standard deviation of a normal prior on each log lengthscale around the mean of
            them all, which pools them (None: no such term).
        warp_inputs: the points' numeric inputs (n, p_num), to be warped by ``kumaraswamy`` with the shapes in
            ``params`` (None: no input warp).
        noise_prior: one of ``NOISE_PRIORS``.
    """
    if warp_inputs is None:
        value, grad, _ = _negative_log_posterior_terms(
            params, diff, z, prior_mu, prior_var, lengthscale_prior, lengthscale_spread, noise_prior
        )
        return value, grad
    n_num = warp_inputs.shape[1]
    k = diff.shape[0] + 2
    shapes = params[k:].reshape(2, n_num)
    w, by_shape = kumaraswamy_shape_derivatives(warp_inputs, shapes)
    diff = np.concatenate([(w.T[:, :, None] - w.T[:, None, :]) ** 2, diff[n_num:]])
    value, grad, weights = _negative_log_posterior_terms(
        params[:k], diff, z, prior_mu, prior_var, lengthscale_prior, lengthscale_spread, noise_prior
    )
    if weights is None:  # not positive definite
        return value, np.zeros_like(params)
    # A shape of parameter p moves each warped input w_ip by g_ip (its derivative), so d K_ik = -common_ik
    # (w_ip - w_kp)(g_ip - g_kp) / lengthscale_p^2; summed against -(alpha alpha^T - K^-1) / 2 and with
    # M = weights (symmetric), that is sum_i g_ip (rowsum(M)_i w_ip - (M w)_ip) / lengthscale_p^2.
    h = (weights.sum(1)[:, None] * w - weights @ w) * np.exp(-2.0 * params[:n_num])
    var = _WARP_SHAPE_PRIOR_VAR / n_num
    grad_shapes = np.stack([(h * g).sum(0) for g in by_shape]) + shapes / var
    value += 0.5 * float(np.sum(shapes * shapes)) / var
    return value, np.concatenate([grad, grad_shapes.ravel()])


def _negative_log_posterior_terms(
    theta: np.ndarray,
    diff: np.ndarray,
    z: np.ndarray,
    prior_mu: float,
    prior_var: float,
    lengthscale_prior: str,
    lengthscale_spread: float | None,
    noise_prior: str = "none",
) -> tuple[float, np.ndarray, np.ndarray | None]:
    """``negative_log_posterior`` and the matrix ``(alpha alpha^T - K^-1) * common`` (None where the kernel is
    not positive definite), through which the gradient by the inputs' warp runs: ``d K_ik / d d2_ik`` is
    ``-common_ik / 2``, ``d2`` being the squared scaled distance."""
    n = z.size
    eye = np.eye(n)
    ls2 = np.exp(2.0 * theta[:-2])
    signal, noise = math.exp(theta[-2]), math.exp(theta[-1])
    d2 = np.tensordot(1.0 / ls2, diff, axes=1)
    r = np.sqrt(np.maximum(d2, 0.0))
    e = np.exp(-_SQRT5 * r)
    kf = signal * (1.0 + _SQRT5 * r + 5.0 / 3.0 * d2) * e
    k = kf + (noise + 1e-8) * eye
    try:
        chol = np.linalg.cholesky(k)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(theta), None
    alpha = _cho_solve(chol, z)
    nll = 0.5 * z @ alpha + np.log(np.diag(chol)).sum() + 0.5 * n * math.log(2 * math.pi)
    k_inv = _cho_solve(chol, eye)
    w = np.outer(alpha, alpha) - k_inv  # twice the derivative of the log likelihood by K
    common = signal * (5.0 / 3.0) * (1.0 + _SQRT5 * r) * e  # dK/dlog(lengthscale_p) = common * diff_p / ls_p^2
    weights = w * common
    grad_ls = -0.5 * np.einsum("ij,pij->p", weights, diff) / ls2
    grad_signal = -0.5 * np.sum(w * kf)
    grad_noise = -0.5 * noise * np.trace(w)
    # A log-normal prior density on each lengthscale (its mode at exp(mu - var)), a weak normal one on the
    # log signal variance.
    if lengthscale_prior == "dimension":
        dev = theta[:-2] - prior_mu
        nll += 0.5 * np.sum(dev * dev) / prior_var + np.sum(theta[:-2]) + 0.5 * theta[-2] ** 2
        grad_ls = grad_ls + dev / prior_var + 1.0
    else:  # "unit": 0.1 / q + 0.1 q with q = 1 / lengthscale^2 = exp(-2 log lengthscale)
        up, down = np.exp(2.0 * theta[:-2]), np.exp(-2.0 * theta[:-2])
        nll += 0.1 * np.sum(up + down) + 0.5 * theta[-2] ** 2
        grad_ls = grad_ls + 0.2 * (up - down)
    if lengthscale_spread is not None:
        # Each log lengthscale about their mean; the deviations sum to zero, so each one's gradient is its own.
        spread = theta[:-2] - theta[:-2].mean()
        nll += 0.5 * np.sum(spread * spread) / lengthscale_spread**2
        grad_ls = grad_ls + spread / lengthscale_spread**2
    if noise_prior == "gamma":
        # Gamma(a, b) on the noise variance v = exp(t), its density read at v as the lengthscales' is (as GPyTorch
        # reads a prior on a constrained value): -log p(v) = -(a - 1) t + b v (+ const), its mode at (a - 1) / b.
        a, b = _NOISE_GAMMA
        nll += -(a - 1.0) * theta[-1] + b * noise
        grad_noise += -(a - 1.0) + b * noise
    grad = np.concatenate([grad_ls, [grad_signal + theta[-2], grad_noise]])
    return float(nll), grad, weights


def check_one_of(name: str, value: object, choices: tuple[str, ...], owner: str) -> None:
    """Raise ``ValueError`` unless ``value``, the ``name`` parameter of ``owner`` (a class), is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"The {name!r} parameter of {owner} must be one of {choices}. Got {value!r} instead.")


def check_lengthscale_choice(value: object, spread: float | None, owner: str) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``LENGTHSCALE_CHOICES`` and, for ``"prequential"``, a spread
    is set (``owner`` names the class)."""
    check_one_of("lengthscale_choice", value, LENGTHSCALE_CHOICES, owner)
    if value == "prequential" and spread is None:
        raise ValueError(
            f"lengthscale_choice='prequential' of {owner} chooses between free and pooled lengthscales: it needs "
            "a lengthscale_spread (for example 0.5)."
        )


def _scale_sd(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]], params: np.ndarray, n_lengthscales: int
) -> float:
    """The posterior standard deviation of a common shift of the log lengthscales at ``params`` by a Laplace
    approximation along that line: one over the square root of the negative log posterior's curvature there, from
    a central difference of its analytic gradient, within ``[0, _MAX_SCALE_SD]`` (the largest where the curvature
    is not positive or not finite)."""
    direction = np.zeros(params.size)
    direction[:n_lengthscales] = 1.0
    up = objective(params + _CURVATURE_STEP * direction)[1] @ direction
    down = objective(params - _CURVATURE_STEP * direction)[1] @ direction
    curvature = (up - down) / (2.0 * _CURVATURE_STEP)
    if not (math.isfinite(curvature) and curvature > 0.0):
        return _MAX_SCALE_SD
    return min(_MAX_SCALE_SD, 1.0 / math.sqrt(curvature))


def _matched_moments(means: np.ndarray, stds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean and standard deviation of the quadrature's mixture of Gaussians, rows ``(means[i], stds[i])``
    weighted by ``_QUADRATURE_WEIGHTS``."""
    w = _QUADRATURE_WEIGHTS[:, None]
    mean = (w * means).sum(0)
    second = (w * (stds * stds + means * means)).sum(0)
    return mean, np.sqrt(np.maximum(second - mean * mean, 1e-12))


def kumaraswamy(x: np.ndarray, log_shapes: np.ndarray) -> np.ndarray:
    """The Kumaraswamy CDF ``1 - (1 - x**a)**b`` of each column of ``x`` with its column's shapes, ``log_shapes =
    (log a, log b)`` of shape (2, columns), after squeezing [0, 1] onto [eps, 1 - eps] (as BoTorch's ``Warp``
    does), where the CDF and its derivatives are finite: an increasing map of [0, 1] into itself, within eps of
    the identity at ``a = b = 1``."""
    return 1.0 - _kumaraswamy_terms(x, log_shapes)[5]


def kumaraswamy_shape_derivatives(x: np.ndarray, log_shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``kumaraswamy(x, log_shapes)`` and its derivatives by ``log a`` and ``log b``, stacked (2, *x.shape)."""
    a, b, x, s, t, u = _kumaraswamy_terms(x, log_shapes)
    by_log_a = a * b * (u / t) * s * np.log(x)
    by_log_b = -b * u * np.log(t)
    return 1.0 - u, np.stack([by_log_a, by_log_b])


def _kumaraswamy_slope(x: np.ndarray, log_shapes: np.ndarray) -> np.ndarray:
    """d kumaraswamy / d x, finite on all of [0, 1] (the faces of the cube included, where polishing starts)."""
    a, b, x, s, t, u = _kumaraswamy_terms(x, log_shapes)
    return a * b * (u / t) * (s / x) * (1.0 - 2.0 * _WARP_EPS)


def _kumaraswamy_terms(
    x: np.ndarray, log_shapes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(a, b, x', x'**a, 1 - x'**a, (1 - x'**a)**b)`` with ``x' = eps + (1 - 2 eps) x``."""
    a, b = np.exp(log_shapes)
    x = _WARP_EPS + (1.0 - 2.0 * _WARP_EPS) * np.clip(x, 0.0, 1.0)
    s = x**a
    t = 1.0 - s
    return a, b, x, s, t, t**b


def check_lengthscale_spread(value: object, owner: str) -> None:
    """Raise ``ValueError`` unless ``value`` is None or a positive finite number (``owner`` names the class)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    if not (value is None or ok):
        raise ValueError(
            f"The 'lengthscale_spread' parameter of {owner} must be None or a positive number. Got {value!r} instead."
        )


def standardize_scores(
    y: np.ndarray, warp: str, depth: float = OUTLIER_DEPTH
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """``(mean, std, standardized, warped)`` of finite scores ``y``: their mean and standard deviation (1 where the
    scores are constant up to round-off, relative to their magnitude), the scores standardized by them, and the
    standardized scores through ``warp_scores(.., warp, depth)``, the scores the GP fits (``depth``: how deep the
    outliers warp lets an outlier lie, ``_tame_outliers``).

    Computed on ``y`` divided by a power of two near its largest magnitude, which a float divides by without
    rounding: to the last bit the numbers of standardizing ``y`` itself, but without squares that overflow or
    underflow at the ends of the float range (scores of 1e308 or 1e-300 would otherwise read as infinite or
    constant). With the outliers warp, outliers are pulled in before the scores are standardized rather than after
    (the same map: it moves with the scores' location and scale): a score of -1e20 beside scores of order 1 would
    otherwise set the mean and standard deviation, and the others, standardized, would differ by less than a
    float resolves, so the GP would see them as equal. (Only where an outlier lies deeper than the warp lets it:
    closer ones leave the good scores resolved, and the order of the steps there is the one the studies ran.)"""
    if not y.size:  # no points: the prior
        return 0.0, 1.0, y.copy(), y.copy()
    u, unit, scale = _in_unit_range(y)
    mean, std = float(u.mean()), float(u.std())
    if not _spread_resolved(std, unit, scale):
        centred = y - mean * unit
        return mean * unit, 1.0, centred, warp_scores(centred, warp, depth)
    z = (u - mean) / std
    distinct = warp == "outliers-distinct"
    if warp in OUTLIER_WARPS and u.size >= 3 and _deeper_than_tamed(u, depth, distinct):
        tamed = _tame_outliers(u, depth=depth, distinct=distinct)
        t = _in_unit_range(tamed)[0]  # the good scores' spread, now the tamed ones' scale, may be 1e-299
        return mean * unit, std * unit, z, (t - t.mean()) / t.std()
    return mean * unit, std * unit, z, warp_scores(z, warp, depth)


def scores_differ(y: np.ndarray) -> bool:
    """Whether finite scores ``y`` are not all one value up to round-off (``standardize_scores`` reads them as
    constant where they are not)."""
    if not y.size:
        return False
    u, unit, scale = _in_unit_range(y)
    return _spread_resolved(float(u.std()), unit, scale)


def _spread_resolved(std: float, unit: float, scale: float) -> bool:
    """Whether a standard deviation ``std`` of scores divided by ``unit`` (``_in_unit_range``), whose largest
    magnitude is ``scale``, is more than round-off (so 1e-14-sized scores that differ are not constant)."""
    return std > 1e-12 * (scale / unit)


def _deeper_than_tamed(u: np.ndarray, depth: float, distinct: bool) -> bool:
    """Whether a score of ``u`` lies below the outliers' threshold by more than ``_tame_outliers`` lets it."""
    threshold, reach = _outlier_threshold(u, distinct)
    return reach > 0.0 and (threshold - float(u.min())) / reach > math.expm1(depth)


def _in_unit_range(y: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``(y / unit, unit, scale)``: ``scale`` the largest magnitude in ``y``, ``unit`` the power of two at or below
    it (1 if all are 0)."""
    scale = float(np.abs(y).max())
    unit = math.ldexp(1.0, math.frexp(scale)[1] - 1) if scale > 0.0 else 1.0
    return y / unit, unit, scale


def check_max_noise(value: object, owner: str) -> None:
    """Refuse a ``max_noise`` that is not a finite number above the lower bound ``MIN_NOISE``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not MIN_NOISE < value < math.inf:
        raise ValueError(
            f"The 'max_noise' parameter of {owner} must be a finite number > {MIN_NOISE}. Got {value!r} instead."
        )


def check_min_lengthscale(value: object, owner: str) -> None:
    """Refuse a ``min_lengthscale`` that is not a number from ``MIN_LENGTHSCALE`` up to 1 (the unit cube's side)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not MIN_LENGTHSCALE <= value <= 1.0:
        raise ValueError(
            f"The 'min_lengthscale' parameter of {owner} must be a number from {MIN_LENGTHSCALE} to 1. Got {value!r} "
            "instead."
        )


def check_max_lengthscale(value: object, owner: str) -> None:
    """Refuse a ``max_lengthscale`` that is not a number from 1 (the unit cube's side) up to ``MAX_LENGTHSCALE``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1.0 <= value <= MAX_LENGTHSCALE:
        raise ValueError(
            f"The 'max_lengthscale' parameter of {owner} must be a number from 1 to {MAX_LENGTHSCALE:g}. Got {value!r} "
            "instead."
        )


def check_outlier_depth(value: object, owner: str) -> None:
    """Refuse an ``outlier_depth`` that is not a number > 0 (``math.inf``: no cap)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"The 'outlier_depth' parameter of {owner} must be a number > 0. Got {value!r} instead.")


def warp_scores(z: np.ndarray, warp: str, depth: float = OUTLIER_DEPTH) -> np.ndarray:
    """Standardized scores made closer to Gaussian before the GP sees them (a monotone map, so the best
    stays the best): ``"none"``; ``"yeo-johnson"`` (a power transform fitted by maximum likelihood, as
    HEBO does; Cowen-Rivers et al., JAIR 2022); ``"copula"`` (ranks to normal quantiles); ``"half-rank"``
    (the bad half's ranks to normal quantiles, the good half as it is: ``_half_rank``); ``"outliers"`` (only
    scores far below the others pulled in, on a log scale: ``_tame_outliers``)."""
    if warp == "none" or z.size < 3 or np.ptp(z) < 1e-12:
        return z
    if warp == "copula":
        ranks = np.argsort(np.argsort(z, kind="stable"), kind="stable")
        w = ndtri((ranks + 0.5) / z.size)
    elif warp == "half-rank":
        w = _half_rank(z)
    elif warp in OUTLIER_WARPS:
        w = _tame_outliers(z, depth=depth, distinct=warp == "outliers-distinct")
    else:
        from scipy.stats import yeojohnson

        w = yeojohnson(z)[0]
    std = float(w.std())
    return (w - w.mean()) / std if std > 1e-12 else z


def _half_rank(z: np.ndarray) -> np.ndarray:
    """Vizier's half-rank warp (Song et al., "The Vizier Gaussian Process Bandit Algorithm", 2024): scores at
    or above the median stay as they are; each score below it becomes a normal quantile of its rank among the
    distinct scores below the median, scaled by the good half's spread about the median. However far below the
    others a diverged or failed configuration scores, it then sits about two to three spreads under the
    median, so it no longer squeezes the good half into a sliver of the standardized range, while the good
    half keeps the differences between its scores that expected improvement weighs (which the copula warp
    discards). Written here because Vizier's is part of its JAX designer."""
    median = float(np.median(z))
    unique = np.unique(z)
    good = unique[unique >= median]
    spread = math.sqrt(float(np.mean((good - median) ** 2)))
    if spread <= 0.0:
        spread = math.sqrt(float(np.mean((unique - median) ** 2)))
    below = int(np.searchsorted(unique, median, side="left"))  # distinct scores below the median
    denominator = below + 0.5 * (below < unique.size and unique[below] == median)
    bad = z < median
    rank = np.searchsorted(unique, z[bad], side="left") + 1  # 1 for the worst distinct score
    w = z.copy()
    w[bad] = median + spread * ndtri(0.5 * (rank - 0.5) / denominator)
    return w


def warp_new_scores(fitted: np.ndarray, new: np.ndarray, warp: str, depth: float = OUTLIER_DEPTH) -> np.ndarray:
    """Standardized scores ``new`` through the map that ``warp_scores(fitted, warp)`` took ``fitted`` through, its
    parameters (where scores count as outliers, and the standardization after the warp) taken from ``fitted`` alone,
    so that ``warp_new_scores(fitted, fitted, warp)`` equals ``warp_scores(fitted, warp)``.

    Raises:
        ValueError: for ``"yeo-johnson"``, ``"copula"`` and ``"half-rank"``, whose maps are fitted to the scores'
            shape or ranks and have no form to carry to other scores here.
    """
    new = np.asarray(new, dtype=float)
    if warp == "none" or fitted.size < 3 or np.ptp(fitted) < 1e-12:
        return new
    if warp not in OUTLIER_WARPS:
        raise ValueError(
            f"Scores can be carried through the warps 'none', 'outliers' and 'outliers-distinct' only, not {warp!r}."
        )
    distinct = warp == "outliers-distinct"
    w = _tame_outliers(fitted, depth=depth, distinct=distinct)
    std = float(w.std())
    return (
        (_tame_outliers(new, reference=fitted, depth=depth, distinct=distinct) - w.mean()) / std if std > 1e-12 else new
    )


def _tame_outliers(
    z: np.ndarray, reference: np.ndarray | None = None, depth: float = OUTLIER_DEPTH, distinct: bool = False
) -> np.ndarray:
    """Scores far below the others pulled in, every other score as it is (where a score is far below, and how far it is
    pulled in, is read from ``reference``: ``z`` itself by default).

    A diverged training run or a loss on its own scale (a mean squared error of 1e6 beside ones of 0.1) puts a few
    scores so far below the rest that, once standardized, every other score sits in a sliver of the range and the GP
    sees the good region as flat. Like Vizier's outlier detection (Song et al., "The Vizier Gaussian Process Bandit
    Algorithm", 2024: below the median by six standard deviations, estimated as (best - median) / 2 for 15 to 69
    points), a score counts as an outlier below ``median - OUTLIER_REACH * (best - median)``; where Vizier then sets
    every outlier to one value below the rest, this keeps their order down to a depth, mapping a distance ``d``
    below that threshold to ``reach * log1p(d / reach)`` with ``reach = best - median``, at most ``depth * reach``
    below the threshold (``OUTLIER_DEPTH`` by default): a penalty a user returns for a failed configuration (-1e300,
    say) then lies where any other deep outlier does, instead of 690 reaches down, where the GP sees a cliff beside
    which the good scores look flat. Scores that spread evenly (accuracies, AUCs) have no outliers, and the map
    leaves them alone.

    With ``distinct``, the median is that of the distinct scores: where a penalty is more than half of the scores,
    the median of them all is the penalty itself, and nothing counts as an outlier."""
    threshold, reach = _outlier_threshold(z if reference is None else reference, distinct)
    far = z < threshold
    if reach <= 0.0 or not far.any():
        return z
    w = z.copy()
    with np.errstate(over="ignore"):  # a distance of 1e308 reaches is infinitely deep: capped at ``depth`` below
        w[far] = threshold - reach * np.minimum(np.log1p((threshold - z[far]) / reach), depth)
    return w


def _outlier_threshold(reference: np.ndarray, distinct: bool) -> tuple[float, float]:
    """``(threshold, reach)`` of the outliers warp read from ``reference``: ``reach = best - median`` (the median of
    the distinct scores with ``distinct``), and scores below ``median - OUTLIER_REACH * reach`` are outliers."""
    median = _median(np.unique(reference) if distinct else reference)
    reach = float(reference.max()) - median
    return median - OUTLIER_REACH * reach, reach


def _median(z: np.ndarray) -> float:
    """``np.median`` of a 1-d array of finite numbers, the same number, without its overhead (half of what the
    outliers warp cost a decision): the two middle values of one partition, averaged as ``np.median`` does."""
    middle = ((z.size - 1) // 2, z.size // 2)
    low, high = np.partition(z, middle)[list(middle)]
    return float((low + high) / 2.0)


def _keep(y: np.ndarray, m: int) -> np.ndarray:
    """Indices of at most ``m`` points: the best half of ``m`` and the most recent others, in order."""
    best = np.argsort(-y, kind="stable")[: m // 2]
    others = np.ones(y.size, dtype=bool)
    others[best] = False
    rest = np.flatnonzero(others)[-(m - best.size) :]
    return np.sort(np.concatenate([best, rest]))


def _cho_solve(chol: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``K^-1 b`` from the lower Cholesky factor of ``K``: the LAPACK call of ``scipy.linalg.cho_solve(..., check_finite
    =False)``, the same numbers, without its checks (a third of a decision's GP fit at 50 points)."""
    if b.shape[0] == 0:  # no conditioned points (potrs refuses empty arrays)
        return np.empty_like(b, dtype=float)
    x, info = lapack.dpotrs(chol, b, lower=1)
    if info != 0:
        raise ValueError(f"illegal value in argument {-info} of LAPACK's potrs")
    return x


def _cholesky(k: np.ndarray) -> np.ndarray:
    jitter = 1e-8
    for _ in range(6):
        try:
            return np.linalg.cholesky(k)
        except np.linalg.LinAlgError:
            k = k + jitter * np.eye(len(k))
            jitter *= 10.0
    raise np.linalg.LinAlgError("The GP's kernel matrix is not positive definite even with added jitter.")


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """EI of maximization: ``E[max(f - best, 0)]`` under ``N(mean, std^2)``."""
    z = (mean - best) / std
    return std * (z * ndtr(z) + np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))


def log_expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """``log EI``, accurate far into the tail where EI itself underflows (Ament et al., NeurIPS 2023)."""
    return log_expected_improvement_terms(mean, std, best)[0]


def log_expected_improvement_terms(
    mean: np.ndarray, std: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(log EI, z, log std)`` with ``z = (mean - best) / std``: the terms that the gradient of log EI reuses
    (``rl_hpo.acquisition.polish``)."""

    def log_h(z: np.ndarray) -> np.ndarray:  # log(z Phi(z) + phi(z)), directly
        return np.log(z * ndtr(z) + np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))

    z = (mean - best) / std
    log_std = np.log(std)
    hi = z > -5.0  # z Phi(z) + phi(z) >= 5e-8 there: computed directly
    if hi.all():  # the common case, without masked copies (polishing calls this on a few points at a time)
        return log_h(z) + log_std, z, log_std
    out = np.empty_like(z)
    out[hi] = log_h(z[hi])
    # Below: z Phi(z) + phi(z) = phi(z) (1 - t R(t)) with t = -z and Mills ratio R(t) ~ 1/t - 1/t^3 + 3/t^5 - ...
    t = -z[~hi]
    log_phi = -0.5 * t * t - 0.5 * math.log(2 * math.pi)
    out[~hi] = log_phi + np.log(1.0 / t**2 - 3.0 / t**4 + 15.0 / t**6)
    return out + log_std, z, log_std
