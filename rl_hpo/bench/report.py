"""``report.md``, ``summary.csv`` and the plots of a study, rebuilt from its stored trials.

``rl-hpo report DIR`` (``report_command``) reads ``DIR/trials.csv`` (and ``DIR/run.json`` for the budget
and provenance, when present) and writes:

- ``summary.csv``: ``method,budget,regret_mean,regret_sem,rank_mean`` at budgets 10, 25 and 50 where they are
  below the final one, and at the final one;
- ``report.md``: regret and rank per budget, Wilcoxon p-values per budget, win rates at the final budget, the budgets
  where a method is above random search, decision overhead, the score bounds, the run's provenance and how
  each number is computed;
- ``regret_vs_evaluations.png``, ``regret_vs_time.png``, ``rank_vs_budget.png``.

Where ``trials.csv`` is missing (a study still running or interrupted), the finished cells of the (task, seed)
pairs that every method finished are assembled first, so that every method is measured on the same runs, and
the report says how many cells it covers.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rl_hpo.bench import metrics, plots
from rl_hpo.bench.study import PLOT_FILES, CellKey, Study, atomic_open, atomic_write_text
from rl_hpo.bench.trials import left_out_tasks

__all__ = [
    "PLOT_FILES",
    "check_same_bounds",
    "read_summary",
    "read_trials",
    "recorded_studies",
    "report_command",
    "write_report",
]


def read_trials(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a ``trials.csv``; only empty fields are missing values (a method may be called "nan"). Each column's type is
    read from the whole file, not chunk by chunk: a configuration column can hold numbers in one part of a long file
    and text or blanks in another (a parameter inactive in some runs, a categorical of mixed choices), which pandas
    would otherwise warn about."""
    return pd.read_csv(
        path,
        dtype={"method": str, "task": str, "error": object},
        keep_default_na=False,
        na_values=[""],
        low_memory=False,
    )


def read_summary(folder: str | os.PathLike[str]) -> dict[str, dict[int, float]]:
    """Mean regret by method and budget, from the ``summary.csv`` in ``folder`` (a recorded study)."""
    summary = pd.read_csv(Path(folder) / "summary.csv", dtype={"method": str}, keep_default_na=False, na_values=[""])
    out: dict[str, dict[int, float]] = {}
    for row in summary.itertuples(index=False):
        out.setdefault(row.method, {})[int(row.budget)] = float(row.regret_mean)
    return out


def recorded_studies(record: str | os.PathLike[str]) -> list[Path]:
    """The recorded studies directly inside ``record`` (folders with a ``summary.csv``), in name order.

    Raises:
        FileNotFoundError: if ``record`` is not a folder or holds no such study (naming it).
    """
    record = Path(record)
    if not record.is_dir():
        raise FileNotFoundError(f"{record} is not a folder; give the record folder of a study.")
    studies = sorted(p for p in record.iterdir() if (p / "summary.csv").is_file())
    if not studies:
        raise FileNotFoundError(f"{record} holds no recorded study (a folder with a summary.csv).")
    return studies


def regret_cell(
    summary: Mapping[str, Mapping[int, float]], method: str, budgets: Sequence[int], digits: int = 3
) -> str:
    """``"a / b / c"``: ``method``'s mean regret at each budget (from ``read_summary``), in bold where no method
    of ``summary`` is lower at the digits shown (methods that tie there are all bold; a missing value is "-")."""

    def shown(x: float) -> float:
        return round(x, digits) if math.isfinite(x) else math.inf

    parts = []
    for b in budgets:
        value = summary[method][b]
        text = f"{value:.{digits}f}" if math.isfinite(value) else "-"
        best = min(shown(s[b]) for s in summary.values())
        parts.append(f"**{text}**" if math.isfinite(value) and shown(value) == best else text)
    return " / ".join(parts)


def check_same_bounds(folders: Sequence[str | os.PathLike[str]]) -> None:
    """Raise ``ValueError`` naming the first task whose worst or best score differs between the ``bounds.json``
    of recorded studies (their regrets are comparable only if they normalized alike)."""
    bounds = [json.loads((Path(f) / "bounds.json").read_text(encoding="utf-8")) for f in folders]
    for task in sorted(set().union(*bounds)):
        values = {(b[task]["worst"], b[task]["best"]) if task in b else None for b in bounds}
        if len(values) > 1:
            names = [str(f) for f in folders]
            raise ValueError(f"The studies {names} normalize {task} with different bounds {sorted(values, key=str)}.")


def _fmt(x: float, digits: int = 3) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _fmt_p(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "-"
    return f"{p:.2g}" if p < 0.001 else f"{p:.3f}"


def _fmt_seconds(s: float) -> str:
    if s is None or not np.isfinite(s):
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def _budget_label(b: float) -> str:
    return f"{b:g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "r") -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + [f"--{':' if align == 'r' else '-'}"] * (len(header) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _bold_best(cells: list[str], values: np.ndarray, lower_is_better: bool = True) -> list[str]:
    finite = np.isfinite(values)
    if not finite.any():
        return cells
    best = np.nanmin(values) if lower_is_better else np.nanmax(values)
    return [f"**{c}**" if ok and v == best else c for c, v, ok in zip(cells, values, finite)]


def _summary_section(summary: pd.DataFrame, methods: Sequence[str], budgets: Sequence[float]) -> list[str]:
    out = []
    header = ["method", *(f"@{_budget_label(b)}" for b in budgets)]
    regret_rows: list[list[str]] = [[m] for m in methods]
    rank_rows: list[list[str]] = [[m] for m in methods]
    for b in budgets:
        at = summary[np.isclose(summary["budget"].astype(float), b)].set_index("method").reindex(methods)
        means = at["regret_mean"].to_numpy(dtype=float)
        sems = at["regret_sem"].to_numpy(dtype=float)
        ranks = at["rank_mean"].to_numpy(dtype=float)
        # Bold by the digits shown, so that values equal there are all bold.
        reg = _bold_best([f"{_fmt(m)} ± {_fmt(s)}" for m, s in zip(means, sems)], np.round(means, 3))
        rk = _bold_best([_fmt(r, 2) for r in ranks], np.round(ranks, 2))
        for i in range(len(methods)):
            regret_rows[i].append(reg[i])
            rank_rows[i].append(rk[i])
    out += ["## Normalized regret (mean ± standard error)", ""]
    out += [
        "Normalized regret of the best full-fidelity score so far, at each budget of full-fidelity-equivalent "
        "evaluations; mean and standard error over seeds, then over tasks. Lower is better; the best mean is bold.",
        "",
        _table(header, regret_rows),
        "",
    ]
    if len(methods) < 2:  # ranks among one method say nothing
        return out
    out += ["## Average rank", ""]
    out += [
        f"Rank of each method among the {len(methods)} on every (task, seed) pair (1 = lowest regret, ties share "
        "the average rank), averaged over seeds, then over tasks.",
        "",
        _table(header, rank_rows),
        "",
    ]
    return out


def _test_score_section(
    trials: pd.DataFrame, methods: Sequence[str], budgets: Sequence[float], run: Mapping[str, Any] | None = None
) -> list[str]:
    """The test-side score of each method's incumbent at the summary budgets, where the tasks report one
    (trials.csv of older studies has no such column); ``run`` (run.json) names the two outputs, where it does."""
    column = "incumbent_test_score"
    if column not in trials.columns or not np.isfinite(trials[column].to_numpy(dtype=float)).any():
        return []
    curves = metrics.regret_curves(trials, budgets, column=column, before=np.nan)
    mean, sem = metrics.aggregate(curves.values)
    order = [curves.methods.index(m) for m in methods]
    mean, sem = mean[order], sem[order]
    # Bold by the digits shown, per budget, as in the regret table.
    columns = [
        _bold_best([f"{_fmt(m, 4)} ± {_fmt(s, 4)}" for m, s in zip(mean[:, j], sem[:, j])],
                   np.round(mean[:, j], 4), lower_is_better=False)
        for j in range(len(budgets))
    ]  # fmt: skip
    rows = [[m, *(col[i] for col in columns)] for i, m in enumerate(methods)]
    return [
        "## Test-side score of the incumbent",
        "",
        "The task's test-side score (for YAHPO, the `test_*` output paired with the objective, with the score's "
        "sign) of the configuration with the best full-fidelity score so far, at each budget: mean ± standard "
        "error over seeds, then over tasks, in the task's own units (higher is better), over the runs that have "
        "a full-fidelity incumbent by then. The objective is what every method optimizes; this shows how its "
        "incumbent does on held-out data." + _test_side_words(run),
        "",
        _table(["method", *(f"@{_budget_label(b)}" for b in budgets)], rows),
        "",
    ]


def _test_side_words(run: Mapping[str, Any] | None) -> str:
    """`` Here `val_x` is paired with `test_y` ...`` from run.json's last session, or nothing."""
    pair = next((x["test_side"] for x in reversed((run or {}).get("sessions", [])) if x.get("test_side")), None)
    if not pair:
        return ""
    words = f" Here the objective `{pair['objective']}` is paired with `{pair['test']}`"
    if pair["objective"].split("_", 1)[-1] != pair["test"].split("_", 1)[-1]:
        return (
            words + ": another metric (the task reports no test-side value of the objective's own), so the two "
            "can disagree for reasons other than overfitting."
        )
    return words + "."


def _failures_section(trials: pd.DataFrame, methods: Sequence[str]) -> list[str]:
    """How many trials of each method failed (a score that is not a number: the objective raised, timed out or
    returned NaN), where any did: a method none of whose trials scored has a regret of 1 everywhere, as a method
    that found nothing, and the table above cannot tell the two apart."""
    failed = ~np.isfinite(trials["score"].to_numpy(dtype=float))
    if not failed.any():
        return []
    rows = []
    for method in methods:
        mine = (trials["method"] == method).to_numpy()
        n, k = int(mine.sum()), int((failed & mine).sum())
        runs = trials[mine].assign(failed=failed[mine]).groupby(["task", "seed"])["failed"].all()
        rows.append([method, f"{k} of {n} ({k / n:.0%})" if n else "-", f"{int(runs.sum())} of {runs.size}"])
    errors = trials.loc[failed & trials["error"].notna().to_numpy(), "error"].astype(str)
    common = errors.value_counts().head(3)
    lines = [
        "## Failed trials",
        "",
        "Trials whose score is not a number (the objective raised, timed out or returned NaN), and runs in which "
        "every trial failed. A failed trial counts as no score: a run that never scored has a regret of 1.",
        "",
        _table(["method", "failed trials", "runs without a score"], rows),
        "",
    ]
    if len(common):
        lines += ["Most frequent errors:", ""]
        lines += [f"- {count} x `{error[:200]}`" for error, count in common.items()]
        lines += [""]
    return lines


def _matrix_section(table: pd.DataFrame, fmt) -> str:
    methods = list(table.index)
    rows = [[a, *("·" if a == b else fmt(table.loc[a, b]) for b in methods)] for a in methods]
    return _table(["", *methods], rows)


def _above_random_section(curves: metrics.Curves) -> list[str]:
    if "random" not in curves.methods or len(curves.methods) < 2:
        return []
    table = metrics.above_reference(curves, "random")
    rows = []
    for method, r in table.iterrows():
        budgets = r["budgets"]
        where = _ranges(budgets) if budgets else "none"
        rows.append(
            [
                method,
                f"{len(budgets)} of {r['n_points']}: {where}",
                "-" if not budgets else f"{_fmt(r['excess'], 4)} at {_budget_label(r['worst_budget'])}",
                _fmt(r["win_rate"]),
                _fmt_p(r["wilcoxon_p"]),
            ]
        )
    return [
        "## Budgets where a method is above random search",
        "",
        "Budgets 1, 2, ... at which the method's mean regret is higher than random search's, the largest such "
        "difference, and at that budget the method's win rate over random search on (task, seed) pairs and the "
        "two-sided Wilcoxon p-value over tasks.",
        "",
        _table(["method", "budgets above random", "largest excess", "win rate there", "Wilcoxon p there"], rows),
        "",
    ]


def _ranges(values: Sequence[float]) -> str:
    """``[6, 12, 13, 14]`` -> ``"6, 12-14"`` (runs of consecutive whole numbers joined)."""
    parts: list[str] = []
    start = prev = None
    for v in [*values, None]:
        if v is not None and prev is not None and float(prev).is_integer() and v == prev + 1:
            prev = v
            continue
        if start is not None:
            assert prev is not None  # start and prev are set together, and prev only ever to a value
            parts.append(_budget_label(start) if start == prev else f"{_budget_label(start)}-{_budget_label(prev)}")
        start = prev = v
    return ", ".join(parts)


def _overhead_section(overhead: pd.DataFrame, at: Sequence[int]) -> list[str]:
    header = ["method", "median (all trials)", *(f"trial {n}" for n in at)]
    rows = [[m, _fmt_seconds(r["median_s"]), *(_fmt_seconds(r[f"at_{n}"]) for n in at)] for m, r in overhead.iterrows()]
    return [
        "## Decision overhead",
        "",
        "Seconds the optimizer itself spends per ask/tell round (deciding, not evaluating): the median over all "
        "trials, and the median over runs at the n-th trial (- where no run got that far). Measured in "
        "worker processes limited to one thread each.",
        "",
        _table(header, rows),
        "",
    ]


def _bounds_section(bounds: Mapping[str, Any] | None) -> list[str]:
    if not bounds:
        return []
    n = len(bounds)
    stored = sum(b.get("source") == "task" for b in bounds.values())
    raised = {t: b for t, b in bounds.items() if b.get("raised")}
    observed = "the worst and best full-fidelity scores the study observed"
    if stored == n:
        parts = ["Every task uses its stored bounds." if n > 1 else "The task uses its stored bounds."]
    elif stored == 0:
        parts = [f"No task has stored bounds; {'each uses' if n > 1 else 'it uses'} {observed}."]
    else:
        parts = [f"{stored} of {n} tasks use their stored bounds; the other {n - stored} use {observed}."]
    if raised:
        parts.append(
            f"Runs of this study beat the stored best of {_count(len(raised), 'task')}; those bounds were raised to "
            "the score reached and every regret was computed with the raised bounds."
        )
    out = ["## Score bounds", "", " ".join(parts) + " bounds.json has them all.", ""]
    if raised:
        rows = []
        for task, b in list(raised.items())[:20]:
            run = b.get("best_run") or {}
            span = b["stored_best"] - b["worst"]
            gain = (b["best"] - b["stored_best"]) / span if span > 0 else float("nan")
            rows.append(
                [
                    task,
                    f"{b['stored_best']:.6g}",
                    f"{b['best']:.6g}",
                    _fmt(gain),
                    f"{run.get('method')} seed {run.get('seed')}",
                ]
            )
        out += [_table(["task", "stored best", "raised to", "by (share of range)", "found by"], rows), ""]
        if len(raised) > 20:
            out += [f"... and {len(raised) - 20} more (see bounds.json).", ""]
    return out


def _provenance_section(run: Mapping[str, Any] | None, study: Study) -> list[str]:
    out = ["## Provenance", ""]
    if run is None:
        return [*out, "No run.json: this report was built from trials.csv alone.", ""]
    s = run.get("settings", {})
    sessions = run.get("sessions", [])
    first = sessions[0] if sessions else {}
    last = sessions[-1] if sessions else {}
    commands = list(dict.fromkeys(x.get("command") for x in sessions if x.get("command")))
    commits = list(dict.fromkeys(x.get("git_commit") or "unknown" for x in sessions))
    tasks = s.get("tasks", [])
    shown = ", ".join(tasks[:12]) + (f", ... ({len(tasks)} in all)" if len(tasks) > 12 else "")
    out += [
        f"- Command: `{commands[0]}`" if commands else "- Command: unknown",
        *(f"- Resumed with: `{c}`" for c in commands[1:]),
        f"- Suite: {s.get('suite')} (split {s.get('split')}); tasks: {shown}",
        f"- Methods: {', '.join(s.get('methods', []))}; budget {_budget_label(float(s.get('budget', 'nan')))}; "
        f"seeds {_seed_list(s.get('seeds', []))}",
        f"- rl_hpo {last.get('rl_hpo_version')}, git commit {', '.join(commits)}"
        + (" (with uncommitted changes)" if any(x.get("git_dirty") for x in sessions) else ""),
        *_method_commit_lines(study, s.get("methods", []), commits),
        *_changed_files_lines(sessions),
        f"- Sessions: {len(sessions)}, first started {first.get('started_at')}; executor {last.get('executor')}, "
        f"workers {last.get('workers') or 'all cores'}; Python {last.get('python')} on {last.get('platform')}",
    ]
    hashes = s.get("policy_hashes") or {}
    if hashes:
        out.append("- Policy files: " + ", ".join(f"{m} sha256 `{h}`" for m, h in hashes.items()))
    runs_as = last.get("runs_as") or {}
    if runs_as and tasks:
        out.append(
            f"- What ran, as built on the first task ({tasks[0]}): "
            + "; ".join(f"{m}: {how}" for m, how in runs_as.items())
        )
    for method, options in (s.get("method_options") or {}).items():
        out.append(f"- Options of {method}: `{json.dumps(options)}`")
    if s.get("task_options"):
        out.append(f"- Task options: `{json.dumps(s['task_options'])}`")
    versions = last.get("versions") or {}
    if versions:
        out.append("- Libraries: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    out += [f"- Rebuild this report: `rl-hpo report {study.path}`", ""]
    return out


def _method_commit_lines(study: Study, methods: Sequence[str], commits: Sequence[str]) -> list[str]:
    """With sessions at more than one commit: the commit each method's cells ran at (from the cells)."""
    if len(commits) < 2:
        return []
    per_method = {m: sorted(str(c or "unknown")[:10] for c in study.cell_commits(m)) for m in methods}
    return ["- Cells run at: " + "; ".join(f"{m} {', '.join(c) or 'none yet'}" for m, c in per_method.items())]


def _count(n: int, noun: str) -> str:
    """``"1 task"``, ``"3 tasks"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _seed_list(seeds: Sequence[int]) -> str:
    seeds = list(seeds)
    if seeds and seeds == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 2:
        return f"{seeds[0]}..{seeds[-1]} ({len(seeds)})"
    return ", ".join(map(str, seeds))


_METHOD_NOTES = """## How the numbers are computed

- Regret: (best - incumbent) / (best - worst), where the incumbent is the best score so far among a run's
  full-fidelity evaluations (1 before the first one) and the bounds are the task's stored bounds raised to any
  score a run reached, or, for a task that stores none, the worst and best score any run of the study reached
  ("Score bounds" says which), so regret is never negative. A run's regret at budget b counts the evaluations that
  ended within b full-fidelity-equivalent evaluations (a fidelity-f evaluation costs f / f_max).
- Mean ± standard error: per task, the mean and standard error (sd / √n, ddof 1) over seeds; over the T tasks,
  the mean of the task means and √(Σ se²) / T (shown as "-" where a task has a single seed, whose standard error
  is undefined).
- Win rate: the share of (task, seed) pairs on which the row method's regret is lower than the column
  method's, a tie counting one half. Wilcoxon: two-sided signed-rank test over tasks on the per-task mean
  regrets (zero differences dropped; p = 1 when all are zero).
- Simulated time: the cumulative cost the task reports (a surrogate's predicted training time) plus the
  optimizer's measured decision time.
- Everything here is recomputed from trials.csv (`rl-hpo report DIR`)."""


def write_report(path: str | os.PathLike[str]) -> Path:
    """Rebuild ``summary.csv``, ``report.md`` and the plots of the study in ``path``; return report.md's path.

    Raises:
        FileNotFoundError: if the folder has neither trials.csv nor finished cells.
    """
    study = Study(path)
    run = study.read_run()
    settings = (run or {}).get("settings", {})
    coverage = ""
    partial_bounds = None
    keys = _study_keys(settings)
    if not study.trials_csv.exists() and keys and len(study.finished(keys)) == len(keys):
        from rl_hpo.bench.runner import assemble_study  # a finished study that lost trials.csv: rebuilt as at its end

        assemble_study(study, keys)
    if study.trials_csv.exists():
        trials, damage = _read_checked(study.trials_csv, keys)
        if damage and keys and len(study.finished(keys)) == len(keys):
            from rl_hpo.bench.runner import assemble_study

            warnings.warn(f"{study.trials_csv} {damage}: rebuilt from the study's cells.", stacklevel=2)
            assemble_study(study, keys)
            trials = read_trials(study.trials_csv)
        elif damage:
            raise ValueError(
                f"{study.trials_csv} {damage}, and the study's cells cannot rebuild it (run.json names cells that are "
                "not all there); delete trials.csv and re-run the bench command to complete the study."
            )
        metrics._check_columns(trials, "score", "budget_used")
    elif run is not None:
        trials, coverage, partial_bounds = _partial_trials(study, settings)
    elif not study.path.is_dir():
        raise FileNotFoundError(
            f"{study.path} is not a folder; point `rl-hpo report` at the --out folder of a `rl-hpo bench` run."
        )
    else:
        raise FileNotFoundError(
            f"{study.path} has no trials.csv (nor run.json and cells/); point `rl-hpo report` at the --out "
            "folder of a `rl-hpo bench` run."
        )
    if trials.empty:
        raise FileNotFoundError(f"{study.path} has no finished cell yet; nothing to report.")
    bounds = json.loads(study.bounds_json.read_text(encoding="utf-8")) if study.bounds_json.exists() else None
    left_out = left_out_tasks(bounds or partial_bounds or {})
    if left_out:
        trials = trials[~trials["task"].isin(list(left_out))]
        if trials.empty:
            named = "; ".join(f"{t}: {why}" for t, why in sorted(left_out.items()))
            raise ValueError(f"No task of {study.path} has a meaningful regret ({named}); nothing to report.")

    final = float(settings["budget"]) if "budget" in settings else metrics.final_budget(trials)
    budgets = metrics.summary_budgets(final)
    summary = metrics.summary_table(trials, budgets)
    with atomic_open(study.summary_csv) as f:
        summary.to_csv(f, index=False)

    grid = metrics.budget_grid(final, budgets)
    curves = metrics.regret_curves(trials, grid)
    mean, sem = metrics.aggregate(curves.values)
    ranks = metrics.mean_ranks(curves)
    methods = list(curves.methods)
    title = _title(settings, curves)
    plots.plot_regret_vs_evaluations(
        methods, grid, mean, sem, study.path / PLOT_FILES["evaluations"], title=f"{title}: regret vs evaluations"
    )
    compared = len(methods) > 1  # ranks, win rates and tests compare methods: none for a study of one
    rank_plot = study.path / PLOT_FILES["rank"]
    if compared:
        plots.plot_rank_vs_budget(methods, grid, ranks, rank_plot, title=f"{title}: average rank")
    else:
        rank_plot.unlink(missing_ok=True)  # from an earlier report of this folder with more methods
    tgrid = metrics.time_grid(trials)
    tcurves = metrics.regret_curves(trials, tgrid, x="sim_time")
    tmean, tsem = metrics.aggregate(tcurves.values)
    ends = [float(np.nanmax(e)) if np.isfinite(e).any() else 0.0 for e in tcurves.ends]
    plots.plot_regret_vs_time(
        methods, tgrid, tmean, tsem, ends, study.path / PLOT_FILES["time"], title=f"{title}: regret vs simulated time"
    )

    at = (10, 100, 500)
    batched = settings.get("batch", 1) != 1
    missing = np.isnan(curves.values[..., -1])  # (method, task, seed): no run there
    absent = missing.all(axis=0)  # pairs no method ran (a partial report leaves out unfinished pairs)
    runs = f"{_count(len(curves.tasks), 'task')} x {_count(len(curves.seeds), 'seed')}"
    if absent.any():
        runs = f"{_count(int((~absent).sum()), '(task, seed) pair')} of {runs}"
    lines = [
        f"# {title}",
        "",
        f"{_count(len(methods), 'method')} x {runs}, "
        f"budget {_budget_label(final)} full-fidelity-equivalent evaluations per run"
        + (  # "up to": the last batch is what the budget leaves, and a batch above the budget is one batch
            f", asked in batches of up to {settings['batch']} trials (a batch is told after all of it is asked)"
            if batched
            else ""
        )
        + ".",
        "",
    ]
    if coverage:
        lines += [f"**Partial report:** {coverage}", ""]
    lines += _not_held_out_lines(run)
    if left_out:
        named = "; ".join(f"{t} ({why})" for t, why in sorted(left_out.items()))
        lines += [
            f"**Left out:** {len(left_out)} task(s) without a meaningful regret: {named}. Every table and plot "
            "below is over the other tasks.",
            "",
        ]
    incomplete = int((missing.any(axis=0) & ~absent).sum())
    if incomplete:
        lines += [
            f"**Note:** {_count(incomplete, '(task, seed) pair')} {'lacks' if incomplete == 1 else 'lack'} some "
            "method; ranks and win rates skip them.",
            "",
        ]
    lines += _summary_section(summary, methods, budgets)
    lines += _failures_section(trials, methods)
    if not np.allclose(trials["regret"], trials["regret_any"], equal_nan=True):
        any_summary = metrics.summary_table(trials, budgets, column="regret_any")
        lines += [
            "## Regret of the best score at any fidelity",
            "",
            "As above, with the incumbent taken over evaluations at every fidelity (a low-fidelity score is not "
            "what the configuration delivers at full fidelity; shown to tell how early good configurations are seen).",
            "",
            _table(
                ["method", *(f"@{_budget_label(b)}" for b in budgets)],
                [[m, *(_fmt(v) for v in any_summary[any_summary["method"] == m]["regret_mean"])] for m in methods],
            ),
            "",
        ]
    lines += _test_score_section(trials, methods, budgets, run)
    if compared:
        lines += _comparison_sections(curves, budgets)
    else:
        lines += ["One method: no ranks, win rates or Wilcoxon tests (they compare methods; `rl-hpo bench --methods` "
                  "names more).", ""]  # fmt: skip
    lines += _above_random_section(curves)
    lines += _overhead_section(metrics.decision_overhead(trials, at), at)
    lines += [
        "## Plots",
        "",
        f"Regret is drawn on a log axis: a mean below {plots.REGRET_FLOOR:g} (0 when every run found the best "
        f"score) is drawn at {plots.REGRET_FLOOR:g}.",
        "",
        f"![Regret vs evaluations]({PLOT_FILES['evaluations']})",
        "",
        f"![Regret vs simulated time]({PLOT_FILES['time']})",
        "",
        *([f"![Average rank vs budget]({PLOT_FILES['rank']})", ""] if compared else []),
    ]
    lines += _bounds_section(bounds)
    lines += _provenance_section(run, study)
    lines += [_METHOD_NOTES, ""]
    atomic_write_text(study.report_md, "\n".join(lines))
    return study.report_md


def _not_held_out_lines(run: Mapping[str, Any] | None) -> list[str]:
    """A warning for each method whose portfolio or policy was built on some of the study's tasks (as the bench
    command warned when it ran)."""
    lines = []
    for session in (run or {}).get("sessions", [])[-1:]:
        for method, tasks in (session.get("not_held_out") or {}).items():
            shown = ", ".join(tasks[:3]) + (", ..." if len(tasks) > 3 else "")
            lines += [
                f"**Not held out:** {method}'s portfolio or policy was built on {_count(len(tasks), 'task')} of this "
                f"study ({shown}): its results there are not held out.",
                "",
            ]
    return lines


def _comparison_sections(curves: metrics.Curves, budgets: Sequence[float]) -> list[str]:
    """Win rates at the final budget (the last of ``budgets``) and a Wilcoxon test at each budget, the final one
    last: a method can lead at 25 evaluations and not at 50, or the other way round."""
    n_tasks, final = len(curves.tasks), budgets[-1]
    lines = [
        f"## Win rate at budget {_budget_label(final)}",
        "",
        "Share of (task, seed) pairs on which the row method has a lower regret than the column method (ties count ½).",
        "",
        _matrix_section(metrics.win_rate_table(curves, final), _fmt),
        "",
    ]
    for budget in budgets:
        lines += [
            f"## Wilcoxon signed-rank test at budget {_budget_label(budget)}",
            "",
            f"Two-sided p-values over the {_count(n_tasks, 'task')}, on the per-task mean regrets of the row and "
            "column methods" + (" (with fewer than 6 tasks no p-value can fall below 0.05)." if n_tasks < 6 else "."),
            "",
            _matrix_section(metrics.wilcoxon_table(curves, budget), _fmt_p),
            "",
        ]
    return lines


def _title(settings: Mapping[str, Any], curves: metrics.Curves) -> str:
    suite = settings.get("suite")
    if suite:
        return f"{suite} ({settings.get('split', 'test')})"
    return curves.tasks[0] if len(curves.tasks) == 1 else f"{len(curves.tasks)} tasks"


def _read_checked(trials_csv: Path, keys: Sequence[CellKey]) -> tuple[pd.DataFrame, str | None]:
    """A study's trials.csv and what is wrong with it, or None: a last line cut off (a copy or a disk that stopped
    short; checked before parsing, which a line cut inside a quoted field fails), or runs of the study (run.json's
    ``keys``) that it lacks."""
    with open(trials_csv, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell():
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                return pd.DataFrame(), "ends in a cut-off line"
    trials = read_trials(trials_csv)
    return trials, _missing_runs(trials, keys)


def _missing_runs(trials: pd.DataFrame, keys: Sequence[CellKey]) -> str | None:
    """Which runs of the study (run.json's ``keys``) ``trials`` lacks, or None."""
    if keys and set(metrics.RUN_KEYS) <= set(trials.columns):
        present = {
            CellKey(str(m), str(t), int(s))
            for m, t, s in trials[metrics.RUN_KEYS].drop_duplicates().itertuples(index=False)
        }
        missing = [k for k in keys if k not in present]
        if missing:
            return f"lacks {len(missing)} of the study's {len(keys)} runs (the first: {missing[0]})"
    return None


def _study_keys(settings: Mapping[str, Any]) -> list[CellKey]:
    """Every cell of the study that run.json's ``settings`` describe."""
    return [
        CellKey(m, t, int(s))
        for m in settings.get("methods", [])
        for t in settings.get("tasks", [])
        for s in settings.get("seeds", [])
    ]


def _partial_trials(study: Study, settings: Mapping[str, Any]) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """The trials of an unfinished study's finished cells, a note saying so, and the bounds they give."""
    from rl_hpo.bench.trials import assemble_trials, study_bounds

    keys = _study_keys(settings)
    finished = study.finished(keys)
    # A method with no finished cell yet (one just added to a finished study) is left out, so that the others
    # can still be compared.
    methods = [m for m in settings.get("methods", []) if any(k.method == m for k in finished)]
    waiting = [m for m in settings.get("methods", []) if m not in methods]
    # Only the (task, seed) pairs that every method finished: a mean over other runs for each method would
    # compare methods on different tasks (the bench runs pair by pair, so few cells wait outside them).
    pairs = {(k.task, k.seed) for k in finished}
    complete = {p for p in pairs if all(CellKey(m, *p) in finished for m in methods)}
    cells = [study.load_cell(k) for k in keys if (k.task, k.seed) in complete and k.method in methods]
    note = (
        f"{len(finished)} of {len(keys)} cells are finished; every table and plot is over the "
        f"{_count(len(complete), '(task, seed) pair')} that every method finished, with bounds from their cells only. "
        + (f"Left out, with no finished cell yet: {', '.join(waiting)}. " if waiting else "")
        + "Re-run the bench command to complete the study."
    )
    if not cells:
        raise FileNotFoundError(
            f"{study.path} has {len(finished)} of {len(keys)} cells finished, but no (task, seed) pair that every "
            "method finished yet; nothing to compare. Re-run the bench command to complete the study."
        )
    bounds = study_bounds(cells)
    return assemble_trials(cells, bounds), note, bounds


def report_command(path: Any) -> int:
    """``rl-hpo report DIR``: rebuild report.md, summary.csv and the plots from DIR's stored trials.

    Args:
        path: the study folder, or the CLI's parsed arguments (with ``dir``).

    Returns:
        The exit status 0.
    """
    folder = Path(getattr(path, "dir", path))
    report = write_report(folder)
    plots_written = [path.name for path in Study(folder).plot_paths() if path.exists()]
    print(f"Wrote {report}, {folder / 'summary.csv'} and {', '.join(plots_written)}")
    return 0


def _changed_files_lines(sessions: list[dict[str, Any]]) -> list[str]:
    """One line per session that ran with changed tracked files, naming them."""
    out = []
    for x in sessions:
        changed = x.get("git_changed_files") or []
        if x.get("git_dirty") and changed:
            out.append(
                f"- Session of {x.get('started_at')} at {str(x.get('git_commit'))[:10]}: uncommitted changes to "
                + ", ".join(f"`{f}`" for f in changed)
            )
    return out
