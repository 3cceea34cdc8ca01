"""Where benchmark cells run: in this process, in a local process pool, or on a Ray cluster.

Every executor maps one picklable function over picklable items and yields ``(item, outcome)`` pairs as
they finish, where the outcome is the function's return value or the exception it raised (so one failing
cell does not stop the others). Results do not depend on the executor: a cell is seeded and loads its task
by name inside the worker (no heavy session crosses a process boundary); only measured decision times
differ.

Worker processes run one cell at a time on one thread (BLAS, OpenMP and torch limited to one thread), so
that ``workers`` cells share ``workers`` cores without oversubscription and decision times compare across
executors. ``plugins`` are modules imported in every worker before its first cell (e.g. one that calls
``register_family`` or ``register_optimizer``).
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing
import os
import sys
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from rl_hpo.exceptions import PluginError

__all__ = [
    "EXECUTORS",
    "CellFailure",
    "Executor",
    "InlineExecutor",
    "ProcessExecutor",
    "RayExecutor",
    "default_workers",
    "make_executor",
]

T = TypeVar("T")
R = TypeVar("R")

#: Executor names accepted by ``make_executor`` (and ``rl-hpo bench --executor``).
EXECUTORS = ("local", "ray", "inline")

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")
_PREPARED = False


class CellFailure(Exception):
    """A cell that raised in a worker; ``details`` holds the worker's traceback as text."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


def prepare_worker(plugins: Sequence[str] = (), *, single_thread: bool = True) -> None:
    """Set up a worker process once: one thread for numerical libraries, then import ``plugins``."""
    global _PREPARED
    if single_thread and not _PREPARED:
        # torch reads OMP_NUM_THREADS when it is imported (later, by GP or PPO); numpy's BLAS is loaded
        # already, so threadpoolctl limits it in place.
        for var in _THREAD_VARS:
            os.environ[var] = "1"
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1)
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            pass
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        _PREPARED = True
    for module in plugins:
        import_plugin(module)


def import_plugin(module: str) -> None:
    """Import a plugin module (``--plugins``); one that cannot be found is a bad setting (``ValueError``), an error
    inside it a ``PluginError`` naming the module and the line that raised (its traceback as the cause)."""
    if module.endswith(".py") or not all(part.isidentifier() for part in module.split(".")):
        raise ValueError(
            f"--plugins takes module names, as Python imports them ('my_methods' for my_methods.py, 'pkg.mod'), "
            f"not {module!r}."
        )
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name is None or not (module == err.name or module.startswith(err.name + ".")):
            raise _plugin_error(module, err) from err  # found, and it imports a module that is not installed
        raise ValueError(
            f"No plugin module {module!r} to import (--plugins): put the folder that holds it on PYTHONPATH, e.g. "
            f"PYTHONPATH=. rl-hpo ... --plugins {module} in the folder of {module.replace('.', '/')}.py."
        ) from None
    except Exception as err:
        raise _plugin_error(module, err) from err


def _plugin_error(module: str, err: Exception) -> PluginError:
    """The error of a plugin that raised while imported: the module, the error and where it was raised."""
    if isinstance(err, SyntaxError):  # raised by the compiler, about the plugin's own file: it names the place
        where = f" at {err.filename}, line {err.lineno}" if err.filename else ""
    else:  # the innermost frame outside the import machinery
        frames = [
            f
            for f in traceback.extract_tb(err.__traceback__)
            if not (f.filename.startswith("<frozen") or f"{os.sep}importlib{os.sep}" in f.filename)
        ]
        where = f" at {frames[-1].filename}, line {frames[-1].lineno}" if frames else ""
    message = f": {err}" if str(err) else ""
    return PluginError(
        f"The plugin module {module!r} (--plugins) raised {type(err).__name__}{message}{where}. "
        "RL_HPO_DEBUG=1 shows the whole traceback."
    )


def _call_in_worker(fn: Callable[[T], R], item: T, plugins: Sequence[str]) -> R:
    prepare_worker(plugins)
    try:
        return fn(item)
    except BaseException as err:
        # Exceptions of arbitrary classes may not unpickle in the parent: send the text.
        raise CellFailure(f"{type(err).__name__}: {err}", traceback.format_exc()) from None


class Executor(ABC):
    """Maps a function over items, yielding ``(item, result or exception)`` as each finishes."""

    #: Worker processes (or Ray tasks) running at once.
    workers: int = 1

    @abstractmethod
    def imap_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        """Run ``fn`` on every item; yield each item with its result (or the exception it raised)."""

    def describe(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


class InlineExecutor(Executor):
    """Runs the items one after another in this process (debugging, tests, tiny studies).

    The process's thread settings are left as they are, so decision times may differ from a pool's.
    """

    def __init__(self, plugins: Sequence[str] = ()) -> None:
        self.plugins = tuple(plugins)

    def imap_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        prepare_worker(self.plugins, single_thread=False)
        for item in items:
            try:
                yield item, fn(item)
            except Exception as err:
                yield item, CellFailure(f"{type(err).__name__}: {err}", traceback.format_exc())


class ProcessExecutor(Executor):
    """A pool of ``workers`` local processes (started with "spawn": safe whatever the parent imported).

    Args:
        workers: processes at once; default all cores.
        plugins: modules each worker imports before its first item.
    """

    def __init__(self, workers: int | None = None, plugins: Sequence[str] = ()) -> None:
        self.workers = _check_workers(workers)
        self.plugins = tuple(plugins)

    def imap_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        if not items:
            return
        pool = cf.ProcessPoolExecutor(
            max_workers=min(self.workers, len(items)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_end_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            futures = {pool.submit(_call_in_worker, fn, item, self.plugins): item for item in items}
            for future in cf.as_completed(futures):
                item = futures[future]
                try:
                    yield item, future.result()
                except Exception as err:  # CellFailure, or BrokenProcessPool when a worker died
                    yield item, err
        except BaseException:
            # An interrupt, SIGTERM (the CLI turns it into one) or an early stop of the caller: stop the
            # running cells too instead of leaving workers computing results nobody collects. Their cells are
            # not saved; running the study again runs them.
            _terminate_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _end_with_parent(parent: int) -> None:
    """A pool worker's initializer: on Linux, the worker gets SIGTERM when the bench process dies, also by
    ``kill -9``, which gives that process no chance to stop its workers (they would compute on, unseen)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # no prctl in this C library: the workers end with their last cell
        return
    if os.getppid() != parent:  # the bench process died before the call above
        os._exit(1)


def _terminate_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes (``terminate_workers`` from Python 3.14 on; before it, the pool's
    process table, since ProcessPoolExecutor had no public way to stop work that has started)."""
    if hasattr(pool, "terminate_workers"):
        pool.terminate_workers()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


class RayExecutor(Executor):
    """Ray tasks, one per item, each reserving one CPU (``--executor ray``).

    Connects to the cluster named by ``address`` (or ``RAY_ADDRESS``), or starts a local Ray instance with
    ``workers`` CPUs when there is none; a Ray instance this executor started is shut down afterwards.

    Args:
        workers: CPUs of a local Ray instance (default all cores); ignored when joining a cluster.
        plugins: modules each Ray worker imports before its first item.
        address: a Ray cluster address; default ``RAY_ADDRESS`` or a new local instance.

    Raises:
        ImportError: if Ray is not installed (``pip install 'rl-hpo[ray]'``).
    """

    def __init__(self, workers: int | None = None, plugins: Sequence[str] = (), address: str | None = None) -> None:
        _import_ray()
        self.workers = _check_workers(workers)
        self.plugins = tuple(plugins)
        self.address = address

    def imap_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[T, R | BaseException]]:
        if not items:
            return
        ray = _import_ray()
        started = False
        if not ray.is_initialized():
            address = self.address or os.environ.get("RAY_ADDRESS")
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                # Local workers must import what this process can (plugins, a source checkout).
                path = os.pathsep.join(p for p in sys.path if p)
                ray.init(
                    num_cpus=self.workers,
                    include_dashboard=False,
                    log_to_driver=False,
                    runtime_env={"env_vars": {"PYTHONPATH": path}},
                )
            started = True
        pending: dict[Any, T] = {}
        try:
            remote = ray.remote(num_cpus=1, max_retries=0)(_call_in_worker)
            pending = {remote.remote(fn, item, self.plugins): item for item in items}
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    item = pending.pop(ref)
                    try:
                        yield item, ray.get(ref)
                    except Exception as err:  # a RayTaskError wraps the worker's CellFailure
                        cause = getattr(err, "cause", None)
                        yield item, cause if isinstance(cause, BaseException) else err
        finally:
            for ref in pending:  # an interrupt or an early stop: cancel what has not finished
                ray.cancel(ref, force=True)
            if started:
                ray.shutdown()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError(
            "The Ray executor needs Ray, which is not installed: pip install 'rl-hpo[ray]' (or use --executor local)."
        ) from None
    return ray


def _check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"The 'workers' parameter must be an int >= 1 or None (all cores). Got {workers!r} instead.")
    return workers


def make_executor(name: str = "local", workers: int | None = None, plugins: Sequence[str] = ()) -> Executor:
    """The executor called ``name``: "local" (process pool), "ray", or "inline" (this process).

    Raises:
        ValueError: for another name or a bad ``workers``.
        ImportError: for "ray" when Ray is not installed.
    """
    if name == "local":
        return ProcessExecutor(workers, plugins)
    if name == "ray":
        return RayExecutor(workers, plugins)
    if name == "inline":
        _check_workers(workers)
        return InlineExecutor(plugins)
    raise ValueError(f"The 'executor' parameter must be one of {', '.join(EXECUTORS)}. Got {name!r} instead.")
