"""The head-to-head benchmark: run methods x tasks x seeds, then measure and report.

- ``runner``: ``BenchSettings``, ``run_bench`` (resumable studies) and ``bench_command`` (``rl-hpo bench``);
- ``executors``: where cells run (a local process pool, Ray, or this process);
- ``study``: the on-disk layout of a study (run.json, one atomic file per finished cell);
- ``trials``: the trials table with normalized regret and the study's score bounds;
- ``metrics``: regret, rank, win rate, Wilcoxon, budgets above random search and decision overhead, from a
  trials table alone;
- ``report`` and ``plots``: ``report.md``, ``summary.csv`` and the PNG plots (``rl-hpo report``).
"""

from __future__ import annotations

from rl_hpo.lazy_exports import lazy_exports

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

_WHERE = {  # name -> the module of rl_hpo.bench that defines it
    "EXECUTORS": "executors",
    "Executor": "executors",
    "InlineExecutor": "executors",
    "ProcessExecutor": "executors",
    "RayExecutor": "executors",
    "make_executor": "executors",
    "Curves": "metrics",
    "above_reference": "metrics",
    "aggregate": "metrics",
    "decision_overhead": "metrics",
    "mean_ranks": "metrics",
    "rank_curves": "metrics",
    "regret_curves": "metrics",
    "summary_table": "metrics",
    "wilcoxon_pvalue": "metrics",
    "wilcoxon_table": "metrics",
    "win_rate": "metrics",
    "win_rate_table": "metrics",
    "read_trials": "report",
    "report_command": "report",
    "write_report": "report",
    "BenchError": "runner",
    "BenchSettings": "runner",
    "CellSpec": "runner",
    "bench_command": "runner",
    "run_bench": "runner",
    "run_cell": "runner",
    "CellKey": "study",
    "Study": "study",
    "StudyBusyError": "study",
    "StudySettingsError": "study",
    "StudyBounds": "trials",
    "assemble_trials": "trials",
    "study_bounds": "trials",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
