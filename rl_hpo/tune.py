"""``rl_hpo.tune``: tune a user's objective or a built-in task with any method, in one call."""

from __future__ import annotations

import inspect
import math
import os
import secrets
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.exceptions import UnknownOptionError
from rl_hpo.history import History
from rl_hpo.journal import Journal
from rl_hpo.optimizer import Optimizer, Trial, all_failed_error, check_budget, make_optimizer
from rl_hpo.parallel import check_workers
from rl_hpo.space import SearchSpace, warn_of_a_space_smaller_than_the_budget, warn_of_wide_linear_ranges
from rl_hpo.tasks.base import FunctionTask, Result, Task
from rl_hpo.tasks.registry import load_task

__all__ = ["FAIL_FAST", "tune"]

#: ``tune`` stops a run whose first this many trials all failed (its ``fail_fast``).
FAIL_FAST = 10


def tune(
    objective: Callable[..., Any] | Task | str,
    space: SearchSpace | Mapping[str, Any] | None = None,
    *,
    budget: float = 50,
    method: str = "ppo",
    seed: int | None = None,
    direction: str = "maximize",
    timeout: float | None = None,
    journal: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool | None = None,
    fail_fast: int | None = FAIL_FAST,
    workers: int = 1,
    **options: Any,
) -> History:
    """Tune ``objective`` over ``space`` and return the ``History`` of the run.

    Args:
        objective: ``objective(config) -> float``, a ``Task``, or a task name such as
            ``"synthetic/branin/0"``.
        space: the search space (required for a function, taken from the task otherwise).
        budget: full-fidelity-equivalent evaluations (a whole number on a task without a fidelity).
        method: any name of ``rl_hpo.available_optimizers()``; ``"ppo"`` (the default) is the shipped tuning policy.
        seed: seeds the method; the same seed gives the same trials. None draws one, which the returned
            ``History.seed`` records (as a journal does), so that any run can be repeated.
        direction: "maximize" (default) or "minimize" for a function objective.
        timeout: seconds per evaluation of a function objective; a trial past it is stopped and fails. The
            objective then runs in a worker process (``rl_hpo.tasks.timeout``), so what it changes outside
            itself (a list it appends to, a global) does not reach the calling process: return it instead.
        journal: an SQLite file recording every finished trial (see ``rl_hpo.journal``).
        resume: continue the run recorded in ``journal`` instead of starting a new one; finished trials
            are not evaluated again.
        progress: show a progress bar (None, the default: when standard error is a terminal).
        fail_fast: stop with ``AllTrialsFailedError`` as soon as the first ``fail_fast`` trials have all
            failed (an objective that cannot run, rather than one that fails somewhere in the space), instead
            of spending the rest of the budget; None runs the whole budget whatever fails.
        workers: evaluate this many trials at a time, each in a worker process of its own (``rl_hpo.parallel``): the
            method is asked for ``workers`` trials at once (``ei`` and ``ppo`` treat the ones not yet told as pending,
            README "Several workers at once"), they run together and are told in the order asked, so the same seed
            gives the same trials. As with ``timeout``, what the objective changes outside itself does not reach the
            calling process. 1, the default, evaluates one trial after another in this process.
        **options: options of the method (e.g. ``policy=`` for "ppo").

    Example:
        >>> import rl_hpo
        >>> space = {"x": rl_hpo.Float(-5.0, 5.0)}
        >>> history = rl_hpo.tune(lambda c: -(c["x"] - 1) ** 2, space, budget=20, seed=0)
        >>> round(history.best_config["x"])
        1

    Raises:
        AllTrialsFailedError: every trial failed, or the first ``fail_fast`` ones did.
        TuningInterrupted: on Ctrl-C (a ``KeyboardInterrupt``), with the trials finished before it as its
            ``history``; with a journal, ``resume=True`` continues the run. A ``SystemExit`` raised by the
            objective goes on, with the finished trials as its ``history`` too (in a worker process, with
            ``timeout`` or ``workers``, it fails that trial instead).
    """
    if isinstance(objective, str):
        task = load_task(objective)
    elif isinstance(objective, Task):
        task = objective
    elif callable(objective):
        if space is None:
            raise ValueError("tune(objective, space, ...) needs a search space for a function objective.")
        task = FunctionTask(objective, space, direction=direction, timeout=timeout)
    else:
        raise TypeError(f"objective must be a function, a Task or a task name, got {type(objective).__name__}.")
    if space is not None and isinstance(objective, Task | str):
        raise ValueError("Do not pass a space with a task: a task brings its own search space.")
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' or 'minimize', got {direction!r}.")
    wraps_function = not isinstance(objective, Task | str)  # tune makes the task, with these two options
    if direction != "maximize" and not wraps_function:
        raise ValueError(
            "direction= applies to a function objective; a task has its own direction "
            "(FunctionTask(..., direction='minimize') for your own)."
        )
    if timeout is not None and not wraps_function:
        raise ValueError(
            "timeout= applies to a function objective; a task has its own (FunctionTask(..., timeout=SECONDS) "
            "for your own)."
        )
    if resume and journal is None:
        raise ValueError("resume=True needs journal=PATH, the journal of the run to continue.")
    if journal is not None and not isinstance(journal, str | os.PathLike):
        raise TypeError(f"journal must be a file path (a str or a Path) or None, got {type(journal).__name__}.")
    check_budget(budget)
    if "fidelity" in options:
        raise TypeError(
            "tune takes the fidelity from the task, not from fidelity=: for a function, "
            "tune(FunctionTask(objective, space, fidelity=Fidelity('epochs', 1, 27, integer=True)), method=...)."
        )
    if task.fidelity is None and budget != int(budget):
        raise ValueError(
            f"A budget of {budget!r} evaluations on a task without a fidelity would run {math.ceil(budget)} trials "
            "(each is one full evaluation); give a whole number."
        )
    if fail_fast is not None and not (
        isinstance(fail_fast, int | np.integer) and not isinstance(fail_fast, bool) and fail_fast >= 1
    ):
        raise ValueError(f"fail_fast must be a whole number >= 1 or None, got {fail_fast!r}.")
    fail_fast = None if fail_fast is None else int(fail_fast)
    check_workers(workers)
    if progress is None:
        progress = sys.stderr.isatty()
    try:
        if wraps_function:  # inside: a warning raised as an error still closes the task made above
            warn_of_wide_linear_ranges(task.space, stacklevel=2)
            warn_of_a_space_smaller_than_the_budget(task.space, budget, stacklevel=2)
        history = _run(task, method, budget, seed, options, journal, resume, progress, fail_fast, workers)
    except UnknownOptionError as err:
        own = [n for n, p in inspect.signature(tune).parameters.items() if p.kind is p.KEYWORD_ONLY]
        theirs = [o for o in err.options if o not in ("seed", "fidelity")]  # tune sets these two itself
        listing = f"whose options are: {', '.join(theirs) or 'none'}" if err.options else "whose docstring lists them"
        raise UnknownOptionError(
            f"Neither tune nor method {err.method!r} takes the keyword argument {err.option!r}. tune's own: "
            f"{', '.join(own)}; it passes any other to the method, {listing}.",
            method=err.method,
            option=err.option,
            options=err.options,
        ) from None
    finally:
        if isinstance(task, FunctionTask) and task is not objective:  # made here: its timeout worker ends here
            _close(task)
    if history.n_failed:
        warnings.warn(
            f"{history.n_failed} of {history.n_trials} trials failed (the first: {history.first_error()}); each method "
            "treats a failed trial its own way (README, 'On failure and interruption'); History.to_dataframe() "
            "gives each one's error, as does a run's journal (its trials table).",
            stacklevel=2,
        )
    return history


#: The options ``rl-hpo tune`` passes for the default policy, which ``tune`` called from Python need not.
_CLI_DEFAULT_POLICY: dict[str, dict[str, Any]] = {
    "ppo": {"policy": "default"},
    "portfolio_ppo": {"then_options": {"policy": "default"}},
}


def _journaled_options(options: Mapping[str, Any]) -> dict[str, str]:
    """The options that identify a journaled run, each choice spelled one way: the default policy is no
    option (``rl-hpo tune`` passes it, ``tune`` need not), a policy folder is its absolute path, and a loaded
    policy is its folder or the hash of its weights (not the text of its network)."""
    out = {}
    for key, value in sorted(options.items()):
        if key == "then_options" and isinstance(value, Mapping):  # the continuation's options, e.g. its policy
            value = _journaled_options(value)
            if not value:
                continue
        elif key == "policy":
            if isinstance(value, str) and value == "default":
                continue
            if isinstance(value, str | os.PathLike):
                value = Path(value).resolve()
            elif getattr(value, "path", None) is not None:
                value = Path(value.path).resolve()
            elif getattr(value, "sha256", None) is not None:
                value = f"weights sha256 {value.sha256}"
        out[key] = str(value)
    return out


def _run(
    task: Task,
    method: str,
    budget: float,
    seed: int | None,
    options: dict[str, Any],
    journal: str | os.PathLike[str] | None,
    resume: bool,
    progress: bool,
    fail_fast: int | None,
    workers: int = 1,
) -> History:
    """``tune``'s run once its arguments are checked: plain, or journaled and resumed."""
    check = _FailFast(fail_fast, budget, journal)
    if journal is None:
        if seed is None:  # a run always has a seed, which its History records, so that it can be run again
            seed = secrets.randbelow(2**31)
        optimizer = make_optimizer(method, task.space, seed=seed, fidelity=task.fidelity, **options)
        return optimizer.optimize(task, budget, progress=progress, callback=check, batch=workers, workers=workers)

    run = {
        # a function's name may change between a crash and the resume; a built-in task's may not
        "task": "<function>" if isinstance(task, FunctionTask) else task.name,
        "method": method,
        "seed": seed,  # None: the journal draws one for a new run and keeps the recorded one on resume
        "direction": getattr(task, "direction", "maximize"),
        "space": task.space.to_dict(),
        "options": _journaled_options(options),
    }
    if workers > 1:  # its trials were asked in rounds of this many, which replaying must repeat
        run["workers"] = workers
    fingerprint = task.fingerprint()
    if fingerprint is not None:  # e.g. a CSV's data: the same name may hold other data on resume
        run["task_fingerprint"] = fingerprint
    # Journals of earlier versions recorded every option as its text, as spelled, and rl-hpo tune's spelled
    # the default policy out: those spellings are this run's too.
    spelled = [options, {**_CLI_DEFAULT_POLICY.get(method, {}), **options}]
    legacy = {"options": [{k: str(v) for k, v in sorted(o.items())} for o in spelled]}
    made: Optimizer | None = None
    path = Path(journal)
    if not resume or not (path.is_file() and path.stat().st_size > 0):
        # a new run: its method is made before its journal, so that a method or option it refuses leaves no journal
        if seed is None:  # as the journal would draw it
            seed = run["seed"] = secrets.randbelow(2**31)
        made = make_optimizer(method, task.space, seed=seed, fidelity=task.fidelity, **options)
    with Journal(journal, run, resume=resume, equivalent=legacy) as log:
        optimizer = (
            made
            if made is not None
            else make_optimizer(method, task.space, seed=log.seed, fidelity=task.fidelity, **options)
        )
        history, untold = log.resume(optimizer, task, budget, batch=workers)
        if progress and history.records:  # before the bar, which starts where the replay ends
            print(_replayed(journal, history, untold, budget), file=sys.stderr)
        last = history.records[-1].budget_fraction if history.records else 0.0
        # past the budget before its last trial (the last one may overshoot a fractional budget by itself)
        if history.budget_used - last >= budget - 1e-9 and history.budget_used > budget + 1e-9:
            warnings.warn(
                f"The journal {str(journal)!r} holds a run past this budget ({history.budget_used:g} evaluations "
                f"used, budget {budget:g}); it is returned whole.",
                stacklevel=3,
            )
        if history.budget_used >= budget - 1e-9:
            return history

        def record_then_check(history: History, trial: Trial, result: Result) -> None:
            log.record(history, trial, result)
            check(history, trial, result)

        return optimizer.optimize(
            task,
            budget,
            history=history,
            callback=record_then_check,
            progress=progress,
            batch=workers,
            workers=workers,
            pending=untold,
        )


def _replayed(journal: str | os.PathLike[str], history: History, untold: list[Trial], budget: float) -> str:
    """What resuming ``journal`` took from it: its finished trials, and those asked but never finished."""
    failed = f", {history.n_failed} of them failed" if history.n_failed else ""
    line = (
        f"Resumed {str(journal)!r}: {history.n_trials} finished trial{'' if history.n_trials == 1 else 's'} "
        f"replayed{failed} "
        f"({history.budget_used:g} of {budget:g} evaluations used"
    )
    if untold:
        line += f"; {len(untold)} asked and not finished are evaluated first"
    best = history.best_score_or_none()
    return line + (f"; best so far {best:.6g})." if best is not None else ").")


def _close(task: FunctionTask) -> None:
    """Stop the task's timeout worker, also through a second Ctrl-C while it stops: the first one's
    ``TuningInterrupted``, with the finished trials, is the exception that goes on."""
    try:
        task.close()
    except KeyboardInterrupt:
        task.close()


class _FailFast:
    """A callback that stops a run whose first ``n`` trials all failed (on a task with a fidelity, once a trial at its
    highest fidelity has failed too). A run resumed from a journal whose trials all failed stops at its first new
    trial that fails as well (the objective is not fixed yet), not after the rest of its budget."""

    def __init__(self, n: int | None, budget: float, journal: str | os.PathLike[str] | None = None) -> None:
        self.n, self.budget, self.journal = n, budget, journal

    def __call__(self, history: History, trial: Trial, result: Result) -> None:
        if self.n is None or history.n_trials < self.n or history.n_failed < history.n_trials:
            return
        # With a fidelity, the first trials of Hyperband and BOHB are all at its lowest, and failures there may be of
        # that fidelity alone (too few rows to fit), not of an objective that cannot run at all: such a run stops
        # once a trial at the task's highest fidelity has failed too.
        if history.max_fidelity is None:
            what = f"The first {history.n_trials} trials all failed"
        elif history.is_full_fidelity(history.records[-1]):
            what = f"The first {history.n_trials} trials all failed, at the task's highest fidelity too"
        else:
            return
        unit = (
            "" if history.max_fidelity is None else " full-fidelity evaluations, a lower fidelity's trial costing less"
        )
        raise all_failed_error(
            f"{what}, so the run stopped before spending the rest of its budget "
            f"({self.budget:g}{unit}; tune(..., fail_fast=None), or --fail-fast 0 on the command line, runs the whole "
            "budget whatever fails)"
            + (
                f". The journal {str(self.journal)!r} keeps these failed trials: once the objective is fixed, "
                "start a new journal, since resuming this one counts them toward the budget"
                if self.journal is not None
                else ""
            ),
            history,
        )
