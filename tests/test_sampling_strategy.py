"""``resolve_sampling_strategy`` must agree with imblearn's over-sampling strategy checks."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

from torchsmote.sampling_strategy import STRING_STRATEGIES, resolve_sampling_strategy

imblearn_validation = pytest.importorskip("imblearn.utils")
check_sampling_strategy = imblearn_validation.check_sampling_strategy

SEEDS = range(25)


def _random_y(seed: int, *, n_classes: int | None = None, strings: bool | None = None):
    """Random shuffled label vector with uneven counts and, often, tied extremes."""
    rng = np.random.default_rng(seed)
    if n_classes is None:
        n_classes = int(rng.integers(2, 7))
    if strings is None:
        strings = bool(rng.integers(2))
    counts = rng.integers(1, 30, size=n_classes)
    # Force ties for the majority and/or the minority on a good share of seeds.
    if seed % 3 == 0:
        counts[rng.integers(n_classes)] = counts.max()
    if seed % 4 == 0:
        counts[rng.integers(n_classes)] = counts.min()
    if strings:
        labels = np.array([f"c{v}" for v in rng.choice(50, n_classes, replace=False)])
    else:  # non-contiguous, possibly negative integers
        labels = rng.choice(np.arange(-20, 20), n_classes, replace=False)
    y = np.repeat(labels, counts)
    rng.shuffle(y)
    return y


def _resolve(strategy, y):
    classes, counts = np.unique(y, return_counts=True)
    return resolve_sampling_strategy(strategy, classes, counts, y=y)


def _assert_same(strategy, y):
    expected = check_sampling_strategy(strategy, y, "over-sampling")
    got = _resolve(strategy, y)
    assert isinstance(expected, OrderedDict)
    # Same keys, same values, same order (OrderedDict == dict ignores order).
    assert list(got.items()) == list(expected.items())
    assert all(type(v) is int for v in got.values())
    classes = np.unique(y)
    assert all(any(k is c or k == c for c in classes) for k in got)
    return got


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("strategy", STRING_STRATEGIES)
def test_string_strategies_match_imblearn(strategy, seed):
    _assert_same(strategy, _random_y(seed))


@pytest.mark.parametrize("seed", SEEDS)
def test_dict_strategy_matches_imblearn(seed):
    rng = np.random.default_rng(1000 + seed)
    y = _random_y(seed)
    classes, counts = np.unique(y, return_counts=True)
    chosen = rng.choice(classes.size, size=int(rng.integers(1, classes.size + 1)), replace=False)
    # Shuffled key order and plain Python keys: the result must still be label-sorted.
    strategy = {classes[i].item(): int(counts[i] + rng.integers(0, 3) * rng.integers(0, 20)) for i in chosen}
    _assert_same(strategy, y)


@pytest.mark.parametrize("seed", SEEDS[:15])
def test_callable_strategy_matches_imblearn(seed):
    def double_all_but_first(y):
        classes, counts = np.unique(y, return_counts=True)
        return {c: int(2 * n) for c, n in zip(classes[1:], counts[1:], strict=True)}

    _assert_same(double_all_but_first, _random_y(seed))


RATIOS = [0.05, 0.3, 0.5, 0.7, 0.9, 1.0, np.float32(0.6), np.float64(0.85), 1]


@pytest.mark.parametrize("seed", SEEDS)
def test_float_strategy_matches_imblearn(seed):
    y = _random_y(seed, n_classes=2)
    for ratio in RATIOS:
        try:
            check_sampling_strategy(ratio, y, "over-sampling")
        except ValueError:
            # Ratio too small (or exactly the current balance): both must refuse.
            with pytest.raises(ValueError, match=r"remove samples from the minority.*increase"):
                _resolve(ratio, y)
        else:
            _assert_same(ratio, y)


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        # Two-way majority tie: only the smallest label counts as "the" majority.
        ([0] * 5 + [1] * 5 + [2] * 2, {"auto": [1, 2], "all": [0, 1, 2], "minority": [2]}),
        # Two-way minority tie: only the smallest label counts as "the" minority.
        (["b"] * 2 + ["a"] * 2 + ["c"] * 7, {"minority": ["a"], "not minority": ["b", "c"]}),
        # Everything tied.
        ([3, 3, 1, 1], {"auto": [3], "not majority": [3], "not minority": [3], "all": [1, 3]}),
    ],
)
def test_ties_and_zero_entries(y, expected):
    y = np.asarray(y)
    for strategy, keys in expected.items():
        got = _assert_same(strategy, y)
        assert list(got) == keys


def test_float_rounding_truncates_like_imblearn():
    # 10 * 0.7 == 7.000000000000001 and 3 * 0.1 - ... : truncation, not rounding.
    y = np.array([0] * 10 + [1] * 2)
    assert _assert_same(0.7, y) == {1: 5}
    y = np.array([0] * 3 + [1] * 1)
    assert _assert_same(0.7, y) == {1: 1}  # int(2.1 - 1) == 1


# --- errors ---------------------------------------------------------------------------

Y_BIN = np.array([0] * 10 + [1] * 4)
Y_MULTI = np.array(["a"] * 10 + ["b"] * 4 + ["c"] * 6)


@pytest.mark.parametrize(
    ("strategy", "y", "match"),
    [
        ("auto", np.array([1, 1, 1]), "more than 1 class"),
        ("majority", Y_MULTI, "'majority' cannot be used with over-sampler"),
        ("balanced", Y_MULTI, "needs to be one of .*Got 'balanced'"),
        ("Auto", Y_BIN, "needs to be one of"),
        (0.0, Y_BIN, r"range \(0, 1\]"),
        (-0.5, Y_BIN, r"range \(0, 1\]"),
        (1.5, Y_BIN, r"range \(0, 1\]"),
        (0.5, Y_MULTI, "float only when the type of target is binary"),
        (0.1, Y_BIN, "remove samples from the minority.*class 1.*increase the ratio"),
        (1.0, np.array([0, 0, 1, 1]), "increase the ratio"),  # 0 new rows is refused too
        ({"z": 20}, Y_MULTI, r"\{'z'\} target class is/are not present"),
        ({7: 20, 0: 12}, Y_BIN, r"\{7\} target class is/are not present"),
        ({"a": 10, "b": -1}, Y_MULTI, "cannot be negative.*'b': -1"),
        ({"a": 10, "b": 3}, Y_MULTI, "greater or equal to the original.*'b' has 4.*3 samples"),
        ([0, 1], Y_BIN, "cannot be a list"),
        (lambda y: {1: 2}, Y_BIN, "greater or equal to the original"),
        (lambda y: {5: 20}, Y_BIN, "not present in the data"),
    ],
)
def test_errors_match_imblearn(strategy, y, match):
    with pytest.raises(ValueError, match=match):
        _resolve(strategy, y)
    with pytest.raises(ValueError):
        check_sampling_strategy(strategy, y, "over-sampling")


def test_nan_ratio_rejected():
    # imblearn's range check lets NaN through and then fails in int(nan); we say why.
    with pytest.raises(ValueError, match=r"range \(0, 1\]. Got nan"):
        _resolve(math.nan, Y_BIN)
    with pytest.raises(ValueError):
        check_sampling_strategy(math.nan, Y_BIN, "over-sampling")


def test_callable_returning_non_dict():
    with pytest.raises(TypeError, match=r"must return a dict.*got list"):
        _resolve(lambda y: [1], Y_BIN)
    with pytest.raises(AttributeError):
        check_sampling_strategy(lambda y: [1], Y_BIN, "over-sampling")


def test_callable_needs_y():
    classes, counts = np.unique(Y_BIN, return_counts=True)
    with pytest.raises(ValueError, match=r"callable.*needs 'y'"):
        resolve_sampling_strategy(lambda y: {1: 10}, classes, counts)


@pytest.mark.parametrize("strategy", [None, (0, 1), object(), b"auto"])
def test_wrong_types(strategy):
    # imblearn's check_sampling_strategy silently returns None for these; we refuse.
    with pytest.raises(TypeError, match="must be a float, str, dict or callable"):
        _resolve(strategy, Y_BIN)


@pytest.mark.parametrize("flag", [True, False])
def test_bool_is_not_a_ratio(flag):
    # imblearn treats True as ratio 1.0 (bool is a Real); that is never what was meant.
    with pytest.raises(TypeError, match="got a bool"):
        _resolve(flag, Y_BIN)


@pytest.mark.parametrize("target", [10.5, 12.0, "12", None])
def test_dict_values_must_be_ints(target):
    with pytest.raises(TypeError, match="class 1 must be an int"):
        _resolve({1: target}, Y_BIN)


def test_numpy_int_targets_and_keys_accepted():
    got = _resolve({np.int64(1): np.int32(10)}, Y_BIN)
    assert got == {1: 6} and type(got[1]) is int


def test_mismatched_classes_counts():
    with pytest.raises(ValueError, match="same length"):
        resolve_sampling_strategy("auto", np.array([0, 1]), np.array([3]))


def test_merge_class_counts_equals_counts_of_the_concatenation():
    from torchsmote.validation import class_counts, merge_class_counts

    rng = np.random.default_rng(0)
    parts = [
        rng.integers(-3, 9, size=n).astype(dtype)
        for n, dtype in ((50, np.int8), (70, np.int64), (1, np.int16))
    ]
    classes, counts = merge_class_counts([class_counts(part) for part in parts])
    expected_classes, expected_counts = np.unique(np.concatenate(parts), return_counts=True)
    np.testing.assert_array_equal(classes, expected_classes)
    np.testing.assert_array_equal(counts, expected_counts)
    assert classes.dtype == np.int64
    words = [np.array(["b", "a", "b"], dtype=object), np.array(["c", "a"], dtype=object)]
    classes, counts = merge_class_counts([class_counts(part) for part in words])
    assert classes.tolist() == ["a", "b", "c"] and counts.tolist() == [2, 2, 1]
    with pytest.raises(ValueError, match="mixes label types"):
        merge_class_counts([class_counts(words[0]), class_counts(np.array([1, 2]))])
