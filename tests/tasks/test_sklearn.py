"""The sklearn family: live cross-validated pipelines, user data, CSV files and tabulated tasks.

Kept fast: iris / diabetes, 2 folds, subsamples and cheap corners of the search spaces.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import rl_hpo
from rl_hpo.exceptions import DataNotFoundError, TaskNotFoundError
from rl_hpo.space import Categorical
from rl_hpo.tasks import load_suite, load_task
from rl_hpo.tasks._sklearn_data import load_dataset, prepare_data
from rl_hpo.tasks._sklearn_pipelines import MLP_EPOCHS, SelectFraction, build_pipeline, pipeline_space
from rl_hpo.tasks.sklearn import (
    DATASETS,
    PIPELINES,
    SklearnTask,
    TabulatedSklearnTask,
    load_csv_task,
    make_sklearn_task,
    make_task,
    tabulate,
)


def cheap_config(task: SklearnTask) -> dict:
    """A configuration near the low end of every range: few trees, few boosting rounds, small networks."""
    config = task.space.decode(np.full(task.space.dim, 0.15))
    return {**config, "scaler": "standard"} if "scaler" in config else config


@pytest.mark.parametrize("pipeline", list(PIPELINES))
def test_spaces_tune_the_whole_pipeline(pipeline):
    for task_type in ("classification", "regression"):
        space = pipeline_space(pipeline, task_type)
        assert space.names[:3] == ("imputer", "scaler", "feature_fraction")
        assert space.dim > 4
        for config in space.sample(20, seed=0):
            steps = build_pipeline(config, pipeline, task_type, seed=0, n_train=50).named_steps
            assert list(steps) == ["impute", "scale", "select", "model"]
            assert steps["impute"].strategy == config["imputer"]
    svc = pipeline_space("svc", "classification")
    assert svc["degree"].condition.values == ("poly",) and svc["C"].log
    assert "epsilon" in pipeline_space("svc", "regression") and "epsilon" not in svc


@pytest.mark.parametrize("pipeline", list(PIPELINES))
@pytest.mark.parametrize("dataset", ["iris", "diabetes"])
def test_every_pipeline_trains_on_both_task_types(pipeline, dataset):
    task = load_task(f"sklearn/{pipeline}/{dataset}", cv=2)
    result = task.evaluate(cheap_config(task), 0.5)
    assert not result.failed, result.info.get("error")
    assert result.cost > 0 and len(result.info["fold_scores"]) == 2
    if dataset == "iris":
        assert 0.2 < result.score <= 1.0
        assert type(task.build(cheap_config(task))[-1]).__name__.endswith(("Classifier", "SVC", "Regression"))
    else:
        assert -1.0 < result.score < 1.0  # R^2
        assert "Classifier" not in type(task.build(cheap_config(task))[-1]).__name__


def test_scores_are_seeded_and_folds_depend_on_the_seed():
    task = load_task("sklearn/random_forest/iris", cv=2)
    config = cheap_config(task)
    assert task.evaluate(config).score == load_task("sklearn/random_forest/iris", cv=2).evaluate(config).score
    other = load_task("sklearn/random_forest/iris", cv=2, seed=1)
    assert not np.array_equal(task.splits()[0][1], other.splits()[0][1])


def test_subsamples_are_stratified_nested_and_test_folds_whole():
    task = load_task("sklearn/svc/wine", cv=3)
    y = task.data.y
    tests = [test for _, test in task.splits()]
    assert np.array_equal(np.sort(np.concatenate(tests)), np.arange(len(y)))
    for fold in range(3):
        rows = [task.train_rows(fold, f) for f in (0.1, 0.3, 1.0)]
        assert len(rows[0]) < len(rows[1]) < len(rows[2])
        assert set(rows[0]) <= set(rows[1]) <= set(rows[2])
        assert set(np.unique(y[rows[0]])) == set(np.unique(y))  # every class keeps a row
        assert set(rows[2]).isdisjoint(tests[fold])
    result = task.evaluate(cheap_config(task), 0.1)
    assert result.info["n_train"] == len(task.train_rows(0, 0.1)) and result.info["subsample"] == 0.1


def test_fidelity_range_is_checked():
    task = load_task("sklearn/svc/iris")
    assert (task.fidelity.name, task.fidelity.low, task.fidelity.high) == ("subsample", 0.1, 1.0)
    with pytest.raises(ValueError, match=r"must lie in \[0.1, 1\]. Got 0.05"):
        task.evaluate(cheap_config(task), 0.05)


def test_a_failing_fit_is_a_failed_result(monkeypatch):
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Broken(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            raise RuntimeError("boom")

    task = load_task("sklearn/svc/iris", cv=2)
    monkeypatch.setattr(SklearnTask, "build", lambda self, config, fidelity=None: Broken())
    result = task.evaluate(cheap_config(task))
    assert result.failed and "RuntimeError: boom" in result.info["error"] and result.cost >= 0


def test_ctrl_c_during_an_mlp_fit_stops_the_run_instead_of_scoring_the_model_cut_short(monkeypatch):
    from sklearn.neural_network import MLPClassifier

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt  # what Ctrl-C raises inside the fit; the MLP catches it and warns

    task = load_task("sklearn/mlp/iris", cv=2)
    monkeypatch.setattr(MLPClassifier, "_backprop", interrupted)
    with pytest.raises(KeyboardInterrupt):
        task.evaluate(task.space.sample(seed=0))
    with pytest.raises(rl_hpo.TuningInterrupted) as stopped:
        rl_hpo.tune(task, budget=3, method="random", seed=0)
    assert len(stopped.value.history) == 0


def test_convergence_warnings_do_not_reach_the_user():
    from sklearn.exceptions import ConvergenceWarning

    task = load_task("sklearn/logistic_regression/digits", cv=2)
    config = {"imputer": "mean", "scaler": "none", "feature_fraction": 1.0, "C": 1e4, "l1_ratio": 0.5}
    config["class_weight"] = "none"
    pipe = task.build(config, 0.1)
    rows = task.train_rows(0, 0.1)
    with warnings.catch_warnings(record=True) as raw:
        warnings.simplefilter("always")
        pipe.fit(task.data.X[rows], task.data.y[rows])
    assert any(issubclass(w.category, ConvergenceWarning) for w in raw)  # the config does warn
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = task.evaluate(config, 0.1)
    assert not result.failed and not caught


def test_metrics():
    diabetes = load_task("sklearn/svc/diabetes", cv=2, metric="neg_rmse")
    result = diabetes.evaluate(cheap_config(diabetes), 0.5)
    assert diabetes.metric == "neg_root_mean_squared_error" and -200 < result.score < 0
    iris = load_task("sklearn/svc/iris", cv=2, metric="balanced_accuracy")
    assert 0 <= iris.evaluate(cheap_config(iris), 0.5).score <= 1
    with pytest.raises(ValueError, match="metric 'r2' does not suit a classification task"):
        load_task("sklearn/svc/iris", metric="r2")
    with pytest.raises(ValueError, match="metric 'accuracy' does not suit a regression task"):
        load_task("sklearn/svc/diabetes", metric="accuracy")
    with pytest.raises(ValueError, match="Unknown metric 'acc'"):
        load_task("sklearn/svc/iris", metric="acc")


def test_parallel_folds_give_the_same_scores():
    serial = load_task("sklearn/extra_trees/iris", cv=2)
    parallel = load_task("sklearn/extra_trees/iris", cv=2, n_jobs=2)
    config = cheap_config(serial)
    assert parallel.evaluate(config).info["fold_scores"] == serial.evaluate(config).info["fold_scores"]


# -- the user's data ------------------------------------------------------------------------------
def frame(n: int = 90, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "colour": rng.choice(["red", "green", None], size=n),
            "gappy": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
            "flag": rng.random(n) < 0.5,
        }
    )
    y = pd.Series(np.where(X["num"] + (X["colour"] == "red") > 0.3, "yes", "no"))
    return X, y


def test_a_dataframe_with_text_and_missing_values():
    X, y = frame()
    task = make_sklearn_task("hist_gradient_boosting", X, y, name="sklearn/hgb/mine", cv=2)
    assert task.name == "sklearn/hgb/mine" and task.task_type == "classification"
    assert task.data.feature_names == ("num", "colour=green", "colour=red", "colour=<missing>", "gappy", "flag")
    assert np.isnan(task.data.X[:, 4]).any()  # left for the imputer
    for imputer in ("mean", "median", "most_frequent"):
        result = task.evaluate({**cheap_config(task), "imputer": imputer})
        assert not result.failed and result.score > 0.5


def test_task_type_is_inferred_and_can_be_forced():
    X = np.random.default_rng(0).normal(size=(60, 3))
    assert make_sklearn_task("svc", X, X[:, 0] * 3.7).task_type == "regression"
    assert make_sklearn_task("svc", X, (X[:, 0] > 0).astype(int)).task_type == "classification"
    assert make_sklearn_task("svc", X, np.arange(60) % 3, task_type="regression").task_type == "regression"
    assert make_sklearn_task("svc", X, np.arange(60)).task_type == "regression"  # 60 distinct integers


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.zeros((30, 2)), np.zeros(30), r"single class \(0.0\)"),
        (np.zeros((8, 2)), np.arange(8) % 2, "8 rows; tuning needs at least 10"),
        (np.zeros((30, 2)), np.zeros(29), "X has 30 rows but y has 29"),
        (
            np.zeros((30, 2)),
            np.r_[np.zeros(28), 1, 1],
            r"Class 1.0 has 2 row\(s\); cv=3 stratified folds need at least 3 per class",
        ),
        (np.zeros((30, 2)), np.r_[np.nan, np.arange(29.0)], r"y has 1 missing value\(s\) \(rows \[0\]\)"),
        (np.r_[[[np.inf, 0]], np.zeros((29, 2))], np.arange(30) % 2, "infinite values in column 'x0'"),
        (np.zeros(30), np.arange(30) % 2, "X must be 2-d"),
        (np.full((30, 2), np.nan), np.arange(30) % 2, "Every column of X is missing"),
        (np.zeros((30, 2)), np.full(30, 2.5), r"y is constant \(2.5\)"),
        (pd.DataFrame({"id": [f"p{i}" for i in range(60)]}), np.arange(60) % 2, "Column 'id' is non-numeric with 60"),
        (pd.DataFrame({"t": pd.date_range("2024-01-01", periods=30)}), np.arange(30) % 2, "Column 't' holds dates"),
        (
            pd.DataFrame({"q": [f"{i / 7:.3f}" if i % 17 else "?" for i in range(120)]}),
            np.arange(120) % 2,
            r"Column 'q' holds numbers but for 8 value\(s\) like '\?'; mark those as missing",
        ),
        (
            np.zeros((30, 2)),
            np.r_[np.arange(29) % 5, 12],
            r"Class 12 has 1 row.*y was taken for class labels \(6 whole-number values\); if it is a quantity, "
            r"pass task_type='regression' \(--task-type regression",
        ),
    ],
)
def test_unusable_data_is_refused_with_the_reason(X, y, match):
    with pytest.raises(ValueError, match=match):
        make_sklearn_task("svc", X, y)


def test_rows_are_counted_against_the_folds_and_labels_given_as_such_get_no_hint():
    with pytest.raises(
        ValueError, match=r"The data has 12 rows; cv=10 needs at least 20 \(2 per fold\). Use a smaller"
    ):
        make_sklearn_task("svc", np.zeros((12, 2)), np.arange(12) % 2, cv=10)
    with pytest.raises(ValueError, match=r"merge or drop rare classes.$"):
        make_sklearn_task("svc", np.zeros((30, 2)), np.r_[np.arange(29) % 5, 12], task_type="classification")


def test_bad_task_arguments():
    X, y = frame()
    with pytest.raises(ValueError, match=r"task_type must be 'classification', 'regression' or None. Got 'clf'"):
        make_sklearn_task("svc", X, y, task_type="clf")
    with pytest.raises(ValueError, match=r"task_type='regression' \(--task-type regression\) needs a numeric target"):
        make_sklearn_task("svc", X, y, task_type="regression")
    with pytest.raises(ValueError, match="Unknown pipeline 'xgboost'; choose one of: svc, random_forest"):
        make_sklearn_task("xgboost", X, y)
    with pytest.raises(ValueError, match=r"'cv' parameter of SklearnTask must be an int >= 2. Got 1"):
        SklearnTask("svc", load_dataset("iris"), cv=1)


def test_csv_files(tmp_path):
    X, y = frame(120)
    data = X.assign(label=y)
    data.loc[[3, 7], "label"] = None
    path = tmp_path / "patients.csv"
    data.to_csv(path, index=False)
    with pytest.warns(UserWarning, match="Dropped 2 row"):
        task = load_csv_task(path, "label", pipeline="logistic_regression", cv=2)
    assert task.name == "sklearn/logistic_regression/patients" and task.data.n_rows == 118
    assert not task.evaluate(cheap_config(task)).failed
    with pytest.raises(ValueError, match=r"has no column 'Label'. Did you mean 'label'\? Its columns: 'num', 'colour'"):
        load_csv_task(path, "Label")
    with pytest.raises(DataNotFoundError, match="No CSV file at"):
        load_csv_task(tmp_path / "missing.csv", "label")
    data.assign(label=None).to_csv(tmp_path / "unlabelled.csv", index=False)
    with pytest.raises(ValueError, match=r"The target column 'label' of the CSV file .* is missing in every row\."):
        load_csv_task(tmp_path / "unlabelled.csv", "label")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="is empty"):
        load_csv_task(tmp_path / "empty.csv", "label")
    (tmp_path / "header.csv").write_text("num,colour,label\n")
    with pytest.raises(ValueError, match="X has no rows"):
        load_csv_task(tmp_path / "header.csv", "label")
    (tmp_path / "one.csv").write_text("a,colour\n" + "".join(f"{i},red\n" for i in range(20)))
    with pytest.raises(ValueError, match=r"The target 'colour' has a single class \('red'\)"):
        load_csv_task(tmp_path / "one.csv", "colour")


@pytest.mark.parametrize("sep", [";", "\t"])
def test_csv_files_separated_by_semicolons_or_tabs_are_read(tmp_path, sep):
    X, y = frame(60)
    X.assign(label=y).to_csv(tmp_path / "data.csv", index=False, sep=sep)
    task = load_csv_task(tmp_path / "data.csv", "label", pipeline="logistic_regression")
    assert task.data.feature_names[0] == "num" and task.data.n_rows == 60


def test_csv_files_as_spreadsheets_write_them_are_read_as_written(tmp_path):
    from rl_hpo.tasks._sklearn_data import read_csv

    (tmp_path / "trailing.csv").write_text(
        "label,x,n\n" + "".join(f"{'ab'[i % 2]},{i / 7:.3f},{i % 3},\n" for i in range(9))
    )
    X, y = read_csv(tmp_path / "trailing.csv", "label")  # every row ends in a separator: no field shifts
    assert list(X.columns) == ["x", "n"] and set(y) == {"a", "b"}
    X, y = frame(30)
    X.assign(label=y).to_csv(tmp_path / "comma.csv", sep=";", decimal=",", index=False)  # a European spreadsheet
    read, _ = read_csv(tmp_path / "comma.csv", "label")
    np.testing.assert_allclose(read["num"].to_numpy(dtype=float), X["num"].to_numpy(dtype=float))
    (tmp_path / "quoted.csv").write_text('"weight, kg";"height, cm";label\n' + "1;2;0\n3;4;1\n" * 5)
    assert list(read_csv(tmp_path / "quoted.csv", "label")[0].columns) == ["weight, kg", "height, cm"]
    # a column whose name holds a comma is dropped by its whole name; an entry that names none is a list
    assert list(read_csv(tmp_path / "quoted.csv", "label", drop=["weight, kg"])[0].columns) == ["height, cm"]
    with pytest.raises(ValueError, match="has no column 'weight'"):
        read_csv(tmp_path / "quoted.csv", "label", drop=["weight,height"])
    with pytest.raises(ValueError, match="The columns to drop, ',', name no column"):
        read_csv(tmp_path / "quoted.csv", "label", drop=[","])
    assert list(read_csv(tmp_path / "quoted.csv", "label", drop="height, cm")[0].columns) == ["weight, kg"]
    (tmp_path / "two.csv").write_text('"weight, kg";"label, yes or no"\n' + "1;0\n3;1\n" * 5)  # a tie without quotes
    assert list(read_csv(tmp_path / "two.csv", "label, yes or no")[0].columns) == ["weight, kg"]
    commas = [f"{i},5" if i % 10 else "?" for i in range(30)]  # decimal commas with a few markers
    (tmp_path / "marked.csv").write_text("a;label\n" + "".join(f"{v};{i % 2}\n" for i, v in enumerate(commas)))
    with pytest.raises(ValueError, match=r"Column 'a' holds numbers but for 3 value\(s\) like '\?'"):
        load_csv_task(tmp_path / "marked.csv", "label", pipeline="logistic_regression")
    (tmp_path / "padded.csv").write_text("id ,x,label\n" + "".join(f"{i},{i / 3},{i % 2}\n" for i in range(9)))
    assert list(read_csv(tmp_path / "padded.csv", "label", drop=["id"])[0].columns) == ["x"]  # as --drop id gives it
    (tmp_path / "twice.csv").write_text("label,x,label\n" + "1,2,1\n0,3,0\n" * 5)
    with pytest.raises(ValueError, match="names the column 'label' more than once"):
        read_csv(tmp_path / "twice.csv", "label")
    ages = [str(20 + i) if i % 9 else "?" for i in range(30)]  # few distinct values, a few markers
    (tmp_path / "ages.csv").write_text("age,label\n" + "".join(f"{a},{i % 2}\n" for i, a in enumerate(ages)))
    with pytest.raises(ValueError, match=r"Column 'age' holds numbers but for 4 value\(s\) like '\?'"):
        load_csv_task(tmp_path / "ages.csv", "label", pipeline="logistic_regression")
    with pytest.raises(ValueError, match=r"The target 'age' holds numbers but for 4 value\(s\) like '\?'"):
        load_csv_task(tmp_path / "ages.csv", "age", pipeline="logistic_regression")


def test_csv_files_that_are_not_utf8_or_not_csv_are_named_in_the_error(tmp_path):
    (tmp_path / "latin1.csv").write_bytes(
        b"a,cat,y\n" + "".join(f"{i},café,{i % 2}\n" for i in range(20)).encode("latin-1")
    )
    with pytest.raises(ValueError, match=r"The CSV file '.*latin1.csv' is not UTF-8 text \(it holds the byte 0xe9"):
        load_csv_task(tmp_path / "latin1.csv", "y")
    (tmp_path / "ragged.csv").write_text("a,b,y\n" + "1,2,0\n" * 10 + "1,2,3,4\n")
    with pytest.raises(ValueError, match=r"The CSV file '.*ragged.csv' could not be read as CSV: .*Expected 3 fields"):
        load_csv_task(tmp_path / "ragged.csv", "y")


def test_select_fraction_keeps_the_informative_features():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 10))
    X[:, 7] = 1.0  # constant: ranked last, no warning
    y = (X[:, 3] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        selector = SelectFraction(0.1).fit(X, y)
    assert selector.get_support().tolist() == [j == 3 for j in range(10)]
    assert SelectFraction(0.01).fit(X, y).get_support().sum() == 1
    assert SelectFraction(1.0).fit(X, y).transform(X).shape == (200, 10)


# -- names and suites -----------------------------------------------------------------------------
def test_names_suites_and_errors():
    assert set(DATASETS) == {"iris", "wine", "breast_cancer", "digits", "diabetes"}
    suite = load_suite("sklearn/mlp")
    assert suite.task_names("train") == ["sklearn/mlp/iris", "sklearn/mlp/wine", "sklearn/mlp/breast_cancer"]
    assert suite.task_names("validation") == ["sklearn/mlp/diabetes"]
    assert suite.task_names("test") == ["sklearn/mlp/digits"]
    assert {f"sklearn/{p}" for p in PIPELINES} | {"sklearn/all"} <= set(rl_hpo.tasks.suite_names())
    every = load_suite("sklearn/all")
    assert len(every.task_names("train")) == 3 * len(PIPELINES)
    assert every.task_names("test") == [f"sklearn/{p}/digits" for p in PIPELINES]
    boosted = load_suite("sklearn/all", fidelity="iterations").task_names("validation")
    assert boosted == [
        f"sklearn/{p}/diabetes" for p in ("random_forest", "extra_trees", "hist_gradient_boosting", "mlp")
    ]
    with pytest.raises(TaskNotFoundError, match="Unknown sklearn pipeline 'knn'; choose one of: svc"):
        load_task("sklearn/knn/iris")
    with pytest.raises(TaskNotFoundError, match=r"Unknown sklearn dataset 'mnist'; choose one of: iris.*make_sklearn"):
        load_task("sklearn/svc/mnist")
    with pytest.raises(TypeError, match=r"Unknown option\(s\) \['folds'\]"):
        make_task("svc", "iris", folds=3)
    with pytest.raises(TypeError, match="apply to tabulated tasks only; add tabulated=True"):
        make_task("svc", "iris", n_configs=3)


# -- tabulated tasks ------------------------------------------------------------------------------
def test_tabulate_stores_serves_and_reuses_a_table(tmp_path, monkeypatch):
    tables = tabulate("logistic_regression", ["iris", "wine"], n_configs=6, seed=0, cache_dir=tmp_path, cv=2)
    iris = tables[0]
    assert isinstance(iris, TabulatedSklearnTask) and iris.name == "sklearn/logistic_regression/iris"
    assert iris.fidelity is None and iris.scores.shape == (6, 1)
    # the same configurations on every dataset of a task type
    assert np.array_equal(iris.unit, tables[1].unit)
    files = sorted(p.suffix for p in (tmp_path / "sklearn").iterdir())
    assert files == [".json", ".json", ".npz", ".npz"]
    with np.load(next((tmp_path / "sklearn").glob("*iris*.npz")), allow_pickle=False) as arrays:
        assert set(arrays.files) == {"unit", "scores", "costs"}
    meta = json.loads(next((tmp_path / "sklearn").glob("*iris*.json")).read_text())
    assert meta["n_done"] == 6 and meta["dataset"] == "iris" and meta["cv"] == 2
    # exact bounds and exact scores at the table's own configurations
    scores, costs = iris.evaluate_unit(iris.unit)
    assert np.array_equal(scores, iris.scores[:, 0]) and np.all(costs > 0)
    assert iris.bounds.best == scores.max() and iris.bounds.worst == scores.min()
    config = iris.table_configs()[4]
    assert iris.evaluate(config).score == scores[4] and iris.evaluate(config).info["table_index"] == 4
    # a point near a table configuration is served that configuration's score
    near = np.clip(iris.unit[2] + 1e-3, 0, 1)
    assert iris.evaluate_unit(near[None, :])[0][0] == scores[2]
    # the second call is served from disk without training anything
    monkeypatch.setattr(SklearnTask, "evaluate", lambda *a, **k: pytest.fail("re-evaluated a cached table"))
    again = tabulate("logistic_regression", "iris", n_configs=6, seed=0, cache_dir=tmp_path, cv=2)[0]
    assert np.array_equal(again.scores, iris.scores, equal_nan=True)
    loaded = TabulatedSklearnTask.load(next((tmp_path / "sklearn").glob("*iris*.npz")))
    assert loaded.space == iris.space and np.array_equal(loaded.scores, iris.scores, equal_nan=True)


def test_tabulated_fidelities_and_categorical_snapping(tmp_path):
    task = tabulate("svc", "iris", n_configs=5, cache_dir=tmp_path, cv=2, fidelities=(0.3, 1.0))[0]
    assert (task.fidelity.low, task.fidelity.high) == (0.3, 1.0) and task.scores.shape == (5, 2)
    assert np.array_equal(task.evaluate_unit(task.unit, 0.35)[0], task.scores[:, 0], equal_nan=True)
    assert np.array_equal(task.evaluate_unit(task.unit, 0.9)[0], task.scores[:, 1], equal_nan=True)
    with pytest.raises(ValueError, match=r"must lie in \[0.3, 1\]"):
        task.evaluate_unit(task.unit, 0.1)
    # charged as the column that serves it: 0.9 is served (and counted) as a full evaluation
    assert (task.budget_fraction(0.35), task.budget_fraction(0.9), task.budget_fraction(None)) == (0.3, 1.0, 1.0)
    assert task.budget_fraction(0.1) == pytest.approx(0.1)  # refused by the table: charged as asked
    # table points are canonical: categoricals at bin centres, inactive parameters at 0.5
    for j, (name, param) in enumerate(task.space.items()):
        if isinstance(param, Categorical):
            k = len(param.choices)
            assert np.allclose((task.unit[:, j] * k - 0.5) % 1, 0)
        if param.condition is not None:
            inactive = [name not in c for c in task.table_configs()]
            assert np.all(task.unit[inactive, j] == 0.5)


def test_an_interrupted_tabulation_resumes(tmp_path, monkeypatch):
    calls = {"n": 0}
    original = SklearnTask.evaluate

    def flaky(self, config, fidelity=None):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return original(self, config, fidelity)

    monkeypatch.setattr(SklearnTask, "evaluate", flaky)
    with pytest.raises(KeyboardInterrupt):
        tabulate("logistic_regression", "iris", n_configs=8, cache_dir=tmp_path, cv=2)
    monkeypatch.setattr(SklearnTask, "evaluate", original)
    counted = {"n": 0}

    def counting(self, config, fidelity=None):
        counted["n"] += 1
        return original(self, config, fidelity)

    monkeypatch.setattr(SklearnTask, "evaluate", counting)
    task = tabulate("logistic_regression", "iris", n_configs=8, cache_dir=tmp_path, cv=2)[0]
    assert counted["n"] < 8 and np.all(np.isfinite(task.scores))


def test_tabulated_through_the_registry_and_tuning(tmp_path, monkeypatch):
    monkeypatch.setenv("RL_HPO_CACHE", str(tmp_path))
    task = load_task("sklearn/logistic_regression/iris", tabulated=True, n_configs=4, cv=2)
    assert isinstance(task, TabulatedSklearnTask) and list((tmp_path / "sklearn").glob("*.npz"))
    history = rl_hpo.tune(task, budget=5, method="random", seed=0)
    assert task.bounds.worst <= history.best_score <= task.bounds.best
    # different settings are a different table, never a stale one
    other = load_task("sklearn/logistic_regression/iris", tabulated=True, n_configs=4, cv=2, seed=1)
    assert len(list((tmp_path / "sklearn").glob("*.npz"))) == 2 and not np.array_equal(other.unit, task.unit)


def test_tabulate_arguments_are_checked(tmp_path):
    with pytest.raises(ValueError, match=r"'n_configs' parameter of tabulate must be an int >= 1. Got 0"):
        tabulate("svc", "iris", n_configs=0, cache_dir=tmp_path)
    with pytest.raises(ValueError, match=r"fidelities must be subsample fractions in \[0.1, 1\]. Got \[0.05"):
        tabulate("svc", "iris", n_configs=2, cache_dir=tmp_path, fidelities=(0.05, 1.0))
    with pytest.raises(ValueError, match="Unknown sklearn dataset 'mnist'"):
        tabulate("svc", "mnist", n_configs=2, cache_dir=tmp_path)
    X, y = frame()
    own = tabulate("svc", [(X, y)], n_configs=2, cache_dir=tmp_path, cv=2)[0]
    assert own.name == "sklearn/svc/data0" and math.isfinite(own.bounds.best)


def test_prepare_data_keeps_builtin_data_read_only():
    data = load_dataset("iris")
    assert not data.X.flags.writeable and data.task_type == "classification" and data.n_classes == 3
    assert prepare_data(data.X, data.y, name="iris2").fingerprint() == data.fingerprint()


# -- the iterations fidelity ----------------------------------------------------------------------
def model_params(pipe) -> dict:
    return pipe.named_steps["model"].get_params()


@pytest.mark.parametrize(
    ("pipeline", "param", "full"),
    [
        ("hist_gradient_boosting", "max_iter", lambda config: config["max_iter"]),
        ("random_forest", "n_estimators", lambda config: config["n_estimators"]),
        ("extra_trees", "n_estimators", lambda config: config["n_estimators"]),
        ("mlp", "max_iter", lambda config: MLP_EPOCHS),
    ],
)
def test_iterations_fidelity_trains_fewer_iterations(pipeline, param, full):
    task = load_task(f"sklearn/{pipeline}/iris", fidelity="iterations", cv=2)
    subsample = load_task(f"sklearn/{pipeline}/iris", cv=2)
    assert (task.fidelity.name, task.fidelity.low, task.fidelity.high) == ("iterations", 0.1, 1.0)
    assert task.space == subsample.space  # the fidelity kind does not change the space
    for config in task.space.sample(5, seed=1):
        n = full(config)
        counts = [model_params(task.build(config, f))[param] for f in (0.1, 0.5, 1.0)]
        assert counts == [max(1, round(f * n)) for f in (0.1, 0.5, 1.0)] and counts[-1] == n
        assert counts[0] < counts[2]
        # full fidelity (or None) is exactly the pipeline of the subsample task
        assert model_params(task.build(config, 1.0)) == model_params(subsample.build(config))
        assert model_params(task.build(config)) == model_params(subsample.build(config, 1.0))
        # only the iteration count changes, and the training folds stay whole
        low = model_params(task.build(config, 0.1))
        assert {k for k in low if low[k] != model_params(subsample.build(config))[k]} == {param}
    assert [len(train) for train, _ in task.splits(0.1)] == [len(train) for train, _ in subsample.splits()]


def test_mlp_epochs_stay_200_at_full_fidelity():
    assert MLP_EPOCHS == 200
    task = load_task("sklearn/mlp/diabetes", fidelity="iterations", cv=2)
    config = cheap_config(task)
    assert task.build(config).named_steps["model"].regressor.max_iter == 200
    assert task.build(config, 0.1).named_steps["model"].regressor.max_iter == 20
    assert build_pipeline(config, "mlp", "regression", seed=0, n_train=50, iterations=0.5)[-1].regressor.max_iter == 100


def test_a_low_iterations_evaluation_trains_fewer_rounds():
    task = load_task("sklearn/hist_gradient_boosting/iris", fidelity="iterations", cv=2)
    config = {**cheap_config(task), "max_iter": 30}
    low, full = task.evaluate(config, 0.1), task.evaluate(config)
    assert not low.failed and not full.failed
    assert (low.info["iterations"], low.info["n_iterations"]) == (0.1, 3)
    assert (full.info["iterations"], full.info["n_iterations"]) == (1.0, 30)
    assert low.info["subsample"] == full.info["subsample"] == 1.0
    assert low.info["n_train"] == full.info["n_train"] == len(task.train_rows(0, 1.0))
    fitted = task.build(config, 0.1).fit(task.data.X, task.data.y)
    assert fitted[-1].n_iter_ == 3  # the model really stops after 3 rounds
    # a subsample task records no iterations
    assert "iterations" not in load_task("sklearn/hist_gradient_boosting/iris", cv=2).evaluate(config, 0.5).info


def test_iterations_need_a_model_with_iterations():
    X, y = frame()
    for pipeline in ("svc", "logistic_regression"):
        message = rf"Pipeline '{pipeline}' has no iteration count.*hist_gradient_boosting.*fidelity='subsample'"
        with pytest.raises(ValueError, match=message):
            SklearnTask(pipeline, load_dataset("iris"), fidelity="iterations")
        with pytest.raises(ValueError, match=message):
            load_task(f"sklearn/{pipeline}/iris", fidelity="iterations")
        with pytest.raises(ValueError, match=message):
            make_sklearn_task(pipeline, X, y, fidelity="iterations")
        with pytest.raises(ValueError, match=message):
            load_suite(f"sklearn/{pipeline}", fidelity="iterations")
    with pytest.raises(ValueError, match=r"'fidelity' parameter of sklearn tasks must be one of 'subsample', 'iter"):
        SklearnTask("mlp", load_dataset("iris"), fidelity="epochs")
    with pytest.raises(ValueError, match="has no iteration count"):
        build_pipeline(
            cheap_config(load_task("sklearn/svc/iris")), "svc", "classification", seed=0, n_train=9, iterations=0.5
        )


def test_iterations_fidelity_values_are_checked():
    task = load_task("sklearn/random_forest/iris", fidelity="iterations", cv=2)
    config = cheap_config(task)
    with pytest.raises(ValueError, match=r"The fidelity 'iterations' must lie in \[0.1, 1\]. Got 0.05"):
        task.evaluate(config, 0.05)
    with pytest.raises(ValueError, match=r"The fidelity 'iterations' must lie in \[0.1, 1\]. Got 1.5"):
        task.build(config, 1.5)
    with pytest.raises(ValueError, match=r"The fidelity 'iterations' must be a number in \[0.1, 1\]. Got '0.5'"):
        task.evaluate(config, "0.5")
    with pytest.raises(ValueError, match=r"The fidelity 'subsample' must be a number in \[0.1, 1\]. Got True"):
        load_task("sklearn/random_forest/iris", cv=2).evaluate(config, True)


def test_iterations_through_suites_csv_and_user_data(tmp_path):
    suite = load_suite("sklearn/extra_trees", fidelity="iterations", cv=2)
    task = suite.load("train")[0]
    assert task.name == "sklearn/extra_trees/iris" and task.fidelity.name == "iterations"
    X, y = frame()
    assert make_sklearn_task("mlp", X, y, cv=2, fidelity="iterations").fidelity.name == "iterations"
    X.assign(label=y).to_csv(tmp_path / "d.csv", index=False)
    csv = load_csv_task(tmp_path / "d.csv", "label", pipeline="random_forest", cv=2, fidelity="iterations")
    assert csv.fidelity.name == "iterations"
    assert model_params(csv.build({**cheap_config(csv), "n_estimators": 40}, 0.25))["n_estimators"] == 10


def test_tabulated_iterations_tables_are_kept_apart(tmp_path):
    args = {"n_configs": 3, "cache_dir": tmp_path, "cv": 2, "fidelities": (0.2, 1.0)}
    sub = tabulate("hist_gradient_boosting", "iris", **args)[0]
    it = tabulate("hist_gradient_boosting", "iris", fidelity="iterations", **args)[0]
    assert sub.fidelity.name == sub.fidelity_name == "subsample"
    assert it.fidelity.name == it.fidelity_name == "iterations" and (it.fidelity.low, it.fidelity.high) == (0.2, 1)
    stems = sorted(p.stem for p in (tmp_path / "sklearn").glob("*.npz"))
    assert len(stems) == 2 and sum("__iterations__" in s for s in stems) == 1
    path = next((tmp_path / "sklearn").glob("*__iterations__*.json"))
    meta = json.loads(path.read_text())
    assert meta["fidelity"] == "iterations" and TabulatedSklearnTask.load(path).fidelity.name == "iterations"
    assert json.loads(next((tmp_path / "sklearn").glob("*iris__[0-9a-f]*.json")).read_text())["fidelity"] == "subsample"
    config = it.table_configs()[0]
    assert it.evaluate(config, 0.2).info["iterations"] == 0.2
    with pytest.raises(ValueError, match=r"The fidelity 'iterations' must lie in \[0.2, 1\]"):
        it.evaluate(config, 0.1)
    with pytest.raises(ValueError, match=r"fidelities must be iterations fractions in \[0.1, 1\]"):
        tabulate("mlp", "iris", fidelity="iterations", n_configs=2, cache_dir=tmp_path, fidelities=(0.01,))
    with pytest.raises(ValueError, match="has no iteration count"):
        tabulate("svc", "iris", fidelity="iterations", n_configs=2, cache_dir=tmp_path)
    # a table written before fidelity kinds existed (no "fidelity" in its meta) is a subsample table
    old = next((tmp_path / "sklearn").glob("*iris__[0-9a-f]*.json"))
    meta = json.loads(old.read_text())
    del meta["fidelity"]
    old.write_text(json.dumps(meta))
    assert TabulatedSklearnTask.load(old).fidelity.name == "subsample"


def test_tabulated_iterations_through_the_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("RL_HPO_CACHE", str(tmp_path))
    task = load_task("sklearn/random_forest/iris", tabulated=True, n_configs=2, cv=2, fidelity="iterations")
    assert task.fidelity is None and task.fidelity_name == "iterations"
    names = [p.name for p in (tmp_path / "sklearn").glob("*.npz")]
    assert len(names) == 1 and names[0].startswith("random_forest__iris__iterations__")


def test_hyperband_tunes_an_iterations_task():
    task = load_task("sklearn/hist_gradient_boosting/iris", fidelity="iterations", cv=2)
    history = rl_hpo.tune(task, budget=2, method="hyperband", seed=0)
    low = [r for r in history.records if r.fidelity is not None and r.fidelity < 1]
    assert low and all(r.info["n_iterations"] < r.config["max_iter"] for r in low)
    assert all(r.info["subsample"] == 1.0 for r in history.records)
