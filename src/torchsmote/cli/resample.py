"""``torchsmote resample INPUT -o OUTPUT --label COL``: resample a file (``smote`` streams)."""

from __future__ import annotations

import argparse

from ._common import (
    EXIT_OK,
    add_data_options,
    describe_method,
    format_counts,
    log,
    parse_categorical,
    parse_columns,
    positive_int,
    print_json,
    progress_factory,
    require_label,
    resample_options,
    use_system_allocator,
)

HELP = "resample a Parquet, CSV, Feather, .npy or .npz file (smote streams: memory stays bounded)"

DESCRIPTION = """\
Resample INPUT into OUTPUT: exactly the rows the --method's estimator makes
with the same seed (fit_resample). For smote (the default) the original rows
(unless --synthetic-only), then the synthetic rows class by class, streamed:
memory stays bounded whatever the file's size. Every other method reads the
whole file into memory, runs its estimator once and writes the rows it returns
(over-samplers: the original rows, then the synthetic ones). Formats follow the
file extensions (.parquet/.pq, .csv, .feather/.arrow/.ipc, .npy, .npz) and may
differ between input and output. Columns other than the label and the features
are not written. The output is written to a temporary file beside it and
renamed on success. With --ray ADDRESS|auto, Ray reads a Parquet file or folder
and writes a folder of Parquet files (smote only; the same rows, in any order of
files), renamed into place on success.
Exit codes: 0 done, 1 the data stopped the run, 2 a wrong command line."""


def add_parser(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("resample", help=HELP, description=DESCRIPTION)
    parser.add_argument("input", nargs="?", metavar="INPUT", help="the file to resample")
    parser.add_argument("-o", "--output", metavar="OUTPUT", help="where to write (extension = format)")
    add_data_options(parser)
    parser.add_argument(
        "--synthetic-only",
        action="store_true",
        help="write only the synthetic rows (over-samplers; refused by methods that remove rows)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show class counts before/after and write nothing (smote reads the labels only; "
        "the other methods read everything and run)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing OUTPUT (never INPUT)")
    parser.add_argument(
        "--ray",
        metavar="auto|ADDRESS",
        help="resample through Ray: INPUT a Parquet file or folder, OUTPUT a folder of Parquet files; "
        "auto joins a running cluster, else starts a local one (smote only; rows as without --ray)",
    )
    parser.add_argument(
        "--slices",
        type=positive_int,
        metavar="N",
        help="with --ray: generation tasks in all (default: from the cluster's CPUs or GPUs); "
        "never changes the rows",
    )
    parser.add_argument(
        "--demo", action="store_true", help="resample the built-in dataset (= torchsmote demo)"
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from torchsmote.io.formats import OptionError

    if args.demo:
        from . import demo_defaults, run_demo

        ignored = [
            flag
            for flag, given in (
                ("INPUT", args.input is not None),
                ("-o", args.output is not None),
                ("--json", args.json),
                ("--dry-run", args.dry_run),
                ("--synthetic-only", args.synthetic_only),
                ("--method", args.method != "smote"),
                ("--m-neighbors", args.m_neighbors is not None),
                ("--shrinkage", args.shrinkage is not None),
                ("--cluster-balance-threshold", args.cluster_balance_threshold is not None),
                ("--ray", args.ray is not None),
                ("--slices", args.slices is not None),
            )
            if given
        ]
        if ignored:
            raise OptionError(f"--demo runs the built-in dataset and takes no {', '.join(ignored)}")
        given = {
            name: value
            for name, value in (("seed", args.seed), ("k_neighbors", args.k_neighbors))
            if value is not None
        }
        return run_demo(demo_defaults(device=args.device, **given))
    if args.input is None:
        raise OptionError("resample needs INPUT (or --demo)")
    if args.output is None and not args.dry_run:
        raise OptionError("resample needs -o OUTPUT (or --dry-run)")
    if args.slices is not None and args.ray is None:
        raise OptionError("--slices applies to --ray runs only")
    if args.ray is not None:
        summary = _resample_through_ray(args)
    else:
        use_system_allocator()
        summary = _resample_file(args)
    seconds = summary["seconds"]
    log(args, "seconds: " + ", ".join(f"{phase} {value:.3f}" for phase, value in seconds.items()))
    if args.json:
        print_json(summary)
    elif not args.quiet:
        _print_summary(summary)
    return EXIT_OK


def _resample_through_ray(args: argparse.Namespace) -> dict:
    from torchsmote.distributed.files import resample_parquet
    from torchsmote.io.formats import OptionError

    if args.categorical is not None:
        raise OptionError("--ray runs smote on numeric features; it takes no --categorical")
    return resample_parquet(
        args.input,
        None if args.dry_run else args.output,
        label=require_label(args),
        features=parse_columns(args.features),
        options=resample_options(args),
        address=args.ray,
        force=args.force,
        num_slices=args.slices,
    )


def _resample_file(args: argparse.Namespace) -> dict:
    from torchsmote.io.streaming import resample_file

    return resample_file(
        args.input,
        None if args.dry_run else args.output,
        label=require_label(args),
        features=parse_columns(args.features),
        categorical=parse_categorical(args.categorical),
        options=resample_options(args),
        force=args.force,
        progress=progress_factory(args),
    )


def _print_summary(summary: dict) -> None:
    where = "dry run, nothing written" if summary["dry_run"] else f"-> {summary['output']}"
    print(f"torchsmote resample: {summary['input']} {where}")
    print(
        f"{describe_method(summary)}, {len(summary['features'])} feature(s), label {summary['label']!r}"
        + (f", device {summary['device']}" if summary["device"] else "")
        + (", read whole into memory" if summary["in_memory"] else "")
    )
    print(f"class counts before: {format_counts(summary['class_counts_before'])}")
    print(f"class counts after:  {format_counts(summary['class_counts_after'])}")
    removed = f", {summary['rows_removed']:,} input rows removed" if summary["rows_removed"] else ""
    if summary["dry_run"]:
        print(f"would write {summary['rows_synthetic']:,} synthetic rows{removed}")
    else:
        print(
            f"wrote {summary['rows_out']:,} rows ({summary['rows_synthetic']:,} synthetic{removed}) "
            f"in {summary['seconds']['total']:.2f} s"
        )
