"""Pieces shared by the subcommands: options, parsing, progress bars, errors, output."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from typing import Any

from torchsmote.backends import KERNEL_BACKENDS, KNN_BACKENDS
from torchsmote.io._deps import optional_tqdm
from torchsmote.io.formats import OptionError
from torchsmote.sampling_strategy import STRING_STRATEGIES, UNDER_STRING_STRATEGIES

#: Every named strategy of some sampling type ('majority' is for cleaning and under-sampling).
NAMED_STRATEGIES = tuple(dict.fromkeys(STRING_STRATEGIES + UNDER_STRING_STRATEGIES))

#: Exit codes: 0 success, 1 the data (or the machine) stopped the run, 2 the
#: command line asked for something impossible whatever the data, 130 Ctrl-C.
EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (``torchsmote: error: ...``) and exit code 2."""

    def error(self, message: str):  # argparse's hook for usage errors
        print(f"torchsmote: error: {self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parse_sampling_strategy(text: str) -> float | str | dict | list:
    """``--sampling-strategy``: a named strategy, a float ratio, a JSON object ``{label: rows after}``
    or a JSON array of the classes to clean (cleaning methods)."""
    text = text.strip()
    if text in NAMED_STRATEGIES:
        return text
    if text.startswith(("{", "[")):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise OptionError(f"--sampling-strategy {text!r} is not valid JSON ({exc.msg})") from None
        if not isinstance(value, dict | list):
            raise OptionError(
                "--sampling-strategy JSON must be an object {label: rows after resampling} "
                "or an array of the classes to clean"
            )
        return value
    try:
        ratio = float(text)
    except ValueError:
        forms = ", ".join(NAMED_STRATEGIES)
        raise OptionError(
            f"--sampling-strategy {text!r} is unknown; use one of {forms}, a float ratio in (0, 1], "
            "a JSON object such as '{\"1\": 5000}' or (cleaning methods) a JSON array of classes"
        ) from None
    if not math.isfinite(ratio):
        raise OptionError(f"--sampling-strategy {text!r} must be a finite float in (0, 1]")
    return ratio


def parse_columns(text: str | None) -> list[str] | None:
    """Comma-separated column names (``a,b,c``); None stays None."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise OptionError("an empty column list was given")
    return names


def parse_categorical(text: str | None) -> list[str] | str | None:
    if text is None or text.strip() == "auto":
        return None if text is None else "auto"
    return parse_columns(text)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number >= 0")
    return value


def threshold_value(text: str) -> float | str:
    """``--cluster-balance-threshold``: 'auto' or a finite float."""
    if text.strip() == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither 'auto' nor a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} must be 'auto' or a finite number")
    return value


def seed_value(text: str) -> int:
    """``--seed``: the estimator's ``random_state`` range, 0 .. 2**32 - 1 (scikit-learn's)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text!r} must be in 0 .. 2**32 - 1")
    return value


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by resample, compare and plot: what to read and how to resample."""
    from torchsmote.io.methods import DEFAULT_CHUNK_ROWS, METHODS

    parser.add_argument(
        "--label",
        metavar="COL",
        help="label column (.npy input: path of the labels .npy; .npz input: key of the labels array)",
    )
    known = ", ".join(f"{name} = {method.summary}" for name, method in METHODS.items())
    parser.add_argument(
        "--method",
        default="smote",
        help=f"sampler: {known}; every method but smote loads the file into memory (default: smote)",
    )
    parser.add_argument(
        "--sampling-strategy",
        default="auto",
        metavar="S",
        help="auto, minority, majority, 'not minority', 'not majority', all, a float ratio in (0, 1], "
        "a JSON object of rows per class after resampling, e.g. '{\"1\": 5000}', or for enn and "
        "tomek a JSON array of the classes to clean (default: auto)",
    )
    takers = _takers(METHODS)
    parser.add_argument(
        "--k-neighbors",
        type=positive_int,
        metavar="K",
        help=f"neighbour count, per method as its parameter and default: {takers['k_neighbors']}",
    )
    parser.add_argument(
        "--m-neighbors",
        type=positive_int,
        metavar="M",
        help=f"neighbours that tell rows in danger: {takers['m_neighbors']}",
    )
    parser.add_argument(
        "--shrinkage",
        type=non_negative_float,
        metavar="S",
        help=f"smoothed bootstrap: {takers['shrinkage']} (None: plain copies)",
    )
    parser.add_argument(
        "--cluster-balance-threshold",
        type=threshold_value,
        metavar="FLOAT|auto",
        help="smallest share of a class's rows in a cluster that gets synthetic rows: "
        f"{takers['cluster_balance_threshold']}",
    )
    deterministic = [name for name, method in METHODS.items() if method.target("seed") is None]
    parser.add_argument(
        "--seed",
        type=seed_value,
        help="random seed; the same seed gives the same rows (default: 0; "
        f"{', '.join(deterministic)} draw no random numbers and take none)",
    )
    parser.add_argument(
        "--device", default="auto", type=device_name, help="auto, cpu, cuda or cuda:N (default: auto)"
    )
    parser.add_argument("--knn-backend", default="auto", choices=KNN_BACKENDS, help="default: auto")
    parser.add_argument("--kernel-backend", default="auto", choices=KERNEL_BACKENDS, help="default: auto")
    parser.add_argument(
        "--features", metavar="COLS", help="comma-separated feature columns (default: all but the label)"
    )
    parser.add_argument(
        "--categorical",
        metavar="COLS|auto",
        help="categorical feature columns of the input, or auto (its string and dictionary columns); "
        "methods that take them: "
        + (", ".join(name for name, method in METHODS.items() if method.categorical) or "none")
        + " (smotenc needs them; smoten takes categorical features only, default auto)",
    )
    parser.add_argument(
        "--chunk-rows",
        type=positive_int,
        default=DEFAULT_CHUNK_ROWS,
        metavar="N",
        help=f"rows per read batch and generation or write chunk; bounds smote's memory, never changes "
        f"the rows (default: {DEFAULT_CHUNK_ROWS})",
    )
    parser.add_argument("--json", action="store_true", help="print a machine-readable summary on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary, no progress bars")
    parser.add_argument("-v", "--verbose", action="store_true", help="timings and choices on stderr")


def _takers(methods) -> dict[str, str]:
    """For the help: which methods take each method-specific option, as which parameter (default)."""
    return {
        option: ", ".join(
            f"{name} {method.options[option]}={method.default(option)}"
            for name, method in methods.items()
            if option in method.options
        )
        for option in ("k_neighbors", "m_neighbors", "shrinkage", "cluster_balance_threshold")
    }


def device_name(text: str) -> str:
    """argparse type: 'auto', 'cpu', 'cuda' or 'cuda:N' (a usage error otherwise, exit 2)."""
    if re.fullmatch(r"auto|cpu|cuda(:\d+)?", text) is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a device: use auto, cpu, cuda or cuda:N")
    return text


def resample_options(args: argparse.Namespace):
    """The :class:`~torchsmote.io.ResampleOptions` of parsed arguments."""
    from torchsmote.io.streaming import ResampleOptions

    return ResampleOptions(
        method=args.method,
        sampling_strategy=parse_sampling_strategy(args.sampling_strategy),
        k_neighbors=args.k_neighbors,
        m_neighbors=args.m_neighbors,
        shrinkage=args.shrinkage,
        cluster_balance_threshold=args.cluster_balance_threshold,
        seed=args.seed,
        device=args.device,
        knn_backend=args.knn_backend,
        kernel_backend=args.kernel_backend,
        chunk_rows=args.chunk_rows,
        synthetic_only=getattr(args, "synthetic_only", False),
    )


def require_label(args: argparse.Namespace) -> str:
    if not args.label:
        raise OptionError(f"{args.input}: --label COL is required (the class label column)")
    return args.label


def progress_factory(args: argparse.Namespace):
    """tqdm bars on stderr, one per phase, only on a terminal and without -q (else no-ops)."""
    from torchsmote.io.streaming import no_progress

    tqdm = optional_tqdm()
    if tqdm is None or args.quiet or not sys.stderr.isatty():
        return no_progress

    def make(phase: str, total: int | None):
        unit = "class" if phase == "k-NN" else "row"
        return tqdm(total=total, desc=f"{phase:>8}", unit=unit, unit_scale=True, file=sys.stderr, leave=False)

    return make


def log(args: argparse.Namespace, message: str) -> None:
    """A -v line on stderr (stdout carries data and summaries only)."""
    if args.verbose and not args.quiet:
        print(message, file=sys.stderr)


def format_counts(counts: dict[Any, int]) -> str:
    return "{" + ", ".join(f"{label}: {n:,}" for label, n in counts.items()) + "}"


def describe_method(summary: dict) -> str:
    """``method smote, k_neighbors=5, seed 0``: the method and the parameters the command chose."""
    params = {k: v for k, v in summary["estimator_params"].items() if k != "random_state"}
    parts = [f"method {summary['method']}"]
    if summary["method"] != "smote":
        parts[0] += f" ({summary['estimator']})"
    parts += [f"{name}={value!r}" for name, value in params.items()]
    if summary["seed"] is not None:
        parts.append(f"seed {summary['seed']}")
    return ", ".join(parts)


def print_json(summary: dict) -> None:
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")


def use_system_allocator() -> None:
    """Give Arrow the system allocator for this process (the command owns the process).

    Arrow's default mimalloc pool keeps the pages of freed batches: streaming a
    2M-row Parquet file left ~75 MB resident after the pass, against ~5 MB with
    the system allocator once trimmed (dev VM). Memory is the point of streaming,
    so the command picks the allocator that gives it back; library callers of
    :mod:`torchsmote.io` keep whatever pool they chose.
    """
    from torchsmote.io._deps import require_pyarrow

    pa = require_pyarrow()
    pa.set_memory_pool(pa.system_memory_pool())
