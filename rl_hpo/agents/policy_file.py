"""The policy file format: a folder with ``policy.json`` (metadata) and ``weights.safetensors``.

Loading never unpickles anything: the metadata is JSON, the weights are read with safetensors (a flat
header plus raw tensor bytes), and the network is rebuilt from the metadata before the weights are
copied into it. The SHA-256 of the weights file is stored in the metadata and checked on every load,
so a truncated, corrupted or swapped weights file is refused with ``PolicyFileError``.

``policy.json`` holds:

- ``format`` / ``format_version``: ``"rl_hpo.policy"`` / 1;
- ``architecture``: the network: ``candidate`` (``CandidateNetwork``: scores the candidate moves of
  ``rl_hpo.envs.CandidateTuningEnv``; ``hidden`` width, ``n_features``) or ``per_dimension``
  (``TuningNetwork``: a direction per coordinate in ``rl_hpo.envs.TuningEnv``; ``hidden`` width);
- ``observation``: for ``candidate``, the names of the candidate and global features (a policy whose names
  differ from this rl_hpo's is refused); for ``per_dimension``, ``ObservationLayout.to_dict()`` (``max_dim``,
  ``history_len``, ``identity_dim``, feature names);
- ``search`` (``candidate`` only): ``SearchSettings`` of the candidate pool and shortlist;
- ``known_spaces``: the fingerprints of the search spaces the policy was trained on, each with an example
  task; their parameters get identity codes in the observation (see ``rl_hpo.envs.observation``);
- ``specialty`` (only for a specialist): ``{"fingerprint", "example_task"}`` of the one search space all its
  training tasks shared; ``PolicyOptimizer(policy="default")`` picks a shipped specialist of the user's
  very space over the general default policy (see ``shipped_policy_for``);
- ``action`` (``per_dimension`` only): ``ActionMapping.to_dict()`` (the incumbent step and its scale range);
- ``defaults``: how ``PolicyOptimizer`` uses the policy unless told otherwise (``n_initial``,
  ``horizon``, ``deterministic``, ``random_prob``, ``patience``);
- ``training``: suites, split, timesteps, seed, PPO settings, the command, and validation results;
- ``versions``: rl_hpo, torch, stable-baselines3, gymnasium, numpy, Python;
- ``weights``: the file name and its ``sha256``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import platform
import stat
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
import torch

from rl_hpo.envs.actions import ActionMapping
from rl_hpo.envs.observation import ObservationLayout
from rl_hpo.exceptions import PolicyFileError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_HIDDEN",
    "METADATA_FILE",
    "WEIGHTS_FILE",
    "Policy",
    "default_policy_path",
    "load_policy",
    "save_policy",
    "shipped_policy_for",
]

FORMAT = "rl_hpo.policy"
FORMAT_VERSION = 1
METADATA_FILE = "policy.json"
WEIGHTS_FILE = "weights.safetensors"
_MAX_METADATA_BYTES = 1 << 20
_MAX_WEIGHTS_BYTES = 256 << 20
#: Widths above this would need more float32 weights than the weights file may hold (a layer alone has
#: hidden**2 of them), so the network is never built for a file that could not fit it, nor trained.
MAX_HIDDEN = math.isqrt(_MAX_WEIGHTS_BYTES // 4)

#: How ``PolicyOptimizer`` uses a policy when the file does not say otherwise.
DEFAULTS: dict[str, Any] = {
    "n_initial": 1,
    "horizon": 50,
    "deterministic": False,
    "random_prob": 0.0,
    "patience": None,
}


def default_policy_path() -> Path:
    """The folder of the policy shipped with the package (``rl_hpo/data/policies/default``)."""
    return Path(str(resources.files("rl_hpo") / "data" / "policies" / "default"))


def shipped_policy_for(space: Any) -> Path:
    """The shipped policy to tune ``space`` (a ``SearchSpace``) with: a specialist trained on this very
    search space when the package ships one (a folder beside the default whose ``policy.json`` names the
    space's fingerprint as its ``specialty``), else the general default policy.

    Only the JSON metadata is read here; the chosen folder is loaded and checked by ``load_policy``.
    """
    return _shipped_specialists(str(default_policy_path().parent)).get(space.fingerprint(), default_policy_path())


@functools.lru_cache(maxsize=4)
def _shipped_specialists(root: str) -> dict[str, Path]:
    specialists: dict[str, Path] = {}
    for meta_file in sorted(Path(root).glob(f"*/{METADATA_FILE}")):
        try:
            specialty = json.loads(meta_file.read_text(encoding="utf-8")).get("specialty")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as err:
            warnings.warn(f"Skipping the shipped policy {meta_file.parent}: unreadable metadata ({err}).", stacklevel=3)
            continue
        if isinstance(specialty, dict) and isinstance(specialty.get("fingerprint"), str):
            specialists.setdefault(specialty["fingerprint"], meta_file.parent)
    return specialists


def versions() -> dict[str, str]:
    """Versions of the packages that produced a policy (recorded in its metadata)."""
    import gymnasium
    import stable_baselines3

    import rl_hpo

    return {
        "rl_hpo": rl_hpo.__version__,
        "torch": torch.__version__,
        "stable_baselines3": stable_baselines3.__version__,
        "gymnasium": gymnasium.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


@dataclass
class Policy:
    """A tuning policy: its network and metadata.

    Attributes:
        network: the actor-critic network (``rl_hpo.agents.network.TuningNetwork``), in eval mode.
        metadata: the content of ``policy.json``.
        path: the folder it was loaded from (None for an in-memory policy).
    """

    network: Any
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    _actor: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def kind(self) -> str:
        """The architecture: ``"candidate"`` (scores candidate moves; ``CandidateNetwork``) or
        ``"per_dimension"`` (a direction per coordinate; ``TuningNetwork``)."""
        return str(getattr(self.network, "kind", "per_dimension"))

    @property
    def layout(self) -> ObservationLayout:
        return self.network.layout

    @property
    def search_settings(self) -> Any:
        """The ``SearchSettings`` a candidate policy runs with (its candidate pool and shortlist; see
        ``_search_settings``)."""
        return _search_settings(self.metadata)

    @property
    def mapping(self) -> ActionMapping:
        action = self.metadata.get("action", {})
        return ActionMapping(
            min_scale=float(action.get("min_scale", 1e-2)), max_scale=float(action.get("max_scale", 1.0))
        )

    @property
    def defaults(self) -> dict[str, Any]:
        return {**DEFAULTS, **self.metadata.get("defaults", {})}

    @property
    def known_spaces(self) -> dict[str, str]:
        """Fingerprint -> an example task name, for every search space the policy was trained on."""
        known = self.metadata.get("known_spaces", {})
        return dict(known) if isinstance(known, dict) else {}

    @property
    def specialty(self) -> str | None:
        """The fingerprint of the one search space the policy was trained on (a specialist), else None."""
        specialty = self.metadata.get("specialty")
        return specialty.get("fingerprint") if isinstance(specialty, dict) else None

    def knows(self, space: Any) -> bool:
        """Whether the policy was trained on ``space`` (a ``SearchSpace``) and can use identity codes."""
        if self.kind != "per_dimension":
            return False
        return self.layout.identity_dim > 0 and space.fingerprint() in self.known_spaces

    @property
    def sha256(self) -> str | None:
        return self.metadata.get("weights", {}).get("sha256")

    def act(self, obs: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Actions for observations of shape (B, size) of a per-dimension policy: the mean when ``rng`` is None,
        else a Gaussian sample drawn with ``rng``; clipped to [-1, 1]. Computed with numpy (see ``NumpyActor``)."""
        return self._numpy_actor().act(obs, rng)

    def choose(self, features: np.ndarray, rng: np.random.Generator | None = None) -> int:
        """The candidate a candidate policy evaluates among the rows of ``features`` (K, n_features): the most
        likely one when ``rng`` is None, else a sample drawn with ``rng``. Computed with numpy (see
        ``CandidateActor``)."""
        return self._numpy_actor().choose(features, rng)

    def _numpy_actor(self) -> Any:
        """The network's actor with numpy, made on first use (the network of a loaded policy does not train)."""
        if self._actor is None:
            if self.kind == "candidate":
                from rl_hpo.agents.candidate_network import CandidateActor

                self._actor = CandidateActor(self.network)
            else:
                from rl_hpo.agents.network import NumpyActor

                self._actor = NumpyActor(self.network)
        return self._actor

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the policy to the folder ``path`` (see ``save_policy``)."""
        return save_policy(self.network, path, metadata=self.metadata)


def _weights_bytes(network: torch.nn.Module) -> bytes:
    from safetensors.torch import save

    tensors = {k: v.detach().to(torch.float32).contiguous().clone() for k, v in network.state_dict().items()}
    return save(tensors)


def save_policy(
    network: Any,
    path: str | os.PathLike[str],
    *,
    mapping: ActionMapping | None = None,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write ``network`` (a ``TuningNetwork``) and its metadata to the folder ``path``.

    Args:
        network: the network to save.
        path: the folder; created if needed; its ``policy.json`` and ``weights.safetensors`` are replaced.
        mapping: the action mapping the policy was trained with (default: the metadata's or 10^-2..10^0).
        metadata: extra metadata (``defaults``, ``search``, ``training``, ...); the format, architecture,
            observation, versions and weights entries are filled in here, and ``defaults`` and a candidate
            policy's ``search`` completed.

    Returns:
        The folder.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    meta = dict(metadata or {})
    data = _weights_bytes(network)
    if mapping is None:
        action = meta.get("action", {})
        mapping = ActionMapping(float(action.get("min_scale", 1e-2)), float(action.get("max_scale", 1.0)))
    if getattr(network, "kind", "per_dimension") == "candidate":
        from rl_hpo.acquisition.search import CANDIDATE_FEATURES, GLOBAL_FEATURES

        architecture = {"name": "candidate", "hidden": int(network.hidden), "n_features": int(network.n_features)}
        observation = {"candidate_features": list(CANDIDATE_FEATURES), "global_features": list(GLOBAL_FEATURES)}
        meta["search"] = _search_settings(meta).to_dict()  # every setting named: the file says what it runs with
        meta.pop("action", None)
    else:
        architecture = {"name": "per_dimension", "hidden": int(network.hidden)}
        observation = network.layout.to_dict()
        meta["action"] = mapping.to_dict()
    meta.update(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        architecture=architecture,
        observation=observation,
        defaults={**DEFAULTS, **meta.get("defaults", {})},
        versions=meta.get("versions") or versions(),
        weights={"file": WEIGHTS_FILE, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)},
    )
    _atomic_write(folder / WEIGHTS_FILE, data)
    _atomic_write(folder / METADATA_FILE, (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode())
    return folder


def _search_settings(meta: dict[str, Any]) -> Any:
    """The ``SearchSettings`` of a candidate policy's metadata. A ``search`` entry that does not name an edge
    rule, a polishing count, a rule for repeats, integers or discrete coordinates, an output warp, where the
    GP's fits start or an initial design predates the choice and was made with reflected moves, without polishing,
    with repeats allowed, with integers as they are, with polishing keeping discrete coordinates, with the GP's
    scores as they are, with warm-started fits alone and with uniform initial points."""
    from rl_hpo.acquisition.search import SearchSettings

    legacy = {
        "edges": "reflect",
        "n_polish": 0,
        "repeats": "allow",
        "integers": "as-is",
        "discrete": "keep",
        "warp": "none",
        "fit_starts": "warm",
        "initial_design": "random",
    }
    return SearchSettings(**{**legacy, **meta.get("search", {})})


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; policies are package data others read
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_limited(file: Path, limit: int, what: str) -> bytes:
    """The bytes of ``file``, refusing one that is not a regular file (a device such as /dev/zero or a pipe has no
    size to check and may never end) or that holds more than ``limit`` bytes (read at most one byte past it, in case
    the file grows between the check and the read)."""
    try:
        info = file.stat()
    except OSError as err:
        raise PolicyFileError(f"Cannot read the policy's {what} {file}: {err}.") from None
    if stat.S_ISDIR(info.st_mode):
        raise PolicyFileError(f"Cannot read the policy's {what} {file}: it is a folder.")
    if not stat.S_ISREG(info.st_mode):
        raise PolicyFileError(f"The policy's {what} {file} is not a regular file (a device or a pipe?).")
    if info.st_size > limit:
        raise PolicyFileError(f"The policy's {what} {file} has {info.st_size} bytes, more than the limit of {limit}.")
    try:
        with file.open("rb") as f:
            data = f.read(limit + 1)
    except OSError as err:
        raise PolicyFileError(f"Cannot read the policy's {what} {file}: {err}.") from None
    if len(data) > limit:
        raise PolicyFileError(f"The policy's {what} {file} has more than the limit of {limit} bytes.")
    return data


def _resolve(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"A policy is 'default', a policy folder (a str or a Path) or a loaded Policy, got {path!r}.")
    if isinstance(path, str) and path == "default":
        folder = default_policy_path()
        if not (folder / METADATA_FILE).is_file():
            raise PolicyFileError(
                f"The default policy is missing from the installed package ({folder}); reinstall rl_hpo "
                "or pass policy=PATH to a trained policy folder."
            )
        return folder
    p = Path(path)
    if p.is_dir():
        return p
    if p.is_file() and p.name == METADATA_FILE:
        return p.parent
    if p.exists():
        raise PolicyFileError(
            f"{p} is not a policy folder: a policy is a folder with {METADATA_FILE} and {WEIGHTS_FILE} "
            "(written by rl-hpo train or save_policy). Pickled models such as SB3 .zip files are not loaded."
        )
    raise PolicyFileError(f"No policy at {p}: the path does not exist; pass a policy folder or 'default'.")


def _expect(meta: dict[str, Any], key: str, kind: type | tuple[type, ...], where: Path) -> Any:
    value = meta.get(key)
    if not isinstance(value, kind):
        raise PolicyFileError(f"{where}: the entry {key!r} is missing or malformed (got {value!r}).")
    return value


def load_policy(path: str | os.PathLike[str] = "default") -> Policy:
    """Load a policy folder safely (JSON metadata, safetensors weights, hash check).

    Args:
        path: a policy folder, its ``policy.json``, or ``"default"`` for the shipped policy.

    Raises:
        PolicyFileError: if the folder is missing, not a policy, of an unknown format version, lacks or
            malforms an entry every policy file has, or its weights are truncated, corrupted, tampered with
            (hash mismatch) or do not fit the network.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    if isinstance(path, str) and not path.strip():
        raise PolicyFileError("The policy path is empty: give a policy folder, or 'default' for the shipped policy.")
    folder = _resolve(path)
    meta_file = folder / METADATA_FILE
    if not meta_file.exists():  # a policy.json that is a folder or a pipe is named so by _read_limited
        inside = [sub.name for sub in (folder / "best", folder / "final") if (sub / METADATA_FILE).is_file()]
        hint = f" It holds the policies of a training run: give {folder / inside[0]}." if inside else ""
        raise PolicyFileError(f"{folder} is not a policy folder: it has no {METADATA_FILE}.{hint}")
    data = _read_limited(meta_file, _MAX_METADATA_BYTES, "metadata")
    try:
        meta = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:  # ValueError: also an integer of 5,000 digits
        raise PolicyFileError(f"{meta_file} is not valid JSON ({type(err).__name__}); the file is corrupted.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise PolicyFileError(f"{meta_file} is not an rl_hpo policy (its 'format' is not {FORMAT!r}).")
    version = meta.get("format_version")
    if not _is_int(version):
        raise PolicyFileError(
            f"{meta_file} has format_version {version!r}, not an integer; the file is corrupted or was not written "
            f"by rl_hpo (which writes version {FORMAT_VERSION})."
        )
    if version != FORMAT_VERSION:
        raise PolicyFileError(
            f"{meta_file} has format_version {version!r}; this rl_hpo reads version {FORMAT_VERSION}. Retrain the "
            "policy or upgrade rl_hpo."
        )
    weights = _expect(meta, "weights", dict, meta_file)
    arch = _expect(meta, "architecture", dict, meta_file)
    observation = _expect(meta, "observation", dict, meta_file)
    name = weights.get("file")
    if name != WEIGHTS_FILE:
        raise PolicyFileError(f"{meta_file}: the weights file must be {WEIGHTS_FILE!r}, got {name!r}.")
    expected = weights.get("sha256")
    if not isinstance(expected, str) or len(expected) != 64:
        raise PolicyFileError(f"{meta_file}: the weights' sha256 is missing or malformed.")
    data = _read_limited(folder / WEIGHTS_FILE, _MAX_WEIGHTS_BYTES, "weights file")
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise PolicyFileError(
            f"{folder / WEIGHTS_FILE}: sha256 {digest} does not match {expected} recorded in {METADATA_FILE}; "
            "the weights are truncated, corrupted or were replaced. Re-copy or retrain the policy."
        )
    try:
        tensors = load(data)
    except (SafetensorError, ValueError, RuntimeError) as err:
        raise PolicyFileError(f"{folder / WEIGHTS_FILE} is not a valid safetensors file: {err}.") from None
    other = sorted({str(t.dtype).removeprefix("torch.") for t in tensors.values()} - {"float32"})
    if other:
        raise PolicyFileError(f"{folder / WEIGHTS_FILE} holds {', '.join(other)} tensors; a policy's are float32.")
    with torch.device("meta"):  # shapes only, no memory: a width the weights do not fit is never allocated
        shapes = _build_network(arch, observation, meta_file).state_dict()
    mismatch = _state_mismatch(shapes, tensors)
    if mismatch:
        raise PolicyFileError(
            f"{folder / WEIGHTS_FILE} does not fit the network described in {METADATA_FILE}: {mismatch}."
        )
    network = _build_network(arch, observation, meta_file)
    network.load_state_dict(tensors, strict=True)
    if not all(torch.isfinite(t).all() for t in tensors.values()):
        raise PolicyFileError(f"{folder / WEIGHTS_FILE} holds non-finite weights; the policy is corrupted.")
    network.eval()
    policy = Policy(network, meta, folder)
    entry = "action" if policy.kind == "per_dimension" else "search"  # the entry being checked, for the message
    for required in (entry, "defaults"):  # save_policy always writes both: without them the file was cut or edited
        _expect(meta, required, dict, meta_file)
    try:
        if policy.kind == "per_dimension":
            _ = policy.mapping
        else:
            _ = policy.search_settings
        entry = "defaults"
        defaults = policy.defaults
        unknown = sorted(set(meta["defaults"]) - set(DEFAULTS))
        if unknown:  # a misspelt key ("determinstic") would otherwise be ignored without a word
            raise ValueError(f"unknown keys {unknown}; it holds {sorted(DEFAULTS)}")
        if not (_is_int(defaults["horizon"]) and defaults["horizon"] >= 1):
            raise ValueError(f"horizon {defaults['horizon']!r}")
        if not (_is_int(defaults["n_initial"]) and 1 <= defaults["n_initial"] <= defaults["horizon"]):
            # more random points than the budget the policy was made for would leave it unused
            raise ValueError(f"n_initial {defaults['n_initial']!r}, which must lie in [1, horizon]")
        if not (_is_number(defaults["random_prob"]) and 0 <= defaults["random_prob"] <= 1):
            raise ValueError(f"random_prob {defaults['random_prob']!r}")
        if not isinstance(defaults["deterministic"], bool):  # "false" must not read as true
            raise ValueError(f"deterministic {defaults['deterministic']!r}")
        if not (defaults["patience"] is None or (_is_int(defaults["patience"]) and defaults["patience"] >= 1)):
            raise ValueError(f"patience {defaults['patience']!r}")
        entry = "known_spaces"
        known = meta.get("known_spaces", {})
        if not (isinstance(known, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in known.items())):
            raise ValueError(f"known_spaces {known!r}")
        entry = "specialty"
        specialty = meta.get("specialty", {"fingerprint": ""})
        if not (isinstance(specialty, dict) and isinstance(specialty.get("fingerprint"), str)):
            raise ValueError(f"specialty {specialty!r}")
    except (TypeError, ValueError) as err:
        raise PolicyFileError(f"{meta_file}: malformed {entry} entry ({err}).") from None
    return policy


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _state_mismatch(expected: Mapping[str, Any], found: Mapping[str, Any]) -> str:
    """One line on how the stored tensors differ from the network's ("" if they fit)."""
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    shapes = [n for n in expected if n in found and tuple(expected[n].shape) != tuple(found[n].shape)]
    problems = []
    if shapes:
        n = shapes[0]
        problems.append(
            f"{len(shapes)} tensors differ in shape (the first, {n}: {tuple(found[n].shape)} stored, "
            f"{tuple(expected[n].shape)} expected)"
        )
    if missing:
        problems.append(f"{len(missing)} missing (the first: {missing[0]})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected (the first: {unexpected[0]})")
    return "; ".join(problems)


def _build_network(arch: dict[str, Any], observation: dict[str, Any], meta_file: Path) -> torch.nn.Module:
    """The network named by the metadata's architecture, before its weights are loaded."""
    hidden = arch.get("hidden")
    if not (_is_int(hidden) and 1 <= hidden <= MAX_HIDDEN):
        raise PolicyFileError(
            f"{meta_file}: the architecture's hidden width is missing or malformed ({arch!r}; an int in "
            f"[1, {MAX_HIDDEN}])."
        )
    if arch.get("name") == "candidate":
        from rl_hpo.acquisition.search import CANDIDATE_FEATURES, GLOBAL_FEATURES
        from rl_hpo.agents.candidate_network import CandidateNetwork

        features = (observation.get("candidate_features"), observation.get("global_features"))
        if features != (list(CANDIDATE_FEATURES), list(GLOBAL_FEATURES)):
            raise PolicyFileError(
                f"{meta_file}: the policy was trained on candidate features {features!r}, but this rl_hpo "
                f"computes {list(CANDIDATE_FEATURES)!r} and {list(GLOBAL_FEATURES)!r}; retrain the policy or "
                "use the rl_hpo version it names."
            )
        n_features = len(CANDIDATE_FEATURES) + len(GLOBAL_FEATURES)
        if arch.get("n_features", n_features) != n_features:
            raise PolicyFileError(
                f"{meta_file}: the architecture's n_features {arch['n_features']!r} does not match its {n_features} "
                "candidate and global features."
            )
        return CandidateNetwork(n_features, hidden=hidden)
    if arch.get("name") != "per_dimension":
        raise PolicyFileError(
            f"{meta_file}: unknown architecture {arch!r}; expected 'candidate' or 'per_dimension' with a hidden width."
        )
    from rl_hpo.agents.network import TuningNetwork

    try:
        layout = ObservationLayout.from_dict(observation)
    except (KeyError, TypeError, ValueError) as err:
        raise PolicyFileError(f"{meta_file}: the observation layout is malformed ({err}).") from None
    return TuningNetwork(layout, hidden=hidden)
