"""How much signal PPO's policy gradient carries in the candidate policy's training: the cosine between the
gradients of independent batches of rollouts.

    python benchmarks/what_ppo_adds/gradient_noise.py [--suite prior/gp] [--rollouts 32]

Trains the candidate policy exactly as ``rl-hpo train`` does (the default's settings: 8 environments, 128
steps each per rollout, learning rate 1e-4), and after every rollout computes the gradient, with respect to
the actor's weights, of PPO's policy loss at the rollout's own policy (ratio 1, so clipping plays no part):
``-mean(normalized advantage * log pi(action))``. Gradients of disjoint batches estimate the same true
gradient with independent noise, so their cosine is near the share of signal in them: 1 for a clean
gradient, 0 for pure noise. Batches of ``k`` consecutive rollouts are compared in pairs that share no
rollout, for k = 1, 2, 4, ... (PPO's update uses one rollout, 1,024 steps). Training suites only.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch


def main(argv: list[str] | None = None) -> None:
    from stable_baselines3.common.callbacks import BaseCallback

    from rl_hpo.agents.candidate_training import CandidateTrainConfig, train_candidate_policy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="prior/gp")
    parser.add_argument("--rollouts", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--out", default="runs/gradient_noise")
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--n-steps", type=int, default=128)
    parser.add_argument("--vec-env", default="subproc")
    args = parser.parse_args(argv)
    gradients: list[np.ndarray] = []

    class Gradient(BaseCallback):
        """After each rollout (advantages computed, before PPO's update), the policy loss's actor gradient."""

        def _on_step(self) -> bool:
            return True

        def _on_rollout_end(self) -> None:
            policy, buffer = self.model.policy, self.model.rollout_buffer
            net = policy.net
            actor = net.actor_parameters()
            obs = torch.as_tensor(buffer.observations.reshape(-1, buffer.observations.shape[-1]))
            actions = torch.as_tensor(buffer.actions.reshape(-1)).long()
            advantages = torch.as_tensor(buffer.advantages.reshape(-1))
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
            policy.zero_grad()
            log_pi = torch.log_softmax(net.logits(obs), dim=-1).gather(1, actions[:, None])[:, 0]
            (-(advantages * log_pi).mean()).backward()
            gradients.append(torch.cat([p.grad.flatten() for p in actor]).numpy().copy())
            policy.zero_grad()

    rollout = args.n_envs * args.n_steps
    config = CandidateTrainConfig(
        suites=(args.suite,), out=args.out, timesteps=args.rollouts * rollout, n_envs=args.n_envs,
        n_steps=args.n_steps, vec_env=args.vec_env, learning_rate=args.learning_rate, eval_freq=0, progress=False,
    )  # fmt: skip
    train_candidate_policy(config, callbacks=[Gradient()])
    g = np.array(gradients)
    print(f"{args.suite}: {len(g)} rollouts of {rollout} steps, learning rate {args.learning_rate}")
    print("| steps per batch | pairs of disjoint batches | mean cosine | standard error |")
    print("|---|---|---|---|")
    k = 1
    while len(g) // k >= 2:
        batches = g[: len(g) // k * k].reshape(len(g) // k, k, -1).mean(1)
        unit = batches / np.linalg.norm(batches, axis=1, keepdims=True)
        # Batches 0 and 1, 2 and 3, ...: pairs that share no rollout, so their cosines are independent.
        cosines = [float(unit[i] @ unit[i + 1]) for i in range(0, len(unit) - 1, 2)]
        sem = np.std(cosines, ddof=1) / np.sqrt(len(cosines)) if len(cosines) > 1 else float("nan")
        print(f"| {k * rollout} | {len(cosines)} | {np.mean(cosines):.3f} | {sem:.3f} |")
        k *= 2


if __name__ == "__main__":
    main()
