"""SMOTE interpolation in torch (CPU or CUDA), written into a preallocated output."""

from __future__ import annotations

import torch

from .counter_rng import check_pair_count, smote_pairs_torch

#: Rows per draw chunk on CPU. 128k rows let torch's integer ops split across
#: threads (its grain is 32k elements): the draws for 990k rows took 31 ms in
#: 16k-row chunks and 10.5 ms in 128k-row chunks on the 2-core dev machine.
CPU_CHUNK_ROWS = 131_072
#: Bytes of the two row buffers of one CPU interpolation block (~L2 size). With
#: two reused 1-2 MB buffers, 990k rows at d=32 took 53-60 ms on the 2-core dev
#: machine, against 77 ms with a fresh 16 MB temporary per 128k-row chunk.
CPU_BLOCK_BYTES = 2 << 20
#: Rows per chunk on CUDA: the two gathered row buffers take 1 GB at d=128 in
#: fp32 (2 GB in fp64), the draws and indices ~40 MB.
CUDA_CHUNK_ROWS = 1 << 20


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
    count, d = out.shape
    compute = torch.float64 if pool.dtype == torch.float64 else torch.float32
    on_cpu = pool.device.type == "cpu"
    chunk = chunk_rows or (CPU_CHUNK_ROWS if on_cpu else CUDA_CHUNK_ROWS)
    # Interpolate in blocks whose two row buffers stay cache resident, so the big
    # output is written once, streaming, instead of being re-read by each step.
    block = min(chunk, max(1, CPU_BLOCK_BYTES // (2 * d * pool.element_size()))) if on_cpu else chunk
    flat_neighbors = neighbors.reshape(-1)
    rows = min(block, count)
    x_base = torch.empty((rows, d), dtype=compute, device=pool.device)
    x_nb = torch.empty((rows, d), dtype=compute, device=pool.device)
    for a in range(0, count, chunk):
        b = min(count, a + chunk)
        # pair = base * k + slot indexes the flattened neighbour table directly.
        pair, gap = smote_pairs_torch(key, start + a, b - a, n_base * k, pool.device)
        base = torch.div(pair, k, rounding_mode="floor")
        base_row = base if base_rows is None else base_rows.index_select(0, base)
        nb = flat_neighbors.index_select(0, pair)
        gap = gap.to(compute)[:, None]
        for c in range(a, b, block):
            e = min(b, c + block)
            local = slice(c - a, e - a)
            xb, xn = x_base[: e - c], x_nb[: e - c]
            if compute == pool.dtype:
                torch.index_select(pool, 0, base_row[local], out=xb)
                torch.index_select(pool, 0, nb[local], out=xn)
            else:
                xb.copy_(pool.index_select(0, base_row[local]))
                xn.copy_(pool.index_select(0, nb[local]))
            # x_base + gap * (x_nb - x_base), rounded step by step like the numpy reference.
            xn.sub_(xb).mul_(gap[local])
            if compute == out.dtype:
                torch.add(xb, xn, out=out[c:e])
            else:
                out[c:e] = xb.add_(xn)
    return out
