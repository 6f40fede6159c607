"""Fused k-NN shortlist in Triton: distance tiles and selection in one kernel.

The torch shortlist (:func:`knn_torch._shortlist_blocked`) writes every
distance block to memory and reads it back to select: at W2's 100k x 32 class
on an H200 that was 69 ms, of which the fp32 GEMM was 24 ms; the rest moved 80 GB
of distances. Here each program keeps its queries' best ``m`` candidates in
registers while key tiles stream past, so only the (n_q, m) shortlist is written.

Same contract as the torch shortlist: the ``m`` smallest partial distances
``|x|^2 - 2 q.x`` in float32 (unordered, self excluded); the exact re-rank in
:func:`knn_torch.resolve_exact` makes the final neighbours exact.

Runs on CUDA tensors, or on CPU tensors under ``TRITON_INTERPRET=1`` (CI).
"""

from __future__ import annotations

import torch

from .interpolate_triton import _on_device, triton_usable

#: tl.dot input precisions the kernel accepts. 'ieee': plain fp32 FMA.
#: 'tf32x3': three TF32 tensor-core products (hi*hi + hi*lo + lo*hi), error
#: within ~6 fp32 ulps of |q||x| per term, which resolve_exact's bound absorbs.
PRECISIONS = ("ieee", "tf32x3")
#: Default launch: (BLOCK_Q, BLOCK_K, warps). bench/gpu_check.py's sweep on an
#: H200 (W2's class, tf32x3): (64, 64, 4) 19.9 ms; (64, 128, 4) 21; (128, 128, 8)
#: 24; (128, 64, 8) 26; (32, 64, 4) 36 ms.
LAUNCH = (64, 64, 4)


def fused_usable(x: torch.Tensor) -> bool:
    """Whether the fused kernel handles ``x``'s work copy (float32 rows, Triton on its device)."""
    return x.dtype == torch.float32 and triton_usable(x.device)


def shortlist_triton(
    xw: torch.Tensor,
    m: int,
    rows: torch.Tensor | None = None,
    *,
    precision: str = "ieee",
    launch: tuple[int, int, int] = LAUNCH,
) -> torch.Tensor:
    """The ``m`` nearest other rows of each query by float32 partial distance.

    Parameters
    ----------
    xw : Tensor of shape (n, d), float32
        Work rows (centred and scaled, :func:`knn_torch.centred_work_copy`).
    m : int
        Candidates per query, ``1 <= m <= n - 1``.
    rows : Tensor of shape (n_q,), int64, optional
        Query rows (all rows when omitted).
    precision : {'ieee', 'tf32x3'}
        ``tl.dot`` input precision (see :data:`PRECISIONS`).
    launch : (BLOCK_Q, BLOCK_K, num_warps)
        Changes speed, never the result (up to ties at the m-th value).

    Returns
    -------
    Tensor of shape (n_q, m), int64
        Unordered candidates.
    """
    if xw.dtype != torch.float32 or xw.ndim != 2:
        raise ValueError(f"fused shortlist needs 2-D float32 rows, got {xw.dtype} of shape {tuple(xw.shape)}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    n, d = xw.shape
    if not 1 <= m <= n - 1:
        raise ValueError(f"need 1 <= m <= n - 1, got m={m} for n={n} rows")
    xw = xw.contiguous()
    n_q = n if rows is None else rows.numel()
    out = torch.empty((n_q, m), dtype=torch.int64, device=xw.device)
    if n_q == 0:
        return out
    from ._knn_triton_jit import shortlist_kernel  # needs triton: imported on use

    block_q, block_k, warps = launch
    # tl.dot needs every tile side >= 16; 64 features per chunk keeps the
    # query tile in registers (64 x 64 fp32 per program).
    block_d = max(16, 1 << max(0, (d - 1).bit_length())) if d <= 64 else 32
    norms = (xw * xw).sum(dim=1)
    grid = (-(-n_q // block_q),)
    with _on_device(xw.device):
        shortlist_kernel[grid](
            xw,
            norms,
            rows if rows is not None else out,
            out,
            n,
            n_q,
            d,
            m,
            xw.stride(0),
            HAS_ROWS=rows is not None,
            ONE_CHUNK=d <= block_d,
            M_PAD=max(2, 1 << max(0, (m - 1).bit_length())),
            BLOCK_Q=block_q,
            BLOCK_K=block_k,
            BLOCK_D=block_d,
            PRECISION=precision,
            num_warps=warps,
        )
    return out
