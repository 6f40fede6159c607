"""The Triton JIT code of :mod:`knn_triton` (imported lazily: needs triton)."""

import triton
import triton.language as tl


@triton.jit
def shortlist_kernel(
    x_ptr,  # (n, d) float32 work rows (centred, scaled): queries and keys alike
    norms_ptr,  # (n,) float32 squared norms of the work rows
    rows_ptr,  # (n_q,) int64 query rows (read only if HAS_ROWS; else queries are 0..n-1)
    out_ptr,  # (n_q, m) int64 shortlist, unordered
    n,  # keys
    n_q,  # queries
    d,  # features
    m,  # candidates per query (<= M_PAD, <= n - 1)
    stride_x,  # elements between rows of x
    HAS_ROWS: tl.constexpr,
    ONE_CHUNK: tl.constexpr,  # d <= BLOCK_D: load each query tile once
    M_PAD: tl.constexpr,  # power of two >= m
    BLOCK_Q: tl.constexpr,
    BLOCK_K: tl.constexpr,
    BLOCK_D: tl.constexpr,
    PRECISION: tl.constexpr,  # tl.dot input precision: "ieee" or "tf32x3"
):
    """For each query row, the m keys with the smallest ``|x|^2 - 2 q.x``, self excluded.

    One program owns BLOCK_Q queries and streams every key tile past them: the
    distance tile lives in registers only (a (n_q, n) distance matrix is never
    written). Each query keeps its m best (value, index) pairs; a key tile is
    merged by repeatedly taking its row minima while any entry beats a row's
    current m-th best, which after the first tiles is rarely true.
    """
    pid = tl.program_id(0)
    q_local = pid * BLOCK_Q + tl.arange(0, BLOCK_Q)
    q_ok = q_local < n_q
    if HAS_ROWS:
        q_row = tl.load(rows_ptr + q_local, mask=q_ok, other=0)
    else:
        q_row = q_local.to(tl.int64)
    q_off = q_row * stride_x
    slots = tl.arange(0, M_PAD)
    # Real slots start at +inf (to be filled); padding slots at -inf (never the worst).
    start_d = tl.where(slots < m, float("inf"), float("-inf"))
    best_d = tl.zeros([BLOCK_Q, M_PAD], tl.float32) + start_d[None, :]
    best_i = tl.zeros([BLOCK_Q, M_PAD], tl.int64)
    tile_cols = tl.arange(0, BLOCK_K)
    dd = tl.arange(0, BLOCK_D)
    if ONE_CHUNK:
        q_tile = tl.load(
            x_ptr + q_off[:, None] + dd[None, :], mask=q_ok[:, None] & (dd < d)[None, :], other=0.0
        )
    for k0 in range(0, n, BLOCK_K):
        cols = k0 + tile_cols
        col_ok = cols < n
        k_off = cols.to(tl.int64) * stride_x
        if ONE_CHUNK:
            k_tile = tl.load(
                x_ptr + k_off[:, None] + dd[None, :], mask=col_ok[:, None] & (dd < d)[None, :], other=0.0
            )
            dot = tl.dot(q_tile, tl.trans(k_tile), input_precision=PRECISION)
        else:
            dot = tl.zeros([BLOCK_Q, BLOCK_K], tl.float32)
            for d0 in range(0, d, BLOCK_D):
                feats = d0 + dd
                f_ok = feats < d
                q_part = tl.load(
                    x_ptr + q_off[:, None] + feats[None, :], mask=q_ok[:, None] & f_ok[None, :], other=0.0
                )
                k_part = tl.load(
                    x_ptr + k_off[:, None] + feats[None, :], mask=col_ok[:, None] & f_ok[None, :], other=0.0
                )
                dot = tl.dot(q_part, tl.trans(k_part), dot, input_precision=PRECISION)
        key_norms = tl.load(norms_ptr + cols, mask=col_ok, other=0.0)
        dist = key_norms[None, :] - 2.0 * dot
        valid = q_ok[:, None] & col_ok[None, :] & (cols.to(tl.int64)[None, :] != q_row[:, None])
        dist = tl.where(valid, dist, float("inf"))
        worst = tl.max(best_d, axis=1)
        pending = tl.sum(tl.sum((dist < worst[:, None]).to(tl.int32), axis=1), axis=0)
        while pending > 0:
            tile_min = tl.min(dist, axis=1)
            tile_arg = tl.argmin(dist, axis=1)
            take = tile_min < worst
            worst_slot = tl.argmax(best_d, axis=1)
            hit = (slots[None, :] == worst_slot[:, None]) & take[:, None]
            best_d = tl.where(hit, tile_min[:, None], best_d)
            best_i = tl.where(hit, (k0 + tile_arg).to(tl.int64)[:, None], best_i)
            dist = tl.where(tile_cols[None, :] == tile_arg[:, None], float("inf"), dist)
            worst = tl.max(best_d, axis=1)
            pending = tl.sum(tl.sum((dist < worst[:, None]).to(tl.int32), axis=1), axis=0)
    out_mask = q_ok[:, None] & (slots[None, :] < m)
    tl.store(out_ptr + q_local.to(tl.int64)[:, None] * m + slots[None, :], best_i, mask=out_mask)
