"""ADASYN: more synthetic rows where a class meets the others."""

from __future__ import annotations

from numbers import Integral

import torch
from sklearn.utils._param_validation import Interval

from torchsmote.base import Labels
from torchsmote.kernels.counter_rng import PURPOSE_ADASYN, stream_key
from torchsmote.kernels.family_numpy import adasyn_draws_numpy, adasyn_rows_numpy
from torchsmote.kernels.family_torch import adasyn_rows_torch
from torchsmote.neighbors.family import adasyn_counts, all_neighbors, other_class_counts

from ._family import check_rows, classes_to_sample, join_provenance, prepare_work
from .base import BaseOverSampler

__all__ = ["ADASYN"]


class ADASYN(BaseOverSampler):
    """Adaptive Synthetic sampling (He et al., 2008).

    Each row ``i`` of a class to over-sample gets ``rint(r_i / sum(r) * n)``
    synthetic rows, where ``r_i`` is the share of other-class rows among its
    ``n_neighbors`` nearest rows (all classes) and ``n`` the class's
    ``sampling_strategy_`` count: imbalanced-learn's counts exactly (so the
    class total may differ from ``n`` by the rounding). Each synthetic row is
    ``x_i + gap * (x_nn - x_i)`` toward one of ``x_i``'s ``n_neighbors`` nearest
    rows of its own class, slot and gap uniform from the counter RNG.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
    n_neighbors : int, default=5
        Neighbours for the ratios (all rows) and for the interpolation (same class).
    device, knn_backend, kernel_backend, chunk_size
        As :class:`torchsmote.SMOTE`; ``kernel_backend='numpy'`` runs the numpy
        reference, any other the torch kernel.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows asked per class (before the per-row rounding, as imbalanced-learn).
    n_samples_per_row_ : dict
        Class label -> ndarray of shape (n_class,): synthetic rows made from each
        of the class's rows (ascending row order).
    provenance_ : Provenance
    classes_, device_, n_features_in_, feature_names_in_

    Raises
    ------
    RuntimeError
        A class none of whose rows has an other-class neighbour (imbalanced-learn's error).
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }
    _FITTED = (*BaseOverSampler._FITTED, "n_samples_per_row_", "provenance_")

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        n_neighbors=5,
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.n_neighbors = n_neighbors
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        k = int(self.n_neighbors)
        plan = classes_to_sample(labels, sampling_strategy)
        for position, label, _ in plan:
            check_rows("ADASYN", label, int(labels.counts[position]), k, "n_neighbors")
        work = prepare_work(self, features, labels, sum(e[2] for e in plan), self._seed(), interpolates=False)
        blocks, provenance, per_row = [], [], {}
        for position, label, count in plan:
            rows = work.class_rows(position)
            mixed = all_neighbors(work.x, k, work.knn_backend, rows=rows)
            n_other = other_class_counts(work.codes, mixed, work.codes[rows]).cpu().numpy()
            counts = adasyn_counts(n_other, k, count)
            per_row[label] = counts
            pool = work.x.index_select(0, rows)
            table = all_neighbors(pool, k, work.knn_backend)
            key = stream_key(work.seed, position, PURPOSE_ADASYN)
            if work.kernel_backend == "numpy":
                block = torch.from_numpy(
                    adasyn_rows_numpy(pool.cpu().numpy(), table.cpu().numpy(), counts, key)
                )
            else:
                block = torch.empty((int(counts.sum()), pool.shape[1]), dtype=pool.dtype, device=pool.device)
                adasyn_rows_torch(pool, table, torch.from_numpy(counts), key, block)
            blocks.append((label, block))
            base, slot, gap = adasyn_draws_numpy(key, counts, k)
            rows_np, table_np = rows.cpu().numpy(), table.cpu().numpy()
            provenance.append((rows_np[base], rows_np[table_np[base, slot]], gap))
        features_out, labels_out = self._assemble(features, labels.y, blocks)
        state = {
            "device_": work.device,
            "n_samples_per_row_": per_row,
            "provenance_": join_provenance(provenance),
        }
        return features_out, labels_out, state
