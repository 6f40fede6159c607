"""Plumbing shared by the SMOTE-family over-samplers (no maths): working device,
backends, class rows and provenance assembly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from torchsmote.backends import pins_cpu, resolve_device, resolve_kernel_backend, resolve_knn_backend
from torchsmote.base import working_tensor
from torchsmote.sampling_strategy import label_repr

from .smote import Provenance


@dataclass
class Work:
    """Everything a family sampler computes with, resolved once per call."""

    x: torch.Tensor  # all rows on the working device
    codes: torch.Tensor  # label code per row, same device
    device: torch.device
    knn_backend: str
    kernel_backend: str  # 'numpy' (reference) or 'torch'/'triton' (fast path)
    seed: int

    def class_rows(self, position: int) -> torch.Tensor:
        return (self.codes == position).nonzero().squeeze(1)


def prepare_work(sampler, features, labels, n_new: int, seed: int, *, interpolates: bool = True) -> Work:
    """Resolve device and backends for ``n_new`` synthetic rows, as SMOTE does.

    ``interpolates=False`` for samplers whose rows do not come from
    :func:`torchsmote.generation.generate_rows` (their own kernels): 'auto'
    then never loads the numba kernels for them.
    """
    data_device = features.device if isinstance(features, torch.Tensor) else None
    cpu_only = pins_cpu(sampler.knn_backend, sampler.kernel_backend)
    device = resolve_device(sampler.device, data_device, 0 if cpu_only else n_new * features.shape[1])
    knn_backend = resolve_knn_backend(sampler.knn_backend, device)
    generated = n_new * features.shape[1] if interpolates else 0
    kernel_backend = resolve_kernel_backend(sampler.kernel_backend, device, generated)
    if kernel_backend == "numpy" and features.dtype == torch.bfloat16:
        raise ValueError("kernel_backend='numpy' does not handle bfloat16; use 'torch'")
    x = working_tensor(features, device)
    return Work(x, labels.codes(device).to(device), device, knn_backend, kernel_backend, seed)


def classes_to_sample(labels, sampling_strategy: dict) -> list[tuple[int, object, int]]:
    """``(position, label, count)`` of every class with rows to generate, in sorted class order."""
    planned = [(p, label, sampling_strategy.get(label, 0)) for p, label in enumerate(labels.classes)]
    return [entry for entry in planned if entry[2] > 0]


def check_rows(name: str, label, n_rows: int, k: int, what: str) -> None:
    """Refuse a class (or the whole X) too small for ``k`` neighbours, naming it."""
    if n_rows < k + 1:
        subject = "X" if label is None else f"class {label_repr(label)}"
        raise ValueError(
            f"{subject} has {n_rows} row(s); {name} with {what}={k} needs at least {k + 1} "
            f"(lower {what}, or leave that class out of sampling_strategy)"
        )


def join_provenance(parts: list) -> Provenance:
    """Concatenate per-class (base, neighbor, gap) tensors/arrays into one Provenance."""
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return Provenance(empty, empty.copy(), np.empty(0, dtype=np.float64))
    host = [[np.asarray(p.cpu() if isinstance(p, torch.Tensor) else p) for p in part] for part in parts]
    return Provenance(
        np.concatenate([h[0] for h in host]).astype(np.int64),
        np.concatenate([h[1] for h in host]).astype(np.int64),
        np.concatenate([h[2] for h in host]).astype(np.float64),
    )
