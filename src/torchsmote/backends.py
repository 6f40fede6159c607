"""Choosing devices and backends: every ``'auto'`` is resolved here, at call time.

No global switches: the library never changes torch/faiss settings on import,
and each call resolves its own device and backends from its arguments.
"""

from __future__ import annotations

import torch

KNN_BACKENDS = ("auto", "numpy", "faiss", "torch")
KERNEL_BACKENDS = ("auto", "numpy", "torch", "triton")


#: With 'auto', host (numpy/pandas/list) input moves to CUDA when the synthetic
#: output has at least this many elements: 1M float32 values cost ~0.2 ms of
#: PCIe transfer each way, far below what the CPU path spends on them.
AUTO_CUDA_MIN_ELEMENTS = 1 << 20


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
    bench/RESULTS.md), and on CUDA it needs no faiss-gpu. 'faiss' is CPU only.
    """
    if name not in KNN_BACKENDS:
        raise ValueError(f"knn_backend={name!r} is unknown; choose one of {KNN_BACKENDS}")
    if name == "auto":
        return "torch"
    if name == "faiss" and device.type != "cpu":
        raise ValueError("knn_backend='faiss' runs on CPU (faiss-cpu); use 'torch' or 'auto' on CUDA")
    return name


def resolve_kernel_backend(name: str, device: torch.device) -> str:
    """Pick the interpolation kernel: Triton on CUDA when installed, else torch."""
    if name not in KERNEL_BACKENDS:
        raise ValueError(f"kernel_backend={name!r} is unknown; choose one of {KERNEL_BACKENDS}")
    from torchsmote.kernels.interpolate_triton import triton_usable

    if name == "auto":
        return "triton" if device.type == "cuda" and triton_usable(device) else "torch"
    if name == "triton" and not triton_usable(device):
        if device.type == "cuda":
            raise ValueError("kernel_backend='triton' needs triton: pip install 'torchsmote[gpu]'")
        raise ValueError(
            "kernel_backend='triton' on CPU tensors needs triton and TRITON_INTERPRET=1 "
            "(the interpreter, for testing); use 'torch' on CPU"
        )
    if name == "numpy" and device.type != "cpu":
        raise ValueError("kernel_backend='numpy' is the CPU reference; use 'torch' or 'triton' on CUDA")
    return name
