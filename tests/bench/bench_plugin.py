"""Fake optimizers for the bench tests, registered by name when this module is imported.

Bench workers import it (``BenchSettings(plugins=("bench_plugin",))``) so that the names resolve there too.
"""

from __future__ import annotations

import os
import time
from typing import Any

from rl_hpo.baselines.random_search import RandomSearch
from rl_hpo.optimizer import register_optimizer
from rl_hpo.tasks.registry import register_family

__all__ = ["DELAY_ENV", "Broken", "SleepyRandom"]

#: Seconds SleepyRandom sleeps per ask (default 0.02).
DELAY_ENV = "RL_HPO_TEST_DELAY"


class SleepyRandom(RandomSearch):
    """Random search that takes its time to decide (to interrupt a bench in the middle)."""

    name = "sleepy"

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        time.sleep(float(os.environ.get(DELAY_ENV, "0.02")))
        return super()._ask(trial_id)


class Broken(RandomSearch):
    """Raises on the first ask of seed 1 (to test failing cells)."""

    name = "broken"

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        if self.seed == 1 and not os.environ.get("RL_HPO_TEST_FIXED"):
            raise RuntimeError("deliberate failure for seed 1")
        return super()._ask(trial_id)


register_optimizer("sleepy", SleepyRandom)
register_optimizer("broken", Broken)


# -- a task family for the degenerate-range tests: "flat/bowl/0" varies, "flat/bowl/1" is constant up to 1e-13.
DESCRIPTION = (
    "test tasks: a bowl (instance 0), a constant up to round-off (1), an objective that always fails (2) and a bowl "
    "that counts its evaluations and can stop the run (3)"
)
#: The configurations "flat/bowl/3" evaluated (in this process), and the evaluation (1, 2, ...) at which it raises
#: KeyboardInterrupt, as Ctrl-C would (None: never).
EVALUATED: list[dict[str, Any]] = []
STOP_AT: int | None = None


def make_task(scenario: str, instance: str, **options: Any) -> Any:
    from rl_hpo.space import Float, SearchSpace
    from rl_hpo.tasks.base import FunctionTask

    scale = 1e-13 if instance == "1" else 1.0

    def objective(c: dict[str, Any]) -> float:
        if instance == "2":
            raise RuntimeError("this objective always fails")
        if instance == "3":
            if STOP_AT is not None and len(EVALUATED) + 1 >= STOP_AT:
                raise KeyboardInterrupt
            EVALUATED.append(dict(c))
        return 0.7 - scale * (c["x"] - 0.3) ** 2

    return FunctionTask(
        objective,
        SearchSpace({"x": Float(0.0, 1.0)}),
        name=f"flat/{scenario}/{instance}",
    )


def suite_names(**options: Any) -> list[str]:
    return ["flat/bowl"]


def load_suite(scenario: str, **options: Any) -> Any:
    from rl_hpo.tasks.registry import Suite

    return Suite("flat/bowl", {"train": (), "validation": (), "test": ("flat/bowl/0", "flat/bowl/1")}, {})


register_family("flat", __name__)
