"""The bench runner end to end: a quick study, resuming, refusing other settings, executors, failures."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import bench_plugin  # registers the fake optimizers in this process
import numpy as np
import pandas as pd
import pytest

from rl_hpo.bench import BenchError, BenchSettings, Study, StudySettingsError, read_trials, run_bench, write_report
from rl_hpo.bench.metrics import summary_table
from rl_hpo.bench.report import PLOT_FILES
from rl_hpo.bench.study import CellKey

HERE = Path(__file__).resolve().parent
TASKS = ("80", "81")
METHODS = ("random", "tpe", "hyperband")


def _settings(out: Path, **changes) -> BenchSettings:
    base = {
        "out": out,
        "suite": "synthetic/branin",
        "tasks": TASKS,
        "methods": METHODS,
        "budget": 10,
        "seeds": 2,
        "workers": 2,
        "task_options": {"fidelity": True},  # so that hyperband can run
        "plugins": ("bench_plugin",),
        "command": "pytest quick bench",
    }
    return BenchSettings(**{**base, **changes})


@pytest.fixture(scope="module", autouse=True)
def _no_child_process_left_behind():
    """A process pool starts multiprocessing's resource tracker, a child of this process for its whole life;
    stop it after these tests so that later tests that look for leaked child processes see none."""
    yield
    from multiprocessing import resource_tracker

    stop = getattr(resource_tracker._resource_tracker, "_stop", None)
    if stop is not None:
        stop()


@pytest.fixture(scope="module")
def quick_study(tmp_path_factory) -> Study:
    """2 synthetic tasks x 2 seeds x 3 methods (random, TPE, Hyperband), budget 10, in a process pool."""
    return run_bench(_settings(tmp_path_factory.mktemp("bench") / "quick"), progress=False)


def _keys(methods, seeds) -> set[CellKey]:
    return {CellKey(m, f"synthetic/branin/{t}", s) for m in methods for t in TASKS for s in range(seeds)}


def test_quick_study_writes_every_file(quick_study: Study):
    for name in ("run.json", "bounds.json", "trials.csv", "summary.csv", "report.md"):
        assert (quick_study.path / name).is_file(), name
    for png in ("regret_vs_evaluations.png", "regret_vs_time.png", "rank_vs_budget.png"):
        assert (quick_study.path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list(quick_study.cells_dir.glob("*.json"))) == 12
    report = quick_study.report_md.read_text()
    for section in ("Normalized regret", "Average rank", "Win rate", "Wilcoxon", "Decision overhead", "Provenance"):
        assert section in report
    assert "## Budgets where a method is above random search" in report
    assert "| tpe | " in report.split("above random search")[1].split("## Decision")[0]
    assert "pytest quick bench" in report


def test_a_task_without_test_side_scores_reports_none(quick_study: Study):
    trials = read_trials(quick_study.trials_csv)
    assert trials["test_score"].isna().all() and trials["incumbent_test_score"].isna().all()
    assert "Test-side score" not in quick_study.report_md.read_text()


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_a_session_reading_yahpo_data_from_another_folder_is_warned_of(tmp_path: Path, monkeypatch):
    data = Path(os.environ["RL_HPO_YAHPO_DATA"])
    moved = tmp_path / "moved"  # the same files in another folder, as on another machine
    moved.mkdir()
    (moved / "lcbench").symlink_to(data / "lcbench")
    settings = _settings(tmp_path / "lcbench", suite="yahpo/lcbench", split="validation", tasks=("167152",),
                         methods=("random",), budget=3, seeds=1, workers=1, task_options={}, plugins=())  # fmt: skip
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Earlier sessions")
        run_bench(settings, progress=False)
    monkeypatch.setenv("RL_HPO_YAHPO_DATA", str(moved))
    with pytest.warns(UserWarning, match=r"Earlier sessions of .* read YAHPO data from '.*', this one from '.*moved'"):
        study = run_bench(dataclasses.replace(settings, seeds=2), progress=False)
    folders = [s["environment"]["RL_HPO_YAHPO_DATA"] for s in study.read_run()["sessions"]]
    assert folders == [str(data), str(moved)]


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_the_test_side_score_of_the_incumbent_is_recorded_and_reported(tmp_path: Path):
    settings = _settings(tmp_path / "lcbench", suite="yahpo/lcbench", split="validation", tasks=("167152",),
                         methods=("random", "hyperband"), budget=4, seeds=1, workers=1, task_options={},
                         plugins=())  # fmt: skip
    study = run_bench(settings, progress=False)
    trials = read_trials(study.trials_csv)
    assert trials["test_score"].notna().all()  # lcbench's test_balanced_accuracy, for every evaluation
    for _, run in trials.groupby("method"):
        full = run[run["fidelity"].isna() | (run["fidelity"] >= 52)]
        best = full.loc[full["score"].idxmax()]
        assert run["incumbent_test_score"].iloc[-1] == pytest.approx(best["test_score"])
    report = study.report_md.read_text()
    assert "## Test-side score of the incumbent" in report
    assert "Here the objective `val_accuracy` is paired with `test_balanced_accuracy`: another metric" in report


def test_report_names_budget_runs_compactly():
    from rl_hpo.bench.report import _ranges

    assert _ranges([6]) == "6"
    assert _ranges([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
    assert _ranges([2.5, 3, 4]) == "2.5, 3-4"


@pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")
def test_files_follow_the_umask(quick_study: Study):
    umask = os.umask(0)
    os.umask(umask)
    files = [p for p in quick_study.path.rglob("*") if p.is_file()]
    assert len(files) > 12
    assert {p.name: p.stat().st_mode & 0o777 for p in files} == {p.name: 0o666 & ~umask for p in files}


def test_trials_table_contract(quick_study: Study):
    trials = read_trials(quick_study.trials_csv)
    required = ["method", "task", "seed", "trial", "fidelity", "score", "cost", "sim_time", "regret", "decision_s"]
    assert list(trials.columns[: len(required)]) == required
    assert {"config.x0", "config.x1", "budget_used", "regret_any"} <= set(trials.columns)
    assert not trials.duplicated(["method", "task", "seed", "trial"]).any()
    assert len(trials.groupby(["method", "task", "seed"])) == 12
    for (method, _, _), run in trials.groupby(["method", "task", "seed"]):
        regret = run["regret"].to_numpy()
        assert np.all((regret >= 0) & (regret <= 1))
        assert np.all(np.diff(regret) <= 1e-12), "regret of the best so far never increases"
        expected_time = np.cumsum(run["cost"] + run["decision_s"])
        assert run["sim_time"].to_numpy() == pytest.approx(expected_time.to_numpy())
        assert run["budget_used"].iloc[-1] == pytest.approx(10, abs=1.0)
        if method != "hyperband":
            assert len(run) == 10
    # Hyperband pays f / 100 for an evaluation at fidelity f, so it evaluates more than 10 times.
    mf = trials[trials["method"] == "hyperband"]
    assert mf.groupby(["task", "seed"]).size().min() > 10
    assert (mf["fidelity"] < 100).any() and (mf["fidelity"] == 100).any()
    # TPE and random search share their initial design per seed (10 startup trials).
    r = trials[trials["method"] == "random"].reset_index(drop=True)
    t = trials[trials["method"] == "tpe"].reset_index(drop=True)
    assert r["config.x0"].tolist() == t["config.x0"].tolist()


def test_summary_is_recomputed_from_trials(quick_study: Study):
    summary = pd.read_csv(quick_study.summary_csv)
    assert list(summary.columns) == ["method", "budget", "regret_mean", "regret_sem", "rank_mean"]
    assert summary["budget"].tolist() == [10, 10, 10]
    again = summary_table(read_trials(quick_study.trials_csv), [10])
    assert summary["regret_mean"].to_numpy() == pytest.approx(again["regret_mean"].to_numpy())
    assert summary["rank_mean"].to_numpy() == pytest.approx(again["rank_mean"].to_numpy())


def test_run_json_records_settings_and_provenance(quick_study: Study):
    run = json.loads(quick_study.run_json.read_text())
    settings = run["settings"]
    assert settings["methods"] == list(METHODS)
    assert settings["seeds"] == [0, 1]
    assert settings["budget"] == 10
    assert settings["tasks"] == [f"synthetic/branin/{t}" for t in TASKS]
    session = run["sessions"][0]
    for key in ("rl_hpo_version", "git_commit", "command", "versions", "python", "started_at"):
        assert key in session


def test_rerun_skips_finished_cells(quick_study: Study):
    before = {p.name: p.stat().st_mtime_ns for p in quick_study.cells_dir.glob("*.json")}
    trials_before = quick_study.trials_csv.read_text()
    run_bench(_settings(quick_study.path, executor="inline"), progress=False)
    after = {p.name: p.stat().st_mtime_ns for p in quick_study.cells_dir.glob("*.json")}
    assert before == after
    assert quick_study.trials_csv.read_text() == trials_before
    assert len(json.loads(quick_study.run_json.read_text())["sessions"]) == 1  # a session records cells it ran


def test_other_settings_into_the_same_folder_are_refused(quick_study: Study):
    with pytest.raises(StudySettingsError, match=r"budget: 10.0 there, 20.0 now.*new --out directory"):
        run_bench(_settings(quick_study.path, budget=20), progress=False)
    with pytest.raises(StudySettingsError, match="methods"):  # a method left out, but another budget
        run_bench(_settings(quick_study.path, methods=("random",), budget=20), progress=False)
    with pytest.raises(
        StudySettingsError, match="the same methods in another order: list them as --methods random,tpe,"
    ):
        run_bench(_settings(quick_study.path, methods=("tpe", "random", "hyperband")), progress=False)
    other = {"tpe": {"n_startup_trials": 3}}
    with pytest.raises(StudySettingsError, match=r"--redo METHOD runs that method again"):
        run_bench(_settings(quick_study.path, method_options=other), progress=False)


def test_a_folder_that_holds_no_study_is_not_written_into(tmp_path: Path):
    notes = tmp_path / "mine"
    notes.mkdir()
    (notes / "report.md").write_text("my notes")
    with pytest.raises(StudySettingsError, match=r"holds other files \(report.md\) and no study"):
        run_bench(_settings(notes, executor="inline"), progress=False)
    assert (notes / "report.md").read_text() == "my notes"


def test_settings_of_a_study_without_a_finished_cell_can_be_dropped_with_it(tmp_path: Path):
    study = Study(tmp_path / "typo")
    study.open({"budget": 40.0}, {})
    with pytest.raises(StudySettingsError, match="No cell of it has finished: deleting the folder loses nothing"):
        study.open({"budget": 20.0}, {})


def test_a_study_can_gain_methods_without_rerunning_finished_cells(tmp_path: Path, capsys):
    from rl_hpo.bench import report_command

    out = tmp_path / "grow"
    first = run_bench(_settings(out, methods=("random",), executor="inline"), progress=False)
    report = first.report_md.read_text()  # one method: nothing to compare it with
    assert "One method: no ranks, win rates or Wilcoxon tests" in report
    assert "## Win rate" not in report and "## Average rank" not in report
    assert not (out / PLOT_FILES["rank"]).exists() and PLOT_FILES["rank"] not in report
    assert report_command(out) == 0 and PLOT_FILES["rank"] not in capsys.readouterr().out  # says what it wrote
    before = {p.name: p.stat().st_mtime_ns for p in first.cells_dir.glob("*.json")}
    grown = run_bench(_settings(out, methods=("random", "qmc"), executor="inline"), progress=False)
    report = grown.report_md.read_text()
    assert "## Win rate" in report and "## Average rank" in report and (out / PLOT_FILES["rank"]).exists()
    assert "a mean below 0.0001 (0 when every run found the best score) is drawn at 0.0001" in report
    after = {p.name: p.stat().st_mtime_ns for p in grown.cells_dir.glob("*.json")}
    assert {k: after[k] for k in before} == before  # random's cells were kept as they were
    assert len(after) == 2 * len(before)
    assert set(read_trials(grown.trials_csv)["method"]) == {"random", "qmc"}
    run = json.loads(grown.run_json.read_text())
    assert run["settings"]["methods"] == ["random", "qmc"]
    assert run["sessions"][-1]["added_methods"] == ["qmc"]
    with pytest.raises(StudySettingsError, match="budget"):  # more methods, but another budget: refused
        run_bench(_settings(out, methods=("random", "qmc", "grid"), budget=20, executor="inline"), progress=False)


def test_a_study_can_gain_seeds_without_rerunning_finished_cells(tmp_path: Path):
    out = tmp_path / "seeds"
    first = run_bench(_settings(out, methods=("random", "qmc"), seeds=2, executor="inline"), progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in first.cells_dir.glob("*.json")}
    grown = run_bench(_settings(out, methods=("random", "qmc"), seeds=3, executor="inline"), progress=False)
    after = {p.name: p.stat().st_mtime_ns for p in grown.cells_dir.glob("*.json")}
    assert {k: after[k] for k in before} == before  # the first two seeds' cells were kept as they were
    assert len(after) == len(before) * 3 // 2  # every method at the new seed
    assert sorted(set(read_trials(grown.trials_csv)["seed"])) == [0, 1, 2]
    run = json.loads(grown.run_json.read_text())
    assert run["settings"]["seeds"] == [0, 1, 2]
    assert run["sessions"][-1]["added_seeds"] == [2]
    both = run_bench(_settings(out, methods=("random", "qmc", "grid"), seeds=4, executor="inline"), progress=False)
    assert json.loads(both.run_json.read_text())["sessions"][-1]["added_seeds"] == [3]
    assert len(list(both.cells_dir.glob("*.json"))) == 3 * 4 * len(TASKS)
    with pytest.raises(StudySettingsError, match="seeds"):  # fewer seeds is another study
        run_bench(_settings(out, methods=("random", "qmc", "grid"), seeds=2, executor="inline"), progress=False)


def test_redo_runs_one_method_again_and_keeps_the_others(tmp_path: Path):
    out = tmp_path / "redo"
    first = run_bench(_settings(out, methods=("random", "qmc"), executor="inline"), progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in first.cells_dir.glob("*.json")}
    again = run_bench(_settings(out, methods=("random", "qmc"), executor="inline", redo=("qmc",)), progress=False)
    after = {p.name: p.stat().st_mtime_ns for p in again.cells_dir.glob("*.json")}
    assert after.keys() == before.keys()
    assert all(after[k] == before[k] for k in before if k.startswith("random__"))
    assert all(after[k] != before[k] for k in before if k.startswith("qmc__"))
    run = json.loads(again.run_json.read_text())
    assert run["settings"]["methods"] == ["random", "qmc"]
    assert run["sessions"][-1]["redone_methods"] == ["qmc"]
    with pytest.raises(ValueError, match=r"--redo names \['tpe'\]"):
        run_bench(_settings(out, methods=("random", "qmc"), redo=("tpe",)), progress=False)
    assert "added_methods" not in run["sessions"][-1]


def test_a_refused_redo_discards_nothing(tmp_path: Path):
    out = tmp_path / "redo"
    first = run_bench(_settings(out, methods=("random", "qmc"), executor="inline"), progress=False)
    cells = sorted(p.name for p in first.cells_dir.glob("*.json"))
    run_before = first.run_json.read_text()
    with pytest.raises(StudySettingsError, match="budget"):
        run_bench(_settings(out, methods=("random", "qmc"), budget=20, redo=("qmc",)), progress=False)
    assert sorted(p.name for p in first.cells_dir.glob("*.json")) == cells
    assert first.run_json.read_text() == run_before


def test_a_partial_report_compares_methods_on_the_same_runs(quick_study: Study, tmp_path: Path):
    import shutil

    partial = Study(shutil.copytree(quick_study.path, tmp_path / "partial"))
    for name in ("trials.csv", "bounds.json", "summary.csv"):
        (partial.path / name).unlink()
    # random lacks (task 81, seed 1) and tpe (task 81, seed 0): 3 methods share only task 80's two seeds.
    partial.cell_path(CellKey("random", "synthetic/branin/81", 1)).unlink()
    partial.cell_path(CellKey("tpe", "synthetic/branin/81", 0)).unlink()
    report = write_report(partial.path).read_text()
    assert "10 of 12 cells are finished; every table and plot is over the 2 (task, seed) pairs" in report
    assert "3 methods x 1 task x 2 seeds" in report
    # Three of the four pairs complete: the header counts them, and no note calls the fourth incomplete.
    three = Study(shutil.copytree(quick_study.path, tmp_path / "three"))
    for name in ("trials.csv", "bounds.json", "summary.csv"):
        (three.path / name).unlink()
    three.cell_path(CellKey("random", "synthetic/branin/81", 1)).unlink()
    report = write_report(three.path).read_text()
    assert "3 methods x 3 (task, seed) pairs of 2 tasks x 2 seeds" in report and "**Note:**" not in report
    summary = pd.read_csv(partial.summary_csv)
    full = summary_table(read_trials(quick_study.trials_csv).query("task == 'synthetic/branin/80'"), [10])
    assert summary["regret_mean"].to_numpy() == pytest.approx(full["regret_mean"].to_numpy())
    for key in [CellKey(m, "synthetic/branin/80", s) for m in ("random", "hyperband") for s in (0, 1)]:
        partial.cell_path(key).unlink()
    with pytest.raises(FileNotFoundError, match=r"no \(task, seed\) pair that every method finished"):
        write_report(partial.path)


def test_a_method_with_no_finished_cell_is_left_out_of_a_partial_report(quick_study: Study, tmp_path: Path):
    import shutil

    added = Study(shutil.copytree(quick_study.path, tmp_path / "added"))
    for name in ("trials.csv", "bounds.json", "summary.csv"):
        (added.path / name).unlink()
    for key in _keys(["hyperband"], 2):  # as if hyperband had just been added and none of its cells had finished
        added.cell_path(key).unlink()
    report = write_report(added.path).read_text()
    assert "8 of 12 cells are finished; every table and plot is over the 4 (task, seed) pairs" in report
    assert "Left out, with no finished cell yet: hyperband." in report
    assert set(pd.read_csv(added.summary_csv)["method"]) == {"random", "tpe"}


def test_a_session_that_stops_leaves_no_stale_report(quick_study: Study, tmp_path: Path, monkeypatch):
    import shutil

    monkeypatch.delenv("RL_HPO_TEST_FIXED", raising=False)
    study = Study(shutil.copytree(quick_study.path, tmp_path / "stops"))
    settings = _settings(study.path, methods=(*METHODS, "broken"), executor="inline")
    with pytest.raises(BenchError, match="2 of 16 cells failed"):
        run_bench(settings, progress=False)
    # The tables, report and plots of the earlier session no longer describe the study: none is left behind ...
    stale = (study.trials_csv, study.bounds_json, study.summary_csv, study.report_md, *study.plot_paths())
    assert not any(p.exists() for p in stale)
    # ... and rl-hpo report rebuilds them from the finished cells.
    assert "14 of 16 cells are finished" in write_report(study.path).read_text()


def test_same_results_in_this_process_and_in_a_pool(quick_study: Study, tmp_path: Path):
    inline = run_bench(_settings(tmp_path / "inline", executor="inline"), progress=False)
    a, b = read_trials(quick_study.trials_csv), read_trials(inline.trials_csv)
    same = ["method", "task", "seed", "trial", "fidelity", "score", "cost", "regret", "budget_used", "config.x0"]
    pd.testing.assert_frame_equal(a[same], b[same])


def test_report_is_rebuilt_from_stored_trials(quick_study: Study):
    summary = quick_study.summary_csv.read_text()
    quick_study.summary_csv.unlink()
    quick_study.report_md.unlink()
    write_report(quick_study.path)
    assert quick_study.summary_csv.read_text() == summary
    assert quick_study.report_md.exists()
    # A finished study that lost trials.csv gets it back from its cells, and is not reported as partial.
    trials = quick_study.trials_csv.read_text()
    quick_study.trials_csv.unlink()
    report = write_report(quick_study.path).read_text()
    assert quick_study.trials_csv.read_text() == trials and "Partial report" not in report
    assert quick_study.summary_csv.read_text() == summary
    # ...and one whose trials.csv was cut short (a copy that stopped), or lost a run, too.
    for damaged, why in (
        (trials[: len(trials) // 2].rstrip("\n"), "ends in a cut-off line"),
        (_without_last_run(trials), "lacks 1"),
    ):
        quick_study.trials_csv.write_text(damaged)
        with pytest.warns(UserWarning, match=f"{why}.*rebuilt from the study's cells"):
            write_report(quick_study.path)
        assert quick_study.trials_csv.read_text() == trials and quick_study.summary_csv.read_text() == summary
    read_trials(quick_study.trials_csv).drop(columns="score").to_csv(quick_study.trials_csv, index=False)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['score'\]"):
        write_report(quick_study.path)
    quick_study.trials_csv.write_text(trials)


def _without_last_run(trials_csv: str) -> str:
    """The text of a trials.csv without the rows of its last (method, task, seed)."""
    lines = trials_csv.splitlines(keepends=True)
    last = lines[-1].split(",")[:3]
    return "".join(line for line in lines if line.split(",")[:3] != last)


def test_the_report_counts_failed_trials_and_runs_that_never_scored(quick_study: Study, tmp_path: Path):
    assert "## Failed trials" not in quick_study.report_md.read_text()  # none failed: no section
    copy = tmp_path / "copy"
    copy.mkdir()
    trials = read_trials(quick_study.trials_csv)
    tpe = (trials["method"] == "tpe").to_numpy()
    trials.loc[tpe, "score"] = np.nan  # every trial of tpe failed
    trials.loc[tpe, "error"] = "ValueError: diverged"
    trials.to_csv(copy / "trials.csv", index=False)
    report = write_report(copy).read_text()
    failed = report.split("## Failed trials")[1].split("\n## ")[0]
    assert f"| tpe | {tpe.sum()} of {tpe.sum()} (100%) | 4 of 4 |" in failed
    assert "| random | 0 of " in failed and "- 40 x `ValueError: diverged`" in failed


def test_settings_errors_name_the_value(tmp_path: Path):
    with pytest.raises(ValueError, match="Unknown method 'nope'"):
        run_bench(_settings(tmp_path / "x", methods=("random", "nope")), progress=False)
    with pytest.raises(ValueError, match=r"'budget' parameter .* Got 0 instead"):
        run_bench(_settings(tmp_path / "x", budget=0), progress=False)
    with pytest.raises(ValueError, match=r"'budget' parameter must be a whole number .* Got 10.5 instead"):
        run_bench(_settings(tmp_path / "x", budget=10.5), progress=False)
    with pytest.raises(ValueError, match=r"'seeds' parameter .* Got True instead"):
        run_bench(_settings(tmp_path / "x", seeds=True), progress=False)
    with pytest.raises(ValueError, match=r"'seeds' parameter .* Got 0 instead"):
        run_bench(_settings(tmp_path / "x", seeds=0), progress=False)
    with pytest.raises(ValueError, match=r"'synthetic/branin/3' is not in the 'test' split .*'train' split"):
        run_bench(_settings(tmp_path / "x", tasks=("3",)), progress=False)
    with pytest.raises(ValueError, match=r"multi-fidelity method, and synthetic/branin/\d+ has no fidelity"):
        run_bench(_settings(tmp_path / "x", task_options={}), progress=False)
    with pytest.raises(ValueError, match="'tasks' parameter names no task"):
        run_bench(_settings(tmp_path / "x", tasks=" , "), progress=False)
    with pytest.raises(ValueError, match="lists random more than once"):
        run_bench(_settings(tmp_path / "x", methods="random,random"), progress=False)
    assert not (tmp_path / "x").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="is a file; pass a folder"):
        run_bench(_settings(tmp_path / "file"), progress=False)
    with pytest.raises(ValueError, match=r"lies under '.*file', a file; pass a folder"):
        run_bench(_settings(tmp_path / "file" / "sub"), progress=False)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "run.json").write_text("{not json")
    with pytest.raises(StudySettingsError, match=r"broken/run.json is not readable"):
        run_bench(_settings(tmp_path / "broken"), progress=False)


def test_missing_ray_gives_the_install_hint(tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'rl-hpo\[ray\]'"):
        run_bench(_settings(tmp_path / "r", executor="ray"), progress=False)


def test_failed_cells_are_reported_and_retried(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("RL_HPO_TEST_FIXED", raising=False)
    settings = _settings(tmp_path / "f", methods=("random", "broken"), executor="inline")
    with pytest.raises(BenchError, match=r"(?s)2 of 8 cells failed.*deliberate failure.*re-run the same command"):
        run_bench(settings, progress=False)
    study = Study(settings.out)
    assert len(list(study.cells_dir.glob("*.json"))) == 6
    assert not study.trials_csv.exists()
    monkeypatch.setenv("RL_HPO_TEST_FIXED", "1")
    run_bench(settings, progress=False)
    assert len(read_trials(study.trials_csv).groupby(["method", "task", "seed"])) == 8


def test_a_method_whose_cells_fail_can_be_left_out_and_named_again(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("RL_HPO_TEST_FIXED", raising=False)
    settings = _settings(tmp_path / "f", methods=("random", "qmc", "broken"), executor="inline")
    with pytest.raises(BenchError, match=r"(?s)or re-run it with broken left out of the methods"):
        run_bench(settings, progress=False)
    study = run_bench(_settings(tmp_path / "f", methods=("random", "qmc"), executor="inline"), progress=False)
    assert set(read_trials(study.trials_csv)["method"]) == {"random", "qmc"} and study.report_md.exists()
    assert json.loads(study.run_json.read_text())["sessions"][-1]["dropped_methods"] == ["broken"]
    monkeypatch.setenv("RL_HPO_TEST_FIXED", "1")  # fixed: named again, its finished cells are reused
    study = run_bench(settings, progress=False)
    assert set(read_trials(study.trials_csv)["method"]) == {"random", "qmc", "broken"}


def test_sigkill_halfway_then_resume(tmp_path: Path):
    """Kill a bench (and its workers) with SIGKILL mid-way; the re-run completes exactly the missing cells."""
    out = tmp_path / "killed"
    methods, seeds = ("sleepy", "random"), 3
    script = (
        "import bench_plugin\n"
        "from rl_hpo.bench import BenchSettings, run_bench\n"
        f"run_bench(BenchSettings(out={str(out)!r}, suite='synthetic/branin', tasks={TASKS!r}, "
        f"methods={methods!r}, budget=10, seeds={seeds}, workers=2, task_options={{'fidelity': True}}, "
        "plugins=('bench_plugin',), command='pytest quick bench'), progress=False)\n"
    )
    path = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, bench_plugin.DELAY_ENV: "0.1"}  # about 1 s per sleepy cell
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True)
    cells = out / "cells"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and len(list(cells.glob("sleepy*.json"))) < 2:
            assert proc.poll() is None, "the bench ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the bench and its pool workers: the group this test started
        proc.wait()
    n_finished = len(list(cells.glob("*.json")))
    assert 2 <= n_finished < 12, "killed mid-way"
    assert not (out / "trials.csv").exists()

    # Re-running the same study (here in this process) completes it.
    run_bench(_settings(out, methods=methods, seeds=seeds, executor="inline"), progress=False)
    assert sorted(p.name for p in cells.glob("*.json")) == sorted(k.filename for k in _keys(methods, seeds))
    assert not list(cells.glob(".*.tmp")), "temporary files of the killed run are cleaned up"
    trials = read_trials(out / "trials.csv")
    assert not trials.duplicated(["method", "task", "seed", "trial"]).any()
    assert trials.groupby(["method", "task", "seed"]).size().tolist() == [10] * 12


@pytest.mark.ray
def test_same_results_with_ray(quick_study: Study, tmp_path: Path):
    pytest.importorskip("ray")
    on_ray = run_bench(_settings(tmp_path / "ray", executor="ray", methods=("tpe", "hyperband")), progress=False)
    a, b = read_trials(quick_study.trials_csv), read_trials(on_ray.trials_csv)
    a = a[a["method"].isin(["tpe", "hyperband"])].reset_index(drop=True)
    same = ["method", "task", "seed", "trial", "fidelity", "score", "cost", "regret", "budget_used", "config.x0"]
    pd.testing.assert_frame_equal(a[same], b[same])


def test_cli_bench_and_report(tmp_path: Path, capsys):
    from rl_hpo.cli import main

    out = tmp_path / "cli"
    argv = ["bench", "--suite", "synthetic/branin", "--tasks", "80", "--methods", "random,tpe"]
    argv += ["--budget", "5", "--seeds", "2", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert summary["method"].tolist() == ["random", "tpe"] and summary["budget"].tolist() == [5, 5]
    assert main(["report", str(out)]) == 0
    assert "report.md" in capsys.readouterr().out
    run = json.loads((out / "run.json").read_text())
    assert run["sessions"][0]["command"] != "bench"  # the command line, not the subcommand's name
    assert main([*argv[:-2], "--budget", "6", "--out", str(out)]) == 2  # other settings: refused
    assert "other settings" in capsys.readouterr().err
    assert main([*argv[:-2], "--batch", "2", "--out", str(out)]) == 2  # trials asked in pairs: another study
    assert "batch: 1 there, 2 now" in capsys.readouterr().err
    assert main([*argv[:-2], "--batch", "2", "--out", str(tmp_path / "pairs")]) == 0
    assert json.loads((tmp_path / "pairs" / "run.json").read_text())["settings"]["batch"] == 2
    assert "evaluations per run, asked in batches of up to 2 trials" in (tmp_path / "pairs" / "report.md").read_text()
    assert main([*argv, "--policy", "runs/policy"]) == 0  # a policy, but no method that takes one
    assert "--methods names neither: it is not used" in capsys.readouterr().err


def test_policy_hash_is_recorded_and_checked(tmp_path: Path):
    """A study of the PPO policy records its policy file's hash; another policy into the same folder is refused."""
    import torch

    from rl_hpo.agents import policy_file
    from rl_hpo.agents.network import TuningNetwork
    from rl_hpo.envs.observation import ObservationLayout

    def policy(seed: int) -> Path:
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            net = TuningNetwork(ObservationLayout(max_dim=4, history_len=3), hidden=8)
        return policy_file.save_policy(net, tmp_path / f"policy{seed}")

    first, second = policy(0), policy(1)
    settings = _settings(tmp_path / "ppo", methods=("ppo", "random"), tasks=("80",), seeds=1, budget=5)
    settings = BenchSettings(
        **{**vars(settings), "executor": "inline", "method_options": {"ppo": {"policy": str(first)}}}
    )
    study = run_bench(settings, progress=False)
    expected = policy_file.load_policy(first).sha256
    assert json.loads(study.run_json.read_text())["settings"]["policy_hashes"] == {"ppo": expected}
    assert expected in study.report_md.read_text()
    other = BenchSettings(**{**vars(settings), "method_options": {"ppo": {"policy": str(second)}}})
    with pytest.raises(StudySettingsError, match="policy_hashes"):
        run_bench(other, progress=False)


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")
@pytest.mark.parametrize(
    ("how", "status"),
    [
        (signal.SIGTERM, 143),
        # kill -9 gives the bench no chance to stop its workers: they end with it (Linux's parent-death signal)
        pytest.param(signal.SIGKILL, -9, marks=pytest.mark.skipif(sys.platform != "linux", reason="Linux only")),
    ],
)
def test_killing_a_bench_stops_its_worker_processes(tmp_path: Path, how: int, status: int) -> None:
    argv = ["--suite", "sklearn/svc", "--split", "test", "--methods", "gp", "--budget", "40", "--seeds", "4"]
    bench = subprocess.Popen(
        [sys.executable, "-m", "rl_hpo.cli", "bench", *argv, "--workers", "2", "--out", str(tmp_path / "s")],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(12)  # the workers have started their first cells
        assert bench.poll() is None
        os.kill(bench.pid, how)
        assert bench.wait(timeout=30) == status
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                os.killpg(bench.pid, 0)  # any process left in the bench's group (its workers)?
            except ProcessLookupError:
                return
            time.sleep(0.5)
        pytest.fail("worker processes kept running after the bench was killed")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(bench.pid, signal.SIGKILL)


def test_a_second_bench_into_the_same_folder_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    out = tmp_path / "busy"
    with Study(out).lock():
        argv = ["--suite", "synthetic/branin", "--tasks", "80", "--methods", "random", "--budget", "5", "--seeds", "1"]
        done = subprocess.run(
            [sys.executable, "-m", "rl_hpo.cli", "bench", *argv, "--out", str(out)], capture_output=True, text=True
        )
        assert done.returncode == 1, done.stderr
        assert f"{out} is in use by another rl-hpo bench (pid {os.getpid()} on" in done.stderr
        assert not (out / "run.json").exists()
    study = run_bench(_settings(out, methods=("random",), tasks=TASKS[:1], seeds=1), progress=False)  # free again
    assert study.trials_csv.exists()
    with pytest.raises(ValueError, match="budget"):  # a refused command leaves no folder behind
        run_bench(_settings(tmp_path / "never", budget=-1), progress=False)
    with pytest.raises(StudySettingsError), Study(tmp_path / "never").lock():
        raise StudySettingsError("refused")
    assert not (tmp_path / "never").exists()


def test_a_task_with_a_degenerate_score_range_is_left_out_and_named(tmp_path: Path):
    from rl_hpo.bench.trials import StudyBounds, degenerate_tasks

    assert degenerate_tasks({"a": StudyBounds(0.0, 1e-13, 0.0, 1e-13, "task", False, None)}) == {"a": 1e-13}
    assert degenerate_tasks({"b": {"worst": 5.0, "best": 5.001}}) == {}
    settings = _settings(tmp_path / "flat", suite="flat/bowl", tasks=None, methods=("random", "qmc"), task_options={})
    with pytest.warns(UserWarning, match=r"flat/bowl/1 has .*its scores span only .* left out of every mean"):
        study = run_bench(settings, progress=False)
    report = study.report_md.read_text()
    assert "**Left out:** 1 task(s)" in report and "flat/bowl/1 (its scores span only" in report
    assert "2 methods x 1 task x 2 seeds" in report  # every table is over the other task
    assert set(read_trials(study.trials_csv)["task"]) == {"flat/bowl/0", "flat/bowl/1"}  # trials.csv keeps it
    # The report of an unfinished study (cells only, no trials.csv or bounds.json yet) leaves it out too.
    from rl_hpo.bench.report import write_report

    study.trials_csv.unlink()
    study.bounds_json.unlink()
    report = write_report(study.path).read_text()
    assert "**Left out:** 1 task(s)" in report and "2 methods x 1 task x 2 seeds" in report


def test_a_task_that_no_run_scored_is_left_out_as_such(tmp_path: Path):
    settings = _settings(tmp_path / "failing", suite=None, tasks=("flat/bowl/0", "flat/bowl/2"), methods=("random",))
    with pytest.warns(UserWarning, match=r"flat/bowl/2 has no meaningful regret .*no run scored it"):
        study = run_bench(BenchSettings(**{**settings.__dict__, "task_options": {}}), progress=False)
    report = study.report_md.read_text()
    assert "flat/bowl/2 (no run scored it: every evaluation failed)" in report and "span" not in report


def test_a_study_refuses_to_mix_commits_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from rl_hpo.bench import runner

    checkout = {"rev-parse": "a" * 40, "status": ""}
    monkeypatch.setattr(runner, "_git", lambda *args: checkout[args[0]])
    settings = _settings(tmp_path / "s", methods=("random", "qmc"), tasks=TASKS[:1], seeds=2, executor="inline")
    study = run_bench(settings, progress=False)
    qmc_cell = next(study.cells_dir.glob("qmc__*.json"))
    qmc_cell.unlink()
    run_bench(settings, progress=False)  # the same commit resumes
    checkout["rev-parse"] = "b" * 40
    run_bench(settings, progress=False)  # a finished study is reported again: nothing runs, nothing mixes
    assert [s["git_commit"] for s in study.read_run()["sessions"]] == ["a" * 40] * 2
    qmc_cell.unlink()
    with pytest.raises(
        StudySettingsError, match=r"other commits than this checkout's bbbbbbbbbb \(qmc at aaaaaaaaaa\)"
    ):
        run_bench(settings, progress=False)
    run_bench(BenchSettings(**{**settings.__dict__, "allow_mixed_commits": True}), progress=False)
    checkout["rev-parse"] = "c" * 40
    redone = run_bench(BenchSettings(**{**settings.__dict__, "redo": ("qmc",)}), progress=False)  # random's stand
    assert json.loads(qmc_cell.read_text())["git_commit"] == "c" * 40
    assert json.loads(next(redone.cells_dir.glob("random__*.json")).read_text())["git_commit"] == "a" * 40
    assert "- Cells run at: random aaaaaaaaaa; qmc cccccccccc" in redone.report_md.read_text()
    # A redo that stopped halfway resumes without --redo: qmc's cells all come from c, random's all from a.
    qmc_cell.unlink()
    run_bench(settings, progress=False)
    assert json.loads(qmc_cell.read_text())["git_commit"] == "c" * 40
    random_cell = next(redone.cells_dir.glob("random__*.json"))
    random_cell.unlink()  # but a new random cell would join random's cells of a
    with pytest.raises(StudySettingsError, match=r"\(random at aaaaaaaaaa\): each method's cells come from one"):
        run_bench(settings, progress=False)
    fresh = run_bench(BenchSettings(**{**settings.__dict__, "redo": ("random", "qmc")}), progress=False)  # all redone
    assert fresh.read_run()["sessions"][-1]["git_commit"] == "c" * 40
    assert {json.loads(p.read_text())["git_commit"] for p in fresh.cells_dir.glob("*.json")} == {"c" * 40}
    checkout["status"] = " M rl_hpo/space.py"
    qmc_cell.unlink()
    with pytest.warns(UserWarning, match="uncommitted changes"):
        run_bench(settings, progress=False)
    with pytest.warns(UserWarning, match="uncommitted changes"):  # a new study too
        new = run_bench(BenchSettings(**{**settings.__dict__, "out": tmp_path / "new"}), progress=False)
    assert new.read_run()["sessions"][-1]["git_changed_files"] == ["rl_hpo/space.py"]
    assert "uncommitted changes to `rl_hpo/space.py`" in new.report_md.read_text()
    checkout.update({"rev-parse": "d" * 40, "status": ""})  # a method added later runs at the commit it is added at
    grown = run_bench(BenchSettings(**{**settings.__dict__, "methods": ("random", "qmc", "grid")}), progress=False)
    assert json.loads(next(grown.cells_dir.glob("grid__*.json")).read_text())["git_commit"] == "d" * 40
    assert "- Cells run at: random cccccccccc; qmc cccccccccc; grid dddddddddd" in grown.report_md.read_text()


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_a_split_without_tasks_names_the_splits_that_have_some(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "out", suite="yahpo/iaml_glmnet", tasks=(), split="test", task_options={})
    with pytest.raises(ValueError, match=r"no task \(tasks per split: train 4\); choose another --split"):
        run_bench(settings, progress=False)


def test_a_method_benchmarked_on_tasks_its_policy_was_trained_on_is_flagged(tmp_path: Path):
    common = {"suite": "prior/gp", "methods": ("ppo",), "budget": 3, "seeds": 1, "task_options": {}}
    common["executor"] = "inline"
    with pytest.warns(UserWarning, match=r"ppo's portfolio or policy was built on 1 of this study's 1 tasks"):
        seen = run_bench(_settings(tmp_path / "train", split="train", tasks=("0",), **common), progress=False)
    assert (  # the report says so too, for whoever reads it later
        "**Not held out:** ppo's portfolio or policy was built on 1 task of this study (prior/gp/0)"
    ) in seen.report_md.read_text()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*was built on")
        study = run_bench(_settings(tmp_path / "val", split="validation", tasks=("5000",), **common), progress=False)
    report = study.report_md.read_text()
    assert "ppo: the policy rl_hpo/data/policies/default (a general policy)" in report
    assert "Not held out" not in report


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_the_report_says_when_ppo_runs_as_a_portfolio_then_a_specialist(tmp_path: Path):
    settings = _settings(tmp_path / "lcbench", suite="yahpo/lcbench", split="validation", tasks=("167152",),
                         methods=("ppo", "random"), budget=2, seeds=1, executor="inline", task_options={})  # fmt: skip
    report = run_bench(settings, progress=False).report_md.read_text()
    assert (
        "What ran, as built on the first task (yahpo/lcbench/167152): ppo: the portfolio "
        "rl_hpo/data/portfolios/lcbench.json (17 configurations), then the policy rl_hpo/data/policies/lcbench "
        "(a specialist of this space)"
    ) in report


def test_a_batch_below_one_is_refused_before_any_cell_runs(tmp_path: Path) -> None:
    from rl_hpo.bench.runner import bench_command

    for batch in (0, -2, 1.5):
        with pytest.raises(ValueError, match="'batch' parameter must be an int >= 1"):
            bench_command(suite="synthetic/branin", methods="random", out=str(tmp_path / "b"), batch=batch, seeds=1)
    assert not (tmp_path / "b" / "cells").exists()


def test_a_task_is_named_by_the_end_of_its_name_within_the_suite(tmp_path: Path):
    from rl_hpo.bench.runner import _resolve_tasks

    def resolved(suite: str, tasks: str) -> list[str]:
        return _resolve_tasks(BenchSettings(out=tmp_path / "x", suite=suite, tasks=tasks, methods=("random",)))

    assert resolved("sklearn/all", "svc/digits,sklearn/mlp/digits") == ["sklearn/svc/digits", "sklearn/mlp/digits"]
    assert resolved("synthetic/branin", "80") == ["synthetic/branin/80"]
    with pytest.raises(ValueError, match=r"'sklearn/all/digits' is not in the 'test' split .*the suite has no such"):
        resolved("sklearn/all", "digits")  # the end of six names: none is chosen
    with pytest.raises(ValueError, match="names sklearn/svc/digits more than once; name each once"):
        resolved("sklearn/all", "svc/digits,sklearn/svc/digits")


def test_a_policy_trained_on_tasks_given_by_name_marks_them_not_held_out():
    from types import SimpleNamespace

    from rl_hpo.bench.runner import _tasks_built_on

    policy = SimpleNamespace(
        metadata={"training": {"suites": ["synthetic/branin", "synthetic/levy/3"], "split": "train"}}
    )
    seen = _tasks_built_on(SimpleNamespace(policy_=policy))
    assert "synthetic/levy/3" in seen and "synthetic/branin/0" in seen and "synthetic/branin/80" not in seen
