"""Tests of the YAHPO Gym surrogate task family (rl_hpo.tasks.yahpo)."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import rl_hpo
from rl_hpo.exceptions import DataNotFoundError, TaskNotFoundError
from rl_hpo.space import Categorical, Condition
from rl_hpo.tasks import _yahpo_bounds, _yahpo_data, yahpo
from rl_hpo.tasks.registry import load_suite, load_task
from rl_hpo.tasks.yahpo import YahpoTask, default_objective, make_task

# Outputs of yahpo_gym 1.0.2 (BenchmarkSet(scenario).objective_function, multithread=False; numpy 1.26,
# ConfigSpace 0.6.1, onnxruntime 1.32) on yahpo_data v1.0.2, with the inputs its _config_to_xs built.
# Computed once in a throwaway venv; see the YAHPO task family's report.
YAHPO_GYM_REFERENCE: dict[str, list[dict[str, Any]]] = {
    "lcbench": [
        {
            "config": {
                "OpenML_task_id": "167190",
                "epoch": 52,
                "batch_size": 64,
                "learning_rate": 0.01,
                "momentum": 0.9,
                "weight_decay": 0.001,
                "num_layers": 3,
                "max_units": 256,
                "max_dropout": 0.1,
            },
            "x_cont": [52.0, 64.0, 0.01, 0.9, 0.001, 3.0, 256.0, 0.1],
            "x_cat": [14],
            "y": {
                "time": 148.49591064453125,
                "val_accuracy": 76.43473052978516,
                "val_cross_entropy": 0.4372078478336334,
                "val_balanced_accuracy": 0.7904165983200073,
                "test_cross_entropy": 0.5284808874130249,
                "test_balanced_accuracy": 0.7851994633674622,
            },
        },
        {
            "config": {
                "OpenML_task_id": "167190",
                "epoch": 10,
                "batch_size": 512,
                "learning_rate": 0.0002,
                "momentum": 0.1,
                "weight_decay": 0.1,
                "num_layers": 1,
                "max_units": 1024,
                "max_dropout": 0.9,
            },
            "x_cont": [10.0, 512.0, 0.0002, 0.1, 0.1, 1.0, 1024.0, 0.9],
            "x_cat": [14],
            "y": {
                "time": 8.220545768737793,
                "val_accuracy": 63.98846435546875,
                "val_cross_entropy": 0.5811454057693481,
                "val_balanced_accuracy": 0.5542859435081482,
                "test_cross_entropy": 0.6783068180084229,
                "test_balanced_accuracy": 0.5520007610321045,
            },
        },
        {
            "config": {
                "OpenML_task_id": "3945",
                "epoch": 1,
                "batch_size": 16,
                "learning_rate": 0.1,
                "momentum": 0.5,
                "weight_decay": 1e-05,
                "num_layers": 5,
                "max_units": 64,
                "max_dropout": 0.0,
            },
            "x_cont": [1.0, 16.0, 0.1, 0.5, 1e-05, 5.0, 64.0, 0.0],
            "x_cat": [34],
            "y": {
                "time": 12.645201683044434,
                "val_accuracy": 84.05496215820312,
                "val_cross_entropy": 0.3329630196094513,
                "val_balanced_accuracy": 0.6157649159431458,
                "test_cross_entropy": 0.5472934246063232,
                "test_balanced_accuracy": 0.5932640433311462,
            },
        },
    ],
    "rbv2_xgboost": [
        {
            "config": {
                "task_id": "1040",
                "booster": "gblinear",
                "alpha": 0.01,
                "lambda": 1.0,
                "nrounds": 100,
                "subsample": 0.8,
                "num.impute.selected.cpo": "impute.median",
                "trainsize": 1.0,
                "repl": 10,
            },
            "x_cont": [100.0, 0.0, 0.0, 1.0, 0.01, 0.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 10.0],
            "x_cat": [1, 2, 3],
            "y": {
                "acc": 0.991517961025238,
                "bac": 0.9183053970336914,
                "auc": 0.9855335354804993,
                "brier": 0.011210399679839611,
                "f1": 0.9915465116500854,
                "logloss": 0.06321030855178833,
                "timetrain": 3.512988805770874,
                "timepredict": 0.07030840218067169,
                "memory": 484.529541015625,
            },
        },
        {
            "config": {
                "task_id": "6",
                "booster": "gbtree",
                "alpha": 0.001,
                "lambda": 10.0,
                "nrounds": 500,
                "subsample": 0.5,
                "num.impute.selected.cpo": "impute.mean",
                "trainsize": 0.5,
                "repl": 10,
                "eta": 0.1,
                "gamma": 0.01,
                "max_depth": 6,
                "min_child_weight": 5.0,
                "colsample_bytree": 0.7,
                "colsample_bylevel": 0.9,
            },
            "x_cont": [500.0, 0.1, 0.01, 10.0, 0.001, 0.5, 6.0, 5.0, 0.7, 0.9, 0.0, 0.0, 0.5, 10.0],
            "x_cat": [117, 3, 2],
            "y": {
                "acc": 0.9268425107002258,
                "bac": 0.9179976582527161,
                "auc": 0.9797776341438293,
                "brier": 0.13089853525161743,
                "f1": 0.00030247971881181,
                "logloss": 0.39221489429473877,
                "timetrain": 118.6070327758789,
                "timepredict": 10.70560359954834,
                "memory": 9.080501556396484,
            },
        },
        {
            "config": {
                "task_id": "41212",
                "booster": "dart",
                "alpha": 100.0,
                "lambda": 0.005,
                "nrounds": 2981,
                "subsample": 1.0,
                "num.impute.selected.cpo": "impute.hist",
                "trainsize": 0.03,
                "repl": 10,
                "eta": 0.5,
                "gamma": 1.0,
                "max_depth": 15,
                "min_child_weight": 100.0,
                "colsample_bytree": 0.01,
                "colsample_bylevel": 1.0,
                "rate_drop": 0.3,
                "skip_drop": 0.7,
            },
            "x_cont": [2981.0, 0.5, 1.0, 0.005, 100.0, 1.0, 15.0, 100.0, 0.01, 1.0, 0.3, 0.7, 0.03, 10.0],
            "x_cat": [99, 1, 1],
            "y": {
                "acc": 0.28701838850975037,
                "bac": 0.24430376291275024,
                "auc": 0.4689910411834717,
                "brier": 0.7182645201683044,
                "f1": 1.096731375582749e-05,
                "logloss": 1.5394248962402344,
                "timetrain": 925.513916015625,
                "timepredict": 0.38610735535621643,
                "memory": 0.013256206177175045,
            },
        },
    ],
    "iaml_glmnet": [
        {
            "config": {"task_id": "1489", "alpha": 0.3, "s": 0.01, "trainsize": 1.0},
            "x_cont": [0.3, 0.01, 1.0],
            "x_cat": [2],
            "y": {
                "mmce": 0.2637746334075928,
                "f1": 0.8278647065162659,
                "auc": 0.8169826865196228,
                "logloss": 0.48993152379989624,
                "ramtrain": 11.095996856689453,
                "rammodel": 0.06221850588917732,
                "rampredict": 11.348458290100098,
                "timetrain": 0.18516074120998383,
                "timepredict": 0.17736537754535675,
                "mec": 1.0359714031219482,
                "ias": 5.246643922873773e-06,
                "nf": 5.0,
            },
        },
    ],
}
_REFERENCE_CASES = [(s, i) for s, rows in YAHPO_GYM_REFERENCE.items() for i in range(len(rows))]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test writes bounds to its own cache, never to ~/.cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("RL_HPO_CACHE", str(cache))
    _yahpo_bounds._forget()
    yield cache
    _yahpo_bounds._forget()


def _split_reference(scenario: str, row: dict[str, Any]) -> tuple[str, dict[str, Any], float]:
    config = dict(row["config"])
    instance = config.pop("OpenML_task_id" if scenario == "lcbench" else "task_id")
    fidelity = config.pop("epoch" if scenario == "lcbench" else "trainsize")
    config.pop("repl", None)
    return instance, config, fidelity


# -- the data folder ---------------------------------------------------------------------------------
def test_missing_data_folder_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RL_HPO_YAHPO_DATA", raising=False)
    with pytest.raises(DataNotFoundError, match=r"RL_HPO_YAHPO_DATA.*--yahpo-data.*v1\.0\.2"):
        make_task("lcbench", "167190")
    missing = tmp_path / "nowhere"
    with pytest.raises(DataNotFoundError, match=str(missing)):
        make_task("lcbench", "167190", data_dir=missing)
    monkeypatch.setenv("RL_HPO_YAHPO_DATA", str(missing))
    with pytest.raises(DataNotFoundError, match=r"nowhere.*does not exist"):
        make_task("lcbench", "167190")
    a_file = tmp_path / "wine.csv"
    a_file.write_text("a,b\n1,2\n")
    with pytest.raises(DataNotFoundError, match=r"wine\.csv' is a file, not a folder"):
        make_task("lcbench", "167190", data_dir=a_file)


def test_incomplete_scenario_folder_names_the_missing_file(yahpo_data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "lcbench").mkdir()
    for name in ("config_space.json", "encoding.json"):
        shutil.copy(yahpo_data_dir / "lcbench" / name, tmp_path / "lcbench" / name)
    with pytest.raises(DataNotFoundError, match=r"lcbench.*incomplete \(missing model\.onnx\)"):
        make_task("lcbench", "167190", data_dir=tmp_path)
    with pytest.raises(DataNotFoundError, match="no scenario folder 'rbv2_xgboost'"):
        make_task("rbv2_xgboost", "6", data_dir=tmp_path)
    with pytest.raises(DataNotFoundError, match="is a YAHPO scenario folder; give its parent"):
        make_task("lcbench", "167190", data_dir=tmp_path / "lcbench")
    # listing the suites says why there are none (`rl-hpo tasks` prints it), where it listed nothing without a word
    with pytest.raises(DataNotFoundError, match=r"holds no complete scenario: lcbench \(missing model\.onnx\)"):
        yahpo.suite_names(data_dir=tmp_path)
    with pytest.raises(DataNotFoundError, match="is a YAHPO scenario folder; give its parent"):
        yahpo.suite_names(data_dir=tmp_path / "lcbench")
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        DataNotFoundError, match=r"'.*empty' holds no scenario folder \(lcbench, rbv2_xgboost, \.\.\.\)"
    ):
        yahpo.suite_names(data_dir=tmp_path / "empty")
    listed = rl_hpo.tasks.suite_names(data_dir=tmp_path)  # every family's: none of YAHPO's, the others as ever
    assert "synthetic/branin" in listed and not [s for s in listed if s.startswith("yahpo/")]


def test_a_scenario_folder_of_another_layout_is_one_clear_error(yahpo_data_dir: Path, tmp_path: Path) -> None:
    def folder(name: str, edit=None, model: bytes | None = None) -> Path:
        root = tmp_path / name
        (root / "lcbench").mkdir(parents=True)
        for file in ("config_space.json", "encoding.json"):
            text = (yahpo_data_dir / "lcbench" / file).read_text()
            (root / "lcbench" / file).write_text(edit(file, text) if edit else text)
        if model is None:
            (root / "lcbench" / "model.onnx").symlink_to(yahpo_data_dir / "lcbench" / "model.onnx")
        else:
            (root / "lcbench" / "model.onnx").write_bytes(model)
        return root

    def no_lower(file: str, text: str) -> str:
        if file != "config_space.json":
            return text
        spec = json.loads(text)
        next(hp for hp in spec["hyperparameters"] if "lower" in hp).pop("lower")
        return json.dumps(spec)

    with pytest.raises(DataNotFoundError, match=r"does not match YAHPO v1's lcbench \(config_space.json or"):
        make_task("lcbench", "167190", data_dir=folder("no_lower", no_lower))
    with pytest.raises(DataNotFoundError, match=r"Cannot read '.*bad_json/lcbench/encoding.json' \(Unterminated"):
        make_task("lcbench", "167190", data_dir=folder("bad_json", lambda f, t: t[:-20] if f == "encoding.json" else t))
    # A model that cannot be loaded fails when the first trial evaluates: once, as an error, not as a failed trial.
    task = make_task("lcbench", "167190", data_dir=folder("bad_model", model=b"not an onnx file"))
    with pytest.raises(DataNotFoundError, match="Cannot load the YAHPO surrogate"):
        rl_hpo.tune(task, budget=3, method="random", seed=0)


def test_unknown_scenario_instance_and_objective(yahpo_data_dir: Path) -> None:
    with pytest.raises(TaskNotFoundError, match=r"Unknown YAHPO scenario 'lcbenc'.*lcbench"):
        make_task("lcbenc", "167190", data_dir=yahpo_data_dir)
    with pytest.raises(TaskNotFoundError, match=r"Unknown instance '999' of yahpo/lcbench \(34 instances: 3945, "):
        make_task("lcbench", "999", data_dir=yahpo_data_dir)
    with pytest.raises(ValueError, match=r"Unknown objective 'accuracy'.*val_accuracy"):
        make_task("lcbench", "167190", data_dir=yahpo_data_dir, objective="accuracy")
    with pytest.raises(ValueError, match=r"repl=11 is outside repl's range \[1, 10\]"):
        make_task("rbv2_xgboost", "6", data_dir=yahpo_data_dir, repl=11)
    with pytest.raises(TypeError):
        make_task("lcbench", "167190", data_dir=yahpo_data_dir, objectve="auc")  # type: ignore[call-arg]


# -- encoding pinned against yahpo_gym ---------------------------------------------------------------
@pytest.mark.parametrize(("scenario", "row_index"), _REFERENCE_CASES)
def test_inputs_and_outputs_match_yahpo_gym(yahpo_data_dir: Path, scenario: str, row_index: int) -> None:
    row = YAHPO_GYM_REFERENCE[scenario][row_index]
    instance, config, fidelity = _split_reference(scenario, row)
    task = make_task(scenario, instance, data_dir=yahpo_data_dir)
    x_cont, x_cat = task.model_inputs([config], fidelity)
    assert x_cont.dtype == np.float32 and x_cat.dtype == np.int32
    np.testing.assert_array_equal(x_cont[0], np.array(row["x_cont"], dtype=np.float32))
    np.testing.assert_array_equal(x_cat[0], np.array(row["x_cat"], dtype=np.int32))
    result = task.evaluate(config, fidelity)
    for name, expected in row["y"].items():
        assert result.info[name] == pytest.approx(expected, rel=1e-5, abs=1e-4), name
    assert result.score == pytest.approx(row["y"][task.objective], rel=1e-5)
    runtime = "time" if scenario == "lcbench" else "timetrain"
    assert result.cost == pytest.approx(max(row["y"][runtime], 0.0), rel=1e-5)


def test_default_objectives_and_test_counterparts(yahpo_data_dir: Path) -> None:
    lc = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    assert (lc.objective, lc.test_objective, lc.minimize) == ("val_accuracy", "test_balanced_accuracy", False)
    xg = make_task("rbv2_xgboost", "6", data_dir=yahpo_data_dir)
    assert (xg.objective, xg.test_objective) == ("auc", None)
    assert make_task("iaml_glmnet", "1489", data_dir=yahpo_data_dir).objective == "auc"
    result = lc.evaluate(lc.space.sample(seed=3))
    assert result.info["test_score"] == result.info["test_balanced_accuracy"]
    assert set(lc.y_names) <= set(result.info)


def test_minimized_objective_is_negated(yahpo_data_dir: Path) -> None:
    task = make_task("lcbench", "167190", data_dir=yahpo_data_dir, objective="val_cross_entropy")
    assert task.minimize
    result = task.evaluate(task.space.sample(seed=1))
    assert result.score == pytest.approx(-result.info["val_cross_entropy"])
    assert result.info["test_score"] == pytest.approx(-result.info["test_cross_entropy"])


# -- vectorized path ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scenario", "instance", "fidelity"),
    [
        ("lcbench", "167190", None),
        ("lcbench", "189909", 7),
        ("rbv2_xgboost", "6", 0.25),
        ("iaml_glmnet", "40981", None),
    ],
)
def test_evaluate_and_evaluate_unit_agree(yahpo_data_dir: Path, scenario: str, instance: str, fidelity: Any) -> None:
    task = make_task(scenario, instance, data_dir=yahpo_data_dir)
    u = np.random.default_rng(0).random((40, task.space.dim))
    scores, costs = task.evaluate_unit(u, fidelity)
    # onnxruntime's kernels round differently for one row than for many (float32): a small tolerance.
    results = [task.evaluate(c, fidelity) for c in task.space.decode_batch(u)]
    np.testing.assert_allclose(scores, [r.score for r in results], rtol=1e-4)
    np.testing.assert_allclose(costs, [r.cost for r in results], rtol=1e-3)
    # The same rows in one batch: identical.
    batch = task.evaluate_batch(task.space.decode_batch(u), fidelity)
    np.testing.assert_array_equal(scores, [r.score for r in batch])
    np.testing.assert_array_equal(costs, [r.cost for r in batch])
    assert np.all(costs >= 0)


def test_large_batches_are_chunked_consistently(yahpo_data_dir: Path) -> None:
    task = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    u = np.random.default_rng(1).random((5000, task.space.dim))
    scores, _ = task.evaluate_unit(u)
    head, _ = task.evaluate_unit(u[4000:4100])
    np.testing.assert_allclose(scores[4000:4100], head, rtol=1e-5)


def test_fidelity_changes_score_and_cost(yahpo_data_dir: Path) -> None:
    lc = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    assert (lc.fidelity.name, lc.fidelity.low, lc.fidelity.high, lc.fidelity.integer) == ("epoch", 1, 52, True)
    u = np.random.default_rng(2).random((200, lc.space.dim))
    s1, c1 = lc.evaluate_unit(u, 1)
    s52, c52 = lc.evaluate_unit(u, 52)
    full, cfull = lc.evaluate_unit(u)
    np.testing.assert_array_equal(full, s52)
    np.testing.assert_array_equal(cfull, c52)
    assert np.mean(np.abs(s52 - s1)) > 1.0
    assert np.mean(c52 > c1) > 0.9
    # one fidelity per row, and fractional epochs from multi-fidelity schedules round to whole epochs
    per_row, _ = lc.evaluate_unit(u[:2], np.array([1.0, 52.0]))
    np.testing.assert_allclose(per_row, [s1[0], s52[1]], rtol=1e-5)
    np.testing.assert_array_equal(lc.evaluate_unit(u[:5], 52 / 3)[0], lc.evaluate_unit(u[:5], 17)[0])
    assert lc.budget_fraction(13) == pytest.approx(0.25)

    xg = make_task("rbv2_xgboost", "6", data_dir=yahpo_data_dir)
    assert (xg.fidelity.name, xg.fidelity.low, xg.fidelity.high) == ("trainsize", 0.03, 1.0)
    u = np.random.default_rng(3).random((200, xg.space.dim))
    small, c_small = xg.evaluate_unit(u, 0.03)
    big, c_big = xg.evaluate_unit(u, 1.0)
    assert not np.allclose(small, big)
    assert np.mean(c_big > c_small) > 0.9


def test_fidelity_out_of_range_is_rejected(yahpo_data_dir: Path) -> None:
    task = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    config = task.space.sample(seed=0)
    with pytest.raises(ValueError, match=r"fidelity 60.* outside epoch's range \[1, 52\]"):
        task.evaluate(config, fidelity=60)
    with pytest.raises(ValueError, match="fidelity nan"):
        task.evaluate_unit(np.full((1, task.space.dim), 0.5), float("nan"))


def test_repl_option_changes_rbv2_outputs(yahpo_data_dir: Path) -> None:
    u = np.random.default_rng(4).random((50, 14))
    ten = make_task("rbv2_xgboost", "6", data_dir=yahpo_data_dir)
    one = make_task("rbv2_xgboost", "6", data_dir=yahpo_data_dir, repl=1)
    assert ten.repl == 10 and one.repl == 1
    assert not np.allclose(ten.evaluate_unit(u)[0], one.evaluate_unit(u)[0])
    assert make_task("rbv2_xgboost", "6", data_dir=yahpo_data_dir, repl=None).repl == 10


# -- the search space --------------------------------------------------------------------------------
def test_lcbench_space(yahpo_data_dir: Path) -> None:
    task = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    assert set(task.space.names) == {
        "batch_size",
        "learning_rate",
        "max_dropout",
        "max_units",
        "momentum",
        "num_layers",
        "weight_decay",
    }
    lr = task.space["learning_rate"]
    assert (lr.low, lr.high, lr.log) == (1e-4, 0.1, True)  # the export's round-off is gone
    assert task.space["batch_size"].kind == "int" and task.space["batch_size"].log


def test_rbv2_xgboost_conditions(yahpo_data_dir: Path) -> None:
    task = make_task("rbv2_xgboost", "6", data_dir=yahpo_data_dir)
    space = task.space
    assert "task_id" not in space.names and "trainsize" not in space.names and "repl" not in space.names
    assert space["eta"].condition.parent == "booster"
    assert set(space["eta"].condition.values) == {"gbtree", "dart"}
    assert space["rate_drop"].condition.values == ("dart",)
    linear = {
        "alpha": 0.01,
        "booster": "gblinear",
        "lambda": 1.0,
        "nrounds": 100,
        "subsample": 0.8,
        "num.impute.selected.cpo": "impute.mean",
    }
    assert np.isfinite(task.evaluate(linear).score)
    with pytest.raises(ValueError, match="'eta' is inactive"):
        task.evaluate({**linear, "eta": 0.1})
    with pytest.raises(ValueError, match="'colsample_bylevel' is missing"):
        task.evaluate({**linear, "booster": "gbtree"})

    # Under gblinear the tree parameters' coordinates change nothing: they are fed as 0 like yahpo_gym does.
    rng = np.random.default_rng(5)
    u = rng.random((64, space.dim))
    u[:, space.names.index("booster")] = 1 / 6  # first of three choices: gblinear
    v = u.copy()
    for name in (
        "eta",
        "gamma",
        "max_depth",
        "min_child_weight",
        "colsample_bytree",
        "colsample_bylevel",
        "rate_drop",
        "skip_drop",
    ):
        v[:, space.names.index(name)] = rng.random(64)
    np.testing.assert_array_equal(task.evaluate_unit(u)[0], task.evaluate_unit(v)[0])
    assert all("eta" not in c for c in space.decode_batch(u))
    # ... while under gbtree they matter.
    u[:, space.names.index("booster")] = 0.5
    v[:, space.names.index("booster")] = 0.5
    assert not np.allclose(task.evaluate_unit(u)[0], task.evaluate_unit(v)[0])


def test_config_outside_the_space_names_the_parameter(yahpo_data_dir: Path) -> None:
    task = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    config = task.space.sample(seed=0)
    with pytest.raises(ValueError, match="'learning_rate'"):
        task.evaluate({**config, "learning_rate": 1.0})
    with pytest.raises(ValueError, match="'epoch'"):
        task.evaluate({**config, "epoch": 10})
    with pytest.raises(ValueError, match="'num_layers' is missing"):
        task.evaluate({k: v for k, v in config.items() if k != "num_layers"})


def test_any_scenario_folder_with_and_conditions_and_constants(tmp_path: Path) -> None:
    """A hand-written folder in the iaml_super style: AND conditions, a constant, an ordinal."""
    cs = {
        "hyperparameters": [
            {"name": "task_id", "type": "categorical", "choices": ["7", "9"]},
            {"name": "trainsize", "type": "uniform_float", "log": False, "lower": 0.05, "upper": 1.0},
            {"name": "xgboost.eta", "type": "uniform_float", "log": True, "lower": 1e-4, "upper": 1.0},
            {"name": "xgboost.booster", "type": "categorical", "choices": ["gblinear", "gbtree"]},
            {"name": "learner", "type": "categorical", "choices": ["glmnet", "xgboost"]},
            {"name": "glmnet.s", "type": "uniform_float", "log": True, "lower": 1e-3, "upper": 1e3},
            {"name": "depth", "type": "ordinal", "sequence": [2, 4, 8]},
            {"name": "seed", "type": "constant", "value": 3},
        ],
        "conditions": [
            {"child": "glmnet.s", "parent": "learner", "type": "EQ", "value": "glmnet"},
            {"child": "xgboost.booster", "parent": "learner", "type": "EQ", "value": "xgboost"},
            {
                "child": "xgboost.eta",
                "type": "AND",
                "conditions": [
                    {"child": "xgboost.eta", "parent": "xgboost.booster", "type": "IN", "values": ["gbtree"]},
                    {"child": "xgboost.eta", "parent": "learner", "type": "EQ", "value": "xgboost"},
                ],
            },
        ],
        "forbiddens": [],
    }
    encoding = {
        "task_id": {"#na#": 0, "7": 1, "9": 2},
        "learner": {"#na#": 0, "glmnet": 1, "xgboost": 2},
        "xgboost.booster": {"#na#": 0, "gblinear": 1, "gbtree": 2},
    }
    (tmp_path / "config_space.json").write_text(json.dumps(cs))
    (tmp_path / "encoding.json").write_text(json.dumps(encoding))
    facts = {
        "y_names": ["auc", "timetrain"],
        "y_minimize": [False, True],
        "cont_names": ["glmnet.s", "xgboost.eta", "depth", "seed", "trainsize"],
        "cat_names": ["task_id", "learner", "xgboost.booster"],
        "instance_names": "task_id",
        "fidelity_params": ["trainsize"],
        "runtime_name": "timetrain",
    }
    sc = _yahpo_data.Scenario("fake", tmp_path, facts)
    space = sc.space
    assert sc.instances == ["7", "9"]
    assert list(space.names).index("learner") < list(space.names).index("xgboost.booster")
    assert list(space.names).index("xgboost.booster") < list(space.names).index("xgboost.eta")
    assert space["xgboost.eta"].condition == Condition("xgboost.booster", ["gbtree"])
    assert isinstance(space["depth"], Categorical) and "seed" not in space.names
    assert (sc.fidelity.name, sc.fidelity.low) == ("trainsize", 0.05)

    plan = sc.plan("9", {})
    configs = [
        {"learner": "glmnet", "glmnet.s": 0.5, "depth": 8},
        {"learner": "xgboost", "xgboost.booster": "gbtree", "xgboost.eta": 0.01, "depth": 2},
    ]
    for c in configs:
        space.validate(c)
    index = {n: j for j, n in enumerate(space.names)}
    values = np.zeros((2, space.dim))
    active = np.zeros((2, space.dim), dtype=bool)
    for i, c in enumerate(configs):
        for name, v in c.items():
            p = space[name]
            values[i, index[name]] = p.index(v) if isinstance(p, Categorical) else v
            active[i, index[name]] = True
    x_cont, x_cat = plan.build(values, active, 0.5)
    np.testing.assert_allclose(x_cont, [[0.5, 0.0, 8, 3, 0.5], [0.0, 0.01, 2, 3, 0.5]], rtol=1e-5)
    np.testing.assert_array_equal(x_cat, [[2, 1, 0], [2, 2, 2]])


def test_a_drop_predict_parameter_is_not_tuned(tmp_path: Path) -> None:
    """nb301's style: no instance parameter, and a one-choice ``dataset`` the model does not read."""
    cs = {
        "hyperparameters": [
            {"name": "dataset", "type": "categorical", "choices": ["CIFAR10"]},
            {"name": "epoch", "type": "uniform_int", "log": False, "lower": 1, "upper": 98},
            {"name": "op_0", "type": "categorical", "choices": ["conv", "pool", "skip"]},
            {"name": "op_1", "type": "categorical", "choices": ["conv", "pool"]},
        ],
        "conditions": [{"child": "op_1", "parent": "op_0", "type": "IN", "values": ["conv", "pool"]}],
    }
    (tmp_path / "config_space.json").write_text(json.dumps(cs))
    encoding = {"op_0": {"conv": 0, "pool": 1, "skip": 2}, "op_1": {"#na#": 0, "conv": 1, "pool": 2}}
    (tmp_path / "encoding.json").write_text(json.dumps(encoding))
    facts = {
        "y_names": ["val_accuracy"],
        "y_minimize": [False],
        "cont_names": ["epoch"],
        "cat_names": ["op_0", "op_1"],
        "instance_names": None,
        "fidelity_params": ["epoch"],
        "runtime_name": None,
        "drop_predict": "dataset",
        "instances": ["CIFAR10"],
    }
    sc = _yahpo_data.Scenario("fake", tmp_path, facts)
    assert sc.space.names == ("op_0", "op_1") and sc.instances == ["CIFAR10"]
    sc.space.validate({"op_0": "skip"})
    x_cont, x_cat = sc.plan("CIFAR10", {}).build(np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([[1, 0], [1, 1]]) > 0, 98)
    np.testing.assert_array_equal(x_cont, [[98], [98]])
    np.testing.assert_array_equal(x_cat, [[2, 0], [0, 2]])


def test_unsupported_condition_is_a_clear_error(tmp_path: Path) -> None:
    cs = {
        "hyperparameters": [
            {"name": "a", "type": "categorical", "choices": ["x", "y"]},
            {"name": "b", "type": "uniform_float", "lower": 0.0, "upper": 1.0},
        ],
        "conditions": [{"child": "b", "type": "OR", "conditions": []}],
    }
    (tmp_path / "config_space.json").write_text(json.dumps(cs))
    (tmp_path / "encoding.json").write_text(json.dumps({"a": {"x": 1, "y": 2}}))
    facts = {
        "y_names": ["y"],
        "y_minimize": [False],
        "cont_names": ["b"],
        "cat_names": ["a"],
        "instance_names": None,
        "fidelity_params": [],
        "runtime_name": None,
    }
    with pytest.raises(ValueError, match="condition of 'b' has the unsupported type 'OR'"):
        _yahpo_data.Scenario("fake", tmp_path, facts)


# -- sessions and pickling ---------------------------------------------------------------------------
def test_one_session_per_scenario_and_pickling(yahpo_data_dir: Path) -> None:
    a = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    b = make_task("lcbench", "3945", data_dir=yahpo_data_dir)
    assert a._scenario is b._scenario
    assert a._scenario.session(1) is b._scenario.session(1)
    u = np.random.default_rng(6).random((10, a.space.dim))
    clone = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(clone.evaluate_unit(u)[0], a.evaluate_unit(u)[0])
    with pytest.raises(ValueError, match="n_threads must be a positive int"):
        make_task("lcbench", "167190", data_dir=yahpo_data_dir, n_threads=0)


# -- suites ------------------------------------------------------------------------------------------
def test_suites(yahpo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RL_HPO_YAHPO_DATA", str(yahpo_data_dir))
    suite = load_suite("yahpo/lcbench")
    assert suite.task_names("test") == [
        f"yahpo/lcbench/{i}" for i in ("146212", "167190", "167200", "168335", "189354", "189909")
    ]
    assert len(suite.task_names("train")) == 24 and len(suite.task_names("validation")) == 4
    assert sorted(suite.task_names("all")) == sorted(
        f"yahpo/lcbench/{i}" for i in _yahpo_data.load_scenario("lcbench").instances
    )
    assert len(load_suite("yahpo/rbv2_xgboost").task_names("all")) == 119
    glm = load_suite("yahpo/iaml_glmnet")
    assert len(glm.task_names("train")) == 4 and glm.task_names("test") == []
    task = load_task("yahpo/lcbench/167190")
    assert isinstance(task, YahpoTask) and task.name == "yahpo/lcbench/167190"
    assert set(yahpo.suite_names()) >= {"yahpo/lcbench", "yahpo/rbv2_xgboost", "yahpo/iaml_glmnet"}

    dir_suite = load_suite("yahpo/rbv2_xgboost", data_dir=yahpo_data_dir, objective="acc")
    tasks = dir_suite.load("test")
    assert len(tasks) == 12 and all(t.objective == "acc" for t in tasks)

    # A scenario of the data folder that the splits file lacks: one 'all' split of every instance.
    table = {k: v for k, v in _yahpo_data.split_table().items() if k != "iaml_glmnet"}
    monkeypatch.setattr(yahpo, "split_table", lambda: table)
    free = load_suite("yahpo/iaml_glmnet")
    assert sorted(free.task_names("all")) == [f"yahpo/iaml_glmnet/{i}" for i in ("1067", "1489", "40981", "41146")]
    with pytest.raises(TaskNotFoundError, match="Unknown YAHPO suite 'yahpo/nope'"):
        load_suite("yahpo/nope")


def test_suite_names_without_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RL_HPO_YAHPO_DATA", raising=False)
    assert yahpo.suite_names(some_option_of_another_family=1) == [
        "yahpo/lcbench",
        "yahpo/rbv2_xgboost",
        "yahpo/iaml_glmnet",
    ]
    suite = load_suite("yahpo/lcbench")  # the fixed splits need no data
    assert len(suite.task_names("all")) == 34
    assert "\n" not in yahpo.DESCRIPTION and yahpo.DESCRIPTION


# -- bounds ------------------------------------------------------------------------------------------
def _packaged_table() -> dict[str, Any]:
    return _yahpo_bounds._packaged()


@pytest.mark.parametrize(
    ("scenario", "objective", "n_instances"),
    [
        ("lcbench", "val_accuracy", 34),
        ("rbv2_xgboost", "auc", 119),
        ("iaml_glmnet", "auc", 4),
    ],
)
def test_packaged_bounds_cover_the_split_scenarios(scenario: str, objective: str, n_instances: int) -> None:
    table = _packaged_table()[scenario][objective]
    assert len(table) == n_instances
    assert all(e["worst"] < e["best"] and e["best"] >= e["best_random"] for e in table.values())
    assert "estimate_yahpo_bounds.py" in _packaged_table()["_meta"]["runs"][f"{scenario}/{objective}"][0]["command"]


@pytest.mark.parametrize(
    ("scenario", "instance"),
    [
        ("lcbench", "167190"),
        ("lcbench", "146212"),
        ("rbv2_xgboost", "6"),
        ("rbv2_xgboost", "40996"),
        ("iaml_glmnet", "41146"),
    ],
)
def test_bounds_bracket_random_samples(yahpo_data_dir: Path, scenario: str, instance: str) -> None:
    task = make_task(scenario, instance, data_dir=yahpo_data_dir)
    bounds = task.bounds
    scores, _ = task.evaluate_unit(np.random.default_rng(7).random((3000, task.space.dim)))
    assert bounds.worst <= scores.min() and scores.max() <= bounds.best
    # The stored best is reached by the stored configuration: the bound is real, not an overestimate.
    entry = _packaged_table()[scenario][task.objective][instance]
    assert task.evaluate(entry["best_config"]).score == pytest.approx(bounds.best, rel=1e-5)
    assert np.all(bounds.regret(scores) >= 0) and np.all(bounds.regret(scores) <= 1)


def test_bounds_outside_the_shipped_data_are_a_deterministic_estimate_memoized_once(
    yahpo_data_dir: Path, _isolated_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = make_task("lcbench", "167190", data_dir=yahpo_data_dir, objective="val_balanced_accuracy")
    assert yahpo.shipped_bounds("lcbench", "val_balanced_accuracy", "167190") is None
    bounds = task.bounds
    assert bounds.worst < bounds.best and bounds == task.estimate_bounds()
    memo = json.loads((_isolated_cache / "yahpo_bound_estimates.json").read_text())
    # keyed by the surrogate file too, so a memo never outlives the data it was estimated from
    digest = hashlib.sha256((yahpo_data_dir / "lcbench" / "model.onnx").read_bytes()).hexdigest()[:16]
    key = f"lcbench/val_balanced_accuracy/167190/n=10000/seed=0/model={digest}"
    assert memo == {key: {"worst": bounds.worst, "best": bounds.best}}
    # another process reads the memo instead of estimating again, and gets the same bounds
    _yahpo_bounds._forget()
    monkeypatch.setattr(YahpoTask, "evaluate_unit", lambda *a, **k: pytest.fail("estimated twice"))
    fresh = make_task("lcbench", "167190", data_dir=yahpo_data_dir, objective="val_balanced_accuracy")
    assert fresh.bounds == bounds


def test_bounds_at_another_repl_are_estimated_at_that_repl(yahpo_data_dir: Path, _isolated_cache: Path) -> None:
    at_10 = make_task("rbv2_xgboost", "1040", data_dir=yahpo_data_dir, objective="logloss")
    at_1 = make_task("rbv2_xgboost", "1040", data_dir=yahpo_data_dir, objective="logloss", repl=1)
    assert at_10.bounds != at_1.bounds  # whichever is computed first
    assert at_1.bounds == make_task("rbv2_xgboost", "1040", data_dir=yahpo_data_dir, objective="logloss", repl=1).bounds
    memo = json.loads((_isolated_cache / "yahpo_bound_estimates.json").read_text())
    assert sorted(k.endswith("/repl=1") for k in memo) == [False, True]  # one estimate per repl
    shipped = yahpo.shipped_bounds("rbv2_xgboost", "auc", "1040")
    assert make_task("rbv2_xgboost", "1040", data_dir=yahpo_data_dir).bounds == shipped  # estimated at repl 10
    assert make_task("rbv2_xgboost", "1040", data_dir=yahpo_data_dir, repl=1).bounds != shipped


def test_shipped_bounds_are_read_only_and_ignore_any_cache(yahpo_data_dir: Path, _isolated_cache: Path) -> None:
    _isolated_cache.mkdir(parents=True, exist_ok=True)
    (_isolated_cache / "yahpo_bounds.json").write_text(
        '{"lcbench": {"val_accuracy": {"167190": {"worst": 0, "best": 1000}}}}'
    )
    task = make_task("lcbench", "167190", data_dir=yahpo_data_dir)
    assert task.bounds == yahpo.shipped_bounds("lcbench", "val_accuracy", "167190")
    assert task.bounds.best < 1000
    assert not hasattr(task, "update_bounds")


def test_instances_of_one_scenario_are_evaluated_in_one_call(yahpo_data_dir: Path, monkeypatch) -> None:
    from rl_hpo.tasks.base import evaluate_unit_many
    from rl_hpo.tasks.synthetic import make_task as make_synthetic

    names = load_suite("yahpo/lcbench", data_dir=yahpo_data_dir).task_names("train")[:3]
    tasks = [load_task(n, data_dir=yahpo_data_dir) for n in names]
    tasks += [load_task("yahpo/rbv2_xgboost/3", data_dir=yahpo_data_dir), make_synthetic("branin", "0")]
    rng = np.random.default_rng(0)
    points = [rng.random((k, t.space.dim)) for k, t in zip((2, 1, 3, 2, 2), tasks)]
    expected = [t.evaluate_unit(u)[0] for t, u in zip(tasks, points)]

    calls = []
    model = _yahpo_data._Model
    original = model.predict
    monkeypatch.setattr(model, "predict", lambda self, *a: calls.append(len(a[0])) or original(self, *a))
    got = evaluate_unit_many(tasks, points)
    assert sorted(calls) == [2, 6]  # one call for the three lcbench datasets, one for rbv2_xgboost
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6)


def test_every_scenario_has_one_direction_per_output_and_a_validation_objective_by_default() -> None:
    facts = _yahpo_data.scenario_facts()
    assert len(facts) == 16
    for scenario, f in facts.items():
        assert len(f["y_minimize"]) == len(f["y_names"]), scenario
        assert default_objective(scenario) in f["y_names"], scenario
    # TaskSet's outputs are losses; yahpo_gym's config gives two of them lcbench's "maximize".
    assert facts["taskset"]["y_minimize"] == [True, True, True, True]
    expected = {"taskset": "valid1", "fcnet": "valid_loss", "nb301": "val_accuracy", "lcbench": "val_accuracy"}
    assert {s: default_objective(s) for s in expected} == expected
    assert {default_objective(s) for s in facts if s.startswith(("rbv2_", "iaml_"))} == {"auc"}
