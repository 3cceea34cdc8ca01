"""Optuna's TPE, GP and CMA-ES samplers behind the rl_hpo optimizer protocol.

The reference implementations beat our own copies for a fair comparison, so each optimizer here drives
an in-memory Optuna study through Optuna's own ask/tell interface:

- ``ask``: ``study.ask()``, then ``rl_hpo.optuna_space.suggest(space, trial)`` (define-by-run, so a
  conditional parameter is suggested only while it is active and Optuna never sees an inactive value);
- ``tell``: ``study.tell(trial, score)``, or ``study.tell(trial, state=TrialState.FAIL)`` for a failed
  trial.

The shared initial design: every sampler's random start-up trials are replaced by the first
``n_startup_trials`` configurations of ``initial_design(space, n, seed)``, each enqueued with
``study.enqueue_trial`` just before the ``ask`` that takes it, so TPE, GP, CMA-ES and random search share
their first trials per seed. Trials told with ``observe`` take the places of start-up trials: a study that
holds ``n_startup_trials`` trials already (observed ones included) asks no more of the design.

Logging: Optuna announces every new study at INFO level. The calls into Optuna run with Optuna's
verbosity raised to WARNING and restored afterwards, so the user's setting survives (not thread-safe:
two threads changing Optuna's verbosity at once may leave either value).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from rl_hpo.baselines.initial_design import initial_design
from rl_hpo.optimizer import Optimizer, Trial
from rl_hpo.optuna_space import config_to_optuna, suggest, to_optuna
from rl_hpo.space import Int, SearchSpace
from rl_hpo.tasks.base import Fidelity, Result

if TYPE_CHECKING:
    import optuna

__all__ = ["CMAES", "GP", "TPE", "OptunaSamplerOptimizer"]


@contextlib.contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Hide Optuna's INFO chatter for the duration of a call, then restore the user's verbosity."""
    import optuna

    previous = optuna.logging.get_verbosity()
    if previous < optuna.logging.WARNING:  # only ever make Optuna quieter, never louder
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


class OptunaSamplerOptimizer(Optimizer):
    """Base class: an Optuna sampler driven through ``study.ask`` / ``study.tell``.

    Subclasses set ``name`` and ``default_n_startup_trials`` and build the sampler in ``_make_sampler``.

    Args:
        space: the search space.
        seed: seeds the Optuna sampler and selects the shared initial design.
        fidelity: ignored (single-fidelity method).
        n_startup_trials: how many trials come from the shared initial design before the sampler's model
            takes over; passed to the sampler as its own ``n_startup_trials``. If some of them fail, the
            sampler keeps sampling at random (from its own seeded generator) until that many succeeded.
            Observed trials (``observe``) count among them, so a warm start shortens the design.
        **sampler_options: further keyword options of the Optuna sampler (e.g. ``n_ei_candidates`` for
            TPE), for studies that depart from the defaults.

    Raises:
        ValueError: if ``n_startup_trials`` is not an int >= 0.
    """

    default_n_startup_trials: ClassVar[int] = 10
    can_observe: ClassVar[bool] = True

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        n_startup_trials: int | None = None,
        **sampler_options: Any,
    ) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity)
        import optuna

        if n_startup_trials is None:
            n_startup_trials = self.default_n_startup_trials
        if not isinstance(n_startup_trials, int) or isinstance(n_startup_trials, bool) or n_startup_trials < 0:
            raise ValueError(
                f"The 'n_startup_trials' parameter of {type(self).__name__} must be an int in [0, inf). "
                f"Got {n_startup_trials!r} instead."
            )
        self.n_startup_trials = n_startup_trials
        self.sampler_options = dict(sampler_options)
        with warnings.catch_warnings(), _quiet_optuna():
            # GPSampler was experimental before Optuna 5; the warning says nothing about our use of it.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = self._make_sampler(seed, n_startup_trials, self.sampler_options)
            self.study_: optuna.Study = optuna.create_study(direction="maximize", sampler=sampler)
        self._design = [space.decode(u) for u in initial_design(space, n_startup_trials, seed)]
        self._n_design_asked = 0
        self._running: dict[int, optuna.Trial] = {}

    def _make_sampler(
        self, seed: int | None, n_startup_trials: int, options: dict[str, Any]
    ) -> optuna.samplers.BaseSampler:
        raise NotImplementedError

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        with _quiet_optuna():
            n_trials = len(self.study_.get_trials(deepcopy=False))  # asked and observed
            if n_trials < self.n_startup_trials and self._n_design_asked < len(self._design):
                self.study_.enqueue_trial(config_to_optuna(self.space, self._design[self._n_design_asked]))
                self._n_design_asked += 1
            trial = self.study_.ask()
            config = suggest(self.space, trial)
        self._running[trial_id] = trial
        return config, None

    def _tell(self, trial: Trial, result: Result) -> None:
        from optuna.trial import TrialState

        optuna_trial = self._running.pop(trial.id)
        with _quiet_optuna():
            if result.failed:
                # Optuna's samplers leave FAIL trials out of their models: a failure teaches them nothing,
                # neither good nor bad, and the run goes on.
                self.study_.tell(optuna_trial, state=TrialState.FAIL)
            else:
                self.study_.tell(optuna_trial, float(result.score))

    def _cancel(self, trial: Trial) -> None:
        from optuna.trial import TrialState

        with _quiet_optuna():  # a trial never evaluated: FAIL, which Optuna's samplers leave out
            self.study_.tell(self._running.pop(trial.id), state=TrialState.FAIL)

    def _observe(self, config: dict[str, Any], result: Result) -> None:
        """Add the trial to the study as a finished one (a failed one as FAIL), with only the configuration's
        active parameters, as ``suggest`` would have given them."""
        import optuna
        from optuna.trial import TrialState

        dists = to_optuna(self.space)
        params = config_to_optuna(self.space, {name: config[name] for name in self.space.names if name in config})
        frozen = optuna.trial.create_trial(
            params=params,
            distributions={name: dists[name] for name in params},
            value=None if result.failed else float(result.score),
            state=TrialState.FAIL if result.failed else TrialState.COMPLETE,
            system_attrs={"rl_hpo:observed": True},
        )
        self.study_.add_trial(frozen)


class TPE(OptunaSamplerOptimizer):
    """Tree-structured Parzen estimator: Optuna's ``TPESampler`` with its default settings.

    References:
        Bergstra, Bardenet, Bengio and Kégl, "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011;
        Falkner, Klein and Hutter, "BOHB: Robust and Efficient Hyperparameter Optimization at Scale",
        ICML 2018 (the multivariate variant); Watanabe, "Tree-Structured Parzen Estimator: Understanding
        Its Algorithm Components and Their Roles for Better Empirical Performance", arXiv:2304.11127.

    Settings are Optuna's defaults (Optuna 5.0): multivariate TPE for a single objective, 24 expected-
    improvement candidates, ``gamma(n) = min(ceil(0.1 n), 25)``, the prior on, the constant liar for
    running trials, and 10 start-up trials, which here are the shared initial design. Conditional
    parameters: parameters outside the search space shared by all past trials are sampled by univariate
    TPE. Failed trials are told as FAIL and left out of the model.
    """

    name = "tpe"

    def _make_sampler(
        self, seed: int | None, n_startup_trials: int, options: dict[str, Any]
    ) -> optuna.samplers.BaseSampler:
        import optuna

        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_startup_trials, **options)


#: The most values an integer parameter of ``gp`` may take: Optuna's GPSampler lists every value of each integer
#: parameter at every decision (``optuna._gp.search_space.get_choices_of_discrete_params``), eight bytes each, so an
#: ``Int(1, 10**9)`` asks for 7.5 GB. 2**24 values take 134 MB.
MAX_GP_INT_VALUES = 2**24


class GP(OptunaSamplerOptimizer):
    """Gaussian-process Bayesian optimization: Optuna's ``GPSampler`` with its default settings.

    References:
        Snoek, Larochelle and Adams, "Practical Bayesian Optimization of Machine Learning Algorithms",
        NeurIPS 2012; Jones, Schonlau and Welch, "Efficient Global Optimization of Expensive Black-Box
        Functions", J. Global Optim. 1998 (expected improvement).

    Settings are Optuna's defaults (Optuna 5.0): a Matérn-5/2 ARD kernel whose hyperparameters are fitted
    by maximum a posteriori (Gamma priors on scale and noise), the log expected improvement (qLogEI while
    trials are running) maximized from the best past point and 2,048 QMC candidates followed by 10 local
    L-BFGS-B searches (batched where the ``greenlet`` package is installed, sequential otherwise), a
    noisy objective (``deterministic_objective=False``), and 10 start-up trials, which here are the
    shared initial design. Conditional parameters: parameters outside the search space shared by all past trials are
    sampled at random by the independent sampler (the warning Optuna logs for each is switched off).
    Failed trials are told as FAIL and left out of the model. Its cost grows with the trials: hundreds
    of milliseconds per ``ask`` at 100 trials.
    """

    name = "gp"

    def _make_sampler(
        self, seed: int | None, n_startup_trials: int, options: dict[str, Any]
    ) -> optuna.samplers.BaseSampler:
        import optuna

        for name, param in self.space.items():
            if isinstance(param, Int) and param.high - param.low + 1 > MAX_GP_INT_VALUES:
                raise ValueError(
                    f"gp (Optuna's GPSampler) lists every value of an integer parameter at each decision, and "
                    f"{name!r} has {param.high - param.low + 1:,} (at most {MAX_GP_INT_VALUES:,}): declare it a Float "
                    "and round it in the objective, or use another method (ei, ppo and tpe take it as it is)."
                )
        options = {"warn_independent_sampling": False, **options}
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=n_startup_trials, **options)


class CMAES(OptunaSamplerOptimizer):
    """Covariance matrix adaptation evolution strategy: Optuna's ``CmaEsSampler`` with its defaults.

    References:
        Hansen, "The CMA Evolution Strategy: A Tutorial", arXiv:1604.00772 (2016); Hamano, Saito,
        Nomura and Shirakawa, "CMA-ES with Margin: Lower-Bounding Marginal Probability for Mixed-Integer
        Black-Box Optimization", GECCO 2022 (used by Optuna only when ``with_margin=True``).

    Settings are Optuna's defaults (Optuna 5.0): the mean starts at the centre of the (log-scaled) space,
    ``sigma0`` is a sixth of the smallest range, population ``4 + floor(3 ln d)``, no restarts, and one
    start-up trial, which here is the first configuration of the shared initial design. Categorical
    parameters, conditional ones and one-dimensional spaces are outside what CMA-ES models: Optuna samples
    them at random with its independent sampler (the warning it logs for each is switched off). Failed
    trials are told as FAIL and skipped by the evolution strategy.
    """

    name = "cmaes"
    default_n_startup_trials = 1

    def _make_sampler(
        self, seed: int | None, n_startup_trials: int, options: dict[str, Any]
    ) -> optuna.samplers.BaseSampler:
        import optuna

        options = {"warn_independent_sampling": False, **options}
        return optuna.samplers.CmaEsSampler(seed=seed, n_startup_trials=n_startup_trials, **options)
