"""Search spaces: typed hyperparameters mapped one coordinate each onto the unit cube [0, 1]^d.

Every optimizer in rl_hpo, the tuning environment included, works in the unit cube; a space turns
cube points into valid configurations (``decode``) and back (``encode``).

- ``Float(low, high, log=False)``: u -> low + u (high - low), or the same in log space.
- ``Int(low, high, log=False)``: the cube coordinate is cut into one equal bin per integer (in log space
  when ``log=True``, each integer v owning [v - 0.5, v + 0.5]); ``encode`` returns the bin's centre.
- ``Categorical(choices)``: one equal bin per choice.
- ``condition=Condition(parent, values)``: the parameter is active only while the categorical ``parent``
  takes one of ``values``; an inactive parameter is left out of the decoded configuration and encodes
  to 0.5.

``encode(decode(u))`` equals ``u`` for active continuous coordinates and is a fixed point for all
coordinates: decoding it again gives the same configuration.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rl_hpo.exceptions import RLHPOError

__all__ = [
    "Categorical",
    "Condition",
    "Float",
    "Int",
    "InvalidParamError",
    "Param",
    "SearchSpace",
    "warn_of_a_space_smaller_than_the_budget",
    "warn_of_wide_linear_ranges",
]

_INACTIVE_CODE = 0.5


@dataclass(frozen=True)
class Condition:
    """Makes a parameter active only while the categorical ``parent`` takes one of ``values``."""

    parent: str
    values: tuple[Any, ...]

    def __init__(self, parent: str, values: Iterable[Any]) -> None:
        if values is None or isinstance(values, str | bytes) or not isinstance(values, Iterable):
            values = (values,)  # one value, e.g. Condition("booster", "dart") or Condition("kind", None)
        object.__setattr__(self, "parent", parent)
        object.__setattr__(self, "values", tuple(values))

    def to_dict(self) -> dict[str, Any]:
        return {"parent": self.parent, "values": list(self.values)}


@dataclass(frozen=True)
class Param:
    """Base class of a hyperparameter. Subclasses implement the unit-cube mapping.

    A parameter checks its definition when constructed and raises ``InvalidParamError`` (a ``ValueError``)
    naming the class and the offending values; ``SearchSpace`` names the parameter as well.
    """

    condition: Condition | None = field(default=None, kw_only=True)

    kind = "param"

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem is not None:
            raise InvalidParamError(problem.message, problem)

    def _problem(self) -> _Problem | None:
        """The first problem of the definition, None if it is valid."""
        raise NotImplementedError

    def _check(self, name: str) -> None:
        """Raise ``InvalidParamError`` naming the parameter ``name`` if the definition is invalid (a
        parameter checks itself when constructed; this repeats the check under its name)."""
        problem = self._problem()
        if problem is not None:
            raise InvalidParamError(problem.named(name), problem)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map cube coordinates (any shape) to numeric values: floats, integers, or choice indices."""
        raise NotImplementedError

    def to_unit(self, value: Any) -> float:
        """Map one valid value to its cube coordinate."""
        raise NotImplementedError

    def value_of(self, numeric: float) -> Any:
        """The Python value of a numeric value from ``from_unit``."""
        raise NotImplementedError

    def is_valid(self, value: Any) -> bool:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def _condition_dict(self) -> dict[str, Any]:
        return {"condition": self.condition.to_dict()} if self.condition is not None else {}


@dataclass(frozen=True)
class _Problem:
    """What is wrong with a parameter's definition, said twice: ``message`` at construction, naming the
    class and the values ("The 'low' parameter of Float must be < high. Got low=3, high=1 instead."), and
    ``brief`` after the parameter's name in a SearchSpace ("Parameter 'lr': low must be < high, got low=3,
    high=1.")."""

    message: str
    brief: str

    def named(self, name: str) -> str:
        return f"Parameter {name!r}: {self.brief}."


class InvalidParamError(RLHPOError, ValueError):
    """A hyperparameter defined with invalid values (bounds out of order, no choices, ...).

    Raised by the constructor, naming the class and the values, and by ``SearchSpace`` (``from_dict``
    included), naming the parameter.
    """

    def __init__(self, message: str, problem: _Problem) -> None:
        super().__init__(message)
        self.problem = problem


#: The largest magnitude up to which a float holds every integer (an Int's value goes through the cube as a float).
_EXACT_INTEGERS = 2**53


def _exp_to_bounds(x: np.ndarray, u: Any, low: Any, high: Any) -> np.ndarray:
    """``exp(x)`` of log-scaled values at cube coordinates ``u``, the cube's faces decoding to the bounds themselves:
    ``exp(log(low))`` may differ from ``low`` in the last bit (1.0000000000000004e-06 for 1e-06)."""
    return np.where(u <= 0.0, low, np.where(u >= 1.0, high, np.exp(x)))


#: The smallest positive normal float: a range narrower than this holds only subnormal steps.
_SMALLEST_NORMAL = float(np.finfo(float).tiny)


def _range_problem(param: Float | Int) -> _Problem | None:
    """The problems Float and Int share, once the bounds are finite numbers of the right type."""
    cls = type(param).__name__
    if param.low >= param.high:
        got = f"low={param.low}, high={param.high}"
        return _Problem(
            f"The 'low' parameter of {cls} must be < high. Got {got} instead.", f"low must be < high, got {got}"
        )
    if not param.log and not math.isfinite(float(param.high) - float(param.low)):
        got = f"low={param.low}, high={param.high}"
        return _Problem(
            f"The range of {cls} must be narrower than the largest float. Got {got} instead.",
            f"the range must be narrower than the largest float, got {got}",
        )
    if not param.log and float(param.high) - float(param.low) < _SMALLEST_NORMAL:
        # Ranges of a few subnormal numbers: Optuna's samplers compute NaN on them ("nan is invalid").
        got, smallest = f"low={param.low}, high={param.high}", f"{_SMALLEST_NORMAL:.1e}"
        return _Problem(
            f"The range of {cls} must be wider than the smallest normal float ({smallest}). Got {got} instead.",
            f"the range must be wider than the smallest normal float ({smallest}), got {got}",
        )
    if isinstance(param, Int) and max(abs(int(param.low)), abs(int(param.high))) > _EXACT_INTEGERS:
        got = f"low={param.low}, high={param.high}"
        return _Problem(
            f"The bounds of Int must lie within ±2**53, where floats hold every integer. Got {got} instead.",
            f"an Int's bounds must lie within ±2**53, got {got}",
        )
    if param.log and param.low <= 0:
        return _Problem(
            f"The 'low' parameter of {cls} must be > 0 when log=True. Got low={param.low} instead.",
            f"a log-scaled range needs low > 0, got low={param.low}",
        )
    return None


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def _is_nan(value: Any) -> bool:
    return _is_real(value) and value != value


def _matches(a: Any, b: Any) -> bool:
    """Whether two categorical values are the same choice: equal, and of comparable kinds (``_same_kind``); a NaN
    choice (``SimpleImputer(missing_values=np.nan)``) is any NaN, which no ``==`` matches, itself included."""
    if not _same_kind(a, b):
        return False
    if _is_nan(a) or _is_nan(b):
        return _is_nan(a) and _is_nan(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an array's == is elementwise: no one truth value
        return a is b


def _has_a_repeat(choices: Sequence[Any]) -> bool:
    """Whether two choices are one to ``_matches`` (1 and 1.0 differ in repr, yet a configuration's 1.0 would be the
    choice 1): hashable ones by a key of their kind and value (equal numbers hash alike), the rest pairwise."""
    if sum(map(_is_nan, choices)) > 1:  # NaNs of different types (float, np.float64) differ in repr
        return True
    seen: set[tuple[str, Any]] = set()
    unhashable: list[Any] = []
    for choice in choices:
        kind = "str" if isinstance(choice, str) else "bool" if isinstance(choice, bool | np.bool_) else "other"
        try:
            key = (kind, bool(choice) if kind == "bool" else choice)
            if key in seen:
                return True
            seen.add(key)
        except TypeError:  # unhashable (a list, an array): compared with the others below
            unhashable.append(choice)
    return any(_matches(a, b) for i, a in enumerate(unhashable) for b in [*unhashable[i + 1 :], *choices] if a is not b)


def _same_kind(a: Any, b: Any) -> bool:
    """Whether two categorical values are comparable (so that True never matches 1, nor "1" match 1)."""
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str)
    if isinstance(a, bool | np.bool_) or isinstance(b, bool | np.bool_):
        return isinstance(a, bool | np.bool_) and isinstance(b, bool | np.bool_)
    return True


@dataclass(frozen=True)
class Float(Param):
    """A real-valued hyperparameter in [low, high], uniform or log-uniform."""

    low: float
    high: float
    log: bool = False
    kind = "float"

    def _problem(self) -> _Problem | None:
        if not (_is_real(self.low) and _is_real(self.high)):
            got = f"low={self.low!r}, high={self.high!r}"
            return _Problem(
                f"The 'low' and 'high' parameters of Float must be real numbers. Got {got} instead.",
                f"low and high must be numbers, got {got}",
            )
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            got = f"low={self.low}, high={self.high}"
            return _Problem(
                f"The 'low' and 'high' parameters of Float must be finite. Got {got} instead.",
                f"bounds must be finite, got {got}",
            )
        return _range_problem(self)

    def _bounds(self) -> tuple[float, float]:
        return (math.log(self.low), math.log(self.high)) if self.log else (float(self.low), float(self.high))

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        a, b = self._bounds()
        u = np.clip(u, 0.0, 1.0)
        x = a + u * (b - a)
        if self.log:
            x = _exp_to_bounds(x, u, self.low, self.high)
        return np.clip(x, self.low, self.high)  # exp/log round-off must not leave the range

    def to_unit(self, value: Any) -> float:
        a, b = self._bounds()
        x = math.log(value) if self.log else float(value)
        return min(1.0, max(0.0, (x - a) / (b - a)))

    def value_of(self, numeric: float) -> float:
        return float(numeric)

    def is_valid(self, value: Any) -> bool:
        return _is_real(value) and math.isfinite(value) and self.low <= value <= self.high

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "float",
            "low": self.low,
            "high": self.high,
            "log": self.log,
            **self._condition_dict(),
        }


@dataclass(frozen=True)
class Int(Param):
    """An integer hyperparameter in [low, high] (both included), uniform or log-uniform."""

    low: int
    high: int
    log: bool = False
    kind = "int"

    def __post_init__(self) -> None:
        super().__post_init__()
        # NumPy integers (say, from np.arange) become Python ints, the type every configuration's values have
        object.__setattr__(self, "low", int(self.low))
        object.__setattr__(self, "high", int(self.high))

    def _problem(self) -> _Problem | None:
        if not all(isinstance(b, int | np.integer) and not isinstance(b, bool) for b in (self.low, self.high)):
            got = f"low={self.low!r}, high={self.high!r}"
            return _Problem(
                f"The 'low' and 'high' parameters of Int must be integers. Got {got} instead.",
                f"Int bounds must be integers, got {got}",
            )
        return _range_problem(self)

    def _edges(self) -> tuple[float, float]:
        if self.log:
            return math.log(self.low - 0.5), math.log(self.high + 0.5)
        return self.low - 0.5, self.high + 0.5

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        a, b = self._edges()
        x = a + np.clip(u, 0.0, 1.0) * (b - a)
        x = np.exp(x) if self.log else x
        return np.clip(np.rint(x), self.low, self.high)

    def to_unit(self, value: Any) -> float:
        a, b = self._edges()
        x = math.log(value) if self.log else float(value)
        return min(1.0, max(0.0, (x - a) / (b - a)))

    def value_of(self, numeric: float) -> int:
        return int(numeric)

    def is_valid(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
            return False
        return bool(float(value).is_integer() and self.low <= value <= self.high)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": "int",
            "low": int(self.low),
            "high": int(self.high),
            "log": self.log,
            **self._condition_dict(),
        }


@dataclass(frozen=True)
class Categorical(Param):
    """A choice among unordered values (strings, numbers, booleans or None)."""

    choices: tuple[Any, ...]
    kind = "categorical"

    def __init__(self, choices: Iterable[Any], *, condition: Condition | None = None) -> None:
        if isinstance(choices, str):
            raise ValueError(f"Categorical choices must be a sequence of values, not the string {choices!r}.")
        object.__setattr__(self, "choices", tuple(choices))
        object.__setattr__(self, "condition", condition)
        self.__post_init__()  # a dataclass's own __init__ would call it

    def _problem(self) -> _Problem | None:
        if len(self.choices) == 0:
            return _Problem(
                "The 'choices' parameter of Categorical must hold at least one value. Got choices=() instead.",
                "a Categorical needs at least one choice, got choices=()",
            )
        if len(set(map(repr, self.choices))) != len(self.choices) or _has_a_repeat(self.choices):
            got = repr(list(self.choices))
            return _Problem(
                f"The 'choices' parameter of Categorical must hold distinct values. Got {got} instead.",
                f"choices must be distinct, got {got}",
            )
        return None

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        n = len(self.choices)
        return np.minimum(np.floor(np.clip(u, 0.0, 1.0) * n), n - 1)

    def index(self, value: Any) -> int:
        for i, choice in enumerate(self.choices):
            if _matches(choice, value):
                return i
        raise ValueError(f"{value!r} is not one of {list(self.choices)!r}")

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.choices)

    def value_of(self, numeric: float) -> Any:
        return self.choices[int(numeric)]

    def is_valid(self, value: Any) -> bool:
        try:
            self.index(value)
        except ValueError:
            return False
        return True

    def to_dict(self) -> dict[str, Any]:
        return {"type": "categorical", "choices": list(self.choices), **self._condition_dict()}


class _ColumnMaps:
    """Every parameter's ``from_unit`` applied to all columns at once (the same arithmetic, column-wise).

    Decoding is on the hot path of the tuning environment (one point per step); looping over the
    parameters cost more than the surrogate model call it feeds.
    """

    def __init__(self, params: Sequence[Param]) -> None:
        start, width, low, high = [], [], [], []
        for p in params:
            if isinstance(p, Float):
                a, b = p._bounds()
                lo, hi = float(p.low), float(p.high)
            elif isinstance(p, Int):
                a, b = p._edges()
                lo, hi = float(p.low), float(p.high)
            elif isinstance(p, Categorical):
                a, b = 0.0, float(len(p.choices))
                lo, hi = 0.0, float(len(p.choices) - 1)
            else:  # a Param subclass of its own: decoded by its from_unit
                a, b, lo, hi = 0.0, 1.0, -math.inf, math.inf
            start.append(a)
            width.append(b - a)
            low.append(lo)
            high.append(hi)
        self.start, self.width = np.array(start), np.array(width)
        self.low, self.high = np.array(low), np.array(high)
        # Column indices rather than boolean masks: integer indexing of a few columns is faster.
        self.log = np.flatnonzero([isinstance(p, Float | Int) and p.log for p in params])
        self.rint = np.flatnonzero([isinstance(p, Int) for p in params])
        self.rint_log = np.flatnonzero([p.log for p in params if isinstance(p, Int)])  # positions within rint
        self.floor = np.flatnonzero([isinstance(p, Categorical) for p in params])
        self.other = [(j, p) for j, p in enumerate(params) if not isinstance(p, Float | Int | Categorical)]

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        # np.minimum/np.maximum rather than np.clip: same result, without np.clip's Python-level wrapper,
        # which costs more than the arithmetic on one row (this runs once per environment step).
        x = np.minimum(np.maximum(u, 0.0), 1.0)
        x *= self.width
        x += self.start
        if self.log.size:
            logs = self.log
            x[..., logs] = _exp_to_bounds(x[..., logs], u[..., logs], self.low[logs], self.high[logs])
        if self.rint.size:
            x[..., self.rint] = np.rint(x[..., self.rint])
        if self.floor.size:
            x[..., self.floor] = np.floor(x[..., self.floor])
        np.maximum(x, self.low, out=x)  # exp/log round-off must not leave the range
        np.minimum(x, self.high, out=x)
        for j, p in self.other:
            x[..., j] = p.from_unit(u[..., j])
        return x

    def snap_integers(self, u: np.ndarray) -> np.ndarray:
        """``u`` with every integer coordinate moved to the cube coordinate of the value it decodes to (what
        ``Int.to_unit`` gives that value: the middle of its cell, on the log scale for a log-uniform one)."""
        out = np.array(u, dtype=float)
        if self.rint.size:
            j, logs = self.rint, self.rint_log
            x = np.minimum(np.maximum(out[..., j], 0.0), 1.0) * self.width[j] + self.start[j]
            if logs.size:
                x[..., logs] = np.exp(x[..., logs])
            x = np.minimum(np.maximum(np.rint(x), self.low[j]), self.high[j])  # the value, as from_unit gives it
            if logs.size:
                x[..., logs] = np.log(x[..., logs])
            out[..., j] = np.minimum(np.maximum((x - self.start[j]) / self.width[j], 0.0), 1.0)
        return out


class SearchSpace(Mapping[str, Param]):
    """An ordered set of named hyperparameters with a bijection-like map onto the unit cube.

    Args:
        params: parameter name -> ``Float`` / ``Int`` / ``Categorical`` (a dict or a sequence of pairs;
            ``SearchSpace.from_dict`` reads plain specs). A conditional parameter must come after its parent.

    Raises:
        ValueError: for an invalid definition, naming the parameter and the offending value.

    Example:
        >>> space = SearchSpace({"C": Float(1e-3, 1e3, log=True), "kernel": Categorical(["rbf", "linear"])})
        >>> space.decode([0.5, 0.9])
        {'C': 1.0, 'kernel': 'linear'}
    """

    def __init__(self, params: Mapping[str, Param] | Sequence[tuple[str, Param]]) -> None:
        items = list(params.items()) if isinstance(params, Mapping) else list(params)
        if not items:
            raise ValueError("A SearchSpace needs at least one parameter, got none.")
        if not all(isinstance(item, tuple) and len(item) == 2 for item in items):
            raise ValueError(
                "A SearchSpace takes a dict {name: Float | Int | Categorical} (or (name, parameter) pairs), e.g. "
                f"SearchSpace({{'x': Float(0, 1)}}); got {params!r}."
            )
        names: list[str] = []
        for name, param in items:
            if not isinstance(name, str) or not name:
                raise ValueError(f"Parameter names must be non-empty strings, got {name!r}.")
            if name in names:
                raise ValueError(f"Parameter {name!r} is defined twice; names must be unique.")
            if not isinstance(param, Param):
                raise ValueError(
                    f"Parameter {name!r} must be a Float, Int or Categorical, got {param!r}; "
                    "use SearchSpace.from_dict for plain specifications."
                )
            param._check(name)
            if param.condition is not None:
                parent = param.condition.parent
                if parent not in names:
                    raise ValueError(
                        f"Parameter {name!r}: its condition's parent {parent!r} must be a parameter defined before it."
                    )
                parent_param = dict(items)[parent]
                if not isinstance(parent_param, Categorical):
                    raise ValueError(
                        f"Parameter {name!r}: a condition's parent must be Categorical, {parent!r} is not."
                    )
                bad = [v for v in param.condition.values if not parent_param.is_valid(v)]
                if bad or not param.condition.values:
                    raise ValueError(
                        f"Parameter {name!r}: condition values {bad or []!r} are not choices of {parent!r} "
                        f"({list(parent_param.choices)!r})."
                    )
            names.append(name)
        self._params: dict[str, Param] = dict(items)
        self._names = tuple(names)
        self._index = {n: i for i, n in enumerate(names)}
        # (child coordinate, parent coordinate, parent's choice indices that activate the child)
        self._conditions: list[tuple[int, int, np.ndarray]] = []
        for j, child in enumerate(self._params.values()):
            if child.condition is not None:
                parent_choices = self._params[child.condition.parent]
                assert isinstance(parent_choices, Categorical)
                allowed = np.array([parent_choices.index(v) for v in child.condition.values], dtype=float)
                self._conditions.append((j, self._index[child.condition.parent], allowed))
        self._columns = _ColumnMaps(list(self._params.values()))
        self._fingerprint: str | None = None  # computed on first use (the space never changes)

    # -- Mapping protocol -------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Param:
        return self._params[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self.to_dict()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{n!r}: {p!r}" for n, p in self._params.items())
        return f"SearchSpace({{{inner}}})"

    # -- properties -------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def dim(self) -> int:
        """Number of unit-cube coordinates (one per parameter)."""
        return len(self._names)

    @property
    def has_conditions(self) -> bool:
        return any(p.condition is not None for p in self._params.values())

    def kinds(self) -> list[str]:
        """The kind of every coordinate: "float", "int" or "categorical"."""
        return [p.kind for p in self._params.values()]

    def wide_linear_ranges(self, orders: float = 3.0) -> dict[str, float]:
        """Numeric parameters on a linear scale whose range, all above zero, spans at least ``orders`` orders of
        magnitude, with how many it spans: ``{"lr": 4.0}`` for ``Float(1e-5, 1e-1)``. Uniform over such a range,
        nine draws in ten fall in its top order of magnitude, which is rarely what was meant."""
        return {
            name: math.log10(p.high / p.low)
            for name, p in self._params.items()
            # A tolerance on the logarithm: 1e-2 / 1e-5 is 999.9999999999999 in floating point.
            if isinstance(p, Float | Int) and not p.log and p.low > 0 and math.log10(p.high / p.low) >= orders - 1e-9
        }

    def max_configurations(self) -> int | None:
        """How many configurations the space holds at most (the product of its parameters' numbers of values;
        conditions can only make it fewer), or None where a Float parameter makes it unbounded."""
        count = 1
        for p in self._params.values():
            if isinstance(p, Categorical):
                count *= len(p.choices)
            elif isinstance(p, Int):
                count *= int(p.high) - int(p.low) + 1
            else:
                return None
        return count

    # -- the unit-cube map ------------------------------------------------------------------------
    def decode_numeric(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorized decoding of cube points.

        Args:
            u: shape (n, d) or (d,), values outside [0, 1] are clipped.

        Returns:
            ``(values, active)``: numeric values (floats, integers, categorical indices) of the same shape
            as ``u``, and a boolean mask of the active parameters.
        """
        u = np.asarray(u, dtype=float)
        if u.shape[-1] != self.dim:
            raise ValueError(f"Expected cube points with {self.dim} coordinates, got shape {u.shape}.")
        values = self._columns.from_unit(u)
        active = np.ones(u.shape, dtype=bool)
        for j, p, allowed in self._conditions:  # parents come first, so their activity is already known
            active[..., j] = active[..., p] & np.isin(values[..., p], allowed)
        return values, active

    def snap_integers(self, u: np.ndarray) -> np.ndarray:
        """Cube points ``u`` (n, d) or (d,) with each integer coordinate moved to the cube coordinate of the
        value it decodes to (``Int.to_unit`` of that value), so that points decoding to the same integers
        coincide; other coordinates are unchanged. Decoding the result gives the same configurations."""
        u = np.asarray(u, dtype=float)
        if u.shape[-1] != self.dim:
            raise ValueError(f"Expected cube points with {self.dim} coordinates, got shape {u.shape}.")
        return self._columns.snap_integers(u)

    def decode(self, u: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """The configuration at cube point ``u`` (inactive conditional parameters left out)."""
        u = np.asarray(u, dtype=float)
        if u.ndim != 1:
            raise ValueError(f"decode takes one point of shape ({self.dim},), got shape {u.shape}; use decode_batch.")
        return self.decode_batch(u[None, :])[0]

    def decode_batch(self, u: np.ndarray) -> list[dict[str, Any]]:
        values, active = self.decode_numeric(np.atleast_2d(np.asarray(u, dtype=float)))
        params = list(self._params.items())
        return [
            {name: param.value_of(row[j]) for j, (name, param) in enumerate(params) if mask[j]}
            for row, mask in zip(values, active)
        ]

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The cube point of a valid configuration; inactive parameters encode to 0.5.

        Raises:
            ValueError: if the configuration is not inside the space.
        """
        self.validate(config)
        u = np.full(self.dim, _INACTIVE_CODE)
        for j, (name, param) in enumerate(self._params.items()):
            if name in config:
                u[j] = param.to_unit(config[name])
        return u

    def encode_batch(self, configs: Iterable[Mapping[str, Any]]) -> np.ndarray:
        rows = [self.encode(c) for c in configs]
        return np.array(rows, dtype=float).reshape(len(rows), self.dim)

    # -- validity -------------------------------------------------------------------------------
    def is_active(self, name: str, config: Mapping[str, Any]) -> bool:
        cond = self._params[name].condition
        if cond is None:
            return True
        value = config.get(cond.parent, _MISSING)
        return self.is_active(cond.parent, config) and any(_matches(value, v) for v in cond.values)

    def validate(self, config: Mapping[str, Any]) -> None:
        """Raise ``ValueError`` naming the first problem if ``config`` is not a valid configuration."""
        if not isinstance(config, Mapping):
            raise ValueError(f"A configuration must be a dict, got {type(config).__name__}: {config!r}.")
        unknown = [k for k in config if k not in self._params]
        if unknown:
            raise ValueError(f"Unknown parameter(s) {unknown!r}; the space has {list(self._names)!r}.")
        for name, param in self._params.items():
            active = self.is_active(name, config)
            if name not in config:
                if active:
                    raise ValueError(f"Parameter {name!r} is missing from the configuration.")
                continue
            if not active:
                raise ValueError(f"Parameter {name!r} is inactive under {param.condition} but was given.")
            if not param.is_valid(config[name]):
                raise ValueError(f"Parameter {name!r}: {config[name]!r} is outside the space ({param.to_dict()}).")

    def contains(self, config: Mapping[str, Any]) -> bool:
        try:
            self.validate(config)
        except ValueError:
            return False
        return True

    def typed(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """A valid ``config`` with each value of the type its parameter decodes to: an int for an ``Int`` (50.0 gives
        50, as an estimator's ``n_estimators`` needs), a float for a ``Float``, the space's own choice for a
        ``Categorical``; what a method hands the objective for a configuration given to it (a portfolio's)."""
        out = {}
        for name, value in config.items():
            param = self._params[name]
            if isinstance(param, Categorical):
                out[name] = param.choices[param.index(value)]
            elif isinstance(param, Int | Float):
                out[name] = param.value_of(value)
            else:
                out[name] = value
        return out

    def __contains__(self, item: object) -> bool:  # `"C" in space` tests names, as for a Mapping
        return item in self._params

    # -- sampling -------------------------------------------------------------------------------
    def sample_unit(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """``n`` uniform cube points (log-uniform and bin-uniform in the value domain)."""
        return np.random.default_rng(rng).random((n, self.dim))

    def sample(self, n: int | None = None, seed: np.random.Generator | int | None = None):
        """One random configuration, or a list of ``n``."""
        u = self.sample_unit(1 if n is None else n, seed)
        configs = self.decode_batch(u)
        return configs[0] if n is None else configs

    # -- conversions ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, dict[str, Any]]:
        """A JSON-serializable spec; ``SearchSpace.from_dict(space.to_dict()) == space``."""
        return {name: p.to_dict() for name, p in self._params.items()}

    def fingerprint(self) -> str:
        """A short stable hash of the space's definition (names, types, ranges, conditions, order).

        Two spaces share a fingerprint exactly when their ``to_dict`` specs are equal; policies use it to
        recognize a search space they were trained on.
        """
        if self._fingerprint is None:
            spec = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
            self._fingerprint = hashlib.sha256(spec.encode()).hexdigest()[:16]
        return self._fingerprint

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> SearchSpace:
        """Build a space from a plain specification.

        Each value may be a ``Param``; a dict ``{"type": "float"|"int"|"categorical", ...}`` as written by
        ``to_dict``; a list (categorical choices); or a ``(low, high)`` tuple (Int if both are ints, else
        Float), optionally ``(low, high, "log")``.
        """
        if not isinstance(spec, Mapping):
            raise ValueError(f"A search-space spec must be a dict of parameter specs, got {type(spec).__name__}.")
        return cls([(name, _param_from_spec(name, value)) for name, value in spec.items()])


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


#: The keys a dict spec of each type may have besides "type" and "condition".
_SPEC_KEYS = {"float": {"low", "high", "log"}, "int": {"low", "high", "log"}, "categorical": {"choices"}}


def _param_from_spec(name: str, value: Any) -> Param:
    try:
        return _read_param_spec(name, value)
    except InvalidParamError as err:
        raise InvalidParamError(err.problem.named(name), err.problem) from None


def _condition_from_spec(name: str, condition: Any) -> Condition | None:
    """The ``Condition`` of a dict spec's ``"condition"`` entry (``{"parent": ..., "values": [...]}``, as
    ``Condition.to_dict`` writes it); None for none."""
    if not condition:
        return None
    if not isinstance(condition, Mapping) or set(condition) != {"parent", "values"}:
        raise ValueError(
            f"Parameter {name!r}: its condition must be a dict with the keys 'parent' and 'values', e.g. "
            f"{{'parent': 'kernel', 'values': ['rbf']}}; got {condition!r}."
        )
    return Condition(condition["parent"], condition["values"])


def _read_param_spec(name: str, value: Any) -> Param:
    if isinstance(value, Param):
        return value
    if isinstance(value, Mapping):
        spec = dict(value)
        kind = spec.pop("type", None)
        cond = _condition_from_spec(name, spec.pop("condition", None))
        if kind not in _SPEC_KEYS:
            raise ValueError(f"Parameter {name!r}: unknown type {kind!r}; use 'float', 'int' or 'categorical'.")
        unknown = sorted(set(spec) - _SPEC_KEYS[kind], key=str)
        if unknown:  # a misspelt "lg" or an unsupported "step" must not be dropped without a word
            allowed, article = (
                ", ".join(sorted(_SPEC_KEYS[kind] | {"type", "condition"})),
                "an" if kind == "int" else "a",
            )
            raise ValueError(
                f"Parameter {name!r}: unknown keys {unknown} in its spec; {article} {kind} takes {allowed}."
            )
        log = spec.get("log", False)
        if not isinstance(log, bool | np.bool_):  # bool("false") is True
            raise ValueError(f"Parameter {name!r}: 'log' must be true or false, got {log!r}.")
        try:
            if kind == "float":
                return Float(spec["low"], spec["high"], log=bool(log), condition=cond)
            if kind == "int":
                return Int(spec["low"], spec["high"], log=bool(log), condition=cond)
            return Categorical(spec["choices"], condition=cond)
        except KeyError as err:
            raise ValueError(f"Parameter {name!r}: its spec lacks the key {err.args[0]!r}: {value!r}.") from None
    if isinstance(value, list):
        return Categorical(value)
    if isinstance(value, tuple) and len(value) in (2, 3):
        low, high = value[0], value[1]
        if not (_is_real(low) and _is_real(high)):  # ("a", "b"): meant as choices
            raise ValueError(
                f"Parameter {name!r}: a tuple is a (low, high) range of numbers, got {value!r}; give choices as a "
                f"list: {list(value)!r}."
            )
        log = len(value) == 3 and value[2] == "log"
        if len(value) == 3 and value[2] != "log":
            raise ValueError(f"Parameter {name!r}: the third item of a range must be 'log', got {value[2]!r}.")
        ints = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (low, high))
        return Int(low, high, log=log) if ints else Float(low, high, log=log)
    raise ValueError(
        f"Parameter {name!r}: cannot read the spec {value!r}; give a Float/Int/Categorical, a list of choices, "
        "a (low, high) tuple or a dict with a 'type'."
    )


def warn_of_a_space_smaller_than_the_budget(space: SearchSpace, budget: float, *, stacklevel: int = 2) -> None:
    """Warn where a space of Int and Categorical parameters holds fewer configurations than ``budget`` evaluations:
    once every one is evaluated, a method evaluates some again. A careless ``(0, 1)`` range of integers, meant as a
    float between them, is the common cause, so the warning names the Int parameters of two values."""
    most = space.max_configurations()
    if most is None or most >= budget:
        return
    pairs = [name for name, p in space.items() if isinstance(p, Int) and p.high - p.low == 1]
    hint = (
        f"; {', '.join(map(repr, pairs))} {'is an Int' if len(pairs) == 1 else 'are Ints'} of two values: write "
        "(0.0, 1.0) for a float between them"
        if pairs
        else ""
    )
    warnings.warn(
        f"The search space holds at most {most} configurations, fewer than the budget of {budget:g} evaluations, so "
        f"the methods will evaluate some of them again{hint}.",
        stacklevel=stacklevel + 1,
    )


def warn_of_wide_linear_ranges(space: SearchSpace, *, stacklevel: int = 2) -> None:
    """Warn of parameters that a user's own space puts on a linear scale over orders of magnitude
    (``SearchSpace.wide_linear_ranges``). Declared so, a learning rate's good values get a sliver of the range,
    which costs every method: on rbv2_xgboost's validation datasets, declaring its log-scaled parameters linear
    raised the regret at 50 of plain EI from 0.127 to 0.193 and of TPE from 0.161 to 0.232
    (``benchmarks/search_settings/input_warp_linear_scale.sh``). ``stacklevel`` as for ``warnings.warn``, counted
    from the caller of this function."""
    wide = space.wide_linear_ranges()
    if wide:
        names = ", ".join(f"{name!r} ({orders:.1f} orders of magnitude)" for name, orders in wide.items())
        warnings.warn(
            f"The search space puts {names} on a linear scale, where nine draws in ten fall in the top order of "
            "magnitude; if every order matters alike, declare it on a log scale (log=True, or "
            "scipy.stats.loguniform in RLSearchCV).",
            stacklevel=stacklevel + 1,
        )
