"""Numba kernels of :mod:`interpolate_numba` (imported on first use: importing numba costs ~0.3 s).

Two entry points with one body: ``smote_rows_parallel`` splits the rows across
numba's threads, ``smote_rows_serial`` runs on the calling thread (forked
children, one-thread callers). They are separate functions, not one function
jitted twice, so that numba's on-disk cache keeps one entry per kernel.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .counter_rng import GOLDEN, MIX_MUL_1, MIX_MUL_2
from .numba_launch import cached_njit

_GOLDEN = np.uint64(GOLDEN)
_MUL_1 = np.uint64(MIX_MUL_1)
_MUL_2 = np.uint64(MIX_MUL_2)
_LOW32 = np.uint64(0xFFFFFFFF)
#: Rows per parallel work item: 4096 rows x 32 float32 features is 512 KB of
#: output, large enough to amortise scheduling, small enough to balance threads.
CHUNK_ROWS = 4096


@njit(inline="always")
def _mix64(z):
    # counter_rng.mix64 on uint64 (wraps mod 2**64). Every constant is a uint64:
    # numba would promote a uint64/int64 mix to float64.
    z ^= z >> np.uint64(30)
    z *= _MUL_1
    z ^= z >> np.uint64(27)
    z *= _MUL_2
    z ^= z >> np.uint64(31)
    return z


@njit(inline="always")
def _rows(pool, flat_neighbors, k, base_rows, key, start, out, first, stop):
    """Rows ``first .. stop-1`` of ``out``: the counter draws, both gathers and the interpolation.

    Returns the number of rows skipped because their base or neighbour index
    lies outside the pool (numba does not bounds-check; the launcher raises).
    The pair and base indices are in range by construction (``pair <
    n_base * k``, ``base < n_base``); only the table's values need a check,
    two compares per row instead of a scan of the whole table per call.
    """
    d = out.shape[1]
    n_pool = pool.shape[0]
    n_pairs = np.uint64(flat_neighbors.shape[0])
    has_base_rows = base_rows.shape[0] > 0
    gap = np.empty(1, dtype=out.dtype)  # holds the gap in the compute dtype
    skipped = 0
    for i in range(first, stop):
        counter = np.uint64(start + i) * np.uint64(2)
        word = _mix64(key + (counter + np.uint64(1)) * _GOLDEN)
        gap_word = _mix64(key + (counter + np.uint64(2)) * _GOLDEN)
        # floor(word * n_pairs / 2**64), exact for n_pairs < 2**31 (counter_rng).
        high = (word >> np.uint64(32)) * n_pairs
        low = ((word & _LOW32) * n_pairs) >> np.uint64(32)
        pair = np.int64((high + low) >> np.uint64(32))
        base = pair // k
        row = base_rows[base] if has_base_rows else base
        neighbor = flat_neighbors[pair]
        if row < 0 or row >= n_pool or neighbor < 0 or neighbor >= n_pool:
            skipped += 1
            continue
        # 24 random bits times 2**-24: exact in float32 and float64 alike.
        gap[0] = np.float64(gap_word >> np.uint64(40)) * 5.9604644775390625e-08
        g = gap[0]
        for j in range(d):
            x = pool[row, j]
            # Same operation order as the reference: x + gap * (neighbour - x),
            # rounded step by step (numba does not contract it into an FMA).
            out[i, j] = x + g * (pool[neighbor, j] - x)
    return skipped


@cached_njit(parallel=True, nogil=True)
def smote_rows_parallel(pool, flat_neighbors, k, base_rows, key, start, out):
    """Fill ``out`` (count, d) with stream rows ``start ..``, chunks of rows across threads.

    Returns the number of rows skipped for an index outside the pool.
    """
    count = out.shape[0]
    n_chunks = (count + CHUNK_ROWS - 1) // CHUNK_ROWS
    # One count per chunk, summed after the loop (a scalar += reduction over an
    # inlined kernel trips numba's parfor lowering: "unexpected cycle in lookup()").
    skipped = np.zeros(n_chunks, dtype=np.int64)
    for chunk in prange(n_chunks):
        first = chunk * CHUNK_ROWS
        stop = min(count, first + CHUNK_ROWS)
        skipped[chunk] = _rows(pool, flat_neighbors, k, base_rows, key, start, out, first, stop)
    return skipped.sum()


@cached_njit(nogil=True)
def smote_rows_serial(pool, flat_neighbors, k, base_rows, key, start, out):
    """:func:`smote_rows_parallel` on the calling thread only."""
    return _rows(pool, flat_neighbors, k, base_rows, key, start, out, 0, out.shape[0])
