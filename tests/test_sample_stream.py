"""Fit once, sample many: ``SMOTE.fit`` + ``sample`` / ``stream`` against ``fit_resample``."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import requires_cuda, requires_triton
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from torchsmote.kernels.counter_rng import stream_key
from torchsmote.kernels.interpolate_numpy import smote_rows_numpy
from torchsmote.kernels.knn_numpy import knn_self_numpy
from utils import assert_close_verbose, assert_equal_verbose

import torchsmote.over_sampling.smote as smote_module
from torchsmote import SMOTE
from torchsmote.training import ResampledDataset


def three_classes(seed: int = 0, d: int = 4, dtype=np.float32):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1, 2], [200, 37, 21])
    X = (rng.normal(size=(len(y), d)) + y[:, None]).astype(dtype)
    perm = rng.permutation(len(y))  # classes interleaved, as in real data
    return X[perm], y[perm]


@pytest.mark.parametrize("random_state", [0, 7, 2**32 - 1])
@pytest.mark.parametrize("container", ["numpy", "pandas", "torch", "list"])
def test_sample_equals_fit_resample_synthetic_part(random_state, container):
    X, y = three_classes(random_state % 97)
    n = len(y)
    if container == "pandas":
        X_in, y_in = pd.DataFrame(X, columns=list("abcd")), pd.Series(y, name="target")
    elif container == "torch":
        X_in, y_in = torch.from_numpy(X), torch.from_numpy(y)
    elif container == "list":
        X_in, y_in = X.tolist(), y.tolist()
    else:
        X_in, y_in = X, y
    X_res, y_res = SMOTE(random_state=random_state).fit_resample(X_in, y_in)
    sampler = SMOTE(random_state=random_state).fit(X_in, y_in)
    X_syn, y_syn = sampler.sample()
    assert type(X_syn) is type(X_res) and type(y_syn) is type(y_res)
    assert sampler.n_synthetic_ == len(y_res) - n
    if container == "pandas":
        pd.testing.assert_frame_equal(X_syn, X_res.iloc[n:].reset_index(drop=True))
        pd.testing.assert_series_equal(y_syn, y_res.iloc[n:].reset_index(drop=True))
    elif container == "list":
        assert X_syn == X_res[n:] and y_syn == y_res[n:]
    else:
        assert_equal_verbose(X_syn, X_res[n:], what="X_syn")
        assert_equal_verbose(y_syn, y_res[n:], what="y_syn")


@pytest.mark.parametrize("batch_size", [1, 7, 64, 217, 258, 1000])
def test_stream_concatenates_to_fit_resample(batch_size):
    X, y = three_classes(1)
    X_res, y_res = SMOTE(random_state=5).fit_resample(X, y)
    sampler = SMOTE(random_state=5).fit(X, y)
    batches = list(sampler.stream(batch_size))
    assert all(len(b[1]) == batch_size for b in batches[:-1]) and 1 <= len(batches[-1][1]) <= batch_size
    assert_equal_verbose(np.concatenate([b[0] for b in batches]), X_res[len(y) :], what="stream X")
    assert_equal_verbose(np.concatenate([b[1] for b in batches]), y_res[len(y) :], what="stream y")


def test_later_epochs_are_fresh_rows_with_the_same_counts():
    X, y = three_classes(2)
    sampler = SMOTE(random_state=11).fit(X, y)
    total = sampler.n_synthetic_
    X_all, y_all = sampler.sample(3 * total)
    epochs = [X_all[e * total : (e + 1) * total] for e in range(3)]
    for e in range(3):
        labels = y_all[e * total : (e + 1) * total]
        assert dict(zip(*np.unique(labels, return_counts=True), strict=True)) == sampler.sampling_strategy_
    # Fresh rows: no synthetic row of epoch 0 comes back in epochs 1 and 2.
    seen = {row.tobytes() for row in epochs[0]}
    assert sum(row.tobytes() in seen for row in np.concatenate(epochs[1:])) == 0
    # The stream continues: stream(start=total) is epoch 1.
    batches = list(sampler.stream(50, start=total))
    assert_equal_verbose(np.concatenate([b[0] for b in batches]), epochs[1], what="epoch 1")


def test_epoch_rows_follow_the_numpy_reference():
    """Row j of class c's epoch e is row e * count_c + j of the class's counter stream."""
    X, y = three_classes(3, d=3, dtype=np.float64)
    seed, k = 21, 4
    sampler = SMOTE(random_state=seed, k_neighbors=k).fit(X, y)
    total = sampler.n_synthetic_
    X_syn, y_syn = sampler.sample(2 * total)
    offset = 0
    for epoch in range(2):
        for position, label in enumerate(sampler.classes_):
            count = sampler.sampling_strategy_.get(label, 0)
            if count == 0:
                continue
            pool = X[y == label]
            expected = smote_rows_numpy(
                pool, knn_self_numpy(pool, k), stream_key(seed, position), epoch * count, count
            )
            assert_close_verbose(X_syn[offset : offset + count], expected, rtol=1e-12, atol=1e-12)
            assert (y_syn[offset : offset + count] == label).all()
            offset += count
    assert offset == 2 * total


@settings(max_examples=40, deadline=None)
@given(a=st.integers(0, 500), b=st.integers(0, 500))
def test_any_slice_equals_the_matching_part_of_a_longer_one(a, b):
    sampler = _fitted_three_classes()
    X_ab, y_ab = sampler.sample(a + b)
    X_b, y_b = sampler.sample(b, start=a)
    assert np.array_equal(X_ab[a:], X_b) and np.array_equal(y_ab[a:], y_b)


_FITTED = {}


def _fitted_three_classes():
    if "s" not in _FITTED:
        X, y = three_classes(4)
        _FITTED["s"] = SMOTE(random_state=3).fit(X, y)
    return _FITTED["s"]


def test_fit_computes_the_graphs_once(monkeypatch):
    calls = []
    original = smote_module.class_neighbors

    def counting(pool, k, backend):
        calls.append(len(pool))
        return original(pool, k, backend)

    monkeypatch.setattr(smote_module, "class_neighbors", counting)
    X, y = three_classes(5)
    sampler = SMOTE(random_state=0).fit(X, y)
    assert sorted(calls) == [21, 37]
    sampler.sample()
    list(sampler.stream(10, n=1000))
    sampler.sample(5, start=10**6)
    assert sorted(calls) == [21, 37]


@pytest.mark.parametrize("kernel_backend", ["numpy", pytest.param("triton", marks=requires_triton)])
def test_backends_give_the_torch_rows(kernel_backend):
    X, y = three_classes(6, d=33)
    torch_rows, _ = SMOTE(random_state=2, kernel_backend="torch").fit(X, y).sample(300, start=250)
    other, _ = SMOTE(random_state=2, kernel_backend=kernel_backend).fit(X, y).sample(300, start=250)
    assert_close_verbose(other, torch_rows, rtol=1e-6, atol=1e-6)


def test_balanced_data_samples_nothing():
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.repeat([0, 1], 10)
    sampler = SMOTE(random_state=0).fit(X, y)
    X_syn, y_syn = sampler.sample()
    assert X_syn.shape == (0, 2) and y_syn.shape == (0,)
    assert list(sampler.stream(4)) == []
    with pytest.raises(ValueError, match="no class is over-sampled"):
        sampler.sample(5)


def test_sampler_holds_no_reference_to_the_training_arrays():
    X, y = three_classes(7)
    ref_x, ref_y = weakref.ref(X), weakref.ref(y)
    sampler = SMOTE(random_state=0).fit(X, y)
    del X, y
    gc.collect()
    assert ref_x() is None and ref_y() is None
    assert sampler.sample(3)[0].shape == (3, 4)


def test_refit_replaces_the_stream():
    X, y = three_classes(8)
    sampler = SMOTE(random_state=0).fit(X, y)
    first = sampler.sample(10)[0]
    sampler.fit(X[:, :2], y)
    assert sampler.sample(10)[0].shape == (10, 2)
    sampler.set_params(random_state=1).fit(X, y)
    assert not np.array_equal(sampler.sample(10)[0], first)


def test_errors():
    with pytest.raises(NotFittedError):
        SMOTE().sample(3)
    with pytest.raises(NotFittedError):
        SMOTE().stream(3)
    sampler = _fitted_three_classes()
    for bad in (-1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="n must be an int >= 0"):
            sampler.sample(bad)
        with pytest.raises(ValueError, match="start must be an int >= 0"):
            sampler.sample(3, start=bad)
    for bad in (0, -2, 1.5, None):
        with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
            sampler.stream(bad)  # raised at the call, not at the first next()


def test_a_class_too_small_raises_when_rows_are_asked_for():
    """fit accepts it (as imbalanced-learn's fit does); every request for rows names the class."""
    X, y = three_classes(9)
    message = r"class 2 has 21 row\(s\); SMOTE with k_neighbors=21 needs at least 22"
    sampler = SMOTE(k_neighbors=21).fit(X, y)
    assert sampler.n_synthetic_ == 179 + 163
    with pytest.raises(ValueError, match=message):
        sampler.sample(0)
    with pytest.raises(ValueError, match=message):
        sampler.stream(10)
    with pytest.raises(ValueError, match=message):
        sampler.provenance_  # noqa: B018
    with pytest.raises(ValueError, match=message):
        SMOTE(k_neighbors=21).fit_resample(X, y)
    with pytest.raises(ValueError, match=message):
        ResampledDataset(X, y, SMOTE(k_neighbors=21), batch_size=10)
    # A later fit on data that can be sampled replaces the state.
    assert sampler.set_params(k_neighbors=5).fit(X, y).sample(3)[0].shape == (3, 4)


@requires_cuda
def test_cuda_sample_stays_on_the_device():
    X, y = three_classes(10)
    X_cuda, y_cuda = torch.from_numpy(X).cuda(), torch.from_numpy(y).cuda()
    X_res, y_res = SMOTE(random_state=4).fit_resample(X_cuda, y_cuda)
    sampler = SMOTE(random_state=4).fit(X_cuda, y_cuda)
    X_syn, y_syn = sampler.sample()
    assert X_syn.device == X_cuda.device and y_syn.device == y_cuda.device
    assert torch.equal(X_syn, X_res[len(y) :]) and torch.equal(y_syn, y_res[len(y) :])
    cpu_rows, _ = SMOTE(random_state=4, device="cpu").fit(X, y).sample()
    assert_close_verbose(X_syn, cpu_rows, rtol=1e-6, atol=1e-6)


def test_fit_resample_keeps_no_copy_of_the_rows():
    import pickle

    X, y = three_classes(11, d=64)
    sampler = SMOTE(random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert all(stream.pool is None for stream in sampler._streams.classes)
    # Indices and graphs only: (37 + 21) rows x (1 + 5) int64 + overhead, far below the 58 x 64 rows.
    assert len(pickle.dumps(sampler)) < 8_000
    with pytest.raises(NotFittedError, match=r"fitted by fit_resample.*call fit\(X, y\)"):
        sampler.sample(3)
    provenance = sampler.provenance_  # still available
    row = X[provenance.base] + provenance.gap[:, None] * (X[provenance.neighbor] - X[provenance.base])
    assert_close_verbose(X_res[len(y) :], row, rtol=1e-5, atol=1e-5)
    assert sampler.fit(X, y).sample(3)[0].shape == (3, 64)
