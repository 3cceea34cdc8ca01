"""How far a trained candidate policy's choices are from its untrained start, on validation tasks.

    python benchmarks/what_ppo_adds/policy_shift.py [--policy FOLDER] [--suites S1,S2] [--max-tasks 8] [--seeds 2]

Runs the untrained start (``ei_sampled``: a candidate drawn with probability proportional to EI^5) on the
first ``--max-tasks`` validation tasks of each suite and, at every decision, compares the policy's softmax
over the same shortlist with the untrained one: the mean and largest total-variation distance (0: the same
distribution, 1: disjoint), how often both rank the same candidate first, and where the policy moves the
probability mass: the expected uncertainty (GP standard deviation) and posterior mean (below the best score,
both in standardized-score units) of the candidate it draws, beside its start's. A policy whose training
moved it by a total-variation distance of 0.001 samples as its start does, whatever its validation curve
says.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from rl_hpo.acquisition.search import CANDIDATE_FEATURES, EI_TEMPERATURE, CandidateSearch
from rl_hpo.agents.policy_file import load_policy
from rl_hpo.agents.train_settings import TrainConfig
from rl_hpo.baselines.expected_improvement import SampledExpectedImprovement

#: Features whose expected value under each distribution says where the policy moves the mass.
WHERE = ("std", "mean_gap")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default="rl_hpo/data/policies/prior_gp", help="a candidate policy folder")
    parser.add_argument("--suites", default="prior/gp,yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed")
    parser.add_argument("--max-tasks", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--budget", type=int, default=50)
    args = parser.parse_args(argv)
    policy = load_policy(args.policy)
    if policy.kind != "candidate":
        parser.error(f"{args.policy} is a {policy.kind!r} policy; this compares candidate policies with EI.")
    network = policy.network
    n_initial = int(policy.defaults["n_initial"])
    distances: list[float] = []
    agree: list[bool] = []
    expected: list[np.ndarray] = []  # per decision: E[feature] under the policy, then under its start
    columns = [CANDIDATE_FEATURES.index(name) for name in WHERE]

    temperature = float(policy.metadata.get("training", {}).get("settings", {}).get("ei_temperature", EI_TEMPERATURE))

    class Measured(SampledExpectedImprovement):
        """The untrained start, measuring the trained policy's distribution over each of its shortlists."""

        def _choose(self, search: CandidateSearch) -> np.ndarray:
            proposal = search.propose(self.pending())
            obs = torch.as_tensor(proposal.features, dtype=torch.float32).reshape(1, -1)
            distances.append(float(network.shift_from_ei(obs, temperature)[0]))
            with torch.no_grad():
                logits = network.logits(obs)[0]
                agree.append(int(torch.argmax(logits)) == int(np.argmax(proposal.log_ei)))
                both = torch.stack([torch.softmax(logits, -1), network.ei_probabilities(obs, temperature)[0]])
            expected.append(both.numpy() @ proposal.features[:, columns])
            return proposal.sample_by_expected_improvement(search.rng, temperature)

    tasks = TrainConfig(suites=tuple(args.suites.split(","))).validation_tasks(args.max_tasks)
    print(f"{args.policy}: total-variation distance from its untrained start, per decision")
    print(
        "| suite (validation) | decisions | mean | largest | same first choice | "
        + " | ".join(f"E[{name}] policy / start" for name in WHERE)
        + " |"
    )
    print("|---|---|---|---|---|" + "---|" * len(WHERE))
    for suite, suite_tasks in tasks.items():
        distances.clear()
        agree.clear()
        expected.clear()
        for task in suite_tasks:
            for seed in range(args.seeds):
                start = Measured(task.space, seed=seed, n_initial=n_initial, settings=policy.search_settings)
                start.optimize(task, args.budget)
        where = np.mean(expected, axis=0)  # (2, len(WHERE)): policy, start
        print(
            f"| {suite} | {len(distances)} | {np.mean(distances):.4f} | {np.max(distances):.4f} | "
            f"{np.mean(agree):.3f} | "
            + " | ".join(f"{where[0, j]:.3f} / {where[1, j]:.3f}" for j in range(len(WHERE)))
            + " |",
            flush=True,
        )


if __name__ == "__main__":
    main()
