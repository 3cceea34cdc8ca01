"""Gymnasium ids of the tuning environments, registered by ``import rl_hpo`` without importing them.

Registration stores entry-point strings only, so it costs the import of gymnasium and never imports torch or
the environments' modules; ``gymnasium.make`` imports the environment when it is first made::

    import gymnasium
    import rl_hpo

    env = gymnasium.make("rl_hpo/Tuning-v0", budget=50)

Keyword arguments of ``gymnasium.make`` go to the environment's constructor (``rl_hpo.envs.TuningEnv`` and
``rl_hpo.envs.CandidateTuningEnv`` document them): ``task_sampler`` (a suite such as ``"synthetic/mixed"``, a
task name, a ``Task`` or a list of these), ``split``, ``budget`` and each design's own options. The seed is
gymnasium's: ``env.reset(seed=0)``.
"""

from __future__ import annotations

import gymnasium

__all__ = ["CANDIDATE_ENV_ID", "ENV_ID", "register_environments"]

#: Per-dimension moves from the incumbent (``TuningEnv``), on ``synthetic/mixed`` train tasks by default.
ENV_ID = "rl_hpo/Tuning-v0"
#: A choice among candidate moves (``CandidateTuningEnv``), on ``prior/gp`` train tasks by default.
CANDIDATE_ENV_ID = "rl_hpo/CandidateTuning-v0"


def register_environments() -> None:
    """Register both ids with gymnasium (once; a second call changes nothing)."""
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(
            id=ENV_ID,
            entry_point="rl_hpo.envs.tuning_env:TuningEnv",
            kwargs={"task_sampler": "synthetic/mixed", "split": "train"},
        )
    if CANDIDATE_ENV_ID not in gymnasium.registry:
        gymnasium.register(
            id=CANDIDATE_ENV_ID,
            entry_point="rl_hpo.envs.candidate_env:CandidateTuningEnv",
            kwargs={"task_sampler": "prior/gp", "split": "train"},
        )
