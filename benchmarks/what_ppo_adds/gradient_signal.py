"""How large a batch a policy gradient needs at the candidate policy's start, for several parameterizations
of the policy: the critical batch size, from independent episodes.

    python benchmarks/what_ppo_adds/gradient_signal.py [--suite prior/gp] [--episodes 2000]
        [--reward-baseline none|ei] [--workers 2]

Runs ``--episodes`` independent episodes of ``CandidateTuningEnv`` (the suite's train split, budget 50, 5
initial points, the default reward) with the untrained policy, which samples a candidate with probability
``softmax(5 * 8 * log_ei_relative)``, as ``ei_sampled`` does. Per episode ``e`` it forms the policy-gradient
estimate ``g_e = sum_t A_t grad log pi(a_t | s_t)`` at that start, with ``A_t`` the discounted return from
step ``t`` (gamma 0.98, as in training) minus the mean of that return at step ``t`` over the other episodes
(an exact leave-one-out baseline, so ``g_e`` stays unbiased). Over episodes, ``mu = E[g_e]`` is the true
gradient and ``tr(Sigma)`` the noise of one episode. A batch of ``B`` episodes points along ``mu`` with
cosine about ``1 / sqrt(1 + B* / B)``, where ``B* = tr(Sigma) / |mu|^2`` is the critical batch (McCandlish et
al. 2018, "An empirical model of large-batch training"). ``|mu|^2`` is estimated without bias as
``|mean g|^2 - tr(Sigma) / N``; a bootstrap over episodes gives its 95% upper bound, hence a lower bound on
``B*``, and the largest cosine a PPO update of 1,024 steps can expect.

Parameterizations of the logits, all equal to the start at zero residual:
- the EI temperature alone (1 weight, the network's ``log_ei_weight``);
- linear in the 14 candidate features;
- the 14 candidate features times (1 and the 6 run features): 98 weights, a rule that can change with the
  budget used, the dimension, the noise...;
- the shipped network's actor (``CandidateNetwork``, 4,866 weights with ``log_ei_weight``; its untrained
  residual moves a logit by at most about 0.003 within a shortlist, so the episodes are drawn from its
  policy up to that).

``--reward-baseline ei`` subtracts from each reward what plain EI earns at the same step of a shadow run from
the same start (``CandidateTuningEnv``'s Rewards): the same expected gradient with less noise, at twice the
evaluations. Train splits only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import time
from typing import Any

import numpy as np

EPISODE_STEPS_OF_A_PPO_UPDATE = 1024  # rl-hpo train: 8 environments x 128 steps


@functools.cache
def _start_weight() -> float:
    """``CandidateNetwork``'s starting weight of the relative log EI in its logits."""
    from rl_hpo.agents.candidate_network import CandidateNetwork

    return CandidateNetwork().log_ei_weight.item()


def start_probabilities(rows: np.ndarray) -> np.ndarray:
    """The untrained policy's probabilities over the candidates of observation rows (..., K, F), in float64:
    the softmax of the network's starting weight of log EI times each row's relative log EI."""
    from rl_hpo.acquisition.search import CANDIDATE_FEATURES

    logits = _start_weight() * rows[..., CANDIDATE_FEATURES.index("log_ei_relative")].astype(np.float64)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)


def collect_episodes(
    suite: str, reward_baseline: str, seed: int, episodes: range, *, split: str = "train", hindsight: bool = False
) -> list[tuple[np.ndarray, ...]]:
    """Episodes of the untrained policy: per episode its observations (T, K, F), actions and rewards, and with
    ``hindsight`` what every candidate would have added to the best score (T, K;
    ``CandidateTuningEnv.hindsight_improvements``). The observations stay float32, as the policy saw them, so
    that the gradients below are taken at the very probabilities the actions were drawn from."""
    from rl_hpo.envs.candidate_env import CandidateTuningEnv

    env = CandidateTuningEnv(suite, split=split, budget=50, n_initial=5, reward_baseline=reward_baseline)
    k, n_features = env.action_space.n, env.observation_space.shape[0] // env.action_space.n
    out = []
    for episode in episodes:
        rng = np.random.default_rng([seed, episode, 1])
        obs, _ = env.reset(seed=int(np.random.default_rng([seed, episode]).integers(2**31)))
        observations, actions, rewards, gains = [], [], [], []
        truncated = False
        while not truncated:
            if hindsight:
                gains.append(env.hindsight_improvements())
            rows = obs.reshape(k, n_features)
            action = int(rng.choice(k, p=start_probabilities(rows)))
            observations.append(rows.copy())
            actions.append(action)
            obs, reward, _, truncated, _ = env.step(action)
            rewards.append(reward)
        episode_arrays = (np.array(observations), np.array(actions), np.array(rewards))
        out.append((*episode_arrays, np.array(gains)) if hindsight else episode_arrays)
    return out


def collect(
    suite: str, reward_baseline: str, seed: int, episodes: int, workers: int, *, progress: bool = True, **options: Any
) -> list[tuple[np.ndarray, ...]]:
    """``collect_episodes`` of ``episodes`` episodes in ``workers`` processes, in order (each episode is seeded by
    its index, so the result does not depend on the workers); ``options`` pass to ``collect_episodes``."""
    from tqdm.auto import tqdm

    chunks = [range(i, min(i + 10, episodes)) for i in range(0, episodes, 10)]
    with (
        concurrent.futures.ProcessPoolExecutor(workers) as pool,
        tqdm(total=episodes, unit="episode", desc=f"{suite} episodes", disable=not progress) as bar,
    ):
        futures = [pool.submit(collect_episodes, suite, reward_baseline, seed, c, **options) for c in chunks]
        for future in concurrent.futures.as_completed(futures):
            bar.update(len(future.result()))
    return [episode for future in futures for episode in future.result()]


def advantages(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """(N, T) discounted returns from each step minus the leave-one-out mean of that return at that step."""
    returns = np.zeros_like(rewards)
    running = np.zeros(len(rewards))
    for t in range(rewards.shape[1] - 1, -1, -1):
        running = rewards[:, t] + gamma * running
        returns[:, t] = running
    n = len(returns)
    return returns - (returns.sum(0, keepdims=True) - returns) / (n - 1)


def linear_gradients(features: np.ndarray, actions: np.ndarray, probs: np.ndarray, adv: np.ndarray) -> np.ndarray:
    """Per-episode gradients (N, P) of logits = features @ w at w's start: sum_t A_t (x_a - E_pi[x]).
    ``features``: (N, T, K, P)."""
    chosen = np.take_along_axis(features, actions[:, :, None, None], axis=2)[:, :, 0]
    score = chosen - np.einsum("ntk,ntkp->ntp", probs, features)
    return np.einsum("nt,ntp->np", adv, score)


def family_gradients(observations: np.ndarray, actions: np.ndarray, adv: np.ndarray) -> dict[str, np.ndarray]:
    """Per-episode gradients of the three linear parameterizations, a few episodes at a time (their inputs
    for every candidate would not fit in memory at once)."""
    from rl_hpo.acquisition.search import CANDIDATE_FEATURES

    lei, n_candidate = CANDIDATE_FEATURES.index("log_ei_relative"), len(CANDIDATE_FEATURES)
    out: dict[str, list[np.ndarray]] = {}
    for i in range(0, len(observations), 50):
        obs, act, a = observations[i : i + 50].astype(np.float64), actions[i : i + 50], adv[i : i + 50]
        probs = start_probabilities(obs)
        candidate = obs[..., :n_candidate]
        run = np.concatenate([np.ones((*obs.shape[:2], 1)), obs[:, :, 0, n_candidate:]], -1)
        crossed = (candidate[..., :, None] * run[:, :, None, None, :]).reshape(*obs.shape[:3], -1)
        families = {"EI temperature": candidate[..., [lei]], "linear in candidate features": candidate,
                    "candidate x run features": crossed}  # fmt: skip
        for name, x in families.items():
            out.setdefault(name, []).append(linear_gradients(x, act, probs, a))
    return {name: np.concatenate(parts) for name, parts in out.items()}


def network_gradients(observations: np.ndarray, actions: np.ndarray, adv: np.ndarray) -> np.ndarray:
    """Per-episode gradients (N, P) of the untrained ``CandidateNetwork``'s actor (seed 0)."""
    import torch

    from rl_hpo.agents.candidate_network import CandidateNetwork

    torch.manual_seed(0)
    net = CandidateNetwork(observations.shape[-1])
    actor = net.actor_parameters()
    out = np.zeros((len(observations), sum(p.numel() for p in actor)))
    for e in range(len(observations)):
        net.zero_grad()
        obs = torch.as_tensor(observations[e]).flatten(1)
        log_pi = torch.log_softmax(net.logits(obs), -1).gather(1, torch.as_tensor(actions[e])[:, None])[:, 0]
        (torch.as_tensor(adv[e], dtype=torch.float32) * log_pi).sum().backward()
        out[e] = torch.cat([p.grad.flatten() for p in actor]).numpy()
    return out


def critical_batch(g: np.ndarray, rng: np.random.Generator, n_boot: int = 1000) -> dict[str, float]:
    """Signal, noise and critical batch of per-episode gradients ``g`` (N, P), with a bootstrap bound."""
    n = len(g)
    noise = float(g.var(0, ddof=1).sum())
    signal = float(g.mean(0) @ g.mean(0)) - noise / n
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n  # (n_boot, N): bootstrap resamples
    means = weights @ g
    noises = (weights @ g**2 - means**2).sum(1) * n / (n - 1)
    signals = (means**2).sum(1) - noises / n
    upper = float(np.quantile(signals, 0.95))
    return {
        "signal": signal,
        "noise": noise,
        "b_star": noise / signal if signal > 0 else float("inf"),
        "b_star_low": noise / upper if upper > 0 else float("inf"),
        "t_max": float(np.max(np.abs(g.mean(0)) / (g.std(0, ddof=1) / np.sqrt(n) + 1e-300))),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="prior/gp")
    parser.add_argument("--episodes", type=int, default=2000)
    parser.add_argument("--reward-baseline", choices=("none", "ei"), default="none")
    parser.add_argument("--gamma", type=float, default=0.98)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    args = parser.parse_args(argv)
    if args.episodes < 4:
        parser.error("--episodes must be at least 4")

    start = time.perf_counter()
    episodes = collect(args.suite, args.reward_baseline, args.seed, args.episodes, args.workers, progress=args.progress)
    observations = np.stack([e[0] for e in episodes])  # (N, T, K, F)
    actions = np.stack([e[1] for e in episodes])
    rewards = np.stack([e[2] for e in episodes])
    n, steps = actions.shape
    adv = advantages(rewards, args.gamma)
    gradients = family_gradients(observations, actions, adv)
    gradients["the network's actor"] = network_gradients(observations, actions, adv)

    batch = EPISODE_STEPS_OF_A_PPO_UPDATE / steps
    print(
        f"{args.suite}: {n} episodes of {steps} steps, reward baseline {args.reward_baseline}, gamma {args.gamma}, "
        f"seed {args.seed}; return-to-go standard deviation {np.std(adv[:, 0]):.3f} at step 0 "
        f"({time.perf_counter() - start:.0f} s)"
    )
    print(
        "| parameterization | weights | signal abs(mu)^2 | noise tr(Sigma) | B* (episodes) | B*, 95% lower bound "
        f"| cosine of one PPO update ({batch:.1f} episodes), at most | largest abs(t) of a weight |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(args.seed)
    for name, g in gradients.items():
        s = critical_batch(g, rng)
        cosine = 1.0 / np.sqrt(1.0 + s["b_star_low"] / batch)
        print(
            f"| {name} | {g.shape[1]} | {s['signal']:.3g} | {s['noise']:.3g} | {s['b_star']:.0f} | "
            f"{s['b_star_low']:.0f} | {cosine:.2f} | {s['t_max']:.1f} |"
        )


if __name__ == "__main__":
    main()
