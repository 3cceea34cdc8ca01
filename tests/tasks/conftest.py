"""Fixtures shared by the task-family tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_REPO_ROOT = Path(__file__).resolve().parents[2]
# Tests only: the shared benchmark folder beside the checkout, where CI keeps the YAHPO data.
_FALLBACK = _REPO_ROOT.parent / "shared" / "benchmarks" / "yahpo_data"


@pytest.fixture(scope="session")
def yahpo_data_dir() -> Path:
    """The YAHPO data folder ($RL_HPO_YAHPO_DATA, else ../shared/benchmarks/yahpo_data); skips if absent."""
    env = os.environ.get("RL_HPO_YAHPO_DATA", "").strip()
    path = Path(env).expanduser() if env else _FALLBACK
    needed = [path / s / "model.onnx" for s in ("lcbench", "rbv2_xgboost", "iaml_glmnet")]
    if not all(p.is_file() for p in needed):
        pytest.skip(f"YAHPO data folder not found at {path} (set RL_HPO_YAHPO_DATA)")
    return path.resolve()


@pytest.fixture
def line_task():
    """``line_task(bounds)``: the task ``1 - 2x`` on ``x`` in [0, 1], failing (NaN) above 0.95, with score bounds
    ``bounds`` (default -1 and 1; None for none): the task the score views (heavy tail, penalty) wrap."""
    from rl_hpo.space import Float, SearchSpace
    from rl_hpo.tasks.base import FunctionTask, ScoreBounds

    default = ScoreBounds(worst=-1.0, best=1.0)

    def make(bounds: ScoreBounds | None = default) -> FunctionTask:
        def score(config: dict) -> float:
            return float("nan") if config["x"] > 0.95 else 1.0 - 2.0 * config["x"]

        task = FunctionTask(score, SearchSpace({"x": Float(0.0, 1.0)}), name="line")
        task.bounds = bounds
        return task

    return make
