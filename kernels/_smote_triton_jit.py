"""The Triton JIT code of :mod:`interpolate_triton` (imported lazily: needs triton).

Two kernels make the same rows; :func:`interpolate_triton.kernel_layout` picks
"flat", and "tile" only on Triton < 3.2 (no ``tl.gather``):

* ``smote_kernel`` ("tile"): a (rows x features) tile per program. Measured at
  80-94% of copy bandwidth on an H200 for d = 32, 64, 128 in fp32, but for any
  d that is not a multiple of 16 Triton cannot prove 16-byte alignment, the
  per-row draws are replicated across up to 32 lanes, and the sm_90 build spills
  (d = 33: 255 registers + 80-208 bytes of stack, 19% of copy bandwidth measured).
* ``smote_flat_kernel`` ("flat"): a run of output *elements* per program, the
  draws computed once per row and handed to the elements with ``tl.gather``.
  Every program writes one contiguous, aligned run (vector stores for any d) and
  loads whole 16-byte vectors wherever d and the pool's row stride allow.
  Measured on an H200 at 82-98% of copy bandwidth for d = 32, 64, 128 and
  64-68% at d = 33 (before the cache hints; bench/RESULTS.md).
"""

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


@triton.jit
def _row_draws(
    rows,
    row_ok,
    key_hi,
    key_lo,
    start,
    nbr_ptr,
    base_rows_ptr,
    n_pairs,
    k,
    stride_nbr,
    HAS_BASE_ROWS: tl.constexpr,
    COMPUTE_F64: tl.constexpr,
    TABLE_EVICTION: tl.constexpr,
):
    """Pool rows (base, neighbour) and gap of synthetic rows ``rows`` (int64 vector)."""
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
    nb = tl.load(
        nbr_ptr + base.to(tl.int64) * stride_nbr + slot, mask=row_ok, other=0, eviction_policy=TABLE_EVICTION
    )
    if HAS_BASE_ROWS:
        base_row = tl.load(base_rows_ptr + base, mask=row_ok, other=0)
    else:
        base_row = base.to(tl.int64)
    if COMPUTE_F64:
        gap = (word1 >> 40).to(tl.float64) * _GAP_SCALE
    else:
        gap = (word1 >> 40).to(tl.float32) * _GAP_SCALE
    return base_row.to(tl.int64), nb.to(tl.int64), gap


@triton.jit
def _interpolate(x_base, x_nb, gap, COMPUTE_F64: tl.constexpr):
    """``x_base + gap * (x_nb - x_base)`` in fp32 (fp64 for fp64 pools)."""
    if COMPUTE_F64:
        x_base = x_base.to(tl.float64)
        x_nb = x_nb.to(tl.float64)
    else:
        x_base = x_base.to(tl.float32)
        x_nb = x_nb.to(tl.float32)
    return x_base + gap * (x_nb - x_base)


# Arguments that are data, not shapes, or that the kernel calls methods on: never
# specialise them (Triton turns an int argument equal to 1 into a Python constant,
# and `count.to(...)` on a 1-row call or `n_pairs.to(...)` with one pair would then
# not compile).
_VALUES = ["start", "key_hi", "key_lo", "count", "n_pairs"]


@triton.jit(do_not_specialize=_VALUES)
def smote_kernel(
    pool_ptr,  # (n_pool, d) rows that bases and neighbours index into
    nbr_ptr,  # (n_base, k) int32 or int64 neighbour rows of the pool
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
    base_row, nb, gap = _row_draws(
        rows, row_ok, key_hi, key_lo, start, nbr_ptr, base_rows_ptr, n_pairs, k, stride_nbr,
        HAS_BASE_ROWS, COMPUTE_F64, "",
    )  # fmt: skip
    # int64 row offsets: n_pool * d passes 2**31 at realistic sizes.
    base_off = base_row * stride_pool
    nb_off = nb * stride_pool
    out_off = rows * stride_out
    for d0 in range(0, d, BLOCK_D):
        cols = d0 + tl.arange(0, BLOCK_D)
        mask = row_ok[:, None] & (cols < d)[None, :]
        x_base = tl.load(pool_ptr + base_off[:, None] + cols[None, :], mask=mask, other=0.0)
        x_nb = tl.load(pool_ptr + nb_off[:, None] + cols[None, :], mask=mask, other=0.0)
        y = _interpolate(x_base, x_nb, gap[:, None], COMPUTE_F64)
        tl.store(out_ptr + out_off[:, None] + cols[None, :], y.to(out_ptr.dtype.element_ty), mask=mask)


@triton.jit(do_not_specialize=_VALUES)
def smote_flat_kernel(
    pool_ptr,  # (n_pool, D) rows that bases and neighbours index into
    nbr_ptr,  # (n_base, k) int32 or int64 neighbour rows of the pool
    base_rows_ptr,  # (n_base,) int64 pool row of each base (read only if HAS_BASE_ROWS)
    out_ptr,  # (count, D) destination, row stride stride_out
    key_hi,  # the uint64 stream key as two int32 bit patterns (see smote_kernel)
    key_lo,
    start,  # stream index of out row 0
    count,  # rows to write
    n_pairs,  # n_base * k (< 2**31)
    k,  # neighbours per base
    stride_pool_vec,  # VEC-element vectors between pool rows (the row stride / VEC)
    stride_nbr,  # elements between neighbour-table rows
    stride_out,  # elements between output rows (read only if not OUT_CONTIGUOUS)
    D: tl.constexpr,  # features: a compile-time constant, so `// D` is a multiply
    HAS_BASE_ROWS: tl.constexpr,
    COMPUTE_F64: tl.constexpr,
    OUT_CONTIGUOUS: tl.constexpr,  # stride_out == D: one flat run of elements per program
    BLOCK_E: tl.constexpr,  # output elements per program (a multiple of VEC)
    BLOCK_R: tl.constexpr,  # power of two >= the rows one program's elements touch
    VEC: tl.constexpr,  # elements per vector: divides D and stride_pool, pool 16-byte aligned
    # Cache policies (interpolate_triton.CACHE_POLICIES): the pool's and the table's
    # loads' eviction_policy ("evict_last", "evict_first" or "") and the store's
    # cache_modifier (".cs" streams the write-once output past the caches, or "").
    POOL_EVICTION: tl.constexpr,
    TABLE_EVICTION: tl.constexpr,
    STORE_CACHE: tl.constexpr,
):
    pid = tl.program_id(0)
    # The program's elements are [e_first, e_first + BLOCK_E) of the (count * D)
    # output read as one flat array; they start `skip` elements into first_row.
    e_first = pid.to(tl.int64) * BLOCK_E
    first_row = e_first // D
    skip = (e_first - first_row * D).to(tl.int32)
    rows = first_row + tl.arange(0, BLOCK_R)
    row_ok = rows < count
    base_row, nb, gap = _row_draws(
        rows, row_ok, key_hi, key_lo, start, nbr_ptr, base_rows_ptr, n_pairs, k, stride_nbr,
        HAS_BASE_ROWS, COMPUTE_F64, TABLE_EVICTION,
    )  # fmt: skip
    # The elements in vectors of VEC: vector v of the program lies in local row
    # (skip + v * VEC) // D, at vector column col_v; D % VEC == 0, so a vector
    # never straddles two rows.
    unit = skip // VEC + tl.arange(0, BLOCK_E // VEC)
    local_row = unit // (D // VEC)
    col_v = unit - local_row * (D // VEC)
    # Each row's offsets and gap, handed from the row lanes to its elements' lanes.
    # Offsets are built as (vectors) * VEC, so Triton proves the VEC-alignment that
    # whole-vector loads need (a tl.multiple_of hint did not survive Triton 3.6).
    base_at = (tl.gather(base_row * stride_pool_vec, local_row, 0) + col_v) * VEC
    nb_at = (tl.gather(nb * stride_pool_vec, local_row, 0) + col_v) * VEC
    gap_at = tl.gather(gap, local_row, 0)
    inner = tl.arange(0, VEC)
    flat = e_first + (tl.arange(0, BLOCK_E // VEC) * VEC)[:, None] + inner[None, :]
    if OUT_CONTIGUOUS:
        out_at = flat
    else:
        out_at = ((first_row + local_row) * stride_out + col_v * VEC)[:, None] + inner[None, :]
    total = count.to(tl.int64) * D
    # Every program but the last writes all its elements: without a mask, Triton
    # stores whole 16-byte vectors for any d (a mask `flat < total` defeats that
    # whenever count * D is not provably a multiple of 4: scalar stores at d = 33).
    if e_first + BLOCK_E <= total:
        _flat_rows(
            pool_ptr, out_ptr, base_at, nb_at, gap_at, inner, out_at, flat, total, False, COMPUTE_F64,
            POOL_EVICTION, STORE_CACHE,
        )  # fmt: skip
    else:
        _flat_rows(
            pool_ptr, out_ptr, base_at, nb_at, gap_at, inner, out_at, flat, total, True, COMPUTE_F64,
            POOL_EVICTION, STORE_CACHE,
        )  # fmt: skip


@triton.jit
def _flat_rows(
    pool_ptr,
    out_ptr,
    base_at,
    nb_at,
    gap_at,
    inner,
    out_at,
    flat,
    total,
    MASKED: tl.constexpr,
    COMPUTE_F64: tl.constexpr,
    POOL_EVICTION: tl.constexpr,
    STORE_CACHE: tl.constexpr,
):
    """Gather, interpolate and store one flat program's vectors (masked past ``total`` if MASKED)."""
    keep: tl.constexpr = POOL_EVICTION
    stream: tl.constexpr = STORE_CACHE
    if MASKED:
        ok = flat < total
        x_base = tl.load(pool_ptr + base_at[:, None] + inner[None, :], ok, 0.0, eviction_policy=keep)
        x_nb = tl.load(pool_ptr + nb_at[:, None] + inner[None, :], ok, 0.0, eviction_policy=keep)
    else:
        x_base = tl.load(pool_ptr + base_at[:, None] + inner[None, :], eviction_policy=keep)
        x_nb = tl.load(pool_ptr + nb_at[:, None] + inner[None, :], eviction_policy=keep)
    y = _interpolate(x_base, x_nb, gap_at[:, None], COMPUTE_F64).to(out_ptr.dtype.element_ty)
    if MASKED:
        tl.store(out_ptr + out_at, y, mask=ok, cache_modifier=stream)
    else:
        tl.store(out_ptr + out_at, y, cache_modifier=stream)
