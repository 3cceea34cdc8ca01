"""Several trials at a time in worker processes: the trials of a batched run, failures kept, journals resumed."""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import rl_hpo
from rl_hpo.exceptions import DataNotFoundError, TuningInterrupted
from rl_hpo.journal import JournalError
from rl_hpo.tasks import timeout
from rl_hpo.tasks.base import FunctionTask

pytestmark = pytest.mark.filterwarnings("ignore:.* trials failed:UserWarning")

SPACE = {"x": rl_hpo.Float(-5.0, 5.0), "kind": rl_hpo.Categorical(["a", "b"])}


def fails_when_large(config: dict) -> float:
    if config["x"] > 4.0:
        raise ValueError("x is too large")
    return -((config["x"] - 1.0) ** 2) + (config["kind"] == "a")


def _trials(history: rl_hpo.History) -> list[tuple]:
    return [(r.config, None if math.isnan(r.score) else r.score, r.error) for r in history.records]


def _children() -> list:
    """The worker processes of timeouts and parallel trials still alive (not other tests' process pools)."""
    return [p for p in multiprocessing.active_children() if p.name == timeout.WORKER_NAME]


@pytest.mark.parametrize("method", ["ei", "tpe", "random"])
def test_workers_propose_the_trials_of_the_same_batched_run(method):
    space = rl_hpo.SearchSpace.from_dict(SPACE)
    runs = []
    for workers in (1, 3):
        optimizer = rl_hpo.make_optimizer(method, space, seed=3)
        runs.append(optimizer.optimize(FunctionTask(fails_when_large, space), 15, batch=3, workers=workers))
    assert _trials(runs[0]) == _trials(runs[1])
    assert runs[1].n_failed == sum(r.config["x"] > 4.0 for r in runs[1].records)
    assert all(r.cost > 0 for r in runs[1].records)
    assert not _children()


def test_workers_evaluate_a_round_at_the_same_time(tmp_path):
    """Each call waits until the other two of its round have started: only concurrent calls can all succeed."""

    def waits_for_its_round(config: dict) -> float:
        (tmp_path / f"{config['x']!r}").touch()
        deadline = time.monotonic() + 30
        while len(list(tmp_path.iterdir())) < 3:
            if time.monotonic() > deadline:
                raise RuntimeError("the other trials of the round never started")
            time.sleep(0.01)
        return config["x"]

    history = rl_hpo.tune(waits_for_its_round, {"x": (0.0, 1.0)}, budget=3, seed=0, workers=3)
    assert history.n_failed == 0 and history.n_trials == 3


def test_a_trial_past_its_timeout_fails_in_its_worker_and_the_run_goes_on():
    def hangs_when_small(config: dict) -> float:
        if config["x"] < 0.3:
            time.sleep(60)
        return config["x"]

    start = time.monotonic()
    with pytest.warns(UserWarning, match="trials failed"):
        history = rl_hpo.tune(hangs_when_small, {"x": (0.0, 1.0)}, budget=8, seed=0, timeout=1.0, workers=4)
    failed = [r for r in history.records if r.error]
    assert failed and all("timeout of 1 s" in r.error for r in failed)
    assert all(r.config["x"] < 0.3 for r in failed)
    assert {r.config["x"] < 0.3 for r in history.records} == {True, False}
    assert time.monotonic() - start < 30  # hung trials were stopped, not waited for
    assert not _children()


def test_a_worker_that_dies_fails_its_trial_alone_and_a_task_runs_in_workers_too():
    def dies_when_large(config: dict) -> float:
        if config["x"] > 0.7:
            os._exit(3)
        return config["x"]

    history = rl_hpo.tune(dies_when_large, {"x": (0.0, 1.0)}, budget=12, seed=0, workers=3)
    died = [r for r in history.records if r.error]
    assert died and all("worker process died (exit code 3)" in r.error for r in died)
    assert history.n_failed == len(died) < history.n_trials
    task = rl_hpo.load_task("synthetic/branin/0")
    runs = [rl_hpo.make_optimizer("ei", task.space, seed=0).optimize(task, 8, batch=4, workers=w) for w in (1, 4)]
    assert _trials(runs[0]) == _trials(runs[1])
    assert not _children()


def test_an_interrupted_round_stops_its_workers():
    def interrupts(history, trial, result):
        if history.n_trials == 2:
            raise KeyboardInterrupt

    space = rl_hpo.SearchSpace.from_dict(SPACE)
    optimizer = rl_hpo.make_optimizer("ei", space, seed=0)
    with pytest.raises(TuningInterrupted) as caught:
        optimizer.optimize(FunctionTask(fails_when_large, space), 12, batch=4, workers=4, callback=interrupts)
    assert caught.value.history.n_trials == 2
    assert not optimizer._pending  # the round's other trials were cancelled
    assert not _children()


def _drop_trials(journal: Path, first: int) -> None:
    with sqlite3.connect(journal) as db:
        db.execute("DELETE FROM trials WHERE trial >= ?", (first,))


@pytest.mark.parametrize("kept", [6, 7, 8])  # a whole round kept, or one or two trials of the round being told
def test_a_journaled_run_in_rounds_resumes_as_if_it_had_not_stopped(tmp_path, kept):
    journal = tmp_path / "run.db"
    whole = rl_hpo.tune(fails_when_large, SPACE, budget=12, method="ei", seed=1, journal=journal, workers=3)
    shutil.copy(journal, tmp_path / "copy.db")
    stopped = tmp_path / "copy.db"
    _drop_trials(stopped, kept)
    resumed = rl_hpo.tune(fails_when_large, SPACE, budget=12, method="ei", journal=stopped, resume=True, workers=3)
    assert _trials(resumed) == _trials(whole)  # the round's untold trials are evaluated first, as they would have been
    again = rl_hpo.tune(fails_when_large, SPACE, budget=12, method="ei", journal=stopped, resume=True, workers=3)
    assert _trials(again) == _trials(resumed)


@pytest.mark.parametrize("method", ["ei", "hyperband"])
def test_a_journaled_run_in_rounds_extended_and_stopped_resumes_again_and_again(tmp_path, method):
    space = rl_hpo.SearchSpace.from_dict(SPACE)

    def objective(config: dict, epochs: float) -> float:
        return fails_when_large(config) - 1.0 / epochs

    task = FunctionTask(objective, space, fidelity=rl_hpo.Fidelity("epochs", 1, 27, integer=True))
    journal = tmp_path / "run.db"
    args = {"method": method, "journal": journal, "workers": 3}
    first = rl_hpo.tune(task, budget=5, seed=2, **args)
    extended = rl_hpo.tune(task, budget=11, resume=True, **args)  # rounds cut at 5 in the first session, at 11 now
    assert _trials(extended)[: first.n_trials] == _trials(first)
    _drop_trials(journal, extended.n_trials - 1)  # stopped while telling the last round
    resumed = rl_hpo.tune(task, budget=11, resume=True, **args)
    assert _trials(resumed) == _trials(extended)
    assert _trials(rl_hpo.tune(task, budget=11, resume=True, **args)) == _trials(extended)
    longer = rl_hpo.tune(task, budget=14, resume=True, **args)
    assert _trials(longer)[: extended.n_trials] == _trials(extended) and longer.budget_used >= 14 - 1e-9


def test_a_journaled_run_resumes_only_with_its_own_number_of_workers(tmp_path):
    journal = tmp_path / "run.db"
    rl_hpo.tune(fails_when_large, SPACE, budget=6, method="ei", seed=1, journal=journal, workers=3)
    with pytest.raises(JournalError, match="workers"):
        rl_hpo.tune(fails_when_large, SPACE, budget=9, method="ei", journal=journal, resume=True, workers=2)
    with pytest.raises(JournalError, match="workers"):
        rl_hpo.tune(fails_when_large, SPACE, budget=9, method="ei", journal=journal, resume=True)


def test_workers_draw_their_own_random_numbers_and_a_failure_costs_its_own_time():
    def noisy(config: dict) -> float:
        if config["x"] < 0.5:
            raise ValueError("fails at once")
        time.sleep(0.5)
        return float(np.random.random())  # noqa: NPY002 (the global generator, which a forked worker copies)

    history = rl_hpo.tune(noisy, {"x": (0.0, 1.0)}, budget=8, method="random", seed=0, workers=4, fail_fast=None)
    scores = [r.score for r in history.records if not r.error]
    assert len(scores) >= 2 and len(set(scores)) == len(scores)  # a forked worker does not copy the others' draws
    failed = [r for r in history.records if r.error]
    assert failed and all(r.cost < 0.25 for r in failed)  # not the wait for a slower trial of its round


def test_missing_benchmark_data_in_a_worker_stops_the_run():
    def needs_data(config: dict) -> float:
        raise DataNotFoundError("no benchmark data at /nowhere")

    with pytest.raises(DataNotFoundError, match="no benchmark data at /nowhere"):
        rl_hpo.tune(needs_data, {"x": (0.0, 1.0)}, budget=4, seed=0, workers=2)
    assert not _children()


def test_a_batch_smaller_than_the_workers_is_refused():
    space = rl_hpo.SearchSpace.from_dict(SPACE)
    with pytest.raises(ValueError, match="give batch >= workers"):
        rl_hpo.make_optimizer("random", space).optimize(FunctionTask(fails_when_large, space), 4, workers=2)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\tZ" not in next(line for line in status if line.startswith("State:"))
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_workers_end_when_the_process_that_started_them_is_killed(tmp_path):
    script = f"""
import os, time, rl_hpo
def hangs(config):
    open(os.path.join({str(tmp_path)!r}, f"worker-{{os.getpid()}}"), "w").close()
    time.sleep(120)
    return 0.0
rl_hpo.tune(hangs, {{"x": (0.0, 1.0)}}, budget=4, seed=0, workers=2)
"""
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("worker-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [int(p.name.split("-")[1]) for p in tmp_path.glob("worker-*")]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:  # a failing run leaves nothing behind either
        os.kill(pid, signal.SIGKILL)
    assert not left


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="The 'workers' parameter must be an int >= 1"):
        rl_hpo.tune(fails_when_large, SPACE, budget=3, workers=bad)
