"""The trials table: regret of the full-fidelity incumbent, bounds raised when a run beats them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rl_hpo.bench.trials import BASE_COLUMNS, assemble_trials, study_bounds


def _cell(method, task, seed, scores, *, fidelity=None, bounds=(0.0, 1.0), max_fidelity=None, config=None):
    n = len(scores)
    return {
        "method": method,
        "task": task,
        "seed": seed,
        "bounds": None if bounds is None else {"worst": bounds[0], "best": bounds[1]},
        "max_fidelity": max_fidelity,
        "rows": {
            "trial": list(range(n)),
            "fidelity": fidelity or [None] * n,
            "score": scores,
            "cost": [1.0] * n,
            "decision_s": [0.0] * n,
            "budget_used": [float(i + 1) for i in range(n)],
            "sim_time": [float(i + 1) for i in range(n)],
            "error": [None if math.isfinite(s) else "failed" for s in scores],
            "config": config or {"x": [0.1 * i for i in range(n)]},
        },
    }


def test_regret_of_the_best_so_far():
    table = assemble_trials([_cell("random", "t", 0, [0.2, 0.6, float("nan"), 0.4, 0.9])])
    assert list(table.columns) == [*BASE_COLUMNS, "config.x"]
    assert table["regret"].tolist() == pytest.approx([0.8, 0.4, 0.4, 0.4, 0.1])
    assert table["error"].tolist()[2] == "failed"


def test_test_side_scores_and_the_incumbents_one():
    cell = _cell("a", "t", 0, [0.2, 0.6, 0.4, 0.9], fidelity=[1.0, 1.0, 1.0, 0.5], max_fidelity=1.0)
    cell["rows"]["test_score"] = [0.3, 0.5, None, 0.8]
    old = _cell("a", "t", 1, [0.2, 0.6])  # a cell recorded before test-side scores were
    table = assemble_trials([cell, old])
    assert table["test_score"].tolist()[:2] == [0.3, 0.5] and np.isnan(table["test_score"].tolist()[2])
    # the low-fidelity 0.9 never becomes the incumbent, so the test-side score stays the 0.6's
    assert table["incumbent_test_score"].tolist()[:4] == [0.3, 0.5, 0.5, 0.5]
    assert table["test_score"][4:].isna().all() and table["incumbent_test_score"][4:].isna().all()


def test_a_run_that_beats_the_stored_best_raises_it_for_the_whole_study():
    cells = [
        _cell("a", "t", 0, [0.5, 0.8], bounds=(0.0, 1.0)),
        _cell("b", "t", 0, [0.3, 1.5], bounds=(0.0, 1.0), config={"x": [0.0, 0.7]}),
    ]
    bounds = study_bounds(cells)
    b = bounds["t"]
    assert (b.worst, b.best, b.stored_best, b.raised) == (0.0, 1.5, 1.0, True)
    assert b.best_run == {"method": "b", "seed": 0, "trial": 1, "config": {"x": 0.7}}
    table = assemble_trials(cells, bounds)
    # every regret uses the raised best 1.5: a's 0.8 has regret 0.7/1.5, not 0.2
    assert table["regret"].tolist() == pytest.approx([1.0 / 1.5, 0.7 / 1.5, 1.2 / 1.5, 0.0])
    assert (table["regret"] >= 0).all()


def test_the_stored_worst_stays_and_clips_regret_at_one():
    table = assemble_trials([_cell("a", "t", 0, [-0.5, 0.5], bounds=(0.0, 1.0))])
    assert study_bounds([_cell("a", "t", 0, [-0.5, 0.5])])["t"].worst == 0.0
    assert table["regret"].tolist() == pytest.approx([1.0, 0.5])


def test_the_widest_stored_bounds_of_all_sessions_are_used():
    cells = [_cell("a", "t", 0, [0.5], bounds=(0.0, 1.0)), _cell("a", "t", 1, [0.5], bounds=(-1.0, 2.0))]
    b = study_bounds(cells)["t"]
    assert (b.worst, b.best, b.raised) == (-1.0, 2.0, False)


def test_tasks_without_stored_bounds_use_the_observed_range():
    cells = [_cell("a", "t", 0, [2.0, 4.0], bounds=None), _cell("b", "t", 0, [3.0, 6.0], bounds=None)]
    b = study_bounds(cells)["t"]
    assert (b.source, b.worst, b.best) == ("observed", 2.0, 6.0)
    assert assemble_trials(cells)["regret"].tolist() == pytest.approx([1.0, 0.5, 0.75, 0.0])


def test_multi_fidelity_incumbent_counts_full_fidelity_only():
    cell = _cell(
        "hb",
        "t",
        0,
        [0.9, 0.5, 0.7, 0.95],
        fidelity=[1.0, 1.0, 10.0, 5.0],
        max_fidelity=10.0,
    )
    table = assemble_trials([cell])
    # regret: 1 until the first full-fidelity evaluation (trial 2, score 0.7), then 0.3
    assert table["regret"].tolist() == pytest.approx([1.0, 1.0, 0.3, 0.3])
    # regret_any: the best score at any fidelity (0.95 at fidelity 5 is ignored by the bound too)
    assert table["regret_any"].tolist() == pytest.approx([0.1, 0.1, 0.1, 0.05])
    assert study_bounds([cell])["t"].best == 1.0  # low-fidelity scores never move the bounds


def test_all_failed_run_has_regret_one():
    table = assemble_trials([_cell("a", "t", 0, [float("nan")] * 3)])
    assert np.all(table["regret"] == 1.0)


def test_a_raised_bound_is_the_studys_own_and_never_written_back(tmp_path, monkeypatch):
    from rl_hpo.bench import runner
    from rl_hpo.bench.study import CellKey, Study

    monkeypatch.setattr(runner, "_load_task", lambda name, options: pytest.fail("the task is not consulted"))
    study = Study(tmp_path)
    key = CellKey("b", "t", 0)
    study.save_cell(key, _cell("b", "t", 0, [0.3, 1.5], bounds=(0.0, 1.0), config={"x": [0.0, 0.7]}))
    bounds = runner.assemble_study(study, [key])
    assert bounds["t"].raised and bounds["t"].best == 1.5
    assert '"raised": true' in study.bounds_json.read_text()
    assert study.trials_csv.exists()
