"""KMeansSMOTE: SMOTE inside the clusters where a class is frequent and sparse."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from torchsmote.base import Labels
from torchsmote.clusters import class_cluster_sizes, fit_clusters, plan_class
from torchsmote.generation import generate_rows
from torchsmote.kernels.counter_rng import PURPOSE_KMEANS_SMOTE, smote_draws_numpy, stream_key
from torchsmote.neighbors import class_neighbors

from ._family import classes_to_sample, join_provenance, prepare_work
from .base import BaseOverSampler

__all__ = ["KMeansSMOTE"]


class KMeansSMOTE(BaseOverSampler):
    """K-Means SMOTE (Douzas, Bacao & Last, 2018): SMOTE within selected clusters.

    All rows are clustered once (our seeded k-means by default, on the working
    device). For each class to over-sample, a cluster is selected when the
    class's share of its rows is at least ``cluster_balance_threshold`` and it
    holds at least ``k_neighbors + 1`` of the class's rows. Each selected
    cluster gets ``ceil(n * w)`` of the class's ``n`` rows, ``w`` its share of
    the summed sparsities ``mean_distance ** exponent / n_class_rows`` (mean
    distance between the class's rows in the cluster), and makes them by SMOTE
    among the class's rows in the cluster:
    ``row = x_b + u * (x_n - x_b)``, ``x_n`` one of ``x_b``'s ``k_neighbors``
    nearest rows there. These are imbalanced-learn's rules and counts (the
    ``ceil`` can give a class a few rows more than ``n``); see
    :mod:`torchsmote.clusters` for the exact formulas.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
        Seed of the counter RNG (k-means++ start and SMOTE draws).
    k_neighbors : int, default=2
        Neighbours to interpolate toward, within a cluster.
    kmeans_estimator : None, int or estimator, default=None
        None: our k-means with 8 clusters (the number of imbalanced-learn's
        default ``MiniBatchKMeans``); an int: that many clusters; or a scikit-learn
        style clusterer with ``fit_predict`` or ``fit``/``predict`` (e.g.
        ``KMeans(n_clusters=20, random_state=0)``), cloned and fitted on host
        numpy data; its ``n_clusters`` (else the largest label + 1) sets the
        clusters visited.
    cluster_balance_threshold : 'auto' or float, default='auto'
        Minimum share of the class's rows in a selected cluster. 'auto':
        ``n / sum(sampling_strategy_.values()) / 2`` for a class asking ``n`` rows.
        Ignored (every cluster passes) when there is a single cluster.
    density_exponent : 'auto' or float, default='auto'
        Exponent of the mean distance in the sparsity. 'auto':
        ``log(n_class_rows, 1.6) ** 1.8 * 0.16`` (imbalanced-learn's code).
    device, knn_backend, kernel_backend, chunk_size
        As :class:`torchsmote.SMOTE`; the k-means and mean distances run the
        numpy reference with ``kernel_backend='numpy'``, else torch.

    Attributes
    ----------
    sampling_strategy_ : dict
    cluster_labels_ : ndarray of shape (n_samples,), int64
        Cluster of every row of ``X`` (set when some class is over-sampled).
    kmeans_estimator_ : estimator or None
        The fitted user estimator; None with our k-means.
    cluster_balance_threshold_ : 'auto' or float
        The threshold used (-inf with a single cluster).
    cluster_n_samples_ : dict
        Class label -> {cluster: synthetic rows} over its selected clusters, ascending.
    provenance_ : Provenance
    classes_, device_, n_features_in_, feature_names_in_

    Raises
    ------
    RuntimeError
        No cluster qualifies for a class (imbalanced-learn's error and message).
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "kmeans_estimator": [
            Interval(Integral, 1, None, closed="left"),
            HasMethods(["fit", "predict"]),
            HasMethods(["fit_predict"]),
            None,
        ],
        "cluster_balance_threshold": [StrOptions({"auto"}), Real],
        "density_exponent": [StrOptions({"auto"}), Real],
    }
    _FITTED = (
        *BaseOverSampler._FITTED,
        "cluster_labels_",
        "kmeans_estimator_",
        "cluster_balance_threshold_",
        "cluster_n_samples_",
        "provenance_",
    )

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=2,
        kmeans_estimator=None,
        cluster_balance_threshold="auto",
        density_exponent="auto",
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.kmeans_estimator = kmeans_estimator
        self.cluster_balance_threshold = cluster_balance_threshold
        self.density_exponent = density_exponent
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        k = int(self.k_neighbors)
        plan = classes_to_sample(labels, sampling_strategy)
        work = prepare_work(self, features, labels, sum(e[2] for e in plan), self._seed())
        state = {"device_": work.device, "kmeans_estimator_": None, "cluster_n_samples_": {}}
        blocks, provenance = [], []
        if plan:
            clustering = fit_clusters(self.kmeans_estimator, work.x, work.seed, work.kernel_backend)
            threshold = self.cluster_balance_threshold if clustering.n_clusters != 1 else -np.inf
            sizes = class_cluster_sizes(clustering, work.codes, len(labels.classes))
            total = sum(sampling_strategy.values())
            # Every class is planned (and may fail) before any row is made.
            plans = [
                plan_class(
                    clustering,
                    sizes,
                    work.x,
                    work.codes,
                    position,
                    label,
                    count,
                    total,
                    threshold,
                    k,
                    self.density_exponent,
                    work.kernel_backend,
                )
                for position, label, count in plan
            ]
            for class_plan in plans:
                block, prov = self._generate(work, class_plan, k)
                blocks.append((class_plan.label, block))
                provenance.append(prov)
                counts = dict(zip(class_plan.clusters, class_plan.counts, strict=True))
                state["cluster_n_samples_"][class_plan.label] = counts
            state.update(
                cluster_labels_=clustering.labels.cpu().numpy(),
                kmeans_estimator_=clustering.estimator,
                cluster_balance_threshold_=threshold,
            )
        features_out, labels_out = self._assemble(features, labels.y, blocks)
        state["provenance_"] = join_provenance(provenance)
        return features_out, labels_out, state

    def _generate(self, work, class_plan, k: int):
        """SMOTE in each selected cluster; the clusters share one class stream, end to end."""
        key = stream_key(work.seed, class_plan.position, PURPOSE_KMEANS_SMOTE)
        d = work.x.shape[1]
        block = torch.empty((sum(class_plan.counts), d), dtype=work.x.dtype, device=work.device)
        base_rows, neighbor_rows, gaps = [], [], []
        offset = 0
        for rows, count in zip(class_plan.rows, class_plan.counts, strict=True):
            if count == 0:
                continue
            pool = work.x.index_select(0, rows)
            table = class_neighbors(pool, k, work.knn_backend)
            generate_rows(
                pool,
                table,
                key,
                block[offset : offset + count],
                backend=work.kernel_backend,
                start=offset,
                chunk_rows=self.chunk_size,
            )
            base, slot, gap = smote_draws_numpy(key, offset, count, *table.shape)
            rows_np, table_np = rows.cpu().numpy(), table.cpu().numpy()
            base_rows.append(rows_np[base])
            neighbor_rows.append(rows_np[table_np[base, slot]])
            gaps.append(gap)
            offset += count
        if not gaps:
            empty = np.empty(0, dtype=np.int64)
            return block, (empty, empty, np.empty(0))
        return block, (np.concatenate(base_rows), np.concatenate(neighbor_rows), np.concatenate(gaps))
