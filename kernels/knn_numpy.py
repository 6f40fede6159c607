"""Reference exact k-nearest neighbours within one set of rows (numpy, float64).

Written for clarity, not speed: every fast k-NN backend is tested against it.
"""

from __future__ import annotations

import numpy as np

# Rows per block: a block holds block_rows x n float64 distances plus a
# block_rows x n x d difference tensor, so keep it to ~64 MB of the latter.
_BLOCK_ELEMENTS = 8_000_000


def knn_self_numpy(x: np.ndarray, k: int) -> np.ndarray:
    """Exact k nearest neighbours of every row among the other rows of ``x``.

    Distances are squared Euclidean, computed as sums of squared differences in
    float64. A row is never its own neighbour (excluded by index, so a duplicate
    row *is* a neighbour at distance 0). Ties break toward the smaller index.

    Parameters
    ----------
    x : ndarray of shape (n, d)
    k : int
        Neighbours per row, ``1 <= k <= n - 1``.

    Returns
    -------
    ndarray of shape (n, k), int64
        Neighbour row indices, nearest first.
    """
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    out = np.empty((n, k), dtype=np.int64)
    block = max(1, _BLOCK_ELEMENTS // max(1, n * d))
    for start in range(0, n, block):
        stop = min(n, start + block)
        diff = x[start:stop, None, :] - x[None, :, :]
        dist = np.einsum("bnd,bnd->bn", diff, diff)
        dist[np.arange(stop - start), np.arange(start, stop)] = np.inf
        # A stable sort keeps equal distances in index order: ties -> smaller index.
        out[start:stop] = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return out
