"""History: the record of a tuning run, one row per evaluated trial."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from rl_hpo.optimizer import Trial
    from rl_hpo.tasks.base import Result, Task

__all__ = ["History", "TrialRecord"]


@dataclass(frozen=True)
class TrialRecord:
    """One finished trial. ``score`` is the task's (maximized) score; NaN for a failed trial."""

    trial: int
    config: dict[str, Any]
    fidelity: float | None
    score: float
    cost: float
    decision_s: float
    budget_fraction: float
    error: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return not math.isfinite(self.score)


class History:
    """The trials of one run, in order, with the best configuration so far.

    With ``direction="minimize"`` the task negates the objective so that every optimizer maximizes;
    ``best_score`` and ``to_dataframe()`` report the objective in its own sign.
    """

    def __init__(
        self,
        *,
        task: str = "",
        method: str = "",
        seed: int | None = None,
        direction: str = "maximize",
        max_fidelity: float | None = None,
        params: Sequence[str] = (),
    ) -> None:
        self.task = task
        self.method = method
        self.seed = seed
        self.direction = direction
        self.max_fidelity = max_fidelity
        #: The search space's parameter names, in its order: ``to_dataframe``'s configuration columns follow it.
        self.params = tuple(params)
        self.records: list[TrialRecord] = []
        # Failures and budget summed over the records so far (``_tally``): the run loop reads both after every trial.
        self._tallied: tuple[list[TrialRecord] | None, int, int, float] = (None, 0, 0, 0.0)

    @classmethod
    def for_task(cls, task: Task, *, method: str = "", seed: int | None = None) -> History:
        return cls(
            task=task.name,
            method=method,
            seed=seed,
            direction=getattr(task, "direction", "maximize"),
            max_fidelity=task.fidelity.high if task.fidelity is not None else None,
            params=task.space.names,
        )

    def add(
        self, trial: Trial, result: Result, *, decision_s: float = 0.0, budget_fraction: float = 1.0
    ) -> TrialRecord:
        info = dict(result.info)
        error = info.pop("error", None)
        record = TrialRecord(
            trial=trial.id,
            config=dict(trial.config),
            fidelity=trial.fidelity,
            score=float(result.score) if not result.failed else float("nan"),
            cost=float(result.cost),
            decision_s=float(decision_s),
            budget_fraction=float(budget_fraction),
            error=None if error is None else str(error),
            info=info,
        )
        self.records.append(record)
        return record

    # -- summaries --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.records)

    @property
    def n_trials(self) -> int:
        return len(self.records)

    @property
    def n_failed(self) -> int:
        return self._tally()[0]

    @property
    def budget_used(self) -> float:
        return self._tally()[1]

    def _tally(self) -> tuple[int, float]:
        """``(n_failed, budget_used)``, summed on from the records counted at the last call (records are frozen and
        appended; a list replaced or shortened is counted again from its start), in the order a full sum adds them:
        the run loop reads both after every trial, and summing every record each time made a run of ten thousand
        trials spend most of its time there."""
        counted_list, n, failed, budget = self._tallied
        if counted_list is not self.records or n > len(self.records):
            n, failed, budget = 0, 0, 0.0
        for record in self.records[n:]:
            failed += record.failed
            budget += record.budget_fraction
        self._tallied = (self.records, len(self.records), failed, budget)
        return failed, budget

    def first_error(self) -> str | None:
        return next((r.error for r in self.records if r.error), None)

    def is_full_fidelity(self, record: TrialRecord) -> bool:
        """Whether ``record`` was evaluated at the task's highest fidelity (or the task has no fidelity)."""
        return record.budget_fraction >= 1.0 - 1e-9  # as charged: a tabulated task may serve a request at its top

    def best_record(self) -> TrialRecord | None:
        """The best successful trial at the highest fidelity any successful trial reached (full fidelity where one
        did, as Hyperband's authors report the incumbent): a configuration's score at a lower fidelity is not
        comparable, and may be one a higher fidelity has since revised."""
        ok = [r for r in self.records if not r.failed]
        full = [r for r in ok if self.is_full_fidelity(r)]
        if not full and ok:
            top = max(float(r.fidelity) for r in ok if r.fidelity is not None)
            full = [r for r in ok if r.fidelity is not None and float(r.fidelity) >= top]
        return max(full, key=lambda r: r.score) if full else None

    def _user_sign(self, score: float) -> float:
        return -score if self.direction == "minimize" else score

    def best_score_or_none(self) -> float | None:
        best = self.best_record()
        return None if best is None else self._user_sign(best.score)

    @property
    def best_score(self) -> float:
        """The best objective value found (in the objective's own sign)."""
        best = self.best_score_or_none()
        if best is None:
            raise ValueError(f"No successful trial yet ({self.n_trials} trials, {self.n_failed} failed).")
        return best

    @property
    def best_config(self) -> dict[str, Any]:
        best = self.best_record()
        if best is None:
            raise ValueError(f"No successful trial yet ({self.n_trials} trials, {self.n_failed} failed).")
        return dict(best.config)

    def to_records(self) -> list[dict[str, Any]]:
        """Plain rows (one per trial) with the configuration under ``config.<name>``."""
        rows = []
        for r in self.records:
            row: dict[str, Any] = {
                "trial": r.trial,
                "score": self._user_sign(r.score),
                "fidelity": r.fidelity,
                "cost": r.cost,
                "decision_s": r.decision_s,
                "budget_used": 0.0,
                "error": r.error,
            }
            row.update({f"config.{k}": v for k, v in r.config.items()})
            rows.append(row)
        used = 0.0
        for row, r in zip(rows, self.records):
            used += r.budget_fraction
            row["budget_used"] = used
        return rows

    def to_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame.from_records(self.to_records())
        # A conditional parameter inactive in the first trials would come last: the space's order instead.
        config = [c for c in frame.columns if c.startswith("config.")]
        rank = {f"config.{name}": i for i, name in enumerate(self.params)}
        ordered = sorted(config, key=lambda c: rank.get(c, len(rank)))  # stable: unknown names keep their order
        return frame[[c for c in frame.columns if c not in config] + ordered]

    def __repr__(self) -> str:
        best = self.best_score_or_none()
        return (
            f"History(task={self.task!r}, method={self.method!r}, trials={self.n_trials}, "
            f"failed={self.n_failed}, best_score={best})"
        )

    def summary(self) -> Mapping[str, Any]:
        best = self.best_record()
        return {
            "task": self.task,
            "method": self.method,
            "seed": self.seed,
            "trials": self.n_trials,
            "failed": self.n_failed,
            "best_score": self.best_score_or_none(),
            "best_config": best.config if best is not None else None,
        }
