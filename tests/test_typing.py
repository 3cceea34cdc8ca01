"""The package type-checks: mypy, configured in pyproject.toml, finds no error in rl_hpo/."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="needs mypy (the dev extra: pip install -e '.[dev]')"
)
def test_mypy_finds_no_error_in_the_package() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "rl_hpo"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"mypy exited with {done.returncode}:\n{done.stdout}{done.stderr}"
