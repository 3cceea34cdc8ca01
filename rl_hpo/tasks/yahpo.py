"""YAHPO Gym surrogate benchmarks as tasks: ``yahpo/<scenario>/<instance>``, e.g. ``yahpo/lcbench/167190``.

YAHPO Gym (Pfisterer et al., "YAHPO Gym - An Efficient Multi-Objective Multi-Fidelity Benchmark for
Hyperparameter Optimization", AutoML Conf 2022) replaces real training runs by neural-network surrogates
fitted on large tables of results. This module runs the surrogates through onnxruntime directly; it needs
a YAHPO data folder (yahpo_data v1.0.2) given as ``data_dir=`` or by the environment variable
``RL_HPO_YAHPO_DATA``, and works with the folder of any of YAHPO Gym v1's 16 scenarios (a folder under another
name is not loaded: the facts of its model's inputs and outputs are not in the folder).

- Search space: the scenario's config_space.json minus the instance id and the fidelity parameters,
  conditions included (rbv2_xgboost: ``eta``, ``max_depth``, ... only for the tree boosters).
- Fidelity: the first fidelity parameter (lcbench: ``epoch`` 1..52; rbv2_* and iaml_*: ``trainsize``
  0.03..1); further ones (``repl``) are fixed per task, ``repl=10`` by default.
- Score: the objective output (lcbench ``val_accuracy``; rbv2_* / iaml_* ``auc``; otherwise the first
  validation output, else the first that is not the runtime), negated where YAHPO minimizes it;
  ``Result.info`` holds every output.
- Cost: the predicted runtime in seconds, clipped at 0.
- Bounds: shipped estimates (see ``rl_hpo.tasks._yahpo_bounds``), else a deterministic estimate (``estimate_bounds``).

Example:
    >>> task = load_task("yahpo/lcbench/167190")              # doctest: +SKIP
    >>> task.evaluate(task.space.sample(seed=0), fidelity=10)  # doctest: +SKIP
    >>> scores, costs = task.evaluate_unit(u)                  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rl_hpo.exceptions import DataNotFoundError, TaskNotFoundError
from rl_hpo.space import Categorical, Float, Int
from rl_hpo.tasks._yahpo_bounds import CACHE_ENV_VAR, bounds_cache_file, memoized_estimate, shipped_bounds
from rl_hpo.tasks._yahpo_data import (
    DATA_ENV_VAR,
    Scenario,
    available_scenarios,
    load_scenario,
    resolve_data_dir,
    scenario_facts,
    split_table,
    why_no_scenario,
)
from rl_hpo.tasks.base import Result, ScoreBounds, Task
from rl_hpo.tasks.registry import SPLITS, Suite

__all__ = [
    "CACHE_ENV_VAR",
    "DATA_ENV_VAR",
    "DESCRIPTION",
    "YahpoTask",
    "bounds_cache_file",
    "default_objective",
    "load_suite",
    "make_task",
    "resolve_data_dir",
    "shipped_bounds",
    "suite_names",
]

DESCRIPTION = (
    "YAHPO Gym v1 surrogate benchmarks via onnxruntime (lcbench, rbv2_*, iaml_*, ...; needs RL_HPO_YAHPO_DATA)"
)

_FAMILY = "yahpo"
# Rows per onnxruntime call: past a few thousand rows the activations leave the CPU caches and
# throughput drops (about 85,000/s at 1,000 rows against 58,000/s at 10,000 on lcbench).
_CHUNK = 2048
_BOUNDS_SAMPLE = 10_000


def default_objective(scenario: str) -> str:
    """The objective of a scenario per the benchmark protocol (benchmarks/README.md).

    lcbench: ``val_accuracy``; rbv2_* and iaml_*: ``auc``; any other scenario: its first validation output
    (named ``val*``: nb301 ``val_accuracy``, fcnet ``valid_loss``, taskset ``valid1``), else its first output
    that is not the runtime.
    """
    facts = scenario_facts().get(scenario)
    if facts is None:
        raise TaskNotFoundError(
            f"Unknown YAHPO scenario {scenario!r}; choose one of: {', '.join(sorted(scenario_facts()))}."
        )
    y_names = list(facts["y_names"])
    if scenario == "lcbench" and "val_accuracy" in y_names:
        return "val_accuracy"
    if scenario.startswith(("rbv2_", "iaml_")) and "auc" in y_names:
        return "auc"
    validation = [y for y in y_names if y.startswith("val")]
    return validation[0] if validation else next(y for y in y_names if y != facts.get("runtime_name"))


def _test_counterpart(objective: str, y_names: Sequence[str]) -> str | None:
    """The test-side output reported beside a validation objective.

    ``val_<m>`` pairs with ``test_<m>``; where that does not exist, with the ``test_*`` output ending in the
    same word (lcbench has no test accuracy, so ``val_accuracy`` pairs with ``test_balanced_accuracy``).
    """
    if not objective.startswith("val_"):
        return None
    metric = objective[len("val_") :]
    if f"test_{metric}" in y_names:
        return f"test_{metric}"
    last = metric.rsplit("_", 1)[-1]
    return next((y for y in y_names if y.startswith("test_") and y.endswith(f"_{last}")), None)


class YahpoTask(Task):
    """One YAHPO Gym instance (a dataset of a scenario) as a task.

    Args:
        scenario: a YAHPO v1 scenario, e.g. ``"lcbench"``, ``"rbv2_xgboost"``, ``"iaml_glmnet"``.
        instance: an instance id of the scenario, e.g. ``"167190"``.
        data_dir: the YAHPO data folder; default: the environment variable ``RL_HPO_YAHPO_DATA``.
        objective: the output to maximize (negated where YAHPO minimizes it); default
            ``default_objective(scenario)``.
        repl: the value of the ``repl`` fidelity parameter (rbv2_*: 1..10) where the scenario has one;
            None: its highest value. Further fidelity parameters stay at their highest value.
        n_threads: onnxruntime threads of the (shared) session; keep 1 when running workers in parallel.

    Attributes:
        name: ``yahpo/<scenario>/<instance>``.
        space, fidelity: the search space and the fidelity (see the module docstring).
        objective, test_objective: the output optimized and its test-side counterpart (or None).
        y_names: every model output, in the order of the surrogate.
        minimize: whether YAHPO minimizes the objective (the score is then its negation).

    Raises:
        TaskNotFoundError: for an unknown scenario or instance.
        DataNotFoundError: if the data folder is missing or incomplete.
        ValueError: for an unknown objective or an out-of-range ``repl`` / ``n_threads``.
    """

    def __init__(
        self,
        scenario: str,
        instance: str,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        objective: str | None = None,
        repl: int | None = 10,
        n_threads: int = 1,
    ) -> None:
        sc = load_scenario(scenario, data_dir)
        instance = str(instance)
        if instance not in sc.instances:
            few = ", ".join(sc.instances[:8]) + (", ..." if len(sc.instances) > 8 else "")
            raise TaskNotFoundError(
                f"Unknown instance {instance!r} of yahpo/{scenario} ({len(sc.instances)} instances: {few})."
            )
        objective = default_objective(scenario) if objective is None else objective
        if objective not in sc.y_names:
            raise ValueError(
                f"Unknown objective {objective!r} of yahpo/{scenario}; choose one of: {', '.join(sc.y_names)}."
            )
        if isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1:
            raise ValueError(f"n_threads must be a positive int, got {n_threads!r}.")

        fixed: dict[str, Any] = {}
        for name, param in sc.extra_fidelities.items():
            if not isinstance(param, Float | Int):
                raise ValueError(f"yahpo/{scenario}: the fidelity parameter {name!r} must be numeric, got {param!r}.")
            value = param.high if (name != "repl" or repl is None) else repl
            if not param.is_valid(value):
                raise ValueError(
                    f"{name}={value!r} is outside {name}'s range [{param.low}, {param.high}] in yahpo/{scenario}; "
                    "pass a value in range or None for the highest."
                )
            fixed[name] = value

        self._scenario = sc
        # The resolved folder, so that a copy in another process (pickled) does not depend on its environment.
        self._data_dir = str(sc.folder.parent)
        self.scenario = scenario
        self.instance = instance
        self.name = f"{_FAMILY}/{scenario}/{instance}"
        self.space = sc.space
        self.fidelity = sc.fidelity
        self.objective = objective
        self.y_names = list(sc.y_names)
        self.test_objective = _test_counterpart(objective, self.y_names)
        self.minimize = sc.y_minimize[self.y_names.index(objective)]
        self.repl = fixed.get("repl")
        self.fixed_fidelities = fixed
        self.n_threads = n_threads
        self._objective_col = self.y_names.index(objective)
        self._sign = -1.0 if self.minimize else 1.0
        self._runtime_col = self.y_names.index(sc.runtime_name) if sc.runtime_name in self.y_names else None
        self._plan = sc.plan(instance, fixed)
        self._bounds: ScoreBounds | None = None

    # -- pickling: worker processes rebuild the session from the shared cache -----------------------
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_scenario", "_plan")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        sc = load_scenario(self.scenario, self._data_dir)
        self._scenario = sc
        self._plan = sc.plan(self.instance, self.fixed_fidelities)

    # -- evaluation ---------------------------------------------------------------------------------
    def _fidelity_values(self, fidelity: float | np.ndarray | None, n: int) -> np.ndarray | float | None:
        fid = self.fidelity
        if fid is None:
            if fidelity is not None:
                raise ValueError(f"{self.name} has no fidelity; got fidelity={fidelity!r}, pass None.")
            return None
        if fidelity is None:
            return fid.high
        f = np.asarray(fidelity, dtype=float)
        if f.ndim > 1 or (f.ndim == 1 and f.shape[0] != n):
            raise ValueError(f"fidelity must be one value or one per row ({n}), got shape {f.shape}.")
        tol = 1e-9 * fid.high
        if not np.all(np.isfinite(f)) or np.any(f < fid.low - tol) or np.any(f > fid.high + tol):
            bad = float(f[~(np.isfinite(f) & (f >= fid.low - tol) & (f <= fid.high + tol))].ravel()[0])
            raise ValueError(
                f"fidelity {bad:g} is outside {fid.name}'s range [{fid.low:g}, {fid.high:g}] of {self.name}; "
                "pass a value in range or None for the highest."
            )
        f = np.clip(f, fid.low, fid.high)
        if fid.integer:
            f = np.rint(f)  # multi-fidelity schedules produce fractions such as 52/3 epochs
        return float(f) if f.ndim == 0 else f

    def _predict(self, values: np.ndarray, active: np.ndarray, fidelity: np.ndarray | float | None) -> np.ndarray:
        model = self._scenario.session(self.n_threads)
        n = values.shape[0]
        if n <= _CHUNK:  # the common case, a step of an environment: no output buffer to fill
            return model.predict(*self._plan.build(values, active, fidelity))
        out = np.empty((n, len(self.y_names)), dtype=np.float32)
        for start in range(0, n, _CHUNK):
            stop = min(n, start + _CHUNK)
            fid = fidelity[start:stop] if isinstance(fidelity, np.ndarray) else fidelity
            x_cont, x_cat = self._plan.build(values[start:stop], active[start:stop], fid)
            out[start:stop] = model.predict(x_cont, x_cat)
        return out

    def _scores_costs(self, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = self._sign * out[:, self._objective_col].astype(float)
        if self._runtime_col is None:
            costs = np.zeros(out.shape[0])
        else:
            costs = np.maximum(out[:, self._runtime_col].astype(float), 0.0)
        return scores, costs

    def predict_unit(self, u: np.ndarray, fidelity: float | np.ndarray | None = None) -> np.ndarray:
        """Every raw model output for cube points ``u`` (n, d): an (n, len(y_names)) float32 array.

        ``fidelity`` is one value, one value per row, or None (the highest).
        """
        u = np.asarray(u, dtype=float)
        values, active = self.space.decode_numeric(u if u.ndim == 2 else np.atleast_2d(u))
        return self._predict(values, active, self._fidelity_values(fidelity, values.shape[0]))

    def evaluate_unit(self, u: np.ndarray, fidelity: float | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and costs of cube points ``u`` (n, d) in one vectorized pass (no validation).

        Returns:
            ``(scores, costs)``, each of shape (n,).
        """
        return self._scores_costs(self.predict_unit(u, fidelity))

    def batch_key(self) -> tuple[str, int, int]:
        """Instances of one loaded scenario share its surrogate (and search space): one call serves them all."""
        return ("yahpo", id(self._scenario), self.n_threads)

    @classmethod
    def evaluate_unit_together(cls, tasks: Sequence[Task], points: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Scores of ``points[i]`` on ``tasks[i]`` (instances of one scenario) from a single surrogate call."""
        yahpo = [t for t in tasks if isinstance(t, YahpoTask)]
        sizes = [len(u) for u in points]
        if len(yahpo) != len(tasks) or len({t.batch_key() for t in yahpo}) != 1 or sum(sizes) > _CHUNK:
            return super().evaluate_unit_together(tasks, points)
        first = yahpo[0]
        values, active = first.space.decode_numeric(np.concatenate([np.atleast_2d(u) for u in points]))
        stops = np.cumsum(sizes)
        x_cont, x_cat = zip(
            *(
                t._plan.build(values[stop - n : stop], active[stop - n : stop], t._fidelity_values(None, n))
                for t, n, stop in zip(yahpo, sizes, stops)
            )
        )
        out = first._scenario.session(first.n_threads).predict(np.concatenate(x_cont), np.concatenate(x_cat))
        return [t._scores_costs(out[stop - n : stop])[0] for t, n, stop in zip(yahpo, sizes, stops)]

    def _numeric(self, configs: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """``decode_numeric``-style arrays of validated configurations."""
        n, d = len(configs), self.space.dim
        values = np.zeros((n, d))
        active = np.zeros((n, d), dtype=bool)
        params = list(self.space.items())
        for i, config in enumerate(configs):
            self.space.validate(config)
            for j, (name, param) in enumerate(params):
                if name in config:
                    active[i, j] = True
                    v = config[name]
                    values[i, j] = param.index(v) if isinstance(param, Categorical) else float(v)
        return values, active

    def model_inputs(
        self, configs: Sequence[Mapping[str, Any]], fidelity: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The surrogate's inputs ``(x_cont, x_cat)`` for configurations, as yahpo_gym's ``_config_to_xs``.

        Raises:
            ValueError: for a configuration outside the space or a bad fidelity.
        """
        values, active = self._numeric(configs)
        return self._plan.build(values, active, self._fidelity_values(fidelity, len(configs)))

    def _results(self, out: np.ndarray, fidelity: np.ndarray | float | None) -> list[Result]:
        scores, costs = self._scores_costs(out)
        results = []
        for i, row in enumerate(out):
            info: dict[str, Any] = {y: float(v) for y, v in zip(self.y_names, row)}
            info["objective"] = self.objective
            if self.test_objective is not None:
                info["test_score"] = self._sign * info[self.test_objective]
            f = fidelity[i] if isinstance(fidelity, np.ndarray) else fidelity
            info["fidelity"] = None if f is None else float(f)
            results.append(Result(float(scores[i]), float(costs[i]), info))
        return results

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        """Evaluate one configuration at ``fidelity`` (None: the highest).

        ``Result.info`` holds every raw model output by name, ``objective``, ``test_score`` (the test-side
        output with the score's sign, where the objective has one) and the ``fidelity`` used.

        Raises:
            ValueError: for a configuration outside the space (naming the parameter) or a bad fidelity.
        """
        return self.evaluate_batch([config], fidelity)[0]

    def evaluate_batch(self, configs: Sequence[Mapping[str, Any]], fidelity: float | None = None) -> list[Result]:
        """Evaluate configurations at one fidelity in one vectorized pass."""
        if not configs:
            return []
        values, active = self._numeric(configs)
        fid = self._fidelity_values(fidelity, len(configs))
        return self._results(self._predict(values, active, fid), fid)

    # -- bounds -------------------------------------------------------------------------------------
    @property
    def bounds(self) -> ScoreBounds:  # type: ignore[override]
        """Worst and best scores at the highest fidelity, for normalized regret.

        The package's bounds (``rl_hpo/data/yahpo_bounds.json``) where it ships them for this instance and
        objective, at the fixed fidelities they were estimated at (each at its highest, e.g. ``repl=10``); else
        ``estimate_bounds()``: both are fixed, so they never depend on what ran before.
        """
        if self._bounds is None:
            shipped = shipped_bounds(self.scenario, self.objective, self.instance) if self._fixed_at_highest else None
            self._bounds = shipped or self.estimate_bounds()
        return self._bounds

    @property
    def _fixed_at_highest(self) -> bool:
        """Whether every fixed fidelity (``repl``) is at its highest value, as the shipped bounds assume."""
        extra = self._scenario.extra_fidelities
        return all(value == getattr(extra[name], "high", None) for name, value in self.fixed_fidelities.items())

    def estimate_bounds(self, n: int = _BOUNDS_SAMPLE, seed: int = 0) -> ScoreBounds:
        """Estimate the bounds from ``n`` seeded random points and 1,024 cube corners (deterministic in ``n``,
        ``seed``, the fixed fidelities and the surrogate file); the result is memoized per machine under those keys
        (``rl_hpo.tasks._yahpo_bounds``), so a memo never outlives the data it came from. The best of a random
        sample underestimates the true best: a study raises it where a run beats it."""

        def estimate() -> ScoreBounds:
            rng = np.random.default_rng(seed)
            corners = rng.integers(0, 2, (1024, self.space.dim)).astype(float)
            scores, _ = self.evaluate_unit(np.vstack([rng.random((n, self.space.dim)), corners]))
            finite = scores[np.isfinite(scores)]
            if finite.size < 2:
                raise ValueError(f"{self.name}: the surrogate gave no finite scores to estimate bounds from.")
            return ScoreBounds(float(finite.min()), float(finite.max()))

        model = f"model={self._scenario.model_digest[:16]}"
        key: tuple[str, ...] = (self.scenario, self.objective, str(self.instance), f"n={n}", f"seed={seed}", model)
        if not self._fixed_at_highest:  # other fixed fidelities, other scores (keys at the highest stay as they were)
            key += tuple(f"{name}={value}" for name, value in sorted(self.fixed_fidelities.items()))
        return memoized_estimate(key, estimate)

    def __repr__(self) -> str:
        return f"YahpoTask({self.name!r}, objective={self.objective!r})"


def make_task(
    scenario: str,
    instance: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    objective: str | None = None,
    repl: int | None = 10,
    n_threads: int = 1,
) -> YahpoTask:
    """The task ``yahpo/<scenario>/<instance>`` (see ``YahpoTask`` for the options)."""
    return YahpoTask(scenario, instance, data_dir=data_dir, objective=objective, repl=repl, n_threads=n_threads)


def suite_names(data_dir: str | os.PathLike[str] | None = None, **_options: Any) -> list[str]:
    """The YAHPO suites: every complete scenario of the data folder, or without one the split scenarios.

    Options meant for other families are ignored (the registry passes the same options to every family).

    Raises:
        DataNotFoundError: if the data folder exists but holds no complete scenario (a scenario folder given in its
            place, files missing), saying which.
    """
    try:
        scenarios = available_scenarios(data_dir)
    except DataNotFoundError:
        scenarios = list(split_table())
    else:
        if not scenarios:
            raise DataNotFoundError(why_no_scenario(data_dir))
    return [f"{_FAMILY}/{s}" for s in scenarios]


def load_suite(scenario: str, *, data_dir: str | os.PathLike[str] | None = None, **options: Any) -> Suite:
    """The suite ``yahpo/<scenario>`` with its fixed train / validation / test splits.

    A scenario without fixed splits gets one split, ``all``, of every instance in the data folder.
    ``options`` (``objective``, ``repl``, ``n_threads``) are passed to every task of the suite.

    Raises:
        TaskNotFoundError: for an unknown scenario.
        DataNotFoundError: for a scenario without fixed splits when the data folder is missing.
    """
    if scenario not in scenario_facts():
        raise TaskNotFoundError(
            f"Unknown YAHPO suite 'yahpo/{scenario}'; choose one of: "
            f"{', '.join(f'yahpo/{s}' for s in sorted(scenario_facts()))}."
        )
    unknown = set(options) - {"objective", "repl", "n_threads"}
    if unknown:
        raise TypeError(
            f"load_suite got unknown option(s) {sorted(unknown)}; YAHPO tasks take objective, repl, n_threads."
        )
    task_options: dict[str, Any] = dict(options)
    if data_dir is not None:
        task_options["data_dir"] = str(data_dir)
    table = split_table().get(scenario)
    if table is not None:
        splits = {s: tuple(f"{_FAMILY}/{scenario}/{i}" for i in table.get(s, [])) for s in SPLITS}
    else:
        sc: Scenario = load_scenario(scenario, data_dir)
        splits = {"all": tuple(f"{_FAMILY}/{scenario}/{i}" for i in sc.instances)}
    return Suite(f"{_FAMILY}/{scenario}", splits, task_options)
