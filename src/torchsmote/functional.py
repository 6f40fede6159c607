"""Torch-native functions for training scripts: tensors in, tensors out, same device."""

from __future__ import annotations

import torch

from torchsmote.backends import resolve_kernel_backend, resolve_knn_backend
from torchsmote.generation import generate_rows
from torchsmote.kernels.counter_rng import stream_key
from torchsmote.memory import check_fits
from torchsmote.neighbors import class_neighbors
from torchsmote.validation import check_features


def smote(
    x_minority: torch.Tensor,
    n_samples: int,
    *,
    k_neighbors: int = 5,
    seed: int = 0,
    stream: int = 0,
    start: int = 0,
    knn_backend: str = "auto",
    kernel_backend: str = "auto",
    chunk_size: int | None = None,
) -> torch.Tensor:
    """Synthetic rows interpolated between rows of one class and their neighbours.

    Parameters
    ----------
    x_minority : Tensor of shape (n, d)
        Rows of one class (float16/bfloat16/float32/float64, CPU or CUDA); not modified.
    n_samples : int
        Synthetic rows to make (>= 0).
    k_neighbors : int, default=5
        Neighbours per row; needs ``n > k_neighbors``.
    seed : int, default=0
        Counter-RNG seed.
    stream : int, default=0
        Stream id: with the same seed, ``SMOTE(random_state=seed)`` uses the
        class's position in ``np.unique(y)``, so passing it reproduces the
        estimator's rows for that class exactly.
    start : int, default=0
        Stream index of the first row returned: ``smote(..., n_samples=a + b)``
        equals ``smote(..., n_samples=a)`` followed by ``smote(..., n_samples=b,
        start=a)``, so a large request can be made in slices.
    knn_backend, kernel_backend : str, default='auto'
        As in :class:`torchsmote.SMOTE`.
    chunk_size : int, optional
        Rows per generation chunk; the result does not depend on it.

    Returns
    -------
    Tensor of shape (n_samples, d)
        Same dtype and device as ``x_minority``.
    """
    if not isinstance(x_minority, torch.Tensor):
        raise TypeError(f"x_minority must be a torch.Tensor, got {type(x_minority).__name__}")
    check_features(x_minority, name="x_minority")
    if not isinstance(n_samples, int) or isinstance(n_samples, bool) or n_samples < 0:
        raise ValueError(f"n_samples must be an int >= 0, got {n_samples!r}")
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise ValueError(f"start must be an int >= 0, got {start!r}")
    if not isinstance(k_neighbors, int) or isinstance(k_neighbors, bool) or k_neighbors < 1:
        raise ValueError(f"k_neighbors must be an int >= 1, got {k_neighbors!r}")
    n, d = x_minority.shape
    if n < k_neighbors + 1:
        raise ValueError(
            f"x_minority has {n} row(s); k_neighbors={k_neighbors} needs at least {k_neighbors + 1}"
        )
    device = x_minority.device
    kernel = resolve_kernel_backend(kernel_backend, device, n_samples * d)
    knn = resolve_knn_backend(knn_backend, device)
    check_fits(device, n_samples * d * x_minority.element_size(), f"{n_samples:,} synthetic rows")
    out = torch.empty((n_samples, d), dtype=x_minority.dtype, device=device)
    if n_samples == 0:
        return out
    pool = x_minority.detach().contiguous()
    neighbors = class_neighbors(pool, k_neighbors, knn)
    return generate_rows(
        pool,
        neighbors,
        stream_key(seed, stream),
        out,
        backend=kernel,
        start=start,
        chunk_rows=chunk_size,
    )
