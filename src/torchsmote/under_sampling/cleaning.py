"""Cleaning under-samplers: EditedNearestNeighbours and TomekLinks, vectorised."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from torchsmote.base import Labels
from torchsmote.neighbors.family import all_neighbors, enn_keep_mask, tomek_links

from .base import BaseCleaningSampler

__all__ = ["EditedNearestNeighbours", "TomekLinks"]


def _class_order(kept: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
    """Kept row indices grouped class by class (sorted classes), ascending within a class.

    imbalanced-learn's EditedNearestNeighbours concatenates its selection class by class.
    """
    order = torch.sort(codes[kept], stable=True).indices
    return kept[order]


class EditedNearestNeighbours(BaseCleaningSampler):
    """Remove rows of the targeted classes that disagree with their nearest neighbours.

    A row of a targeted class stays when its ``n_neighbors`` nearest rows (all
    classes, the row itself excluded by index) all share its class
    (``kind_sel='all'``) or when their most frequent class is its own
    (``kind_sel='mode'``, ties to the smallest label). Rows of other classes all stay.

    Parameters
    ----------
    sampling_strategy : str, list or callable, default='auto'
        Classes to clean (imbalanced-learn's clean-sampling forms; 'auto' = 'not minority').
    n_neighbors : int, default=3
        Neighbours per row; needs ``n_neighbors + 1`` rows in all.
    kind_sel : {'all', 'mode'}, default='all'
    device : {'auto', 'cpu', 'cuda', 'cuda:N'} or torch.device, default='auto'
        'auto': a torch input stays on its device; host input goes to CUDA when
        one is present and ``X`` has at least 2**20 values.
    knn_backend : {'auto', 'numpy', 'faiss', 'torch'}, default='auto'

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,), int64
        Row of ``X`` for every output row: class by class in sorted class order,
        ascending within a class (imbalanced-learn's order).
    sampling_strategy_ : dict
        Cleaned classes (each mapped to the minority count, as imbalanced-learn).
    classes_ : ndarray
    device_ : torch.device
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only for DataFrame input with string column names.
    """

    _parameter_constraints: dict = {
        **BaseCleaningSampler._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "kind_sel": [StrOptions({"all", "mode"})],
    }

    def __init__(
        self, *, sampling_strategy="auto", n_neighbors=3, kind_sel="all", device="auto", knn_backend="auto"
    ):
        self.sampling_strategy = sampling_strategy
        self.n_neighbors = n_neighbors
        self.kind_sel = kind_sel
        self.device = device
        self.knn_backend = knn_backend

    def _select(self, x, codes, labels: Labels, sampling_strategy: dict, knn_backend: str) -> torch.Tensor:
        n, k = x.shape[0], int(self.n_neighbors)
        if n < k + 1:
            raise ValueError(
                f"EditedNearestNeighbours with n_neighbors={k} needs at least {k + 1} rows; X has {n}"
            )
        targeted = self._targeted(labels, sampling_strategy, x.device)
        queries = targeted[codes].nonzero().squeeze(1)
        neighbors = all_neighbors(x, k, knn_backend, rows=queries)
        keep = torch.ones(n, dtype=torch.bool, device=x.device)
        keep[queries] = enn_keep_mask(codes, neighbors, codes[queries], self.kind_sel, len(labels.classes))
        return _class_order(keep.nonzero().squeeze(1), codes)


class TomekLinks(BaseCleaningSampler):
    """Remove the rows of the targeted classes that are in a Tomek link.

    Two rows of different classes form a Tomek link when each is the other's
    nearest neighbour (nearest over all rows, self excluded by index).

    Parameters
    ----------
    sampling_strategy : str, list or callable, default='auto'
        Classes to clean (imbalanced-learn's clean-sampling forms; 'auto' = 'not minority').
    device : {'auto', 'cpu', 'cuda', 'cuda:N'} or torch.device, default='auto'
    knn_backend : {'auto', 'numpy', 'faiss', 'torch'}, default='auto'

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,), int64
        Kept rows of ``X``, in their original order (imbalanced-learn's order).
    sampling_strategy_ : dict
    classes_ : ndarray
    device_ : torch.device
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    def __init__(self, *, sampling_strategy="auto", device="auto", knn_backend="auto"):
        self.sampling_strategy = sampling_strategy
        self.device = device
        self.knn_backend = knn_backend

    @staticmethod
    def is_tomek(y, nn_index, class_type) -> np.ndarray:
        """Which rows are in a Tomek link and of a class in ``class_type`` (imbalanced-learn's signature).

        Parameters
        ----------
        y : array-like of shape (n_samples,)
        nn_index : array-like of shape (n_samples,), int
            Each row's nearest other row.
        class_type : container of labels
            Classes whose linked rows are marked.

        Returns
        -------
        ndarray of shape (n_samples,), bool
        """
        y = np.asarray(y)
        classes, codes = np.unique(y, return_inverse=True)
        targeted = np.array([label in class_type for label in classes], dtype=bool)
        links = tomek_links(
            torch.from_numpy(codes.astype(np.int64)),
            torch.from_numpy(np.asarray(nn_index, dtype=np.int64)),
            torch.from_numpy(targeted),
        )
        return links.numpy()

    def _select(self, x, codes, labels: Labels, sampling_strategy: dict, knn_backend: str) -> torch.Tensor:
        if x.shape[0] < 2:
            raise ValueError(f"TomekLinks needs at least 2 rows; X has {x.shape[0]}")
        nearest = all_neighbors(x, 1, knn_backend)[:, 0]
        links = tomek_links(codes, nearest, self._targeted(labels, sampling_strategy, x.device))
        return (~links).nonzero().squeeze(1)
