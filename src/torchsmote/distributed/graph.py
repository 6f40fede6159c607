"""Step 3: each class's exact k-NN graph, computed once in a Ray task.

The task runs on a GPU when the plan says so (the fused Triton shortlist and
float64 re-rank of :mod:`torchsmote.kernels.knn_triton`; no faiss needed),
else on a share of the largest node's CPUs (the classes' tasks side by
side). Rows and graph stay in the object store, where the generation tasks
read them: the driver never holds a graph.
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch

from torchsmote.backends import resolve_knn_backend
from torchsmote.containers import read_only_tensor
from torchsmote.neighbors import class_neighbors, neighbors_from_estimator


def class_graph(pool: np.ndarray, k_neighbors, knn_backend: str, device_kind: str, threads: int):
    """Ray task body: the neighbour table of one class.

    Parameters
    ----------
    pool : ndarray of shape (n, d)
        The class's rows (read-only, from the object store).
    k_neighbors : int or object
        As :class:`torchsmote.SMOTE`'s.
    knn_backend : str
        The sampler's ``knn_backend`` (resolved here, for the task's device).
    device_kind : {'cpu', 'cuda'}
    threads : int
        CPU threads the task was given.

    Returns
    -------
    graph : ndarray of shape (n, k), int64
        Rows of ``pool``, nearest first, ties toward the smaller index: the
        table :class:`torchsmote.SMOTE` computes on one machine.
    shape : tuple of int
        ``graph.shape`` (a small second return the driver waits on).
    """
    torch.set_num_threads(max(1, threads))
    device = torch.device("cuda") if device_kind == "cuda" else torch.device("cpu")
    rows = read_only_tensor(pool).to(device)
    if isinstance(k_neighbors, int):
        graph = class_neighbors(rows, k_neighbors, resolve_knn_backend(knn_backend, device))
    else:
        graph = neighbors_from_estimator(k_neighbors, rows)
    graph = graph.cpu().numpy()
    return graph, graph.shape


def class_graphs(ray, pool_refs: dict, k_neighbors, knn_backend: str, device_kind: str, threads: int) -> dict:
    """Start one graph task per class and wait for all of them.

    Parameters
    ----------
    ray : module
    pool_refs : dict
        ``{class position: ObjectRef of its rows}``.
    k_neighbors, knn_backend, device_kind
        As :func:`class_graph`.
    threads : int
        CPUs per task on CPU nodes (the tasks of several classes share a node).

    Returns
    -------
    dict
        ``{class position: ObjectRef of the graph}``.

    Raises
    ------
    ray.exceptions.RayTaskError
        The first task that failed; the others are cancelled.
    """
    if device_kind == "cuda":
        # A GPU task's worker would otherwise stay alive holding its CUDA context
        # and torch's cached memory, on the GPU the generation actors need next.
        options = {"num_gpus": 1, "num_cpus": 1, "max_calls": 1}
        threads = 1
    else:
        options = {"num_cpus": threads}
    task = ray.remote(class_graph).options(num_returns=2, **options)
    started = {
        index: task.remote(ref, k_neighbors, knn_backend, device_kind, threads)
        for index, ref in pool_refs.items()
    }
    try:
        ray.get([shape for _, shape in started.values()])
    except Exception:
        for graph, shape in started.values():
            ray.cancel(shape)
            with contextlib.suppress(Exception):  # fetch the failed pairs: no "unhandled error" logs
                ray.get(graph, timeout=0)
        raise
    return {index: graph for index, (graph, _) in started.items()}
