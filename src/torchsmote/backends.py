"""Choosing devices and backends: every ``'auto'`` is resolved here, at call time.

No global switches: the library never changes torch/faiss settings on import,
and each call resolves its own device and backends from its arguments.
"""

from __future__ import annotations

import torch

KNN_BACKENDS = ("auto", "numpy", "faiss", "torch")
KERNEL_BACKENDS = ("auto", "numpy", "torch", "numba", "triton")


#: With 'auto', host (numpy/pandas/list) input moves to CUDA when the synthetic
#: output has at least this many elements: 1M float32 values cost ~0.2 ms of
#: PCIe transfer each way, far below what the CPU path spends on them.
AUTO_CUDA_MIN_ELEMENTS = 1 << 20


#: Backends that keep device='auto' on the CPU when named: 'numpy' exists only
#: there, and 'faiss' runs on CUDA only with faiss-gpu, which 'auto' never assumes.
CPU_ONLY_KNN_BACKENDS = ("faiss", "numpy")
CPU_ONLY_KERNEL_BACKENDS = ("numpy", "numba")


def pins_cpu(knn_backend: str = "auto", kernel_backend: str = "auto") -> bool:
    """Whether a backend asked for by name runs only on the CPU (then 'auto' keeps host input there)."""
    return knn_backend in CPU_ONLY_KNN_BACKENDS or kernel_backend in CPU_ONLY_KERNEL_BACKENDS


def resolve_device(
    device: str | torch.device, data_device: torch.device | None, work_elements: int = 0
) -> torch.device:
    """Turn the ``device`` parameter into a ``torch.device``.

    Parameters
    ----------
    device : str or torch.device
        ``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or a ``torch.device``.
    data_device : torch.device or None
        Device of a torch input (None for numpy/pandas/list input).
    work_elements : int
        Synthetic rows x features the call will make ('auto' with host input).

    Returns
    -------
    torch.device
        ``'auto'``: a torch input's own device (a CUDA tensor never leaves its
        GPU, a CPU tensor never goes to one); host input goes to the current
        CUDA device when one is available and ``work_elements >=
        AUTO_CUDA_MIN_ELEMENTS``, else stays on the CPU.

    Raises
    ------
    ValueError
        Unknown device string, CUDA requested without CUDA, or a device index
        that does not exist.
    """
    if isinstance(device, str) and device == "auto":
        if data_device is not None:
            return data_device
        if work_elements >= AUTO_CUDA_MIN_ELEMENTS and torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a device: use 'auto', 'cpu', 'cuda' or 'cuda:N'") from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} asks for CUDA, but torch sees no CUDA device "
                f"(torch {torch.__version__}); use device='cpu'"
            )
        index = resolved.index if resolved.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) present")
        resolved = torch.device("cuda", index)
    elif resolved.type != "cpu":
        raise ValueError(f"device={device!r}: torchsmote runs on 'cpu' or 'cuda' devices")
    return resolved


def resolve_knn_backend(name: str, device: torch.device) -> str:
    """Pick the exact k-NN backend.

    'auto' = 'torch' everywhere: on CPU its spatially pruned tiles beat faiss's
    flat index on W1 (0.21 s vs 0.42 s end to end) and W2 (4.7 s vs ~26 s, see
    bench/RESULTS.md), and on CUDA it needs no faiss-gpu. 'faiss' runs on CUDA
    only when the installed faiss is a GPU build (faiss-gpu); with faiss-cpu it
    is refused here, before any work.
    """
    if name not in KNN_BACKENDS:
        raise ValueError(f"knn_backend={name!r} is unknown; choose one of {KNN_BACKENDS}")
    if name == "auto":
        return "torch"
    if name == "faiss" and device.type != "cpu":
        from torchsmote.kernels.knn_faiss import faiss_device_problem

        problem = faiss_device_problem(device)
        if problem is not None:
            raise ValueError(problem)
    return name


#: With 'auto' on the CPU, calls making at least this many synthetic values
#: (rows x features) use the numba kernel. Its first use in a process costs
#: ~0.45 s (importing numba, loading the cached machine code) and ~100 MB of
#: resident memory; below 2**24 values the torch kernel takes < 50 ms anyway.
AUTO_NUMBA_MIN_ELEMENTS = 1 << 24


def resolve_kernel_backend(name: str, device: torch.device, work_elements: int | None = None) -> str:
    """Pick the interpolation kernel.

    Parameters
    ----------
    name : {'auto', 'numpy', 'torch', 'numba', 'triton'}
    device : torch.device
        The working device.
    work_elements : int, optional
        Synthetic values (rows x features) the call will make; None for
        open-ended use (streams, training loops).

    Returns
    -------
    str
        'auto' = Triton on CUDA when installed, else torch. On the CPU, the
        fused numba kernel when numba imports and ``work_elements`` is None
        or at least :data:`AUTO_NUMBA_MIN_ELEMENTS` (W1's generation: 31 ms
        against 77 ms for the torch kernel, see
        :mod:`torchsmote.kernels.interpolate_numba`), else torch. All give the
        same rows; 'numba' runs float32/float64 rows and hands float16/bfloat16
        to the torch kernel.
    """
    if name not in KERNEL_BACKENDS:
        raise ValueError(f"kernel_backend={name!r} is unknown; choose one of {KERNEL_BACKENDS}")
    from torchsmote.kernels.interpolate_triton import triton_usable
    from torchsmote.kernels.numba_launch import numba_available

    if name == "auto":
        if device.type == "cuda":
            return "triton" if triton_usable(device) else "torch"
        large = work_elements is None or work_elements >= AUTO_NUMBA_MIN_ELEMENTS
        return "numba" if large and numba_available() else "torch"
    if name == "triton" and not triton_usable(device):
        if device.type == "cuda":
            raise ValueError("kernel_backend='triton' needs triton: pip install 'torchsmote[gpu]'")
        raise ValueError(
            "kernel_backend='triton' on CPU tensors needs triton and TRITON_INTERPRET=1 "
            "(the interpreter, for testing); use 'torch' on CPU"
        )
    if name in ("numpy", "numba") and device.type != "cpu":
        kind = "is the CPU reference" if name == "numpy" else "runs on the CPU"
        raise ValueError(f"kernel_backend={name!r} {kind}; use 'torch' or 'triton' on CUDA")
    if name == "numba" and not numba_available():
        raise ValueError("kernel_backend='numba' needs numba, which does not import here: pip install numba")
    return name
