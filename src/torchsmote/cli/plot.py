"""``torchsmote plot INPUT --label COL -o report.png``: see what a resampling makes.

Two panels: class counts before and after, and a 2-D PCA projection of real
rows of the over-sampled classes against synthetic ones. Only a sample is
drawn (``--max-points`` per class and kind): the first synthetic rows of each
class are exactly the first rows ``resample`` would write (for smote, since row
``i`` of a class never depends on how many rows are made, only those rows are
made; the other methods run whole, in memory, as ``resample`` runs them).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # matplotlib is an optional extra: imported for the annotation only
    from matplotlib.figure import Figure

from ._common import (
    EXIT_OK,
    add_data_options,
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

HELP = "draw class counts before/after and a PCA view of real vs synthetic rows (PNG)"


def add_parser(commands) -> argparse.ArgumentParser:
    parser = commands.add_parser("plot", help=HELP, description=__doc__)
    parser.add_argument("input", metavar="INPUT", help="the file to resample")
    parser.add_argument("-o", "--output", required=True, metavar="PNG", help="the picture to write (.png)")
    add_data_options(parser)
    parser.add_argument(
        "--max-points",
        type=positive_int,
        default=5000,
        metavar="N",
        help="real and synthetic rows drawn per class, each (default: 5000)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing PNG")
    parser.set_defaults(run=run)
    return parser


def pca_2d(real: np.ndarray, synthetic: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project two row sets on the first two principal axes of their union.

    Parameters
    ----------
    real : ndarray of shape (n_real, d)
    synthetic : ndarray of shape (n_synthetic, d)

    Returns
    -------
    real_2d : ndarray of shape (n_real, 2)
    synthetic_2d : ndarray of shape (n_synthetic, 2)
    explained : ndarray of shape (2,)
        Share of the variance along each axis (0 where d < 2 or no variance).
    """
    both = np.concatenate([real, synthetic]).astype(np.float64)
    centre = both.mean(axis=0)
    # Thin SVD of a few thousand rows: milliseconds, and exact (no randomised PCA needed).
    _, singular, axes = np.linalg.svd(both - centre, full_matrices=False)
    axes = axes[:2]
    if axes.shape[0] < 2:  # one feature: the second axis is flat
        axes = np.vstack([axes, np.zeros((2 - axes.shape[0], both.shape[1]))])
    variance = singular**2
    explained = np.zeros(2)
    if variance.sum() > 0:
        share = variance[:2] / variance.sum()
        explained[: share.size] = share
    return (real - centre) @ axes.T, (synthetic - centre) @ axes.T, explained


def render_report(
    counts_before: dict,
    counts_after: dict,
    real: np.ndarray,
    synthetic: np.ndarray,
    *,
    title: str = "",
) -> Figure:
    """Draw the two-panel report.

    Parameters
    ----------
    counts_before, counts_after : dict
        ``{label: rows}`` per class.
    real : ndarray of shape (n_real, d)
        Sample of real rows of the over-sampled classes.
    synthetic : ndarray of shape (n_synthetic, d)
        Sample of synthetic rows.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: ``axes[0]`` the counts bar chart, ``axes[1]`` the PCA scatter.
    """
    from torchsmote.io._deps import require_matplotlib

    figure_module = require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = figure_module.Figure(figsize=(12, 5), layout="constrained")
    FigureCanvasAgg(fig)
    bars, scatter = fig.subplots(1, 2)
    labels = [str(label) for label in counts_before]
    positions = np.arange(len(labels))
    width = 0.4
    bars.bar(positions - width / 2, list(counts_before.values()), width, label="before", color="tab:blue")
    bars.bar(positions + width / 2, list(counts_after.values()), width, label="after", color="tab:orange")
    bars.set_xticks(positions, labels)
    bars.set_xlabel("class")
    bars.set_ylabel("rows")
    bars.set_title("class counts")
    # Head room above the tallest bar, so the legend never covers one.
    bars.set_ylim(0, 1.2 * max([*counts_before.values(), *counts_after.values(), 1]))
    bars.legend(loc="upper center", ncols=2)
    if real.shape[0] and synthetic.shape[0]:
        real_2d, synthetic_2d, explained = pca_2d(real, synthetic)
        # Synthetic rows first: the fewer real rows are drawn on top, where they stay visible.
        scatter.scatter(
            synthetic_2d[:, 0],
            synthetic_2d[:, 1],
            s=5,
            alpha=0.35,
            marker="x",
            color="tab:orange",
            label=f"synthetic ({len(synthetic):,})",
        )
        scatter.scatter(
            real_2d[:, 0],
            real_2d[:, 1],
            s=14,
            color="tab:blue",
            edgecolors="black",
            linewidths=0.3,
            label=f"real ({len(real):,})",
        )
        scatter.set_xlabel(f"PC1 ({explained[0]:.0%} of variance)")
        scatter.set_ylabel(f"PC2 ({explained[1]:.0%} of variance)")
        scatter.legend()
    else:
        scatter.text(
            0.5, 0.5, "no class is over-sampled", ha="center", va="center", transform=scatter.transAxes
        )
    scatter.set_title("over-sampled classes: real vs synthetic (PCA)")
    if title:
        fig.suptitle(title)
    return fig


def _in_memory_rows(plan, options, max_points: int, progress):
    """An in-memory method's run: real rows of each class it over-sampled (kept in its output),
    its first ``max_points`` synthetic rows per class, and the class counts after."""
    from torchsmote.io.in_memory import resample_arrays

    result = resample_arrays(plan, options, progress=progress)
    pools, synthetic = {}, []
    for label in plan.classes:
        of_class = result.y == label
        made = np.flatnonzero(of_class & result.synthetic)
        if made.size:
            pools[label] = result.X[of_class & ~result.synthetic]
            synthetic.append(result.X[made[:max_points]])
    return pools, synthetic, result.counts_after(plan)


def run(args: argparse.Namespace) -> int:
    from torchsmote.io.formats import OptionError, open_source
    from torchsmote.io.methods import estimator_params, resolve_options
    from torchsmote.io.streaming import check_output, gather_pools, plan_resample, synthetic_chunks
    from torchsmote.io.writers import AtomicPath

    output = Path(args.output)
    if output.suffix.lower() != ".png":
        raise OptionError(f"plot output {output} must be a .png file")
    label = require_label(args)
    method, options = resolve_options(resample_options(args))
    if method.categorical:
        raise OptionError(
            f"plot draws the numeric features' principal components; method {method.name!r} resamples "
            "categorical features, which it cannot draw: use torchsmote resample"
        )
    progress = progress_factory(args)
    use_system_allocator()
    source = open_source(args.input, label=label)
    inputs = [Path(args.input)] + ([Path(label)] if source.format == "npy" else [])
    check_output(inputs, output, force=args.force)  # the same rules (and exit code) as resample
    plan = plan_resample(
        source,
        label=getattr(source, "label_name", label),
        features=parse_columns(args.features),
        categorical=parse_categorical(args.categorical),
        options=options,
        progress=progress,
    )
    rng = np.random.default_rng(0)  # the sample of real rows only; never the synthetic rows
    if plan.method.in_memory:
        pools, synthetic, counts_after = _in_memory_rows(plan, options, args.max_points, progress)
    else:
        pools = gather_pools(plan, chunk_rows=options.chunk_rows, progress=progress)
        synthetic = [
            rows.copy()
            for *_, rows in synthetic_chunks(plan, pools, options, limit=args.max_points, progress=progress)
        ]
        counts_after = plan.counts_after()
    real = []
    for pool in pools.values():
        keep = (
            pool
            if len(pool) <= args.max_points
            else pool[rng.choice(len(pool), args.max_points, replace=False)]
        )
        real.append(keep)
    d = len(plan.features)
    real_rows = np.concatenate(real) if real else np.empty((0, d))
    synthetic_rows = np.concatenate(synthetic) if synthetic else np.empty((0, d))
    fig = render_report(
        {str(k): v for k, v in plan.counts_before().items()},
        {str(k): v for k, v in counts_after.items()},
        real_rows,
        synthetic_rows,
        title=f"{Path(args.input).name}: "
        + ", ".join(
            [options.method]
            + [f"{k}={v}" for k, v in estimator_params(plan.method, options).items() if k != "random_state"]
            + ([f"seed {options.seed}"] if options.seed is not None else [])
        ),
    )
    target = AtomicPath(output)
    try:
        fig.savefig(target.temp, format="png", dpi=100)
        target.commit()
    except BaseException:
        target.discard()
        raise
    log(args, f"drew {len(real_rows):,} real and {len(synthetic_rows):,} synthetic rows")
    summary = {
        "command": "plot",
        "input": args.input,
        "output": str(output),
        "class_counts_before": {str(k): v for k, v in plan.counts_before().items()},
        "class_counts_after": {str(k): v for k, v in counts_after.items()},
        "points_real": len(real_rows),
        "points_synthetic": len(synthetic_rows),
    }
    if args.json:
        print_json(summary)
    elif not args.quiet:
        print(
            f"torchsmote plot: wrote {output} "
            f"({len(real_rows):,} real, {len(synthetic_rows):,} synthetic rows drawn)"
        )
    return EXIT_OK
