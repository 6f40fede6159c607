"""Under- and clean-sampling ``sampling_strategy`` against imbalanced-learn's ``check_sampling_strategy``."""

from __future__ import annotations

import numpy as np
import pytest

from torchsmote.sampling_strategy import UNDER_STRING_STRATEGIES, resolve_sampling_strategy

check_sampling_strategy = pytest.importorskip("imblearn.utils").check_sampling_strategy

SEEDS = range(20)


def _random_y(seed: int) -> np.ndarray:
    """Shuffled labels (ints or strings), uneven counts, often with tied extremes."""
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(2, 6))
    counts = rng.integers(1, 30, size=n_classes)
    if seed % 3 == 0:
        counts[rng.integers(n_classes)] = counts.max()
    if seed % 4 == 0:
        counts[rng.integers(n_classes)] = counts.min()
    if seed % 2:
        labels = np.array([f"c{v}" for v in rng.choice(50, n_classes, replace=False)])
    else:
        labels = rng.choice(np.arange(-20, 20), n_classes, replace=False)
    y = np.repeat(labels, counts)
    rng.shuffle(y)
    return y


def _resolve(strategy, y, kind):
    classes, counts = np.unique(y, return_counts=True)
    return resolve_sampling_strategy(strategy, classes, counts, y=y, sampling_type=kind)


def _assert_same(strategy, y, kind):
    expected = check_sampling_strategy(strategy, y, kind)
    got = _resolve(strategy, y, kind)
    assert list(got.items()) == list(expected.items())
    assert all(type(v) is int for v in got.values())
    return got


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", ["under-sampling", "clean-sampling"])
@pytest.mark.parametrize("strategy", UNDER_STRING_STRATEGIES)
def test_string_strategies_match_imblearn(strategy, kind, seed):
    _assert_same(strategy, _random_y(seed), kind)


@pytest.mark.parametrize("seed", SEEDS)
def test_dict_and_callable_match_imblearn_under(seed):
    y = _random_y(seed)
    rng = np.random.default_rng(seed + 100)
    classes, counts = np.unique(y, return_counts=True)
    chosen = rng.choice(len(classes), size=int(rng.integers(1, len(classes) + 1)), replace=False)
    targets = {classes[i]: int(rng.integers(0, counts[i] + 1)) for i in chosen}
    _assert_same(targets, y, "under-sampling")
    _assert_same(lambda labels: targets, y, "under-sampling")


@pytest.mark.parametrize("seed", SEEDS)
def test_list_matches_imblearn_clean(seed):
    y = _random_y(seed)
    classes = np.unique(y)
    rng = np.random.default_rng(seed + 200)
    chosen = list(rng.choice(classes, size=int(rng.integers(1, len(classes) + 1)), replace=False))
    _assert_same(chosen, y, "clean-sampling")


@pytest.mark.parametrize("ratio", [0.05, 0.2, 0.5, 0.7, 1.0])
def test_float_matches_imblearn_under(ratio):
    y = np.array([0] * 40 + [1] * 14)
    if int(14 / ratio) > 40:
        with pytest.raises(ValueError, match="increase the ratio"):
            _resolve(ratio, y, "under-sampling")
        with pytest.raises(ValueError):
            check_sampling_strategy(ratio, y, "under-sampling")
    else:
        _assert_same(ratio, y, "under-sampling")


Y_BIN = np.array([0] * 10 + [1] * 4)
Y_MULTI = np.array(["a"] * 10 + ["b"] * 4 + ["c"] * 6)


@pytest.mark.parametrize(
    ("strategy", "y", "kind", "match"),
    [
        ("minority", Y_MULTI, "clean-sampling", "'minority' cannot be used with under-sampler"),
        ("minority", Y_MULTI, "under-sampling", "'minority' cannot be used with under-sampler"),
        ("balanced", Y_MULTI, "clean-sampling", "needs to be one of"),
        ({"a": 5}, Y_MULTI, "clean-sampling", "dict for cleaning methods is not supported"),
        (lambda y: {"a": 5}, Y_MULTI, "clean-sampling", "dict for cleaning methods is not supported"),
        ({"a": 11}, Y_MULTI, "under-sampling", "less or equal to the original.*'a' has 10.*11"),
        ({"z": 1}, Y_MULTI, "under-sampling", r"\{'z'\} target class is/are not present"),
        ({"a": -1}, Y_MULTI, "under-sampling", "cannot be negative"),
        (["z"], Y_MULTI, "clean-sampling", r"\{'z'\} target class is/are not present"),
        (["a"], Y_MULTI, "under-sampling", "cannot be a list"),
        (0.5, Y_BIN, "clean-sampling", "do not let the user specify the sampling ratio"),
        (0.5, Y_MULTI, "under-sampling", "float only when the type of target is binary"),
        (1.5, Y_BIN, "under-sampling", r"range \(0, 1\]"),
        ("auto", np.array([1, 1]), "clean-sampling", "more than 1 class"),
    ],
)
def test_errors_match_imblearn(strategy, y, kind, match):
    with pytest.raises(ValueError, match=match):
        _resolve(strategy, y, kind)
    with pytest.raises(ValueError):
        check_sampling_strategy(strategy, y, kind)


def test_unknown_sampling_type():
    with pytest.raises(ValueError, match="'sampling_type' should be one of"):
        _resolve("auto", Y_BIN, "bypass")


def test_over_sampling_default_unchanged():
    assert _resolve("auto", Y_MULTI, "over-sampling") == {"b": 6, "c": 4}
