"""SMOTEN against imbalanced-learn and against its own numpy reference.

imbalanced-learn's neighbour table is observed by wrapping its ``_make_samples``.
Its search (scikit-learn on the precomputed VDM matrix) orders tied distances
arbitrarily and categorical data ties constantly, so the cross-checks compare
what is tie-proof: class counts, the distances of each row's k + 1 voters, and
the synthetic row of every base whose voters carry the same values on both sides.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from scipy.stats import mode
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import OrdinalEncoder
from torchsmote.kernels.nominal_numpy import (
    vdm_distances_numpy,
    vdm_neighbors_numpy,
    vdm_probabilities_numpy,
)
from utils import assert_equal_verbose

from torchsmote import SMOTEN
from torchsmote.neighbors.nominal import vdm_neighbors, vdm_neighbors_from_estimator

pd = pytest.importorskip("pandas")
imb = pytest.importorskip("imblearn.over_sampling")


def make_nominal(counts=(150, 50, 21), cards=(3, 4, 5, 6), seed=0, labels=("a", "b", "c", "d", "e", "f")):
    """String categories whose frequencies depend on the class."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    columns = []
    for c in cards:
        shifted = (rng.integers(0, c, len(y)) * (rng.random(len(y)) < 0.7) + y) % c
        columns.append(np.asarray(labels)[shifted])
    perm = rng.permutation(len(y))
    return np.stack(columns, axis=1)[perm].astype(object), y[perm]


def _codes(X):
    return np.stack([np.unique(X[:, j], return_inverse=True)[1] for j in range(X.shape[1])], axis=1)


def test_counts_dtypes_and_original_rows_match_imblearn():
    X, y = make_nominal(seed=1)
    for container in (X, X.astype(str)):
        before = container.copy()
        X_ours, y_ours = SMOTEN(random_state=0).fit_resample(container, y)
        assert (container == before).all()
        X_theirs, y_theirs = imb.SMOTEN(random_state=0).fit_resample(container, y)
        assert_equal_verbose(y_ours, y_theirs, what="labels (counts and order)")
        assert X_ours.dtype == X_theirs.dtype
        assert (X_ours[: len(X)] == container).all()


@pytest.mark.parametrize("seed", range(3))
def test_voters_and_rows_match_imblearn(seed, monkeypatch):
    X, y = make_nominal(seed=seed)
    tables = {}
    original = imb.SMOTEN._make_samples

    def spy(sampler, X_class, klass, y_dtype, nn_indices, n_samples):
        tables[klass] = nn_indices.copy()
        return original(sampler, X_class, klass, y_dtype, nn_indices, n_samples)

    monkeypatch.setattr(imb.SMOTEN, "_make_samples", spy)
    imb.SMOTEN(random_state=0).fit_resample(X, y)
    ours = SMOTEN(random_state=0)
    X_ours, y_ours = ours.fit_resample(X, y)
    codes = _codes(X)
    proba = vdm_probabilities_numpy(codes, y, codes.max(axis=0) + 1, 3)
    synthetic = X_ours[len(X) :]
    y_syn = y_ours[len(X) :]
    base = ours.provenance_.base
    agreeing = 0
    for label, their_table in tables.items():
        rows = np.flatnonzero(y == label)
        dist = vdm_distances_numpy(codes[rows], codes[rows], proba)
        # Our voters: the base row and its k nearest others; theirs: k + 1 nearest including itself.
        local = np.searchsorted(rows, base[y_syn == label])
        our_table = np.c_[np.arange(len(rows)), vdm_neighbors_numpy(codes[rows], proba, 5)]
        ours_d = np.sort(np.take_along_axis(dist, our_table, axis=1), axis=1)
        theirs_d = np.sort(np.take_along_axis(dist, their_table, axis=1), axis=1)
        assert_equal_verbose(ours_d, theirs_d, what=f"voter distances of class {label}")
        # Where both voter sets carry the same values, imbalanced-learn's mode is our row.
        same = np.array(
            [
                sorted(map(tuple, X[rows[our_table[i]]])) == sorted(map(tuple, X[rows[their_table[i]]]))
                for i in range(len(rows))
            ]
        )
        their_rows = mode(codes[rows][their_table], axis=1).mode
        mine = synthetic[y_syn == label]
        keep = same[local]
        expected = np.stack([np.unique(X[:, j])[their_rows[local][keep][:, j]] for j in range(X.shape[1])], 1)
        assert (mine[keep] == expected).all()
        agreeing += int(keep.sum())
    # On this data every base's voters carry the same values on both sides (share 1.0 for
    # seeds 0-2); the margin leaves room for a scikit-learn that orders ties differently.
    assert agreeing >= 0.9 * len(synthetic)


def test_rows_are_modes_of_the_voters():
    X, y = make_nominal(seed=4)
    ours = SMOTEN(random_state=1)
    X_ours, _ = ours.fit_resample(X, y)
    prov = ours.provenance_
    synthetic = X_ours[len(X) :]
    assert prov.categorical_source.shape == synthetic.shape
    for j in range(X.shape[1]):
        assert (X[prov.categorical_source[:, j], j] == synthetic[:, j]).all()
    # Rows drawn from the same base are the same row.
    first = {}
    for b, row in zip(prov.base, map(tuple, synthetic), strict=True):
        assert first.setdefault(b, row) == row


@pytest.mark.parametrize(("knn", "kernel"), [("numpy", "numpy"), ("torch", "numpy"), ("numpy", "torch")])
def test_backends_agree(knn, kernel):
    X, y = make_nominal(seed=5, cards=(2, 3, 2, 2, 3))
    expected, _ = SMOTEN(random_state=2).fit_resample(X, y)
    got, _ = SMOTEN(random_state=2, knn_backend=knn, kernel_backend=kernel).fit_resample(X, y)
    assert (got == expected).all()


def test_faiss_is_refused():
    X, y = make_nominal(seed=6)
    with pytest.raises(ValueError, match="not Euclidean"):
        SMOTEN(knn_backend="faiss").fit_resample(X, y)


def test_torch_round_trip(device):
    X, y = make_nominal(seed=7)
    codes = torch.from_numpy(_codes(X) * 2.5 - 1).to(device=device, dtype=torch.float32)
    labels = torch.from_numpy(y).to(device)
    before = codes.clone()
    X_res, y_res = SMOTEN(random_state=0).fit_resample(codes, labels)
    assert X_res.device == codes.device and X_res.dtype == torch.float32 and y_res.device == labels.device
    assert torch.equal(codes, before) and torch.equal(X_res[: len(X)], codes)
    X_np, _ = SMOTEN(random_state=0).fit_resample(X, y)
    # The same rows, category by category (the tensor holds 2.5 * code - 1).
    assert_equal_verbose(((X_res[len(X) :].cpu() + 1) / 2.5).round().long(), _codes(X_np)[len(X) :])


def test_pandas_round_trip():
    X, y = make_nominal(seed=8)
    frame = pd.DataFrame(
        {
            "colour": pd.Categorical(X[:, 0], categories=["c", "a", "b"]),
            "size": X[:, 1],
            "n": _codes(X)[:, 2] * 10,
            "flag": _codes(X)[:, 3] % 2 == 0,
        }
    )
    original = frame.copy(deep=True)
    X_res, y_res = SMOTEN(random_state=0).fit_resample(frame, pd.Series(y))
    pd.testing.assert_frame_equal(frame, original)
    pd.testing.assert_frame_equal(X_res.iloc[: len(frame)], frame)
    assert X_res.dtypes.to_dict() == frame.dtypes.to_dict()
    X_imb, y_imb = imb.SMOTEN(random_state=0).fit_resample(frame, y)
    assert X_imb.dtypes.to_dict() == X_res.dtypes.to_dict()
    assert Counter(y_imb) == Counter(y_res)


def test_ties_go_to_the_smallest_category_in_the_encoders_order():
    # Class 1 has two rows that differ: with k=1 every vote is a tie between them.
    X = np.array([["x"], ["y"], ["x"], ["y"], ["x"], ["y"], ["x"], ["y"]], dtype=object)
    X = np.r_[X, [["x"], ["y"]]]
    y = np.array([0] * 8 + [1, 1])
    X_res, _ = SMOTEN(k_neighbors=1, random_state=0).fit_resample(X, y)
    assert (X_res[10:, 0] == "x").all()
    X_theirs, _ = imb.SMOTEN(k_neighbors=1, random_state=0).fit_resample(X, y)
    assert (X_theirs[10:, 0] == "x").all()
    reverse = OrdinalEncoder(categories=[["y", "x"]])
    sampler = SMOTEN(k_neighbors=1, random_state=0, categorical_encoder=reverse)
    X_rev, _ = sampler.fit_resample(X, y)
    assert (X_rev[10:, 0] == "y").all()
    assert sampler.categories_[0].tolist() == ["y", "x"]
    assert sampler.categorical_encoder_.categories_[0].tolist() == ["y", "x"]


def test_missing_values_are_a_category():
    X = np.array([0.0, 1.0, np.nan])[np.random.default_rng(0).integers(0, 3, size=(100, 1))]
    y = np.array([0] * 40 + [1] * 60)
    X_res, y_res = SMOTEN(random_state=0).fit_resample(X, y)
    assert X_res.dtype == np.float64 and np.isnan(X_res).any()
    assert Counter(y_res) == {0: 60, 1: 60}


def test_neighbors_object_matches_the_int_search_where_there_are_no_ties():
    rng = np.random.default_rng(9)
    X = rng.integers(0, 40, size=(160, 3)).astype(str).astype(object)
    y = np.repeat([0, 1], [100, 60])
    codes = _codes(X)
    proba = [torch.from_numpy(p) for p in vdm_probabilities_numpy(codes, y, codes.max(axis=0) + 1, 2)]
    pool = torch.from_numpy(codes[y == 1])
    ours = vdm_neighbors(pool, proba, 5, "torch").numpy()
    theirs = vdm_neighbors_from_estimator(NearestNeighbors(n_neighbors=6), pool, proba).numpy()
    dist = vdm_distances_numpy(pool.numpy(), pool.numpy(), [p.numpy() for p in proba])
    np.fill_diagonal(dist, np.inf)
    nearest = np.sort(dist, axis=1)[:, :6]
    tie_free = (np.diff(nearest, axis=1) > 0).all(axis=1)
    assert tie_free.mean() > 0.5
    assert_equal_verbose(theirs[tie_free], ours[tie_free], what="tie-free rows")
    X_res, y_res = SMOTEN(random_state=0, k_neighbors=NearestNeighbors(n_neighbors=6)).fit_resample(X, y)
    assert Counter(y_res) == {0: 100, 1: 100} and (X_res[:160] == X).all()


def test_errors():
    X, y = make_nominal(counts=(40, 5), seed=10)
    with pytest.raises(
        ValueError, match=r"class 1 has 5 row\(s\); SMOTEN with k_neighbors=5 needs at least 6"
    ):
        SMOTEN().fit_resample(X, y)
    with pytest.raises(ValueError, match="SMOTEN requires y"):
        SMOTEN().fit_resample(X, None)
    with pytest.raises(TypeError, match="sparse X is not supported"):
        import scipy.sparse

        SMOTEN().fit_resample(scipy.sparse.csr_matrix(np.ones((45, 2))), y)
