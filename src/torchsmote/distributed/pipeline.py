"""The five steps wired together: ``resample`` and ``resample_with_report``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from numbers import Integral

import torch

from torchsmote.backends import pins_cpu, resolve_kernel_backend, resolve_knn_backend
from torchsmote.io.streaming import Plan
from torchsmote.kernels.counter_rng import stream_key
from torchsmote.validation import check_int

from ._ray import require_ray, unwrap_task_error
from .gather import check_fits_one_node, driver_available_memory, gather_class_rows, largest_object_store
from .generate import ClassSource, SliceGenerator, generate_slices, plan_slices
from .graph import class_graphs
from .plan import decoded_labels, plan_dataset


@dataclass
class DistributedReport:
    """What :func:`resample_with_report` planned and where it ran.

    Attributes
    ----------
    plan : torchsmote.io.Plan
        Columns, classes, counts before and rows made per class.
    device : {'cpu', 'cuda'}
        Where the k-NN graphs and the synthetic rows are computed.
    seed : int
        Counter-RNG seed (the sampler's ``random_state``, drawn once when None).
    n_slices : int
        Generation tasks.
    cluster : dict
        The Ray cluster's resources when the plan was made (CPU, GPU, nodes).
    seconds : dict
        Driver-side phases: ``'count'``, ``'gather'``, ``'graph'`` (generation
        runs lazily, when the returned dataset is consumed).
    """

    plan: Plan
    device: str
    seed: int
    n_slices: int
    cluster: dict
    seconds: dict = field(default_factory=dict)


def _check_sampler(sampler):
    from torchsmote import SMOTE

    if not isinstance(sampler, SMOTE):
        raise TypeError(
            f"torchsmote.distributed.resample runs torchsmote.SMOTE (its rows form a counter-RNG "
            f"stream that tasks can split); got {type(sampler).__module__}.{type(sampler).__name__}"
        )
    sampler._validate_params()  # the errors fit_resample would raise, before any work


def _device_kind(sampler, cluster_gpus: float) -> str:
    """'cuda' or 'cpu' for the graph and generation tasks, from the sampler's ``device``."""
    cpu_only = pins_cpu(sampler.knn_backend, sampler.kernel_backend)
    device = sampler.device
    if isinstance(device, str) and device == "auto":
        return "cuda" if cluster_gpus >= 1 and not cpu_only else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a device: use 'auto', 'cpu', 'cuda' or 'cuda:N'") from exc
    if kind == "cuda" and cluster_gpus < 1:
        raise ValueError(f"device={device!r} asks for CUDA, but the Ray cluster has no GPU; use device='cpu'")
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"device={device!r}: torchsmote runs on 'cpu' or 'cuda' devices")
    return kind


def _check_backends(sampler, kind: str) -> None:
    """The backend errors the workers would raise, raised here before any work.

    On CPU workers the driver's answer is theirs (same packages); for GPU
    workers only what needs no GPU is checked (names, CPU-only backends).
    """
    device = torch.device(kind)
    resolve_knn_backend(sampler.knn_backend, device)
    if kind == "cpu":
        resolve_kernel_backend(sampler.kernel_backend, device)
    elif sampler.kernel_backend in ("numpy", "numba"):
        resolve_kernel_backend(sampler.kernel_backend, torch.device("cuda"))


def _largest_node_cpus(ray) -> int:
    cpus = [int(node["Resources"].get("CPU", 0)) for node in ray.nodes() if node.get("Alive")]
    return max(1, max(cpus, default=1))


def _decode_label(table, *, label: str, value_type):
    """Dictionary-encoded labels as plain values, so originals and synthetic rows share one schema."""
    import pyarrow as pa

    if not pa.types.is_dictionary(table.schema.field(label).type):
        return table
    position = table.schema.get_field_index(label)
    return table.set_column(
        position, label, pa.array(decoded_labels(pa, table.column(label)), type=value_type)
    )


def _generation_compute(kind: str) -> str:
    """``'actors'`` (one per GPU, keeping its device copies) on CUDA, ``'tasks'`` on CPUs."""
    return "actors" if kind == "cuda" else "tasks"


def _synthetic_dataset(
    ray, plan: Plan, sources: list[ClassSource], sampler, kind: str, workers: int, num_slices
):
    """The lazy dataset of the synthetic rows: one ``map_batches`` call per slice."""
    slices = plan_slices(sources, len(plan.features), plan.work_dtype.itemsize, num_slices, workers)
    layout = replace(plan, method=None, steps=None)  # what the workers need, without the registry entry
    if not slices:  # nothing to make (e.g. balanced classes): an empty table of the output schema
        return ray.data.from_arrow(layout.schema.empty_table()), 0
    params = {
        "sources": sources,
        "layout": layout,
        "kernel_backend": sampler.kernel_backend,
        "device_kind": kind,
        "chunk_rows": sampler.chunk_size,
    }
    items = ray.data.from_items(slices, override_num_blocks=len(slices))
    resources = {"num_gpus": 1} if kind == "cuda" else {"num_cpus": 1}
    if _generation_compute(kind) == "actors":
        dataset = items.map_batches(
            SliceGenerator,
            fn_constructor_kwargs=params,
            concurrency=min(workers, len(slices)),
            batch_format="numpy",
            batch_size=1,
            **resources,
        )
    else:
        dataset = items.map_batches(
            generate_slices, fn_kwargs=params, batch_format="numpy", batch_size=1, **resources
        )
    return dataset, len(slices)


def resample_with_report(
    ds,
    *,
    label: str,
    sampler,
    features: list[str] | None = None,
    num_slices: int | None = None,
    max_class_bytes: int | None = None,
    synthetic_only: bool = False,
    plan_only: bool = False,
):
    """:func:`resample`, also returning a :class:`DistributedReport` (for the command line).

    ``plan_only=True`` stops after the count pass and its checks (a dry run):
    the dataset returned is then None.
    """
    _check_sampler(sampler)
    num_slices = None if num_slices is None else check_int(num_slices, "num_slices", 1)
    max_class_bytes = None if max_class_bytes is None else check_int(max_class_bytes, "max_class_bytes", 1)
    k_neighbors = sampler.k_neighbors
    k_neighbors = int(k_neighbors) if isinstance(k_neighbors, Integral) else k_neighbors
    ray = require_ray()
    cluster = ray.cluster_resources()
    kind = _device_kind(sampler, cluster.get("GPU", 0))
    _check_backends(sampler, kind)
    seconds = {}
    tic = time.perf_counter()
    plan, label_is_dictionary = plan_dataset(
        ds,
        label=label,
        features=features,
        sampling_strategy=sampler.sampling_strategy,
        check_class=sampler._check_class_size,
    )
    seconds["count"] = time.perf_counter() - tic
    alive = sum(1 for node in ray.nodes() if node.get("Alive"))
    cluster_info = {"CPU": cluster.get("CPU", 0), "GPU": cluster.get("GPU", 0), "nodes": alive}
    if plan_only:
        return None, DistributedReport(plan, kind, sampler._seed(), 0, cluster_info, seconds)
    node_bytes = largest_object_store(ray) if max_class_bytes is None else max_class_bytes
    check_fits_one_node(plan, k_neighbors, node_bytes=node_bytes, driver_bytes=driver_available_memory())
    seed = sampler._seed()
    tic = time.perf_counter()
    pool_refs = gather_class_rows(ds, plan, store=ray.put)
    seconds["gather"] = time.perf_counter() - tic
    tic = time.perf_counter()
    try:
        # The classes' graph tasks share the largest node's CPUs and run side by side.
        threads = max(1, _largest_node_cpus(ray) // max(1, len(pool_refs)))
        graph_refs = class_graphs(ray, pool_refs, k_neighbors, sampler.knn_backend, kind, threads)
    except ray.exceptions.RayTaskError as error:
        raise unwrap_task_error(ray, error) from None
    seconds["graph"] = time.perf_counter() - tic
    sources = [
        ClassSource(index, label_value, count, stream_key(seed, index), pool_refs[index], graph_refs[index])
        for index, label_value, count in plan.oversampled()
    ]
    workers = int(cluster.get("GPU", 0)) if kind == "cuda" else int(cluster.get("CPU", 1))
    synthetic, n_slices = _synthetic_dataset(ray, plan, sources, sampler, kind, workers, num_slices)
    report = DistributedReport(
        plan=plan,
        device=kind,
        seed=seed,
        n_slices=n_slices,
        cluster=cluster_info,
        seconds=seconds,
    )
    if synthetic_only:
        return synthetic, report
    originals = ds.select_columns(plan.columns)
    if label_is_dictionary:
        originals = originals.map_batches(
            _decode_label,
            batch_format="pyarrow",
            batch_size=None,
            fn_kwargs={"label": label, "value_type": plan.schema.field(label).type},
        )
    return originals.union(synthetic), report


def resample(
    ds,
    *,
    label: str,
    sampler,
    features: list[str] | None = None,
    num_slices: int | None = None,
    max_class_bytes: int | None = None,
    synthetic_only: bool = False,
):
    """Over-sample a Ray Dataset with SMOTE; the rows equal a single-machine ``fit_resample``.

    For the same ``random_state``, the multiset of output rows equals the rows
    of ``sampler.fit_resample(X, y)`` on one machine, where ``X`` and ``y`` are
    the dataset's feature and label columns in the dataset's order (the order
    ``ds.to_pandas()`` gives with ``preserve_order=True``; for Parquet files,
    file order then row order). Original rows pass through untouched.

    Parameters
    ----------
    ds : ray.data.Dataset
        Numeric feature columns and a label column, no missing or non-finite values.
    label : str
        The label column.
    sampler : torchsmote.SMOTE
        Its ``sampling_strategy`` (not a callable: that needs every label on one
        machine), ``k_neighbors``, ``random_state``, ``device``, ``knn_backend``,
        ``kernel_backend`` and ``chunk_size`` are used; it is not fitted or changed.
        ``device='auto'`` uses GPUs when the cluster has them; ``'cuda'``
        requires them (each task uses the GPU Ray gives it).
    features : list of str, optional
        Feature columns (default: every column but the label). Other columns are
        not in the output.
    num_slices : int, optional
        Generation slices wanted (default: one per CPU, or per GPU, of the
        cluster, more when a slice would exceed ~64 MiB of output). Each class's
        range is cut into slices of ``ceil(n_synthetic / num_slices)`` rows, so
        a class's last, shorter slice can add one. Never changes the rows.
    max_class_bytes : int, optional
        Largest class (rows plus neighbour table) to gather; default: the
        largest object store of the cluster's nodes.
    synthetic_only : bool, default=False
        Return only the synthetic rows.

    Returns
    -------
    ray.data.Dataset
        The feature and label columns, original rows first, then the synthetic
        rows class by class (the order holds where the consumer preserves it).
        Counting, gathering and the k-NN graphs run before this returns; the
        synthetic rows are made when the dataset is consumed.

    Raises
    ------
    TypeError
        ``sampler`` is not a :class:`torchsmote.SMOTE`.
    ValueError
        Bad parameters, columns or values (naming the column and row), a class
        too small for ``k_neighbors``, a class too large for one node (naming
        its size), CUDA asked for on a cluster without GPUs.
    ImportError
        Ray Data is not installed.
    """
    dataset, _ = resample_with_report(
        ds,
        label=label,
        sampler=sampler,
        features=features,
        num_slices=num_slices,
        max_class_bytes=max_class_bytes,
        synthetic_only=synthetic_only,
    )
    return dataset
