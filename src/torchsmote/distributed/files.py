"""``torchsmote resample --ray``: a Parquet file or folder into a Parquet folder, through Ray.

The output folder is written as a hidden temporary folder beside it and
renamed on success (an existing output, with ``--force``, is moved aside first
and deleted after the rename), so a failed run leaves no partial output. On a
real cluster the input and output must be on storage every node sees (a shared
file system); object-store URIs (``s3://``) have no atomic rename and are
refused here: call :func:`torchsmote.distributed.resample` and
``Dataset.write_parquet`` for those.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

import torch

from torchsmote.backends import resolve_knn_backend
from torchsmote.io.formats import OptionError
from torchsmote.io.methods import ResampleOptions, build_estimator, estimator_params, resolve_options

from ._ray import import_ray, unwrap_task_error
from .pipeline import resample_with_report


def _local_path(text: str, what: str) -> Path:
    if "://" in text:
        raise OptionError(
            f"--ray reads and writes paths on a (shared) file system; {what} {text!r} is a URI: "
            "use torchsmote.distributed.resample with ray.data.read_parquet/write_parquet for object stores"
        )
    return Path(text)


def _check_paths(source: Path, output: Path | None, *, force: bool) -> None:
    if not source.exists():
        raise FileNotFoundError(f"input {source} does not exist")
    if source.suffix.lower() not in (".parquet", ".pq") and not source.is_dir():
        raise OptionError(f"--ray reads Parquet: {source} is neither a .parquet file nor a folder of them")
    if output is None:
        return
    resolved_in, resolved_out = source.resolve(), output.resolve()
    if (
        resolved_out == resolved_in
        or resolved_in in resolved_out.parents
        or resolved_out in resolved_in.parents
    ):
        raise OptionError(f"output {output} overlaps the input {source}; write to another folder")
    if output.exists() and not force:
        raise OptionError(f"output {output} exists; pass --force to replace it")
    if output.exists() and not output.is_dir():
        raise OptionError(f"output {output} is a file; --ray writes a folder of Parquet files")
    if not output.parent.is_dir():
        raise OptionError(f"output folder {output.parent} does not exist")


def _connect(address: str):
    """``ray.init`` for ``--ray auto`` (a running cluster, else a local one) or an address.

    Returns whether this call started the connection (and must end it).
    """
    ray = import_ray()
    if ray.is_initialized():
        return False
    ray.init(address=None if address == "auto" else address)
    return True


def _write_atomically(dataset, output: Path, schema, *, force: bool) -> None:
    """Write ``dataset`` as a Parquet folder beside ``output``, then rename it into place.

    An existing ``output`` (only with ``force``) is moved aside first and deleted
    after the rename, or put back when the rename fails; an empty dataset gets
    one empty file with ``schema``, so readers still see the columns.
    """
    import pyarrow.parquet as pq

    temp = output.parent / f".{output.name}.{secrets.token_hex(4)}.part"
    aside = None
    try:
        dataset.write_parquet(str(temp))
        if not temp.exists():  # Ray writes no file, and no folder, for an empty dataset
            temp.mkdir()
            pq.write_table(schema.empty_table(), temp / "empty.parquet")
        if output.exists() or output.is_symlink():
            if not force:
                raise OptionError(f"output {output} appeared while the run wrote; pass --force to replace it")
            aside = output.parent / f".{output.name}.{secrets.token_hex(4)}.old"
            os.replace(output, aside)
        os.replace(temp, output)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        if aside is not None and not output.exists():
            os.replace(aside, output)  # put the old output back
            aside = None
        raise
    if aside is not None:
        if aside.is_symlink() or aside.is_file():
            aside.unlink()
        else:
            shutil.rmtree(aside, ignore_errors=True)


def resample_parquet(
    input_path: str,
    output_path: str | None,
    *,
    label: str,
    features: list[str] | None = None,
    options: ResampleOptions | None = None,
    address: str = "auto",
    force: bool = False,
    num_slices: int | None = None,
) -> dict:
    """Resample Parquet through Ray (``torchsmote resample --ray``).

    Parameters
    ----------
    input_path : str
        A ``.parquet`` file or a folder of them.
    output_path : str or None
        Output folder (Ray writes one file per block); None: a dry run (the
        count pass and its checks only).
    label : str
    features : list of str, optional
    options : ResampleOptions, optional
        ``method`` must be ``'smote'``.
    address : str
        ``'auto'`` (a running cluster, else a new local instance) or a Ray address.
    force : bool
        Replace an existing output folder.
    num_slices : int, optional
        Generation tasks (default: from the cluster's size).

    Returns
    -------
    dict
        The ``--json`` summary of ``torchsmote resample``, plus ``ray`` (address,
        cluster resources, slices).
    """
    method, options = resolve_options(options or ResampleOptions())
    if method.name != "smote":
        raise OptionError(
            f"--ray runs --method smote only (its rows split into independent tasks); got {method.name!r}"
        )
    source = _local_path(input_path, "input")
    output = None if output_path is None else _local_path(output_path, "output")
    _check_paths(source, output, force=force)
    started = time.perf_counter()
    connected = _connect(address)
    ray = import_ray()
    try:
        sampler = build_estimator(method, options, options.sampling_strategy)
        ds = ray.data.read_parquet(str(source))
        dataset, report = resample_with_report(
            ds,
            label=label,
            sampler=sampler,
            features=features,
            num_slices=num_slices,
            synthetic_only=options.synthetic_only,
            plan_only=output is None,
        )
        plan = report.plan
        seconds = dict(report.seconds)
        rows_out = plan.n_synthetic + (0 if options.synthetic_only else plan.n_rows)
        if output is not None:
            tic = time.perf_counter()
            try:
                _write_atomically(dataset, output, plan.schema, force=force)
            except ray.exceptions.RayTaskError as error:
                raise unwrap_task_error(ray, error) from None
            seconds["generate_and_write"] = time.perf_counter() - tic
        seconds["total"] = time.perf_counter() - started
    finally:
        if connected:
            ray.shutdown()
    return {
        "command": "resample",
        "input": str(source),
        "output": None if output is None else str(output),
        "dry_run": output is None,
        "format_in": "parquet",
        "format_out": None if output is None else "parquet",
        "method": options.method,
        "estimator": type(sampler).__name__,
        "estimator_params": estimator_params(method, options),
        "in_memory": False,
        "label": plan.label,
        "features": plan.features,
        "k_neighbors": options.k_neighbors,
        "seed": options.seed,
        "device": report.device,
        "knn_backend": resolve_knn_backend(options.knn_backend, torch.device(report.device)),
        "rows_in": plan.n_rows,
        "rows_synthetic": plan.n_synthetic,
        "rows_removed": 0,
        "rows_out": rows_out if output is not None else 0,
        "synthetic_only": options.synthetic_only,
        "class_counts_before": {str(k): v for k, v in plan.counts_before().items()},
        "class_counts_after": {str(k): int(v) for k, v in plan.counts_after().items()},
        "synthetic_per_class": {str(k): int(v) for k, v in plan.to_generate.items()},
        "seconds": {k: round(v, 6) for k, v in seconds.items()},
        "ray": {"address": address, "slices": report.n_slices, **report.cluster},
    }
