"""Exact k-nearest neighbours within one set of rows, in torch (CPU or CUDA).

Two stages, the same on every backend:

1. *Shortlist*: ``k + margin`` candidates per row from fast float32 distances
   ``|q|^2 + |x|^2 - 2 q.x`` on centred data (centring keeps the norms small, so
   cancellation cannot reorder true neighbours by more than the margin absorbs;
   TF32 is switched off for the matmul, whatever the caller set globally).
2. *Exact re-rank*: the shortlist's distances recomputed as float64 sums of
   squared differences, sorted by (distance, index) so ties go to the smaller
   index, exactly like the numpy reference. Rows whose k-th distance lies
   within float32 error of the shortlist's edge (ties that may continue beyond
   it) are solved by a float64 brute force (:func:`_exact_rows`).

The shortlist comes from one of two strategies:

- ``_shortlist_blocked``: query blocks against all rows, a two-stage selection
  per block (GPU default: few, large launches; blocks sized from free memory).
- ``shortlist_triton`` (:mod:`knn_triton`): CUDA default for float32 work
  rows. One fused kernel computes distance tiles and keeps each query's best
  candidates in registers, so no distance matrix is written.
- ``_shortlist_pruned``: CPU default. Rows are reordered by a quick k-means so
  that fixed-size tiles are spatially tight; each query tile visits key tiles
  nearest first and skips a key tile when the triangle-inequality bound
  ``(|q - c_t| - r_t)^2`` already exceeds the row's current worst candidate.
  Only rows whose tile minimum beats that candidate pay for a selection
  (``topk`` runs at ~0.7 G elements/s on the 2-core dev machine against ~9 G/s
  for strided ``amin``, so avoiding it is most of the win). After 8 query
  tiles, if more than half of all distances were still computed, plain blocks
  finish the job (unclustered data).

From ``NUMBA_SELECT_MIN_ROWS`` rows, both CPU strategies (blocked, pruned) select
each row's candidates with the numba kernel of :mod:`select_numba` instead of
``amin`` + ``topk``; the exact re-rank makes the result the same either way.
"""

from __future__ import annotations

import math

import torch

from .knn_triton import fused_usable, shortlist_triton
from .select_numba import select_usable, smallest_per_row_numba

#: Extra shortlist candidates beyond k that absorb float32 rounding before the exact re-rank.
SHORTLIST_MARGIN = 4
#: After this many query tiles, the pruned strategy checks how much it skipped...
PRUNE_PROBE_TILES = 8
#: ...and hands the remaining rows to plain blocks if it computed more than this
#: fraction of all distances so far (measured: 0.10 on 100k rows of 10 blobs,
#: 0.17 on 10k rows, 1.0 on 100k unclustered Gaussian rows).
PRUNE_GIVE_UP = 0.5
#: float64 distances per block of the exact brute force for ambiguous rows (32 MB).
EXACT_BLOCK_ENTRIES = 1 << 22
#: Rows per tile on CPU: a 2048 x 2048 fp32 distance tile (16 MB) ran addmm at
#: ~3 G distances/s on the 2-core dev machine (1024 x 1024: 2.6, 256 x 4096: 1.5).
CPU_TILE = 2048
#: Bytes of distance matrix per query block on CPU. The block is written by the
#: GEMM and read back by the selection, both memory-bound at K = d + 1: 64 MB
#: blocks stay in the last-level cache better than 256 MB ones (100k Gaussian rows,
#: best of 3 on the 2-core dev VM: d=16 5.7 -> 4.5 s, d=32 7.7 -> 7.1 s; 32 MB and
#: below lost again to per-block overheads) and cost a quarter of the memory.
CPU_BLOCK_BYTES = 64 << 20
#: Bytes of distance matrix one block may use on CUDA before the budget is cut to free memory.
CUDA_BLOCK_BYTES = 1 << 30
#: Rows from which CPU shortlists select with the numba kernel
#: (:mod:`select_numba`): smaller sets never pay its one-time load (~0.45 s).
#: W1's 10k-row class (2-core dev VM): k-NN 72.6 -> 53.9 ms median (bench/RESULTS.md).
NUMBA_SELECT_MIN_ROWS = 4096
#: tl.dot precision of the fused CUDA shortlist (see knn_triton.PRECISIONS).
#: H200, W2's 100k x 32 class: 'ieee' 70 ms, 'tf32x3' 24 ms (torch blocked: 69-97 ms);
#: both returned the exact table on every shape measured (bench/RESULTS.md).
FUSED_PRECISION = "tf32x3"
#: Extra fp32 ulps of (|q|^2 + |x|^2) the shortlist's distances may carry per
#: precision, on top of the (d + 4) of a plain fp32 dot product (tf32x3 drops
#: the lo*lo product and rounds both lo parts: <= 3 ulps of |q||x| per term).
_PRECISION_ULPS = {"ieee": 0, "tf32x3": 16}


class _MatmulExact:
    """Context manager: full-precision fp32 matmul even if the caller enabled TF32/bf16.

    Uses torch's per-backend ``fp32_precision`` settings where they exist (torch
    >= 2.9 refuses to read the legacy flags once a caller has used them), the
    legacy ``allow_tf32`` / ``set_float32_matmul_precision`` otherwise; the
    caller's settings are restored on exit, errors included.
    """

    def __enter__(self):
        self._saved = []
        matmuls = [getattr(torch.backends, name).matmul for name in ("cuda", "mkldnn")]
        if all(hasattr(matmul, "fp32_precision") for matmul in matmuls):
            for matmul in matmuls:
                self._saved.append((matmul, matmul.fp32_precision))
                matmul.fp32_precision = "ieee"
        else:
            self._tf32 = torch.backends.cuda.matmul.allow_tf32
            self._precision = torch.get_float32_matmul_precision()
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.set_float32_matmul_precision("highest")
        return self

    def __exit__(self, *exc):
        if self._saved:
            for matmul, precision in self._saved:
                matmul.fp32_precision = precision
        else:
            torch.backends.cuda.matmul.allow_tf32 = self._tf32
            torch.set_float32_matmul_precision(self._precision)
        return False


def knn_self_torch(x: torch.Tensor, k: int, *, strategy: str = "auto") -> torch.Tensor:
    """Exact k nearest neighbours of every row among the other rows of ``x``.

    Parameters
    ----------
    x : Tensor of shape (n, d)
        Floating point rows on any device; not modified.
    k : int
        Neighbours per row, ``1 <= k <= n - 1``.
    strategy : {'auto', 'blocked', 'pruned', 'fused'}
        Shortlist strategy (see module docstring). 'auto' = 'fused' on CUDA for
        float32/16-bit rows with Triton installed, 'pruned' on CPU for more than
        two tiles of rows, else 'blocked'. 'fused' on CPU needs ``TRITON_INTERPRET=1``.

    Returns
    -------
    Tensor of shape (n, k), int64, on ``x.device``
        Neighbour indices, nearest first, ties toward the smaller index.
    """
    n = x.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    m = min(n - 1, k + SHORTLIST_MARGIN)
    if strategy not in ("auto", "blocked", "pruned", "fused"):
        raise ValueError(f"unknown k-NN strategy {strategy!r}; use 'auto', 'blocked', 'pruned' or 'fused'")
    xw, scale = centred_work_copy(x)
    if strategy == "auto":
        if x.device.type == "cuda" and fused_usable(xw):
            strategy = "fused"
        else:
            strategy = "pruned" if x.device.type == "cpu" and n > 2 * CPU_TILE else "blocked"
    if strategy == "fused":
        _check_fused(xw)
        cand = shortlist_triton(xw, m, precision=FUSED_PRECISION)
        return resolve_exact(x, xw, cand, k, scale, precision=FUSED_PRECISION)
    compiled = _compiled_select(xw)
    with _MatmulExact():
        shortlist = _shortlist_blocked if strategy == "blocked" else _shortlist_pruned
        return resolve_exact(x, xw, shortlist(xw, m, compiled=compiled), k, scale)


def _compiled_select(xw: torch.Tensor) -> bool:
    """Whether CPU shortlists of these work rows select with the numba kernel."""
    return xw.shape[0] >= NUMBA_SELECT_MIN_ROWS and select_usable(xw)


def _check_fused(xw: torch.Tensor) -> None:
    if not fused_usable(xw):
        raise ValueError(
            "k-NN strategy 'fused' needs float32/float16/bfloat16 rows and Triton on their device "
            f"(CUDA, or CPU with TRITON_INTERPRET=1); got {xw.dtype} on {xw.device}"
        )


def knn_rows_torch(x: torch.Tensor, k: int, rows: torch.Tensor) -> torch.Tensor:
    """Exact k nearest neighbours of the query ``rows`` among all other rows of ``x``.

    The same shortlist + exact re-rank (+ brute force for ambiguous rows) as
    :func:`knn_self_torch`, with blocked shortlists for the queries only: the
    cleaning samplers need the neighbours (over all classes) of one class's rows,
    and a small class should not pay for every row's search.

    Parameters
    ----------
    x : Tensor of shape (n, d)
        Floating point rows on any device; not modified.
    k : int
        ``1 <= k <= n - 1``.
    rows : Tensor of shape (n_q,), int64, on ``x.device``
        Query rows (indices into ``x``); each is excluded from its own list by index.

    Returns
    -------
    Tensor of shape (n_q, k), int64
        Nearest first, ties toward the smaller index; equals
        ``knn_self_torch(x, k)[rows]``.
    """
    n = x.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    if rows.numel() == 0:
        return torch.empty((0, k), dtype=torch.int64, device=x.device)
    m = min(n - 1, k + SHORTLIST_MARGIN)
    xw, scale = centred_work_copy(x)
    fused = x.device.type == "cuda" and fused_usable(xw)
    precision = FUSED_PRECISION if fused else "ieee"
    with _MatmulExact():
        if fused:
            cand = shortlist_triton(xw, m, rows, precision=precision)
        else:
            cand = _shortlist_blocked(xw, m, rows, compiled=_compiled_select(xw))
        # The error bound of resolve_exact, for the query rows.
        norms = _sq_norms(xw).to(torch.float64)
        tol = _distance_tolerance(xw, norms[rows], norms.max(), scale, precision)
        out, ambiguous = _rerank(x, cand, k, rows, tol)
        redo = ambiguous.nonzero().squeeze(1)
        if redo.numel():
            out[redo] = _exact_rows(x, rows[redo], k)
    return out


def centred_work_copy(x: torch.Tensor) -> tuple[torch.Tensor, float]:
    """Rows scaled by a power of two and centred, in float64 for float64 input, else float32.

    The power-of-two scale (exact, order-preserving) brings the largest value
    into [0.5, 1): float32 data near 1e19 would otherwise overflow its squared
    norms to inf and poison every distance. Centring happens before any
    down-cast, so a large common offset (1e8 in float64) cannot wipe out the
    differences between rows.

    Returns
    -------
    xw : Tensor of shape (n, d)
    scale : float
        ``xw = (x - mean) * scale`` up to rounding; distances scale by ``scale**2``.
    """
    work_dtype = torch.float64 if x.dtype == torch.float64 else torch.float32
    xw = x.to(work_dtype, copy=True)  # the one copy; everything below is in place
    peak = max(float(xw.max()), -float(xw.min())) if xw.numel() else 0.0
    scale = 2.0 ** -math.frexp(peak)[1] if peak > 0 else 1.0
    xw.mul_(scale)
    return xw.sub_(xw.mean(dim=0, keepdim=True)), scale


def _distance_tolerance(xw, norms, max_norm, scale: float, precision: str = "ieee") -> torch.Tensor:
    """Error bound of the shortlist's ``|q|^2 + |x|^2 - 2 q.x``, in the caller's units.

    A fp32 dot product carries at most ~(d + 2) eps (|q|^2 + |x|^2) of rounding
    (plus :data:`_PRECISION_ULPS` for tensor-core precisions); doubled (both the
    listed and the unlisted distance are rounded) and padded.
    """
    eps = torch.finfo(xw.dtype).eps
    ulps = xw.shape[1] + 4 + _PRECISION_ULPS[precision]
    return 4.0 * ulps * eps * (norms + max_norm) / scale**2


def resolve_exact(
    x: torch.Tensor,
    xw: torch.Tensor,
    cand: torch.Tensor,
    k: int,
    scale: float = 1.0,
    precision: str = "ieee",
) -> torch.Tensor:
    """Exact neighbours from a shortlist; a brute force where a tie could hide beyond it.

    A row is *ambiguous* when its k-th exact distance comes within the float32
    error bound of its farthest shortlisted candidate: an unlisted row might then
    tie with (or beat) the k-th, so ties could not be broken by index. Those rows
    are solved exactly against every row (:func:`_exact_rows`; once per distinct
    value when copies abound, :func:`_exact_rows_grouped`). Continuous data
    almost never has one; data with many exact ties (integer grids, duplicates)
    does, and pays a float64 brute force for those rows only.

    Parameters
    ----------
    x : Tensor of shape (n, d)
        The caller's rows (exact distances are computed from these).
    xw : Tensor of shape (n, d)
        Centred work copy (float32/float64) that the shortlist was computed on.
    cand : Tensor of shape (n, m), int64
        Shortlist: the m nearest by working-precision distance, self excluded.
    k : int
    scale : float
        The factor ``xw`` was scaled by (:func:`centred_work_copy`).
    precision : {'ieee', 'tf32x3'}
        How the shortlist's dot products were computed (sets the error bound).

    Returns
    -------
    Tensor of shape (n, k), int64
    """
    norms = _sq_norms(xw).to(torch.float64)
    tol = _distance_tolerance(xw, norms, norms.max(), scale, precision)
    out, ambiguous = _rerank(x, cand, k, None, tol)
    rows = ambiguous.nonzero().squeeze(1)
    if rows.numel():
        out[rows] = _exact_rows_grouped(x, rows, k)
    return out


#: Use the per-value brute force when ambiguous rows hold at most this many
#: distinct values per row (duplicate-heavy data: binary or few-level features).
GROUPED_MAX_DISTINCT_SHARE = 0.25


def _exact_rows_grouped(x: torch.Tensor, rows: torch.Tensor, k: int) -> torch.Tensor:
    """:func:`_exact_rows`, solved once per distinct row value where duplicates abound.

    Equal rows have equal distances to everything, so one brute force per
    distinct value, asking for ``k + 1`` neighbours with the row itself allowed,
    serves every copy: a copy drops itself from that list (or, when absent from
    it, the last entry). The order stays (distance, index), as in the reference.
    A 20k-row class of binary features (d=3, 8 distinct rows) took 13 s with a
    brute force per row on the 2-core dev VM; it needs 8 brute-force queries here.

    Returns
    -------
    Tensor of shape (len(rows), k), int64
    """
    if rows.numel() < 64:  # not worth a sort of every row
        return _exact_rows(x, rows, k)
    _, value_of = torch.unique(x, dim=0, return_inverse=True)
    values, local = torch.unique(value_of[rows], return_inverse=True)
    if values.numel() > GROUPED_MAX_DISTINCT_SHARE * rows.numel():
        return _exact_rows(x, rows, k)
    representative = torch.empty(values.numel(), dtype=torch.int64, device=x.device)
    representative[local] = rows  # any copy will do
    lists = _exact_rows(x, representative, k + 1, exclude_self=False)[local]  # (len(rows), k + 1)
    is_self = lists == rows[:, None]
    keep = ~is_self
    keep[~is_self.any(dim=1), k] = False  # not in its own list: drop the farthest instead
    return lists[keep].view(rows.numel(), k)


def _exact_rows(x: torch.Tensor, rows: torch.Tensor, k: int, exclude_self: bool = True) -> torch.Tensor:
    """Exact k nearest neighbours of ``rows`` against all of ``x`` by float64 brute force.

    Sums of squared differences, feature by feature (so equal rows give equal
    distances, bit for bit); the k-th smallest value found with ``kthvalue``;
    everything below it taken, then ties *at* it by ascending index. Memory is
    bounded by ``EXACT_BLOCK_ENTRIES`` per block of rows. Time is quadratic
    in the number of rows asked for: duplicate-heavy data goes through
    :func:`_exact_rows_grouped`, which asks once per distinct value.

    ``exclude_self=False`` lets a row be its own neighbour (at distance 0).

    Returns
    -------
    Tensor of shape (len(rows), k), int64
        Nearest first, ties toward the smaller index.
    """
    n, d = x.shape
    columns = x.to(torch.float64).T.contiguous()  # (d, n): each feature contiguous
    out = torch.empty((rows.numel(), k), dtype=torch.int64, device=x.device)
    step = max(1, EXACT_BLOCK_ENTRIES // n)
    for first in range(0, rows.numel(), step):
        block = rows[first : first + step]
        b = block.numel()
        queries = columns[:, block]  # (d, b)
        dist = torch.zeros((b, n), dtype=torch.float64, device=x.device)
        for f in range(d):
            dist.add_((columns[f][None, :] - queries[f][:, None]).square_())
        if exclude_self:
            dist[torch.arange(b, device=x.device), block] = math.inf  # never itself
        out[first : first + b] = take_smallest(dist, k)
    return out


def take_smallest(dist: torch.Tensor, k: int) -> torch.Tensor:
    """Columns of the ``k`` smallest entries of each row, by (value, column): ties to the smaller column.

    The k-th smallest value comes from ``kthvalue``; every entry below it is
    taken, then entries equal to it in ascending column order until ``k``.

    Parameters
    ----------
    dist : Tensor of shape (b, n)
        Distances (exact values: ties are compared bit for bit).
    k : int
        ``1 <= k <= n``.

    Returns
    -------
    Tensor of shape (b, k), int64
        Sorted by value, equal values in column order.
    """
    b = dist.shape[0]
    kth = dist.kthvalue(k, dim=1, keepdim=True).values
    below = dist < kth
    at = dist == kth
    room = k - below.sum(dim=1, keepdim=True)
    take = below | (at & (at.cumsum(dim=1) <= room))
    chosen = take.nonzero()[:, 1].view(b, k)  # row-major: ascending index per row
    order = torch.sort(dist.gather(1, chosen), dim=1, stable=True).indices
    return chosen.gather(1, order)


#: Columns per group in the two-stage selection of :func:`smallest_per_row`.
SELECT_GROUP = 16


def group_minima(dist: torch.Tensor) -> torch.Tensor:
    """Minima of column groups: (r, c // SELECT_GROUP).

    Group ``j`` holds columns ``j, j + g, j + 2g, ...`` (``g = c // SELECT_GROUP``):
    strided groups reduce with whole-row vector minima, 9 G elements/s on a
    2048 x 2048 tile on the 2-core dev machine, against 1.1 G/s for groups of 16
    adjacent columns (a reduction over a length-16 inner axis barely vectorises).
    """
    r, c = dist.shape
    g = c // SELECT_GROUP
    return dist[:, : g * SELECT_GROUP].view(r, SELECT_GROUP, g).amin(dim=1)


def row_minima(dist: torch.Tensor, minima: torch.Tensor) -> torch.Tensor:
    """Row minima from group minima plus the leftover columns (one pass already paid)."""
    tail = minima.shape[1] * SELECT_GROUP
    parts = [minima] if minima.shape[1] else []
    if tail < dist.shape[1]:
        parts.append(dist[:, tail:])
    return torch.cat(parts, dim=1).amin(dim=1) if len(parts) > 1 else parts[0].amin(dim=1)


def smallest_per_row(
    dist: torch.Tensor, m: int, minima: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``m`` smallest entries of each row (unordered): values and column indices.

    Two stages: :func:`group_minima` (one streaming pass), then ``topk`` over
    the members of the m groups with the smallest minima only. The m smallest
    entries lie in those groups (each such entry's group minimum is <= the m-th
    smallest value, and distinct groups have distinct minima), so this equals
    ``torch.topk`` up to ties at the m-th value, at a fraction of its cost
    (``topk`` runs at ~0.65 G elements/s on the dev machine).

    Parameters
    ----------
    dist : Tensor of shape (r, c), contiguous rows
    m : int
        ``1 <= m <= c``.
    minima : Tensor of shape (r, c // SELECT_GROUP), optional
        :func:`group_minima` of ``dist`` when the caller already has it.

    Returns
    -------
    values : Tensor of shape (r, m)
    indices : Tensor of shape (r, m), int64
    """
    r, c = dist.shape
    n_members = SELECT_GROUP
    g = c // n_members
    if g < 4 * m:
        top = torch.topk(dist, m, dim=1, largest=False, sorted=False)
        return top.values, top.indices
    if minima is None:
        minima = group_minima(dist)
    body = dist[:, : g * n_members].view(r, n_members, g)
    best_groups = torch.topk(minima, m, dim=1, largest=False, sorted=False).indices  # (r, m)
    values = body.gather(2, best_groups[:, None, :].expand(r, n_members, m)).reshape(r, n_members * m)
    offsets = torch.arange(n_members, device=dist.device)[None, :, None] * g
    cols = (best_groups[:, None, :] + offsets).reshape(r, n_members * m)
    if g * n_members < c:  # leftover columns join the candidates as they are
        tail = torch.arange(g * n_members, c, device=dist.device).expand(r, c - g * n_members)
        values = torch.cat([values, dist[:, g * n_members :]], dim=1)
        cols = torch.cat([cols, tail], dim=1)
    top = torch.topk(values, m, dim=1, largest=False, sorted=False)
    return top.values, cols.gather(1, top.indices)


def _tile_candidates(dist: torch.Tensor, m: int, bound: torch.Tensor, compiled: bool):
    """Candidates of the rows of a distance tile whose minimum beats ``bound``.

    Parameters
    ----------
    dist : Tensor of shape (r, c)
    m : int
        Candidates per row, ``m <= c``.
    bound : Tensor of shape (r,)
        A row's current worst candidate (plus slack): rows whose tile minimum
        is not below it gain nothing from the tile.
    compiled : bool
        Select with the numba kernel (every row; the hit test reads its first
        column) instead of the torch form (group minima, then the hit rows only).

    Returns
    -------
    None when no row hits, else ``(hit_rows, values, columns)``: ``hit_rows``
    is None when every row hits, else the (h,) int64 rows that did; values and
    columns are (h, m).
    """
    if compiled:
        values, columns = smallest_per_row_numba(dist, m)
        hit = values[:, 0] < bound
    else:
        minima = group_minima(dist)
        hit = row_minima(dist, minima) < bound
    n_hit = int(hit.sum())
    if n_hit == 0:
        return None
    hit_rows = None if n_hit == dist.shape[0] else hit.nonzero().squeeze(1)
    if compiled:
        if hit_rows is not None:
            values, columns = values.index_select(0, hit_rows), columns.index_select(0, hit_rows)
        return hit_rows, values, columns
    if hit_rows is not None:
        dist, minima = dist.index_select(0, hit_rows), minima.index_select(0, hit_rows)
    return (hit_rows, *smallest_per_row(dist, m, minima))


def _sq_norms(x: torch.Tensor) -> torch.Tensor:
    return (x * x).sum(dim=1)


def _block_rows(n: int, device: torch.device, bytes_per_row: int) -> int:
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        budget = min(CUDA_BLOCK_BYTES, free // 4)
    else:
        budget = CPU_BLOCK_BYTES
    return max(1, min(n, budget // max(1, bytes_per_row)))


def _shortlist_blocked(
    x: torch.Tensor, m: int, rows: torch.Tensor | None = None, *, compiled: bool = False
) -> torch.Tensor:
    """Shortlist by query blocks against all rows.

    Parameters
    ----------
    x : Tensor of shape (n, d)
    m : int
        Candidates per query, ``m <= n - 1``.
    rows : Tensor of shape (n_q,), int64, optional
        Query rows (all rows when omitted).
    compiled : bool
        Select with the numba kernel (:mod:`select_numba`) instead of torch.

    Returns
    -------
    Tensor of shape (n_q, m), int64
        The m nearest other rows by partial distance ``|x|^2 - 2 q.x`` (the row
        constant ``|q|^2`` cannot change a row's order).
    """
    n = x.shape[0]
    queries = torch.arange(n, device=x.device) if rows is None else rows
    n_q = queries.shape[0]
    keys = _augmented_keys(x)
    out = torch.empty((n_q, m), dtype=torch.int64, device=x.device)
    block = _block_rows(n_q, x.device, n * x.element_size() * 2)
    # One distance buffer for all blocks: a fresh 134 MB block per step was
    # page-faulted anew each time (>32 MB allocations are fresh mmaps), which held
    # the GEMM to 40 GFLOP/s here; reused, it runs near the 180 GFLOP/s peak.
    buffer = torch.empty((min(block, n_q), n), dtype=x.dtype, device=x.device)
    for start in range(0, n_q, block):
        stop = min(n_q, start + block)
        own = queries[start:stop]
        queries_block = _augmented_queries(x.index_select(0, own))
        dist = torch.mm(queries_block, keys.T, out=buffer[: stop - start])
        dist[torch.arange(stop - start, device=x.device), own] = math.inf  # self excluded by index
        select = smallest_per_row_numba if compiled else smallest_per_row
        out[start:stop] = select(dist, m)[1]
    return out


def _augmented_keys(x: torch.Tensor) -> torch.Tensor:
    """Keys ``[-2x, |x|^2]``: against queries ``[q, 1]`` one GEMM gives ``|x|^2 - 2 q.x``.

    Folding the norms into the GEMM avoids addmm's broadcast-bias copy, a full
    extra pass over every distance tile (0.4 s of 4.8 s on W2's class here).
    """
    return torch.cat([x * -2, _sq_norms(x)[:, None]], dim=1)


def _augmented_queries(q: torch.Tensor) -> torch.Tensor:
    """Queries ``[q, 1]`` for :func:`_augmented_keys`."""
    return torch.cat([q, torch.ones((q.shape[0], 1), dtype=q.dtype, device=q.device)], dim=1)


def _spatial_tiles(x: torch.Tensor, tile: int, seed: int = 0) -> tuple[torch.Tensor, list]:
    """Group nearby rows into tiles of at most ``tile`` rows.

    A few Lloyd iterations give ~``2n/tile`` clusters; rows are sorted by cluster
    and each cluster is cut into tiles that never straddle two clusters (a tile
    across two clusters has the radius of both, which kills pruning: measured
    radii 8 -> 30 on 10 separated blobs). The grouping only affects speed.

    Returns
    -------
    perm : Tensor of shape (n,), int64
        Row order that makes each tile a contiguous range.
    bounds : list of (start, stop)
        Tile ranges in that order.
    """
    n = x.shape[0]
    n_clusters = max(2, (2 * n) // tile)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    init = torch.randperm(n, generator=gen)[:n_clusters].to(x.device)
    centroids = x[init].clone()
    labels = torch.empty(n, dtype=torch.int64, device=x.device)
    # Assignment in row blocks: one (n, n_clusters) distance matrix was 39 MB at
    # 100k rows, all of it on top of the output array at peak.
    step = 16_384
    for _ in range(6):
        centroid_norms = _sq_norms(centroids)[None]
        for a in range(0, n, step):
            dist = torch.addmm(centroid_norms, x[a : a + step], centroids.T, alpha=-2)
            labels[a : a + step] = dist.argmin(dim=1)
        sums = torch.zeros_like(centroids).index_add_(0, labels, x)
        counts = torch.bincount(labels, minlength=n_clusters)
        nonempty = counts > 0
        centroids[nonempty] = sums[nonempty] / counts[nonempty, None].to(x.dtype)
    perm = torch.sort(labels, stable=True).indices
    bounds = []
    start = 0
    for size in counts.tolist():
        for a in range(start, start + size, tile):
            bounds.append((a, min(start + size, a + tile)))
        start += size
    return perm, bounds


#: Tiles "overlap" when at least this share of row pairs lies in tile pairs that
#: no bound could separate (see :func:`_tiles_overlap`). Measured shares: 1.0 on
#: unclustered Gaussian rows (100k x 32, and 100k x 16 in three overlapping
#: classes), 0.80 on W1's 10k clustered minority rows (which prune to 0.17) and
#: 0.41 on W2's 100k.
TILES_OVERLAP_SHARE = 0.98


def _tiles_overlap(centres: torch.Tensor, radii: torch.Tensor, sizes: torch.Tensor) -> bool:
    """Whether pruning cannot pay, judged from tile centres and radii alone.

    A row of tile ``t`` has its neighbours within ``2 r_t`` (its own tile holds
    enough rows), and no row of tile ``s`` is closer than ``|c_t - c_s| - r_t - r_s``.
    When that gap is below ``2 r_t`` for nearly every pair (weighted by rows),
    not even the best-placed query could skip a tile.
    """
    gaps = torch.cdist(centres, centres) - radii[:, None] - radii[None, :]
    unseparated = (gaps <= 2 * radii[:, None]).to(torch.float64)
    weights = sizes.to(torch.float64)
    share = (weights @ unseparated @ weights) / weights.sum() ** 2
    return bool(share >= TILES_OVERLAP_SHARE)


def _shortlist_pruned(x: torch.Tensor, m: int, *, compiled: bool = False) -> torch.Tensor:
    """Shortlist by spatially grouped tiles with triangle-inequality pruning.

    ``compiled`` selects with the numba kernel (:mod:`select_numba`).

    Candidates are ranked by the partial distance ``|x|^2 - 2 q.x``: the row
    constant ``|q|^2`` cannot change a row's order, and skipping it saves one
    pass over every distance tile.
    """
    n, _d = x.shape
    perm, bounds = _spatial_tiles(x, CPU_TILE)
    xs = x[perm]
    norms = _sq_norms(xs)
    sizes = torch.tensor([b - a for a, b in bounds], device=x.device)
    tile_of = torch.repeat_interleave(torch.arange(len(bounds), device=x.device), sizes)
    centres = torch.zeros((len(bounds), x.shape[1]), dtype=x.dtype, device=x.device)
    centres.index_add_(0, tile_of, xs).div_(sizes[:, None].to(x.dtype))
    spread = (xs - centres[tile_of]).norm(dim=1)
    radii = torch.zeros(len(bounds), dtype=x.dtype, device=x.device)
    radii.scatter_reduce_(0, tile_of, spread, reduce="amax")
    if _tiles_overlap(centres, radii, sizes):
        # No tile pair is far enough apart to prune, even in the best case: skip the
        # 8-tile probe (it cost ~16% of the rows at ~2.5x blocked's per-distance cost
        # on 100k Gaussian rows) and go straight to plain blocks.
        result = torch.empty((n, m), dtype=torch.int64, device=x.device)
        result[perm] = perm[_shortlist_blocked(xs, m, compiled=compiled)]
        return result
    centre_norms = _sq_norms(centres)
    keys = _augmented_keys(xs)
    # float32 distances carry an absolute error of a few ulps of |q|^2 + |x|^2;
    # this slack keeps pruning and hit tests conservative against it.
    slack = 1e-4 * float(norms.max()) + 1e-12
    out = torch.empty((n, m), dtype=torch.int64, device=x.device)
    computed = 0  # distance entries computed so far
    for tile_index, (qa, qb) in enumerate(bounds):
        if tile_index == PRUNE_PROBE_TILES and computed > PRUNE_GIVE_UP * qa * n:
            # Pruning is not paying (unclustered data): finish with plain blocks,
            # which beat tiles when nearly every tile must be visited (100k
            # Gaussian rows, d=32: 18 s tiled vs 8.5 s blocked on the dev machine).
            out[qa:] = _shortlist_blocked(xs, m, torch.arange(qa, n, device=x.device), compiled=compiled)
            break
        q = xs[qa:qb]
        nq = qb - qa
        q_norms = norms[qa:qb]
        queries = _augmented_queries(q)
        to_centres = torch.addmm(centre_norms[None, :], q, centres.T, alpha=-2)
        to_centres.add_(q_norms[:, None]).clamp_min_(0).sqrt_()
        # Lower bound of the full squared distance from q to any row of tile t,
        # made comparable to partial distances by subtracting |q|^2.
        lower = (to_centres - radii[None, :]).clamp_min_(0).square_()
        order = torch.argsort(lower.amin(dim=0), stable=True).tolist()
        lower.sub_(q_norms[:, None])
        best_d = torch.full((nq, m), math.inf, dtype=x.dtype, device=x.device)
        best_i = torch.full((nq, m), -1, dtype=torch.int64, device=x.device)
        worst = torch.full((nq,), math.inf, dtype=x.dtype, device=x.device)
        first_visit = True
        for t in order:
            ka, kb = bounds[t]
            live = lower[:, t] <= worst + slack
            n_live = int(live.sum())
            if n_live == 0:
                continue
            rows = None if n_live == nq else live.nonzero().squeeze(1)
            q_live = queries if rows is None else queries.index_select(0, rows)
            computed += q_live.shape[0] * (kb - ka)
            dist = q_live @ keys[ka:kb].T
            if ka == qa:  # own tile: a row is never its own neighbour
                local = torch.arange(nq, device=x.device) if rows is None else rows
                dist[torch.arange(local.numel(), device=x.device), local] = math.inf
            worst_live = worst if rows is None else worst.index_select(0, rows)
            found = _tile_candidates(dist, min(m, kb - ka), worst_live + slack, compiled)
            if found is None:
                continue
            hit_rows, cand_d, cand_i = found
            if hit_rows is None:  # every row (the usual first tile): no row copies
                target = slice(None) if rows is None else rows
            else:
                target = hit_rows if rows is None else rows.index_select(0, hit_rows)
            cand_i += ka
            if first_visit and cand_d.shape[1] == m:
                # Nothing to merge with yet (every row saw this tile first).
                best_d[target], best_i[target] = cand_d, cand_i
                worst[target] = cand_d.amax(dim=1)
                first_visit = False
                continue
            first_visit = False
            merged_d = torch.cat([best_d[target], cand_d], dim=1)
            merged_i = torch.cat([best_i[target], cand_i], dim=1)
            keep = torch.topk(merged_d, m, dim=1, largest=False, sorted=False)
            best_d[target] = keep.values
            best_i[target] = merged_i.gather(1, keep.indices)
            worst[target] = keep.values.amax(dim=1)
        out[qa:qb] = best_i
    # Back from tile order to the caller's row order.
    result = torch.empty_like(out)
    result[perm] = perm[out]
    return result


def drop_self(hits: torch.Tensor) -> torch.Tensor:
    """Remove each row's own index from a neighbour list of one extra column.

    Where row i lists itself, that entry goes (by index, so a duplicate row at
    distance 0 stays a neighbour); where it does not (more tied duplicates than
    columns), the last, farthest column goes instead.

    Parameters
    ----------
    hits : Tensor of shape (n, c), int64
        Row i's neighbours, nearest first, self possibly among them.

    Returns
    -------
    Tensor of shape (n, c - 1), int64
    """
    n, c = hits.shape
    rows = torch.arange(n, device=hits.device)
    is_self = hits == rows[:, None]
    last = torch.full((n,), c - 1, dtype=torch.int64, device=hits.device)
    drop = torch.where(is_self.any(dim=1), is_self.int().argmax(dim=1), last)
    keep = torch.ones_like(hits, dtype=torch.bool)
    keep[rows, drop] = False
    return hits[keep].view(n, c - 1)


def rerank_exact(x: torch.Tensor, cand: torch.Tensor, k: int) -> torch.Tensor:
    """Pick the exact k nearest among shortlisted candidates.

    Parameters
    ----------
    x : Tensor of shape (n, d)
    cand : Tensor of shape (n, m), int64
        Candidate indices, ``m >= k``; each row's own index must not appear.
    k : int

    Returns
    -------
    Tensor of shape (n, k), int64
        Sorted by float64 squared distance, ties toward the smaller index.
    """
    return _rerank(x, cand, k, None, None)[0]


def _rerank(x, cand, k, rows, tol):
    """Exact re-rank of ``cand`` for query ``rows`` (all when None).

    Returns the (n_q, k) neighbours and, when ``tol`` is given, which queries
    are ambiguous: k-th exact distance >= farthest candidate's minus ``tol``.
    """
    n_q, m = cand.shape
    d = x.shape[1]
    # Gathered with index_select, then widened block by block: no float64 copy of
    # all of x on top of the output array (25.6 MB at W2's 100k x 32 float32 rows).
    out = torch.empty((n_q, k), dtype=torch.int64, device=x.device)
    ambiguous = torch.zeros(n_q, dtype=torch.bool, device=x.device)
    # 1M float64 differences (8 MB) per block: larger blocks were no faster and
    # sat on top of the output array at peak.
    block = max(1, (1 << 20) // max(1, m * d))
    for start in range(0, n_q, block):
        stop = min(n_q, start + block)
        idx = cand[start:stop]
        own_rows = x[start:stop] if rows is None else x.index_select(0, rows[start:stop])
        own = own_rows.to(torch.float64)
        diff = x.index_select(0, idx.reshape(-1)).to(torch.float64).view(stop - start, m, d)
        dist = diff.sub_(own[:, None, :]).square_().sum(dim=2)
        # Sort by index, then stable-sort by distance: equal distances stay in index order.
        idx_sorted, by_idx = torch.sort(idx, dim=1)
        dist_sorted, order = torch.sort(dist.gather(1, by_idx), dim=1, stable=True)
        out[start:stop] = idx_sorted.gather(1, order[:, :k])
        if tol is not None:
            ambiguous[start:stop] = dist_sorted[:, k - 1] >= dist_sorted[:, -1] - tol[start:stop]
    return out, ambiguous
