"""Reference SMOTE interpolation (numpy): clear, slow, and the law for every fast path."""

from __future__ import annotations

import numpy as np

from .counter_rng import smote_draws_numpy


def smote_rows_numpy(
    pool: np.ndarray,
    neighbors: np.ndarray,
    key: int,
    start: int,
    count: int,
    base_rows: np.ndarray | None = None,
) -> np.ndarray:
    """Synthetic rows ``start .. start+count-1`` of one stream.

    Row ``i`` is ``pool[b] + gap_i * (pool[nb] - pool[b])`` where ``(base_i,
    slot_i, gap_i)`` are the counter draws of :mod:`counter_rng`,
    ``b = base_rows[base_i]`` (or ``base_i``) and ``nb = neighbors[base_i, slot_i]``.

    Parameters
    ----------
    pool : ndarray of shape (n_pool, d)
        Rows that bases and neighbours index into.
    neighbors : ndarray of shape (n_base, k), int
        Neighbour rows of ``pool`` for each base.
    key : int
        Stream key (:func:`counter_rng.stream_key`).
    start, count : int
        Slice of the stream.
    base_rows : ndarray of shape (n_base,), int, optional
        Row of ``pool`` for each base; identity when omitted.

    Returns
    -------
    ndarray of shape (count, d), dtype of ``pool``
        Computed in float64 for float64 input, else float32 (float16 input is
        rounded once at the end).
    """
    n_base, k = neighbors.shape
    base, slot, gap = smote_draws_numpy(key, start, count, n_base, k)
    compute = np.float64 if pool.dtype == np.float64 else np.float32
    base_row = base if base_rows is None else base_rows[base]
    x_base = pool[base_row].astype(compute)
    x_nb = pool[neighbors[base, slot]].astype(compute)
    return (x_base + gap.astype(compute)[:, None] * (x_nb - x_base)).astype(pool.dtype)
