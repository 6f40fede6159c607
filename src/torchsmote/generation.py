"""Synthetic-row generation: one stream of one class into a preallocated output.

Dispatches to the interpolation kernels (``kernels/interpolate_*``); all share
the counter draws of :mod:`torchsmote.kernels.counter_rng`, so the backend
changes speed, never which rows are made.
"""

from __future__ import annotations

import torch

from torchsmote.kernels.interpolate_numpy import smote_rows_numpy
from torchsmote.kernels.interpolate_torch import smote_rows_torch
from torchsmote.kernels.interpolate_triton import smote_rows_triton


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
    neighbors : Tensor of shape (n_base, k), int64
    key : int
        Stream key (:func:`torchsmote.kernels.counter_rng.stream_key`).
    out : Tensor of shape (count, d)
        Destination, same dtype and device as ``pool``; rows must be contiguous.
    backend : {'numpy', 'torch', 'triton'}
    start : int
        Stream index of ``out[0]``.
    chunk_rows : int, optional
        Rows per chunk (numpy/torch); the result does not depend on it.
    base_rows : Tensor of shape (n_base,), int64, optional
        Pool row of each base (identity when omitted).

    Returns
    -------
    Tensor
        ``out``.
    """
    count = out.shape[0]
    if count == 0:
        return out
    if backend == "torch":
        return smote_rows_torch(pool, neighbors, key, start, out, base_rows, chunk_rows)
    if backend == "triton":
        return smote_rows_triton(pool, neighbors, key, start, out, base_rows)
    if backend == "numpy":
        pool_np = pool.cpu().numpy() if pool.dtype != torch.bfloat16 else None
        if pool_np is None:
            raise ValueError("kernel_backend='numpy' does not handle bfloat16; use 'torch'")
        nbr_np = neighbors.cpu().numpy()
        base_np = None if base_rows is None else base_rows.cpu().numpy()
        step = chunk_rows or count
        for a in range(0, count, step):
            b = min(count, a + step)
            rows = smote_rows_numpy(pool_np, nbr_np, key, start + a, b - a, base_np)
            out[a:b] = torch.from_numpy(rows).to(out.device)
        return out
    raise ValueError(f"unknown kernel backend {backend!r}")
