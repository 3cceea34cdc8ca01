"""Every kept script of scripts/ and benchmarks/ runs: a tiny run each (the long studies stay out of CI).

The tests of scripts/build_portfolios.py and scripts/check_specialists.py live beside the code they exercise;
scripts/setup_env.sh and scripts/run_tests.sh are the setup and test commands themselves (``make setup``,
``make test``, CI); experiments/ is not run (its README).
"""

from __future__ import annotations

import dataclasses
import importlib
import itertools
import json
import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NEEDS_YAHPO = pytest.mark.skipif(
    not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)"
)


def _run(
    script: str,
    *args: str,
    timeout: int = 600,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
    status: int | None = 0,
    with_stderr: bool = False,
) -> str:
    """Run a Python or shell script of the repository from its root, as a user with the environment active
    would (this interpreter's environment first on PATH: shell scripts call ``python`` and ``rl-hpo``), with
    ``env`` added and the variables ``unset`` removed; it must exit with ``status`` (None: any). Returns its
    output (and, ``with_stderr``, its error output after it)."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in unset},
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        **(env or {}),
    }
    command = ["bash"] if script.endswith(".sh") else [sys.executable]
    done = subprocess.run(
        [*command, str(ROOT / script), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert status is None or done.returncode == status, done.stderr[-3000:]
    return done.stdout + (done.stderr if with_stderr else "")


def _import_from(script: str, *names: str) -> tuple[Any, ...]:
    """The named objects of a repository script, imported with its folder first on ``sys.path``."""
    path = ROOT / script
    sys.path.insert(0, str(path.parent))
    try:
        module = importlib.import_module(path.stem)
    finally:
        sys.path.pop(0)
    return tuple(getattr(module, name) for name in names)


#: Scripts that are not run by a test of their own (see the module docstring).
NOT_SMOKE_TESTED = {"scripts/setup_env.sh", "scripts/run_tests.sh"}


def test_every_script_is_smoke_tested_somewhere() -> None:
    """Each script is run by a test: its quoted path is given to ``_run`` here, or a test imports its ``main``
    (a test that only mentions its name does not count)."""
    text = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("*.py"))
    scripts = [*ROOT.glob("scripts/*.py"), *ROOT.glob("scripts/*.sh"), *ROOT.glob("benchmarks/**/*.py")]
    for path in [*scripts, *ROOT.glob("benchmarks/**/*.sh")]:
        name = str(path.relative_to(ROOT))
        if name in NOT_SMOKE_TESTED:
            continue
        module = name.removesuffix(".py").replace("/", ".")
        assert f'"{name}"' in text or f"from {module} import main" in text, f"{name} has no test that runs it"


def test_demo_prints_its_table() -> None:
    out = _run(
        "scripts/demo.py", "--task", "synthetic/branin/80", "--budget", "4", "--seeds", "1", "--methods", "random,tpe"
    )
    assert "best score (mean ± sd)   regret" in out and "\nrandom " in out and "\ntpe " in out


def test_the_demo_s_own_task_is_a_model_no_shipped_policy_trained_on() -> None:
    from rl_hpo.tasks.registry import load_suite, load_task

    (sgd_digits,) = _import_from("scripts/demo.py", "sgd_digits")
    task = sgd_digits()
    assert task.space.dim == 6 and 0.5 < task.evaluate(task.space.sample(seed=0)).score <= 1.0
    # The shipped default trained on sklearn/all's train split: the demo's model is none of its pipelines.
    trained = {load_task(name).space.fingerprint() for name in load_suite("sklearn/all").task_names("train")}
    assert task.space.fingerprint() not in trained


def test_the_unseen_spaces_table_in_the_readme_is_the_recorded_one() -> None:
    out = _run("benchmarks/unseen_spaces/summarize.py")
    assert out.startswith("| method |") and "ppo / gp regret at 50" in out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 6 and all(row in (ROOT / "README.md").read_text() for row in rows)


def test_the_long_budgets_table_and_rule_are_the_recorded_ones() -> None:
    out = _run("benchmarks/long_budgets/summarize.py")
    assert out == (ROOT / "benchmarks/long_budgets/summarize.txt").read_text()
    table = out.split("\n\n")[0]
    assert table in (ROOT / "benchmarks/long_budgets/README.md").read_text()
    assert out.rstrip().endswith("ppo keeps sampling its candidate (greedy_after=None)")


def test_the_long_budgets_rule_reads_the_train_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy

    # Two tasks, two seeds, 100 evaluations each: ppo_greedy50 lower on both (regret 0.1 against 0.2).
    rows = []
    for folder in ("synthetic_mixed_train", "yahpo_rbv2_xgboost_train", "yahpo_lcbench_train", "prior_gp_train"):
        for method, regret in (("ppo", 0.2), ("ppo_greedy50", 0.1)):
            for task, seed, trial in itertools.product(("a", "b"), (0, 1), range(100)):
                rows.append((folder, method, f"{folder}/{task}", seed, trial, trial + 1.0, regret))
    trials = pd.DataFrame(rows, columns=["folder", "method", "task", "seed", "trial", "budget_used", "regret"])
    for folder, part in trials.groupby("folder"):
        (tmp_path / folder).mkdir()
        part.drop(columns="folder").to_csv(tmp_path / folder / "trials.csv", index=False)
    module = runpy.run_path(str(ROOT / "benchmarks/long_budgets/rule.py"))
    monkeypatch.setitem(module["main"].__globals__, "HERE", tmp_path)
    monkeypatch.setattr(sys, "argv", ["rule.py", str(tmp_path)])
    module["main"]()
    text = (tmp_path / "rule.txt").read_text()
    assert "8 train tasks" in text and "pooled: ppo 0.2000, ppo_greedy50 0.1000" in text
    assert "lower on 8, higher on 0" in text and text.rstrip().endswith("greedy_after=50 becomes ppo's default")


def test_the_parallel_trials_table_in_the_readme_is_the_recorded_one() -> None:
    out = _run("benchmarks/parallel_trials/summarize.py")
    assert out == (ROOT / "benchmarks/parallel_trials/summarize.txt").read_text()
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 13 and all(row in (ROOT / "README.md").read_text() for row in rows)
    assert "pending='believe' stays the default" in out


def test_the_training_reward_summary_reads_the_recorded_study_and_checks_its_bounds(tmp_path: Path) -> None:
    import shutil

    out = _run("benchmarks/training_reward/summarize.py")
    assert out.startswith("| policy | synthetic_mixed | yahpo_lcbench | yahpo_rbv2_xgboost |")
    # rows of one column normalized with other bounds are refused, naming the task
    record = tmp_path / "record"
    shutil.copytree(ROOT / "benchmarks" / "training_reward", record)
    bounds_file = record / "area" / "yahpo_lcbench" / "bounds.json"
    bounds = json.loads(bounds_file.read_text())
    task = sorted(bounds)[0]
    bounds[task]["best"] += 0.5
    bounds_file.write_text(json.dumps(bounds))
    with pytest.raises(AssertionError, match=f"normalize {task} with different bounds"):
        _run("benchmarks/training_reward/summarize.py", str(record))


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
    keep = tmp_path / "not_a_policy"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    with pytest.raises(AssertionError, match="is not a policy folder"):
        _run(
            "scripts/train_default_policy.py", "--out", str(out), "--skip-train", "--install-to", str(keep),
            "--select-seeds", "1", "--select-max-tasks", "1", "--select-budget", "12",
        )  # fmt: skip
    assert (keep / "notes.txt").read_text() == "mine"


def test_default_policy_selection_scores_alike_in_worker_processes_and_can_keep_the_policy_it_is_against(
    tmp_path: Path,
) -> None:
    import shutil

    from rl_hpo.agents.policy_file import default_policy_path

    out = tmp_path / "run"  # a run whose final policy is the shipped default, selected against itself
    shutil.copytree(default_policy_path(), out / "final")
    started = "python scripts/train_default_policy.py --out run"
    resumed = f"{started} --resume"
    record = {"suites": ["synthetic/branin"], "command": started, "resumes": [{"at_step": 64, "command": resumed}]}
    (out / "config.json").write_text(json.dumps(record))
    (out / "eval.csv").write_text("timesteps,regret@10,regret@25,regret@50,score,shift,minutes\n")
    argv = ["scripts/train_default_policy.py", "--out", str(out), "--skip-train", "--select-seeds", "1",
            "--select-max-tasks", "1", "--select-budget", "8", "--against", str(default_policy_path())]  # fmt: skip
    alone = _run(*argv, "--no-install")
    side_by_side = _run(*argv, "--select-workers", "2", "--install-to", str(tmp_path / "kept"))
    scores = [line for line in alone.splitlines() if ": score " in line]
    assert len(scores) == 4 and scores == [line for line in side_by_side.splitlines() if ": score " in line]
    assert scores[0].replace(" final", "against") == scores[2]  # the same policy scores the same
    assert "selected: final" in side_by_side and "installed:" in side_by_side  # a tie goes to the run's own
    commands = json.loads((tmp_path / "kept" / "policy.json").read_text())["training"]["commands"]
    assert commands[:2] == [started, resumed] and "--skip-train" in commands[2]  # the training's, then selection's
    sampled = _run(*argv, "--no-install", "--variant", "sampled")
    assert [line for line in sampled.splitlines() if ": score " in line] == [scores[1], scores[3]]
    assert json.loads((out / "selection.json").read_text())["variant"] == "sampled"  # the last selection's record


def test_default_policy_selection_scores_scikit_learn_suites_on_their_tables(tmp_path: Path, monkeypatch) -> None:
    from rl_hpo.agents.policy_file import default_policy_path
    from rl_hpo.tasks.registry import load_suite

    (select,) = _import_from("scripts/train_default_policy.py", "select")
    module = sys.modules["train_default_policy"]
    small = load_suite("sklearn/svc", tabulated=True, n_configs=4, cache_dir=str(tmp_path))
    asked: list[bool] = []
    monkeypatch.setattr(
        module, "task_sources", lambda suites, sklearn_tabulated: asked.append(sklearn_tabulated) or [small]
    )
    chosen = select({"best": default_policy_path()}, suites=("sklearn/svc",), seeds=1, max_tasks=1, budget=6)
    assert asked == [True] and list(chosen["suites"]) == ["sklearn/svc"]  # a live task would have no score bounds
    assert [p.name.split("__")[1] for p in tmp_path.glob("sklearn/*.npz")] == ["diabetes"]  # its first validation task
    select(
        {"best": default_policy_path()},
        suites=("sklearn/svc",),
        seeds=1,
        max_tasks=1,
        budget=6,
        sklearn_tabulated=False,
    )
    assert asked == [True, False]


@pytest.mark.slow  # a recorded study's script, 35 to 60 s even at its tiniest
def test_table_time_builds_a_training_run_s_tables_into_an_empty_cache(tmp_path: Path) -> None:
    cache, script = tmp_path / "cache", "benchmarks/every_train_split/table_time.py"
    args = ["--suites", "prior/gp,sklearn/logistic_regression", "--eval-max-tasks", "0", "--workers", "2"]
    out = _run(script, *args, "--cache", str(cache))
    assert "3 tables of prior/gp, sklearn/logistic_regression built in " in out and "with 2 worker(s)" in out
    assert len(list(cache.glob("sklearn/*.npz"))) == 3  # the training split's: iris, wine, breast_cancer
    _run(script, *args, "--cache", str(cache), status=2)  # refused: tables found there would time nothing


def test_replace_within_installs_the_run_unless_it_scores_worse_than_the_policy_it_is_against_by_more() -> None:
    (within,) = _import_from("scripts/train_default_policy.py", "_within")

    def selection(best: float, final: float, against: float) -> dict:
        scores = zip(("best", "final", "against"), (best, final, against))
        return {
            "candidate": "against",
            "variant": "sampled",
            "table": {n: {"sampled": {"score": x}} for n, x in scores},
        }

    assert within(selection(0.2030, 0.2015, 0.2000), 0.01)["candidate"] == "final"  # 0.75% higher: replaced
    assert within(selection(0.2030, 0.2021, 0.2000), 0.01)["candidate"] == "against"  # 1.05% higher: kept
    assert within(selection(0.2030, 0.2021, 0.2000), 0.02)["candidate"] == "final"
    nothing = {"candidate": "against", "variant": "sampled", "table": {"against": {"sampled": {"score": 0.2}}}}
    assert within(nothing, 0.01) == nothing  # a run that left no policy keeps the one it is against


@NEEDS_YAHPO
def test_default_policy_selection_skips_a_training_suite_without_a_validation_split() -> None:
    from rl_hpo.agents.policy_file import default_policy_path

    (select,) = _import_from("scripts/train_default_policy.py", "select")
    chosen = select(
        {"best": default_policy_path()}, suites=("yahpo/iaml_glmnet", "synthetic/branin"), seeds=1, max_tasks=1,
        budget=12,
    )  # fmt: skip
    assert list(chosen["suites"]) == ["synthetic/branin"]  # iaml_glmnet has no validation split


@pytest.mark.parametrize(
    ("script", "policy"),
    [
        ("scripts/train_default_policy.py", "default"),
        ("scripts/train_default_policy.py", "prior_gp"),
        ("scripts/train_specialist_policy.py", "lcbench"),
        ("scripts/train_specialist_policy.py", "rbv2_xgboost"),
    ],
)
def test_each_shipped_policy_readme_is_written_from_its_metadata(tmp_path: Path, script: str, policy: str) -> None:
    import shutil

    from rl_hpo.agents.policy_file import default_policy_path

    shipped = default_policy_path().parent / policy
    shutil.copytree(shipped, tmp_path / policy)
    (tmp_path / policy / "README.md").unlink()
    _run(script, "--readme", str(tmp_path / policy))
    assert (tmp_path / policy / "README.md").read_text() == (shipped / "README.md").read_text()


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_train_specialist_policy_cross_validates_on_a_few_datasets(tmp_path: Path) -> None:
    stdout = _run(
        "scripts/train_specialist_policy.py", "--suite", "synthetic/branin", "--out", str(tmp_path / "s"),
        "--timesteps", "128", "--folds", "2", "--seeds", "1", "--max-datasets", "4", "--no-install",
    )  # fmt: skip
    assert "cross-validated regret: specialist" in stdout
    # Another seed into the same folder is refused: its finished runs are not this one's to reuse.
    again = [sys.executable, "scripts/train_specialist_policy.py", "--suite", "synthetic/branin", "--out"]
    again += [str(tmp_path / "s"), "--timesteps", "128", "--folds", "2", "--seeds", "1", "--max-datasets", "4"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([*again, "--no-install", "--seed", "3"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "holds a run with other settings (2 datasets, seed 0)" in done.stderr


@NEEDS_YAHPO
def test_env_throughput_measures_every_setting() -> None:
    out = _run("benchmarks/env_throughput.py", "--steps", "64", "--repeats", "1", "--n-envs", "2")
    assert "single" in out and "vec-2" in out


@NEEDS_YAHPO
def test_yahpo_throughput_measures_batches_and_single_calls() -> None:
    out = _run("benchmarks/yahpo_throughput.py", "--seconds", "0.05")
    assert "single evaluate(config)" in out


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_reproduce_goes_on_past_a_session_whose_cells_failed(tmp_path: Path) -> None:
    """A study whose first session failed on a method, which the second left out, as the README suggests."""
    study, plugins = tmp_path / "study", str(ROOT / "tests" / "bench")
    bench = ["bench", "--suite", "synthetic/branin", "--split", "validation", "--tasks", "64", "--budget", "3",
             "--seeds", "2", "--workers", "1", "--quiet", "--plugins", "bench_plugin", "--out", str(study)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), plugins, os.environ.get("PYTHONPATH", "")])}
    env.pop("RL_HPO_TEST_FIXED", None)  # the broken method fails on seed 1
    first = subprocess.run(
        [sys.executable, "-m", "rl_hpo.cli", *bench, "--methods", "random,broken"], cwd=ROOT, env=env
    )
    assert first.returncode == 1
    subprocess.run([sys.executable, "-m", "rl_hpo.cli", *bench, "--methods", "random"], cwd=ROOT, env=env, check=True)
    run = json.loads((study / "run.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    for session in run["sessions"]:
        session.update(git_commit=head, git_dirty=False)
    (study / "run.json").write_text(json.dumps(run))
    out = _run("benchmarks/reproduce.sh", "--here", str(study), "--workers", "1", env={"PYTHONPATH": env["PYTHONPATH"]})
    assert "note: that session ended with an error" in out and "reproduced:" in out


#: Sourced by every benchmark script (not run on its own): it answers their --help.
USAGE_SH = "benchmarks/usage.sh"


@pytest.mark.parametrize(
    "script", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks").rglob("*.sh") if p != ROOT / USAGE_SH)
)
def test_every_benchmark_script_shows_its_usage_on_help_and_runs_nothing(script: str, tmp_path: Path) -> None:
    if script.endswith("bench_study.sh"):
        pytest.skip("sourced by the study scripts, not run")
    env = {"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")}
    out = _run(script, "yahpo/lcbench", "--help", env=env, timeout=60)
    lines = (ROOT / script).read_text().splitlines()[1:]
    header = [
        line.removeprefix("#").removeprefix(" ")
        for line in lines[: next(i for i, x in enumerate(lines) if not x.startswith("#"))]
    ]
    assert out.splitlines() == header and not any(tmp_path.iterdir())


def _study_of_this_machine(tmp_path: Path) -> Path:
    """A tiny study recorded here, its run.json marked as of one clean commit (this checkout's HEAD)."""
    study = tmp_path / "study"
    bench = ["bench", "--suite", "synthetic/branin", "--split", "validation", "--tasks", "64", "--methods", "random",
             "--budget", "5", "--seeds", "1", "--workers", "1", "--out", str(study)]  # fmt: skip
    subprocess.run([sys.executable, "-m", "rl_hpo.cli", *bench], cwd=ROOT, check=True, capture_output=True)
    run = json.loads((study / "run.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    run["sessions"][0].update(git_commit=head, git_dirty=False, command=shlex.join(["rl-hpo", *bench]))
    (study / "run.json").write_text(json.dumps(run))
    return study


def test_reproduce_pins_the_cpu_kernels_a_study_records(tmp_path: Path) -> None:
    study = _study_of_this_machine(tmp_path)
    kernels = json.loads((study / "run.json").read_text())["sessions"][0]["cpu_kernels"]
    assert kernels["blas"] and kernels["torch"]
    out = _run("benchmarks/reproduce.sh", "--here", str(study), "--workers", "1",
               unset=("OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY"))  # fmt: skip
    pinned = f"OPENBLAS_CORETYPE={kernels['blas'][0].split()[-1]} ATEN_CPU_CAPABILITY={kernels['torch'].lower()}"
    assert f"pinning the study's CPU kernels: {pinned}" in out and "reproduced:" in out


def test_reproduce_replays_a_study_session_by_session(tmp_path: Path) -> None:
    """A study built up over sessions (a method and a seed added) is replayed as it was made, and python -m
    rl_hpo.cli records its command as rl-hpo's, which reproduce.sh replays."""
    study = tmp_path / "study"
    bench = ["bench", "--suite", "synthetic/branin", "--split", "validation", "--tasks", "64", "--budget", "5",
             "--workers", "1", "--quiet", "--out", str(study)]  # fmt: skip
    for methods, seeds in (("random", "1"), ("random,qmc", "2")):
        argv = [sys.executable, "-m", "rl_hpo.cli", *bench, "--methods", methods, "--seeds", seeds]
        subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)
    run = json.loads((study / "run.json").read_text())
    assert [s["command"] for s in run["sessions"]] == [
        shlex.join(["rl-hpo", *bench, "--methods", methods, "--seeds", seeds])
        for methods, seeds in (("random", "1"), ("random,qmc", "2"))
    ]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    for session in run["sessions"]:
        session.update(git_commit=head, git_dirty=False)
    (study / "run.json").write_text(json.dumps(run))
    out = _run("benchmarks/reproduce.sh", "--here", str(study), "--workers", "1")
    assert out.count("session: rl-hpo bench") == 2 and "reproduced:" in out


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_reproduce_here_runs_the_policy_a_study_recorded_where_its_folder_now_holds_another(tmp_path: Path) -> None:
    """The shipped default is retrained from time to time: a study that ran it from its folder is replayed with the
    shipped folder that holds the policy it recorded (by sha256), and refused where none does."""
    study = tmp_path / "study"
    bench = ["bench", "--suite", "synthetic/branin", "--split", "validation", "--tasks", "64", "--methods", "ppo",
             "--budget", "7", "--seeds", "1", "--workers", "1", "--quiet", "--out", str(study)]  # fmt: skip
    shipped = "rl_hpo/data/policies/prior_gp"
    subprocess.run([sys.executable, "-m", "rl_hpo.cli", *bench, "--policy", shipped], cwd=ROOT, check=True)
    run = json.loads((study / "run.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    recorded = shlex.join(["rl-hpo", *bench, "--policy", "rl_hpo/data/policies/default"])  # as if it held prior_gp
    run["sessions"][0].update(git_commit=head, git_dirty=False, command=recorded)
    (study / "run.json").write_text(json.dumps(run))
    out = _run("benchmarks/reproduce.sh", "--here", str(study), "--workers", "1", with_stderr=True)
    assert f"the study's is {shipped}, which runs instead" in out and "reproduced:" in out
    summary = (study / "summary.csv").read_text()
    (study / "summary.csv").write_text(summary.replace("\nppo,7,0.", "\nppo,7,1."))  # a recorded number not reproduced
    out = _run("benchmarks/reproduce.sh", "--here", str(study), "--workers", "1", status=1, with_stderr=True)
    assert "differs: " in out and "(the rows of: ppo)" in out
    run["settings"]["policy_hashes"]["ppo"] = "0" * 64  # a policy no longer shipped
    (study / "run.json").write_text(json.dumps(run))
    with pytest.raises(AssertionError, match="no one shipped folder holds it; reproduce the study at its commit"):
        _run("benchmarks/reproduce.sh", "--here", str(study), "--workers", "1")


#: The CPU kernels of the machine that recorded the studies of benchmarks/known_spaces/ (their run.json
#: predates cpu_kernels); with others a run's floating point, and so the runs, can differ.
_KNOWN_SPACES_KERNELS = {"OPENBLAS_CORETYPE": "SkylakeX"}


@pytest.mark.slow
@NEEDS_YAHPO
def test_a_recorded_study_reproduces_exactly_at_its_commit() -> None:
    if "avx512f" not in Path("/proc/cpuinfo").read_text():
        pytest.skip("the study's kernels need AVX-512")
    stdout = _run("benchmarks/reproduce.sh", "benchmarks/known_spaces/yahpo_lcbench", "--workers", "2", timeout=1200,
                  env=_KNOWN_SPACES_KERNELS)  # fmt: skip
    assert "reproduced: benchmarks/known_spaces/yahpo_lcbench/summary.csv" in stdout


@pytest.mark.slow
@NEEDS_YAHPO
def test_the_current_code_still_gives_a_published_table() -> None:
    """A change that moves a method's numbers fails here until the study is recorded again."""
    study = "benchmarks/unseen_spaces/yahpo_iaml_glmnet"
    argv = ["--here", study, "--workers", "2"]
    if "avx512f" not in Path("/proc/cpuinfo").read_text():  # other kernels move every method's round-off
        pytest.skip("the study's kernels need AVX-512")
    out = _run("benchmarks/reproduce.sh", *argv, timeout=1500, status=None, with_stderr=True)
    if "(the rows of: gp)" in out:
        pytest.xfail("only Optuna's GP differs: torch's MKL, under it, picks its code by CPU (benchmarks/README.md)")
    assert f"reproduced: {study}/summary.csv at this checkout" in out


def _tiny_training_study(tmp_path: Path, *, suites: str, tasks: str) -> dict[str, str]:
    """The environment of a tiny run of a study script that trains, then benches (64 steps, budget 8)."""
    return {
        "SUITES": suites, "TIMESTEPS": "64", "SEEDS": "1",
        "TRAIN_ARGS": "--n-envs 2 --vec-env dummy --n-steps 32 --batch-size 32 --eval-freq 64 --eval-seeds 1 "
        "--eval-max-tasks 1",
        "BENCH_ARGS": f"--budget 8 --tasks {tasks} --workers 1",
        "OUT": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record"),
    }  # fmt: skip


def test_the_what_ppo_adds_summary_reads_the_recorded_studies() -> None:
    out = _run("benchmarks/what_ppo_adds/summarize.py")
    studies = list((ROOT / "benchmarks" / "what_ppo_adds").glob("*/summary.csv"))
    assert out.startswith("| study | ppo | ei_sampled | ei |") and len(studies) >= 1
    assert all(f"| {s.parent.name} |" in out for s in studies)


def test_policy_shift_is_zero_for_an_untrained_policy_and_not_for_a_moved_one(tmp_path: Path) -> None:
    import torch

    from rl_hpo.agents.candidate_network import CandidateNetwork
    from rl_hpo.agents.policy_file import Policy

    def shift(moved: bool) -> list[str]:
        net = CandidateNetwork(hidden=8)
        with torch.no_grad():
            net.logit.weight.zero_()
            net.logit.bias.zero_()
            if moved:
                net.log_ei_weight.mul_(0.5)  # EI ** 2.5 instead of EI ** 5
        meta = {"defaults": {"n_initial": 3, "horizon": 12, "deterministic": False}}
        folder = Policy(net, meta).save(tmp_path / f"policy_{moved}")
        out = _run("benchmarks/what_ppo_adds/policy_shift.py", "--policy", str(folder), "--suites", "prior/gp",
                   "--max-tasks", "1", "--seeds", "1", "--budget", "12")  # fmt: skip
        return out.splitlines()[-1].strip("| ").split(" | ")

    suite, decisions, mean, largest, same, std, gap = shift(moved=False)
    assert (suite, decisions, mean, largest, same) == ("prior/gp", "9", "0.0000", "0.0000", "1.000")
    assert std.split(" / ")[0] == std.split(" / ")[1] and gap.split(" / ")[0] == gap.split(" / ")[1]
    moved = shift(moved=True)
    assert float(moved[2]) > 0.01
    policy_std, start_std = map(float, moved[5].split(" / "))
    assert policy_std != start_std  # a flatter EI weight draws other candidates


def test_gradient_noise_compares_the_gradients_of_disjoint_rollouts(tmp_path: Path) -> None:
    out = _run("benchmarks/what_ppo_adds/gradient_noise.py", "--rollouts", "4", "--n-envs", "2", "--n-steps", "16",
               "--vec-env", "dummy", "--out", str(tmp_path / "run"))  # fmt: skip
    assert "prior/gp: 4 rollouts of 32 steps, learning rate 0.0001" in out
    rows = [
        line.strip("| ").split(" | ")
        for line in out.splitlines()
        if line.startswith("| 32 |") or line.startswith("| 64 |")
    ]
    assert [r[:2] for r in rows] == [["32", "2"], ["64", "1"]]
    assert all(-1.0 <= float(r[2]) <= 1.0 for r in rows)


def test_gradient_signal_reports_the_critical_batch_of_each_parameterization() -> None:
    out = _run("benchmarks/what_ppo_adds/gradient_signal.py", "--episodes", "6", "--workers", "1", "--no-progress")
    assert "prior/gp: 6 episodes of 45 steps, reward baseline none" in out
    rows = {line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ") for line in out.splitlines()
            if line.startswith("| ") and not line.startswith("| parameterization")}  # fmt: skip
    assert [rows[name][1] for name in rows] == ["1", "14", "98", "4866"]
    for row in rows.values():
        noise, low, cosine = float(row[3]), float(row[5]), float(row[6])
        assert noise > 0 and low > 0 and 0.0 < cosine <= 1.0


@pytest.mark.slow  # a recorded study's script, 35 to 60 s even at its tiniest
def test_hindsight_learning_reports_every_rule_on_every_suite() -> None:
    out = _run("benchmarks/what_ppo_adds/hindsight_learning.py", "--suites", "prior/gp,synthetic/mixed",
               "--episodes", "10", "--validation-episodes", "2", "--epochs", "1", "--workers", "1")  # fmt: skip
    rows = [line.strip("| ").split(" | ") for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert [r[:2] for r in rows[1:]] == [[s, r] for s in ("prior/gp", "synthetic/mixed") for r in ("network", "linear")]
    for row in rows[1:]:
        hindsight = float(row[2])
        assert hindsight >= 1.0 and 0.0 < float(row[3]) <= hindsight and float(row[7]) > 0
        for rule in row[4:7]:  # most likely / sampled, never above the best candidate in hindsight
            assert all(0.0 <= float(v) <= hindsight for v in rule.split(" / "))


@pytest.mark.slow  # a recorded study's script, 35 to 60 s even at its tiniest
def test_hindsight_runs_record_whole_runs_of_the_rules_beside_ei(tmp_path: Path) -> None:
    env = {"SUITES": "prior/gp,synthetic/mixed", "OUT": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record"),
           "HINDSIGHT_ARGS": "--episodes 10 --validation-episodes 2 --epochs 1 --workers 1"}  # fmt: skip
    out = _run(
        "benchmarks/what_ppo_adds/hindsight_runs.sh", "--max-tasks", "1", "--seeds", "1", "--budget", "10", env=env
    )
    rows = [line.strip("| ").split(" | ") for line in out.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0] == ["validation suite", "ei", "ei_sampled", "rule without its space", "rule of its own space"]
    assert [r[0] for r in rows[1:]] == ["prior/gp", "synthetic/mixed"]
    assert all(0.0 <= float(v.strip("*")) <= 1.0 for r in rows[1:] for v in r[1:])
    policy = json.loads((tmp_path / "runs/rules/without-synthetic_mixed/policy.json").read_text())
    assert policy["training"]["suites"] == ["prior/gp"] and policy["architecture"]["name"] == "candidate"
    assert (tmp_path / "record/own-prior_gp.json").is_file()


def test_the_hindsight_runs_table_in_the_readme_is_the_recorded_one() -> None:
    out = _run("benchmarks/what_ppo_adds/hindsight_runs_summary.py")
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(rows) == 5 and all(row in (ROOT / "benchmarks/what_ppo_adds/README.md").read_text() for row in rows)


def test_a_hindsight_rule_learns_a_gain_that_expected_improvement_misses() -> None:
    fit_rule, mean_gain, reference_gains = _import_from(
        "benchmarks/what_ppo_adds/hindsight_learning.py", "fit_rule", "mean_gain", "reference_gains"
    )
    from rl_hpo.acquisition.search import CANDIDATE_FEATURES, N_FEATURES

    rng = np.random.default_rng(0)
    rows = rng.uniform(-1, 1, (2000, 16, N_FEATURES))
    rows[..., CANDIDATE_FEATURES.index("log_ei_relative")] *= 0.05  # EI of the same order for all
    cue = rows[..., CANDIDATE_FEATURES.index("dist_nearest")]  # gains follow this feature, not EI
    states = {"rows": rows.astype(np.float16), "gains": np.maximum(cue, 0).astype(np.float32) ** 2,
              "episode": np.arange(2000) // 40}  # fmt: skip
    reference = reference_gains(states)
    for rule in ("network", "linear"):
        sampled, greedy = mean_gain(fit_rule(states, epochs=10, seed=0, rule=rule), states)
        assert greedy > 1.5 * reference["ei"] and sampled > 1.5 * reference["ei_sampled"]
        assert greedy <= reference["hindsight"] + 1e-6


def _tiny_measured_training(tmp_path: Path, measure_args: str) -> dict[str, str]:
    """The environment of a tiny run of a study script that trains, then compares with EI and measures the
    shift (64 steps, budget 8)."""
    return {
        "TIMESTEPS": "64", "OUT": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record"),
        "TRAIN_ARGS": "--n-envs 2 --vec-env dummy --n-steps 32 --batch-size 32 --eval-freq 64 --eval-seeds 1 "
        "--eval-max-tasks 1",
        "COMPARE_ARGS": measure_args, "SHIFT_ARGS": measure_args,
    }  # fmt: skip


@pytest.mark.slow  # a recorded study's script, 35 to 60 s even at its tiniest
def test_the_learning_rate_study_records_a_tiny_run(tmp_path: Path) -> None:
    env = _tiny_measured_training(tmp_path, "--suites prior/gp --max-tasks 1 --seeds 1 --budget 8")
    out = _run("benchmarks/learning_rate/run.sh", "0.01", env=env)
    assert "prior/gp ei_sampled deterministic=false:" in out and "| prior/gp | 3 |" in out
    files = {p.name for p in (tmp_path / "record" / "lr0.01").iterdir()}
    assert files == {"config.json", "eval.csv", "validation.txt", "shift.txt"}
    env.update(SEEDS="1", BUDGET="8", BENCH_ARGS="--tasks 5000 --workers 1")
    _run("benchmarks/learning_rate/bench_prior.sh", "0.01", env=env)
    run = json.loads((tmp_path / "record" / "prior_gp_validation_lr0.01" / "run.json").read_text())
    assert run["settings"]["methods"] == ["ppo", "ei_sampled", "ei"] and run["settings"]["split"] == "validation"
    sampled = json.loads((tmp_path / "runs" / "lr0.01" / "policy" / "final_sampled" / "policy.json").read_text())
    assert sampled["defaults"]["deterministic"] is False


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_the_space_specialists_study_trains_and_measures_on_one_suite(tmp_path: Path) -> None:
    env = _tiny_measured_training(tmp_path, "--max-tasks 1 --seeds 1 --budget 8")
    out = _run("benchmarks/space_specialists/run.sh", "synthetic/branin", "0.01", env=env)
    assert "synthetic/branin ppo deterministic=false:" in out and "| synthetic/branin | 3 |" in out
    assert "prior/gp" not in out
    files = {p.name for p in (tmp_path / "record" / "synthetic_branin_lr0.01").iterdir()}
    assert files == {"config.json", "eval.csv", "progress.csv", "validation.txt", "shift.txt"}
    assert json.loads((tmp_path / "record" / "synthetic_branin_lr0.01" / "config.json").read_text())["suites"] == [
        "synthetic/branin"
    ]


def test_the_leave_one_out_summary_reads_the_recorded_studies() -> None:
    out = _run("benchmarks/leave_one_out/summarize.py")
    assert "yahpo_rbv2_xgboost (validation), the policy trained on prior/gp, synthetic/mixed" in out
    studies = list((ROOT / "benchmarks" / "leave_one_out").glob("*/run.json"))
    assert len(studies) >= 2 and out.count("| default (prior/gp only) |") == len(studies)


@pytest.mark.slow  # a recorded study's script, 35 to 60 s even at its tiniest
def test_the_leave_one_out_study_trains_without_the_held_out_suite_and_measures_on_it(tmp_path: Path) -> None:
    env = _tiny_training_study(tmp_path, suites="synthetic/mixed,synthetic/branin", tasks="64")
    env["SELECT_ARGS"] = "--select-seeds 1 --select-max-tasks 1 --select-budget 8"
    stdout = _run("benchmarks/leave_one_out/run.sh", "synthetic/branin", env=env)
    assert "synthetic_branin (validation), the policy trained on synthetic/mixed:" in stdout
    assert "| left out (" in stdout and "| ei_sampled |" in stdout and "| default (prior/gp only) |" in stdout
    record = tmp_path / "record" / "synthetic_branin"
    assert json.loads((record / "config.json").read_text())["suites"] == ["synthetic/mixed"]
    assert json.loads((record / "run.json").read_text())["settings"]["methods"] == ["ppo", "ei", "ei_sampled"]
    assert (record / "progress.csv").is_file()
    selected = json.loads((record / "selected_policy.json").read_text())
    # Chosen the way the default is: on the training suites' validation splits, never the held-out suite's.
    assert set(selected["selection"]["suites"]) == {"synthetic/mixed"}
    assert selected["defaults"]["deterministic"] is (selected["selection"]["variant"] == "most likely")
    default_run = json.loads((record / "default" / "run.json").read_text())
    assert default_run["settings"]["methods"] == ["ppo"]
    assert default_run["settings"]["method_options"]["ppo"]["policy"] == "rl_hpo/data/policies/prior_gp"
    assert _run("benchmarks/leave_one_out/summarize.py", str(tmp_path / "record")) in stdout
    with pytest.raises(AssertionError, match="is not among"):
        _run("benchmarks/leave_one_out/run.sh", "yahpo/lcbench", env=env)


@NEEDS_YAHPO
@pytest.mark.parametrize(
    ("script", "record"),
    [
        ("benchmarks/unseen_spaces/run.sh", "yahpo_lcbench"),
        ("benchmarks/what_ppo_adds/run.sh", "yahpo_lcbench"),
        ("benchmarks/known_spaces/run.sh", "yahpo_lcbench"),
        ("benchmarks/head_to_head.sh", "lcbench_head_to_head"),
    ],
)
def test_each_study_script_records_a_tiny_run(tmp_path: Path, script: str, record: str) -> None:
    # bench options may follow the suite directly; the later --methods / --seeds / --budget win
    tiny = ["--methods", "random,ppo", "--tasks", "146212", "--seeds", "1", "--budget", "3", "--workers", "1"]
    _run(script, "yahpo/lcbench", *tiny, env={"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")})
    files = {p.name for p in (tmp_path / "record" / record).iterdir()}
    assert {"report.md", "summary.csv", "run.json", "bounds.json", "regret_vs_evaluations.png"} <= files
    run = json.loads((tmp_path / "record" / record / "run.json").read_text())
    assert run["settings"]["methods"] == ["random", "ppo"] and run["settings"]["split"] == "test"


@NEEDS_YAHPO
def test_the_unseen_spaces_script_records_a_train_split_study_apart_from_the_test_one(tmp_path: Path) -> None:
    tiny = ["--methods", "random,ei", "--tasks", "3945", "--seeds", "1", "--budget", "3", "--workers", "1"]
    env = {"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")}
    _run("benchmarks/unseen_spaces/run.sh", "yahpo/lcbench", "train", *tiny, env=env)
    assert [p.name for p in (tmp_path / "record").iterdir()] == ["yahpo_lcbench_train"]
    run = json.loads((tmp_path / "record/yahpo_lcbench_train/run.json").read_text())
    assert run["settings"]["split"] == "train"


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_the_parallel_trials_script_records_a_tiny_run_with_its_own_methods(tmp_path: Path) -> None:
    tiny = ["--tasks", "64", "--seeds", "1", "--budget", "6", "--workers", "1"]
    tiny += ["--methods", "ei,ei_unaware,tpe_liar"]  # the study's plugin methods load in the workers
    env = {"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")}
    _run("benchmarks/parallel_trials/run.sh", "synthetic/mixed", *tiny, env=env)
    run = json.loads((tmp_path / "record/synthetic_mixed/run.json").read_text())
    assert run["settings"]["batch"] == 4 and run["settings"]["methods"] == ["ei", "ei_unaware", "tpe_liar"]
    _run("benchmarks/parallel_trials/run.sh", "synthetic/mixed", *tiny, env={**env, "BATCH": "1"})
    run = json.loads((tmp_path / "record/synthetic_mixed_batch1/run.json").read_text())
    assert "batch" not in run["settings"]  # one trial at a time: a study like any other
    # Two runs of the study compared method by method (here 4 at a time against one at a time).
    runs = tmp_path / "runs/parallel_trials"
    out = _run(
        "benchmarks/parallel_trials/compare_runs.py",
        str(runs / "synthetic_mixed"),
        str(runs / "synthetic_mixed_batch1"),
    )
    lines = out.splitlines()
    assert [line.split(" (")[0] for line in lines] == ["ei", "ei_unaware", "tpe_liar"]
    assert all("(1 tasks): at 25 " in line and " at 50 " in line for line in lines)


def test_the_bench_study_scripts_share_their_setup_and_record_and_ask_for_a_suite() -> None:
    helper = "benchmarks/bench_study.sh"
    for study in ("parallel_trials", "long_budgets", "noisy_objectives"):
        script = (ROOT / "benchmarks" / study / "run.sh").read_text()
        assert f"source {helper}\nstudy_setup {study} " in script and script.rstrip().endswith("study_record")
    done = subprocess.run(["bash", str(ROOT / "benchmarks/long_budgets/run.sh")], capture_output=True, text=True)
    assert done.returncode != 0 and "usage: run.sh SUITE [SPLIT]" in done.stderr


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_the_long_budgets_script_records_a_tiny_run(tmp_path: Path) -> None:
    tiny = ["--methods", "random,ppo,ppo_greedy50", "--tasks", "64", "--seeds", "1", "--budget", "12", "--workers", "1"]
    _run(
        "benchmarks/long_budgets/run.sh",
        "synthetic/mixed",
        *tiny,
        env={"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")},
    )
    run = json.loads((tmp_path / "record/synthetic_mixed/run.json").read_text())
    assert run["settings"]["split"] == "validation" and run["settings"]["methods"] == ["random", "ppo", "ppo_greedy50"]
    # up to 50 evaluations ppo_greedy50 decides as ppo does: the two run one policy
    hashes = run["settings"]["policy_hashes"]
    assert hashes["ppo_greedy50"] == hashes["ppo"] is not None


def test_the_long_budgets_method_is_the_prior_gp_policy_greedy_after_50_evaluations() -> None:
    import runpy

    from rl_hpo import SearchSpace, make_optimizer
    from rl_hpo.space import Float

    runpy.run_path(str(ROOT / "benchmarks/long_budgets/long_methods.py"))  # registers ppo_greedy50
    optimizer = make_optimizer("ppo_greedy50", SearchSpace({"x": Float(0.0, 1.0)}), seed=0)
    assert optimizer.greedy_after == 50 and optimizer.policy_.path.name == "prior_gp"


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_the_noisy_objectives_script_records_a_tiny_run_with_the_noiseless_score_test_side(tmp_path: Path) -> None:
    tiny = ["--methods", "random,ei", "--tasks", "64", "--seeds", "1", "--budget", "8", "--workers", "1"]
    env = {"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")}
    _run("benchmarks/noisy_objectives/run.sh", "noisy/mixed-10", *tiny, env=env)
    report = (tmp_path / "record/noisy_mixed-10/report.md").read_text()
    assert "## Test-side score of the incumbent" in report
    # The anatomy of the run: what each method picked against the best it evaluated, from the same trials.
    runs = tmp_path / "runs/noisy_objectives/noisy_mixed-10"
    stdout = _run("benchmarks/noisy_objectives/anatomy.py", str(runs), "--budget", "8", "--start", "2")
    stdout_all = _run("benchmarks/noisy_objectives/anatomy.py", str(runs), "--budget", "8")
    trials = pd.read_csv(runs / "trials.csv")
    for method in ("random", "ei"):
        run = trials[trials.method == method].sort_values("trial")
        picked, best = run.test_score.iloc[run.score.argmax()], run.test_score.max()
        row = next(_markdown_cells(line) for line in stdout.splitlines() if line.startswith(f"| {method} |"))
        assert row[1:3] == [f"{picked:.3f}", f"{best:.3f}"] and float(row[4]) >= 0, method
        assert f"{run.test_score.iloc[2:].mean():.3f}" == row[3]
    task_row = next(_markdown_cells(line) for line in stdout.splitlines() if line.startswith("| noisy/mixed-10/64 |"))
    assert task_row[1] == "FICFC"  # synthetic/mixed/64's parameters: float, int, categorical, float, categorical
    assert "picked against" not in stdout  # no TPE in the run, and no --against
    # Each method's picked against another's: the difference of the tasks' means (one task here), and the tasks higher.
    stdout = _run("benchmarks/noisy_objectives/anatomy.py", str(runs), "--budget", "8", "--against", "random")
    picked = {}
    for method in ("random", "ei"):
        run = trials[trials.method == method].sort_values("trial").head(8)
        picked[method] = run.test_score.iloc[run.score.argmax()]
    against = stdout.split("picked against random's")[1].splitlines()
    row = next(_markdown_cells(line) for line in against if line.startswith("| ei |"))
    higher = int(picked["ei"] > picked["random"])
    assert row[1:3] == [f"{picked['ei'] - picked['random']:.3f}", f"{higher} of 1"]
    assert not any(line.startswith("| random |") for line in against)
    missing = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/noisy_objectives/anatomy.py"), str(runs), "--against", "tpe"],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "--against tpe: the run has no such method" in missing.stderr
    # --seeds counts those seeds' runs alone: the tiny run's seed 0 gives the same table, a seed it lacks an error.
    assert (
        _run("benchmarks/noisy_objectives/anatomy.py", str(runs), "--budget", "8", "--seeds", "0-0").split("\n", 1)[1]
        == stdout_all.split("\n", 1)[1]
    )
    for seeds, message in (("3", "the run has none of these seeds"), ("2-1", "an empty range of seeds")):
        refused = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks/noisy_objectives/anatomy.py"), str(runs), "--seeds", seeds],
            capture_output=True,
            text=True,
        )
        assert refused.returncode == 2 and message in refused.stderr, seeds


def _import_study_module(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """Import a study's plugin module (``path`` from the repository root) afresh, as ``--plugins`` would, with its
    folder on ``sys.path`` for this test alone."""
    file = ROOT / path
    assert file.is_file()
    monkeypatch.syspath_prepend(str(file.parent))
    monkeypatch.delitem(sys.modules, file.stem, raising=False)
    importlib.import_module(file.stem)


@pytest.mark.slow  # a recorded study's script, 35 to 60 s even at its tiniest
def test_the_noise_start_script_and_rule_compare_each_method_with_its_second_start_on_noisy_suites(
    tmp_path: Path,
) -> None:
    tiny = ["--tasks", "0,1", "--seeds", "1", "--budget", "12", "--workers", "1"]
    env = {"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")}
    for suite in ("noisy/mixed-5", "noisy/mixed-10"):
        _run("benchmarks/noisy_objectives/noise_start.sh", suite, "train", *tiny, env=env)
    run = json.loads((tmp_path / "record/noise_start_noisy_mixed-10_train/run.json").read_text())
    assert run["settings"]["split"] == "train"
    assert run["settings"]["methods"] == ["ppo", "ei", "ppo_noise_start", "ei_noise_start"]
    # Budget 12 < 50: the incumbent at 50 is the one at 12, the last a run has.
    runs = [str(tmp_path / f"runs/noisy_objectives/noise_start_noisy_mixed-{p}_train") for p in (5, 10)]
    stdout = _run("benchmarks/noisy_objectives/noise_start_rule.py", *runs)
    pooled = [line for line in stdout.splitlines() if line.startswith("pooled (4 tasks)")]
    assert len(pooled) == 2 and "ei_noise_start - ei" in pooled[0] and "ppo_noise_start - ppo" in pooled[1]
    # The upper bound's variant: its own methods and folder.
    _run(
        "benchmarks/noisy_objectives/noise_start.sh",
        "noisy/mixed-5",
        "train",
        *tiny,
        env={**env, "VARIANT": "noise_bound"},
    )
    run = json.loads((tmp_path / "record/noise_bound_noisy_mixed-5_train/run.json").read_text())
    assert run["settings"]["methods"] == ["ppo", "ei", "ppo_noise_bound", "ei_noise_bound"]
    bound = str(tmp_path / "runs/noisy_objectives/noise_bound_noisy_mixed-5_train")
    stdout = _run("benchmarks/noisy_objectives/noise_start_rule.py", "--variant", "noise_bound", bound)
    assert "pooled (2 tasks): ppo_noise_bound - ppo" in stdout


def test_the_noise_study_methods_are_ei_and_the_general_policy_with_their_settings_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rl_hpo import SearchSpace, make_optimizer, optimizer
    from rl_hpo.acquisition.search import SearchSettings
    from rl_hpo.agents.policy_file import default_policy_path, load_policy
    from rl_hpo.space import Float

    monkeypatch.setattr(optimizer, "_REGISTRY", dict(optimizer._REGISTRY))
    _import_study_module(monkeypatch, "benchmarks/noisy_objectives/noise_start.py")  # registers the four methods
    space = SearchSpace({"x": Float(0.0, 1.0)})
    # the policy noise_start.sh gives ppo, which the study compares each ppo_* method with
    prior_gp = default_policy_path().parent / "prior_gp"
    shipped = load_policy(prior_gp).search_settings
    for variant, change in (
        ("noise_start", {}),
        ("noise_bound", {"max_noise": 2.0}),
        ("lengthscale_bound", {"max_noise": 2.0, "min_lengthscale": 0.05}),
    ):
        ei = make_optimizer(f"ei_{variant}", space, seed=0)
        ppo = make_optimizer(f"ppo_{variant}", space, seed=0)
        assert ei.search_.settings == SearchSettings(fit_starts="warm+noise", **change)
        assert ppo.policy_.path == prior_gp
        assert ppo.search_.settings == dataclasses.replace(shipped, fit_starts="warm+noise", **change)


def test_the_noisy_objectives_table_is_the_recorded_test_side_scores() -> None:
    folder = ROOT / "benchmarks/noisy_objectives"
    results = (folder / "README.md").read_text().split("## Results", 1)[1].split("\n## ", 1)[0]
    rows = [_markdown_cells(line) for line in results.splitlines() if line.startswith("| ") and " / " in line]
    assert [row[0] for row in rows] == ["ppo", "ei", "tpe", "gp", "random"]
    for row in rows:
        method, at5, against5, at10, against10 = row
        for suite, cell, against in (("noisy_mixed-5", at5, against5), ("noisy_mixed-10", at10, against10)):
            report = (folder / suite / "report.md").read_text()
            side = report.split("## Test-side score of the incumbent", 1)[1].split("##", 1)[0]
            recorded = next(line for line in side.splitlines() if line.startswith(f"| {method} |")).replace("**", "")
            at_10, at_25, at_50 = cell.split(" / ")
            assert all(f"{value} ±" in recorded for value in (at_10, at_25, at_50.split(" ±")[0])), (method, suite)
            # against TPE: the last table of the script's recorded output (difference, tasks higher, p)
            output = (folder / suite / "anatomy.txt").read_text().split("picked against tpe's", 1)[1]
            if method == "tpe":
                assert against == "" and f"| {method} |" not in output
                continue
            test = next(_markdown_cells(line) for line in output.splitlines() if line.startswith(f"| {method} |"))
            difference, p = float(test[1]), float(test[3])
            expected = f"{difference:+.3f}, p " + (f"{p:.3f}" if p >= 0.001 else "< 0.001")
            assert against == expected, (method, suite)


def test_the_noisy_objectives_anatomy_tables_are_the_recorded_output_of_the_script() -> None:
    folder = ROOT / "benchmarks/noisy_objectives"
    part = (folder / "README.md").read_text().split("## Where TPE's lead at heavy noise was", 1)[1].split("\n## ", 1)[0]
    five, fifteen = part.split("**With 15 seeds**", 1)
    # The earlier run on 5 seeds (anatomy/), then the run of the Results table on 15 (<suite>/anatomy.txt).
    for text, output_of, record_of in (
        (five, lambda suite: folder / "anatomy" / f"{suite}.txt", lambda suite: folder / "anatomy" / suite),
        (fifteen, lambda suite: folder / suite / "anatomy.txt", lambda suite: folder / suite),
    ):
        rows = [_markdown_cells(line) for line in text.splitlines() if line.startswith("| ") and " / " in line]
        assert [row[0] for row in rows] == ["ppo", "ei", "tpe", "gp", "random"]
        for suite, column in (("noisy_mixed-5", 1), ("noisy_mixed-10", 2)):
            output = output_of(suite).read_text()
            for row in rows:
                recorded = next(
                    _markdown_cells(line) for line in output.splitlines() if line.startswith(f"| {row[0]} |")
                )
                assert row[column].split(" / ") == recorded[1:4], (suite, row[0])
            # The runs the script read are the recorded study's: its picked scores are the report's at 50.
            report = (record_of(suite) / "report.md").read_text()
            side = report.split("## Test-side score of the incumbent", 1)[1].split("##", 1)[0]
            for row in rows:
                at50 = next(_markdown_cells(line) for line in side.splitlines() if line.startswith(f"| {row[0]} |"))[3]
                picked = float(row[column].split(" / ")[0])
                assert abs(float(at50.split(" ±")[0]) - picked) <= 0.00051, (suite, row[0])  # 4 digits there, 3 here
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "score 0.357 on average against the policy's 0.323" in readme and "(0.609 against 0.594)" in readme
    assert "the policy found best at 50 is 0.626 and 0.551, against TPE's 0.617 and 0.561" in readme
    by_method = {row[0]: row for row in rows}
    assert by_method["tpe"][2].split(" / ")[2] == "0.357" and by_method["ppo"][2].split(" / ")[2] == "0.323"
    assert by_method["tpe"][2].split(" / ")[1] == "0.609" and by_method["ppo"][2].split(" / ")[1] == "0.594"


def test_the_noisy_tasks_add_noise_once_per_configuration_and_report_the_noiseless_score(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rl_hpo.tasks import registry
    from rl_hpo.tasks.registry import load_task

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    _import_study_module(monkeypatch, "benchmarks/noisy_objectives/noisy_tasks.py")  # registers the family "noisy"
    noisy, clean = load_task("noisy/mixed-10/64"), load_task("synthetic/mixed/64")
    configs = noisy.space.sample(200, seed=0)
    results = [noisy.evaluate(c) for c in configs]
    bounds = clean.bounds
    true = np.array([(clean.evaluate(c).score - bounds.worst) / (bounds.best - bounds.worst) for c in configs])
    np.testing.assert_allclose([r.info["test_score"] for r in results], true)
    noise = np.array([r.score for r in results]) - true
    assert 0.08 < noise.std() < 0.12 and abs(noise.mean()) < 0.03
    assert noisy.evaluate(configs[0]).score == results[0].score  # the same configuration, the same noise
    assert load_task("noisy/mixed-5/64").evaluate(configs[0]).score != results[0].score


def test_the_space_kinds_tasks_stay_within_their_bounds_and_the_conditional_bounds_are_the_best_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rl_hpo.tasks import registry
    from rl_hpo.tasks.registry import load_suite, load_task

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    _import_study_module(monkeypatch, "benchmarks/space_kinds/space_kinds.py")  # registers the family "kinds"
    import space_kinds

    for suite in ("nas", "wide_categorical", "conditional"):
        assert load_suite(f"kinds/{suite}").splits["test"] == tuple(f"kinds/{suite}/{i}" for i in range(10))
        assert load_suite(f"kinds/{suite}").splits["validation"] == tuple(f"kinds/{suite}/{i}" for i in range(10, 30))
        assert load_suite(f"kinds/{suite}").splits["train"] == tuple(f"kinds/{suite}/{i}" for i in range(30, 230))
        for instance in (3, 29, 229):
            task = load_task(f"kinds/{suite}/{instance}")
            scores = np.array([task.evaluate(c).score for c in task.space.sample(300, seed=0)])
            assert task.bounds.worst <= scores.min() < scores.max() <= task.bounds.best, suite
    tops = space_kinds.conditional_model_tops(3)
    assert set(tops) == {"svm", "gbm", "mlp"} and max(tops.values()) == load_task("kinds/conditional/3").bounds.best
    with pytest.raises(registry.TaskNotFoundError, match="rl-hpo tasks --suite kinds/nas"):
        load_task("kinds/nas/230")


@pytest.mark.parametrize(
    ("module", "method", "change"),
    [
        ("benchmarks/space_kinds/pooled.py", "ei_pooled", {"lengthscale_spread": 0.5}),
        ("benchmarks/space_kinds/capped.py", "ei_capped", {"max_lengthscale": 1.5}),
    ],
)
def test_the_space_kinds_study_methods_are_plain_ei_with_one_setting_changed(
    monkeypatch: pytest.MonkeyPatch, module: str, method: str, change: dict[str, float]
) -> None:
    from rl_hpo import SearchSpace, make_optimizer, optimizer
    from rl_hpo.acquisition.search import SearchSettings
    from rl_hpo.baselines.expected_improvement import ExpectedImprovement
    from rl_hpo.space import Float

    monkeypatch.setattr(optimizer, "_REGISTRY", dict(optimizer._REGISTRY))
    _import_study_module(monkeypatch, module)  # registers the method
    made = make_optimizer(method, SearchSpace({"x": Float(0.0, 1.0)}), seed=0)
    assert isinstance(made, ExpectedImprovement)
    assert made.search_.settings == SearchSettings(**change) != SearchSettings()
    assert all(getattr(made.search_.gp, key) == value for key, value in change.items())  # the GP has it


def test_the_space_kinds_script_records_a_tiny_run_and_branches_reads_its_models(tmp_path: Path) -> None:
    tiny = ["--methods", "random,ei", "--tasks", "0,1", "--seeds", "1", "--budget", "8", "--workers", "1"]
    env = {"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")}
    _run("benchmarks/space_kinds/run.sh", "kinds/conditional", *tiny, env=env)
    run = json.loads((tmp_path / "record/kinds_conditional/run.json").read_text())
    assert run["settings"]["split"] == "test" and run["settings"]["methods"] == ["random", "ei"]
    stdout = _run("benchmarks/space_kinds/branches.py", str(tmp_path / "runs/space_kinds/kinds_conditional"))
    rows = [line.split(" | ") for line in stdout.splitlines() if line.startswith(("| random", "| ei"))]
    assert [row[0] for row in rows] == ["| random", "| ei"] and all(row[1] == "2" for row in rows)


def _markdown_cells(line: str) -> list[str]:
    return [cell.strip().replace("**", "") for cell in line.strip().strip("|").split("|")]


def _wilcoxon_p(report: str, budget: int, method: str, against: str) -> str:
    """The p-value a bench report gives ``method`` against ``against`` at ``budget``."""
    tests = report.split(f"## Wilcoxon signed-rank test at budget {budget}", 1)[1].splitlines()
    header = next(_markdown_cells(line) for line in tests if line.startswith("|  |"))
    return next(_markdown_cells(line) for line in tests if line.startswith(f"| {method} |"))[header.index(against)]


def _recorded_regrets(report: str, method: str) -> list[str]:
    """A bench report's mean regrets of ``method`` at 10 / 25 / 50, as printed (without their standard errors)."""
    recorded = next(_markdown_cells(line) for line in report.splitlines() if line.startswith(f"| {method} | "))
    return [value.split(" ±")[0] for value in recorded[1:4]]


def _check_regret_table(part: str, report: str, methods: list[str], against: str) -> None:
    """A README table of rows ``| method | r10 / r25 / r50 | p10 / p25 / p50 |`` (after its header) against the bench
    report it cites: the regrets and the Wilcoxon p-values against ``against`` (a row may give no p-values)."""
    rows = [line for line in part.splitlines() if line.startswith("| ") and " / " in line][1:]  # no header
    assert [_markdown_cells(row)[0] for row in rows] == methods
    for row in rows:
        method, regrets, p_values = _markdown_cells(row)
        assert regrets.split(" / ") == _recorded_regrets(report, method), method
        for budget, p_value in zip((10, 25, 50), p_values.split(" / ") if p_values else ["", "", ""], strict=True):
            if p_value:  # the reference's own row, and random search's where it is the reference, give none
                assert _wilcoxon_p(report, budget, method, against) == p_value, (method, budget)


def test_the_space_kinds_table_is_the_recorded_regrets_and_tests_against_tpe() -> None:
    folder = ROOT / "benchmarks/space_kinds"
    first, rest = (folder / "README.md").read_text().split("## A second sample of the conditional suite")
    second, third = rest.split("## Pooled lengthscales and the choice of model")
    third, fourth = third.split("### An upper bound on the lengthscales instead")
    rows = [line for line in first.splitlines() if line.startswith("| ") and " / " in line]
    assert [_markdown_cells(row)[0] for row in rows] == ["ppo", "ei", "tpe", "gp", "random"]
    validation = (folder / "kinds_conditional_validation/report.md").read_text()
    _check_regret_table(second, validation, ["ppo", "ei", "tpe", "random"], "tpe")
    train = (folder / "kinds_conditional_train/report.md").read_text()
    _check_regret_table(third, train, ["ei", "ei_pooled", "tpe", "random"], "ei")
    capped = (folder / "capped/kinds_conditional_train/report.md").read_text()
    _check_regret_table(fourth, capped, ["ei", "ei_capped", "tpe", "random"], "ei")
    for method in ("ei", "tpe", "random"):  # the same runs as the pooled study's
        assert _recorded_regrets(capped, method) == _recorded_regrets(train, method), method
    for row in rows:
        method, *readme = _markdown_cells(row)
        for suite, cell in zip(("kinds_nas", "kinds_wide_categorical", "kinds_conditional"), readme, strict=True):
            report = (folder / suite / "report.md").read_text()
            assert cell.split(" (")[0].split(" / ") == _recorded_regrets(report, method), (method, suite)
            if method != "tpe":
                assert cell.endswith(f"(p {_wilcoxon_p(report, 50, method, 'tpe')})"), (method, suite)
    for part, suite in (
        (first, "kinds_conditional"),
        (second, "kinds_conditional_validation"),
        (third, "kinds_conditional_train"),
        (fourth, "capped/kinds_conditional_train"),
    ):
        branches = (folder / suite / "branches.txt").read_text().strip()
        assert branches.startswith("| method | runs | ending in the best model"), suite
        counts = {row[0]: row[2] for row in map(_markdown_cells, branches.splitlines()[2:])}
        text = " ".join(part.split())
        if suite.startswith("capped"):  # cited in prose: the capped method's and plain EI's runs in the best model
            assert f"with {counts['ei_capped']} of 600 runs" in text and f"plain EI {counts['ei']}, TPE" in text
        else:
            assert branches in part, suite
    # the initial design's own draws on the train split: Latin minus uniform at k = 2..5
    gains, lower, p_values = _design_draws(folder / "kinds_conditional_train/design_draws.txt")
    text = " ".join(third.split())
    assert f"by {min(gains):.3f} to {max(gains):.3f}; lower on {min(lower)} to {max(lower)} of the 200" in text
    assert f"p at most {max(p_values, key=float)};" in text


def test_the_lengthscale_bound_table_is_the_means_of_its_recorded_runs() -> None:
    folder = ROOT / "benchmarks/search_settings"
    part = (folder / "README.md").read_text().split("## An upper bound on the lengthscales", 1)[1]
    rows = {row[0]: row[1:] for row in map(_markdown_cells, part.splitlines()) if len(row) == 7 and " / " in row[1]}
    assert list(rows) == ["100 (the default)", "1.5"]

    def runs(name: str) -> dict[str, dict[str, list[float]]]:
        """Each variant's regret at 10 / 25 / 50 per suite, as ``compare_search_settings.py`` printed it."""
        found: dict[str, dict[str, list[float]]] = {}
        for line in (folder / f"max_lengthscale_explore_{name}.txt").read_text().splitlines():
            if m := re.match(r"(\S+) ei max_lengthscale=(\S+): ([\d.]+) / ([\d.]+) / ([\d.]+)", line):
                found.setdefault(m[2], {})[m[1]] = [float(m[i]) for i in (3, 4, 5)]
        return found

    fifty = {v: {**a, **runs("50d_b")[v]} for v, a in runs("50d_a").items()}
    capped = (ROOT / "benchmarks/space_kinds/capped/kinds_conditional_train/report.md").read_text()
    for (row, cells), variant, method in zip(rows.items(), ("100", "1.5"), ("ei", "ei_capped"), strict=True):
        columns = [runs("suites")[variant], runs("train")[variant], runs("20d")[variant]]
        columns += [
            {k: v for k, v in fifty[variant].items() if k != "prior/gp-50d"},
            {"": fifty[variant]["prior/gp-50d"]},
        ]
        for cell, column in zip(cells, columns, strict=False):
            means = [sum(regrets[i] for regrets in column.values()) / len(column) for i in range(3)]
            assert cell == " / ".join(f"{m:.3f}" for m in means), row
        assert cells[5].split(" / ") == _recorded_regrets(capped, method), row
    branches = (ROOT / "benchmarks/space_kinds/capped/kinds_conditional_train/branches.txt").read_text()
    in_best = next(row[2] for row in map(_markdown_cells, branches.splitlines()) if row[0] == "ei_capped")
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"({_recorded_regrets(capped, 'ei_capped')[2]} at 50, {in_best} runs)" in readme
    pooled = (folder / "max_lengthscale_explore_pooled.txt").read_text()
    assert "over 312 tasks:" in pooled and "+0.0021 at 50 (p 0.272); significant losses at 50: train prior/gp" in pooled
    assert (
        "pooled over the 312 validation and train tasks of the four suites the regret at 50 moves by +0.0021 (p 0.27;"
        in (" ".join(part.split()))
    )


def _design_draws(path: Path) -> tuple[list[float], list[int], list[str]]:
    """From ``design_draws.py``'s output for one suite, k = 2..5: how much lower the Latin design's regret is (each
    must be positive), on how many tasks it is lower, and the Wilcoxon p-values as printed."""
    lines = path.read_text().splitlines()[2:6]
    found = [re.search(r"k=\d: ([-+][\d.]+)  tasks higher \d+, lower (\d+) .*p ([\d.e+-]+)\)", line) for line in lines]
    gains = [-float(m[1]) for m in found]
    assert len(gains) == 4 and all(gain > 0 for gain in gains), path
    return gains, [int(m[2]) for m in found], [m[3] for m in found]


def test_the_early_phase_readme_gives_the_design_draws_on_scikit_learn_spaces() -> None:
    folder = ROOT / "benchmarks/early_phase"
    gains, lower, p_values = _design_draws(folder / "design_draws_sklearn_validation.txt")
    text = " ".join((folder / "README.md").read_text().split())
    assert f"by {min(gains):.3f} to {max(gains):.3f} (on {min(lower)} to {max(lower)} of the 6 pipelines;" in text
    p_low, p_high = min(p_values, key=float), max(p_values, key=float)
    assert f"Wilcoxon p {p_low} to {p_high}, where {p_low} is the smallest six tasks can give" in text
    gains, lower, p_values = _design_draws(folder / "design_draws_sklearn_train.txt")
    assert f"by {min(gains):.3f} to {max(gains):.3f} (on {min(lower)} to {max(lower)} of the 18 tasks;" in text
    assert f"Wilcoxon p {min(p_values, key=float)} to {max(p_values, key=float)})" in text


def test_branches_takes_a_run_s_first_best_score_and_passes_over_failed_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd

    from rl_hpo.tasks import registry

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks/space_kinds"))
    monkeypatch.delitem(sys.modules, "branches", raising=False)
    monkeypatch.delitem(sys.modules, "space_kinds", raising=False)
    import branches
    import space_kinds

    tops = space_kinds.conditional_model_tops(0)
    best = max(tops, key=tops.__getitem__)
    other = next(model for model in tops if model != best)
    rows = [  # run 0: a failure first, then the best model, then a tie in another (the first best stands)
        ("m", 0, 0, float("nan"), other, 1.0),
        ("m", 0, 1, 0.5, best, 0.2),
        ("m", 0, 2, 0.5, other, 0.2),
        ("m", 1, 0, 0.7, other, 0.1),  # run 1: another model
        ("m", 2, 0, float("nan"), best, 1.0),  # run 2: every trial failed, no incumbent
    ]
    trials = pd.DataFrame(rows, columns=["method", "seed", "trial", "score", "config.model", "regret"])
    (row,) = branches.best_model_table(trials.assign(task="kinds/conditional/0"))
    assert row["runs"] == 2 and row["ending in the best model"] == 1
    assert row["mean regret there"] == 0.2 and row["mean regret elsewhere"] == 0.1


def test_the_parallel_trials_methods_are_ei_leaving_pending_trials_out_and_tpe_with_its_liar() -> None:
    import runpy

    from rl_hpo import SearchSpace, make_optimizer
    from rl_hpo.space import Float

    runpy.run_path(str(ROOT / "benchmarks/parallel_trials/parallel_methods.py"))  # registers the two methods
    space = SearchSpace({"x": Float(0.0, 1.0)})
    assert make_optimizer("ei_unaware", space, seed=0).search_.settings.pending == "ignore"
    assert make_optimizer("tpe_liar", space, seed=0).sampler_options == {"constant_liar": True}


def test_the_edge_rule_study_script_writes_its_table(tmp_path: Path) -> None:
    args = ["--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1", "--budget", "8"]
    stdout = _run("benchmarks/search_settings/run.sh", *args, env={"OUT": str(tmp_path)})
    assert "synthetic/mixed ei edges=clip:" in stdout
    assert (tmp_path / "edges.txt").read_text() == stdout and (tmp_path / "edges.json").is_file()


def test_a_comparison_on_both_splits_writes_a_table_per_split(tmp_path: Path) -> None:
    args = ["--variant", "edges=clip", "--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1"]
    _run("benchmarks/search_settings/both_splits.sh", "mine", *args, "--budget", "6", "--methods", "ei",
         env={"OUT": str(tmp_path)})  # fmt: skip
    for split in ("validation", "train"):
        table = json.loads((tmp_path / f"mine_{split}.json").read_text())
        assert table["command"]["split"] == split and (tmp_path / f"mine_{split}.txt").is_file()


def test_the_polishing_study_script_writes_its_tables(tmp_path: Path) -> None:
    args = ["--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1", "--budget", "8", "--methods", "ei"]
    _run("benchmarks/search_settings/polish.sh", *args, env={"OUT": str(tmp_path)})
    for name in ("polish_validation", "polish_train"):
        text = (tmp_path / f"{name}.txt").read_text()
        assert "synthetic/mixed ei n_polish=0:" in text and "synthetic/mixed ei n_polish=3:" in text
        assert (tmp_path / f"{name}.json").is_file()


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_the_policy_polishing_study_script_writes_its_four_tables(tmp_path: Path) -> None:
    args = ["--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1", "--budget", "8"]
    _run("benchmarks/search_settings/polish_policy.sh", *args, env={"OUT": str(tmp_path)})
    for name in ("validation", "train", "validation_fresh", "train_fresh"):
        table = json.loads((tmp_path / f"polish_policy_{name}.json").read_text())
        assert "ppo n_polish=3,polish_iterations=5" in table["curves"]["synthetic/mixed"]
    fresh = json.loads((tmp_path / "polish_policy_validation_fresh.json").read_text())
    assert fresh["command"]["first_seed"] == 10


#: Every confirmation script (a thin wrapper of confirm.sh): its variants (the default first), first seed, rule and
#: adoption alpha of pooled_decision.py.
CONFIRMATIONS = [
    (
        "benchmarks/search_settings/polish_confirm.sh",
        "n_polish=0",
        "n_polish=3,polish_iterations=5",
        100,
        "better",
        "0.05",
    ),
    ("benchmarks/search_settings/repeats_confirm.sh", "repeats=allow", "repeats=avoid", 300, "no-worse", "0.05"),
    ("benchmarks/search_settings/integers_confirm.sh", "integers=as-is", "integers=snap", 400, "no-worse", "0.05"),
    ("benchmarks/search_settings/discrete_confirm.sh", "discrete=keep", "discrete=search", 500, "better", "0.05"),
    (
        "benchmarks/search_settings/discrete_integers_confirm.sh",
        "discrete=keep",
        "discrete=integers",
        600,
        "better",
        "0.05",
    ),
    ("benchmarks/search_settings/outliers_confirm.sh", "warp=none", "warp=outliers", 900, "no-worse", "0.05"),
    ("benchmarks/search_settings/perturbed_confirm.sh", "n_perturbed=8", "n_perturbed=20", 1000, "better", "0.05"),
    (
        "benchmarks/search_settings/spread_confirm.sh",
        "lengthscale_spread=null",
        "lengthscale_spread=0.5",
        3000,
        "better",
        "0.05",
    ),
    ("benchmarks/high_dimensions/initial_design_confirm.sh", "n_initial=5", "n_initial=10", 4000, "better", "0.05"),
    (
        "benchmarks/search_settings/prequential_confirm.sh",
        "lengthscale_spread=null",
        "lengthscale_spread=0.5,lengthscale_choice=prequential",
        6000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/input_warp_confirm.sh",
        "input_warp=none",
        "input_warp=kumaraswamy",
        7000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/input_warp_reconfirm.sh",
        "input_warp=none",
        "input_warp=kumaraswamy",
        8000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/fit_starts_confirm.sh",
        "fit_starts=warm",
        "fit_starts=warm+prior",
        9000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/uniform_share_confirm.sh",
        "uniform_share=0",
        "uniform_share=0.1",
        10000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/polish_scale_confirm.sh",
        "polish_scale=cube",
        "polish_scale=lengthscales",
        11000,
        "no-worse",
        "0.05",
    ),
    (
        "benchmarks/high_dimensions/polish_scale_confirm.sh",
        "polish_scale=cube",
        "polish_scale=lengthscales",
        12000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/high_dimensions/most_likely_many_confirm.sh",
        "deterministic=false",
        "deterministic=true",
        13000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/high_dimensions/polish_iterations_many_confirm.sh",
        "polish_iterations=5",
        "polish_iterations=30",
        14000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/most_likely_reconfirm.sh",
        "deterministic=false",
        "deterministic=true",
        15000,
        "better",
        "0.025",
    ),
    (
        "benchmarks/search_settings/outlier_depth_confirm.sh",
        "outlier_depth=20",
        "outlier_depth=8",
        16000,
        "no-worse",
        "0.05",
    ),
    (
        "benchmarks/search_settings/outliers_distinct_confirm.sh",
        "warp=outliers",
        "warp=outliers-distinct",
        19000,
        "no-worse",
        "0.05",
    ),
    ("benchmarks/search_settings/ties_confirm.sh", "ties=search", "ties=design", 23000, "no-worse", "0.05"),
    (
        "benchmarks/search_settings/noise_prior_confirm.sh",
        "noise_prior=none",
        "noise_prior=gamma",
        26000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/noise_start_confirm.sh",
        "fit_starts=warm",
        "fit_starts=warm+noise",
        28000,
        "no-worse",
        "0.05",
    ),
    ("benchmarks/search_settings/noise_bound_confirm.sh", "max_noise=0.5", "max_noise=2.0", 29000, "no-worse", "0.05"),
    (
        "benchmarks/search_settings/lengthscale_bound_confirm.sh",
        "max_noise=0.5,min_lengthscale=0.01",
        "max_noise=2.0,min_lengthscale=0.05",
        30000,
        "no-worse",
        "0.05",
    ),
    (
        "benchmarks/search_settings/latin_design_confirm.sh",
        "initial_design=random",
        "initial_design=latin",
        31000,
        "better",
        "0.05",
    ),
    (
        "benchmarks/search_settings/latin_design_reconfirm.sh",
        "initial_design=random",
        "initial_design=latin",
        32000,
        "early",
        "0.025",
    ),
]


def test_every_confirmation_script_is_in_the_table() -> None:
    wrappers = {
        str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks").glob("*/*confirm*.sh") if p.name != "confirm.sh"
    }
    assert wrappers == {c[0] for c in CONFIRMATIONS}


@pytest.mark.parametrize(("script", "old", "new", "first_seed", "rule", "alpha"), CONFIRMATIONS)
def test_a_confirmation_script_runs_both_splits_on_its_own_seeds_and_decides_by_its_rule(
    tmp_path: Path, script: str, old: str, new: str, first_seed: int, rule: str, alpha: str
) -> None:
    """What each wrapper hands confirm.sh, read from the commands confirm.sh runs: a ``python`` on PATH that
    records its arguments and runs nothing (confirm.sh itself runs whole in the next test)."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.txt"
    bin_dir.mkdir()
    # one write per call: the two splits run side by side
    (bin_dir / "python").write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$(printf "%q " "$@")" >> "$CALLS"\n')
    (bin_dir / "python").chmod(0o755)
    out = tmp_path / "out"
    env = {"OUT": str(out), "CALLS": str(calls), "PATH": os.pathsep.join([str(bin_dir), os.environ["PATH"]])}
    _run(script, "--max-tasks", "3", env=env)
    name = Path(script).stem
    runs = [shlex.split(line) for line in calls.read_text().splitlines()]
    assert len(runs) == 3
    decision = next(r for r in runs if r[0] == "benchmarks/search_settings/pooled_decision.py")
    assert decision[1:] == [
        "--rule",
        rule,
        "--adopt-alpha",
        alpha,
        f"{out}/{name}_validation.json",
        f"{out}/{name}_train.json",
    ]
    for split in ("validation", "train"):
        (args,) = [
            r for r in runs if r[0] == "scripts/compare_search_settings.py" and ("--split" in r) == (split == "train")
        ]
        assert args[-4:] == ["--max-tasks", "3", "--out", f"{out}/{name}_{split}.json"]  # the caller's options last
        variants = [args[i + 1] for i, a in enumerate(args) if a == "--variant"]
        assert variants == [old, new] and args[args.index("--first-seed") + 1] == str(first_seed)


@pytest.mark.parametrize(
    ("script", "rule"),
    [
        ("benchmarks/search_settings/polish_confirm.sh", "better"),
        pytest.param("benchmarks/search_settings/repeats_confirm.sh", "no-worse", marks=pytest.mark.slow),
        pytest.param("benchmarks/search_settings/latin_design_reconfirm.sh", "early", marks=pytest.mark.slow),
    ],
)
def test_a_confirmation_runs_both_splits_and_decides_in_a_tiny_run(tmp_path: Path, script: str, rule: str) -> None:
    _, old, new, first_seed, _, _ = next(c for c in CONFIRMATIONS if c[0] == script)
    args = ["--suites", "synthetic/mixed", "--seeds", "2", "--max-tasks", "2", "--methods", "ei"]
    stdout = _run(script, *args, env={"OUT": str(tmp_path)})
    name = Path(script).stem
    for split in ("validation", "train"):
        table = json.loads((tmp_path / f"{name}_{split}.json").read_text())
        assert table["command"]["split"] == split and table["command"]["first_seed"] == first_seed
        means = table["task_means"]["synthetic/mixed"][f"ei {new}"]
        assert set(means) == {"10", "25", "50"} and all(len(m) == 2 for m in means.values())
    decision = (tmp_path / f"{name}_decision.txt").read_text()
    assert decision in stdout and decision.startswith(f"ei {new} against {old} over 4 ")
    if rule == "no-worse":
        assert " at 10 (p " in decision  # the no-worse rule reads 10, 25 and 50


@NEEDS_YAHPO
def test_the_input_warp_study_runs_each_space_linear_and_as_declared(tmp_path: Path) -> None:
    args = ["--suites", "yahpo/lcbench", "--seeds", "1", "--max-tasks", "1", "--budget", "12"]
    stdout = _run("benchmarks/search_settings/input_warp_linear_scale.sh", *args, env={"OUT": str(tmp_path)})
    curves = {}
    for name, linear in (("linear_scale", True), ("as_declared", False)):
        table = json.loads((tmp_path / f"input_warp_{name}.json").read_text())
        assert table["command"]["linear_scale"] is linear
        curves[name] = table["curves"]["yahpo/lcbench"]
        assert {"tpe", "ei input_warp=none", "ei input_warp=kumaraswamy"} <= set(curves[name])
        assert (tmp_path / f"input_warp_{name}.txt").read_text() in stdout
    # Random search draws the same cube points in both runs; lcbench's three log-scaled parameters make them
    # other configurations.
    assert curves["linear_scale"]["random"] != curves["as_declared"]["random"]


def test_a_confirmation_of_the_policy_s_choice_writes_both_splits_and_the_decision(tmp_path: Path) -> None:
    args = ["most_likely", "--variant", "deterministic=false", "--variant", "deterministic=true", "--first-seed", "7"]
    args += ["--methods", "ppo", "--suites", "synthetic/mixed", "--seeds", "2", "--max-tasks", "2"]
    stdout = _run("benchmarks/search_settings/confirm.sh", *args, env={"OUT": str(tmp_path)})
    for split in ("validation", "train"):
        table = json.loads((tmp_path / f"most_likely_{split}.json").read_text())
        assert table["command"]["split"] == split and table["command"]["first_seed"] == 7
        assert set(table["task_means"]["synthetic/mixed"]) == {"ppo deterministic=false", "ppo deterministic=true"}
    decision = (tmp_path / "most_likely_decision.txt").read_text()
    assert decision in stdout and decision.startswith("ppo deterministic=true against deterministic=false over 4 ")


def test_the_training_time_study_times_the_default_s_own_command_and_its_selection(tmp_path: Path) -> None:
    args = ["--timesteps", "32", "--n-envs", "2", "--n-steps", "16", "--batch-size", "16", "--eval-freq", "16"]
    args += ["--eval-max-tasks", "1", "--eval-seeds", "1", "--vec-env", "dummy"]
    select = "--select-seeds 1 --select-max-tasks 1 --select-budget 8"
    env = {"RUNS": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record"), "SELECT_OPTIONS": select}
    # the shipped command's suites include sklearn/all, whose tables take minutes to build into the run's empty cache
    env["SUITES"] = "prior/gp"
    _run("benchmarks/training_time/run.sh", *args, env=env, unset=("RL_HPO_CACHE",))
    shipped = json.loads((ROOT / "rl_hpo/data/policies/default/policy.json").read_text())["training"]["command"]
    suites = shipped.split(" --suites ")[1].split()[0]
    assert "sklearn/all" in suites
    times = (tmp_path / "record" / "time.txt").read_text()
    assert f"training command: {shipped.replace(suites, 'prior/gp')} --out " in times
    assert all(f"{step}: " in times for step in ("training", "selection", "total"))
    assert f"scikit-learn table cache: {tmp_path / 'runs' / 'training_time' / 'cache'} (0 tables there before" in times
    config = json.loads((tmp_path / "record" / "config.json").read_text())
    assert config["timesteps"] == 32 and config["ei_temperature"] == 5.0 and config["suites"] == ["prior/gp"]
    assert "selected: " in (tmp_path / "record" / "selection.txt").read_text()


def _settings_run(split: str, diffs: dict[str, np.ndarray], p50: dict[str, float]) -> dict:
    """A compare_search_settings.py JSON with two variants of ei, per-task regrets first + diff."""
    rng = np.random.default_rng(len(diffs))
    means, pairs = {}, {}
    for suite, d in diffs.items():
        first = rng.uniform(0.1, 0.3, d.size)
        means[suite] = {
            "ei a=0": {"10": first.tolist(), "25": first.tolist(), "50": first.tolist()},
            "ei a=1": {"10": first.tolist(), "25": (first + d / 2).tolist(), "50": (first + d).tolist()},
        }
        pairs[suite] = {"ei a=1": {"50": {"difference": float(d.mean()), "wilcoxon_p": p50[suite]}}}
    command = {"variant": ["a=0", "a=1"], "methods": "ei", "split": split}
    return {"command": command, "task_means": means, "against_first": pairs}


def test_the_pooled_decision_adopts_a_variant_only_when_it_is_ahead_over_all_tasks_and_behind_nowhere() -> None:
    (decide,) = _import_from("benchmarks/search_settings/pooled_decision.py", "decide")
    rng = np.random.default_rng(3)
    ahead = {"s1": -0.01 + 0.002 * rng.standard_normal(20), "s2": 0.001 * rng.standard_normal(30)}
    verdict = decide([_settings_run("validation", ahead, {"s1": 0.001, "s2": 0.8})])[0]
    assert verdict["adopt"] and verdict["tasks"] == 50 and verdict["p_50"] < 0.05
    assert verdict["difference_50"] == pytest.approx(np.concatenate(list(ahead.values())).mean())
    # A second look asks for a lower p at 50; the same data then falls short of it.
    assert not decide([_settings_run("validation", ahead, {"s1": 0.001, "s2": 0.8})], adopt_alpha=1e-12)[0]["adopt"]
    # The same gain on s1, but s2 significantly behind: not adopted.
    losing = dict(ahead, s2=0.01 + 0.001 * rng.standard_normal(30))
    lost = decide([_settings_run("train", losing, {"s1": 0.001, "s2": 0.001})])[0]
    assert lost["significant_losses_50"] == ["train s2"] and not lost["adopt"]
    # Pure noise: not adopted.
    noise = {"s1": 0.01 * rng.standard_normal(40)}
    assert not decide([_settings_run("validation", noise, {"s1": 0.5})])[0]["adopt"]


def test_the_no_worse_rule_adopts_a_mend_unless_it_does_harm() -> None:
    (decide,) = _import_from("benchmarks/search_settings/pooled_decision.py", "decide")
    rng = np.random.default_rng(4)
    noise = {"s1": 0.01 * rng.standard_normal(40)}
    assert decide([_settings_run("validation", noise, {"s1": 0.5})], "no-worse")[0]["adopt"]
    assert not decide([_settings_run("validation", noise, {"s1": 0.5})], "better")[0]["adopt"]
    behind = {"s1": 0.01 + 0.001 * rng.standard_normal(40)}  # significantly higher at 25 and 50
    verdict = decide([_settings_run("validation", behind, {"s1": 0.5})], "no-worse")[0]
    assert verdict["p_25"] < 0.05 and not verdict["adopt"]


def test_the_early_rule_adopts_a_gain_at_10_that_costs_nothing_at_25_or_50() -> None:
    (decide,) = _import_from("benchmarks/search_settings/pooled_decision.py", "decide")
    rng = np.random.default_rng(5)
    first = rng.uniform(0.1, 0.3, 60)

    def run(at10: np.ndarray, at50: np.ndarray) -> dict:
        means = {"ei a=0": {b: first.tolist() for b in ("10", "25", "50")}}
        means["ei a=1"] = {"10": (first + at10).tolist(), "25": first.tolist(), "50": (first + at50).tolist()}
        pairs = {"ei a=1": {"50": {"difference": float(at50.mean()), "wilcoxon_p": 0.5}}}
        command = {"variant": ["a=0", "a=1"], "methods": "ei", "split": "validation"}
        return {"command": command, "task_means": {"s1": means}, "against_first": {"s1": pairs}}

    gain, noise = -0.01 + 0.002 * rng.standard_normal(60), 0.001 * rng.standard_normal(60)
    assert decide([run(gain, noise)], "early")[0]["adopt"]
    assert not decide([run(gain, noise)], "better")[0]["adopt"]  # no gain at 50
    assert not decide([run(gain, noise)], "early", adopt_alpha=1e-12)[0]["adopt"]
    assert not decide([run(gain, 0.01 + noise)], "early")[0]["adopt"]  # a loss at 50
    assert not decide([run(noise, noise)], "early")[0]["adopt"]


@pytest.mark.parametrize(
    ("script", "variants"),
    [
        ("benchmarks/search_settings/warp.sh", {"ei warp=yeo-johnson", "ei warp=copula"}),
        pytest.param("benchmarks/search_settings/refit.sh", {"ei refit_every=1"}, marks=pytest.mark.slow),
    ],
)
def test_a_search_setting_study_script_pairs_each_variant_with_the_default(
    tmp_path: Path, script: str, variants: set[str]
) -> None:
    args = ["--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "2", "--budget", "14", "--methods", "ei"]
    _run(script, *args, env={"OUT": str(tmp_path)})
    name = Path(script).stem
    for split in ("validation", "train"):
        paired = json.loads((tmp_path / f"{name}_{split}.json").read_text())["against_first"]["synthetic/mixed"]
        assert set(paired) == variants


def test_the_heavy_tail_study_writes_both_splits_a_decision_and_its_tables(tmp_path: Path) -> None:
    args = ["--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "2", "--budget", "50", "--methods", "ei"]
    stdout = _run("benchmarks/heavy_tails/run.sh", *args, env={"OUT": str(tmp_path)})
    assert "ei warp=outliers against warp=none over 4 tasks" in stdout  # two tasks on each split, pooled
    runs = [tmp_path / f"heavy_tail_{split}.json" for split in ("validation", "train")]
    for run in runs:
        table = json.loads(run.read_text())
        assert table["command"]["heavy_tail"] == 10.0 and "tpe" in table["curves"]["synthetic/mixed"]
        assert set(table["against_first"]["synthetic/mixed"]) == {"ei warp=outliers", "ei warp=half-rank"}
    summary = _run("benchmarks/heavy_tails/summarize.py", *map(str, runs))
    assert "| synthetic/mixed, validation |" in summary and "ei warp=half-rank against tpe over 4 tasks" in summary


@pytest.mark.parametrize(
    ("script", "name", "first_seed", "first", "others"),
    [
        (
            "benchmarks/heavy_tails/penalty.sh",
            "penalty",
            17000,
            "outlier_depth=20",
            {"outlier_depth=8", "outlier_depth=inf"},
        ),
        pytest.param(
            "benchmarks/heavy_tails/penalty_distinct.sh",
            "penalty_distinct",
            20000,
            "warp=outliers",
            {"warp=outliers-distinct"},
            marks=pytest.mark.slow,
        ),
        pytest.param(
            "benchmarks/heavy_tails/penalty_ties.sh",
            "penalty_ties",
            22000,
            "ties=search",
            {"ties=design"},
            marks=pytest.mark.slow,
        ),
    ],
)
def test_a_penalty_study_writes_both_splits_and_a_decision(
    tmp_path: Path, script: str, name: str, first_seed: int, first: str, others: set[str]
) -> None:
    args = ["--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "2", "--budget", "50", "--methods", "ei"]
    stdout = _run(script, *args, env={"OUT": str(tmp_path)})
    assert all(f"ei {o} against {first} over 4 tasks" in stdout for o in others)  # two tasks on each split, pooled
    for split in ("validation", "train"):
        table = json.loads((tmp_path / f"{name}_{split}.json").read_text())
        assert table["command"]["penalty"] == 1e20 and table["command"]["first_seed"] == first_seed
        assert set(table["against_first"]["synthetic/mixed"]) == {f"ei {o}" for o in others}
        assert "tpe" in table["curves"]["synthetic/mixed"]
    assert (tmp_path / f"{name}_decision.txt").read_text() in stdout


def test_the_initial_design_study_script_writes_its_table(tmp_path: Path) -> None:
    args = ["--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1", "--budget", "12", "--methods", "ei"]
    stdout = _run("benchmarks/search_settings/initial_design.sh", *args, env={"OUT": str(tmp_path)})
    assert all(f"synthetic/mixed ei n_initial={n},initial_design=random:" in stdout for n in (5, 8, 10))
    table = json.loads((tmp_path / "initial_design.json").read_text())
    curves, random_curve = table["curves"]["synthetic/mixed"], table["curves"]["synthetic/mixed"]["random"]
    # the design is random search's first points
    assert curves["ei n_initial=10,initial_design=random"][:10] == random_curve[:10]
    assert (tmp_path / "initial_design.txt").read_text() == stdout


@NEEDS_YAHPO
def test_estimate_yahpo_bounds_writes_an_instance_s_bounds(tmp_path: Path) -> None:
    tiny = ["--n-random", "200", "--max-corners", "8", "--edge-starts", "1", "--edge-points", "8", "--restarts", "1",
            "--cma-popsize", "4", "--cma-evals", "16", "--global-restarts", "1", "--polish-points", "4"]  # fmt: skip
    out = tmp_path / "bounds.json"
    where = ["--scenario", "iaml_glmnet", "--instances", "1067", "--out", str(out)]
    _run("scripts/estimate_yahpo_bounds.py", *where, *tiny)
    entry = json.loads(out.read_text())["iaml_glmnet"]["auc"]["1067"]
    assert entry["worst"] < entry["best"] <= 1.0


def test_parallel_tune_times_each_number_of_workers() -> None:
    out = _run("benchmarks/parallel_tune.py", "--workers", "2,3", "--budget", "3", "--method", "ei")
    assert "| 2 |" in out and "| 3 |" in out and "speed-up" in out


@pytest.mark.parametrize("method", ["hyperband", "bohb"])
def test_run_loop_overhead_prints_a_row_per_budget(method: str) -> None:
    out = _run("benchmarks/run_loop_overhead.py", "--budgets", "0.2", "--repeats", "1", "--method", method)
    assert "| budget | trials | ms per trial (median) |" in out
    assert re.search(r"^\| 0\.2 \| \d+ \| [\d.]+ \|$", out, re.M), out


def test_startup_time_times_each_method_in_fresh_processes() -> None:
    out = _run("benchmarks/startup_time.py", "--methods", "random,ppo", "--repeats", "1")
    assert "import rl_hpo" in out and "random: first ask" in out and "ppo: first ask" in out
    assert "ppo: imported            neither pandas nor matplotlib" in out
    (main,) = _import_from("benchmarks/startup_time.py", "main")
    with pytest.raises(SystemExit, match=r"The first ask of hyperband failed:\n(.|\n)*needs a fidelity"):
        main(["--methods", "hyperband", "--repeats", "1"])


def test_decision_overhead_prints_a_figure_per_method_and_trial() -> None:
    out = _run("benchmarks/decision_overhead.py", "--methods", "random,ei", "--checkpoints", "3", "--window", "2")
    assert "random" in out and "ei" in out and "CPU " in out and "kernels {'blas'" in out
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert f"code: commit {head[:10]}" in out  # the code the figures come from
    if sys.platform != "win32":
        assert "Median minor page faults per ask() + tell()" in out
    args = ["--methods", "ppo,ei", "--checkpoints", "8", "--window", "2", "--search", "n_polish=2"]
    out = _run("benchmarks/decision_overhead.py", *args)
    assert "search={'n_polish': 2}" in out and "| ppo |" in out and "| ei |" in out


@pytest.mark.parametrize(
    ("script", "args", "error"),
    [
        ("benchmarks/decision_overhead.py", ["--checkpoints", "50,x"], "--checkpoints takes comma-separated trial"),
        ("benchmarks/decision_overhead.py", ["--window", "0"], "--window takes whole numbers of at least 1, got 0"),
        ("benchmarks/decision_overhead.py", ["--seeds", "0"], "--seeds must be at least 1, got 0"),
        ("benchmarks/decision_overhead.py", ["--methods", "ppo,"], "unknown method(s) ''; choose from"),
        ("benchmarks/startup_time.py", ["--repeats", "0"], "--repeats must be at least 1, got 0"),
        ("benchmarks/startup_time.py", ["--methods", "nope"], "unknown method(s) 'nope'; choose from"),
        ("benchmarks/what_ppo_adds/summarize.py", ["tests"], "tests holds no recorded study"),
        ("benchmarks/leave_one_out/summarize.py", ["no/such/folder"], "no/such/folder is not a folder"),
        ("benchmarks/training_reward/summarize.py", ["tests"], "tests has no ei/ folder"),
        ("benchmarks/ei_temperature/summarize.py", ["tests"], "tests lacks sampled.json and greedy.json"),
        ("benchmarks/heavy_tails/summarize.py", ["nothing.json"], "no such run file: nothing.json"),
    ],
)
def test_benchmark_scripts_refuse_bad_arguments_in_one_line(script: str, args: list[str], error: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, script, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and error in done.stderr and "Traceback" not in done.stderr, done.stderr


def _decision_medians(out: str) -> dict[str, list[str]]:
    """The median milliseconds per ask() + tell() of ppo and ei at each checkpoint, as ``decision_overhead.py``
    printed them (its first table, without the figures of tell alone)."""
    medians = {}
    for cells in map(_markdown_cells, out.split("Median minor page faults")[0].splitlines()):
        if cells and cells[0] in ("ppo", "ei"):
            medians[cells[0]] = [cell.split(" (")[0] for cell in cells[1:]]
    return medians


def test_the_decision_time_records_without_avx512_are_the_recorded_runs() -> None:
    folder = ROOT / "benchmarks/decision_time"
    part = (folder / "README.md").read_text().split("## On a 2-core AMD EPYC without AVX-512", 1)[1]
    rows = [row for row in map(_markdown_cells, part.splitlines()) if len(row) == 3 and row[0].isdigit()]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    at_50, at_500 = [], []
    for row in rows:
        out = (folder / f"avx2_run{row[0]}.txt").read_text()
        assert "kernels {'blas': ['openblas Haswell'], 'torch': 'AVX2'}" in out
        medians = _decision_medians(out)
        assert row[1:] == [" / ".join(medians["ppo"]), " / ".join(medians["ei"])], row[0]
        at_50.append(medians["ppo"][0])
        at_500.append(medians["ppo"][2])
    text = " ".join(part.split())
    assert f"at trial 50 takes {min(at_50)} to {max(at_50)} ms" in text
    assert f"at trial 500 {min(at_500)} to {max(at_500)} ms" in text
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"it took {min(at_50)} to {max(at_50)} ms at 50 and {min(at_500)} to {max(at_500)} ms at 500" in readme


def test_the_decision_time_records_of_the_slower_machine_are_the_recorded_runs() -> None:
    folder = ROOT / "benchmarks/decision_time"
    part = (folder / "README.md").read_text().split("## A slower machine of the same type", 1)[1].split("\n## ", 1)[0]
    rows = [row for row in map(_markdown_cells, part.splitlines()) if len(row) == 3 and ", " in row[0]]
    assert [row[0] for row in rows] == ["f6cd507, 1", "2b3713d, 1", "f6cd507, 2", "2b3713d, 2"]
    at_50: dict[str, list[str]] = {"head": [], "old": []}
    for row in rows:
        which = "head" if row[0].startswith("f6cd507") else "old"
        out = (folder / f"avx2_slower_{which}_run{row[0][-1]}.txt").read_text()
        assert "kernels {'blas': ['openblas Haswell'], 'torch': 'AVX2'}" in out
        assert ("code: commit f6cd507" in out) == (which == "head")
        medians = _decision_medians(out)
        assert row[1:] == [" / ".join(medians["ppo"]), " / ".join(medians["ei"])], row[0]
        at_50[which].append(medians["ppo"][0])
    text = " ".join(part.split())
    head, old = sorted(at_50["head"], key=float), sorted(at_50["old"], key=float)
    assert f"the policy {head[0]} to {head[-1]} ms at trial 50 here, {old[0]} to {old[-1]} ms at 2b3713d" in text


def test_the_decision_time_records_of_polishing_without_avx512_are_the_recorded_runs() -> None:
    folder = ROOT / "benchmarks/decision_time"
    part = (folder / "README.md").read_text().split("## What polishing costs there", 1)[1].split("\n## ", 1)[0]
    rows = [row for row in map(_markdown_cells, part.splitlines()) if len(row) == 3 and "polishing" in row[0]]
    assert [row[0] for row in rows] == [
        "polishing (the default), 1",
        "polishing (the default), 2",
        "no polishing, 1",
        "no polishing, 2",
    ]
    at_50: dict[str, list[float]] = {"on": [], "off": []}
    for row in rows:
        kind = "off" if row[0].startswith("no ") else "on"
        out = (folder / f"avx2_polish_{kind}_run{row[0][-1]}.txt").read_text()
        assert "kernels {'blas': ['openblas Haswell'], 'torch': 'AVX2'}" in out
        assert ("search={'n_polish': 0}" in out) == (kind == "off")
        medians = _decision_medians(out)
        assert row[1:] == [" / ".join(medians["ppo"]), " / ".join(medians["ei"])], row[0]
        at_50[kind].append(float(medians["ppo"][0]))
    saved = sorted(on - off for on, off in zip(at_50["on"], at_50["off"], strict=True))
    figures = (
        f"{saved[0]:.2f} to {saved[1]:.2f} ms of the 4.34 to 4.53 ms at 50; without it a decision takes "
        f"{min(at_50['off']):.2f} to {max(at_50['off']):.2f} ms"
    )
    assert sorted(at_50["on"]) == [4.34, 4.53]
    assert figures in " ".join((ROOT / "README.md").read_text().split())


def test_decision_overhead_times_the_candidate_search_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    (time_run,) = _import_from("benchmarks/decision_overhead.py", "time_run")
    import rl_hpo.acquisition.search as search_module

    calls = []
    original = search_module.polish

    def counting(*args, **kwargs):
        calls.append(kwargs["iterations"])
        return original(*args, **kwargs)

    monkeypatch.setattr(search_module, "polish", counting)
    time_run("ei", 0, 8, {"n_polish": 2, "polish_iterations": 3})
    assert calls and set(calls) == {3}
    calls.clear()
    time_run("ppo", 0, 8)  # the shipped policy's own search: 5 iterations
    assert calls and set(calls) == {5}


def test_decision_overhead_with_a_random_history_decides_from_the_observed_configurations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (time_run,) = _import_from("benchmarks/decision_overhead.py", "time_run")
    import rl_hpo.acquisition.search as search_module

    seen = []
    original = search_module.CandidateSearch.propose

    def recording(self, *args, **kwargs):
        seen.append(np.array(self._u))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(search_module.CandidateSearch, "propose", recording)
    ask_s, tell_s, faults = time_run("ei", 3, 2, observed=12)
    assert ask_s.shape == tell_s.shape == faults.shape == (2,)
    # Two decisions: from the 12 observed points, then from those and the first decision's trial; the
    # observed points are the same in another run (drawn from the seed alone).
    assert [len(u) for u in seen] == [12, 13]
    time_run("ei", 3, 1, observed=12)
    np.testing.assert_array_equal(seen[2], seen[0])
    with pytest.raises(SystemExit, match="cannot observe"):
        time_run("hyperband", 0, 1, observed=5)


def test_compare_search_settings_runs_the_seeds_it_is_given(tmp_path: Path) -> None:
    def curve(*seeds: str) -> np.ndarray:
        out = tmp_path / f"{'_'.join(seeds)}.json"
        args = ["--variant", "edges=clip", "--methods", "ei", "--suites", "synthetic/mixed", "--max-tasks", "1"]
        _run("scripts/compare_search_settings.py", *args, "--budget", "8", *seeds, "--out", str(out))
        return np.array(json.loads(out.read_text())["curves"]["synthetic/mixed"]["ei edges=clip"])

    first, second = curve("--seeds", "1"), curve("--seeds", "1", "--first-seed", "1")
    assert not np.allclose(first, second)
    np.testing.assert_allclose(curve("--seeds", "2"), (first + second) / 2)


def test_compare_search_settings_prints_and_writes_each_variant(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    stdout = _run(
        "scripts/compare_search_settings.py", "--variant", "edges=reflect", "--variant", "edges=clip,n_initial=3",
        "--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1", "--budget", "8", "--out", str(out),
    )  # fmt: skip
    assert "synthetic/mixed ei edges=reflect:" in stdout and "synthetic/mixed ppo edges=clip,n_initial=3:" in stdout
    from rl_hpo.agents.policy_file import default_policy_path, load_policy

    table = json.loads(out.read_text())  # the code and the policy it ran, as rl-hpo bench records them
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert table["git_commit"] == head and isinstance(table["git_dirty"], bool)
    assert table["policy_sha256"] == load_policy(default_policy_path()).sha256
    assert "against edges=reflect at " in stdout
    table = json.loads(out.read_text())
    assert table["cpu_kernels"]["blas"]  # the kernels the curves were computed with
    curves = table["curves"]["synthetic/mixed"]
    assert set(curves) == {"random", "ei edges=reflect", "ei edges=clip,n_initial=3", "ppo edges=reflect",
                           "ppo edges=clip,n_initial=3"}  # fmt: skip
    assert all(len(c) == 8 for c in curves.values())
    behind = table["behind_random"]["synthetic/mixed"]
    assert set(behind) == set(curves) - {"random"} and all(isinstance(b["budgets"], list) for b in behind.values())


def test_the_outlier_depths_script_measures_each_suite_s_outliers() -> None:
    stdout = _run("benchmarks/heavy_tails/outlier_depths.py", "--points", "12", "--seeds", "1", "--max-tasks", "2",
                  "--suites", "synthetic/mixed,prior/gp")  # fmt: skip
    assert "synthetic/mixed validation: " in stdout and "prior/gp validation: " in stdout
    assert stdout.count("runs with outliers") == 2


def test_the_tied_history_script_shows_what_each_method_does_before_two_scores_differ() -> None:
    args = ["--suites", "synthetic/mixed", "--max-tasks", "1", "--seeds", "1", "--budget", "12"]
    rows = _run("benchmarks/heavy_tails/tied_history.py", *args).splitlines()[2:]
    assert [row.split(" | ")[1] for row in rows] == ["random", "tpe", "ei ties=search", "ei ties=design",
                                                     "ppo ties=search", "ppo ties=design"]  # fmt: skip
    bounds = {row.split(" | ")[1]: row.split(" | ")[5] for row in rows}
    assert bounds["random"].startswith("0.00 of ") and bounds["ei ties=design"].startswith("0.00 of ")


def test_compare_search_settings_runs_references_heavy_tails_and_penalties(tmp_path: Path) -> None:
    def table(*extra: str) -> dict:
        out = tmp_path / f"{len(extra)}.json"
        args = ["--variant", "warp=none", "--variant", "warp=outliers", "--methods", "ei", "--split", "train",
                "--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "2", "--budget", "12"]  # fmt: skip
        stdout = _run("scripts/compare_search_settings.py", *args, *extra, "--out", str(out))
        assert "synthetic/mixed ei warp=outliers:" in stdout
        return json.loads(out.read_text())

    plain = table()
    heavy = table("--heavy-tail", "10", "--references", "tpe")
    curves = heavy["curves"]["synthetic/mixed"]
    assert set(curves) == {"random", "tpe", "ei warp=none", "ei warp=outliers"}
    assert set(heavy["against_references"]["synthetic/mixed"]) == {"ei warp=none | tpe", "ei warp=outliers | tpe"}
    # Random search only ranks what it is told: the same curve on the task's own scale with or without a heavy
    # tail (regret measured on that scale either way); the GP sees the tail, so its runs differ.
    np.testing.assert_allclose(curves["random"], plain["curves"]["synthetic/mixed"]["random"])
    assert curves["ei warp=none"] != plain["curves"]["synthetic/mixed"]["ei warp=none"]
    # So with a penalty for the bad configurations (told, not measured: the regret stays on the task's scale).
    penalized = table("--penalty", "1e20")["curves"]["synthetic/mixed"]
    np.testing.assert_allclose(penalized["random"], plain["curves"]["synthetic/mixed"]["random"])
    assert penalized["ei warp=none"] != plain["curves"]["synthetic/mixed"]["ei warp=none"]
    with pytest.raises(AssertionError, match="give one of them"):
        _run("scripts/compare_search_settings.py", "--variant", "warp=none", "--heavy-tail", "10", "--penalty", "1e20")
    with pytest.raises(AssertionError, match="--references takes"):
        _run("scripts/compare_search_settings.py", "--variant", "warp=none", "--references", "cmaes")


def test_compare_search_settings_runs_on_train_tasks_but_never_on_test(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    args = ["--variant", "n_initial=3", "--methods", "ei", "--suites", "synthetic/mixed", "--seeds", "1",
            "--max-tasks", "1", "--budget", "6"]  # fmt: skip
    stdout = _run("scripts/compare_search_settings.py", *args, "--split", "train", "--out", str(out))
    assert "synthetic/mixed ei n_initial=3:" in stdout and json.loads(out.read_text())["command"]["split"] == "train"
    with pytest.raises(AssertionError, match="invalid choice"):
        _run("scripts/compare_search_settings.py", *args, "--split", "test")


def test_compare_search_settings_tells_a_tie_with_random_search_from_a_loss() -> None:
    behind_random, describe = _import_from("scripts/compare_search_settings.py", "behind_random", "describe")

    rng = np.random.default_rng(0)
    random_curves = rng.uniform(0.2, 0.4, (8, 10, 6))  # (tasks, seeds, budgets)
    noise = rng.normal(0.0, 0.05, random_curves.shape)
    tie = random_curves + noise - noise.mean(axis=(0, 1))  # mean excess exactly zero at every budget...
    tie[..., 3] += 0.002  # ...except a small one at budget 4
    loss = random_curves + 0.03 + 0.001 * noise  # always behind, by much more than the pairs' noise
    ahead = random_curves - 0.01
    assert behind_random(ahead, random_curves) == {"budgets": []}
    assert describe(behind_random(ahead, random_curves)) == "behind random at no budget"
    small = behind_random(tie, random_curves)
    assert small["budgets"] == [4] and small["at"] == 4 and small["largest"] == pytest.approx(0.002)
    assert 0.3 < small["win_rate"] < 0.7 and small["wilcoxon_p"] > 0.2
    large = behind_random(loss, random_curves)
    assert large["budgets"] == [1, 2, 3, 4, 5, 6] and large["win_rate"] == 0.0 and large["wilcoxon_p"] < 0.01
    assert describe(small).startswith("behind random at [4] (largest +0.0020 at 4, win rate 0.")
    json.dumps(small)  # the script writes it as JSON


def test_compare_search_settings_pairs_each_variant_with_the_first() -> None:
    against_first, describe_pairing = _import_from(
        "scripts/compare_search_settings.py", "against_first", "describe_pairing"
    )
    rng = np.random.default_rng(1)
    first = rng.uniform(0.2, 0.4, (12, 10, 50))  # (tasks, seeds, budgets)
    noise = rng.normal(0.0, 0.1, first.shape)
    noisy = first + noise - noise.mean(axis=(0, 1))  # the same mean, seed by seed noise
    better = first - 0.02
    tie = against_first(noisy, first, [10, 50])
    assert tie["10"]["difference"] == pytest.approx(0.0, abs=1e-12) and tie["50"]["wilcoxon_p"] > 0.05
    assert 0.35 < tie["10"]["win_rate"] < 0.65
    win = against_first(better, first, [25])["25"]
    assert win["difference"] == pytest.approx(-0.02) and win["win_rate"] == 1.0 and win["wilcoxon_p"] < 0.01
    text = describe_pairing(against_first(better, first, [10, 50]), "n_polish=0")
    assert text.startswith("against n_polish=0 at 10 / 50: -0.0200 (win rate 1.00, p 0.00) / -0.0200")
    json.dumps(tie)  # the script writes it as JSON


def test_compare_search_settings_varies_the_temperature_of_sampled_ei(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    args = ["--suites", "synthetic/mixed", "--seeds", "2", "--max-tasks", "1", "--budget", "10"]
    _run("scripts/compare_search_settings.py", "--variant", "temperature=0.5", "--variant", "temperature=50",
         "--methods", "ei_sampled", *args, "--out", str(out))  # fmt: skip
    curves = json.loads(out.read_text())["curves"]["synthetic/mixed"]
    assert set(curves) == {"random", "ei_sampled temperature=0.5", "ei_sampled temperature=50"}
    assert curves["ei_sampled temperature=0.5"] != curves["ei_sampled temperature=50"]
    with pytest.raises(AssertionError, match="applies to ei_sampled only"):
        _run("scripts/compare_search_settings.py", "--variant", "temperature=2", "--methods", "ei", *args)


def test_compare_search_settings_takes_true_or_false_for_the_policy_s_choice_and_nothing_else() -> None:
    args = ["--methods", "ppo", "--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1", "--budget", "6"]
    with pytest.raises(AssertionError, match="'deterministic' takes true or false; got 'True'"):
        _run("scripts/compare_search_settings.py", "--variant", "deterministic=True", *args)


def test_the_ei_temperature_study_records_every_temperature_and_plain_ei(tmp_path: Path) -> None:
    env = {"OUT": str(tmp_path / "runs"), "RECORD": str(tmp_path / "record")}
    out = _run("benchmarks/ei_temperature/run.sh", "--suites", "synthetic/mixed", "--seeds", "1", "--max-tasks", "1",
               "--budget", "10", env=env)  # fmt: skip
    for t in ("1", "2", "5", "10", "20"):
        assert f"synthetic/mixed ei_sampled temperature={t}:" in out
    assert "synthetic/mixed ei n_initial=5:" in out
    record = sorted(p.name for p in (tmp_path / "record").iterdir())
    assert record == ["greedy.json", "greedy.txt", "sampled.json", "sampled.txt"]
    table = _run("benchmarks/ei_temperature/summarize.py", str(tmp_path / "record")).splitlines()
    assert table[0] == "| method | synthetic/mixed | mean |"
    assert [row.split(" | ")[0] for row in table[2:]] == [
        "| ei_sampled temperature=1", "| ei_sampled temperature=2", "| ei_sampled temperature=5",
        "| ei_sampled temperature=10", "| ei_sampled temperature=20", "| ei n_initial=5",
    ]  # fmt: skip
    cells = [row.strip("| ").split(" | ")[1:] for row in table[2:]]
    assert all(0.0 <= float(cell.strip("*")) <= 1.0 for row in cells for cell in row)  # regret at 10, two columns


@pytest.mark.slow  # a recorded study's script, 35 to 60 s even at its tiniest
def test_the_training_reward_study_trains_both_rewards_and_prints_its_table(tmp_path: Path) -> None:
    env = _tiny_training_study(tmp_path, suites="synthetic/mixed", tasks="synthetic/mixed/64")
    stdout = _run("benchmarks/training_reward/run.sh", env=env)
    table = stdout.splitlines()
    assert table[0] == "| policy | synthetic_mixed |"
    assert [line.split(" | ")[0] for line in table[2:5]] == ["| ei", "| area", "| improvement"]
    assert "improvement: prior/gp validation score" in stdout
    config = json.loads((tmp_path / "record" / "improvement" / "config.json").read_text())
    assert (config["reward"], config["gamma"]) == ("improvement", 1.0)


def test_expected_best_of_draws_matches_a_monte_carlo_estimate() -> None:
    (expected_best_of,) = _import_from("benchmarks/early_phase/expected_gain.py", "expected_best_of")
    regrets = np.array([0.9, 0.1, 0.5, 0.3, 0.7])
    ks = np.array([1, 2, 5])
    exact = expected_best_of(regrets, 0.6, ks)
    assert exact[0] == pytest.approx(np.minimum(regrets, 0.6).mean())  # one draw: the mean, capped by the start
    draws = np.random.default_rng(0).choice(regrets, size=(200_000, 5))
    for k, value in zip(ks, exact, strict=True):
        assert value == pytest.approx(np.minimum(draws[:, :k].min(axis=1), 0.6).mean(), abs=2e-3)
    assert np.all(np.diff(exact) < 0) and expected_best_of(regrets, 0.05, ks) == pytest.approx([0.05] * 3)


def test_the_design_draws_study_compares_the_latin_design_with_random_searchs_points() -> None:
    out = _run(
        "benchmarks/early_phase/design_draws.py", "--suites", "synthetic/mixed", "--seeds", "3", "--max-tasks", "2"
    )
    lines = out.splitlines()
    assert lines[0] == "synthetic/mixed train: 2 tasks x 3 seeds; Latin minus uniform, best of the first k"
    assert lines[1].startswith("  k=1: +0.0000  tasks higher 0, lower 0")  # the first point is random search's own
    assert len(lines) == 6 and all(line.startswith(f"  k={k}: ") for k, line in enumerate(lines[1:], 1))
    # a study's own task family, imported first as rl-hpo bench --plugins does
    plugins = {"PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks/space_kinds"), str(ROOT)])}
    tiny = ["--suites", "kinds/conditional", "--seeds", "3", "--max-tasks", "2"]
    out = _run("benchmarks/early_phase/design_draws.py", "--plugins", "space_kinds", *tiny, env=plugins)
    assert out.startswith("kinds/conditional train: 2 tasks x 3 seeds")
    _run("benchmarks/early_phase/design_draws.py", *tiny, env=plugins, status=1)  # no family "kinds" without it


def _assert_records_where_it_ran(record: dict[str, Any]) -> None:
    """A study script's JSON names the code, kernels and versions it ran with, as rl-hpo bench's run.json does."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    where = record["provenance"]
    assert where["git_commit"] == head and isinstance(where["git_dirty"], bool) and where["cpu_kernels"]["blas"]
    assert where["versions"]["numpy"] == np.__version__


def test_early_phase_study_reports_expected_gains_and_curves(tmp_path: Path) -> None:
    from rl_hpo.agents.policy_file import load_policy

    out = _run("benchmarks/early_phase/expected_gain.py", "--suites", "prior/gp", "--seeds", "1", "--max-tasks", "2",
               "--evals", "8", "--draws", "32", "--out", str(tmp_path / "gain.json"))  # fmt: skip
    record = json.loads((tmp_path / "gain.json").read_text())
    _assert_records_where_it_ran(record)
    assert record["provenance"]["policy_sha256"] == load_policy(record["settings"]["policy"]).sha256
    suite = record["suites"]["prior/gp"]
    rows, worst = suite["evaluations"], suite["largest_shortfalls"]
    assert [r["evaluation"] for r in rows] == [6, 7, 8] and "| 6 |" in out
    shortfall = [run["policy"] - run["uniform"] for run in worst]
    assert len(worst) == 2 and shortfall == sorted(shortfall) and f"seed {worst[0]['seed']}:" in out
    for r in rows:
        assert 0.0 <= r["uniform"] <= 1.0 and 0.0 <= r["policy"] <= 1.0 and 0.0 <= r["p_improve_uniform"] <= 1.0
        assert 0.0 <= r["regret_random_expected"] <= 1.0
    # Random search's expected curve never rises.
    assert rows[0]["regret_random_expected"] >= rows[1]["regret_random_expected"] >= rows[2]["regret_random_expected"]


def test_early_phase_study_with_sampled_candidates_evaluates_those_alone() -> None:
    from rl_hpo.agents.policy_file import load_policy
    from rl_hpo.tasks.registry import load_task

    (run_task,) = _import_from("benchmarks/early_phase/expected_gain.py", "run_task")
    task = load_task("synthetic/branin/0")
    batches: list[int] = []
    evaluate_unit = task.evaluate_unit

    def counted(u: np.ndarray, fidelity: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        batches.append(len(np.atleast_2d(u)))
        return evaluate_unit(u, fidelity)

    task.evaluate_unit = counted  # type: ignore[method-assign]
    result = run_task(task, load_policy("default"), [0], evals=8, draws=2, n_initial=5, candidates=3)
    gains = result["gains"][0]
    assert gains.shape == (3, 5) and np.all((gains >= 0.0) & (gains <= 1.0))
    # Three draws from the policy and EI's argmax at most, never the whole shortlist of 64.
    assert max(batches) <= 4 and batches.count(2) >= 3


@pytest.mark.slow  # a study's script, 20 to 60 s even at its tiniest on a 2-core machine without AVX-512
def test_table_repeats_counts_choices_on_entries_evaluated_already(tmp_path: Path) -> None:
    where = ["--suites", "sklearn/svc", "--max-tasks", "1", "--seeds", "1", "--methods", "ei,random"]
    out = _run("benchmarks/early_phase/table_repeats.py", *where, "--out", str(tmp_path / "repeats.json"),
               env={"RL_HPO_CACHE": str(tmp_path)})  # fmt: skip
    record = json.loads((tmp_path / "repeats.json").read_text())
    _assert_records_where_it_ran(record)
    shares = record["shares"]["sklearn/svc"]
    assert "sklearn/svc train (1 tasks x 1 seeds) random: 6-10:" in out
    for method in ("ei", "random"):
        assert len(shares[method]) == 50 and shares[method][0] == 0.0 and set(shares[method]) <= {0.0, 1.0}
    # 50 choices among the table's 256 entries: uniform draws meet an entry again now and then.
    assert 0 < sum(shares["random"]) < 25
    _run("benchmarks/early_phase/table_repeats.py", "--suites", "prior/gp", "--max-tasks", "1", status=2)


def test_polish_moves_records_how_far_each_kind_of_parameter_moves(tmp_path: Path) -> None:
    args = ["--suite", "prior/gp", "--max-tasks", "1", "--seeds", "1", "--budget", "12"]
    out = _run("benchmarks/high_dimensions/polish_moves.py", *args, "--out", str(tmp_path / "moves.json"))
    record = json.loads((tmp_path / "moves.json").read_text())
    _assert_records_where_it_ran(record)
    moves = record["moves"]
    assert set(moves) == {"cube", "lengthscales"}
    for scale, kinds in moves.items():
        assert kinds["relevant"]["move"], scale  # every GP-prior task has a parameter that matters
        assert all(0.0 <= m <= 1.0 for kind in kinds.values() for m in kind["move"])
        assert f"polish_scale={scale} relevant: mean move " in out
    _run("benchmarks/high_dimensions/polish_moves.py", "--suite", "synthetic/mixed", status=2)


def test_prediction_errors_records_one_error_per_point_told_after_the_first_fit(tmp_path: Path) -> None:
    args = ["--suites", "synthetic/branin", "--max-tasks", "1", "--seeds", "1", "--budget", "12"]
    out = _run("benchmarks/search_settings/prediction_errors.py", *args, "--out", str(tmp_path / "errors.json"))
    record = json.loads((tmp_path / "errors.json").read_text())
    _assert_records_where_it_ran(record)
    pairs = record["errors"]["synthetic/branin"]
    # 5 design points, then 7 picks, each told after a fit.
    assert [n for n, _ in pairs] == list(range(5, 12))
    assert all(math.isfinite(e) for _, e in pairs)
    assert "every point:          median " in out


def test_same_state_picks_sets_two_settings_side_by_side_from_the_same_states(tmp_path: Path) -> None:
    args = ["--suites", "synthetic/branin", "--max-tasks", "1", "--seeds", "1", "--budget", "9"]
    variants = ["--variant", "n_polish=3", "--variant", "n_polish=0"]
    out = _run("benchmarks/search_settings/same_state_picks.py", *args, *variants, "--out", str(tmp_path / "p.json"))
    record = json.loads((tmp_path / "p.json").read_text())
    _assert_records_where_it_ran(record)
    decisions = record["decisions"]["synthetic/branin"]
    assert [d["known"] for d in decisions] == [5, 6, 7, 8]
    assert all(len(d["picks"]) == 2 and all(0.0 <= p["regret"] <= 1.0 for p in d["picks"]) for d in decisions)
    assert all(0.0 <= p["gain"] <= 1.0 for d in decisions for p in d["picks"])
    assert "synthetic/branin validation (1 tasks x 1 seeds): 4 decisions" in out
    # The same settings twice pick the same points.
    same = _run(
        "benchmarks/search_settings/same_state_picks.py", *args, "--variant", "n_polish=3", "--variant", "n_polish=3"
    )
    assert "the picks never differ" in same
    _run("benchmarks/search_settings/same_state_picks.py", *args, "--variant", "n_polish=3", status=2)
    # With a rollout of 2 at every other decision: only the one at 5 known points leaves room within the budget of 9
    # (5 + 1 + 2 <= 9; at 7, 7 + 1 + 2 > 9).
    rolled = ["--rollout", "2", "--every", "2", "--out", str(tmp_path / "r.json")]
    out = _run("benchmarks/search_settings/same_state_picks.py", *args, *variants, *rolled)
    decisions = json.loads((tmp_path / "r.json").read_text())["decisions"]["synthetic/branin"]
    assert [d["known"] for d in decisions] == [5]
    picks = decisions[0]["picks"]
    # The best after the rollout is at least as good as the pick itself.
    assert all(0.0 <= p["regret_after"] <= p["regret"] for p in picks)
    assert "more evaluations by the first setting: regret" in out or "never differ" in out


def test_same_decisions_finds_identical_runs_the_same_and_names_the_first_difference(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    where = ["--tasks", "synthetic/branin/0@12", "--methods", "ei", "--seeds", "1"]
    _run("benchmarks/same_decisions.py", *where, "--out", str(first))
    out = _run("benchmarks/same_decisions.py", *where, "--out", str(second), "--compare", str(first))
    assert "the same decisions" in out
    runs = json.loads(first.read_text())
    runs["synthetic/branin/0|ei|0"][11]["score"] += 1e-12  # the last digit of the last trial
    first.write_text(json.dumps(runs))
    out = _run("benchmarks/same_decisions.py", *where, "--out", str(second), "--compare", str(first), status=1)
    assert "NOT the same decisions: synthetic/branin/0|ei|0: trial 11 differs" in out
    (parse_task,) = _import_from("benchmarks/same_decisions.py", "parse_task")
    assert parse_task("heavy:yahpo/lcbench/3945@30") == ("heavy:yahpo/lcbench/3945", 30)
    assert parse_task("synthetic/branin/0") == ("synthetic/branin/0", 100)


def test_the_reproduce_script_gives_its_usage_and_names_a_folder_without_a_study(tmp_path: Path) -> None:
    usage = _run("benchmarks/reproduce.sh", "--help")
    assert usage.startswith("Re-run a recorded study") and "benchmarks/reproduce.sh --here benchmarks/" in usage
    _run("benchmarks/reproduce.sh", str(tmp_path), status=2)


def test_the_prequential_in_use_script_reports_each_run_s_share_of_pooled_decisions() -> None:
    args = ["--suite", "synthetic/mixed", "--max-tasks", "1", "--seeds", "2", "--budget", "9"]
    out = _run("benchmarks/search_settings/prequential_in_use.py", *args)
    rows = [line.split("  ") for line in out.splitlines()[1:]]
    assert [row[:3] for row in rows] == [["synthetic/mixed/64", "5", "0"], ["synthetic/mixed/64", "5", "1"]]
    for row in rows:
        assert 0.0 <= float(row[5]) <= 1.0 and (row[6] == "-") == (float(row[5]) == 0.0)
