"""The pipelines of the sklearn family: their search spaces and how a configuration becomes an estimator.

Every pipeline is ``impute -> scale -> select features -> model``, and its search space tunes all four:

- ``imputer``: the SimpleImputer strategy (mean, median, most_frequent);
- ``scaler``: none, standard, robust or quantile (uniform output);
- ``feature_fraction``: the share of features kept (0.1..1) by univariate F-tests (as SelectKBest with
  k = max(1, round(fraction * n_features)), counted after imputation so that it holds on every fold);
- the model's main hyperparameters, with ranges taken from auto-sklearn (Feurer et al., NeurIPS 2015) and
  HPOBench (Eggensperger et al., NeurIPS 2021 Datasets and Benchmarks).

Regression data gets each model's regressor counterpart (SVR, RandomForestRegressor, ...; ElasticNet for
``logistic_regression``); SVR and MLPRegressor learn a standardized target.

Iterations: a pipeline whose model trains in iterations says so in its spec (``PipelineSpec.iterations``):
boosting rounds (``max_iter``) of ``hist_gradient_boosting``, trees (``n_estimators``) of the forests and
epochs of ``mlp`` (fixed at ``MLP_EPOCHS``). ``build_pipeline(..., iterations=f)`` trains
``max(1, round(f * count))`` of them; ``svc`` and ``logistic_regression`` have no such count.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin

from rl_hpo.space import Categorical, Condition, Float, Int, Param, SearchSpace
from rl_hpo.tasks._sklearn_data import CLASSIFICATION

__all__ = [
    "MLP_EPOCHS",
    "PIPELINES",
    "Iterations",
    "PipelineSpec",
    "SelectFraction",
    "build_pipeline",
    "iteration_count",
    "iteration_pipelines",
    "pipeline_space",
]

_SVM_MAX_ITER = 100_000  # libsvm has no limit by default; a few configurations would otherwise run for hours
#: The MLP's training epochs (``max_iter``; not tuned): the full count of its ``iterations`` fidelity.
MLP_EPOCHS = 200


def _preprocessing_params() -> list[tuple[str, Param]]:
    return [
        ("imputer", Categorical(["mean", "median", "most_frequent"])),
        ("scaler", Categorical(["none", "standard", "robust", "quantile"])),
        ("feature_fraction", Float(0.1, 1.0)),
    ]


def _svm_params(task_type: str) -> list[tuple[str, Param]]:
    params: list[tuple[str, Param]] = [
        ("C", Float(0.03125, 32768.0, log=True)),
        ("kernel", Categorical(["rbf", "poly", "sigmoid"])),
        ("gamma", Float(3.0517578125e-05, 8.0, log=True)),
        ("degree", Int(2, 5, condition=Condition("kernel", ["poly"]))),
        ("coef0", Float(-1.0, 1.0, condition=Condition("kernel", ["poly", "sigmoid"]))),
    ]
    if task_type != CLASSIFICATION:
        params.append(("epsilon", Float(0.001, 1.0, log=True)))
    return params


def _forest_params(task_type: str) -> list[tuple[str, Param]]:
    params: list[tuple[str, Param]] = [("n_estimators", Int(10, 200, log=True))]
    if task_type == CLASSIFICATION:
        params.append(("criterion", Categorical(["gini", "entropy"])))
    params += [
        ("max_features", Float(0.05, 1.0)),
        ("max_depth", Int(1, 50, log=True)),
        ("min_samples_split", Int(2, 128, log=True)),
        ("min_samples_leaf", Int(1, 20, log=True)),
        ("bootstrap", Categorical([True, False])),
    ]
    return params


def _hgb_params(task_type: str) -> list[tuple[str, Param]]:
    return [
        ("learning_rate", Float(0.01, 1.0, log=True)),
        ("max_iter", Int(10, 256, log=True)),  # boosting rounds; x n_classes trees, the main cost
        ("max_leaf_nodes", Int(3, 2047, log=True)),
        ("min_samples_leaf", Int(1, 200, log=True)),
        ("l2_regularization", Float(1e-10, 1.0, log=True)),
    ]


def _linear_params(task_type: str) -> list[tuple[str, Param]]:
    if task_type == CLASSIFICATION:
        return [
            ("C", Float(1e-4, 1e4, log=True)),
            ("l1_ratio", Float(0.0, 1.0)),
            ("class_weight", Categorical(["none", "balanced"])),
        ]
    # ElasticNet: l1_ratio near 0 is a ridge that coordinate descent solves unreliably, hence 0.01
    return [("alpha", Float(1e-6, 10.0, log=True)), ("l1_ratio", Float(0.01, 1.0))]


def _mlp_params(task_type: str) -> list[tuple[str, Param]]:
    return [
        ("n_layers", Int(1, 3)),
        ("n_units", Int(16, 256, log=True)),
        ("activation", Categorical(["relu", "tanh"])),
        ("alpha", Float(1e-7, 1e-1, log=True)),
        ("learning_rate_init", Float(1e-4, 1e-1, log=True)),
        ("batch_size", Int(16, 256, log=True)),
    ]


def _svm(config: Mapping[str, Any], task_type: str, seed: int) -> Any:
    from sklearn.svm import SVC, SVR

    common = {
        "C": config["C"],
        "kernel": config["kernel"],
        "gamma": config["gamma"],
        "degree": config.get("degree", 3),
        "coef0": config.get("coef0", 0.0),
        "max_iter": _SVM_MAX_ITER,
    }
    if task_type == CLASSIFICATION:
        return SVC(**common, random_state=seed)
    return _standardized_target(SVR(**common, epsilon=config["epsilon"]))


def _forest(extra: bool) -> Callable[[Mapping[str, Any], str, int], Any]:
    def build(config: Mapping[str, Any], task_type: str, seed: int) -> Any:
        from sklearn import ensemble

        name = ("ExtraTrees" if extra else "RandomForest") + (
            "Classifier" if task_type == CLASSIFICATION else "Regressor"
        )
        params = {k: config[k] for k in ("n_estimators", "max_features", "max_depth", "min_samples_split")}
        params |= {"min_samples_leaf": config["min_samples_leaf"], "bootstrap": config["bootstrap"]}
        if "criterion" in config:
            params["criterion"] = config["criterion"]
        return getattr(ensemble, name)(**params, random_state=seed, n_jobs=1)

    return build


def _hgb(config: Mapping[str, Any], task_type: str, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingClassifier if task_type == CLASSIFICATION else HistGradientBoostingRegressor
    return cls(**{k: config[k] for k in (n for n, _ in _hgb_params(task_type))}, random_state=seed)


def _linear(config: Mapping[str, Any], task_type: str, seed: int) -> Any:
    from sklearn.linear_model import ElasticNet, LogisticRegression

    if task_type != CLASSIFICATION:
        return ElasticNet(alpha=config["alpha"], l1_ratio=config["l1_ratio"], max_iter=5000, random_state=seed)
    class_weight = None if config["class_weight"] == "none" else config["class_weight"]
    params: dict[str, Any] = {"C": config["C"], "l1_ratio": config["l1_ratio"], "solver": "saga"}
    if inspect.signature(LogisticRegression).parameters["penalty"].default != "deprecated":
        params["penalty"] = "elasticnet"  # scikit-learn < 1.8 reads l1_ratio only with this penalty
    return LogisticRegression(**params, class_weight=class_weight, max_iter=100, random_state=seed)


def _mlp(config: Mapping[str, Any], task_type: str, seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPClassifier if task_type == CLASSIFICATION else MLPRegressor
    model = cls(
        hidden_layer_sizes=(config["n_units"],) * config["n_layers"],
        activation=config["activation"],
        alpha=config["alpha"],
        learning_rate_init=config["learning_rate_init"],
        batch_size=config["batch_size"],
        max_iter=config.get("max_iter", MLP_EPOCHS),  # not tuned; build_pipeline sets it for fewer iterations
        random_state=seed,
    )
    return model if task_type == CLASSIFICATION else _standardized_target(model)


def _standardized_target(model: Any) -> Any:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())


@dataclass(frozen=True)
class Iterations:
    """The iteration count of a pipeline's model, which the ``iterations`` fidelity scales.

    Attributes:
        unit: what is counted ("boosting rounds", "trees", "epochs").
        key: the configuration key the model builder reads the count from.
        fixed: the count when no hyperparameter tunes it (the builder's default for ``key``); None when
            ``key`` is a hyperparameter of the space.
    """

    unit: str
    key: str
    fixed: int | None = None

    def full(self, config: Mapping[str, Any]) -> int:
        """The count of ``config`` at full fidelity."""
        return self.fixed if self.fixed is not None else int(config[self.key])

    def count(self, config: Mapping[str, Any], fraction: float) -> int:
        """The count at ``fraction`` of the full one: ``max(1, round(fraction * full))``."""
        return max(1, round(fraction * self.full(config)))


@dataclass(frozen=True)
class PipelineSpec:
    """A tunable pipeline: its model's hyperparameters, how to build the model and its iteration count.

    ``iterations`` is None for models without a meaningful iteration count (no ``iterations`` fidelity).
    """

    name: str
    description: str
    model_params: Callable[[str], list[tuple[str, Param]]]
    build_model: Callable[[Mapping[str, Any], str, int], Any]
    iterations: Iterations | None = None


#: The pipelines by name.
PIPELINES: dict[str, PipelineSpec] = {
    p.name: p
    for p in (
        PipelineSpec("svc", "support vector machine (SVC / SVR), rbf, poly or sigmoid kernel", _svm_params, _svm),
        PipelineSpec(
            "random_forest",
            "random forest",
            _forest_params,
            _forest(extra=False),
            Iterations("trees", "n_estimators"),
        ),
        PipelineSpec(
            "extra_trees",
            "extremely randomized trees",
            _forest_params,
            _forest(extra=True),
            Iterations("trees", "n_estimators"),
        ),
        PipelineSpec(
            "hist_gradient_boosting",
            "histogram gradient boosting",
            _hgb_params,
            _hgb,
            Iterations("boosting rounds", "max_iter"),
        ),
        PipelineSpec(
            "logistic_regression",
            "elastic-net logistic regression (ElasticNet for regression)",
            _linear_params,
            _linear,
        ),
        PipelineSpec(
            "mlp",
            f"multi-layer perceptron (adam, {MLP_EPOCHS} epochs)",
            _mlp_params,
            _mlp,
            Iterations("epochs", "max_iter", fixed=MLP_EPOCHS),
        ),
    )
}


def iteration_pipelines() -> list[str]:
    """The pipelines whose model has an iteration count (those that support the ``iterations`` fidelity)."""
    return [name for name, spec in PIPELINES.items() if spec.iterations is not None]


def iteration_count(pipeline: str, config: Mapping[str, Any], fraction: float = 1.0) -> int:
    """The iterations (rounds, trees, epochs) ``pipeline``'s model trains for ``config`` at ``fraction``.

    Raises:
        ValueError: if the pipeline's model has no iteration count.
    """
    spec = PIPELINES[pipeline].iterations
    if spec is None:
        raise ValueError(
            f"Pipeline {pipeline!r} has no iteration count; these have: {', '.join(iteration_pipelines())}."
        )
    return spec.count(config, fraction)


def pipeline_space(pipeline: str, task_type: str) -> SearchSpace:
    """The search space of ``pipeline`` on data of ``task_type`` (preprocessing, then the model)."""
    spec = PIPELINES[pipeline]
    return SearchSpace(_preprocessing_params() + spec.model_params(task_type))


class SelectFraction(SelectorMixin, BaseEstimator):
    """Keep the best ``fraction`` of the features by univariate F-test, at least one.

    Unlike SelectKBest's fixed k, a fraction holds however many columns the imputer dropped on a fold.
    Constant features (undefined F) are ranked last.

    Args:
        fraction: share of the features to keep, in (0, 1].
        task_type: "classification" (f_classif) or "regression" (f_regression).
    """

    def __init__(self, fraction: float = 1.0, task_type: str = CLASSIFICATION) -> None:
        self.fraction = fraction
        self.task_type = task_type

    def fit(self, X: np.ndarray, y: np.ndarray) -> SelectFraction:
        from sklearn.feature_selection import f_classif, f_regression

        X = np.asarray(X, dtype=float)
        self.n_features_in_ = X.shape[1]
        k = max(1, round(self.fraction * X.shape[1]))
        if k >= X.shape[1]:
            self.support_ = np.ones(X.shape[1], dtype=bool)
            return self
        score_func = f_classif if self.task_type == CLASSIFICATION else f_regression
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant features: F is undefined, ranked last below
            with np.errstate(all="ignore"):
                scores = np.asarray(score_func(X, y)[0], dtype=float)
        scores = np.where(np.isfinite(scores), scores, -np.inf)
        keep = np.argsort(-scores, kind="stable")[:k]
        self.support_ = np.zeros(X.shape[1], dtype=bool)
        self.support_[keep] = True
        return self

    def _get_support_mask(self) -> np.ndarray:
        return self.support_


def build_pipeline(
    config: Mapping[str, Any],
    pipeline: str,
    task_type: str,
    *,
    seed: int,
    n_train: int,
    iterations: float = 1.0,
) -> Any:
    """The scikit-learn Pipeline of a configuration.

    Args:
        config: a valid configuration of ``pipeline_space(pipeline, task_type)``.
        pipeline: a name in ``PIPELINES``.
        task_type: "classification" or "regression".
        seed: random_state of every randomized step.
        n_train: rows the pipeline will be fitted on (caps the quantile transformer's quantiles).
        iterations: the fraction (0, 1] of the model's iteration count to train (``iteration_count``); at 1
            the pipeline is exactly that of ``config``.

    Raises:
        ValueError: for ``iterations < 1`` on a pipeline without an iteration count.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import QuantileTransformer, RobustScaler, StandardScaler

    scalers: dict[str, Callable[[], Any]] = {
        "none": lambda: "passthrough",
        "standard": StandardScaler,
        "robust": RobustScaler,
        "quantile": lambda: QuantileTransformer(n_quantiles=max(2, min(1000, n_train)), random_state=seed),
    }
    fraction = float(config["feature_fraction"])
    selector: Any = "passthrough" if fraction >= 1.0 else SelectFraction(fraction, task_type)
    spec = PIPELINES[pipeline]
    if iterations < 1.0:
        count = iteration_count(pipeline, config, iterations)
        assert spec.iterations is not None  # iteration_count raised otherwise
        config = {**config, spec.iterations.key: count}
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy=config["imputer"])),
            ("scale", scalers[config["scaler"]]()),
            ("select", selector),
            ("model", spec.build_model(config, task_type, seed)),
        ]
    )
