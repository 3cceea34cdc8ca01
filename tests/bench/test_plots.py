"""The bench plots: legends that hide no curve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rl_hpo.bench import plots


@pytest.mark.parametrize(
    ("methods", "where"),
    [
        (["ppo", "ei", "tpe", "gp", "random"], "right"),
        ([f"method_{i}" for i in range(14)], "below"),  # many: a column beside the axes would squeeze them
        (["ppo (policy runs/a_long_folder_name/best, seed 0)", "tpe"], "below"),  # long labels: likewise
    ],
)
def test_the_legend_lies_outside_the_axes(
    methods: list[str], where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    figures = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figures.append(fig) or save(fig, path))
    grid = np.arange(1.0, 21.0)
    mean = np.array([np.linspace(1.0, 0.01 * (i + 1), grid.size) for i in range(len(methods))])
    plots.plot_regret_vs_evaluations(methods, grid, mean, 0.05 * mean, tmp_path / "regret.png")
    plots.plot_rank_vs_budget(methods, grid, np.argsort(np.argsort(mean, 0), 0) + 1.0, tmp_path / "rank.png")
    assert (tmp_path / "regret.png").stat().st_size and (tmp_path / "rank.png").stat().st_size
    for fig in figures:
        (legend,) = fig.legends
        box, axes = legend.get_window_extent(), fig.axes[0].get_window_extent()
        assert (box.x0 >= axes.x1) if where == "right" else (box.y1 <= axes.y0), where
        assert box.x0 >= 0 and box.x1 <= fig.bbox.width  # nothing cut off
        assert [t.get_text() for t in legend.get_texts()] == methods
