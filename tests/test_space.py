"""SearchSpace: definitions, the unit-cube map (property tests), validation and conversions."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rl_hpo.space import Categorical, Condition, Float, Int, InvalidParamError, SearchSpace


# -- random spaces --------------------------------------------------------------------------------
@st.composite
def params(draw):
    kind = draw(st.sampled_from(["float", "float_log", "int", "int_log", "cat"]))
    if kind.startswith("float"):
        log = kind == "float_log"
        low = draw(st.floats(1e-6 if log else -1e6, 1e5, allow_nan=False, allow_infinity=False))
        width = draw(st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False))
        return Float(low, low + width, log=log)
    if kind.startswith("int"):
        log = kind == "int_log"
        low = draw(st.integers(1 if log else -1000, 1000))
        return Int(low, low + draw(st.integers(1, 5000)), log=log)
    n = draw(st.integers(1, 8))
    return Categorical([f"c{i}" for i in range(n)])


@st.composite
def spaces(draw):
    n = draw(st.integers(1, 8))
    items = [(f"p{i}", draw(params())) for i in range(n)]
    if draw(st.booleans()):  # a conditional child of a categorical parent
        parent = Categorical(["a", "b", "c"])
        items.insert(0, ("parent", parent))
        items.append(("child", Float(0.0, 1.0, condition=Condition("parent", ["a", "c"]))))
    return SearchSpace(items)


unit_points = st.integers(0, 2**32 - 1).map(lambda s: np.random.default_rng(s))


@settings(max_examples=1000, deadline=None)
@given(space=spaces(), rng=unit_points)
def test_decode_is_always_valid_and_encode_inverts_it(space, rng):
    u = rng.random(space.dim)
    config = space.decode(u)
    assert space.contains(config), config
    v = space.encode(config)
    assert np.all((v >= 0) & (v <= 1))
    # the continuous coordinates come back exactly (up to rounding) ...
    for j, (name, param) in enumerate(space.items()):
        if isinstance(param, Float) and name in config:
            a, b = (math.log(param.low), math.log(param.high)) if param.log else (param.low, param.high)
            tol = 1e-9 + 1e-9 * max(abs(a), abs(b)) / max(b - a, 1e-300)
            assert abs(v[j] - u[j]) <= max(tol, 1e-7), (name, param, u[j], v[j])
    # ... and encode(decode(.)) is a fixed point: the same configuration (floats up to rounding)
    again = space.decode(v)
    assert again.keys() == config.keys()
    for name, value in config.items():
        if isinstance(space[name], Float):
            assert again[name] == pytest.approx(value, rel=1e-9, abs=1e-12)
        else:
            assert again[name] == value


@settings(max_examples=300, deadline=None)
@given(space=spaces(), rng=unit_points)
def test_batch_decoding_matches_single_decoding(space, rng):
    u = rng.random((5, space.dim))
    assert space.decode_batch(u) == [space.decode(row) for row in u]


def test_points_outside_the_cube_are_clipped():
    space = SearchSpace({"x": Float(0.0, 1.0), "n": Int(1, 3), "c": Categorical(["a", "b"])})
    assert space.decode([-3.0, 7.0, 1.0]) == {"x": 0.0, "n": 3, "c": "b"}


def test_integer_bins_are_equal():
    space = SearchSpace({"n": Int(0, 3)})
    values = [space.decode([u])["n"] for u in np.linspace(0, 1, 4001)]
    counts = np.bincount(values)
    assert counts.min() >= 990 and counts.max() <= 1011


def test_log_scale_spreads_decades_evenly():
    space = SearchSpace({"lr": Float(1e-4, 1e-1, log=True)})
    assert space.decode([0.0])["lr"] == pytest.approx(1e-4)
    assert space.decode([1 / 3])["lr"] == pytest.approx(1e-3)
    assert space.decode([1.0])["lr"] == pytest.approx(1e-1)


@pytest.mark.parametrize(("low", "high"), [(1e-6, 1e-2), (1e-3, 1000.0), (3e-5, 0.3)])
def test_a_log_scaled_range_decodes_its_ends_to_its_bounds_exactly(low, high):
    space = SearchSpace({"lr": Float(low, high, log=True)})
    assert (space.decode([0.0])["lr"], space.decode([1.0])["lr"]) == (low, high)  # not 1.0000000000000004e-06


def test_conditional_parameter_is_dropped_when_inactive():
    space = SearchSpace(
        {
            "booster": Categorical(["gblinear", "gbtree", "dart"]),
            "eta": Float(1e-3, 1.0, log=True, condition=Condition("booster", ["gbtree", "dart"])),
            "rate_drop": Float(0.0, 1.0, condition=Condition("booster", "dart")),
        }
    )
    assert space.decode([0.1, 0.5, 0.5]).keys() == {"booster"}
    assert space.decode([0.5, 0.5, 0.5]).keys() == {"booster", "eta"}
    assert space.decode([0.9, 0.5, 0.5]).keys() == {"booster", "eta", "rate_drop"}
    with pytest.raises(ValueError, match="'eta' is inactive"):
        space.validate({"booster": "gblinear", "eta": 0.1})
    with pytest.raises(ValueError, match="'eta' is missing"):
        space.validate({"booster": "gbtree"})


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Float(3, 1), r"^The 'low' parameter of Float must be < high\. Got low=3, high=1 instead\.$"),
        (lambda: Float(1.0, 1.0), r"^The 'low' parameter of Float must be < high\. Got low=1\.0, high=1\.0 instead"),
        (lambda: Int(5, 2), r"^The 'low' parameter of Int must be < high\. Got low=5, high=2 instead\.$"),
        (lambda: Float(0, 1, log=True), r"^The 'low' parameter of Float must be > 0 when log=True\. Got low=0 instead"),
        (lambda: Int(0, 5, log=True), r"^The 'low' parameter of Int must be > 0 when log=True\. Got low=0 instead"),
        (lambda: Float("0", 1), r"'low' and 'high' parameters of Float must be real numbers\. Got low='0', high=1 "),
        (lambda: Float(0.0, None), r"must be real numbers\. Got low=0\.0, high=None instead"),
        (lambda: Float(True, 2.0), r"must be real numbers\. Got low=True, high=2\.0 instead"),
        (
            lambda: Float(0.0, math.inf),
            r"'low' and 'high' parameters of Float must be finite\. Got low=0\.0, high=inf ",
        ),
        (lambda: Float(math.nan, 1.0), r"must be finite\. Got low=nan, high=1\.0 instead"),
        (lambda: Int(1.5, 5), r"'low' and 'high' parameters of Int must be integers\. Got low=1\.5, high=5 instead"),
        (lambda: Int(0, True), r"must be integers\. Got low=0, high=True instead"),
        (
            lambda: Categorical([]),
            r"^The 'choices' parameter of Categorical must hold at least one value\. Got choices",
        ),
        (
            lambda: Categorical(["a", "b", "a"]),
            r"^The 'choices' parameter of Categorical must hold distinct values\. Got \['a', 'b', 'a'\] instead\.$",
        ),
        (lambda: replace(Float(0.0, 1.0), low=2.0), r"Float must be < high\. Got low=2\.0, high=1\.0"),
    ],
)
def test_parameters_check_themselves_when_constructed(make, match):
    with pytest.raises(InvalidParamError, match=match) as info:
        make()
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"x": (1.0, 1.0)}, r"^Parameter 'x': low must be < high, got low=1\.0, high=1\.0\.$"),
        ({"x": (2.0, 1.0)}, r"Parameter 'x': low must be < high"),
        ({"x": (0.0, 1.0, "log")}, r"Parameter 'x': a log-scaled range needs low > 0, got low=0.0"),
        ({"n": (0, 5, "log")}, r"Parameter 'n': a log-scaled range needs low > 0, got low=0"),
        ({"n": {"type": "int", "low": 1.5, "high": 5}}, r"Parameter 'n': Int bounds must be integers"),
        ({"x": (0.0, float("inf"))}, r"Parameter 'x': bounds must be finite"),
        ({"x": ("a", 1.0)}, r"^Parameter 'x': a tuple is a \(low, high\) range of numbers, got \('a', 1\.0\); give"),
        (
            {"x": ("a", "b", "c")},
            r"range of numbers, got \('a', 'b', 'c'\); give choices as a list: \['a', 'b', 'c'\]\.$",
        ),
        ({"x": (0.0, 1.0, "lg")}, r"^Parameter 'x': the third item of a range must be 'log', got 'lg'\.$"),
        ({"c": []}, r"Parameter 'c': a Categorical needs at least one choice"),
        ({"c": ["a", "a"]}, r"Parameter 'c': choices must be distinct"),
        (
            {"c": {"type": "categorical", "choices": [1, 2, 1]}},
            r"Parameter 'c': choices must be distinct, got \[1, 2, 1\]",
        ),
        ({}, r"at least one parameter"),
        (
            {"x": {"type": "float", "low": 0.0, "high": 1.0, "condition": {"parent": "c", "values": ["a"]}}},
            r"parent 'c' must be a parameter defined before it",
        ),
    ],
)
def test_invalid_definitions_name_the_parameter_and_value(spec, match):
    with pytest.raises(ValueError, match=match):
        SearchSpace.from_dict(spec)


def test_a_condition_on_one_value_of_any_kind() -> None:
    assert Condition("kind", None).values == (None,)
    assert Condition("n", 3).values == (3,) and Condition("kind", "a").values == ("a",)
    space = SearchSpace(
        {"kind": Categorical([None, "l2"]), "alpha": Float(0.0, 1.0, condition=Condition("kind", None))}
    )
    assert "alpha" in space.decode([0.0, 0.5]) and "alpha" not in space.decode([0.9, 0.5])


def test_a_space_names_the_parameter_of_an_invalid_definition():
    with pytest.raises(ValueError, match=r"Parameter 'x' must be a Float, Int or Categorical"):
        SearchSpace({"x": 3})
    invalid = Float(0.0, 1.0)
    object.__setattr__(invalid, "high", 0.0)  # only a frozen dataclass's back door gets past the constructor
    with pytest.raises(InvalidParamError, match=r"^Parameter 'x': low must be < high, got low=0\.0, high=0\.0\.$"):
        SearchSpace({"x": invalid})


def test_duplicate_names_are_rejected():
    with pytest.raises(ValueError, match="Parameter 'x' is defined twice"):
        SearchSpace([("x", Float(0.0, 1.0)), ("x", Int(0, 3))])


def test_condition_values_must_be_choices_of_the_parent():
    with pytest.raises(ValueError, match=r"condition values \['nope'\] are not choices of 'c'"):
        SearchSpace({"c": Categorical(["a"]), "x": Float(0.0, 1.0, condition=Condition("c", ["nope"]))})


def test_validate_names_the_problem():
    space = SearchSpace({"x": Float(0.0, 1.0), "n": Int(1, 3), "c": Categorical(["a", "b"])})
    with pytest.raises(ValueError, match=r"Parameter 'x': 2.0 is outside the space"):
        space.validate({"x": 2.0, "n": 1, "c": "a"})
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['y'\]"):
        space.validate({"x": 0.5, "n": 1, "c": "a", "y": 1})
    with pytest.raises(ValueError, match=r"Parameter 'n': 1.5 is outside"):
        space.validate({"x": 0.5, "n": 1.5, "c": "a"})
    assert not space.contains({"x": 0.5, "n": 1, "c": "z"})
    assert not space.contains({"x": 0.5, "n": True, "c": "a"})  # a bool is not an int here
    assert space.contains({"x": 0.5, "n": 2, "c": "b"})


def test_sampling_is_seeded():
    space = SearchSpace({"x": Float(0.0, 1.0), "c": Categorical(["a", "b", "c"])})
    assert space.sample(5, seed=3) == space.sample(5, seed=3)
    assert space.sample(5, seed=3) != space.sample(5, seed=4)
    assert all(space.contains(c) for c in space.sample(100, seed=0))


def test_plain_spec_round_trip():
    spec = {"C": (1e-3, 1e3, "log"), "degree": (1, 5), "kernel": ["rbf", "poly"]}
    space = SearchSpace.from_dict(spec)
    assert space["C"] == Float(1e-3, 1e3, log=True)
    assert space["degree"] == Int(1, 5)
    assert space["kernel"] == Categorical(["rbf", "poly"])
    assert SearchSpace.from_dict(space.to_dict()) == space
    with pytest.raises(ValueError, match="Parameter 'x': unknown type 'double'"):
        SearchSpace.from_dict({"x": {"type": "double", "low": 0, "high": 1}})
    with pytest.raises(ValueError, match="Parameter 'x': cannot read the spec"):
        SearchSpace.from_dict({"x": "float"})


def test_optuna_round_trip_of_numeric_parameters_with_categorical_choices_by_index():
    space = SearchSpace({"lr": Float(1e-4, 1.0, log=True), "n": Int(1, 64, log=True), "c": Categorical(["a", "b"])})
    from rl_hpo.optuna_space import config_to_optuna, from_optuna, to_optuna

    back = from_optuna(to_optuna(space))
    assert (back["lr"], back["n"], back["c"].choices) == (space["lr"], space["n"], (0, 1))
    assert config_to_optuna(space, {"lr": 0.1, "n": 3, "c": "b"}) == {"lr": 0.1, "n": 3, "c": 1}


def test_categorical_values_do_not_match_across_types():
    cat = Categorical([1, "1", True])
    assert cat.index(1) == 0 and cat.index("1") == 1 and cat.index(True) == 2


def test_vectorized_decoding_equals_each_parameters_own_map() -> None:
    space = SearchSpace(
        {
            "lr": Float(1e-5, 1.0, log=True),
            "momentum": Float(0.1, 0.99),
            "layers": Int(1, 5),
            "units": Int(16, 1024, log=True),
            "opt": Categorical(["adam", "sgd", "rmsprop"]),
            "beta": Float(0.5, 0.999, condition=Condition("opt", ["adam"])),
        }
    )
    rng = np.random.default_rng(0)
    u = np.concatenate([rng.random((500, 6)), rng.uniform(-0.5, 1.5, (100, 6)), np.zeros((1, 6)), np.ones((1, 6))])
    values, _ = space.decode_numeric(u)
    expected = np.stack([p.from_unit(u[:, j]) for j, p in enumerate(space.values())], axis=1)
    np.testing.assert_array_equal(values, expected)
    np.testing.assert_array_equal(space.decode_numeric(u[7])[0], expected[7])


@settings(max_examples=300, deadline=None)
@given(space=spaces(), rng=unit_points)
def test_snapping_integers_keeps_the_configuration_and_puts_each_integer_on_its_encoding(space, rng):
    u = rng.random((20, space.dim))
    snapped = space.snap_integers(u)
    assert space.decode_batch(snapped) == space.decode_batch(u)
    ints = [j for j, kind in enumerate(space.kinds()) if kind == "int"]
    others = [j for j in range(space.dim) if j not in ints]
    np.testing.assert_array_equal(snapped[:, others], u[:, others])
    params = list(space.values())
    values, _ = space.decode_numeric(u)
    for j in ints:
        expected = [params[j].to_unit(int(v)) for v in values[:, j]]
        np.testing.assert_allclose(snapped[:, j], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(space.snap_integers(snapped), snapped, rtol=0, atol=1e-12)


def test_wide_linear_ranges_are_positive_linear_ranges_over_orders_of_magnitude() -> None:
    space = SearchSpace(
        {
            "lr": Float(1e-5, 1e-1),
            "lr_log": Float(1e-5, 1e-1, log=True),
            "trees": Int(1, 1000),
            "depth": Int(2, 100),
            "shift": Float(-1e-3, 10.0),
            "kind": Categorical(["a", "b"]),
        }
    )
    wide = space.wide_linear_ranges()
    assert set(wide) == {"lr", "trees"}
    assert wide["lr"] == pytest.approx(4.0) and wide["trees"] == pytest.approx(3.0)
    assert set(space.wide_linear_ranges(orders=1.5)) == {"lr", "trees", "depth"}
    # Three orders exactly, whatever the floating-point quotient of the bounds (1e-2 / 1e-5 < 1000).
    assert set(SearchSpace({"a": Float(1e-5, 1e-2), "b": Float(1e-9, 1e-6)}).wide_linear_ranges()) == {"a", "b"}


def test_a_range_of_numpy_integers_is_an_int_parameter():
    space = SearchSpace.from_dict({"n_estimators": (np.int64(10), np.int64(500))})
    assert isinstance(space["n_estimators"], Int) and isinstance(space.decode([0.3])["n_estimators"], int)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "int", "low": 0, "high": 100, "step": 10}, r"unknown keys \['step'\] in its spec; an int takes"),
        ({"type": "float", "low": 1e-3, "high": 1.0, "lg": True}, r"unknown keys \['lg'\]"),
        ({"type": "categorical", "choices": [1, 2], "log": True}, r"unknown keys \['log'\]"),
        ({"type": "float", "low": 1e-3, "high": 1.0, "log": "false"}, "'log' must be true or false, got 'false'"),
        ({"type": "double", "low": 0, "high": 1}, "unknown type 'double'"),
        ({"type": "float", "low": 0, "high": 1, "condition": {"parent": "k"}}, "its condition must be a dict with"),
        ({"type": "float", "low": 0, "high": 1, "condition": "k == 'a'"}, "its condition must be a dict with"),
    ],
)
def test_a_dict_spec_with_a_key_it_would_ignore_or_misread_is_refused(spec, message):
    with pytest.raises(ValueError, match=f"Parameter 'p': {message}"):
        SearchSpace.from_dict({"p": spec})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Float(-1e308, 1e308), "narrower than the largest float"),
        (lambda: Float(0.0, 5e-324), "wider than the smallest normal float"),  # Optuna's samplers compute NaN
        (lambda: Float(-1e-310, 1e-310), "wider than the smallest normal float"),
        (lambda: Int(0, 2**63 - 1), r"within ±2\*\*53"),
        (lambda: Categorical([1, 1.0]), "must hold distinct values"),  # a configuration's 1.0 would be the choice 1
    ],
)
def test_ranges_and_choices_the_cube_cannot_hold_exactly_are_refused(make, message):
    with pytest.raises(InvalidParamError, match=message):
        make()


def test_a_condition_on_a_boolean_choice_is_not_met_by_its_equal_integer():
    space = SearchSpace({"k": Categorical([1, True]), "x": Float(0.0, 1.0, condition=Condition("k", [1]))})
    for u in np.linspace(0.05, 0.95, 7):
        config = space.decode([u, 0.3])
        assert ("x" in config) == (config["k"] is not True) and space.contains(config)


def test_numpy_integer_bounds_of_an_int_become_python_ints() -> None:
    param = Int(np.int64(1), np.int32(5), log=True)
    assert type(param.low) is int and type(param.high) is int
    assert repr(param) == "Int(condition=None, low=1, high=5, log=True)" and param == Int(1, 5, log=True)


def test_a_nan_choice_is_any_nan_and_at_most_one_nan_is_a_choice():
    choice = Categorical([math.nan, 1.0, 2.0])  # SimpleImputer(missing_values=...) takes NaN
    assert choice.index(float("nan")) == 0 and choice.index(np.float64("nan")) == 0 and choice.index(2.0) == 2
    space = SearchSpace({"c": choice})
    assert space.contains({"c": np.nan}) and space.decode(space.encode({"c": float("nan")}))["c"] is choice.choices[0]
    for second in (float("nan"), np.float64("nan")):
        with pytest.raises(ValueError, match="must hold distinct values"):
            Categorical([math.nan, second])
