"""The head-to-head benchmark: run methods x tasks x seeds, then measure and report.

- ``runner``: ``BenchSettings``, ``run_bench`` (resumable studies) and ``bench_command`` (``rl-hpo bench``);
- ``executors``: where cells run (a local process pool, Ray, or this process);
- ``study``: the on-disk layout of a study (run.json, one atomic file per finished cell);
- ``trials``: the trials table with normalized regret and the study's score bounds;
- ``metrics``: regret, rank, win rate, Wilcoxon, budgets above random search and decision overhead, from a
  trials table alone;
- ``report`` and ``plots``: ``report.md``, ``summary.csv`` and the PNG plots (``rl-hpo report``).
"""

from rl_hpo.bench.executors import EXECUTORS, Executor, InlineExecutor, ProcessExecutor, RayExecutor, make_executor
from rl_hpo.bench.metrics import (
    Curves,
    above_reference,
    aggregate,
    decision_overhead,
    mean_ranks,
    rank_curves,
    regret_curves,
    summary_table,
    wilcoxon_pvalue,
    wilcoxon_table,
    win_rate,
    win_rate_table,
)
from rl_hpo.bench.report import read_trials, report_command, write_report
from rl_hpo.bench.runner import BenchError, BenchSettings, CellSpec, bench_command, run_bench, run_cell
from rl_hpo.bench.study import CellKey, Study, StudyBusyError, StudySettingsError
from rl_hpo.bench.trials import StudyBounds, assemble_trials, study_bounds

__all__ = [
    "EXECUTORS",
    "BenchError",
    "BenchSettings",
    "CellKey",
    "CellSpec",
    "Curves",
    "Executor",
    "InlineExecutor",
    "ProcessExecutor",
    "RayExecutor",
    "Study",
    "StudyBounds",
    "StudyBusyError",
    "StudySettingsError",
    "above_reference",
    "aggregate",
    "assemble_trials",
    "bench_command",
    "decision_overhead",
    "make_executor",
    "mean_ranks",
    "rank_curves",
    "read_trials",
    "regret_curves",
    "report_command",
    "run_bench",
    "run_cell",
    "study_bounds",
    "summary_table",
    "wilcoxon_pvalue",
    "wilcoxon_table",
    "win_rate",
    "win_rate_table",
    "write_report",
]
