"""SMOTENC/SMOTEN kernels: torch against the numpy reference, the reference against imbalanced-learn.

Random inputs with fresh seeds and awkward sizes (one categorical column, one
continuous column, 33 columns, a pool of exactly k + 1 rows, blocks that do
not divide the row count); codes are exact, so comparisons are exact.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import mode
from sklearn.neighbors import NearestNeighbors
from torchsmote.kernels import nominal_numpy as ref
from torchsmote.kernels import nominal_torch as fast
from torchsmote.kernels.counter_rng import (
    choice_draws_numpy,
    choice_draws_torch,
    smote_draws_numpy,
)
from utils import assert_close_verbose, assert_equal_verbose


def _codes(rng, n, cardinalities):
    return np.stack([rng.integers(0, c, n) for c in cardinalities], axis=1).astype(np.int64)


def _table(rng, n, k):
    """A valid neighbour table: k distinct other rows per row, in random order."""
    table = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        others = np.delete(np.arange(n), i)
        table[i] = rng.choice(others, size=k, replace=False)
    return table


# --------------------------------------------------------------------------- choice draws


@pytest.mark.parametrize("seed", range(3))
def test_choice_draws_torch_matches_numpy(seed, device):
    rng = np.random.default_rng(seed)
    bounds = rng.integers(1, 2**31 - 1, 5000)
    bounds[:100] = 1
    expected = choice_draws_numpy(seed, 17, bounds)
    got = choice_draws_torch(seed, 17, torch.from_numpy(bounds).to(device))
    assert_equal_verbose(got, expected, what="choice draws")
    assert (expected >= 0).all() and (expected < bounds).all() and (expected[:100] == 0).all()


def test_choice_draws_are_uniform_and_sliceable():
    draws = choice_draws_numpy(3, 0, np.full(60_000, 3))
    assert np.abs(np.bincount(draws) / 60_000 - 1 / 3).max() < 0.01
    assert_equal_verbose(choice_draws_numpy(3, 1000, np.full(50, 3)), draws[1000:1050], what="slice")
    # One bound for all draws: the same numbers as SMOTE's pair reduction.
    assert_equal_verbose(draws, smote_draws_numpy(3, 0, 60_000, 3, 1)[0], what="vs smote draws")


def test_choice_draws_refuse_bad_bounds():
    with pytest.raises(ValueError, match="between 1 and 2"):
        choice_draws_numpy(0, 0, np.array([2, 0]))


# --------------------------------------------------------------------------- SMOTENC


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("d_cont", "cards"), [(1, (3,)), (3, (2, 5)), (12, (4,) * 21)])
def test_encode_matches_reference_and_distance_rule(d_cont, cards, dtype, device):
    rng = np.random.default_rng(d_cont)
    n = 57
    cont = rng.normal(size=(n, d_cont)).astype(dtype)
    codes = _codes(rng, n, cards)
    scale = ref.smotenc_scale_numpy(cont)
    expected = ref.smotenc_encode_numpy(cont, codes, scale)
    got = fast.smotenc_encode_torch(
        torch.from_numpy(cont).to(device), torch.from_numpy(codes).to(device), scale
    )
    assert got.dtype == torch.from_numpy(cont).dtype
    assert_equal_verbose(got, expected, what="encoding")
    # A category counts once: width = d_cont + categories present per column.
    assert expected.shape[1] == d_cont + sum(len(np.unique(codes[:, j])) for j in range(len(cards)))
    # Squared distance = continuous part + scale**2 per differing column.
    e = expected.astype(np.float64)
    d2 = ((e[:, None, :] - e[None, :, :]) ** 2).sum(axis=2)
    c = cont.astype(np.float64)
    value = float(dtype(scale / np.sqrt(2.0)))
    rule = ((c[:, None] - c[None]) ** 2).sum(axis=2) + 2 * value**2 * (codes[:, None] != codes[None]).sum(
        axis=2
    )
    assert_close_verbose(d2, rule, rtol=1e-12, atol=1e-12, what="distance rule")


@pytest.mark.parametrize("seed", range(4))
def test_scale_matches_reference(seed, device):
    rng = np.random.default_rng(seed)
    cont = rng.normal(scale=rng.uniform(0.1, 5, size=1 + seed * 3), size=(40, 1 + seed * 3))
    expected = ref.smotenc_scale_numpy(cont)
    assert expected == pytest.approx(float(np.median(cont.std(axis=0))), rel=1e-14)
    assert fast.smotenc_scale_torch(torch.from_numpy(cont).to(device)) == pytest.approx(expected, rel=1e-12)


def _brute_modes(votes):
    """Python statement of the rule: values with the highest count, in order of first voter."""
    out = []
    for row in votes.tolist():
        counts = {v: row.count(v) for v in row}
        top = max(counts.values())
        out.append([v for v in dict.fromkeys(row) if counts[v] == top])
    return out


@pytest.mark.parametrize("k", [1, 2, 5, 8])
def test_tied_modes_rule(k, device):
    rng = np.random.default_rng(k)
    votes = rng.integers(0, 3, size=(400, k))
    ties = ref.tied_modes_numpy(votes)
    assert_equal_verbose(fast.tied_modes_torch(torch.from_numpy(votes).to(device)), ties, what="ties")
    for i, expected in enumerate(_brute_modes(votes)):
        assert votes[i][ties[i]].tolist() == expected


@pytest.mark.parametrize(
    ("n", "k", "cards", "count"),
    [(6, 5, (3,), 1), (6, 5, (2, 3), 257), (40, 3, (2,) * 33, 1000), (200, 7, (4, 9, 2), 3001)],
)
def test_smotenc_categories_match_reference(n, k, cards, count, device, monkeypatch):
    monkeypatch.setattr(fast, "VOTE_BLOCK_ENTRIES", 997)  # several uneven blocks
    rng = np.random.default_rng(n + k)
    codes = _codes(rng, n, cards)
    table = _table(rng, n, k)
    values, source = ref.smotenc_categories_numpy(codes, table, 11, 12, 0, count)
    got_values, got_source = fast.smotenc_categories_torch(
        torch.from_numpy(codes).to(device), torch.from_numpy(table).to(device), 11, 12, 0, count
    )
    assert_equal_verbose(got_values, values, what="codes")
    assert_equal_verbose(got_source, source, what="source rows")
    # Each value is a most frequent code among the base row's neighbours, copied from one of them.
    base = smote_draws_numpy(11, 0, count, n, k)[0]
    for j in range(len(cards)):
        assert (codes[source[:, j], j] == values[:, j]).all()
        assert (table[base] == source[:, j : j + 1]).any(axis=1).all()
        votes = codes[table[base], j]
        tallies = (votes == values[:, j : j + 1]).sum(axis=1)
        top = np.array([np.bincount(row).max() for row in votes])
        assert_equal_verbose(tallies, top, what=f"column {j}: the chosen value's count is the maximum")
    # Slices of the stream equal the matching rows of a longer call.
    part = ref.smotenc_categories_numpy(codes, table, 11, 12, count // 3, count - count // 3)
    assert_equal_verbose(part[0], values[count // 3 :], what="slice")


def test_smotenc_ties_are_broken_uniformly():
    # Two neighbours, two different values: each wins about half the time.
    codes = np.array([[0], [0], [1]])
    table = np.array([[1, 2], [0, 2], [0, 1]])
    values, _ = ref.smotenc_categories_numpy(codes, table, 5, 6, 0, 30_000)
    base = smote_draws_numpy(5, 0, 30_000, 3, 2)[0]
    tied = base != 2  # rows 0 and 1 see one 0 and one 1; row 2 sees two 0s
    assert (values[~tied, 0] == 0).all()
    assert abs(values[tied, 0].mean() - 0.5) < 0.015


# --------------------------------------------------------------------------- SMOTEN


def _vdm_data(seed, n=240, cards=(3, 4, 7, 2), n_classes=3):
    rng = np.random.default_rng(seed)
    return _codes(rng, n, cards), rng.integers(0, n_classes, n), np.array(cards), n_classes


@pytest.mark.parametrize("seed", range(3))
def test_vdm_matches_imblearn_bit_for_bit(seed):
    pairwise = pytest.importorskip("imblearn.metrics.pairwise")
    codes, labels, cards, n_classes = _vdm_data(seed)
    proba = ref.vdm_probabilities_numpy(codes, labels, cards, n_classes)
    vdm = pairwise.ValueDifferenceMetric(n_categories=cards).fit(codes.astype(np.int32), labels)
    for ours, theirs in zip(proba, vdm.proba_per_class_, strict=True):
        assert_equal_verbose(ours, theirs, what="class shares")
    assert_equal_verbose(
        ref.vdm_distances_numpy(codes, codes, proba), vdm.pairwise(codes.astype(np.int32)), what="VDM"
    )


@pytest.mark.parametrize(("seed", "n_classes"), [(0, 2), (1, 3), (2, 9)])
def test_vdm_torch_matches_reference(seed, n_classes, device, monkeypatch):
    codes, labels, cards, _ = _vdm_data(seed, n_classes=n_classes)
    proba = ref.vdm_probabilities_numpy(codes, labels, cards, n_classes)
    codes_t = torch.from_numpy(codes).to(device)
    proba_t = fast.vdm_probabilities_torch(codes_t, torch.from_numpy(labels).to(device), cards, n_classes)
    for ours, expected in zip(proba_t, proba, strict=True):
        assert_equal_verbose(ours, expected, what="class shares")
    expected = ref.vdm_distances_numpy(codes[:50], codes, proba)
    tables = fast.vdm_tables_torch(proba_t)
    assert_equal_verbose(
        fast.vdm_distances_torch(codes_t[:50], codes_t, proba_t, tables), expected, what="table"
    )
    assert_equal_verbose(fast.vdm_distances_torch(codes_t[:50], codes_t, proba_t), expected, what="direct")
    monkeypatch.setattr(fast, "VDM_TABLE_MAX_CATEGORIES", 3)  # mixed: some columns direct, some tabled
    tables = fast.vdm_tables_torch(proba_t)
    assert any(t is None for t in tables) and any(t is not None for t in tables)
    assert_equal_verbose(
        fast.vdm_distances_torch(codes_t[:50], codes_t, proba_t, tables), expected, what="mixed"
    )


@pytest.mark.parametrize(("n", "k", "cards"), [(6, 5, (3,)), (240, 5, (3, 4, 7, 2)), (90, 3, (2,) * 33)])
def test_vdm_neighbors_match_reference_and_imblearn_distances(n, k, cards, device, monkeypatch):
    monkeypatch.setattr(fast, "VDM_BLOCK_ENTRIES", 1000)  # several query blocks
    codes, labels, cards, n_classes = _vdm_data(n + k, n=n, cards=cards)
    proba = ref.vdm_probabilities_numpy(codes, labels, cards, n_classes)
    expected = ref.vdm_neighbors_numpy(codes, proba, k)
    proba_t = [torch.from_numpy(p).to(device) for p in proba]
    got = fast.vdm_neighbors_torch(torch.from_numpy(codes).to(device), proba_t, k)
    assert_equal_verbose(got, expected, what="neighbours (ties to the smaller index)")
    # imbalanced-learn's k + 1 search on the precomputed matrix includes the row; its
    # tie order is arbitrary, but the distances of the k + 1 nearest must be ours plus 0.
    dist = ref.vdm_distances_numpy(codes, codes, proba)
    theirs = NearestNeighbors(n_neighbors=k + 1, metric="precomputed").fit(dist)
    their_d = np.sort(theirs.kneighbors(dist, return_distance=True)[0], axis=1)
    our_d = np.sort(np.c_[np.zeros(n), np.take_along_axis(dist, expected, axis=1)], axis=1)
    assert_equal_verbose(our_d, their_d, what="neighbour distances")


@pytest.mark.parametrize(("n", "k", "d", "count"), [(6, 5, 1, 50), (120, 5, 4, 1001), (60, 3, 33, 400)])
def test_smoten_rows_match_reference_and_scipy_mode(n, k, d, count, device, monkeypatch):
    monkeypatch.setattr(fast, "VOTE_BLOCK_ENTRIES", 4096)
    rng = np.random.default_rng(n * d)
    codes = _codes(rng, n, (3,) * d)
    table = _table(rng, n, k)
    values, base, source = ref.smoten_rows_numpy(codes, table, 21, 0, count)
    got = fast.smoten_rows_torch(
        torch.from_numpy(codes).to(device), torch.from_numpy(table).to(device), 21, 0, count
    )
    for ours, expected, what in zip(got, (values, base, source), ("values", "base", "source"), strict=True):
        assert_equal_verbose(ours, expected, what=what)
    voters = np.c_[base, table[base]]
    assert_equal_verbose(values, mode(codes[voters], axis=1).mode, what="scipy mode (ties: smallest)")
    for j in range(d):
        assert (codes[source[:, j], j] == values[:, j]).all()
        assert (voters == source[:, j : j + 1]).any(axis=1).all()
    assert_equal_verbose(ref.smoten_rows_numpy(codes, table, 21, 7, 9)[0], values[7:16], what="slice")
