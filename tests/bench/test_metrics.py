"""The head-to-head metrics, checked against numbers worked out by hand from tiny trials tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rl_hpo.bench import metrics


def _table(runs: dict[tuple[str, str, int], list[float]], budgets: list[float] | None = None) -> pd.DataFrame:
    """A trials table: each run's best-so-far regrets at budget_used 1, 2, 3, ... (or ``budgets``)."""
    rows = []
    for (method, task, seed), regrets in runs.items():
        used = budgets or [float(i + 1) for i in range(len(regrets))]
        for trial, (r, b) in enumerate(zip(regrets, used)):
            rows.append(
                {
                    "method": method,
                    "task": task,
                    "seed": seed,
                    "trial": trial,
                    "regret": r,
                    "regret_any": r,
                    "budget_used": b,
                    "sim_time": 10.0 * b,
                    "decision_s": 0.001 * (trial + 1) * (2 if method == "B" else 1),
                }
            )
    return pd.DataFrame(rows)


# Two methods, two tasks, two seeds, three evaluations each (regret of the best so far).
RUNS = {
    ("A", "t1", 0): [0.9, 0.5, 0.2],
    ("A", "t1", 1): [0.8, 0.4, 0.4],
    ("A", "t2", 0): [0.6, 0.1, 0.1],
    ("A", "t2", 1): [0.3, 0.3, 0.1],
    ("B", "t1", 0): [0.9, 0.6, 0.3],
    ("B", "t1", 1): [0.5, 0.5, 0.5],
    ("B", "t2", 0): [0.2, 0.2, 0.1],  # ties A at budget 3
    ("B", "t2", 1): [0.4, 0.2, 0.0],
}


def test_summary_by_hand():
    summary = metrics.summary_table(_table(RUNS), budgets=[2, 3])
    assert list(summary.columns) == ["method", "budget", "regret_mean", "regret_sem", "rank_mean"]
    row = summary.set_index(["method", "budget"])
    # A at 3: t1 seeds (0.2, 0.4): mean 0.3, sd 0.1414, se 0.1; t2 (0.1, 0.1): mean 0.1, se 0.
    assert row.loc[("A", 3), "regret_mean"] == pytest.approx(0.2)
    assert row.loc[("A", 3), "regret_sem"] == pytest.approx(math.sqrt(0.1**2 + 0.0**2) / 2)
    # B at 3: t1 (0.3, 0.5): mean 0.4, se 0.1; t2 (0.1, 0.0): mean 0.05, se 0.05.
    assert row.loc[("B", 3), "regret_mean"] == pytest.approx(0.225)
    assert row.loc[("B", 3), "regret_sem"] == pytest.approx(math.sqrt(0.1**2 + 0.05**2) / 2)
    # Ranks at 3: t1/0 A 0.2<0.3 -> A 1, B 2; t1/1 A 0.4<0.5 -> 1, 2; t2/0 tie 0.1=0.1 -> 1.5, 1.5;
    # t2/1 A 0.1>0.0 -> A 2, B 1. A: t1 mean 1, t2 mean 1.75 -> 1.375; B: t1 2, t2 1.25 -> 1.625.
    assert row.loc[("A", 3), "rank_mean"] == pytest.approx(1.375)
    assert row.loc[("B", 3), "rank_mean"] == pytest.approx(1.625)
    # At 2: A (0.5, 0.4 | 0.1, 0.3), B (0.6, 0.5 | 0.2, 0.2): A wins 3, loses t2/1 (0.3 > 0.2).
    assert row.loc[("A", 2), "regret_mean"] == pytest.approx((0.45 + 0.2) / 2)
    assert row.loc[("A", 2), "rank_mean"] == pytest.approx((1.0 + 1.5) / 2)


def test_win_rate_counts_ties_half():
    curves = metrics.regret_curves(_table(RUNS), [3])
    table = metrics.win_rate_table(curves, 3)
    # A beats B on t1/0, t1/1; ties t2/0; loses t2/1 -> (2 + 0.5) / 4.
    assert table.loc["A", "B"] == pytest.approx(0.625)
    assert table.loc["B", "A"] == pytest.approx(0.375)
    assert np.isnan(table.loc["A", "A"])
    assert metrics.win_rate([0.1, 0.2], [0.1, 0.3]) == pytest.approx(0.75)
    assert np.isnan(metrics.win_rate([np.nan], [0.1]))  # no pair to compare


def test_budget_counts_only_evaluations_that_ended_within_it():
    # A multi-fidelity run: budget_used 0.5, 1.5, 2.5, 3.25; at budget 3 the last evaluation does not count.
    runs = {("M", "t", 0): [1.0, 0.7, 0.4, 0.1]}
    curves = metrics.regret_curves(_table(runs, budgets=[0.5, 1.5, 2.5, 3.25]), [0.25, 1, 3, 3.25])
    assert curves.values[0, 0, 0].tolist() == [metrics.NO_INCUMBENT_REGRET, 1.0, 0.4, 0.1]
    assert metrics.final_budget(_table(runs, budgets=[0.5, 1.5, 2.5, 3.25])) == 3


def test_summary_budgets_and_grid():
    assert metrics.summary_budgets(100) == [10, 25, 50, 100]
    assert metrics.summary_budgets(50) == [10, 25, 50]
    assert metrics.summary_budgets(10) == [10]
    assert metrics.summary_budgets(30) == [10, 25, 30]
    assert metrics.budget_grid(3.5).tolist() == [1, 2, 3, 3.5]


def test_single_seed_has_no_standard_error():
    runs = {("A", "t1", 0): [0.5], ("A", "t2", 0): [0.3]}
    summary = metrics.summary_table(_table(runs), budgets=[1])
    assert summary["regret_mean"].iloc[0] == pytest.approx(0.4)
    assert np.isnan(summary["regret_sem"].iloc[0])


def test_ranks_skip_pairs_a_method_lacks():
    runs = {k: v for k, v in RUNS.items() if k != ("B", "t2", 1)}
    curves = metrics.regret_curves(_table(runs), [3])
    ranks = metrics.rank_curves(curves)
    assert np.isnan(ranks[:, 1, 1, 0]).all()  # t2 seed 1 is incomplete
    # A: t1 (1, 1), t2 (1.5) -> per task 1, 1.5 -> 1.25; B: t1 (2, 2), t2 (1.5) -> 1.75
    assert metrics.mean_ranks(curves)[:, 0].tolist() == pytest.approx([1.25, 1.75])


def test_wilcoxon_exact_and_degenerate_cases():
    # Five tasks, A better on every one: the exact two-sided p-value is 2 / 2^5.
    a = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    b = a + np.array([0.05, 0.1, 0.15, 0.2, 0.25])
    assert metrics.wilcoxon_pvalue(a, b) == pytest.approx(2 / 32)
    assert metrics.wilcoxon_pvalue(a, a) == 1.0  # all differences zero
    assert np.isnan(metrics.wilcoxon_pvalue([np.nan], [0.1]))
    rng = np.random.default_rng(0)
    x, y = rng.random(12), rng.random(12)
    assert metrics.wilcoxon_pvalue(x, y) == pytest.approx(stats.wilcoxon(x, y).pvalue)


def test_wilcoxon_table_uses_per_task_means():
    curves = metrics.regret_curves(_table(RUNS), [3])
    table = metrics.wilcoxon_table(curves, 3)
    # per-task means at 3: A (0.3, 0.1), B (0.4, 0.05)
    expected = stats.wilcoxon([0.3 - 0.4, 0.1 - 0.05]).pvalue
    assert table.loc["A", "B"] == pytest.approx(expected)
    assert table.loc["B", "A"] == pytest.approx(expected)


def test_above_reference_by_hand():
    curves = metrics.regret_curves(_table(RUNS), [1, 2, 3])
    table = metrics.above_reference(curves, "B")
    assert list(table.index) == ["A"]
    row = table.loc["A"]
    # Means: A 0.65 / 0.325 / 0.2, B 0.5 / 0.375 / 0.225: A is above B at budget 1 only, by 0.15.
    assert row["budgets"] == [1]
    assert row["n_points"] == 3
    assert row["worst_budget"] == 1
    assert row["excess"] == pytest.approx(0.15)
    # At 1: t1/0 tie (0.9, 0.9), t1/1 and t2/0 lost, t2/1 won (0.3 < 0.4).
    assert row["win_rate"] == pytest.approx(1.5 / 4)
    # Per-task means at 1: A (0.85, 0.45), B (0.7, 0.3).
    assert row["wilcoxon_p"] == pytest.approx(stats.wilcoxon([0.15, 0.15]).pvalue)


def test_above_reference_when_never_above():
    curves = metrics.regret_curves(_table(RUNS), [2, 3])
    row = metrics.above_reference(curves, "B").loc["A"]
    assert row["budgets"] == []
    assert np.isnan(row["excess"]) and np.isnan(row["wilcoxon_p"])
    with pytest.raises(ValueError, match="'random' is not in the study"):
        metrics.above_reference(curves)


def test_decision_overhead_at_the_nth_trial():
    out = metrics.decision_overhead(_table(RUNS), at=(2, 3, 500))
    # decision_s = 0.001 * (trial + 1) for A; the 2nd trial has trial id 1
    assert out.loc["A", "at_2"] == pytest.approx(0.002)
    assert out.loc["B", "at_3"] == pytest.approx(0.006)
    assert np.isnan(out.loc["A", "at_500"])
    assert out.loc["A", "median_s"] == pytest.approx(0.002)


def test_regret_vs_time_holds_the_final_regret():
    curves = metrics.regret_curves(_table(RUNS), [5, 10, 25, 1000], x="sim_time")
    assert curves.values[0, 0, 0].tolist() == [1.0, 0.9, 0.5, 0.2]
    assert curves.ends[0, 0, 0] == 30.0


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['regret'\]"):
        metrics.regret_curves(_table(RUNS).drop(columns="regret"), [1])
