"""Step 1: count the classes of a Ray Dataset, check its values and resolve the plan.

One ``map_batches`` pass summarises each block (class counts, its Arrow
schema, the first missing or non-finite value); the driver merges the
summaries in block order, so a bad value is reported with its row number in
the dataset, and resolves the sampling strategy from the global counts exactly
as :class:`torchsmote.SMOTE` does from ``y``.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import numpy as np

from torchsmote.io._deps import require_pyarrow
from torchsmote.io.methods import METHODS
from torchsmote.io.streaming import (
    Plan,
    _is_numeric,
    _match_strategy_keys,
    _work_dtype,
    check_oversampled_classes,
    feature_names,
    kept_columns,
)
from torchsmote.sampling_strategy import resolve_sampling_strategy
from torchsmote.validation import check_labels, class_counts, merge_class_counts

from ._ray import dataset_order


@dataclass
class BlockSummary:
    """What the count pass learns from one block.

    Attributes
    ----------
    n_rows : int
    classes, counts : ndarray
        The block's sorted labels and their counts.
    schema : pyarrow.Schema or None
        The block's label and feature columns (None for an empty block).
    problem : tuple of (int, str) or None
        ``(row within the block, message with a {row} placeholder)`` of the
        first bad value.
    """

    n_rows: int
    classes: np.ndarray
    counts: np.ndarray
    schema: object
    problem: tuple[int, str] | None


def decoded_labels(pa, column) -> np.ndarray:
    """A label column (Arrow, possibly chunked or dictionary-encoded) as numpy."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return np.asarray(column.to_numpy(zero_copy_only=False))


def first_problem(pa, table, label: str, features: list[str]) -> tuple[int, str] | None:
    """The earliest missing label, missing feature or non-finite float feature in ``table``."""
    found: list[tuple[int, str]] = []
    column = table.column(label)
    if column.null_count:
        row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        found.append((row, f"label column {label!r} has a missing value at row {{row}}"))
    for name in features:
        column = table.column(name)
        if column.null_count:
            row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            # pandas' NaN becomes an Arrow null on the way into Ray Data, so say both.
            what = "missing value (null or NaN)" if pa.types.is_floating(column.type) else "missing value"
            found.append((row, f"feature column {name!r} has a {what} at row {{row}}; SMOTE needs numbers"))
            continue
        if pa.types.is_floating(column.type):
            values = column.to_numpy()
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                row = int(bad[0])
                what = "a NaN" if np.isnan(values[row]) else "an infinite"
                message = f"feature column {name!r} has {what} value at row {{row}}"
                found.append((row, message + "; SMOTE needs finite values"))
    return min(found) if found else None


def summarize_block(table, *, label: str, features: list[str]):
    """``map_batches`` function of the count pass: one row holding a pickled :class:`BlockSummary`."""
    pa = require_pyarrow()
    if table.num_rows == 0:
        summary = BlockSummary(0, np.empty(0), np.empty(0, np.int64), None, None)
        return pa.table({"summary": [pickle.dumps(summary)]})
    wanted = set(features)
    table = table.select([name for name in table.column_names if name == label or name in wanted])
    numeric = [name for name in features if _is_numeric(pa, table.schema.field(name).type)]
    problem = first_problem(pa, table, label, numeric)
    classes, counts = np.empty(0), np.empty(0, np.int64)
    if problem is None or table.column(label).null_count == 0:
        try:
            classes, counts = class_counts(check_labels(decoded_labels(pa, table.column(label))))
        except ValueError as error:
            problem = (0, f"label column {label!r}: {error} (in the block starting at row {{row}})")
    summary = BlockSummary(table.num_rows, classes, counts, table.schema, problem)
    return pa.table({"summary": [pickle.dumps(summary)]})


def _common_schema(pa, summaries: list[BlockSummary], label: str):
    """The blocks' shared schema, the label dictionary-decoded; refuses blocks that disagree."""
    schemas = [s.schema for s in summaries if s.schema is not None]
    if not schemas:
        raise ValueError("the dataset has no rows")
    fields = []
    for field in schemas[0]:
        if field.name == label and pa.types.is_dictionary(field.type):
            field = field.with_type(field.type.value_type)
        fields.append(field)
    first = pa.schema(fields)
    for schema in schemas[1:]:
        for field in first:
            other = schema.field(field.name).type
            if pa.types.is_dictionary(other) and field.name == label:
                other = other.value_type
            if other != field.type:
                raise ValueError(
                    f"column {field.name!r} has type {field.type} in one block and {other} in another; "
                    "cast it to one type first (e.g. read the files with one schema)"
                )
    return first


def plan_dataset(
    ds, *, label: str, features: list[str] | None, sampling_strategy, check_class
) -> tuple[Plan, bool]:
    """Count pass and plan: columns, classes, rows to make per class.

    Parameters
    ----------
    ds : ray.data.Dataset
    label : str
    features : list of str or None
        Feature columns (default: every column but the label), all numeric.
    sampling_strategy
        The sampler's ``sampling_strategy`` (a callable is refused: it needs ``y``).
    check_class : callable
        ``check_class(label, n_rows)`` raises for a class too small to
        over-sample (the sampler's own check, e.g. ``SMOTE._check_class_size``).

    Returns
    -------
    plan : torchsmote.io.Plan
        With ``source=None``; ``classes``, ``counts`` and ``to_generate`` as
        :class:`torchsmote.SMOTE` resolves them from the whole ``y``; its
        schema holds the label's value type.
    label_is_dictionary : bool
        Whether the dataset's label column is dictionary-encoded (a pandas
        category): the original rows are then decoded to the plan's schema.

    Raises
    ------
    ValueError
        Missing columns, non-numeric features, an empty dataset, missing or
        non-finite values (naming the column and the row), bad labels, a strategy
        that does not fit the classes, a class too small for ``k_neighbors``.
    """
    pa = require_pyarrow()
    if callable(sampling_strategy) and not isinstance(sampling_strategy, dict):
        raise ValueError(
            "a callable sampling_strategy needs every label on one machine; pass a dict "
            "{class: rows after resampling} instead"
        )
    try:
        schema = ds.schema()
    except pa.ArrowException as exc:  # Arrow's own error when blocks disagree (category and plain labels)
        raise ValueError(
            f"cannot read the dataset's schema ({type(exc).__name__}: {exc}); its blocks may hold "
            "different column types: cast them to one type first"
        ) from exc
    if schema is None:
        raise ValueError("the dataset has no rows (and no schema)")
    features = feature_names(list(schema.names), label, features, where="the dataset")
    with dataset_order(ds):
        rows = ds.map_batches(
            summarize_block,
            batch_format="pyarrow",
            batch_size=None,
            zero_copy_batch=True,
            fn_kwargs={"label": label, "features": features},
        ).take_all()
    summaries: list[BlockSummary] = [pickle.loads(row["summary"]) for row in rows]
    offset = 0
    for summary in summaries:
        if summary.problem is not None:
            row, message = summary.problem
            raise ValueError(message.format(row=offset + row))
        offset += summary.n_rows
    if offset == 0:
        raise ValueError("the dataset has no rows")
    table_schema = _common_schema(pa, summaries, label)
    odd = [name for name in features if not _is_numeric(pa, table_schema.field(name).type)]
    if odd:
        name = odd[0]
        raise ValueError(
            f"feature column {name!r} has type {table_schema.field(name).type}; SMOTE needs numeric "
            "features: leave it out with features=[...] or encode it first"
        )
    classes, counts = merge_class_counts([(s.classes, s.counts) for s in summaries if s.n_rows])
    strategy = _match_strategy_keys(sampling_strategy, classes)
    to_generate = resolve_sampling_strategy(strategy, classes, counts)
    check_oversampled_classes(classes, counts, to_generate, check_class)
    columns = kept_columns(table_schema.names, features, label)
    dictionary = any(
        s.schema is not None and pa.types.is_dictionary(s.schema.field(label).type) for s in summaries
    )
    plan = Plan(
        source=None,
        label=label,
        features=features,
        columns=columns,
        classes=classes,
        counts=counts,
        to_generate=to_generate,
        work_dtype=_work_dtype(pa, table_schema, features),
        schema=pa.schema([table_schema.field(name) for name in columns]),
        method=METHODS["smote"],
        strategy=strategy,
        targets=to_generate,
    )
    return plan, dictionary
