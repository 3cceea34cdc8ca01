"""The sklearn family: live training with cross-validation (``sklearn/<pipeline>/<dataset>``).

A task tunes a whole scikit-learn pipeline (imputation, scaling, feature selection and a model; see
``rl_hpo.tasks._sklearn_pipelines``) on a dataset by seeded k-fold cross-validation (stratified for
classification). Pipelines: ``svc``, ``random_forest``, ``extra_trees``, ``hist_gradient_boosting``,
``logistic_regression``, ``mlp``; regression data gets the regressor counterparts.

- Score: the mean over folds of accuracy (classification; ``metric="balanced_accuracy"`` too) or R^2
  (regression; ``metric="neg_rmse"`` too; any scikit-learn scorer name works). Higher is better.
- Cost: the measured seconds of the cross-validation.
- Fidelity (``fidelity=`` picks the kind; the search space is the same for both):

  - ``subsample`` (default): the fraction 0.1..1 of each training fold that is used (stratified, nested: a
    larger fraction's rows include a smaller one's, and the same rows serve every configuration); test
    folds are always whole.
  - ``iterations``: the fraction 0.1..1 of the model's iteration count that is trained, on whole training
    folds: ``max(1, round(f * count))`` boosting rounds (``max_iter``) of ``hist_gradient_boosting``, trees
    (``n_estimators``) of ``random_forest`` / ``extra_trees``, epochs (of 200) of ``mlp``. ``svc`` and
    ``logistic_regression`` have no iteration count and take ``subsample`` only.

  At fidelity 1 (or None) both kinds train exactly the configuration's pipeline on whole folds.
- Bounds: unknown for live tasks (``bounds`` is None); a tabulated task knows its table's.
- Failures: a pipeline that raises while fitting or scoring gives a failed result (NaN score, the error in
  ``info["error"]``). ConvergenceWarnings and numerical warnings from scikit-learn are silenced during
  evaluation, in worker processes too.

Datasets: the five that ship with scikit-learn (``iris``, ``wine``, ``breast_cancer``, ``digits``,
``diabetes``; nothing is downloaded), any ``(X, y)`` through ``make_sklearn_task`` and a CSV file through
``load_csv_task``.

Suites ``sklearn/<pipeline>``: ``train`` = iris, wine, breast_cancer (small classification problems, cheap
to evaluate many times); ``validation`` = diabetes (regression: checks that settings hold across metrics and
task types); ``test`` = digits (the largest, 10 classes; the name the CLI examples use).

Tabulated mode (``tabulated=True``, or ``tabulate(...)``): a fixed set of random configurations is evaluated
once, stored under the cache directory (``$RL_HPO_CACHE`` or ``~/.cache/rl_hpo``) as ``.npz`` + ``.json``
(never pickle), and served by nearest-configuration lookup: fast and deterministic, for training policies and
for tests. See ``rl_hpo.tasks._sklearn_table``.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.exceptions import TaskNotFoundError
from rl_hpo.tasks._sklearn_data import CLASSIFICATION, DATASETS, Dataset, load_dataset, prepare_data, read_csv
from rl_hpo.tasks._sklearn_pipelines import (
    PIPELINES,
    build_pipeline,
    iteration_count,
    iteration_pipelines,
    pipeline_space,
)
from rl_hpo.tasks._sklearn_table import TabulatedSklearnTask, build_table, check_fidelities, default_cache_dir
from rl_hpo.tasks.base import Fidelity, Result, Task
from rl_hpo.tasks.registry import Suite

__all__ = [
    "DATASETS",
    "DESCRIPTION",
    "FIDELITIES",
    "PIPELINES",
    "SPLITS",
    "SklearnTask",
    "TabulatedSklearnTask",
    "default_cache_dir",
    "load_csv_task",
    "load_suite",
    "make_sklearn_task",
    "make_task",
    "suite_names",
    "tabulate",
]

DESCRIPTION = "scikit-learn pipelines trained live with cross-validation (svc, random_forest, mlp, ...)"

#: The datasets of each split of every ``sklearn/<pipeline>`` suite.
SPLITS: dict[str, tuple[str, ...]] = {
    "train": ("iris", "wine", "breast_cancer"),
    "validation": ("diabetes",),
    "test": ("digits",),
}

_METRIC_ALIASES = {"neg_rmse": "neg_root_mean_squared_error", "rmse": "neg_root_mean_squared_error"}
_DEFAULT_METRIC = {CLASSIFICATION: "accuracy", "regression": "r2"}
_CLASSIFICATION_ONLY = {"accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "roc_auc_ovr", "neg_log_loss"}
_REGRESSION_ONLY = {"r2", "neg_root_mean_squared_error", "neg_mean_squared_error", "neg_mean_absolute_error"}
_MIN_TRAIN_ROWS = 5
SUBSAMPLE = Fidelity("subsample", 0.1, 1.0)
ITERATIONS = Fidelity("iterations", 0.1, 1.0)
#: The fidelity kinds of live sklearn tasks (``SklearnTask(..., fidelity=kind)``).
FIDELITIES: dict[str, Fidelity] = {f.name: f for f in (SUBSAMPLE, ITERATIONS)}


#: What scikit-learn's MLP warns when a KeyboardInterrupt (Ctrl-C) stops its fit, which it then returns as fitted.
_FIT_INTERRUPTED = "Training interrupted by user"


@contextmanager
def quiet_sklearn() -> Iterator[None]:
    """Silence scikit-learn's convergence and numerical warnings in a block, and run fits single-threaded.

    scikit-learn (>= 1.7) hands the active warning filters to its joblib workers, so this holds for
    ``n_jobs > 1`` as well (and joblib's workers limit their own threads).
    """
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    # One thread per fit: parallelism comes from n_jobs (folds at once). Nested OpenMP/BLAS threads on
    # tiny fits only contend; HistGradientBoosting ran 10-100x slower on a busy 2-core machine.
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning)  # overflow in badly scaled fits
        warnings.filterwarnings("ignore", category=UserWarning, module=r"sklearn\.")
        # raised, so that evaluate turns it back into the KeyboardInterrupt that scikit-learn's MLP swallowed
        warnings.filterwarnings("error", message=_FIT_INTERRUPTED, category=UserWarning)
        with np.errstate(all="ignore"):
            yield


def _check_fidelity_kind(pipeline: str, fidelity: Any) -> Fidelity:
    """The ``Fidelity`` of kind ``fidelity`` for ``pipeline`` (a ValueError names the choices)."""
    if not isinstance(fidelity, str) or fidelity not in FIDELITIES:
        raise ValueError(
            f"The 'fidelity' parameter of sklearn tasks must be one of {', '.join(map(repr, FIDELITIES))}. "
            f"Got {fidelity!r} instead."
        )
    if fidelity == ITERATIONS.name and PIPELINES[pipeline].iterations is None:
        raise ValueError(
            f"Pipeline {pipeline!r} has no iteration count, so no 'iterations' fidelity; it suits "
            f"{', '.join(iteration_pipelines())}. Use fidelity='subsample' (--fidelity subsample) for {pipeline!r}."
        )
    return FIDELITIES[fidelity]


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"The {name!r} parameter of SklearnTask must be an int >= {low}. Got {value!r} instead.")
    return int(value)


class SklearnTask(Task):
    """A scikit-learn pipeline tuned live on one dataset by cross-validation (see the module docstring).

    Args:
        pipeline: a name in ``PIPELINES``.
        data: the dataset (``load_dataset(name)`` or ``prepare_data(X, y, ...)``).
        name: the task's name (default ``sklearn/<pipeline>/<dataset>``).
        metric: "accuracy" (default) / "balanced_accuracy" for classification, "r2" (default) / "neg_rmse"
            for regression, or any scikit-learn scorer name.
        cv: the number of folds.
        seed: seeds the folds, the subsamples of every fidelity and the estimators' random_state.
        n_jobs: passed to ``cross_val_score`` (folds in parallel); None for one process.
        fidelity: "subsample" (default: the fraction of each training fold) or "iterations" (the fraction of
            the model's boosting rounds, trees or epochs; hist_gradient_boosting, random_forest, extra_trees
            and mlp only). The task's ``fidelity`` is ``Fidelity(<kind>, 0.1, 1.0)``.

    Raises:
        ValueError: for an unknown pipeline or metric, a metric of the other task type, a bad cv, seed or n_jobs,
            an unknown fidelity kind or "iterations" for a pipeline without an iteration count.
    """

    def __init__(
        self,
        pipeline: str,
        data: Dataset,
        *,
        name: str | None = None,
        metric: str | None = None,
        cv: int = 3,
        seed: int = 0,
        n_jobs: int | None = None,
        fidelity: str = "subsample",
    ) -> None:
        if pipeline not in PIPELINES:
            raise ValueError(f"Unknown pipeline {pipeline!r}; choose one of: {', '.join(PIPELINES)}.")
        self.fidelity: Fidelity = _check_fidelity_kind(pipeline, fidelity)
        self.pipeline = pipeline
        self.data = data
        self.task_type = data.task_type
        self.cv = _check_int("cv", cv, 2)
        self.seed = _check_int("seed", seed, 0)
        if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0):
            raise ValueError(f"The 'n_jobs' parameter of SklearnTask must be a non-zero int or None. Got {n_jobs!r}.")
        self.n_jobs = n_jobs
        self.metric = _check_metric(metric, data.task_type)
        self.name = name if name is not None else f"sklearn/{pipeline}/{data.name}"
        self.space = pipeline_space(pipeline, data.task_type)
        self.bounds = None
        self._folds = self._make_folds()

    def fingerprint(self) -> str:
        """The data's fingerprint with the settings that decide a score (pipeline, metric, folds, seed, fidelity)."""
        import hashlib

        settings = (self.data.fingerprint(), self.pipeline, self.metric, self.cv, self.seed, self.fidelity.name)
        return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]

    def _make_folds(self) -> list[tuple[np.ndarray, list[np.ndarray]]]:
        """Each fold's test rows and its training rows in a seeded order per class (nested subsamples)."""
        from sklearn.model_selection import KFold, StratifiedKFold

        y = self.data.y
        if self.task_type == CLASSIFICATION:
            if np.unique(y, return_counts=True)[1].min() < self.cv:
                raise ValueError(f"A class of {self.data.name!r} has fewer rows than cv={self.cv}; use a smaller cv.")
            splitter: Any = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.seed)
        else:
            if self.data.n_rows < 2 * self.cv:
                raise ValueError(f"{self.data.name!r} has {self.data.n_rows} rows, too few for cv={self.cv}.")
            splitter = KFold(n_splits=self.cv, shuffle=True, random_state=self.seed)
        folds = []
        for k, (train, test) in enumerate(splitter.split(self.data.X, y)):
            rng = np.random.default_rng([self.seed, k, 0x5AB])
            if self.task_type == CLASSIFICATION:
                groups = [rng.permutation(train[y[train] == c]) for c in np.unique(y[train])]
            else:
                groups = [rng.permutation(train)]
            folds.append((test, groups))
        return folds

    def train_rows(self, fold: int, fraction: float) -> np.ndarray:
        """The training rows of ``fold`` used at subsample ``fraction`` (every class keeps at least one)."""
        _, groups = self._folds[fold]
        if fraction >= 1.0:
            return np.sort(np.concatenate(groups))
        if len(groups) == 1:  # regression
            g = groups[0]
            return np.sort(g[: min(len(g), max(_MIN_TRAIN_ROWS, round(fraction * len(g))))])
        return np.sort(np.concatenate([g[: max(1, round(fraction * len(g)))] for g in groups]))

    def _fraction(self, fidelity: float | None) -> float:
        """The checked fidelity value (1 for None), a fraction of the task's fidelity kind."""
        if fidelity is None:
            return 1.0
        fid = self.fidelity
        if isinstance(fidelity, bool) or not isinstance(fidelity, int | float | np.floating | np.integer):
            raise ValueError(
                f"The fidelity {fid.name!r} must be a number in [{fid.low:g}, {fid.high:g}]. Got {fidelity!r} instead."
            )
        if not (fid.low - 1e-9 <= fidelity <= fid.high + 1e-9):
            raise ValueError(
                f"The fidelity {fid.name!r} must lie in [{fid.low:g}, {fid.high:g}]. Got {fidelity!r} instead."
            )
        return min(fid.high, max(fid.low, float(fidelity)))

    def _subsample(self, fidelity: float | None) -> float:
        """The fraction of each training fold used at ``fidelity`` (whole folds for the iterations kind)."""
        fraction = self._fraction(fidelity)
        return fraction if self.fidelity.name == SUBSAMPLE.name else 1.0

    def _iterations(self, fidelity: float | None) -> float:
        """The fraction of the model's iteration count trained at ``fidelity`` (all for the subsample kind)."""
        fraction = self._fraction(fidelity)
        return fraction if self.fidelity.name == ITERATIONS.name else 1.0

    def splits(self, fidelity: float | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (train rows, test rows) of every fold at ``fidelity`` (whole training folds for "iterations")."""
        fraction = self._subsample(fidelity)
        return [(self.train_rows(k, fraction), test) for k, (test, _) in enumerate(self._folds)]

    def build(self, config: Mapping[str, Any], fidelity: float | None = None) -> Any:
        """The unfitted scikit-learn pipeline of ``config`` at ``fidelity``.

        For the "iterations" kind its model trains ``max(1, round(fidelity * count))`` boosting rounds, trees
        or epochs; at fidelity 1 (or None) the pipeline is the same for both kinds.
        """
        self.space.validate(config)
        n_train = min(len(train) for train, _ in self.splits(fidelity))
        return build_pipeline(
            config,
            self.pipeline,
            self.task_type,
            seed=self.seed,
            n_train=n_train,
            iterations=self._iterations(fidelity),
        )

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        """Cross-validate ``config`` at ``fidelity``.

        ``info`` holds ``subsample`` (the fraction of each training fold) and ``n_train`` (the rows of the
        first), and for the "iterations" kind also ``iterations`` (the fraction) and ``n_iterations`` (the
        boosting rounds, trees or epochs trained); ``fold_scores`` on success, ``error`` on failure.
        """
        from sklearn.model_selection import cross_val_score

        splits = self.splits(fidelity)
        pipe = self.build(config, fidelity)
        info: dict[str, Any] = {"subsample": self._subsample(fidelity), "n_train": len(splits[0][0])}
        if self.fidelity.name == ITERATIONS.name:
            fraction = self._iterations(fidelity)
            info |= {"iterations": fraction, "n_iterations": iteration_count(self.pipeline, config, fraction)}
        start = time.perf_counter()
        try:
            with quiet_sklearn():
                scores = cross_val_score(
                    pipe,
                    self.data.X,
                    self.data.y,
                    cv=splits,
                    scoring=self.metric,
                    n_jobs=self.n_jobs,
                    error_score="raise",
                )
        except Exception as err:  # a configuration that cannot be fitted is a failed trial, not a crash
            if isinstance(err, UserWarning) and str(err).startswith(_FIT_INTERRUPTED):
                # Ctrl-C during an MLP's fit: stop the run as anywhere else, not score a model cut short
                raise KeyboardInterrupt from None
            return Result.failure(f"{type(err).__name__}: {err}", time.perf_counter() - start, **info)
        cost = time.perf_counter() - start
        score = float(np.mean(scores))
        info["fold_scores"] = [float(s) for s in scores]
        if not math.isfinite(score):
            return Result(float("nan"), cost, {**info, "error": f"non-finite {self.metric} on some fold"})
        return Result(score, cost, info)


def _check_metric(metric: str | None, task_type: str) -> str:
    if metric is None:
        return _DEFAULT_METRIC[task_type]
    if not isinstance(metric, str):
        raise ValueError(f"metric must be a scorer name such as 'accuracy' or 'r2'. Got {metric!r} instead.")
    name = _METRIC_ALIASES.get(metric, metric)
    wrong = _REGRESSION_ONLY if task_type == CLASSIFICATION else _CLASSIFICATION_ONLY
    if name in wrong:
        hint = "accuracy or balanced_accuracy" if task_type == CLASSIFICATION else "r2 or neg_rmse"
        raise ValueError(f"metric {metric!r} does not suit a {task_type} task; use {hint}.")
    from sklearn.metrics import get_scorer

    try:
        get_scorer(name)
    except ValueError:
        raise ValueError(
            f"Unknown metric {metric!r}; use accuracy, balanced_accuracy, r2, neg_rmse or a scikit-learn scorer name."
        ) from None
    return name


def _check_pipeline(pipeline: str) -> None:
    if pipeline not in PIPELINES:
        raise ValueError(f"Unknown pipeline {pipeline!r}; choose one of: {', '.join(PIPELINES)}.")


def make_sklearn_task(
    pipeline: str,
    X: Any,
    y: Any,
    *,
    name: str | None = None,
    task_type: str | None = None,
    metric: str | None = None,
    cv: int = 3,
    seed: int = 0,
    n_jobs: int | None = None,
    fidelity: str = "subsample",
) -> SklearnTask:
    """A task that tunes ``pipeline`` on your own data.

    Args:
        pipeline: one of ``PIPELINES`` (svc, random_forest, extra_trees, hist_gradient_boosting,
            logistic_regression, mlp).
        X: features, a 2-d array or a DataFrame (text columns with at most 50 levels are one-hot encoded,
            missing values are imputed by the pipeline).
        y: the target.
        name: the task's name (default ``sklearn/<pipeline>/custom``).
        task_type: "classification" or "regression"; inferred from ``y`` when None.
        metric, cv, seed, n_jobs: as for ``SklearnTask``.
        fidelity: "subsample" (default) or "iterations", as for ``SklearnTask``.

    Raises:
        ValueError: for an unknown pipeline, a fidelity kind the pipeline lacks or data that cannot be
            cross-validated (the message says why).
    """
    _check_pipeline(pipeline)
    _check_fidelity_kind(pipeline, fidelity)
    dataset_name = name.rsplit("/", 1)[-1] if name else "custom"
    data = prepare_data(X, y, name=dataset_name, task_type=task_type, cv=cv)
    return SklearnTask(pipeline, data, name=name, metric=metric, cv=cv, seed=seed, n_jobs=n_jobs, fidelity=fidelity)


def load_csv_task(
    path: str | Path,
    target: str,
    pipeline: str = "random_forest",
    *,
    name: str | None = None,
    task_type: str | None = None,
    metric: str | None = None,
    cv: int = 3,
    seed: int = 0,
    n_jobs: int | None = None,
    fidelity: str = "subsample",
    drop: Sequence[str] = (),
) -> SklearnTask:
    """A task that tunes ``pipeline`` on a CSV file's data, predicting column ``target``.

    Rows without a target are dropped (with a warning); the other columns but those named in ``drop`` are
    features (see ``make_sklearn_task``). The default name is ``sklearn/<pipeline>/<file stem>``. ``fidelity`` is
    "subsample" (default) or "iterations", as for ``SklearnTask``.

    Raises:
        DataNotFoundError: if the file does not exist.
        ValueError: if ``target`` is not a column (the message lists them), the data is unusable or the
            pipeline lacks the fidelity kind.
    """
    _check_pipeline(pipeline)
    _check_fidelity_kind(pipeline, fidelity)
    X, y = read_csv(path, target, drop)
    return make_sklearn_task(
        pipeline,
        X,
        y,
        name=name or f"sklearn/{pipeline}/{Path(path).stem}",
        task_type=task_type,
        metric=metric,
        cv=cv,
        seed=seed,
        n_jobs=n_jobs,
        fidelity=fidelity,
    )


# -- the family interface -------------------------------------------------------------------------
_LIVE_OPTIONS = ("metric", "cv", "seed", "n_jobs", "fidelity")
_TABLE_OPTIONS = ("tabulated", "n_configs", "cache_dir", "fidelities", "progress")


def _check_options(options: Mapping[str, Any]) -> None:
    unknown = sorted(set(options) - set(_LIVE_OPTIONS) - set(_TABLE_OPTIONS))
    if unknown:
        raise TypeError(
            f"Unknown option(s) {unknown} for sklearn tasks; they take: {', '.join(_LIVE_OPTIONS + _TABLE_OPTIONS)}."
        )
    table_only = sorted(k for k in options if k in _TABLE_OPTIONS[1:])
    if table_only and not options.get("tabulated"):
        raise TypeError(f"The option(s) {table_only} apply to tabulated tasks only; add tabulated=True.")


def make_task(scenario: str, instance: str, **options: Any) -> Task:
    """The task ``sklearn/<pipeline>/<dataset>`` on a built-in dataset.

    Options: ``metric``, ``cv`` (3), ``seed`` (0), ``n_jobs``, ``fidelity`` ("subsample" or "iterations");
    ``tabulated=True`` serves a cached table of ``n_configs`` (256) random configurations (built on first
    use), with ``cache_dir``, ``fidelities`` ((1.0,)) and ``progress``.

    Raises:
        TaskNotFoundError: for an unknown pipeline or dataset (the message lists the choices).
        TypeError: for an unknown option.
        ValueError: for a bad option value, e.g. ``fidelity="iterations"`` for svc or logistic_regression.
    """
    _check_options(options)
    if scenario not in PIPELINES:
        raise TaskNotFoundError(f"Unknown sklearn pipeline {scenario!r}; choose one of: {', '.join(PIPELINES)}.")
    if instance not in DATASETS:
        raise TaskNotFoundError(
            f"Unknown sklearn dataset {instance!r}; choose one of: {', '.join(DATASETS)} "
            "(for your own data use rl_hpo.tasks.sklearn.make_sklearn_task or load_csv_task)."
        )
    live = {k: options[k] for k in _LIVE_OPTIONS if k in options}
    if options.get("tabulated"):
        table = {k: options[k] for k in _TABLE_OPTIONS[1:] if k in options}
        return tabulate(scenario, [instance], **live, **table)[0]
    return SklearnTask(scenario, load_dataset(instance), **live)


#: The suite of every pipeline at once.
ALL_PIPELINES = "all"


def suite_names(**options: Any) -> list[str]:
    return [f"sklearn/{p}" for p in (*PIPELINES, ALL_PIPELINES)]


def load_suite(scenario: str, **options: Any) -> Suite:
    """The suite ``sklearn/<pipeline>``: train iris, wine, breast_cancer; validation diabetes; test digits.

    ``sklearn/all`` holds those tasks of every pipeline (of every pipeline with an iteration count when
    ``fidelity="iterations"``). ``options`` (as for ``make_task``, e.g. ``fidelity="iterations"``) are passed
    on to every task.
    """
    _check_options(options)
    if scenario == ALL_PIPELINES:
        pipelines = iteration_pipelines() if options.get("fidelity") == ITERATIONS.name else list(PIPELINES)
    elif scenario in PIPELINES:
        pipelines = [scenario]
    else:
        raise TaskNotFoundError(
            f"Unknown sklearn suite 'sklearn/{scenario}'; choose one of: {', '.join(suite_names())}."
        )
    if "fidelity" in options:
        for pipeline in pipelines:
            _check_fidelity_kind(pipeline, options["fidelity"])
    splits = {split: tuple(f"sklearn/{p}/{d}" for p in pipelines for d in names) for split, names in SPLITS.items()}
    return Suite(f"sklearn/{scenario}", splits, dict(options))


def _dataset_of(name_or_data: str | Dataset | tuple[Any, Any], label: str, cv: int) -> Dataset:
    """A built-in dataset by name, a ``Dataset``, or ``(X, y)`` (named ``label``)."""
    if isinstance(name_or_data, Dataset):
        return name_or_data
    if isinstance(name_or_data, str):
        if name_or_data not in DATASETS:
            raise ValueError(f"Unknown sklearn dataset {name_or_data!r}; choose one of: {', '.join(DATASETS)}.")
        return load_dataset(name_or_data)
    if isinstance(name_or_data, Sequence) and len(name_or_data) == 2:
        return prepare_data(name_or_data[0], name_or_data[1], name=label, cv=cv)
    raise ValueError(
        f"A dataset must be a built-in name, a Dataset or an (X, y) pair. Got {type(name_or_data).__name__}."
    )


def tabulate(
    pipeline: str,
    datasets: str | Sequence[str | Dataset | tuple[Any, Any]],
    n_configs: int = 256,
    seed: int = 0,
    cache_dir: str | Path | None = None,
    *,
    cv: int = 3,
    metric: str | None = None,
    fidelities: Sequence[float] = (1.0,),
    n_jobs: int | None = None,
    progress: bool = False,
    fidelity: str = "subsample",
) -> list[TabulatedSklearnTask]:
    """Evaluate ``n_configs`` random configurations of ``pipeline`` on each dataset once, cache, and serve.

    Args:
        pipeline: a name in ``PIPELINES``.
        datasets: built-in dataset names (one name or several), ``Dataset`` objects or ``(X, y)`` pairs.
        n_configs: configurations per table; the same ones on every dataset of the same task type.
        seed: seeds the configurations, the folds and the estimators.
        cache_dir: where tables live (default ``$RL_HPO_CACHE`` or ``~/.cache/rl_hpo``).
        cv, metric, n_jobs: as for ``SklearnTask``.
        fidelities: fractions to evaluate at (each configuration once per fraction); with more than one, the
            served task has a fidelity of kind ``fidelity`` snapped to the nearest tabulated fraction.
        progress: show a progress bar while evaluating.
        fidelity: the fidelity kind, "subsample" (default) or "iterations" (as for ``SklearnTask``); tables of
            different kinds are cached apart.

    Returns:
        One ``TabulatedSklearnTask`` per dataset, named ``sklearn/<pipeline>/<dataset>``.
    """
    _check_pipeline(pipeline)
    kind = _check_fidelity_kind(pipeline, fidelity).name
    if isinstance(n_configs, bool) or not isinstance(n_configs, int) or n_configs < 1:
        raise ValueError(f"The 'n_configs' parameter of tabulate must be an int >= 1. Got {n_configs!r} instead.")
    fids = check_fidelities(fidelities, kind)
    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    items = [datasets] if isinstance(datasets, str) else list(datasets)
    tasks = []
    for i, item in enumerate(items):
        data = _dataset_of(item, f"data{i}", cv)
        live = SklearnTask(pipeline, data, metric=metric, cv=cv, seed=seed, n_jobs=n_jobs, fidelity=kind)
        tasks.append(build_table(live, n_configs, fids, root, progress))
    return tasks
