import csv
import dataclasses
import functools
import io
import itertools
import json
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from stable_baselines3.common.callbacks import BaseCallback

from rl_hpo.acquisition.search import CANDIDATE_FEATURES, SearchSettings
from rl_hpo.agents.candidate_network import CandidateActor, CandidateNetwork
from rl_hpo.agents.candidate_policy_optimizer import CandidatePolicyOptimizer
from rl_hpo.agents.candidate_training import CandidateTrainConfig, train_candidate_policy
from rl_hpo.agents.policy_file import Policy, load_policy
from rl_hpo.agents.policy_optimizer import PolicyOptimizer
from rl_hpo.baselines.expected_improvement import ExpectedImprovement, SampledExpectedImprovement
from rl_hpo.exceptions import PolicyFileError
from rl_hpo.optimizer import make_optimizer
from tests.baselines.conformance import MIXED, OptimizerConformance
from tests.bowl import bowl_task

SMALL = SearchSettings(n_candidates=16, n_uniform=32, n_local=32, n_refine=8)


def _policy(tmp_path, *, zero_residual=False, settings=SMALL):
    torch.manual_seed(0)
    net = CandidateNetwork(hidden=8)
    if zero_residual:
        with torch.no_grad():
            net.logit.weight.zero_()
    meta = {"defaults": {"n_initial": 3, "horizon": 20, "deterministic": True}, "search": settings.to_dict()}
    return Policy(net, meta).save(tmp_path / "policy")


@functools.cache
def _shared_policy() -> Path:
    return _policy(Path(tempfile.mkdtemp(prefix="rl_hpo_test_")))


class TestCandidatePolicyOptimizer(OptimizerConformance):
    n_trials = 8

    @staticmethod
    def factory(space, **options):
        return CandidatePolicyOptimizer(space, policy=_shared_policy(), **options)

    def test_make_optimizer_builds_it_by_name(self):
        opt = make_optimizer("ppo", MIXED, seed=0, policy=_shared_policy())
        assert type(opt) is CandidatePolicyOptimizer
        assert type(PolicyOptimizer(MIXED, seed=0, policy=_shared_policy())) is CandidatePolicyOptimizer
        with pytest.raises(ValueError, match="does not take"):
            make_optimizer("ppo", MIXED, policy=_shared_policy(), random_prob=0.1)


def test_save_and_load_round_trip(tmp_path):
    folder = _policy(tmp_path)
    policy = load_policy(folder)
    assert policy.kind == "candidate"
    assert policy.search_settings == SMALL
    meta = json.loads((folder / "policy.json").read_text())
    assert meta["architecture"]["name"] == "candidate"
    features = np.random.default_rng(0).standard_normal((16, policy.network.n_features))
    first = policy.choose(features)
    assert policy.choose(features) == first == policy.network.choose(features)


def test_the_numpy_actor_equals_the_torch_network() -> None:
    net = CandidateNetwork(hidden=8)
    with torch.no_grad():
        net.logit.weight.normal_(0.0, 1.0)  # a residual that matters, as after training
    rng = np.random.default_rng(1)
    features = rng.uniform(-3, 3, (20, 64, net.n_features))
    actor = CandidateActor(net)
    for rows in features:
        with torch.no_grad():
            logits = net.logits(torch.as_tensor(rows.reshape(1, -1), dtype=torch.float32))[0].numpy()
        np.testing.assert_allclose(actor.logits(rows), logits, rtol=1e-5, atol=1e-5)
        assert actor.choose(rows) == net.choose(rows) == int(np.argmax(logits))
    draws = [[a.choose(rows, np.random.default_rng(i)) for rows in features for i in range(5)] for a in (actor, net)]
    assert draws[0] == draws[1] and len(set(draws[0])) > 20  # the same samples, and samples indeed


def test_a_policy_with_zero_residual_tunes_exactly_as_expected_improvement(tmp_path):
    folder = _policy(tmp_path, zero_residual=True)
    task = bowl_task(4, seed=3)
    ppo = CandidatePolicyOptimizer(task.space, seed=4, policy=folder).optimize(task, 15)
    ei = ExpectedImprovement(task.space, seed=4, n_initial=3, settings=SMALL).optimize(task, 15)
    assert [r.config for r in ppo.records] == [r.config for r in ei.records]


def test_an_untrained_policy_that_samples_tunes_exactly_as_sampled_expected_improvement(tmp_path):
    folder = _policy(tmp_path, zero_residual=True)
    task = bowl_task(4, seed=3)
    ppo = CandidatePolicyOptimizer(task.space, seed=4, policy=folder, deterministic=False).optimize(task, 15)
    sampled = SampledExpectedImprovement(task.space, seed=4, n_initial=3, settings=SMALL).optimize(task, 15)
    argmax = ExpectedImprovement(task.space, seed=4, n_initial=3, settings=SMALL).optimize(task, 15)
    assert [r.config for r in ppo.records] == [r.config for r in sampled.records]
    assert [r.config for r in sampled.records] != [r.config for r in argmax.records]


def test_greedy_after_samples_until_then_and_takes_the_most_likely_candidate_from_then_on(tmp_path):
    folder = _policy(tmp_path)
    task = bowl_task(4, seed=3)

    def run(**options):
        history = CandidatePolicyOptimizer(task.space, seed=4, policy=folder, **options).optimize(task, 15)
        return [r.config for r in history.records]

    sampled, most_likely = run(deterministic=False), run(deterministic=True)
    assert sampled != most_likely
    assert run(deterministic=False, greedy_after=0) == most_likely  # greedy from the first choice
    later = run(deterministic=False, greedy_after=8)
    assert later[:8] == sampled[:8] and later != sampled
    assert run(deterministic=False, greedy_after=15) == sampled  # never reached within the budget
    with pytest.raises(ValueError, match="'greedy_after' parameter of ppo must be an int >= 0 or None"):
        CandidatePolicyOptimizer(task.space, policy=folder, greedy_after=1.5)


def test_search_settings_other_than_the_recorded_ones_can_be_given():
    space = MIXED
    recorded = CandidatePolicyOptimizer(space, seed=0, policy=_shared_policy())
    assert recorded.search_.settings == SMALL and recorded.search_.gp.warp == "outliers"
    other = SearchSettings(n_candidates=16, n_uniform=32, n_local=32, n_refine=8, warp="copula", edges="reflect")
    given = make_optimizer("ppo", space, seed=0, policy=_shared_policy(), settings=other)
    assert given.search_.settings == other and given.search_.gp.warp == "copula"


def test_a_policy_file_that_names_no_edge_rule_or_polishing_reflects_and_does_not_polish(tmp_path):
    # nor a warp, where fits start or an initial design: the GP sees the scores as they are, its fits start warm
    # alone, its initial points are uniform
    folder = _policy(tmp_path)
    meta = json.loads((folder / "policy.json").read_text())
    meta["search"]["n_polish"] = 3
    (folder / "policy.json").write_text(json.dumps(meta))
    assert load_policy(folder).search_settings.n_polish == 3
    for key in ("edges", "n_polish", "repeats", "integers", "discrete", "warp", "fit_starts", "initial_design"):
        meta["search"].pop(key, None)
    (folder / "policy.json").write_text(json.dumps(meta))
    settings = load_policy(folder).search_settings
    assert settings.edges == "reflect" and settings.n_polish == 0
    assert settings.repeats == "allow" and settings.integers == "as-is" and settings.discrete == "keep"
    assert settings.warp == "none" and settings.fit_starts == "warm" and settings.initial_design == "random"
    assert (SMALL.edges, SMALL.repeats, SMALL.integers, SMALL.warp) == ("clip", "avoid", "snap", "outliers")
    assert SMALL.fit_starts == "warm+noise" and SMALL.initial_design == "latin"


def test_feature_names_that_differ_are_refused(tmp_path):
    folder = _policy(tmp_path)
    original = (folder / "policy.json").read_text()
    meta = json.loads(original)
    meta["observation"]["candidate_features"] = ["something", "else"]
    (folder / "policy.json").write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match="trained on candidate features"):
        load_policy(folder)
    meta = json.loads(original)
    meta["architecture"]["n_features"] += 1
    (folder / "policy.json").write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match=r"the architecture's n_features \d+ does not match its \d+ candidate"):
        load_policy(folder)


@pytest.mark.parametrize(
    ("search", "message"),
    [
        ({"n_candidates": 0}, "must be an int >= 1"),
        # settings that would ask for unbounded memory or time are refused before any decision
        (
            {"n_local": 10**8},
            r"pool of SearchSettings \(n_uniform \+ n_local \+ n_refine = 1000\d{5}\) must be at most",
        ),
        ({"polish_iterations": 10**6}, "'polish_iterations' parameter of SearchSettings must be at most 1000"),
        ({"n_polish": 10**6}, r"'n_polish' parameter of SearchSettings must be at most \d+ \(n_candidates\)"),
        ({"n_centres": 10**5}, "'n_centres' parameter of SearchSettings must be at most 1024"),
    ],
)
def test_bad_search_settings_are_refused(tmp_path, search: dict, message: str):
    folder = _policy(tmp_path)
    meta = json.loads((folder / "policy.json").read_text())
    meta["search"] = {**meta.get("search", {}), **search}
    (folder / "policy.json").write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match="malformed search entry") as refused:
        load_policy(folder)
    assert re.search(message, str(refused.value))


def test_a_saved_candidate_policy_names_every_search_setting(tmp_path):
    folder = Policy(CandidateNetwork(hidden=8), {"search": {"n_candidates": 16}}).save(tmp_path / "policy")
    search = json.loads((folder / "policy.json").read_text())["search"]
    assert set(search) == set(SearchSettings().to_dict()) and search["n_candidates"] == 16
    assert load_policy(folder).search_settings.to_dict() == search


def test_a_candidate_policy_without_its_search_entry_is_refused(tmp_path):
    # loading it with the settings of the oldest files would run the policy on a pool it was not trained with
    folder = _policy(tmp_path)
    meta = json.loads((folder / "policy.json").read_text())
    del meta["search"]
    (folder / "policy.json").write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match="the entry 'search' is missing or malformed"):
        load_policy(folder)


def test_training_on_live_scikit_learn_tasks_warns_that_it_is_slow(tmp_path):
    from rl_hpo.agents.candidate_training import _warn_of_live_tasks

    live = CandidateTrainConfig(
        suites=("prior/gp", "sklearn/svc"), sklearn_tabulated=False, validation_suites=("prior/gp",), out=str(tmp_path)
    )
    with pytest.warns(UserWarning, match=r"sklearn/svc: live scikit-learn tasks\. .*Ctrl-C takes effect once"):
        _warn_of_live_tasks(live)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_of_live_tasks(CandidateTrainConfig(suites=("prior/gp",), out=str(tmp_path / "run")))
        _warn_of_live_tasks(CandidateTrainConfig(suites=("sklearn/svc",), out=str(tmp_path / "run")))  # tabulated


def test_scikit_learn_suites_train_on_tables_built_before_the_environments_start(tmp_path, monkeypatch):
    from rl_hpo.agents import candidate_training
    from rl_hpo.tasks.registry import load_suite

    built: list[tuple[str, dict]] = []
    monkeypatch.setattr(candidate_training, "load_task", lambda name, **options: built.append((name, options)))
    config = CandidateTrainConfig(suites=("prior/gp", "sklearn/svc"), eval_max_tasks=1, progress=False)
    candidate_training._build_tables(config, workers=1)
    table = {"tabulated": True, "progress": False}
    train = [(f"sklearn/svc/{d}", table) for d in ("iris", "wine", "breast_cancer")]
    assert built == [*train, ("sklearn/svc/diabetes", table)]  # the training split, then validation's first task
    assert [getattr(s, "options", s) for s in config.task_sources()] == [{}, {"tabulated": True}]
    env = candidate_training._EnvFactory(config)()
    assert env.pool._suite_options["sklearn/svc/iris"] == {"tabulated": True}  # what the environments draw from
    built.clear()
    # suites that share tasks build each table once; a single task is trained on as named, with no table
    overlapping = ("sklearn/svc", "sklearn/all", "sklearn/svc/iris")
    candidate_training._build_tables(dataclasses.replace(config, suites=overlapping, eval_freq=0), workers=1)
    assert len(built) == len({name for name, _ in built}) == len(load_suite("sklearn/all").task_names("train"))
    built.clear()
    candidate_training._build_tables(dataclasses.replace(config, sklearn_tabulated=False, eval_freq=0))
    candidate_training._build_tables(dataclasses.replace(config, suites=("prior/gp",), validation_suites=("prior/gp",)))
    assert built == []


def test_scikit_learn_tables_are_built_in_worker_processes_side_by_side(tmp_path, monkeypatch):
    from rl_hpo.agents import candidate_training
    from rl_hpo.tasks.registry import load_suite

    cache = tmp_path / "cache"
    small = load_suite("sklearn/svc", tabulated=True, n_configs=3, cache_dir=str(cache))
    monkeypatch.setattr(candidate_training, "task_sources", lambda suites, **_: [small] if suites else [])
    config = CandidateTrainConfig(suites=("sklearn/svc",), eval_max_tasks=1, progress=False)
    candidate_training._build_tables(config, workers=2)
    tables = sorted(p.name.split("__")[1] for p in (cache / "sklearn").glob("*.npz"))
    assert tables == ["breast_cancer", "diabetes", "iris", "wine"]  # the training split and validation's first task
    built = {p: p.stat().st_mtime_ns for p in (cache / "sklearn").glob("*.npz")}
    candidate_training._build_tables(config, workers=2)  # found in the cache: nothing is evaluated again
    assert {p: p.stat().st_mtime_ns for p in (cache / "sklearn").glob("*.npz")} == built
    broken = load_suite("sklearn/svc", tabulated=True, n_configs=3, cache_dir=str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setattr(candidate_training, "task_sources", lambda suites, **_: [broken] if suites else [])
    with pytest.raises(RuntimeError, match=r"Building the table of sklearn/svc/.* failed"):
        candidate_training._build_tables(config, workers=2)


def test_a_short_training_run_writes_a_policy_that_tunes(tmp_path):
    config = CandidateTrainConfig(
        suites=("prior/gp",),
        out=str(tmp_path / "run"),
        timesteps=256,
        n_envs=2,
        vec_env="dummy",
        n_steps=64,
        batch_size=64,
        n_epochs=1,
        eval_freq=128,
        eval_seeds=1,
        eval_max_tasks=2,
        budget=12,
        n_candidates=16,
        reward="improvement",
        reward_baseline="ei",
        gamma=1.0,
        progress=False,
    )
    still = r"PPO left the policy where it started.*tunes as `ei` does"  # 256 steps move it little
    with pytest.warns(UserWarning, match=still):
        out = train_candidate_policy(config)
    rows = (out / "eval.csv").read_text().splitlines()
    assert rows[0].startswith("timesteps,regret@10") and "shift" in rows[0].split(",")
    assert len(rows) >= 3
    shifts = [float(r["shift"]) for r in csv.DictReader(io.StringIO("\n".join(rows)))]
    assert all(0.0 <= x < 0.01 for x in shifts), shifts
    policy = load_policy(out / "best")
    assert policy.metadata["training"]["suites"] == ["prior/gp"]
    assert policy.metadata["training"]["settings"]["reward"] == "improvement"
    assert policy.metadata["training"]["settings"]["reward_baseline"] == "ei"
    task = bowl_task(3)
    history = CandidatePolicyOptimizer(task.space, seed=0, policy=policy).optimize(task, 14)
    assert history.n_trials == 14
    # The folder now holds a finished run: a second training there is refused, and the first stays whole.
    with pytest.raises(ValueError, match=r"holds a finished training \(final/\); pass another --out"):
        train_candidate_policy(config)
    assert load_policy(out / "best").metadata == policy.metadata and (out / "eval.csv").read_text().splitlines() == rows


def _tiny_candidate_training(out: Path, **changes) -> CandidateTrainConfig:
    settings = {
        "suites": ("prior/gp",),
        "out": str(out),
        "n_envs": 2,
        "vec_env": "dummy",
        "n_steps": 32,
        "batch_size": 64,
        "n_epochs": 1,
        "eval_freq": 64,
        "eval_seeds": 1,
        "eval_max_tasks": 1,
        "checkpoint_freq": 64,
        "budget": 12,
        "n_candidates": 16,
        "progress": False,
        **changes,
    }
    return CandidateTrainConfig(**settings)


class _InterruptAt(BaseCallback):
    """Ctrl-C in the middle of a training run, once it has trained ``steps`` steps."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps

    def _on_step(self) -> bool:
        if self.num_timesteps >= self.steps:
            raise KeyboardInterrupt
        return True


@pytest.mark.filterwarnings("ignore:PPO left the policy where it started")
def test_each_validation_prints_a_line_where_no_progress_bar_shows(tmp_path, capsys):
    config = CandidateTrainConfig(
        suites=("prior/gp",), out=str(tmp_path / "run"), timesteps=128, n_envs=2, vec_env="dummy", n_steps=32,
        batch_size=64, n_epochs=1, eval_freq=64, eval_seeds=1, eval_max_tasks=1, budget=8, n_candidates=8,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 128 steps leave the policy at its start: said, not tested
        train_candidate_policy(config)
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("validation at ")]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "run" / "eval.csv").read_text())))
    assert len(lines) == len(rows) >= 2  # one line per row of eval.csv, though stderr is not a terminal here
    assert lines[0].startswith(f"validation at {int(float(rows[0]['timesteps']))} steps: regret ")
    assert "kept as best/" in lines[0]


def test_an_interrupted_training_resumes_from_its_last_checkpoint(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train_candidate_policy(_tiny_candidate_training(out, timesteps=256), callbacks=[_InterruptAt(100)])
    assert not (out / "final").exists() and not list(out.glob(".checkpoint.*")), "the checkpoint was swapped in whole"
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    assert state["num_timesteps"] == 64 and [row["timesteps"] for row in state["evaluations"]] == [2.0]
    assert state["n_updates"] == 1, "a checkpoint comes between rollouts: after the update on every step counted"
    saved_states = np.load(out / "checkpoint" / "recent_states.npy")
    assert len(saved_states) == 64, "the last training states, one row per environment and step"
    with pytest.raises(ValueError, match="holds the checkpoint of an unfinished training; pass --resume"):
        train_candidate_policy(_tiny_candidate_training(out, timesteps=256))
    with pytest.raises(ValueError, match=r"the settings \['n_candidates'\] differ from the checkpoint's"):
        train_candidate_policy(_tiny_candidate_training(out, timesteps=256, resume=True, n_candidates=8))
    # Resuming with nothing left to train restores the checkpoint's network exactly, and its best policy: one
    # validated after the checkpoint belongs to steps the resumed run trains anew.
    original_log = (out / "progress.csv").read_text()
    checkpointed = load_policy(out / "checkpoint").network
    best_at_checkpoint = (out / "checkpoint" / "best" / "policy.json").read_text()
    (out / "best" / "policy.json").write_text("{}")
    train_candidate_policy(_tiny_candidate_training(out, timesteps=64, resume=True, eval_freq=0))
    assert (out / "best" / "policy.json").read_text() == best_at_checkpoint
    final = load_policy(out / "final").network
    assert all(torch.equal(a, b) for a, b in zip(checkpointed.state_dict().values(), final.state_dict().values()))
    shutil.rmtree(out / "final")
    train_candidate_policy(_tiny_candidate_training(out, timesteps=256, resume=True))
    assert load_policy(out / "final").metadata["training"]["timesteps"] == 256
    # The log before the first resume is kept, through the second resume from the same checkpoint.
    assert original_log.count("\n") == 2 and (out / "progress_until_64.csv").read_text() == original_log
    # A finished run is left alone: resuming it is refused, its logs and policy untouched.
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match="is finished: final/ holds its policy of 256 steps"):
        train_candidate_policy(_tiny_candidate_training(out, timesteps=256, resume=True))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == files
    with pytest.raises(ValueError, match=r"the settings \['learning_rate'\] differ"):
        train_candidate_policy(_tiny_candidate_training(out, timesteps=512, resume=True, learning_rate=0.003))
    with open(out / "eval.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    # The validations up to the checkpoint, then the resumed runs' (the one of the lost steps after it is gone).
    assert [r["timesteps"] for r in rows] == ["2", "66", "130", "194", "256"]
    assert all(float(a["minutes"]) <= float(b["minutes"]) for a, b in itertools.pairwise(rows))
    # A damaged checkpoint is refused before anything is changed: OUT/best may be all that is left of a long run.
    shutil.rmtree(out / "final")
    (out / "best" / "kept.txt").write_text("the run's best so far")
    best_files = {p: p.read_bytes() for p in (out / "best").rglob("*") if p.is_file()}
    checkpoint = out / "checkpoint"
    saved = {name: (checkpoint / name).read_bytes() for name in ("optimizer.pt", "state.json", "recent_states.npy")}
    wrong_shape = io.BytesIO()
    np.save(wrong_shape, np.zeros((3, 5)))
    damage = {
        "optimizer.pt": (b"not a torch file", r"optimizer.pt is damaged"),
        "state.json": (
            json.dumps({**json.loads(saved["state.json"]), "evaluations": {}}).encode(),
            r"state.json is damaged \(evaluations \{\}\)",
        ),
        "recent_states.npy": (wrong_shape.getvalue(), r"recent_states.npy is damaged \(shape \(3, 5\), not rows of"),
    }
    for name, (content, message) in damage.items():
        (checkpoint / name).write_bytes(content)
        with pytest.raises(ValueError, match=r"--resume: the checkpoint's .*" + message):
            train_candidate_policy(_tiny_candidate_training(out, timesteps=512, resume=True))
        assert {p: p.read_bytes() for p in (out / "best").rglob("*") if p.is_file()} == best_files, name
        (checkpoint / name).write_bytes(saved[name])
    with pytest.raises(FileNotFoundError, match="no checkpoint in"):
        train_candidate_policy(_tiny_candidate_training(tmp_path / "fresh", timesteps=64, resume=True))


@pytest.mark.filterwarnings("ignore:PPO left the policy where it started")
def test_training_on_the_split_that_chooses_best_is_said_to_choose_on_training_tasks(tmp_path):
    message = r"Training on the 'validation' split of prior/gp and keeping best/ by its regret on that same split"
    with pytest.warns(UserWarning, match=message):
        train_candidate_policy(_tiny_candidate_training(tmp_path / "a", timesteps=64, split="validation"))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Training on the")
        # validated on another suite, or not validated at all: nothing chosen on the training tasks
        other = ("synthetic/mixed",)
        train_candidate_policy(_tiny_candidate_training(tmp_path / "b", timesteps=64, split="validation",
                                                        validation_suites=other, eval_max_tasks=1))  # fmt: skip
        train_candidate_policy(_tiny_candidate_training(tmp_path / "c", timesteps=64, split="validation", eval_freq=0))


@pytest.mark.filterwarnings("ignore:PPO left the policy where it started")
def test_a_resumed_training_records_the_command_that_started_it_and_each_resume(tmp_path, capsys):
    out, first = tmp_path / "run", "rl-hpo train --out run --timesteps 128"
    with pytest.raises(KeyboardInterrupt):
        train_candidate_policy(
            _tiny_candidate_training(out, timesteps=128, eval_freq=0, command=first), callbacks=[_InterruptAt(100)]
        )
    again = f"{first} --resume --n-envs 1"
    resumed = _tiny_candidate_training(out, timesteps=128, eval_freq=0, resume=True, n_envs=1, command=again)
    train_candidate_policy(dataclasses.replace(resumed, progress=True))
    assert "resuming at step 64 (settings changed: n_envs 2 -> 1)" in capsys.readouterr().err
    resumes = [{"at_step": 64, "command": again, "changed": {"n_envs": [2, 1]}}]
    config = json.loads((out / "config.json").read_text())
    assert (config["command"], config["resumes"], config["n_envs"]) == (first, resumes, 1)
    training = load_policy(out / "final").metadata["training"]
    assert (training["command"], training["resumes"], training["settings"]) == (first, resumes, config)
    # A run never resumed records no resumes.
    fresh = tmp_path / "fresh"
    train_candidate_policy(_tiny_candidate_training(fresh, timesteps=64, eval_freq=0, command=first))
    assert "resumes" not in load_policy(fresh / "final").metadata["training"]
    assert json.loads((fresh / "config.json").read_text())["command"] == first


def test_a_resume_from_the_checkpoint_an_earlier_resume_started_from_replaces_that_resume(tmp_path):
    from rl_hpo.agents.checkpoints import write_run_settings

    settings = {"command": "train", "n_envs": 2, "timesteps": 128}
    write_run_settings(tmp_path, settings)
    write_run_settings(tmp_path, {**settings, "command": "train --resume", "n_envs": 1}, resumed_at=64)
    # interrupted before its next checkpoint: resumed again from step 64, whose later steps are trained anew
    again = write_run_settings(tmp_path, {**settings, "command": "train --resume --n-envs 4", "n_envs": 4}, 64)
    assert again["resumes"] == [{"at_step": 64, "command": "train --resume --n-envs 4", "changed": {"n_envs": [2, 4]}}]
    later = write_run_settings(tmp_path, {**settings, "command": "train --resume", "timesteps": 256}, 192)
    assert [r["at_step"] for r in later["resumes"]] == [64, 192]
    assert later["resumes"][1]["changed"] == {"n_envs": [4, 2], "timesteps": [128, 256]}
    assert later["command"] == "train" and json.loads((tmp_path / "config.json").read_text()) == later


@pytest.mark.filterwarnings("ignore:PPO left the policy where it started")
def test_checkpoints_leave_the_training_unchanged(tmp_path):
    """A checkpoint builds a network, which draws from torch's generator: the run must not notice."""
    weights = []
    for freq in (0, 64):
        out = tmp_path / str(freq)
        config = _tiny_candidate_training(out, timesteps=192, eval_freq=0, checkpoint_freq=freq, learning_rate=3e-3)
        weights.append(load_policy(train_candidate_policy(config) / "final").network.state_dict())
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_shift_from_ei_is_zero_at_the_start_and_grows_as_the_residual_does():
    net = CandidateNetwork(hidden=8)
    rng = np.random.default_rng(0)
    rows = rng.uniform(-1, 1, (5, 16, net.n_features))
    rows[..., CANDIDATE_FEATURES.index("log_ei_relative")] = rng.uniform(-0.05, 0, (5, 16))  # EI alike: a spread
    obs = torch.as_tensor(rows.reshape(5, -1), dtype=torch.float32)
    with torch.no_grad():
        net.logit.weight.zero_()
    assert torch.all(net.shift_from_ei(obs) < 1e-6)
    assert torch.all(net.shift_from_ei(obs, temperature=2.5) > 0.01)  # another temperature is another start
    with torch.no_grad():
        net.logit.weight.normal_(0.0, 1.0)
    assert torch.all(net.shift_from_ei(obs) > 0.01) and torch.all(net.shift_from_ei(obs) <= 1.0)


def test_an_unknown_reward_is_refused():
    with pytest.raises(ValueError, match="'reward' parameter must be one of"):
        CandidateTrainConfig(reward="final")
    with pytest.raises(ValueError, match="'reward_baseline' parameter must be one of"):
        CandidateTrainConfig(reward_baseline="tpe")


def test_actor_parameters_are_exactly_the_weights_of_the_logits() -> None:
    net = CandidateNetwork(hidden=8)
    actor = {id(p) for p in net.actor_parameters()}
    critic = {id(p) for p in [*net.critic.parameters(), *net.value_head.parameters()]}
    assert actor.isdisjoint(critic) and actor | critic == {id(p) for p in net.parameters()}
    obs = torch.randn(3, 64 * net.n_features)
    net.logits(obs).sum().backward()
    assert all(p.grad is not None for p in net.actor_parameters())
    assert all(p.grad is None for p in net.critic.parameters())


def test_a_training_without_validation_tasks_says_that_best_is_final(tmp_path):
    config = _tiny_candidate_training(tmp_path / "run", timesteps=64, suites=("synthetic/branin/0",))
    with pytest.warns(UserWarning, match="No validation task in synthetic/branin/0 .* best/ is the final policy"):
        train_candidate_policy(config)
    assert not (tmp_path / "run" / "eval.csv").exists()
