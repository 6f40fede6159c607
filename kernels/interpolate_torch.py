"""SMOTE interpolation in torch (CPU or CUDA), written into a preallocated output."""

from __future__ import annotations

import torch

from .counter_rng import smote_draws_torch

#: Rows per chunk on CPU: 32k rows x d=32 fp32 keeps both gathered blocks (4 MB
#: each) near L2 and the draw temporaries small.
CPU_CHUNK_ROWS = 32_768


def smote_rows_torch(
    pool: torch.Tensor,
    neighbors: torch.Tensor,
    key: int,
    start: int,
    out: torch.Tensor,
    base_rows: torch.Tensor | None = None,
    chunk_rows: int | None = None,
) -> torch.Tensor:
    """Write synthetic rows ``start .. start+len(out)-1`` of one stream into ``out``.

    Same formula and draws as :func:`interpolate_numpy.smote_rows_numpy`:
    ``out[i] = pool[b] + gap_i * (pool[nb] - pool[b])``, computed in float64 for
    float64 pools and float32 otherwise (float16/bfloat16 round once at the end).

    Parameters
    ----------
    pool : Tensor of shape (n_pool, d)
    neighbors : Tensor of shape (n_base, k), int64, same device
    key : int
        Stream key.
    start : int
        Stream index of ``out[0]``.
    out : Tensor of shape (count, d), dtype of ``pool``, same device
        Destination (e.g. the synthetic block of the final result).
    base_rows : Tensor of shape (n_base,), int64, optional
    chunk_rows : int, optional
        Rows per chunk; the result does not depend on it.

    Returns
    -------
    Tensor
        ``out``.
    """
    n_base, k = neighbors.shape
    count = out.shape[0]
    compute = torch.float64 if pool.dtype == torch.float64 else torch.float32
    chunk = chunk_rows or (CPU_CHUNK_ROWS if pool.device.type == "cpu" else max(count, 1))
    for a in range(0, count, chunk):
        b = min(count, a + chunk)
        base, slot, gap = smote_draws_torch(key, start + a, b - a, n_base, k, pool.device)
        nb = neighbors[base, slot]
        base_row = base if base_rows is None else base_rows[base]
        x_base = pool.index_select(0, base_row)
        x_nb = pool.index_select(0, nb)
        if compute == pool.dtype:
            torch.addcmul(x_base, gap.to(compute)[:, None], x_nb - x_base, out=out[a:b])
        else:
            x_base = x_base.to(compute)
            out[a:b] = torch.addcmul(x_base, gap[:, None], x_nb.to(compute) - x_base)
    return out
