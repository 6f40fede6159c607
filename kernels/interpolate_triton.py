"""Fused SMOTE generation in Triton: draws, gathers and interpolation in one pass.

Each program computes the counter draws of its rows in registers (no index
tensors in memory), gathers the base and neighbour rows, interpolates in fp32
(fp64 for fp64 pools) and stores straight into the output. Bytes moved per
synthetic row: ``3 * d * itemsize`` (two row reads, one write) plus one 4- or
8-byte neighbour index (int32 or int64 table), so the kernel is bandwidth bound
for d >= 4.

Two launch layouts make identical rows (see ``_smote_triton_jit``): "tile", a
block of rows x features per program, and "flat", a run of output elements per
program; :func:`kernel_layout` picks "flat" (faster in 34 of 36 measured
pairs, see there) and keeps "tile" for Triton < 3.2, which has no ``tl.gather``.

Runs on CUDA tensors, or on CPU tensors when ``TRITON_INTERPRET=1`` is set
(that is how CI checks it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os

import torch

from .counter_rng import MASK64, check_pair_count
from .interpolate_checks import check_interpolation_arguments

#: Pool dtypes the kernel handles (it interpolates in fp32, fp64 for fp64).
TRITON_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
#: Neighbour-table dtypes. int32 halves the table's bytes: without cache hints,
#: int32 against int64 ran +10%, +11%, -4%, +8% at d = 16 and +4%, +6%, +4%,
#: +3% at d = 32 (four runs, H200, 10M fp32 rows from a 1M-row pool;
#: bench/RESULTS.md, runs 7-9).
TABLE_DTYPES = (torch.int32, torch.int64)


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


def _kernels():
    # Imported on first use: the package must import without triton installed.
    from . import _smote_triton_jit

    return _smote_triton_jit


#: Launch layouts: "tile" (rows x features per program) and "flat" (a run of
#: output elements per program); see :func:`kernel_layout`.
LAYOUTS = ("tile", "flat")

#: Elements (rows x features) per program and warps per program: the "tile"
#: launch rule. bench/gpu_check.py sweeps alternatives on a GPU and reports them.
ELEMENTS_PER_PROGRAM = 4096
NUM_WARPS = 4
#: Vectors per program of the "flat" layout: 1024 vectors over 128 threads keep
#: the sm_90 build at 64-92 registers for d = 1..128 in fp32 (no spills; two
#: or more programs per SM); 4096 scalar elements per program needed 245
#: registers at d = 33 (bench/kernel_resources.py prints this without a GPU).
FLAT_VECTORS_PER_PROGRAM = 1024
FLAT_MAX_ELEMENTS = 4096

#: Cache hints of the "flat" kernel: the pool's and the neighbour table's load
#: ``eviction_policy`` and the output store's ``cache_modifier`` (".cs": stream
#: the write-once output past the caches). The default, "table-last", keeps the
#: neighbour table in L2 (int32: 20 MB for 1M rows x k = 5, under the H200's
#: 50 MB), which every row reads at a random place before its neighbour row.
#: Against "pool-last" (the default before), both with an int32 table, on an
#: H200 (10M fp32 rows from a 1M-row pool, runs 7-9 of bench/RESULTS.md), it was
#: faster in all 14 paired timings: d = 16 +2.1, +4.4, +3.5, +3.5%; d = 32 +3.2,
#: +6.0, +2.2, +2.6%; d = 64 +2.8, +1.4, +1.5%; d = 128 +0.6, +1.2, +0.9%. From
#: an L2-resident 100k-row pool the two were within -2.2% .. +4.2% of each
#: other. "pool-first" lost nearly everywhere; "none" is the kernel before the
#: hints. Lines kept by evict_last did not slow a following L2-sized kernel
#: measurably (+1-3%, 2-4 us; gpu_check's "linger" section).
CACHE_POLICIES = {
    "none": {"POOL_EVICTION": "", "TABLE_EVICTION": "", "STORE_CACHE": ""},
    "pool-last": {"POOL_EVICTION": "evict_last", "TABLE_EVICTION": "", "STORE_CACHE": ".cs"},
    "table-last": {"POOL_EVICTION": "", "TABLE_EVICTION": "evict_last", "STORE_CACHE": ".cs"},
    "both-last": {"POOL_EVICTION": "evict_last", "TABLE_EVICTION": "evict_last", "STORE_CACHE": ".cs"},
    "pool-first": {"POOL_EVICTION": "evict_first", "TABLE_EVICTION": "evict_last", "STORE_CACHE": ".cs"},
}
DEFAULT_CACHE_POLICY = "table-last"


def block_sizes(d: int, elements: int = ELEMENTS_PER_PROGRAM) -> tuple[int, int]:
    """Launch shape rule of the "tile" layout: BLOCK_D = next power of two of d,
    capped at 128; BLOCK_M fills ``elements`` per program (4096: 16 KB of fp32
    per operand tile), enough in-flight loads per SM without spilling registers."""
    block_d = min(128, 1 << max(0, (d - 1).bit_length()))
    return max(16, elements // block_d), block_d


def vector_width(d: int, row_stride: int, data_ptr: int, itemsize: int) -> int:
    """Elements per 16-byte load of the "flat" layout: the largest power of two
    that divides d and the pool's row stride and keeps the pool's rows aligned."""
    vec = max(1, 16 // itemsize)
    while vec > 1 and (d % vec or row_stride % vec or data_ptr % (vec * itemsize)):
        vec //= 2
    return vec


def flat_block_sizes(d: int, vec: int, elements: int | None = None) -> tuple[int, int]:
    """``(BLOCK_E, BLOCK_R)`` of the "flat" layout.

    BLOCK_E output elements per program (``FLAT_VECTORS_PER_PROGRAM`` vectors,
    at most ``FLAT_MAX_ELEMENTS``, or ``elements``); BLOCK_R the power of two that
    covers the rows a run of BLOCK_E elements can touch. A run starts ``skip``
    elements into its first row, ``skip`` a multiple of gcd(d, BLOCK_E), so
    ``skip <= d - gcd(d, BLOCK_E)``.
    """
    block_e = elements or min(FLAT_MAX_ELEMENTS, FLAT_VECTORS_PER_PROGRAM * vec)
    max_skip = d - math.gcd(d, block_e)
    rows = (max_skip + block_e - 1) // d + 1
    return block_e, 1 << (rows - 1).bit_length()


def kernel_layout(pool: torch.Tensor, out: torch.Tensor) -> str:
    """Which kernel makes these rows: "flat" wherever Triton has ``tl.gather``, else "tile".

    Measured on an H200 (10M rows, 1M-row pool, % of device copy bandwidth,
    three runs, bench/RESULTS.md): "flat" beat "tile" in 34 of 36 pairs, e.g.
    fp32 d = 32: 82.5% vs 80.5%, d = 64: 89.0 vs 86.6, d = 128: 94.9 vs 90.7,
    fp64 d = 16: 80.6 vs 79.4, and where "tile" spills, d = 20: 53.5 vs 26.2,
    d = 33: 63.6 vs 12.9, d = 100: 84.4 vs 31.0. The two losses: d = 16 from
    an L2-resident 100k-row pool in one run (129% vs 134%) and bf16 d = 64 in
    another (83.6% vs 84.4%). ``pool`` and ``out`` are kept in the signature so
    a shape-dependent rule can return without touching the callers.
    """
    del pool, out
    return "flat" if _has_gather() else "tile"


def _has_gather() -> bool:
    """tl.gather, which the flat kernel needs, arrived in Triton 3.2."""
    import triton.language as tl

    return hasattr(tl, "gather")


def _key_halves(key: int) -> tuple[int, int]:
    """A uint64 key as (high, low) 32-bit halves, each as a signed int32 value."""
    key &= MASK64
    return tuple(h - (1 << 32) if h >= 1 << 31 else h for h in (key >> 32, key & 0xFFFFFFFF))


@dataclasses.dataclass(frozen=True)
class LaunchPlan:
    """One launch of a generation kernel: what :func:`smote_rows_triton` runs, and
    what ``bench/kernel_resources.py`` compiles offline to count registers."""

    kernel: str  # attribute of _smote_triton_jit
    grid: tuple[int]
    args: tuple  # positional runtime arguments, in the kernel's order
    constexprs: dict
    options: dict  # num_warps, enable_fp_fusion


def launch_plan(
    pool: torch.Tensor,
    neighbors: torch.Tensor,
    key: int,
    start: int,
    out: torch.Tensor,
    base_rows: torch.Tensor | None = None,
    layout: str | None = None,
    elements: int | None = None,
    num_warps: int = NUM_WARPS,
    cache_policy: str = DEFAULT_CACHE_POLICY,
) -> LaunchPlan:
    """The kernel, grid and arguments that write ``out`` (arguments already checked).

    ``cache_policy`` (flat layout): a key of :data:`CACHE_POLICIES`, the load and
    store cache hints. They change speed, never rows.
    """
    n_base, k = neighbors.shape
    count, d = out.shape
    layout = layout or kernel_layout(pool, out)
    base_arg = base_rows.contiguous() if base_rows is not None else neighbors
    common = (pool, neighbors, base_arg, out, *_key_halves(key), start, count, n_base * k, k)
    flags = {"HAS_BASE_ROWS": base_rows is not None, "COMPUTE_F64": pool.dtype == torch.float64}
    # No multiply-add fusion: the GPU then rounds exactly like the numpy reference
    # and the torch path (Triton fuses by default).
    options = {"num_warps": num_warps, "enable_fp_fusion": False}
    if layout == "tile":
        block_m, block_d = block_sizes(d, elements or ELEMENTS_PER_PROGRAM)
        args = (*common, d, pool.stride(0), neighbors.stride(0), out.stride(0))
        constexprs = {**flags, "BLOCK_M": block_m, "BLOCK_D": block_d}
        return LaunchPlan("smote_kernel", (-(-count // block_m),), args, constexprs, options)
    vec = vector_width(d, pool.stride(0), pool.data_ptr(), pool.element_size())
    block_e, block_r = flat_block_sizes(d, vec, elements)
    args = (*common, pool.stride(0) // vec, neighbors.stride(0), out.stride(0))
    constexprs = {
        **flags,
        "D": d,
        "OUT_CONTIGUOUS": out.stride(0) == d,
        "BLOCK_E": block_e,
        "BLOCK_R": block_r,
        "VEC": vec,
        **CACHE_POLICIES[cache_policy],
    }
    return LaunchPlan("smote_flat_kernel", (-(-count * d // block_e),), args, constexprs, options)


def smote_rows_triton(
    pool: torch.Tensor,
    neighbors: torch.Tensor,
    key: int,
    start: int,
    out: torch.Tensor,
    base_rows: torch.Tensor | None = None,
    *,
    layout: str | None = None,
    elements: int | None = None,
    num_warps: int = NUM_WARPS,
    cache_policy: str = DEFAULT_CACHE_POLICY,
) -> torch.Tensor:
    """Write synthetic rows ``start .. start+len(out)-1`` of one stream into ``out``.

    Same contract and results as :func:`interpolate_torch.smote_rows_torch`,
    except that ``neighbors`` may also be int32 (:data:`TABLE_DTYPES`).
    ``layout`` ("tile" or "flat", default :func:`kernel_layout`), ``elements``
    (output elements per program, a power of two), ``num_warps`` and
    ``cache_policy`` (a key of :data:`CACHE_POLICIES`, flat layout) override the
    launch rule; they change speed, never values.

    Raises
    ------
    ValueError
        When shapes, dtypes, devices or contiguity are not what the kernel handles.
    """
    check_interpolation_arguments(
        pool, neighbors, out, kernel="Triton", dtypes=TRITON_DTYPES, table_dtypes=TABLE_DTYPES
    )
    devices = {pool.device, neighbors.device, out.device}
    if base_rows is not None:
        devices.add(base_rows.device)
    if len(devices) != 1:
        raise ValueError(f"all tensors must be on one device, got {sorted(map(str, devices))}")
    if pool.stride(1) != 1 or out.stride(1) != 1 or neighbors.stride(1) != 1:
        raise ValueError("pool, out and neighbors need contiguous rows (stride 1 along features)")
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    if elements is not None and (elements < 16 or elements & (elements - 1)):
        raise ValueError(f"elements must be a power of two >= 16, got {elements}")
    if cache_policy not in CACHE_POLICIES:
        raise ValueError(f"cache_policy must be one of {sorted(CACHE_POLICIES)}, got {cache_policy!r}")
    if layout == "flat" and not _has_gather():
        raise ValueError("layout='flat' needs Triton >= 3.2 (tl.gather); use layout='tile'")
    check_pair_count(*neighbors.shape)
    if out.numel() == 0:
        return out
    plan = launch_plan(pool, neighbors, key, start, out, base_rows, layout, elements, num_warps, cache_policy)
    kernel = getattr(_kernels(), plan.kernel)
    with _on_device(pool.device):
        kernel[plan.grid](*plan.args, **plan.constexprs, **plan.options)
    return out
