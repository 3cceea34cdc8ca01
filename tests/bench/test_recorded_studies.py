"""A recorded study, run again from its run.json, gives the same summary (``make test PYTEST_ARGS="-m slow"``).

Only the studies cheap enough to repeat in a few minutes are checked here (yahpo/iaml_glmnet: 200 cells,
about 4 CPU-minutes, most of them Optuna's GP). A change to a method that moves its numbers fails this test
until the study is recorded again with the changed code, so the published table never drifts from the code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rl_hpo.bench import BenchSettings, run_bench

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)"),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("study", ["unseen_spaces/yahpo_iaml_glmnet"])
def test_a_recorded_study_reproduces_its_summary(study: str, tmp_path: Path, monkeypatch) -> None:
    recorded = ROOT / "benchmarks" / study
    settings = json.loads((recorded / "run.json").read_text())["settings"]
    monkeypatch.chdir(ROOT)  # the recorded policy paths are relative to the repository
    rerun = run_bench(
        BenchSettings(
            out=tmp_path / "rerun",
            methods=settings["methods"],
            suite=settings["suite"],
            split=settings["split"],
            tasks=settings["tasks"],
            budget=settings["budget"],
            seeds=settings["seeds"],
            method_options=settings["method_options"],
            task_options=settings["task_options"],
            workers=2,
        ),
        progress=False,
    )
    expected = pd.read_csv(recorded / "summary.csv")
    got = pd.read_csv(rerun.summary_csv)
    assert list(got["method"]) == list(expected["method"])
    assert list(got["budget"]) == list(expected["budget"])
    for column in ("regret_mean", "regret_sem", "rank_mean"):
        np.testing.assert_array_equal(got[column].to_numpy(), expected[column].to_numpy(), err_msg=column)
