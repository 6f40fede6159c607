"""Exact k-nearest neighbours within one set of rows through faiss (CPU flat index).

faiss gives the float32 shortlist (``k + margin + 1`` hits, self removed by
index); the shared exact re-rank in :mod:`torchsmote.kernels.knn_torch` orders
it, so faiss and torch return the same neighbours.
"""

from __future__ import annotations

import numpy as np
import torch

from .knn_torch import SHORTLIST_MARGIN, _MatmulExact, centred_work_copy, drop_self, resolve_exact


def knn_self_faiss(x: torch.Tensor, k: int) -> torch.Tensor:
    """Exact k nearest neighbours of every row among the other rows of ``x``.

    Parameters
    ----------
    x : Tensor of shape (n, d), on CPU
    k : int
        ``1 <= k <= n - 1``.

    Returns
    -------
    Tensor of shape (n, k), int64
        Nearest first, ties toward the smaller index.
    """
    import faiss  # core dependency, imported here to keep `import torchsmote` light

    if x.device.type != "cpu":
        raise ValueError("knn_backend='faiss' runs on CPU tensors (faiss-cpu); use 'torch' on CUDA")
    n, d = x.shape
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    m = min(n - 1, k + SHORTLIST_MARGIN)
    xw, scale = centred_work_copy(x.detach())
    xf = np.ascontiguousarray(xw.to(torch.float32).numpy())
    index = faiss.IndexFlatL2(d)
    index.add(xf)
    _dist, hits = index.search(xf, m + 1)
    cand = drop_self(torch.from_numpy(hits))
    # The shortlist's error bound is float32's, whatever x's dtype: faiss computed it.
    with _MatmulExact():
        return resolve_exact(x, xw.to(torch.float32), cand, k, scale)
