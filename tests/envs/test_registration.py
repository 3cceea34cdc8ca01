"""`import rl_hpo` registers the Gymnasium environments cheaply: no torch, no environment module."""

from __future__ import annotations

import subprocess
import sys


def test_import_rl_hpo_registers_both_environments_without_importing_torch() -> None:
    code = (
        "import sys, gymnasium, rl_hpo\n"
        "ids = sorted(k for k in gymnasium.registry if k.startswith('rl_hpo/'))\n"
        "assert ids == ['rl_hpo/CandidateTuning-v0', 'rl_hpo/Tuning-v0'], ids\n"
        "assert 'torch' not in sys.modules and 'rl_hpo.envs' not in sys.modules\n"
        "env = gymnasium.make('rl_hpo/Tuning-v0', budget=5)\n"
        "obs, _ = env.reset(seed=0)\n"
        "assert env.observation_space.contains(obs)\n"
        "assert 'torch' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
