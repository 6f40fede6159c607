"""Step 4: the synthetic rows, one Ray task per slice of each class's stream.

Row ``i`` of class ``c`` is a pure function of ``(seed, c, i)`` (the counter
RNG), so the synthetic index range can be cut anywhere: a slice's task makes
rows ``[start, stop)`` of one class and nothing else, a retried task makes the
same rows again, and the union of the slices is exactly the single-machine
synthetic block whatever the number of slices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from torchsmote.backends import resolve_kernel_backend
from torchsmote.containers import read_only_tensor
from torchsmote.generation import generate_rows
from torchsmote.io._deps import require_pyarrow
from torchsmote.io.streaming import Plan, _synthetic_batch

from ._ray import maybe_fail_for_test

#: Target output bytes of one slice: half of Ray Data's 128 MiB target block,
#: so a slice is one block and a few of them in flight fit any worker.
SLICE_BYTES = 64 * 2**20


@dataclass(frozen=True)
class ClassSource:
    """What a slice task needs of one class, by reference into the object store.

    Attributes
    ----------
    position : int
        The class's position in the sorted classes (its RNG stream id).
    label : object
    count : int
        Synthetic rows to make.
    key : int
        Counter-RNG stream key.
    pool, graph : ray.ObjectRef
        The class's rows (n, d) and neighbour table (n, k).
    """

    position: int
    label: Any
    count: int
    key: int
    pool: Any
    graph: Any


def plan_slices(
    sources: list[ClassSource], n_features: int, itemsize: int, num_slices: int | None, workers: int
):
    """Cut each class's range into slices of equal size (the last of a class shorter).

    Parameters
    ----------
    sources : list of ClassSource
    n_features, itemsize : int
    num_slices : int or None
        Slices wanted in all; None: at least ``workers``, and enough that a
        slice's output stays near :data:`SLICE_BYTES`.
    workers : int
        CPUs (or GPUs) the generation can use at once.

    Returns
    -------
    list of dict
        ``{"source": index into sources, "start": int, "stop": int}``, in output order.
    """
    total = sum(source.count for source in sources)
    if total == 0:
        return []
    if num_slices is None:
        num_slices = max(workers, math.ceil(total * n_features * itemsize / SLICE_BYTES))
    slice_rows = max(1, math.ceil(total / max(1, num_slices)))
    return [
        {"source": i, "start": start, "stop": min(start + slice_rows, source.count)}
        for i, source in enumerate(sources)
        for start in range(0, source.count, slice_rows)
    ]


#: Device copies of pools and graphs in a GPU worker, by object id (the last few only).
_DEVICE_COPIES: dict[tuple[str, str], torch.Tensor] = {}
_MAX_DEVICE_COPIES = 4


def _tensor(ray, ref, device: torch.device) -> torch.Tensor:
    if device.type == "cpu":
        return read_only_tensor(ray.get(ref))  # zero copy from the object store
    key = (ref.hex(), str(device))
    if key not in _DEVICE_COPIES:
        while len(_DEVICE_COPIES) >= _MAX_DEVICE_COPIES:
            _DEVICE_COPIES.pop(next(iter(_DEVICE_COPIES)))
        _DEVICE_COPIES[key] = read_only_tensor(ray.get(ref)).to(device)
    return _DEVICE_COPIES[key]


def generate_slices(
    batch: dict,
    *,
    sources: list[ClassSource],
    layout: Plan,
    kernel_backend: str,
    device_kind: str,
    chunk_rows: int | None,
):
    """``map_batches`` function: each slice's rows, as an Arrow table of the output schema."""
    import ray

    pa = require_pyarrow()
    torch.set_num_threads(1)  # one CPU per task; Ray runs as many tasks as there are CPUs
    device = torch.device("cuda") if device_kind == "cuda" else torch.device("cpu")
    backend = resolve_kernel_backend(kernel_backend, device)
    label_type = layout.schema.field(layout.label).type
    tables = []
    for i, start, stop in zip(batch["source"], batch["start"], batch["stop"], strict=True):
        source = sources[int(i)]
        pool = _tensor(ray, source.pool, device)
        graph = _tensor(ray, source.graph, device)
        rows = np.empty((int(stop) - int(start), pool.shape[1]), dtype=layout.work_dtype)
        generate_rows(
            pool,
            graph,
            source.key,
            torch.from_numpy(rows),
            backend=backend,
            start=int(start),
            chunk_rows=chunk_rows,
        )
        labels = pa.array(np.full(rows.shape[0], source.label).astype(layout.classes.dtype)).cast(label_type)
        tables.append(pa.Table.from_batches([_synthetic_batch(pa, layout, rows, labels)]))
        maybe_fail_for_test()
    return pa.concat_tables(tables) if tables else layout.schema.empty_table()
