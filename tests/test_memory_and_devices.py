"""Memory planning, out-of-memory retry, device resolution and sliced generation.

CUDA itself is absent on CI machines, so the CUDA-side decisions are tested by
injecting what the device would report (free memory, an allocator failure).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import requires_triton
from torchsmote.kernels.counter_rng import stream_key
from utils import assert_close_verbose, assert_equal_verbose

from torchsmote import SMOTE, backends, generation, memory
from torchsmote.functional import smote
from torchsmote.generation import generate_rows


def _pool(n=60, d=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    pool = torch.randn(n, d, generator=gen)
    neighbors = torch.randint(0, n, (n, 4), generator=gen)
    return pool, neighbors


def test_out_of_memory_chunk_is_halved_and_retried(monkeypatch):
    """An allocator failure on a large chunk is retried smaller, with the same rows."""
    pool, neighbors = _pool()
    key = stream_key(3, 1)
    expected = generate_rows(pool, neighbors, key, torch.empty(1000, 5), backend="torch")

    real_kernel = generation.smote_rows_torch
    attempts = []

    def flaky_kernel(pool, neighbors, key, start, out, base_rows, chunk_rows):
        attempts.append(out.shape[0])
        if out.shape[0] > 130:  # pretend anything above 130 rows does not fit
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_kernel(pool, neighbors, key, start, out, base_rows, chunk_rows)

    monkeypatch.setattr(generation, "smote_rows_torch", flaky_kernel)
    out = torch.full((1000, 5), float("nan"))
    generate_rows(pool, neighbors, key, out, backend="torch", chunk_rows=1000)
    assert_equal_verbose(out, expected, what="rows after OOM retries")
    assert attempts[:4] == [1000, 500, 250, 125], attempts  # halved until it fit
    assert max(a for a in attempts[3:]) <= 130


def test_out_of_memory_at_one_row_is_raised(monkeypatch):
    pool, neighbors = _pool()

    def always_oom(*args):
        raise torch.OutOfMemoryError("CUDA out of memory")

    monkeypatch.setattr(generation, "smote_rows_torch", always_oom)
    with pytest.raises(torch.OutOfMemoryError):
        generate_rows(pool, neighbors, 1, torch.empty(8, 5), backend="torch", chunk_rows=8)


def test_other_runtime_errors_are_not_retried(monkeypatch):
    pool, neighbors = _pool()
    calls = []

    def broken(*args):
        calls.append(1)
        raise RuntimeError("an unrelated failure")

    monkeypatch.setattr(generation, "smote_rows_torch", broken)
    with pytest.raises(RuntimeError, match="unrelated"):
        generate_rows(pool, neighbors, 1, torch.empty(8, 5), backend="torch", chunk_rows=8)
    assert len(calls) == 1


def test_staged_output_matches_direct_writes(monkeypatch):
    """Chunks staged on the working device and copied out (a CUDA run with a
    numpy result) equal direct writes; staging is forced here, as CI has one device."""
    pool, neighbors = _pool()
    key = stream_key(9, 0)
    direct = generate_rows(pool, neighbors, key, torch.empty(300, 5), backend="torch")
    staged_chunks = []
    monkeypatch.setattr(generation, "_needs_staging", lambda out, device: staged_chunks.append(1) or True)
    staged = torch.full((300, 5), float("nan"))
    generate_rows(pool, neighbors, key, staged, backend="torch", chunk_rows=64)
    assert staged_chunks, "the staging branch did not run"
    assert_equal_verbose(staged, direct, what="staged rows")


@pytest.mark.parametrize("count, narrowed", [(240, True), (239, False), (1, False)])
def test_triton_gets_an_int32_table_when_the_call_pays_for_it(monkeypatch, count, narrowed):
    """generate_rows narrows the table (60 x 4 = 240 entries) once a call makes as many rows."""
    pool, neighbors = _pool()
    key = stream_key(4, 2)
    expected = generate_rows(pool, neighbors, key, torch.empty(count, 5), backend="torch")
    tables = []

    def spy(pool, table, key, start, out, base_rows):
        tables.append(table.dtype)
        return generation.smote_rows_torch(pool, table.long(), key, start, out, base_rows, None)

    monkeypatch.setattr(generation, "smote_rows_triton", spy)
    out = torch.full((count, 5), float("nan"))
    generate_rows(pool, neighbors, key, out, backend="triton", chunk_rows=100)
    assert set(tables) == {torch.int32 if narrowed else torch.int64}
    assert_equal_verbose(out, expected, what="rows from the narrowed table")
    assert neighbors.dtype == torch.int64  # the caller's table is untouched


@requires_triton
def test_triton_rows_from_the_narrowed_table_equal_the_reference():
    """No spy: generate_rows narrows (400 rows >= 240 entries) and the kernel reads the int32 table."""
    from torchsmote.kernels.interpolate_numpy import smote_rows_numpy

    pool, neighbors = _pool()
    key = stream_key(6, 1)
    out = torch.full((400, 5), float("nan"))
    generate_rows(pool, neighbors, key, out, backend="triton", start=17, chunk_rows=150)
    expected = smote_rows_numpy(pool.numpy(), neighbors.numpy(), key, 17, 400)
    assert_close_verbose(out, torch.from_numpy(expected), rtol=1e-6, atol=1e-6, what="narrowed-table rows")


def test_a_pool_past_int32_keeps_the_int64_table():
    _, neighbors = _pool()
    assert generation._narrow_table(neighbors, 2**31, 10_000) is neighbors
    assert generation._narrow_table(neighbors, 2**31 - 1, 10_000).dtype == torch.int32


def test_a_narrowing_failure_other_than_memory_is_raised(monkeypatch):
    _, neighbors = _pool()
    real_to = torch.Tensor.to

    def broken_to(self, *args, **kwargs):
        if args and args[0] is torch.int32:
            raise RuntimeError("an unrelated failure")
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", broken_to)
    with pytest.raises(RuntimeError, match="unrelated"):
        generation._narrow_table(neighbors, 60, 10_000)


def test_a_failed_narrowing_keeps_the_int64_table(monkeypatch):
    _, neighbors = _pool()
    real_to = torch.Tensor.to

    def to_without_memory(self, *args, **kwargs):
        if args and args[0] is torch.int32:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 1.00 KiB")
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", to_without_memory)
    assert generation._narrow_table(neighbors, 60, 10_000) is neighbors


def test_cuda_chunk_rows_follow_free_memory(monkeypatch):
    monkeypatch.setattr(memory, "free_bytes", lambda device: 1 << 30)  # 1 GiB free
    rows = memory.cuda_chunk_rows(torch.device("cuda"), n_features=32, itemsize=4)
    per_row = memory._WORK_BYTES_PER_ROW + 32 * (4 + 8)
    assert rows == (1 << 30) // 4 // per_row
    monkeypatch.setattr(memory, "free_bytes", lambda device: 0)
    assert memory.cuda_chunk_rows(torch.device("cuda"), 32, 4) == 1


def test_check_fits_names_sizes_and_ways_out(monkeypatch):
    monkeypatch.setattr(memory, "free_bytes", lambda d: None if d.type == "cpu" else 2 << 30)
    memory.check_fits(torch.device("cuda"), 1 << 30, "the resampled X")  # fits: silent
    with pytest.raises(ValueError, match=r"needs 3\.00 GiB but cuda has 2\.00 GiB free.*device='cpu'"):
        memory.check_fits(torch.device("cuda"), 3 << 30, "the resampled X")
    memory.check_fits(torch.device("cpu"), 1 << 60, "anything")  # the CPU is not checked


def test_out_of_memory_detection():
    assert memory.is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory"))
    assert memory.is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: out of memory"))
    assert not memory.is_out_of_memory(RuntimeError("shape mismatch"))


def test_auto_device_for_host_input(monkeypatch):
    cpu = torch.device("cpu")
    assert backends.resolve_device("auto", None, 10**9) == cpu or torch.cuda.is_available()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    big, small = backends.AUTO_CUDA_MIN_ELEMENTS, backends.AUTO_CUDA_MIN_ELEMENTS - 1
    assert backends.resolve_device("auto", None, big) == torch.device("cuda", 0)
    assert backends.resolve_device("auto", None, small) == cpu
    # A torch input stays where it is, whatever the size.
    assert backends.resolve_device("auto", cpu, big) == cpu


def test_auto_device_keeps_cpu_only_backends_on_cpu(monkeypatch):
    """With a GPU present, knn_backend='faiss' must not drag 'auto' onto CUDA."""
    seen = []
    real = backends.resolve_device

    def spy(device, data_device, work_elements=0):
        seen.append(work_elements)
        return real(device, data_device, work_elements)

    import torchsmote.over_sampling.smote as smote_module

    monkeypatch.setattr(smote_module, "resolve_device", spy)
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = np.repeat([0, 1], [45, 15])
    SMOTE(random_state=0, knn_backend="faiss").fit_resample(X, y)
    SMOTE(random_state=0).fit_resample(X, y)
    assert seen == [0, 30 * 4]


def test_functional_slices_concatenate_to_the_whole():
    x = torch.randn(50, 6, generator=torch.Generator().manual_seed(4))
    whole = smote(x, 700, seed=5)
    parts = torch.cat(
        [smote(x, 200, seed=5), smote(x, 1, seed=5, start=200), smote(x, 499, seed=5, start=201)]
    )
    assert_equal_verbose(parts, whole, what="sliced functional output")
    with pytest.raises(ValueError, match="start must be an int >= 0"):
        smote(x, 3, start=-1)


def test_functional_refuses_output_that_cannot_fit(monkeypatch):
    monkeypatch.setattr(memory, "free_bytes", lambda device: 1000)
    import torchsmote.functional as functional

    monkeypatch.setattr(
        functional, "check_fits", lambda device, n, what: memory.check_fits(torch.device("cuda"), n, what)
    )
    with pytest.raises(ValueError, match="synthetic rows needs"):
        smote(torch.randn(20, 4), 10_000)


def test_release_freed_host_memory_is_safe_everywhere(monkeypatch):
    memory.release_freed_host_memory()  # glibc here: trims, returns nothing
    memory._glibc_malloc_trim.cache_clear()
    monkeypatch.setattr(memory.ctypes, "CDLL", lambda name: (_ for _ in ()).throw(OSError(name)))
    memory.release_freed_host_memory()  # no glibc: silently nothing
    memory._glibc_malloc_trim.cache_clear()


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_prefault_writes_only_inside_the_array(dtype):
    buffer = np.full((3000, 7), np.nan, dtype=dtype)
    memory.prefault(buffer[1000:2000])
    block = buffer[1000:2000].reshape(-1)
    stride = max(1, memory._PREFAULT_STRIDE_BYTES // buffer.itemsize)
    assert (block[::stride] == 0).all()
    untouched = np.ones(block.size, dtype=bool)
    untouched[::stride] = False
    assert np.isnan(block[untouched]).all()
    assert np.isnan(buffer[:1000]).all() and np.isnan(buffer[2000:]).all()
    columns = buffer[:, 2:4]  # not C-contiguous: left alone
    memory.prefault(columns)
    assert np.isnan(buffer[:1000]).all()
    memory.prefault(buffer[:0])  # empty: nothing to do
