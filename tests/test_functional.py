"""``torchsmote.functional.smote``: tensors in, tensors out, and the estimator's rows exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import requires_triton
from utils import assert_close_verbose, assert_equal_verbose

from torchsmote import SMOTE
from torchsmote.functional import smote

TOL = {torch.float16: 2e-3, torch.bfloat16: 1.6e-2, torch.float32: 1e-6, torch.float64: 1e-12}


def make_data(counts=(30, 12, 9), d=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    X = rng.normal(size=(len(y), d)) + 3.0 * y[:, None]
    return X, y


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_same_dtype_and_device(dtype, device):
    X, _ = make_data()
    x = torch.from_numpy(X[:12]).to(dtype=dtype, device=device)
    before = x.clone()
    out = smote(x, 25, k_neighbors=3, seed=1)
    assert isinstance(out, torch.Tensor)
    assert out.shape == (25, 4) and out.dtype == dtype and out.device == x.device
    assert torch.equal(x, before), "input was modified"
    # Each row lies in the bounding box of the class rows (convex combinations).
    lo, hi = x.double().amin(dim=0), x.double().amax(dim=0)
    tol = TOL[dtype] * (1 + x.double().abs().amax())
    assert (out.double() >= lo - tol).all() and (out.double() <= hi + tol).all()


@pytest.mark.parametrize(
    "kernel_backend, knn_backend",
    [
        ("torch", "torch"),
        ("numpy", "numpy"),
        ("torch", "faiss"),
        pytest.param("triton", "torch", marks=requires_triton),
    ],
)
@pytest.mark.parametrize("random_state", [0, 12345])
def test_reproduces_estimator_rows_per_class(random_state, kernel_backend, knn_backend):
    X, y = make_data()
    labels = np.array(["ant", "bee", "cat"])[y]  # stream = position in np.unique(y)
    est = SMOTE(random_state=random_state, sampling_strategy="all", k_neighbors=4)
    X_res, y_res = est.fit_resample(X, labels)
    offset = len(y)
    for stream, label in enumerate(np.unique(labels)):
        count = est.sampling_strategy_[label]
        out = smote(
            torch.from_numpy(X[labels == label]),
            count,
            k_neighbors=4,
            seed=random_state,
            stream=stream,
            knn_backend=knn_backend,
            kernel_backend=kernel_backend,
        )
        assert (y_res[offset : offset + count] == label).all()
        assert_close_verbose(out, X_res[offset : offset + count], rtol=1e-12, atol=1e-12, what=str(label))
        offset += count
    assert offset == len(y_res)


def test_reproduces_estimator_rows_exactly_for_torch_input():
    X, y = make_data()
    Xt, yt = torch.from_numpy(X).float(), torch.from_numpy(y)
    est = SMOTE(random_state=9)
    X_res, _ = est.fit_resample(Xt, yt)
    n1 = est.sampling_strategy_[1]
    out = smote(Xt[yt == 1], n1, seed=9, stream=1)
    assert_equal_verbose(out, X_res[len(y) : len(y) + n1])


def test_stream_and_seed_change_the_rows():
    X, _ = make_data()
    x = torch.from_numpy(X[:15])
    a = smote(x, 20, seed=0, stream=0)
    assert torch.equal(a, smote(x, 20, seed=0, stream=0))
    assert not torch.equal(a, smote(x, 20, seed=0, stream=1))
    assert not torch.equal(a, smote(x, 20, seed=1, stream=0))


@pytest.mark.parametrize("chunk_size", [1, 5, None])
def test_prefix_and_chunk_independence(chunk_size):
    X, _ = make_data()
    x = torch.from_numpy(X[:15])
    full = smote(x, 30, seed=3, chunk_size=chunk_size)
    assert_equal_verbose(smote(x, 30, seed=3), full)
    assert_equal_verbose(smote(x, 11, seed=3, chunk_size=chunk_size), full[:11])


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_n_samples_zero(dtype):
    x = torch.randn(8, 3, dtype=torch.float64).to(dtype)
    out = smote(x, 0)
    assert out.shape == (0, 3) and out.dtype == dtype and out.device == x.device


def test_error_non_tensor():
    X, _ = make_data()
    with pytest.raises(TypeError, match=r"torch\.Tensor.*ndarray"):
        smote(X[:10], 5)
    with pytest.raises(TypeError, match=r"torch\.Tensor.*list"):
        smote(X[:10].tolist(), 5)


@pytest.mark.parametrize("n_samples", [-1, 2.0, True, "3"])
def test_error_bad_n_samples(n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        smote(torch.randn(8, 3), n_samples)


@pytest.mark.parametrize("k", [0, -2])
def test_error_bad_k(k):
    with pytest.raises(ValueError, match="k_neighbors"):
        smote(torch.randn(8, 3), 4, k_neighbors=k)


def test_error_k_too_large():
    with pytest.raises(ValueError, match=r"6 row\(s\); k_neighbors=6 needs at least 7"):
        smote(torch.randn(6, 3), 4, k_neighbors=6)


def test_error_nan_and_inf():
    x = torch.randn(10, 3)
    x[4, 1] = float("nan")
    before = x.clone()
    with pytest.raises(ValueError, match=r"x_minority has 1 NaN value\(s\), first at row 4, column 1"):
        smote(x, 5)
    assert torch.equal(torch.isnan(x), torch.isnan(before))
    x[4, 1] = float("inf")
    with pytest.raises(ValueError, match="infinite"):
        smote(x, 5)


def test_error_bad_shape_and_dtype():
    with pytest.raises(ValueError, match="2-D"):
        smote(torch.randn(10), 5)
    with pytest.raises(TypeError, match=r"torch\.int64"):
        smote(torch.ones(10, 3, dtype=torch.int64), 5)


def test_error_unknown_backends():
    with pytest.raises(ValueError, match="knn_backend"):
        smote(torch.randn(10, 3), 5, knn_backend="annoy")
    with pytest.raises(ValueError, match="kernel_backend"):
        smote(torch.randn(10, 3), 5, kernel_backend="cuda")
