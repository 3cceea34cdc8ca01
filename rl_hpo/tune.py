"""``rl_hpo.tune``: tune a user's objective or a built-in task with any method, in one call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rl_hpo.history import History
from rl_hpo.optimizer import make_optimizer
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import FunctionTask, Task
from rl_hpo.tasks.registry import load_task

__all__ = ["tune"]


def tune(
    objective: Callable[..., Any] | Task | str,
    space: SearchSpace | Mapping[str, Any] | None = None,
    *,
    budget: float = 50,
    method: str = "random",
    seed: int | None = None,
    direction: str = "maximize",
    progress: bool = False,
    **options: Any,
) -> History:
    """Tune ``objective`` over ``space`` and return the ``History`` of the run.

    Args:
        objective: ``objective(config) -> float``, a ``Task``, or a task name such as
            ``"synthetic/branin/0"``.
        space: the search space (required for a function, taken from the task otherwise).
        budget: full-fidelity-equivalent evaluations.
        method: any name of ``rl_hpo.available_optimizers()``.
        seed: seeds the method; the same seed gives the same trials.
        direction: "maximize" (default) or "minimize" for a function objective.
        progress: show a progress bar.
        **options: options of the method (e.g. ``policy=`` for "ppo").

    Example:
        >>> import rl_hpo
        >>> space = {"x": rl_hpo.Float(-5.0, 5.0)}
        >>> history = rl_hpo.tune(lambda c: -(c["x"] - 1) ** 2, space, budget=20, seed=0)
        >>> round(history.best_config["x"])
        1
    """
    if isinstance(objective, str):
        task = load_task(objective)
    elif isinstance(objective, Task):
        task = objective
    elif callable(objective):
        if space is None:
            raise ValueError("tune(objective, space, ...) needs a search space for a function objective.")
        task = FunctionTask(objective, space, direction=direction)
    else:
        raise TypeError(f"objective must be a function, a Task or a task name, got {type(objective).__name__}.")
    if space is not None and isinstance(objective, Task | str):
        raise ValueError("Do not pass a space with a task: a task brings its own search space.")
    optimizer = make_optimizer(method, task.space, seed=seed, fidelity=task.fidelity, **options)
    return optimizer.optimize(task, budget, progress=progress)
