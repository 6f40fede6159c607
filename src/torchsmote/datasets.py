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


def make_overlapping_classes(
    counts: tuple[int, ...] = (80_000, 15_000, 5_000),
    n_features: int = 16,
    *,
    spread: float = 0.5,
    dtype=np.float32,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A multi-class dataset of overlapping unit Gaussians (one per class).

    Class ``c`` (``counts[c]`` rows) is ``N(mu_c, I)`` with ``mu_c ~ N(0,
    spread**2 I)``: at ``spread=0.5`` and 16 features the class means lie ~2.8
    standard deviations apart, so every class has border rows (what cleaning,
    Borderline-SMOTE and ADASYN act on). Rows are shuffled; labels are 0, 1, ...

    Returns
    -------
    X : ndarray of shape (sum(counts), n_features), ``dtype``
    y : ndarray of shape (sum(counts),), int64
    """
    rng = np.random.default_rng(random_state)
    means = rng.normal(scale=spread, size=(len(counts), n_features))
    y = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    X = (rng.standard_normal((len(y), n_features)) + means[y]).astype(dtype)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]
