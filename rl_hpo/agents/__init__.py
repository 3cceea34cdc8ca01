"""Tuning policies: PPO training in ``CandidateTuningEnv`` and ``TuningEnv``, the safe policy file format, and
``PolicyOptimizer`` (method ``ppo``) with ``CandidatePolicyOptimizer``.

Exports are imported on first use, so that ``import rl_hpo.agents`` stays light until torch and
stable-baselines3 are needed::

    from rl_hpo.agents import CandidateTrainConfig, PolicyOptimizer, train_candidate_policy

    out = train_candidate_policy(CandidateTrainConfig(suites=("prior/gp",), timesteps=50_000, out="runs/demo"))
    optimizer = PolicyOptimizer(space, seed=0, policy=out / "best")  # a CandidatePolicyOptimizer
"""

from __future__ import annotations

from rl_hpo.lazy_exports import lazy_exports

__all__ = [
    "CandidateNetwork",
    "CandidatePolicy",
    "CandidatePolicyOptimizer",
    "CandidateTrainConfig",
    "EvalResult",
    "PerDimensionPolicy",
    "Policy",
    "PolicyOptimizer",
    "PortfolioThenPolicy",
    "TrainConfig",
    "TrainResult",
    "TuningNetwork",
    "add_train_arguments",
    "default_policy_path",
    "evaluate_policy",
    "load_policy",
    "save_policy",
    "shipped_policy_for",
    "train",
    "train_candidate_policy",
    "train_command",
]

_WHERE = {
    "CandidateNetwork": "candidate_network",
    "CandidatePolicy": "candidate_network",
    "CandidatePolicyOptimizer": "candidate_policy_optimizer",
    "CandidateTrainConfig": "candidate_training",
    "train_candidate_policy": "candidate_training",
    "EvalResult": "policy_optimizer",
    "TrainConfig": "train_settings",
    "TrainResult": "training",
    "add_train_arguments": "train_settings",
    "evaluate_policy": "policy_optimizer",
    "train": "training",
    "train_command": "training",
    "PortfolioThenPolicy": "portfolio_policy",
    "PerDimensionPolicy": "network",
    "TuningNetwork": "network",
    "Policy": "policy_file",
    "default_policy_path": "policy_file",
    "load_policy": "policy_file",
    "save_policy": "policy_file",
    "shipped_policy_for": "policy_file",
    "PolicyOptimizer": "policy_optimizer",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
