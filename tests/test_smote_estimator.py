"""``torchsmote.SMOTE``: counts, provenance, determinism, backends, dtypes and sklearn integration."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import requires_triton
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import NearestNeighbors
from utils import assert_close_verbose, assert_equal_verbose

from torchsmote import SMOTE

KERNEL_BACKENDS = ["numpy", "torch", "numba", pytest.param("triton", marks=requires_triton)]
KNN_BACKENDS = ["numpy", "faiss", "torch"]


def make_data(counts=(30, 12, 8), d=4, seed=0, dtype=np.float64, labels=None):
    """Shuffled Gaussian blobs, one per class, so class rows interleave in X."""
    rng = np.random.default_rng(seed)
    labels = np.arange(len(counts)) if labels is None else np.asarray(labels)
    y = np.repeat(labels, counts)
    X = rng.normal(size=(len(y), d)) + 3.0 * np.repeat(np.arange(len(counts)), counts)[:, None]
    perm = rng.permutation(len(y))
    return X[perm].astype(dtype), y[perm]


def check_provenance(X, y, X_res, y_res, est, *, k, rtol=1e-12, atol=1e-12):
    """Every synthetic row lies on its segment, between same-class rows that are k-NN pairs."""
    X64 = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    n = len(y)
    prov = est.provenance_
    n_syn = len(X_res) - n
    assert prov.base.shape == prov.neighbor.shape == prov.gap.shape == (n_syn,)
    assert ((prov.gap >= 0) & (prov.gap < 1)).all()
    assert (prov.neighbor != prov.base).all(), "a row was used as its own neighbour"
    labels = np.asarray(y_res)[n:]
    assert_equal_verbose(y[prov.base], labels, what="class of base rows")
    assert_equal_verbose(y[prov.neighbor], labels, what="class of neighbour rows")
    expected = X64[prov.base] + prov.gap[:, None] * (X64[prov.neighbor] - X64[prov.base])
    assert_close_verbose(np.asarray(X_res, dtype=np.float64)[n:], expected, rtol=rtol, atol=atol, what="rows")
    # The neighbour is among the base's k nearest same-class rows (self excluded by
    # index), up to ties: its distance is at most the k-th smallest distance.
    for label in np.unique(labels):
        rows = np.flatnonzero(y == label)
        local = {r: i for i, r in enumerate(rows)}
        nn = NearestNeighbors(n_neighbors=len(rows) - 1, algorithm="brute").fit(X64[rows])
        dist, _ = nn.kneighbors()  # X=None: each row is excluded from its own neighbours
        kth = dist[:, k - 1]
        mine = labels == label
        b = np.array([local[r] for r in prov.base[mine]])
        d_nb = np.linalg.norm(X64[prov.neighbor[mine]] - X64[prov.base[mine]], axis=1)
        too_far = d_nb > kth[b] * (1 + 1e-9) + 1e-12
        assert not too_far.any(), f"class {label}: {int(too_far.sum())} neighbours beyond the k-th nearest"


# ----------------------------------------------------------------------------- counts


STRATEGIES_MULTICLASS = [
    "auto",
    "minority",
    "not minority",
    "not majority",
    "all",
    {1: 20, 2: 41},
    {0: 30, 2: 9},
    lambda y: {1: int((y == 1).sum()) + 5},
]


@pytest.mark.parametrize("strategy", STRATEGIES_MULTICLASS, ids=lambda s: repr(s)[:20])
def test_counts_match_sampling_strategy_multiclass(strategy):
    X, y = make_data()
    est = SMOTE(sampling_strategy=strategy, random_state=0, k_neighbors=3)
    X_res, y_res = est.fit_resample(X, y)
    _check_counts(X, y, X_res, y_res, est)


@pytest.mark.parametrize("strategy", [0.5, 0.8, 1.0, "auto", "minority", {1: 13}])
def test_counts_match_sampling_strategy_binary(strategy):
    X, y = make_data(counts=(25, 10))
    est = SMOTE(sampling_strategy=strategy, random_state=0)
    X_res, y_res = est.fit_resample(X, y)
    _check_counts(X, y, X_res, y_res, est)


def _check_counts(X, y, X_res, y_res, est):
    n = len(y)
    total = sum(est.sampling_strategy_.values())
    assert X_res.shape == (n + total, X.shape[1])
    assert y_res.shape == (n + total,)
    before, after = Counter(y.tolist()), Counter(y_res.tolist())
    for label in before:
        assert after[label] == before[label] + est.sampling_strategy_.get(label, 0)
    # Synthetic rows come class by class in sorted class order.
    expected_labels = np.concatenate(
        [np.full(c, label) for label, c in sorted(est.sampling_strategy_.items())] + [np.empty(0, int)]
    )
    assert_equal_verbose(y_res[n:], expected_labels, what="synthetic labels")
    assert len(est.provenance_.base) == total


def test_sampling_strategy_is_rows_generated_per_class():
    X, y = make_data()
    est = SMOTE(random_state=0).fit(X, y)
    assert est.sampling_strategy_ == {1: 18, 2: 22}
    assert_equal_verbose(est.classes_, np.array([0, 1, 2]))
    assert est.n_features_in_ == 4


# ----------------------------------------------------------------------------- originals and inputs


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_original_rows_unchanged_bit_for_bit(dtype):
    X, y = make_data(dtype=dtype)
    X[0, 0] = -0.0  # the sign of zero must survive too
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    n = len(y)
    assert X_res.dtype == dtype
    assert np.array_equal(X_res[:n], X)
    assert np.array_equal(X_res[:n].view(np.uint8), X.view(np.uint8)), "bit patterns differ"
    assert np.array_equal(y_res[:n], y)


def test_original_rows_unchanged_non_contiguous_input():
    X, y = make_data(d=8)
    X_view = X[:, ::2]  # strided view
    X_res, _ = SMOTE(random_state=0).fit_resample(X_view, y)
    assert np.array_equal(X_res[: len(y)], X_view)


def test_inputs_not_modified_numpy():
    X, y = make_data()
    X_copy, y_copy = X.copy(), y.copy()
    X.setflags(write=False)  # any write attempt would raise
    y.setflags(write=False)
    SMOTE(random_state=0).fit_resample(X, y)
    assert np.array_equal(X, X_copy) and np.array_equal(y, y_copy)


def test_inputs_not_modified_pandas():
    X, y = make_data()
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["i"] = np.arange(len(y))
    series = pd.Series(y, name="target")
    frame_copy, series_copy = frame.copy(deep=True), series.copy(deep=True)
    SMOTE(random_state=0).fit_resample(frame, series)
    pd.testing.assert_frame_equal(frame, frame_copy)
    pd.testing.assert_series_equal(series, series_copy)


def test_inputs_not_modified_torch():
    X, y = make_data()
    Xt, yt = torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y)
    Xt_copy, yt_copy = Xt.clone(), yt.clone()
    X_res, _ = SMOTE(random_state=0).fit_resample(Xt, yt)
    assert torch.equal(Xt, Xt_copy) and torch.equal(yt, yt_copy)
    assert X_res.data_ptr() != Xt.data_ptr()
    assert torch.equal(X_res[: len(y)], Xt)


# ----------------------------------------------------------------------------- determinism


def test_same_random_state_same_output_different_state_different_output():
    X, y = make_data()
    a, ya = SMOTE(random_state=7).fit_resample(X, y)
    b, yb = SMOTE(random_state=7).fit_resample(X, y)
    c, _ = SMOTE(random_state=8).fit_resample(X, y)
    assert_equal_verbose(a, b)
    assert_equal_verbose(ya, yb)
    assert not np.array_equal(a, c)


def test_refit_same_estimator_is_deterministic():
    X, y = make_data()
    est = SMOTE(random_state=3)
    a, _ = est.fit_resample(X, y)
    prov_a = est.provenance_
    b, _ = est.fit_resample(X, y)
    assert_equal_verbose(a, b)
    assert_equal_verbose(prov_a.base, est.provenance_.base)


def test_random_state_none_and_randomstate_objects():
    X, y = make_data()
    a, _ = SMOTE(random_state=None).fit_resample(X, y)
    b, _ = SMOTE(random_state=None).fit_resample(X, y)
    assert not np.array_equal(a, b), "random_state=None gave identical runs"
    c, _ = SMOTE(random_state=np.random.RandomState(5)).fit_resample(X, y)
    d, _ = SMOTE(random_state=np.random.RandomState(5)).fit_resample(X, y)
    assert_equal_verbose(c, d)


@pytest.mark.parametrize("kernel_backend", ["numpy", "torch", "numba"])
def test_output_independent_of_chunk_size(kernel_backend):
    X, y = make_data()
    runs = []
    for chunk_size in (1, 7, None, 10**6):
        est = SMOTE(random_state=1, chunk_size=chunk_size, kernel_backend=kernel_backend)
        X_res, y_res = est.fit_resample(X, y)
        runs.append((X_res, y_res, est.provenance_))
    for X_res, y_res, prov in runs[1:]:
        assert_equal_verbose(X_res, runs[0][0], what="rows")
        assert_equal_verbose(y_res, runs[0][1], what="labels")
        assert_equal_verbose(prov.base, runs[0][2].base, what="base")
        assert_equal_verbose(prov.neighbor, runs[0][2].neighbor, what="neighbor")
        assert_equal_verbose(prov.gap, runs[0][2].gap, what="gap")


@pytest.mark.parametrize("knn_backend", KNN_BACKENDS)
@pytest.mark.parametrize("kernel_backend", KERNEL_BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backends_make_identical_draws(kernel_backend, knn_backend, dtype):
    X, y = make_data(counts=(20, 9, 7), d=3, dtype=dtype)
    ref = SMOTE(random_state=4, kernel_backend="numpy", knn_backend="numpy")
    X_ref, y_ref = ref.fit_resample(X, y)
    est = SMOTE(random_state=4, kernel_backend=kernel_backend, knn_backend=knn_backend)
    X_res, y_res = est.fit_resample(X, y)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert X_res.dtype == dtype
    assert_close_verbose(X_res, X_ref, rtol=tol, atol=tol, what=f"{kernel_backend}/{knn_backend} rows")
    assert_equal_verbose(y_res, y_ref)
    for field in ("base", "neighbor", "gap"):
        assert_equal_verbose(getattr(est.provenance_, field), getattr(ref.provenance_, field), what=field)


# ----------------------------------------------------------------------------- provenance


@pytest.mark.parametrize("k", [1, 3, 5])
def test_provenance_consistency(k):
    X, y = make_data(counts=(40, 15, 11, 9), d=3, seed=2)
    est = SMOTE(random_state=0, k_neighbors=k, sampling_strategy="all")
    X_res, y_res = est.fit_resample(X, y)
    check_provenance(X, y, X_res, y_res, est, k=k)


def test_provenance_empty_when_nothing_generated():
    X, y = make_data(counts=(10, 10))
    est = SMOTE(random_state=0)
    X_res, _ = est.fit_resample(X, y)
    assert X_res.shape == X.shape
    assert est.provenance_.base.shape == (0,)
    assert est.provenance_.base.dtype == np.int64


def test_provenance_before_fit_is_attribute_error():
    with pytest.raises(AttributeError, match="fit_resample"):
        _ = SMOTE().provenance_


@pytest.mark.parametrize("knn_backend", KNN_BACKENDS)
def test_duplicates_never_pair_a_row_with_itself(knn_backend):
    rng = np.random.default_rng(3)
    minority = rng.normal(size=(6, 2))
    # Every minority row appears 2-3 times: self and its copies are all at distance 0.
    minority = np.vstack([minority, minority, minority[:3]])
    majority = rng.normal(size=(40, 2)) + 10
    X = np.vstack([majority, minority])
    y = np.r_[np.zeros(40, int), np.ones(len(minority), int)]
    perm = rng.permutation(len(y))
    X, y = X[perm], y[perm]
    est = SMOTE(random_state=0, k_neighbors=3, knn_backend=knn_backend)
    X_res, y_res = est.fit_resample(X, y)
    assert (est.provenance_.neighbor != est.provenance_.base).all()
    check_provenance(X, y, X_res, y_res, est, k=3)


# ----------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_numpy_dtype_preserved(dtype):
    X, y = make_data(dtype=dtype)
    est = SMOTE(random_state=0)
    X_res, _ = est.fit_resample(X, y)
    assert X_res.dtype == dtype
    tol = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-12}[dtype]
    prov = est.provenance_
    X64 = X.astype(np.float64)
    expected = X64[prov.base] + prov.gap[:, None] * (X64[prov.neighbor] - X64[prov.base])
    assert_close_verbose(X_res[len(y) :], expected, rtol=tol, atol=tol)


TORCH_TOL = {torch.float16: 2e-3, torch.bfloat16: 1.6e-2, torch.float32: 1e-6, torch.float64: 1e-12}


@pytest.mark.parametrize("kernel_backend", ["torch", pytest.param("triton", marks=requires_triton)])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_torch_dtype_preserved(dtype, kernel_backend, device):
    X, y = make_data(counts=(16, 7), d=3)
    Xt = torch.from_numpy(X).to(dtype=dtype, device=device)
    est = SMOTE(random_state=0, kernel_backend=kernel_backend)
    X_res, y_res = est.fit_resample(Xt, torch.from_numpy(y).to(device))
    assert X_res.dtype == dtype and X_res.device == Xt.device
    assert y_res.device == Xt.device
    assert torch.equal(X_res[: len(y)], Xt)
    prov = est.provenance_
    X64 = Xt.double().cpu().numpy()
    expected = X64[prov.base] + prov.gap[:, None] * (X64[prov.neighbor] - X64[prov.base])
    tol = TORCH_TOL[dtype]
    assert_close_verbose(X_res[len(y) :], expected, rtol=tol, atol=tol)


# ----------------------------------------------------------------------------- awkward sizes


@pytest.mark.parametrize("kernel_backend", KERNEL_BACKENDS)
@pytest.mark.parametrize(
    "counts, d, k, strategy",
    [
        ((20, 6), 3, 5, "auto"),  # minority of exactly k + 1 rows
        ((20, 8), 1, 5, "auto"),  # one feature
        ((20, 8), 33, 5, "auto"),  # d just past a power of two
        ((20, 8), 4, 5, {1: 9}),  # a single synthetic row
        ((20, 2), 2, 1, "auto"),  # k = 1, two rows: each is the other's only neighbour
    ],
    ids=["minority_k_plus_1", "d1", "d33", "one_synthetic_row", "k1_two_rows"],
)
def test_awkward_sizes(counts, d, k, strategy, kernel_backend):
    X, y = make_data(counts=counts, d=d, seed=5)
    est = SMOTE(random_state=0, k_neighbors=k, sampling_strategy=strategy, kernel_backend=kernel_backend)
    X_res, y_res = est.fit_resample(X, y)
    n_new = sum(est.sampling_strategy_.values())
    assert X_res.shape == (len(y) + n_new, d)
    if strategy == {1: 9}:
        assert n_new == 1
    check_provenance(X, y, X_res, y_res, est, k=k)
    X_ref, _ = SMOTE(random_state=0, k_neighbors=k, sampling_strategy=strategy).fit_resample(X, y)
    assert_close_verbose(X_res, X_ref, rtol=1e-12, atol=1e-12)


def test_minority_of_exactly_k_plus_1_uses_every_other_row():
    X, y = make_data(counts=(30, 6), d=2)
    est = SMOTE(random_state=0, k_neighbors=5)
    est.fit_resample(X, y)
    prov = est.provenance_
    minority = set(np.flatnonzero(y == 1).tolist())
    for b, nb in zip(prov.base, prov.neighbor, strict=True):
        assert nb in minority - {b}


# ----------------------------------------------------------------------------- k_neighbors object


def test_k_neighbors_as_nearest_neighbors_object_matches_int():
    X, y = make_data()
    a = SMOTE(random_state=0, k_neighbors=5)
    X_a, y_a = a.fit_resample(X, y)
    b = SMOTE(random_state=0, k_neighbors=NearestNeighbors(n_neighbors=6))
    X_b, y_b = b.fit_resample(X, y)
    assert_equal_verbose(X_b, X_a)
    assert_equal_verbose(y_b, y_a)
    assert_equal_verbose(b.provenance_.neighbor, a.provenance_.neighbor)
    check_provenance(X, y, X_b, y_b, b, k=5)


# ----------------------------------------------------------------------------- sklearn integration


def test_clone_keeps_params_and_result():
    est = SMOTE(random_state=2, k_neighbors=NearestNeighbors(n_neighbors=4), sampling_strategy="all")
    twin = clone(est)
    assert twin is not est
    assert twin.get_params()["random_state"] == 2
    assert twin.get_params()["sampling_strategy"] == "all"
    X, y = make_data()
    assert_equal_verbose(twin.fit_resample(X, y)[0], est.fit_resample(X, y)[0])


def test_in_imblearn_pipeline_with_logistic_regression():
    pipeline_mod = pytest.importorskip("imblearn.pipeline")
    X, y = make_data(counts=(60, 15))
    pipe = pipeline_mod.Pipeline(
        [("smote", SMOTE(random_state=0)), ("clf", LogisticRegression(max_iter=200))]
    )
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert pipe.named_steps["smote"].sampling_strategy_ == {1: 45}


def test_grid_search_over_k_neighbors():
    pipeline_mod = pytest.importorskip("imblearn.pipeline")
    X, y = make_data(counts=(60, 24))
    pipe = pipeline_mod.Pipeline(
        [("smote", SMOTE(random_state=0)), ("clf", LogisticRegression(max_iter=200))]
    )
    search = GridSearchCV(pipe, {"smote__k_neighbors": [1, 3, 5]}, cv=3, scoring="balanced_accuracy")
    search.fit(X, y)
    assert search.best_params_["smote__k_neighbors"] in (1, 3, 5)
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


# ----------------------------------------------------------------------------- properties


@st.composite
def small_problems(draw):
    k = draw(st.integers(1, 4))
    n_classes = draw(st.integers(2, 3))
    counts = [draw(st.integers(k + 1, 12)) for _ in range(n_classes)]
    d = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    # Small integer grid on some draws: exact ties and duplicate rows.
    if draw(st.booleans()):
        X = rng.integers(-2, 3, size=(sum(counts), d)).astype(np.float64)
    else:
        X = rng.normal(size=(sum(counts), d))
    y = rng.permutation(np.repeat(np.arange(n_classes), counts))
    strategy = draw(st.sampled_from(["auto", "all", "not minority"]))
    return X, y, k, strategy, seed


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_problems(), knn_backend=st.sampled_from(KNN_BACKENDS))
def test_property_random_small_datasets(problem, knn_backend):
    X, y, k, strategy, seed = problem
    X_before, y_before = X.copy(), y.copy()
    est = SMOTE(random_state=seed, k_neighbors=k, sampling_strategy=strategy, knn_backend=knn_backend)
    X_res, y_res = est.fit_resample(X, y)
    assert np.array_equal(X, X_before) and np.array_equal(y, y_before)
    n = len(y)
    assert np.array_equal(X_res[:n], X) and np.array_equal(y_res[:n], y)
    counts = Counter(y.tolist())
    assert Counter(y_res.tolist()) == Counter(
        {c: counts[c] + est.sampling_strategy_.get(c, 0) for c in counts}
    )
    check_provenance(X, y, X_res, y_res, est, k=k)


def test_numpy_knn_backend_accepts_bfloat16_tensors():
    """The float64 reference k-NN takes every torch dtype (numpy has no bfloat16)."""
    x = torch.randn(40, 3, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    y = torch.tensor([0] * 30 + [1] * 10)
    ref, _ = SMOTE(random_state=0, knn_backend="numpy").fit_resample(x, y)
    fast, _ = SMOTE(random_state=0, knn_backend="torch").fit_resample(x, y)
    assert ref.dtype == torch.bfloat16
    assert torch.equal(ref, fast)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64], ids=str)
def test_numba_kernel_backend_equals_torch_for_every_dtype(dtype):
    """kernel_backend='numba' runs float32/float64 itself and hands 16-bit rows to the torch kernel."""
    X, y = make_data(counts=(40, 9), d=5)
    Xt, yt = torch.from_numpy(X).to(dtype), torch.from_numpy(y)
    numba_rows, _ = SMOTE(random_state=3, kernel_backend="numba").fit_resample(Xt, yt)
    torch_rows, _ = SMOTE(random_state=3, kernel_backend="torch").fit_resample(Xt, yt)
    assert numba_rows.dtype == dtype
    assert_equal_verbose(numba_rows.float(), torch_rows.float(), what=f"numba vs torch {dtype}")
