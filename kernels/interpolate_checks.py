"""The argument checks every SMOTE interpolation launcher shares (Triton, numba)."""

from __future__ import annotations

import torch


def check_interpolation_arguments(
    pool: torch.Tensor,
    neighbors: torch.Tensor,
    out: torch.Tensor,
    *,
    kernel: str,
    dtypes: tuple,
    table_dtypes: tuple = (torch.int64,),
) -> None:
    """Refuse shapes and dtypes a compiled SMOTE kernel cannot handle, before it writes anything.

    Parameters
    ----------
    pool : Tensor of shape (n_pool, d)
    neighbors : Tensor of shape (n_base, k), one of ``table_dtypes``
    out : Tensor of shape (count, d), ``pool``'s dtype
    kernel : str
        The kernel's name in the messages ('Triton', 'numba').
    dtypes : tuple of torch.dtype
        Pool dtypes the kernel handles.
    table_dtypes : tuple of torch.dtype, default=(torch.int64,)
        Neighbour-table dtypes the kernel handles.

    Raises
    ------
    ValueError
        Naming the first problem found.
    """
    if pool.ndim != 2 or out.ndim != 2 or pool.shape[1] != out.shape[1]:
        raise ValueError(f"pool {tuple(pool.shape)} and out {tuple(out.shape)} must be 2-D, same d")
    if out.dtype != pool.dtype:
        raise ValueError(f"out dtype {out.dtype} must equal pool dtype {pool.dtype}")
    if pool.dtype not in dtypes:
        names = "/".join(str(dtype).removeprefix("torch.") for dtype in dtypes)
        raise ValueError(f"the {kernel} SMOTE kernel handles {names}, got {pool.dtype}")
    if neighbors.dtype not in table_dtypes or neighbors.ndim != 2:
        names = " or ".join(str(dtype).removeprefix("torch.") for dtype in table_dtypes)
        raise ValueError(f"neighbors must be a 2-D {names} tensor, got {neighbors.ndim}-D {neighbors.dtype}")
