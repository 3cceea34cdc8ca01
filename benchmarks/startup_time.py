"""Seconds from a fresh Python process to a method's first trial: what a user waits for before tuning starts.

Each stage runs in its own new interpreter (imports are what is measured, so nothing may be cached in this one):

- ``import rl_hpo``: the package alone;
- ``<method>: first ask``: ``import rl_hpo``, then ``make_optimizer(method, space)`` on a 3-parameter space (for
  ``ppo``: loading the shipped policy and torch) and its first ``ask``;
- ``<method>: what it imported``: whether that process imported the report's modules (pandas, matplotlib), which
  tuning does not need.

Usage::

    nice python benchmarks/startup_time.py [--methods ppo,tpe,random] [--repeats 5]

Prints one line per stage: the median and the range of ``--repeats`` runs, in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_FIRST_ASK = """
import json, sys, time
start = time.perf_counter()
import rl_hpo
imported = time.perf_counter()
space = rl_hpo.SearchSpace({"lr": rl_hpo.Float(1e-4, 1e-1, log=True), "depth": rl_hpo.Int(1, 8),
                            "kind": rl_hpo.Categorical(["a", "b"])})
optimizer = rl_hpo.make_optimizer(METHOD, space, seed=0)
optimizer.ask()
done = time.perf_counter()
heavy = sorted(m for m in ("pandas", "matplotlib") if m in sys.modules)
print(json.dumps({"import": imported - start, "first_ask": done - start, "heavy": heavy}))
"""


def measure(method: str, repeats: int) -> dict[str, object]:
    """Median and range of ``import rl_hpo`` and of the first ask of ``method``, each in a new interpreter."""
    runs = []
    for _ in range(repeats):
        code = _FIRST_ASK.replace("METHOD", repr(method))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"The first ask of {method} failed:\n{done.stderr.strip()}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    imports = [r["import"] for r in runs]
    asks = [r["first_ask"] for r in runs]
    return {
        "import": (statistics.median(imports), min(imports), max(imports)),
        "first_ask": (statistics.median(asks), min(asks), max(asks)),
        "heavy": runs[-1]["heavy"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", default="ppo,tpe,random", help="methods whose first ask is timed")
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per method (the median is shown)")
    args = parser.parse_args(argv)
    from rl_hpo.optimizer import available_optimizers  # light: the methods are imported when made

    unknown = [repr(m) for m in args.methods.split(",") if m not in available_optimizers()]
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(available_optimizers())}")
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    for method in args.methods.split(","):
        result = measure(method, args.repeats)
        for stage in ("import", "first_ask"):
            median, low, high = result[stage]  # type: ignore[misc]
            name = "import rl_hpo" if stage == "import" else f"{method}: first ask"
            print(f"{name:<24} {median:7.3f} s  (range {low:.3f} to {high:.3f}, {args.repeats} runs)")
        print(f"{method + ': imported':<24} {', '.join(result['heavy']) or 'neither pandas nor matplotlib'}")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
