"""Peak extra memory of fit_resample, measured in a fresh process: first call and steady state.

Usage: python bench/peak_memory.py W1|W2|W4 torchsmote|imblearn  -> prints JSON
(W4 runs SMOTENC on its DataFrame, the others SMOTE).
Linux only: resets the kernel's peak-RSS counter (/proc/self/clear_refs) after
the data is built, so VmHWM then measures the resampling alone. The same call
runs twice: ``peak_extra_bytes`` is the second (steady state, what every
further call costs), ``first_call_peak_extra_bytes`` the first, which also
holds what a library loads once per process (for torchsmote, numba's compiler
and the CPU kernels: ~100 MB).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def main() -> None:
    name, library = sys.argv[1], sys.argv[2]
    from workloads import MIXED_WORKLOADS, mixed_workload, workload

    if name in MIXED_WORKLOADS:  # SMOTENC on a DataFrame with categorical columns
        X, y, categorical = mixed_workload(name)
        if library == "torchsmote":
            from torchsmote import SMOTENC
        else:
            from imblearn.over_sampling import SMOTENC
        sampler = SMOTENC(categorical_features=categorical, random_state=0)
    else:
        X, y = workload(name)
        if library == "torchsmote":
            from torchsmote import SMOTE
        else:
            from imblearn.over_sampling import SMOTE
        sampler = SMOTE(random_state=0)
    peaks = []
    for _ in range(2):
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kib("VmRSS")
        X_res, _ = sampler.fit_resample(X, y)
        peaks.append((_status_kib("VmHWM") - before) * 1024)
        # A DataFrame's bytes include its string objects (deep).
        output = int(X_res.memory_usage(deep=True).sum()) if hasattr(X_res, "memory_usage") else X_res.nbytes
        del X_res
    first, steady = peaks
    result = {"peak_extra_bytes": steady, "first_call_peak_extra_bytes": first, "output_bytes": output}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
