"""RandomOverSampler: bootstrap rows per class, optionally smoothed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval

from torchsmote.backends import pins_cpu, resolve_device, resolve_kernel_backend
from torchsmote.base import Labels, take_rows, working_tensor
from torchsmote.kernels.counter_rng import PURPOSE_BOOTSTRAP, PURPOSE_BOOTSTRAP_NOISE, stream_key
from torchsmote.kernels.family_numpy import bootstrap_draws_numpy, smoothed_rows_numpy
from torchsmote.kernels.family_torch import smoothed_rows_torch

from .base import BaseOverSampler

__all__ = ["RandomOverSampler", "smoothing_scale"]


def smoothing_scale(class_rows: np.ndarray, n_samples: int, shrinkage: float) -> np.ndarray:
    """Noise standard deviation per feature of imbalanced-learn's smoothed bootstrap.

    ``shrinkage * (4 / ((d + 2) * n_samples)) ** (1 / (d + 4)) * std(class_rows)``
    where ``n_samples`` is the number of rows of the whole ``X`` (as in
    imbalanced-learn) and ``std`` the population standard deviation per feature.

    Parameters
    ----------
    class_rows : ndarray of shape (n_class, d)
    n_samples : int
    shrinkage : float

    Returns
    -------
    ndarray of shape (d,), float64
    """
    d = class_rows.shape[1]
    smoothing_constant = (4 / ((d + 2) * n_samples)) ** (1 / (d + 4))
    return shrinkage * smoothing_constant * np.std(class_rows.astype(np.float64), axis=0)


class RandomOverSampler(BaseOverSampler):
    """Over-sample by drawing rows of each class uniformly with replacement.

    With ``shrinkage``, each drawn row gets Gaussian noise (a smoothed bootstrap):
    ``row + z * scale`` with ``z`` standard normal per value and
    ``scale = shrinkage * (4 / ((d + 2) * n)) ** (1 / (d + 4)) * std(class)``
    (imbalanced-learn's formula; ``n`` rows in ``X``). Indices and noise come
    from the counter RNG (normals by Box–Muller from two counter words).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
    shrinkage : float, dict or None, default=None
        None: plain bootstrap (output rows are copies). A float applies to every
        over-sampled class; a dict gives one per class and must cover all of them.
    device : {'auto', 'cpu', 'cuda', 'cuda:N'} or torch.device, default='auto'
        Where the smoothed rows are computed.
    kernel_backend : {'auto', 'numpy', 'torch', 'numba', 'triton'}, default='auto'
        'numpy' runs the reference; any other value the torch kernel.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_samples + n_new,), int64
        Row of ``X`` behind every output row (``arange(n)`` first).
    shrinkage_ : dict or None
        Shrinkage per over-sampled class.
    sampling_strategy_, classes_, device_, n_features_in_, feature_names_in_
    """

    _sample_indices = True
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "shrinkage": [Interval(Real, 0, None, closed="left"), dict, None],
    }
    _FITTED = (*BaseOverSampler._FITTED, "sample_indices_", "shrinkage_")

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        shrinkage=None,
        device="auto",
        kernel_backend="auto",
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.shrinkage = shrinkage
        self.device = device
        self.kernel_backend = kernel_backend

    def _shrinkage(self, sampling_strategy: dict) -> dict | None:
        if self.shrinkage is None:
            return None
        if isinstance(self.shrinkage, Mapping):
            shrinkage = dict(self.shrinkage)
        else:
            shrinkage = {label: self.shrinkage for label in sampling_strategy}
        missing = [label for label in sampling_strategy if label not in shrinkage]
        if missing:
            raise ValueError(
                "`shrinkage` should contain a shrinkage factor for each class that will be resampled. "
                f"The missing classes are: {missing!r}"
            )
        for label, factor in shrinkage.items():
            if not isinstance(factor, Real) or not math.isfinite(factor) or factor < 0:
                raise ValueError(
                    f"The shrinkage factor needs to be >= 0. Got {factor!r} for class {label!r}."
                )
        return shrinkage

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        shrinkage = self._shrinkage(sampling_strategy)
        n, d = features.shape
        seed = self._seed()
        indices = [np.arange(n, dtype=np.int64)]
        drawn = []
        for position, label in enumerate(labels.classes):
            if label not in sampling_strategy:
                continue
            count = sampling_strategy[label]
            rows = labels.rows_of(position)
            rows = rows.cpu().numpy() if isinstance(rows, torch.Tensor) else rows
            picks = rows[
                bootstrap_draws_numpy(stream_key(seed, position, PURPOSE_BOOTSTRAP), count, len(rows))
            ]
            indices.append(picks)
            drawn.append((position, label, rows, picks))
        sample_indices = np.concatenate(indices)
        data_device = features.device if isinstance(features, torch.Tensor) else None
        n_new = len(sample_indices) - n
        cpu_only = pins_cpu(kernel_backend=self.kernel_backend) or shrinkage is None
        device = resolve_device(self.device, data_device, 0 if cpu_only else n_new * d)
        kernel_backend = resolve_kernel_backend(self.kernel_backend, device, 0)  # its own kernels
        if shrinkage is not None and kernel_backend == "numpy" and features.dtype == torch.bfloat16:
            raise ValueError("kernel_backend='numpy' does not handle bfloat16; use 'torch'")
        if shrinkage is None:
            # Originals by one copy into the output (as SMOTE's), then a gather of
            # the new rows only, straight into their block (no concatenation copy).
            features_out, _ = self._allocate(features, labels.y, n_new)
            new_rows = features_out[n:]
            source = (
                working_tensor(features, torch.device("cpu"))
                if not isinstance(features, torch.Tensor)
                else features
            )
            index = torch.as_tensor(sample_indices[n:], device=source.device)
            torch.index_select(
                source,
                0,
                index,
                out=new_rows if isinstance(new_rows, torch.Tensor) else torch.from_numpy(new_rows),
            )
        else:
            x = working_tensor(features, device)
            blocks = []
            for position, label, rows, picks in drawn:
                scale = smoothing_scale(
                    x.index_select(0, torch.as_tensor(rows, device=device)).cpu().double().numpy(),
                    n,
                    shrinkage[label],
                )
                key = stream_key(seed, position, PURPOSE_BOOTSTRAP_NOISE)
                base = x.index_select(0, torch.as_tensor(picks, device=device))
                if kernel_backend == "numpy":
                    block = torch.from_numpy(smoothed_rows_numpy(base.cpu().numpy(), scale, key))
                else:
                    block = smoothed_rows_torch(base, torch.from_numpy(scale), key, torch.empty_like(base))
                blocks.append((label, block))
            features_out, _ = self._assemble(features, labels.y, blocks)
        labels_out = take_rows(labels.y, sample_indices)
        state = {"sample_indices_": sample_indices, "shrinkage_": shrinkage, "device_": device}
        return features_out, labels_out, state
