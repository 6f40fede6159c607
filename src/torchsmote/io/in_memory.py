"""Resampling a file in memory, for the methods that do not stream.

SMOTE streams (:mod:`torchsmote.io.streaming`) because its rows come class by
class from a counter RNG. The other samplers look at every row at once (ADASYN
and borderline SMOTE weigh each row by its neighbours of other classes, the
cleaners remove rows anywhere), so the file is read whole, the estimator's
``fit_resample`` runs once, and its rows are written in chunks. Memory is
therefore the input matrix, the estimator's working memory and its output:
about what ``fit_resample`` needs in a script, plus one chunk for the writer.

The output has the streamed path's columns, order and types: the feature
columns and the label in input order, each feature cast back from the working
float type to its own type (``numpy.astype``, as the streamed path does for
synthetic rows), and the rows ``fit_resample`` returns in its order (an
over-sampler's: the input rows, then the synthetic rows).

A categorical method (SMOTENC, SMOTEN: ``Method.categorical``) reads its
features as a pandas DataFrame instead (:func:`read_frame`: Arrow's own
conversion, so strings become object columns, dictionaries ``category``
columns and numbers keep their dtypes) and gets the categorical column names;
its DataFrame result goes back to each column's Arrow type (string stays
string, dictionary stays dictionary, int stays int).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from torchsmote.backends import resolve_knn_backend

from ._deps import require_pyarrow
from .methods import ResampleOptions, build_estimator
from .streaming import (
    Plan,
    ProgressFactory,
    _check_features,
    _is_numeric,
    _label_values,
    _synthetic_batch,
    no_progress,
    read_arrays,
)
from .writers import open_writer

__all__ = ["Resampled", "read_frame", "resample_arrays", "resampled_strategy", "write_resampled"]


@dataclass
class Resampled:
    """What an in-memory run made.

    Attributes
    ----------
    X : ndarray or DataFrame
        ``fit_resample``'s output: in ``plan.work_dtype``, or a DataFrame for a
        categorical method.
    y : ndarray
    synthetic : ndarray of shape (len(y),), bool
        Which output rows are synthetic.
    estimator : object
        The fitted estimator.
    device : str or None
        Where it ran (its ``device_``).
    knn_backend : str or None
        The k-NN backend it resolved to (None for a method without k-NN).
    """

    X: Any
    y: np.ndarray
    synthetic: np.ndarray
    estimator: Any
    device: str | None
    knn_backend: str | None

    @property
    def n_synthetic(self) -> int:
        return int(self.synthetic.sum())

    def counts_after(self, plan: Plan) -> dict:
        """``{label: rows}`` of every class of the input (0 for a class the method emptied)."""
        classes, counts = np.unique(self.y, return_counts=True)
        found = dict(zip(classes.tolist(), counts.tolist(), strict=True))
        return {label: int(found.get(label, 0)) for label in plan.classes.tolist()}

    def synthetic_per_class(self, plan: Plan) -> dict:
        """``{label: synthetic rows in the output}`` for the classes the strategy over-samples."""
        labels = self.y[self.synthetic]
        return {label: int(np.count_nonzero(labels == label)) for label in plan.to_generate}


def resampled_strategy(plan: Plan):
    """The plan's strategy resolved to a form two libraries read alike (``torchsmote compare``).

    Over-sampling: ``{label: rows after}`` of the classes that get rows;
    clean-sampling: the list of classes to clean; under-sampling: ``{label: rows kept}``.
    String labels from JSON and float ratios then mean the same to each library.
    """
    if plan.method.sampling_type == "over-sampling":
        before = plan.counts_before()
        return {label: before[label] + n for label, n in plan.to_generate.items() if n > 0}
    if plan.method.sampling_type == "clean-sampling":
        return list(plan.targets)
    return dict(plan.targets)


def synthetic_mask(method, estimator, n_in: int, y_res: np.ndarray) -> np.ndarray:
    """Which rows of ``fit_resample``'s output are synthetic (any library's estimator)."""
    mask = np.zeros(len(y_res), dtype=bool)
    if method.cleaner is not None:
        # The cleaner ran on [input rows, synthetic rows]; its sample_indices_ say which it kept.
        mask[:] = np.asarray(getattr(estimator, method.cleaner).sample_indices_) >= n_in
    elif method.sampling_type == "over-sampling":
        mask[n_in:] = True
    return mask


def read_frame(plan: Plan, *, chunk_rows: int, progress: ProgressFactory = no_progress):
    """The whole input as a pandas DataFrame of the features and ``y`` of shape (n,).

    For the categorical methods. The columns are Arrow's conversion of the
    file's types (``Table.to_pandas``): numbers keep their dtypes, strings are
    object columns, dictionaries ``category`` columns. Numeric columns are
    checked as :func:`~torchsmote.io.streaming.read_arrays` checks them (no
    missing or non-finite values); a categorical string column may hold missing
    values (a category of its own for the estimator).
    """
    pa = require_pyarrow()
    numeric = [name for name in plan.features if _is_numeric(pa, plan.schema.field(name).type)]
    batches, labels = [], []
    offset = 0
    bar = progress("read", plan.n_rows)
    for batch in plan.source.batches(plan.columns, chunk_rows):
        if offset + batch.num_rows > plan.n_rows:
            raise ValueError(f"{plan.source.path} changed while it was read (more than {plan.n_rows} rows)")
        _check_features(pa, batch, numeric, offset)
        labels.append(_label_values(pa, batch.column(plan.label), offset, plan.label))
        batches.append(batch.select(plan.features))
        offset += batch.num_rows
        bar.update(batch.num_rows)
    bar.close()
    if offset != plan.n_rows:
        raise ValueError(f"{plan.source.path} changed while it was read ({offset} rows, then {plan.n_rows})")
    schema = pa.schema([plan.schema.field(name) for name in plan.features])
    frame = pa.Table.from_batches(batches, schema=schema).to_pandas()
    return frame, np.concatenate(labels)


def resample_arrays(
    plan: Plan,
    options: ResampleOptions,
    *,
    progress: ProgressFactory = no_progress,
    seconds: dict | None = None,
) -> Resampled:
    """Read the whole input and run the method's ``fit_resample`` on it.

    Parameters
    ----------
    plan : Plan
        From :func:`~torchsmote.io.plan_resample` with the same ``options``.
    options : ResampleOptions
        Resolved (:func:`~torchsmote.io.methods.resolve_options`).
    progress : callable, optional
        Phases 'read' and 'resample'.
    seconds : dict, optional
        Receives the seconds of ``'read'`` and ``'resample'``.
    """
    seconds = seconds if seconds is not None else {}
    tic = time.perf_counter()
    if plan.method.categorical:
        X, y = read_frame(plan, chunk_rows=options.chunk_rows, progress=progress)
    else:
        X, y = read_arrays(plan, chunk_rows=options.chunk_rows, progress=progress)
    seconds["read"] = time.perf_counter() - tic
    n_in = len(y)
    tic = time.perf_counter()
    bar = progress("resample", n_in)
    estimator = build_estimator(plan.method, options, plan.strategy, categorical=plan.categorical)
    X_res, y_res = estimator.fit_resample(X, y)
    bar.update(n_in)
    bar.close()
    seconds["resample"] = time.perf_counter() - tic
    if plan.method.sampling_type == "over-sampling" and plan.method.cleaner is None:
        # --synthetic-only and the summary rely on it (imbalanced-learn's contract too).
        if len(y_res) < n_in or not np.array_equal(y_res[:n_in], y):
            raise RuntimeError(f"{type(estimator).__name__} did not return the input rows first")
    del X, y
    device = getattr(estimator, "device_", None)
    knn = None
    if plan.method.target("knn_backend") is not None and device is not None:
        knn = resolve_knn_backend(options.knn_backend, device)
    return Resampled(
        X=X_res,
        y=y_res,
        synthetic=synthetic_mask(plan.method, estimator, n_in, y_res),
        estimator=estimator,
        device=None if device is None else str(device),
        knn_backend=knn,
    )


def _label_array(pa, plan: Plan, labels: np.ndarray):
    label_type = plan.schema.field(plan.label).type
    return pa.array(labels.astype(plan.classes.dtype, copy=False)).cast(label_type)


def _from_pandas(pa, series, arrow_type=None):
    # pandas 3's default 'str' columns are Arrow-backed: their conversion is a ChunkedArray.
    values = pa.Array.from_pandas(series, type=arrow_type)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _column_array(pa, series, arrow_type):
    """A DataFrame column back in its input Arrow type (dictionary, string, number)."""
    if pa.types.is_dictionary(arrow_type):
        # A 'category' column converts to a dictionary of its categories; other
        # values (an object or str column) are encoded here.
        values = _from_pandas(pa, series)
        if not pa.types.is_dictionary(values.type):
            values = values.cast(arrow_type.value_type).dictionary_encode()
        return values.cast(arrow_type)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return _from_pandas(pa, series).cast(arrow_type)
    return _from_pandas(pa, series, arrow_type)


def _frame_batch(pa, plan: Plan, frame, label_array):
    arrays = [
        label_array if name == plan.label else _column_array(pa, frame[name], plan.schema.field(name).type)
        for name in plan.columns
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=plan.schema)


def write_resampled(
    plan: Plan,
    result: Resampled,
    output: str | Path,
    options: ResampleOptions,
    *,
    progress: ProgressFactory = no_progress,
) -> int:
    """Write ``result`` with the atomic writers, ``options.chunk_rows`` rows at a time.

    ``options.synthetic_only`` (over-samplers only) writes the rows after the
    input rows. Returns the rows written.
    """
    pa = require_pyarrow()
    first = plan.n_rows if options.synthetic_only else 0
    n_out = len(result.y) - first
    with open_writer(
        output,
        plan.schema,
        label=plan.label,
        n_rows=n_out,
        x_dtype=plan.work_dtype,
        y_dtype=plan.label_numpy_dtype(),
    ) as writer:
        bar = progress("write", n_out)
        for start in range(first, len(result.y), options.chunk_rows):
            stop = min(start + options.chunk_rows, len(result.y))
            labels = _label_array(pa, plan, result.y[start:stop])
            if isinstance(result.X, np.ndarray):
                writer.write(_synthetic_batch(pa, plan, result.X[start:stop], labels))
            else:  # a categorical method's DataFrame
                writer.write(_frame_batch(pa, plan, result.X.iloc[start:stop], labels))
            bar.update(stop - start)
        bar.close()
    return n_out
