"""Every kept script of scripts/ and benchmarks/ runs: a tiny run each (the long studies stay out of CI).

The tests of scripts/build_portfolios.py, scripts/check_specialists.py, scripts/estimate_yahpo_bounds.py and
benchmarks/decision_overhead.py live beside the code they exercise; experiments/ is not run (its README).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDS_YAHPO = pytest.mark.skipif(
    not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)"
)


def _run(script: str, *args: str, timeout: int = 600) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, str(ROOT / script), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_script_is_smoke_tested_somewhere() -> None:
    tested = (ROOT / "tests").rglob("*.py")
    text = "\n".join(p.read_text() for p in tested)
    for path in [*ROOT.glob("scripts/*.py"), *ROOT.glob("benchmarks/**/*.py")]:
        assert path.name in text or path.stem in text, f"{path.relative_to(ROOT)} has no test"


def test_demo_prints_its_table() -> None:
    out = _run(
        "scripts/demo.py", "--task", "synthetic/branin/80", "--budget", "4", "--seeds", "1", "--methods", "random,tpe"
    )
    assert "best score (mean ± sd)   regret" in out and "\nrandom " in out and "\ntpe " in out


def test_the_unseen_spaces_summary_reads_the_recorded_studies() -> None:
    out = _run("benchmarks/unseen_spaces/summarize.py")
    assert out.startswith("| method |") and "ppo / gp regret at 50" in out


def test_train_default_policy_selects_among_the_policies_of_a_run(tmp_path: Path) -> None:
    from rl_hpo.agents.candidate_training import CandidateTrainConfig, train_candidate_policy

    out = tmp_path / "run"
    config = CandidateTrainConfig(
        out=str(out), timesteps=128, n_envs=2, vec_env="dummy", n_steps=64, batch_size=64, eval_freq=0,
        progress=False, torch_threads=1,
    )  # fmt: skip
    train_candidate_policy(config)
    stdout = _run(
        "scripts/train_default_policy.py", "--out", str(out), "--skip-train", "--no-install",
        "--select-seeds", "1", "--select-max-tasks", "1", "--select-budget", "12",
    )  # fmt: skip
    assert "selected: " in stdout


def test_train_specialist_policy_cross_validates_on_a_few_datasets(tmp_path: Path) -> None:
    stdout = _run(
        "scripts/train_specialist_policy.py", "--suite", "synthetic/branin", "--out", str(tmp_path / "s"),
        "--timesteps", "128", "--folds", "2", "--seeds", "1", "--max-datasets", "4", "--no-install",
    )  # fmt: skip
    assert "cross-validated regret: specialist" in stdout


@NEEDS_YAHPO
def test_env_throughput_measures_every_setting() -> None:
    out = _run("benchmarks/env_throughput.py", "--steps", "64", "--repeats", "1", "--n-envs", "2")
    assert "single" in out and "vec-2" in out


@NEEDS_YAHPO
def test_yahpo_throughput_measures_batches_and_single_calls() -> None:
    out = _run("benchmarks/yahpo_throughput.py", "--seconds", "0.05")
    assert "single evaluate(config)" in out


@pytest.mark.slow
@NEEDS_YAHPO
def test_a_recorded_study_reproduces_exactly_at_its_commit() -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "reproduce.sh"), "benchmarks/known_spaces/yahpo_lcbench", "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "reproduced: benchmarks/known_spaces/yahpo_lcbench/summary.csv" in done.stdout


@pytest.mark.slow
@NEEDS_YAHPO
def test_the_current_code_still_gives_a_published_table() -> None:
    """A change that moves a method's numbers fails here until the study is recorded again."""
    study = "benchmarks/unseen_spaces/yahpo_iaml_glmnet"
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "reproduce.sh"), "--here", study, "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"reproduced: {study}/summary.csv at this checkout" in done.stdout


def test_compare_search_settings_prints_and_writes_each_variant(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    stdout = _run(
        "scripts/compare_search_settings.py", "--variant", "edges=reflect", "--variant", "edges=clip,n_initial=3",
        "--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1", "--budget", "8", "--out", str(out),
    )  # fmt: skip
    assert "synthetic/mixed ei edges=reflect:" in stdout and "synthetic/mixed ppo edges=clip,n_initial=3:" in stdout
    curves = json.loads(out.read_text())["curves"]["synthetic/mixed"]
    assert set(curves) == {"random", "ei edges=reflect", "ei edges=clip,n_initial=3", "ppo edges=reflect",
                           "ppo edges=clip,n_initial=3"}  # fmt: skip
    assert all(len(c) == 8 for c in curves.values())


def test_the_training_reward_study_trains_both_rewards_and_prints_its_table(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        # The script calls `python` and `rl-hpo`: those of this interpreter's environment, as when it is active.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "TIMESTEPS": "64", "SEEDS": "1", "SUITES": "synthetic/mixed",
        "TRAIN_ARGS": "--n-envs 2 --vec-env dummy --n-steps 32 --batch-size 32 --eval-freq 64 --eval-seeds 1 "
        "--eval-max-tasks 1",
        "BENCH_ARGS": "--budget 8 --tasks synthetic/mixed/64 --workers 1",
        "OUT": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record"),
    }  # fmt: skip
    done = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "training_reward" / "run.sh")], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout.splitlines()
    assert table[0] == "| policy | synthetic_mixed |"
    assert [line.split(" | ")[0] for line in table[2:5]] == ["| ei", "| area", "| improvement"]
    assert "improvement: prior/gp validation score" in done.stdout
    config = json.loads((tmp_path / "record" / "improvement" / "config.json").read_text())
    assert (config["reward"], config["gamma"]) == ("improvement", 1.0)
