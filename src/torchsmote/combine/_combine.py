"""SMOTEENN and SMOTETomek: over-sample with SMOTE, then clean."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods

from torchsmote.base import Labels
from torchsmote.over_sampling.base import BaseOverSampler
from torchsmote.over_sampling.smote import SMOTE
from torchsmote.under_sampling.cleaning import EditedNearestNeighbours, TomekLinks

__all__ = ["SMOTEENN", "SMOTETomek"]


class _SMOTEThenClean(BaseOverSampler):
    """SMOTE (``smote`` or a default one), then a cleaner on the over-sampled data."""

    _cleaner_param = ""
    _FITTED = (*BaseOverSampler._FITTED, "smote_")

    def _default_smote(self):
        return SMOTE(
            sampling_strategy=self.sampling_strategy,
            random_state=self.random_state,
            device=self.device,
            knn_backend=self.knn_backend,
            kernel_backend=self.kernel_backend,
            chunk_size=self.chunk_size,
        )

    def _default_cleaner(self):
        raise NotImplementedError

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        smote = self._default_smote() if self.smote is None else clone(self.smote)
        given = getattr(self, self._cleaner_param)
        cleaner = self._default_cleaner() if given is None else clone(given)
        # numpy/torch in, same out: the inner samplers never see the caller's containers,
        # and a sampler from another library (imbalanced-learn's returns numpy for a
        # tensor) is brought back to the input's kind, dtype and device.
        features_res, labels_res = _like(smote.fit_resample(features, labels.y), features, labels.y)
        features_out, labels_out = _like(cleaner.fit_resample(features_res, labels_res), features, labels.y)
        state = {
            "smote_": smote,
            f"{self._cleaner_param}_": cleaner,
            "device_": getattr(cleaner, "device_", None),
        }
        return features_out, labels_out, state


class SMOTEENN(_SMOTEThenClean):
    """SMOTE, then EditedNearestNeighbours (imbalanced-learn's SMOTEENN).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        Passed to the default SMOTE.
    random_state : int, RandomState or None, default=None
        Passed to the default SMOTE.
    smote : sampler or None, default=None
        Any object with ``fit_resample`` (cloned); None: ``SMOTE`` with this
        object's sampling_strategy, random_state, device and backends.
    enn : sampler or None, default=None
        Any object with ``fit_resample`` (cloned); None:
        ``EditedNearestNeighbours(sampling_strategy='all')`` on the same device and k-NN backend.
    device, knn_backend, kernel_backend, chunk_size
        Passed to the default SMOTE and ENN.

    Attributes
    ----------
    smote_, enn_ : the fitted clones
    sampling_strategy_ : dict
        The resolved over-sampling strategy (imbalanced-learn stores the raw parameter).
    classes_, device_, n_features_in_, feature_names_in_
    """

    _cleaner_param = "enn"
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "smote": [HasMethods(["fit_resample"]), None],
        "enn": [HasMethods(["fit_resample"]), None],
    }
    _FITTED = (*_SMOTEThenClean._FITTED, "enn_")

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        smote=None,
        enn=None,
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.smote = smote
        self.enn = enn
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _default_cleaner(self):
        return EditedNearestNeighbours(
            sampling_strategy="all", device=self.device, knn_backend=self.knn_backend
        )


class SMOTETomek(_SMOTEThenClean):
    """SMOTE, then TomekLinks (imbalanced-learn's SMOTETomek).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
    random_state : int, RandomState or None, default=None
    smote : sampler or None, default=None
        As in :class:`SMOTEENN`.
    tomek : sampler or None, default=None
        Any object with ``fit_resample`` (cloned); None: ``TomekLinks(sampling_strategy='all')``.
    device, knn_backend, kernel_backend, chunk_size
        Passed to the default SMOTE and TomekLinks.

    Attributes
    ----------
    smote_, tomek_ : the fitted clones
    sampling_strategy_ : dict
    classes_, device_, n_features_in_, feature_names_in_
    """

    _cleaner_param = "tomek"
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "smote": [HasMethods(["fit_resample"]), None],
        "tomek": [HasMethods(["fit_resample"]), None],
    }
    _FITTED = (*_SMOTEThenClean._FITTED, "tomek_")

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        smote=None,
        tomek=None,
        device="auto",
        knn_backend="auto",
        kernel_backend="auto",
        chunk_size=None,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.smote = smote
        self.tomek = tomek
        self.device = device
        self.knn_backend = knn_backend
        self.kernel_backend = kernel_backend
        self.chunk_size = chunk_size

    def _default_cleaner(self):
        return TomekLinks(sampling_strategy="all", device=self.device, knn_backend=self.knn_backend)


def _like(result, features, y):
    """``(X, y)`` from an inner sampler, as arrays or tensors of the same kind as ``features, y``."""
    return _as_kind(result[0], features), _as_kind(result[1], y)


def _as_kind(value, like):
    """``value`` as ``like``'s kind (numpy array or tensor), dtype and device."""
    if isinstance(like, torch.Tensor):
        if not isinstance(value, torch.Tensor):
            value = torch.from_numpy(np.asarray(value))
        return value.to(dtype=like.dtype, device=like.device)
    if isinstance(value, torch.Tensor):
        value = value.cpu().numpy()
    return np.asarray(value, dtype=like.dtype)
