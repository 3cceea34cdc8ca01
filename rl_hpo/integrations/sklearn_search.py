"""``RLSearchCV``: scikit-learn's hyperparameter search with a trained rl_hpo policy choosing the candidates.

A drop-in for ``RandomizedSearchCV``: the same ``param_distributions`` (scipy distributions and lists), the
same ``n_iter``, ``cv``, ``scoring``, ``n_jobs``, ``refit`` and ``random_state``, and the same fitted
attributes (``best_params_``, ``best_score_``, ``best_estimator_``, ``cv_results_``), because it is built on
scikit-learn's ``BaseSearchCV``, whose documented extension point is ``_run_search``. Where
``RandomizedSearchCV`` draws all ``n_iter`` candidates up front, ``RLSearchCV`` asks the policy for the next
candidate(s) after each round of cross-validation, so every choice sees every score so far.

How ``param_distributions`` become a search space the policy tunes (``rl_hpo.SearchSpace``):

- a list (or tuple, or 1-d array) of values: a categorical parameter over the list's positions, so any value
  works, estimators included;
- ``scipy.stats.uniform(loc, scale)``: a float in [loc, loc + scale];
- ``scipy.stats.loguniform(a, b)`` (``reciprocal``): a float on a log scale in [a, b];
- ``scipy.stats.randint(low, high)``: an integer in [low, high - 1];
- any other frozen scipy distribution: its quantile in [0.001, 0.999], decoded by its ``ppf`` (so a normal
  distribution is searched over its central 99.8%, and a discrete one yields its integers);
- an rl_hpo parameter (``Float``, ``Int``, ``Categorical``): as it is.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import numbers
import os
import threading
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import _search, _validation
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state

from rl_hpo.optimizer import make_optimizer
from rl_hpo.space import Categorical, Float, Int, Param, SearchSpace, warn_of_wide_linear_ranges
from rl_hpo.tasks.base import Result

__all__ = ["RLSearchCV"]

# Quantiles searched for a distribution without a bounded native form (its central 99.8%).
_QUANTILES = (0.001, 0.999)


class RLSearchCV(BaseSearchCV):
    """Search hyperparameters by cross-validation, the candidates chosen by a trained rl_hpo policy.

    Parameters:
        estimator: the estimator (or ``Pipeline``) to tune.
        param_distributions: ``{name: distribution or list}``, as for ``RandomizedSearchCV`` (see the module
            docstring for how each kind is searched). One dict; a list of dicts is refused.
        n_iter: candidates to evaluate.
        policy: ``"default"`` (the shipped policy for the space) or a policy folder.
        scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score, return_train_score: as for
            ``RandomizedSearchCV``. With several metrics, the policy maximizes the one ``refit`` names, or
            the first when ``refit`` is False or a callable.
        random_state: seeds the policy (an int, a ``RandomState`` or None).
        n_points: candidates asked of the policy per round (evaluated in parallel with ``n_jobs``).

    A candidate whose fit fails scores ``error_score``; the policy counts a non-finite score as failed and
    moves away from it.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping[str, Any],
        *,
        n_iter: int = 10,
        policy: str | os.PathLike[str] = "default",
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Callable[..., Any] = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: str | int = "2*n_jobs",
        random_state: int | np.random.RandomState | None = None,
        error_score: float | str = np.nan,
        return_train_score: bool = False,
        n_points: int = 1,
    ) -> None:
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.n_iter = n_iter
        self.policy = policy
        self.random_state = random_state
        self.n_points = n_points

    def _run_search(self, evaluate_candidates: Callable[..., dict[str, Any]]) -> None:
        for name, value, low in (("n_iter", self.n_iter, 1), ("n_points", self.n_points, 1)):
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
                raise ValueError(
                    f"The '{name}' parameter of RLSearchCV must be an int >= {low}. Got {value!r} instead."
                )
        codec = _Codec(self.param_distributions)
        # The caller of fit: fit, then the wrapper scikit-learn puts around it, then this.
        warn_of_wide_linear_ranges(codec.space, stacklevel=4)
        _warn_of_range_tuples(self.param_distributions, stacklevel=4)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        n_iter = int(self.n_iter)
        if codec.grid_size is not None and codec.grid_size < n_iter:  # as RandomizedSearchCV does
            warnings.warn(
                f"The total space of parameters {codec.grid_size} is smaller than n_iter={n_iter}. Running "
                f"{codec.grid_size} iterations. For exhaustive searches, use GridSearchCV.",
                UserWarning,
                stacklevel=3,
            )
            n_iter = codec.grid_size
        optimizer = make_optimizer("ppo", codec.space, seed=seed, policy=self.policy, portfolio=None)
        optimizer.plan(n_iter)
        if self.verbose > 0:  # RandomizedSearchCV's one line for the whole search, not one per round
            n_splits = int(self.n_splits_)
            print(
                f"Fitting {n_splits} folds for each of {n_iter} candidates, chosen round by round, totalling "
                f"{n_splits * n_iter} fits"
            )
        with _all_failed_only_at_the_end() as fits, _without_round_headers(self):
            self._ask_and_evaluate(optimizer, codec, evaluate_candidates, n_iter, np.random.default_rng(seed))
        if fits:  # one summary of every round, as RandomizedSearchCV gives: a warning, or the error if all failed
            _validation._warn_or_raise_about_fit_failures(fits, self.error_score)

    def _ask_and_evaluate(
        self,
        optimizer: Any,
        codec: _Codec,
        evaluate_candidates: Callable[..., dict[str, Any]],
        n_iter: int,
        rng: np.random.Generator,
    ) -> None:
        """Evaluate ``n_iter`` distinct candidates, round by round, each round's chosen after the last.

        A candidate is cross-validated once, as ``RandomizedSearchCV`` samples a list-only grid without
        replacement: a candidate the policy asks for again gets its known score told back without a fit, and
        a random candidate not yet evaluated is cross-validated in its place (the policy observes it). The
        search ends early only when every candidate of a finite grid has been evaluated.
        """
        scores: dict[tuple[Any, ...], float] = {}
        done = 0
        while done < n_iter:
            wanted = min(self.n_points, n_iter - done)
            batch: dict[tuple[Any, ...], dict[str, Any]] = {}  # the round's distinct new candidates
            asked, observed = [], []
            for trial in (optimizer.ask() for _ in range(wanted)):
                key = codec.key(trial.config)
                if key in scores:
                    optimizer.tell(trial, _result(scores[key]))
                else:
                    asked.append((trial, key))
                    if key not in batch:
                        batch[key] = trial.config
                        continue
                substitute = codec.unseen(rng, scores.keys() | batch.keys())
                if substitute is not None:
                    batch[codec.key(substitute)] = substitute
                    observed.append(substitute)
            if not batch:
                return  # a finite grid with every candidate evaluated
            results = evaluate_candidates([codec.params_of(config) for config in batch.values()])
            metric = self._steering_metric(results)
            scores.update(zip(batch, map(float, results[metric][-len(batch) :]), strict=True))
            for trial, key in asked:
                optimizer.tell(trial, _result(scores[key]))
            for config in observed:
                optimizer.observe(config, _result(scores[codec.key(config)]))
            done += len(batch)

    def _steering_metric(self, results: Mapping[str, Any]) -> str:
        """The ``cv_results_`` column the policy maximizes: the one metric ("score", whatever refit names),
        or of several the one ``refit`` names, or the first when refit is False or a callable."""
        if "mean_test_score" in results:
            return "mean_test_score"
        if isinstance(self.refit, str):
            return f"mean_test_{self.refit}"  # BaseSearchCV has checked that refit names one of the metrics
        return next(k for k in results if k.startswith("mean_test_"))


def _result(score: float) -> Result:
    return Result(score) if math.isfinite(score) else Result.failure("error_score")


@contextlib.contextmanager
def _without_round_headers(search: BaseSearchCV) -> Iterator[None]:
    """``verbose`` 0 while the rounds run, so that ``evaluate_candidates`` does not print its "Fitting N folds"
    line for every round: it reads ``verbose`` at each call for that line only (the per-fit messages of
    ``verbose`` > 1 took their level before the search began and stay)."""
    verbose = search.verbose
    search.verbose = 0
    try:
        yield
    finally:
        search.verbose = verbose


@contextlib.contextmanager
def _all_failed_only_at_the_end() -> Iterator[list[dict[str, Any]]]:
    """Collect every round's fit results instead of checking them round by round.

    ``BaseSearchCV`` checks the fits of each ``evaluate_candidates`` call: it raises "All the N fits failed"
    when every fit of the call failed (dropping its results) and warns when some did. ``RandomizedSearchCV``
    makes one call, so it raises only when every candidate failed and warns once; a sequential search makes
    one call per round, so one failing candidate would end it, and each round would warn. scikit-learn has no
    option for this, hence the patch of its module-level check for the duration of the search: a round's fits
    are kept (failed ones score ``error_score``), and ``_run_search`` runs scikit-learn's own check once over
    all of them. Likewise every round re-formats all results so far and would repeat the warning that some
    mean score is non-finite: the search keeps the last one (it covers every candidate) and gives it once, at
    its end.
    """
    fits: list[dict[str, Any]] = []
    non_finite: list[tuple[str, type[Warning]]] = []
    with _PATCH_LOCK:
        if not _ACTIVE:
            _search._warn_or_raise_about_fit_failures = _per_round
            _search.warnings = _ROUND_WARNINGS
        _ACTIVE.append(None)
    previous = getattr(_COLLECTOR, "fits", None), getattr(_COLLECTOR, "non_finite", None)
    _COLLECTOR.fits, _COLLECTOR.non_finite = fits, non_finite  # evaluate_candidates runs in the search's thread
    try:
        yield fits
    finally:
        _COLLECTOR.fits, _COLLECTOR.non_finite = previous
        with _PATCH_LOCK:
            _ACTIVE.pop()
            if not _ACTIVE:
                _search._warn_or_raise_about_fit_failures = _ORIGINAL_CHECK
                _search.warnings = warnings
    if non_finite:  # the search ended normally: its one warning, as RandomizedSearchCV gives
        warnings.warn(non_finite[-1][0], non_finite[-1][1], stacklevel=4)


# The patch is installed while any RLSearchCV runs (counted in _ACTIVE, for searches in several threads) and
# acts only in a thread with a running RLSearchCV; any other search meets scikit-learn's own check.
_ORIGINAL_CHECK = _search._warn_or_raise_about_fit_failures
_PATCH_LOCK = threading.Lock()
_ACTIVE: list[None] = []
_COLLECTOR = threading.local()


class _RoundWarnings:
    """The ``warnings`` module as scikit-learn's search module sees it while an RLSearchCV runs: in a thread
    with a running search, the non-finite-score warning is kept for the search's end; all else is as is."""

    def __getattr__(self, name: str) -> Any:
        return getattr(warnings, name)

    def warn(self, message: Any, category: Any = None, stacklevel: int = 1, **kwargs: Any) -> None:
        kept = getattr(_COLLECTOR, "non_finite", None)
        if kept is not None and isinstance(message, str) and "scores are non-finite" in message:
            kept.append((message, category or UserWarning))
            return
        warnings.warn(message, category, stacklevel + 1, **kwargs)


_ROUND_WARNINGS = _RoundWarnings()


def _per_round(results: list[dict[str, Any]], error_score: Any) -> None:
    fits = getattr(_COLLECTOR, "fits", None)
    if fits is None:
        _ORIGINAL_CHECK(results, error_score)
        return
    fits.extend(results)


def _warn_of_range_tuples(distributions: Mapping[str, Any], stacklevel: int) -> None:
    """Warn of a pair of numbers given as a tuple, such as ``(1e-3, 1e3)``: as in ``RandomizedSearchCV``, its two
    values are the only ones tried, where ``rl_hpo.tune``'s dict spaces read the same tuple as a range. ``stacklevel``
    counted from the caller, as for ``warn_of_wide_linear_ranges``."""
    for name, dist in distributions.items():
        if not (isinstance(dist, tuple) and len(dist) == 2):
            continue
        low, high = dist
        if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in dist) and low < high:
            warnings.warn(
                f"{name!r}: the tuple {dist!r} is two values to try, as in RandomizedSearchCV, not a range; for a "
                f"range give a distribution, e.g. scipy.stats.loguniform({low!r}, {high!r}) or uniform({low!r}, "
                f"{high - low!r}) (rl_hpo.tune reads a tuple in a dict space as a range).",
                UserWarning,
                stacklevel=stacklevel + 1,
            )


class _Codec:
    """``param_distributions`` as an rl_hpo ``SearchSpace``, and its configurations as estimator params."""

    def __init__(self, distributions: Mapping[str, Any]) -> None:
        if not isinstance(distributions, Mapping):
            raise ValueError(
                "The 'param_distributions' parameter of RLSearchCV must be one dict of distributions or lists. "
                f"Got {type(distributions).__name__} instead."
            )
        if not distributions:
            raise ValueError("The 'param_distributions' parameter of RLSearchCV must name at least one parameter.")
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        params: list[tuple[str, Param]] = []
        for name, dist in distributions.items():
            param, decode = _param_of(name, dist)
            params.append((name, param))
            self._decoders[name] = decode
        self.space = SearchSpace(params)

    def params_of(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self._decoders[name](value) for name, value in config.items()}

    def key(self, config: Mapping[str, Any]) -> tuple[Any, ...]:
        """What tells two candidates apart (their values in the space's order)."""
        return tuple(config.get(name) for name in self.space.names)

    @property
    def grid(self) -> list[list[Any]] | None:
        """Each parameter's values when every one has finitely many (lists, and integer distributions such as
        ``randint``), else None."""
        values: list[list[Any]] = []
        for name in self.space.names:
            param = self.space[name]
            if isinstance(param, Categorical):
                values.append(list(param.choices))
            elif isinstance(param, Int):
                values.append(list(range(param.low, param.high + 1)))
            else:
                return None
        return values

    @property
    def grid_size(self) -> int | None:
        """The number of distinct candidates of a finite space, else None."""
        grid = self.grid
        return None if grid is None else math.prod(len(values) for values in grid)

    def unseen(self, rng: np.random.Generator, seen: Collection[tuple[Any, ...]]) -> dict[str, Any] | None:
        """A random candidate whose key is not in ``seen``, or None when a finite space has none left."""
        size = self.grid_size
        if size is not None and len(seen) >= size:
            return None
        for _ in range(1000):  # rejection: even a grid that is 99.9% seen yields a new point within 1000 tries
            config = self.space.sample(seed=rng)
            if self.key(config) not in seen:
                return config
        grid = self.grid
        if grid is None:
            return None  # a space this crowded with evaluated points (only a tiny discrete one can be)
        names = self.space.names
        for values in itertools.product(*grid):  # the last few candidates of a finite space
            config = dict(zip(names, values, strict=True))
            if self.key(config) not in seen:
                return config
        return None


def _param_of(name: str, dist: Any) -> tuple[Param, Callable[[Any], Any]]:
    """The search-space parameter for one entry of ``param_distributions`` and the map back to its value."""
    if isinstance(dist, Float | Int | Categorical):
        return dist, lambda v: v
    if isinstance(dist, Sequence | np.ndarray) and not isinstance(dist, str):
        values = list(dist)
        if not values:
            raise ValueError(f"The list of values for {name!r} is empty.")
        return Categorical(range(len(values))), lambda i: values[i]
    if not (hasattr(dist, "rvs") and hasattr(dist, "ppf") and hasattr(dist, "dist")):
        raise ValueError(
            f"{name!r}: expected a list of values or a frozen scipy.stats distribution (e.g. loguniform(1e-3, 1e3)), "
            f"got {dist!r}."
        )
    kind = dist.dist.name
    low, high = (float(b) for b in dist.support())
    discrete = hasattr(dist.dist, "pmf")
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"{name!r}: the distribution {kind}{dist.args} has invalid parameters (its support is NaN).")
    if low == high:  # a single value (randint(5, 6)), which RandomizedSearchCV accepts too
        value = int(low) if discrete else low
        return Categorical([value]), lambda v: v
    if kind == "uniform":
        return Float(low, high), float
    if kind in ("loguniform", "reciprocal") and low > 0:
        return Float(low, high, log=True), float
    if kind == "randint":
        return Int(int(low), int(high)), int

    def from_quantile(q: float) -> Any:
        value = dist.ppf(q)
        return int(value) if discrete else float(value)

    return Float(*_QUANTILES), from_quantile
