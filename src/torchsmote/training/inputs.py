"""Training-set input for the torch-facing helpers: tensors with integer labels."""

from __future__ import annotations

import numpy as np
import torch

from torchsmote.containers import read_only_tensor, unpack
from torchsmote.validation import check_features


def training_tensors(X, y) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate ``X, y`` and return them as tensors (sharing memory where possible).

    Parameters
    ----------
    X : array-like, DataFrame or Tensor of shape (n, d)
        Numeric features (finite).
    y : array-like, Series or Tensor of shape (n,)
        Integer or boolean class labels (training loops need tensor labels).

    Returns
    -------
    features : Tensor of shape (n, d)
    labels : Tensor of shape (n,), integer or bool
        On ``X``'s device for torch input, else on the CPU. Never written to.
    """
    features, labels, _ = unpack(X, y)
    check_features(features)
    if not isinstance(features, torch.Tensor):
        features = read_only_tensor(np.ascontiguousarray(features))
    if not isinstance(labels, torch.Tensor):
        if labels.dtype.kind not in "biu":
            raise TypeError(
                f"y has dtype {labels.dtype}; batches are torch tensors, so labels must be integers "
                "or booleans (encode them first, e.g. with sklearn.preprocessing.LabelEncoder)"
            )
        labels = read_only_tensor(np.ascontiguousarray(labels))
    if labels.numel() == 0:
        raise ValueError("y is empty: it has 0 labels")
    return features, labels
