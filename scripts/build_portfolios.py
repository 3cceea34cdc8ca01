"""Build the greedy portfolios of rl_hpo/data/portfolios/ from the train split of each suite, or evaluate one.

A portfolio is built from the meta-train tasks only (``--split train``, the default; validation and test tasks
are never used to build). The method is ``rl_hpo.baselines.portfolio_building.build_portfolio``: random candidates
plus one local-search incumbent per train task, evaluated on every train task at the highest fidelity, then
greedy forward selection on the mean normalized regret (Feurer et al. 2022, Auto-sklearn 2.0). Each file
records the exact command that rebuilds it.

Usage (the shipped files; YAHPO data from ``--data-dir`` or ``$RL_HPO_YAHPO_DATA``; about 25 s on one core):
    nice python scripts/build_portfolios.py --data-dir ../shared/benchmarks/yahpo_data \\
        --suite yahpo/lcbench --suite yahpo/rbv2_xgboost --suite yahpo/iaml_glmnet

Evaluate a portfolio (the stored one for the suite's space unless ``--portfolio FILE``) on the validation
split: the regret of the portfolio alone (deterministic), of the portfolio continued by TPE, and of TPE alone,
at each budget, over ``--seeds`` seeds. The test split is refused: settings are chosen on validation.
    nice python scripts/build_portfolios.py --data-dir ../shared/benchmarks/yahpo_data --evaluate \\
        --suite yahpo/lcbench --split validation --seeds 5

Recorded with that command (rl_hpo 0.1.0; the shipped lcbench portfolio has 17 configurations, the greedy
selection having saturated: every train task had its best candidate in it), mean normalized regret of the best
so far over the 4 validation datasets (x 5 seeds where a seed matters):

    | method                              | regret@10 | regret@25 | regret@50 |
    | portfolio alone (17 configurations) | 0.0056    | 0.0026    | 0.0026    |
    | portfolio, then TPE (seeds 0..4)    | 0.0056    | 0.0026    | 0.0026    |
    | TPE alone (seeds 0..4)              | 0.0467    | 0.0227    | 0.0150    |

Built from random candidates only (``--n-local-rounds 0 --out /tmp/random_only.json``, then ``--evaluate
--portfolio /tmp/random_only.json``; 22 configurations) the portfolio reached 0.0160 / 0.0159 / 0.0159 alone and
0.0160 / 0.0157 / 0.0102 continued by TPE: the per-task incumbents are what make it strong.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.baselines.portfolio import Portfolio, find_portfolio, read_portfolio, write_portfolio
from rl_hpo.baselines.portfolio_building import build_portfolio
from rl_hpo.bench.evaluation import regret_at
from rl_hpo.optimizer import make_optimizer
from rl_hpo.tasks import load_suite
from rl_hpo.tasks.base import Task

_PORTFOLIO_DIR = Path(__file__).resolve().parents[1] / "rl_hpo" / "data" / "portfolios"


@dataclass
class Settings:
    suite: list[str] = field(default_factory=lambda: ["yahpo/lcbench", "yahpo/rbv2_xgboost", "yahpo/iaml_glmnet"])
    """Suites (repeat the option)."""
    split: str | None = None
    """Build: the split to build from (train; default train). Evaluate: train or validation (default validation)."""
    data_dir: str | None = None
    """YAHPO data folder; default: $RL_HPO_YAHPO_DATA."""
    out: str | None = None
    """Build: the file to write (one suite only); default rl_hpo/data/portfolios/<scenario>.json."""
    n_candidates: int = 2000
    """Random candidate configurations."""
    max_size: int = 50
    """Most configurations in a portfolio."""
    n_local_rounds: int = 30
    """Local-search rounds for each train task's incumbent candidate (0: random candidates only)."""
    local_batch: int = 256
    """Points per local-search round."""
    seed: int = 0
    """Seed of the candidates and local searches."""
    evaluate: bool = False
    """Evaluate a portfolio instead of building one."""
    portfolio: str | None = None
    """Evaluate: the portfolio file; default the stored one matching the suite's space."""
    n_configs: list[int] | None = None
    """Evaluate: also evaluate these prefix lengths of the portfolio (repeat the option)."""
    seeds: int = 5
    """Evaluate: seeds 0..seeds-1 of the continuation and of TPE."""
    budgets: list[int] = field(default_factory=lambda: [10, 25, 50])
    """Evaluate: budgets to report (the runs last the largest)."""


def _parse(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    d = Settings()
    parser.add_argument("--suite", action="append", default=None, help="repeatable; default: the three YAHPO suites")
    parser.add_argument("--split", default=d.split, choices=["train", "validation", "test"])
    parser.add_argument("--data-dir", default=d.data_dir)
    parser.add_argument("--out", default=d.out)
    for name in ("n_candidates", "max_size", "n_local_rounds", "local_batch", "seed", "seeds"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(d, name))
    parser.add_argument("--evaluate", action="store_true")
    parser.add_argument("--portfolio", default=d.portfolio)
    parser.add_argument("--n-configs", type=int, action="append", default=None)
    parser.add_argument("--budgets", type=int, nargs="+", default=d.budgets)
    args = vars(parser.parse_args(argv))
    if args["suite"] is None:
        args["suite"] = d.suite
    return Settings(**args)


def _build_command(cfg: Settings, suite: str, out: Path) -> str:
    """The command that rebuilds exactly this file (the data folder comes from $RL_HPO_YAHPO_DATA)."""
    parts = ["python", "scripts/build_portfolios.py", "--suite", suite, "--split", "train"]
    for name in ("n_candidates", "max_size", "n_local_rounds", "local_batch", "seed"):
        parts += ["--" + name.replace("_", "-"), str(getattr(cfg, name))]
    default_out = _PORTFOLIO_DIR / f"{suite.rsplit('/', 1)[-1]}.json"
    if out.resolve() != default_out.resolve():
        parts += ["--out", str(out)]
    return shlex.join(parts)


def build(cfg: Settings) -> list[Path]:
    split = cfg.split or "train"
    if split != "train":
        raise SystemExit(
            f"--split {split}: portfolios are built from the train split only; validation and test "
            "tasks must stay unseen."
        )
    if cfg.out is not None and len(cfg.suite) != 1:
        raise SystemExit(f"--out names one file, but {len(cfg.suite)} suites were given; build them one at a time.")
    written = []
    for suite_name in cfg.suite:
        start = time.perf_counter()
        suite = load_suite(suite_name)
        tasks = suite.load(split)
        out = Path(cfg.out) if cfg.out else _PORTFOLIO_DIR / f"{suite_name.rsplit('/', 1)[-1]}.json"
        print(f"{suite_name}: {len(tasks)} {split} tasks", flush=True)
        doc = build_portfolio(
            tasks,
            n_candidates=cfg.n_candidates,
            max_size=cfg.max_size,
            seed=cfg.seed,
            n_local_rounds=cfg.n_local_rounds,
            local_batch=cfg.local_batch,
            suite=suite_name,
            split=split,
            command=_build_command(cfg, suite_name, out),
            log=lambda line: print("  " + line, flush=True),
        )
        written.append(write_portfolio(doc, out))
        print(f"  wrote {out} ({len(doc['configs'])} configurations, {time.perf_counter() - start:.1f} s)", flush=True)
    return written


def _run(task: Task, opt: Any, budget: int) -> np.ndarray:
    """Normalized regret of the best so far after each of ``budget`` trials (every trial at full fidelity)."""
    assert task.bounds is not None
    history = opt.optimize(task, budget)
    return np.asarray(regret_at(history, task.bounds, range(1, budget + 1)))


def evaluate(cfg: Settings) -> dict[str, dict[int, float]]:
    split = cfg.split or "validation"
    if split == "test":
        raise SystemExit(
            "--evaluate --split test is refused: choose settings on validation; the test split is for "
            "the final head-to-head study (rl-hpo bench) only."
        )
    if len(cfg.suite) != 1:
        raise SystemExit(f"--evaluate takes one suite, got {cfg.suite}.")
    tasks = load_suite(cfg.suite[0]).load(split)
    if not tasks:
        raise SystemExit(f"{cfg.suite[0]} has no {split} tasks.")
    path = Path(cfg.portfolio) if cfg.portfolio else find_portfolio(tasks[0].space)
    doc = read_portfolio(path)
    if doc.get("split") == split or set(doc.get("tasks", [])) & {t.name for t in tasks}:
        print(f"warning: the portfolio was built on tasks of the {split} split; its regret there is optimistic.")
    horizon = max(cfg.budgets)
    sizes = sorted({len(doc["configs"]), *(cfg.n_configs or [])})
    curves: dict[str, list[np.ndarray]] = {}
    for task in tasks:
        for k in sizes:
            curves.setdefault(f"portfolio[{k}] alone", []).append(
                _run(task, Portfolio(task.space, portfolio=path, n_configs=k, then="random"), min(k, horizon))
            )
            for seed in range(cfg.seeds):
                opt = Portfolio(task.space, seed=seed, portfolio=path, n_configs=k)
                curves.setdefault(f"portfolio[{k}] + tpe", []).append(_run(task, opt, horizon))
        for seed in range(cfg.seeds):
            curves.setdefault("tpe", []).append(_run(task, make_optimizer("tpe", task.space, seed=seed), horizon))
        print(f"  {task.name} done", flush=True)
    table: dict[str, dict[int, float]] = {}
    for method, runs in curves.items():
        # The portfolio alone stays at its last regret once its configurations are spent.
        padded = np.array([np.pad(r, (0, horizon - len(r)), mode="edge") for r in runs])
        table[method] = {b: float(padded[:, b - 1].mean()) for b in cfg.budgets}
    print(f"\n{cfg.suite[0]} {split} ({len(tasks)} tasks, seeds 0..{cfg.seeds - 1}; portfolio {path})")
    print("| method | " + " | ".join(f"regret@{b}" for b in cfg.budgets) + " |")
    print("|---|" + "---|" * len(cfg.budgets))
    for method, row in table.items():
        print(f"| {method} | " + " | ".join(f"{row[b]:.4f}" for b in cfg.budgets) + " |")
    return table


def main(argv: Sequence[str] | None = None) -> None:
    cfg = _parse(argv)
    if cfg.data_dir is not None:
        os.environ["RL_HPO_YAHPO_DATA"] = cfg.data_dir  # how every task family finds its data
    if cfg.evaluate:
        evaluate(cfg)
    else:
        build(cfg)


if __name__ == "__main__":
    main(sys.argv[1:])
