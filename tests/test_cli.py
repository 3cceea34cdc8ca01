"""The rl-hpo command: help texts, one-line errors, exit codes."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rl_hpo.cli import build_parser, main

SUBCOMMANDS = ["tasks", "train", "tune", "bench", "report"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rl_hpo.cli", *args], capture_output=True, text=True, timeout=120)


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in SUBCOMMANDS:
        assert command in out


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_each_subcommand_describes_its_options(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "options:" in out and "--" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tune", "--task", "synthetic/branin/0", "--budget", "-3"], "expected a positive number, got '-3'"),
        (["tune", "--task", "synthetic/branin/0", "--seed", "x"], "expected an integer >= 0, got 'x'"),
        (["tune", "--task", "synthetic/branin/0", "--workers", "0"], "expected a positive integer, got '0'"),
        (["tune"], "one of the arguments --task --csv is required"),
        (["report", "no-such-folder"], "no-such-folder is not a folder; point `rl-hpo report` at the --out folder"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (
            ["bench", "--suite", "yahpo/lcbench", "--out", "x", "--executor", "slurm"],
            "invalid choice: 'slurm'",
        ),
    ],
)
def test_bad_options_give_one_line_and_exit_2(argv, message):
    result = run(*argv)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--torch-threads", "0"], "error: --torch-threads must be"),
        (["--batch-size", "1"], "error: --batch-size must be"),
        (["--n-steps", "1", "--n-envs", "1"], "n_steps * n_envs >= 2"),
        (["--eval-seeds", "0"], "error: --eval-seeds must be"),
        (["--eval-max-tasks", "-1"], "error: --eval-max-tasks must be"),
        (["--n-initial", "60"], "error: --n-initial must be an int in [1, budget - 1] (budget 50). Got 60"),
        (["--budget", "3"], "--n-initial must be an int in [1, budget - 1] (budget 3). Got 5 instead."),
        (["--timesteps", "0"], "error: --timesteps must be an int >= 1"),
        (["--vec-env", "batched"], "--vec-env must be 'subproc' or 'dummy' ('batched' is the per-dimension design's)"),
        (["--suite", "nosuch"], "'nosuch' is not a suite or task name"),
        (["--out", "README.md/x"], "'README.md' is a file"),
        (
            ["--design", "per-dimension", "--suite", "synthetic/mixed", "--eval-split", "valdation"],
            "'validation' or 'train'",
        ),
        (["--gamma", "2"], "error: --gamma must be a number in (0, 1]. Got 2.0 instead."),
        (["--clip-range", "0"], "error: --clip-range must be a number > 0"),
        (["--learning-rate", "nan"], "error: --learning-rate must be a number > 0"),
        (["--hidden", "100000"], "error: --hidden must be an int in [1, 8192] (a policy file holds no wider network)"),
        (["--ei-temperature", "nan"], "error: --ei-temperature must be a finite number > 0. Got nan"),
        (["--n-candidates", "2"], "error: --n-candidates must be an int from 3 (the candidates the search polishes)"),
        (["--design", "per-dimension", "--suite", "synthetic/mixed", "--gae-lambda", "2"], "--gae-lambda must be"),
        (
            ["--suite", "sklearn/svc", "--no-sklearn-tabulated"],
            "error: --sklearn-tabulated is off, and the run validates on sklearn/svc, whose live tasks have no score",
        ),
    ],
)
def test_training_settings_are_refused_before_the_run(
    argv, message, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Settings that stable-baselines3, torch or a worker process would only refuse mid-run, in one line that
    names the option, and nothing written."""
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--timesteps", "8", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("design", ["candidate", "per-dimension"])
def test_training_into_a_policy_s_folder_is_refused(design, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.agents.policy_file import default_policy_path

    shutil.copytree(default_policy_path(), tmp_path / "default")
    before = sorted(p.name for p in (tmp_path / "default").iterdir())
    argv = ["train", "--design", design, "--suite", "synthetic/mixed", "--out", str(tmp_path / "default")]
    assert main([*argv, "--timesteps", "8", "--n-envs", "2", "--n-steps", "4", "--batch-size", "8"]) == 2
    err = capsys.readouterr().err
    assert "is a policy's folder (it holds policy.json)" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in (tmp_path / "default").iterdir()) == before
    # The folder of the package's policies, say: the run's best/ and final/ would sit among its policies.
    argv[-1] = str(tmp_path)
    assert main([*argv, "--timesteps", "8", "--n-envs", "2", "--n-steps", "4", "--batch-size", "8"]) == 2
    err = capsys.readouterr().err
    assert "holds policy folders (default); a training run writes best/" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["default"]


@pytest.mark.parametrize("design", ["candidate", "per-dimension"])
def test_a_second_training_on_a_folder_in_use_is_refused(design, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.agents.ppo_runtime import training_folder_lock, training_lock_file

    out = tmp_path / "run"
    argv = ["train", "--design", design, "--suite", "synthetic/mixed", "--timesteps", "8", "--n-envs", "2"]
    argv += ["--n-steps", "4", "--batch-size", "8", "--out", str(out)]
    with training_folder_lock(out):  # a run going on there (a --resume started while it runs, say)
        assert main(argv) == 2
        assert main([*argv, "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(f"is in use by another training run (process {os.getpid()})" in e for e in err)
    assert not out.exists() and not training_lock_file(out).exists()  # the lock's file goes with the lock


@pytest.mark.parametrize("design", ["candidate", "per-dimension"])
def test_training_into_a_folder_of_other_work_is_refused_and_leaves_it_as_it_was(
    design, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "project"  # a run would replace its best/, config.json and eval.csv
    (work / "best").mkdir(parents=True)
    (work / "best" / "model.txt").write_text("important")
    (work / "config.json").write_text('{"my": "settings"}')
    (work / "eval.csv").write_text("mine")
    files = {p: p.read_bytes() for p in work.rglob("*") if p.is_file()}
    argv = ["train", "--design", design, "--suite", "synthetic/mixed", "--timesteps", "8", "--n-envs", "2"]
    argv += ["--n-steps", "4", "--batch-size", "8"]
    assert main([*argv, "--out", str(work)]) == 2
    err = capsys.readouterr().err
    assert "holds best, config.json, eval.csv but no training run's settings (config.json of rl-hpo train)" in err
    assert len(err.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in work.rglob("*") if p.is_file()} == files
    assert main([*argv, "--out", ""]) == 2  # not the current folder
    assert "--out must be a folder's path (not empty)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ("nope/x/1", "Unknown task family 'nope'"),
        ("branin", "'branin' is not a task name; write it as family/scenario/instance, e.g. 'synthetic/branin/0'."),
    ],
)
def test_bad_task_names_give_one_line(task, message):
    result = run("tune", "--task", task)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_method_is_one_line():
    result = run("tune", "--task", "synthetic/branin/0", "--method", "nope", "--quiet")
    assert result.returncode == 2
    assert "Unknown method 'nope'" in result.stderr and "Traceback" not in result.stderr


def test_parser_defaults_match_the_design():
    args = build_parser().parse_args(["bench", "--suite", "yahpo/lcbench", "--out", "d"])
    assert args.split == "test" and args.executor == "local" and args.budget == 50
    assert args.methods == "ppo,tpe,gp,random"  # the policy beside the baselines
    assert build_parser().parse_args(["tune", "--task", "synthetic/branin/0"]).method == "ppo"


TOKENS = [
    "tune", "tasks", "--task", "--budget", "--seed", "--method", "--suite", "--split", "--json", "--quiet",
    "--csv", "--target", "--journal", "--resume", "synthetic/branin/0", "nope/a/b", "a/b", "x", "-1", "0", "2",
    "1e9", "nan", "random", "tpe?", "train", "test", "all", "", "--", "--help-me", "--fidelity", "iterations",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.sampled_from(TOKENS), max_size=7))
def test_fuzzed_arguments_never_crash(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a fuzzed --journal writes here
    if "--budget" in argv or "tune" not in argv:
        pass
    else:  # keep accidental real runs short
        argv = [*argv, "--budget", "2"]
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err
    if code:
        assert err.strip(), argv


def test_fidelity_option_is_for_sklearn_tasks_only(capsys):
    args = build_parser().parse_args(["tune", "--task", "sklearn/mlp/iris"])
    assert args.fidelity is None  # subsample unless given
    assert main(["tune", "--task", "synthetic/branin/0", "--fidelity", "iterations", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--fidelity applies to scikit-learn tasks only (--csv or --task sklearn/...)" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["tune", "--task", "sklearn/svc/iris", "--fidelity", "iterations", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Pipeline 'svc' has no iteration count" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_info:
        main(["tune", "--task", "sklearn/svc/iris", "--fidelity", "epochs"])
    assert exit_info.value.code == 2 and "invalid choice: 'epochs'" in capsys.readouterr().err


def test_hyperband_on_an_iterations_task(monkeypatch, capsys):
    tune_module = importlib.import_module("rl_hpo.tune")  # the package's ``tune`` attribute is the function
    seen = []
    original = tune_module.tune

    def spy(task, **kwargs):
        history = original(task, **kwargs)
        seen.append((task, history))
        return history

    monkeypatch.setattr(tune_module, "tune", spy)
    argv = ["tune", "--task", "sklearn/hist_gradient_boosting/iris", "--fidelity", "iterations"]
    assert main([*argv, "--method", "hyperband", "--budget", "2", "--seed", "0", "--quiet"]) == 0
    assert "task:        sklearn/hist_gradient_boosting/iris" in capsys.readouterr().out
    ((task, history),) = seen
    assert task.fidelity.name == "iterations"
    assert any(r.fidelity < 1 and r.info["n_iterations"] < r.config["max_iter"] for r in history.records)


def test_csv_with_the_iterations_fidelity(tmp_path, capsys):
    rows = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{'yes' if i % 7 > 3 else 'no'}" for i in range(40)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    argv = ["tune", "--csv", str(tmp_path / "d.csv"), "--target", "label", "--fidelity", "iterations"]
    assert main([*argv, "--method", "hyperband", "--budget", "1", "--seed", "0", "--quiet", "--json"]) == 0
    assert '"task": "sklearn/random_forest/d"' in capsys.readouterr().out


def test_tune_says_what_a_csv_tasks_score_is_and_pipeline_goes_with_csv_only(tmp_path, capsys):
    rows = ["a,b,y"] + [f"{i % 7},{(i * 3) % 5},{0.5 * (i % 7) - (i * 3) % 5}" for i in range(40)]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    argv = ["tune", "--csv", str(tmp_path / "r.csv"), "--target", "y", "--pipeline", "svc", "--budget", "2", "--quiet"]
    assert main(argv) == 0
    assert "score:       r2, 3-fold cross-validation (regression)" in capsys.readouterr().out
    assert main(["tune", "--task", "synthetic/branin/0", "--pipeline", "svc"]) == 2
    assert "--pipeline only goes with --csv" in capsys.readouterr().err


def test_a_csv_target_of_whole_numbers_can_be_a_regression_target_with_other_folds_and_columns_left_out(
    tmp_path, capsys
):
    # a whole-number target with few values reads as classes; one with a class of 2 rows cannot be stratified
    rows = ["a,b,id,y"] + [f"{i % 7},{(i * 3) % 5},row{i},{i % 9 if i < 58 else 9}" for i in range(60)]
    (tmp_path / "n.csv").write_text("\n".join(rows) + "\n")
    argv = ["tune", "--csv", str(tmp_path / "n.csv"), "--target", "y", "--budget", "2", "--seed", "0", "--quiet"]
    assert main([*argv, "--drop", "id"]) == 2
    assert "Class 9 has 2 row(s); cv=3 stratified folds need at least 3" in capsys.readouterr().err
    assert main([*argv, "--task-type", "regression"]) == 2  # an identifier column is not a feature
    assert "Column 'id' is non-numeric with 60 distinct values" in capsys.readouterr().err
    assert main([*argv, "--task-type", "regression", "--drop", "id", "--cv", "4"]) == 0
    assert "score:       r2, 4-fold cross-validation (regression)" in capsys.readouterr().out
    assert main([*argv, "--task-type", "regression", "--drop", "id,nope"]) == 2
    assert "has no column 'nope'" in capsys.readouterr().err
    assert main([*argv, "--task-type", "regression", "--drop", "id", "--drop", "nope"]) == 2  # repeatable
    assert "has no column 'nope'" in capsys.readouterr().err
    assert main([*argv, "--drop", "y"]) == 2
    assert "The target column 'y' cannot be dropped" in capsys.readouterr().err
    assert main([*argv, "--cv", "1"]) == 2
    assert "--cv 1: cross-validation needs at least 2 folds" in capsys.readouterr().err
    for flag in (["--task-type", "regression"], ["--drop", "a"], ["--cv", "5"]):
        assert main(["tune", "--task", "synthetic/branin/0", *flag]) == 2
        assert "only goes with --csv" in capsys.readouterr().err


def test_tune_evaluates_trials_in_worker_processes_and_journals_them(tmp_path, capsys):
    rows = ["a,b,y"] + [f"{i % 7},{(i * 3) % 5},{0.5 * (i % 7) - (i * 3) % 5}" for i in range(40)]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    argv = ["tune", "--csv", str(tmp_path / "r.csv"), "--target", "y", "--pipeline", "svc", "--seed", "0", "--quiet"]
    argv += ["--json", "--method", "ei"]
    journal = ["--journal", str(tmp_path / "run.db")]
    assert main([*argv, "--budget", "4", *journal, "--workers", "2"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main([*argv, "--budget", "4", "--workers", "2"]) == 0  # the same seed, the same trials
    assert json.loads(capsys.readouterr().out)["best_config"] == first["best_config"]
    assert main([*argv, "--budget", "6", *journal, "--resume", "--workers", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["trials"] == 6
    assert main([*argv, "--budget", "8", *journal, "--resume"]) == 2  # one worker: another run
    assert "workers: journal has 2, this run has None (the trials evaluated at a time" in capsys.readouterr().err


def test_tasks_split_needs_a_suite(capsys):
    assert main(["tasks", "--split", "bogus"]) == 2
    assert "--split bogus lists a suite's split; add --suite SUITE" in capsys.readouterr().err


def test_tune_with_ppo_names_the_policy_it_used(capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.agents.policy_file import default_policy_path

    assert main(["tune", "--task", "synthetic/branin/0", "--method", "ppo", "--budget", "5", "--quiet", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["policy"] == str(default_policy_path())


def test_tune_gives_ei_the_search_settings_of_search_and_refuses_bad_ones(capsys: pytest.CaptureFixture[str]) -> None:
    def best(*extra: str) -> float:
        args = ["tune", "--task", "synthetic/branin/0", "--budget", "5", "--seed", "2", "--quiet", "--json", *extra]
        assert main(args) == 0
        return json.loads(capsys.readouterr().out)["best_score"]

    # With random initial points ei's first 5 trials are random search's own (the default makes a Latin design).
    assert best("--method", "ei", "--search", "initial_design=random") == best("--method", "random")
    for extra, message in (
        (["--method", "ei", "--search", "bogus=1"], "No search setting named 'bogus'; the settings are: n_candidates"),
        (["--method", "ei", "--search", "max_lengthscale=0.5"], "'max_lengthscale' parameter of SearchSettings"),
        (["--method", "tpe", "--search", "max_lengthscale=1.5"], "--search applies to --method ei or ei_sampled"),
    ):
        assert main(["tune", "--task", "synthetic/branin/0", "--budget", "5", *extra]) == 2
        assert message in capsys.readouterr().err


def test_tune_json_gives_its_line_when_every_trial_fails_and_a_plot_into_a_folder_is_refused_first(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    from rl_hpo.tasks import base

    data = pd.DataFrame({"a": np.arange(30.0), "label": np.arange(30) % 2})
    data.to_csv(tmp_path / "d.csv", index=False)
    argv = ["tune", "--csv", str(tmp_path / "d.csv"), "--target", "label", "--budget", "3", "--quiet"]
    with monkeypatch.context() as patched:  # a CSV task is a SklearnTask: fail its evaluations
        from rl_hpo.tasks import sklearn as sklearn_tasks

        patched.setattr(sklearn_tasks.SklearnTask, "evaluate", lambda self, c, f=None: base.Result.failure("boom"))
        assert main([*argv, "--json"]) == 1
        captured = capsys.readouterr()
        line = json.loads(captured.out)
        assert (line["trials"], line["failed"], line["best_score"]) == (3, 3, None) and "boom" in line["error"]
    (tmp_path / "plot.png").mkdir()
    assert main([*argv, "--plot", str(tmp_path / "plot.png")]) == 2
    assert "is a folder; give the PNG file" in capsys.readouterr().err


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_tune_with_portfolio_ppo_passes_the_policy_on(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.agents.policy_file import default_policy_path, load_policy

    policy = load_policy(default_policy_path()).save(tmp_path / "policy")
    argv = ["tune", "--task", "yahpo/lcbench/167152", "--method", "portfolio_ppo", "--policy", str(policy)]
    assert main([*argv, "--budget", "20", "--seed", "0", "--quiet", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["policy"] == str(policy)
    assert out["trials"] == 20
    # A policy folder that does not exist is one clear line, not a traceback.
    assert main([*argv[:-1], str(tmp_path / "missing"), "--budget", "20", "--quiet"]) != 0
    assert "No policy at" in capsys.readouterr().err
    # ppo on a space with a shipped portfolio runs the portfolio first, and says so.
    assert main(["tune", "--task", "yahpo/lcbench/167152", "--method", "ppo", "--budget", "3", "--quiet"]) == 0
    assert "method:      ppo (run as portfolio_ppo, seed " in capsys.readouterr().out


def test_rl_hpo_train_and_python_m_share_each_designs_parser(capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.agents import candidate_training, training
    from rl_hpo.agents.train_settings import config_from_args

    def options(text: str) -> set[str]:
        return set(re.findall(r"--[a-z][a-z-]*", text)) - {"--help"}

    for design, module in (("candidate", candidate_training), ("per-dimension", training)):
        with pytest.raises(SystemExit):
            main(["train", "--design", design, "--help"])
        cli_help = capsys.readouterr().out
        with pytest.raises(SystemExit):
            module.main(["--help"])
        # the same options and defaults; rl-hpo adds only its --design and --yahpo-data
        assert options(cli_help) == options(capsys.readouterr().out) | {"--design", "--yahpo-data"}
        assert "--suite" in options(cli_help) and "--timesteps" in options(cli_help)
    argv = ["--suite", "synthetic/mixed", "--timesteps", "10", "--out", "x", "--vec-env", "subproc"]
    config = config_from_args(training.build_parser().parse_args([*argv, "--eval-freq", "0", "--checkpoint-freq", "5"]))
    assert (config.vec_env, config.eval_freq, config.checkpoint_freq) == ("subproc", 0, 5)
    default = config_from_args(training.build_parser().parse_args(argv[:-2]))
    assert (default.vec_env, default.eval_freq) == ("batched", 50_000)
    # A run is long: rl-hpo train without --timesteps and --out is refused, not started with defaults.
    with pytest.raises(SystemExit) as exit_status:
        main(["train", "--suite", "prior/gp"])
    assert exit_status.value.code == 2
    assert "required: --out, --timesteps" in capsys.readouterr().err


def test_train_defaults_to_the_candidate_design(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.agents.policy_file import load_policy
    from rl_hpo.exceptions import PolicyFileError

    out = tmp_path / "run"
    argv = ["train", "--suite", "prior/gp", "--timesteps", "64", "--out", str(out), "--n-envs", "1"]
    extra = ["--n-steps", "32", "--batch-size", "32", "--ent-coef", "0.02"]  # any setting of the design
    assert main([*argv, "--vec-env", "dummy", "--eval-freq", "0", "--budget", "8", *extra]) == 0
    printed = capsys.readouterr().out
    assert (
        "best policy:" in printed and f"use it: rl-hpo tune --task TASK --method ppo --policy {out / 'best'}" in printed
    )
    assert load_policy(out / "best").kind == "candidate"
    with pytest.raises(
        PolicyFileError, match=f"it has no policy.json. It holds the policies of a training run: give {out / 'best'}"
    ):
        load_policy(out)
    config = json.loads((out / "config.json").read_text())
    assert (config["n_steps"], config["batch_size"], config["ent_coef"]) == (32, 32, 0.02)
    with pytest.raises(SystemExit) as exit_status:  # an option neither design has: argparse's one-line error
        main([*argv, "--no-such-setting", "1"])
    assert exit_status.value.code == 2
    assert "unrecognized arguments: --no-such-setting" in capsys.readouterr().err
    # Options of the per-dimension design are refused in one line, not ignored.
    assert main([*argv, "--max-dim", "8"]) == 2
    assert "--max-dim: not available for the candidate design; add --design per-dimension" in capsys.readouterr().err
    assert load_policy(out / "best").metadata["training"]["command"].startswith("rl-hpo train --suite prior/gp")


def test_an_interrupted_training_says_how_to_resume(tmp_path, monkeypatch, capsys) -> None:
    import rl_hpo.agents.candidate_training as candidate_training

    def interrupted(args):
        (Path(args.out) / "checkpoint").mkdir(parents=True)
        (Path(args.out) / "checkpoint" / "state.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(candidate_training, "train_command", interrupted)
    out = tmp_path / "run"
    assert main(["train", "--suite", "prior/gp", "--timesteps", "64", "--out", str(out)]) == 130
    assert f"the last checkpoint is in {out / 'checkpoint'}; add --resume to continue" in capsys.readouterr().err


def test_tune_help_lists_the_methods(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tune", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    listed = help_text.split("optimization method, one of: ", 1)[1].split(" (default: ppo, the shipped policy)", 1)[0]
    assert {"ei", "gp", "ppo", "random", "tpe", "hyperband"} <= set(listed.split(", "))
    assert "--methods" not in help_text


def test_train_help_shows_each_settings_own_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "train on; an episode draws a suite evenly, then a task of its split. (default: prior/gp)" in help_text
    # not the training suites filled in by CandidateTrainConfig.__post_init__
    assert "empty: the training suites. (default: unset)" in help_text


def test_a_missing_csv_or_yahpo_folder_is_bad_input(
    tmp_path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["tune", "--csv", str(tmp_path / "missing.csv"), "--target", "y", "--quiet"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    # The data folder reaches the environment variable; monkeypatch restores it for the tests that follow.
    monkeypatch.setenv("RL_HPO_YAHPO_DATA", str(tmp_path / "nothing"))
    assert main(["tune", "--task", "yahpo/lcbench/167152", "--quiet"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    # A folder named on the command line is checked even where no YAHPO task is asked for.
    assert main(["tasks", "--yahpo-data", str(tmp_path / "nowhere")]) == 2
    assert "nowhere' does not exist" in capsys.readouterr().err


def test_a_policy_given_to_a_method_without_one_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["tune", "--task", "synthetic/branin/0", "--method", "tpe", "--policy", "runs/x", "--budget", "3"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--policy applies to --method ppo or portfolio_ppo" in err
    assert len(err.strip().splitlines()) == 1


def test_warnings_are_one_line_and_a_csv_target_with_gaps_drops_those_rows(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = ["a,b,label"] + [f"{i % 7},{i % 3},{i % 2}" for i in range(40)] + ["1,2,"]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    argv = ["tune", "--csv", str(tmp_path / "data.csv"), "--target", "label", "--method", "random", "--budget", "2"]
    assert main([*argv, "--quiet", "--pipeline", "logistic_regression"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"rl-hpo tune: warning: Dropped 1 row(s) of {str(tmp_path / 'data.csv')!r} whose target 'label' is missing."
    ]


def test_tune_plots_the_best_score_so_far_beside_a_bench(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.bench.evaluation import best_score_at

    used, scores = np.array([0.5, 1.0, 2.0, 3.0]), np.array([1.0, np.nan, 0.5, 2.0])
    assert best_score_at(scores, used, np.array([0.25, 1.0, 2.0, 3.0])).tolist()[1:] == [1.0, 1.0, 2.0]
    bench = tmp_path / "bench"
    argv = ["bench", "--suite", "synthetic/branin", "--split", "validation", "--tasks", "64", "--methods", "random"]
    assert main([*argv, "--seeds", "2", "--budget", "6", "--workers", "1", "--out", str(bench), "--quiet"]) == 0
    assert "bench bench:" not in capsys.readouterr().err  # --quiet: no progress bar
    assert main([*argv, "--seeds", "2", "--budget", "6", "--workers", "1", "--out", str(bench)]) == 0
    assert "bench bench: 100%" in capsys.readouterr().err  # finished already: the bar is full at once
    tune = ["tune", "--task", "synthetic/branin/64", "--method", "tpe", "--budget", "6", "--quiet"]
    assert main([*tune, "--plot", str(tmp_path / "run.png"), "--plot-bench", str(bench)]) == 0
    assert (tmp_path / "run.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()
    assert main([*tune[:2], "synthetic/branin/65", *tune[3:], "--plot", "x.png", "--plot-bench", str(bench)]) == 2
    assert "has no trials of 'synthetic/branin/65'" in capsys.readouterr().err
    assert main([*tune, "--plot-bench", str(bench)]) == 2
    assert "--plot-bench goes with --plot" in capsys.readouterr().err
    assert main([*tune, "--plot", str(tmp_path / "run.txt")]) == 2
    assert "give a file name ending in .png, not" in capsys.readouterr().err
    assert not (tmp_path / "run.txt").exists()
    # A plot that cannot be written (a name longer than the file system allows) comes after the result: the run's
    # result is printed all the same, the failure is one line and the status 1.
    assert main([*tune, "--plot", str(tmp_path / ("a" * 300 + ".png"))]) == 1
    out, err = capsys.readouterr()
    assert "best config:" in out and "best score:" in out
    assert (
        err.startswith("rl-hpo tune: error: --plot ") and "could not be written" in err and len(err.splitlines()) == 1
    )


def test_train_takes_any_setting_of_the_per_dimension_design(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    argv = ["train", "--design", "per-dimension", "--suite", "synthetic/branin", "--timesteps", "64", "--out", str(out)]
    extra = ["--n-envs", "2", "--eval-freq", "0", "--hidden", "8", "--n-steps", "32", "--batch-size", "32"]
    assert main([*argv, *extra, "--torch-threads", "1"]) == 0
    assert "final policy:" in capsys.readouterr().out
    config = json.loads((out / "config.json").read_text())
    assert (config["hidden"], config["n_steps"], config["torch_threads"]) == (8, 32, 1)


def test_a_broken_pipe_other_than_standard_output_is_an_error() -> None:
    # e.g. a training worker that died: the command failed, although nobody closed its output
    code = (
        "import sys, rl_hpo.cli as cli\n"
        "def broken(args):\n"
        "    raise BrokenPipeError(32, 'Broken pipe')\n"
        "cli._COMMANDS['tasks'] = broken\n"
        "sys.exit(cli.main(['tasks']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "rl-hpo tasks: error: [Errno 32] Broken pipe (a worker process ended" in result.stderr
    # the reader of the output leaving is not an error
    shell = f"{sys.executable} -m rl_hpo.cli tasks --suite synthetic/mixed | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("synthetic/mixed") and not done.stderr


def test_a_bench_curve_has_no_mean_where_a_seed_has_no_score_yet(tmp_path) -> None:
    from rl_hpo.bench.trials import BASE_COLUMNS
    from rl_hpo.cli import _bench_curves

    # Seed 0 succeeds from its first evaluation, seed 1 fails its first two.
    rows = [
        {"method": "m", "task": "t", "seed": seed, "trial": i, "score": score, "budget_used": i + 1.0}
        for seed, scores in ((0, [0.1, 0.2, 0.3]), (1, [None, None, 0.9]))
        for i, score in enumerate(scores)
    ]
    frame = pd.DataFrame(rows).reindex(columns=BASE_COLUMNS)
    frame.to_csv(tmp_path / "trials.csv", index=False)
    grid, mean = _bench_curves(str(tmp_path), "t", 3)["m (bench, 2 seeds)"]
    assert grid.tolist() == [1.0, 2.0, 3.0]
    assert np.isnan(mean[:2]).all() and mean[2] == pytest.approx(0.6)


def test_tune_takes_a_portfolio_file_for_the_portfolio_methods(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.baselines.portfolio import FORMAT, write_portfolio
    from rl_hpo.tasks.registry import load_task

    space = load_task("synthetic/branin/0").space
    configs = [space.decode([0.5, 0.5]), space.decode([0.1, 0.9])]
    path = write_portfolio({"format": FORMAT, "space": space.to_dict(), "configs": configs}, tmp_path / "p.json")
    tune = ["tune", "--task", "synthetic/branin/0", "--budget", "4", "--seed", "0", "--quiet", "--json"]
    assert main([*tune, "--method", "portfolio", "--portfolio", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["trials"] == 4
    assert main([*tune, "--method", "tpe", "--portfolio", str(path)]) == 2
    assert "--portfolio applies to --method portfolio, portfolio_ppo or ppo" in capsys.readouterr().err
    assert main([*tune, "--method", "portfolio", "--portfolio", "none"]) == 2
    assert "--portfolio none goes with ppo" in capsys.readouterr().err
    assert main([*tune, "--method", "portfolio"]) == 2  # no stored portfolio for branin: the error names the option
    assert "(rl-hpo tune --portfolio FILE)" in capsys.readouterr().err


def test_tune_ppo_takes_a_portfolio_file_or_none_and_a_journal_keeps_what_ran(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rl_hpo.baselines.portfolio import FORMAT, write_portfolio
    from rl_hpo.tasks.registry import load_task

    space = load_task("synthetic/branin/0").space
    configs = [space.decode([0.5, 0.5]), space.decode([0.1, 0.9])]
    path = write_portfolio({"format": FORMAT, "space": space.to_dict(), "configs": configs}, tmp_path / "p.json")
    journal = tmp_path / "run.db"
    tune = ["tune", "--task", "synthetic/branin/0", "--method", "ppo", "--seed", "0", "--quiet", "--json"]
    assert main([*tune, "--budget", "3", "--portfolio", str(path), "--journal", str(journal)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["method"], out["run_as"], out["trials"]) == ("ppo", "portfolio_ppo", 3)
    # Resumed, the run is still the portfolio's, and the text output says so.
    argv = [*tune[:-1], "--budget", "5", "--portfolio", str(path), "--journal", str(journal), "--resume"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "method:      ppo (run as portfolio_ppo, seed 0)" in text and "trials:      5 (0 failed)" in text
    # --portfolio none: the policy alone, from its own initial design.
    assert main([*tune, "--budget", "3", "--portfolio", "none"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["method"], out["run_as"]) == ("ppo", "ppo")
    assert main([*tune, "--budget", "3", "--portfolio", str(tmp_path / "missing.json")]) != 0
    assert "missing.json" in capsys.readouterr().err


def test_tune_interrupted_shows_the_best_finished_trial_and_how_to_continue(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rl_hpo.optimizer

    evaluate = rl_hpo.optimizer.evaluate_safely
    calls: list = []

    def interrupted_at_the_fourth(task, trial):
        calls.append(trial)
        if len(calls) % 4 == 0:
            raise KeyboardInterrupt
        return evaluate(task, trial)

    monkeypatch.setattr(rl_hpo.optimizer, "evaluate_safely", interrupted_at_the_fourth)
    tune = ["tune", "--task", "synthetic/branin/0", "--budget", "10", "--seed", "0", "--quiet"]
    assert main(tune) == 130
    err = capsys.readouterr().err
    assert "rl-hpo tune: interrupted after 3 finished trials; the best of them: " in err
    assert "--journal PATH keeps every finished trial" in err
    journal = str(tmp_path / "run.db")
    assert main([*tune, "--journal", journal]) == 130
    assert f"add --resume to continue: --journal {journal} --resume" in capsys.readouterr().err
    assert main([*tune, "--json"]) == 130
    line = json.loads(capsys.readouterr().out)
    assert line["interrupted"] is True and line["trials"] == 3 and line["best_config"] is not None
    monkeypatch.setattr(rl_hpo.optimizer, "evaluate_safely", evaluate)
    assert main([*tune, "--journal", journal, "--resume", "--json"]) == 0  # 3 replayed, 7 more
    assert json.loads(capsys.readouterr().out)["trials"] == 10


def test_tune_stopped_by_sigterm_reports_its_finished_trials_as_on_ctrl_c(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import signal

    import rl_hpo.optimizer

    evaluate = rl_hpo.optimizer.evaluate_safely
    calls: list = []

    def terminated_at_the_fourth(task, trial):
        calls.append(trial)
        if len(calls) == 4:
            os.kill(os.getpid(), signal.SIGTERM)  # kill PID, a CI timeout
        return evaluate(task, trial)

    monkeypatch.setattr(rl_hpo.optimizer, "evaluate_safely", terminated_at_the_fourth)
    journal = str(tmp_path / "run.db")
    tune = ["tune", "--task", "synthetic/branin/0", "--budget", "10", "--seed", "0", "--quiet", "--journal", journal]
    before = signal.getsignal(signal.SIGTERM)
    assert main([*tune, "--json"]) == 143
    out, err = capsys.readouterr()
    assert "rl-hpo tune: interrupted after 3 finished trials; the best of them: " in err
    assert f"add --resume to continue: --journal {journal} --resume" in err
    line = json.loads(out)
    assert line["interrupted"] is True and line["trials"] == 3
    assert signal.getsignal(signal.SIGTERM) is before and len(calls) == 4  # the handler is put back afterwards
    monkeypatch.setattr(rl_hpo.optimizer, "evaluate_safely", evaluate)
    assert main([*tune, "--resume", "--json"]) == 0  # the 3 finished trials replayed, 7 more
    assert json.loads(capsys.readouterr().out)["trials"] == 10


def test_tune_fail_fast_stops_a_run_whose_first_trials_all_failed_and_0_runs_the_whole_budget(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rl_hpo.optimizer
    from rl_hpo.tasks.base import Result

    monkeypatch.setattr(rl_hpo.optimizer, "evaluate_safely", lambda task, trial: Result.failure("ValueError: no", 0.0))
    tune = ["tune", "--task", "synthetic/branin/0", "--method", "random", "--budget", "12", "--quiet", "--json"]
    assert main([*tune, "--fail-fast", "3"]) == 1
    out, err = capsys.readouterr()
    assert "The first 3 trials all failed" in err and "--fail-fast 0 on the command line" in err
    assert json.loads(out)["trials"] == 3
    assert main(tune) == 1  # the default: 10
    assert json.loads(capsys.readouterr().out)["trials"] == 10
    assert main([*tune, "--fail-fast", "0"]) == 1  # every trial failed, all 12 run
    assert json.loads(capsys.readouterr().out)["trials"] == 12
    ppo = [*tune, "--method", "ppo", "--fail-fast", "2"]  # the line names the policy, as that of a run that succeeds
    assert main(ppo) == 1
    assert json.loads(capsys.readouterr().out)["policy"].endswith("default")
    with pytest.raises(SystemExit):
        main([*tune, "--fail-fast", "-1"])
    assert "--fail-fast: expected" in capsys.readouterr().err


def test_tune_usage_shows_that_a_task_or_csv_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["tune", "--help"])
    assert "(--task T | --csv PATH)" in capsys.readouterr().out


def test_tune_names_an_unknown_option_before_the_missing_task(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:  # argparse's own error
        main(["tune", "--tsk", "synthetic/branin/0"])
    assert exit_info.value.code == 2
    assert "rl-hpo tune: error: unrecognized arguments: --tsk synthetic/branin/0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:  # each subcommand names itself
        main(["bench", "--suite", "synthetic/branin", "--out", "x", "--qiuet"])
    assert exit_info.value.code == 2
    assert "rl-hpo bench: error: unrecognized arguments: --qiuet (see 'rl-hpo bench --help')" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--verison"])
    assert "rl-hpo: error: unrecognized arguments: --verison" in capsys.readouterr().err
    assert main(["tune", "--budget", "3"]) == 2
    assert "one of the arguments --task --csv is required" in capsys.readouterr().err


def test_tune_names_cli_flags_for_a_missing_portfolio_and_a_method_without_fidelity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.json")
    tune = ["tune", "--task", "synthetic/branin/0", "--budget", "3", "--quiet"]
    assert main([*tune, "--method", "ppo", "--portfolio", missing]) == 2
    assert (
        f"--portfolio {missing!r} is not a file; give a portfolio JSON file, auto or none." in capsys.readouterr().err
    )
    assert main([*tune, "--method", "hyperband"]) == 2
    err = capsys.readouterr().err
    assert "--method hyperband is a multi-fidelity method, and synthetic/branin/0 has no fidelity" in err
    assert "fidelity=" not in err


def test_an_interrupted_bench_says_that_the_same_command_continues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rl_hpo.bench

    def interrupted(args, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(rl_hpo.bench, "bench_command", interrupted)
    out = str(tmp_path / "study")
    assert main(["bench", "--suite", "synthetic/branin", "--methods", "random", "--out", out]) == 130
    err = capsys.readouterr().err
    assert f"rl-hpo bench: interrupted; the finished cells are kept in {out}, and the same command runs" in err
    assert "journal" not in err and "rl-hpo report" not in err  # no cell finished: nothing to report yet
    (tmp_path / "study" / "cells").mkdir(parents=True)
    (tmp_path / "study" / "cells" / "random__synthetic%2Fbranin%2F80__0.journal").write_bytes(b"")
    assert main(["bench", "--suite", "synthetic/branin", "--methods", "random", "--out", out]) == 130
    assert "only the missing ones (1 of them from the trials their journals kept)" in capsys.readouterr().err
    (tmp_path / "study" / "cells" / "random__synthetic%2Fbranin%2F80__1.json").write_text("{}")  # a finished cell
    assert main(["bench", "--suite", "synthetic/branin", "--methods", "random", "--out", out]) == 130
    assert f"meanwhile `rl-hpo report {out}` reports the finished ones" in capsys.readouterr().err


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_tune_says_when_its_best_score_is_of_a_lower_fidelity(capsys: pytest.CaptureFixture[str]) -> None:
    tune = ["tune", "--task", "yahpo/lcbench/167190", "--method", "bohb", "--budget", "2", "--seed", "0", "--quiet"]
    assert main(tune) == 0
    out = capsys.readouterr().out
    assert "(at epoch 6 of 52: no trial reached the highest fidelity" in out and "regret" not in out
    assert main([*tune, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["best_fidelity"] == 6.0


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_tasks_names_the_splits_that_have_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "--suite", "yahpo/iaml_glmnet", "--split", "test"]) == 2
    assert "The test split of yahpo/iaml_glmnet has no task (tasks per split: train 4)." in capsys.readouterr().err


def test_a_plugin_that_is_not_on_the_path_is_one_line_naming_pythonpath(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "--suite", "synthetic/branin", "--methods", "random", "--plugins", "no_such_plugin"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "No plugin module 'no_such_plugin' to import (--plugins)" in err and "PYTHONPATH=." in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()
    assert main(["tune", "--task", "synthetic/branin/0", "--plugins", "no_such_plugin"]) == 2
    assert "No plugin module 'no_such_plugin'" in capsys.readouterr().err
    assert main(["tasks", "--plugins", "my_suite.py"]) == 2
    assert "--plugins takes module names, as Python imports them" in capsys.readouterr().err


def test_a_plugin_that_raises_is_one_line_naming_it_and_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "raising_plugin.py").write_text("x = 1\nraise ValueError('a bug in the plugin')\n")
    (tmp_path / "importing_plugin.py").write_text("import a_module_nobody_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "unparsable_plugin.py").write_text("x = 1\ndef f(:\n")
    for plugin, error, line in (
        ("raising_plugin", "ValueError: a bug in the plugin", 2),
        ("importing_plugin", "ModuleNotFoundError: No module named 'a_module_nobody_installed'", 1),
        ("unparsable_plugin", "SyntaxError: invalid syntax (unparsable_plugin.py, line 2)", 2),
    ):
        argv = ["bench", "--suite", "synthetic/branin", "--methods", "random", "--plugins", plugin]
        assert main([*argv, "--out", str(tmp_path / "out")]) == 1  # an error, not bad usage
        err = capsys.readouterr().err
        assert f"The plugin module {plugin!r} (--plugins) raised {error} at {tmp_path / plugin}.py, line {line}." in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bench_runs_a_method_a_plugin_registers(tmp_path: Path) -> None:
    plugin_dir = Path(__file__).parent / "bench"  # bench_plugin.py registers "sleepy"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_dir), os.environ.get("PYTHONPATH", "")])}
    argv = ["bench", "--suite", "synthetic/branin", "--split", "test", "--tasks", "80", "--methods", "sleepy,random"]
    argv += ["--budget", "4", "--seeds", "1", "--workers", "2", "--quiet", "--plugins", "bench_plugin"]
    for executor, out in (("local", "pool"), ("inline", "inline")):
        done = subprocess.run(
            [sys.executable, "-m", "rl_hpo.cli", *argv, "--executor", executor, "--out", str(tmp_path / out)],
            capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    pool, inline = (pd.read_csv(tmp_path / out / "trials.csv") for out in ("pool", "inline"))
    assert set(pool["method"]) == {"sleepy", "random"} and pool["score"].equals(inline["score"])


def test_rl_hpo_debug_shows_tracebacks_when_set_to_anything_but_0(monkeypatch, capsys) -> None:
    argv = ["tune", "--task", "nope/x/1", "--budget", "2"]
    for value in ("", "0", " 0 "):
        monkeypatch.setenv("RL_HPO_DEBUG", value)
        assert main(argv) == 2
        assert "Unknown task family 'nope'" in capsys.readouterr().err
    monkeypatch.setenv("RL_HPO_DEBUG", "1")
    with pytest.raises(Exception, match="Unknown task family 'nope'"):  # Python's own traceback
        main(argv)
