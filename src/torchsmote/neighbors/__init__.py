"""Exact k-nearest neighbours within one class, behind one function.

Backends (``kernels/``): ``'numpy'`` (blocked float64 reference), ``'faiss'``
(CPU flat index, or faiss-gpu's brute force on CUDA, + exact re-rank),
``'torch'`` (CPU pruned tiles or CUDA blocks + exact re-rank). ``k_neighbors``
may also be any object with ``fit`` and ``kneighbors`` (imbalanced-learn's
contract).
"""

from __future__ import annotations

import numpy as np
import torch

from torchsmote.kernels.knn_faiss import knn_self_faiss
from torchsmote.kernels.knn_numpy import knn_self_numpy
from torchsmote.kernels.knn_torch import drop_self, knn_self_torch

__all__ = ["class_neighbors", "neighbors_from_estimator"]


def class_neighbors(pool: torch.Tensor, k: int, backend: str) -> torch.Tensor:
    """Exact k nearest neighbours of each row of ``pool`` among the others.

    Parameters
    ----------
    pool : Tensor of shape (n, d)
        One class's rows, on the working device.
    k : int
        ``1 <= k <= n - 1`` (callers check and name the class).
    backend : {'numpy', 'faiss', 'torch'}
        Resolved backend (see :func:`torchsmote.backends.resolve_knn_backend`).

    Returns
    -------
    Tensor of shape (n, k), int64, on ``pool.device``
        Row indices into ``pool``, nearest first, ties toward the smaller index.
    """
    if backend == "torch":
        return knn_self_torch(pool, k)
    if backend == "faiss":
        return knn_self_faiss(pool, k)
    if backend == "numpy":
        # float64 for every dtype: numpy has no bfloat16, and the reference works in float64.
        reference = knn_self_numpy(pool.cpu().to(torch.float64).numpy(), k)
        return torch.from_numpy(reference).to(pool.device)
    raise ValueError(f"unknown k-NN backend {backend!r}")


def neighbors_from_estimator(estimator, pool: torch.Tensor) -> torch.Tensor:
    """Neighbours from a user object with ``fit`` and ``kneighbors`` (e.g. sklearn's).

    Like imbalanced-learn, the object is fitted on the class's rows and queried
    with them, and its own ``n_neighbors`` sets how many columns come back; unlike
    imbalanced-learn, the row itself is removed *by index* (so a duplicate row is
    never mistaken for self); where the object did not return the row itself, the
    last (farthest) column is dropped instead.

    Returns
    -------
    Tensor of shape (n, n_neighbors - 1), int64, on ``pool.device``
    """
    # numpy has no bfloat16 and scikit-learn wants float32/float64.
    wide = pool.dtype in (torch.float32, torch.float64)
    x = (pool if wide else pool.to(torch.float32)).cpu().numpy()
    estimator.fit(x)
    hits = np.asarray(estimator.kneighbors(x, return_distance=False))
    n = x.shape[0]
    if hits.ndim != 2 or hits.shape[0] != n or hits.shape[1] < 2:
        raise ValueError(
            "k_neighbors object returned neighbours of shape "
            f"{hits.shape}; expected (n_rows, n_neighbors) with n_neighbors >= 2"
        )
    if not np.issubdtype(hits.dtype, np.integer) or hits.min() < 0 or hits.max() >= n:
        raise ValueError(
            f"k_neighbors object returned neighbours that are not row indices in [0, {n}) "
            f"(dtype {hits.dtype}, range {hits.min()} .. {hits.max()})"
        )
    return drop_self(torch.from_numpy(hits.astype(np.int64))).to(pool.device)
