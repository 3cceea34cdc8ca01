"""RLSearchCV: scikit-learn's estimator checks, RandomizedSearchCV's interface, pipelines and failures."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import loguniform, norm, randint, uniform
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import estimator_checks_generator

from rl_hpo import Float
from rl_hpo.integrations import RLSearchCV
from rl_hpo.integrations.sklearn_search import _Codec


def _expected_failed_checks(search: RLSearchCV) -> dict[str, str]:
    # Ridge takes a 2-d y without a warning; RandomizedSearchCV(Ridge()) fails this check the same way.
    return {"check_supervised_y_2d": "Ridge accepts 2-d targets"} if isinstance(search.estimator, Ridge) else {}


def _check_id(value: object) -> str:
    """Test ids that name a search by its estimator's class, not by its repr (which holds a scipy distribution's
    memory address): pytest-xdist's workers must collect the same ids."""
    if isinstance(value, RLSearchCV):
        return f"RLSearchCV({type(value.estimator).__name__})"
    func = value.func if isinstance(value, functools.partial) else value
    keywords = getattr(value, "keywords", {})
    arguments = ",".join(f"{k}={v}" for k, v in sorted(keywords.items()))
    return f"{getattr(func, '__name__', 'check')}({arguments})" if arguments else getattr(func, "__name__", "check")


_SEARCHES = [
    RLSearchCV(LogisticRegression(), {"C": loguniform(1e-2, 1e2)}, n_iter=2, cv=2, random_state=0),
    RLSearchCV(Ridge(), {"alpha": loguniform(1e-2, 1e2)}, n_iter=2, cv=2, random_state=0),
]


@pytest.mark.parametrize(
    "estimator, check",
    [
        case
        for search in _SEARCHES
        for case in estimator_checks_generator(
            search, expected_failed_checks=_expected_failed_checks(search), mark="xfail"
        )
    ],
    ids=_check_id,
)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


SVC_SPACE = {"C": loguniform(1e-3, 1e3), "gamma": loguniform(1e-5, 1e0), "kernel": ["rbf", "sigmoid"]}


def test_tunes_an_svc_on_digits_like_randomized_search(digits) -> None:
    X, y = digits
    search = RLSearchCV(SVC(), SVC_SPACE, n_iter=12, cv=3, random_state=0).fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    assert len(results) == 12 and {"param_C", "param_gamma", "param_kernel", "mean_test_score"} <= set(results)
    assert search.best_score_ == results["mean_test_score"].max()
    assert search.best_score_ > results["mean_test_score"].iloc[0]  # the policy improves on its first candidate
    assert set(search.best_params_) == {"C", "gamma", "kernel"}
    assert search.best_estimator_.get_params()["C"] == search.best_params_["C"]  # refit on the best params
    assert search.score(X, y) > 0.9
    assert search.predict(X[:5]).shape == (5,)


def test_the_same_random_state_gives_the_same_search(digits) -> None:
    X, y = digits
    runs = [
        RLSearchCV(SVC(), SVC_SPACE, n_iter=7, cv=2, random_state=s).fit(X, y).cv_results_["params"] for s in (1, 1, 2)
    ]
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_works_inside_a_pipeline_and_over_a_pipeline(digits) -> None:
    X, y = digits
    inner = make_pipeline(
        StandardScaler(), RLSearchCV(SVC(), {"C": loguniform(1e-2, 1e2)}, n_iter=4, cv=2, random_state=0)
    )
    assert inner.fit(X, y).score(X, y) > 0.9
    outer = RLSearchCV(
        Pipeline([("scale", StandardScaler()), ("svc", SVC())]),
        {"svc__C": loguniform(1e-2, 1e2), "svc__degree": randint(1, 4), "scale": [StandardScaler(), "passthrough"]},
        n_iter=5,
        cv=2,
        random_state=0,
    ).fit(X, y)
    assert set(outer.best_params_) == {"svc__C", "svc__degree", "scale"}
    assert clone(outer).get_params()["n_iter"] == 5


def test_every_kind_of_distribution_maps_into_its_range() -> None:
    codec = _Codec(
        {
            "u": uniform(2.0, 3.0),
            "log": loguniform(1e-4, 1e-1),
            "int": randint(3, 7),
            "normal": norm(10.0, 2.0),
            "choice": ["a", None, 3],
            "native": Float(0.0, 1.0),
        }
    )
    for config in codec.space.sample(200, seed=0):
        params = codec.params_of(config)
        assert 2.0 <= params["u"] <= 5.0 and 1e-4 <= params["log"] <= 1e-1
        assert params["int"] in range(3, 7) and isinstance(params["int"], int)
        assert 10.0 - 7 * 2.0 < params["normal"] < 10.0 + 7 * 2.0
        assert params["choice"] in ("a", None, 3) and 0.0 <= params["native"] <= 1.0
    assert codec.space["log"].log and not codec.space["u"].log


def test_a_distribution_of_one_value_is_that_value() -> None:
    codec = _Codec({"int": randint(5, 6), "x": uniform(0.0, 1.0)})
    params = [codec.params_of(c) for c in codec.space.sample(5, seed=0)]
    assert all(p["int"] == 5 and isinstance(p["int"], int) for p in params)
    with pytest.raises(ValueError, match="'u': the distribution uniform"):
        _Codec({"u": uniform(3.0, -1.0)})


def test_failing_fits_score_error_score_and_the_search_goes_on() -> None:
    X, y = load_iris(return_X_y=True)
    search = RLSearchCV(
        LogisticRegression(max_iter=200),
        {"C": loguniform(1e-2, 1e2), "solver": ["lbfgs", "not-a-solver"]},
        n_iter=8,
        cv=2,
        random_state=0,
    )
    with pytest.warns(FitFailedWarning) as caught:
        search.fit(X, y)
    failed = [w for w in caught if issubclass(w.category, FitFailedWarning)]
    assert len(failed) == 1, "one summary of the whole search, as RandomizedSearchCV gives"
    non_finite = [str(w.message) for w in caught if "scores are non-finite" in str(w.message)]
    assert len(non_finite) == 1 and non_finite[0].count("nan") == int(
        np.isnan(search.cv_results_["mean_test_score"]).sum()
    )
    scores = search.cv_results_["mean_test_score"]
    assert f"{2 * int(np.isnan(scores).sum())} fits failed out of a total of 16" in str(failed[0].message)
    assert np.isnan(scores).any() and np.isfinite(scores).any()
    assert search.best_params_["solver"] == "lbfgs"


@pytest.mark.parametrize(
    ("distributions", "options", "match"),
    [
        ([{"C": [1, 2]}], {}, "must be one dict"),
        ({}, {}, "at least one parameter"),
        ({"C": "abc"}, {}, "expected a list of values or a frozen scipy.stats distribution"),
        ({"C": []}, {}, "is empty"),
        ({"C": [1, 2]}, {"n_iter": 0}, "'n_iter' parameter of RLSearchCV must be an int >= 1"),
        ({"C": [1, 2]}, {"n_points": 0}, "'n_points' parameter of RLSearchCV must be an int >= 1"),
    ],
)
def test_bad_settings_are_clear_errors(distributions, options, match: str) -> None:
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match=match):
        RLSearchCV(LogisticRegression(), distributions, cv=2, **options).fit(X, y)


def test_several_metrics_take_refit_as_randomized_search_does() -> None:
    X, y = load_iris(return_X_y=True)
    scoring = ["accuracy", "f1_macro"]
    space = {"C": loguniform(1e-2, 1e2)}
    search = RLSearchCV(LogisticRegression(), space, n_iter=3, cv=2, scoring=scoring, refit="f1_macro")
    assert search.fit(X, y).best_params_
    unrefitted = RLSearchCV(LogisticRegression(), space, n_iter=3, cv=2, scoring=scoring, refit=False).fit(X, y)
    assert len(unrefitted.cv_results_["mean_test_f1_macro"]) == 3 and not hasattr(unrefitted, "best_params_")

    def last(results):
        return len(results["params"]) - 1

    chosen = RLSearchCV(LogisticRegression(), space, n_iter=3, cv=2, scoring=scoring, refit=last).fit(X, y)
    assert chosen.best_index_ == 2 and chosen.best_params_ == chosen.cv_results_["params"][2]
    with pytest.raises(ValueError, match="refit must be set to a scorer key or a callable"):  # scikit-learn's own
        RLSearchCV(LogisticRegression(), space, n_iter=2, cv=2, scoring=scoring, refit="nope").fit(X, y)


def test_each_candidate_is_cross_validated_once() -> None:
    X, y = load_iris(return_X_y=True)
    grid = {"C": [0.1, 1.0], "solver": ["lbfgs", "liblinear"]}
    for seed in range(3):  # the policy asks for some candidates again: they are not fitted twice
        search = RLSearchCV(LogisticRegression(max_iter=300), grid, n_iter=4, cv=2, random_state=seed).fit(X, y)
        assert sorted(map(str, search.cv_results_["params"])) == sorted(
            str({"C": c, "solver": s}) for c in grid["C"] for s in grid["solver"]
        )
    with pytest.warns(UserWarning, match="The total space of parameters 4 is smaller than n_iter=10. Running 4"):
        search = RLSearchCV(LogisticRegression(max_iter=300), grid, n_iter=10, cv=2, random_state=0).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    integers = {"C": [0.1, 1.0], "max_iter": randint(300, 303)}  # an integer distribution has finitely many values
    with pytest.warns(UserWarning, match="The total space of parameters 6 is smaller than n_iter=10. Running 6"):
        search = RLSearchCV(LogisticRegression(), integers, n_iter=10, cv=2, n_points=4, random_state=0).fit(X, y)
    assert len({str(p) for p in search.cv_results_["params"]}) == 6
    mixed = {"C": loguniform(1e-2, 1e2), "solver": ["lbfgs", "liblinear"]}
    search = RLSearchCV(LogisticRegression(max_iter=300), mixed, n_iter=12, cv=2, n_points=3, random_state=0)
    params = search.fit(X, y).cv_results_["params"]
    assert len(params) == 12 and len({str(p) for p in params}) == 12


def test_a_search_whose_every_fit_fails_raises_scikit_learns_error() -> None:
    X, y = load_iris(return_X_y=True)
    search = RLSearchCV(LogisticRegression(), {"solver": ["not-a-solver", "nor-this"]}, n_iter=2, cv=2)
    with pytest.raises(ValueError, match="All the 4 fits failed"):
        search.fit(X, y)


def test_refit_may_name_the_single_metric() -> None:
    X, y = load_iris(return_X_y=True)
    search = RLSearchCV(
        LogisticRegression(), {"C": loguniform(1e-2, 1e2)}, n_iter=3, cv=2, scoring="accuracy", refit="accuracy"
    )
    assert search.fit(X, y).best_score_ > 0.5


def test_the_fit_failure_patch_is_scikit_learns_own_outside_a_search() -> None:
    from sklearn.model_selection import _search

    from rl_hpo.integrations import sklearn_search

    X, y = load_iris(return_X_y=True)
    RLSearchCV(LogisticRegression(), {"C": loguniform(1e-2, 1e2)}, n_iter=2, cv=2).fit(X, y)
    assert _search._warn_or_raise_about_fit_failures is sklearn_search._ORIGINAL_CHECK


def test_verbose_announces_the_search_once_as_randomized_search_does(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = load_iris(return_X_y=True)
    search = RLSearchCV(SVC(), {"C": loguniform(1e-2, 1e2)}, n_iter=3, cv=2, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert out.count("Fitting") == 1  # not one line per round
    assert "Fitting 2 folds for each of 3 candidates, chosen round by round, totalling 6 fits" in out
    assert search.verbose == 1 and len(search.cv_results_["params"]) == 3
    RLSearchCV(SVC(), {"C": loguniform(1e-2, 1e2)}, n_iter=2, cv=2, verbose=2, random_state=0).fit(X, y)
    assert capsys.readouterr().out.count("[CV] END") == 4  # every fit's own line stays with verbose > 1


def test_a_linear_range_over_orders_of_magnitude_is_warned_of_at_the_callers_line() -> None:
    X, y = load_iris(return_X_y=True)
    search = RLSearchCV(LogisticRegression(max_iter=300), {"C": uniform(1e-3, 100.0)}, n_iter=2, cv=2, random_state=0)
    with pytest.warns(UserWarning, match=r"'C' \(5\.0 orders of magnitude\) on a linear scale") as caught:
        search.fit(X, y)
    assert [w.filename for w in caught if "orders of magnitude" in str(w.message)] == [__file__]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RLSearchCV(LogisticRegression(max_iter=300), {"C": loguniform(1e-3, 1e2)}, n_iter=2, cv=2).fit(X, y)


def test_a_pair_of_numbers_in_a_tuple_is_two_values_and_warned_of() -> None:
    X, y = load_iris(return_X_y=True)
    search = RLSearchCV(LogisticRegression(max_iter=300), {"C": (1e-3, 1e3)}, n_iter=2, cv=2, random_state=0)
    with pytest.warns(UserWarning, match=r"'C': the tuple \(0\.001, 1000\.0\) is two values to try") as caught:
        search.fit(X, y)
    assert [w.filename for w in caught if "two values to try" in str(w.message)] == [__file__]
    assert sorted(search.cv_results_["param_C"]) == [1e-3, 1e3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a list, or a tuple of more than two values, is plainly a list of choices
        RLSearchCV(LogisticRegression(max_iter=300), {"C": [1e-3, 1e3]}, n_iter=2, cv=2).fit(X, y)
        RLSearchCV(LogisticRegression(max_iter=300), {"C": (0.1, 1.0, 10.0)}, n_iter=2, cv=2).fit(X, y)
