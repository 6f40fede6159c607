"""BorderlineSMOTE: SMOTE from the minority rows on the class border."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from torchsmote.base import Labels
from torchsmote.generation import generate_rows
from torchsmote.kernels.counter_rng import (
    PURPOSE_BORDERLINE,
    PURPOSE_BORDERLINE_SHRINK,
    smote_draws_numpy,
    stream_key,
)
from torchsmote.kernels.family_numpy import borderline2_draws_numpy, pair_rows_numpy
from torchsmote.kernels.family_torch import borderline2_draws_torch, pair_rows_torch
from torchsmote.neighbors.family import all_neighbors, danger_rows

from ._family import check_rows, classes_to_sample, join_provenance, prepare_work
from .base import BaseOverSampler

__all__ = ["BorderlineSMOTE"]


class BorderlineSMOTE(BaseOverSampler):
    """Borderline-SMOTE (Han et al., 2005): SMOTE from the "danger" rows only.

    A row of a class to over-sample is in danger when at least half, but not
    all, of its ``m_neighbors`` nearest rows (all classes) belong to other
    classes. Synthetic rows start from danger rows only:

    - ``kind='borderline-1'``: toward one of the row's ``k_neighbors`` nearest
      rows of its own class, ``row = x_b + gap * (x_n - x_b)``, gap uniform on [0, 1);
    - ``kind='borderline-2'``: toward one of its ``k_neighbors`` nearest rows of
      any class; toward a row of another class the gap is multiplied by a
      uniform on [0, 0.5), so the new row stays nearer the minority row.

    A class with no danger row gets no synthetic rows (as in imbalanced-learn).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
    k_neighbors : int, default=5
        Neighbours to interpolate toward.
    m_neighbors : int, default=10
        Neighbours that decide the danger set.
    kind : {'borderline-1', 'borderline-2'}, default='borderline-1'
    device, knn_backend, kernel_backend, chunk_size
        As :class:`torchsmote.SMOTE`. Borderline-1 rows go through SMOTE's
        kernels (``kernel_backend`` as there); borderline-2 uses the torch
        kernel, or the numpy reference for ``kernel_backend='numpy'``.

    Attributes
    ----------
    sampling_strategy_ : dict
    in_danger_indices_ : dict
        Class label -> rows of ``X`` in danger (classes with some).
    provenance_ : Provenance
        ``base``, ``neighbor`` (rows of ``X``) and ``gap`` of every synthetic row.
    classes_, device_, n_features_in_, feature_names_in_
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "m_neighbors": [Interval(Integral, 1, None, closed="left")],
        "kind": [StrOptions({"borderline-1", "borderline-2"})],
    }
    _FITTED = (*BaseOverSampler._FITTED, "in_danger_indices_", "provenance_")

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        k_neighbors=5,
        m_neighbors=10,
        kind="borderline-1",
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.kind = kind
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        k, m = int(self.k_neighbors), int(self.m_neighbors)
        n = features.shape[0]
        plan = classes_to_sample(labels, sampling_strategy)
        if plan:  # nothing to generate: the data comes back unchanged, whatever its size
            check_rows("BorderlineSMOTE", None, n, m, "m_neighbors")
            if self.kind == "borderline-2":
                check_rows("BorderlineSMOTE", None, n, k, "k_neighbors")
        work = prepare_work(self, features, labels, sum(e[2] for e in plan), self._seed())
        blocks, provenance, danger_indices = [], [], {}
        for position, label, count in plan:
            rows = work.class_rows(position)
            danger = danger_rows(work.x, work.codes, rows, m, work.knn_backend).nonzero().squeeze(1)
            if danger.numel() == 0:
                continue
            if self.kind == "borderline-1":
                # Only a class with danger rows needs its own k-NN (as in imbalanced-learn,
                # which skips a small class without danger rows instead of refusing it).
                check_rows("BorderlineSMOTE", label, int(labels.counts[position]), k, "k_neighbors")
            danger_indices[label] = rows[danger].cpu().numpy()
            key = stream_key(work.seed, position, PURPOSE_BORDERLINE)
            if self.kind == "borderline-1":
                block, prov = self._borderline1(work, rows, danger, k, key, count)
            else:
                shrink_key = stream_key(work.seed, position, PURPOSE_BORDERLINE_SHRINK)
                block, prov = self._borderline2(work, rows[danger], position, k, key, shrink_key, count)
            blocks.append((label, block))
            provenance.append(prov)
        features_out, labels_out = self._assemble(features, labels.y, blocks)
        state = {
            "device_": work.device,
            "in_danger_indices_": danger_indices,
            "provenance_": join_provenance(provenance),
        }
        return features_out, labels_out, state

    def _borderline1(self, work, rows, danger, k, key, count):
        """SMOTE's kernels on the class's rows, bases drawn from the danger rows only."""
        pool = work.x.index_select(0, rows)
        neighbors = all_neighbors(pool, k, work.knn_backend, rows=danger)
        out = torch.empty((count, pool.shape[1]), dtype=pool.dtype, device=pool.device)
        generate_rows(
            pool,
            neighbors,
            key,
            out,
            backend=work.kernel_backend,
            chunk_rows=self.chunk_size,
            base_rows=danger,
        )
        base, slot, gap = smote_draws_numpy(key, 0, count, *neighbors.shape)
        rows_np, danger_np, table = rows.cpu().numpy(), danger.cpu().numpy(), neighbors.cpu().numpy()
        return out, (rows_np[danger_np[base]], rows_np[table[base, slot]], gap)

    @staticmethod
    def _borderline2(work, danger_rows_x, position, k, key, shrink_key, count):
        """Steps toward neighbours of any class, shrunk toward other classes."""
        neighbors = all_neighbors(work.x, k, work.knn_backend, rows=danger_rows_x)
        same = work.codes == position
        if work.kernel_backend == "numpy":
            x_np = work.x.cpu().numpy()
            base, neighbor, gap = borderline2_draws_numpy(
                key, shrink_key, count, neighbors.cpu().numpy(), same.cpu().numpy()
            )
            base_rows = danger_rows_x.cpu().numpy()[base]
            out = torch.from_numpy(pair_rows_numpy(x_np, base_rows, neighbor, gap)).to(work.device)
            return out, (base_rows, neighbor, gap)
        base, neighbor, gap = borderline2_draws_torch(key, shrink_key, count, neighbors, same)
        base_rows = danger_rows_x[base]
        out = torch.empty((count, work.x.shape[1]), dtype=work.x.dtype, device=work.device)
        pair_rows_torch(work.x, base_rows, neighbor, gap, out)
        return out, (base_rows, neighbor, np.asarray(gap.cpu()))
