"""A small, fast task with known bounds for the environment and agent tests."""

from __future__ import annotations

import numpy as np

from rl_hpo.space import Categorical, Float, Int, SearchSpace
from rl_hpo.tasks.base import FunctionTask, ScoreBounds, Task


def bowl_task(dim: int = 3, *, seed: int = 0, mixed: bool = True, name: str | None = None) -> Task:
    """A bowl over a (mixed-type) space with known bounds; its optimum sits at a random cube point."""
    rng = np.random.default_rng(seed)
    params: dict = {}
    for j in range(dim):
        kind = j % 3 if mixed else 0
        if kind == 0:
            params[f"x{j}"] = Float(0.0, 1.0)
        elif kind == 1:
            params[f"x{j}"] = Int(0, 9)
        else:
            params[f"x{j}"] = Categorical(["a", "b", "c"])
    space = SearchSpace(params)
    center = rng.random(dim)

    def objective(config: dict) -> float:
        u = space.encode(config)
        return float(-np.sum((u - center) ** 2))

    task = FunctionTask(objective, space, name=name or f"test/bowl-{dim}d/{seed}")
    task.bounds = ScoreBounds(worst=-float(dim), best=0.0)
    return task
