"""Step 2: bring each over-sampled class's rows to the driver, in dataset order.

A class's rows are its k-NN pool and the counter RNG picks base rows by their
position in it, so the pool must be exactly the class's rows in the order a
single machine would see them (the dataset's block order). Before anything
moves, every class is checked against the memory of one node: a class larger
than a node cannot be resampled exactly, and the error says so with the sizes.
"""

from __future__ import annotations

import numpy as np

from torchsmote.io._deps import require_pyarrow
from torchsmote.io.streaming import Plan, _matrix
from torchsmote.sampling_strategy import label_repr

from ._ray import dataset_order
from .plan import decoded_labels

#: Column of the gather pass's output holding the row's class position.
CLASS_COLUMN = "__torchsmote_class__"

#: Neighbours assumed per row for an estimator without ``n_neighbors``.
_DEFAULT_K = 5


def _gib(n_bytes: int) -> str:
    return f"{n_bytes / 2**30:,.2f} GiB"


def largest_object_store(ray) -> int:
    """Bytes of the largest object store among the cluster's alive nodes."""
    stores = [
        int(node["Resources"].get("object_store_memory", 0)) for node in ray.nodes() if node.get("Alive")
    ]
    return max(stores, default=0)


def driver_available_memory() -> int | None:
    """Bytes of memory the driver's machine can still hand out (None when unknown)."""
    try:
        import psutil  # a dependency of Ray
    except ImportError:
        return None
    return int(psutil.virtual_memory().available)


def check_fits_one_node(plan: Plan, k_neighbors, *, node_bytes: int, driver_bytes: int | None) -> None:
    """Refuse, before any row moves, a class whose rows and graph exceed one node.

    Parameters
    ----------
    plan : Plan
    k_neighbors : int or object
        Sets the graph's width (an estimator's ``n_neighbors`` - 1, else 5).
    node_bytes : int
        What one class may take: its rows and its int64 neighbour table live in
        one object store, and one task holds both.
    driver_bytes : int or None
        The driver's free memory: the gathered pieces of every class, the
        object-store copies made from them and one class being joined are
        there at once (about twice the classes, plus the largest).

    Raises
    ------
    ValueError
        Naming the class, its rows and features, and both sizes.
    """
    d = len(plan.features)
    itemsize = plan.work_dtype.itemsize
    # An estimator's n_neighbors counts the row itself.
    k = (
        k_neighbors
        if isinstance(k_neighbors, int)
        else getattr(k_neighbors, "n_neighbors", _DEFAULT_K + 1) - 1
    )
    total = largest = 0
    for index, label, _ in plan.oversampled():
        n = int(plan.counts[index])
        rows_bytes = n * d * itemsize
        graph_bytes = n * k * 8
        total += rows_bytes
        largest = max(largest, rows_bytes)
        if rows_bytes + graph_bytes > node_bytes:
            raise ValueError(
                f"class {label_repr(label)} has {n:,} rows x {d} {plan.work_dtype} features "
                f"({_gib(rows_bytes)}, {_gib(rows_bytes + graph_bytes)} with its k={k} neighbour table); "
                f"a class's rows and graph must fit one node, and the limit here is {_gib(node_bytes)} "
                "(the largest object store, or max_class_bytes): resample a subset of that class, use "
                "fewer features, or give the nodes more object store memory"
            )
    if driver_bytes is not None and 2 * total + largest > driver_bytes:
        raise ValueError(
            f"the classes to over-sample hold {_gib(total)} of rows; gathering them on the driver "
            f"takes about {_gib(2 * total + largest)} (pieces, object-store copies, one class being "
            f"joined), but it has {_gib(driver_bytes)} free: run the driver on a larger node"
        )


def select_class_rows(table, *, label: str, features: list[str], wanted: list, positions: list[int], dtype):
    """``map_batches`` function of the gather pass: the block's rows of the wanted classes.

    Returns a table of the features (in ``dtype``) and :data:`CLASS_COLUMN`
    (each row's class position), rows in block order.
    """
    pa = require_pyarrow()
    y = decoded_labels(pa, table.column(label))
    which = np.full(y.shape[0], -1, dtype=np.int32)
    for value, position in zip(wanted, positions, strict=True):
        which[y == value] = position
    keep = which >= 0
    kept = table.filter(pa.array(keep))
    matrix = _matrix(kept, features, np.dtype(dtype))
    columns = {name: matrix[:, j] for j, name in enumerate(features)}
    columns[CLASS_COLUMN] = which[keep]
    return pa.table(columns)


def gather_class_rows(ds, plan: Plan, store=lambda pool: pool) -> dict:
    """Every over-sampled class's rows, as the estimator would see them.

    Parameters
    ----------
    ds : ray.data.Dataset
    plan : Plan
    store : callable, optional
        Called with each class's joined rows as soon as they are complete
        (``ray.put``: the driver then holds one joined class at a time).

    Returns
    -------
    dict
        ``{class position: store(ndarray of shape (n_class, d))}``, the rows in
        ``plan.work_dtype`` and in dataset order.
    """
    targets = plan.oversampled()
    parts: dict[int, list[np.ndarray]] = {index: [] for index, _, _ in targets}
    d = len(plan.features)
    with dataset_order(ds):
        selected = ds.map_batches(
            select_class_rows,
            batch_format="pyarrow",
            batch_size=None,
            fn_kwargs={
                "label": plan.label,
                "features": plan.features,
                "wanted": [label for _, label, _ in targets],
                "positions": [index for index, _, _ in targets],
                "dtype": plan.work_dtype.str,
            },
        )
        for batch in selected.iter_batches(batch_format="pyarrow", batch_size=None):
            which = batch.column(CLASS_COLUMN).to_numpy()
            matrix = _matrix(batch, plan.features, plan.work_dtype)
            for index in np.unique(which).tolist():
                parts[index].append(matrix[which == index])
    pools = {}
    for index, label, _ in targets:
        chunks = parts.pop(index)
        pool = np.concatenate(chunks) if chunks else np.empty((0, d), plan.work_dtype)
        if pool.shape[0] != plan.counts[index]:
            raise ValueError(
                f"class {label_repr(label)} had {int(plan.counts[index]):,} rows when counted and "
                f"{pool.shape[0]:,} when gathered: the dataset changed between the two passes"
            )
        pools[index] = store(np.ascontiguousarray(pool))
        del chunks, pool
    return pools
