"""Helpers of the command-line tests: write a table in every format, read one back, run the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
import pyarrow.csv as pacsv  # noqa: E402
import pyarrow.feather as feather  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from torchsmote.cli import main  # noqa: E402

TABULAR = ["parquet", "csv", "feather"]
FORMATS = [*TABULAR, "npy", "npz"]


def make_table(counts=(600, 40), d=3, *, seed=0, dtype=np.float32, labels=None, shift=3.0):
    """A shuffled table of clustered features ``f0..`` and an int64 ``target`` (or ``labels``).

    Class ``c`` is centred at ``shift * c`` in every feature (a small shift makes
    the classes overlap, so cleaning methods have rows to remove).
    """
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(len(counts)), counts)
    X = (rng.normal(size=(len(codes), d)) + shift * codes[:, None]).astype(dtype)
    perm = rng.permutation(len(codes))
    X, codes = X[perm], codes[perm]
    y = codes.astype(np.int64) if labels is None else np.asarray(labels, dtype=object)[codes]
    columns = {f"f{j}": X[:, j] for j in range(d)}
    columns["target"] = y
    return pa.table(columns)


def write_table(table, folder: Path, fmt: str, *, name: str = "data", row_group_size: int = 256):
    """Write ``table`` in ``fmt``; returns (path, label argument for the CLI)."""
    path = folder / f"{name}.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path, row_group_size=row_group_size)
    elif fmt == "csv":
        pacsv.write_csv(table, path)
    elif fmt == "feather":
        feather.write_feather(table, path, chunksize=row_group_size)
    else:
        features = [name for name in table.column_names if name != "target"]
        X = np.column_stack([table[name].to_numpy() for name in features])
        y = table["target"].to_numpy()
        if fmt == "npy":
            np.save(path, X)
            np.save(folder / f"{name}_labels.npy", y)
            return path, str(folder / f"{name}_labels.npy")
        np.savez(path, X=X, target=y)
    return path, "target"


def read_back(path: Path, fmt: str, label: str = "target"):
    """(X, y, arrow schema or None) of a written output."""
    if fmt in ("npy", "npz"):
        if fmt == "npy":
            X, y = np.load(path), np.load(path.with_name(path.stem + "_y.npy"))
        else:
            with np.load(path) as archive:
                X, y = archive["X"], archive[label]
        return X, y, None
    if fmt == "parquet":
        table = pq.read_table(path)
    elif fmt == "csv":
        table = pacsv.read_csv(path)
    else:
        table = feather.read_table(path)
    features = [name for name in table.column_names if name != label]
    X = np.column_stack([table[name].to_numpy() for name in features])
    return X, table[label].to_numpy(zero_copy_only=False), table.schema


#: The resample --json summary: every key and its type (the README documents them).
#: k_neighbors and seed are null for a method without them (tomek; enn has no seed).
SUMMARY_SCHEMA = {
    "command": str,
    "input": str,
    "output": (str, type(None)),
    "dry_run": bool,
    "format_in": str,
    "format_out": (str, type(None)),
    "method": str,
    "estimator": str,
    "estimator_params": dict,
    "in_memory": bool,
    "label": str,
    "features": list,
    "k_neighbors": (int, type(None)),
    "seed": (int, type(None)),
    "device": (str, type(None)),
    "knn_backend": (str, type(None)),
    "rows_in": int,
    "rows_synthetic": int,
    "rows_removed": int,
    "rows_out": int,
    "synthetic_only": bool,
    "class_counts_before": dict,
    "class_counts_after": dict,
    "synthetic_per_class": dict,
    "seconds": dict,
}


def run_cli(args, capsys):
    """Run the command in-process; returns (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err
