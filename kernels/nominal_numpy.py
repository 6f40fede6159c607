"""Reference kernels of SMOTENC and SMOTEN (numpy): clear, slow, the law.

Categorical columns arrive as integer *codes*: column ``j``'s value ``v`` is
code ``c`` when ``v`` is the ``c``-th of the column's categories in sorted order
(imbalanced-learn's encoders sort them the same way). Every fast path
(:mod:`nominal_torch`) is tested against these functions.

SMOTENC (Chawla et al., 2002, as imbalanced-learn 0.14 computes it)
    One class at a time: ``scale`` is the median over continuous columns of
    the class's population standard deviation; rows are encoded as
    ``[continuous, one_hot(codes) * scale / sqrt(2)]``, so two rows that differ
    in ``h`` categorical columns are ``scale**2 * h`` apart in squared distance on
    top of their continuous distance; k-NN runs on that encoding (self
    excluded). A synthetic row interpolates the continuous part as SMOTE does
    (base, neighbour slot, gap from the ``PURPOSE_SMOTENC`` stream), and takes
    for each categorical column the most frequent code among the base row's
    ``k`` neighbours (the base row itself does not vote). Ties: the tied codes
    listed in the order of their nearest holder, one picked uniformly with the
    ``PURPOSE_SMOTENC_TIE`` stream (draw ``i * n_categorical + j`` for row ``i``,
    column ``j``).

SMOTEN
    The Value Difference Metric (Stanfill & Waltz, 1986) with imbalanced-learn's
    exponents ``k=1``, ``r=2``: ``D(a, b) = sum_f (sum_c |P_f[a_f, c] - P_f[b_f, c]|)**2``
    where ``P_f[v, c]`` is the share of class ``c`` among all rows whose column
    ``f`` is ``v``. A synthetic row is the column-wise most frequent code among
    a base row drawn uniformly (``PURPOSE_SMOTEN`` stream) and its ``k`` nearest
    rows of its class; ties go to the smallest code (scipy's ``mode``, as
    imbalanced-learn), and the row that supplied a value is the first of
    ``[base, neighbours nearest first]`` holding it.
"""

from __future__ import annotations

import numpy as np

from .counter_rng import choice_draws_numpy, smote_draws_numpy

# ----------------------------------------------------------------------------- SMOTENC


def smotenc_scale_numpy(continuous: np.ndarray) -> float:
    """Median over columns of the population standard deviation (float64): imbalanced-learn's ``median_std_``.

    Parameters
    ----------
    continuous : ndarray of shape (n_class, d_cont)
        One class's continuous columns.

    Returns
    -------
    float
    """
    return float(np.median(np.std(continuous.astype(np.float64), axis=0)))


def smotenc_encode_numpy(continuous: np.ndarray, codes: np.ndarray, scale: float) -> np.ndarray:
    """Rows as ``[continuous, one_hot(codes) * scale / sqrt(2)]``, the space SMOTENC's k-NN runs in.

    Only categories present among these rows get a one-hot column (absent ones
    would be all-zero columns, which change no distance).

    Parameters
    ----------
    continuous : ndarray of shape (n, d_cont), floating
    codes : ndarray of shape (n, d_cat), int
    scale : float
        :func:`smotenc_scale_numpy` of the class.

    Returns
    -------
    ndarray of shape (n, d_cont + sum of present categories per column), dtype of ``continuous``
    """
    n = continuous.shape[0]
    value = continuous.dtype.type(scale / np.sqrt(2.0))
    blocks = [continuous]
    for j in range(codes.shape[1]):
        present, local = np.unique(codes[:, j], return_inverse=True)
        block = np.zeros((n, present.size), dtype=continuous.dtype)
        block[np.arange(n), local.reshape(-1)] = value
        blocks.append(block)
    return np.concatenate(blocks, axis=1)


def tied_modes_numpy(votes: np.ndarray) -> np.ndarray:
    """Which voters hold a most frequent value, counting each value once (at its first voter).

    Parameters
    ----------
    votes : ndarray of shape (m, k), int
        Each row's voters' codes, in voter order.

    Returns
    -------
    ndarray of shape (m, k), bool
        ``True`` at slot ``s`` when ``votes[:, s]`` has the highest count of its row
        and appears in no earlier slot: the tied values, in order of first voter.
    """
    k = votes.shape[1]
    equal = votes[:, :, None] == votes[:, None, :]
    counts = equal.sum(axis=2)
    earlier = np.tri(k, k, -1, dtype=bool)  # earlier[s, t]: slot t comes before slot s
    first = ~(equal & earlier).any(axis=2)
    return first & (counts == counts.max(axis=1, keepdims=True))


def smotenc_categories_numpy(
    codes: np.ndarray, neighbors: np.ndarray, key: int, tie_key: int, start: int, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Categorical values of SMOTENC's synthetic rows ``start .. start+count-1``.

    Parameters
    ----------
    codes : ndarray of shape (n_pool, d_cat), int
        The class's categorical codes.
    neighbors : ndarray of shape (n_pool, k), int
        Each row's neighbours (rows of the pool), nearest first.
    key : int
        The ``PURPOSE_SMOTENC`` stream key (its base draws pick the voters).
    tie_key : int
        The ``PURPOSE_SMOTENC_TIE`` stream key.
    start, count : int
        Slice of the stream.

    Returns
    -------
    values : ndarray of shape (count, d_cat), int64
        Codes of the synthetic rows.
    source : ndarray of shape (count, d_cat), int64
        Pool row each value was taken from: the nearest neighbour holding it.
    """
    n_pool, k = neighbors.shape
    d_cat = codes.shape[1]
    base = smote_draws_numpy(key, start, count, n_pool, k)[0]
    voters = neighbors[base]  # (count, k): the base row's neighbours, nearest first
    values = np.empty((count, d_cat), dtype=np.int64)
    source = np.empty((count, d_cat), dtype=np.int64)
    ties = np.empty((count, d_cat, k), dtype=bool)
    for j in range(d_cat):
        ties[:, j] = tied_modes_numpy(codes[voters, j])
    n_tied = ties.sum(axis=2)  # (count, d_cat), >= 1
    pick = choice_draws_numpy(tie_key, start * d_cat, n_tied.reshape(-1)).reshape(count, d_cat)
    # Slot of the pick-th tied value: where the running count of ties first reaches pick + 1.
    slot = np.argmax(ties & (ties.cumsum(axis=2) == pick[:, :, None] + 1), axis=2)
    chosen = np.take_along_axis(voters, slot, axis=1)  # (count, d_cat) pool rows
    values[:] = codes[chosen, np.arange(d_cat)]
    source[:] = chosen
    return values, source


# ----------------------------------------------------------------------------- SMOTEN


def vdm_probabilities_numpy(codes: np.ndarray, labels: np.ndarray, n_categories, n_classes: int) -> list:
    """Per column, the class shares of each category: imbalanced-learn's ``proba_per_class_``.

    Parameters
    ----------
    codes : ndarray of shape (n, d), int
        Every row's codes (all classes).
    labels : ndarray of shape (n,), int
        Class positions in ``[0, n_classes)``.
    n_categories : sequence of int
        Categories per column.
    n_classes : int

    Returns
    -------
    list of ndarray of shape (n_categories[f], n_classes), float64
        Rows sum to 1 (a category with no row gets zeros).
    """
    tables = []
    for f, n_cat in enumerate(n_categories):
        counts = np.empty((n_cat, n_classes), dtype=np.float64)
        for c in range(n_classes):
            counts[:, c] = np.bincount(codes[labels == c, f], minlength=n_cat)
        with np.errstate(invalid="ignore"):
            counts /= counts.sum(axis=1).reshape(-1, 1)
        tables.append(np.nan_to_num(counts, copy=False))
    return tables


def vdm_distances_numpy(codes_a: np.ndarray, codes_b: np.ndarray, proba: list) -> np.ndarray:
    """VDM distances ``sum_f (sum_c |P_f[a_f, c] - P_f[b_f, c]|)**2`` between two sets of rows.

    Sums run in a fixed order (classes, then columns, left to right), so equal
    code pairs give bit-identical distances here, in the torch kernel and, for
    fewer than 8 classes, in imbalanced-learn's ``ValueDifferenceMetric``.

    Returns
    -------
    ndarray of shape (len(codes_a), len(codes_b)), float64
    """
    dist = np.zeros((codes_a.shape[0], codes_b.shape[0]), dtype=np.float64)
    for f, table in enumerate(proba):
        pa, pb = table[codes_a[:, f]], table[codes_b[:, f]]
        delta = np.abs(pa[:, None, 0] - pb[None, :, 0])
        for c in range(1, table.shape[1]):
            delta += np.abs(pa[:, None, c] - pb[None, :, c])
        dist += delta**2
    return dist


def vdm_neighbors_numpy(codes: np.ndarray, proba: list, k: int) -> np.ndarray:
    """Exact k nearest rows under the VDM, self excluded by index, ties toward the smaller index.

    Parameters
    ----------
    codes : ndarray of shape (n, d), int
        One class's codes.
    proba : list of ndarray
        :func:`vdm_probabilities_numpy`.
    k : int
        ``1 <= k <= n - 1``.

    Returns
    -------
    ndarray of shape (n, k), int64
        Nearest first.
    """
    n = codes.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    dist = vdm_distances_numpy(codes, codes, proba)
    dist[np.arange(n), np.arange(n)] = np.inf
    return np.argsort(dist, axis=1, kind="stable")[:, :k].astype(np.int64)


def smallest_modes_numpy(votes: np.ndarray) -> np.ndarray:
    """Voter slot of each row's most frequent value, ties to the smallest value (scipy's ``mode``).

    Parameters
    ----------
    votes : ndarray of shape (m, v), int

    Returns
    -------
    ndarray of shape (m,), int64
        The first slot holding that value.
    """
    counts = (votes[:, :, None] == votes[:, None, :]).sum(axis=2)
    best = counts == counts.max(axis=1, keepdims=True)
    value = np.where(best, votes, np.iinfo(np.int64).max).min(axis=1)
    return np.argmax(votes == value[:, None], axis=1).astype(np.int64)


def smoten_rows_numpy(
    codes: np.ndarray, neighbors: np.ndarray, key: int, start: int, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SMOTEN's synthetic rows ``start .. start+count-1`` of one class.

    Parameters
    ----------
    codes : ndarray of shape (n_pool, d), int
    neighbors : ndarray of shape (n_pool, k), int
        VDM neighbours, nearest first (self excluded).
    key : int
        The ``PURPOSE_SMOTEN`` stream key.

    Returns
    -------
    values : ndarray of shape (count, d), int64
    base : ndarray of shape (count,), int64
        Pool row each synthetic row was drawn from.
    source : ndarray of shape (count, d), int64
        Pool row each value was taken from.
    """
    n_pool = neighbors.shape[0]
    base = smote_draws_numpy(key, start, count, n_pool, 1)[0]
    voters = np.concatenate([base[:, None], neighbors[base]], axis=1)  # (count, k + 1)
    d = codes.shape[1]
    values = np.empty((count, d), dtype=np.int64)
    source = np.empty((count, d), dtype=np.int64)
    for j in range(d):
        votes = codes[voters, j]
        slot = smallest_modes_numpy(votes)
        source[:, j] = voters[np.arange(count), slot]
        values[:, j] = votes[np.arange(count), slot]
    return values, base, source
