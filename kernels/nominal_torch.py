"""Torch (CPU or CUDA) kernels of SMOTENC and SMOTEN.

The same rules, draws and summation orders as :mod:`nominal_numpy` (the
reference they are tested against, which also states the maths), vectorised
over rows and computed in bounded blocks. Everything stays on the input's
device; no faiss, no host round trip beyond a few scalars.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .counter_rng import choice_draws_torch, smote_draws_torch
from .knn_torch import take_smallest

#: Entries per block of the vote kernels: (rows x d_cat x k x k) one-byte comparisons
#: when counting votes, (rows x d_cat x k) when drawing; the int64 index blocks beside
#: them are a few times that, so a block's temporaries stay in the low hundreds of MB.
VOTE_BLOCK_ENTRIES = 1 << 24
#: float64 distances per block of the VDM k-NN (32 MB, as the exact k-NN's brute force).
VDM_BLOCK_ENTRIES = 1 << 22
#: Columns with at most this many categories use a (C x C) table of per-column
#: distances (gathered: one pass per column); wider ones compute each block from
#: the class shares directly (3 passes per class), so no C x C table is ever built
#: for high-cardinality columns. Both give the same bits.
VDM_TABLE_MAX_CATEGORIES = 2048


# ----------------------------------------------------------------------------- SMOTENC


def smotenc_scale_torch(continuous: torch.Tensor) -> float:
    """:func:`nominal_numpy.smotenc_scale_numpy` on any device (float64 standard deviations).

    The median of the ``d_cont`` standard deviations is taken on the host
    (numpy's median: the mean of the two middle values for an even count).
    """
    std = continuous.to(torch.float64).std(dim=0, correction=0)
    return float(np.median(std.cpu().numpy()))


def smotenc_encode_torch(continuous: torch.Tensor, codes: torch.Tensor, scale: float) -> torch.Tensor:
    """:func:`nominal_numpy.smotenc_encode_numpy`: ``[continuous, one_hot(codes) * scale / sqrt(2)]``.

    Parameters
    ----------
    continuous : Tensor of shape (n, d_cont), floating
    codes : Tensor of shape (n, d_cat), int64, same device
    scale : float

    Returns
    -------
    Tensor of shape (n, d_cont + present categories), dtype and device of ``continuous``
    """
    n, d_cont = continuous.shape
    device = continuous.device
    value = torch.tensor(scale / math.sqrt(2.0), dtype=torch.float64).to(continuous.dtype)
    locals_, widths = [], []
    for j in range(codes.shape[1]):
        present, local = torch.unique(codes[:, j], return_inverse=True)
        locals_.append(local)
        widths.append(present.numel())
    out = torch.zeros((n, d_cont + sum(widths)), dtype=continuous.dtype, device=device)
    out[:, :d_cont] = continuous
    rows = torch.arange(n, device=device)
    offset = d_cont
    for local, width in zip(locals_, widths, strict=True):
        out[rows, offset + local] = value.to(device)
        offset += width
    return out


def tied_modes_torch(votes: torch.Tensor) -> torch.Tensor:
    """:func:`nominal_numpy.tied_modes_numpy`: (m, k) codes -> (m, k) first holders of a top code."""
    k = votes.shape[1]
    equal = votes[:, :, None] == votes[:, None, :]
    counts = equal.sum(dim=2)
    earlier = torch.ones((k, k), dtype=torch.bool, device=votes.device).tril_(-1)
    first = ~(equal & earlier).any(dim=2)
    return first & (counts == counts.amax(dim=1, keepdim=True))


def smotenc_tied_slots_torch(
    codes: torch.Tensor, neighbors: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Each pool row's tied most frequent codes per column, as neighbour slots in slot order.

    The vote depends only on the base row, so it is counted once per pool row
    (not once per synthetic row: 15k pool rows against 140k synthetic rows on W4).

    Parameters
    ----------
    codes : Tensor of shape (n_pool, d_cat), int64
    neighbors : Tensor of shape (n_pool, k), int64

    Returns
    -------
    slots : Tensor of shape (n_pool, d_cat, k), int64
        The first ``n_tied`` entries are the slots of the tied values' first
        holders, ascending; the rest are ``k``.
    n_tied : Tensor of shape (n_pool, d_cat), int64
    """
    n_pool, k = neighbors.shape
    d_cat = codes.shape[1]
    slots = torch.empty((n_pool, d_cat, k), dtype=torch.int64, device=codes.device)
    n_tied = torch.empty((n_pool, d_cat), dtype=torch.int64, device=codes.device)
    order = torch.arange(k, device=codes.device)
    block = max(1, VOTE_BLOCK_ENTRIES // (d_cat * k * k))
    for a in range(0, n_pool, block):
        b = min(n_pool, a + block)
        votes = codes[neighbors[a:b]].transpose(1, 2).reshape((b - a) * d_cat, k)
        ties = tied_modes_torch(votes).view(b - a, d_cat, k)
        n_tied[a:b] = ties.sum(dim=2)
        slots[a:b] = torch.where(ties, order, k).sort(dim=2).values
    return slots, n_tied


def smotenc_categories_torch(
    codes: torch.Tensor, neighbors: torch.Tensor, key: int, tie_key: int, start: int, count: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`nominal_numpy.smotenc_categories_numpy` on ``codes``' device.

    Votes are counted once per pool row (:func:`smotenc_tied_slots_torch`);
    each synthetic row then only draws its base and, per column, one of its
    base's tied values.

    Returns
    -------
    values : Tensor of shape (count, d_cat), int64
    source : Tensor of shape (count, d_cat), int64
        Pool row each value was taken from.
    """
    n_pool, k = neighbors.shape
    d_cat = codes.shape[1]
    device = codes.device
    slots, n_tied = smotenc_tied_slots_torch(codes, neighbors)
    flat_slots, flat_tied = slots.view(-1), n_tied.view(-1)
    values = torch.empty((count, d_cat), dtype=torch.int64, device=device)
    source = torch.empty((count, d_cat), dtype=torch.int64, device=device)
    columns = torch.arange(d_cat, device=device)
    block = max(1, VOTE_BLOCK_ENTRIES // (d_cat * k))
    for a in range(0, count, block):
        m = min(count, a + block) - a
        base = smote_draws_torch(key, start + a, m, n_pool, k, device)[0]
        cell = (base[:, None] * d_cat + columns[None, :]).view(-1)  # (base, column) entries
        pick = choice_draws_torch(tie_key, (start + a) * d_cat, flat_tied.index_select(0, cell))
        slot = flat_slots.index_select(0, cell * k + pick).view(m, d_cat)
        chosen = neighbors[base].gather(1, slot)
        values[a : a + m] = codes[chosen, columns[None, :]]
        source[a : a + m] = chosen
    return values, source


# ----------------------------------------------------------------------------- SMOTEN


def vdm_probabilities_torch(codes: torch.Tensor, labels: torch.Tensor, n_categories, n_classes: int) -> list:
    """:func:`nominal_numpy.vdm_probabilities_numpy` on ``codes``' device (bit-identical).

    Parameters
    ----------
    codes : Tensor of shape (n, d), int64
    labels : Tensor of shape (n,), int64
        Class positions.
    n_categories : sequence of int
    n_classes : int

    Returns
    -------
    list of Tensor of shape (n_categories[f], n_classes), float64
    """
    tables = []
    labels = labels.to(codes.device)
    for f, n_cat in enumerate(n_categories):
        flat = codes[:, f] * n_classes + labels
        counts = torch.bincount(flat, minlength=n_cat * n_classes).view(n_cat, n_classes).to(torch.float64)
        counts /= counts.sum(dim=1, keepdim=True)
        tables.append(counts.nan_to_num_(nan=0.0))
    return tables


def _column_delta(pa: torch.Tensor, pb: torch.Tensor) -> torch.Tensor:
    """``sum_c |pa[:, c] - pb[:, c]|`` for every pair, classes added left to right (the reference's order)."""
    delta = (pa[:, None, 0] - pb[None, :, 0]).abs_()
    for c in range(1, pa.shape[1]):
        delta += (pa[:, None, c] - pb[None, :, c]).abs_()
    return delta


def vdm_tables_torch(proba: list) -> list:
    """Per column, the squared VDM term between every two categories, or None for wide columns.

    Returns
    -------
    list of (Tensor of shape (C_f, C_f), float64) or None
        None where ``C_f > VDM_TABLE_MAX_CATEGORIES`` (computed per block instead).
    """
    return [
        _column_delta(table, table).square_() if table.shape[0] <= VDM_TABLE_MAX_CATEGORIES else None
        for table in proba
    ]


def vdm_distances_torch(codes_a, codes_b, proba: list, tables: list | None = None) -> torch.Tensor:
    """:func:`nominal_numpy.vdm_distances_numpy` (same bits): (len(codes_a), len(codes_b)) float64.

    ``tables`` (:func:`vdm_tables_torch`) replaces each column's class loop by
    one gather; the values are the same, computed once per category pair.
    """
    tables = tables if tables is not None else [None] * len(proba)
    dist = torch.zeros((codes_a.shape[0], codes_b.shape[0]), dtype=torch.float64, device=codes_a.device)
    for f, (table, pair) in enumerate(zip(proba, tables, strict=True)):
        if pair is not None:
            rows = pair.index_select(0, codes_a[:, f])  # (na, C_f)
            dist += rows.gather(1, codes_b[:, f][None, :].expand(codes_a.shape[0], -1))
        else:
            dist += _column_delta(table[codes_a[:, f]], table[codes_b[:, f]]).square_()
    return dist


def vdm_neighbors_torch(codes: torch.Tensor, proba: list, k: int) -> torch.Tensor:
    """:func:`nominal_numpy.vdm_neighbors_numpy` in blocks of query rows (exact, ties to the smaller index).

    Returns
    -------
    Tensor of shape (n, k), int64, on ``codes``' device
    """
    n = codes.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    tables = vdm_tables_torch(proba)
    out = torch.empty((n, k), dtype=torch.int64, device=codes.device)
    step = max(1, VDM_BLOCK_ENTRIES // n)
    for a in range(0, n, step):
        b = min(n, a + step)
        dist = vdm_distances_torch(codes[a:b], codes, proba, tables)
        dist[torch.arange(b - a, device=codes.device), torch.arange(a, b, device=codes.device)] = math.inf
        out[a:b] = take_smallest(dist, k)
    return out


def smallest_modes_torch(votes: torch.Tensor) -> torch.Tensor:
    """:func:`nominal_numpy.smallest_modes_numpy`: (m, v) codes -> (m,) slot of the smallest top code."""
    counts = (votes[:, :, None] == votes[:, None, :]).sum(dim=2)
    best = counts == counts.amax(dim=1, keepdim=True)
    value = torch.where(best, votes, torch.iinfo(torch.int64).max).amin(dim=1)
    return (votes == value[:, None]).to(torch.uint8).argmax(dim=1)


def smoten_rows_torch(
    codes: torch.Tensor, neighbors: torch.Tensor, key: int, start: int, count: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`nominal_numpy.smoten_rows_numpy` on ``codes``' device, in blocks of rows.

    Returns
    -------
    values : Tensor of shape (count, d), int64
    base : Tensor of shape (count,), int64
    source : Tensor of shape (count, d), int64
    """
    n_pool, k = neighbors.shape
    d = codes.shape[1]
    device = codes.device
    values = torch.empty((count, d), dtype=torch.int64, device=device)
    source = torch.empty((count, d), dtype=torch.int64, device=device)
    bases = torch.empty(count, dtype=torch.int64, device=device)
    columns = torch.arange(d, device=device)
    block = max(1, VOTE_BLOCK_ENTRIES // (d * (k + 1) ** 2))
    for a in range(0, count, block):
        m = min(count, a + block) - a
        base = smote_draws_torch(key, start + a, m, n_pool, 1, device)[0]
        voters = torch.cat([base[:, None], neighbors[base]], dim=1)  # (m, k + 1)
        votes = codes[voters].transpose(1, 2).reshape(m * d, k + 1)
        slot = smallest_modes_torch(votes).view(m, d)
        chosen = voters.gather(1, slot)
        values[a : a + m] = codes[chosen, columns[None, :]]
        source[a : a + m] = chosen
        bases[a : a + m] = base
    return values, bases, source
