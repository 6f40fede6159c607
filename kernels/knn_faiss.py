"""Exact k-nearest neighbours within one set of rows through faiss.

faiss gives the float32 shortlist (``k + margin + 1`` hits, self removed by
index): a flat index on CPU tensors; on CUDA tensors, when the installed faiss
is a GPU build (faiss-gpu), its brute-force search (``bfKnn``) reads and writes
the tensors on their own GPU, ordered on torch's current stream, with no host
round trip. The shared exact re-rank in :mod:`torchsmote.kernels.knn_torch`
orders the shortlist, so faiss and torch return the same neighbours.

The GPU path follows faiss's sources (``faiss/gpu/GpuDistance.{h,cu}``,
``contrib/torch_utils.py``, faiss >= 1.8 for ``GpuDistanceParams.device``) and is
tested on CPU against a stand-in for faiss's GPU layer that reads the same
pointers (``tests/test_knn_faiss_gpu.py``); faiss-gpu itself has not run it: no
machine we test on has it (the GPU machine reaches no registry, and a faiss-gpu
wheel with its CUDA libraries is larger than what can be carried there).
"""

from __future__ import annotations

import functools
import threading

import numpy as np
import torch

from .knn_torch import SHORTLIST_MARGIN, _MatmulExact, centred_work_copy, drop_self, resolve_exact

#: Most hits faiss's GPU brute force selects per query (``GPU_MAX_SELECTION_K``,
#: faiss/gpu/utils/DeviceDefs.cuh). Past it faiss fails a FAISS_ASSERT, which
#: aborts the process, so larger shortlists are refused before the call.
FAISS_GPU_MAX_K = 2048
#: What a faiss build needs for the GPU path: CPU-only builds lack all but
#: get_num_gpus (which returns 0 there); Apple's Metal builds have a
#: StandardGpuResources but no bfKnn.
_GPU_NAMES = ("StandardGpuResources", "GpuDistanceParams", "bfKnn", "cast_integer_to_cudastream_t")

#: One StandardGpuResources per CUDA device index, created on first use. Each
#: reserves faiss's own temporary memory on its GPU (outside torch's allocator).
_GPU_RESOURCES: dict[int, object] = {}
#: StandardGpuResources is not thread-safe, and the stream swap below must not interleave.
_GPU_LOCK = threading.Lock()


def faiss_device_problem(device: torch.device, faiss=None) -> str | None:
    """Why ``knn_backend='faiss'`` cannot run on ``device``, or None when it can.

    Parameters
    ----------
    device : torch.device
    faiss : module, optional
        The faiss module (imported here when omitted and needed).

    Returns
    -------
    str or None
        None on CPU, and on CUDA when faiss is a GPU build that sees the device.
    """
    if device.type == "cpu":
        return None
    if device.type != "cuda":
        return f"knn_backend='faiss' runs on CPU tensors, or CUDA tensors with faiss-gpu; got {device.type!r}"
    if faiss is None:
        import faiss  # core dependency, imported here to keep `import torchsmote` light
    version = getattr(faiss, "__version__", "?")
    if not all(hasattr(faiss, name) for name in _GPU_NAMES):
        return (
            "knn_backend='faiss' on CUDA needs faiss with GPU support (faiss-gpu); the installed "
            f"faiss {version} is CPU-only; use knn_backend='torch' or 'auto' (or install a faiss GPU "
            "build, e.g. pip install faiss-gpu, in place of faiss-cpu)"
        )
    index = device.index if device.index is not None else torch.cuda.current_device()
    seen = faiss.get_num_gpus()
    if index >= seen:
        return (
            f"knn_backend='faiss' on cuda:{index}: the installed faiss-gpu {version} sees {seen} GPU(s) "
            "(a build for another CUDA version or driver?); use knn_backend='torch' or 'auto'"
        )
    return None


def knn_self_faiss(x: torch.Tensor, k: int) -> torch.Tensor:
    """Exact k nearest neighbours of every row among the other rows of ``x``.

    Parameters
    ----------
    x : Tensor of shape (n, d)
        On CPU, or on CUDA when faiss is a GPU build (:func:`faiss_device_problem`).
    k : int
        ``1 <= k <= n - 1``; on CUDA also ``k + 5 <= 2048`` (faiss-gpu's selection
        limit) unless ``n <= 2048``.

    Returns
    -------
    Tensor of shape (n, k), int64, on ``x.device``
        Nearest first, ties toward the smaller index.
    """
    import faiss  # core dependency, imported here to keep `import torchsmote` light

    problem = faiss_device_problem(x.device, faiss)
    if problem is not None:
        raise ValueError(problem)
    n = x.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"need 1 <= k <= n - 1, got k={k} for n={n} rows")
    if x.device.type == "cuda":
        stream = torch.cuda.current_stream(x.device).cuda_stream
        shortlist = functools.partial(_gpu_shortlist, faiss=faiss, device=x.device.index, stream=stream)
    else:
        shortlist = functools.partial(_cpu_shortlist, faiss=faiss)
    return knn_from_shortlist(x, k, shortlist)


def knn_from_shortlist(x: torch.Tensor, k: int, shortlist) -> torch.Tensor:
    """Exact neighbours from a float32 search: shortlist, self removed, exact re-rank.

    Parameters
    ----------
    x : Tensor of shape (n, d)
    k : int
        ``1 <= k <= n - 1`` (checked by the caller).
    shortlist : callable
        ``shortlist(xf, hits)``: the ``hits`` nearest rows (self included) of every
        row of the contiguous float32 tensor ``xf``, as an (n, hits) int64 tensor
        on ``xf.device``.

    Returns
    -------
    Tensor of shape (n, k), int64, on ``x.device``
    """
    n = x.shape[0]
    m = min(n - 1, k + SHORTLIST_MARGIN)
    xw, scale = centred_work_copy(x.detach())
    xf = xw.to(torch.float32).contiguous()
    cand = drop_self(shortlist(xf, m + 1))
    # The shortlist's error bound is float32's, whatever x's dtype: faiss computed it.
    with _MatmulExact():
        return resolve_exact(x, xf, cand, k, scale)


def _cpu_shortlist(xf: torch.Tensor, hits: int, *, faiss) -> torch.Tensor:
    """faiss-cpu's flat index: the ``hits`` nearest rows of every row of ``xf`` (a CPU tensor)."""
    rows = np.ascontiguousarray(xf.numpy())
    index = faiss.IndexFlatL2(rows.shape[1])
    index.add(rows)
    _dist, found = index.search(rows, hits)
    return torch.from_numpy(found)


def _gpu_resources(faiss, device: int):
    """The cached StandardGpuResources of one device (call with ``_GPU_LOCK`` held)."""
    res = _GPU_RESOURCES.get(device)
    if res is None:
        res = _GPU_RESOURCES[device] = faiss.StandardGpuResources()
    return res


def _gpu_shortlist(xf: torch.Tensor, hits: int, *, faiss, device: int, stream: int) -> torch.Tensor:
    """faiss-gpu's brute force (``bfKnn``) on the tensors' own memory, like faiss's
    ``contrib/torch_utils.torch_replacement_knn_gpu``, without importing that
    module (its import patches every faiss index class).

    Parameters
    ----------
    xf : Tensor of shape (n, d), float32, contiguous
        Both queries and database; on GPU ``device``.
    hits : int
        Neighbours per row, self included; at most :data:`FAISS_GPU_MAX_K`.
    faiss : module
        A faiss GPU build.
    device : int
        CUDA device index of ``xf``: bfKnn runs there (``GpuDistanceParams.device``).
    stream : int
        torch's current stream on that device (``cudaStream_t`` as an integer):
        faiss runs on it, so its reads and writes are ordered with torch's work
        on these tensors without a synchronisation.

    Returns
    -------
    Tensor of shape (n, hits), int64, on ``xf.device``
    """
    n, d = xf.shape
    if hits > FAISS_GPU_MAX_K:
        raise ValueError(
            f"knn_backend='faiss' on CUDA: a shortlist of {hits} rows per row (k_neighbors + "
            f"{SHORTLIST_MARGIN + 1}) passes faiss-gpu's selection limit of {FAISS_GPU_MAX_K}; "
            "use knn_backend='torch'"
        )
    if xf.dtype != torch.float32 or not xf.is_contiguous():
        raise ValueError(f"faiss-gpu shortlist: need contiguous float32 rows, got {xf.dtype}")
    found = torch.empty((n, hits), dtype=torch.int64, device=xf.device)
    dist = torch.empty((n, hits), dtype=torch.float32, device=xf.device)  # faiss always writes them
    rows = faiss.cast_integer_to_float_ptr(xf.data_ptr())
    args = faiss.GpuDistanceParams()
    args.metric = faiss.METRIC_L2
    args.k = hits
    args.dims = d
    args.vectors = rows
    args.vectorsRowMajor = True
    args.vectorType = faiss.DistanceDataType_F32
    args.numVectors = n
    args.queries = rows
    args.queriesRowMajor = True
    args.queryType = faiss.DistanceDataType_F32
    args.numQueries = n
    args.outDistances = faiss.cast_integer_to_float_ptr(dist.data_ptr())
    args.outIndices = faiss.cast_integer_to_idx_t_ptr(found.data_ptr())
    args.outIndicesType = faiss.IndicesDataType_I64
    args.device = device
    for name in ("use_cuvs", "use_raft"):  # faiss >= 1.10 / 1.8-1.9
        if hasattr(args, name):
            # Builds with cuVS (RAFT before 1.10) default to its brute force; faiss's
            # own kernels are the ones whose arithmetic (fp32 GEMM, cuBLAS without
            # TF32) was read against the re-rank's float32 error bound.
            setattr(args, name, False)
    with _GPU_LOCK:
        res = _gpu_resources(faiss, device)
        # faiss's contrib.torch_utils.using_stream, for an explicit device: bfKnn runs
        # on the resources' default stream of args.device (GpuDistance.cu).
        prior = res.getDefaultStream(device)
        res.setDefaultStream(device, faiss.cast_integer_to_cudastream_t(stream))
        try:
            faiss.bfKnn(res, args)
        finally:
            res.setDefaultStream(device, prior)
    return found
