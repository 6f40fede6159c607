"""The over-sampler contract: :class:`torchsmote.base.BaseSampler` plus the synthetic stream.

``fit_resample`` validates parameters and input, plans how many rows each class
gets, then calls the subclass's ``_fit_resample``. Estimators hold no maths: that
lives in ``torchsmote.kernels`` and the functions that call it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from torchsmote.backends import KERNEL_BACKENDS
from torchsmote.base import BaseSampler, Labels, OutputSpec
from torchsmote.containers import pack, read_only_tensor
from torchsmote.sampling_strategy import STRING_STRATEGIES
from torchsmote.streams import UnavailableStreams
from torchsmote.validation import ClassTooSmallError, check_int, python_scalar

__all__ = ["BaseOverSampler", "Labels", "OutputSpec"]


class BaseOverSampler(BaseSampler):
    """Base class of the over-samplers: original rows first, then new rows class by class.

    Subclasses implement ``_fit_resample(features, labels, sampling_strategy)``
    returning the resampled features and labels (numpy arrays or torch tensors)
    and a dict of private fitted state (e.g. ``_streams``). Samplers whose rows
    form a counter-RNG stream (``_has_stream = True``, e.g. SMOTE) also
    implement ``_fit`` to build it; :meth:`sample` and :meth:`stream` then work.
    """

    _sampling_type = "over-sampling"
    #: Whether ``fit`` builds a synthetic stream (``_streams``) for sample/stream.
    _has_stream = False

    _parameter_constraints: dict = {
        **BaseSampler._parameter_constraints,
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions(set(STRING_STRATEGIES)),
            Mapping,
            callable,
        ],
        "random_state": ["random_state"],
        "kernel_backend": [StrOptions(set(KERNEL_BACKENDS))],
        "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    _FITTED = (*BaseSampler._FITTED, "_streams")

    def fit(self, X, y):
        """Validate the input, plan the counts and (streaming samplers) build each class's generator.

        After ``fit``, :meth:`sample` and :meth:`stream` of a streaming sampler
        (SMOTE) hand out synthetic rows without refitting (the k-NN graphs are
        computed here, once); other over-samplers only validate here.

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
        self._check_stream()
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
        self._check_stream()
        batch_size = check_int(batch_size, "batch_size", 1)
        n = self.n_synthetic_ if n is None else n
        n = check_int(n, "n", 0)
        start = check_int(start, "start", 0)
        return self._batches(batch_size, n, start)

    def _check_stream(self) -> None:
        if not self._has_stream:
            raise NotImplementedError(
                f"{type(self).__name__} has no synthetic stream; use fit_resample "
                "(sample/stream exist for SMOTE)"
            )
        check_is_fitted(self, "_streams")
        self._streams.check()

    def _batches(self, batch_size: int, n: int, start: int) -> Iterator:
        for offset in range(0, n, batch_size):
            yield self.sample(min(batch_size, n - offset), start + offset)

    @staticmethod
    def _allocate(features, y, total: int):
        """Output buffers with the original rows already copied in, bit for bit."""
        n = features.shape[0]
        if isinstance(features, torch.Tensor):
            features_out = torch.empty(
                (n + total, features.shape[1]), dtype=features.dtype, device=features.device
            )
            features_out[:n] = features
        else:
            features_out = np.empty((n + total, features.shape[1]), dtype=features.dtype)
            # torch's copy uses every core: 32 ms against numpy's 45 ms for 128 MB here.
            torch.from_numpy(features_out[:n]).copy_(read_only_tensor(np.ascontiguousarray(features)))
        if isinstance(y, torch.Tensor):
            labels_out = torch.empty(n + total, dtype=y.dtype, device=y.device)
        else:
            labels_out = np.empty(n + total, dtype=y.dtype)
        labels_out[:n] = y
        return features_out, labels_out

    @classmethod
    def _assemble(cls, features, y, blocks: list):
        """Original rows, then each ``(label, rows)`` block in order, in fresh outputs.

        ``rows`` is a tensor (any device) of ``features``' dtype; the result has
        ``features``' kind (numpy or torch on its device).
        """
        n = features.shape[0]
        features_out, labels_out = cls._allocate(features, y, sum(rows.shape[0] for _, rows in blocks))
        offset = n
        for label, rows in blocks:
            stop = offset + rows.shape[0]
            target = features_out[offset:stop]
            (target if isinstance(target, torch.Tensor) else torch.from_numpy(target)).copy_(rows)
            labels_out[offset:stop] = python_scalar(label)
            offset = stop
        return features_out, labels_out

    @property
    def n_synthetic_(self) -> int:
        """Synthetic rows per epoch (the sum of ``sampling_strategy_``)."""
        check_is_fitted(self, "sampling_strategy_")
        return int(sum(self.sampling_strategy_.values()))
