"""Command line: ``torchsmote demo`` resamples the built-in dataset and reports speed."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

import torch

from torchsmote import SMOTE, __version__
from torchsmote.datasets import make_imbalanced_blobs


def _demo(args: argparse.Namespace) -> int:
    X, y = make_imbalanced_blobs(args.majority, args.minority, args.features, random_state=args.seed)
    sampler = SMOTE(k_neighbors=args.k_neighbors, random_state=args.seed, device=args.device)
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    n_synthetic = X_res.shape[0] - X.shape[0]
    before = dict(sorted(Counter(y.tolist()).items()))
    after = dict(sorted(Counter(y_res.tolist()).items()))
    print(f"torchsmote {__version__} demo (torch {torch.__version__}, device {sampler.device_})")
    print(f"data: {X.shape[0]:,} rows x {X.shape[1]} features, float32, clustered blobs")
    print(f"class counts before: {before}")
    print(f"class counts after:  {after}")
    print(f"synthetic rows: {n_synthetic:,} in {seconds:.3f} s = {n_synthetic / seconds:,.0f} rows/s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torchsmote", description=__doc__)
    parser.add_argument("--version", action="version", version=f"torchsmote {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="resample the built-in imbalanced dataset")
    demo.add_argument("--majority", type=int, default=1_000_000, help="majority rows")
    demo.add_argument("--minority", type=int, default=10_000, help="minority rows")
    demo.add_argument("--features", type=int, default=32, help="features per row")
    demo.add_argument("--k-neighbors", type=int, default=5)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``torchsmote`` command."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError) as exc:
        print(f"torchsmote: error: {exc}", file=sys.stderr)
        return 2
