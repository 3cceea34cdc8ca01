"""Every example runs: the scripts in examples/ (with tiny budgets) and the Python blocks of README.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each script of examples/ with the arguments that make it quick.
EXAMPLES = {
    "tune_your_model.py": ["--budget", "7"],
    "parallel_workers.py": ["--budget", "8", "--workers", "2"],
    "optuna_sampler.py": ["--n-trials", "7"],
    "sklearn_search.py": ["--n-iter", "3"],
    "train_policy.py": ["--timesteps", "256", "--tasks", "1"],
    "head_to_head.py": ["--seeds", "1", "--budget", "8", "--tasks", "1"],
}


def test_every_example_script_is_tested_and_listed() -> None:
    scripts = {p.name for p in (ROOT / "examples").glob("*.py")}
    assert scripts == set(EXAMPLES)
    listing = (ROOT / "examples" / "README.md").read_text()
    assert all(f"({name})" in listing for name in scripts)
    assert "examples/README.md" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_script_runs(name: str, tmp_path: Path) -> None:
    args = list(EXAMPLES[name])
    if "--out" in (ROOT / "examples" / name).read_text():
        args += ["--out", str(tmp_path / "out")]
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip()


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_has_python_examples() -> None:
    assert len(python_blocks()) >= 3


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rl_hpo import optimizer
    from rl_hpo.tasks import registry

    monkeypatch.chdir(tmp_path)
    # A block may register a method or a task family (under its module, "readme", which other tests cannot import).
    monkeypatch.setattr(optimizer, "_REGISTRY", dict(optimizer._REGISTRY))
    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    exec(compile(python_blocks()[index], f"README.md python block {index}", "exec"), {"__name__": "readme"})


def test_the_readme_says_how_to_use_the_cli_outside_make() -> None:
    readme = (ROOT / "README.md").read_text()
    outside = readme.split("Outside `make`", 1)[1].split("```", 2)[1]
    assert "source .venv/bin/activate" in outside and "export RL_HPO_YAHPO_DATA=" in outside
    assert "rl-hpo tune --task yahpo/" in outside


def test_the_readme_s_own_suite_plugin_runs_in_a_bench(tmp_path: Path) -> None:
    block = next(b for b in python_blocks() if b.startswith("# my_suite.py"))
    (tmp_path / "my_suite.py").write_text(block)
    tiny = ["--methods", "random,ei", "--budget", "6", "--seeds", "1", "--workers", "1", "--tasks", "2,4"]
    commands = [
        ["bench", "--suite", "mine/rosenbrock", "--out", "out", *tiny],
        ["tune", "--task", "mine/rosenbrock/2", "--method", "ei", "--budget", "7", "--json"],
        ["tasks"],
    ]
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "rl_hpo.cli", *command, "--plugins", "my_suite"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        written = (tmp_path / "out" / "report.md").read_text() if command[0] == "bench" else done.stdout
        assert "mine/rosenbrock" in written
    assert "| ei |" in (tmp_path / "out" / "report.md").read_text()
