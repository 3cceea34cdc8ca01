"""Reading a YAHPO Gym v1 data folder: scenario facts, search spaces, encodings and ONNX sessions.

A scenario folder holds ``config_space.json`` (a ConfigSpace JSON export), ``encoding.json`` (the integer
code of every categorical value the surrogate was trained on) and ``model.onnx`` (the surrogate). The facts
that yahpo_gym keeps in Python (input column order, output names, fidelity parameters, ...) ship with
rl_hpo as ``rl_hpo/data/yahpo_scenarios.json``, so the folder of any of its 16 v1 scenarios works without the
``yahpo-gym`` package (which pins numpy<2); a folder under another name is refused, as its facts are unknown.

The model's inputs are built as yahpo_gym's ``BenchmarkSet._config_to_xs`` builds them: ``x_cont`` holds
the raw values of ``cont_names`` in that order (0 for inactive or missing parameters) as float32, ``x_cat``
the integer codes of ``cat_names`` (less ``drop_predict``) with ``'#na#'`` for inactive ones, the instance
id being one of the categoricals.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.exceptions import DataNotFoundError, TaskNotFoundError
from rl_hpo.space import Categorical, Condition, Float, Int, Param, SearchSpace
from rl_hpo.tasks.base import Fidelity

__all__ = [
    "DATA_ENV_VAR",
    "InputPlan",
    "Scenario",
    "available_scenarios",
    "load_scenario",
    "resolve_data_dir",
    "scenario_facts",
    "split_table",
    "why_no_scenario",
]

DATA_ENV_VAR = "RL_HPO_YAHPO_DATA"
_RELEASE = "https://github.com/slds-lmu/yahpo_data/releases/tag/v1.0.2"
_HOW_TO_FIX = (
    f"set {DATA_ENV_VAR}=/path/to/yahpo_data, pass --yahpo-data PATH on the command line or data_dir= in "
    f"Python; download the folder (yahpo_data v1.0.2) from {_RELEASE}"
)
_REQUIRED_FILES = ("config_space.json", "encoding.json")
_NA = "#na#"


def _package_json(name: str) -> dict[str, Any]:
    text = resources.files("rl_hpo").joinpath("data", name).read_text(encoding="utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


@functools.cache
def scenario_facts() -> dict[str, dict[str, Any]]:
    """The facts of every YAHPO v1 scenario (yahpo_gym's scenario configs), by scenario name."""
    return _package_json("yahpo_scenarios.json")


@functools.cache
def split_table() -> dict[str, dict[str, list[str]]]:
    """Fixed train / validation / test instance ids per scenario (``rl_hpo/data/yahpo_splits.json``)."""
    return _package_json("yahpo_splits.json")


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The YAHPO data folder: ``data_dir`` if given, else the environment variable ``RL_HPO_YAHPO_DATA``.

    Raises:
        DataNotFoundError: if neither is set or the folder does not exist.
    """
    if data_dir is None:
        env = os.environ.get(DATA_ENV_VAR, "").strip()
        if not env:
            raise DataNotFoundError(f"No YAHPO data folder given: {_HOW_TO_FIX}.")
        data_dir = env
    path = Path(data_dir).expanduser()
    if not path.is_dir():
        what = "is a file, not a folder" if path.exists() else "does not exist"
        raise DataNotFoundError(f"The YAHPO data folder {str(path)!r} {what}: {_HOW_TO_FIX}.")
    return path.resolve()


def _model_file(facts: Mapping[str, Any]) -> str:
    return str(facts.get("model", "model.onnx"))


def _missing_files(folder: Path, facts: Mapping[str, Any]) -> list[str]:
    return [f for f in (*_REQUIRED_FILES, _model_file(facts)) if not (folder / f).is_file()]


def available_scenarios(data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Known scenarios whose folder in the data folder is complete, sorted by name."""
    root = resolve_data_dir(data_dir)
    facts = scenario_facts()
    return sorted(s for s in facts if (root / s).is_dir() and not _missing_files(root / s, facts[s]))


def why_no_scenario(data_dir: str | os.PathLike[str] | None = None) -> str:
    """Why the data folder holds no complete scenario (``available_scenarios`` is empty): a scenario folder given in
    its place, scenario folders with files missing, or none at all."""
    root = resolve_data_dir(data_dir)
    if (root / "config_space.json").is_file():
        return _scenario_folder_given(str(root))
    facts = scenario_facts()
    incomplete = [
        f"{s} (missing {', '.join(_missing_files(root / s, facts[s]))})" for s in facts if (root / s).is_dir()
    ]
    if incomplete:
        return (
            f"The YAHPO data folder {str(root)!r} holds no complete scenario: {'; '.join(incomplete)}: {_HOW_TO_FIX}."
        )
    return f"The YAHPO data folder {str(root)!r} holds no scenario folder (lcbench, rbv2_xgboost, ...): {_HOW_TO_FIX}."


def _scenario_folder_given(root: str, scenario: str | None = None) -> str:
    among = f" ({scenario!r} among them)" if scenario else ""
    return (
        f"{root!r} is a YAHPO scenario folder; give its parent, the data folder that holds one folder per "
        f"scenario{among}."
    )


def _tidy(x: float) -> float:
    """Drop the float round-off of the R export from round bounds (0.00010000000000000009 -> 0.0001).

    Only values within 1e-12 (relative) of a number of at most 6 significant digits change, so that
    e.g. ``exp(-7) = 0.0009118819655545162`` stays exactly as exported.
    """
    x = float(x)
    short = float(f"{x:.6g}")
    return short if abs(short - x) <= 1e-12 * max(abs(x), 1e-300) else x


def _param_from_cs(hp: Mapping[str, Any], scenario: str) -> Param | None:
    """An rl_hpo parameter from a ConfigSpace JSON hyperparameter (None for a constant)."""
    kind, name = hp.get("type"), hp.get("name")
    if kind == "uniform_float":
        return Float(_tidy(hp["lower"]), _tidy(hp["upper"]), log=bool(hp.get("log", False)))
    if kind == "uniform_int":
        return Int(round(hp["lower"]), round(hp["upper"]), log=bool(hp.get("log", False)))
    if kind == "categorical":
        return Categorical(hp["choices"])
    if kind == "ordinal":
        return Categorical(hp["sequence"])
    if kind == "constant":
        return None
    raise ValueError(
        f"Scenario {scenario!r}: hyperparameter {name!r} has the unsupported type {kind!r} in config_space.json; "
        "supported are uniform_float, uniform_int, categorical, ordinal and constant."
    )


def _simple_clauses(cond: Mapping[str, Any], scenario: str) -> list[tuple[str, tuple[Any, ...]]]:
    kind = cond.get("type")
    if kind == "EQ":
        return [(cond["parent"], (cond["value"],))]
    if kind == "IN":
        return [(cond["parent"], tuple(cond["values"]))]
    if kind == "AND":
        return [clause for sub in cond["conditions"] for clause in _simple_clauses(sub, scenario)]
    raise ValueError(
        f"Scenario {scenario!r}: the condition of {cond.get('child')!r} has the unsupported type {kind!r} in "
        "config_space.json; supported are EQ, IN and AND of those."
    )


def _resolve_conditions(
    clauses: Mapping[str, list[tuple[str, tuple[Any, ...]]]], scenario: str
) -> dict[str, Condition]:
    """One single-parent ``Condition`` per child.

    rl_hpo conditions have one parent; a child is active when its parent is active and takes one of the
    values. An AND is reduced to the clause whose parent's own activity implies every other clause
    (``xgboost.eta`` needs ``xgboost.booster in {gbtree, dart}`` and ``learner == xgboost``; the booster is
    only active under ``learner == xgboost``, so the first clause alone says the same).
    """
    resolved: dict[str, Condition] = {}

    def implied(param: str, parent: str, values: tuple[Any, ...]) -> bool:
        cur = param
        seen: set[str] = set()
        while cur in clauses and cur not in seen:
            seen.add(cur)
            cond = resolve(cur)
            if cond.parent == parent and set(cond.values) <= set(values):
                return True
            cur = cond.parent
        return False

    def resolve(child: str) -> Condition:
        if child in resolved:
            return resolved[child]
        options = clauses[child]
        for parent, values in options:
            others = [c for c in options if c != (parent, values)]
            if all((p == parent and set(values) <= set(v)) or implied(parent, p, v) for p, v in others):
                resolved[child] = Condition(parent, values)
                return resolved[child]
        raise ValueError(
            f"Scenario {scenario!r}: the condition of {child!r} ({options!r}) cannot be written with one parent; "
            "rl_hpo supports conditions whose clauses are implied by one parent's activity."
        )

    for child in clauses:
        resolve(child)
    return resolved


def _parents_first(names: Sequence[str], conditions: Mapping[str, Condition]) -> list[str]:
    order: list[str] = []
    placed: set[str] = set()

    def place(name: str, stack: tuple[str, ...]) -> None:
        if name in placed:
            return
        if name in stack:
            raise ValueError(f"The conditions of {name!r} form a cycle: {' -> '.join((*stack, name))}.")
        cond = conditions.get(name)
        if cond is not None:
            place(cond.parent, (*stack, name))
        placed.add(name)
        order.append(name)

    for name in names:
        place(name, ())
    return order


@dataclass(frozen=True)
class InputPlan:
    """How to fill the model's two input arrays from decoded numeric values of the search space.

    Attributes:
        cont_template: the ``x_cont`` row with every fixed value in place (fidelity column left at 0).
        cat_template: the ``x_cat`` row with every fixed code in place.
        cont_params: ``(column, space index, lookup or None)``; a lookup maps a categorical's choice index
            to its numeric value.
        cat_params: ``(column, space index, codes, code of '#na#')``; codes map choice index to model code.
        fidelity_column: the ``x_cont`` column of the fidelity, or None.
    """

    cont_template: np.ndarray
    cat_template: np.ndarray
    cont_params: tuple[tuple[int, int, np.ndarray | None], ...]
    cat_params: tuple[tuple[int, int, np.ndarray, int], ...]
    fidelity_column: int | None

    def __post_init__(self) -> None:
        # The numeric parameters without a lookup, filled with one fancy-indexed assignment.
        plain = [(col, j) for col, j, lookup in self.cont_params if lookup is None]
        object.__setattr__(self, "_plain_cols", np.array([c for c, _ in plain], dtype=np.intp))
        object.__setattr__(self, "_plain_idx", np.array([j for _, j in plain], dtype=np.intp))
        object.__setattr__(self, "_lookups", tuple(p for p in self.cont_params if p[2] is not None))

    def build(
        self, values: np.ndarray, active: np.ndarray, fidelity: np.ndarray | float | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(x_cont, x_cat)`` for rows of ``(values, active)`` as returned by ``decode_numeric``."""
        n = values.shape[0]
        x_cont = np.empty((n, self.cont_template.shape[0]), dtype=self.cont_template.dtype)
        x_cont[:] = self.cont_template
        x_cat = np.empty((n, self.cat_template.shape[0]), dtype=self.cat_template.dtype)
        x_cat[:] = self.cat_template
        idx = self._plain_idx  # type: ignore[attr-defined]
        if idx.size:
            x_cont[:, self._plain_cols] = np.where(active[:, idx], values[:, idx], 0.0)  # type: ignore[attr-defined]
        for col, j, lookup in self._lookups:  # type: ignore[attr-defined]
            x_cont[:, col] = np.where(active[:, j], lookup[values[:, j].astype(np.intp)], 0.0)
        for col, j, codes, na in self.cat_params:
            x_cat[:, col] = np.where(active[:, j], codes[values[:, j].astype(np.intp)], na)
        if self.fidelity_column is not None and fidelity is not None:
            x_cont[:, self.fidelity_column] = fidelity
        return x_cont, x_cat


class Scenario:
    """What every instance of one scenario shares: facts, search space, codes and the surrogate's path.

    Built by ``load_scenario`` (cached per folder), never directly.

    Attributes:
        name: e.g. ``"lcbench"``.
        folder: the scenario folder.
        space: the search space: config_space.json minus the instance parameter, the fidelity parameters
            and constants.
        instances: the instance ids (strings) of config_space.json.
        fidelity: the first fidelity parameter as a ``Fidelity`` (None if the scenario has none).
        extra_fidelities: every further fidelity parameter (e.g. ``repl``) -> its parameter, fixed per task.
        y_names, y_minimize, runtime_name: the model's outputs, their directions and the runtime column.
        model_path: the surrogate's ONNX file.
        model_digest: the sha256 of that file (keys what is computed from the surrogate, e.g. estimated bounds).
    """

    @functools.cached_property
    def model_digest(self) -> str:
        return hashlib.sha256(self.model_path.read_bytes()).hexdigest()

    def __init__(self, name: str, folder: Path, facts: Mapping[str, Any]) -> None:
        self.name = name
        self.folder = folder
        self.facts = dict(facts)
        self.model_path = folder / _model_file(facts)
        cs = _read_json(folder / "config_space.json")
        self.encoding: dict[str, dict[str, int]] = _read_json(folder / "encoding.json")

        self.y_names: list[str] = list(facts["y_names"])
        # yahpo_gym's taskset lists more directions than outputs (the packaged facts mend it); a list that is
        # too long counts only its first len(y_names).
        self.y_minimize: list[bool] = [bool(m) for m in facts["y_minimize"]][: len(self.y_names)]
        self.runtime_name: str | None = facts.get("runtime_name") or None
        self.instance_param: str | None = facts.get("instance_names")
        drop = facts.get("drop_predict") or []
        drop = [drop] if isinstance(drop, str) else list(drop)
        self.cont_names: list[str] = list(facts["cont_names"])
        self.cat_names: list[str] = [c for c in facts["cat_names"] if c not in drop]
        fid_names: list[str] = list(facts.get("fidelity_params") or [])

        hps = {hp["name"]: hp for hp in cs.get("hyperparameters", [])}
        for column in (*self.cont_names, *self.cat_names):
            if column not in hps:
                raise DataNotFoundError(
                    f"{str(folder / 'config_space.json')!r} does not define the model input {column!r} of "
                    f"scenario {name!r}; the folder does not match YAHPO v1.0.2: {_HOW_TO_FIX}."
                )
        if cs.get("forbiddens"):
            warnings.warn(f"Scenario {name!r}: forbidden clauses of config_space.json are ignored.", stacklevel=2)

        if self.instance_param is not None:
            self.instances: list[str] = [str(c) for c in hps[self.instance_param]["choices"]]
        else:
            self.instances = [str(i) for i in facts.get("instances") or [name]]

        self.constants: dict[str, Any] = {n: hp["value"] for n, hp in hps.items() if hp.get("type") == "constant"}
        self.fidelity_params: dict[str, Param] = {}
        tunable: dict[str, Param] = {}
        for n, hp in hps.items():
            # A ``drop_predict`` parameter (nb301's one-choice ``dataset``) is no input of the model: not tuned.
            if n == self.instance_param or n in self.constants or n in drop:
                continue
            param = _param_from_cs(hp, name)
            assert param is not None
            if n in fid_names:
                self.fidelity_params[n] = param
            else:
                tunable[n] = param

        clauses = {c["child"]: _simple_clauses(c, name) for c in cs.get("conditions", []) if c.get("child") in tunable}
        conditions = _resolve_conditions(clauses, name)
        for child, cond in conditions.items():
            if cond.parent not in tunable:
                raise ValueError(
                    f"Scenario {name!r}: {child!r} is conditional on {cond.parent!r}, which is not a tunable "
                    "parameter; such conditions are not supported."
                )
        params: list[tuple[str, Param]] = []
        for n in _parents_first(list(tunable), conditions):
            p = tunable[n]
            condition = conditions.get(n)
            if condition is not None:
                p = (
                    Categorical(p.choices, condition=condition)
                    if isinstance(p, Categorical)
                    else _with_condition(p, condition)
                )
            params.append((n, p))
        self.space = SearchSpace(params)

        self.fidelity: Fidelity | None = None
        self.fidelity_name: str | None = None
        self.extra_fidelities: dict[str, Param] = {}
        fids = [f for f in fid_names if f in self.fidelity_params]
        if fids:
            first = self.fidelity_params[fids[0]]
            if not isinstance(first, Float | Int):
                raise ValueError(f"Scenario {name!r}: the fidelity {fids[0]!r} must be numeric, got {first!r}.")
            self.fidelity_name = fids[0]
            self.fidelity = Fidelity(fids[0], float(first.low), float(first.high), integer=isinstance(first, Int))
            self.extra_fidelities = {f: self.fidelity_params[f] for f in fids[1:]}

        # Validate every categorical code now, so that a wrong folder fails at load time, not mid-run.
        for column in self.cat_names:
            if column not in self.encoding:
                raise DataNotFoundError(
                    f"{str(folder / 'encoding.json')!r} has no codes for {column!r}; the folder does not match "
                    f"YAHPO v1.0.2: {_HOW_TO_FIX}."
                )
            if column in tunable:
                param = tunable[column]
                if not isinstance(param, Categorical):
                    raise ValueError(f"Scenario {name!r}: the categorical model input {column!r} is numeric.")
                for choice in param.choices:
                    self.code(column, choice)
        if self.instance_param in self.cat_names:
            for instance in self.instances:
                self.code(self.instance_param, instance)

    def code(self, column: str, value: Any) -> int:
        """The model's integer code of a categorical value."""
        table = self.encoding[column]
        key = value if isinstance(value, str) else str(value)
        if key not in table:
            if isinstance(value, bool) and str(value).upper() in table:
                key = str(value).upper()  # R's TRUE/FALSE
            else:
                raise DataNotFoundError(
                    f"{str(self.folder / 'encoding.json')!r} has no code for {column}={value!r}; the folder does "
                    f"not match YAHPO v1.0.2: {_HOW_TO_FIX}."
                )
        return int(table[key])

    def na_code(self, column: str) -> int:
        return int(self.encoding[column].get(_NA, 0))

    def plan(self, instance: str, fixed: Mapping[str, Any]) -> InputPlan:
        """The input plan of one instance with the extra fidelities fixed at ``fixed``."""
        index = {n: j for j, n in enumerate(self.space.names)}
        cont_template = np.zeros(len(self.cont_names), dtype=np.float32)
        cont_params: list[tuple[int, int, np.ndarray | None]] = []
        fidelity_column: int | None = None
        for col, n in enumerate(self.cont_names):
            if n == self.fidelity_name:
                fidelity_column = col
            elif n in index:
                p = self.space[n]
                lookup = np.array([float(c) for c in p.choices]) if isinstance(p, Categorical) else None
                cont_params.append((col, index[n], lookup))
            elif n in fixed:
                cont_template[col] = float(fixed[n])
            elif n in self.constants:
                cont_template[col] = float(self.constants[n])
            # anything else (e.g. a fidelity the plan leaves out) stays at yahpo_gym's 0
        cat_template = np.zeros(len(self.cat_names), dtype=np.int32)
        cat_params: list[tuple[int, int, np.ndarray, int]] = []
        for col, n in enumerate(self.cat_names):
            if n == self.instance_param:
                cat_template[col] = self.code(n, instance)
            elif n in index:
                p = self.space[n]
                assert isinstance(p, Categorical)
                codes = np.array([self.code(n, c) for c in p.choices], dtype=np.int32)
                cat_params.append((col, index[n], codes, self.na_code(n)))
            elif n in self.constants:
                cat_template[col] = self.code(n, self.constants[n])
            else:
                cat_template[col] = self.na_code(n)
        return InputPlan(cont_template, cat_template, tuple(cont_params), tuple(cat_params), fidelity_column)

    def session(self, n_threads: int = 1) -> _Model:
        return _session(str(self.model_path), n_threads, len(self.cont_names), len(self.cat_names), len(self.y_names))

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, {str(self.folder)!r})"


def _with_condition(p: Param, cond: Condition) -> Param:
    if isinstance(p, Float):
        return Float(p.low, p.high, log=p.log, condition=cond)
    assert isinstance(p, Int)
    return Int(p.low, p.high, log=p.log, condition=cond)


def load_scenario(scenario: str, data_dir: str | os.PathLike[str] | None = None) -> Scenario:
    """The scenario ``scenario`` of the data folder (cached per folder).

    Raises:
        TaskNotFoundError: for a scenario that YAHPO v1 does not have.
        DataNotFoundError: if the data folder or the scenario's files are missing.
    """
    facts = scenario_facts()
    if scenario not in facts:
        raise TaskNotFoundError(f"Unknown YAHPO scenario {scenario!r}; choose one of: {', '.join(sorted(facts))}.")
    root = resolve_data_dir(data_dir)
    return _load_scenario(str(root), scenario)


@functools.lru_cache(maxsize=64)
def _load_scenario(root: str, scenario: str) -> Scenario:
    facts = scenario_facts()[scenario]
    folder = Path(root) / scenario
    if not folder.is_dir():
        if (Path(root) / "config_space.json").is_file():  # a scenario folder given in place of the data folder
            raise DataNotFoundError(_scenario_folder_given(root, scenario))
        raise DataNotFoundError(f"The YAHPO data folder {root!r} has no scenario folder {scenario!r}: {_HOW_TO_FIX}.")
    missing = _missing_files(folder, facts)
    if missing:
        raise DataNotFoundError(
            f"The YAHPO scenario folder {str(folder)!r} is incomplete (missing {', '.join(missing)}): {_HOW_TO_FIX}."
        )
    try:
        return Scenario(scenario, folder, facts)
    except (KeyError, TypeError, ValueError) as err:  # a file of another layout: name it, not a raw traceback
        raise DataNotFoundError(
            f"The YAHPO scenario folder {str(folder)!r} does not match YAHPO v1's {scenario} "
            f"(config_space.json or encoding.json: {type(err).__name__}: {err}): {_HOW_TO_FIX}."
        ) from err


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataNotFoundError(f"Cannot read {str(path)!r} ({err}): {_HOW_TO_FIX}.") from err


@dataclass(frozen=True)
class _Model:
    """An onnxruntime session and the names of its inputs and output."""

    session: Any
    cont_input: str
    cat_input: str
    output: str

    def predict(self, x_cont: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        return self.session.run([self.output], {self.cont_input: x_cont, self.cat_input: x_cat})[0]


_SESSIONS: dict[tuple[int, str, int], _Model] = {}
_SESSIONS_LOCK = threading.Lock()


def _session(path: str, n_threads: int, n_cont: int, n_cat: int, n_out: int) -> _Model:
    # Keyed by process id too: a session inherited through fork() is not safe to use in the child.
    key = (os.getpid(), path, n_threads)
    with _SESSIONS_LOCK:
        model = _SESSIONS.get(key)
        if model is None:
            model = _open_session(path, n_threads, n_cont, n_cat, n_out)
            _SESSIONS[key] = model
    return model


def _open_session(path: str, n_threads: int, n_cont: int, n_cat: int, n_out: int) -> _Model:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Benchmarks run many workers side by side; one thread each avoids oversubscribing the cores.
    options.intra_op_num_threads = n_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as err:  # onnxruntime raises its own exception types for unreadable files
        raise DataNotFoundError(f"Cannot load the YAHPO surrogate {path!r} ({err}): {_HOW_TO_FIX}.") from err
    inputs = session.get_inputs()
    cat = [i for i in inputs if "int" in i.type]
    cont = [i for i in inputs if "float" in i.type]
    outputs = session.get_outputs()
    shape_ok = (
        len(cat) == 1
        and len(cont) == 1
        and cont[0].shape[-1] in (n_cont, None)
        and cat[0].shape[-1] in (n_cat, None)
        and outputs[0].shape[-1] in (n_out, None)
    )
    if not shape_ok:
        raise DataNotFoundError(
            f"The surrogate {path!r} expects inputs {[(i.name, i.shape) for i in inputs]} and gives "
            f"{[(o.name, o.shape) for o in outputs]}, not {n_cont} continuous and {n_cat} categorical columns "
            f"and {n_out} outputs: the folder does not match YAHPO v1.0.2: {_HOW_TO_FIX}."
        )
    return _Model(session, cont[0].name, cat[0].name, outputs[0].name)
