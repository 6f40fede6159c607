"""The Triton JIT code of :mod:`interpolate_triton` (imported lazily: needs triton)."""

import triton
import triton.language as tl

from .counter_rng import GAP_SCALE, GOLDEN, MIX_MUL_1, MIX_MUL_2

_GOLDEN = tl.constexpr(GOLDEN)
_MIX_MUL_1 = tl.constexpr(MIX_MUL_1)
_MIX_MUL_2 = tl.constexpr(MIX_MUL_2)
_GAP_SCALE = tl.constexpr(GAP_SCALE)


@triton.jit
def _mix64(z):
    """SplitMix64's finaliser on uint64 lanes (same as counter_rng.mix64_int)."""
    z = z ^ (z >> 30)
    z = z * _MIX_MUL_1
    z = z ^ (z >> 27)
    z = z * _MIX_MUL_2
    return z ^ (z >> 31)


# start and the key are data, not shapes: never specialise them (1 would become a constant).
@triton.jit(do_not_specialize=["start", "key_hi", "key_lo"])
def smote_kernel(
    pool_ptr,  # (n_pool, d) rows that bases and neighbours index into
    nbr_ptr,  # (n_base, k) int64 neighbour rows of the pool
    base_rows_ptr,  # (n_base,) int64 pool row of each base (read only if HAS_BASE_ROWS)
    out_ptr,  # (count, d) destination, row stride stride_out
    key_hi,  # high 32 bits of the uint64 stream key, as a signed int32 (bit pattern)
    key_lo,  # low 32 bits, likewise: two int32 scalars keep one argument type for
    # every key (a 64-bit scalar's type would depend on its value) and need no
    # device tensor, whose host-to-device copy would synchronise every launch
    start,  # stream index of out row 0
    count,  # rows to write
    n_pairs,  # n_base * k (< 2**31)
    k,  # neighbours per base
    d,  # features
    stride_pool,  # elements between pool rows
    stride_nbr,  # elements between neighbour-table rows
    stride_out,  # elements between output rows
    HAS_BASE_ROWS: tl.constexpr,
    COMPUTE_F64: tl.constexpr,  # interpolate in fp64 (fp64 pools) instead of fp32
    BLOCK_M: tl.constexpr,  # synthetic rows per program
    BLOCK_D: tl.constexpr,  # features per inner step (masked tail for any d)
):
    pid = tl.program_id(0)
    # int64 offsets: count * d passes 2**31 at realistic sizes (100M rows x 16).
    rows = pid.to(tl.int64) * BLOCK_M + tl.arange(0, BLOCK_M)
    row_ok = rows < count
    counter = (start + rows).to(tl.uint64)
    key_high = key_hi.to(tl.uint32, bitcast=True).to(tl.uint64)
    key_low = key_lo.to(tl.uint32, bitcast=True).to(tl.uint64)
    key_u = (key_high << 32) | key_low
    word0 = _mix64(key_u + (counter * 2 + 1) * _GOLDEN)
    word1 = _mix64(key_u + (counter * 2 + 2) * _GOLDEN)
    # pair = floor(word0 * n_pairs / 2**64), exact through 32-bit halves.
    m = n_pairs.to(tl.uint64)
    pair = ((word0 >> 32) * m + (((word0 & 0xFFFFFFFF) * m) >> 32)) >> 32
    # pair < n_pairs < 2**31: divide in int32, which the GPU does in a few
    # instructions where a 64-bit division is a long emulated call.
    pair = pair.to(tl.int32)
    base = pair // k
    slot = pair - base * k
    nb = tl.load(nbr_ptr + base.to(tl.int64) * stride_nbr + slot, mask=row_ok, other=0)
    if HAS_BASE_ROWS:
        base_row = tl.load(base_rows_ptr + base, mask=row_ok, other=0)
    else:
        base_row = base.to(tl.int64)
    if COMPUTE_F64:
        gap = (word1 >> 40).to(tl.float64) * _GAP_SCALE
    else:
        gap = (word1 >> 40).to(tl.float32) * _GAP_SCALE
    # int64 row offsets: n_pool * d passes 2**31 at realistic sizes.
    base_off = base_row.to(tl.int64) * stride_pool
    nb_off = nb.to(tl.int64) * stride_pool
    out_off = rows * stride_out
    for d0 in range(0, d, BLOCK_D):
        cols = d0 + tl.arange(0, BLOCK_D)
        mask = row_ok[:, None] & (cols < d)[None, :]
        x_base = tl.load(pool_ptr + base_off[:, None] + cols[None, :], mask=mask, other=0.0)
        x_nb = tl.load(pool_ptr + nb_off[:, None] + cols[None, :], mask=mask, other=0.0)
        if COMPUTE_F64:
            x_base = x_base.to(tl.float64)
            x_nb = x_nb.to(tl.float64)
        else:
            x_base = x_base.to(tl.float32)
            x_nb = x_nb.to(tl.float32)
        y = x_base + gap[:, None] * (x_nb - x_base)
        tl.store(out_ptr + out_off[:, None] + cols[None, :], y.to(out_ptr.dtype.element_ty), mask=mask)
