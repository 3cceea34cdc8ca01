"""PPO training: determinism, global RNG hygiene, checkpoints and resume, and a small run that learns."""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from rl_hpo.agents.network import TuningNetwork
from rl_hpo.agents.policy_file import Policy, load_policy
from rl_hpo.agents.policy_optimizer import evaluate_policy
from rl_hpo.agents.train_settings import TrainConfig, add_train_arguments, config_from_args
from rl_hpo.agents.training import train
from rl_hpo.optimizer import make_optimizer
from rl_hpo.tasks.registry import load_suite, load_task
from tests.bowl import bowl_task

SUITES = ("synthetic/levy-4d", "synthetic/rosenbrock-3d")


def _tiny(out: Path, **changes) -> TrainConfig:
    settings = {
        "suites": SUITES,
        "out": str(out),
        "timesteps": 512,
        "n_envs": 4,
        "n_task_groups": 2,
        "n_steps": 64,
        "batch_size": 64,
        "n_epochs": 2,
        "hidden": 8,
        "budget": 12,
        "eval_freq": 0,
        "checkpoint_freq": 0,
        "progress": False,
        "torch_threads": 1,
        **changes,
    }
    return TrainConfig(**settings)


def _rows(file: Path) -> list[dict[str, str]]:
    with open(file, newline="") as f:
        return list(csv.DictReader(f))


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_policy(folder).network.state_dict()


def test_same_seed_gives_identical_training(tmp_path: Path) -> None:
    a = train(_tiny(tmp_path / "a", seed=3))
    b = train(_tiny(tmp_path / "b", seed=3))
    c = train(_tiny(tmp_path / "c", seed=4))
    wa, wb, wc = _weights(a.final), _weights(b.final), _weights(c.final)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
    # Identical training curves and identical actions of the two policies.
    rows_a = _rows(a.out / "progress.csv")
    rows_b = _rows(b.out / "progress.csv")
    for ra, rb in zip(rows_a, rows_b, strict=True):
        assert ra["train/loss"] == rb["train/loss"] and ra["rollout/ep_rew_mean"] == rb["rollout/ep_rew_mean"]
    obs = np.random.default_rng(0).uniform(-1, 1, (8, load_policy(a.final).layout.size)).astype(np.float32)
    np.testing.assert_array_equal(load_policy(a.final).act(obs), load_policy(b.final).act(obs))


def test_training_leaves_the_global_random_state_alone(tmp_path: Path) -> None:
    random.seed(11)
    np.random.seed(11)  # noqa: NPY002 - the global state is what this test is about
    torch.manual_seed(11)
    before = (random.random(), np.random.random(), torch.rand(1).item())  # noqa: NPY002
    random.seed(11)
    np.random.seed(11)  # noqa: NPY002
    torch.manual_seed(11)
    threads = torch.get_num_threads()
    train(_tiny(tmp_path / "run", timesteps=256))
    after = (random.random(), np.random.random(), torch.rand(1).item())  # noqa: NPY002
    assert before == after
    assert torch.get_num_threads() == threads


def test_checkpoint_and_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = train(_tiny(out, timesteps=512, checkpoint_freq=256, command="rl-hpo train --design per-dimension"))
    assert first.timesteps == 512
    assert (out / "checkpoint" / "optimizer.pt").is_file()
    with pytest.raises(ValueError, match=r"holds a finished training \(final/\)"):  # without --resume
        train(_tiny(out, timesteps=1024))
    shutil.rmtree(out / "final")  # as a run killed before its end leaves it
    with pytest.raises(ValueError, match="holds the checkpoint of an unfinished training; pass --resume"):
        train(_tiny(out, timesteps=1024))
    before = (out / "progress.csv").read_text()
    assert not list(out.glob(".checkpoint.*")), "the checkpoint was swapped in whole"
    resumed = train(_tiny(out, timesteps=1024, resume=True, command="rl-hpo train --resume"))
    assert resumed.timesteps == 1024
    meta = load_policy(resumed.final).metadata
    assert meta["training"]["timesteps"] == 1024
    # The command that started the run stays its command; the resume is recorded beside it.
    changed = {"checkpoint_freq": [256, 0], "timesteps": [512, 1024]}
    resumes = [{"at_step": 512, "command": "rl-hpo train --resume", "changed": changed}]
    assert (meta["training"]["command"], meta["training"]["resumes"]) == (
        "rl-hpo train --design per-dimension",
        resumes,
    )
    assert (out / "progress_until_512.csv").read_text() == before  # the log before the resume is kept
    # A kill between the two renames of a checkpoint leaves the previous one, which a resume finds.
    (out / "checkpoint").rename(out / ".checkpoint.old")
    with pytest.raises(ValueError, match="is finished: final/ holds its policy of 1024 steps, as many as --timest"):
        train(_tiny(out, timesteps=1024, resume=True))  # nothing to resume: final/ is left alone
    with pytest.raises(ValueError, match="holds its policy of 1024 steps, more than --timesteps 1000; nothing to"):
        train(_tiny(out, timesteps=1000, resume=True))
    shutil.rmtree(out / "final")  # as the killed run left it
    assert train(_tiny(out, timesteps=1024, resume=True)).timesteps == 1024
    (out / "checkpoint" / "optimizer.pt").write_bytes(b"not a torch file")
    with pytest.raises(ValueError, match=r"--resume: the checkpoint's .*optimizer.pt is damaged"):
        train(_tiny(out, timesteps=2048, resume=True))
    (out / "checkpoint" / "state.json").write_text('{"num_timesteps": ')
    with pytest.raises(ValueError, match=r"--resume: the checkpoint's .*state.json is damaged"):
        train(_tiny(out, timesteps=2048, resume=True))
    with pytest.raises(ValueError, match=r"the settings \['hidden'\] differ from the checkpoint's"):
        train(_tiny(out, timesteps=2048, resume=True, hidden=16))
    with pytest.raises(ValueError, match=r"the settings \['learning_rate'\] differ from the checkpoint's"):
        train(_tiny(out, timesteps=2048, resume=True, learning_rate=0.01))
    with pytest.raises(FileNotFoundError, match="no checkpoint in"):
        train(_tiny(tmp_path / "fresh", resume=True))


def test_validation_keeps_the_best_policy_and_logs_it(tmp_path: Path) -> None:
    result = train(_tiny(tmp_path / "run", timesteps=512, eval_freq=256, eval_seeds=1, eval_max_tasks=2))
    rows = _rows(result.out / "eval.csv")
    assert [r["timesteps"] for r in rows] == ["256", "512"]  # whole numbers, as steps are
    best = min(rows, key=lambda r: float(r["score"]))
    meta = load_policy(result.best).metadata
    assert meta["training"]["timesteps"] == int(best["timesteps"])
    assert meta["training"]["validation"]["tasks"][0].startswith("synthetic/levy-4d/")


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="'eval_split' parameter must not be 'test'"):
        TrainConfig(eval_split="test")
    with pytest.raises(ValueError, match=r"'timesteps' parameter of TrainConfig must be an int >= 1\. Got 0"):
        TrainConfig(timesteps=0)


def test_command_line_options_map_to_the_config() -> None:
    parser = add_train_arguments(argparse.ArgumentParser())
    args = parser.parse_args(
        ["--suite", "yahpo/lcbench,synthetic/mixed", "--suite", "yahpo/iaml_glmnet", "--timesteps", "1000",
         "--out", "x", "--seed", "4", "--n-envs", "2", "--resume", "--n-task-groups", "none"]
    )  # fmt: skip
    config = config_from_args(args)
    assert config.suites == ("yahpo/lcbench", "synthetic/mixed", "yahpo/iaml_glmnet")
    assert (config.timesteps, config.out, config.seed, config.n_envs) == (1000, "x", 4, 2)
    assert config.resume and config.n_task_groups is None
    assert config.hidden == TrainConfig().hidden
    assert "--timesteps" in parser.format_help() and "Total environment steps" in parser.format_help()


def _edge_bowls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register a task family ``edgebowls/mixed`` of bowls whose optimum lies near the upper corner.

    A policy can learn that (push every coordinate up, in large steps) in a few thousand episodes,
    while an untrained policy is a blind local search, so the family tells a learner from a broken one.
    """
    from rl_hpo.tasks import registry
    from rl_hpo.tasks.registry import Suite

    def make_task(scenario: str, instance: str, **_options):
        seed = int(instance)
        dim = 2 + seed % 5
        task = bowl_task(dim, seed=seed, name=f"edgebowls/{scenario}/{seed}")
        return _shift_to_corner(task, seed)

    names = [f"edgebowls/mixed/{i}" for i in range(48)]
    module = types.ModuleType("_edgebowls")
    module.DESCRIPTION = "test bowls near the upper corner"
    module.make_task = make_task
    module.suite_names = lambda **_: ["edgebowls/mixed"]
    module.load_suite = lambda scenario, **_: Suite(
        "edgebowls/mixed", {"train": tuple(names[:40]), "validation": tuple(names[40:])}
    )
    monkeypatch.setitem(sys.modules, "_edgebowls", module)
    monkeypatch.setitem(registry._FAMILIES, "edgebowls", "_edgebowls")


def _shift_to_corner(task, seed: int):
    center = 0.8 + 0.15 * np.random.default_rng(seed).random(task.space.dim)
    space = task.space

    def objective(config: dict) -> float:
        return float(-np.sum((space.encode(config) - center) ** 2))

    shifted = type(task)(objective, space, name=task.name)
    shifted.bounds = task.bounds
    return shifted


def test_small_training_run_learns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """~50k steps: the trained policy beats its untrained self and random search on held-out tasks."""
    _edge_bowls(monkeypatch)
    config = TrainConfig(
        suites=("edgebowls/mixed",),
        out=str(tmp_path / "run"),
        timesteps=49_152,
        n_envs=16,
        n_task_groups=4,
        hidden=16,
        n_epochs=4,
        budget=25,
        eval_freq=0,
        checkpoint_freq=0,
        progress=False,
    )
    result = train(config)
    tasks = load_suite("edgebowls/mixed").task_names("validation")
    trained = evaluate_policy(result.final, tasks, seeds=(0, 1), budget=25)
    # The same network before training (SB3's initialization: near-zero directions, middle step scale).
    with torch.random.fork_rng():
        torch.manual_seed(0)
        untrained_net = TuningNetwork(config.layout, hidden=config.hidden, log_std_init=config.log_std_init)
        untrained_net.orthogonal_init()
    untrained = evaluate_policy(Policy(untrained_net.eval()), tasks, seeds=(0, 1), budget=25)
    rnd = []
    for name in tasks:
        task = load_task(name)
        for seed in (0, 1):
            history = make_optimizer("random", task.space, seed=seed).optimize(task, 25)
            rnd.append(float(task.bounds.regret(history.best_score)))
    print(f"regret@25 trained {trained.regret[25]:.4f} untrained {untrained.regret[25]:.4f} random {np.mean(rnd):.4f}")
    assert trained.regret[25] < 0.5 * untrained.regret[25]
    assert trained.regret[25] < 0.5 * np.mean(rnd)


def test_known_spaces_are_the_spaces_shared_by_several_training_tasks() -> None:
    # Every task of a synthetic family of fixed dimension shares one space; mixed draws a space per task.
    known = TrainConfig(suites=("synthetic/levy-4d", "synthetic/mixed")).known_spaces
    assert list(known.values()) == [load_suite("synthetic/levy-4d").task_names("train")[0]]


def test_sklearn_suites_are_trained_on_from_tables_by_default() -> None:
    sources = TrainConfig(suites=("sklearn/svc", "synthetic/levy-4d", "synthetic/branin/0")).task_sources()
    assert [getattr(s, "options", s) for s in sources] == [{"tabulated": True}, {}, "synthetic/branin/0"]
    live = TrainConfig(suites=("sklearn/svc",), sklearn_tabulated=False).task_sources()
    assert live[0].options == {}


def test_a_policy_of_one_search_space_is_a_specialist() -> None:
    assert TrainConfig(suites=("synthetic/mixed",)).specialty is None
    config = TrainConfig(suites=("synthetic/levy-4d",))
    specialty = config.specialty
    assert specialty is not None and specialty["fingerprint"] in config.known_spaces


def test_resuming_a_run_of_the_other_design_says_so(tmp_path: Path) -> None:
    import json

    from rl_hpo.agents.checkpoints import resume_from

    out = tmp_path / "run"
    (out / "checkpoint").mkdir(parents=True)
    (out / "checkpoint" / "state.json").write_text("{}")
    (out / "config.json").write_text(json.dumps({"n_candidates": 64, "timesteps": 8, "out": "run", "gamma": 0.99}))
    settings = {"code_dim": 4, "history_len": 5, "gamma": 0.98, "timesteps": 8, "out": "run"}
    with pytest.raises(
        ValueError, match=r"has no \['code_dim', 'history_len'\]: was it started with the other --design"
    ):
        resume_from(out, settings, ["code_dim", "history_len", "gamma"])
    with pytest.raises(ValueError, match=r"the settings \['gamma'\] differ from the checkpoint's \(\[0.99\]\); resume"):
        resume_from(out, {**settings, "code_dim": None, "history_len": None}, ["code_dim", "history_len", "gamma"])


def test_a_checkpoint_a_kill_left_mid_swap_keeps_a_new_run_out(tmp_path: Path) -> None:
    from rl_hpo.agents.ppo_runtime import claim_output_folder

    out = tmp_path / "run"  # killed between write_checkpoint's two renames: only the previous checkpoint is left
    (out / ".checkpoint.old").mkdir(parents=True)
    (out / ".checkpoint.old" / "state.json").write_text("{}")
    (out / "config.json").write_text('{"timesteps": 8, "out": "run"}')
    with pytest.raises(ValueError, match="holds the checkpoint of an unfinished training; pass --resume"):
        claim_output_folder(out)
    claim_output_folder(out, resume=True)


def test_eval_csv_writes_steps_as_whole_numbers_also_for_resumed_rows(tmp_path: Path) -> None:
    from rl_hpo.agents.ppo_runtime import write_evaluations

    rows = [{"timesteps": 256.0, "score": 0.5}, {"timesteps": 512, "score": 0.25}]  # the first from a saved state
    write_evaluations(tmp_path / "eval.csv", rows)
    assert (tmp_path / "eval.csv").read_text().splitlines() == ["timesteps,score", "256,0.5", "512,0.25"]


def test_ppo_trains_whole_rollouts_and_says_so_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rl_hpo.agents.ppo_runtime import whole_rollouts

    assert [whole_rollouts(s, 256) for s in (1, 256, 257, 0)] == [256, 256, 512, 0]
    config = _tiny(tmp_path / "run", timesteps=300, progress=True)
    result = train(config)
    rollout = config.n_steps * config.n_envs
    assert result.timesteps == whole_rollouts(300, rollout) > 300
    err = capsys.readouterr().err
    assert err.count(f"PPO trains whole rollouts of {rollout} steps") == 1
    assert "300/300" not in err  # the bar counts the steps trained, not the steps asked for


def test_both_trainers_declare_their_options_from_their_settings_with_one_function() -> None:
    from rl_hpo.agents.candidate_training import CandidateTrainConfig
    from rl_hpo.agents.train_settings import add_config_arguments, config_values

    parser = add_config_arguments(argparse.ArgumentParser(), CandidateTrainConfig)
    args = parser.parse_args(
        ["--suites", "prior/gp,synthetic/mixed", "--suites", "x/y", "--no-progress", "--timesteps", "10"]
    )
    values = config_values(args, CandidateTrainConfig)
    assert values == {"suites": ("prior/gp", "synthetic/mixed", "x/y"), "progress": False, "timesteps": 10}
    assert CandidateTrainConfig(**values).n_envs == CandidateTrainConfig().n_envs  # unset keeps the default
    helps = parser.format_help()
    assert "--ei-temperature" in helps and "(default: 5.0)" in helps


def test_environment_workers_leave_ctrl_c_to_the_training_process() -> None:
    import signal

    from signal_env import SignalEnv  # beside this file, on the path pytest gives the tests (and the workers)

    from rl_hpo.agents.ppo_runtime import make_vec_env

    # A process started in the background may inherit an ignored SIGINT: start from Python's own handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        venv = make_vec_env([SignalEnv, SignalEnv], "subproc", seed=0)
        try:
            venv.reset()
            assert [info["ignores_sigint"] for info in venv.venv.venv.reset_infos] == [True, True]
        finally:
            venv.close()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # this process still takes Ctrl-C
    finally:
        signal.signal(signal.SIGINT, previous)


def test_stopping_the_workers_lets_an_interrupted_vec_env_close_at_once():
    """Ctrl-C between the answers of two workers left SubprocVecEnv.close() waiting for an answer already read."""
    import threading

    import gymnasium as gym
    import numpy as np
    from stable_baselines3.common.vec_env import SubprocVecEnv

    from rl_hpo.agents.ppo_runtime import stop_vec_env

    venv = SubprocVecEnv([lambda: gym.make("CartPole-v1") for _ in range(2)])
    venv.reset()
    venv.step_async(np.zeros(2, dtype=int))
    venv.remotes[0].recv()  # the interruption came after the first worker's answer was read
    stop_vec_env(venv)
    closing = threading.Thread(target=venv.close, daemon=True)
    closing.start()
    closing.join(timeout=20)
    assert not closing.is_alive() and all(not p.is_alive() for p in venv.processes)


def test_training_that_validates_on_its_own_split_is_said_to_choose_on_training_tasks(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match=r"Training on the 'train' split of synthetic/levy-4d, synthetic/rosenbrock"):
        train(_tiny(tmp_path / "run", timesteps=256, eval_split="train", eval_freq=256, eval_max_tasks=1))


def test_each_validation_prints_a_line_where_no_progress_bar_shows(tmp_path: Path, capsys) -> None:
    train(_tiny(tmp_path / "run", timesteps=512, eval_freq=256, eval_max_tasks=1, progress=True))
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("validation at ")]
    with open(tmp_path / "run" / "eval.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(lines) == len(rows) >= 2  # one line per row of eval.csv, though stderr is not a terminal here
    assert lines[0].startswith(f"validation at {int(float(rows[0]['timesteps']))} steps: regret ")
    assert "kept as best/" in lines[0]
