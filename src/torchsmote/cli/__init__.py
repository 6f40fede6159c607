"""Command line: ``torchsmote demo|resample|compare|plot``.

``demo`` (= ``resample --demo``) resamples the built-in dataset and reports
speed; ``resample`` streams a file through a sampler; ``compare`` runs
torchsmote and imbalanced-learn on the same file; ``plot`` draws what was made.
Errors print one line ``torchsmote: error: ...`` on stderr; exit codes are 0
(done), 1 (the data or the machine stopped the run), 2 (a wrong command line),
130 (Ctrl-C), 141 (stdout closed early, e.g. ``| head``) and 143 (SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import traceback
from collections import Counter

from torchsmote import __version__

from . import compare, plot, resample
from ._common import (
    EXIT_DATA,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    device_name,
    positive_int,
)

#: 128 + SIGPIPE, the shell's code for a reader that closed the pipe (``| head``).
EXIT_BROKEN_PIPE = 141
#: 128 + SIGTERM.
EXIT_TERMINATED = 143

__all__ = ["build_parser", "main"]

DESCRIPTION = (
    "GPU-accelerated SMOTE on files. Errors print one line on stderr; exit codes: 0 done, "
    "1 the data or the machine stopped the run, 2 a wrong command line, 130 Ctrl-C, "
    "141 stdout closed early, 143 terminated."
)


def demo_defaults(**overrides) -> argparse.Namespace:
    """The demo's arguments (``torchsmote demo`` with no options), with overrides."""
    values = dict(majority=1_000_000, minority=10_000, features=32, k_neighbors=5, seed=0, device="auto")
    values.update(overrides)
    return argparse.Namespace(**values)


def run_demo(args: argparse.Namespace) -> int:
    import torch

    from torchsmote import SMOTE
    from torchsmote.datasets import make_imbalanced_blobs

    X, y = make_imbalanced_blobs(args.majority, args.minority, args.features, random_state=args.seed)
    sampler = SMOTE(k_neighbors=args.k_neighbors, random_state=args.seed, device=args.device)
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    # A second call shows the steady state: the first also loaded the compiled
    # CPU kernels (numba, ~0.45 s once per process) or initialised CUDA.
    del X_res
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds_again = time.perf_counter() - start
    n_synthetic = X_res.shape[0] - X.shape[0]
    before = dict(sorted(Counter(y.tolist()).items()))
    after = dict(sorted(Counter(y_res.tolist()).items()))
    print(f"torchsmote {__version__} demo (torch {torch.__version__}, device {sampler.device_})")
    print(f"data: {X.shape[0]:,} rows x {X.shape[1]} features, float32, clustered blobs")
    print(f"class counts before: {before}")
    print(f"class counts after:  {after}")
    print(f"synthetic rows: {n_synthetic:,} in {seconds:.3f} s = {n_synthetic / seconds:,.0f} rows/s")
    print(
        f"second call: {seconds_again:.3f} s = {n_synthetic / seconds_again:,.0f} rows/s "
        "(the first also loads the compiled kernels, once per process)"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The ``torchsmote`` argument parser (subcommands demo, resample, compare, plot)."""
    parser = Parser(prog="torchsmote", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"torchsmote {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    demo = commands.add_parser("demo", help="resample the built-in imbalanced dataset")
    demo.add_argument("--majority", type=positive_int, default=1_000_000, help="majority rows")
    demo.add_argument("--minority", type=positive_int, default=10_000, help="minority rows")
    demo.add_argument("--features", type=positive_int, default=32, help="features per row")
    demo.add_argument("--k-neighbors", type=positive_int, default=5)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--device", default="auto", type=device_name, help="auto, cpu, cuda or cuda:N")
    demo.set_defaults(run=run_demo)
    resample.add_parser(commands)
    compare.add_parser(commands)
    plot.add_parser(commands)
    return parser


def _expected_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ValueError, TypeError, OSError, ImportError, RuntimeError]
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        errors.append(arrow.ArrowException)
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``torchsmote`` command; returns the exit code.

    Expected errors (bad options, bad data, missing files or extras) print one
    line ``torchsmote: error: ...`` on stderr, never a traceback.
    """
    from torchsmote.io.formats import OptionError

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) and usage errors (2): a code, not an exception
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    previous_handler = _terminate_cleanly()
    try:
        return args.run(args)
    except OptionError as exc:
        print(f"torchsmote: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # stdout closed early (``| head``): the work is done, nobody is left to read the rest.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("torchsmote: interrupted (no output written)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print("torchsmote: terminated (no output written)", file=sys.stderr)
        return EXIT_TERMINATED
    except _expected_errors() as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"torchsmote: error: {message}", file=sys.stderr)
        return EXIT_DATA
    except Exception as exc:  # a bug of ours: still one line, the traceback only with -v
        if getattr(args, "verbose", False):
            traceback.print_exc()
        message = " ".join(str(exc).split())
        print(
            f"torchsmote: error: internal error: {type(exc).__name__}: {message} (rerun with -v for the "
            "traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_DATA
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)


class _Terminated(BaseException):
    """SIGTERM arrived (``timeout``, Slurm pre-emption, ``docker stop``)."""


def _raise_terminated(signum, frame):
    raise _Terminated


def _terminate_cleanly():
    """Turn SIGTERM into an exception, so the atomic writers' cleanup runs (no ``.part`` left).

    Returns the previous handler, or None when not on the main thread (where
    Python cannot install signal handlers, e.g. ``main()`` called from a worker thread).
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)
