"""Resampling a file without holding it in memory.

Two passes over the input and one over the synthetic rows:

1. **plan**: read the label column only, count the classes, resolve the
   sampling strategy and check every class before anything is written;
2. **gather**: stream the feature and label columns batch by batch; each batch
   is checked (missing and non-finite values) and handed to the writer, and only
   the rows of the classes being over-sampled are kept;
3. **generate**: per over-sampled class, its k-NN graph, then its synthetic rows
   in chunks of ``chunk_rows``, each chunk written before the next is made.

Memory therefore grows with the over-sampled classes (rows and neighbour
tables) and with ``chunk_rows``, never with the majority rows or the number of
synthetic rows. The rows are the ones :class:`torchsmote.SMOTE` makes on the
whole data with the same seed: class ``c``'s stream key is
``stream_key(seed, index of c among the sorted labels)`` and the counter RNG
makes row ``i`` of a stream the same whichever chunk it is generated in. The
output order is the estimator's: original rows in input order, then synthetic
rows class by class in sorted label order.

Only a method with per-class steps (``smote``, see :data:`METHODS`) streams;
:func:`resample_file` hands the others to :mod:`torchsmote.io.in_memory`,
after the same plan pass.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from torchsmote.backends import pins_cpu, resolve_device, resolve_kernel_backend, resolve_knn_backend
from torchsmote.kernels.counter_rng import stream_key
from torchsmote.memory import release_freed_host_memory
from torchsmote.sampling_strategy import label_repr, resolve_sampling_strategy
from torchsmote.validation import check_labels, class_counts, merge_class_counts

from ._deps import require_pyarrow
from .formats import OptionError, TableSource, detect_format, open_source
from .methods import (
    DEFAULT_CHUNK_ROWS,
    METHODS,
    Method,
    ResampleOptions,
    estimator_params,
    resolve_options,
)
from .writers import numpy_label_path, open_writer

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "METHODS",
    "Plan",
    "ResampleOptions",
    "check_output",
    "gather_pools",
    "plan_resample",
    "read_arrays",
    "resample_file",
    "synthetic_chunks",
]

#: progress(phase, total) -> object with update(n) and close(); phases are
#: 'labels' (pass 1), 'read' (pass 2), 'k-NN', 'generate' and 'write'; the
#: in-memory methods have 'resample' (their fit_resample) in place of 'k-NN' and 'generate'.
ProgressFactory = Callable[[str, int | None], Any]


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(phase: str, total: int | None) -> _NoProgress:
    return _NoProgress()


def _method(options: ResampleOptions):
    """The registry entry of ``options.method`` and its streamed steps (None: an in-memory method)."""
    method, options = resolve_options(options)
    return method, (None if method.streamed is None else method.streamed(options))


@dataclass
class Plan:
    """What pass 1 learnt: columns, classes and how many rows each class gets.

    Attributes
    ----------
    source : TableSource
    label : str
        Label column.
    features : list of str
        Feature columns, in input order.
    columns : list of str
        Output columns (features and label) in input order.
    classes : ndarray of shape (n_classes,)
        Sorted labels; a class's position is its RNG stream id.
    counts : ndarray of shape (n_classes,), int64
    to_generate : dict
        ``{label: synthetic rows}`` as resolved by the sampling strategy (over-sampling
        methods; empty for the others). Exact for the streamed method; an in-memory
        method may make other counts (ADASYN rounds per row, borderline SMOTE
        skips a class with no row in danger): its run says.
    work_dtype : numpy dtype
        Float dtype the engine computes in (the estimator's rule for a frame:
        all-float columns keep their common float type, anything else is float64).
    schema : pyarrow.Schema
        Schema of the output batches.
    method : Method
        The registry entry.
    steps : object or None
        The method's per-class steps for the streamed engine (None: in memory).
    strategy : float, str, list or dict
        ``sampling_strategy`` as the estimator gets it (string labels matched).
    targets : dict
        The strategy resolved for the method's sampling type (clean-sampling:
        the classes to clean are its keys).
    categorical : list of str
        The categorical feature columns, in input order (categorical methods only).
    """

    source: TableSource
    label: str
    features: list[str]
    columns: list[str]
    classes: np.ndarray
    counts: np.ndarray
    to_generate: dict
    work_dtype: np.dtype
    schema: Any
    method: Method | None = field(repr=False, default=None)
    steps: Any = field(repr=False, default=None)
    strategy: Any = "auto"
    targets: dict = field(default_factory=dict)
    categorical: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return int(self.counts.sum())

    @property
    def n_synthetic(self) -> int:
        return int(sum(self.to_generate.values()))

    def oversampled(self) -> list[tuple[int, Any, int]]:
        """``(class index, label, rows to make)`` for each class that gets rows, in sorted order."""
        return [
            (i, label, int(self.to_generate.get(label, 0)))
            for i, label in enumerate(self.classes)
            if self.to_generate.get(label, 0) > 0
        ]

    def counts_before(self) -> dict:
        return {label: int(n) for label, n in zip(self.classes, self.counts, strict=True)}

    def counts_after(self) -> dict:
        before = self.counts_before()
        return {label: n + int(self.to_generate.get(label, 0)) for label, n in before.items()}

    def label_numpy_dtype(self) -> np.dtype:
        """Label dtype of ``.npy``/``.npz`` output (strings as fixed-width unicode)."""
        if self.classes.dtype == object:
            return np.array([str(c) for c in self.classes]).dtype
        return self.classes.dtype


def _is_numeric(pa, arrow_type) -> bool:
    types = pa.types
    return types.is_integer(arrow_type) or types.is_floating(arrow_type) or types.is_boolean(arrow_type)


def _label_values(pa, column, offset: int, name: str) -> np.ndarray:
    """One batch's labels as numpy (dictionary columns decoded), refusing missing labels."""
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if column.null_count:
        row = offset + int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise ValueError(
            f"label column {name!r} has {column.null_count} missing value(s), first at row {row}"
        )
    return check_labels(np.asarray(column.to_numpy(zero_copy_only=False)))


def _match_strategy_keys(strategy, classes: np.ndarray):
    """Let dict keys and list items name labels as strings (JSON keys are always strings)."""
    if not isinstance(strategy, Mapping | list):
        return strategy
    by_text = {str(label): label for label in classes}
    by_text.update({label_repr(label): label for label in classes})
    known = set(classes.tolist())

    def match(key):
        if isinstance(key, str) and key not in known and key in by_text:
            return by_text[key]
        return key

    if isinstance(strategy, list):
        return [match(key) for key in strategy]
    return {match(key): target for key, target in strategy.items()}


def _is_text(pa, arrow_type) -> bool:
    """String or dictionary columns: what ``--categorical auto`` takes."""
    types = pa.types
    return types.is_string(arrow_type) or types.is_large_string(arrow_type) or types.is_dictionary(arrow_type)


def _categorical_methods() -> str:
    return ", ".join(name for name, method in METHODS.items() if method.categorical)


def feature_names(names: list[str], label: str, features: list[str] | None, *, where: str) -> list[str]:
    """The feature columns among ``names``: ``features`` (checked) or all but the label, in table order.

    Parameters
    ----------
    names : list of str
        The table's columns, in order.
    label : str
    features : list of str or None
    where : str
        How messages name the table (its path, "the dataset").

    Raises
    ------
    ValueError
        The label or a feature is not a column; no feature is left.
    OptionError
        The label is also named as a feature.
    """
    if label not in names:
        raise ValueError(f"label column {label!r} not found in {where}; columns: {names}")
    if features is None:
        chosen = [name for name in names if name != label]
    else:
        missing = [name for name in features if name not in names]
        if missing:
            raise ValueError(f"feature column(s) {missing} not found in {where}; columns: {names}")
        if label in features:
            raise OptionError(f"the label column {label!r} cannot also be a feature")
        chosen = [name for name in names if name in set(features)]  # table order
    if not chosen:
        raise ValueError(f"{where} has no feature columns besides the label {label!r}")
    return chosen


def _choose_features(
    source: TableSource, label: str, features, categorical, method, pa
) -> tuple[list[str], list[str]]:
    """The feature columns (input order) and, for a categorical method, its categorical ones."""
    names = source.column_names
    chosen = feature_names(names, label, features, where=str(source.path))
    types = {name: source.schema.field(name).type for name in names}
    non_numeric = [name for name in chosen if not _is_numeric(pa, types[name])]
    if categorical is not None and not method.categorical:
        which = non_numeric if categorical == "auto" else list(categorical)
        raise OptionError(
            (f"categorical features ({', '.join(map(repr, which))}) are" if which else "--categorical is")
            + f" not supported by method {method.name!r} (it takes numeric features only); "
            f"--categorical applies to methods {_categorical_methods()}"
        )
    if not method.categorical:
        if non_numeric:
            name = non_numeric[0]
            raise ValueError(
                f"feature column {name!r} has type {types[name]}; {method.estimator_class().__name__} needs "
                "numeric features: leave it out with --features, encode it first, or resample with "
                f"--method smotenc --categorical {name} (or --categorical auto)"
            )
        return chosen, []
    return chosen, _choose_categorical(source, label, chosen, categorical, method, pa, types)


def _choose_categorical(source, label, chosen, categorical, method, pa, types) -> list[str]:
    if categorical is None and method.name == "smotenc":
        raise OptionError(
            "--method smotenc needs --categorical COLS|auto: the categorical feature columns "
            "(auto: the string and dictionary ones)"
        )
    if categorical is None or categorical == "auto":
        picked = [name for name in chosen if _is_text(pa, types[name])]
        if not picked:
            raise OptionError(
                f"--categorical auto found no string or dictionary feature column in {source.path}; "
                "name the categorical columns: --categorical COLS"
            )
    else:
        if label in categorical:
            raise OptionError(f"the label column {label!r} cannot also be a categorical feature")
        unknown = [name for name in categorical if name not in chosen]
        if unknown:
            raise OptionError(
                f"--categorical names column(s) {unknown} that are not feature columns of {source.path}; "
                f"feature columns: {chosen}"
            )
        picked = [name for name in chosen if name in set(categorical)]  # input order
    other = [name for name in chosen if name not in set(picked)]
    odd = [name for name in other if not _is_numeric(pa, types[name])]
    if odd:
        name = odd[0]
        raise ValueError(
            f"feature column {name!r} has type {types[name]} and is not categorical; {method.name} needs "
            f"numeric continuous features: name it in --categorical, or leave it out with --features"
        )
    if method.name == "smoten" and other:
        raise OptionError(
            f"--method smoten takes categorical features only, but feature column(s) {other} are "
            "numeric and not named in --categorical: name them in --categorical to treat their values "
            "as categories, leave them out with --features, or use --method smotenc"
        )
    if method.name == "smotenc" and not other:
        raise OptionError(
            "every feature column is categorical; --method smotenc needs some numeric (continuous) "
            "ones: use --method smoten for categorical-only data"
        )
    return picked


def check_oversampled_classes(classes, counts, to_generate: dict, check_class) -> None:
    """``check_class(value, n_rows)`` for every class that gets synthetic rows (too small: it raises)."""
    for value, n_rows in zip(classes, counts, strict=True):
        if to_generate.get(value, 0) > 0:
            check_class(value, int(n_rows))


def kept_columns(names: list[str], features: list[str], label: str) -> list[str]:
    """The feature and label columns among ``names``, in the table's own order."""
    wanted = set(features)
    return [name for name in names if name in wanted or name == label]


def _work_dtype(pa, schema, features: list[str]) -> np.dtype:
    types = [schema.field(name).type for name in features]
    if all(pa.types.is_floating(t) for t in types):
        return np.result_type(*[np.dtype(t.to_pandas_dtype()) for t in types])
    # Integers and booleans compute in float64, exact below 2**53 (the estimator's rule).
    return np.dtype(np.float64)


def plan_resample(
    source: TableSource,
    *,
    label: str,
    features: list[str] | None = None,
    categorical: list[str] | str | None = None,
    options: ResampleOptions | None = None,
    progress: ProgressFactory = no_progress,
) -> Plan:
    """Pass 1: read the label column, count classes, resolve and check the plan.

    Parameters
    ----------
    source : TableSource
    label : str
        Label column (for ``.npy``/``.npz`` sources: ``source.label_name``).
    features : list of str, optional
        Feature columns; default: every column but the label.
    categorical : list of str, 'auto' or None
        Categorical feature columns ('auto': the string and dictionary ones),
        for the methods that take them (smotenc needs them; smoten's default is
        'auto'); any other method refuses them.
    options : ResampleOptions, optional
    progress : callable, optional
        ``progress(phase, total)`` factory of progress bars.

    Returns
    -------
    Plan

    Raises
    ------
    OptionError
        Unknown method, categorical columns for a method without support, a
        categorical method without the columns it needs.
    ValueError
        Missing columns, non-numeric features, empty input, bad labels, a
        strategy that does not fit the classes, a class too small for k.
    """
    pa = require_pyarrow()
    options = options or ResampleOptions()
    method, steps = _method(options)
    if source.num_rows == 0:
        raise ValueError(f"{source.path} has no rows")
    features, categorical = _choose_features(source, label, features, categorical, method, pa)
    parts = []
    offset = 0
    bar = progress("labels", source.num_rows)
    for batch in source.batches([label], options.chunk_rows):
        parts.append(class_counts(_label_values(pa, batch.column(0), offset, label)))
        offset += batch.num_rows
        bar.update(batch.num_rows)
    bar.close()
    if offset == 0:
        raise ValueError(f"{source.path} has no rows")
    classes, counts = merge_class_counts(parts)
    strategy = _match_strategy_keys(options.sampling_strategy, classes)
    # Checked here, before any row is read: the estimator resolves it the same way.
    targets = resolve_sampling_strategy(strategy, classes, counts, sampling_type=method.sampling_type)
    to_generate = targets if method.sampling_type == "over-sampling" else {}
    if steps is not None:
        check_oversampled_classes(classes, counts, to_generate, steps.check_class)
    columns = kept_columns(source.column_names, features, label)
    label_type = source.schema.field(label).type
    if pa.types.is_dictionary(label_type):
        label_type = label_type.value_type
    fields = [source.schema.field(name) for name in columns]
    schema = pa.schema([f.with_type(label_type) if f.name == label else f for f in fields])
    return Plan(
        source=source,
        label=label,
        features=features,
        columns=columns,
        classes=classes,
        counts=counts,
        to_generate=to_generate,
        work_dtype=_work_dtype(pa, source.schema, features),
        schema=schema,
        method=method,
        steps=steps,
        strategy=strategy,
        targets=targets,
        categorical=categorical,
    )


def _check_features(pa, batch, features: list[str], offset: int) -> None:
    """Refuse missing and non-finite feature values, naming the column and the first row."""
    for name in features:
        column = batch.column(name)
        if column.null_count:
            row = offset + int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
            raise ValueError(f"feature column {name!r} has a missing value at row {row}; SMOTE needs numbers")
        if pa.types.is_floating(column.type):
            values = column.to_numpy(zero_copy_only=False)
            finite = np.isfinite(values)
            if not finite.all():
                row = int(np.flatnonzero(~finite)[0])
                what = "a NaN" if np.isnan(values[row]) else "an infinite"
                raise ValueError(
                    f"feature column {name!r} has {what} value at row {offset + row}; "
                    "SMOTE needs finite values"
                )


def _matrix(batch, features: list[str], dtype: np.dtype) -> np.ndarray:
    """A batch's features as a C-contiguous ``(rows, d)`` array of ``dtype``."""
    out = np.empty((batch.num_rows, len(features)), dtype=dtype)
    for j, name in enumerate(features):
        out[:, j] = batch.column(name).to_numpy(zero_copy_only=False)
    return out


def gather_pools(
    plan: Plan,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_batch: Callable[[Any], None] | None = None,
    progress: ProgressFactory = no_progress,
) -> dict[int, np.ndarray]:
    """Pass 2: stream every row once, keeping only the over-sampled classes' rows.

    Parameters
    ----------
    plan : Plan
    chunk_rows : int
        Rows per batch.
    on_batch : callable, optional
        Called with each batch (output columns, checked) in input order: the writer.
    progress : callable, optional

    Returns
    -------
    dict
        ``{class index: ndarray of shape (n_class, d)}`` in ``plan.work_dtype``,
        rows in input order (the order the estimator sees them).
    """
    pa = require_pyarrow()
    targets = [(index, label) for index, label, _ in plan.oversampled()]
    parts: dict[int, list[np.ndarray]] = {index: [] for index, _ in targets}
    offset = 0
    bar = progress("read", plan.n_rows)
    for batch in plan.source.batches(plan.columns, chunk_rows):
        _check_features(pa, batch, plan.features, offset)
        y = _label_values(pa, batch.column(plan.label), offset, plan.label)
        for index, label in targets:
            mask = y == label
            if mask.any():
                parts[index].append(_matrix(batch.filter(pa.array(mask)), plan.features, plan.work_dtype))
        if on_batch is not None:
            if pa.types.is_dictionary(batch.column(plan.label).type):
                batch = batch.set_column(
                    plan.columns.index(plan.label), plan.label, batch.column(plan.label).dictionary_decode()
                )
            on_batch(batch)
        offset += batch.num_rows
        bar.update(batch.num_rows)
    bar.close()
    if offset != plan.n_rows:
        raise ValueError(f"{plan.source.path} changed while it was read ({offset} rows, then {plan.n_rows})")
    d = len(plan.features)
    pools = {
        index: np.concatenate(chunks) if chunks else np.empty((0, d), plan.work_dtype)
        for index, chunks in parts.items()
    }
    del parts
    release_freed_host_memory()  # the batches' freed pages, before the k-NN and the output
    return pools


@dataclass
class _Backends:
    device: torch.device
    knn: str
    kernel: str


def _backends(plan: Plan, options: ResampleOptions) -> _Backends:
    cpu_only = pins_cpu(options.knn_backend, options.kernel_backend)
    work = 0 if cpu_only else plan.n_synthetic * len(plan.features)
    device = resolve_device(options.device, None, work)
    return _Backends(
        device,
        resolve_knn_backend(options.knn_backend, device),
        resolve_kernel_backend(options.kernel_backend, device, plan.n_synthetic * len(plan.features)),
    )


def synthetic_chunks(
    plan: Plan,
    pools: dict[int, np.ndarray],
    options: ResampleOptions,
    *,
    limit: int | None = None,
    progress: ProgressFactory = no_progress,
    timings: dict | None = None,
) -> Iterator[tuple[int, Any, np.ndarray]]:
    """Pass 3: yield ``(class index, label, rows)`` chunks of synthetic rows, in output order.

    Parameters
    ----------
    plan : Plan
    pools : dict
        From :func:`gather_pools`.
    options : ResampleOptions
    limit : int, optional
        Make only the first ``limit`` rows of each class's stream (they are
        exactly the first rows of the full output: row ``i`` does not depend on
        how many rows are made).
    progress : callable, optional
    timings : dict, optional
        Receives seconds spent in ``'knn'`` and ``'generate'``.

    Yields
    ------
    tuple
        ``rows`` is an ndarray of shape (m, d), ``m <= options.chunk_rows``, in
        ``plan.work_dtype``. It is a view of a reused buffer: consume (write or
        copy) it before asking for the next chunk.
    """
    options = resolve_options(options)[1]  # seed 0 when not given
    method = plan.steps or _method(options)[1]
    if method is None:
        raise OptionError(
            f"method {options.method!r} does not stream (it needs every row at once); "
            "use resample_file or torchsmote.io.in_memory.resample_arrays"
        )
    backends = _backends(plan, options)
    timings = timings if timings is not None else {}
    timings.setdefault("knn", 0.0)
    timings.setdefault("generate", 0.0)
    work = plan.oversampled()
    knn_bar = progress("k-NN", len(work))
    gen_bar = progress("generate", sum(min(n, limit or n) for *_, n in work))
    d = len(plan.features)
    try:
        for index, label, count in work:
            count = min(count, limit) if limit is not None else count
            start_time = time.perf_counter()
            pool = torch.from_numpy(pools[index]).to(backends.device)
            neighbors = method.neighbors(pool, backends.knn)
            if backends.device.type == "cpu":
                release_freed_host_memory()  # k-NN temporaries back to the OS before generating
            timings["knn"] += time.perf_counter() - start_time
            knn_bar.update(1)
            key = stream_key(options.seed, index)
            buffer = torch.empty((min(count, options.chunk_rows), d), dtype=pool.dtype)
            for start in range(0, count, options.chunk_rows):
                rows = buffer[: min(options.chunk_rows, count - start)]
                start_time = time.perf_counter()
                method.generate(pool, neighbors, key, rows, start, backends.kernel)
                timings["generate"] += time.perf_counter() - start_time
                gen_bar.update(rows.shape[0])
                yield index, label, rows.numpy()
            del pool, neighbors, buffer
    finally:
        knn_bar.close()
        gen_bar.close()


def _synthetic_batch(pa, plan: Plan, rows: np.ndarray, label_array):
    arrays = []
    for name in plan.columns:
        if name == plan.label:
            arrays.append(label_array.slice(0, rows.shape[0]))
            continue
        arrow_type = plan.schema.field(name).type
        # numpy's astype casts back (float -> int truncates, like pandas' astype in pack()).
        values = rows[:, plan.features.index(name)].astype(np.dtype(arrow_type.to_pandas_dtype()))
        arrays.append(pa.array(values, type=arrow_type))
    return pa.RecordBatch.from_arrays(arrays, schema=plan.schema)


def read_arrays(
    plan: Plan, *, chunk_rows: int = DEFAULT_CHUNK_ROWS, progress: ProgressFactory = no_progress
) -> tuple[np.ndarray, np.ndarray]:
    """The whole input as ``X`` of shape (n, d) in ``plan.work_dtype`` and ``y`` of shape (n,).

    For tools that need the data in memory (``torchsmote compare``, the
    in-memory methods). The values are checked as :func:`gather_pools` checks them.
    """
    pa = require_pyarrow()
    X = np.empty((plan.n_rows, len(plan.features)), dtype=plan.work_dtype)
    labels = []
    offset = 0
    bar = progress("read", plan.n_rows)
    for batch in plan.source.batches(plan.columns, chunk_rows):
        if offset + batch.num_rows > plan.n_rows:
            raise ValueError(f"{plan.source.path} changed while it was read (more than {plan.n_rows} rows)")
        _check_features(pa, batch, plan.features, offset)
        X[offset : offset + batch.num_rows] = _matrix(batch, plan.features, plan.work_dtype)
        labels.append(_label_values(pa, batch.column(plan.label), offset, plan.label))
        offset += batch.num_rows
        bar.update(batch.num_rows)
    bar.close()
    if offset != plan.n_rows:
        raise ValueError(f"{plan.source.path} changed while it was read ({offset} rows, then {plan.n_rows})")
    return X, np.concatenate(labels)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(input_paths: list[Path], output: Path, *, force: bool) -> list[Path]:
    """Refuse an output that is an input (always) or exists (unless ``force``).

    Returns
    -------
    list of Path
        Every file the output will create (``.npy``: features and labels).
    """
    # By suffix, not detect_format: `plot` shares these rules for its .png.
    outputs = [output] + ([numpy_label_path(output)] if output.suffix.lower() == ".npy" else [])
    for out in outputs:
        for source in input_paths:
            if _same_file(out, source) or out.resolve() == source.resolve():
                raise OptionError(f"output {out} is the input file; write to another path")
        if out.is_dir():
            raise OptionError(f"output {out} is a folder")
        # is_symlink: a dangling link does not "exist", but replacing it is still replacing something.
        if (out.exists() or out.is_symlink()) and not force:
            raise OptionError(f"output {out} exists; pass --force to replace it")
        if not out.parent.is_dir():
            raise OptionError(f"output folder {out.parent} does not exist")
    return outputs


def resample_file(
    input_path: str | Path,
    output_path: str | Path | None,
    *,
    label: str,
    features: list[str] | None = None,
    categorical: list[str] | str | None = None,
    options: ResampleOptions | None = None,
    force: bool = False,
    progress: ProgressFactory = no_progress,
) -> dict:
    """Resample a file into another: streamed for ``smote``, in memory for the other methods.

    ``smote`` streams (see the module docstring); the other methods read the
    whole file, run their estimator's ``fit_resample`` and write its rows in
    chunks (:mod:`torchsmote.io.in_memory`).

    Parameters
    ----------
    input_path : str or Path
        Parquet, CSV, Feather/Arrow IPC, ``.npy`` (labels in the ``label`` file)
        or ``.npz``.
    output_path : str or Path or None
        Destination (format from its extension, may differ from the input's);
        None: a dry run that writes nothing. It reads the labels only for the
        streamed method; an in-memory method reads everything and runs (its
        counts after depend on the data).
    label : str
        Label column (``.npy``: labels file; ``.npz``: labels key).
    features : list of str, optional
        Feature columns (default: all but the label). Other columns are not written.
    categorical : list of str, 'auto' or None
    options : ResampleOptions, optional
    force : bool
        Replace an existing output (never the input).
    progress : callable, optional
        ``progress(phase, total)`` factory of progress bars.

    Returns
    -------
    dict
        The summary printed by ``torchsmote resample --json`` (documented in the README).
    """
    method, options = resolve_options(options or ResampleOptions())
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    source = open_source(input_path, label=label)
    inputs = [Path(input_path)] + ([Path(label)] if source.format == "npy" else [])
    output = Path(output_path) if output_path is not None else None
    if output is not None:
        check_output(inputs, output, force=force)
    column = getattr(source, "label_name", label)
    plan = plan_resample(
        source, label=column, features=features, categorical=categorical, options=options, progress=progress
    )
    seconds["plan"] = time.perf_counter() - started
    if output is not None and detect_format(output) in ("npy", "npz"):
        pa = require_pyarrow()
        text = [name for name in plan.features if not _is_numeric(pa, plan.schema.field(name).type)]
        if text:
            raise OptionError(
                f"{output}: .npy/.npz output holds one numeric matrix, but feature column(s) {text} are "
                "not numeric; write Parquet, CSV or Feather"
            )
    if method.in_memory:
        return _resample_in_memory(input_path, output, source, plan, options, progress, seconds, started)
    n_out = plan.n_synthetic + (0 if options.synthetic_only else plan.n_rows)
    backends = None
    if output is not None:
        pa = require_pyarrow()
        backends = _backends(plan, options)
        label_array = None
        with open_writer(
            output,
            plan.schema,
            label=plan.label,
            n_rows=n_out,
            x_dtype=plan.work_dtype,
            y_dtype=plan.label_numpy_dtype(),
        ) as writer:
            write_bar = progress("write", n_out)
            write_time = [0.0]

            def write(batch) -> None:
                tic = time.perf_counter()
                writer.write(batch)
                write_time[0] += time.perf_counter() - tic
                write_bar.update(batch.num_rows)

            tic = time.perf_counter()
            pools = gather_pools(
                plan,
                chunk_rows=options.chunk_rows,
                on_batch=None if options.synthetic_only else write,
                progress=progress,
            )
            seconds["read"] = time.perf_counter() - tic - write_time[0]
            timings: dict[str, float] = {}
            current = None
            for index, label_value, rows in synthetic_chunks(
                plan, pools, options, progress=progress, timings=timings
            ):
                if current != index:
                    current = index
                    value = np.full(min(options.chunk_rows, plan.to_generate[label_value]), label_value)
                    label_type = plan.schema.field(plan.label).type
                    label_array = pa.array(value.astype(plan.classes.dtype)).cast(label_type)
                tic = time.perf_counter()
                batch = _synthetic_batch(pa, plan, rows, label_array)
                write_time[0] += time.perf_counter() - tic
                write(batch)
            write_bar.close()
            seconds["knn"], seconds["generate"] = timings["knn"], timings["generate"]
            tic = time.perf_counter()
        seconds["write"] = write_time[0] + time.perf_counter() - tic
    seconds["total"] = time.perf_counter() - started
    return _summary(
        input_path,
        output,
        source,
        plan,
        options,
        device=None if backends is None else str(backends.device),
        knn_backend=None if backends is None else backends.knn,
        rows_synthetic=plan.n_synthetic,
        rows_removed=0,
        rows_out=n_out if output is not None else 0,
        counts_after=plan.counts_after(),
        synthetic_per_class=plan.to_generate,
        seconds=seconds,
    )


def _resample_in_memory(input_path, output, source, plan, options, progress, seconds, started) -> dict:
    # Imported here: in_memory builds on this module's plan and read helpers.
    from .in_memory import resample_arrays, write_resampled

    result = resample_arrays(plan, options, progress=progress, seconds=seconds)
    rows_out = 0
    if output is not None:
        tic = time.perf_counter()
        rows_out = write_resampled(plan, result, output, options, progress=progress)
        seconds["write"] = time.perf_counter() - tic
    seconds["total"] = time.perf_counter() - started
    return _summary(
        input_path,
        output,
        source,
        plan,
        options,
        device=result.device,
        knn_backend=result.knn_backend,
        rows_synthetic=result.n_synthetic,
        rows_removed=plan.n_rows - (len(result.y) - result.n_synthetic),
        rows_out=rows_out,
        counts_after=result.counts_after(plan),
        synthetic_per_class=result.synthetic_per_class(plan),
        seconds=seconds,
    )


def _summary(
    input_path,
    output: Path | None,
    source: TableSource,
    plan: Plan,
    options: ResampleOptions,
    *,
    device: str | None,
    knn_backend: str | None,
    rows_synthetic: int,
    rows_removed: int,
    rows_out: int,
    counts_after: dict,
    synthetic_per_class: dict,
    seconds: dict,
) -> dict:
    """The ``--json`` summary of a resample run, streamed or in memory (keys documented in the README)."""
    return {
        "command": "resample",
        "input": str(input_path),
        "output": None if output is None else str(output),
        "dry_run": output is None,
        "format_in": source.format,
        "format_out": None if output is None else detect_format(output),
        "method": options.method,
        "estimator": plan.method.estimator_class().__name__,
        "estimator_params": estimator_params(plan.method, options, plan.categorical),
        "in_memory": plan.method.in_memory,
        "label": plan.label,
        "features": plan.features,
        "k_neighbors": options.k_neighbors,
        "seed": options.seed,
        "device": device,
        "knn_backend": knn_backend,
        "rows_in": plan.n_rows,
        "rows_synthetic": rows_synthetic,
        "rows_removed": rows_removed,
        "rows_out": rows_out,
        "synthetic_only": options.synthetic_only,
        "class_counts_before": {str(k): v for k, v in plan.counts_before().items()},
        "class_counts_after": {str(k): int(v) for k, v in counts_after.items()},
        "synthetic_per_class": {str(k): int(v) for k, v in synthetic_per_class.items()},
        "seconds": {k: round(v, 6) for k, v in seconds.items()},
    }
