"""The noisy-objectives study's task family (``--plugins noisy_tasks``, with this folder on PYTHONPATH).

``noisy/mixed-<P>/<seed>`` is ``synthetic/mixed/<seed>`` with its score mapped onto [0, 1] by its bounds (0 the
worst, 1 the best) plus Gaussian noise of standard deviation P / 100, drawn once per configuration (a configuration
scores the same each time, as a model cross-validated on fixed folds does), and the noiseless score as its test-side
score (``Result.info["test_score"]``). A report's "Test-side score of the incumbent" is then 1 minus the noiseless
regret of the configuration each method found best by its noisy scores. The suites ``noisy/mixed-5`` and
``noisy/mixed-10`` split their seeds as synthetic/mixed does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np

from rl_hpo import Suite, TaskNotFoundError
from rl_hpo.tasks.base import Result, ScoreBounds, Task, TaskView
from rl_hpo.tasks.registry import load_suite as load_any_suite
from rl_hpo.tasks.registry import load_task, register_family

DESCRIPTION = "synthetic/mixed on a [0, 1] scale with Gaussian noise of P% of it, the noiseless score test-side"
LEVELS = {"mixed-5": 5, "mixed-10": 10}


class NoisyView(TaskView):
    """``task`` on [0, 1] by its bounds, with noise of standard deviation ``percent`` / 100 per configuration."""

    def __init__(self, task: Task, name: str, percent: int) -> None:
        super().__init__(task)
        assert task.bounds is not None
        self.name, self.percent, self._inner = name, percent, task.bounds
        self.bounds = ScoreBounds(worst=0.0, best=1.0)

    def evaluate(self, config: Mapping[str, Any], fidelity: float | None = None) -> Result:
        result = self.task.evaluate(config, fidelity)
        true = (result.score - self._inner.worst) / (self._inner.best - self._inner.worst)
        point = np.round(self.space.encode(config), 12).tobytes()
        key = int.from_bytes(hashlib.sha256(self.name.encode() + point).digest()[:8], "little")
        noise = self.percent / 100.0 * np.random.default_rng(key).standard_normal()
        return Result(true + noise, result.cost, {**result.info, "test_score": true})


def make_task(scenario: str, instance: str, **options: Any) -> Task:
    if scenario not in LEVELS:
        raise TaskNotFoundError(f"No suite noisy/{scenario}; choose one of: {', '.join(LEVELS)}.")
    return NoisyView(load_task(f"synthetic/mixed/{instance}"), f"noisy/{scenario}/{instance}", LEVELS[scenario])


def suite_names(**options: Any) -> list[str]:
    return [f"noisy/{scenario}" for scenario in LEVELS]


def load_suite(scenario: str, **options: Any) -> Suite:
    if scenario not in LEVELS:
        raise TaskNotFoundError(f"No suite noisy/{scenario}; choose one of: {', '.join(LEVELS)}.")
    mixed = load_any_suite("synthetic/mixed")
    splits = {
        split: tuple(n.replace("synthetic/mixed/", f"noisy/{scenario}/") for n in names)
        for split, names in mixed.splits.items()
    }
    return Suite(f"noisy/{scenario}", splits)


register_family("noisy", __name__)
