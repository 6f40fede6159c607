"""Neighbours of categorical rows under the Value Difference Metric (SMOTEN).

The VDM is not a Euclidean distance, so the Euclidean backends (pruned tiles,
faiss) do not apply: ``'torch'`` runs an exact blocked search on the working
device (:func:`torchsmote.kernels.nominal_torch.vdm_neighbors_torch`),
``'numpy'`` the float64 reference. Both give the same table: distances are
summed in one fixed order and ties go to the smaller index.
"""

from __future__ import annotations

import numpy as np
import torch

from torchsmote.kernels.knn_torch import drop_self
from torchsmote.kernels.nominal_numpy import vdm_distances_numpy, vdm_neighbors_numpy
from torchsmote.kernels.nominal_torch import vdm_neighbors_torch

__all__ = ["VDM_NOT_EUCLIDEAN", "vdm_neighbors", "vdm_neighbors_from_estimator"]

VDM_NOT_EUCLIDEAN = (
    "knn_backend={backend!r} does not apply to SMOTEN: the value difference metric is not "
    "Euclidean; use 'auto', 'torch' or 'numpy'"
)


def vdm_neighbors(codes: torch.Tensor, proba: list, k: int, backend: str) -> torch.Tensor:
    """Exact k nearest rows of one class under the VDM, self excluded by index.

    Parameters
    ----------
    codes : Tensor of shape (n, d), int64
        The class's category codes, on the working device.
    proba : list of Tensor of shape (n_categories, n_classes), float64
        Class shares per category (:func:`~torchsmote.kernels.nominal_torch.vdm_probabilities_torch`).
    k : int
        ``1 <= k <= n - 1``.
    backend : {'torch', 'numpy'}
        Resolved backend; 'faiss' is refused (the VDM is not Euclidean).

    Returns
    -------
    Tensor of shape (n, k), int64, on ``codes.device``
        Nearest first, ties toward the smaller index.
    """
    if backend == "torch":
        return vdm_neighbors_torch(codes, proba, k)
    if backend == "numpy":
        table = vdm_neighbors_numpy(codes.cpu().numpy(), [p.cpu().numpy() for p in proba], k)
        return torch.from_numpy(table).to(codes.device)
    raise ValueError(VDM_NOT_EUCLIDEAN.format(backend=backend))


def vdm_neighbors_from_estimator(estimator, codes: torch.Tensor, proba: list) -> torch.Tensor:
    """Neighbours from a user object with ``fit``/``kneighbors`` on the precomputed VDM matrix.

    As imbalanced-learn: the object gets ``metric='precomputed'`` and is fitted
    and queried with the class's (n, n) distance matrix; its ``n_neighbors``
    includes the row itself, which is then removed by index (the farthest column
    where the row is absent).

    Returns
    -------
    Tensor of shape (n, n_neighbors - 1), int64, on ``codes.device``
    """
    host = codes.cpu().numpy()
    dist = vdm_distances_numpy(host, host, [p.cpu().numpy() for p in proba])
    estimator.set_params(metric="precomputed")
    estimator.fit(dist)
    hits = np.asarray(estimator.kneighbors(dist, return_distance=False))
    if hits.ndim != 2 or hits.shape[0] != host.shape[0] or hits.shape[1] < 2:
        raise ValueError(
            f"k_neighbors object returned neighbours of shape {hits.shape}; expected "
            "(n_rows, n_neighbors) with n_neighbors >= 2"
        )
    return drop_self(torch.from_numpy(hits.astype(np.int64))).to(codes.device)
