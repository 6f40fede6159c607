"""The under- and clean-sampler contract: :class:`torchsmote.base.BaseSampler` selecting rows.

Under-samplers return a subset of the input rows; ``sample_indices_`` gives, for
every output row, its index in the ``X`` that was resampled (imbalanced-learn's
attribute). ``sampling_strategy`` follows imbalanced-learn's 'under-sampling'
and 'clean-sampling' rules (:mod:`torchsmote.sampling_strategy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from torchsmote.backends import pins_cpu, resolve_device, resolve_knn_backend
from torchsmote.base import BaseSampler, Labels, take_rows, working_tensor
from torchsmote.sampling_strategy import UNDER_STRING_STRATEGIES

__all__ = ["BaseCleaningSampler", "BaseUnderSampler"]


class BaseUnderSampler(BaseSampler):
    """Base class of the under-samplers (imbalanced-learn's 'under-sampling' strategies).

    Subclasses implement ``_select(x, codes, labels, sampling_strategy, knn_backend)``
    returning the selected row indices (int64 tensor, output order); the base
    class gathers the rows and sets ``sample_indices_``.
    """

    _sampling_type = "under-sampling"
    _sample_indices = True

    _parameter_constraints: dict = {
        **BaseSampler._parameter_constraints,
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions(set(UNDER_STRING_STRATEGIES)),
            Mapping,
            callable,
        ],
    }

    _FITTED = (*BaseSampler._FITTED, "sample_indices_")

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        n, d = features.shape
        data_device = features.device if isinstance(features, torch.Tensor) else None
        # Cleaning is a k-NN over every row: 'auto' sends large host inputs to CUDA
        # by the same size rule as the over-samplers' outputs.
        knn_only_cpu = pins_cpu(self.knn_backend)
        device = resolve_device(self.device, data_device, 0 if knn_only_cpu else n * d)
        knn_backend = resolve_knn_backend(self.knn_backend, device)
        x = working_tensor(features, device)
        codes = labels.codes(device).to(device)
        indices = self._select(x, codes, labels, sampling_strategy, knn_backend).cpu().numpy()
        state = {"sample_indices_": indices, "device_": device}
        return take_rows(features, indices), take_rows(labels.y, indices), state

    def _select(self, x, codes, labels: Labels, sampling_strategy: dict, knn_backend: str) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def _targeted(labels: Labels, sampling_strategy: dict, device) -> torch.Tensor:
        """Bool per class position: is the class a key of ``sampling_strategy``."""
        flags = np.array([label in sampling_strategy for label in labels.classes], dtype=bool)
        return torch.from_numpy(flags).to(device)


class BaseCleaningSampler(BaseUnderSampler):
    """Base class of the cleaning samplers (imbalanced-learn's 'clean-sampling' strategies).

    ``sampling_strategy`` names the classes to clean: a string ('auto' = 'not
    minority', 'majority', 'not majority', 'all'), a list of classes, or a
    callable (which imbalanced-learn refuses for cleaning, as here).
    """

    _sampling_type = "clean-sampling"

    _parameter_constraints: dict = {
        **BaseSampler._parameter_constraints,
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions(set(UNDER_STRING_STRATEGIES)),
            list,
            callable,
        ],
    }
