"""Fused SMOTE generation in Triton: draws, gathers and interpolation in one pass.

Each program makes ``BLOCK_M`` synthetic rows. It computes the counter draws
in-registers (no index tensors in memory), gathers the base and neighbour rows,
interpolates in fp32 (fp64 for fp64 pools) and stores straight into the output.
Bytes moved per synthetic row: ``3 * d * itemsize`` (two row reads, one write)
plus one 8-byte neighbour index, so the kernel is bandwidth bound for d >= 4.

Runs on CUDA tensors, or on CPU tensors when ``TRITON_INTERPRET=1`` is set
(that is how CI checks it).
"""

from __future__ import annotations

import contextlib
import os

import torch

from .counter_rng import MASK64, check_pair_count
from .interpolate_checks import check_interpolation_arguments

#: Pool dtypes the kernel handles (it interpolates in fp32, fp64 for fp64).
TRITON_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def triton_usable(device: torch.device) -> bool:
    """Whether the Triton kernel can run on ``device`` (CUDA, or CPU under the interpreter)."""
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    if device.type == "cuda":
        return True
    return device.type == "cpu" and os.environ.get("TRITON_INTERPRET") == "1"


def _on_device(device: torch.device):
    """Launch on the tensors' GPU and its current stream, not on torch's current device."""
    return torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext()


def _kernel():
    # Imported on first use: the package must import without triton installed.
    from ._smote_triton_jit import smote_kernel

    return smote_kernel


#: Elements (rows x features) per program and warps per program: the default
#: launch rule. bench/gpu_check.py sweeps alternatives on a GPU and reports them.
ELEMENTS_PER_PROGRAM = 4096
NUM_WARPS = 4


def block_sizes(d: int, elements: int = ELEMENTS_PER_PROGRAM) -> tuple[int, int]:
    """Launch shape rule: BLOCK_D = next power of two of d, capped at 128;
    BLOCK_M fills ``elements`` per program (4096: 16 KB of fp32 per operand
    tile), enough in-flight loads per SM without spilling registers."""
    block_d = min(128, 1 << max(0, (d - 1).bit_length()))
    return max(16, elements // block_d), block_d


def _key_halves(key: int) -> tuple[int, int]:
    """A uint64 key as (high, low) 32-bit halves, each as a signed int32 value."""
    key &= MASK64
    return tuple(h - (1 << 32) if h >= 1 << 31 else h for h in (key >> 32, key & 0xFFFFFFFF))


def smote_rows_triton(
    pool: torch.Tensor,
    neighbors: torch.Tensor,
    key: int,
    start: int,
    out: torch.Tensor,
    base_rows: torch.Tensor | None = None,
    *,
    elements: int = ELEMENTS_PER_PROGRAM,
    num_warps: int = NUM_WARPS,
) -> torch.Tensor:
    """Write synthetic rows ``start .. start+len(out)-1`` of one stream into ``out``.

    Same contract and results as :func:`interpolate_torch.smote_rows_torch`.
    ``elements`` (rows x features per program, a power of two) and
    ``num_warps`` override the launch rule; they change speed, never values.

    Raises
    ------
    ValueError
        When shapes, dtypes, devices or contiguity are not what the kernel handles.
    """
    check_interpolation_arguments(pool, neighbors, out, kernel="Triton", dtypes=TRITON_DTYPES)
    devices = {pool.device, neighbors.device, out.device}
    if base_rows is not None:
        devices.add(base_rows.device)
    if len(devices) != 1:
        raise ValueError(f"all tensors must be on one device, got {sorted(map(str, devices))}")
    if pool.stride(1) != 1 or out.stride(1) != 1 or neighbors.stride(1) != 1:
        raise ValueError("pool, out and neighbors need contiguous rows (stride 1 along features)")
    n_base, k = neighbors.shape
    check_pair_count(n_base, k)
    count, d = out.shape
    if count == 0:
        return out
    block_m, block_d = block_sizes(d, elements)
    grid = (-(-count // block_m),)
    base_arg = base_rows.contiguous() if base_rows is not None else neighbors
    launch = _kernel()[grid]
    with _on_device(pool.device):
        launch(
            pool,
            neighbors,
            base_arg,
            out,
            *_key_halves(key),
            start,
            count,
            n_base * k,
            k,
            d,
            pool.stride(0),
            neighbors.stride(0),
            out.stride(0),
            HAS_BASE_ROWS=base_rows is not None,
            COMPUTE_F64=pool.dtype == torch.float64,
            BLOCK_M=block_m,
            BLOCK_D=block_d,
            num_warps=num_warps,
            # No multiply-add fusion: the GPU then rounds exactly like the numpy
            # reference and the torch path (Triton fuses by default).
            enable_fp_fusion=False,
        )
    return out
