"""Atomic table writers: batches go to a temporary file that is renamed on success.

The temporary file lives in the destination's folder (``os.replace`` is atomic
only within one file system) and is deleted on any error, so a failed run never
leaves a partial output, and an existing file is replaced only by a complete one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ._deps import require_pyarrow
from .formats import FormatError, detect_format

__all__ = ["AtomicPath", "numpy_label_path", "open_writer"]


class AtomicPath:
    """A temporary path beside ``final`` that becomes ``final`` on :meth:`commit`.

    Parameters
    ----------
    final : Path
        Destination. Its folder must exist.
    """

    def __init__(self, final: Path):
        self.final = Path(final)
        folder = self.final.parent
        if not folder.is_dir():
            raise FormatError(f"{self.final}: folder {folder} does not exist")
        # Hidden and marked as partial, so a crash leaves nothing that looks finished.
        # os.open with 0o666 (not mkstemp's 0o600): the output gets the umask's usual mode.
        for _ in range(100):
            temp = folder / f".{self.final.name}.{secrets.token_hex(4)}.part"
            try:
                os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            except FileExistsError:
                continue
            break
        else:  # pragma: no cover - 100 collisions of 32 random bits
            raise FileExistsError(f"no free temporary name beside {self.final}")
        self.temp = temp

    def commit(self) -> None:
        """Move the finished temporary file onto the destination (atomic rename)."""
        os.replace(self.temp, self.final)

    def discard(self) -> None:
        """Delete the temporary file (no-op when already gone)."""
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()


def numpy_label_path(features_path: str | Path) -> Path:
    """Where ``.npy`` output puts the labels: ``X_res.npy`` -> ``X_res_y.npy``."""
    path = Path(features_path)
    return path.with_name(path.stem + "_y.npy")


class _ArrowWriter:
    """Parquet, CSV or Feather through pyarrow's own writers."""

    def __init__(self, fmt: str, target: AtomicPath, schema):
        pa = require_pyarrow()
        path = str(target.temp)
        if fmt == "parquet":
            # Dictionary pages only for non-float columns (labels): on float features
            # they never pay and cost time (4M x 8 float32 rows: 22 s -> 6 s, dev VM).
            keep = [field.name for field in schema if not pa.types.is_floating(field.type)]
            self._writer = pa.parquet.ParquetWriter(path, schema, use_dictionary=keep or False)
        elif fmt == "csv":
            self._writer = pa.csv.CSVWriter(path, schema)
        else:
            # lz4, like pyarrow.feather.write_feather's default.
            codec = "lz4" if pa.Codec.is_available("lz4") else None
            self._writer = pa.ipc.new_file(path, schema, options=pa.ipc.IpcWriteOptions(compression=codec))

    def write(self, batch) -> None:
        self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()


def _npy_header(fh, dtype: np.dtype, shape: tuple[int, ...]) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_2_0(fh, header)


class _NumpyWriter:
    """``.npy`` pair or ``.npz``, written row block by row block.

    The total row count must be known up front (it is in the ``.npy`` header).
    ``.npz`` members are written one at a time (a zip file has one open
    member), so the labels are spooled to a temporary file beside the output
    and copied in at the end: memory stays bounded by one batch.
    """

    def __init__(self, fmt, targets, *, features, label, n_rows, x_dtype, y_dtype):
        self._features, self._label = list(features), label
        self._x_dtype, self._y_dtype = np.dtype(x_dtype), np.dtype(y_dtype)
        self._n_rows, self._written = n_rows, 0
        self._fmt = fmt
        shape = (n_rows, len(self._features))
        if fmt == "npy":
            self._x_file = open(targets[0].temp, "wb")  # closed in close() or abort()
            self._y_file = open(targets[1].temp, "wb")
            _npy_header(self._x_file, self._x_dtype, shape)
            _npy_header(self._y_file, self._y_dtype, (n_rows,))
        else:
            self._zip = zipfile.ZipFile(targets[0].temp, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
            self._x_file = self._zip.open("X.npy", "w", force_zip64=True)
            _npy_header(self._x_file, self._x_dtype, shape)
            self._y_file = tempfile.TemporaryFile(dir=targets[0].final.parent)

    def write(self, batch) -> None:
        block = np.empty((batch.num_rows, len(self._features)), dtype=self._x_dtype)
        for j, name in enumerate(self._features):
            block[:, j] = batch.column(name).to_numpy(zero_copy_only=False)
        labels = np.asarray(batch.column(self._label).to_numpy(zero_copy_only=False)).astype(self._y_dtype)
        self._x_file.write(block.tobytes())
        self._y_file.write(labels.tobytes())
        self._written += batch.num_rows

    def close(self) -> None:
        if self._written != self._n_rows:
            raise RuntimeError(f"wrote {self._written} rows where the header says {self._n_rows}")
        self._x_file.close()
        if self._fmt == "npy":
            self._y_file.close()
            return
        self._y_file.seek(0)
        with self._zip.open(f"{self._label}.npy", "w", force_zip64=True) as member:
            _npy_header(member, self._y_dtype, (self._n_rows,))
            shutil.copyfileobj(self._y_file, member, 16 << 20)
        self._y_file.close()
        self._zip.close()

    def abort(self) -> None:
        for handle in (self._x_file, self._y_file, getattr(self, "_zip", None)):
            with contextlib.suppress(Exception):
                if handle is not None:
                    handle.close()


@contextlib.contextmanager
def open_writer(
    path: str | Path,
    schema,
    *,
    label: str,
    n_rows: int,
    x_dtype: np.dtype | None = None,
    y_dtype: np.dtype | None = None,
) -> Iterator:
    """Write record batches to ``path`` atomically; yields an object with ``write(batch)``.

    The output appears (under its final name) only when the ``with`` block ends
    without an error; otherwise the temporary file is deleted and the error
    propagates. An existing file at ``path`` is replaced only then.

    Parameters
    ----------
    path : str or Path
        Destination; the extension picks the format. ``.npy`` also writes the
        labels to :func:`numpy_label_path`; ``.npz`` stores ``X`` and the labels
        under the label column's name.
    schema : pyarrow.Schema
        Columns of every batch: the features and the label.
    label : str
        Name of the label column (``.npy``/``.npz``: the labels array).
    n_rows : int
        Rows that will be written (``.npy``/``.npz`` headers need it).
    x_dtype, y_dtype : numpy dtype, optional
        Feature matrix and label dtypes of ``.npy``/``.npz`` output.
    """
    path = Path(path)
    fmt = detect_format(path)
    features = [name for name in schema.names if name != label]
    if fmt == "npz" and label == "X":
        raise FormatError(
            f"{path}: .npz output keeps the features under 'X', so the label cannot be named 'X'"
        )
    finals = [path] + ([numpy_label_path(path)] if fmt == "npy" else [])
    targets: list[AtomicPath] = []
    writer = None
    try:
        for final in finals:
            targets.append(AtomicPath(final))
        if fmt in ("npy", "npz"):
            writer = _NumpyWriter(
                fmt, targets, features=features, label=label, n_rows=n_rows, x_dtype=x_dtype, y_dtype=y_dtype
            )
        else:
            writer = _ArrowWriter(fmt, targets[0], schema)
        yield writer
        writer.close()
        for target in targets:
            target.commit()
    except BaseException:
        # BaseException: Ctrl-C must not leave a partial file either.
        if writer is not None and hasattr(writer, "abort"):
            writer.abort()
        elif writer is not None:
            with contextlib.suppress(Exception):
                writer.close()
        for target in targets:
            target.discard()
        raise
