"""Same data, ``torchsmote.SMOTE`` against ``imblearn.over_sampling.SMOTE``.

The random draws differ by design (a counter RNG keyed by class, not numpy's
global stream), so rows are compared through what must agree: class counts,
neighbour sets and the distribution of the synthetic rows.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone

from torchsmote import SMOTE

imblearn_over = pytest.importorskip("imblearn.over_sampling")
ImbSMOTE = imblearn_over.SMOTE


def make_data(counts, d=3, seed=0, duplicates=False):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    # Skewed, correlated features so that mean and variance are informative.
    X = rng.exponential(size=(len(y), d)) @ rng.normal(size=(d, d)) + 4.0 * y[:, None]
    if duplicates:
        for label in np.unique(y):
            rows = np.flatnonzero(y == label)
            half = len(rows) // 2
            X[rows[half : 2 * half]] = X[rows[:half]]  # each of the first half twice
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def imblearn_neighbor_table(imb: ImbSMOTE, X_class: np.ndarray) -> np.ndarray:
    """imblearn's neighbour table for one class: its ``nn_k_`` fitted on the class, first column dropped."""
    nn = clone(imb.nn_k_).fit(X_class)
    return nn.kneighbors(X_class, return_distance=False)[:, 1:]


@pytest.mark.parametrize(
    "counts, strategy",
    [
        ((40, 15, 9), "auto"),
        ((40, 15, 9), "minority"),
        ((40, 15, 9), "not minority"),
        ((40, 15, 9), "all"),
        ((40, 15, 9), {1: 30, 2: 12}),
        ((40, 15, 9), lambda y: {2: int((y == 2).sum()) * 3}),
        ((50, 12), 0.75),
        ((50, 12), 1.0),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_same_class_counts(counts, strategy):
    X, y = make_data(counts)
    ours = SMOTE(sampling_strategy=strategy, random_state=0, k_neighbors=3)
    theirs = ImbSMOTE(sampling_strategy=strategy, random_state=0, k_neighbors=3)
    _, y_ours = ours.fit_resample(X, y)
    _, y_theirs = theirs.fit_resample(X, y)
    assert dict(ours.sampling_strategy_) == dict(theirs.sampling_strategy_)
    assert Counter(y_ours.tolist()) == Counter(y_theirs.tolist())
    # Same layout too: originals, then synthetic rows class by class in sorted order.
    assert np.array_equal(y_ours, y_theirs)


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("knn_backend", ["numpy", "faiss", "torch"])
def test_neighbors_within_imblearn_neighbor_sets(k, knn_backend):
    X, y = make_data((80, 30, 20), seed=1)
    ours = SMOTE(random_state=0, k_neighbors=k, knn_backend=knn_backend)
    ours.fit_resample(X, y)
    theirs = ImbSMOTE(random_state=0, k_neighbors=k)
    theirs.fit_resample(X, y)
    prov = ours.provenance_
    checked = 0
    for label in (1, 2):
        rows = np.flatnonzero(y == label)
        table = imblearn_neighbor_table(theirs, X[rows])
        local = np.full(len(y), -1)
        local[rows] = np.arange(len(rows))
        mine = y[prov.base] == label
        b, nb = local[prov.base[mine]], local[prov.neighbor[mine]]
        assert (b >= 0).all() and (nb >= 0).all()
        outside = ~(table[b] == nb[:, None]).any(axis=1)
        assert not outside.any(), (
            f"class {label}: {int(outside.sum())} of {len(b)} neighbours not in imblearn's "
            f"k-NN set; first base {rows[b[outside][0]]}, neighbour {rows[nb[outside][0]]}"
        )
        checked += len(b)
    assert checked == sum(ours.sampling_strategy_.values())


def _moments(Z):
    mean = Z.mean(axis=0)
    var = Z.var(axis=0, ddof=1)
    centred = Z - mean
    m4 = (centred**4).mean(axis=0)
    n = len(Z)
    return mean, var, np.sqrt(var / n), np.sqrt(np.maximum(m4 - var**2, 0) / n)


@pytest.mark.parametrize("seed", [0, 1])
def test_synthetic_moments_match_imblearn(seed):
    """Both draw (base, neighbour) pairs and gaps uniformly, so the synthetic rows share
    one distribution: per-feature mean and variance agree within sampling error."""
    n_synthetic = 20_000
    X, y = make_data((n_synthetic + 120, 120), d=3, seed=seed)
    n = len(y)
    X_ours, _ = SMOTE(random_state=seed).fit_resample(X, y)
    X_theirs, _ = ImbSMOTE(random_state=seed).fit_resample(X, y)
    ours, theirs = X_ours[n:], X_theirs[n:]
    assert ours.shape == theirs.shape == (n_synthetic, 3)
    mean_o, var_o, se_mean_o, se_var_o = _moments(ours)
    mean_t, var_t, se_mean_t, se_var_t = _moments(theirs)
    # 5 standard errors of the difference: deterministic here (fixed seeds), and a
    # real bias (e.g. gap on [0, 0.5) or a wrong neighbour set) shifts far more.
    z_mean = np.abs(mean_o - mean_t) / np.hypot(se_mean_o, se_mean_t)
    z_var = np.abs(var_o - var_t) / np.hypot(se_var_o, se_var_t)
    assert (z_mean < 5).all(), f"means {mean_o} vs {mean_t} (z = {z_mean})"
    assert (z_var < 5).all(), f"variances {var_o} vs {var_t} (z = {z_var})"
    # And both stay inside the minority class's bounding box (convex combinations).
    minority = X[y == 1]
    for Z in (ours, theirs):
        assert (Z >= minority.min(axis=0) - 1e-12).all() and (Z <= minority.max(axis=0) + 1e-12).all()


def test_moment_test_has_power():
    """The same statistic flags a wrong sampler, so passing means something: here the
    sign error of imblearn's docstring, ``x + u * (x - x_nn)`` (steps away from the neighbour)."""
    n_synthetic = 20_000
    X, y = make_data((n_synthetic + 120, 120), d=3, seed=0)
    n = len(y)
    est = SMOTE(random_state=0)
    est.fit_resample(X, y)
    prov = est.provenance_
    biased = X[prov.base] - prov.gap[:, None] * (X[prov.neighbor] - X[prov.base])
    X_theirs, _ = ImbSMOTE(random_state=0).fit_resample(X, y)
    mean_b, var_b, se_mean_b, se_var_b = _moments(biased)
    mean_t, var_t, se_mean_t, se_var_t = _moments(X_theirs[n:])
    z_mean = np.abs(mean_b - mean_t) / np.hypot(se_mean_b, se_mean_t)
    z_var = np.abs(var_b - var_t) / np.hypot(se_var_b, se_var_t)
    assert (z_mean > 5).any() or (z_var > 5).any(), (z_mean, z_var)


def test_duplicates_imblearn_pairs_rows_with_themselves_we_never_do():
    """With duplicate rows, imblearn drops the first k-NN column, which is not always
    the row itself: its table then holds the row as its own neighbour (a zero-length
    segment). We exclude self by index, so ``neighbor == base`` never happens."""
    X, y = make_data((60, 30), d=2, seed=3, duplicates=True)
    theirs = ImbSMOTE(random_state=0, k_neighbors=5)
    theirs.fit_resample(X, y)
    rows = np.flatnonzero(y == 1)
    table = imblearn_neighbor_table(theirs, X[rows])
    self_in_table = (table == np.arange(len(rows))[:, None]).any(axis=1)
    assert self_in_table.any(), "expected imblearn's table to contain self for some duplicated rows"

    ours = SMOTE(random_state=0, k_neighbors=5, sampling_strategy={1: 400})
    ours.fit_resample(X, y)
    prov = ours.provenance_
    assert len(prov.base) == 370
    assert (prov.neighbor != prov.base).all()
    # Our table still keeps the duplicate as a (distance-0) neighbour: it is another row.
    dup_pairs = (X[prov.neighbor] == X[prov.base]).all(axis=1)
    assert dup_pairs.any(), "the duplicate of a row should be among its neighbours"
