import numpy as np
import pytest


def test_regret_cell_bolds_the_lowest_mean_at_each_budget():
    from rl_hpo.bench.report import regret_cell

    summary = {"a": {10: 0.5, 50: 0.1}, "b": {10: 0.4, 50: 0.1}}
    assert regret_cell(summary, "a", (10, 50)) == "0.500 / **0.100**"
    assert regret_cell(summary, "b", (10, 50), digits=2) == "**0.40** / **0.10**"


def test_regret_cell_bolds_every_value_that_ties_at_the_digits_shown_and_skips_missing_ones():
    from rl_hpo.bench.report import regret_cell

    summary = {"ppo": {10: 0.0240228}, "ei": {10: 0.0239302}, "gone": {10: float("nan")}}
    assert regret_cell(summary, "ppo", (10,)) == "**0.024**" and regret_cell(summary, "ei", (10,)) == "**0.024**"
    assert regret_cell(summary, "ppo", (10,), digits=4) == "0.0240"  # apart at four digits
    assert regret_cell(summary, "gone", (10,)) == "-"
    assert regret_cell({"gone": {10: float("nan")}, "ppo": {10: 0.1}}, "ppo", (10,)) == "**0.100**"


def test_read_trials_reads_a_long_file_whose_configuration_column_changes_type_without_a_warning(tmp_path):
    import warnings

    from rl_hpo.bench.report import read_trials

    rows = ["method,task,seed,error,config.kernel"]
    rows += [f"ei,t/{i % 7},0,,{i * 0.5}" for i in range(150_000)] + ["ei,t/0,1,,rbf", "ei,t/0,2,,"]
    (tmp_path / "trials.csv").write_text("\n".join(rows) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trials = read_trials(tmp_path / "trials.csv")
    column = trials["config.kernel"]
    assert column.iloc[-2] == "rbf" and np.isnan(column.iloc[-1]) and column.iloc[3] == "1.5"


def test_read_summary_reads_a_missing_mean_as_nan(tmp_path):
    from rl_hpo.bench.report import read_summary

    (tmp_path / "summary.csv").write_text("method,budget,regret_mean,regret_sem,rank_mean\nnan,10,,,\nppo,10,0.1,,1\n")
    summary = read_summary(tmp_path)
    assert set(summary) == {"nan", "ppo"} and np.isnan(summary["nan"][10]) and summary["ppo"][10] == 0.1


def test_the_bounds_paragraph_says_only_what_applies() -> None:
    from rl_hpo.bench.report import _bounds_section

    def text(bounds):
        return _bounds_section(bounds)[2]

    stored = {"source": "task"}
    observed = {"source": "observed"}
    assert text({"a": observed}) == (
        "No task has stored bounds; it uses the worst and best full-fidelity scores the study observed. "
        "bounds.json has them all."
    )
    assert text({"a": stored, "b": stored}) == "Every task uses its stored bounds. bounds.json has them all."
    mixed = text({"a": stored, "b": observed, "c": observed})
    assert mixed.startswith("1 of 3 tasks use their stored bounds; the other 2 use the worst and best")
    assert "beat the stored best" not in mixed


def test_the_wilcoxon_test_is_reported_at_every_summary_budget_the_final_one_last() -> None:
    import pandas as pd

    from rl_hpo.bench import metrics
    from rl_hpo.bench.report import _comparison_sections

    # "early" is ahead on all 8 tasks up to 10 evaluations (p = 2 / 2**8), the two are level from 11 to 40, and
    # "late" is ahead on all from 41 on.
    def regret(method: str, trial: int) -> float:
        if trial < 10:
            return 0.1 if method == "early" else 0.5
        return 0.05 if trial < 40 or method == "early" else 0.01

    rows = [
        {"method": m, "task": f"t{task}", "seed": 0, "trial": trial, "budget_used": trial + 1.0,
         "regret": regret(m, trial) + 0.001 * task}
        for task in range(8) for m in ("early", "late") for trial in range(50)
    ]  # fmt: skip
    budgets = metrics.summary_budgets(50.0)
    curves = metrics.regret_curves(pd.DataFrame(rows), metrics.budget_grid(50.0, budgets))
    text = "\n".join(_comparison_sections(curves, budgets))
    headers = [line for line in text.splitlines() if line.startswith("## ")]
    assert headers == [
        "## Win rate at budget 50",
        *(f"## Wilcoxon signed-rank test at budget {b}" for b in (10, 25, 50)),
    ]
    p_values = {}
    for budget in (10, 25, 50):
        section = text.split(f"test at budget {budget}\n", 1)[1].split("##", 1)[0]
        p_values[budget] = (
            next(line for line in section.splitlines() if line.startswith("| early |")).split(" | ")[2].rstrip(" |")
        )
    assert p_values[10] == p_values[50] == "0.008" and p_values[25] != "0.008"
    assert metrics.wilcoxon_table(curves, 10.0).loc["early", "late"] == pytest.approx(2 / 2**8)
