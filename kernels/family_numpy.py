"""Reference kernels of the SMOTE family beyond SMOTE (numpy): clear, slow, the law.

ADASYN, BorderlineSMOTE (kind='borderline-2'), SVMSMOTE and RandomOverSampler's
smoothed bootstrap draw from :mod:`counter_rng` like SMOTE, with their own
``PURPOSE_*`` stream keys; every fast path (:mod:`family_torch`) is tested against
these. KMeansSMOTE's k-means and cluster sparsity live in :mod:`kmeans_numpy`.
BorderlineSMOTE kind='borderline-1' is plain SMOTE on the danger rows and uses
:func:`interpolate_numpy.smote_rows_numpy` with ``base_rows``.
"""

from __future__ import annotations

import numpy as np

from .counter_rng import normal_draws_numpy, smote_draws_numpy


def pair_rows_numpy(pool: np.ndarray, base: np.ndarray, neighbor: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """Rows ``pool[base] + gap * (pool[neighbor] - pool[base])``.

    Parameters
    ----------
    pool : ndarray of shape (n_pool, d)
    base, neighbor : ndarray of shape (count,), int
        Rows of ``pool``.
    gap : ndarray of shape (count,), float64
        Rounded once to the compute dtype.

    Returns
    -------
    ndarray of shape (count, d), dtype of ``pool``
        Computed in float64 for float64 pools, else float32, as SMOTE's kernels.
    """
    compute = np.float64 if pool.dtype == np.float64 else np.float32
    x_base = pool[base].astype(compute)
    x_nb = pool[neighbor].astype(compute)
    return (x_base + gap.astype(compute)[:, None] * (x_nb - x_base)).astype(pool.dtype)


def adasyn_draws_numpy(key: int, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ADASYN's draws: row ``counts[i]`` times base ``i``, a uniform slot and a gap each.

    Synthetic row ``j`` (in base order) takes slot and gap from the counter
    draws of index ``j`` with one base (``smote_draws(key, 0, total, 1, k)``).

    Returns
    -------
    base : ndarray of shape (counts.sum(),), int64
        ``np.repeat(arange(len(counts)), counts)``.
    slot : ndarray of shape (counts.sum(),), int64
    gap : ndarray of shape (counts.sum(),), float64
    """
    total = int(counts.sum())
    base = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    if total == 0:
        return base, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    _, slot, gap = smote_draws_numpy(key, 0, total, 1, k)
    return base, slot, gap


def adasyn_rows_numpy(pool: np.ndarray, neighbors: np.ndarray, counts: np.ndarray, key: int) -> np.ndarray:
    """ADASYN rows of one class: ``counts[i]`` rows from row ``i`` toward its neighbours.

    Parameters
    ----------
    pool : ndarray of shape (n_class, d)
    neighbors : ndarray of shape (n_class, k), int
        Same-class neighbours (indices into ``pool``).
    counts : ndarray of shape (n_class,), int
    key : int
        Stream key (``PURPOSE_ADASYN``).

    Returns
    -------
    ndarray of shape (counts.sum(), d)
    """
    base, slot, gap = adasyn_draws_numpy(key, counts, neighbors.shape[1])
    return pair_rows_numpy(pool, base, neighbors[base, slot], gap)


def borderline2_draws_numpy(
    key: int, shrink_key: int, count: int, neighbors: np.ndarray, same_class: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Borderline-2 draws: SMOTE's (base, slot, gap), the gap shrunk toward other classes.

    The pair is uniform over (danger row, neighbour slot) as in SMOTE; when the
    neighbour belongs to another class the gap is multiplied by ``0.5 * u``
    with ``u`` uniform on [0, 1) from the ``shrink_key`` stream (imbalanced-learn
    multiplies its step by a uniform on [0, 0.5) there), so such rows stay in
    the nearer half of the segment.

    Parameters
    ----------
    key, shrink_key : int
        Stream keys (``PURPOSE_BORDERLINE``, ``PURPOSE_BORDERLINE_SHRINK``).
    count : int
    neighbors : ndarray of shape (n_danger, k), int
        Each danger row's neighbours among all rows.
    same_class : ndarray of shape (n_rows,), bool
        Whether a row (index space of ``neighbors``) is of the over-sampled class.

    Returns
    -------
    base : ndarray of shape (count,), int64
        Danger row position in ``[0, n_danger)``.
    neighbor : ndarray of shape (count,), int64
    gap : ndarray of shape (count,), float64
        Exact: both factors have 24-bit mantissas.
    """
    n_base, k = neighbors.shape
    base, slot, gap = smote_draws_numpy(key, 0, count, n_base, k)
    neighbor = neighbors[base, slot]
    half = 0.5 * smote_draws_numpy(shrink_key, 0, count, 1, 1)[2]
    gap = np.where(same_class[neighbor], gap, gap * half)
    return base, neighbor, gap


def stepped_draws_numpy(
    key: int, start: int, count: int, n_base: int, k: int, step: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SMOTE's draws with the gap scaled by ``step`` (SVMSMOTE).

    ``step = 1`` interpolates (rows from danger support vectors); ``step =
    -out_step`` extrapolates away from the neighbour, up to ``out_step`` of the
    segment (rows from safe support vectors), as imbalanced-learn's
    ``step_size``: ``row = x_b + step * u * (x_n - x_b)``.

    Returns
    -------
    base : ndarray of shape (count,), int64
        In ``[0, n_base)``.
    slot : ndarray of shape (count,), int64
    gap : ndarray of shape (count,), float64
        ``step * u``, rounded once in float64 (exact for ``step`` a power of two).
    """
    base, slot, gap = smote_draws_numpy(key, start, count, n_base, k)
    return base, slot, gap * step


def svm_rows_numpy(
    pool: np.ndarray,
    base_rows: np.ndarray,
    neighbors: np.ndarray,
    key: int,
    start: int,
    count: int,
    step: float,
) -> np.ndarray:
    """SVMSMOTE rows ``start .. start+count-1`` of one class stream.

    Parameters
    ----------
    pool : ndarray of shape (n_class, d)
        The class's rows.
    base_rows : ndarray of shape (n_base,), int
        Rows of ``pool`` the synthetic rows start from (support vectors).
    neighbors : ndarray of shape (n_base, k), int
        Each base's nearest rows of ``pool``.
    key : int
        Stream key (``PURPOSE_SVM``).
    start, count : int
        Slice of the stream (the safe block starts where the danger block ends).
    step : float
        1 (interpolation) or ``-out_step`` (extrapolation).

    Returns
    -------
    ndarray of shape (count, d), dtype of ``pool``
    """
    base, slot, gap = stepped_draws_numpy(key, start, count, *neighbors.shape, step)
    return pair_rows_numpy(pool, base_rows[base], neighbors[base, slot], gap)


def bootstrap_draws_numpy(key: int, count: int, n: int) -> np.ndarray:
    """Bootstrap positions: ``count`` uniform draws with replacement from ``[0, n)``."""
    if count == 0:
        return np.empty(0, dtype=np.int64)
    return smote_draws_numpy(key, 0, count, n, 1)[0]


def smoothed_rows_numpy(rows: np.ndarray, scale: np.ndarray, key: int) -> np.ndarray:
    """Smoothed bootstrap: ``rows + z * scale`` with ``z`` standard normal per value.

    Parameters
    ----------
    rows : ndarray of shape (count, d)
        The bootstrapped rows.
    scale : ndarray of shape (d,), float64
        Noise standard deviation per feature.
    key : int
        Stream key (``PURPOSE_BOOTSTRAP_NOISE``); value ``(i, f)`` is normal draw ``i * d + f``.

    Returns
    -------
    ndarray of shape (count, d), dtype of ``rows``
        Computed in float64, rounded once.
    """
    count, d = rows.shape
    noise = normal_draws_numpy(key, 0, count * d).reshape(count, d)
    return (rows.astype(np.float64) + noise * scale[None, :]).astype(rows.dtype)
