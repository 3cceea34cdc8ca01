"""The policy file format: round trip, and refusal of corrupted, tampered, truncated or pickled files."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from rl_hpo.agents.network import TuningNetwork
from rl_hpo.agents.policy_file import METADATA_FILE, WEIGHTS_FILE, load_policy, save_policy
from rl_hpo.envs.observation import ObservationLayout
from rl_hpo.exceptions import PolicyFileError


def _network(seed: int = 0, max_dim: int = 6, history_len: int = 3) -> TuningNetwork:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        net = TuningNetwork(ObservationLayout(max_dim=max_dim, history_len=history_len), hidden=8)
        net.orthogonal_init()
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.1 * torch.randn_like(p))
    return net.eval()


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return save_policy(_network(), tmp_path / "policy", metadata={"training": {"suites": ["synthetic/mixed"]}})


def _obs(layout: ObservationLayout, n: int = 5) -> np.ndarray:
    rng = np.random.default_rng(0)
    obs = rng.uniform(-1, 1, (n, layout.size)).astype(np.float32)
    per_dim, _ = layout.split(obs)
    per_dim[..., 0] = (np.arange(layout.max_dim) < 4).astype(np.float32)  # a 4-d space
    return obs


def test_round_trip_gives_identical_actions_and_metadata(saved: Path) -> None:
    policy = load_policy(saved)
    original = _network()
    obs = _obs(policy.layout)
    # Policy.act runs the numpy copy of the actor, TuningNetwork.act the torch one.
    np.testing.assert_allclose(policy.act(obs), original.act(obs), atol=1e-5)
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_allclose(policy.act(obs, rng_a), original.act(obs, rng_b), atol=1e-5)
    np.testing.assert_array_equal(policy.act(obs), load_policy(saved).act(obs))
    meta = json.loads((saved / METADATA_FILE).read_text())
    assert meta["format"] == "rl_hpo.policy" and meta["format_version"] == 1
    assert meta["observation"]["max_dim"] == 6 and meta["observation"]["history_len"] == 3
    assert meta["architecture"] == {"name": "per_dimension", "hidden": 8}
    assert meta["action"]["min_scale"] == 0.01 and meta["action"]["max_scale"] == 1.0
    assert meta["training"]["suites"] == ["synthetic/mixed"]
    assert set(meta["versions"]) >= {"rl_hpo", "torch", "stable_baselines3", "gymnasium", "numpy"}
    assert meta["weights"]["sha256"] == hashlib.sha256((saved / WEIGHTS_FILE).read_bytes()).hexdigest()
    assert policy.sha256 == meta["weights"]["sha256"]
    # Saving a loaded policy again gives the same bytes.
    again = policy.save(saved.parent / "again")
    assert (again / WEIGHTS_FILE).read_bytes() == (saved / WEIGHTS_FILE).read_bytes()


def test_the_metadata_file_path_is_accepted(saved: Path) -> None:
    assert load_policy(saved / METADATA_FILE).path == saved


def test_a_flipped_byte_in_the_weights_is_a_hash_mismatch(saved: Path) -> None:
    weights = saved / WEIGHTS_FILE
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PolicyFileError, match=r"does not match .* recorded in policy\.json"):
        load_policy(saved)


def test_truncated_weights_are_refused(saved: Path) -> None:
    weights = saved / WEIGHTS_FILE
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(PolicyFileError, match="truncated, corrupted or were replaced"):
        load_policy(saved)


def test_truncated_weights_with_a_matching_hash_are_still_refused(saved: Path) -> None:
    """Tampering that also rewrites the hash: safetensors itself refuses the truncated file."""
    weights = saved / WEIGHTS_FILE
    data = weights.read_bytes()[:-40]
    weights.write_bytes(data)
    meta = json.loads((saved / METADATA_FILE).read_text())
    meta["weights"]["sha256"] = hashlib.sha256(data).hexdigest()
    (saved / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match="not a valid safetensors file"):
        load_policy(saved)


def test_weights_of_another_network_are_refused(saved: Path, tmp_path: Path) -> None:
    other = save_policy(_network(history_len=5), tmp_path / "other")
    meta = json.loads((saved / METADATA_FILE).read_text())
    data = (other / WEIGHTS_FILE).read_bytes()
    (saved / WEIGHTS_FILE).write_bytes(data)
    meta["weights"]["sha256"] = hashlib.sha256(data).hexdigest()
    (saved / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(
        PolicyFileError, match=r"does not fit the network .*tensors differ in shape \(the first, "
    ) as err:
        load_policy(saved)
    assert "\n" not in str(err.value)  # one line, not PyTorch's list of every tensor


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format="something else"), "is not an rl_hpo policy"),
        (lambda m: m.update(format_version=99), "format_version 99; this rl_hpo reads version 1. Retrain"),
        (lambda m: m.pop("architecture"), "'architecture' is missing or malformed"),
        (lambda m: m["weights"].update(file="../../etc/passwd"), "weights file must be"),
        (lambda m: m["observation"].update(max_dim="x"), "observation layout is malformed"),
        (lambda m: m["defaults"].update(horizon=-1), r"malformed defaults entry \(horizon -1\)"),
        (
            lambda m: m["defaults"].update(n_initial=10**9),
            r"\(n_initial 1000000000, which must lie in \[1, horizon\]\)",
        ),
        (
            lambda m: m["known_spaces"].update(x=3) if "known_spaces" in m else m.update(known_spaces=[]),
            "malformed known_spaces entry",
        ),
        (lambda m: m.update(format_version=True), "format_version True, not an integer"),
        (lambda m: m.update(format_version="1"), "format_version '1', not an integer; the file is corrupted"),
        (lambda m: m["architecture"].update(hidden=True), "hidden width is missing or malformed"),
        (lambda m: m["architecture"].update(hidden=200_000), r"hidden width .*an int in \[1, 8192\]"),
        (lambda m: m["architecture"].update(hidden=4096), "does not fit the network"),  # checked before it is built
        (lambda m: m["defaults"].update(horizon=True), r"defaults.*\(horizon True\)"),
        (lambda m: m["defaults"].update(deterministic="false"), r"\(deterministic 'false'\)"),
        (lambda m: m["defaults"].update(random_prob=2.0), r"\(random_prob 2.0\)"),
        (
            lambda m: m["defaults"].update(determinstic=True),
            r"malformed defaults entry \(unknown keys \['determinstic'\]",
        ),
        (lambda m: m.pop("defaults"), "'defaults' is missing or malformed"),  # not silently the package's own
        (lambda m: m.pop("action"), "'action' is missing or malformed"),
    ],
)
def test_malformed_metadata_is_refused(saved: Path, edit, message: str) -> None:
    meta = json.loads((saved / METADATA_FILE).read_text())
    edit(meta)
    (saved / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match=message):
        load_policy(saved)


def test_invalid_json_and_missing_files(saved: Path, tmp_path: Path) -> None:
    (saved / METADATA_FILE).write_text("{not json")
    with pytest.raises(PolicyFileError, match="not valid JSON"):
        load_policy(saved)
    with pytest.raises(PolicyFileError, match="the path does not exist"):
        load_policy(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PolicyFileError, match=r"has no policy\.json"):
        load_policy(tmp_path / "empty")
    with pytest.raises(PolicyFileError, match="The policy path is empty"):  # not the current folder
        load_policy("")


def _rehash(folder: Path, data: bytes) -> None:
    (folder / WEIGHTS_FILE).write_bytes(data)
    meta = json.loads((folder / METADATA_FILE).read_text())
    meta["weights"]["sha256"] = hashlib.sha256(data).hexdigest()
    (folder / METADATA_FILE).write_text(json.dumps(meta))


def test_deep_json_a_folder_for_weights_and_weights_of_another_dtype_are_refused(saved: Path) -> None:
    from safetensors.torch import load, save

    tensors = load((saved / WEIGHTS_FILE).read_bytes())
    meta_text = (saved / METADATA_FILE).read_text()
    _rehash(saved, save({k: v.to(torch.float16) for k, v in tensors.items()}))
    with pytest.raises(PolicyFileError, match="holds float16 tensors; a policy's are float32"):
        load_policy(saved)
    (saved / WEIGHTS_FILE).unlink()
    (saved / WEIGHTS_FILE).mkdir()
    (saved / METADATA_FILE).write_text(meta_text)
    with pytest.raises(PolicyFileError, match="Cannot read the policy's weights file"):
        load_policy(saved)
    (saved / METADATA_FILE).write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(PolicyFileError, match="not valid JSON"):
        load_policy(saved)


class _Payload:
    """A pickle that creates a file when it is unpickled."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_a_pickle_payload_is_never_executed(saved: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    # As the weights file, with a matching hash so that only the format check stands in the way.
    (saved / WEIGHTS_FILE).write_bytes(payload)
    meta = json.loads((saved / METADATA_FILE).read_text())
    meta["weights"]["sha256"] = hashlib.sha256(payload).hexdigest()
    (saved / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match="not a valid safetensors file"):
        load_policy(saved)
    # As a model file passed directly (e.g. an SB3 .zip or a torch checkpoint).
    for name in ("model.zip", "model.pt", "model.pkl"):
        (tmp_path / name).write_bytes(payload)
        with pytest.raises(PolicyFileError, match="not a policy folder"):
            load_policy(tmp_path / name)
    assert not marker.exists()


def test_the_default_policy_ships_and_loads() -> None:
    policy = load_policy("default")
    meta = policy.metadata
    assert policy.kind == "candidate"  # any dimension, no cap
    assert meta["training"]["split"] == "train"
    from rl_hpo.agents.candidate_training import EVERY_TRAIN_SPLIT

    assert meta["training"]["suites"] == list(EVERY_TRAIN_SPLIT)  # the train split of every suite the design uses
    assert meta["selection"]["split"] == "validation"
    from rl_hpo.agents.policy_file import default_policy_path

    unseen = load_policy(default_policy_path().parent / "prior_gp").metadata
    assert unseen["training"]["suites"] == ["prior/gp"]  # the studies of unseen spaces: no benchmark space in training


#: General policies shipped beside the default, loaded by their folder (README "The tuning policy").
GENERAL_BESIDE_DEFAULT = ("prior_gp",)


def test_every_shipped_specialist_loads_and_serves_its_own_space() -> None:
    from rl_hpo.agents.policy_file import default_policy_path, shipped_policy_for
    from rl_hpo.tasks import load_task

    folders = [p.parent for p in sorted(default_policy_path().parent.glob("*/policy.json"))]
    for folder in folders:
        policy = load_policy(folder)
        assert policy.metadata["training"]["split"] == "train"
        if folder == default_policy_path() or folder.name in GENERAL_BESIDE_DEFAULT:
            assert policy.specialty is None  # so never served for a space by policy="default"
            assert shipped_policy_for(load_task("synthetic/branin/0").space) == default_policy_path()
            continue
        assert policy.specialty is not None, f"{folder} is neither a general policy nor a specialist"
        example = policy.metadata["specialty"]["example_task"]
        if example.startswith("yahpo/") and not os.environ.get("RL_HPO_YAHPO_DATA"):
            continue  # the example task needs the YAHPO data to be loaded
        space = load_task(example).space
        assert space.fingerprint() == policy.specialty
        assert shipped_policy_for(space) == folder


@pytest.mark.skipif(not os.environ.get("RL_HPO_YAHPO_DATA"), reason="needs the YAHPO data ($RL_HPO_YAHPO_DATA)")
def test_the_specialist_check_script_compares_every_shipped_specialist(tmp_path: Path) -> None:
    from scripts.check_specialists import main

    out = tmp_path / "check.json"
    assert main(["--max-per-fold", "1", "--out", str(out)]) == 0
    table = json.loads(out.read_text())
    assert {"lcbench", "rbv2_xgboost"} <= set(table)
    for name in ("lcbench", "rbv2_xgboost"):
        assert len(table[name]["folds"]) == 4
        assert set(table[name]["default"]) == {"10", "25", "50"}


def test_the_specialist_check_tables_are_the_recorded_check() -> None:
    root = Path(__file__).resolve().parents[2]
    check = json.loads((root / "benchmarks/specialist_check/check.json").read_text())

    def regrets(values: dict[str, float]) -> str:
        return " / ".join(f"{values[budget]:.3f}" for budget in ("10", "25", "50"))

    for suite in ("lcbench", "rbv2_xgboost"):
        entry = check[suite]
        datasets = sum(len(fold["held_out"]) for fold in entry["folds"])
        row = (
            f"| {suite} ({datasets} datasets, {entry['seeds']} seeds) | {regrets(entry['specialist'])} "
            f"| {regrets(entry['default'])} |"
        )
        for readme in ("README.md", "benchmarks/specialist_check/README.md"):
            assert row in (root / readme).read_text(), f"{readme} lacks the recorded row {row}"


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    import shutil

    from rl_hpo.agents.policy_file import default_policy_path

    return Path(shutil.copytree(default_policy_path(), tmp_path / "shipped"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"refit_all_until": None}, "'refit_all_until' parameter of SearchSettings must be an int >= 0. Got None"),
        ({"n_uniform": True}, "'n_uniform' parameter of SearchSettings must be an int >= 1. Got True"),
        ({"n_candidates": True}, "'n_candidates' parameter of SearchSettings must be an int >= 1. Got True"),
    ],
)
def test_malformed_search_settings_are_refused_at_load(shipped_copy: Path, change: dict, message: str) -> None:
    meta = json.loads((shipped_copy / METADATA_FILE).read_text())
    meta["search"].update(change)
    (shipped_copy / METADATA_FILE).write_text(json.dumps(meta))
    with pytest.raises(PolicyFileError, match=message):
        load_policy(shipped_copy)


def test_metadata_of_an_integer_too_long_to_read_or_that_is_no_file_is_named_so(shipped_copy: Path) -> None:
    meta_file = shipped_copy / METADATA_FILE
    text = meta_file.read_text()
    meta_file.write_text(text.replace('"horizon": 50', '"horizon": ' + "5" * 5001))
    with pytest.raises(PolicyFileError, match=r"policy.json is not valid JSON \(ValueError\); the file is corrupted"):
        load_policy(shipped_copy)
    meta_file.unlink()
    meta_file.mkdir()
    with pytest.raises(PolicyFileError, match=r"Cannot read the policy's metadata .*policy.json: it is a folder"):
        load_policy(shipped_copy)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="devices and pipes are POSIX")
def test_a_weights_file_that_is_a_device_or_a_pipe_is_refused_without_reading_it(shipped_copy: Path) -> None:
    weights = shipped_copy / WEIGHTS_FILE
    weights.unlink()
    weights.symlink_to("/dev/zero")  # endless: reading it whole would take every byte of memory
    with pytest.raises(PolicyFileError, match="is not a regular file"):
        load_policy(shipped_copy)
    weights.unlink()
    os.mkfifo(weights)  # no writer: reading it would wait forever
    with pytest.raises(PolicyFileError, match="is not a regular file"):
        load_policy(shipped_copy)
