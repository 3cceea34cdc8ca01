"""The packages whose exports are imported on first use: every name resolves, and light modules stay light."""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import subprocess
import sys
import types

import pytest


@pytest.mark.parametrize(
    "package",
    ["rl_hpo.agents", "rl_hpo.baselines", "rl_hpo.bench", "rl_hpo.envs", "rl_hpo.integrations", "rl_hpo.tasks"],
)
def test_every_exported_name_resolves_from_its_module(package):
    module = importlib.import_module(package)
    assert set(module._WHERE) <= set(module.__all__) and dir(module) == sorted(module.__all__)
    for submodule in pkgutil.iter_modules(module.__path__):  # every submodule imported, as some caller will have
        with contextlib.suppress(ImportError):  # an optional dependency missing
            importlib.import_module(f"{package}.{submodule.name}")
    for name in module.__all__:
        value = getattr(module, name)
        assert not isinstance(value, types.ModuleType), name  # a submodule of the same name shadows no export
        if name in module._WHERE:
            assert getattr(importlib.import_module(f"{package}.{module._WHERE[name]}"), name) is value
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        module.nope  # noqa: B018


def test_a_trained_policy_does_not_import_the_report_modules():
    code = (
        "import sys, rl_hpo\n"
        "from rl_hpo.agents.policy_optimizer import PolicyOptimizer\n"
        "import rl_hpo.bench.evaluation\n"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'rl_hpo.bench.metrics') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_random_search_does_not_import_scipy_or_optuna():
    code = (
        "import sys, rl_hpo\n"
        "rl_hpo.make_optimizer('random', rl_hpo.SearchSpace({'x': rl_hpo.Float(0.0, 1.0)}), seed=0).ask()\n"
        "print(sorted(m for m in ('scipy.linalg', 'optuna') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
