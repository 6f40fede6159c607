"""Launching numba's parallel kernels safely: one definition for every numba kernel.

Concurrency rules, in one place:

- Parallel launches from several Python threads are serialised by a lock
  (numba's ``workqueue`` threading layer aborts on concurrent launches).
- A process forked after a parallel launch (a ``DataLoader`` worker, a
  ``multiprocessing`` fork) runs the serial kernel: GNU OpenMP's thread pool
  does not survive ``fork``, and numba's ``omp`` layer aborts (or hangs) there.
- The thread count follows ``torch.get_num_threads()``, so a caller's
  ``torch.set_num_threads`` budget holds for these kernels too; one thread
  runs the serial kernel, with no pool at all.
"""

from __future__ import annotations

import functools
import os
import threading

import torch

_LAUNCH_LOCK = threading.Lock()
#: Process that made the first parallel launch; its forked children run serially.
_parallel_pid: int | None = None


@functools.cache
def numba_available() -> bool:
    """Whether numba imports (it refuses to import beside a numpy newer than it supports)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


def cached_njit(**options):
    """``numba.njit(cache=True, **options)``, or without the on-disk cache where it cannot live.

    numba refuses ``cache=True`` at decoration time ("no locator available")
    when neither the package's ``__pycache__`` nor a user cache directory is
    writable (read-only images, a HOME-less user); the kernels then compile
    once per process instead of failing the import.
    """
    from numba import njit

    def decorate(function):
        try:
            return njit(cache=True, **options)(function)
        except RuntimeError:
            return njit(**options)(function)

    return decorate


def launch(parallel, serial, *arguments):
    """Run ``parallel(*arguments)`` where it is safe, else ``serial(*arguments)``.

    Parameters
    ----------
    parallel, serial : numba dispatchers
        The same kernel with ``prange`` across threads and on the calling thread.
    *arguments
        Passed to either unchanged.

    Returns
    -------
    What the kernel returns.
    """
    global _parallel_pid
    threads = torch.get_num_threads()
    pid = os.getpid()
    if threads > 1 and _parallel_pid in (None, pid):
        import numba

        with _LAUNCH_LOCK:
            _parallel_pid = pid
            numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
            return parallel(*arguments)
    return serial(*arguments)
