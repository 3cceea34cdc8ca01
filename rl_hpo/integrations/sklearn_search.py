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
import math
import os
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import _search, _validation
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils import check_random_state

from rl_hpo.optimizer import make_optimizer
from rl_hpo.space import Categorical, Float, Int, Param, SearchSpace
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
            ``RandomizedSearchCV``. With several metrics, ``refit`` names the one the policy maximizes.
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
        several = isinstance(self.scoring, list | tuple | set | dict) and len(self.scoring) > 1
        if several and not isinstance(self.refit, str):  # before any fit (a callable scoring is checked after one)
            raise ValueError(
                f"With several scoring metrics, refit must name the one RLSearchCV maximizes (one of "
                f"{sorted(self.scoring)}). Got refit={self.refit!r} instead."
            )
        codec = _Codec(self.param_distributions)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        optimizer = make_optimizer("ppo", codec.space, seed=seed, policy=self.policy, portfolio=None)
        optimizer.plan(self.n_iter)
        with _all_failed_only_at_the_end() as fits:
            self._ask_and_evaluate(optimizer, codec, evaluate_candidates)
        if fits and all(fit["fit_error"] is not None for fit in fits):
            _validation._warn_or_raise_about_fit_failures(fits, self.error_score)  # raises: every fit failed

    def _ask_and_evaluate(
        self, optimizer: Any, codec: _Codec, evaluate_candidates: Callable[..., dict[str, Any]]
    ) -> None:
        done = 0
        while done < self.n_iter:
            trials = [optimizer.ask() for _ in range(min(self.n_points, self.n_iter - done))]
            results = evaluate_candidates([codec.params_of(t.config) for t in trials])
            # One metric is "score" whatever refit names; of several, refit names the one to maximize.
            key = "mean_test_score" if "mean_test_score" in results else f"mean_test_{self.refit}"
            if key not in results:
                raise ValueError(
                    "With several scoring metrics, refit must name the one RLSearchCV maximizes "
                    f"(one of {sorted(k.removeprefix('mean_test_') for k in results if k.startswith('mean_test_'))})."
                )
            for trial, score in zip(trials, results[key][-len(trials) :]):
                score = float(score)
                optimizer.tell(trial, Result(score) if math.isfinite(score) else Result.failure("error_score"))
            done += len(trials)


@contextlib.contextmanager
def _all_failed_only_at_the_end() -> Iterator[list[dict[str, Any]]]:
    """Let a round whose fits all failed warn instead of raise, collecting every round's fit results.

    ``BaseSearchCV`` raises "All the N fits failed" when every fit of one ``evaluate_candidates`` call failed,
    and drops that call's results. ``RandomizedSearchCV`` makes one call, so it raises only when every
    candidate failed; a sequential search makes one call per round, so one failing candidate would end it.
    scikit-learn has no option for this, hence the patch of its module-level check for the duration of the
    search: a failed round is kept (its scores are ``error_score``) with a ``FitFailedWarning``, and
    ``_run_search`` raises scikit-learn's own error when every round failed.
    """
    fits: list[dict[str, Any]] = []
    with _PATCH_LOCK:
        if not _ACTIVE:
            _search._warn_or_raise_about_fit_failures = _per_round
        _ACTIVE.append(None)
    previous = getattr(_COLLECTOR, "fits", None)
    _COLLECTOR.fits = fits  # evaluate_candidates runs in the thread that runs the search
    try:
        yield fits
    finally:
        _COLLECTOR.fits = previous
        with _PATCH_LOCK:
            _ACTIVE.pop()
            if not _ACTIVE:
                _search._warn_or_raise_about_fit_failures = _ORIGINAL_CHECK


# The patch is installed while any RLSearchCV runs (counted in _ACTIVE, for searches in several threads) and
# acts only in a thread with a running RLSearchCV; any other search meets scikit-learn's own check.
_ORIGINAL_CHECK = _search._warn_or_raise_about_fit_failures
_PATCH_LOCK = threading.Lock()
_ACTIVE: list[None] = []
_COLLECTOR = threading.local()


def _per_round(results: list[dict[str, Any]], error_score: Any) -> None:
    fits = getattr(_COLLECTOR, "fits", None)
    if fits is None:
        _ORIGINAL_CHECK(results, error_score)
        return
    fits.extend(results)
    try:
        _ORIGINAL_CHECK(results, error_score)
    except ValueError as err:
        warnings.warn(str(err), FitFailedWarning, stacklevel=2)


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
