"""SVMSMOTE: SMOTE from the support vectors of an SVM."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import clone
from sklearn.svm import SVC
from sklearn.utils._param_validation import HasMethods, Interval

from torchsmote.base import Labels
from torchsmote.kernels.counter_rng import PURPOSE_SVM, PURPOSE_SVM_SPLIT, beta_draw_numpy, stream_key
from torchsmote.kernels.family_numpy import stepped_draws_numpy, svm_rows_numpy
from torchsmote.kernels.family_torch import svm_rows_torch
from torchsmote.neighbors.family import (
    all_neighbors,
    danger_mask,
    noise_mask,
    other_class_counts,
    svm_split_counts,
)
from torchsmote.sampling_strategy import label_repr

from ._family import check_rows, classes_to_sample, join_provenance, prepare_work
from .base import BaseOverSampler

__all__ = ["SVMSMOTE"]

#: Beta(a, b) of the share of rows made from danger support vectors (imbalanced-learn's 10, 10).
SPLIT_BETA = (10, 10)


class SVMSMOTE(BaseOverSampler):
    """SVM-SMOTE (Nguyen, Cooper & Kamei, 2011): SMOTE from an SVM's support vectors.

    An SVM is fitted on all of ``X`` and ``y`` (host numpy data; scikit-learn's
    ``SVC(gamma='scale')`` by default, as imbalanced-learn). For each class to
    over-sample, its support vectors are sorted by their ``m_neighbors`` nearest
    rows of any class:

    - *noise*: all ``m`` of another class; dropped;
    - *danger*: at least half, not all, of another class; new rows interpolate
      toward one of the vector's ``k_neighbors`` nearest rows of its class:
      ``row = x_b + u * (x_n - x_b)``, ``u`` uniform on [0, 1);
    - *safe*: fewer than half; new rows extrapolate away from that neighbour:
      ``row = x_b - out_step * u * (x_n - x_b)``.

    Of the class's ``n`` rows, ``int(f * (n + 1))`` come from danger and the
    rest from safe support vectors, ``f`` a Beta(10, 10) draw (imbalanced-learn's
    split); a class with only one kind takes all ``n`` from it. Draws come from
    the counter RNG, so rows differ from imbalanced-learn's, sets and counts do not.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
        Seed of the counter RNG; also passed to the default ``SVC``.
    k_neighbors : int, default=5
        Same-class neighbours to step toward or away from.
    m_neighbors : int, default=10
        Neighbours (all rows) that sort support vectors into noise, danger and safe.
    svm_estimator : estimator or None, default=None
        Any estimator with ``fit``/``predict`` that exposes ``support_`` (row
        indices of ``X``) once fitted; cloned, then fitted once per call. None:
        ``SVC(gamma='scale', random_state=random_state)``.
    out_step : float in [0, 1], default=0.5
        Extrapolation step from safe support vectors.
    device, knn_backend, kernel_backend, chunk_size
        As :class:`torchsmote.SMOTE` (the SVM itself always runs on the host);
        ``kernel_backend='numpy'`` runs the numpy reference, any other the torch
        kernel. ``chunk_size`` is accepted for the shared signature; rows are
        generated in fixed blocks and never depend on it.

    Attributes
    ----------
    sampling_strategy_ : dict
    svm_estimator_ : estimator
        The fitted SVM.
    in_danger_indices_, safe_indices_, noise_indices_ : dict
        Class label -> rows of ``X`` (ascending) among the class's support vectors.
    n_samples_split_ : dict
        Class label -> (rows interpolated from danger, rows extrapolated from safe support vectors).
    provenance_ : Provenance
        ``base`` (a support vector), ``neighbor`` and ``gap`` of every synthetic
        row, in output order; ``gap`` is negative for extrapolated rows, and
        ``row = X[base] + gap * (X[neighbor] - X[base])`` holds for both.
    classes_, device_, n_features_in_, feature_names_in_

    Raises
    ------
    ValueError
        Every support vector of a class to over-sample is noise (imbalanced-learn's error).
    RuntimeError
        The fitted ``svm_estimator`` has no ``support_`` (imbalanced-learn's error).
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "m_neighbors": [Interval(Integral, 1, None, closed="left")],
        "svm_estimator": [HasMethods(["fit", "predict"]), None],
        "out_step": [Interval(Real, 0, 1, closed="both")],
    }
    _FITTED = (
        *BaseOverSampler._FITTED,
        "svm_estimator_",
        "in_danger_indices_",
        "safe_indices_",
        "noise_indices_",
        "n_samples_split_",
        "provenance_",
    )

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        m_neighbors=10,
        svm_estimator=None,
        out_step=0.5,
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.svm_estimator = svm_estimator
        self.out_step = out_step
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        k, m = int(self.k_neighbors), int(self.m_neighbors)
        plan = classes_to_sample(labels, sampling_strategy)
        if plan:  # nothing to generate: the data comes back unchanged, whatever its size
            check_rows("SVMSMOTE", None, features.shape[0], m, "m_neighbors")
        work = prepare_work(self, features, labels, sum(e[2] for e in plan), self._seed(), interpolates=False)
        if self.svm_estimator is None:
            svm = SVC(gamma="scale", random_state=self.random_state)
        else:
            svm = clone(self.svm_estimator)
        state = {
            "device_": work.device,
            "svm_estimator_": svm,
            "in_danger_indices_": {},
            "safe_indices_": {},
            "noise_indices_": {},
            "n_samples_split_": {},
        }
        blocks, provenance = [], []
        if plan:
            kinds = self._sort_support_vectors(work, svm, features, labels, plan, m)
            # Every class is checked before any row is made.
            for position, label, _ in plan:
                noise, danger, safe = kinds[position]
                if danger.size + safe.size == 0:
                    raise ValueError(
                        "All support vectors are considered as noise. SVM-SMOTE is not adapted to your "
                        f"dataset. Try another SMOTE variant. (class {label_repr(label)}: {noise.size} "
                        f"support vector(s), each with all {m} nearest rows of other classes)"
                    )
                check_rows("SVMSMOTE", label, int(labels.counts[position]), k, "k_neighbors")
            for position, label, count in plan:
                noise, danger, safe = kinds[position]
                fraction = beta_draw_numpy(stream_key(work.seed, position, PURPOSE_SVM_SPLIT), *SPLIT_BETA)
                split = svm_split_counts(count, danger.size, safe.size, fraction)
                block, prov = self._generate(work, position, danger, safe, split, k)
                blocks.append((label, block))
                provenance.append(prov)
                state["in_danger_indices_"][label] = danger
                state["safe_indices_"][label] = safe
                state["noise_indices_"][label] = noise
                state["n_samples_split_"][label] = split
        features_out, labels_out = self._assemble(features, labels.y, blocks)
        state["provenance_"] = join_provenance(provenance)
        return features_out, labels_out, state

    @staticmethod
    def _sort_support_vectors(work, svm, features, labels: Labels, plan, m: int) -> dict:
        """Fit the SVM once; each planned class's (noise, danger, safe) support vectors as rows of X."""
        host = features
        if isinstance(features, torch.Tensor):
            wide = features.dtype in (torch.float32, torch.float64)
            host = (features if wide else features.to(torch.float32)).cpu().numpy()
        y = labels.as_numpy()
        svm.fit(host, y)
        if not hasattr(svm, "support_"):
            raise RuntimeError(
                "`svm_estimator` is required to exposed a `support_` fitted attribute. Such estimator "
                "belongs to the familly of Support Vector Machine."
            )
        support = np.asarray(svm.support_)
        n = features.shape[0]
        if support.ndim != 1 or support.dtype.kind not in "iu" or (support.size and not 0 <= support.min()):
            raise ValueError(f"svm_estimator.support_ must hold row indices of X; got {support!r:.200}")
        if support.size and support.max() >= n:
            raise ValueError(f"svm_estimator.support_ holds row {support.max()}, but X has {n} rows")
        per_class = [np.sort(support[y[support] == label]).astype(np.int64) for _, label, _ in plan]
        queries = torch.from_numpy(np.concatenate(per_class)).to(work.device)
        if queries.numel():
            # One m-NN search for the support vectors of every planned class.
            neighbors = all_neighbors(work.x, m, work.knn_backend, rows=queries)
            n_other = other_class_counts(work.codes, neighbors, work.codes[queries])
            noise_all = noise_mask(n_other, m).cpu().numpy()
            danger_all = danger_mask(n_other, m).cpu().numpy()
        else:
            noise_all = danger_all = np.zeros(0, dtype=bool)
        kinds, offset = {}, 0
        for (position, _, _), rows in zip(plan, per_class, strict=True):
            noise = noise_all[offset : offset + rows.size]
            danger = danger_all[offset : offset + rows.size]
            kinds[position] = (rows[noise], rows[danger], rows[~noise & ~danger])
            offset += rows.size
        return kinds

    def _generate(self, work, position: int, danger: np.ndarray, safe: np.ndarray, split, k: int):
        """The class's rows: interpolated from danger, then extrapolated from safe support vectors."""
        rows = work.class_rows(position)
        pool = work.x.index_select(0, rows)
        # Support vectors as rows of the pool: the class's rows are ascending.
        bases = torch.searchsorted(rows, torch.from_numpy(np.concatenate([danger, safe])).to(rows.device))
        table = all_neighbors(pool, k, work.knn_backend, rows=bases)
        key = stream_key(work.seed, position, PURPOSE_SVM)
        parts = [
            (bases[: danger.size], table[: danger.size], 0, split[0], 1.0),
            (bases[danger.size :], table[danger.size :], split[0], split[1], -float(self.out_step)),
        ]
        block = torch.empty((sum(split), pool.shape[1]), dtype=pool.dtype, device=pool.device)
        base_rows, neighbor_rows, gaps = [], [], []
        rows_np = rows.cpu().numpy()
        for part_bases, part_table, start, count, step in parts:
            if count == 0:
                continue
            target = block[start : start + count]
            if work.kernel_backend == "numpy":
                host = (pool.cpu().numpy(), part_bases.cpu().numpy(), part_table.cpu().numpy())
                target.copy_(torch.from_numpy(svm_rows_numpy(*host, key, start, count, step)))
            else:
                svm_rows_torch(pool, part_bases, part_table, key, start, step, target)
            base, slot, gap = stepped_draws_numpy(key, start, count, *part_table.shape, step)
            bases_np, table_np = part_bases.cpu().numpy(), part_table.cpu().numpy()
            base_rows.append(rows_np[bases_np[base]])
            neighbor_rows.append(rows_np[table_np[base, slot]])
            gaps.append(gap)
        prov = (np.concatenate(base_rows), np.concatenate(neighbor_rows), np.concatenate(gaps))
        return block, prov
