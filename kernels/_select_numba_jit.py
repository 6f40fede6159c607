"""Numba kernels of :mod:`select_numba` (imported on first use: importing numba costs ~0.3 s)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .numba_launch import cached_njit

#: Members per column group. Group ``g`` of a row holds columns ``g, g + G, g +
#: 2G, ...`` (``G = c // GROUP``), so the group minima are one elementwise pass
#: that vectorises across groups.
GROUP = 16


@njit(inline="always")
def _insert(values, indices, filled, m, value, index):
    """Sorted insertion into ``values[:m]`` (ascending); returns the new fill count."""
    position = min(filled, m - 1)
    while position > 0 and values[position - 1] > value:
        values[position] = values[position - 1]
        indices[position] = indices[position - 1]
        position -= 1
    values[position] = value
    indices[position] = index
    return min(filled + 1, m)


@njit(inline="always")
def _offer(values, indices, filled, m, value, index):
    """Insert ``value`` if the buffer is not full yet or it beats the current m-th."""
    if filled < m or value < values[m - 1]:
        return _insert(values, indices, filled, m, value, index)
    return filled


@njit(inline="always")
def _select_row(dist, row, m, values, indices, minima, group_values, group_index):
    """The m smallest entries of ``dist[row]``, ascending, into ``values[row]`` / ``indices[row]``.

    Two stages: the minimum of each strided column group, then the entries of
    the m groups with the smallest minima only (the m smallest entries lie in
    them: each has a group minimum no larger than the m-th smallest entry).
    """
    c = dist.shape[1]
    n_groups = c // GROUP
    out_values = values[row]
    out_indices = indices[row]
    filled = 0
    if n_groups >= 2 * m:
        for g in range(n_groups):
            minima[g] = dist[row, g]
        for member in range(1, GROUP):
            offset = member * n_groups
            for g in range(n_groups):
                value = dist[row, offset + g]
                if value < minima[g]:
                    minima[g] = value
        chosen = 0
        for g in range(n_groups):
            chosen = _offer(group_values, group_index, chosen, m, minima[g], g)
        # The m-th smallest entry is at most the m-th smallest group minimum:
        # larger entries need no offer (cuts the inserts of this stage ~3x).
        bound = group_values[m - 1]
        for slot in range(m):
            g = group_index[slot]
            for member in range(GROUP):
                column = member * n_groups + g
                value = dist[row, column]
                if value <= bound:
                    filled = _offer(out_values, out_indices, filled, m, value, column)
        for column in range(n_groups * GROUP, c):  # columns past the last full group
            filled = _offer(out_values, out_indices, filled, m, dist[row, column], column)
        if filled == m:
            return
        filled = 0  # only NaN (never below any bound) leaves the buffer short: take every column
    for column in range(c):
        filled = _offer(out_values, out_indices, filled, m, dist[row, column], column)


@cached_njit(parallel=True, nogil=True)
def smallest_per_row_parallel(dist, m, values, indices):
    """Rows across numba's threads; see :func:`select_numba.smallest_per_row_numba`."""
    r, c = dist.shape
    minima = np.empty((r, max(1, c // GROUP)), dtype=dist.dtype)
    group_values = np.empty((r, m), dtype=dist.dtype)
    group_index = np.empty((r, m), dtype=np.int64)
    for row in prange(r):
        _select_row(dist, row, m, values, indices, minima[row], group_values[row], group_index[row])


@cached_njit(nogil=True)
def smallest_per_row_serial(dist, m, values, indices):
    """:func:`smallest_per_row_parallel` on the calling thread only."""
    r, c = dist.shape
    minima = np.empty(max(1, c // GROUP), dtype=dist.dtype)
    group_values = np.empty(m, dtype=dist.dtype)
    group_index = np.empty(m, dtype=np.int64)
    for row in range(r):
        _select_row(dist, row, m, values, indices, minima, group_values, group_index)
