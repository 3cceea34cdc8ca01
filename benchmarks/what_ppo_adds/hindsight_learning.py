"""What a candidate rule can learn when every candidate's outcome is known, and whether it carries over to a
search space it never saw.

    python benchmarks/what_ppo_adds/hindsight_learning.py [--suites prior/gp,yahpo/lcbench,...]
        [--episodes 600] [--validation-episodes 200] [--workers 2] [--save DIR]

The policy gradient at the EI start is buried in noise (``gradient_signal.py``): one episode's return says
little about one decision. This study removes that noise. On training tasks each candidate can be evaluated
in hindsight, so every state comes with what each of its candidates would have added to the best score
(``CandidateTuningEnv.hindsight_improvements``, span-normalized: the ``"improvement"`` reward of every
action at once). For the softmax policy the expected one-step reward of a state is then known exactly,
``sum_a pi(a|s) gain_a``, and its gradient has no sampling noise at all; the only noise left is which states
were seen.

For each suite it runs ``--episodes`` episodes of the untrained policy (sampling by EI^5, as ``ei_sampled``
does) on the train split and ``--validation-episodes`` on the validation split, recording every state and
every candidate's hindsight gain. It then fits two rules, each from the EI start, to maximize the mean
expected one-step gain of the training states (Adam, minibatches of 256 states, up to ``--epochs`` passes,
keeping the weights best on a tenth of the training episodes held out): the actor of ``CandidateNetwork``
(4,866 weights, learning rate 1e-3) and a rule linear in the 14 candidate features (15 weights with EI's,
learning rate 0.03, so that both move as far in the same passes). It reports, on each suite's validation
states, the mean one-step gain of:

- hindsight: the best candidate of each shortlist (what full knowledge would take);
- ei: the candidate of largest EI; ei_sampled: sampling by EI^5;
- the rule trained on the suite's own train split (its space, other datasets), taking its most likely
  candidate and sampling;
- the rule trained on every other suite's train split, never this space (leave one space out);
- the rule trained on prior/gp alone, as the prior_gp policy is (the shipped default when this study ran).

Every value is relative to ``ei``'s (1.000 = as EI). One step's gain is myopic: a rule that gains more now
may explore less, so this measures what a rule can learn, not the return of a whole run; ``--save DIR``
writes each fitted network as a candidate policy folder (``DIR/own-<suite>``, ``DIR/without-<suite>``, with
the prior_gp policy's search settings), so that whole runs can measure it (``hindsight_runs.sh``). Train and
validation splits only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from gradient_signal import collect, start_probabilities

from rl_hpo.acquisition.search import CANDIDATE_FEATURES
from rl_hpo.agents.candidate_network import CandidateNetwork

torch.set_num_threads(1)

SUITES = "prior/gp,yahpo/lcbench,yahpo/rbv2_xgboost,synthetic/mixed"
PRIOR = "prior/gp"
_LOG_EI = CANDIDATE_FEATURES.index("log_ei")
_LOG_EI_RELATIVE = CANDIDATE_FEATURES.index("log_ei_relative")
_HELD_OUT = 0.1  # share of the training episodes that choose when to stop


class LinearRule(torch.nn.Module):
    """Logits linear in the candidate features: the start's weight times the relative log EI plus one weight
    per candidate feature (starting at zero, so the rule starts as the untrained network does)."""

    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.n_features = n_features
        self.log_ei_weight = torch.nn.Parameter(CandidateNetwork().log_ei_weight.detach().clone())
        self.weights = torch.nn.Parameter(torch.zeros(len(CANDIDATE_FEATURES)))

    def logits(self, obs: torch.Tensor) -> torch.Tensor:
        rows = obs.reshape(obs.shape[0], -1, self.n_features)
        return self.log_ei_weight * rows[..., _LOG_EI_RELATIVE] + rows[..., : len(CANDIDATE_FEATURES)] @ self.weights

    def actor_parameters(self) -> list[torch.nn.Parameter]:
        return [self.log_ei_weight, self.weights]


#: The rules fitted: how to build each from the number of features, and its learning rate.
RULES = {"network": (CandidateNetwork, 1e-3), "linear": (LinearRule, 3e-2)}


def collect_states(suite: str, split: str, episodes: int, seed: int, workers: int) -> dict[str, np.ndarray]:
    """The states of ``episodes`` episodes of the untrained policy on a split: feature rows (N, K, F) as
    float16, every candidate's hindsight gain (N, K) and each state's episode."""
    runs = collect(suite, "none", seed, episodes, workers, split=split, hindsight=True)
    return {
        "rows": np.concatenate([run[0] for run in runs]).astype(np.float16),
        "gains": np.concatenate([run[3] for run in runs]).astype(np.float32),
        "episode": np.concatenate([np.full(len(run[0]), i) for i, run in enumerate(runs)]),
    }


def expected_gains(logits: torch.Tensor, gains: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per state, the one-step gain of the softmax policy over ``logits`` (its expectation) and of its most
    likely candidate."""
    greedy = gains.gather(1, logits.argmax(1, keepdim=True))[:, 0]
    return (torch.softmax(logits, 1) * gains).sum(1), greedy


def _batches(states: dict[str, np.ndarray], size: int = 4096):
    for i in range(0, len(states["gains"]), size):
        rows = torch.as_tensor(states["rows"][i : i + size].astype(np.float32))
        yield rows, torch.as_tensor(states["gains"][i : i + size])


@torch.no_grad()
def mean_gain(net: torch.nn.Module, states: dict[str, np.ndarray]) -> tuple[float, float]:
    """The mean one-step gain over ``states`` of the network's policy: sampling, and its most likely one."""
    total = np.zeros(2)
    for rows, gains in _batches(states):
        total += [g.sum().item() for g in expected_gains(net.logits(rows.flatten(1)), gains)]
    return tuple(total / len(states["gains"]))


def reference_gains(states: dict[str, np.ndarray]) -> dict[str, float]:
    """The mean one-step gain of the best candidate in hindsight, of EI's choice and of sampling by EI^5."""
    total = {"hindsight": 0.0, "ei": 0.0, "ei_sampled": 0.0}
    for rows, gains in _batches(states):
        total["hindsight"] += gains.max(1).values.sum().item()
        total["ei"] += gains.gather(1, rows[..., _LOG_EI].argmax(1, keepdim=True)).sum().item()
        p = torch.as_tensor(start_probabilities(rows.numpy()), dtype=torch.float32)
        total["ei_sampled"] += (p * gains).sum().item()
    return {k: v / len(states["gains"]) for k, v in total.items()}


def fit_rule(states: dict[str, np.ndarray], epochs: int, seed: int, rule: str = "network") -> torch.nn.Module:
    """A rule of ``RULES``, from its EI start, fitted to maximize the expected one-step gain of the training
    states."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    make, learning_rate = RULES[rule]
    net = make(states["rows"].shape[-1])
    episodes = np.unique(states["episode"])
    held = np.isin(states["episode"], rng.choice(episodes, max(1, int(_HELD_OUT * len(episodes))), replace=False))
    train = {k: v[~held] for k, v in states.items()}
    check = {k: v[held] for k, v in states.items()}
    scale = float(train["gains"].max(1).mean())  # gains of order one, whatever the suites' scales
    optimizer = torch.optim.Adam(net.actor_parameters(), lr=learning_rate)
    best, best_weights = mean_gain(net, check)[0], {k: v.clone() for k, v in net.state_dict().items()}
    for _ in range(epochs):
        for batch in np.array_split(rng.permutation(len(train["gains"])), max(1, len(train["gains"]) // 256)):
            rows = torch.as_tensor(train["rows"][batch].astype(np.float32)).flatten(1)
            gain, _ = expected_gains(net.logits(rows), torch.as_tensor(train["gains"][batch]) / scale)
            optimizer.zero_grad()
            (-gain.mean()).backward()
            optimizer.step()
        score = mean_gain(net, check)[0]
        if score > best:
            best, best_weights = score, {k: v.clone() for k, v in net.state_dict().items()}
    net.load_state_dict(best_weights)
    return net


def _merge(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """States of several suites as one set (episodes kept apart)."""
    offsets = np.cumsum([0] + [int(p["episode"].max()) + 1 for p in parts[:-1]])
    merged = {k: np.concatenate([p[k] for p in parts]) for k in ("rows", "gains")}
    merged["episode"] = np.concatenate([p["episode"] + o for p, o in zip(parts, offsets)])
    return merged


def save_rule(net: CandidateNetwork, folder: Path, trained_on: list[str], args: argparse.Namespace) -> None:
    """``net`` as a candidate policy folder, run with the prior_gp policy's search settings and defaults (those of
    the shipped default when this study ran)."""
    from rl_hpo.agents.policy_file import default_policy_path, load_policy, save_policy

    default = load_policy(default_policy_path().parent / "prior_gp")
    training = {"method": "hindsight one-step gain", "suites": trained_on, "split": "train",
                "episodes_per_suite": args.episodes, "epochs": args.epochs, "seed": args.seed,
                "command": " ".join(["python", *sys.argv])}  # fmt: skip
    meta = {"defaults": default.metadata["defaults"], "search": default.metadata["search"], "training": training}
    save_policy(net, folder, metadata=meta)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suites", default=SUITES, help=f"comma-separated; must include {PRIOR} (default: {SUITES})")
    parser.add_argument("--episodes", type=int, default=600, help="train-split episodes per suite")
    parser.add_argument("--validation-episodes", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save", type=Path, help="write the fitted networks here as policy folders")
    args = parser.parse_args(argv)
    suites = args.suites.split(",")
    if PRIOR not in suites or len(suites) < 2:
        parser.error(f"--suites needs {PRIOR} and at least one other suite")
    if args.episodes < 10 or args.validation_episodes < 1:
        parser.error("--episodes must be at least 10 and --validation-episodes at least 1")

    start = time.perf_counter()
    train, validation = {}, {}
    for suite in suites:
        train[suite] = collect_states(suite, "train", args.episodes, args.seed, args.workers)
        validation[suite] = collect_states(suite, "validation", args.validation_episodes, args.seed + 1, args.workers)
        print(f"# {suite}: {len(train[suite]['gains'])} train and {len(validation[suite]['gains'])} validation "
              f"states ({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
    own = {(s, r): fit_rule(train[s], args.epochs, args.seed, r) for s in suites for r in RULES}
    others = {(s, r): fit_rule(_merge([train[o] for o in suites if o != s]), args.epochs, args.seed, r)
              for s in suites for r in RULES}  # fmt: skip
    if args.save:
        for suite in suites:
            name = suite.replace("/", "_")
            save_rule(own[suite, "network"], args.save / f"own-{name}", [suite], args)
            save_rule(others[suite, "network"], args.save / f"without-{name}", [o for o in suites if o != suite], args)
    print(
        f"# {args.episodes} train and {args.validation_episodes} validation episodes per suite, budget 50, seed "
        f"{args.seed}, {args.epochs} epochs ({time.perf_counter() - start:.0f} s). Mean one-step gain on the "
        "validation states, relative to ei's (its own value in the last column); a rule's two values: its most "
        "likely candidate / sampling."
    )
    print("| validation suite | rule | hindsight | ei_sampled | trained on its own space | trained without its space "
          "| trained on prior/gp | ei (span-normalized) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for suite in suites:
        ref = reference_gains(validation[suite])
        for rule in RULES:
            cells = []
            for net in (own[suite, rule], others[suite, rule], own[PRIOR, rule]):
                sampled, greedy = mean_gain(net, validation[suite])
                cells.append(f"{greedy / ref['ei']:.3f} / {sampled / ref['ei']:.3f}")
            print(f"| {suite} | {rule} | {ref['hindsight'] / ref['ei']:.3f} | {ref['ei_sampled'] / ref['ei']:.3f} | "
                  f"{' | '.join(cells)} | {ref['ei']:.5f} |")  # fmt: skip


if __name__ == "__main__":
    main()
