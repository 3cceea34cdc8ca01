"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import pytest

from rl_hpo.tasks.base import Task
from tests.bowl import bowl_task


@pytest.fixture
def small_tasks() -> list[Task]:
    return [bowl_task(2, seed=0), bowl_task(3, seed=1), bowl_task(5, seed=2)]
