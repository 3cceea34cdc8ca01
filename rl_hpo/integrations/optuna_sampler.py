"""``RLSampler``: an Optuna sampler driven by a trained rl_hpo tuning policy.

Optuna has no sampler for this job, so this is the adapter between its ``BaseSampler`` protocol and
``rl_hpo``'s ask/tell optimizers. It is stateless between trials, as Optuna's own model-based samplers
are: every relative sample rebuilds the policy's history from ``study.get_trials()``, so any storage works
(in-memory, RDB, journal) with any number of worker processes (or threads) on one study, the study's record
is the only state, and a trial's proposal depends only on that record, the seed and the trial's number.

What the policy sees:

- **The search space** is inferred from the study's completed trials (``infer_relative_search_space``): every
  parameter with the same distribution in all of them, plus *conditional* ones (define-by-run objectives
  such as ``if clf == "svc": C = trial.suggest_float(...)``). A parameter that only some trials have is
  modelled as conditional on a categorical parameter when the trials show one that decides it (its values
  in the trials with the parameter never occur in the trials without it); a parameter for which no such
  parent exists, or whose distribution changes between trials, is sampled by the independent sampler.
- **Scores**: the objective value, negated for ``minimize``. Failed trials (state FAIL) and pruned ones
  count as the worst score seen (the policy moves away from them, as in training). Other workers' running
  trials are pending: the general policy's GP is conditioned on each as if it scored the GP's mean there (the
  kriging believer, ``SearchSettings.pending``), so that workers running at once spread out (a specialist of the
  per-dimension design draws its moves with noise instead); a proposal that a running trial already evaluates is
  replaced by the policy's next one.
- **Start**: until the study has ``n_startup_trials`` completed trials, parameters come from the independent
  sampler (random search by default), as Optuna's TPE and GP samplers start.

Fallbacks, each said once by a warning: multi-objective studies are sampled by the independent sampler
(the policies maximize one score); so are the parameters the inferred space leaves out.
"""

from __future__ import annotations

import os
import threading
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.samplers import BaseSampler, RandomSampler
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from rl_hpo.agents.policy_file import Policy, load_policy, shipped_policy_for
from rl_hpo.baselines.expected_improvement import CandidateOptimizer
from rl_hpo.baselines.initial_design import initial_design_size
from rl_hpo.optimizer import Optimizer, check_seed, make_optimizer
from rl_hpo.optuna_space import param_of, value_to_optuna, value_to_space
from rl_hpo.space import Condition, Param, SearchSpace
from rl_hpo.tasks.base import Result

__all__ = ["RLSampler"]

_SEEN_STATES = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)
# The general policy's initial design: completed trials before the policy takes over.
_DEFAULT_STARTUP = 5
#: How many times a proposal that another running trial already evaluates is replaced.
_MAX_REPROPOSALS = 3
_MISSING = object()


class RLSampler(BaseSampler):
    """Sample Optuna trials with a trained rl_hpo policy (method ``ppo``; default: the shipped one).

    Example::

        import optuna
        from rl_hpo.integrations import RLSampler

        study = optuna.create_study(direction="maximize", sampler=RLSampler(seed=0))
        study.optimize(objective, n_trials=40)

    Args:
        policy: ``"default"`` (the policy the package ships for the inferred space: the general policy, or a
            specialist trained on that very space) or a policy folder.
        seed: seeds every start-up draw and policy decision; with a seed, a sequential study is reproducible,
            and each draw depends on the seed and the trial's number, so that processes sharing a study with
            the same seed draw different trials.
        n_startup_trials: completed trials sampled by ``independent_sampler`` before the policy takes over
            (default: 5, the general policy's initial design, and 10 on a space of more than 32 parameters).
        independent_sampler: samples what the policy does not: the start-up trials, parameters left out of
            the inferred space, multi-objective studies (default: ``optuna.samplers.RandomSampler(seed)``).
        horizon: the number of trials the policy plans for (default: the policy's training budget, 50).
        warn_independent_sampling: warn (once per parameter) when a parameter is left to the independent sampler.

    Raises:
        PolicyFileError: if ``policy`` is a folder without a readable policy (when the sampler is made, before
            any trial runs).
    """

    def __init__(
        self,
        *,
        policy: str | os.PathLike[str] = "default",
        seed: int | None = None,
        n_startup_trials: int | None = None,
        independent_sampler: BaseSampler | None = None,
        horizon: int | None = None,
        warn_independent_sampling: bool = True,
    ) -> None:
        if n_startup_trials is not None and (not isinstance(n_startup_trials, int) or n_startup_trials < 1):
            raise ValueError(
                f"The 'n_startup_trials' parameter of RLSampler must be an int >= 1 or None. Got {n_startup_trials!r} "
                "instead."
            )
        check_seed(seed, "RLSampler")
        if horizon is not None and (not isinstance(horizon, int) or horizon < 1):
            raise ValueError(
                f"The 'horizon' parameter of RLSampler must be an int >= 1 or None. Got {horizon!r} instead."
            )
        self.policy = policy
        self.seed = seed
        self.n_startup_trials = n_startup_trials
        self.horizon = horizon
        self.warn_independent_sampling = warn_independent_sampling
        self._independent = independent_sampler or RandomSampler(seed=seed)
        # With a seed and the default independent sampler, a start-up trial's draws depend on the seed and the
        # trial's number, as the policy's proposals do: processes sharing a study then draw different trials.
        self._draws_per_trial = independent_sampler is None
        self._warned: set[str] = set()
        self._policies: dict[str, Policy] = {}
        if policy != "default":  # a missing or corrupt policy fails here, not after the start-up trials
            self._policies[str(policy)] = load_policy(policy)
        self._lock = threading.Lock()

    # -- the Optuna sampler protocol ------------------------------------------------------------------
    def reseed_rng(self) -> None:
        self._independent.reseed_rng()
        self.seed = int(np.random.SeedSequence().generate_state(1)[0])

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        if study._is_multi_objective():
            self._warn_once(
                "multi-objective",
                "RLSampler tunes one objective; this multi-objective study is sampled by the independent sampler "
                f"({type(self._independent).__name__}).",
            )
            return {}
        trials = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,), use_cache=True)
        if len(trials) < self._startup():
            return {}
        inferred = _inferred_space(trials)
        if inferred.space is not None and len(trials) < self._startup(inferred.space):
            return {}  # a space of many parameters starts from more random trials
        return inferred.distributions

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        completed = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,), use_cache=True)
        inferred = _inferred_space(completed)
        if inferred.distributions != search_space:  # Optuna passes back what infer_relative_search_space gave
            inferred = _inferred_space(completed, only=search_space)
        if inferred.space is None:
            return {}
        seen = study._get_trials(deepcopy=False, states=_SEEN_STATES, use_cache=True)
        # A fresh optimizer per trial, told every past trial: what it proposes depends on the study's record,
        # the seed and the trial's number only, whichever process or thread asks.
        optimizer = self._optimizer(inferred.space, trial.number, self._startup(inferred.space))
        sign = -1.0 if study.direction == StudyDirection.MINIMIZE else 1.0
        for past in seen:
            config = inferred.config_of(past.params)
            if config is None:
                continue  # a failed trial that stopped before suggesting every active parameter
            if past.state == TrialState.COMPLETE:
                value = past.value
                assert value is not None  # a complete trial of a single-objective study (study.direction) has one
                result = Result(score=sign * float(value))
            else:
                result = Result.failure(past.state.name.lower())
            optimizer.observe(config, result)
        # Other workers' running trials are pending: the policy's GP believes each at its predicted mean, so that
        # workers running at once spread out (``SearchSettings.pending``).
        running = study._get_trials(deepcopy=False, states=(TrialState.RUNNING,), use_cache=False)
        held = [inferred.config_of(t.params) for t in running if t.number != trial.number]
        if isinstance(optimizer, CandidateOptimizer):
            optimizer.hold([config for config in held if config is not None])
        # A candidate on the edge of a range or on an integer's bin can recur: if another trial, finished or
        # running in another process, already holds this proposal, propose again (the first proposal pending),
        # a few times at most. The trials are read after each proposal, so that a process that decided while
        # this one did is seen too (only proposals made within milliseconds of each other can still coincide).
        for _ in range(_MAX_REPROPOSALS + 1):
            proposal = inferred.to_optuna(optimizer.ask().config)
            taken = [
                t.params
                for t in study._get_trials(deepcopy=False, states=None, use_cache=False)
                if t.number != trial.number
            ]
            if not any(all(params.get(k, _MISSING) == v for k, v in proposal.items()) for params in taken):
                break
        return proposal

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        completed = study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,), use_cache=True)
        if (
            len(completed) >= self._startup()
            and not study._is_multi_objective()
            and len(completed) >= self._startup(_inferred_space(completed).space)  # past the start-up trials
            and any(param_name in t.distributions for t in completed)  # a parameter new to the study is no news
        ):
            self._warn_once(
                param_name,
                f"RLSampler leaves the parameter {param_name!r} to the independent sampler "
                f"({type(self._independent).__name__}): its distribution varies between trials, or it appears in "
                "only some trials without a categorical parameter that decides when.",
            )
        sampler = self._independent
        if self._draws_per_trial and self.seed is not None:
            sampler = RandomSampler(seed=_trial_seed(self.seed, trial.number, param_name))
        return sampler.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._independent.before_trial(study, trial)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        self._independent.after_trial(study, trial, state, values)

    # -- helpers ----------------------------------------------------------------------------------------
    def _startup(self, space: SearchSpace | None = None) -> int:
        """The start-up trials: ``n_startup_trials`` if given, else 5, or as many as ``initial_design_size`` asks
        on ``space`` (10 beyond 32 parameters)."""
        if self.n_startup_trials is not None:
            return self.n_startup_trials
        return _DEFAULT_STARTUP if space is None else initial_design_size(space, _DEFAULT_STARTUP)

    def _optimizer(self, space: SearchSpace, trial_number: int, n_initial: int) -> Optimizer:
        """The policy's optimizer for one trial: seeded by the sampler's seed and the trial number, with an
        initial design no longer than the start-up trials (the policy decides from the first trial after them)."""
        seed = (
            None if self.seed is None else int(np.random.SeedSequence([self.seed, trial_number]).generate_state(1)[0])
        )
        path = str(shipped_policy_for(space) if self.policy == "default" else self.policy)
        with self._lock:  # study.optimize(n_jobs=...) samples from threads
            if path not in self._policies:
                self._policies[path] = load_policy(path)
        options: dict[str, Any] = {"policy": self._policies[path], "portfolio": None, "n_initial": n_initial}
        if self.horizon is not None:
            options["horizon"] = self.horizon
        return make_optimizer("ppo", space, seed=seed, **options)

    def _warn_once(self, key: str, message: str) -> None:
        if self.warn_independent_sampling and key not in self._warned:
            self._warned.add(key)
            warnings.warn(message, UserWarning, stacklevel=3)


# -- Optuna distributions <-> rl_hpo parameters ----------------------------------------------------------
@dataclass
class _InferredSpace:
    """The relative search space: Optuna's distributions, the rl_hpo space the policy tunes, and the maps."""

    distributions: dict[str, BaseDistribution]
    space: SearchSpace | None  # None when no parameter can be modelled (everything is sampled independently)

    def config_of(self, params: Mapping[str, Any]) -> dict[str, Any] | None:
        """A trial's parameters as a configuration of ``space`` (None if they are not one)."""
        space = self.space
        assert space is not None  # callers map trials only where some parameter is modelled
        config = {}
        for name, dist in self.distributions.items():
            if name in params:
                config[name] = value_to_space(dist, params[name])
        config = {n: v for n, v in config.items() if space.is_active(n, config)}
        try:
            space.validate(config)
        except ValueError:
            return None
        return config

    def to_optuna(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {name: value_to_optuna(self.distributions[name], value) for name, value in config.items()}


def _inferred_space(
    trials: Sequence[FrozenTrial], only: Mapping[str, BaseDistribution] | None = None
) -> _InferredSpace:
    """The union of the trials' parameters that the policy can model (see the module docstring)."""
    counts: dict[str, int] = {}
    dists: dict[str, BaseDistribution | None] = {}
    for t in trials:
        for name, dist in t.distributions.items():
            counts[name] = counts.get(name, 0) + 1
            if name in dists and dists[name] != dist:
                dists[name] = None  # the distribution changes between trials: left to the independent sampler
            else:
                dists.setdefault(name, dist)
    modelled = {n for n, d in dists.items() if d is not None and not d.single()}
    names = [n for n in sorted(counts, key=lambda n: -counts[n]) if n in modelled]
    if only is not None:
        names = [n for n in names if n in only]
    params: list[tuple[str, Param]] = []
    kept: dict[str, BaseDistribution] = {}
    for name in names:
        kept_dist = dists[name]
        assert kept_dist is not None
        condition = None
        if counts[name] < len(trials):
            condition = _condition_for(name, trials, kept)
            if condition is None:
                continue
        params.append((name, param_of(kept_dist, condition)))
        kept[name] = kept_dist
    return _InferredSpace(kept, SearchSpace(params) if params else None)


def _condition_for(
    name: str, trials: Sequence[FrozenTrial], parents: Mapping[str, BaseDistribution]
) -> Condition | None:
    """A categorical parent whose values tell exactly when ``name`` is suggested, if the trials show one."""
    for parent, dist in parents.items():
        if not isinstance(dist, CategoricalDistribution):
            continue
        with_it: set[int] = set()  # indices of the parent's choices
        without_it: set[int] = set()
        for t in trials:
            if parent in t.params:
                # to_internal_repr is typed float; for a categorical distribution it returns the choice's index
                index = int(dist.to_internal_repr(t.params[parent]))
                (with_it if name in t.params else without_it).add(index)
            elif name in t.params:
                break  # the parameter occurs without this parent
        else:
            if with_it and not (with_it & without_it):
                return Condition(parent, [dist.choices[i] for i in sorted(with_it)])
    return None


def _trial_seed(seed: int, number: int, param_name: str) -> int:
    """The seed of one start-up draw: the sampler's seed, the trial's number and the parameter's name."""
    name = zlib.crc32(param_name.encode("utf-8"))
    return int(np.random.SeedSequence([int(seed), int(number), name]).generate_state(1)[0])
