"""Child process of ``torchsmote compare``: one library, one fit_resample, measured.

``python -m torchsmote.cli._measure LIBRARY JSON_ARGS`` prints one JSON line:
seconds (median of the repeats), peak memory added by the call, class counts
after. A fresh process per library keeps one library's allocations and imports
out of the other's peak.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def measure(library: str, spec: dict) -> dict:
    """Load the file, then time ``fit_resample`` of ``library``'s sampler on it.

    Parameters
    ----------
    library : {'torchsmote', 'imblearn'}
    spec : dict
        ``input``, ``label``, ``features``, ``categorical`` (the resolved
        categorical columns or None), ``options`` (ResampleOptions fields), ``repeat``.

    Returns
    -------
    dict
        ``seconds`` (median), ``seconds_all``, ``peak_extra_bytes`` (None when the
        platform cannot reset its peak counter), ``class_counts_after``,
        ``rows_synthetic`` (synthetic rows in the output), ``rows_out``.
    """
    import numpy as np

    from torchsmote.io.formats import open_source
    from torchsmote.io.in_memory import read_frame, resampled_strategy, synthetic_mask
    from torchsmote.io.methods import ResampleOptions, build_estimator, resolve_options
    from torchsmote.io.streaming import plan_resample, read_arrays

    method, options = resolve_options(ResampleOptions(**spec["options"]))
    source = open_source(spec["input"], label=spec["label"])
    plan = plan_resample(
        source,
        label=getattr(source, "label_name", spec["label"]),
        features=spec["features"],
        categorical=spec.get("categorical"),
        options=options,
    )
    if method.categorical:  # a DataFrame, categorical columns with their types (as resample)
        X, y = read_frame(plan, chunk_rows=options.chunk_rows)
    else:
        X, y = read_arrays(plan)
    # Both libraries get the resolved strategy ({label: rows after} for over-sampling,
    # the classes to clean for cleaning), so string labels from JSON and float ratios
    # mean exactly the same thing to each.
    strategy = resampled_strategy(plan)

    def make(sampling_strategy):
        return build_estimator(method, options, sampling_strategy, library, categorical=plan.categorical)

    _warm_up(make, plan, strategy, X, y)
    times, peak = [], None
    for attempt in range(spec.get("repeat", 1)):
        sampler = make(strategy)
        can_reset = _reset_peak()
        before = _status_kib("VmRSS") if can_reset else None
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        times.append(time.perf_counter() - start)
        if attempt == 0:
            if can_reset:
                peak = (_status_kib("VmHWM") - before) * 1024
            # Every input class, 0 for one a cleaner emptied (as resample's summary).
            after = {label: int(np.count_nonzero(np.asarray(y_res) == label)) for label in plan.classes}
            n_synthetic = int(synthetic_mask(method, sampler, len(y), np.asarray(y_res)).sum())
            n_out = int(X_res.shape[0])
        del X_res, y_res, sampler
    return {
        "library": library,
        "seconds": statistics.median(times),
        "seconds_all": times,
        "peak_extra_bytes": peak,
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "class_counts_after": {str(k): int(v) for k, v in after.items()},
        "rows_synthetic": n_synthetic,
        "rows_out": n_out,
        # A DataFrame's columns differ in size: 8 bytes a value as an estimate.
        "output_bytes": int(n_out * X.shape[1] * (X.itemsize if isinstance(X, np.ndarray) else 8)),
    }


def _warm_up(make, plan, strategy, X, y) -> None:
    """One untimed call on up to 256 rows of each class.

    The first call of a process pays one-off costs (torch's kernels and thread
    pool, imports inside libraries): 13 MiB and tens of milliseconds for torchsmote
    on a 220-row file. Those are not ``fit_resample``'s, so neither timings nor the
    peak-memory figure should include them. Every class is in the sample (a
    sample of one class is refused before any work is done); an over-sampling
    target asks for 8 rows more than the sample has, an under-sampling one for
    no more than it has.
    """
    import numpy as np

    subset = np.sort(np.concatenate([np.flatnonzero(y == label)[:256] for label in plan.classes]))
    y_small = y[subset]
    if isinstance(strategy, dict):
        have = {label: int(np.count_nonzero(y_small == label)) for label in strategy}
        if plan.method.sampling_type == "over-sampling":
            strategy = {label: n + 8 for label, n in have.items()}
        else:
            strategy = {label: min(n, strategy[label]) for label, n in have.items()}
    try:
        rows = X.iloc[subset] if hasattr(X, "iloc") else X[subset]
        make(strategy).fit_resample(rows, y_small)
    except Exception:  # only a warm-up: the timed call reports any real error
        pass


if __name__ == "__main__":
    result = measure(sys.argv[1], json.loads(sys.argv[2]))
    print(json.dumps(result))
