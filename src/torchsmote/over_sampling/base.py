"""The sampler contract shared by every over-sampler.

``fit_resample`` validates parameters and input, plans how many rows each class
gets, then calls the subclass's ``_fit_resample``. Estimators hold no maths: that
lives in ``torchsmote.kernels`` and the functions that call it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.utils import check_random_state

# scikit-learn's parameter validation (also used by imbalanced-learn): gives the
# standard "The 'p' parameter of Est must be ... Got ... instead." errors.
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import check_is_fitted

from torchsmote.backends import KERNEL_BACKENDS, KNN_BACKENDS
from torchsmote.containers import Containers, pack, unpack
from torchsmote.memory import check_fits
from torchsmote.sampling_strategy import STRING_STRATEGIES, resolve_sampling_strategy
from torchsmote.streams import UnavailableStreams
from torchsmote.validation import (
    ClassTooSmallError,
    check_features,
    check_int,
    check_labels,
    class_counts,
    python_scalar,
)


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


class BaseOverSampler(OneToOneFeatureMixin, BaseEstimator):
    """Base class: parameter and input validation, containers, planning.

    Subclasses implement ``_fit_resample(features, labels, sampling_strategy)``
    returning the resampled features and labels (numpy arrays or torch tensors)
    and a dict of private fitted state (e.g. ``_streams``).
    """

    _estimator_type = "sampler"
    _sampling_type = "over-sampling"

    _parameter_constraints: dict = {
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions(set(STRING_STRATEGIES)),
            Mapping,
            callable,
        ],
        "random_state": ["random_state"],
        "device": [str, torch.device],
        "knn_backend": [StrOptions(set(KNN_BACKENDS))],
        "kernel_backend": [StrOptions(set(KERNEL_BACKENDS))],
        "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def fit(self, X, y):
        """Validate the input, plan the counts and build each class's generator.

        After ``fit``, :meth:`sample` and :meth:`stream` hand out synthetic rows
        without refitting (the k-NN graphs are computed here, once).

        Parameters
        ----------
        X : array-like, DataFrame or Tensor of shape (n_samples, n_features)
        y : array-like, Series or Tensor of shape (n_samples,)

        Returns
        -------
        self
        """
        features, labels, _, fitted = self._prepare(X, y)
        try:
            state = self._fit(features, labels, fitted["sampling_strategy_"])
        except ClassTooSmallError as error:
            # As in imbalanced-learn, fit itself accepts such data (scikit-learn's
            # estimator checks fit on 10-row sets); asking for rows raises this error.
            state = {"_streams": UnavailableStreams(error)}
        self._set_fitted({**fitted, **state})
        return self

    def fit_resample(self, X, y):
        """Resample: original rows first, unchanged, then synthetic rows class by class.

        Parameters
        ----------
        X : array-like, DataFrame or Tensor of shape (n_samples, n_features)
            numpy in -> numpy out, pandas -> pandas (names, dtypes), torch ->
            torch (same device and dtype), list -> list.
        y : array-like, Series or Tensor of shape (n_samples,)
            Class labels (a one-hot 2-D ``y`` comes back one-hot).

        Returns
        -------
        X_resampled : same kind as X, shape (n_samples + n_synthetic, n_features)
        y_resampled : same kind as y, shape (n_samples + n_synthetic,)
        """
        features, labels, info, fitted = self._prepare(X, y)
        features_out, labels_out, state = self._fit_resample(features, labels, fitted["sampling_strategy_"])
        # Fitted attributes change only once the whole call has succeeded.
        self._set_fitted({**fitted, **state})
        return pack(features_out, labels_out, info)

    #: Fitted attributes that a fit replaces or removes together.
    _FITTED = (
        "sampling_strategy_",
        "classes_",
        "n_features_in_",
        "feature_names_in_",
        "device_",
        "_streams",
        "_output",
    )

    def _fit(self, features, labels: Labels, sampling_strategy: dict) -> dict:
        """Build the fitted state (e.g. ``_streams``, ``device_``); subclasses implement."""
        raise NotImplementedError

    # ------------------------------------------------------------------ streaming

    def sample(self, n: int | None = None, start: int = 0):
        """Synthetic rows ``[start, start + n)`` of the fitted stream, without refitting.

        The stream lays the classes end to end in sorted class order, one epoch
        after another: rows ``[0, n_synthetic_)`` are exactly the synthetic rows
        of ``fit_resample`` with the same ``random_state`` (in its order), and
        rows past that are fresh rows with the same class counts (epoch 1, 2, ...).

        Parameters
        ----------
        n : int, optional
            Rows to return (>= 0); default: one epoch (``n_synthetic_``).
        start : int, default=0
            Stream position of the first row (>= 0).

        Returns
        -------
        X_synthetic : same kind as the fitted X, shape (n, n_features)
            numpy/pandas/list on the host, torch on the fitted tensor's device.
        y_synthetic : same kind as the fitted y, shape (n,)
        """
        check_is_fitted(self, "_streams")
        self._streams.check()
        n = self.n_synthetic_ if n is None else n
        n = check_int(n, "n", 0)
        start = check_int(start, "start", 0)
        output = self._output
        features_out = output.new_features(n)
        labels_out = output.new_labels(n)
        streams = self._streams
        for offset, index, class_start, length in streams.segments(start, n):
            target = features_out[offset : offset + length]
            streams.class_rows(index, class_start, target if output.is_torch else torch.from_numpy(target))
            labels_out[offset : offset + length] = python_scalar(streams.classes[index].label)
        return pack(features_out, labels_out, output.containers)

    def stream(self, batch_size: int, n: int | None = None, start: int = 0) -> Iterator:
        """Yield ``(X_synthetic, y_synthetic)`` batches of the fitted stream.

        Parameters
        ----------
        batch_size : int
            Rows per batch (>= 1); the last batch may be shorter.
        n : int, optional
            Rows in all; default one epoch (``n_synthetic_``). Pass
            ``start=e * n_synthetic_`` for epoch ``e``'s fresh rows.
        start : int, default=0
            Stream position of the first row.

        Yields
        ------
        tuple
            As :meth:`sample`; concatenated, the batches equal ``sample(n, start)``.
        """
        check_is_fitted(self, "_streams")
        self._streams.check()
        batch_size = check_int(batch_size, "batch_size", 1)
        n = self.n_synthetic_ if n is None else n
        n = check_int(n, "n", 0)
        start = check_int(start, "start", 0)
        return self._batches(batch_size, n, start)

    def _batches(self, batch_size: int, n: int, start: int) -> Iterator:
        for offset in range(0, n, batch_size):
            yield self.sample(min(batch_size, n - offset), start + offset)

    @property
    def n_synthetic_(self) -> int:
        """Synthetic rows per epoch (the sum of ``sampling_strategy_``)."""
        check_is_fitted(self, "sampling_strategy_")
        return int(sum(self.sampling_strategy_.values()))

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
        features, y_work, info = unpack(X, y)
        check_features(features)
        labels = Labels(y_work)
        y_for_callable = labels.as_numpy() if callable(self.sampling_strategy) else None
        fitted = {
            "sampling_strategy_": resolve_sampling_strategy(
                self.sampling_strategy, labels.classes, labels.counts, y_for_callable
            ),
            "classes_": labels.classes,
            "n_features_in_": features.shape[1],
        }
        if info.x_columns is not None and all(isinstance(c, str) for c in info.x_columns):
            fitted["feature_names_in_"] = np.asarray(info.x_columns, dtype=object)
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
            sampler_tags=SamplerTags(),
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
