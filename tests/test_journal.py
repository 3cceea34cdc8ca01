"""Durable runs: journal every finished trial, resume after a crash without losing or repeating one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import rl_hpo
from rl_hpo.journal import JournalError

SPACE = {"x": (0.0, 1.0), "n": (1, 9), "kind": ["a", "b"]}


def objective(config):
    return config["x"] + 0.1 * config["n"] + (config["kind"] == "b")


def test_resume_continues_the_same_run(tmp_path):
    path = tmp_path / "run.db"
    uninterrupted = rl_hpo.tune(objective, SPACE, budget=12, seed=3)
    first = rl_hpo.tune(objective, SPACE, budget=5, seed=3, journal=path)
    assert len(first) == 5
    calls = []

    def counting(config):
        calls.append(config)
        return objective(config)

    resumed = rl_hpo.tune(counting, SPACE, budget=12, seed=3, journal=path, resume=True)
    assert len(calls) == 7  # the 5 journaled trials were not evaluated again
    timings = ["decision_s", "cost"]  # measured seconds differ between runs; everything else is identical
    assert resumed.to_dataframe().drop(columns=timings).equals(uninterrupted.to_dataframe().drop(columns=timings))


@pytest.mark.filterwarnings("ignore:1 of .* trials failed")
def test_a_resumed_run_says_what_it_replayed_and_its_bar_starts_there(tmp_path, capsys):
    path = tmp_path / "run.db"

    calls = []

    def failing_first(config):
        calls.append(config)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return objective(config)

    rl_hpo.tune(failing_first, SPACE, budget=5, seed=3, journal=path, progress=False)
    rl_hpo.tune(objective, SPACE, budget=7, seed=3, journal=path, resume=True, progress=False)
    assert capsys.readouterr().err == ""  # no progress: nothing said
    rl_hpo.tune(objective, SPACE, budget=9, seed=3, journal=path, resume=True, progress=True)
    err = capsys.readouterr().err
    assert f"Resumed {str(path)!r}: 7 finished trials replayed, 1 of them failed (7 of 9 evaluations used; best " in err
    assert "7/9" in err and "0/9" not in err  # the bar starts where the replay ended


def test_an_existing_journal_is_never_overwritten(tmp_path):
    path = tmp_path / "run.db"
    rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=path)
    with pytest.raises(JournalError, match=r"exists already; resume it to continue that run \(--resume; in Python"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=path)


def test_resuming_another_run_is_refused(tmp_path):
    path = tmp_path / "run.db"
    rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=path)
    with pytest.raises(JournalError, match=r"records another run \(method: journal has \"ppo\".*--method NAME"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, method="qmc", journal=path, resume=True)
    with pytest.raises(JournalError, match="seed: journal has 0, this run has 1"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=1, journal=path, resume=True)
    other_space = {**SPACE, "extra": (0.0, 1.0)}
    other_space.pop(next(iter(SPACE)))
    with pytest.raises(JournalError, match=r"space differs, only in the journal: '.+'; only in this run: 'extra'\)"):
        rl_hpo.tune(objective, other_space, budget=2, seed=0, journal=path, resume=True)


def test_a_run_without_seed_records_the_seed_it_drew(tmp_path):
    path = tmp_path / "run.db"
    first = rl_hpo.tune(objective, SPACE, budget=3, journal=path)
    resumed = rl_hpo.tune(objective, SPACE, budget=6, journal=path, resume=True)
    assert resumed.seed == first.seed is not None
    assert [r.config for r in resumed.records[:3]] == [r.config for r in first.records]


def test_resume_on_a_new_journal_without_seed_starts_a_run_that_can_be_resumed(tmp_path):
    # the same command for the first start and after a crash: resume=True on a path that has no journal yet
    path = tmp_path / "run.db"
    with pytest.warns(UserWarning, match="no journal at .* to resume: a new run starts there"):
        first = rl_hpo.tune(objective, SPACE, budget=3, journal=path, resume=True)
    assert first.seed is not None
    resumed = rl_hpo.tune(objective, SPACE, budget=6, journal=path, resume=True)
    assert resumed.seed == first.seed
    assert [r.config for r in resumed.records[:3]] == [r.config for r in first.records]
    with pytest.warns(UserWarning, match="holds a run past this budget"):
        smaller = rl_hpo.tune(objective, SPACE, budget=2, journal=path, resume=True)
    assert smaller.n_trials == 6


def test_tuple_and_numpy_choices_and_a_numpy_seed_resume(tmp_path):
    # JSON stores tuples as lists and numpy values as plain numbers; replaying compares them as stored
    space = rl_hpo.SearchSpace(
        {
            "shape": rl_hpo.Categorical([(16,), (32, 32)]),
            "k": rl_hpo.Categorical(list(np.arange(4))),
            "x": rl_hpo.Float(0, 1),
        }
    )

    def score(config):
        return config["x"] + len(config["shape"]) + float(config["k"])

    path = tmp_path / "run.db"
    first = rl_hpo.tune(score, space, budget=4, seed=np.int64(3), journal=path)
    resumed = rl_hpo.tune(score, space, budget=8, seed=np.int64(3), journal=path, resume=True)
    assert resumed.seed == 3
    assert [r.config for r in resumed.records[:4]] == [r.config for r in first.records]


def test_a_choice_json_cannot_store_is_refused_before_the_journal_is_created(tmp_path):
    path = tmp_path / "run.db"
    space = rl_hpo.SearchSpace({"model": rl_hpo.Categorical([object(), None])})
    with pytest.raises(JournalError, match=r"cannot be journaled.*object"):
        rl_hpo.tune(lambda c: 0.0, space, budget=2, seed=0, journal=path)
    assert not path.exists()


@pytest.mark.parametrize("resume", [True, False])
def test_a_method_or_option_refused_leaves_no_journal_behind(tmp_path, resume):
    path = tmp_path / "run.db"
    with pytest.raises(ValueError, match="takes the keyword argument 'polcy'"):
        rl_hpo.tune(objective, SPACE, budget=2, method="ppo", seed=0, journal=path, resume=resume, polcy="default")
    with pytest.raises(ValueError, match="Unknown method 'nosuch'"):
        rl_hpo.tune(objective, SPACE, budget=2, method="nosuch", journal=path, resume=resume)
    assert list(tmp_path.iterdir()) == []
    history = rl_hpo.tune(objective, SPACE, budget=2, method="ppo", seed=0, journal=path)  # the corrected call
    assert history.n_trials == 2


@pytest.mark.parametrize("resume", [True, False])
def test_a_file_that_is_not_a_journal_is_a_clear_error(tmp_path, resume):
    path = tmp_path / "run.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(JournalError, match=r"exists and is not an rl_hpo journal \(not an SQLite file\)"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=path, resume=resume)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.db"]  # untouched, and no lock file beside it
    assert path.read_bytes() == b"not a database at all" * 100


def test_an_empty_journal_path_is_refused_not_read_as_the_current_folder():
    with pytest.raises(JournalError, match=r"The journal path is empty; a journal is a file \(e.g. 'run.db'\)"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal="")


def test_a_damaged_sqlite_file_is_a_clear_error(tmp_path):
    path = tmp_path / "run.db"
    damaged = b"SQLite format 3\x00" + b"\xff" * 4000
    path.write_bytes(damaged)
    with pytest.raises(JournalError, match="is not a readable rl_hpo journal"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=path, resume=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.db"]
    assert path.read_bytes() == damaged


def test_a_journal_damaged_within_its_trials_is_a_clear_error_and_left_as_it_was(tmp_path):
    path = tmp_path / "run.db"
    rl_hpo.tune(objective, SPACE, budget=300, seed=0, method="random", journal=path)
    page = 4096  # SQLite's default page size: the pages after the schema's hold the trials table
    assert path.stat().st_size > 13 * page
    with open(path, "r+b") as f:  # a sector gone bad in the middle of the trials
        f.seek(12 * page)
        f.write(b"\xff" * 64)
    damaged, files = path.read_bytes(), sorted(tmp_path.iterdir())
    with pytest.raises(JournalError, match=r"'.*run.db' is not a readable rl_hpo journal \(.*malformed"):
        rl_hpo.tune(objective, SPACE, budget=302, seed=0, method="random", journal=path, resume=True)
    assert sorted(tmp_path.iterdir()) == files and path.read_bytes() == damaged


def test_a_trial_removed_outside_rl_hpo_is_named(tmp_path):
    import sqlite3

    path = tmp_path / "run.db"
    rl_hpo.tune(objective, SPACE, budget=4, seed=0, journal=path)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM trials WHERE trial = 1")
    with pytest.raises(JournalError, match=r"has no trial 1, though it holds trial 2: a trial was removed outside"):
        rl_hpo.tune(objective, SPACE, budget=6, seed=0, journal=path, resume=True)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("config", "{'x': 0.5}", "Expecting property name"),
        ("info", "[1, 2]", "its info is list, not an object"),
        ("score", "abc", "could not convert string to float"),
    ],
)
def test_a_row_changed_outside_rl_hpo_is_a_clear_error_that_names_it(tmp_path, column, value, reason):
    import sqlite3

    path = tmp_path / "run.db"
    rl_hpo.tune(objective, SPACE, budget=4, seed=0, journal=path)
    with sqlite3.connect(path) as db:
        db.execute(f"UPDATE trials SET {column} = ? WHERE trial = 2", (value,))
    with pytest.raises(JournalError, match=rf"Trial 2 of the journal '.*run.db' cannot be read \(.*{reason}"):
        rl_hpo.tune(objective, SPACE, budget=6, seed=0, journal=path, resume=True)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM trials").fetchone()[0] == 4  # nothing added, nothing lost


@pytest.mark.parametrize("schema", ["CREATE TABLE experiments (name TEXT)", "CREATE TABLE trials (name TEXT)"])
def test_a_user_s_own_sqlite_database_is_refused_and_left_as_it_was(tmp_path, schema):
    import sqlite3

    path = tmp_path / "mine.db"
    with sqlite3.connect(path) as db:
        db.execute(schema)
    with pytest.raises(JournalError, match=r"is not a readable rl_hpo journal \(an SQLite database with the tables"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=path, resume=True)
    with sqlite3.connect(path) as db:
        assert [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == [schema.split()[2]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.db"]  # no lock file left beside it


def test_a_journal_under_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(JournalError, match=r"The journal's folder '.*afile' is a file, not a folder"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=tmp_path / "afile" / "run.db")


def test_resuming_on_other_data_under_the_same_task_name_is_refused(tmp_path):
    from sklearn.datasets import load_iris

    from rl_hpo.tasks.sklearn import make_sklearn_task

    X, y = load_iris(return_X_y=True)
    path = tmp_path / "run.db"

    def task(rows):
        return make_sklearn_task("logistic_regression", X[rows], y[rows], name="sklearn/logistic_regression/mine")

    rl_hpo.tune(task(slice(None)), budget=2, seed=0, journal=path)
    with pytest.raises(JournalError, match=r"records another run .*task_fingerprint.*for a CSV file: its contents"):
        rl_hpo.tune(task(slice(0, None, 2)), budget=4, journal=path, resume=True)
    assert rl_hpo.tune(task(slice(None)), budget=3, journal=path, resume=True).n_trials == 3


def test_a_folder_for_a_journal_is_a_clear_error(tmp_path):
    with pytest.raises(JournalError, match="is a folder; a journal is a file"):
        rl_hpo.tune(objective, SPACE, budget=2, seed=0, journal=tmp_path, resume=True)


def test_resume_needs_a_journal():
    with pytest.raises(ValueError, match="resume=True needs journal=PATH"):
        rl_hpo.tune(objective, SPACE, budget=2, resume=True)


SCRIPT = textwrap.dedent(
    """
    import sys, time
    import rl_hpo

    log = open(sys.argv[2], "a")

    def objective(config):
        log.write(repr(config) + "\\n"); log.flush(); os.fsync(log.fileno())
        time.sleep(0.05)
        return config["x"]

    import os
    rl_hpo.tune(objective, {"x": (0.0, 1.0)}, budget=40, seed=11, journal=sys.argv[1], resume=sys.argv[3] == "1")
    print("done")
    """
)


def test_sigkill_halfway_then_resume_loses_and_repeats_nothing(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    journal, log = tmp_path / "run.db", tmp_path / "evaluations.log"
    proc = subprocess.Popen([sys.executable, str(script), str(journal), str(log), "0"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 15):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    evaluated_before = log.read_text().splitlines()
    assert 15 <= len(evaluated_before) < 40

    done = subprocess.run([sys.executable, str(script), str(journal), str(log), "1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    evaluated = log.read_text().splitlines()
    reference = [
        repr(c)
        for c in rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=40, seed=11)
        .to_dataframe()
        .filter(like="config.")
        .rename(columns=lambda c: c[7:])
        .to_dict("records")
    ]
    # every trial of the run was evaluated; only the one in flight at the kill may have run twice
    assert sorted(set(evaluated)) == sorted(reference)
    assert len(evaluated) - len(reference) <= 1
    resumed = rl_hpo.tune(lambda c: c["x"], {"x": (0.0, 1.0)}, budget=40, seed=11, journal=journal, resume=True)
    assert len(resumed) == 40
    assert [json.dumps(r.config) for r in resumed.records] == [
        json.dumps({"x": float(eval(line)["x"])}) for line in reference
    ]


def test_the_cli_journals_and_resumes(tmp_path):
    path = tmp_path / "cli.db"
    command = [
        sys.executable,
        "-m",
        "rl_hpo.cli",
        "tune",
        "--task",
        "synthetic/branin/0",
        "--budget",
        "4",
        "--seed",
        "0",
        "--quiet",
        "--json",
        "--journal",
        str(path),
    ]
    first = subprocess.run(command, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 2 and "exists already" in again.stderr
    longer = [("8" if arg == "4" else arg) for arg in command]  # the same run with a larger budget
    resumed = subprocess.run([*longer, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["trials"] == 8
    assert Path(path).exists()


@pytest.mark.skipif(sys.platform == "win32", reason="the journal lock uses flock")
def test_two_runs_resuming_one_journal_at_once_the_second_is_refused_naming_the_first(tmp_path):
    path, running = tmp_path / "run.db", tmp_path / "running"
    rl_hpo.tune(objective, SPACE, budget=3, seed=0, journal=path)
    code = f"""
import pathlib, time, rl_hpo
def slow(config):
    pathlib.Path({str(running)!r}).touch()  # the journal is open: trials run inside tune
    time.sleep(0.5)
    return config["x"] + 0.1 * config["n"] + (config["kind"] == "b")
rl_hpo.tune(slow, {SPACE!r}, budget=40, seed=0, journal={str(path)!r}, resume=True)
"""
    holder = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.time() + 60
        while not running.exists() and time.time() < deadline:
            time.sleep(0.1)
        with pytest.raises(JournalError, match=rf"in use by another run \(process {holder.pid} on "):
            rl_hpo.tune(objective, SPACE, budget=8, seed=0, journal=path, resume=True)
    finally:
        holder.kill()
        holder.wait()
    # the lock dies with its process, even by kill -9: the journal resumes and holds no trial twice
    history = rl_hpo.tune(objective, SPACE, budget=8, seed=0, journal=path, resume=True)
    assert [r.trial for r in history.records] == list(range(8))


def test_the_cli_prints_the_seed_a_journaled_run_drew(tmp_path):
    command = [sys.executable, "-m", "rl_hpo.cli", "tune", "--task", "synthetic/branin/0", "--budget", "3"]
    command += ["--quiet", "--json", "--journal", str(tmp_path / "cli.db"), "--resume"]
    first = subprocess.run(command, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    seed = json.loads(first.stdout)["seed"]
    assert isinstance(seed, int)
    resumed = subprocess.run([("5" if arg == "3" else arg) for arg in command], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["seed"] == seed


def test_a_run_resumes_whichever_way_its_policy_is_spelled(tmp_path, monkeypatch):
    from rl_hpo.agents.policy_file import default_policy_path, load_policy
    from rl_hpo.cli import main

    task = ["tune", "--task", "synthetic/branin/0", "--method", "ppo", "--seed", "0", "--quiet"]
    # Python starts the run with the default policy, the CLI (which spells it out) resumes it, and back
    rl_hpo.tune("synthetic/branin/0", budget=6, seed=0, method="ppo", journal=tmp_path / "a.db")
    assert main([*task, "--budget", "7", "--journal", str(tmp_path / "a.db"), "--resume"]) == 0
    assert len(rl_hpo.tune("synthetic/branin/0", budget=8, seed=0, method="ppo", journal=tmp_path / "a.db",
                           resume=True)) == 8  # fmt: skip
    # a policy folder: its relative and absolute paths, with or without a trailing slash, or the loaded policy
    folder = Path(os.path.relpath(default_policy_path()))
    spellings = [str(folder), str(folder.resolve()) + "/", load_policy(folder)]
    for budget, policy in enumerate(spellings, start=6):
        history = rl_hpo.tune("synthetic/branin/0", budget=budget, seed=0, method="ppo", policy=policy,
                              journal=tmp_path / "b.db", resume=budget > 6)  # fmt: skip
        assert len(history) == budget
    # a journal of an earlier version, which recorded the options as spelled: "default" spelled out by the CLI
    tune_module = sys.modules["rl_hpo.tune"]  # the package's attribute of that name is the function
    monkeypatch.setattr(tune_module, "_journaled_options", lambda options: {k: str(v) for k, v in options.items()})
    assert main([*task, "--budget", "6", "--journal", str(tmp_path / "c.db")]) == 0
    monkeypatch.undo()
    assert len(rl_hpo.tune("synthetic/branin/0", budget=8, seed=0, method="ppo", journal=tmp_path / "c.db",
                           resume=True)) == 8  # fmt: skip
    with pytest.raises(JournalError, match="records another run"):  # another policy is another run
        rl_hpo.tune("synthetic/branin/0", budget=9, seed=0, method="ppo", journal=tmp_path / "c.db", resume=True,
                    policy=Path(__file__).parents[1] / "benchmarks" / "every_train_split" / "final")  # fmt: skip


def test_a_resumed_run_plans_for_its_budget_before_the_replay(tmp_path, monkeypatch):
    import importlib
    import shutil
    import sqlite3

    tune_module = importlib.import_module("rl_hpo.tune")  # the module, not the function rl_hpo exports
    made = []
    original = tune_module.make_optimizer

    def remember(*args, **kwargs):
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tune_module, "make_optimizer", remember)
    full, cut = tmp_path / "full.db", tmp_path / "cut.db"
    uninterrupted = rl_hpo.tune(objective, SPACE, method="ppo", budget=14, seed=2, journal=full)
    shutil.copy(full, cut)
    with sqlite3.connect(cut) as db:  # as if killed after trial 7
        db.execute("DELETE FROM trials WHERE trial >= 8")
    resumed = rl_hpo.tune(objective, SPACE, method="ppo", budget=14, seed=2, journal=cut, resume=True)
    # The policy's budget features read the run's budget in the replayed decisions too, not a default horizon.
    assert [m.search_.horizon for m in made] == [14, 14]
    assert [r.config for r in resumed.records] == [r.config for r in uninterrupted.records]
    # Extended to a larger budget, the run replays and goes on planning for the budget it started with.
    extended = rl_hpo.tune(objective, SPACE, method="ppo", budget=20, seed=2, journal=cut, resume=True)
    assert made[-1].search_.horizon == 14 and len(extended) == 20
    assert [r.config for r in extended.records[:14]] == [r.config for r in uninterrupted.records]
