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
