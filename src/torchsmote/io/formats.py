"""Table readers: every input format as a stream of Arrow record batches.

A reader never holds more than one batch (plus what the format itself needs:
a Parquet row group, a CSV block, a Feather record batch) so callers can stream
files larger than memory. ``.npz`` is the exception: zip members cannot be
memory-mapped, so its arrays are read whole (use ``.npy`` pairs or Parquet for
data that does not fit in memory).

Formats, by extension:

=====================  ==========================================================
``.parquet``, ``.pq``  Parquet (columns keep their Arrow types)
``.csv``               CSV with a header row (types inferred from the first block)
``.feather``,          Feather v2 = Arrow IPC file
``.arrow``, ``.ipc``
``.npy``               features ``(n, d)``; labels in a second ``.npy`` of shape
                       ``(n,)``, whose path is the label argument. Columns are
                       named ``x0 .. x{d-1}``, the label column after the label
                       file's stem.
``.npz``               features under key ``X``, labels under the label key
=====================  ==========================================================
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ._deps import require_pyarrow

__all__ = ["FORMATS", "FormatError", "OptionError", "TableSource", "detect_format", "open_source"]

#: File extension -> format name.
FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".feather": "feather",
    ".arrow": "feather",
    ".ipc": "feather",
    ".npy": "npy",
    ".npz": "npz",
}

#: Bytes per CSV block: pyarrow parses block by block; 4 MiB keeps a block's
#: parsed columns small while amortising the per-block overhead.
_CSV_BLOCK_BYTES = 4 << 20


class FormatError(ValueError):
    """A file cannot be read or written in the format its name asks for."""


class OptionError(ValueError):
    """A request that is wrong whatever the data holds (the command line exits with 2 on it)."""


def detect_format(path: str | Path) -> str:
    """Format name of a path, from its extension.

    Raises
    ------
    OptionError
        Unknown extension (the message lists the known ones).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        raise OptionError(f"{path}: unknown file type {suffix or '(no extension)'!r}; use one of {known}")
    return FORMATS[suffix]


class TableSource:
    """A table on disk read as Arrow record batches.

    Attributes
    ----------
    path : Path
    format : str
        One of the values of :data:`FORMATS`.
    schema : pyarrow.Schema
        Column names and types (CSV: inferred from the first block).
    num_rows : int or None
        Known up front for Parquet, Feather and numpy files; None for CSV.
    """

    path: Path
    format: str
    schema = None
    num_rows: int | None = None

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.names)

    def batches(self, columns: list[str], batch_rows: int) -> Iterator:
        """Yield ``pyarrow.RecordBatch`` objects of at most ``batch_rows`` rows.

        Parameters
        ----------
        columns : list of str
            Columns to read, in this order.
        batch_rows : int
            Largest batch handed out.
        """
        raise NotImplementedError


def _slices(batch, batch_rows: int) -> Iterator:
    for start in range(0, batch.num_rows, batch_rows):
        yield batch.slice(start, batch_rows)


class _ParquetSource(TableSource):
    def __init__(self, path: Path):
        pa = require_pyarrow()
        self.path, self.format = path, "parquet"
        try:
            # pre_buffer=False: with pre-buffering, iter_batches reads ahead every
            # requested row group's column chunks and holds them until the reader is
            # dropped (92 MB held after a 2M-row x 9-column pass on the dev VM).
            self._file = pa.parquet.ParquetFile(path, pre_buffer=False)
        except (pa.ArrowException, OSError) as exc:
            raise FormatError(f"{path}: cannot read as Parquet ({exc})") from exc
        self.schema = self._file.schema_arrow
        self.num_rows = self._file.metadata.num_rows

    def batches(self, columns, batch_rows):
        # One row group at a time: memory per step is one row group of the selected
        # columns, whatever the file's size.
        for group in range(self._file.num_row_groups):
            yield from self._file.iter_batches(batch_size=batch_rows, columns=columns, row_groups=[group])


class _CsvSource(TableSource):
    def __init__(self, path: Path):
        self.path, self.format = path, "csv"
        if path.stat().st_size == 0:
            raise FormatError(f"{path} is empty (0 bytes)")
        reader = self._open(None, None)
        self.schema = reader.schema
        reader.close()
        pa = require_pyarrow()
        if all(pa.types.is_null(t) for t in self.schema.types):
            # Every column typed null: pyarrow saw no values at all (a header only).
            raise FormatError(f"{path} has no rows (a header only)")

    def _open(self, columns, types):
        pa = require_pyarrow()
        convert = pa.csv.ConvertOptions(include_columns=columns, column_types=types)
        try:
            return pa.csv.open_csv(
                self.path,
                read_options=pa.csv.ReadOptions(block_size=_CSV_BLOCK_BYTES),
                convert_options=convert,
            )
        except (pa.ArrowException, OSError) as exc:
            raise FormatError(f"{self.path}: cannot read as CSV ({exc})") from exc

    def batches(self, columns, batch_rows):
        pa = require_pyarrow()
        # Later blocks are parsed with the first block's types, so every batch
        # has one schema (a value that does not fit is an error, not a new type).
        types = {name: self.schema.field(name).type for name in columns}
        reader = self._open(columns, types)
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowException as exc:
                    raise FormatError(f"{self.path}: {exc}") from exc
                yield from _slices(batch.select(columns), batch_rows)
        finally:
            reader.close()


class _FeatherSource(TableSource):
    def __init__(self, path: Path):
        self.path, self.format = path, "feather"
        reader = self._open(None)
        self.schema = reader.schema
        # count_rows reads batch lengths from the footer, without decompressing data.
        self.num_rows = reader.count_rows() if hasattr(reader, "count_rows") else None

    def _open(self, fields):
        pa = require_pyarrow()
        options = pa.ipc.IpcReadOptions(included_fields=fields) if fields else None
        try:
            # Memory-mapped: an uncompressed batch is read in place, not copied.
            return pa.ipc.open_file(pa.memory_map(str(self.path)), options=options)
        except (pa.ArrowException, OSError) as exc:
            raise FormatError(f"{self.path}: cannot read as Feather v2 / Arrow IPC file ({exc})") from exc

    def batches(self, columns, batch_rows):
        # Only the wanted columns are read (and decompressed): the label pass stays cheap.
        fields = sorted(self.schema.get_field_index(name) for name in columns)
        reader = self._open(fields)
        for i in range(reader.num_record_batches):
            yield from _slices(reader.get_batch(i).select(columns), batch_rows)


class _NumpySource(TableSource):
    """``.npy`` pair (memory-mapped) or ``.npz`` (read whole): features ``X`` and labels ``y``."""

    def __init__(self, path: Path, label: str):
        pa = require_pyarrow()
        self.path = path
        self.format = FORMATS[path.suffix.lower()]
        # A truncated .npz raises BadZipFile or EOFError, neither an OSError nor a ValueError.
        unreadable = (OSError, ValueError, EOFError, zipfile.BadZipFile)
        try:
            if self.format == "npy":
                label_path = Path(label)
                X = np.load(path, mmap_mode="r")
                if not label_path.exists():
                    raise FormatError(
                        f"label file {label_path} not found: with .npy input, --label is the path "
                        "of the labels .npy file"
                    )
                try:
                    y = np.load(label_path, mmap_mode="r")
                except unreadable as exc:  # name the labels file, not the features file
                    raise FormatError(f"{label_path}: cannot read the labels as npy ({exc})") from exc
                label_name = label_path.stem
            else:
                with np.load(path) as archive:
                    missing = [key for key in ("X", label) if key not in archive.files]
                    if missing:
                        raise FormatError(
                            f"{path} has no array {missing[0]!r} (arrays: {archive.files}); a .npz "
                            "input holds the features under 'X' and the labels under the --label key"
                        )
                    X, y = archive["X"], archive[label]
                label_name = label
        except unreadable as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"{path}: cannot read as {self.format} ({exc})") from exc
        if X.ndim != 2:
            raise FormatError(f"{path}: features must be 2-D (n_samples, n_features), got shape {X.shape}")
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise FormatError(f"labels of shape {y.shape} do not match features of shape {X.shape}")
        if X.dtype.kind not in "biuf":
            raise FormatError(f"{path}: features have dtype {X.dtype}; SMOTE needs numeric features")
        # numpy semantics, as SMOTE.fit_resample: integer/bool features become float64.
        self._x_dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
        self._X, self._y = X, y
        self.feature_names = [f"x{j}" for j in range(X.shape[1])]
        self.label_name = label_name
        x_type = pa.from_numpy_dtype(self._x_dtype.newbyteorder("="))
        try:
            y_type = pa.string() if y.dtype.kind == "U" else pa.from_numpy_dtype(y.dtype.newbyteorder("="))
        except (pa.ArrowException, NotImplementedError, TypeError) as exc:
            raise FormatError(f"labels have dtype {y.dtype}, which cannot be used as class labels") from exc
        self.schema = pa.schema([(name, x_type) for name in self.feature_names] + [(label_name, y_type)])
        self.num_rows = X.shape[0]

    def batches(self, columns, batch_rows):
        pa = require_pyarrow()
        index = {name: j for j, name in enumerate(self.feature_names)}
        for start in range(0, self.num_rows, batch_rows):
            stop = min(self.num_rows, start + batch_rows)
            # One transposed copy per batch: each column becomes a contiguous row.
            block = np.ascontiguousarray(self._X[start:stop].T, dtype=self._x_dtype.newbyteorder("="))
            arrays = []
            for name in columns:
                if name == self.label_name:
                    labels = np.asarray(self._y[start:stop])
                    arrays.append(pa.array(labels.astype(labels.dtype.newbyteorder("="))))
                else:
                    arrays.append(pa.array(block[index[name]]))
            yield pa.RecordBatch.from_arrays(arrays, names=list(columns))


def open_source(path: str | Path, *, label: str | None = None) -> TableSource:
    """Open a table for streaming.

    Parameters
    ----------
    path : str or Path
        The input; its extension picks the format (:func:`detect_format`).
    label : str, optional
        ``.npy``: path of the labels file. ``.npz``: key of the labels array.
        Ignored for tabular formats (the label is a column there).

    Returns
    -------
    TableSource

    Raises
    ------
    FormatError
        Unknown extension, missing file, unreadable or malformed content.
    """
    path = Path(path)
    fmt = detect_format(path)
    if not path.exists():
        raise FormatError(f"{path}: no such file")
    if path.is_dir():
        raise FormatError(f"{path} is a folder, not a file")
    if fmt in ("npy", "npz"):
        if label is None:
            raise FormatError(
                f"{path}: a .{fmt} input needs the label argument ("
                + ("the path of the labels .npy file)" if fmt == "npy" else "the key of the labels array)")
            )
        return _NumpySource(path, label)
    if path.stat().st_size == 0:
        raise FormatError(f"{path} is empty (0 bytes)")
    source = {"parquet": _ParquetSource, "csv": _CsvSource, "feather": _FeatherSource}[fmt](path)
    names = source.schema.names
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise FormatError(
            f"{path} has duplicate column name(s) {duplicated}: rename them so that --label and "
            "--features name one column each"
        )
    return source
