"""Neighbour-label rules of the SMOTE family: danger sets, ADASYN counts, Tomek links, ENN.

Each rule is a function of label codes and neighbour tables (tensors in, tensors
out, on any device), so the estimators hold no maths and tests can compare each
rule with imbalanced-learn's directly. Neighbours come from :func:`all_neighbors`:
exact k-NN of rows among *all* rows (every class), self excluded by index.

Label *codes* are class positions in the sorted classes (``np.unique(y)``), so
"smaller code" means "smaller label".
"""

from __future__ import annotations

import numpy as np
import torch

from torchsmote.kernels.knn_faiss import knn_self_faiss
from torchsmote.kernels.knn_numpy import knn_self_numpy
from torchsmote.kernels.knn_torch import knn_rows_torch, knn_self_torch

__all__ = [
    "adasyn_counts",
    "all_neighbors",
    "danger_mask",
    "danger_rows",
    "enn_keep_mask",
    "noise_mask",
    "other_class_counts",
    "svm_split_counts",
    "tomek_links",
]


def all_neighbors(x: torch.Tensor, k: int, backend: str, rows: torch.Tensor | None = None) -> torch.Tensor:
    """Exact k nearest neighbours of ``rows`` among all other rows of ``x``.

    Parameters
    ----------
    x : Tensor of shape (n, d)
        Every row (all classes), on the working device.
    k : int
        ``1 <= k <= n - 1``.
    backend : {'numpy', 'faiss', 'torch'}
        Resolved k-NN backend.
    rows : Tensor of shape (n_q,), int64, optional
        Query rows (all rows when omitted), on ``x.device``.

    Returns
    -------
    Tensor of shape (n_q, k), int64, on ``x.device``
        Nearest first, ties toward the smaller index; a row is never its own
        neighbour (imbalanced-learn instead drops the first column of a search
        that includes the row, which differs only for duplicated rows).
    """
    n = x.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    if backend == "torch":
        # A query subset pays off when it is small; for most rows the pruned
        # all-rows search (CPU) is as cheap and reuses its spatial tiles.
        if rows is not None and 2 * rows.numel() < n:
            return knn_rows_torch(x, k, rows)
        table = knn_self_torch(x, k)
    elif backend == "faiss":
        table = knn_self_faiss(x, k)
    elif backend == "numpy":
        table = torch.from_numpy(knn_self_numpy(x.cpu().to(torch.float64).numpy(), k)).to(x.device)
    else:
        raise ValueError(f"unknown k-NN backend {backend!r}")
    return table if rows is None else table.index_select(0, rows)


def other_class_counts(
    codes: torch.Tensor, neighbors: torch.Tensor, query_codes: torch.Tensor
) -> torch.Tensor:
    """How many of each query's neighbours belong to another class.

    Parameters
    ----------
    codes : Tensor of shape (n,), int64
        Label code of every row.
    neighbors : Tensor of shape (n_q, k), int64
        Neighbour rows of each query.
    query_codes : Tensor of shape (n_q,), int64
        Each query's own code.

    Returns
    -------
    Tensor of shape (n_q,), int64
    """
    return (codes[neighbors] != query_codes[:, None]).sum(dim=1)


def danger_mask(n_other: torch.Tensor, m: int) -> torch.Tensor:
    """BorderlineSMOTE's "danger" rows: ``m / 2 <= n_other < m`` (imbalanced-learn's rule).

    Rows with every neighbour of another class are noise, not danger; rows with
    fewer than half are safe.

    Parameters
    ----------
    n_other : Tensor of shape (n_q,), int
        Other-class neighbours among each row's ``m`` nearest.
    m : int
        ``m_neighbors``.

    Returns
    -------
    Tensor of shape (n_q,), bool
    """
    return (n_other >= m / 2) & (n_other < m)


def noise_mask(n_other: torch.Tensor, m: int) -> torch.Tensor:
    """Noise rows: every one of the ``m`` nearest rows belongs to another class.

    imbalanced-learn's ``_in_danger_noise(kind='noise')``; SVMSMOTE drops such
    support vectors. Rows neither noise nor danger (:func:`danger_mask`) are safe.

    Parameters
    ----------
    n_other : Tensor of shape (n_q,), int
    m : int

    Returns
    -------
    Tensor of shape (n_q,), bool
    """
    return n_other == m


def svm_split_counts(n_samples: int, n_danger: int, n_safe: int, fraction: float) -> tuple[int, int]:
    """SVMSMOTE's rows from danger and from safe support vectors of one class.

    imbalanced-learn's split: ``int(fraction * (n_samples + 1))`` rows from the
    danger support vectors and the rest from the safe ones, ``fraction`` a
    Beta(10, 10) draw. When one kind is missing, all ``n_samples`` rows come
    from the other (imbalanced-learn then makes only that kind's share, so the
    class falls short of ``sampling_strategy_``).

    Parameters
    ----------
    n_samples : int
        Rows asked for the class.
    n_danger, n_safe : int
        Danger and safe (non-noise) support vectors of the class; not both 0.
    fraction : float
        In [0, 1).

    Returns
    -------
    (int, int)
        Rows interpolated from danger support vectors, rows extrapolated from safe ones.
    """
    if n_danger == 0:
        return 0, n_samples
    if n_safe == 0:
        return n_samples, 0
    from_danger = int(fraction * (n_samples + 1))
    return from_danger, n_samples - from_danger


def danger_rows(
    x: torch.Tensor, codes: torch.Tensor, rows: torch.Tensor, m: int, knn_backend: str
) -> torch.Tensor:
    """Danger mask of ``rows`` (one class) from their ``m`` nearest rows of any class.

    Parameters
    ----------
    x : Tensor of shape (n, d)
    codes : Tensor of shape (n,), int64
    rows : Tensor of shape (n_class,), int64
        The class's rows.
    m : int
        ``m_neighbors``.
    knn_backend : str

    Returns
    -------
    Tensor of shape (n_class,), bool
        imbalanced-learn's ``_in_danger_noise(kind='danger')`` on the same rows.
    """
    neighbors = all_neighbors(x, m, knn_backend, rows=rows)
    return danger_mask(other_class_counts(codes, neighbors, codes[rows]), m)


def adasyn_counts(n_other: np.ndarray, k: int, n_samples: int) -> np.ndarray:
    """ADASYN's rows per base row, with imbalanced-learn's exact rounding.

    ``ratio = n_other / k``, normalised to sum to one, then
    ``rint(ratio * n_samples)`` (round half to even): the total may differ from
    ``n_samples`` by the rounding, as in imbalanced-learn.

    Parameters
    ----------
    n_other : ndarray of shape (n_class,), int
        Other-class rows among each class row's ``k`` nearest neighbours (all rows).
    k : int
        ``n_neighbors``.
    n_samples : int
        Rows asked for the class (``sampling_strategy_``).

    Returns
    -------
    ndarray of shape (n_class,), int64

    Raises
    ------
    RuntimeError
        No row has an other-class neighbour (imbalanced-learn's error: the ratio
        would divide by zero).
    ValueError
        The rounding leaves no row to generate (imbalanced-learn's error).
    """
    # Same float64 operations in the same order as imbalanced-learn, so the
    # rounding of every count matches.
    ratio = np.asarray(n_other, dtype=np.int64) / k
    if not np.sum(ratio):
        raise RuntimeError(
            "Not any neigbours belong to the majority class. This case will induce a NaN case "
            "with a division by zero. ADASYN is not suited for this specific dataset. Use SMOTE instead."
        )
    ratio /= np.sum(ratio)
    counts = np.rint(ratio * n_samples).astype(np.int64)
    if not counts.sum():
        raise ValueError("No samples will be generated with the provided ratio settings.")
    return counts


def tomek_links(codes: torch.Tensor, nearest: torch.Tensor, targeted: torch.Tensor) -> torch.Tensor:
    """Rows in a Tomek link whose class is targeted (the rows TomekLinks removes).

    Rows ``i`` and ``j = nearest[i]`` form a Tomek link when they are each
    other's nearest neighbour and of different classes. Vectorised form of
    imbalanced-learn's ``TomekLinks.is_tomek`` loop.

    Parameters
    ----------
    codes : Tensor of shape (n,), int64
    nearest : Tensor of shape (n,), int64
        Each row's nearest other row.
    targeted : Tensor of shape (n_classes,), bool
        Classes whose linked rows are marked.

    Returns
    -------
    Tensor of shape (n,), bool
    """
    rows = torch.arange(codes.shape[0], device=codes.device)
    mutual = nearest[nearest] == rows
    return mutual & (codes[nearest] != codes) & targeted[codes]


def enn_keep_mask(
    codes: torch.Tensor, neighbors: torch.Tensor, query_codes: torch.Tensor, kind_sel: str, n_classes: int
) -> torch.Tensor:
    """EditedNearestNeighbours: which query rows agree enough with their neighbours to stay.

    Parameters
    ----------
    codes : Tensor of shape (n,), int64
    neighbors : Tensor of shape (n_q, k), int64
        Each query's nearest rows among all rows.
    query_codes : Tensor of shape (n_q,), int64
    kind_sel : {'all', 'mode'}
        'all': keep when every neighbour has the row's class. 'mode': keep when
        the most frequent neighbour class is the row's (ties to the smallest
        label, as ``scipy.stats.mode``).
    n_classes : int

    Returns
    -------
    Tensor of shape (n_q,), bool
    """
    labels = codes[neighbors]
    if kind_sel == "all":
        return (labels == query_codes[:, None]).all(dim=1)
    if kind_sel == "mode":
        votes = torch.zeros((labels.shape[0], n_classes), dtype=torch.int64, device=labels.device)
        votes.scatter_add_(1, labels, torch.ones_like(labels))
        # argmax returns the first maximum: the smallest code among tied classes.
        return votes.argmax(dim=1) == query_codes
    raise ValueError(f"kind_sel must be 'all' or 'mode'; got {kind_sel!r}")
