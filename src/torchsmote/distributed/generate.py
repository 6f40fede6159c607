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


class SliceGenerator:
    """Makes the rows of slices: a ``map_batches`` callable, as a task function or an actor.

    On CPUs each slice is a task (:func:`generate_slices`): the class rows and
    graph are read zero-copy from the node's object store. On GPUs it is an
    actor per GPU: Ray gives a GPU task a fresh process every time
    (``max_calls=1``), which would pay CUDA's start-up, the kernels' compilation
    and the upload of the class's rows and graph for every slice; an actor pays
    them once and keeps its device copies until the job ends.

    Parameters
    ----------
    sources : list of ClassSource
    layout : Plan
        Output columns, schema and working dtype.
    kernel_backend : str
        The sampler's ``kernel_backend``, resolved here for the worker's device.
    device_kind : {'cpu', 'cuda'}
    chunk_rows : int or None
        The sampler's ``chunk_size``.
    """

    def __init__(self, sources, layout: Plan, kernel_backend: str, device_kind: str, chunk_rows: int | None):
        self.sources = sources
        self.layout = layout
        self.device = torch.device("cuda") if device_kind == "cuda" else torch.device("cpu")
        self.backend = resolve_kernel_backend(
            kernel_backend, self.device, layout.n_synthetic * len(layout.features)
        )
        self.chunk_rows = chunk_rows
        self._tensors: dict[str, torch.Tensor] = {}  # device copies, by object id (GPU only)

    def _tensor(self, ref) -> torch.Tensor:
        import ray

        if self.device.type == "cpu":
            return read_only_tensor(ray.get(ref))  # zero copy from the object store
        key = ref.hex()
        if key not in self._tensors:
            self._tensors[key] = read_only_tensor(ray.get(ref)).to(self.device)
        return self._tensors[key]

    def __call__(self, batch: dict):
        """The slices in ``batch`` (``source``, ``start``, ``stop``): one Arrow table, output schema."""
        pa = require_pyarrow()
        layout = self.layout
        label_type = layout.schema.field(layout.label).type
        tables = []
        for i, start, stop in zip(batch["source"], batch["start"], batch["stop"], strict=True):
            source = self.sources[int(i)]
            pool, graph = self._tensor(source.pool), self._tensor(source.graph)
            rows = np.empty((int(stop) - int(start), pool.shape[1]), dtype=layout.work_dtype)
            out = torch.from_numpy(rows)
            generate_rows(
                pool,
                graph,
                source.key,
                out,
                backend=self.backend,
                start=int(start),
                chunk_rows=self.chunk_rows,
            )
            labels = pa.array(np.full(rows.shape[0], source.label).astype(layout.classes.dtype)).cast(
                label_type
            )
            tables.append(pa.Table.from_batches([_synthetic_batch(pa, layout, rows, labels)]))
            maybe_fail_for_test()
        return pa.concat_tables(tables) if tables else layout.schema.empty_table()


def generate_slices(batch: dict, **params):
    """``map_batches`` task function: :class:`SliceGenerator` for one batch of slices, on one CPU."""
    torch.set_num_threads(1)  # one CPU per task; Ray runs as many tasks as there are CPUs
    return SliceGenerator(**params)(batch)
