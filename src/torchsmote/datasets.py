"""Built-in synthetic datasets: the demo and the benchmark workloads."""

from __future__ import annotations

import numpy as np


def make_imbalanced_blobs(
    n_majority: int = 100_000,
    n_minority: int = 2_000,
    n_features: int = 16,
    *,
    n_clusters: int = 10,
    cluster_std: float = 1.0,
    spread: float = 4.0,
    dtype=np.float32,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A binary imbalanced dataset of Gaussian clusters ("clustered data").

    Each class is a mixture of ``n_clusters`` isotropic Gaussian blobs whose
    centres are drawn from ``N(0, spread**2 I)``; the majority is class 0, the
    minority class 1. Rows are shuffled.

    Parameters
    ----------
    n_majority, n_minority : int
        Rows per class.
    n_features : int
    n_clusters : int
        Blobs per class.
    cluster_std : float
        Standard deviation inside a blob.
    spread : float
        Standard deviation of the blob centres.
    dtype : numpy dtype
    random_state : int

    Returns
    -------
    X : ndarray of shape (n_majority + n_minority, n_features)
    y : ndarray of shape (n_majority + n_minority,), int64
    """
    rng = np.random.default_rng(random_state)
    parts, labels = [], []
    for label, size in ((0, n_majority), (1, n_minority)):
        centres = rng.normal(scale=spread, size=(n_clusters, n_features))
        which = rng.integers(0, n_clusters, size)
        points = centres[which] + rng.normal(scale=cluster_std, size=(size, n_features))
        parts.append(points.astype(dtype))
        labels.append(np.full(size, label, dtype=np.int64))
    order = rng.permutation(n_majority + n_minority)
    return np.concatenate(parts)[order], np.concatenate(labels)[order]
