"""k-means and cluster sparsity in torch (CPU or CUDA), float64, on the input's device.

Same algorithm and draws as :mod:`kmeans_numpy` (the reference they are tested
against). Distances come from matrix products on centred float64 data instead
of explicit differences; the two agree to rounding, so labels can differ only
for a row equidistant from two centres to ~1e-15, and the k-means++ picks only
when a draw falls within rounding of a cumulative-sum step.
"""

from __future__ import annotations

import torch

from .counter_rng import sample_keys_torch, uniform_draws_numpy
from .kmeans_numpy import KMEANS_MAX_ITER, KMEANS_TOL, MAX_ROWS_PER_CENTRE

#: Rows per assignment block: (rows x n_clusters) distances plus the row block
#: itself stay a few MB at W3's d=16 and 8 clusters.
ASSIGN_BLOCK_ROWS = 65_536
#: Rows per block side of the pairwise sum. On CPU a 1024 x 1024 float64 block
#: (8 MB) stays in cache between cdist's product, sqrt and the sum: 8900 x 16 rows
#: took 0.36 s against 1.0 s with 2896-row blocks (64 MB) written and re-read by
#: separate addmm / clamp / sqrt / sum passes (best of 5, shared 2-core dev VM).
#: On CUDA larger blocks keep the launches few.
PAIRWISE_BLOCK_ROWS = {"cpu": 1024, "cuda": 8192}


def _assign(xw: torch.Tensor, centres: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Nearest centre per row into ``labels``: argmin of ``|c|^2 - 2 x.c`` (|x|^2 is common to a row)."""
    norms = (centres * centres).sum(dim=1)[None]
    for a in range(0, xw.shape[0], ASSIGN_BLOCK_ROWS):
        b = min(xw.shape[0], a + ASSIGN_BLOCK_ROWS)
        # min's indices are the first minimum (ties toward the smaller centre, as numpy's
        # argmin); at 12800 x 50 it took 1.3 ms against argmin's 3.3 ms (one thread, dev VM).
        labels[a:b] = torch.addmm(norms, xw[a:b], centres.T, alpha=-2).min(dim=1).indices
    return labels


def kmeans_pp_init_torch(xw: torch.Tensor, n_clusters: int, key: int) -> torch.Tensor:
    """Torch form of :func:`kmeans_numpy.kmeans_pp_init_numpy` (rows chosen, int64 on the device).

    One host read per centre (``n_clusters`` in all), for the pick itself.
    """
    n = xw.shape[0]
    u = uniform_draws_numpy(key, 0, n_clusters)
    chosen = [min(n - 1, int(u[0] * n))]
    d2 = ((xw - xw[chosen[0]]) ** 2).sum(dim=1)
    for j in range(1, n_clusters):
        cumulative = torch.cumsum(d2, dim=0)
        total = float(cumulative[-1])
        if total > 0:
            target = torch.tensor([u[j] * total], dtype=torch.float64, device=xw.device)
            pick = int(torch.searchsorted(cumulative, target, right=True))
        else:
            pick = int(u[j] * n)
        chosen.append(min(n - 1, pick))
        torch.minimum(d2, ((xw - xw[chosen[-1]]) ** 2).sum(dim=1), out=d2)
    return torch.tensor(chosen, dtype=torch.int64, device=xw.device)


def training_rows_torch(key: int, n: int, n_clusters: int, per_centre: int, device) -> torch.Tensor:
    """Torch form of :func:`kmeans_numpy.training_rows_numpy` (the same rows, int64 on ``device``)."""
    m = min(n, per_centre * n_clusters)
    if m == n:
        return torch.arange(n, device=device)
    keys = sample_keys_torch(key, n, device)
    # The m smallest keys; 53-bit random keys make a tie at the m-th place practically impossible.
    return torch.topk(keys, m, largest=False, sorted=False).indices.sort().values


def kmeans_torch(
    x: torch.Tensor,
    n_clusters: int,
    key: int,
    max_iter: int = KMEANS_MAX_ITER,
    tol: float = KMEANS_TOL,
    per_centre: int = MAX_ROWS_PER_CENTRE,
) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Lloyd's k-means from a k-means++ start on a row sample (see :func:`kmeans_numpy.kmeans_numpy`).

    Parameters
    ----------
    x : Tensor of shape (n, d)
        Any float dtype, any device (computed in float64 there); not modified.
    n_clusters, key, max_iter, tol, per_centre
        As the reference.

    Returns
    -------
    labels : Tensor of shape (n,), int64, on ``x.device``
    centres : Tensor of shape (n_clusters, d), float64, on ``x.device``
    n_iter : int
    """
    n = x.shape[0]
    if not 1 <= n_clusters <= n:
        raise ValueError(f"need 1 <= n_clusters <= n, got n_clusters={n_clusters} for n={n} rows")
    train = training_rows_torch(key, n, n_clusters, per_centre, x.device)
    # Centring keeps |c|^2 and x.c small, so the product form loses little to cancellation.
    xw = x.index_select(0, train).to(torch.float64)
    mean = xw.mean(dim=0)
    xw = xw - mean
    threshold = tol * float(xw.var(dim=0, unbiased=False).mean())
    centres = xw.index_select(0, kmeans_pp_init_torch(xw, n_clusters, key))
    labels = _assign(xw, centres, torch.empty(xw.shape[0], dtype=torch.int64, device=x.device))
    new_labels = torch.empty_like(labels)
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        counts = torch.bincount(labels, minlength=n_clusters)
        sums = torch.zeros_like(centres).index_add_(0, labels, xw)
        filled = counts > 0
        moved = torch.where(filled[:, None], sums / counts.clamp_min(1)[:, None].to(sums.dtype), centres)
        shift = float(((moved - centres) ** 2).sum())
        centres = moved
        _assign(xw, centres, new_labels)
        changed = bool((new_labels != labels).any())
        labels, new_labels = new_labels, labels
        if not changed or shift <= threshold:
            break
    if xw.shape[0] < n:
        labels = torch.empty(n, dtype=torch.int64, device=x.device)
        for a in range(0, n, ASSIGN_BLOCK_ROWS):  # every row, centred like the sample
            b = min(n, a + ASSIGN_BLOCK_ROWS)
            _assign(x[a:b].to(torch.float64) - mean, centres, labels[a:b])
    return labels, centres + mean, n_iter


def mean_pairwise_distance_torch(x: torch.Tensor) -> float:
    """Torch form of :func:`kmeans_numpy.mean_pairwise_distance_numpy` (float64, on ``x.device``).

    ``torch.cdist`` in its matrix-product mode (``|a|^2 + |b|^2 - 2 a.b``, clamped
    at 0, then the root) on centred float64 rows, block by block; only blocks on
    or above the diagonal are computed, those above counted twice (the matrix is
    symmetric), and the diagonal is left out of the sum (imbalanced-learn sets
    it to 0).
    """
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"a mean pairwise distance needs at least 2 rows, got {n}")
    xw = x.to(torch.float64)
    xw = xw - xw.mean(dim=0)
    step = PAIRWISE_BLOCK_ROWS.get(x.device.type, PAIRWISE_BLOCK_ROWS["cpu"])
    total = torch.zeros((), dtype=torch.float64, device=x.device)
    for a in range(0, n, step):
        b = min(n, a + step)
        for c in range(a, n, step):
            e = min(n, c + step)
            block = torch.cdist(xw[a:b], xw[c:e], compute_mode="use_mm_for_euclid_dist")
            if c == a:
                total += block.sum() - block.diagonal().sum()
            else:
                total += 2 * block.sum()
    return float(total) / (n * n - n)
