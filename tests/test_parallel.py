"""Several trials at a time in worker processes: the trials of a batched run, failures kept, journals resumed."""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

import rl_hpo
from rl_hpo.exceptions import TuningInterrupted
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


@pytest.mark.parametrize("kept", [6, 7])  # a whole round kept, or one trial of the round that was being told
def test_a_journaled_run_in_rounds_resumes_where_it_stopped(tmp_path, kept):
    journal = tmp_path / "run.db"
    whole = rl_hpo.tune(fails_when_large, SPACE, budget=12, method="ei", seed=1, journal=journal, workers=3)
    shutil.copy(journal, tmp_path / "copy.db")
    stopped = tmp_path / "copy.db"
    _drop_trials(stopped, kept)
    resumed = rl_hpo.tune(fails_when_large, SPACE, budget=12, method="ei", journal=stopped, resume=True, workers=3)
    assert resumed.n_trials == 12
    assert _trials(resumed)[:kept] == _trials(whole)[:kept]
    if kept == 6:  # the stopped round is asked again as it was
        assert _trials(resumed) == _trials(whole)
    # and resuming the resumed run replays it, cancelled trials and all
    again = rl_hpo.tune(fails_when_large, SPACE, budget=12, method="ei", journal=stopped, resume=True, workers=3)
    assert _trials(again) == _trials(resumed)


def test_a_journaled_run_resumes_only_with_its_own_number_of_workers(tmp_path):
    journal = tmp_path / "run.db"
    rl_hpo.tune(fails_when_large, SPACE, budget=6, method="ei", seed=1, journal=journal, workers=3)
    with pytest.raises(JournalError, match="workers"):
        rl_hpo.tune(fails_when_large, SPACE, budget=9, method="ei", journal=journal, resume=True, workers=2)
    with pytest.raises(JournalError, match="workers"):
        rl_hpo.tune(fails_when_large, SPACE, budget=9, method="ei", journal=journal, resume=True)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_positive_int(bad):
    with pytest.raises(ValueError, match="The 'workers' parameter must be an int >= 1"):
        rl_hpo.tune(fails_when_large, SPACE, budget=3, workers=bad)
