"""Torch (CPU or CUDA) kernels of the SMOTE family beyond SMOTE.

Same draws and formulas as :mod:`family_numpy` (the reference they are tested
against), written into preallocated outputs block by block so the index and
row buffers stay bounded whatever the output size.
"""

from __future__ import annotations

import torch

from .counter_rng import normal_draws_torch, smote_draws_torch

#: Rows per block. 64k rows keep the draws, indices and two gathered row blocks
#: at d=16 fp32 near 10 MB.
BLOCK_ROWS = 65_536


def pair_rows_torch(
    pool: torch.Tensor, base: torch.Tensor, neighbor: torch.Tensor, gap: torch.Tensor, out: torch.Tensor
) -> torch.Tensor:
    """``out[i] = pool[base[i]] + gap[i] * (pool[neighbor[i]] - pool[base[i]])``.

    Parameters
    ----------
    pool : Tensor of shape (n_pool, d)
    base, neighbor : Tensor of shape (count,), int64, on ``pool.device``
    gap : Tensor of shape (count,), float64 or float32
        Rounded once to the compute dtype (float64 for float64 pools, else float32).
    out : Tensor of shape (count, d), dtype of ``pool``, on ``pool.device``

    Returns
    -------
    Tensor
        ``out``.
    """
    if out.shape != (base.shape[0], pool.shape[1]) or out.dtype != pool.dtype or out.device != pool.device:
        raise ValueError(
            f"out must be ({base.shape[0]}, {pool.shape[1]}) {pool.dtype} on {pool.device}; "
            f"got {tuple(out.shape)} {out.dtype} on {out.device}"
        )
    compute = torch.float64 if pool.dtype == torch.float64 else torch.float32
    for a in range(0, base.shape[0], BLOCK_ROWS):
        b = min(base.shape[0], a + BLOCK_ROWS)
        x_base = pool.index_select(0, base[a:b]).to(compute)
        x_nb = pool.index_select(0, neighbor[a:b]).to(compute)
        # x_base + gap * (x_nb - x_base), step by step like the numpy reference.
        x_nb.sub_(x_base).mul_(gap[a:b].to(compute)[:, None])
        out[a:b] = x_base.add_(x_nb)
    return out


def adasyn_rows_torch(pool: torch.Tensor, neighbors: torch.Tensor, counts: torch.Tensor, key: int, out):
    """ADASYN rows into ``out`` (see :func:`family_numpy.adasyn_rows_numpy`).

    Parameters
    ----------
    pool : Tensor of shape (n_class, d)
    neighbors : Tensor of shape (n_class, k), int64
    counts : Tensor of shape (n_class,), int64
    key : int
    out : Tensor of shape (counts.sum(), d)
    """
    total, k = out.shape[0], neighbors.shape[1]
    if total == 0:
        return out
    base = torch.repeat_interleave(torch.arange(pool.shape[0], device=pool.device), counts.to(pool.device))
    _, slot, gap = smote_draws_torch(key, 0, total, 1, k, pool.device)
    return pair_rows_torch(pool, base, neighbors[base, slot], gap, out)


def borderline2_draws_torch(
    key: int, shrink_key: int, count: int, neighbors: torch.Tensor, same_class: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Torch form of :func:`family_numpy.borderline2_draws_numpy` (gap in float64)."""
    n_base, k = neighbors.shape
    base, slot, gap = smote_draws_torch(key, 0, count, n_base, k, neighbors.device)
    neighbor = neighbors[base, slot]
    half = smote_draws_torch(shrink_key, 0, count, 1, 1, neighbors.device)[2].to(torch.float64) * 0.5
    gap = gap.to(torch.float64)
    gap = torch.where(same_class[neighbor], gap, gap * half)
    return base, neighbor, gap


def stepped_draws_torch(
    key: int, start: int, count: int, n_base: int, k: int, step: float, device=None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Torch form of :func:`family_numpy.stepped_draws_numpy` (gap in float64, same rounding)."""
    base, slot, gap = smote_draws_torch(key, start, count, n_base, k, device)
    return base, slot, gap.to(torch.float64).mul_(step)


def svm_rows_torch(
    pool: torch.Tensor,
    base_rows: torch.Tensor,
    neighbors: torch.Tensor,
    key: int,
    start: int,
    step: float,
    out: torch.Tensor,
) -> torch.Tensor:
    """SVMSMOTE rows into ``out`` (see :func:`family_numpy.svm_rows_numpy`).

    Parameters
    ----------
    pool : Tensor of shape (n_class, d)
    base_rows : Tensor of shape (n_base,), int64, on ``pool.device``
    neighbors : Tensor of shape (n_base, k), int64, on ``pool.device``
    key, start : int
    step : float
    out : Tensor of shape (count, d), dtype of ``pool``, on ``pool.device``
    """
    count = out.shape[0]
    # Draws per block too: at 64k rows the three draw tensors stay near 2 MB.
    for a in range(0, count, BLOCK_ROWS):
        b = min(count, a + BLOCK_ROWS)
        base, slot, gap = stepped_draws_torch(key, start + a, b - a, *neighbors.shape, step, pool.device)
        pair_rows_torch(pool, base_rows[base], neighbors[base, slot], gap, out[a:b])
    return out


def bootstrap_draws_torch(key: int, count: int, n: int, device=None) -> torch.Tensor:
    """Torch form of :func:`family_numpy.bootstrap_draws_numpy`."""
    if count == 0:
        return torch.empty(0, dtype=torch.int64, device=device)
    return smote_draws_torch(key, 0, count, n, 1, device)[0]


def smoothed_rows_torch(rows: torch.Tensor, scale: torch.Tensor, key: int, out: torch.Tensor) -> torch.Tensor:
    """Torch form of :func:`family_numpy.smoothed_rows_numpy`, into ``out`` (count, d)."""
    count, d = rows.shape
    block = max(1, BLOCK_ROWS // max(1, d // 16))
    scale64 = scale.to(device=rows.device, dtype=torch.float64)
    for a in range(0, count, block):
        b = min(count, a + block)
        noise = normal_draws_torch(key, a * d, (b - a) * d, rows.device).view(b - a, d)
        out[a:b] = noise.mul_(scale64).add_(rows[a:b].to(torch.float64))
    return out
