"""A ``SearchSpace`` as Optuna distributions and back, and define-by-run sampling through an Optuna trial.

The adapter the Optuna-based baselines (``rl_hpo.baselines.optuna_samplers``) and the Optuna sampler
(``rl_hpo.integrations.RLSampler``) run on; it imports Optuna when called, so ``rl_hpo.space`` itself never
needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rl_hpo.space import Categorical, Condition, Float, Int, Param, SearchSpace

__all__ = [
    "config_from_optuna",
    "config_to_optuna",
    "from_optuna",
    "param_of",
    "suggest",
    "to_optuna",
    "value_to_optuna",
    "value_to_space",
]


def to_optuna(space: SearchSpace) -> dict[str, Any]:
    """Optuna distributions for every parameter (conditions are dropped; see ``suggest``). A categorical parameter
    is the index of its choice: Optuna's samplers model a categorical by that index anyway, and its trials copy and
    compare their values, which choices such as estimator objects do not survive (``config_to_optuna`` and
    ``suggest`` map values both ways)."""
    import optuna.distributions as od

    out: dict[str, Any] = {}
    for name, p in space.items():
        if isinstance(p, Float):
            out[name] = od.FloatDistribution(float(p.low), float(p.high), log=p.log)
        elif isinstance(p, Int):
            out[name] = od.IntDistribution(int(p.low), int(p.high), log=p.log)
        else:
            assert isinstance(p, Categorical)
            out[name] = od.CategoricalDistribution(list(range(len(p.choices))))
    return out


def from_optuna(distributions: Mapping[str, Any]) -> SearchSpace:
    """The search space of Optuna distributions (stepped ones are refused: the space has no steps)."""
    params: list[tuple[str, Param]] = []
    for name, d in distributions.items():
        if _stepped(d):
            raise ValueError(f"Parameter {name!r}: stepped distributions ({d!r}) are not supported.")
        try:
            params.append((name, param_of(d)))
        except ValueError as err:
            raise ValueError(f"Parameter {name!r}: {err}") from None
    return SearchSpace(params)


def param_of(dist: Any, condition: Condition | None = None) -> Param:
    """The parameter of one Optuna distribution. A stepped distribution becomes the index of its grid
    point (``Int(0, n_steps)``); ``value_to_space`` and ``value_to_optuna`` map values both ways."""
    import optuna.distributions as od

    if isinstance(dist, od.CategoricalDistribution):
        return Categorical(dist.choices, condition=condition)
    if isinstance(dist, od.IntDistribution):
        if dist.step != 1:
            return Int(0, (dist.high - dist.low) // dist.step, condition=condition)
        return Int(dist.low, dist.high, log=dist.log, condition=condition)
    if isinstance(dist, od.FloatDistribution):
        if dist.step is not None:
            return Int(0, round((dist.high - dist.low) / dist.step), condition=condition)
        return Float(dist.low, dist.high, log=dist.log, condition=condition)
    raise ValueError(f"Unsupported Optuna distribution {dist!r}.")


def value_to_space(dist: Any, value: Any) -> Any:
    """An Optuna value of ``dist`` as a value of ``param_of(dist)``."""
    return round((value - dist.low) / dist.step) if _stepped(dist) else value


def value_to_optuna(dist: Any, value: Any) -> Any:
    """A value of ``param_of(dist)`` as an Optuna value of ``dist``."""
    import optuna.distributions as od

    if isinstance(dist, od.IntDistribution):
        return int(dist.low + value * dist.step) if dist.step != 1 else int(value)
    if isinstance(dist, od.FloatDistribution):
        return float(min(dist.high, dist.low + value * dist.step)) if dist.step is not None else float(value)
    return value


def _stepped(dist: Any) -> bool:
    import optuna.distributions as od

    return (isinstance(dist, od.IntDistribution) and dist.step != 1) or (
        isinstance(dist, od.FloatDistribution) and dist.step is not None
    )


def suggest(space: SearchSpace, trial: Any) -> dict[str, Any]:
    """Sample a configuration through an Optuna trial, define-by-run, so conditions are respected."""
    config: dict[str, Any] = {}
    dists = to_optuna(space)
    for name, p in space.items():
        if space.is_active(name, config):
            config[name] = _from_optuna(p, trial._suggest(name, dists[name]))
    return config


def config_to_optuna(space: SearchSpace, config: Mapping[str, Any]) -> dict[str, Any]:
    """A configuration's values as the distributions of ``to_optuna(space)`` hold them (a choice's index)."""
    return {name: _as_optuna(space[name], value) for name, value in config.items()}


def config_from_optuna(space: SearchSpace, params: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration of an Optuna trial's ``params`` under ``to_optuna(space)`` (``config_to_optuna`` undone)."""
    return {name: _from_optuna(space[name], value) for name, value in params.items()}


def _as_optuna(param: Param, value: Any) -> Any:
    return param.index(value) if isinstance(param, Categorical) else value


def _from_optuna(param: Param, value: Any) -> Any:
    return param.choices[value] if isinstance(param, Categorical) else value
