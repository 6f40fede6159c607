"""Synthetic-row generation: one stream of one class into a preallocated output.

Dispatches to the interpolation kernels (``kernels/interpolate_*``); all share
the counter draws of :mod:`torchsmote.kernels.counter_rng`, so the backend
changes speed, never which rows are made. That also makes chunking free: a
chunk that runs out of memory is simply redone at half the size.
"""

from __future__ import annotations

import torch

from torchsmote.kernels.interpolate_numba import numba_usable, smote_rows_numba
from torchsmote.kernels.interpolate_numpy import smote_rows_numpy
from torchsmote.kernels.interpolate_torch import smote_rows_torch
from torchsmote.kernels.interpolate_triton import smote_rows_triton
from torchsmote.kernels.nominal_numpy import smoten_rows_numpy, smotenc_categories_numpy
from torchsmote.kernels.nominal_torch import smoten_rows_torch, smotenc_categories_torch
from torchsmote.memory import MAX_CUDA_CHUNK, cuda_chunk_rows, is_out_of_memory


def generate_rows(
    pool: torch.Tensor,
    neighbors: torch.Tensor,
    key: int,
    out: torch.Tensor,
    *,
    backend: str,
    start: int = 0,
    chunk_rows: int | None = None,
    base_rows: torch.Tensor | None = None,
) -> torch.Tensor:
    """Fill ``out`` with synthetic rows ``start .. start+len(out)-1`` of a stream.

    Parameters
    ----------
    pool : Tensor of shape (n_pool, d)
        On the working device.
    neighbors : Tensor of shape (n_base, k), int64, on the working device
    key : int
        Stream key (:func:`torchsmote.kernels.counter_rng.stream_key`).
    out : Tensor of shape (count, d)
        Destination with ``pool``'s dtype and contiguous rows. It may live on
        another device (a CPU result of a CUDA run): chunks are then staged on
        the working device and copied over one by one.
    backend : {'numpy', 'torch', 'numba', 'triton'}
        'numba' hands float16/bfloat16 rows to the torch kernel (same rows).
    start : int
        Stream index of ``out[0]``.
    chunk_rows : int, optional
        Rows per chunk; None on CUDA sizes chunks from free device memory (the
        torch kernel's work buffers, or the staging block of a host output), or
        takes 2**24-row launches for the Triton kernel writing a device output.
        The result never depends on it. A chunk that runs out of memory is
        retried at half the size (down to one row) before the error is raised.
    base_rows : Tensor of shape (n_base,), int64, optional
        Pool row of each base (identity when omitted).

    Returns
    -------
    Tensor
        ``out``.
    """
    count, d = out.shape
    if count == 0:
        return out
    device = pool.device
    staged = _needs_staging(out, device)
    if backend == "triton":
        neighbors = _narrow_table(neighbors, pool.shape[0], count)
    if chunk_rows is not None:
        chunk = chunk_rows
    elif device.type == "cuda" and backend == "triton" and not staged:
        # The Triton kernel writes `out` in place with no work memory: launches of
        # the usual size, without the free-memory query that sizes work chunks (on
        # an H200 host a call through generate_rows cost 128 us with it, against
        # 67 us for the kernel's launcher alone).
        chunk = MAX_CUDA_CHUNK
    elif device.type == "cuda":
        chunk = cuda_chunk_rows(device, d, pool.element_size())
    else:
        chunk = count  # the CPU kernels chunk internally for cache and threads
    done = 0
    while done < count:
        stop = min(count, done + chunk)
        try:
            target = (
                torch.empty((stop - done, d), dtype=out.dtype, device=device) if staged else out[done:stop]
            )
            _run_kernel(backend, pool, neighbors, key, start + done, target, base_rows, chunk_rows)
            if staged:
                out[done:stop].copy_(target)
        except (torch.OutOfMemoryError, RuntimeError) as error:
            if not is_out_of_memory(error) or chunk == 1:
                raise
            chunk = max(1, chunk // 2)
            if device.type == "cuda":
                torch.cuda.empty_cache()
            continue
        done = stop
    return out


def _narrow_table(neighbors: torch.Tensor, n_pool: int, count: int) -> torch.Tensor:
    """The neighbour table as int32 for the Triton kernel, where that pays.

    Half the bytes keep more of the table and pool in L2 (H200, 10M fp32 rows
    from a 1M-row pool: with the default cache policy, d = 16 +11%, d = 32 +6%
    in run 9; without hints see kernels/interpolate_triton.TABLE_DTYPES).
    Narrowing is one extra pass over
    the table (12 bytes per entry), so it is done only when the call makes at
    least as many rows as the table has entries; a failed allocation keeps the
    int64 table.
    """
    if neighbors.dtype != torch.int64 or n_pool > torch.iinfo(torch.int32).max or count < neighbors.numel():
        return neighbors
    try:
        return neighbors.to(torch.int32)
    except (torch.OutOfMemoryError, RuntimeError) as error:
        if not is_out_of_memory(error):
            raise
        return neighbors


def _needs_staging(out: torch.Tensor, device: torch.device) -> bool:
    """Whether ``out`` lives off the working device (then chunks are staged and copied)."""
    return out.device != device


def _run_kernel(backend, pool, neighbors, key, start, target, base_rows, chunk_rows) -> None:
    if backend == "numba" and numba_usable(pool):
        smote_rows_numba(pool, neighbors, key, start, target, base_rows)
    elif backend in ("torch", "numba"):
        smote_rows_torch(pool, neighbors, key, start, target, base_rows, chunk_rows)
    elif backend == "triton":
        smote_rows_triton(pool, neighbors, key, start, target, base_rows)
    elif backend == "numpy":
        if pool.dtype == torch.bfloat16:
            raise ValueError("kernel_backend='numpy' does not handle bfloat16; use 'torch'")
        base_np = None if base_rows is None else base_rows.cpu().numpy()
        rows = smote_rows_numpy(
            pool.cpu().numpy(), neighbors.cpu().numpy(), key, start, target.shape[0], base_np
        )
        target.copy_(torch.from_numpy(rows))
    else:
        raise ValueError(f"unknown kernel backend {backend!r}")


def smotenc_categories(
    codes: torch.Tensor, neighbors: torch.Tensor, key: int, tie_key: int, count: int, *, backend: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """SMOTENC's categorical values of a class's synthetic rows ``0 .. count-1``.

    ``backend='numpy'`` runs the reference, any other the torch kernel (on
    ``codes``' device); both give the same codes.

    Returns
    -------
    values, source : Tensor of shape (count, d_cat), int64, on ``codes.device``
        Codes, and the pool row each was taken from.
    """
    if backend == "numpy":
        values, source = smotenc_categories_numpy(
            codes.cpu().numpy(), neighbors.cpu().numpy(), key, tie_key, 0, count
        )
        return torch.from_numpy(values).to(codes.device), torch.from_numpy(source).to(codes.device)
    return smotenc_categories_torch(codes, neighbors, key, tie_key, 0, count)


def smoten_rows(
    codes: torch.Tensor, neighbors: torch.Tensor, key: int, count: int, *, backend: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """SMOTEN's synthetic rows ``0 .. count-1`` of a class (reference for ``backend='numpy'``).

    Returns
    -------
    values : Tensor of shape (count, d), int64
    base : Tensor of shape (count,), int64
    source : Tensor of shape (count, d), int64
    """
    if backend == "numpy":
        parts = smoten_rows_numpy(codes.cpu().numpy(), neighbors.cpu().numpy(), key, 0, count)
        return tuple(torch.from_numpy(part).to(codes.device) for part in parts)
    return smoten_rows_torch(codes, neighbors, key, 0, count)
