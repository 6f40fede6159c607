"""Containers round-trip: numpy in -> numpy out, pandas -> pandas, torch -> torch, list -> list.

``unpack`` turns the caller's ``X`` and ``y`` into one float array or tensor and
one 1-D label array or tensor (never modifying or aliasing-for-write the
caller's objects) and records what is needed to ``pack`` the result back into
the caller's kinds of container.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass
class Containers:
    """What the caller passed, so the output can take the same form."""

    x_kind: str  # 'numpy' | 'pandas' | 'torch' | 'list'
    y_kind: str  # 'numpy' | 'series' | 'frame' | 'torch' | 'list'
    x_columns: Any = None
    x_dtypes: Any = None
    y_name: Any = None
    y_columns: Any = None
    y_dtype: Any = None
    y_one_hot_classes: np.ndarray | None = None


def check_n_rows(n_X: int, n_y: int) -> None:
    """Raise a ValueError when X and y disagree on the number of rows."""
    if n_X != n_y:
        raise ValueError(f"X and y have different lengths: X has {n_X} rows, y has {n_y}")


def _is_pandas(obj, kind: str) -> bool:
    module = type(obj).__module__
    return module.startswith("pandas") and type(obj).__name__ == kind


def _frame_to_numpy(frame) -> np.ndarray:
    plain_floats = True
    for column, dtype in frame.dtypes.items():
        kind = getattr(dtype, "kind", "O")
        if kind not in "biuf":
            raise TypeError(
                f"X column {column!r} has dtype {dtype}; SMOTE needs numeric features "
                "(encode categorical columns first)"
            )
        plain_floats &= kind == "f" and isinstance(dtype, np.dtype)
    if plain_floats:
        # Homogeneous numpy-float frames keep their dtype (float32 stays float32).
        array = frame.to_numpy()
    else:
        # Integer, bool and pandas nullable (Float64, Int64) columns: float64, with
        # missing values as NaN so that validation names them.
        array = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    return _native_byte_order(array)


def _native_byte_order(X: np.ndarray) -> np.ndarray:
    """torch reads native byte order only: convert big-endian arrays (a copy)."""
    return X if X.dtype.isnative else X.astype(X.dtype.newbyteorder("="))


def _array_features(X) -> np.ndarray:
    X = np.asarray(X)
    X = _native_byte_order(X)
    if X.dtype.kind in "biu":
        # Integer/bool features: synthetic rows need a float type; float64 holds
        # every integer below 2**53 exactly, so the original rows survive unchanged.
        return X.astype(np.float64)
    if X.dtype.kind == "c":
        raise ValueError("Complex data not supported: X has dtype " + str(X.dtype))
    if X.dtype.kind == "O":
        # Object arrays holding numbers are numbers (scikit-learn's rule).
        try:
            return X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"X has dtype object with non-numeric values ({exc}); SMOTE needs numeric features"
            ) from exc
    if X.dtype.kind != "f":
        raise TypeError(f"X has dtype {X.dtype}; SMOTE needs numeric features")
    return X


def unpack(X, y) -> tuple[np.ndarray | torch.Tensor, np.ndarray | torch.Tensor, Containers]:
    """Split caller input into working data and a record of its containers.

    Returns
    -------
    features : ndarray or Tensor of shape (n, d)
        Float data. A numpy array may be the caller's own (never written to).
    labels : ndarray or Tensor of shape (n,)
        Class labels (decoded from a one-hot ``y``).
    containers : Containers
    """
    if X is None:
        raise ValueError("X is None; pass a 2-D array of features")
    if y is None:
        raise ValueError("SMOTE requires y to be passed, but the target y is None")
    info = Containers(x_kind="numpy", y_kind="numpy")
    if isinstance(X, torch.Tensor):
        info.x_kind = "torch"
        features = X.detach()
    elif _is_pandas(X, "DataFrame"):
        info.x_kind = "pandas"
        info.x_columns, info.x_dtypes = X.columns, X.dtypes
        features = _frame_to_numpy(X)
    elif isinstance(X, np.ndarray):
        features = _array_features(X)
    elif is_sparse(X):
        raise TypeError("sparse X is not supported; pass a dense array (X.toarray())")
    else:
        info.x_kind = "list" if isinstance(X, list | tuple) else "numpy"
        features = _array_features(X)
    labels = unpack_labels(y, info)
    n_x = features.shape[0] if features.ndim >= 1 else 0
    check_n_rows(n_x, labels.shape[0])
    return features, labels, info


def is_sparse(X) -> bool:
    """Whether ``X`` is a scipy sparse matrix or array (refused: dense input only)."""
    return hasattr(X, "toarray") or type(X).__module__.startswith("scipy")


def unpack_labels(y, info: Containers) -> np.ndarray | torch.Tensor:
    """The caller's ``y`` as a 1-D label array or tensor; records its container in ``info``.

    Raises
    ------
    ValueError
        Float or complex torch labels, multilabel or multioutput targets.
    """
    if isinstance(y, torch.Tensor):
        info.y_kind = "torch"
        labels = y.detach()
        if labels.is_floating_point() or labels.is_complex():
            raise ValueError(f"Unknown label type: torch y has dtype {labels.dtype}; use integer labels")
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1:
            raise ValueError("Multilabel and multioutput targets are not supported.")
        return labels
    if _is_pandas(y, "Series"):
        info.y_kind, info.y_name, info.y_dtype = "series", y.name, y.dtype
    elif _is_pandas(y, "DataFrame"):
        info.y_kind, info.y_columns, info.y_dtype = "frame", y.columns, y.dtypes.iloc[0]
    elif isinstance(y, list | tuple):
        info.y_kind = "list"
    return _labels_numpy(np.asarray(y), info)


def _labels_numpy(y: np.ndarray, info: Containers) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] == 1:
        return y[:, 0]
    if y.ndim == 2:
        is_binary = np.isin(y, (0, 1)).all()
        if is_binary and y.shape[1] > 1 and (y.sum(axis=1) == 1).all():
            info.y_one_hot_classes = np.arange(y.shape[1])
            return y.argmax(axis=1)
        raise ValueError("Multilabel and multioutput targets are not supported.")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D class labels, got shape {y.shape}")
    return y


def read_only_tensor(array: np.ndarray) -> torch.Tensor:
    """A zero-copy tensor view of an array that torchsmote only reads.

    ``torch.from_numpy`` warns on read-only arrays (pandas 3 hands them out), but
    nothing here ever writes through this view, so the warning would be noise.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(array)


def pack(features_out, labels_out, info: Containers):
    """Wrap the resampled arrays in the caller's kinds of container."""
    if info.x_kind == "pandas":
        import pandas as pd

        X_out = pd.DataFrame(features_out, columns=info.x_columns).astype(info.x_dtypes)
    elif info.x_kind == "list":
        X_out = features_out.tolist()
    else:
        X_out = features_out
    return X_out, pack_labels(labels_out, info)


def pack_labels(labels_out, info: Containers):
    """Resampled labels in the caller's kind of ``y`` container (Series, frame, one-hot, list)."""
    if info.y_one_hot_classes is not None:
        y_out = (labels_out[:, None] == info.y_one_hot_classes[None, :]).astype(np.int64)
    else:
        y_out = labels_out
    if info.y_kind == "series":
        import pandas as pd

        y_out = pd.Series(y_out, name=info.y_name).astype(info.y_dtype)
    elif info.y_kind == "frame":
        import pandas as pd

        y_out = pd.DataFrame(np.asarray(y_out).reshape(len(y_out), -1), columns=info.y_columns)
        y_out = y_out.astype(info.y_dtype)
    elif info.y_kind == "list":
        y_out = y_out.tolist()
    return y_out
