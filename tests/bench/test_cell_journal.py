"""A long cell journals its trials, so that an interrupted study resumes it where it stopped."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import bench_plugin  # registers the test task family (flat/bowl/3 counts its evaluations and can stop the run)
import pytest

from rl_hpo.bench import BenchSettings, Study, cell_journal, run_bench
from rl_hpo.bench.runner import CellSpec, run_cell
from rl_hpo.bench.study import CellKey
from rl_hpo.exceptions import TuningInterrupted
from rl_hpo.journal import Journal

BUDGET = 12
TIMINGS = ("cost", "decision_s", "sim_time")  # measured seconds differ between runs; every other column is the same


@pytest.fixture(autouse=True)
def _counting(monkeypatch):
    monkeypatch.setattr(bench_plugin, "EVALUATED", [])
    monkeypatch.setattr(bench_plugin, "STOP_AT", None)


def _spec(tmp_path: Path, method: str = "tpe", batch: int = 1, commit: str = "c0ffee") -> CellSpec:
    journal = str(tmp_path / "cell.journal")
    return CellSpec(method, "flat/bowl/3", 0, BUDGET, batch=batch, journal=journal, git_commit=commit)


def _rows(cell: dict) -> dict:
    return {k: v for k, v in cell["rows"].items() if k not in TIMINGS}


@pytest.mark.parametrize(
    ("method", "batch", "stop_at"), [("tpe", 1, 7), ("ei", 1, 5), ("ppo", 1, 9), ("tpe", 3, 8), ("random", 4, 4)]
)
def test_an_interrupted_cell_resumes_from_its_journal_as_if_it_had_not_stopped(
    tmp_path, monkeypatch, method, batch, stop_at
):
    whole = run_cell(dataclasses.replace(_spec(tmp_path, method, batch), journal=None))
    assert whole["resumed_trials"] == 0
    monkeypatch.setattr(cell_journal, "JOURNAL_AFTER_S", 0.0)
    monkeypatch.setattr(bench_plugin, "EVALUATED", [])
    monkeypatch.setattr(bench_plugin, "STOP_AT", stop_at)
    spec = _spec(tmp_path, method, batch)
    with pytest.raises(TuningInterrupted):
        run_cell(spec)
    assert Path(spec.journal).is_file()
    monkeypatch.setattr(bench_plugin, "EVALUATED", [])
    monkeypatch.setattr(bench_plugin, "STOP_AT", None)
    resumed = run_cell(spec)
    assert resumed["resumed_trials"] == stop_at - 1
    assert len(bench_plugin.EVALUATED) == BUDGET - (stop_at - 1)  # no finished trial evaluated again
    assert _rows(resumed) == _rows(whole)


def test_a_short_cell_writes_no_journal(tmp_path):
    spec = _spec(tmp_path)
    cell = run_cell(spec)
    assert not Path(spec.journal).exists() and cell["resumed_trials"] == 0


def test_a_journal_of_another_commit_is_not_resumed(tmp_path, monkeypatch):
    monkeypatch.setattr(cell_journal, "JOURNAL_AFTER_S", 0.0)
    monkeypatch.setattr(bench_plugin, "STOP_AT", 6)
    with pytest.raises(TuningInterrupted):
        run_cell(_spec(tmp_path, commit="old"))
    monkeypatch.setattr(bench_plugin, "STOP_AT", None)
    monkeypatch.setattr(bench_plugin, "EVALUATED", [])
    with pytest.warns(UserWarning, match=r"journal was not resumed \(.*git_commit.*\); the cell runs from its start"):
        cell = run_cell(_spec(tmp_path, commit="new"))
    assert cell["resumed_trials"] == 0 and len(bench_plugin.EVALUATED) == BUDGET


def test_a_corrupt_journal_is_replaced_by_a_run_from_the_start(tmp_path):
    spec = _spec(tmp_path)
    Path(spec.journal).write_bytes(b"not a journal")
    with pytest.warns(UserWarning, match="is not an rl_hpo journal"):
        cell = run_cell(spec)
    assert cell["resumed_trials"] == 0 and len(bench_plugin.EVALUATED) == BUDGET


def test_a_journal_that_cannot_be_written_leaves_the_cell_unjournaled(tmp_path, monkeypatch):
    monkeypatch.setattr(cell_journal, "JOURNAL_AFTER_S", 0.0)
    spec = dataclasses.replace(_spec(tmp_path), journal=str(tmp_path / "missing" / "cell.journal"))
    with pytest.warns(UserWarning, match="cannot be journaled .*; it goes on without"):
        cell = run_cell(spec)
    assert len(cell["rows"]["trial"]) == BUDGET


def _stopped_study(tmp_path: Path, monkeypatch) -> BenchSettings:
    """A study of one cell, stopped by Ctrl-C at its 9th evaluation, its first 8 trials journaled."""
    monkeypatch.setattr(cell_journal, "JOURNAL_AFTER_S", 0.0)
    settings = BenchSettings(
        out=tmp_path / "study",
        tasks=("flat/bowl/3",),
        methods=("tpe",),
        budget=BUDGET,
        seeds=1,
        executor="inline",
        plugins=("bench_plugin",),
        command="pytest cell journal",
    )
    monkeypatch.setattr(bench_plugin, "STOP_AT", 9)
    with pytest.raises(KeyboardInterrupt):
        run_bench(settings, progress=False)
    assert [p.name for p in Study(settings.out).cells_dir.glob("*.journal")] == ["tpe__flat%2Fbowl%2F3__0.journal"]
    monkeypatch.setattr(bench_plugin, "STOP_AT", None)
    return settings


def test_a_study_stopped_in_a_cell_resumes_that_cell_and_deletes_its_journal(tmp_path, monkeypatch):
    settings = _stopped_study(tmp_path, monkeypatch)
    run_bench(settings, progress=False)
    study = Study(settings.out)
    cell = study.load_cell(CellKey("tpe", "flat/bowl/3", 0))
    assert cell["resumed_trials"] == 8 and len(cell["rows"]["trial"]) == BUDGET
    assert not list(study.cells_dir.glob("*.journal*"))  # the journal and its lock file, once the cell is saved


def test_redoing_a_method_discards_its_journals(tmp_path, monkeypatch):
    settings = _stopped_study(tmp_path, monkeypatch)
    run_bench(dataclasses.replace(settings, redo=("tpe",)), progress=False)
    cell = Study(settings.out).load_cell(CellKey("tpe", "flat/bowl/3", 0))
    assert cell["resumed_trials"] == 0 and len(bench_plugin.EVALUATED) == 8 + BUDGET


def test_a_journal_another_process_holds_is_left_alone_and_the_cell_runs_without(tmp_path, monkeypatch):
    monkeypatch.setattr(cell_journal, "JOURNAL_AFTER_S", 0.0)
    spec = _spec(tmp_path)
    with Journal(spec.journal, spec.journal_run()) as held:  # e.g. the same cell running in another worker
        held.record_all([])
        with pytest.warns(UserWarning, match="is in use by another run .* The cell runs from its start, without"):
            cell = run_cell(spec)
    assert cell["resumed_trials"] == 0 and len(cell["rows"]["trial"]) == BUDGET
    assert Path(spec.journal).is_file()  # not deleted under the run that holds it


@pytest.mark.parametrize("error", [sqlite3.OperationalError("database is locked"), TypeError("not JSON serializable")])
def test_a_journal_that_fails_midway_keeps_its_first_trials_and_the_cell_finishes(tmp_path, monkeypatch, error):
    monkeypatch.setattr(cell_journal, "JOURNAL_AFTER_S", 0.0)
    record_all = Journal.record_all

    def failing_at_the_fifth(self, records):
        if records and records[-1].trial >= 4:
            raise error
        record_all(self, records)

    monkeypatch.setattr(Journal, "record_all", failing_at_the_fifth)
    spec = _spec(tmp_path)
    with pytest.warns(UserWarning, match="cannot be journaled .*; it goes on without"):
        whole = run_cell(spec)
    assert len(whole["rows"]["trial"]) == BUDGET
    monkeypatch.setattr(Journal, "record_all", record_all)
    monkeypatch.setattr(bench_plugin, "EVALUATED", [])
    resumed = run_cell(spec)  # as after a stop: the journal's first 4 trials are replayed, the rest evaluated
    assert resumed["resumed_trials"] == 4 and len(bench_plugin.EVALUATED) == BUDGET - 4
    assert _rows(resumed) == _rows(whole)


def test_a_journal_that_cannot_start_is_deleted_and_the_cell_finishes(tmp_path, monkeypatch):
    monkeypatch.setattr(cell_journal, "JOURNAL_AFTER_S", 0.0)

    def unserializable(self, records):
        raise TypeError("Object of type Act is not JSON serializable")

    monkeypatch.setattr(Journal, "record_all", unserializable)
    spec = _spec(tmp_path)
    with pytest.warns(UserWarning, match="not JSON serializable.*; it goes on without"):
        cell = run_cell(spec)
    assert len(cell["rows"]["trial"]) == BUDGET and not Path(spec.journal).exists()
