"""BatchOversampler: per-batch SMOTE rows follow the reference, reach the target share, never sync."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import requires_cuda, requires_triton
from sklearn.neighbors import NearestNeighbors
from torchsmote.kernels.interpolate_numpy import smote_rows_numpy
from torchsmote.kernels.knn_numpy import knn_self_numpy
from utils import assert_close_verbose

from torchsmote.training import BatchOversampler


def data(seed=0, d=4, dtype=np.float32, counts=(900, 70, 30)):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    X = (rng.normal(size=(len(y), d)) + 2 * y[:, None]).astype(dtype)
    return X, y


def split(out_x, out_y, batch_size):
    return out_x[:batch_size], out_y[:batch_size], out_x[batch_size:], out_y[batch_size:]


@pytest.mark.parametrize("d", [1, 3, 33])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kernel_backend", ["torch", "numba", "numpy", pytest.param("triton", marks=requires_triton)]
)
def test_synthetic_rows_equal_the_numpy_reference(d, dtype, kernel_backend):
    X, y = data(1, d, dtype)
    k, step, batch_size = 5, 17, 129
    sampler = BatchOversampler(X, y, target_ratio=0.2, k_neighbors=k, seed=3, kernel_backend=kernel_backend)
    xb, yb = torch.from_numpy(X[:batch_size]), torch.from_numpy(y[:batch_size])
    out_x, out_y = sampler(xb, yb, step)
    _, _, syn_x, syn_y = split(out_x, out_y, batch_size)
    offset = 0
    counts = sampler.counts_for(batch_size)
    assert len(counts) == 2 and all(count > 0 for count in counts.values())
    for label, count in counts.items():
        pool = X[y == label]
        expected = smote_rows_numpy(
            pool, knn_self_numpy(pool, k), sampler.step_key(step, int(label)), 0, count
        )
        tolerance = 1e-12 if dtype == np.float64 else 1e-6
        assert_close_verbose(syn_x[offset : offset + count], expected, rtol=tolerance, atol=tolerance)
        assert (syn_y[offset : offset + count] == label).all()
        offset += count
    assert offset == len(syn_y)


def test_rows_lie_on_segments_between_same_class_neighbours():
    """Independent of our draws: each row is x_i + g (x_j - x_i), j among i's 5 nearest, g in [0, 1)."""
    X, y = data(2, d=3, dtype=np.float64)
    sampler = BatchOversampler(X, y, target_ratio=0.3, k_neighbors=5, seed=1)
    out_x, out_y = sampler(torch.from_numpy(X[:200]), torch.from_numpy(y[:200]), step=4)
    _, _, syn_x, syn_y = split(out_x.numpy(), out_y.numpy(), 200)
    for label in (1, 2):
        pool = X[y == label]
        neighbours = NearestNeighbors(n_neighbors=6, algorithm="brute").fit(pool).kneighbors(pool)[1][:, 1:]
        starts = np.repeat(pool, 5, axis=0)
        directions = pool[neighbours.reshape(-1)] - starts
        assert (syn_y == label).sum() > 0
        for row in syn_x[syn_y == label]:
            offset = row - starts
            gap = (offset * directions).sum(1) / (directions * directions).sum(1)
            residual = np.linalg.norm(offset - gap[:, None] * directions, axis=1)
            on_segment = (residual < 1e-9) & (gap >= -1e-12) & (gap < 1)
            assert on_segment.any(), row


def test_batch_rows_come_first_unchanged_and_inputs_are_not_modified():
    X, y = data(3)
    X_before, y_before = X.copy(), y.copy()
    sampler = BatchOversampler(X, y, target_ratio=0.25)
    xb, yb = torch.from_numpy(X[100:164]).clone(), torch.from_numpy(y[100:164]).clone()
    xb_before, yb_before = xb.clone(), yb.clone()
    out_x, out_y = sampler(xb, yb, 0)
    assert torch.equal(out_x[:64], xb_before) and torch.equal(out_y[:64], yb_before)
    assert torch.equal(xb, xb_before) and torch.equal(yb, yb_before)
    assert np.array_equal(X, X_before) and np.array_equal(y, y_before)


def test_deterministic_per_seed_and_step():
    X, y = data(4)
    a = BatchOversampler(X, y, target_ratio=0.25, seed=7)
    b = BatchOversampler(X, y, target_ratio=0.25, seed=7)
    c = BatchOversampler(X, y, target_ratio=0.25, seed=8)
    xb, yb = torch.from_numpy(X[:64]), torch.from_numpy(y[:64])
    assert torch.equal(a(xb, yb, 5)[0], b(xb, yb, 5)[0])
    assert torch.equal(a(xb, yb, 5)[0], a(xb, yb, 5)[0])
    assert not torch.equal(a(xb, yb, 5)[0], a(xb, yb, 6)[0])
    assert not torch.equal(a(xb, yb, 5)[0], c(xb, yb, 5)[0])


@pytest.mark.parametrize("target", [0.45, 0.3, {1: 0.5}, {1: 0.3, 2: 0.2}])
def test_exact_mode_reaches_the_target_in_every_batch(target):
    X, y = data(5)
    sampler = BatchOversampler(X, y, target_ratio=target, exact=True, seed=2)
    rng = np.random.default_rng(0)
    for step in range(30):
        size = int(rng.integers(1, 300))
        rows = rng.choice(len(y), size, replace=False)
        out_x, out_y = sampler(torch.from_numpy(X[rows]), torch.from_numpy(y[rows]), step)
        assert out_x.shape == (len(out_y), X.shape[1])
        for label, share in sampler.target_ratio_.items():
            have = int((out_y == label).sum())
            before = int((torch.from_numpy(y[rows]) == label).sum())
            if before <= share * size:  # below target: topped up to within rounding
                assert abs(have / len(out_y) - share) <= 1.5 / len(out_y) + 1e-12, (step, label)


def test_default_mode_reaches_the_target_on_average():
    X, y = data(6)
    sampler = BatchOversampler(X, y, target_ratio=0.3, seed=3)
    counts = sampler.counts_for(256)
    assert counts == {
        1: round(0.3 * (256 + 256 * (0.6 - 0.1) / 0.4) - 256 * 0.07),
        2: round(0.3 * (256 + 256 * (0.6 - 0.1) / 0.4) - 256 * 0.03),
    }
    rng = np.random.default_rng(1)
    shares = {1: [], 2: []}
    for step in range(200):
        rows = rng.choice(len(y), 256, replace=False)
        _, out_y = sampler(torch.from_numpy(X[rows]), torch.from_numpy(y[rows]), step)
        assert len(out_y) == 256 + sum(counts.values())  # the size depends only on the batch size
        for label in shares:
            shares[label].append(float((out_y == label).float().mean()))
    for label in shares:
        assert abs(np.mean(shares[label]) - 0.3) < 0.005, (label, np.mean(shares[label]))


def test_a_class_above_its_target_gets_no_rows_and_the_others_still_reach_theirs():
    X, y = data(7, counts=(300, 600, 100))
    sampler = BatchOversampler(X, y, target_ratio={1: 0.3, 2: 0.3}, seed=0)
    counts = sampler.counts_for(100)  # expects 30 / 60 / 10 rows of classes 0 / 1 / 2
    assert counts[1] == 0
    # Class 2 needs m with (10 + m) / (100 + m) = 0.3: m = 28.6 -> 29.
    assert counts[2] == 29
    # exact=True: a batch of 40 rows of class 0 and 60 of class 1, none of class 2.
    exact = BatchOversampler(X, y, target_ratio={1: 0.3, 2: 0.3}, exact=True, seed=0)
    rows = np.r_[np.flatnonzero(y == 0)[:40], np.flatnonzero(y == 1)[:60]]
    _, out_y = exact(torch.from_numpy(X[rows]), torch.from_numpy(y[rows]), 0)
    assert int((out_y == 1).sum()) == 60 and int((out_y == 2).sum()) == 43  # 43 / 143 = 0.301
    assert len(out_y) == 143


@pytest.mark.parametrize("label_dtype", [torch.bool, torch.uint8, torch.int32, torch.int64])
def test_label_dtypes(label_dtype):
    X, y = data(12, counts=(400, 60))
    y_t = torch.from_numpy(y).to(label_dtype)
    for exact in (False, True):
        sampler = BatchOversampler(torch.from_numpy(X), y_t, target_ratio=0.4, exact=exact)
        out_x, out_y = sampler(torch.from_numpy(X[:50]), y_t[:50], 0)
        assert out_y.dtype == label_dtype and out_x.shape[0] == len(out_y) > 50
        minority = torch.ones((), dtype=label_dtype)  # class 1 (True for bool labels)
        assert (out_y[50:] == minority).all() and (out_y[:50] == y_t[:50]).all()


def test_numpy_integer_step_and_float_ratio():
    X, y = data(13)
    sampler = BatchOversampler(X, y, target_ratio=np.float32(0.3), seed=np.int64(2))
    xb, yb = torch.from_numpy(X[:64]), torch.from_numpy(y[:64])
    assert torch.equal(sampler(xb, yb, np.int64(7))[0], sampler(xb, yb, 7)[0])


def test_no_host_sync_when_labels_are_not_checked(monkeypatch):
    """A CPU proxy for the CUDA rule: no Python-level read of tensor values during a call.

    The kernel is pinned to 'torch', the code a CUDA call runs ('numba' is CPU
    only and hands its tensors to numba as numpy views, which is no sync there).
    """
    X, y = data(8)
    sampler = BatchOversampler(X, y, target_ratio=0.3, check_labels=False, kernel_backend="torch")
    xb, yb = torch.from_numpy(X[:128]), torch.from_numpy(y[:128])

    def forbidden(*args, **kwargs):
        raise AssertionError("the call read a tensor value on the host")

    for name in (
        "item",
        "tolist",
        "__bool__",
        "__int__",
        "__float__",
        "__index__",
        "nonzero",
        "numpy",
        "cpu",
    ):
        monkeypatch.setattr(torch.Tensor, name, forbidden)
    out_x, _ = sampler(xb, yb, 3)
    monkeypatch.undo()
    assert out_x.shape[0] > 128


def test_works_under_no_grad_and_passes_gradients_to_the_batch():
    X, y = data(9)
    sampler = BatchOversampler(X, y, target_ratio=0.3)
    xb = torch.from_numpy(X[:32]).clone().requires_grad_(True)
    out_x, _ = sampler(xb, torch.from_numpy(y[:32]), 0)
    out_x.sum().backward()
    assert torch.equal(xb.grad, torch.ones_like(xb))
    with torch.no_grad():
        out_x, _ = sampler(xb, torch.from_numpy(y[:32]), 0)
    assert not out_x.requires_grad


def test_errors():
    X, y = data(10)
    for bad in (0, 1, 1.5, -0.1, True, "0.5"):
        with pytest.raises((ValueError, TypeError), match="target_ratio"):
            BatchOversampler(X, y, target_ratio=bad)
    with pytest.raises(ValueError, match=r"add up to 1\.1"):
        BatchOversampler(X, y, target_ratio={1: 0.6, 2: 0.5})
    with pytest.raises(ValueError, match=r"applies to each of the 2 classes other than the majority \(0\)"):
        BatchOversampler(X, y, target_ratio=0.5)
    with pytest.raises(ValueError, match=r"names class\(es\) \[7\] not in y"):
        BatchOversampler(X, y, target_ratio={7: 0.3})
    with pytest.raises(ValueError, match=r"class 2 has 30 row\(s\); k_neighbors=30 needs at least 31"):
        BatchOversampler(X, y, target_ratio=0.2, k_neighbors=30)
    with pytest.raises(ValueError, match="single class"):
        BatchOversampler(X, np.zeros(len(y), dtype=int), target_ratio=0.2)
    sampler = BatchOversampler(X, y, target_ratio=0.2)
    xb, yb = torch.from_numpy(X[:16]), torch.from_numpy(y[:16])
    with pytest.raises(ValueError, match="batch is empty"):
        sampler(xb[:0], yb[:0], 0)
    unseen = yb.clone()
    unseen[3] = 5
    with pytest.raises(ValueError, match=r"label\(s\) \[5\] never seen"):
        sampler(xb, unseen, 0)
    with pytest.raises(ValueError, match="index is on cpu, but the batch is on x: meta"):
        sampler(xb.to("meta"), yb.to("meta"), 0)
    with pytest.raises(ValueError, match=r"dtype torch\.float64"):
        sampler(xb.double(), yb, 0)
    with pytest.raises(ValueError, match=r"shape \(B, 4\)"):
        sampler(xb[:, :3], yb, 0)
    with pytest.raises(ValueError, match=r"y must have shape \(16,\)"):
        sampler(xb, yb[:5], 0)
    with pytest.raises(ValueError, match="step must be an int >= 0"):
        sampler(xb, yb, -1)
    with pytest.raises(TypeError, match="torch tensors"):
        sampler(X[:16], y[:16], 0)


@requires_cuda
def test_cuda_call_never_syncs_and_matches_the_cpu_rows():
    X, y = data(11)
    cpu = BatchOversampler(X, y, target_ratio=0.3, seed=4)
    gpu = BatchOversampler(torch.from_numpy(X).cuda(), torch.from_numpy(y).cuda(), target_ratio=0.3, seed=4)
    xb, yb = torch.from_numpy(X[:256]), torch.from_numpy(y[:256])
    xg, yg = xb.cuda(), yb.cuda()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        out_g = gpu(xg, yg, 9)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    out_c = cpu(xb, yb, 9)
    assert torch.equal(out_g[1].cpu(), out_c[1])
    torch.testing.assert_close(out_g[0].cpu(), out_c[0], rtol=1e-6, atol=1e-6)
