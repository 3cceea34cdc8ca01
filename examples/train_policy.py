"""Train your own candidate policy with PPO, then tune with it (the researcher's path).

    python examples/train_policy.py [--timesteps 20000] [--out runs/example_policy]

Trains on the prior/gp suite (functions drawn from GP priors over random search spaces), validates on its
validation split during training, and compares the trained policy with plain expected improvement (its
starting rule) and random search on a few validation tasks: about 2 minutes on 2 cores with the defaults. The
shipped default was trained the same way with --timesteps 300000 (28.5 min on 2 cores with the current code,
benchmarks/training_time/). Differences on 4 tasks with 2 seeds each are mostly the runs' luck: 20,000 steps
hardly move the policy from its start (the run warns when they do not), and benchmarks/what_ppo_adds/ measures
what training adds.
"""

from __future__ import annotations

import argparse

import rl_hpo
from rl_hpo.agents.candidate_training import CandidateTrainConfig, train_candidate_policy
from rl_hpo.bench.evaluation import evaluate_method


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timesteps", type=int, default=20_000)
    parser.add_argument("--out", default="runs/example_policy")
    parser.add_argument("--tasks", type=int, default=4, help="validation tasks to compare on")
    args = parser.parse_args()
    config = CandidateTrainConfig(
        out=args.out,
        timesteps=args.timesteps,
        n_envs=2,
        vec_env="dummy",
        eval_freq=args.timesteps,
        eval_max_tasks=args.tasks,
    )
    policy = train_candidate_policy(config) / "best"  # the best on validation; "final" is the last
    print(f"policy saved in {policy}")

    tasks = rl_hpo.load_suite("prior/gp").task_names("validation")[: args.tasks]
    for method, options in (("ppo", {"policy": policy}), ("ei", {}), ("random", {})):
        result = evaluate_method(
            lambda space, seed, m=method, o=options: rl_hpo.make_optimizer(m, space, seed=seed, **o),
            tasks,
            seeds=(0, 1),
            budget=25,
        )
        print(f"{method:>6}: regret at 10 / 25: {result.regret[10]:.3f} / {result.regret[25]:.3f}")
    print(f"(means over {len(tasks)} validation tasks x 2 seeds: too few runs to tell small differences from luck)")


if __name__ == "__main__":
    main()
