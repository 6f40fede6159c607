"""SMOTE: the imbalanced-learn compatible estimator."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import HasMethods, Interval

from torchsmote.backends import pins_cpu, resolve_device, resolve_kernel_backend, resolve_knn_backend
from torchsmote.kernels.counter_rng import smote_draws_numpy, stream_key
from torchsmote.memory import check_fits, prefault, release_freed_host_memory
from torchsmote.neighbors import class_neighbors, neighbors_from_estimator
from torchsmote.sampling_strategy import label_repr
from torchsmote.streams import ClassStream, FittedStreams
from torchsmote.validation import ClassTooSmallError, python_scalar

from .base import BaseOverSampler, Labels


@dataclass(frozen=True)
class Provenance:
    """Where each synthetic row came from, in output order.

    Attributes
    ----------
    base : ndarray of shape (n_synthetic,), int64
        Row of the ``X`` given to ``fit_resample`` that the row starts from.
    neighbor : ndarray of shape (n_synthetic,), int64
        Row of that ``X`` it moves toward.
    gap : ndarray of shape (n_synthetic,), float64
        Position on the segment: ``row = X[base] + gap * (X[neighbor] - X[base])``.
    """

    base: np.ndarray
    neighbor: np.ndarray
    gap: np.ndarray


class SMOTE(BaseOverSampler):
    """Synthetic Minority Over-sampling Technique, on CPU or CUDA.

    Each synthetic row of class ``c`` is ``x_b + gap * (x_n - x_b)`` where the
    pair (base ``x_b``, neighbour ``x_n``) is uniform over all pairs of a class
    row and one of its ``k_neighbors`` nearest same-class rows, and ``gap`` is
    uniform on ``[0, 1)``. Draws come from a counter-based generator keyed by
    ``(random_state, class, row)``, so results do not depend on device, backend
    or ``chunk_size``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        imbalanced-learn's over-sampling strategies (see
        :func:`torchsmote.sampling_strategy.resolve_sampling_strategy`).
    k_neighbors : int or object, default=5
        Neighbours per base row, or an object with ``fit`` and ``kneighbors``
        (its ``n_neighbors`` includes the row itself, as in imbalanced-learn).
        A class to over-sample needs more than ``k_neighbors`` rows; a smaller
        one raises a ValueError naming it (no silent clamp).
    random_state : int, RandomState or None, default=None
        Seed of the counter RNG.
    device : {'auto', 'cpu', 'cuda', 'cuda:N'} or torch.device, default='auto'
        Where to compute. 'auto': a torch input stays on its own device; host
        (numpy/pandas/list) input goes to CUDA when a GPU is present and the
        synthetic output has at least 2**20 values, else stays on the CPU.
    knn_backend : {'auto', 'numpy', 'faiss', 'torch'}, default='auto'
        Exact k-NN engine (all return the same neighbours up to distance ties).
        'faiss' on CUDA needs a faiss GPU build (faiss-gpu) and is refused otherwise.
    kernel_backend : {'auto', 'numpy', 'torch', 'numba', 'triton'}, default='auto'
        Interpolation kernel. 'auto': 'triton' on CUDA; on the CPU 'numba' for
        at least 2**24 synthetic values (its first use in a process costs
        ~0.45 s), else 'torch'. 'triton' needs CUDA, or ``TRITON_INTERPRET=1``
        on CPU. All give the same rows.
    chunk_size : int or None, default=None
        Synthetic rows per generation chunk; None picks one. Results do not depend on it.

    Attributes
    ----------
    sampling_strategy_ : dict
        Rows generated per class.
    classes_ : ndarray
        Sorted class labels (a class's position is its RNG stream id).
    device_ : torch.device
        Where the last ``fit`` or ``fit_resample`` computed.
    n_synthetic_ : int
        Synthetic rows per epoch of the stream (``fit_resample``'s count).
    provenance_ : Provenance
        ``base``, ``neighbor`` and ``gap`` of every synthetic row of
        ``fit_resample`` (epoch 0 of the stream), in output order.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrame input with string column names.

    Notes
    -----
    ``fit`` computes the counts and each class's k-NN graph once and keeps the
    over-sampled classes' rows and graphs (on ``device_``); :meth:`sample` and
    :meth:`stream` then return any slice of the synthetic stream without
    refitting (see :mod:`torchsmote.streams`). ``fit_resample`` keeps only the
    indices and graphs that ``provenance_`` needs, not a copy of the rows.
    """

    _has_stream = True

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "k_neighbors": [
            Interval(Integral, 1, None, closed="left"),
            HasMethods(["kneighbors", "fit"]),
        ],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        k_neighbors=5,
        random_state=None,
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.k_neighbors = k_neighbors
        self.random_state = random_state
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _fit(self, features, labels: Labels, sampling_strategy: dict) -> dict:
        """Each over-sampled class's rows and neighbour table on the working device."""
        is_torch = isinstance(features, torch.Tensor)
        d = features.shape[1]
        # Check every class before computing anything: no partial state.
        plan = []
        for position, label in enumerate(labels.classes):
            count = sampling_strategy.get(label, 0)
            if count == 0:
                continue
            label_rows = labels.rows_of(position)
            # Index the features with rows on their own device and type.
            if is_torch:
                rows = torch.as_tensor(label_rows, device=features.device)
            else:
                rows = label_rows.cpu().numpy() if isinstance(label_rows, torch.Tensor) else label_rows
            self._check_class_size(label, len(rows))
            plan.append((position, label, rows, count))
        total = sum(entry[-1] for entry in plan)
        # CPU-only backends asked for by name keep 'auto' on the CPU.
        cpu_only = pins_cpu(self.knn_backend, self.kernel_backend)
        work = 0 if cpu_only else total * d
        device = resolve_device(self.device, features.device if is_torch else None, work)
        kernel_backend = resolve_kernel_backend(self.kernel_backend, device, total * d)
        knn_backend = resolve_knn_backend(self.knn_backend, device)
        seed = self._seed()
        classes = []
        for position, label, rows, count in plan:
            pool = (features[rows] if is_torch else torch.from_numpy(features[rows])).to(device)
            if isinstance(self.k_neighbors, Integral):
                neighbors = class_neighbors(pool, int(self.k_neighbors), knn_backend)
            else:
                neighbors = neighbors_from_estimator(self.k_neighbors, pool)
            key = stream_key(seed, position)
            classes.append(ClassStream(position, label, rows, pool, neighbors, key, count))
        if device.type == "cpu":
            release_freed_host_memory()  # k-NN scratch, before the output's pages fill up
        streams = FittedStreams(classes, device, kernel_backend, self.chunk_size)
        return {"_streams": streams, "device_": device}

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        is_torch = isinstance(features, torch.Tensor)
        n, d = features.shape
        total = int(sum(sampling_strategy.values()))
        if is_torch:
            # The output, plus the over-sampled classes' rows gathered next to it.
            sizes = zip(labels.classes, labels.counts, strict=True)
            pooled = sum(int(size) for label, size in sizes if sampling_strategy.get(label))
            check_fits(
                features.device,
                (n + total + pooled) * d * features.element_size(),
                f"the resampled X ({n + total:,} x {d} {features.dtype}) and the rows it is made from",
            )
        state = self._fit(features, labels, sampling_strategy)
        streams: FittedStreams = state["_streams"]
        features_out, labels_out = self._allocate(features, labels.y, total)
        if not is_torch and streams.kernel_backend != "numba":
            # The numba kernel's threads fault in their own halves as they write.
            prefault(features_out[n:])
        offset = n
        for index, stream in enumerate(streams.classes):
            target = features_out[offset : offset + stream.count]
            streams.class_rows(index, 0, target if is_torch else torch.from_numpy(target))
            labels_out[offset : offset + stream.count] = python_scalar(stream.label)
            offset += stream.count
        streams.release_pools()
        return features_out, labels_out, state

    def _check_class_size(self, label, n_rows: int) -> None:
        if not isinstance(self.k_neighbors, Integral):
            return
        k = int(self.k_neighbors)
        if n_rows < k + 1:
            raise ClassTooSmallError(
                f"class {label_repr(label)} has {n_rows} row(s); SMOTE with k_neighbors={k} needs at "
                f"least {k + 1} rows of each class it over-samples (lower k_neighbors, or "
                "leave that class out of sampling_strategy)"
            )

    @property
    def provenance_(self) -> Provenance:
        """Recomputed on access from the counter draws (nothing per row is stored)."""
        if not hasattr(self, "_streams"):
            raise AttributeError("provenance_ exists after fit or fit_resample")
        base, neighbor, gap = [], [], []
        for stream in self._streams.classes:
            rows = stream.rows.cpu().numpy() if isinstance(stream.rows, torch.Tensor) else stream.rows
            table = stream.neighbors.cpu().numpy()
            b, slot, g = smote_draws_numpy(stream.key, 0, stream.count, *table.shape)
            base.append(rows[b])
            neighbor.append(rows[table[b, slot]])
            gap.append(g)
        if not base:
            empty = np.empty(0, dtype=np.int64)
            return Provenance(empty, empty.copy(), np.empty(0, dtype=np.float64))
        return Provenance(np.concatenate(base), np.concatenate(neighbor), np.concatenate(gap))
