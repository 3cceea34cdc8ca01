"""The optimizer protocol: ``ask() -> Trial``, ``tell(trial, result)``, and ``optimize`` as a thin loop.

Every method in rl_hpo (random search, the Bayesian and bandit baselines, the PPO policy) subclasses
``Optimizer`` and implements two hooks, ``_ask(trial_id)`` and ``_tell(trial, result)``; the base class
keeps the contract: trial ids, pending trials, errors for unknown or repeated ``tell`` calls, failed
results, and the evaluation loop.

Failed trials: a result whose score is NaN or infinite (or an objective that raised) is a failed trial.
``tell`` passes it to ``_tell`` as a ``Result`` whose ``failed`` is True and each method documents what it
does with it; the run goes on.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import math
import numbers
import re
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from rl_hpo.exceptions import AllTrialsFailedError, DataNotFoundError, TuningInterrupted, UnknownOptionError
from rl_hpo.history import History
from rl_hpo.parallel import ParallelEvaluator, check_workers
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity, Result, Task, as_number
from rl_hpo.tasks.timeout import ObjectiveError

#: How many of its last frames a failed trial's traceback keeps (``Result.info["traceback"]``).
_TRACEBACK_FRAMES = 5

__all__ = [
    "Optimizer",
    "Trial",
    "available_optimizers",
    "check_budget",
    "evaluate_safely",
    "make_optimizer",
    "register_optimizer",
]


@dataclass(frozen=True)
class Trial:
    """One configuration to evaluate, at ``fidelity`` (None: the task's highest)."""

    id: int
    config: dict[str, Any]
    fidelity: float | None = None
    info: dict[str, Any] = field(default_factory=dict, compare=False)


class Optimizer(ABC):
    """Base class of every optimizer: ask/tell with a checked contract, and ``optimize``.

    Args:
        space: the search space.
        seed: seeds the optimizer's own random generator; the same seed gives the same trials.
        fidelity: the task's fidelity dimension; required by multi-fidelity methods, ignored by the others.
    """

    name: ClassVar[str] = "optimizer"
    #: Multi-fidelity methods need a task with a fidelity and choose the fidelity of every trial.
    multi_fidelity: ClassVar[bool] = False
    #: Whether ``observe`` can warm-start the method with results of trials it did not ask for.
    can_observe: ClassVar[bool] = False

    def __init__(self, space: SearchSpace, *, seed: int | None = None, fidelity: Fidelity | None = None) -> None:
        if not isinstance(space, SearchSpace):
            raise TypeError(f"space must be a SearchSpace, got {type(space).__name__}.")
        check_seed(seed, type(self).__name__)
        if self.multi_fidelity and fidelity is None:
            raise ValueError(
                f"{self.name} is a multi-fidelity method and needs a fidelity (e.g. epochs or a train-set fraction): "
                "a task that has one (for a function, FunctionTask(objective, space, fidelity=Fidelity(...))), or "
                "fidelity= (a Fidelity) for ask/tell. Use a single-fidelity method such as tpe otherwise."
            )
        if fidelity is not None and not isinstance(fidelity, Fidelity):
            raise TypeError(
                f"The 'fidelity' parameter of {type(self).__name__} must be a Fidelity (e.g. Fidelity('epochs', 1, 27, "
                f"integer=True)) or None. Got {type(fidelity).__name__} {fidelity!r} instead."
            )
        self.space = space
        self.seed = seed
        self.fidelity = fidelity
        self._n_asked = 0
        self._pending: dict[int, Trial] = {}
        self._told: dict[int, Trial] = {}
        self._cancelled: set[int] = set()

    # -- the contract -----------------------------------------------------------------------------
    def ask(self) -> Trial:
        """Propose the next trial."""
        trial_id = self._n_asked
        config, fidelity = self._ask(trial_id)
        trial = Trial(trial_id, config, fidelity)
        self._n_asked += 1
        self._pending[trial_id] = trial
        return trial

    def tell(self, trial: Trial, result: Result | float) -> None:
        """Report the result of a trial returned by ``ask``.

        Raises:
            ValueError: if the trial was not asked by this optimizer or was already told.
        """
        if self._told.get(trial.id) == trial:
            raise ValueError(f"Trial {trial.id} was already told; each trial is told once.")
        if trial.id in self._cancelled:
            raise ValueError(f"Trial {trial.id} was cancelled; a cancelled trial is not told.")
        if self._pending.get(trial.id) != trial:
            raise ValueError(f"Trial {trial.id} was not asked by this optimizer; tell only trials from its ask().")
        result = _as_result(result)
        del self._pending[trial.id]
        self._told[trial.id] = trial
        self._tell(trial, result)

    def cancel(self, trial: Trial) -> None:
        """Drop a trial that was asked and will never be told (its worker died, the run stopped before evaluating
        it): it no longer counts as pending (``ei`` and ``ppo`` stop believing it; an Optuna-based method marks it
        failed, which its sampler leaves out). Telling it afterwards is refused.

        Raises:
            ValueError: if the trial is not pending (not asked by this optimizer, or told or cancelled already).
        """
        if self._pending.get(trial.id) != trial:
            raise ValueError(f"Trial {trial.id} is not pending; cancel only trials from ask() that were not told.")
        del self._pending[trial.id]
        self._cancelled.add(trial.id)
        self._cancel(trial)

    def _cancel(self, trial: Trial) -> None:  # noqa: B027 (a hook)
        """Forget a pending trial (``cancel``; default: nothing to forget)."""

    def observe(self, config: Mapping[str, Any], result: Result | float) -> None:
        """Learn from a configuration evaluated elsewhere, at the highest fidelity (a warm start, such as a
        portfolio's results). What a method makes of it is its own: ``ppo`` counts it as its initial design
        and moves on from the best one observed; Optuna-based methods add it to their study (their own
        start-up trials still come first unless ``n_startup_trials`` is lowered, as ``Portfolio`` does);
        methods whose proposals ignore results accept it and change nothing.

        Raises:
            TypeError: if the method cannot learn from trials it did not ask for (``can_observe`` is False).
            ValueError: if ``config`` is not a configuration of the space (naming the problem).
        """
        if not self.can_observe:
            raise TypeError(
                f"{type(self).__name__} ({self.name!r}) learns only from trials it asked for and cannot observe "
                "others; warm-start an Optuna-based method ('tpe', 'gp'), 'ppo', or one that ignores results."
            )
        self.space.validate(config)
        self._observe(dict(config), _as_result(result))

    def plan(self, budget: float) -> None:  # noqa: B027 (a hook: most methods need no budget)
        """Called by ``optimize`` with the run's budget before its first trial; methods that plan for a
        horizon override it (default: nothing)."""

    @abstractmethod
    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        """Return ``(config, fidelity)`` of the next trial."""

    @abstractmethod
    def _tell(self, trial: Trial, result: Result) -> None:
        """Learn from a finished trial (``result.failed`` marks a failed one)."""

    def _observe(self, config: dict[str, Any], result: Result) -> None:  # noqa: B027 (a hook)
        """Learn from a trial asked elsewhere (only called where ``can_observe``; default: ignore it)."""

    # -- the loop ---------------------------------------------------------------------------------
    def optimize(
        self,
        task: Task,
        budget: float,
        *,
        callback: Callable[[History, Trial, Result], None] | None = None,
        history: History | None = None,
        progress: bool = False,
        batch: int = 1,
        workers: int = 1,
        pending: Sequence[Trial] = (),
    ) -> History:
        """Ask, evaluate and tell until ``budget`` full-fidelity-equivalent evaluations are spent.

        Args:
            task: what to tune; its space should be the optimizer's space.
            budget: full-fidelity-equivalent evaluations (an evaluation at fidelity f costs f / f_max).
            callback: called after every trial with ``(history, trial, result)``.
            history: continue an existing history (e.g. a resumed journal) instead of a new one; the caller has then
                planned the run (``plan``), as ``tune`` does with the budget a journal recorded.
            progress: show a progress bar on the terminal.
            batch: trials asked before the first of them is told, as ``batch`` workers running in parallel would
                take them (then evaluated and told in the order asked; within the budget, so the last batch may
                be smaller); 1, the default, tells each trial before the next is asked.
            workers: evaluate each batch's trials this many at a time, in worker processes (``rl_hpo.parallel``);
                they are still told in the order asked, so the trials are those of ``workers=1``. 1, the default,
                evaluates them one after another in this process. At most ``batch``.
            pending: trials asked already and not told (the rest of a round a resumed journal stopped in): evaluated
                first, as a round of their own, within the budget (the others are cancelled).

        Raises:
            AllTrialsFailedError: if every trial failed.
            TuningInterrupted: on Ctrl-C, with the trials finished before it as its ``history``.

        Any other exception goes on, with the finished trials as its ``history``: a ``SystemExit`` (``sys.exit()``
        in the objective, unless it runs in a worker process), an error raised by ``callback`` or by a decision. (An
        error raised by the objective is a failed trial, not an exception.)
        """
        check_budget(budget)
        check_batch(batch)
        check_workers(workers)
        if workers > batch:
            raise ValueError(
                f"workers={workers} evaluates the trials of a batch at the same time, and a batch of {batch} keeps at "
                f"most {batch} busy: give batch >= workers (e.g. batch={workers})."
            )
        if self.multi_fidelity and task.fidelity != self.fidelity:
            raise ValueError(
                f"{self.name} was made for the fidelity {self.fidelity} but the task {task.name!r} has "
                f"{task.fidelity}: its trials would be run and charged at fidelities the task does not have. "
                "Make the method with fidelity=task.fidelity."
            )
        if history is None:
            history = History.for_task(task, method=self.name, seed=self.seed)
            self.plan(budget)
        bar = _progress_bar(budget, f"{self.name} on {task.name}", history) if progress else None
        pool = ParallelEvaluator(task, workers) if workers > 1 else None
        try:
            carried = list(pending)
            while history.budget_used < budget - 1e-9:
                asked: list[tuple[Trial, float]] = []
                planned = history.budget_used
                carried_round, carried = carried, []
                try:
                    for trial in carried_round:  # the rest of a round asked before (decided then: no decision time)
                        if planned < budget - 1e-9:
                            asked.append((trial, 0.0))
                            planned += task.budget_fraction(trial.fidelity)
                        else:
                            self.cancel(trial)
                    while not carried_round and len(asked) < batch and planned < budget - 1e-9:
                        start = time.perf_counter()
                        trial = self.ask()
                        asked.append((trial, time.perf_counter() - start))
                        planned += task.budget_fraction(trial.fidelity)
                    evaluated = pool.evaluate([trial for trial, _ in asked]) if pool is not None else None
                    for i, (trial, decision_s) in enumerate(asked):
                        result = evaluated[i] if evaluated is not None else evaluate_safely(task, trial)
                        start = time.perf_counter()
                        self.tell(trial, result)
                        decision_s += time.perf_counter() - start
                        fraction = task.budget_fraction(trial.fidelity)
                        history.add(trial, result, decision_s=decision_s, budget_fraction=fraction)
                        if callback is not None:
                            callback(history, trial, result)
                        if bar is not None:
                            _show_progress(bar, history, budget)
                except BaseException:  # the run stops: the batch's trials not told are pending no more
                    for trial, _ in asked:
                        if self._pending.get(trial.id) == trial:
                            self.cancel(trial)
                    raise
        except KeyboardInterrupt as interrupt:
            if isinstance(interrupt, TuningInterrupted):
                raise
            raise TuningInterrupted(history) from interrupt
        except (SystemExit, Exception) as stop:  # sys.exit() in the objective, an error in a callback or a decision
            if not hasattr(stop, "history"):  # the run ends, the trials go with it
                stop.history = history  # type: ignore[union-attr]
            raise
        finally:
            if pool is not None:
                pool.close()
            if bar is not None:
                bar.close()
        if history.n_trials and history.n_failed == history.n_trials:
            raise all_failed_error(f"All {history.n_trials} trials failed", history)
        return history


#: Seeds are below this: Optuna's samplers and NumPy's legacy generators take 32-bit seeds.
SEED_LIMIT = 2**32


def check_seed(seed: object, owner: str) -> None:
    """Refuse a seed that is not None or an int in [0, 2**32)."""
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < SEED_LIMIT
    ):
        raise ValueError(
            f"The 'seed' parameter of {owner} must be an int >= 0 and < 2**32, or None. Got {seed!r} instead."
        )


def check_budget(budget: float) -> None:
    """Refuse a budget that is not a finite number > 0."""
    if not (isinstance(budget, numbers.Real) and not isinstance(budget, bool) and math.isfinite(budget) and budget > 0):
        raise ValueError(f"The 'budget' parameter must be a finite number > 0. Got {budget!r} instead.")


def check_batch(batch: int) -> None:
    """Refuse a batch size that is not an int >= 1."""
    if isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or batch < 1:
        raise ValueError(f"The 'batch' parameter must be an int >= 1. Got {batch!r} instead.")


def _as_result(result: Result | float) -> Result:
    """A told score as a ``Result``; a non-finite score becomes a failure (NaN) that says why."""
    told = result if isinstance(result, Result) else Result(result)
    score = as_number(told.score)
    if score is None:
        what = "a Result whose score is " if isinstance(result, Result) else ""
        raise TypeError(f"A result must be a Result or a number, got {what}{type(told.score).__name__} {told.score!r}.")
    told = Result(score, told.cost, told.info)
    return told if math.isnan(score) else _finite_or_failed(told)  # NaN told: a failure the caller means


def _finite_or_failed(result: Result) -> Result:
    """``result``, or where its score is not finite a failure (NaN) that keeps the result's own error, if any, or
    says which score it was."""
    if math.isfinite(result.score):
        return result
    return Result(float("nan"), result.cost, {"error": f"non-finite score {result.score}", **result.info})


def evaluate_safely(
    task: Task,
    trial: Trial,
    *,
    evaluate: Callable[[], Result] | None = None,
    started: float | None = None,
) -> Result:
    """Evaluate a trial, turning an exception or a non-numeric return into a failed ``Result``.

    ``evaluate`` (default: ``task.evaluate`` of the trial) gives the trial's result, e.g. from a worker process that
    began it at ``started`` (``time.perf_counter()``; default: now), from which a failure's cost counts.
    """
    start = time.perf_counter() if started is None else started
    try:
        result = task.evaluate(trial.config, trial.fidelity) if evaluate is None else evaluate()
    except DataNotFoundError:
        raise  # missing or unreadable benchmark data fails every trial alike: say so once and stop
    except Exception as err:  # a failing objective must not end the run: record it and go on
        cost = time.perf_counter() - start
        if isinstance(err, ObjectiveError):  # raised in a worker process: its message names the original
            cost = cost if err.seconds is None else err.seconds  # the worker's own time, not the wait for it
            return Result.failure(str(err), cost, traceback=err.worker_traceback or "")
        return Result.failure(f"{type(err).__name__}: {err}", cost, traceback=_last_frames(err))
    if not isinstance(result, Result):
        return Result.failure(f"evaluate returned {type(result).__name__}, not a Result", time.perf_counter() - start)
    score = as_number(result.score)
    if score is None:
        error = f"evaluate returned a Result whose score is {type(result.score).__name__} {result.score!r}"
        return Result.failure(error, result.cost)
    return _finite_or_failed(Result(score, result.cost, result.info))


def _last_frames(err: BaseException) -> str:
    """The exception's traceback as text, its last few frames (the objective's own, where it raised)."""
    return "".join(traceback.format_exception(err, limit=-_TRACEBACK_FRAMES))


def all_failed_error(summary: str, history: History) -> AllTrialsFailedError:
    """``AllTrialsFailedError`` for a run whose trials all failed: ``summary``, then the first error and where it
    was raised, with ``history`` attached."""
    first = next((r for r in history.records if r.error), None)
    message = f"{summary}; the first error was: {first.error if first is not None else None}"
    if first is not None and first.info.get("traceback"):
        message += f"\n\nIts traceback (the last frames):\n{first.info['traceback'].rstrip()}"
    return AllTrialsFailedError(message, history)


def _progress_bar(total: float, desc: str, history: History):
    """A progress bar over the budget, starting where ``history`` stands (a resumed run's replayed trials)."""
    from tqdm.auto import tqdm

    best = history.best_score_or_none()
    return tqdm(
        total=total,
        initial=min(total, round(history.budget_used, 3)),
        desc=desc,
        unit="eval",
        leave=False,
        bar_format="{l_bar}{bar}| {n:.4g}/{total:.4g} [{elapsed}<{remaining}{postfix}]",
        postfix=f"best={best:.5g}" if best is not None else None,
    )


def _show_progress(bar, history: History, budget: float) -> None:
    """The budget used and the best score so far on the bar."""
    bar.n = min(budget, round(history.budget_used, 3))
    best = history.best_score_or_none()
    bar.set_postfix_str(f"best={best:.5g}" if best is not None else "no success yet")


# -- the registry ---------------------------------------------------------------------------------
# name -> "module:Class"; modules are imported on first use so that `import rl_hpo` stays light.
_REGISTRY: dict[str, str | type[Optimizer]] = {
    "random": "rl_hpo.baselines.random_search:RandomSearch",
    "grid": "rl_hpo.baselines.grid:GridSearch",
    "qmc": "rl_hpo.baselines.qmc:SobolSearch",
    "tpe": "rl_hpo.baselines.optuna_samplers:TPE",
    "gp": "rl_hpo.baselines.optuna_samplers:GP",
    "cmaes": "rl_hpo.baselines.optuna_samplers:CMAES",
    "hyperband": "rl_hpo.baselines.hyperband:Hyperband",
    "bohb": "rl_hpo.baselines.bohb:BOHB",
    "portfolio": "rl_hpo.baselines.portfolio:Portfolio",
    "portfolio_ppo": "rl_hpo.agents.portfolio_policy:PortfolioThenPolicy",
    "ei": "rl_hpo.baselines.expected_improvement:ExpectedImprovement",
    "ei_sampled": "rl_hpo.baselines.expected_improvement:SampledExpectedImprovement",
    "ppo": "rl_hpo.agents.policy_optimizer:PolicyOptimizer",
}
_BUILT_IN = frozenset(_REGISTRY)  # a plugin may not replace these: a study's "ppo" is always the package's


def register_optimizer(name: str, cls: type[Optimizer] | str) -> None:
    """Make ``make_optimizer(name, ...)`` build ``cls`` (a class or a lazy ``"module:Class"`` path)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"An optimizer name must be a non-empty string, got {name!r}.")
    if name.strip().lower() in _BUILT_IN:
        raise ValueError(
            f"{name!r} is a built-in method; register yours under another name (the built-in ones: "
            f"{', '.join(sorted(_BUILT_IN))})."
        )
    _REGISTRY[name] = cls


def available_optimizers() -> list[str]:
    return sorted(_REGISTRY)


def optimizer_class(name: str) -> type[Optimizer]:
    if name not in _REGISTRY:
        close = difflib.get_close_matches(str(name).lower(), available_optimizers(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"Unknown method {name!r}{hint}; choose one of: {', '.join(available_optimizers())}. (A method registered "
            "with register_optimizer is known in the process that registered it: a bench's worker processes import its "
            "module through --plugins or BenchSettings(plugins=...).)"
        )
    entry = _REGISTRY[name]
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        entry = getattr(importlib.import_module(module), attr)
        _REGISTRY[name] = entry
    return entry


def make_optimizer(
    name: str,
    space: SearchSpace | Mapping[str, Any],
    seed: int | None = None,
    **options: Any,
) -> Optimizer:
    """Build the optimizer registered as ``name`` (see ``available_optimizers()``).

    Args:
        name: e.g. "random", "tpe", "gp", "hyperband", "ppo".
        space: a ``SearchSpace`` or a plain spec.
        seed: the optimizer's seed.
        **options: keyword options of that optimizer (``fidelity=`` for multi-fidelity methods).
    """
    cls = optimizer_class(name)
    space = space if isinstance(space, SearchSpace) else SearchSpace.from_dict(space)
    try:
        return cls(space, seed=seed, **options)
    except TypeError as err:
        unexpected = re.search(r"unexpected keyword argument '(\w+)'", str(err))
        if unexpected:
            listed = _options_of(cls)
            raise UnknownOptionError(
                f"Method {name!r} takes no option {unexpected.group(1)!r}"
                + (f"; its options: {', '.join(listed)}." if listed else "."),
                method=name,
                option=unexpected.group(1),
                options=listed,
            ) from None
        raise


def _options_of(cls: type) -> tuple[str, ...]:
    """The keyword options of an optimizer class, as an error lists them (``seed`` among them); empty where the
    class passes every option on (its signature alone does not tell them)."""
    kept = [
        p
        for p in inspect.signature(cls).parameters.values()
        if p.name != "space" and p.kind is not inspect.Parameter.VAR_POSITIONAL
    ]
    if all(p.kind is inspect.Parameter.VAR_KEYWORD for p in kept):
        return ()
    return tuple(f"**{p.name}" if p.kind is inspect.Parameter.VAR_KEYWORD else p.name for p in kept)
