"""SMOTE interpolation in torch (CPU or CUDA), written into a preallocated output."""

from __future__ import annotations

import torch

from .counter_rng import check_pair_count, smote_pairs_torch

#: Rows per chunk on CPU. 128k rows let torch's element-wise ops split across
#: threads (its grain is 32k elements): 990k rows at d=32 took 0.12 s with 32k
#: chunks and 0.07 s with 128k on the 2-core dev machine.
CPU_CHUNK_ROWS = 131_072
#: Rows per chunk on CUDA: draws, indices and one gathered block stay under ~1 GB at d=128.
CUDA_CHUNK_ROWS = 1 << 21


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
    check_pair_count(n_base, k)
    count = out.shape[0]
    compute = torch.float64 if pool.dtype == torch.float64 else torch.float32
    native = compute == pool.dtype
    default_chunk = CPU_CHUNK_ROWS if pool.device.type == "cpu" else CUDA_CHUNK_ROWS
    chunk = chunk_rows or default_chunk
    flat_neighbors = neighbors.reshape(-1)
    for a in range(0, count, chunk):
        b = min(count, a + chunk)
        # pair = base * k + slot indexes the flattened neighbour table directly.
        pair, gap = smote_pairs_torch(key, start + a, b - a, n_base * k, pool.device)
        base = torch.div(pair, k, rounding_mode="floor")
        base_row = base if base_rows is None else base_rows.index_select(0, base)
        nb = flat_neighbors.index_select(0, pair)
        gap = gap.to(compute)[:, None]
        if native:
            # out = x_base + gap * (x_nb - x_base), gathered and updated in place.
            target = out[a:b]
            torch.index_select(pool, 0, base_row, out=target)
            step = pool.index_select(0, nb).sub_(target).mul_(gap)
            target.add_(step)
        else:
            x_base = pool.index_select(0, base_row).to(compute)
            step = pool.index_select(0, nb).to(compute).sub_(x_base).mul_(gap)
            out[a:b] = x_base.add_(step)
    return out
