"""Peak extra memory of one fit_resample, measured in a fresh process.

Usage: python bench/peak_memory.py W1 torchsmote|imblearn  -> prints JSON.
Linux only: resets the kernel's peak-RSS counter (/proc/self/clear_refs) after
the data is built, so VmHWM then measures the resampling alone.
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
    from workloads import workload

    X, y = workload(name)
    if library == "torchsmote":
        from torchsmote import SMOTE
    else:
        from imblearn.over_sampling import SMOTE
    sampler = SMOTE(random_state=0)
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    X_res, _ = sampler.fit_resample(X, y)
    peak = _status_kib("VmHWM")
    print(json.dumps({"peak_extra_bytes": (peak - before) * 1024, "output_bytes": X_res.nbytes}))


if __name__ == "__main__":
    main()
