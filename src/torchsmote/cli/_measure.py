"""Child process of ``torchsmote compare``: one library, one fit_resample, measured.

``python -m torchsmote.cli._measure LIBRARY JSON_ARGS`` prints one JSON line:
seconds (median of the repeats), peak memory added by the call, class counts
after. A fresh process per library keeps one library's allocations and imports
out of the other's peak.
"""

from __future__ import annotations

import importlib
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
        ``input``, ``label``, ``features``, ``options`` (ResampleOptions fields), ``repeat``.

    Returns
    -------
    dict
        ``seconds`` (median), ``seconds_all``, ``peak_extra_bytes`` (None when the
        platform cannot reset its peak counter), ``class_counts_after``, ``rows_synthetic``.
    """
    import numpy as np

    from torchsmote.io.formats import open_source
    from torchsmote.io.streaming import ResampleOptions, plan_resample, read_arrays

    options = ResampleOptions(**spec["options"])
    source = open_source(spec["input"], label=spec["label"])
    plan = plan_resample(
        source, label=getattr(source, "label_name", spec["label"]), features=spec["features"], options=options
    )
    X, y = read_arrays(plan)
    # Both libraries get the resolved strategy as {label: rows after}, so string
    # labels from JSON and float ratios mean exactly the same thing to each.
    targets = {label: n for label, n in plan.counts_after().items() if plan.to_generate.get(label, 0) > 0}
    module_name, class_name = (
        plan.method.estimator if library == "torchsmote" else plan.method.imblearn_estimator
    )
    sampler_class = getattr(importlib.import_module(module_name), class_name)
    params = dict(sampling_strategy=targets, k_neighbors=options.k_neighbors, random_state=options.seed)
    if library == "torchsmote":
        params.update(
            device=options.device, knn_backend=options.knn_backend, kernel_backend=options.kernel_backend
        )
    _warm_up(sampler_class, params, targets, X, y)
    times, peak = [], None
    for attempt in range(spec.get("repeat", 1)):
        sampler = sampler_class(**params)
        can_reset = _reset_peak()
        before = _status_kib("VmRSS") if can_reset else None
        start = time.perf_counter()
        X_res, y_res = sampler.fit_resample(X, y)
        times.append(time.perf_counter() - start)
        if attempt == 0:
            if can_reset:
                peak = (_status_kib("VmHWM") - before) * 1024
            after = dict(zip(*np.unique(y_res, return_counts=True), strict=True))
            n_synthetic = int(X_res.shape[0] - X.shape[0])
        del X_res, y_res, sampler
    return {
        "library": library,
        "seconds": statistics.median(times),
        "seconds_all": times,
        "peak_extra_bytes": peak,
        "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "class_counts_after": {str(k): int(v) for k, v in after.items()},
        "rows_synthetic": n_synthetic,
        "output_bytes": int((X.shape[0] + n_synthetic) * X.shape[1] * X.itemsize),
    }


def _warm_up(sampler_class, params: dict, targets: dict, X, y) -> None:
    """One untimed call on a few hundred rows of each over-sampled class.

    The first call of a process pays one-off costs (torch's kernels and thread
    pool, imports inside libraries): 13 MiB and tens of milliseconds for torchsmote
    on a 220-row file. Those are not ``fit_resample``'s, so neither timings nor the
    peak-memory figure should include them.
    """
    import numpy as np

    rows = [np.flatnonzero(y == label)[:256] for label in targets]
    if not rows:
        return
    subset = np.sort(np.concatenate(rows))
    small_targets = {label: int((y[subset] == label).sum()) + 8 for label in targets}
    try:
        sampler_class(**{**params, "sampling_strategy": small_targets}).fit_resample(X[subset], y[subset])
    except Exception:  # only a warm-up: the timed call reports any real error
        pass


if __name__ == "__main__":
    result = measure(sys.argv[1], json.loads(sys.argv[2]))
    print(json.dumps(result))
