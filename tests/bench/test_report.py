def test_regret_cell_bolds_the_lowest_mean_at_each_budget():
    from rl_hpo.bench.report import regret_cell

    summary = {"a": {10: 0.5, 50: 0.1}, "b": {10: 0.4, 50: 0.1}}
    assert regret_cell(summary, "a", (10, 50)) == "0.500 / **0.100**"
    assert regret_cell(summary, "b", (10, 50), digits=2) == "**0.40** / **0.10**"
