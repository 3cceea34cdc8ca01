"""PNG plots of a study: regret vs evaluations, regret vs simulated time, average rank vs budget.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so plotting neither needs a display
nor changes the caller's matplotlib backend or global state.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

__all__ = [
    "REGRET_FLOOR",
    "plot_best_so_far",
    "plot_rank_vs_budget",
    "plot_regret_vs_evaluations",
    "plot_regret_vs_time",
]

#: Regret is drawn on a log axis; means below this (0 = every run found the best) are drawn at it.
REGRET_FLOOR = 1e-4
_STYLES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _figure(width: float = 7.5, height: float = 4.6):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=130, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def _style(i: int, n: int, n_points: int) -> dict[str, object]:
    """Colour, dashes and hollow markers per method; markers staggered so that lines that coincide
    (e.g. methods sharing their initial design) stay distinguishable."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    # tab10 is a ListedColormap holding a sequence of colours; the stubs type the registry's entries as the
    # Colormap base (which has no colours) and a ListedColormap's colours as any array-like.
    colors = cast(Sequence[Any], cast(ListedColormap, colormaps["tab10"]).colors)
    step = max(1, n_points // 8)
    return {
        "color": colors[i % len(colors)],
        "linestyle": _STYLES[(i // len(colors)) % len(_STYLES)],
        "marker": _MARKERS[i % len(_MARKERS)],
        "markevery": ((i * step) // max(n, 1), step) if step > 1 else 1,
        "markersize": 6 - min(i, 3) * 0.5,
        "markerfacecolor": "none",
        "markeredgewidth": 1.3,
        "linewidth": 1.6,
    }


def _save(fig, path: str | os.PathLike[str]) -> Path:
    from rl_hpo.bench.study import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path


def _regret_axis(ax, values: np.ndarray) -> None:
    ax.set_yscale("log")
    finite = values[np.isfinite(values)]
    lo = max(REGRET_FLOOR, float(finite.min()) if finite.size else REGRET_FLOOR)
    ax.set_ylim(bottom=lo / 1.6, top=min(1.5, max(1.05 * float(finite.max()) if finite.size else 1.0, lo * 2)))
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)


def _integer_ticks(ax) -> None:
    """Evaluation counts are whole numbers: no ticks between them."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _legend(ax, n: int) -> None:
    """The legend outside the axes (inside them it hides curves wherever the curves fill the plot, as an average
    rank's lines span every rank): on the right, or below where long labels or many of them would squeeze the axes
    to a sliver."""
    _, labels = ax.get_legend_handles_labels()
    long_labels = max(map(len, labels), default=0) > 28
    if n > 12 or long_labels:
        ax.figure.legend(loc="outside lower center", fontsize=8, ncols=1 if long_labels else 3, frameon=False)
    else:
        ax.figure.legend(loc="outside right upper", fontsize=8, frameon=False)


def plot_regret_vs_evaluations(
    methods: Sequence[str],
    grid: np.ndarray,
    mean: np.ndarray,
    sem: np.ndarray,
    path: str | os.PathLike[str],
    *,
    title: str = "",
) -> Path:
    """Mean normalized regret (± standard error) against full-fidelity-equivalent evaluations, log y.

    Args:
        methods: the line labels; ``mean`` and ``sem`` have one row per method and one column per budget.
        grid: the budgets.
        path: the PNG to write.
    """
    fig, ax = _figure()
    shown = np.maximum(mean, REGRET_FLOOR)
    for i, method in enumerate(methods):
        _regret_steps(ax, grid, mean[i], sem[i], label=method, style=_style(i, len(methods), grid.size))
    _regret_axis(ax, shown)
    ax.set_xlim(0, float(grid.max()) * 1.01 if grid.size else 1)
    _integer_ticks(ax)
    ax.set_xlabel("full-fidelity-equivalent evaluations")
    ax.set_ylabel("normalized regret of the best so far")
    ax.set_title(title or "Regret vs evaluations (mean ± s.e.)", fontsize=10)
    _legend(ax, len(methods))
    return _save(fig, path)


def _regret_steps(ax: Any, x: np.ndarray, mean: np.ndarray, sem: np.ndarray, *, label: str, style: dict) -> None:
    """One method's mean regret as a step line with a ± standard-error band, floored for the log axis."""
    # Regret of the best so far holds until the next evaluation: a step function.
    ax.plot(x, np.maximum(mean, REGRET_FLOOR), label=label, drawstyle="steps-post", **style)
    s = np.nan_to_num(sem)
    lo, hi = np.maximum(mean - s, REGRET_FLOOR), np.maximum(mean + s, REGRET_FLOOR)
    ax.fill_between(x, lo, hi, color=style["color"], alpha=0.15, linewidth=0, step="post")


def plot_regret_vs_time(
    methods: Sequence[str],
    grid: np.ndarray,
    mean: np.ndarray,
    sem: np.ndarray,
    ends: Sequence[float],
    path: str | os.PathLike[str],
    *,
    title: str = "",
) -> Path:
    """Mean normalized regret (± standard error) against simulated seconds, log x and log y.

    Each method's line stops at the end of its longest run (``ends``); a run that has finished keeps its
    final regret until then.
    """
    fig, ax = _figure()
    shown = np.maximum(mean, REGRET_FLOOR)
    for i, method in enumerate(methods):
        keep = grid <= ends[i] * (1 + 1e-9)
        if not keep.any():
            continue
        x = grid[keep]
        _regret_steps(ax, x, mean[i, keep], sem[i, keep], label=method, style=_style(i, len(methods), x.size))
    _regret_axis(ax, shown)
    if grid.size and grid.min() > 0:
        ax.set_xscale("log")
    ax.set_xlabel("simulated time (s): task cost + optimizer decision time")
    ax.set_ylabel("normalized regret of the best so far")
    ax.set_title(title or "Regret vs simulated time (mean ± s.e.)", fontsize=10)
    _legend(ax, len(methods))
    return _save(fig, path)


def plot_rank_vs_budget(
    methods: Sequence[str],
    grid: np.ndarray,
    ranks: np.ndarray,
    path: str | os.PathLike[str],
    *,
    title: str = "",
) -> Path:
    """Average rank of each method (1 = best) against full-fidelity-equivalent evaluations."""
    fig, ax = _figure()
    for i, method in enumerate(methods):
        ax.plot(grid, ranks[i], label=method, drawstyle="steps-post", **_style(i, len(methods), grid.size))
    n = len(methods)
    ax.set_ylim(0.8, n + 0.2)
    ax.set_yticks(np.arange(1, n + 1))
    ax.invert_yaxis()  # the best rank on top
    ax.set_xlim(0, float(grid.max()) * 1.01 if grid.size else 1)
    _integer_ticks(ax)
    ax.grid(True, alpha=0.35)
    ax.set_xlabel("full-fidelity-equivalent evaluations")
    ax.set_ylabel(f"average rank (1 = best of {n})")
    ax.set_title(title or "Average rank over (task, seed) pairs", fontsize=10)
    _legend(ax, n)
    return _save(fig, path)


def plot_best_so_far(
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    path: str | os.PathLike[str],
    *,
    title: str = "",
) -> Path:
    """Best score so far against full-fidelity-equivalent evaluations, one line per label.

    Args:
        curves: label -> (budgets, best score at each budget), e.g. a run and the mean of a benchmark's
            methods on the same task.
        path: the PNG to write.
    """
    fig, ax = _figure()
    for i, (label, (x, y)) in enumerate(curves.items()):
        ax.plot(x, y, label=label, drawstyle="steps-post", **_style(i, len(curves), len(x)))
    ax.set_xlim(0, max((float(np.max(x)) for x, _ in curves.values() if len(x)), default=1.0) * 1.01)
    _integer_ticks(ax)
    ax.grid(True, alpha=0.35)
    ax.set_xlabel("full-fidelity-equivalent evaluations")
    ax.set_ylabel("best score so far (higher is better)")
    ax.set_title(title or "Best score so far", fontsize=10)
    _legend(ax, len(curves))
    return _save(fig, path)
