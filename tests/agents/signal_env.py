"""A one-step environment that reports, in its reset info, whether its process ignores Ctrl-C (SIGINT)."""

from __future__ import annotations

import signal
from typing import Any

import gymnasium
import numpy as np


class SignalEnv(gymnasium.Env):
    observation_space = gymnasium.spaces.Box(0.0, 1.0, (1,), dtype=np.float32)
    action_space = gymnasium.spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: Any = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        return np.zeros(1, dtype=np.float32), {"ignores_sigint": signal.getsignal(signal.SIGINT) == signal.SIG_IGN}

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        return np.zeros(1, dtype=np.float32), 0.0, True, False, {}
