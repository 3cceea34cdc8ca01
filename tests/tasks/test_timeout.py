"""Per-trial timeouts: a hung objective is stopped, the run goes on, no worker process is leaked."""

from __future__ import annotations

import os
import time

import pytest

import rl_hpo
from rl_hpo.tasks.timeout import ObjectiveTimeout, TimedObjective


def slow_when_large(config):
    if config["x"] > 0.5:
        time.sleep(60)  # a hung fit
    return config["x"]


def test_a_hung_trial_is_stopped_and_the_run_goes_on():
    start = time.monotonic()
    history = rl_hpo.tune(slow_when_large, {"x": (0.0, 1.0)}, budget=8, seed=0, timeout=0.5)
    assert time.monotonic() - start < 20
    failed = [r for r in history.records if r.failed]
    assert failed and all("timeout of 0.5 s" in r.error for r in failed)
    assert all(r.config["x"] > 0.5 for r in failed)
    assert all(not r.failed for r in history.records if r.config["x"] <= 0.5)


def test_the_worker_is_killed_and_reaped():
    timed = TimedObjective(lambda: time.sleep(60), timeout=0.2)
    timed._start()
    pid = timed._process.pid
    with pytest.raises(ObjectiveTimeout):
        timed()
    assert timed._process is None
    with pytest.raises(ChildProcessError):  # already reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):  # and gone
        os.kill(pid, 0)


def exits_when_large(config):
    if config["x"] > 0.5:
        os._exit(3)  # e.g. a native library that ends the process
    return config["x"]


def test_a_worker_that_dies_is_reported_with_its_exit_code_and_replaced():
    timed = TimedObjective(exits_when_large, timeout=5)
    with pytest.raises(Exception, match=r"the objective's worker process died \(exit code 3\)"):
        timed({"x": 0.9})
    assert timed({"x": 0.2}) == 0.2  # a new worker takes the next trial
    timed.close()


def fails_when_small(config):
    if config["x"] < 0.5:
        raise RuntimeError("diverged")
    return config["x"]


def test_errors_inside_the_worker_are_reported_and_the_worker_is_reused():
    timed = TimedObjective(fails_when_small, timeout=5)
    with pytest.raises(Exception, match="RuntimeError: diverged"):
        timed({"x": 0.1})
    pid = timed._process.pid
    assert timed({"x": 0.7}) == 0.7
    assert timed._process.pid == pid
    timed.close()
    history = rl_hpo.tune(fails_when_small, {"x": (0.0, 1.0)}, budget=6, seed=0, timeout=5)
    assert {r.failed for r in history.records} == {True, False}
    failed = [r for r in history.records if r.failed]
    # the same error text as without a timeout, and the worker's traceback down to the raise
    assert all(r.error == "RuntimeError: diverged" for r in failed)
    assert all("in fails_when_small" in r.info["traceback"] for r in failed)
    plain = rl_hpo.tune(fails_when_small, {"x": (0.0, 1.0)}, budget=6, seed=0)
    assert [r.error for r in plain.records] == [r.error for r in history.records]


@pytest.mark.parametrize("bad", [0, -1, "5", True, float("nan"), float("inf"), 1e10])
def test_timeout_must_be_positive(bad):
    with pytest.raises(ValueError, match="The 'timeout' parameter must be a number of seconds > 0"):
        TimedObjective(lambda: 0, bad)


def test_no_worker_outlives_a_tune_call_even_while_something_holds_its_task(monkeypatch):
    import multiprocessing

    from rl_hpo.tasks import base, timeout

    kept = []  # a frame or traceback that pins the task (Optuna's lazy imports can) keeps its worker alive
    original = base.FunctionTask.__init__

    def remember(self, *args, **kwargs):
        original(self, *args, **kwargs)
        kept.append(self)

    monkeypatch.setattr(base.FunctionTask, "__init__", remember)
    rl_hpo.tune(fails_when_small, {"x": (0.0, 1.0)}, budget=3, seed=0, timeout=5)
    assert kept and kept[0]._call._process is None
    # (other tests' process pools may still be alive; no objective worker is)
    assert not [p for p in multiprocessing.active_children() if p.name == timeout.WORKER_NAME]


def test_a_second_ctrl_c_while_the_worker_stops_keeps_the_first_ones_trials(monkeypatch):
    import rl_hpo.optimizer
    from rl_hpo.tasks.base import FunctionTask

    evaluate, calls, closes = rl_hpo.optimizer.evaluate_safely, [], []

    def interrupted_at_the_third(task, trial):
        calls.append(trial)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return evaluate(task, trial)

    close = FunctionTask.close

    def interrupted_close(self):
        closes.append(self)
        if len(closes) == 1:
            raise KeyboardInterrupt  # the second Ctrl-C, during the first close
        close(self)

    monkeypatch.setattr(rl_hpo.optimizer, "evaluate_safely", interrupted_at_the_third)
    monkeypatch.setattr(FunctionTask, "close", interrupted_close)
    with pytest.raises(rl_hpo.TuningInterrupted) as caught:
        rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=6, seed=0, timeout=5)
    assert caught.value.history.n_trials == 2
    assert len(closes) == 2


def starts_a_sleeper(config, pid_file):
    import subprocess

    child = subprocess.Popen(["sleep", "61"])
    with open(pid_file, "w") as f:
        f.write(str(child.pid))
    time.sleep(60)  # a trainer waiting on its subprocess
    return 0.0


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")
def test_a_stopped_trial_stops_the_processes_its_objective_started(tmp_path):
    pid_file = tmp_path / "child.pid"
    timed = TimedObjective(lambda config: starts_a_sleeper(config, pid_file), timeout=1.0)
    with pytest.raises(ObjectiveTimeout):
        timed({})
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(child):
        time.sleep(0.05)
    assert not _running(child)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie waiting to be reaped has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a forked worker inherits the caller's handlers")
def test_the_worker_ends_on_sigterm_as_any_process_does_not_by_the_callers_handler():
    import signal

    def handler(*_):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)  # as the CLI's, which stops a command as Ctrl-C does
    try:
        timed = TimedObjective(lambda: signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, timeout=30)
        try:
            assert timed() is True
        finally:
            timed.close()
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_return_value_that_cannot_leave_the_worker_fails_its_trial_saying_what_it_was():
    with pytest.raises(rl_hpo.AllTrialsFailedError) as failed:
        rl_hpo.tune(lambda config: lambda: config["x"], {"x": (0.0, 1.0)}, budget=2, seed=0, timeout=5)
    error = failed.value.history.records[0].error
    assert "the objective returned function <function" in error and "it must return one number" in error
