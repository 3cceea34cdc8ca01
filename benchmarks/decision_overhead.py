"""Decision overhead of every method: median seconds per ask() and tell() at trial 10, 100 and 500.

``ppo`` is the shipped general policy (a candidate policy: an in-episode GP, candidate moves and one
network call per trial; named explicitly, since ``policy="default"`` would pick the lcbench specialist for
this very space) and ``ei`` plain expected improvement over the same candidates.

The benchmark protocol (benchmarks/README.md) reports each method's own decision time, which also
enters its simulated wall-clock time. Every method tunes an lcbench-like 7-dimensional space (the YAHPO
lcbench search space, epochs 1..52 as the fidelity of Hyperband and BOHB) on a cheap synthetic objective,
sequentially, along its own trajectory; the time of trials n .. n + window - 1 (0-based ids) is the figure
at trial n. Trial 10 is the first model-based trial of TPE and GP (10 start-up trials).

GP's cost grows steeply with the trials: by default it runs to 100 only. With ``--gp-500`` its figure at
500 is measured after 500 start-up trials (``n_startup_trials=500``: a random history, not GP's own
trajectory, whose cost would be some fifteen minutes of CPU on this 2-core machine).

Run:
    python benchmarks/decision_overhead.py                  # all methods, one seed
    python benchmarks/decision_overhead.py --methods tpe,gp --seeds 3 --gp-500
    python benchmarks/decision_overhead.py --methods ppo,ei --search n_polish=0   # without polishing
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

import rl_hpo
from rl_hpo.acquisition.search import SearchSettings, parse_changes
from rl_hpo.agents.policy_file import default_policy_path, load_policy
from rl_hpo.optimizer import make_optimizer
from rl_hpo.space import Float, Int, SearchSpace
from rl_hpo.tasks.base import Fidelity

#: the YAHPO lcbench search space (7 parameters)
LCBENCH_LIKE = SearchSpace(
    {
        "batch_size": Int(16, 512, log=True),
        "learning_rate": Float(1e-4, 1e-1, log=True),
        "max_dropout": Float(0.0, 1.0),
        "max_units": Int(64, 1024, log=True),
        "momentum": Float(0.1, 0.99),
        "num_layers": Int(1, 5),
        "weight_decay": Float(1e-5, 1e-1),
    }
)
EPOCHS = Fidelity("epoch", 1, 52, integer=True)
MULTI_FIDELITY = {"hyperband", "bohb"}


@dataclass
class Settings:
    methods: list[str] = field(
        default_factory=lambda: ["ppo", "ei", "random", "grid", "qmc", "tpe", "gp", "cmaes", "hyperband", "bohb"]
    )
    """methods to time"""
    checkpoints: list[int] = field(default_factory=lambda: [10, 100, 500])
    """trial ids at which the overhead is reported"""
    window: int = 10
    """trials timed per checkpoint (their median is reported)"""
    seeds: int = 1
    """seeds per method (the median is over all of their timed trials)"""
    gp_max: int = 100
    """GP runs its own trajectory up to this checkpoint"""
    gp_500: bool = False
    """measure GP at trial 500 after 500 random start-up trials"""
    search: dict[str, int | str] = field(default_factory=dict)
    """changes to the candidate search of ppo and ei (``SearchSettings`` fields), e.g. ``{"n_polish": 3}``"""


def objective(config: dict, epoch: float | None) -> float:
    """A cheap smooth score in the unit cube; lower fidelities see a damped, shifted version."""
    u = LCBENCH_LIKE.encode(config)
    target = np.array([0.3, 0.6, 0.2, 0.7, 0.5, 0.4, 0.1])
    value = 1.0 - float(np.sum((u - target) ** 2)) + 0.05 * float(np.sin(7 * u).sum())
    if epoch is not None:
        value *= 1.0 - np.exp(-epoch / 10.0)
    return value


def time_run(
    method: str, seed: int, n_trials: int, search: dict[str, int | str] | None = None, **options
) -> tuple[np.ndarray, np.ndarray]:
    """Seconds of every ask() and tell() of one sequential run of ``n_trials`` trials; ``search`` changes the
    candidate search of ppo (from its policy file's) and ei (from the defaults)."""
    if method in MULTI_FIDELITY:
        options["fidelity"] = EPOCHS
    if method == "ppo":
        options.setdefault("policy", default_policy_path())
    if search and method in ("ppo", "ei"):
        base = load_policy(options["policy"]).search_settings if method == "ppo" else SearchSettings()
        options["settings"] = dataclasses.replace(base, **search)
    opt = make_optimizer(method, LCBENCH_LIKE, seed=seed, **options)
    ask_s, tell_s = np.empty(n_trials), np.empty(n_trials)
    for i in range(n_trials):
        start = time.perf_counter()
        trial = opt.ask()
        ask_s[i] = time.perf_counter() - start
        score = objective(trial.config, trial.fidelity)
        start = time.perf_counter()
        opt.tell(trial, score)
        tell_s[i] = time.perf_counter() - start
    return ask_s, tell_s


def measure(settings: Settings) -> dict[str, dict[int, tuple[float, float] | None]]:
    """method -> checkpoint -> (median ask + tell seconds, median tell seconds), None where not run."""
    table: dict[str, dict[int, tuple[float, float] | None]] = {}
    for method in settings.methods:
        reachable = [n for n in settings.checkpoints if method != "gp" or n <= settings.gp_max]
        last = max(reachable, default=0) + settings.window
        totals: dict[int, list[float]] = {n: [] for n in settings.checkpoints}
        tells: dict[int, list[float]] = {n: [] for n in settings.checkpoints}
        for seed in range(settings.seeds):
            ask_s, tell_s = time_run(method, seed, last, settings.search) if reachable else (np.empty(0), np.empty(0))
            for n in reachable:
                window = slice(n, n + settings.window)
                totals[n].extend(ask_s[window] + tell_s[window])
                tells[n].extend(tell_s[window])
            if method == "gp" and settings.gp_500 and 500 in settings.checkpoints and 500 not in reachable:
                ask_s, tell_s = time_run(method, seed, 500 + settings.window, n_startup_trials=500)
                window = slice(500, 500 + settings.window)
                totals[500].extend(ask_s[window] + tell_s[window])
                tells[500].extend(tell_s[window])
        table[method] = {
            n: (statistics.median(totals[n]), statistics.median(tells[n])) if totals[n] else None
            for n in settings.checkpoints
        }
        print(f"  {method}: done", flush=True)
    return table


def format_table(table: dict[str, dict[int, tuple[float, float] | None]], checkpoints: list[int]) -> str:
    def cell(value: tuple[float, float] | None, index: int) -> str:
        return "-" if value is None else f"{value[index] * 1e3:.2f}"

    head = " | ".join(f"trial {n}" for n in checkpoints)
    lines = [
        "Median milliseconds per ask() + tell() (tell alone in brackets)",
        f"| method | {head} |",
        "|---" * (len(checkpoints) + 1) + "|",
    ]
    for method, row in table.items():
        cells = " | ".join(f"{cell(row[n], 0)} ({cell(row[n], 1)})" for n in checkpoints)
        lines.append(f"| {method} | {cells} |")
    return "\n".join(lines)


def parse() -> Settings:
    defaults = Settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default=",".join(defaults.methods), help="comma-separated methods")
    parser.add_argument("--checkpoints", default=",".join(map(str, defaults.checkpoints)), help="trial ids")
    parser.add_argument("--window", type=int, default=defaults.window, help="trials timed per checkpoint")
    parser.add_argument("--seeds", type=int, default=defaults.seeds, help="seeds per method")
    parser.add_argument("--gp-max", type=int, default=defaults.gp_max, help="GP's last own-trajectory checkpoint")
    parser.add_argument("--gp-500", action="store_true", help="GP at 500 after 500 random start-up trials")
    parser.add_argument(
        "--search", default="", help="key=value[,key=value]: SearchSettings changes for ppo and ei (e.g. n_polish=3)"
    )
    args = parser.parse_args()
    try:
        search = parse_changes(args.search)
    except ValueError as error:
        parser.error(str(error))
    return Settings(
        methods=args.methods.split(","),
        checkpoints=[int(n) for n in args.checkpoints.split(",")],
        window=args.window,
        seeds=args.seeds,
        gp_max=args.gp_max,
        gp_500=args.gp_500,
        search=search,
    )


def main() -> None:
    settings = parse()
    # Other processes on a shared machine inflate wall-clock timings: record the load beside them.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"rl_hpo {rl_hpo.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, load {load}")
    print(settings)
    table = measure(settings)
    print(format_table(table, settings.checkpoints))


if __name__ == "__main__":
    main()
