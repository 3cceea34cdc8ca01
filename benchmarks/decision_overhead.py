"""Decision overhead of every method: median seconds per ask() and tell() at trial 10, 100 and 500.

``ppo`` is the shipped general policy (a candidate policy: an in-episode GP, candidate moves and one
network call per trial; named explicitly, since ``policy="default"`` would pick the lcbench specialist for
this very space) and ``ei`` plain expected improvement over the same candidates.

The benchmark protocol (benchmarks/README.md) reports each method's own decision time, which also
enters its simulated wall-clock time. Every method tunes an lcbench-like 7-dimensional space (the YAHPO
lcbench search space, epochs 1..52 as the fidelity of Hyperband and BOHB) on a cheap synthetic objective,
sequentially, along its own trajectory; the time of trials n .. n + window - 1 (0-based ids) is the figure
at trial n. Trial 10 is the first model-based trial of TPE and GP (10 start-up trials).

With ``--history random`` the trials before each checkpoint n are not the method's own: it observes n random
configurations (``Optimizer.observe``) and then runs the window, so that two versions of the code decide
from the same states, which the method's own trajectories do not give once round-off sets them apart (for
comparing versions; methods that cannot observe are refused).

The second table counts the minor page faults of each ask() and tell(): memory the allocator gave back to the
system and that the next call faults in again, a cost that wall-clock time alone does not explain (the GP
predicts in blocks for that reason: ``rl_hpo.acquisition.gp``). Where the ``resource`` module is missing
(Windows) the table is left out.

GP's cost grows steeply with the trials: by default it runs to 100 only. With ``--gp-500`` its figure at
500 is measured after 500 start-up trials (``n_startup_trials=500``: a random history, not GP's own
trajectory, whose cost would be some fifteen minutes of CPU on this 2-core machine).

Run:
    python benchmarks/decision_overhead.py                  # all methods, one seed
    python benchmarks/decision_overhead.py --methods tpe,gp --seeds 3 --gp-500
    python benchmarks/decision_overhead.py --methods ppo,ei --search n_polish=0   # without polishing
    python benchmarks/decision_overhead.py --methods ppo,ei --checkpoints 50,500 --seeds 5 --history random
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import time
from dataclasses import dataclass, field

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

import numpy as np

import rl_hpo
from rl_hpo.acquisition.search import SearchSettings, parse_changes
from rl_hpo.agents.policy_file import default_policy_path, load_policy
from rl_hpo.bench.runner import cpu_kernels, source_state
from rl_hpo.optimizer import available_optimizers, make_optimizer
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
    history: str = "own"
    """the trials before a checkpoint: the method's own ("own") or observed random configurations ("random")"""


def objective(config: dict, epoch: float | None) -> float:
    """A cheap smooth score in the unit cube; lower fidelities see a damped, shifted version."""
    u = LCBENCH_LIKE.encode(config)
    target = np.array([0.3, 0.6, 0.2, 0.7, 0.5, 0.4, 0.1])
    value = 1.0 - float(np.sum((u - target) ** 2)) + 0.05 * float(np.sin(7 * u).sum())
    if epoch is not None:
        value *= 1.0 - np.exp(-epoch / 10.0)
    return value


def cpu_model() -> str:
    """The CPU's model name, as Linux's /proc/cpuinfo gives it (else what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


def time_run(
    method: str,
    seed: int,
    n_trials: int,
    search: dict[str, int | str] | None = None,
    observed: int = 0,
    **options,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds of every ask() and tell() of one sequential run of ``n_trials`` trials, and the minor page faults
    of each trial's ask() and tell() together; ``search`` changes the candidate search of ppo (from its policy
    file's) and ei (from the defaults). The method first observes ``observed`` random configurations (drawn
    from ``seed`` alone, so the same at any commit), untimed."""
    if method in MULTI_FIDELITY:
        options["fidelity"] = EPOCHS
    if method == "ppo":
        options.setdefault("policy", default_policy_path())
    if search and method in ("ppo", "ei"):
        base = load_policy(options["policy"]).search_settings if method == "ppo" else SearchSettings()
        options["settings"] = dataclasses.replace(base, **search)
    opt = make_optimizer(method, LCBENCH_LIKE, seed=seed, **options)
    if observed:
        if not opt.can_observe:
            raise SystemExit(f"--history random: {method!r} cannot observe configurations it did not ask for.")
        for u in np.random.default_rng([seed, observed]).random((observed, LCBENCH_LIKE.dim)):
            config = LCBENCH_LIKE.decode(u)
            opt.observe(config, objective(config, None))
    ask_s, tell_s, faults = np.empty(n_trials), np.empty(n_trials), np.empty(n_trials)
    for i in range(n_trials):
        before = _minor_faults()
        start = time.perf_counter()
        trial = opt.ask()
        ask_s[i] = time.perf_counter() - start
        faults[i] = _minor_faults() - before
        score = objective(trial.config, trial.fidelity)
        before = _minor_faults()
        start = time.perf_counter()
        opt.tell(trial, score)
        tell_s[i] = time.perf_counter() - start
        faults[i] += _minor_faults() - before
    return ask_s, tell_s, faults


#: One figure of the tables: median seconds per ask() + tell(), median seconds per tell(), median page faults.
Figure = tuple[float, float, float]


def measure(settings: Settings) -> dict[str, dict[int, Figure | None]]:
    """method -> checkpoint -> its ``Figure``, None where not run."""
    table: dict[str, dict[int, Figure | None]] = {}
    for method in settings.methods:
        reachable = [n for n in settings.checkpoints if method != "gp" or n <= settings.gp_max]
        last = max(reachable, default=0) + settings.window
        timed: dict[int, list[np.ndarray]] = {n: [] for n in settings.checkpoints}  # (3, window) per seed
        for seed in range(settings.seeds):
            if settings.history == "random":
                for n in reachable:
                    timed[n].append(np.stack(time_run(method, seed, settings.window, settings.search, observed=n)))
            elif reachable:
                run = np.stack(time_run(method, seed, last, settings.search))
                for n in reachable:
                    timed[n].append(run[:, n : n + settings.window])
            if method == "gp" and settings.gp_500 and 500 in settings.checkpoints and 500 not in reachable:
                run = np.stack(time_run(method, seed, 500 + settings.window, n_startup_trials=500))
                timed[500].append(run[:, 500 : 500 + settings.window])
        table[method] = {}
        for n, runs in timed.items():
            if runs:
                ask_s, tell_s, faults = np.concatenate(runs, axis=1)
                table[method][n] = (
                    statistics.median(ask_s + tell_s),
                    statistics.median(tell_s),
                    statistics.median(faults),
                )
            else:
                table[method][n] = None
        print(f"  {method}: done", flush=True)
    return table


def format_table(table: dict[str, dict[int, Figure | None]], checkpoints: list[int]) -> str:
    head = " | ".join(f"trial {n}" for n in checkpoints)
    rule = "|---" * (len(checkpoints) + 1) + "|"
    lines = ["Median milliseconds per ask() + tell() (tell alone in brackets)", f"| method | {head} |", rule]
    for method, row in table.items():
        cells = (f"{f[0] * 1e3:.2f} ({f[1] * 1e3:.2f})" if f else "-" for f in (row[n] for n in checkpoints))
        lines.append(f"| {method} | {' | '.join(cells)} |")
    if resource is not None:
        lines += ["", "Median minor page faults per ask() + tell()", f"| method | {head} |", rule]
        for method, row in table.items():
            cells = (f"{f[2]:.0f}" if f else "-" for f in (row[n] for n in checkpoints))
            lines.append(f"| {method} | {' | '.join(cells)} |")
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
        "--history",
        choices=("own", "random"),
        default=defaults.history,
        help="the trials before each checkpoint: the method's own, or observed random configurations",
    )
    parser.add_argument(
        "--search", default="", help="key=value[,key=value]: SearchSettings changes for ppo and ei (e.g. n_polish=3)"
    )
    args = parser.parse_args()
    try:
        search = parse_changes(args.search)
    except ValueError as error:
        parser.error(str(error))
    try:
        checkpoints = [int(n) for n in args.checkpoints.split(",")]
    except ValueError:
        parser.error(f"--checkpoints takes comma-separated trial numbers (e.g. 50,500), got {args.checkpoints!r}")
    unknown = [repr(m) for m in args.methods.split(",") if m not in available_optimizers()]
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(available_optimizers())}")
    for name, value, least in (("--checkpoints", min(checkpoints), 0), ("--window", args.window, 1)):
        if value < least:
            parser.error(f"{name} takes whole numbers of at least {least}, got {value}")
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    return Settings(
        methods=args.methods.split(","),
        checkpoints=checkpoints,
        window=args.window,
        seeds=args.seeds,
        gp_max=args.gp_max,
        gp_500=args.gp_500,
        history=args.history,
        search=search,
    )


def describe_source(state: dict) -> str:
    """``commit 0123456789`` and whether tracked files differ from it (``source_state``'s fields)."""
    if state["git_commit"] is None:
        return "not a git checkout"
    changed = f" with uncommitted changes ({', '.join(state['git_changed_files'])})" if state["git_dirty"] else ""
    return f"commit {state['git_commit'][:10]}{changed}"


def main() -> None:
    settings = parse()
    # Other processes on a shared machine inflate wall-clock timings: record the load beside them.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"rl_hpo {rl_hpo.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, load {load}")
    # Timings differ from machine to machine, and with the kernels the numerical libraries pick.
    print(f"CPU {cpu_model()}, kernels {cpu_kernels()}")
    print(f"code: {describe_source(source_state())}")
    print(settings)
    table = measure(settings)
    print(format_table(table, settings.checkpoints))


if __name__ == "__main__":
    main()
