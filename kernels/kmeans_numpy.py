"""Reference k-means and cluster sparsity (numpy, float64): clear, slow, the law for KMeansSMOTE.

k-means is Lloyd's algorithm from a k-means++ start (Arthur & Vassilvitskii,
2007) on a uniform sample of at most 256 rows per cluster (faiss's default
``max_points_per_centroid``), then every row goes to its nearest centre. Every
draw comes from :mod:`counter_rng`, so the torch path (:mod:`kmeans_torch`)
finds the same clusters on any device:

.. code-block:: text

    sample       = the min(n, 256 * n_clusters) rows with the smallest sample_keys(key, n), ascending
    u            = uniform_draws(key, 0, n_clusters)            # 53-bit uniforms on [0, 1)
    centre 0     = x[floor(u_0 * n)]
    centre j     = x[i], i the first row with cumsum(D2)[i] > u_j * sum(D2)   # D2: squared distance
                                                                              # to the nearest centre
    repeat       : labels = nearest centre (ties: the smaller index); centres = means of their rows
                   (an empty cluster keeps its centre)
    until        labels stop changing, or the centres moved by at most tol * mean feature variance
                 (squared, summed: scikit-learn's KMeans rule), or max_iter updates

(all on the sample); finally labels = nearest centre of every row. The sample
bounds the cost: on W3 (100k rows, 8 clusters, no cluster structure) Lloyd's
on all rows ran its 100 updates in 0.7 s on the 2-core dev VM, against a few
milliseconds on the 2048-row sample.
"""

from __future__ import annotations

import numpy as np

from .counter_rng import sample_keys_numpy, uniform_draws_numpy

#: Lloyd updates at most (scikit-learn's MiniBatchKMeans default; its KMeans allows 300).
KMEANS_MAX_ITER = 100
#: Convergence: summed squared centre shift <= tol * mean feature variance (scikit-learn's default).
KMEANS_TOL = 1e-4
#: Rows per centre that Lloyd's iterations see at most (faiss's ``max_points_per_centroid``).
MAX_ROWS_PER_CENTRE = 256
#: float64 values per block of the reference's explicit differences (32 MB).
BLOCK_VALUES = 1 << 22


def _blocks(n: int, per_row: int):
    rows = max(1, BLOCK_VALUES // max(1, per_row))
    for a in range(0, n, rows):
        yield a, min(n, a + rows)


def squared_distances_numpy(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """``|x_i - c_j|^2`` as float64 sums of squared differences, shape (n, n_centres)."""
    out = np.empty((x.shape[0], centres.shape[0]))
    for a, b in _blocks(x.shape[0], centres.size):
        out[a:b] = ((x[a:b, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return out


def kmeans_pp_init_numpy(x: np.ndarray, n_clusters: int, key: int) -> np.ndarray:
    """k-means++ starting centres (see the module docstring).

    Parameters
    ----------
    x : ndarray of shape (n, d), float64
    n_clusters : int
        ``1 <= n_clusters <= n``.
    key : int
        Stream key (``PURPOSE_KMEANS_INIT``).

    Returns
    -------
    ndarray of shape (n_clusters,), int64
        Rows of ``x`` chosen as centres. When every row coincides with a chosen
        centre (fewer distinct rows than clusters), the next one is uniform.
    """
    n = x.shape[0]
    u = uniform_draws_numpy(key, 0, n_clusters)
    chosen = np.empty(n_clusters, dtype=np.int64)
    chosen[0] = min(n - 1, int(u[0] * n))
    d2 = ((x - x[chosen[0]]) ** 2).sum(axis=1)
    for j in range(1, n_clusters):
        cumulative = np.cumsum(d2)
        total = cumulative[-1]
        if total > 0:
            pick = int(np.searchsorted(cumulative, u[j] * total, side="right"))
        else:
            pick = int(u[j] * n)
        chosen[j] = min(n - 1, pick)
        d2 = np.minimum(d2, ((x - x[chosen[j]]) ** 2).sum(axis=1))
    return chosen


def training_rows_numpy(key: int, n: int, n_clusters: int, per_centre: int = MAX_ROWS_PER_CENTRE):
    """Rows Lloyd's iterations run on: all ``n``, or a uniform sample of ``per_centre * n_clusters``.

    Returns
    -------
    ndarray of shape (min(n, per_centre * n_clusters),), int64, ascending
    """
    m = min(n, per_centre * n_clusters)
    if m == n:
        return np.arange(n, dtype=np.int64)
    keys = sample_keys_numpy(key, n)
    return np.sort(np.argpartition(keys, m - 1)[:m]).astype(np.int64)


def kmeans_numpy(
    x: np.ndarray,
    n_clusters: int,
    key: int,
    max_iter: int = KMEANS_MAX_ITER,
    tol: float = KMEANS_TOL,
    per_centre: int = MAX_ROWS_PER_CENTRE,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Lloyd's k-means from a k-means++ start on a row sample, in float64.

    Parameters
    ----------
    x : ndarray of shape (n, d)
        Any float dtype (computed in float64); not modified.
    n_clusters : int
        ``1 <= n_clusters <= n``.
    key : int
        Stream key of the sample and the k-means++ draws.
    max_iter : int
        Lloyd updates at most.
    tol : float
        Relative tolerance on the centre shift (scikit-learn's ``tol``).
    per_centre : int
        Training rows per cluster at most.

    Returns
    -------
    labels : ndarray of shape (n,), int64
        Nearest centre of each row (all rows), ties toward the smaller centre index.
    centres : ndarray of shape (n_clusters, d), float64
    n_iter : int
        Lloyd updates run.
    """
    x_all = np.asarray(x, dtype=np.float64)
    n = x_all.shape[0]
    if not 1 <= n_clusters <= n:
        raise ValueError(f"need 1 <= n_clusters <= n, got n_clusters={n_clusters} for n={n} rows")
    x = x_all[training_rows_numpy(key, n, n_clusters, per_centre)]
    threshold = tol * float(np.var(x, axis=0).mean())
    centres = x[kmeans_pp_init_numpy(x, n_clusters, key)].copy()
    labels = squared_distances_numpy(x, centres).argmin(axis=1)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        counts = np.bincount(labels, minlength=n_clusters)
        sums = np.stack(
            [np.bincount(labels, weights=x[:, f], minlength=n_clusters) for f in range(x.shape[1])], 1
        )
        moved = centres.copy()
        filled = counts > 0
        moved[filled] = sums[filled] / counts[filled, None]
        shift = float(((moved - centres) ** 2).sum())
        centres = moved
        new_labels = squared_distances_numpy(x, centres).argmin(axis=1)
        changed = bool((new_labels != labels).any())
        labels = new_labels
        if not changed or shift <= threshold:
            break
    labels = labels if x.shape[0] == n else squared_distances_numpy(x_all, centres).argmin(axis=1)
    return labels.astype(np.int64), centres, n_iter


def mean_pairwise_distance_numpy(x: np.ndarray) -> float:
    """Mean Euclidean distance over all ordered pairs of distinct rows (float64).

    ``sum_{i != j} |x_i - x_j| / (n^2 - n)``: imbalanced-learn's
    ``_find_cluster_sparsity`` mean (its diagonal is zeroed, then the whole matrix
    summed and divided by the off-diagonal count).

    Parameters
    ----------
    x : ndarray of shape (n, d), n >= 2

    Returns
    -------
    float
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"a mean pairwise distance needs at least 2 rows, got {n}")
    total = 0.0
    for a, b in _blocks(n, x.size):
        total += float(np.sqrt(((x[a:b, None, :] - x[None, :, :]) ** 2).sum(axis=2)).sum())
    return total / (n * n - n)
