"""Device memory planning: chunk sizes from free memory, up-front fit checks, OOM retry."""

from __future__ import annotations

import ctypes
import functools

import numpy as np
import torch

#: Bytes of working memory per synthetic row on CUDA besides the row itself:
#: counters, pair, gap, base and neighbour indices and their temporaries (~8
#: int64 per row) plus two compute-precision row buffers (torch path).
_WORK_BYTES_PER_ROW = 64
#: Share of the free device memory one generation chunk may use.
_CHUNK_SHARE = 0.25
#: Largest chunk on CUDA: 16M rows keeps each launch well under a second.
MAX_CUDA_CHUNK = 1 << 24
#: Bytes between the writes of :func:`prefault`: one per KB (four per 4 KB page)
#: gives 124k writes on W1's 127 MB synthetic block, enough for torch to split
#: them across threads (its grain is 32k elements); one write per page (31k)
#: ran on one thread and saved nothing.
_PREFAULT_STRIDE_BYTES = 1024


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
    return int(max(1, min(MAX_CUDA_CHUNK, (free * _CHUNK_SHARE) // per_row)))


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


def prefault(array: np.ndarray) -> None:
    """Fault in the pages of a fresh host array from every torch thread at once.

    The CPU generation kernel writes its output in ~1 MB blocks, each split
    across the threads: a fresh 2 MB page is zeroed by the kernel in whichever
    thread touches it first while the others wait at the block's end, so the
    zeroing of W1's 127 MB synthetic block ran on one thread at a time. On the
    2-core dev VM (min-median of 15): the block took 86-95 ms into fresh memory
    and 53-68 ms into touched memory; writing zeros one KB apart first lets each
    thread fault its own share (12-13 ms), and both steps took 72-85 ms. In
    W1's ``fit_resample`` (30 rounds interleaved with the previous code, p10):
    generation 97 ms before, prefault 12 + generation 65 ms after. The values
    written are overwritten by the caller.

    Parameters
    ----------
    array : ndarray
        C-contiguous, freshly allocated and about to be overwritten entirely.
    """
    if array.size == 0 or not array.flags.c_contiguous:
        return
    flat = torch.from_numpy(array.reshape(-1))
    flat[:: max(1, _PREFAULT_STRIDE_BYTES // array.itemsize)].fill_(0)
