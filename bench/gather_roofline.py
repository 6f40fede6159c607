"""Random-row gather ceilings for the generation kernel, measured on the card.

The SMOTE kernel's memory traffic per synthetic row is: one neighbour-table
entry at a random place, two pool rows at random places (the second one's
address known only after the table read), one output row written in order.
Sequential copy bandwidth is the issue's yardstick, but once the pool is larger
than the L2 cache every row read is a random DRAM access; what such accesses
can reach on a card is a property of the card, not of our kernel. These
kernels do the same traffic with nothing else (no counter RNG, no
interpolation), so the SMOTE kernel's figure can be read against them:

* ``seq1``: one row read in order, one written (a copy through the same code);
* ``rand1``: one random row read, one written;
* ``rand2``: two independent random rows read (summed), one written;
* ``rand2t``: one random row, a random table entry of it, the row that entry
  names, one written: the SMOTE kernel's exact access pattern.

Used by ``bench/gpu_check.py`` (section "roofline"); runs under
``TRITON_INTERPRET=1`` for the smoke test.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl

PATTERNS = ("seq1", "rand1", "rand2", "rand2t")


@triton.jit
def _hash32(x):
    """A 32-bit integer hash (lowbias32): uniform enough for a bandwidth test."""
    x = x ^ (x >> 16)
    x = x * 0x7FEB352D
    x = x ^ (x >> 15)
    x = x * 0x846CA68B
    return x ^ (x >> 16)


@triton.jit
def _gather_rows_kernel(
    pool_ptr,
    table_ptr,
    out_ptr,
    count,
    n_pool,
    k,
    D: tl.constexpr,
    BLOCK: tl.constexpr,
    PATTERN: tl.constexpr,
    HINTS: tl.constexpr,  # the SMOTE kernel's default cache policy: table evict_last, .cs stores
):
    table_policy: tl.constexpr = "evict_last" if HINTS else ""
    store_cache: tl.constexpr = ".cs" if HINTS else ""
    rows = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    ok = rows < count
    cols = tl.arange(0, D)
    h = _hash32(rows.to(tl.uint32))
    # floor(h * n_pool / 2**32): a uniform row of the pool.
    first = ((h.to(tl.uint64) * n_pool.to(tl.uint64)) >> 32).to(tl.int64)
    if PATTERN == "seq1":
        first = rows % n_pool
    mask = ok[:, None]
    acc = tl.load(pool_ptr + first[:, None] * D + cols[None, :], mask=mask, other=0.0)
    if PATTERN == "rand2":
        h2 = _hash32(h ^ 0x9E3779B9)
        second = ((h2.to(tl.uint64) * n_pool.to(tl.uint64)) >> 32).to(tl.int64)
        acc += tl.load(pool_ptr + second[:, None] * D + cols[None, :], mask=mask, other=0.0)
    if PATTERN == "rand2t":
        slot = (h >> 3).to(tl.int32) % k
        second = tl.load(table_ptr + first * k + slot, mask=ok, other=0, eviction_policy=table_policy)
        second = second.to(tl.int64)
        acc += tl.load(pool_ptr + second[:, None] * D + cols[None, :], mask=mask, other=0.0)
    tl.store(out_ptr + rows[:, None] * D + cols[None, :], acc, mask=mask, cache_modifier=store_cache)


def gather_rows(
    pool: torch.Tensor,
    table: torch.Tensor,
    out: torch.Tensor,
    pattern: str,
    block: int = 128,
    num_warps: int = 4,
    hints: bool = False,
):
    """Fill ``out`` (count, d) with rows of ``pool`` (n_pool, d) read in ``pattern``.

    ``table`` (n_pool, k) int32 is read only by "rand2t". d must be a power of two
    (the test reads whole rows, no masked tails). ``block`` rows per program and
    ``num_warps`` set how many reads each SM keeps in flight; ``hints`` adds the
    SMOTE kernel's default cache hints (table reads evict_last, streaming stores).
    """
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS}, got {pattern!r}")
    count, d = out.shape
    if d & (d - 1) or pool.shape[1] != d or not (pool.is_contiguous() and out.is_contiguous()):
        raise ValueError("contiguous pool and out with the same power-of-two width expected")
    grid = (triton.cdiv(count, block),)
    _gather_rows_kernel[grid](
        pool, table, out, count, pool.shape[0], table.shape[1], D=d, BLOCK=block, PATTERN=pattern,
        HINTS=hints, num_warps=num_warps,
    )  # fmt: skip
    return out


def traffic_bytes(pattern: str, count: int, d: int, itemsize: int, table_itemsize: int = 4) -> int:
    """Bytes the pattern must move: rows read + rows written (+ one table entry)."""
    reads = 1 if pattern in ("seq1", "rand1") else 2
    extra = table_itemsize if pattern == "rand2t" else 0
    return count * ((reads + 1) * d * itemsize + extra)
