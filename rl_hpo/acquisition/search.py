"""``CandidateSearch``: one tuning run as the candidate policy sees it — every point seen, a GP fitted to
them, a shortlist of candidate moves and a feature row per candidate.

Each decision:

1. fits the in-episode GP (``rl_hpo.acquisition.gp``) to every evaluated point (a failed one counts as
   the worst score seen), re-estimating its hyperparameters on a schedule;
2. proposes a pool of moves (``rl_hpo.acquisition.moves``): uniform points over the space and local moves
   at several radii around the incumbent and the other best points, then refines the pool's best
   expected-improvement candidates with smaller moves around them (and, if asked to, polishes the best few
   by a few gradient steps on expected improvement: ``rl_hpo.acquisition.polish``);
3. keeps a shortlist of ``n_candidates``: the best by expected improvement, the best by posterior mean
   and by posterior uncertainty, and random others (so a move far from the model's opinion is always on
   offer);
4. describes each shortlisted candidate by statistics of the history only — the GP's mean and
   uncertainty relative to the best score, (log) expected improvement, ranks, distances to the incumbent
   and to the nearest evaluated point, how the move was made — plus global features (budget used,
   evaluations since the last improvement, dimension, the GP's noise and lengthscales).

No feature is a raw coordinate or depends on what a parameter means, and the shortlist has the same size
for every space, so one network scores the candidates of any search space, of any dimension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any, cast

import numpy as np

from rl_hpo.acquisition.gp import (
    GaussianProcess,
    MixedEncoding,
    log_expected_improvement,
    scores_differ,
    squared_distances,
)
from rl_hpo.acquisition.moves import EDGES, RADII, CandidateMoves, local_moves, uniform_moves
from rl_hpo.acquisition.polish import DiscreteLevels, discrete_search, polish
from rl_hpo.space import SearchSpace

__all__ = [
    "CALIBRATIONS",
    "CANDIDATE_FEATURES",
    "EI_TEMPERATURE",
    "GLOBAL_FEATURES",
    "CandidateSearch",
    "Proposal",
    "SearchSettings",
    "calibration_scale",
    "parse_changes",
    "settings_with_changes",
]

#: Per-candidate features, in column order.
CANDIDATE_FEATURES = (
    "mean_gap",  # (GP mean - best standardized score)
    "std",  # GP standard deviation (standardized units)
    "z",  # mean_gap / std, scaled
    "log_ei",  # log expected improvement, scaled
    "log_ei_relative",  # log EI minus the shortlist's largest, scaled
    "ei_rank",  # rank by EI within the shortlist (0: best), / n_candidates
    "mean_rank",
    "std_rank",
    "dist_incumbent",  # distance to the incumbent, / sqrt(number of parameters)
    "dist_nearest",  # distance to the nearest evaluated point, same scale
    "log_radius",  # log10 of the move's radius / 2 (0 for uniform points)
    "is_uniform",
    "is_refined",
    "from_incumbent",
)
#: Features of the whole run, appended to every candidate's row.
GLOBAL_FEATURES = (
    "budget_used",  # evaluations / horizon
    "since_improvement",  # evaluations since the best score last improved / horizon
    "log_dim",  # log(number of parameters) / log(64)
    "log_noise",  # the GP's log noise variance / 14
    "log_lengthscale",  # mean log lengthscale / 4.6
    "failed_share",
)
N_FEATURES = len(CANDIDATE_FEATURES) + len(GLOBAL_FEATURES)
#: Every feature lies in [-FEATURE_BOUND, FEATURE_BOUND].
FEATURE_BOUND = 5.0
#: What a decision may do with a candidate whose configuration was evaluated already (``SearchSettings.repeats``).
REPEATS = ("allow", "avoid")
#: What a decision does while every finite score of the history is one value (``SearchSettings.ties``).
TIES = ("search", "design")
#: What a decision makes of trials asked and not told yet (``SearchSettings.pending``).
PENDING = ("believe", "ignore")
#: How ``ei`` and a policy draw their initial random points (``SearchSettings.initial_design``).
INITIAL_DESIGNS = ("random", "latin")
#: What the GP sees of an integer parameter (``SearchSettings.integers``).
INTEGERS = ("as-is", "snap")
#: What polishing does with discrete coordinates (``SearchSettings.discrete``).
DISCRETE = ("keep", "search", "integers")
#: The coordinates polishing climbs in (``SearchSettings.polish_scale``): the cube's, or the cube's divided by the
#: GP's lengthscales.
POLISH_SCALES = ("cube", "lengthscales")
#: How the GP's predicted uncertainty is recalibrated during a run (``SearchSettings.calibration``): not at all, or
#: by the scale of its own prediction errors so far (``calibration_scale``).
CALIBRATIONS = ("none", "prequential")
#: Prediction errors a prequential recalibration waits for before it scales the GP's uncertainty.
CALIBRATION_MIN_ERRORS = 5
#: Bounds of that scale. It only widens the GP's uncertainty: once a run closes in on an optimum, the points it
#: picks lie close to others, where the GP predicts well, and their small errors say nothing of its confidence far
#: from the points. The upper bound guards against a run of enormous errors.
CALIBRATION_BOUNDS = (1.0, 16.0)

#: The weight of log expected improvement in the logits a candidate policy starts from: sampling from
#: ``softmax(EI_TEMPERATURE * log EI)`` draws a candidate with probability proportional to ``EI ** 5``.
EI_TEMPERATURE = 5.0


#: Most points scored per decision (the default pool is 416): beyond this, memory and time grow without a
#: measured gain (a larger pool did not help in 20 dimensions: benchmarks/high_dimensions/).
MAX_POOL = 16_384
#: Most local-move centres and L-BFGS-B iterations per polished candidate.
MAX_CENTRES = 1_024
MAX_POLISH_ITERATIONS = 1_000


@dataclass(frozen=True)
class SearchSettings:
    """How many candidates a decision considers, and how often the GP's hyperparameters are refitted.

    Attributes:
        n_candidates: the shortlist's size (the policy's number of actions).
        n_uniform: uniform points in the pool.
        n_local: local moves in the pool.
        n_refine: moves that refine the pool's best candidates.
        n_centres: the best points (incumbent included) that local moves start from.
        refit_every: re-estimate the GP's hyperparameters every this many evaluations once more than
            ``refit_all_until`` points are known (always before).
        refit_all_until: see ``refit_every``.
        warp: the GP's output warp (``rl_hpo.acquisition.gp.WARPS``). ``"outliers"`` (the default) pulls in
            scores far below the others, which a loss on its own scale or a diverged run puts there, and leaves
            well-spread scores alone; ``"none"``, as policy files made before the setting do, fits the GP to the
            standardized scores as they are. Adopted by a rule fixed before its two confirmations: no harm over
            374 validation and train tasks of four suites on fresh seeds (``benchmarks/search_settings/
            outliers_confirm.sh``), and a lower regret at 50 for the general policy where the same suites'
            scores are told through a loss spanning ``e**10`` (``benchmarks/heavy_tails/``). There,
            ``"half-rank"`` gained more, but it changes every score below the median and was not a candidate;
            on the suites as they are the copula warp raised the regret almost everywhere and Yeo-Johnson
            mostly (``benchmarks/search_settings/warp.sh``). ``"outliers-distinct"`` reads the outliers' median
            from the distinct scores; it gained where bad configurations score a penalty of -1e20, but put the
            policy behind on prior/gp train, so its rule rejected it (``benchmarks/heavy_tails/README.md``).
        outlier_depth: with the outliers warp, the deepest an outlier lies below where outliers begin, as
            ``log1p`` of the distance in units of (best - median): 8 (the default), about 3,000 units, so that a
            huge penalty a user's objective returns for a failed configuration is one more deep outlier
            (``math.inf``: no cap, as studies before the setting ran; 20 lies deeper than any score of the suites).
            Adopted by a rule fixed before its two runs: no harm over 378 validation and train tasks of five suites
            (``benchmarks/search_settings/outlier_depth_confirm.sh``) and a lower regret at 50 than 20 where bad
            configurations score -1e20 (``benchmarks/heavy_tails/penalty.sh``).
        n_perturbed: how many coordinates a local move changes, on average (all of them in spaces of at
            most this many parameters; at least one). 20 (TuRBO's rule) gave no pooled gain over 374 validation
            and train tasks of four suites (``benchmarks/search_settings/perturbed_confirm.sh``).
        edges: how local moves treat the faces of the cube (``rl_hpo.acquisition.moves.EDGES``). Clipping
            puts a step beyond a face on it, so the bounds of a range can be proposed; on the validation
            splits of lcbench, rbv2_xgboost and synthetic/mixed it lowered the regret at 50 of plain EI and
            of the general policy (``benchmarks/search_settings``).
        n_polish: how many of the best candidates by expected improvement are polished by L-BFGS-B on
            log EI over their numeric coordinates (``rl_hpo.acquisition.polish``); the polished points join
            the pool as refined moves. 3 by default, with ``polish_iterations`` 5: over 374 validation and
            train tasks of four suites, on fresh seeds, it lowered the regret at 50 of plain EI and of the
            general policy (Wilcoxon p 0.003 and 0.009), with no suite-split significantly worse at 50
            (``benchmarks/search_settings/polish_confirm.sh``); it adds about 1.4 ms to a decision.
        polish_iterations: L-BFGS-B iterations of that polishing.
        polish_scale: the coordinates polishing climbs in (``POLISH_SCALES``): ``"cube"`` (the default), the unit
            cube's; ``"lengthscales"``, each numeric coordinate divided by the GP's lengthscale for it, which makes
            log EI about equally curved along every coordinate, so that each iteration goes further where the
            lengthscales differ (``rl_hpo.acquisition.polish.polish``). Not the default: it lowered the regret at 50
            on rotated functions of 40 and 56 parameters, where every parameter matters, and raised it for plain EI
            on GP-prior functions of as many parameters, where some do not
            (``benchmarks/high_dimensions/polish_scale_confirm.sh``).
        repeats: what a decision does with candidates whose configuration was evaluated already (moves land
            on one where they reach an edge, an integer's value or a category): ``"avoid"`` (the default)
            leaves them out of the shortlist until the space is exhausted (``CandidateSearch.propose``);
            ``"allow"`` keeps them, as policy files made before the setting do. Adopted by a no-harm rule
            fixed before its confirmation over 374 validation and train tasks of four suites
            (``benchmarks/search_settings/repeats_confirm.sh``).
        integers: what the GP sees of an integer parameter's coordinate. ``"snap"`` (the default): the cube
            coordinate of the value it decodes to (``SearchSpace.snap_integers``), so that points with the same
            integers are one point to the GP, as they are to the objective, and polishing leaves integers where
            they are; ``"as-is"``: the coordinate itself, as policy files made before the setting do, so that
            the GP models a function that varies inside an integer's cell, where the objective is constant.
            Adopted by a no-harm rule fixed before its confirmation over 374 validation and train tasks of
            four suites, where it lowered the pooled regret at 50 of plain EI and of the general policy
            (Wilcoxon p 0.005 and 0.001; ``benchmarks/search_settings/integers_confirm.sh``).
        discrete: what polishing does with the discrete coordinates of the points it polishes (categories,
            and integers where ``integers`` is ``"snap"``). ``"keep"``: they stay where they are, as in policy
            files made before the setting; ``"search"``: after the gradient steps, two sweeps of coordinate
            search move them to the values of largest expected improvement
            (``rl_hpo.acquisition.polish.discrete_search``), as Optuna's GP does; ``"integers"``: the same
            for snapped integers alone (ordered values, which the GP models as smoothly as the numeric ones),
            while categories (unordered, each as far from the others to the GP) are left to the moves.
            Neither is the default: over 374 validation and train tasks of four suites, on fresh seeds,
            neither lowered the pooled regret at 50 of plain EI or of the general policy, and ``"search"`` more
            than doubled plain EI's time (``benchmarks/search_settings/discrete_confirm.sh`` and
            ``discrete_integers_confirm.sh``).
        lengthscale_prior: the GP's prior on its lengthscales (``rl_hpo.acquisition.gp.LENGTHSCALE_PRIORS``).
            ``"dimension"`` (the default): a log-normal that grows with the number of parameters (Hvarfner et
            al. 2024); ``"unit"``: Optuna's GPSampler's, which holds every lengthscale near 1 in any dimension.
            In 20 dimensions ``"unit"`` raised plain EI's regret at 50 on four synthetic families with 5
            initial points and was mixed with 10 (``benchmarks/high_dimensions/lengthscale_prior.txt``).
        lengthscale_spread: None (the default), or the standard deviation of a further prior on each log
            lengthscale around the mean of them all (``rl_hpo.acquisition.gp.negative_log_posterior``): the
            parameters then share one lengthscale unless the points say otherwise. A spread of 0.5 lowered plain
            EI's regret at 50 on four 20-parameter synthetic families below Optuna's GP's, but gave no pooled gain
            over 374 validation and train tasks of four suites, where it cost on prior/gp
            (``benchmarks/search_settings/spread_confirm.sh``), so it is not the default.
        lengthscale_choice: ``"fixed"`` (the default): the GP's prior as ``lengthscale_spread`` sets it;
            ``"prequential"`` (with a spread): the GP is fitted with free and with pooled lengthscales side by side
            and predicts with the fit whose predictions of each new point, made before it was evaluated, were the
            better so far (``rl_hpo.acquisition.gp``): pooled where the points say the parameters matter alike.
            It doubles the cost of a fit. Not the default: over 374 validation and train tasks of four suites,
            on fresh seeds, it gave no pooled gain at 50 for plain EI and a loss for the general policy, and was
            behind on prior/gp (``benchmarks/search_settings/prequential_confirm.sh``).
        input_warp: ``"none"`` (the default) or ``"kumaraswamy"``: each numeric input of the GP through a
            Kumaraswamy CDF whose shapes are fitted with its other hyperparameters (``rl_hpo.acquisition.gp``).
            Not the default: over 374 validation and train tasks of four suites, on fresh seeds, it gave no pooled
            gain at 50 for plain EI or the general policy, and a loss on prior/gp train for plain EI
            (``benchmarks/search_settings/input_warp_reconfirm.sh``).
        fit_starts: where each fit of the GP's hyperparameters starts (``rl_hpo.acquisition.gp.FIT_STARTS``).
            ``"warm+noise"`` (the default): from the previous fit's and from the same with the noise variance at a
            tenth of the scores' variance, keeping the better posterior (a fit costs up to twice as much), so that
            a fit whose noise reached its lower bound, where the gradient by the noise vanishes, can leave it and
            noisy scores are not interpolated. Adopted by a rule fixed before its runs: no harm over 374
            validation and train tasks of four suites on fresh seeds
            (``benchmarks/search_settings/noise_start_confirm.sh``), and a higher noiseless score of the incumbent
            at 50 for plain EI and the general policy on the 128 train tasks of synthetic/mixed with noise of 5 and
            10% (``benchmarks/noisy_objectives/``, "A second start with noise"). ``"warm"``, as policy files made
            before the setting do: from the previous fit's alone; ``"warm+prior"``, from the prior's mode too (no
            pooled gain over the same 374 tasks: ``benchmarks/search_settings/fit_starts_confirm.sh``).
        max_noise: the upper bound of the GP's noise variance, in units of the standardized scores' variance: 0.5
            (the default) lets the fit call at most half of it noise. 2.0 was rejected by a rule fixed before its
            runs: no harm over 374 noiseless tasks, but no gain on 128 noisy ones, for plain EI or the general
            policy (``benchmarks/noisy_objectives/``, "An upper bound on the noise").
        min_lengthscale: the lower bound of the GP's lengthscales, in units of the unit cube: 0.01 (the default). On
            noisy scores a fit can end at the noise's upper bound with a few lengthscales near 0.01, calling most
            of the scores' variation noise and the rest white noise. 0.05 with ``max_noise=2.0`` was rejected by a
            rule fixed before its runs: no gain on 128 noisy train tasks for plain EI or the general policy
            (``benchmarks/noisy_objectives/``, "A lower bound on the lengthscales").
        max_lengthscale: the upper bound of the GP's lengthscales, in units of the unit cube: 100 (the default), so
            that a parameter the points say does not matter can be all but left out of the kernel. 1.5 keeps a GP
            from seeing a region as flat along a parameter because its few points there scored alike: explored for
            plain EI, it lowered the regret at 50 on rotated synthetic families of 20 and 50 parameters and on a
            choice of model with conditional parameters, and raised it where some parameters do not matter
            (prior/gp train), so it is not the default (``benchmarks/search_settings/README.md``, "An upper bound on
            the lengthscales").
        noise_prior: the GP's prior on its noise variance (``rl_hpo.acquisition.gp.NOISE_PRIORS``): ``"none"`` (the
            default), flat; ``"gamma"``, the Gamma(1.1, 0.05) noise prior of BoTorch's Gamma-prior models, which keeps
            a fit from collapsing the noise to its lower bound (and on noisy scores often lifts it to its upper one).
            Not the default: over 374 validation and train tasks of four suites, on fresh seeds, it gave no pooled
            gain at 50 for plain EI or the general policy, and a loss on prior/gp train for the policy
            (``benchmarks/search_settings/noise_prior_confirm.sh``).
        uniform_share: the probability that a decision after the initial design evaluates a uniform point of the
            cube instead of the method's choice (``CandidateSearch.uniform_turn``), so that a run whose design fell
            in a poor region leaves it sooner; 0 (the default) never does. Not the default: over 374 validation
            and train tasks of four suites, on fresh seeds, 0.1 gave no pooled gain at 50 for plain EI or the
            general policy, and the policy was behind at 25 (``benchmarks/search_settings/uniform_share_confirm.sh``).
        lengthscale_integration: how the GP treats the uncertainty of its lengthscales
            (``rl_hpo.acquisition.gp.LENGTHSCALE_INTEGRATIONS``): ``"none"`` (the default) predicts from their fitted
            values; ``"laplace"`` from their posterior along the direction that scales them all (three GPs, their
            predictions matched to one Gaussian), so that while a few points leave the lengthscales' scale open, the
            surrogate's uncertainty away from the points includes that of shorter lengthscales. Not the default:
            explored on validation splits, it gave the general policy no lead and took about twice the decision
            time (``benchmarks/search_settings/README.md``, "Integrated lengthscales").
        calibration: ``"none"`` (the default) predicts with the posterior's own uncertainty; ``"prequential"``
            multiplies every predicted standard deviation by ``calibration_scale`` of the GP's prediction errors so
            far, each made before its point was evaluated, so that a GP whose picks score further from its
            predictions than it said predicts with wider uncertainty. Not the default: explored on validation splits,
            it raised plain EI's regret at 50 on every 50-parameter family, and the general policy's on prior/gp
            (``benchmarks/search_settings/README.md``, "Recalibrated uncertainty").
        ties: what a decision of ``ei`` or of a policy does while the history's finite scores are all one value
            (``CandidateSearch.scores_differ``: no two scores differ, as where every configuration so far failed
            with the same penalty or scored a classifier's chance level). ``"search"`` (the default) proposes
            from the GP as always: with nothing to tell points apart, its uncertainty is largest far from them, and
            most of the float parameters it picks then lie on a bound of their range. ``"design"`` draws random search's
            next point instead (as random search with the same seed would), until two scores differ. Training episodes
            decide as ``"search"``. Not the default: where configurations of normalized regret above 0.5 score -1e20,
            ``"design"`` lowered the regret at 50 of both plain EI and the general policy on synthetic/mixed and raised
            it on rbv2_xgboost and lcbench, where points at the bounds met a configuration below the penalty sooner than
            random ones; by a rule fixed before its runs it was adopted for plain EI and rejected for the policy
            (``benchmarks/heavy_tails/README.md``, "A penalty most configurations share"). On the suites as they are no
            run's first scores were all one value.
        pending: what a decision makes of trials asked and not told yet (running in parallel). ``"believe"`` (the
            default) conditions the GP on each as if it had scored the GP's mean there, that score counted as
            observed (``GaussianProcess.believing``, the kriging believer), so that the next trial goes where no
            pending one will already tell; ``"ignore"`` leaves them out of the GP, so that concurrent asks pick the
            same region, and only their very configurations leave the pool. A run whose trials are told one by one
            never has a pending trial: its decisions are the same either way (``benchmarks/parallel_trials/``).
        initial_design: how ``ei`` and a policy draw their initial random points. ``"latin"`` (the default) makes random
            search's first trials of the same seed a Latin hypercube, one point in each n-th of every parameter's range:
            the first point is random search's, and each coordinate of the others keeps its value where no earlier point
            took its n-th, and is drawn in a free one otherwise (``rl_hpo.baselines.initial_design.latin_design``; in
            distribution a random Latin hypercube, as scipy's ``LatinHypercube`` draws). A categorical parameter of at
            most n / 2 choices (or 3 among 5) then has each among them. ``"random"`` takes random search's first trials
            as they are. Over 374 validation and train tasks the Latin design (as scipy drew it) lowered the regret at
            10 and 25 of plain EI and the general policy, and plain EI's at 50; it failed a first rule (no gain at 50)
            and passed a second on fresh seeds (``benchmarks/search_settings/README.md``, "A Latin hypercube initial
            design"). A policy file whose ``search`` entry does not name it predates the choice and draws uniform
            points.
    """

    n_candidates: int = 64
    n_uniform: int = 128
    n_local: int = 256
    n_refine: int = 32
    n_centres: int = 5
    refit_every: int = 4
    refit_all_until: int = 12
    warp: str = "outliers"
    outlier_depth: float = 8.0
    n_perturbed: float = 8.0
    edges: str = "clip"
    n_polish: int = 3
    polish_iterations: int = 5
    polish_scale: str = "cube"
    repeats: str = "avoid"
    integers: str = "snap"
    discrete: str = "keep"
    lengthscale_prior: str = "dimension"
    lengthscale_spread: float | None = None
    lengthscale_choice: str = "fixed"
    input_warp: str = "none"
    fit_starts: str = "warm+noise"
    noise_prior: str = "none"
    max_noise: float = 0.5
    min_lengthscale: float = 0.01
    max_lengthscale: float = 100.0
    uniform_share: float = 0.0
    lengthscale_integration: str = "none"
    calibration: str = "none"
    ties: str = "search"
    pending: str = "believe"
    initial_design: str = "latin"

    def __post_init__(self) -> None:
        from rl_hpo.acquisition.gp import (
            FIT_STARTS,
            INPUT_WARPS,
            LENGTHSCALE_INTEGRATIONS,
            LENGTHSCALE_PRIORS,
            NOISE_PRIORS,
            OUTLIER_WARPS,
            WARPS,
            check_lengthscale_choice,
            check_lengthscale_spread,
            check_max_lengthscale,
            check_max_noise,
            check_min_lengthscale,
            check_one_of,
            check_outlier_depth,
        )

        check_lengthscale_spread(self.lengthscale_spread, "SearchSettings")
        check_outlier_depth(self.outlier_depth, "SearchSettings")
        check_max_noise(self.max_noise, "SearchSettings")
        check_min_lengthscale(self.min_lengthscale, "SearchSettings")
        check_max_lengthscale(self.max_lengthscale, "SearchSettings")
        check_lengthscale_choice(self.lengthscale_choice, self.lengthscale_spread, "SearchSettings")
        choices = {
            "warp": WARPS,
            "lengthscale_prior": LENGTHSCALE_PRIORS,
            "input_warp": INPUT_WARPS,
            "fit_starts": FIT_STARTS,
            "noise_prior": NOISE_PRIORS,
            "lengthscale_integration": LENGTHSCALE_INTEGRATIONS,
            "polish_scale": POLISH_SCALES,
            "calibration": CALIBRATIONS,
            "repeats": REPEATS,
            "ties": TIES,
            "initial_design": INITIAL_DESIGNS,
            "pending": PENDING,
            "integers": INTEGERS,
            "discrete": DISCRETE,
            "edges": EDGES,
        }
        for name, allowed in choices.items():
            check_one_of(name, getattr(self, name), allowed, "SearchSettings")
        if self.calibration != "none" and self.warp not in ("none", *OUTLIER_WARPS):
            raise ValueError(
                f"SearchSettings(calibration={self.calibration!r}) needs the warp 'none', 'outliers' or "
                f"'outliers-distinct', whose map carries to new scores; got warp={self.warp!r}."
            )
        if isinstance(self.n_perturbed, bool) or not (
            isinstance(self.n_perturbed, int | float) and self.n_perturbed >= 1
        ):
            raise ValueError(f"The 'n_perturbed' parameter of SearchSettings must be >= 1. Got {self.n_perturbed!r}.")
        share = self.uniform_share
        if isinstance(share, bool) or not (isinstance(share, int | float) and 0.0 <= share < 1.0):
            raise ValueError(f"The 'uniform_share' parameter of SearchSettings must be in [0, 1). Got {share!r}.")
        # bool is an int to isinstance: a policy file's "n_uniform": true must not read as 1 (nor "n_polish": true)
        for name in ("n_polish", "refit_all_until"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, int) and value >= 0):
                raise ValueError(f"The {name!r} parameter of SearchSettings must be an int >= 0. Got {value!r}.")
        names = ("n_candidates", "n_uniform", "n_local", "n_refine", "n_centres", "refit_every", "polish_iterations")
        for name in names:
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, int) and value >= 1):
                raise ValueError(f"The {name!r} parameter of SearchSettings must be an int >= 1. Got {value!r}.")
        if self.n_candidates > self.n_uniform + self.n_local + self.n_refine:
            raise ValueError(
                f"n_candidates={self.n_candidates} exceeds the pool (n_uniform + n_local + n_refine = "
                f"{self.n_uniform + self.n_local + self.n_refine})."
            )
        # Upper bounds, so that settings read from a policy file cannot ask for unbounded memory or time.
        pool = self.n_uniform + self.n_local + self.n_refine
        if pool > MAX_POOL:
            raise ValueError(
                f"The pool of SearchSettings (n_uniform + n_local + n_refine = {pool}) must be at most {MAX_POOL}."
            )
        for name, value, most in (
            ("n_polish", self.n_polish, self.n_candidates),
            ("n_centres", self.n_centres, MAX_CENTRES),
            ("polish_iterations", self.polish_iterations, MAX_POLISH_ITERATIONS),
        ):
            if value > most:
                bound = f"{most} (n_candidates)" if name == "n_polish" else f"{most}"
                raise ValueError(f"The {name!r} parameter of SearchSettings must be at most {bound}. Got {value!r}.")

    def to_dict(self) -> dict[str, int | str]:
        return dict(self.__dict__)


def parse_changes(text: str) -> dict[str, int | float | str | None]:
    """Settings changes as scripts take them on the command line: ``"edges=clip,n_polish=3"`` ->
    ``{"edges": "clip", "n_polish": 3}`` (a value of digits becomes an int, a decimal number a float, ``null``
    None, as in JSON). Raises ``ValueError`` on a part without ``=``."""
    out: dict[str, int | float | str | None] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"Settings changes are key=value[,key=value]; got {text!r}.")
        out[key.strip()] = _setting_value(value.strip())
    return out


def settings_with_changes(text: str, base: SearchSettings | None = None) -> SearchSettings:
    """``base`` (default: the defaults) with the changes ``text`` gives as ``parse_changes`` reads them, e.g.
    ``"max_lengthscale=1.5"``. Raises ``ValueError`` on a name that is not a setting (the message lists them) or a
    value a setting refuses."""
    changes: dict[str, Any] = dict(parse_changes(text))  # each value checked by the setting it goes to
    names = [f.name for f in fields(SearchSettings)]
    unknown = [key for key in changes if key not in names]
    if unknown:
        named = ", ".join(map(repr, unknown))
        raise ValueError(f"No search setting named {named}; the settings are: {', '.join(names)}.")
    try:
        return replace(base or SearchSettings(), **changes)
    except TypeError as err:  # a value of the wrong kind that a setting's own check did not catch
        raise ValueError(f"Search settings {text!r}: {err}") from None


def _setting_value(text: str) -> int | float | str | None:
    if text.isdigit():
        return int(text)
    if text == "null":
        return None
    try:
        return float(text)
    except ValueError:
        return text


@dataclass
class Proposal:
    """The shortlist of one decision: cube points ``u`` (K, d), feature rows (K, N_FEATURES) and each
    candidate's log expected improvement."""

    u: np.ndarray
    features: np.ndarray
    log_ei: np.ndarray

    def by_expected_improvement(self) -> np.ndarray:
        """The candidate plain EI evaluates: the one of largest expected improvement (the first on ties)."""
        return self.u[int(np.argmax(self.log_ei))]

    def sample_by_expected_improvement(
        self, rng: np.random.Generator, temperature: float = EI_TEMPERATURE
    ) -> np.ndarray:
        """A candidate drawn with probability proportional to ``EI ** temperature``: what an untrained
        candidate policy samples (``rl_hpo.agents.candidate_network``), with the same draw from ``rng``."""
        weights = np.exp(temperature * (self.log_ei - self.log_ei.max()))
        return self.u[int(rng.choice(weights.size, p=weights / weights.sum()))]


class CandidateSearch:
    """The state of one tuning run for candidate-scoring methods (the PPO policy and plain EI).

    Args:
        space: the search space.
        horizon: the run's budget in evaluations (for the budget features).
        rng: the generator of the candidate moves.
        settings: pool and shortlist sizes.
    """

    def __init__(
        self,
        space: SearchSpace,
        *,
        horizon: int,
        rng: np.random.Generator,
        settings: SearchSettings | None = None,
    ) -> None:
        self.space = space
        self.horizon = max(1, int(horizon))
        self.rng = rng
        self.settings = settings or SearchSettings()
        self.encoding = MixedEncoding.of(space)
        self.gp = GaussianProcess(
            self.encoding,
            warp=self.settings.warp,
            outlier_depth=self.settings.outlier_depth,
            lengthscale_prior=self.settings.lengthscale_prior,
            lengthscale_spread=self.settings.lengthscale_spread,
            lengthscale_choice=self.settings.lengthscale_choice,
            input_warp=self.settings.input_warp,
            fit_starts=self.settings.fit_starts,
            noise_prior=self.settings.noise_prior,
            max_noise=self.settings.max_noise,
            min_lengthscale=self.settings.min_lengthscale,
            max_lengthscale=self.settings.max_lengthscale,
            lengthscale_integration=self.settings.lengthscale_integration,
        )
        kinds = space.kinds()
        self._categorical = np.array([k == "categorical" for k in kinds])
        self._snap = self.settings.integers == "snap" and "int" in kinds
        # Numeric GP inputs that polishing may move: not integers the GP sees snapped.
        self._polishable = np.array([not (self._snap and kinds[j] == "int") for j in self.encoding.numeric])
        self._conditional = space.has_conditions
        discrete = self.settings.discrete
        self._levels = (
            DiscreteLevels(space, integers=self._snap, categories=discrete == "search") if discrete != "keep" else None
        )
        self._u: list[np.ndarray] = []
        self._y: list[float] = []
        self._best = -math.inf
        self._since_improvement = 0
        self._last_refit = 0
        self._evaluated: set[bytes] = set()  # with repeats="avoid": the configurations evaluated so far
        #: With ``settings.calibration="prequential"``: each point's standardized prediction error, made by the GP
        #: before the point was known (the points told after the GP's first fit).
        self.prediction_errors: list[float] = []

    # -- the history ------------------------------------------------------------------------------
    @property
    def n_evals(self) -> int:
        return len(self._y)

    @property
    def best_score(self) -> float:
        return self._best

    def add(self, u: np.ndarray, score: float) -> None:
        """Record an evaluated cube point; a non-finite score marks a failed evaluation."""
        if self.settings.calibration == "prequential" and self.gp.n and math.isfinite(score):
            self.prediction_errors.append(self._prediction_error(np.asarray(u, dtype=float), float(score)))
        self._u.append(np.asarray(u, dtype=float))
        if self.settings.repeats == "avoid":  # the only reader of ``_evaluated``
            self._evaluated.update(self._configurations(self._u[-1].reshape(1, -1)))
        self._y.append(float(score))
        if math.isfinite(score) and score > self._best:
            self._best = float(score)
            self._since_improvement = 0
        else:
            self._since_improvement += 1

    @property
    def scores_differ(self) -> bool:
        """Whether two finite scores of the history differ (beyond round-off)."""
        y = np.array(self._y)
        return scores_differ(y[np.isfinite(y)])

    def _prediction_error(self, u: np.ndarray, score: float) -> float:
        """``score``'s distance from the GP's prediction at ``u`` (made before the score was known), in predictive
        standard deviations of the posterior as fitted (latent and noise, without any recalibration)."""
        mean, std = self.gp.predict(*self._rows(u.reshape(1, -1)))
        latent = float(std[0]) / self.gp.std_scale
        observed = float(self.gp.standardized(np.array([score]))[0])
        return (observed - float(mean[0])) / math.sqrt(latent * latent + self.gp.noise_variance)

    # -- a decision -------------------------------------------------------------------------------
    def uniform_turn(self) -> np.ndarray | None:
        """With probability ``settings.uniform_share``, a uniform point of the cube to evaluate in place of this
        decision's choice; otherwise None (and no random number is drawn when the share is 0)."""
        share = self.settings.uniform_share
        if share and self.rng.random() < share:
            return self.rng.random(self.space.dim)
        return None

    def propose(self, pending: np.ndarray | None = None) -> Proposal:
        """Fit the GP to the history and build the shortlist with its features.

        Args:
            pending: cube points (m, d) proposed but not evaluated yet (e.g. running in parallel).

        A candidate whose configuration is pending leaves the pool, and with ``settings.repeats == "avoid"``
        so does one whose configuration was evaluated already (moves land on the same configuration where
        they reach an edge, an integer's value or a category): on a deterministic objective a repeat only
        spends budget, and the GP's expected improvement at an evaluated point is not zero (its noise and
        the other integer or categorical values within a lengthscale keep it up). Where fewer than
        ``n_candidates`` new configurations remain (a small discrete space nearly exhausted), they fill the
        shortlist in turn; where none remains, the pool stays whole. With ``"allow"`` (policy files made
        before the setting), pending configurations leave only while ``n_candidates`` others remain.
        """
        s = self.settings
        dim = self.space.dim
        u_seen = np.array(self._u).reshape(-1, dim)
        seen_rows = self._rows(u_seen)
        y = np.array(self._y)
        finite = np.isfinite(y)
        n_ok = int(finite.sum())
        if n_ok:
            y = np.where(finite, y, y[finite].min())
            n = y.size
            refit = n <= s.refit_all_until or n - self._last_refit >= s.refit_every
            if refit:
                self._last_refit = n
            self.gp.fit(*seen_rows, y, refit=refit)
            if s.calibration == "prequential":
                self.gp.std_scale = calibration_scale(self.prediction_errors)
        fitted = self.gp
        if n_ok and pending is not None and len(pending) and s.pending == "believe":
            # This decision predicts from a copy that believes the pending points; the fit itself stays as it is
            # (``add`` scores a told point's prediction error by the fit that did not know it).
            self.gp = fitted.believing(*self._rows(np.asarray(pending, dtype=float).reshape(-1, dim)))
        try:
            return self._shortlisted(u_seen, seen_rows, y, finite, n_ok, pending)
        finally:
            self.gp = fitted

    def _shortlisted(
        self,
        u_seen: np.ndarray,
        seen_rows: tuple[np.ndarray, np.ndarray],
        y: np.ndarray,
        finite: np.ndarray,
        n_ok: int,
        pending: np.ndarray | None,
    ) -> Proposal:
        """``propose`` once the GP is fitted: the pool, its refinement and polish, and the shortlist."""
        s = self.settings
        dim = self.space.dim
        pool = [uniform_moves(self.rng, s.n_uniform, dim)]
        if n_ok:
            order = np.argsort(-y, kind="stable")[: s.n_centres]
            # Half the local moves start at the incumbent, the rest at the other best points.
            ranks = np.where(self.rng.random(s.n_local) < 0.5, 0, self.rng.integers(len(order), size=s.n_local))
            radius = np.array(RADII)[self.rng.integers(len(RADII), size=s.n_local)]
            pool.append(
                local_moves(
                    self.rng,
                    u_seen[order[ranks]],
                    ranks,
                    radius,
                    self._categorical,
                    n_perturbed=s.n_perturbed,
                    edges=s.edges,
                )
            )
        moves = CandidateMoves.concat(pool)
        xn, xc = self._rows(moves.u)
        mean, std = self.gp.predict(xn, xc)
        log_ei = log_expected_improvement(mean, std, self.gp.y_best)
        if n_ok:
            # Refine: smaller moves around the pool's best candidates by EI.
            per = 4
            top = np.argsort(-log_ei)[: max(1, s.n_refine // per)]
            parents = np.repeat(top, per)
            radius = np.maximum(moves.radius[parents] / 3.0, 0.003)
            refined = local_moves(
                self.rng,
                moves.u[parents],
                moves.centre_rank[parents],
                radius,
                self._categorical,
                refined=True,
                n_perturbed=s.n_perturbed,
                edges=s.edges,
            )
            rn, rc = self._rows(refined.u)
            m2, s2 = self.gp.predict(rn, rc)
            moves = CandidateMoves.concat([moves, refined])
            xn, xc = np.concatenate([xn, rn]), np.concatenate([xc, rc])
            mean, std = np.concatenate([mean, m2]), np.concatenate([std, s2])
            log_ei = np.concatenate([log_ei, log_expected_improvement(m2, s2, self.gp.y_best)])
            if s.n_polish and (xn.shape[1] or self._levels):
                top = np.argsort(-log_ei, kind="stable")[: s.n_polish]
                polished, pn, pc, pm, ps = self._polish(moves.take(top), xn[top], xc[top], (mean[top], std[top]))
                moves = CandidateMoves.concat([moves, polished])
                xn, xc = np.concatenate([xn, pn]), np.concatenate([xc, pc])
                mean, std = np.concatenate([mean, pm]), np.concatenate([std, ps])
                log_ei = np.concatenate([log_ei, log_expected_improvement(pm, ps, self.gp.y_best)])
        unseen = self._without_repeats(moves.u, pending)
        if unseen is not None:
            moves, xn, xc = moves.take(unseen), xn[unseen], xc[unseen]
            mean, std, log_ei = mean[unseen], std[unseen], log_ei[unseen]
        keep = self._shortlist(mean, std, log_ei)
        moves = moves.take(keep)
        mean, std, log_ei = mean[keep], std[keep], log_ei[keep]
        features = self._features(moves, mean, std, log_ei, (xn[keep], xc[keep]), seen_rows, finite)
        return Proposal(moves.u, features, log_ei)

    def _polish(
        self,
        starts: CandidateMoves,
        xn: np.ndarray,
        xc: np.ndarray,
        start: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[CandidateMoves, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Polished copies of ``starts`` (refined moves from the same centres; ``start``: the GP's mean and
        standard deviation at them, if known): the moves, their GP inputs (numeric, categorical) and the GP's
        mean and standard deviation there. Gradient steps move the active numeric coordinates; with
        ``settings.discrete`` other than ``"keep"`` a coordinate search then moves the discrete ones it names."""
        numeric = self.encoding.numeric
        if self._conditional:
            movable = self.space.decode_numeric(starts.u)[1][:, numeric] & self._polishable
        else:
            movable = np.broadcast_to(self._polishable, xn.shape)
        scale = self.gp.numeric_lengthscales if self.settings.polish_scale == "lengthscales" else None
        pn, mean, std = polish(
            self.gp, xn, xc, movable, iterations=self.settings.polish_iterations, start=start, scale=scale
        )
        u = starts.u.copy()
        u[:, numeric] = np.where(movable, pn, u[:, numeric])
        if self._levels:
            gp = self.gp

            def score(points: np.ndarray) -> np.ndarray:
                return log_expected_improvement(*gp.predict(*self._rows(points)), gp.y_best)

            searched, _ = discrete_search(score, u, log_expected_improvement(mean, std, gp.y_best), self._levels)
            if (searched != u).any():
                u = searched
                pn, xc = self._rows(u)
                mean, std = gp.predict(pn, xc)
        radius = np.maximum(starts.radius / 3.0, 0.003)
        polished = CandidateMoves(u, radius, starts.centre_rank, np.ones(len(starts), dtype=bool))
        return polished, pn, xc, mean, std

    def _rows(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The GP's inputs of cube points (activity of conditional parameters decoded only where any)."""
        if self._snap:
            u = self.space.snap_integers(u)
        active = self.space.decode_numeric(u)[1] if self._conditional else None
        return self.encoding.rows(u, active)

    def _configurations(self, u: np.ndarray) -> list[bytes]:
        """One key per cube point, equal exactly where two points decode to the same configuration: the bytes of
        its decoded values (inactive ones zeroed) and activity, cut row by row from one array in C."""
        values, active = self.space.decode_numeric(u)
        rows = np.concatenate([np.where(active, values, 0.0) + 0.0, active], axis=1)  # + 0.0: no -0.0
        rows = np.ascontiguousarray(rows, dtype=np.float64)
        return cast(list[bytes], rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel().tolist())

    def _without_repeats(self, u: np.ndarray, pending: np.ndarray | None) -> np.ndarray | None:
        """Indices of the pool's points ``u`` to shortlist from (see ``propose``); None for the whole pool as
        it is."""
        k, avoid = self.settings.n_candidates, self.settings.repeats == "avoid"
        taken = self._evaluated if avoid else set()
        if pending is not None and len(pending):
            taken = taken | set(self._configurations(np.asarray(pending, dtype=float).reshape(-1, self.space.dim)))
        keys = self._configurations(u) if taken else []
        if taken.isdisjoint(keys):  # the common case, tested in C
            new = np.ones(len(u), bool)
        else:
            new = np.fromiter((key not in taken for key in keys), bool, len(keys))
        if not avoid:
            return np.flatnonzero(new) if k <= new.sum() < new.size else None
        if new.all() and len(u) >= k:
            return None
        index = np.flatnonzero(new) if new.any() else np.arange(len(u))
        return np.resize(index, max(index.size, k))

    def _shortlist(self, mean: np.ndarray, std: np.ndarray, log_ei: np.ndarray) -> np.ndarray:
        """Indices of the shortlist: best by EI, by mean, by std, then random others."""
        k = self.settings.n_candidates
        m = log_ei.size
        n_mean = n_std = max(1, k // 16)
        n_random = max(1, k // 4)
        chosen: list[np.ndarray] = []
        taken = np.zeros(m, dtype=bool)

        def add(order: np.ndarray, count: int) -> None:
            picked = order[~taken[order]][:count]  # the first ``count`` of ``order`` not taken yet
            taken[picked] = True
            chosen.append(picked)

        add(np.argsort(-log_ei, kind="stable"), k - n_mean - n_std - n_random)
        add(np.argsort(-mean, kind="stable"), n_mean)
        add(np.argsort(-std, kind="stable"), n_std)
        add(self.rng.permutation(m), k - int(taken.sum()))
        return np.concatenate(chosen).astype(int)

    def _features(
        self,
        moves: CandidateMoves,
        mean: np.ndarray,
        std: np.ndarray,
        log_ei: np.ndarray,
        cand_rows: tuple[np.ndarray, np.ndarray],
        seen_rows: tuple[np.ndarray, np.ndarray],
        finite: np.ndarray,
    ) -> np.ndarray:
        k = len(moves)
        gp = self.gp
        n_params = max(1, self.encoding.n_params)
        gap = mean - gp.y_best
        out = np.empty((k, N_FEATURES))
        out[:, 0] = gap
        out[:, 1] = std
        out[:, 2] = np.clip(gap / std, -15.0, 15.0) / 3.0
        out[:, 3] = np.clip(log_ei, -40.0, 5.0) / 8.0
        out[:, 4] = np.clip(log_ei - log_ei.max(), -40.0, 0.0) / 8.0
        out[:, 5] = _ranks(-log_ei) / k
        out[:, 6] = _ranks(-mean) / k
        out[:, 7] = _ranks(-std) / k
        if finite.size:
            d2 = squared_distances(*cand_rows, *seen_rows) / n_params
            scores = np.array(self._y)
            best = int(np.argmax(np.where(finite, scores, -np.inf))) if finite.any() else 0
            out[:, 8] = np.sqrt(d2[:, best])
            out[:, 9] = np.sqrt(d2.min(axis=1))
        else:
            out[:, 8:10] = 1.0
        out[:, 10] = np.log10(moves.radius) / 2.0
        out[:, 11] = moves.centre_rank < 0
        out[:, 12] = moves.refined
        out[:, 13] = moves.centre_rank == 0
        g = len(CANDIDATE_FEATURES)
        out[:, g] = min(2.0, self.n_evals / self.horizon)
        out[:, g + 1] = min(2.0, self._since_improvement / self.horizon)
        out[:, g + 2] = math.log(n_params) / math.log(64.0)
        out[:, g + 3] = gp.theta[-1] / 14.0
        out[:, g + 4] = float(np.mean(gp.theta[:-2])) / 4.6 if gp.theta.size > 2 else 0.0
        out[:, g + 5] = 1.0 - finite.mean() if finite.size else 0.0
        np.clip(out, -FEATURE_BOUND, FEATURE_BOUND, out=out)
        return out


def _ranks(values: np.ndarray) -> np.ndarray:
    ranks = np.empty(values.size)
    ranks[np.argsort(values, kind="stable")] = np.arange(values.size)
    return ranks


def calibration_scale(errors: list[float] | np.ndarray) -> float:
    """The factor by which a prequential recalibration widens a GP's latent standard deviation (the fitted noise
    stays), from the prediction errors it made during the run: the errors' median absolute value over that of a
    standard normal (0.6745), a scale estimate that a few enormous errors (a diverged configuration) do not sway; 1
    while fewer than ``CALIBRATION_MIN_ERRORS`` errors are known, and within ``CALIBRATION_BOUNDS`` (never below 1).

    ``errors`` are standardized prediction errors, each made before its point was evaluated: of a calibrated GP
    they are standard normal, and the factor is about 1. A GP whose hyperparameters were fitted to a few points can
    predict more confidently than it should, and the points a search picks (those with the largest expected
    improvement) are where its optimism shows (``benchmarks/search_settings/prediction_errors.py``); recalibrating
    its uncertainty by its own errors (Kuleshov et al., ICML 2018; Deshpande and Kuleshov, "Calibrated Uncertainty
    Estimation Improves Bayesian Optimization", 2021, do it by a fitted map of quantiles) widens it everywhere by
    one factor.
    """
    errors = np.asarray(errors, dtype=float)
    if errors.size < CALIBRATION_MIN_ERRORS:
        return 1.0
    return float(np.clip(np.median(np.abs(errors)) / 0.6744897501960817, *CALIBRATION_BOUNDS))
