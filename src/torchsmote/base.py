"""The sampler contract shared by every sampler (over-, under- and clean-sampling).

``fit_resample`` validates parameters and input, resolves ``sampling_strategy``
for the sampler's kind (:mod:`torchsmote.sampling_strategy`), then calls the
subclass's ``_fit_resample``; the result goes back in the caller's containers.
Estimators hold no maths: that lives in ``torchsmote.kernels`` and the
functions that call it.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils import check_random_state

# scikit-learn's parameter validation (also used by imbalanced-learn): gives the
# standard "The 'p' parameter of Est must be ... Got ... instead." errors.
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints

from torchsmote.backends import KNN_BACKENDS
from torchsmote.containers import Containers, pack, read_only_tensor, unpack
from torchsmote.memory import check_fits
from torchsmote.sampling_strategy import resolve_sampling_strategy
from torchsmote.validation import check_features, check_labels, class_counts

__all__ = ["BaseSampler", "Labels", "OutputSpec", "take_rows", "working_tensor"]


class Labels:
    """Class structure of ``y``: sorted classes, counts and each class's rows.

    Works on a numpy array or a torch tensor (kept on its device).
    """

    def __init__(self, y: np.ndarray | torch.Tensor):
        self.y = y
        if isinstance(y, torch.Tensor):
            if y.numel() == 0:
                raise ValueError("y is empty: it has 0 labels")
            uniq, self._codes, counts = torch.unique(y, return_inverse=True, return_counts=True)
            self.classes = uniq.cpu().numpy()
            self.counts = counts.cpu().numpy()
        else:
            check_labels(y)
            self.classes, self.counts = class_counts(y)
            self._codes = None

    def rows_of(self, class_index: int) -> np.ndarray | torch.Tensor:
        """Row indices (ascending) of one class, as int64 on y's device."""
        if self._codes is not None:
            return (self._codes == class_index).nonzero().squeeze(1)
        return np.flatnonzero(self.y == self.classes[class_index])

    def as_numpy(self) -> np.ndarray:
        return self.y.cpu().numpy() if isinstance(self.y, torch.Tensor) else self.y

    def codes(self, device=None) -> torch.Tensor:
        """Each row's class position (index into ``classes``) as an int64 tensor.

        On y's device for a torch ``y``, else on ``device`` (CPU by default).
        """
        if self._codes is not None:
            return self._codes.to(torch.int64)
        codes = np.searchsorted(self.classes, self.y).astype(np.int64)
        return torch.from_numpy(codes).to(device or "cpu")


def working_tensor(features, device: torch.device) -> torch.Tensor:
    """``features`` as a tensor on ``device``: zero-copy for CPU numpy input, never modified."""
    if isinstance(features, torch.Tensor):
        return features.to(device)
    return read_only_tensor(np.ascontiguousarray(features)).to(device)


def take_rows(features, indices: np.ndarray):
    """Rows ``indices`` of numpy or torch ``features`` (torch stays on its device)."""
    if isinstance(features, torch.Tensor):
        return features.index_select(0, torch.as_tensor(indices, device=features.device))
    return features[indices]


class BaseSampler(OneToOneFeatureMixin, BaseEstimator):
    """Base class of every sampler: validation, containers, sampling strategy.

    Subclasses set ``_sampling_type`` ('over-sampling', 'under-sampling' or
    'clean-sampling'), declare ``_parameter_constraints`` and implement
    ``_fit_resample(features, labels, sampling_strategy)`` returning the
    resampled features and labels (numpy arrays or torch tensors) and a dict of
    fitted state (names listed in ``_FITTED``).
    """

    _estimator_type = "sampler"
    _sampling_type = "over-sampling"
    #: Whether ``fit_resample`` sets ``sample_indices_`` (imbalanced-learn's sampler tag).
    _sample_indices = False

    _parameter_constraints: dict = {
        "device": [str, torch.device],
        "knn_backend": [StrOptions(set(KNN_BACKENDS))],
    }

    #: Fitted attributes that a fit replaces or removes together.
    _FITTED: tuple[str, ...] = (
        "sampling_strategy_",
        "classes_",
        "n_features_in_",
        "feature_names_in_",
        "device_",
        "_output",
    )

    def fit(self, X, y):
        """Validate the input and resolve ``sampling_strategy_``.

        Parameters
        ----------
        X : array-like, DataFrame or Tensor of shape (n_samples, n_features)
        y : array-like, Series or Tensor of shape (n_samples,)

        Returns
        -------
        self
        """
        features, labels, _, fitted = self._prepare(X, y)
        state = self._fit(features, labels, fitted["sampling_strategy_"])
        self._set_fitted({**fitted, **state})
        return self

    def fit_resample(self, X, y):
        """Resample ``X`` and ``y``.

        Parameters
        ----------
        X : array-like, DataFrame or Tensor of shape (n_samples, n_features)
            numpy in -> numpy out, pandas -> pandas (names, dtypes), torch ->
            torch (same device and dtype), list -> list.
        y : array-like, Series or Tensor of shape (n_samples,)
            Class labels (a one-hot 2-D ``y`` comes back one-hot).

        Returns
        -------
        X_resampled : same kind as X, shape (n_samples_new, n_features)
        y_resampled : same kind as y, shape (n_samples_new,)
        """
        features, labels, info, fitted = self._prepare(X, y)
        features_out, labels_out, state = self._fit_resample(features, labels, fitted["sampling_strategy_"])
        # Fitted attributes change only once the whole call has succeeded.
        self._set_fitted({**fitted, **state})
        return self._pack(features_out, labels_out, info)

    def _fit(self, features, labels: Labels, sampling_strategy: dict) -> dict:
        """Fitted state beyond the validated input (none by default)."""
        return {}

    def _fit_resample(self, features, labels: Labels, sampling_strategy: dict):
        raise NotImplementedError

    def _unpack(self, X, y):
        """The caller's ``X`` and ``y`` as working data: ``(features, labels, containers)``.

        Numeric samplers take one checked float array or tensor; samplers of
        categorical data (SMOTENC, SMOTEN) override this and :meth:`_pack`.
        """
        features, y_work, info = unpack(X, y)
        check_features(features)
        return features, y_work, info

    def _pack(self, features_out, labels_out, info: Containers):
        """The resampled data back in the caller's containers."""
        return pack(features_out, labels_out, info)

    def _set_fitted(self, fitted: dict) -> None:
        for name in self._FITTED:
            if name in fitted:
                setattr(self, name, fitted[name])
            elif name in self.__dict__:
                delattr(self, name)

    def _prepare(self, X, y):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=self.__class__.__name__,
        )
        features, y_work, info = self._unpack(X, y)
        labels = Labels(y_work)
        y_for_callable = labels.as_numpy() if callable(self.sampling_strategy) else None
        fitted = {
            "sampling_strategy_": resolve_sampling_strategy(
                self.sampling_strategy,
                labels.classes,
                labels.counts,
                y_for_callable,
                sampling_type=self._sampling_type,
            ),
            "classes_": labels.classes,
            "n_features_in_": features.shape[1],
        }
        if info.x_columns is not None and all(isinstance(c, str) for c in info.x_columns):
            fitted["feature_names_in_"] = np.asarray(info.x_columns, dtype=object)
        if isinstance(features, np.ndarray | torch.Tensor):  # not for mixed data (no synthetic stream)
            fitted["_output"] = OutputSpec.of(features, labels.y, info)
        return features, labels, info, fitted

    def _seed(self) -> int:
        """The counter-RNG seed from ``random_state`` (int, RandomState or None).

        An int is used as is; like scikit-learn, None draws from numpy's global
        RNG (so runs differ) and a RandomState gives its next draw.
        """
        state = self.random_state
        if isinstance(state, Integral):
            return int(state)
        return int(check_random_state(state).randint(0, 2**63 - 1, dtype=np.int64))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        try:
            # imbalanced-learn's richer tags (sampler_tags, dataframe input) when it
            # is installed, so its Pipeline and estimator checks treat us as a sampler.
            from imblearn.utils._tags import InputTags, SamplerTags, Tags
        except ImportError:
            tags.estimator_type = "sampler"
            return tags
        rich = Tags(
            estimator_type="sampler",
            target_tags=tags.target_tags,
            transformer_tags=None,
            regressor_tags=None,
            classifier_tags=None,
            sampler_tags=SamplerTags(sample_indices=self._sample_indices),
        )
        rich.target_tags.required = True
        rich.input_tags = InputTags()
        rich.input_tags.two_d_array = True
        rich.input_tags.dataframe = True
        return rich


class OutputSpec:
    """Containers, dtypes and device of the fitted data: how sampled rows come back.

    Holds no reference to the caller's arrays (only dtypes and devices), so a
    fitted sampler does not keep the training set alive.
    """

    def __init__(self, features_dtype, features_device, n_features, labels_dtype, labels_device, containers):
        self.features_dtype = features_dtype
        self.features_device = features_device  # None for host (numpy) data
        self.n_features = n_features
        self.labels_dtype = labels_dtype
        self.labels_device = labels_device
        self.containers: Containers = containers

    @classmethod
    def of(cls, features, y, containers: Containers) -> OutputSpec:
        x_device = features.device if isinstance(features, torch.Tensor) else None
        y_device = y.device if isinstance(y, torch.Tensor) else None
        return cls(features.dtype, x_device, features.shape[1], y.dtype, y_device, containers)

    @property
    def is_torch(self) -> bool:
        return self.features_device is not None

    def new_features(self, n: int):
        if self.is_torch:
            check_fits(
                self.features_device,
                n * self.n_features * self.features_dtype.itemsize,
                f"{n:,} synthetic rows",
            )
            return torch.empty((n, self.n_features), dtype=self.features_dtype, device=self.features_device)
        return np.empty((n, self.n_features), dtype=self.features_dtype)

    def new_labels(self, n: int):
        if self.labels_device is not None:
            return torch.empty(n, dtype=self.labels_dtype, device=self.labels_device)
        return np.empty(n, dtype=self.labels_dtype)
