"""KMeansSMOTE's clustering and cluster rules: which clusters of a class get rows, and how many.

The clusters come from our seeded k-means (``kernels/kmeans_*``, numpy reference
or torch on the working device) or from a user's scikit-learn style estimator
fitted on host numpy data. The rules that follow are imbalanced-learn's
(``KMeansSMOTE._fit_resample``), written with the same float64 operations in
the same order so that the selected clusters and their counts match it exactly
on the same cluster labels:

.. code-block:: text

    share       = n_class_in_cluster / n_cluster                         # float64, as numpy's mean
    threshold   = n_samples / sum(sampling_strategy_) / 2   if 'auto'    # -inf with one cluster
    selected    : share >= threshold  and  share * n_cluster >= k_neighbors + 1
    exponent    = log(n_class_in_cluster, 1.6) ** 1.8 * 0.16   if 'auto'
    sparsity    = mean_pairwise_distance(class rows in cluster) ** exponent / n_class_in_cluster
    rows        = ceil(n_samples * sparsity / sum(sparsity))            # per selected cluster

(so a class may get a few more rows than ``n_samples``: one ``ceil`` per
cluster, as in imbalanced-learn). imbalanced-learn's docstring calls the 'auto'
exponent "feature-length based"; its code, followed here, uses the number of
the class's rows in the cluster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
from sklearn.base import clone

from torchsmote.kernels.counter_rng import PURPOSE_KMEANS_INIT, stream_key
from torchsmote.kernels.kmeans_numpy import kmeans_numpy, mean_pairwise_distance_numpy
from torchsmote.kernels.kmeans_torch import kmeans_torch, mean_pairwise_distance_torch
from torchsmote.sampling_strategy import label_repr

__all__ = [
    "DEFAULT_N_CLUSTERS",
    "ClassClusters",
    "Clustering",
    "class_cluster_sizes",
    "cluster_sample_counts",
    "cluster_sparsity",
    "fit_clusters",
    "mean_pairwise_distance",
    "plan_class",
    "select_clusters",
]

#: Clusters of the default k-means: scikit-learn's MiniBatchKMeans default, which
#: imbalanced-learn's KMeansSMOTE uses when no estimator is given.
DEFAULT_N_CLUSTERS = 8


@dataclass
class Clustering:
    """Cluster label of every row and how many clusters the rules iterate over."""

    labels: torch.Tensor  # (n,), int64, on the working device
    n_clusters: int
    estimator: object  # the fitted user estimator, or None for our k-means


def fit_clusters(kmeans_estimator, x: torch.Tensor, seed: int, backend: str) -> Clustering:
    """Cluster the rows of ``x``.

    Parameters
    ----------
    kmeans_estimator : None, int or estimator
        None: our k-means with :data:`DEFAULT_N_CLUSTERS` clusters; an int: that
        many clusters; otherwise a scikit-learn style estimator, cloned and
        fitted on ``x`` as float32/float64 numpy: its ``fit_predict`` (else
        ``fit`` then ``labels_``, else ``predict``) gives the labels, and its
        ``n_clusters`` (else the largest label + 1) the clusters to visit.
    x : Tensor of shape (n, d)
        All rows, on the working device.
    seed : int
        Counter-RNG seed (our k-means++ draws: ``PURPOSE_KMEANS_INIT``).
    backend : str
        Resolved kernel backend: 'numpy' runs the reference k-means, any other the torch one.

    Returns
    -------
    Clustering
    """
    n = x.shape[0]
    if kmeans_estimator is None or isinstance(kmeans_estimator, Integral):
        n_clusters = DEFAULT_N_CLUSTERS if kmeans_estimator is None else int(kmeans_estimator)
        if n_clusters > n:
            raise ValueError(
                f"KMeansSMOTE: X has {n} row(s), fewer than the {n_clusters} clusters asked for "
                "(pass kmeans_estimator=<int> with fewer clusters)"
            )
        key = stream_key(seed, 0, PURPOSE_KMEANS_INIT)
        if backend == "numpy":
            labels = torch.from_numpy(kmeans_numpy(_host(x), n_clusters, key)[0]).to(x.device)
        else:
            labels = kmeans_torch(x, n_clusters, key)[0]
        return Clustering(labels, n_clusters, None)
    estimator = clone(kmeans_estimator)
    host = _host(x)
    if hasattr(estimator, "fit_predict"):
        found = estimator.fit_predict(host)
    else:
        estimator.fit(host)
        found = estimator.labels_ if hasattr(estimator, "labels_") else estimator.predict(host)
    found = np.asarray(found)
    if found.shape != (n,) or found.dtype.kind not in "iu":
        raise ValueError(
            f"kmeans_estimator gave cluster labels of shape {found.shape} and dtype {found.dtype}; "
            f"expected integer labels of shape ({n},)"
        )
    n_clusters = getattr(estimator, "n_clusters", None)
    n_clusters = int(n_clusters) if isinstance(n_clusters, Integral) else max(0, int(found.max()) + 1)
    return Clustering(torch.from_numpy(found.astype(np.int64)).to(x.device), n_clusters, estimator)


def _host(x: torch.Tensor) -> np.ndarray:
    """``x`` as host numpy for scikit-learn (half precision widened to float32)."""
    wide = x.dtype in (torch.float32, torch.float64)
    return (x if wide else x.to(torch.float32)).cpu().numpy()


def mean_pairwise_distance(pool: torch.Tensor, backend: str) -> float:
    """Mean distance between distinct rows of ``pool`` (numpy reference or torch kernel)."""
    if backend == "numpy":
        return mean_pairwise_distance_numpy(_host(pool))
    return mean_pairwise_distance_torch(pool)


def select_clusters(
    cluster_sizes: np.ndarray,
    class_sizes: np.ndarray,
    n_samples: int,
    total_samples: int,
    threshold,
    k_neighbors: int,
) -> list[int]:
    """Clusters where a class gets rows: imbalanced-learn's two filters.

    Parameters
    ----------
    cluster_sizes : ndarray of shape (n_clusters,), int
        Rows per cluster (all classes).
    class_sizes : ndarray of shape (n_clusters,), int
        The class's rows per cluster.
    n_samples : int
        Rows asked for the class.
    total_samples : int
        Rows asked for all classes (``sum(sampling_strategy_.values())``).
    threshold : 'auto' or float
        ``cluster_balance_threshold_`` (-inf when there is one cluster).
    k_neighbors : int

    Returns
    -------
    list of int
        Selected clusters, ascending: not empty, the class's share at least the
        threshold ('auto': ``n_samples / total_samples / 2``), and at least
        ``k_neighbors + 1`` of the class's rows.
    """
    balance = n_samples / total_samples / 2 if isinstance(threshold, str) else threshold
    selected = []
    for cluster, (size, count) in enumerate(zip(cluster_sizes.tolist(), class_sizes.tolist(), strict=True)):
        if size == 0:
            continue
        share = count / size  # numpy's mean of a boolean mask: the same float64 division
        if share < balance:
            continue
        # imbalanced-learn compares share * size (not the count) with its n_neighbors (k + 1):
        # the same float expression, so a count that rounds below k + 1 is skipped alike.
        if share * size < k_neighbors + 1:
            continue
        selected.append(cluster)
    return selected


def cluster_sparsity(mean_distance: float, n_rows: int, density_exponent) -> float:
    """``mean_distance ** exponent / n_rows``; 'auto' exponent ``log(n_rows, 1.6) ** 1.8 * 0.16``."""
    exponent = math.log(n_rows, 1.6) ** 1.8 * 0.16 if density_exponent == "auto" else density_exponent
    return float(np.float64(mean_distance) ** exponent / n_rows)


def cluster_sample_counts(sparsities: list[float], n_samples: int, label) -> list[int]:
    """Rows per selected cluster: ``ceil(n_samples * sparsity / sum(sparsity))``, imbalanced-learn's counts.

    Raises
    ------
    ValueError
        The weights are undefined: every sparsity is 0 (each selected cluster's
        rows of the class coincide) or one is infinite (a negative
        ``density_exponent`` on coinciding rows); imbalanced-learn fails there
        on a NaN.
    """
    values = np.array(sparsities, dtype=np.float64)
    total = values.sum()
    if not (np.isfinite(values).all() and total > 0):
        raise ValueError(
            f"KMeansSMOTE: the selected clusters of class {label_repr(label)} have sparsities "
            f"{values.tolist()}, so their weights are undefined (rows of the class that coincide "
            "within each cluster); use another density_exponent or kmeans_estimator"
        )
    weights = values / total
    return [math.ceil(n_samples * weight) for weight in weights]


@dataclass
class ClassClusters:
    """One class's plan: its selected clusters, their rows of ``X`` and their counts."""

    position: int
    label: object
    clusters: list[int]
    rows: list[torch.Tensor]  # rows of X (the class's rows in the cluster), ascending
    counts: list[int]


def class_cluster_sizes(clustering: Clustering, codes: torch.Tensor, n_classes: int) -> np.ndarray:
    """Rows of each class in each cluster, shape (n_clusters, n_classes), on the host.

    Labels outside ``[0, n_clusters)`` (a user estimator's noise label -1, say)
    belong to no cluster the rules visit.
    """
    labels = clustering.labels
    inside = (labels >= 0) & (labels < clustering.n_clusters)
    flat = labels[inside] * n_classes + codes[inside]
    table = torch.bincount(flat, minlength=clustering.n_clusters * n_classes)
    return table.cpu().numpy().reshape(clustering.n_clusters, n_classes)


def plan_class(
    clustering: Clustering,
    sizes: np.ndarray,
    x: torch.Tensor,
    codes: torch.Tensor,
    position: int,
    label,
    n_samples: int,
    total_samples: int,
    threshold,
    k_neighbors: int,
    density_exponent,
    backend: str,
) -> ClassClusters:
    """Select one class's clusters, weigh them by sparsity and count their rows.

    Parameters
    ----------
    clustering : Clustering
    sizes : ndarray of shape (n_clusters, n_classes)
        From :func:`class_cluster_sizes`.
    x : Tensor of shape (n, d)
        All rows on the working device.
    codes : Tensor of shape (n,), int64
        Class position of every row.
    position, label
        The class.
    n_samples, total_samples, threshold, k_neighbors
        As :func:`select_clusters`.
    density_exponent : 'auto' or float
    backend : str
        Kernel backend of the mean distances ('numpy': the reference).

    Raises
    ------
    RuntimeError
        No cluster qualifies (imbalanced-learn's error and message).
    """
    selected = select_clusters(
        sizes.sum(axis=1), sizes[:, position], n_samples, total_samples, threshold, k_neighbors
    )
    if not selected:
        raise RuntimeError(
            f"No clusters found with sufficient samples of class {label}. Try lowering "
            "the cluster_balance_threshold or increasing the number of clusters."
        )
    in_class = codes == position
    rows, sparsities = [], []
    for cluster in selected:
        members = ((clustering.labels == cluster) & in_class).nonzero().squeeze(1)
        rows.append(members)
        distance = mean_pairwise_distance(x.index_select(0, members), backend)
        sparsities.append(cluster_sparsity(distance, members.numel(), density_exponent))
    counts = cluster_sample_counts(sparsities, n_samples, label)
    return ClassClusters(position, label, selected, rows, counts)
