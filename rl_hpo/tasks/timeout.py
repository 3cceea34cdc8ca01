"""Per-trial timeouts for live objectives: run the objective in a worker process that can be killed.

A Python thread cannot be stopped, and a hung ``fit`` may never return, so an objective with a timeout
runs in a child process. The worker is started once and reused; when a trial runs past its timeout the
worker is killed (the trial fails with a timeout error) and a fresh worker serves the next trial. The
worker is always reaped, and what the objective started in it (a subprocess, a pool of workers) is stopped with it:
no process outlives the task.

On Linux the worker is forked, so any objective works (closures and lambdas included); where fork is
not available the objective must be picklable.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from rl_hpo.exceptions import DataNotFoundError

__all__ = ["WORKER_NAME", "ObjectiveTimeout", "TimedObjective"]

#: The name of every objective worker process (``multiprocessing.active_children()`` tells them apart by it).
WORKER_NAME = "rl_hpo-objective"


class ObjectiveTimeout(Exception):
    """The objective ran past its time limit and was stopped."""


class ObjectiveError(Exception):
    """The objective raised inside the worker; the message carries the original type and text, ``worker_traceback``
    the worker's traceback as text and ``seconds`` how long the call ran before it raised (None: unknown)."""

    def __init__(self, message: str, worker_traceback: str | None = None, seconds: float | None = None) -> None:
        super().__init__(message)
        self.worker_traceback = worker_traceback
        self.seconds = seconds


#: How often a worker checks that the process that started it is still there (seconds).
_PARENT_CHECK_S = 1.0


def _worker(objective: Callable[..., Any], conn: Any) -> None:
    # A forked worker inherits the calling process's handlers: SIGTERM ends it as it ends any process, not as the
    # CLI's handler stops a command.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(os, "setsid"):  # a process group of its own, so that stopping it stops what the objective started
        with contextlib.suppress(OSError):
            os.setsid()
    _fresh_random_state()
    if hasattr(os, "killpg"):
        threading.Thread(target=_end_with_parent, args=(os.getppid(),), daemon=True).start()
    while True:
        try:
            args = conn.recv()
        except EOFError:
            return
        start = time.perf_counter()
        try:
            value = objective(*args)
        except BaseException as err:  # report everything, including SystemExit from user code
            trace = "".join(traceback.format_exception(err, limit=-5))
            conn.send(("error", f"{type(err).__name__}: {err}", trace, time.perf_counter() - start, type(err).__name__))
            continue
        try:
            conn.send(("ok", value))
        except Exception as err:  # a value that cannot go back through the pipe (a function, a generator): say what
            seconds = time.perf_counter() - start
            text = f"{value!r}"[:200]
            message = (
                f"TypeError: the objective returned {type(value).__name__} {text}; it must return one number ({err})"
            )
            conn.send(("error", message, "", seconds, "TypeError"))


def _fresh_random_state() -> None:
    """Seed NumPy's (and torch's, where loaded) global generator afresh: a forked worker copies the calling process's,
    so that workers running at the same time would otherwise draw the same numbers (Python's ``random`` reseeds itself
    at a fork)."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    torch = sys.modules.get("torch")
    if torch is not None:
        with contextlib.suppress(Exception):
            torch.seed()


def _end_with_parent(parent: int) -> None:
    """Stop this worker and what its objective started once the process that started it is gone (killed, say), so
    that no worker outlives the run: the calling process is what stops workers otherwise."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK_S)
    os.killpg(os.getpgrp(), signal.SIGKILL)


class TimedObjective:
    """Call ``objective(*args)`` in a killable worker process, failing after ``timeout`` seconds.

    Args:
        objective: the function to call; its return value must be picklable.
        timeout: seconds per call (> 0); None waits as long as the call takes (a worker process all the same).
    """

    def __init__(self, objective: Callable[..., Any], timeout: float | None) -> None:
        if timeout is not None and (
            isinstance(timeout, bool) or not (isinstance(timeout, int | float) and 0 < timeout <= threading.TIMEOUT_MAX)
        ):
            raise ValueError(
                f"The 'timeout' parameter must be a number of seconds > 0 and at most {threading.TIMEOUT_MAX:.3g} "
                f"(None: no limit). Got {timeout!r} instead."
            )
        self.objective = objective
        self.timeout = None if timeout is None else float(timeout)
        self._sent_at = 0.0  # when the call in progress was handed to the worker (``submit``)
        methods = mp.get_all_start_methods()
        self._context: Any = mp.get_context("fork" if "fork" in methods else "spawn")
        self._process: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        self._process = self._context.Process(
            target=_worker, args=(self.objective, child), daemon=True, name=WORKER_NAME
        )
        self._process.start()
        child.close()
        self._conn = parent

    def __call__(self, *args: Any) -> Any:
        self.submit(*args)
        return self.result()

    def submit(self, *args: Any) -> None:
        """Hand ``objective(*args)`` to the worker and return at once; ``result()`` waits for it. Several
        ``TimedObjective``s submitted to in turn run their calls at the same time (``rl_hpo.parallel``)."""
        if self._process is None or not self._process.is_alive():
            self.close()  # a worker that died between calls: reap it, stop what it started, close its pipe
            self._start()
        self._conn.send(args)
        self._sent_at = time.monotonic()

    def result(self) -> Any:
        """The submitted call's return value; raises ``ObjectiveTimeout`` once it has run ``timeout`` seconds since
        ``submit`` (the worker is then stopped) and ``ObjectiveError`` where the objective raised or its worker died."""
        left = None if self.timeout is None else max(0.0, self.timeout - (time.monotonic() - self._sent_at))
        if not self._conn.poll(left):
            self.close()
            raise ObjectiveTimeout(f"the objective ran past its timeout of {self.timeout:g} s and was stopped")
        try:
            message = self._conn.recv()
        except EOFError:  # the pipe closed as the worker ended: reap it, so that its exit code is known
            process = self._process
            self.close()
            code = process.exitcode if process is not None else None
            how = f"exit code {code}"
            if code is not None and code < 0:
                with contextlib.suppress(ValueError):
                    how += f": killed by {signal.Signals(-code).name}" + (
                        ", as the system does when memory runs out" if -code == signal.SIGKILL else ""
                    )
            raise ObjectiveError(
                f"the objective's worker process died ({how})", seconds=time.monotonic() - self._sent_at
            ) from None
        if message[0] == "error":
            if message[4] == "DataNotFoundError":  # missing benchmark data fails every trial alike: stop the run
                raise DataNotFoundError(message[1].removeprefix("DataNotFoundError: "))
            raise ObjectiveError(message[1], message[2], message[3])
        return message[1]

    def close(self) -> None:
        """Stop the worker (kill it if it does not stop at once) and what the objective started in it, and reap it."""
        if self._process is not None:
            self._stop_group()
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=5)
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _stop_group(self) -> None:
        """Kill the processes left in the worker's process group (subprocesses and pools the objective started),
        while the worker is not reaped yet, so that its id still names that group."""
        if hasattr(os, "killpg") and self._process.pid is not None:
            with contextlib.suppress(OSError):  # no such group: the worker and all it started are gone
                os.killpg(self._process.pid, signal.SIGKILL)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # interpreter shutdown may have torn down multiprocessing
            self.close()
