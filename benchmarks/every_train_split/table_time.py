"""How long a training run spends building its scikit-learn tables, from an empty cache.

    python benchmarks/every_train_split/table_time.py                    # the shipped default's suites, every core
    python benchmarks/every_train_split/table_time.py --workers 1        # one table after the other

Builds the tables that ``rl_hpo.agents.candidate_training`` builds before its environments start (the training
split of every scikit-learn suite among ``--suites`` and the first ``--eval-max-tasks`` tasks of its validation
split), with ``--workers`` processes side by side, into a new empty cache folder (``--cache``, default: a
temporary folder removed afterwards), and prints the wall time and the number of tables.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from rl_hpo.agents.candidate_training import EVERY_TRAIN_SPLIT, CandidateTrainConfig, _build_tables
from rl_hpo.bench.executors import default_workers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default=",".join(EVERY_TRAIN_SPLIT))
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--eval-max-tasks", type=int, default=CandidateTrainConfig.eval_max_tasks)
    parser.add_argument("--cache", type=Path, help="an empty or new folder to build into (kept)")
    args = parser.parse_args(argv)
    if args.cache is not None and args.cache.exists() and any(args.cache.iterdir()):
        parser.error(f"{args.cache} is not empty: the tables would be found there instead of built.")
    cache = args.cache or Path(tempfile.mkdtemp(prefix="rl_hpo_tables_"))
    suites = tuple(s.strip() for s in args.suites.split(",") if s.strip())
    config = CandidateTrainConfig(  # --eval-max-tasks 0: no validation, so no validation tables
        suites=suites,
        eval_max_tasks=max(1, args.eval_max_tasks),
        eval_freq=CandidateTrainConfig.eval_freq if args.eval_max_tasks > 0 else 0,
        progress=False,
    )
    os.environ["RL_HPO_CACHE"] = str(cache)  # this process's and its workers' cache, for the rest of the run
    try:
        start = time.perf_counter()
        _build_tables(config, workers=args.workers)
        elapsed = time.perf_counter() - start
        tables = len(list(cache.glob("sklearn/*.npz")))
    finally:
        if args.cache is None:
            shutil.rmtree(cache, ignore_errors=True)
    print(f"{tables} tables of {', '.join(suites)} built in {elapsed / 60:.1f} min with {args.workers} worker(s)")


if __name__ == "__main__":
    main()
