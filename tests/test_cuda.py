"""CUDA-only checks (skipped without a GPU): the real compiled Triton kernel,
numpy data computed on the GPU, and exact k-NN with TF32 switched on."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import requires_cuda, requires_triton
from torchsmote.kernels.counter_rng import stream_key
from torchsmote.kernels.interpolate_numpy import smote_rows_numpy
from torchsmote.kernels.interpolate_triton import LAYOUTS, block_sizes, smote_rows_triton
from torchsmote.kernels.knn_faiss import faiss_device_problem, knn_self_faiss
from torchsmote.kernels.knn_numpy import knn_self_numpy
from torchsmote.kernels.knn_torch import knn_self_torch
from utils import assert_close_verbose, assert_equal_verbose

from torchsmote import SMOTE

pytestmark = requires_cuda


@requires_triton
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("d", [1, 3, 16, 20, 33, 128])
# Two dtypes here (each case is a compile, ~1-2 s on the GPU machine, whose test time is
# capped); bench/gpu_check.py checks both layouts in all four dtypes.
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_compiled_triton_matches_reference(d, dtype, layout):
    gen = torch.Generator().manual_seed(d)
    pool = torch.randn(257, d, generator=gen, dtype=torch.float64).to(dtype)
    neighbors = torch.randint(0, 257, (257, 5), generator=gen)
    count = block_sizes(d)[0] * 3 + 1  # not a multiple of the block
    key = stream_key(11, d)
    reference_pool = pool.float().numpy() if dtype in (torch.float16, torch.bfloat16) else pool.numpy()
    expected = smote_rows_numpy(reference_pool, neighbors.numpy(), key, 2**33 + 5, count)
    out = torch.empty((count, d), dtype=dtype, device="cuda")
    smote_rows_triton(pool.cuda(), neighbors.cuda(), key, 2**33 + 5, out, layout=layout)
    tol = {torch.float64: 1e-12, torch.float32: 1e-6}.get(dtype, 1e-2)
    assert_close_verbose(out, expected, rtol=tol, atol=tol, what=f"triton {layout} cuda d={d} {dtype}")


@requires_triton
@pytest.mark.parametrize("offset", [1, 2, 3])
def test_compiled_flat_kernel_with_unaligned_pool_and_output(offset):
    """Pools and outputs that start off a 16-byte boundary: no vector loads may be assumed."""
    gen = torch.Generator().manual_seed(offset)
    backing = torch.randn(257 * 16 + offset, generator=gen).cuda()
    pool = backing[offset:].view(257, 16)  # data_ptr 4 * offset bytes past an aligned allocation
    neighbors = torch.randint(0, 257, (257, 5), generator=gen)
    expected = smote_rows_numpy(pool.cpu().numpy(), neighbors.numpy(), 7, 0, 3001)
    out_backing = torch.empty(3001 * 16 + offset, device="cuda")
    out = out_backing[offset:].view(3001, 16)
    smote_rows_triton(pool, neighbors.cuda(), 7, 0, out, layout="flat")
    assert_close_verbose(out, expected, rtol=1e-6, atol=1e-6, what=f"flat, offset {offset}")


@requires_triton
def test_triton_generation_on_cuda_skips_the_free_memory_query(monkeypatch):
    """The Triton kernel writes the device output in place: no cudaMemGetInfo per
    call (tens of microseconds on the H200's host). The torch kernel, which needs
    work memory, and a host output still size chunks from free memory."""
    from torchsmote import generation

    queried = []
    real = generation.cuda_chunk_rows
    monkeypatch.setattr(generation, "cuda_chunk_rows", lambda *a: queried.append(a) or real(*a))
    pool = torch.randn(200, 16, device="cuda")
    neighbors = torch.randint(0, 200, (200, 5), device="cuda")
    key = stream_key(3, 1)
    expected = torch.from_numpy(smote_rows_numpy(pool.cpu().numpy(), neighbors.cpu().numpy(), key, 0, 1500))
    out = generation.generate_rows(
        pool, neighbors, key, torch.empty(1500, 16, device="cuda"), backend="triton"
    )
    assert not queried
    assert_close_verbose(out.cpu(), expected, rtol=1e-6, atol=1e-6, what="triton on cuda")
    generation.generate_rows(pool, neighbors, key, torch.empty(1500, 16, device="cuda"), backend="torch")
    generation.generate_rows(pool, neighbors, key, torch.empty(1500, 16), backend="triton")
    assert len(queried) == 2


def test_knn_exact_with_tf32_enabled():
    x = (np.random.default_rng(0).normal(size=(3000, 32)) + 50.0).astype(np.float32)
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = True
    try:
        got = knn_self_torch(torch.from_numpy(x).cuda(), 5)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous
    assert_equal_verbose(got.cpu(), knn_self_numpy(x, 5), what="cuda k-NN with TF32 on")


def faiss_gpu_usable() -> bool:
    return torch.cuda.is_available() and faiss_device_problem(torch.device("cuda", 0)) is None


requires_faiss_gpu = pytest.mark.skipif(
    not faiss_gpu_usable(), reason="needs faiss with GPU support (faiss-gpu), not faiss-cpu"
)


@requires_faiss_gpu
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize(("n", "d", "k"), [(2, 1, 1), (7, 33, 6), (300, 2, 299), (3000, 32, 5)])
def test_faiss_gpu_equals_torch_and_the_reference(n, d, k, dtype):
    """faiss-gpu's shortlist + the shared exact re-rank: the torch path's neighbours, on the GPU.
    Written without faiss-gpu to run it on (see kernels/knn_faiss.py)."""
    x = torch.from_numpy(np.random.default_rng(n + d).normal(size=(n, d)) + 50.0).to(dtype)
    grid = torch.from_numpy(np.random.default_rng(d).integers(0, 3, size=(n, d))).to(dtype)
    for what, rows in [("normal", x), ("integer grid", grid)]:
        on_gpu = rows.cuda()
        side = torch.cuda.Stream()  # faiss must run on torch's current stream, whichever it is
        side.wait_stream(torch.cuda.current_stream())  # the upload above ran on the default stream
        with torch.cuda.stream(side):
            got = knn_self_faiss(on_gpu, k)
        torch.cuda.current_stream().wait_stream(side)
        assert got.device == on_gpu.device and got.dtype == torch.int64
        expected = knn_self_numpy(rows.double().numpy(), k)
        assert_equal_verbose(got.cpu(), expected, what=f"faiss-gpu {what} n={n} d={d} k={k} {dtype}")
        assert_equal_verbose(got.cpu(), knn_self_torch(on_gpu, k).cpu(), what=f"faiss-gpu vs torch {what}")


@requires_faiss_gpu
def test_smote_with_faiss_gpu_equals_torch_knn():
    X = torch.randn(2000, 8, device="cuda", generator=torch.Generator("cuda").manual_seed(0))
    y = torch.cat([torch.zeros(1500), torch.ones(500)]).long().cuda()
    with_faiss, _ = SMOTE(random_state=1, knn_backend="faiss").fit_resample(X, y)
    with_torch, _ = SMOTE(random_state=1, knn_backend="torch").fit_resample(X, y)
    assert with_faiss.device.type == "cuda" and torch.equal(with_faiss, with_torch)


def test_numpy_input_on_cuda_equals_cpu_reference():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5000, 9)).astype(np.float32)
    y = np.repeat([0, 1], [4000, 1000])
    reference, _ = SMOTE(random_state=2, device="cpu", kernel_backend="numpy").fit_resample(X, y)
    on_gpu, y_out = SMOTE(random_state=2, device="cuda", chunk_size=777).fit_resample(X, y)
    assert isinstance(on_gpu, np.ndarray) and isinstance(y_out, np.ndarray)
    assert_close_verbose(on_gpu, reference, rtol=1e-5, atol=1e-5, what="numpy in, CUDA compute")


def test_cuda_tensors_stay_on_the_gpu():
    X = torch.randn(400, 6, device="cuda")
    y = torch.cat([torch.zeros(300), torch.ones(100)]).long().cuda()
    X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)
    assert X_res.device.type == "cuda" and y_res.device.type == "cuda"
    assert torch.equal(X_res[:400], X)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("kind", ["SVMSMOTE", "KMeansSMOTE"])
def test_svm_kmeans_on_cuda_match_the_cpu_reference(kind, dtype):
    """CUDA tensors in and out (k-NN, k-means, mean distances and rows on the GPU, no faiss),
    equal to the numpy reference on the same data."""
    import torchsmote

    rng = np.random.default_rng(5)
    y = np.repeat([0, 1, 2], [3000, 700, 300])
    X = rng.normal(size=(len(y), 7)) + 2.0 * y[:, None]
    params = {"random_state": 3}
    if kind == "KMeansSMOTE":
        params.update(kmeans_estimator=6, cluster_balance_threshold=0.05)
    sampler = getattr(torchsmote, kind)
    X_t = torch.from_numpy(X).to(dtype).cuda()
    y_t = torch.from_numpy(y).cuda()
    fast = sampler(**params)
    got_X, got_y = fast.fit_resample(X_t, y_t)
    assert got_X.device.type == "cuda" and got_y.device.type == "cuda" and got_X.dtype == dtype
    assert torch.equal(got_X[: len(y)], X_t)
    reference = sampler(kernel_backend="numpy", knn_backend="numpy", **params)
    ref_X, ref_y = reference.fit_resample(X_t.cpu().numpy(), y)
    assert_equal_verbose(got_y.cpu(), ref_y, what="labels")
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert_close_verbose(got_X.cpu(), ref_X, rtol=tol, atol=tol, what=f"{kind} rows on CUDA")
    if kind == "KMeansSMOTE":
        assert_equal_verbose(fast.cluster_labels_, reference.cluster_labels_, what="k-means on CUDA")
        assert fast.cluster_n_samples_ == reference.cluster_n_samples_
    else:
        assert fast.n_samples_split_ == reference.n_samples_split_
        for label, rows in reference.in_danger_indices_.items():
            assert_equal_verbose(fast.in_danger_indices_[label], rows, what="danger SVs")


def test_kmeans_and_mean_distance_kernels_on_cuda():
    from torchsmote.kernels.kmeans_numpy import kmeans_numpy, mean_pairwise_distance_numpy
    from torchsmote.kernels.kmeans_torch import kmeans_torch, mean_pairwise_distance_torch

    rng = np.random.default_rng(6)
    for n, d, n_clusters in [(1, 1, 1), (50, 33, 7), (20_000, 16, 8)]:
        x = rng.normal(size=(n, d)) + rng.integers(0, 5, size=n)[:, None] * 1.5
        labels, centres, n_iter = kmeans_numpy(x, n_clusters, 4)
        got, got_centres, got_iter = kmeans_torch(torch.from_numpy(x).cuda(), n_clusters, 4)
        assert got.device.type == "cuda" and got_iter == n_iter
        assert_equal_verbose(got.cpu(), labels, what=f"k-means labels n={n}")
        assert_close_verbose(got_centres.cpu(), centres, rtol=1e-9, atol=1e-9, what="centres")
    for n in (2, 5000):
        x = rng.normal(size=(n, 9)) + 50.0
        expected = mean_pairwise_distance_numpy(x)
        assert abs(mean_pairwise_distance_torch(torch.from_numpy(x).cuda()) - expected) <= 1e-12 * expected
