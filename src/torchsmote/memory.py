"""Device memory planning: chunk sizes from free memory, up-front fit checks, OOM retry."""

from __future__ import annotations

import ctypes
import functools

import torch

#: Bytes of working memory per synthetic row on CUDA besides the row itself:
#: counters, pair, gap, base and neighbour indices and their temporaries (~8
#: int64 per row) plus two compute-precision row buffers (torch path).
_WORK_BYTES_PER_ROW = 64
#: Share of the free device memory one generation chunk may use.
_CHUNK_SHARE = 0.25
#: Largest chunk on CUDA: 16M rows keeps each launch well under a second.
_MAX_CUDA_CHUNK = 1 << 24


def free_bytes(device: torch.device) -> int | None:
    """Free memory of a CUDA device in bytes (None for the CPU: the OS decides)."""
    if device.type != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return int(free)


def cuda_chunk_rows(device: torch.device, n_features: int, itemsize: int) -> int:
    """Synthetic rows per generation chunk on a CUDA device, from its free memory.

    A chunk needs its work buffers and, when the output lives elsewhere (numpy
    output from a GPU run), a staging block of the rows themselves.
    """
    compute_itemsize = max(4, itemsize)  # fp16/bf16 interpolate in fp32, fp64 in fp64
    per_row = _WORK_BYTES_PER_ROW + n_features * (itemsize + 2 * compute_itemsize)
    free = free_bytes(device) or 0
    return int(max(1, min(_MAX_CUDA_CHUNK, (free * _CHUNK_SHARE) // per_row)))


def check_fits(device: torch.device, n_bytes: int, what: str) -> None:
    """Raise a ValueError up front when ``n_bytes`` cannot fit in the device's free memory.

    Parameters
    ----------
    device : torch.device
    n_bytes : int
        Size of the allocation about to be made.
    what : str
        What it is, for the message (e.g. "the resampled X (2,000,000 x 32 float32)").
    """
    free = free_bytes(device)
    if free is not None and n_bytes > free:
        raise ValueError(
            f"{what} needs {n_bytes / 2**30:.2f} GiB but {device} has {free / 2**30:.2f} GiB "
            "free: resample on the CPU (device='cpu', or pass CPU tensors), or generate "
            "in slices with torchsmote.functional.smote"
        )


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is an allocator's out-of-memory error (CUDA or CPU)."""
    return isinstance(error, torch.OutOfMemoryError) or "out of memory" in str(error).lower()


@functools.cache
def _glibc_malloc_trim():
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        return None


def release_freed_host_memory() -> None:
    """Hand memory that was freed back to the OS (glibc only; a no-op elsewhere).

    The CPU k-NN frees ~150 MB of temporaries at W2's 100k x 32 class, but glibc
    keeps freed heap pages resident, so they sat under the output array while it
    filled: peak extra memory 1.51-1.73x the output across fresh runs, 1.13x
    with a trim after the k-NN (dev VM). The trim itself took < 1 ms there.
    """
    trim = _glibc_malloc_trim()
    if trim is not None:
        trim(0)
