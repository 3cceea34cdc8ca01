"""The head-to-head runner: every method on every task with every seed, resumable.

A study is a grid of cells ``(method, task, seed)``. A cell builds
``make_optimizer(method, task.space, seed=seed, fidelity=task.fidelity)`` and runs its ask / evaluate / tell
loop (``Optimizer.optimize``) until ``budget`` full-fidelity-equivalent evaluations are spent (a
multi-fidelity method pays fidelity / f_max per evaluation). Each finished cell is written atomically to
``DIR/cells/``; running the same command again skips finished cells, so an interrupted study resumes where
it stopped; more methods or seeds run only their new cells, and other settings in the same folder are refused.
When every cell is done, the runner assembles ``trials.csv`` (raising score bounds that a run beat and
recomputing every regret, see ``rl_hpo.bench.trials``), then writes ``summary.csv``, ``report.md`` and the plots.

Example:
    >>> from rl_hpo.bench import BenchSettings, run_bench
    >>> settings = BenchSettings(out="runs/branin", suite="synthetic/branin", methods=("random", "tpe"),
    ...                          budget=50, seeds=10)
    >>> run_bench(settings)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import importlib.metadata
import os
import platform
import shlex
import socket
import subprocess
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rl_hpo.bench import executors as _executors
from rl_hpo.bench.cell_journal import CellJournal, journal_path
from rl_hpo.bench.executors import import_plugin
from rl_hpo.bench.report import write_report
from rl_hpo.bench.study import (
    CellKey,
    Study,
    StudySettingsError,
    atomic_open,
    atomic_write_text,
    normalize,
    to_json,
)
from rl_hpo.bench.trials import StudyBounds, assemble_trials, left_out_tasks, study_bounds
from rl_hpo.exceptions import AllTrialsFailedError, RLHPOError
from rl_hpo.history import History
from rl_hpo.journal import remove_journal
from rl_hpo.optimizer import check_batch, make_optimizer, optimizer_class
from rl_hpo.tasks import registry
from rl_hpo.tasks.base import Task

__all__ = ["BenchError", "BenchSettings", "CellSpec", "bench_command", "run_bench", "run_cell"]

#: Libraries whose versions are recorded with every session of a study.
_RECORDED_VERSIONS = (
    "numpy",
    "scipy",
    "pandas",
    "optuna",
    "torch",
    "gymnasium",
    "stable-baselines3",
    "onnxruntime",
    "scikit-learn",
    "ray",
)

#: Environment variables that change what tasks load (recorded with every session).
_RECORDED_ENVIRONMENT = ("RL_HPO_YAHPO_DATA", "RL_HPO_CACHE", "OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY")


class BenchError(RLHPOError, RuntimeError):
    """Some cells of a study failed; the finished ones are saved and a re-run retries the rest."""


@dataclass(frozen=True)
class BenchSettings:
    """The settings of a benchmark study (the options of ``rl-hpo bench``).

    Only ``suite``, ``split``, ``tasks``, ``methods``, ``budget``, ``seeds``, ``batch``, ``method_options``,
    ``task_options`` and the policies' hashes identify a study; ``workers``, ``executor``, ``plugins`` and
    ``command`` may change between the sessions of one study.
    """

    out: str | os.PathLike[str]
    """Study folder: run.json, cells/, trials.csv, summary.csv, report.md and the plots go here."""
    methods: str | Sequence[str]
    """Methods to compare, e.g. "ppo,tpe,gp,random,hyperband,bohb" (names of rl_hpo.available_optimizers())."""
    suite: str | None = None
    """Suite of tasks, e.g. "yahpo/lcbench" (rl-hpo tasks lists them)."""
    split: str = "test"
    """Split of the suite to run: train, validation, test, or all. Report on test only."""
    tasks: str | Sequence[str] | None = None
    """Only these tasks: full names ("yahpo/lcbench/167190") or instances of the suite ("167190")."""
    budget: float = 50
    """Full-fidelity-equivalent evaluations per run (a whole number)."""
    seeds: int | Sequence[int] = 10
    """Seeds per task and method: a count K (seeds 0..K-1) or the seeds themselves."""
    batch: int = 1
    """Trials of a run asked before the first of them is told, as that many parallel workers take them
    (``Optimizer.optimize``'s ``batch``); 1, the default, tells each trial before the next is asked. Simulated time
    still adds up every trial's cost, as one worker would spend it."""
    workers: int | None = None
    """Cells running at once; default all cores."""
    executor: str = "local"
    """Where cells run: local (a process pool), ray, or inline (this process, one cell at a time).
    The pool spawns fresh processes: a script that calls run_bench needs an ``if __name__ == "__main__":``
    guard."""
    method_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Keyword options per method for make_optimizer, e.g. {"ppo": {"policy": "runs/policy"}}."""
    task_options: Mapping[str, Any] = field(default_factory=dict)
    """Keyword options for load_suite / load_task, e.g. {"fidelity": True} for synthetic tasks."""
    redo: Sequence[str] = ()
    """Methods whose finished cells are discarded and run again (e.g. ppo after its policy was retrained);
    the other methods' cells stay. Recorded in run.json as the session's ``redone_methods``."""
    plugins: Sequence[str] = ()
    """Modules imported first in every worker (e.g. to register a task family or an optimizer)."""
    allow_mixed_commits: bool = False
    """Run a method's new cells beside its finished cells of another git commit (refused by default: each
    method's cells come from one commit; ``redo`` the methods whose code changed instead)."""
    command: str | None = None
    """The command line recorded in run.json; default this process's arguments."""


@dataclass(frozen=True)
class CellSpec:
    """Everything a worker needs to run one cell (small and picklable: the task is loaded by name)."""

    method: str
    task: str
    seed: int
    budget: float
    method_options: Mapping[str, Any] = field(default_factory=dict)
    task_options: Mapping[str, Any] = field(default_factory=dict)
    batch: int = 1
    journal: str | None = None
    """Where the cell journals its trials once it runs long (``rl_hpo.bench.cell_journal``); None: nowhere."""
    git_commit: str | None = None
    """The commit the study runs at: a journal of another commit is not resumed."""

    @property
    def key(self) -> CellKey:
        return CellKey(self.method, self.task, self.seed)

    def journal_run(self) -> dict[str, Any]:
        """What identifies this cell's run in its journal."""
        return {
            "cell": self.key.filename,
            "budget": self.budget,
            "batch": self.batch,
            "method_options": to_json(normalize(dict(self.method_options))),
            "task_options": to_json(normalize(dict(self.task_options))),
            "git_commit": self.git_commit,
            "version": _package_version(),  # where there is no commit (an installed package), at least the release
            "seed": self.seed,
        }


# -- one cell -------------------------------------------------------------------------------------
# Tasks are loaded once per worker process and kept while they are in use (a YAHPO task holds an ONNX
# session worth reusing); cells are dispatched task by task, so a few recent ones suffice.
_TASKS: OrderedDict[tuple[str, str], Task] = OrderedDict()
_MAX_CACHED_TASKS = 8


def _load_task(name: str, options: Mapping[str, Any]) -> Task:
    key = (name, to_json(dict(options)))
    if key in _TASKS:
        _TASKS.move_to_end(key)
    else:
        _TASKS[key] = registry.load_task(name, **options)
        while len(_TASKS) > _MAX_CACHED_TASKS:
            _TASKS.popitem(last=False)
    return _TASKS[key]


def run_cell(spec: CellSpec) -> dict[str, Any]:
    """Run one cell and return its record (what ``DIR/cells/<cell>.json`` holds).

    The record has the cell's key, the task's stored bounds and highest fidelity, the optimizer's class and
    policy hash, the wall time, and ``rows``: per evaluation ``trial, fidelity, score, cost, decision_s,
    budget_used, sim_time, error, test_score`` and ``config`` (per parameter, None where inactive). ``score`` is
    the task's score (higher is better) and NaN for a failed evaluation; ``test_score`` its test-side
    counterpart where the task reports one (``Result.info["test_score"]``, e.g. a YAHPO ``test_*`` output),
    else None. A cell resumed from its journal (``spec.journal``, ``rl_hpo.bench.cell_journal``) says how many
    trials it replayed (``resumed_trials``), and its ``wall_s`` is that of its last session.
    """
    task = _load_task(spec.task, spec.task_options)
    start = time.perf_counter()
    make = functools.partial(
        make_optimizer, spec.method, task.space, seed=spec.seed, fidelity=task.fidelity, **spec.method_options
    )
    journal = None
    if spec.journal is not None:
        journal = CellJournal(Path(spec.journal), spec.journal_run(), spec.budget, batch=spec.batch)
    resumed = journal.resume(make, task) if journal is not None else None
    if resumed is not None:
        optimizer, history, untold = resumed
    else:
        optimizer, untold = make(), []
        history = History.for_task(task, method=spec.method, seed=spec.seed)
        optimizer.plan(spec.budget)  # optimize() leaves planning to the caller that gives it the history
    try:
        # Every trial failing is a legitimate outcome: the cell records them, with regret 1 throughout.
        with contextlib.suppress(AllTrialsFailedError):
            optimizer.optimize(task, spec.budget, history=history, batch=spec.batch, callback=journal, pending=untold)
    finally:
        if journal is not None:
            journal.close()
    wall_s = time.perf_counter() - start

    records = history.records
    names = list(dict.fromkeys(name for r in records for name in r.config)) or list(task.space.names)
    budget_used, sim_time = [], []
    used = elapsed = 0.0
    for r in records:
        used += r.budget_fraction
        elapsed += r.cost + r.decision_s
        budget_used.append(used)
        sim_time.append(elapsed)
    bounds = task.bounds
    return {
        "method": spec.method,
        "task": spec.task,
        "seed": spec.seed,
        "budget": spec.budget,
        "bounds": None if bounds is None else {"worst": float(bounds.worst), "best": float(bounds.best)},
        "max_fidelity": None if task.fidelity is None else float(task.fidelity.high),
        "optimizer": _optimizer_info(optimizer),
        "wall_s": wall_s,
        "resumed_trials": 0 if journal is None else journal.replayed,
        "finished_at": _now(),
        "host": socket.gethostname(),
        "rows": {
            "trial": [r.trial for r in records],
            "fidelity": [r.fidelity for r in records],
            "score": [r.score for r in records],
            "cost": [r.cost for r in records],
            "decision_s": [r.decision_s for r in records],
            "budget_used": budget_used,
            "sim_time": sim_time,
            "error": [r.error for r in records],
            "test_score": [r.info.get("test_score") for r in records],
            "config": {n: [r.config.get(n) for r in records] for n in names},
        },
    }


def _optimizer_info(optimizer: Any) -> dict[str, Any]:
    """The optimizer's class and, for a learned policy, the hash of its policy file.

    An optimizer names its policy by a ``policy_hash`` attribute, or by the ``sha256`` of its loaded
    ``policy_`` (``rl_hpo.agents.PolicyOptimizer``).
    """
    cls = type(optimizer)
    policy_hash = getattr(optimizer, "policy_hash", None)
    if policy_hash is None:
        policy_hash = getattr(getattr(optimizer, "policy_", None), "sha256", None)
    return {
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "policy_hash": policy_hash,
        "runs_as": _runs_as(optimizer),
    }


def _runs_as(optimizer: Any) -> str | None:
    """What a method with a stored portfolio or trained policy evaluates, in words (None for other methods):
    ``ppo`` with the shipped policy may run as a space's portfolio, then its specialist."""
    steps = []
    configs = getattr(optimizer, "configs_", None)
    if configs is not None:
        source = getattr(optimizer, "source_", None)
        where = _package_relative(source) if isinstance(source, str) and source != "list" else "given as a list"
        steps.append(f"the portfolio {where} ({len(configs)} configurations)")
    holder = getattr(optimizer, "continuation_", optimizer)
    policy = getattr(holder, "policy_", None)
    if policy is not None:
        kind = "a specialist of this space" if policy.specialty else "a general policy"
        where = _package_relative(policy.path) if policy.path is not None else "in memory"
        steps.append(f"the policy {where} ({kind})")
    elif steps:
        steps.append(type(holder).__name__)
    return ", then ".join(steps) or None


def _package_relative(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the folder holding the rl_hpo package when it lies inside it (shipped data)."""
    root = Path(__file__).resolve().parents[2]
    with contextlib.suppress(ValueError):
        return str(Path(path).resolve().relative_to(root))
    return str(path)


# -- the study ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Resolved:
    methods: list[str]
    tasks: list[str]
    seeds: list[int]
    budget: float


def _split_list(value: str | Sequence[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [str(i).strip() for i in items if str(i).strip()]
    duplicates = sorted({i for i in items if items.count(i) > 1})
    if duplicates:
        raise ValueError(f"The '{what}' parameter lists {', '.join(duplicates)} more than once; name each once.")
    return items


def _resolve(settings: BenchSettings) -> _Resolved:
    methods = _split_list(settings.methods, "methods")
    if not methods:
        raise ValueError(f"The 'methods' parameter must name at least one method. Got {settings.methods!r} instead.")
    for method in methods:
        optimizer_class(method)  # unknown or unavailable methods fail here, before any cell runs
    check_batch(settings.batch)

    budget = settings.budget
    # A whole number: with 10.5, a single-fidelity method would pay for 11 evaluations and the report would
    # read regret at 10.5, that is after 10 of them.
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not (budget >= 1 and budget % 1 == 0):
        raise ValueError(f"The 'budget' parameter must be a whole number of evaluations >= 1. Got {budget!r} instead.")

    seeds_opt = settings.seeds
    if isinstance(seeds_opt, bool) or (isinstance(seeds_opt, int) and seeds_opt < 1):
        raise ValueError(f"The 'seeds' parameter must be an int >= 1 or a list of seeds. Got {seeds_opt!r} instead.")
    if isinstance(seeds_opt, int):
        seeds = list(range(seeds_opt))
    else:
        seeds = [int(s) for s in _split_list([str(s) for s in seeds_opt], "seeds")]
        if not seeds or min(seeds) < 0:
            raise ValueError(f"The 'seeds' parameter must list seeds >= 0. Got {seeds_opt!r} instead.")

    tasks = _resolve_tasks(settings)
    return _Resolved(methods, tasks, seeds, float(budget))


def _resolve_tasks(settings: BenchSettings) -> list[str]:
    wanted = _split_list(settings.tasks, "tasks")
    if isinstance(settings.tasks, str) and not wanted:  # e.g. --tasks "" from a script's empty variable
        raise ValueError(
            f"The 'tasks' parameter names no task. Got {settings.tasks!r}; leave it out for the whole split."
        )
    if settings.suite is None:
        if not wanted:
            raise ValueError(
                "Name a suite (--suite, e.g. synthetic/branin) or tasks (--tasks family/scenario/instance)."
            )
        short = [t for t in wanted if t.count("/") != 2]
        if short:
            raise ValueError(f"Tasks {short} are not full names; write family/scenario/instance or pass --suite.")
        return wanted
    suite = registry.load_suite(settings.suite, **settings.task_options)
    in_split = suite.task_names(settings.split)
    if not wanted:
        if not in_split:
            raise ValueError(
                f"Split {settings.split!r} of suite {settings.suite!r} has no task (tasks per split: "
                f"{suite.split_sizes()}); "
                "choose another --split."
            )
        return in_split
    out = []
    every = suite.task_names("all")
    for name in wanted:
        full = name
        if name.count("/") != 2:  # the rest of a task's name: "167190" in yahpo/lcbench, "svc/digits" in sklearn/all
            ends = [t for t in every if t.endswith(f"/{name}")]
            full = ends[0] if len(ends) == 1 else f"{settings.suite}/{name}"
        if full not in in_split:
            other = suite.split_of(full)
            where = f"it is in the {other!r} split" if other else "the suite has no such task"
            hint = " or pass --split all" if other else f"; rl-hpo tasks --suite {settings.suite} lists them"
            raise ValueError(
                f"Task {full!r} is not in the {settings.split!r} split of {settings.suite!r} ({where}); "
                f"choose among {', '.join(in_split[:5])}{', ...' if len(in_split) > 5 else ''}{hint}."
            )
        out.append(full)
    twice = sorted({t for t in out if out.count(t) > 1})
    if twice:  # spelled two ways, e.g. "svc/digits" and "sklearn/svc/digits"
        raise ValueError(f"The 'tasks' parameter names {', '.join(twice)} more than once; name each once.")
    return out


def _identity(settings: BenchSettings, resolved: _Resolved, optimizers: Mapping[str, Mapping[str, Any]]) -> dict:
    """What must be equal for two sessions to belong to one study."""
    return {
        "suite": settings.suite,
        "split": settings.split,
        "tasks": resolved.tasks,
        "methods": resolved.methods,
        "budget": resolved.budget,
        "seeds": resolved.seeds,
        "method_options": {m: dict(o) for m, o in settings.method_options.items() if m in resolved.methods},
        "task_options": dict(settings.task_options),
        "policy_hashes": {m: o["policy_hash"] for m, o in optimizers.items() if o.get("policy_hash") is not None},
        **({"batch": settings.batch} if settings.batch != 1 else {}),  # studies of one trial at a time keep theirs
    }


def _probe_optimizers(settings: BenchSettings, resolved: _Resolved) -> dict[str, dict[str, Any]]:
    """Build each method once on the first task: fails early (e.g. a multi-fidelity method on a task
    without a fidelity, a missing policy file) and reads what the optimizer says about itself."""
    task = _load_task(resolved.tasks[0], settings.task_options)
    out = {}
    for method in resolved.methods:
        if optimizer_class(method).multi_fidelity and task.fidelity is None:
            raise ValueError(
                f"{method} is a multi-fidelity method, and {task.name} has no fidelity (epochs, a train-set fraction); "
                "benchmark it on a suite with one (e.g. yahpo/lcbench), or use single-fidelity methods here."
            )
        options = settings.method_options.get(method, {})
        optimizer = make_optimizer(method, task.space, seed=0, fidelity=task.fidelity, **options)
        out[method] = _optimizer_info(optimizer)
        seen = sorted(set(resolved.tasks) & _tasks_built_on(optimizer))
        out[method]["built_on"] = seen
        if seen:
            warnings.warn(
                f"{method}'s portfolio or policy was built on {len(seen)} of this study's {len(resolved.tasks)} tasks "
                f"({', '.join(seen[:3])}{', ...' if len(seen) > 3 else ''}): its results there are not held out. "
                "Compare methods on a split it never saw (--split test).",
                stacklevel=2,
            )
    return out


def _tasks_built_on(optimizer: Any) -> set[str]:
    """The tasks a method's stored portfolio or trained policy was built on (none for other methods): the
    portfolio file's ``tasks``, and every task of the splits named in the policy's training metadata."""
    from rl_hpo.baselines.portfolio import read_portfolio

    seen: set[str] = set()
    source = getattr(optimizer, "source_", None)
    if isinstance(source, str) and Path(source).is_file():
        seen.update(read_portfolio(source).get("tasks") or [])
    for holder in (optimizer, getattr(optimizer, "continuation_", None)):
        training = getattr(getattr(holder, "policy_", None), "metadata", {}).get("training") or {}
        for suite in training.get("suites") or []:
            if isinstance(suite, str) and suite.strip("/").count("/") == 1:  # a suite
                with contextlib.suppress(RLHPOError, ValueError):  # a suite this machine cannot load
                    seen.update(registry.load_suite(suite).task_names(training.get("split", "train")))
            elif isinstance(suite, str):  # one task, given by name
                seen.add(suite.strip("/"))
    return seen


#: At most this many changed files are named in a session's provenance.
_MAX_CHANGED_FILES = 20


def _versions() -> dict[str, str]:
    """The installed versions of the libraries a result depends on (``_RECORDED_VERSIONS``)."""
    versions = {}
    for name in _RECORDED_VERSIONS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str | None:
    """``git args`` in the checkout this package runs from; None when it runs from none of its own."""
    root = _checkout()
    return None if root is None else _run_git(root, *args)


@functools.cache
def _checkout() -> Path | None:
    """The package's own git checkout: the folder above ``rl_hpo/`` where that is a repository's top, not an
    installed copy that merely sits inside some other repository (a virtual environment in a project)."""
    root = Path(__file__).resolve().parents[2]
    top = _run_git(root, "rev-parse", "--show-toplevel")
    return root if top is not None and Path(top).resolve() == root else None


def _run_git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def _package_version() -> str:
    try:
        return importlib.metadata.version("rl-hpo")
    except importlib.metadata.PackageNotFoundError:
        return getattr(importlib.import_module("rl_hpo"), "__version__", "unknown")


def _command_line() -> str:
    """This process's command, as a user would type it again."""
    if Path(sys.argv[0]).name == "rl-hpo":
        return shlex.join(["rl-hpo", *sys.argv[1:]])
    return shlex.join([sys.executable, *sys.argv])


def source_state() -> dict[str, Any]:
    """The code a result comes from: the git commit of the checkout this package runs from (None: no checkout of
    its own, an installed copy), whether tracked files differ from it, and which (at most 20; e.g. only recorded
    results copied by an earlier study)."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {
        "git_commit": commit,
        "git_dirty": bool(status) if status is not None else None,
        "git_changed_files": [line.split(maxsplit=1)[-1] for line in status.splitlines()][:_MAX_CHANGED_FILES]
        if status
        else [],
    }


def script_provenance() -> dict[str, Any]:
    """What a study script's output records of where it ran, as ``rl-hpo bench`` records it for a session: the
    code (``source_state``), the CPU kernels (``cpu_kernels``), the package versions and the time."""
    return {"started_at": _now(), **source_state(), "cpu_kernels": cpu_kernels(), "versions": _versions()}


def cpu_kernels() -> dict[str, Any]:
    """The CPU kernels the numerical libraries picked on this machine: each OpenBLAS's core type (numpy's and
    scipy's) and torch's CPU capability. Results depend on them to the last bit, and a tuning run follows its
    first differing bit elsewhere, so a study reproduces exactly only with the same kernels
    (``benchmarks/reproduce.sh`` pins them through ``OPENBLAS_CORETYPE`` and ``ATEN_CPU_CAPABILITY``)."""
    import scipy.linalg  # noqa: F401  # loads scipy's own BLAS, so that it is listed
    from threadpoolctl import threadpool_info

    blas = {
        f"{i.get('internal_api')} {i.get('architecture')}" for i in threadpool_info() if i.get("user_api") == "blas"
    }
    kernels: dict[str, Any] = {"blas": sorted(blas)}
    try:
        import torch

        kernels["torch"] = torch.backends.cpu.get_cpu_capability()
    except ImportError:  # pragma: no cover - torch is a core dependency
        pass
    return kernels


def provenance(
    settings: BenchSettings, optimizers: Mapping[str, Mapping[str, Any]], executor: _executors.Executor
) -> dict[str, Any]:
    """Where and how this session ran: command, versions, git commit, machine."""
    return {
        "started_at": _now(),
        "command": settings.command if settings.command is not None else _command_line(),
        "rl_hpo_version": _package_version(),
        **source_state(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "executor": settings.executor,
        "workers": executor.workers,
        "plugins": list(settings.plugins),
        "environment": {k: os.environ[k] for k in _RECORDED_ENVIRONMENT if k in os.environ},
        "optimizers": {m: o["class"] for m, o in optimizers.items()},
        # built on the first task: ppo with the shipped policy may run as the space's portfolio, then a specialist
        "runs_as": {m: o["runs_as"] for m, o in optimizers.items() if o.get("runs_as")},
        # the study's tasks a method's portfolio or policy was built on: its results there are not held out
        "not_held_out": {m: o["built_on"] for m, o in optimizers.items() if o.get("built_on")},
        "versions": _versions(),
        "cpu_kernels": cpu_kernels(),
    }


def _warn_of_other_data(study: Study, session: Mapping[str, Any]) -> None:
    """Warn where this session's cells read YAHPO data from another folder than the study's earlier sessions: the data
    folder decides every score of a YAHPO task but is not one of the settings that identify a study (a folder moved to
    another machine holds the same data), so the session runs, and run.json records each session's folder."""
    key = "RL_HPO_YAHPO_DATA"
    now = session.get("environment", {}).get(key)
    before = {s.get("environment", {}).get(key) for s in (study.read_run() or {}).get("sessions", [])}
    others = sorted(str(folder) for folder in before - {now} if folder is not None)
    if now is not None and others:
        warnings.warn(
            f"Earlier sessions of {study.path} read YAHPO data from {', '.join(map(repr, others))}, this one from "
            f"{now!r}: their cells are comparable only if the folders hold the same release (run.json records each "
            "session's folder).",
            stacklevel=4,
        )


def _refuse_mixed_commits(study: Study, session: Mapping[str, Any], methods: Iterable[str]) -> None:
    """Raise ``StudySettingsError`` if new cells of ``methods`` would join cells of the same method that were
    run at another git commit.

    Each method's cells come from one commit: a method whose code changed runs again whole (``--redo``),
    while the cells of the methods that did not change stand, and a method added later runs at the
    commit it is added at. Every session records its commit, so the report says which is which.
    """
    commit = session.get("git_commit")
    run = study.read_run()
    if commit is None or run is None:
        return
    session_commits = {s.get("git_commit") for s in run.get("sessions", [])}
    mixed = {}
    for method in methods:
        kept = study.cell_commits(method)
        if None in kept:  # cells written before cells recorded their commit: the sessions' commits stand in
            kept = (kept - {None}) | session_commits
        others = sorted(c[:10] for c in kept if c not in (None, commit))
        if others:
            mixed[method] = others
    if mixed:
        named = "; ".join(f"{m} at {', '.join(c)}" for m, c in mixed.items())
        raise StudySettingsError(
            f"{study.path} holds finished cells run at other commits than this checkout's {commit[:10]} ({named}): "
            f"each method's cells come from one commit. Re-run the methods whose code changed with --redo "
            f"{','.join(mixed)} (their cells run again here, the others' stand), or start a new --out; pass "
            "--allow-mixed-commits to continue anyway (the report lists every session's commit)."
        )


def run_bench(settings: BenchSettings, *, progress: bool = True) -> Study:
    """Run (or resume) the study ``settings`` describes and write its trials, summary and report.

    Returns:
        The study folder.

    Raises:
        ValueError: for bad settings (the message names the value and the fix).
        StudySettingsError: if ``settings.out`` holds a study with other settings.
        StudyBusyError: if another bench process is running into ``settings.out``.
        BenchError: if some cells failed (the others are saved; re-running retries the failed ones).
        ImportError: for ``executor="ray"`` without Ray installed.
    """
    for module in settings.plugins:
        import_plugin(module)
    resolved = _resolve(settings)
    executor = _executors.make_executor(settings.executor, settings.workers, settings.plugins)
    optimizers = _probe_optimizers(settings, resolved)
    study = Study(settings.out)
    if study.path.exists() and not study.path.is_dir():
        raise ValueError(f"--out {str(study.path)!r} is a file; pass a folder for the study.")
    above = next((p for p in study.path.parents if p.exists()), None)  # the nearest part of the path that exists
    if above is not None and not above.is_dir():
        raise ValueError(f"--out {str(study.path)!r} lies under {str(above)!r}, a file; pass a folder for the study.")
    session = provenance(settings, optimizers, executor)
    first = _load_task(resolved.tasks[0], settings.task_options)
    objective, test = getattr(first, "objective", None), getattr(first, "test_objective", None)
    if objective and test:  # a YAHPO task: the report names the pair, which may be two metrics
        session["test_side"] = {"objective": objective, "test": test}
    unknown = sorted(set(settings.redo) - set(resolved.methods))
    if unknown:
        raise ValueError(f"--redo names {unknown}, which are not among the methods {resolved.methods}.")
    identity = _identity(settings, resolved, optimizers)
    with study.lock():
        _run_study(study, settings, resolved, identity, session, executor, progress=progress)
    return study


def _run_study(
    study: Study,
    settings: BenchSettings,
    resolved: _Resolved,
    identity: Mapping[str, Any],
    session: dict[str, Any],
    executor: _executors.Executor,
    *,
    progress: bool,
) -> None:
    """``run_bench``'s work once the folder is locked: check, run the missing cells, assemble and report."""
    study.check(identity, redo=settings.redo)  # every refusal comes before --redo discards anything
    keys = [CellKey(m, t, s) for m in resolved.methods for t in resolved.tasks for s in resolved.seeds]
    done = {key for key in study.finished(keys) if key.method not in settings.redo}
    recorded = (study.read_run() or {}).get("settings")
    if len(done) < len(keys) or recorded != normalize(dict(identity)):  # a finished study is only reported again
        if not settings.allow_mixed_commits:
            # the redone methods' cells are discarded, so only the others' can mix
            to_run = dict.fromkeys(k.method for k in keys if k not in done and k.method not in settings.redo)
            _refuse_mixed_commits(study, session, to_run)
        redone = study.drop_methods(settings.redo)
        if redone:
            session["redone_methods"] = redone
        if session.get("git_dirty"):
            warnings.warn(
                f"The checkout has uncommitted changes: cells of this session may not be reproducible from commit "
                f"{str(session['git_commit'])[:10]} (run.json records it).",
                stacklevel=3,
            )
        _warn_of_other_data(study, session)
        study.open(identity, session)  # a session is recorded when it runs cells
        # rebuilt at the end; until then the cells are the study (rl-hpo report reports the finished ones)
        for stale in (study.trials_csv, study.bounds_json, study.summary_csv, study.report_md, *study.plot_paths()):
            stale.unlink(missing_ok=True)
    study.remove_temporaries()

    # Task by task, then seed by seed, so that workers reuse loaded tasks and an interrupted study holds
    # complete (task, seed) pairs of every method.
    todo = [
        CellSpec(
            m,
            t,
            s,
            resolved.budget,
            settings.method_options.get(m, {}),
            settings.task_options,
            settings.batch,
            journal=str(journal_path(study.cell_path(CellKey(m, t, s))).resolve()),  # as seen from any worker's folder
            git_commit=session["git_commit"],
        )
        for t in resolved.tasks
        for s in resolved.seeds
        for m in resolved.methods
        if CellKey(m, t, s) not in done
    ]
    for key in done:  # a journal left by a stop between saving its cell and deleting the journal
        remove_journal(journal_path(study.cell_path(key)))
    study.cells_dir.mkdir(parents=True, exist_ok=True)  # where long cells journal their trials
    failures = _run_cells(study, executor, todo, n_total=len(keys), progress=progress, commit=session["git_commit"])
    if failures:
        first_key, first_err = failures[0]
        details = getattr(first_err, "details", "") or ""
        raise BenchError(
            f"{len(failures)} of {len(keys)} cells failed; the first: {first_key}: {first_err}\n{details}"
            f"The {len(keys) - len(failures)} finished cells are saved in {study.cells_dir}; fix the cause and "
            f"re-run the same command{' without --redo' if settings.redo else ''} to run the failed ones, or re-run "
            f"it with {first_key.method} left out of the methods to report the others."
        )
    assemble_study(study, keys)
    write_report(study.path)


def _run_cells(
    study: Study,
    executor: _executors.Executor,
    todo: Sequence[CellSpec],
    *,
    n_total: int,
    progress: bool,
    commit: str | None = None,
) -> list[tuple[CellKey, BaseException]]:
    failures: list[tuple[CellKey, BaseException]] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=n_total, initial=n_total - len(todo), unit="cell", desc=f"bench {study.path.name}", smoothing=0.1
        )
    try:
        for spec, outcome in executor.imap_unordered(run_cell, todo):
            if isinstance(outcome, BaseException):
                failures.append((spec.key, outcome))
                if bar is not None:
                    bar.write(f"cell failed: {spec.key}: {outcome}")
            else:
                study.save_cell(spec.key, {**outcome, "git_commit": commit})
                if spec.journal is not None:
                    remove_journal(spec.journal)  # the cell's record holds its trials now
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"{spec.method} {spec.task} s{spec.seed}", refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return failures


def assemble_study(study: Study, keys: Iterable[CellKey]) -> dict[str, StudyBounds]:
    """Write ``bounds.json`` and ``trials.csv`` from the finished cells ``keys`` (in that order).

    Bounds that a run beat are raised before any regret is computed, so the whole study uses the same,
    raised bounds (the study's own: bounds.json holds them, nothing is written back to the tasks).
    """
    cells = [study.load_cell(k) for k in keys]
    bounds = study_bounds(cells)
    atomic_write_text(study.bounds_json, to_json({t: b.to_dict() for t, b in bounds.items()}, indent=2) + "\n")
    trials = assemble_trials(cells, bounds)
    with atomic_open(study.trials_csv) as f:
        trials.to_csv(f, index=False)
    for task, why in left_out_tasks(bounds).items():
        warnings.warn(
            f"{task} has no meaningful regret in this study ({why}), so it is left out of every mean, rank and "
            "test of the report.",
            stacklevel=2,
        )
    return bounds


def bench_command(args: Any = None, /, **options: Any) -> int:
    """``rl-hpo bench``: run or resume a study, then say where its report is; returns the exit status 0.

    Takes the CLI's parsed arguments (an ``argparse.Namespace``) or the same names as keywords:

    Args:
        suite: ``--suite S``, e.g. "yahpo/lcbench".
        methods: ``--methods``, comma-separated, e.g. "ppo,tpe,gp,random,hyperband,bohb".
        out: ``--out DIR``; re-running the same command into it resumes the study.
        split: ``--split`` (default "test").
        budget: ``--budget N``, full-fidelity-equivalent evaluations per run (default 50).
        seeds: ``--seeds K``, seeds 0..K-1 per task and method (default 10).
        batch: ``--batch Q``, trials of a run asked before the first of them is told (default 1).
        tasks: ``--tasks ID,ID,...``, a subset of the split (instance ids or full names).
        workers: ``--workers W``, cells at once (default all cores).
        executor: ``--executor local|ray|inline``.
        plugins: ``--plugins MOD,MOD``, modules to import in every process first (those that register your own
            methods with ``rl_hpo.register_optimizer``).
        policy: ``--policy default|DIR``, the policy of the "ppo" and "portfolio_ppo" methods (passed as
            their policy option unless "default").
        redo: ``--redo M,M``, methods whose finished cells are discarded and run again.
        allow_mixed_commits: ``--allow-mixed-commits``, run a method's cells beside its cells of another commit.
        progress: show a progress bar on stderr (default True).
        quiet: ``--quiet``, no progress bar (failed cells are still reported at the end).
        command_line: the command line to record (default this process's arguments).
    """
    given = {**(vars(args) if args is not None else {}), **options}
    known = {"suite", "methods", "out", "split", "budget", "seeds", "batch", "tasks", "workers", "executor", "policy"}
    known |= {"progress", "quiet", "command_line", "redo", "allow_mixed_commits", "plugins"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"bench_command got unknown option(s) {unknown}; it takes {sorted(known)}.")
    method_options: dict[str, dict[str, Any]] = {}
    policy = given.get("policy")
    if policy not in (None, "default"):
        if not set(_split_list(given["methods"], "methods")) & {"ppo", "portfolio_ppo"}:
            # a warning, not an error: a study script may pass its policy whatever methods it is given
            warnings.warn(
                f"--policy {policy} is the policy of the ppo and portfolio_ppo methods, and --methods names "
                "neither: it is not used.",
                stacklevel=2,
            )
        method_options["ppo"] = {"policy": str(policy)}
        method_options["portfolio_ppo"] = {"then_options": {"policy": str(policy)}}
    settings = BenchSettings(
        out=given["out"],
        methods=given["methods"],
        suite=given.get("suite"),
        split=given.get("split") or "test",
        tasks=given.get("tasks"),
        budget=given.get("budget", 50),
        seeds=given.get("seeds", 10),
        batch=1 if given.get("batch") is None else given["batch"],
        workers=given.get("workers"),
        executor=given.get("executor") or "local",
        method_options=method_options,
        redo=tuple(m.strip() for m in (given.get("redo") or "").split(",") if m.strip()),
        allow_mixed_commits=bool(given.get("allow_mixed_commits", False)),
        plugins=tuple(m.strip() for m in (given.get("plugins") or "").split(",") if m.strip()),
        command=given.get("command_line"),  # a parsed namespace's "command" is the subcommand's name
    )
    study = run_bench(settings, progress=given.get("progress", True) and not given.get("quiet", False))
    print(f"Wrote {study.report_md}, {study.summary_csv.name}, {study.trials_csv.name} and the plots in {study.path}")
    return 0
