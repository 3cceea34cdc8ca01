"""A ``SearchSpace`` as Optuna distributions and back, and define-by-run sampling through an Optuna trial.

The adapter the Optuna-based baselines (``rl_hpo.baselines.optuna_samplers``) run on; it imports Optuna when
called, so ``rl_hpo.space`` itself never needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rl_hpo.space import Categorical, Float, Int, Param, SearchSpace

__all__ = ["from_optuna", "suggest", "to_optuna"]


def to_optuna(space: SearchSpace) -> dict[str, Any]:
    """Optuna distributions for every parameter (conditions are dropped; see ``suggest``)."""
    import optuna.distributions as od

    out: dict[str, Any] = {}
    for name, p in space.items():
        if isinstance(p, Float):
            out[name] = od.FloatDistribution(float(p.low), float(p.high), log=p.log)
        elif isinstance(p, Int):
            out[name] = od.IntDistribution(int(p.low), int(p.high), log=p.log)
        else:
            assert isinstance(p, Categorical)
            out[name] = od.CategoricalDistribution(list(p.choices))
    return out


def from_optuna(distributions: Mapping[str, Any]) -> SearchSpace:
    """The search space of Optuna distributions (stepped ones are refused: the space has no steps)."""
    import optuna.distributions as od

    params: list[tuple[str, Param]] = []
    for name, d in distributions.items():
        if isinstance(d, od.FloatDistribution):
            if d.step is not None:
                raise ValueError(f"Parameter {name!r}: stepped float distributions are not supported.")
            params.append((name, Float(d.low, d.high, log=d.log)))
        elif isinstance(d, od.IntDistribution):
            if d.step != 1:
                raise ValueError(f"Parameter {name!r}: int distributions with step {d.step} are not supported.")
            params.append((name, Int(d.low, d.high, log=d.log)))
        elif isinstance(d, od.CategoricalDistribution):
            params.append((name, Categorical(d.choices)))
        else:
            raise ValueError(f"Parameter {name!r}: unsupported Optuna distribution {d!r}.")
    return SearchSpace(params)


def suggest(space: SearchSpace, trial: Any) -> dict[str, Any]:
    """Sample a configuration through an Optuna trial, define-by-run, so conditions are respected."""
    config: dict[str, Any] = {}
    dists = to_optuna(space)
    for name in space.names:
        if space.is_active(name, config):
            config[name] = trial._suggest(name, dists[name])
    return config
