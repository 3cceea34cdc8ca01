"""The space-kinds study's task family (``--plugins space_kinds``, with this folder on PYTHONPATH): three kinds of
search space that the benchmark suites of the package hardly hold, each a suite of seeded functions with exact score
bounds: tasks ``kinds/<suite>/0`` to ``9`` in the test split, ``10`` to ``29``, a second sample drawn the same
way, in the validation split, and ``30`` to ``229``, a third, in the train split (for studies that need many
functions of a kind, such as ``pooled.py``'s). Nothing is chosen on the test or validation split.

- ``kinds/nas``: six categorical parameters of five choices each (15,625 configurations), as in NAS-Bench-201's
  cell: per-choice effects of each parameter (their scales drawn log-normally, so some parameters hardly matter),
  interactions on five random pairs, a penalty for the first choice ("none") on three parameters and a larger one
  when four or more parameters take it. Bounds by enumerating every configuration.
- ``kinds/wide_categorical``: four categorical parameters of 10 to 30 choices and two floats (one on a log scale):
  per-choice effects plus a bump over the floats whose centre, width and height depend on the first categorical
  parameter's choice. Bounds exact: the effects add up, and the floats' part, which falls with the distance from
  the bump's centre inside the box, peaks at the centre and is lowest at a corner.
- ``kinds/conditional``: a choice of model among three, each with its own two to four float and integer parameters
  (conditional on the choice), as in a combined algorithm selection and tuning space: for the chosen model,
  ``b - s (1 - exp(-q / 2))`` with ``q`` a positive definite quadratic form around an optimum inside the box, and
  a different best value ``b`` per model. Bounds exact: the floats reach ``q = 0``, every integer combination is
  enumerated, and the worst lies at a corner of the floats' box.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any, NamedTuple

import numpy as np

from rl_hpo import Categorical, Condition, Float, FunctionTask, Int, ScoreBounds, SearchSpace, Suite, TaskNotFoundError
from rl_hpo.tasks.registry import register_family

DESCRIPTION = (
    "categorical (NAS-like), wide categorical and conditional (model choice) spaces, 10 test, 20 validation and 200 "
    "train functions each"
)
N_TASKS = 10  # the test split's; the validation split's are the next N_VALIDATION
N_VALIDATION = 20
N_TRAIN = 200  # the train split's, after the validation split's
SUITES = {"nas": 101, "wide_categorical": 202, "conditional": 303}  # suite -> its seeds' first entry


def _rng(suite: str, instance: int) -> np.random.Generator:
    return np.random.default_rng([SUITES[suite], instance])


# -- nas -----------------------------------------------------------------------------------------------------------
NAS_CHOICES = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
NAS_EDGES = 6


@functools.cache
def _nas(instance: int) -> tuple[tuple[Any, ...], float, float]:
    rng = _rng("nas", instance)
    scales = np.exp(rng.normal(0.0, 1.0, NAS_EDGES))
    main = rng.normal(0.0, 1.0, (NAS_EDGES, len(NAS_CHOICES))) * scales[:, None]
    for edge in rng.choice(NAS_EDGES, 3, replace=False):
        main[edge, 0] -= 1.5 * scales.max() * rng.uniform(0.5, 1.0)
    all_pairs = list(itertools.combinations(range(NAS_EDGES), 2))
    pairs = [all_pairs[k] for k in rng.choice(len(all_pairs), 5, replace=False)]
    interactions = [rng.normal(0.0, 0.5, (5, 5)) * math.sqrt(scales[i] * scales[j]) for i, j in pairs]
    model = (main, pairs, interactions, 2.0 * scales.max())
    every = _nas_value(np.array(list(itertools.product(range(len(NAS_CHOICES)), repeat=NAS_EDGES))), model)
    return model, float(every.min()), float(every.max())


def _nas_value(choices: np.ndarray, model: tuple[Any, ...]) -> np.ndarray:
    """Scores of rows of choice indices (n, NAS_EDGES)."""
    main, pairs, interactions, disconnected = model
    value = main[np.arange(NAS_EDGES), choices].sum(axis=1)
    for (i, j), table in zip(pairs, interactions, strict=True):
        value = value + table[choices[:, i], choices[:, j]]
    return value - disconnected * ((choices == 0).sum(axis=1) >= 4)


def _make_nas(instance: int) -> FunctionTask:
    model, worst, best = _nas(instance)
    space = SearchSpace({f"edge{e}": Categorical(NAS_CHOICES) for e in range(NAS_EDGES)})

    def objective(config: dict[str, Any]) -> float:
        choices = np.array([[NAS_CHOICES.index(config[f"edge{e}"]) for e in range(NAS_EDGES)]])
        return float(_nas_value(choices, model)[0])

    return _task(objective, space, "nas", instance, worst, best)


# -- wide categorical ----------------------------------------------------------------------------------------------
LR_RANGE = (1e-5, 1e-1)


@functools.cache
def _wide(instance: int) -> tuple[tuple[Any, ...], float, float]:
    rng = _rng("wide_categorical", instance)
    levels = rng.integers(10, 31, size=4)
    scales = np.exp(rng.normal(0.0, 0.7, 4))
    effects = [rng.normal(0.0, 1.0, n) * s for n, s in zip(levels, scales, strict=True)]
    n0 = int(levels[0])
    centre = np.column_stack([rng.uniform(-4.5, -1.5, n0), rng.uniform(0.05, 0.95, n0)])
    width = np.column_stack([rng.uniform(0.4, 1.0, n0), rng.uniform(0.1, 0.3, n0)])
    height = 2.5 * scales.max() * rng.uniform(0.6, 1.0, n0)
    bump = (centre, width, height)
    # The floats' part, height * (exp(-r^2 / 2) - 0.02 r^2), falls with the scaled distance r from the bump's centre,
    # which lies inside the box: its largest value is the height (at the centre), its smallest at the farthest corner.
    corners = np.array(list(itertools.product([math.log10(v) for v in LR_RANGE], (0.0, 1.0))))
    lowest = np.array([_bump(choice, corners[:, 0], corners[:, 1], bump).min() for choice in range(n0)])
    best, worst = float((effects[0] + height).max()), float((effects[0] + lowest).min())
    rest_best, rest_worst = sum(float(e.max()) for e in effects[1:]), sum(float(e.min()) for e in effects[1:])
    return (levels, effects, bump), float(worst + rest_worst), float(best + rest_best)


def _bump(choice: int, log_lr: np.ndarray | float, momentum: np.ndarray | float, bump: tuple[Any, ...]) -> np.ndarray:
    """The floats' part for the first parameter's ``choice``: a bump on a gentle bowl (far points are not flat)."""
    centre, width, height = bump
    d0 = (np.asarray(log_lr) - centre[choice, 0]) / width[choice, 0]
    d1 = (np.asarray(momentum) - centre[choice, 1]) / width[choice, 1]
    return height[choice] * (np.exp(-0.5 * (d0**2 + d1**2)) - 0.02 * (d0**2 + d1**2))


def _make_wide(instance: int) -> FunctionTask:
    (levels, effects, bump), worst, best = _wide(instance)
    choices = [tuple(f"c{k}_{j}" for j in range(n)) for k, n in enumerate(levels)]
    spec: dict[str, Any] = {f"cat{k}": Categorical(choices[k]) for k in range(4)}
    spec["lr"] = Float(*LR_RANGE, log=True)
    spec["momentum"] = Float(0.0, 1.0)

    def objective(config: dict[str, Any]) -> float:
        index = [choices[k].index(config[f"cat{k}"]) for k in range(4)]
        value = sum(float(effects[k][index[k]]) for k in range(4))
        return value + float(_bump(index[0], math.log10(config["lr"]), config["momentum"], bump))

    return _task(objective, SearchSpace(spec), "wide_categorical", instance, worst, best)


# -- conditional ---------------------------------------------------------------------------------------------------
#: model -> its parameters: (name, (kind, low, high, log)).
MODELS: dict[str, list[tuple[str, tuple[str, float, float, bool]]]] = {
    "svm": [("svm_C", ("float", 1e-3, 1e3, True)), ("svm_gamma", ("float", 1e-4, 10.0, True))],
    "gbm": [
        ("gbm_lr", ("float", 1e-3, 1.0, True)),
        ("gbm_n_estimators", ("int", 10, 1000, True)),
        ("gbm_max_depth", ("int", 1, 12, False)),
    ],
    "mlp": [
        ("mlp_lr", ("float", 1e-5, 1e-1, True)),
        ("mlp_width", ("int", 16, 1024, True)),
        ("mlp_dropout", ("float", 0.0, 0.8, False)),
        ("mlp_layers", ("int", 1, 6, False)),
    ],
}


class Model(NamedTuple):
    """One model of a ``kinds/conditional`` task: ``top - depth (1 - exp(-q / 2))`` with ``q`` the forms' sum."""

    floats: list[int]  # indices of its float parameters in ``MODELS[model]``
    ints: list[int]  # and of its integer ones
    optimum: np.ndarray  # per parameter, on [0, 1]
    form_floats: np.ndarray  # positive definite
    form_ints: np.ndarray
    top: float
    depth: float
    best: float  # its best score (the integers at their best values)


def _unit(value: float, kind: tuple[str, float, float, bool]) -> float:
    """``value`` on [0, 1] over its range (on a log scale where the parameter has one)."""
    _, low, high, log = kind
    if log:
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)


def _positive_definite(rng: np.random.Generator, d: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return (q * rng.uniform(4.0, 30.0, d)) @ q.T


@functools.cache
def _conditional(instance: int) -> tuple[dict[str, Model], float, float]:
    """Each model of task ``instance``, and the task's worst and best score."""
    rng = _rng("conditional", instance)
    tops = rng.uniform(0.0, 1.0, len(MODELS))
    tops -= tops.max()
    depths = rng.uniform(1.0, 2.0, len(MODELS))
    models, best, worst = {}, -math.inf, math.inf
    for top, depth, (model, params) in zip(tops, depths, MODELS.items(), strict=True):
        floats = [i for i, (_, kind) in enumerate(params) if kind[0] == "float"]
        ints = [i for i, (_, kind) in enumerate(params) if kind[0] == "int"]
        optimum = rng.uniform(0.15, 0.85, len(params))
        form_f, form_i = _positive_definite(rng, len(floats)), _positive_definite(rng, len(ints))
        corners = np.array(list(itertools.product((0.0, 1.0), repeat=len(floats)))) - optimum[floats]
        q_float_max = float(np.einsum("ni,ij,nj->n", corners, form_f, corners).max())
        grids = [[_unit(v, params[i][1]) for v in range(int(params[i][1][1]), int(params[i][1][2]) + 1)] for i in ints]
        mesh = np.array(list(itertools.product(*grids))) - optimum[ints]
        q_int = np.einsum("ni,ij,nj->n", mesh, form_i, mesh)
        model_best = top - depth * (1.0 - math.exp(-0.5 * q_int.min()))
        best = max(best, model_best)
        worst = min(worst, top - depth * (1.0 - math.exp(-0.5 * (q_float_max + q_int.max()))))
        models[model] = Model(floats, ints, optimum, form_f, form_i, float(top), float(depth), float(model_best))
    return models, float(worst), float(best)


def conditional_model_tops(instance: int) -> dict[str, float]:
    """Each model's best score on task ``kinds/conditional/<instance>`` (its integers at their best values)."""
    return {name: model.best for name, model in _conditional(instance)[0].items()}


def _make_conditional(instance: int) -> FunctionTask:
    models, worst, best = _conditional(instance)
    spec: dict[str, Any] = {"model": Categorical(tuple(MODELS))}
    for model, params in MODELS.items():
        for name, (kind, low, high, log) in params:
            cls = Float if kind == "float" else Int
            spec[name] = cls(low, high, log=log, condition=Condition("model", [model]))

    def objective(config: dict[str, Any]) -> float:
        m = models[config["model"]]
        z = np.array([_unit(config[name], kind) for name, kind in MODELS[config["model"]]]) - m.optimum
        q = float(z[m.floats] @ m.form_floats @ z[m.floats] + z[m.ints] @ m.form_ints @ z[m.ints])
        return m.top - m.depth * (1.0 - math.exp(-0.5 * q))

    return _task(objective, SearchSpace(spec), "conditional", instance, worst, best)


# -- the family ----------------------------------------------------------------------------------------------------
def _task(objective: Any, space: SearchSpace, suite: str, instance: int, worst: float, best: float) -> FunctionTask:
    task = FunctionTask(objective, space, direction="maximize", name=f"kinds/{suite}/{instance}")
    task.bounds = ScoreBounds(worst=worst, best=best)
    return task


_MAKERS = {"nas": _make_nas, "wide_categorical": _make_wide, "conditional": _make_conditional}


def make_task(scenario: str, instance: str, **options: Any) -> FunctionTask:
    if scenario not in SUITES or str(instance) not in {str(i) for i in range(N_TASKS + N_VALIDATION + N_TRAIN)}:
        raise TaskNotFoundError(
            f"No task kinds/{scenario}/{instance}: rl-hpo tasks --suite kinds/{scenario} lists them."
        )
    return _MAKERS[scenario](int(instance))


def suite_names(**options: Any) -> list[str]:
    return [f"kinds/{suite}" for suite in SUITES]


def load_suite(scenario: str, **options: Any) -> Suite:
    if scenario not in SUITES:
        raise TaskNotFoundError(f"No suite kinds/{scenario}; choose one of: {', '.join(SUITES)}.")
    tasks = [f"kinds/{scenario}/{i}" for i in range(N_TASKS + N_VALIDATION + N_TRAIN)]
    splits = {
        "train": tuple(tasks[N_TASKS + N_VALIDATION :]),
        "validation": tuple(tasks[N_TASKS : N_TASKS + N_VALIDATION]),
        "test": tuple(tasks[:N_TASKS]),
    }
    return Suite(f"kinds/{scenario}", splits)


register_family("kinds", __name__)
