"""``torchsmote compare INPUT --label COL``: torchsmote and imbalanced-learn side by side.

Each library runs in its own fresh process on the same data with the same
settings (strategy resolved once, same --method and its parameters, same seed),
and reports seconds, the ratio to torchsmote's time, the peak memory its
``fit_resample`` added and the class counts it produced. Every --method works;
each library holds the whole file in memory.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from dataclasses import asdict

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
)

HELP = "run torchsmote and imbalanced-learn on a file with the same settings, side by side"


def add_parser(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("compare", help=HELP, description=__doc__)
    parser.add_argument(
        "input", metavar="INPUT", help="the file to resample (loaded in memory by each library)"
    )
    add_data_options(parser)
    parser.add_argument(
        "--repeat",
        type=positive_int,
        default=1,
        help="timed runs per library; the median is shown (default: 1)",
    )
    parser.set_defaults(run=run)
    return parser


def imblearn_installed() -> bool:
    return importlib.util.find_spec("imblearn") is not None


def _child(library: str, spec: dict) -> dict:
    cmd = [sys.executable, "-m", "torchsmote.cli._measure", library, json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(f"{library} run failed: {lines[-1] if lines else f'exit code {proc.returncode}'}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> int:
    from torchsmote.io.formats import open_source
    from torchsmote.io.methods import estimator_params, resolve_options
    from torchsmote.io.streaming import plan_resample

    method, options = resolve_options(resample_options(args))
    label = require_label(args)
    features = parse_columns(args.features)
    # Check the file and the options once, here, so errors read the same as resample's.
    source = open_source(args.input, label=label)
    plan = plan_resample(
        source,
        label=getattr(source, "label_name", label),
        features=features,
        categorical=parse_categorical(args.categorical),
        options=options,
        progress=progress_factory(args),
    )
    options_dict = asdict(options)
    spec = {
        "input": args.input,
        "label": label,
        "features": features,
        "categorical": plan.categorical or None,
        "options": options_dict,
    }
    spec["repeat"] = args.repeat
    libraries = ["torchsmote"] + (["imblearn"] if imblearn_installed() else [])
    results = {}
    for library in libraries:
        log(args, f"running {library} ...")
        try:
            results[library] = _child(library, spec)
        except RuntimeError as exc:
            if library == "torchsmote":
                raise
            # imbalanced-learn refusing the data (e.g. its own label checks) must not
            # throw away torchsmote's figures: report the failure in its row.
            results[library] = {"error": str(exc)}
    base = results["torchsmote"]["seconds"]
    for result in results.values():
        if "seconds" in result:
            result["ratio"] = result["seconds"] / base if base > 0 else None
    summary = {
        "command": "compare",
        "input": args.input,
        "method": options.method,
        "estimator": method.estimator_class().__name__,
        "estimator_params": estimator_params(method, options, plan.categorical),
        "k_neighbors": options.k_neighbors,
        "seed": options.seed,
        "rows_in": plan.n_rows,
        "class_counts_before": {str(k): v for k, v in plan.counts_before().items()},
        "torchsmote": results["torchsmote"],
        "imblearn": results.get("imblearn"),
        "imblearn_installed": "imblearn" in results,
    }
    if args.json:
        print_json(summary)
    elif not args.quiet:
        _print_table(summary)
    return EXIT_OK


def _mib(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:,.1f} MiB"


def _print_table(summary: dict) -> None:
    print(f"torchsmote compare: {summary['input']}, {summary['rows_in']:,} rows, {describe_method(summary)}")
    print(f"class counts before: {format_counts(summary['class_counts_before'])}")
    names = {"torchsmote": "torchsmote", "imblearn": "imbalanced-learn"}
    print(f"{'library':<17} {'seconds':>9} {'x torchsmote':>12} {'peak memory':>13}  class counts after")
    for key in ("torchsmote", "imblearn"):
        result = summary[key]
        if result is None:
            continue
        if "error" in result:
            print(f"{names[key]:<17} failed: {result['error']}")
            continue
        print(
            f"{names[key]:<17} {result['seconds']:>9.3f} {result['ratio']:>11.2f}x "
            f"{_mib(result['peak_extra_bytes']):>13}  {format_counts(result['class_counts_after'])}"
        )
    if not summary["imblearn_installed"]:
        print("imbalanced-learn is not installed (pip install imbalanced-learn): torchsmote only")
    print(
        "peak memory: resident memory added by fit_resample, data already loaded; "
        "x torchsmote: seconds / torchsmote's seconds"
    )
