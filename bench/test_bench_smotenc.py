"""SMOTENC on W4 (100k rows, 12 continuous + 4 categorical columns) beside imbalanced-learn.

Run with ``.venv/bin/python -m pytest bench/test_bench_smotenc.py --benchmark-enable -q``
(also part of ``make bench``). Targets (against imbalanced-learn, same run):
>= 3x faster on the 2-core dev VM, peak extra memory under 2 GB. Medians, ratios
and peak memory are printed at the end; record them, with the machine, in
bench/RESULTS.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PEAK_MEMORY
from workloads import MIXED_WORKLOADS, mixed_workload

#: imbalanced-learn needs ~25 s per W4 run on the 2-core dev VM: two rounds each.
ROUNDS = 2


def _sampler(library: str, categorical):
    if library == "imblearn":
        from imblearn.over_sampling import SMOTENC
    else:
        from torchsmote import SMOTENC
    return SMOTENC(categorical_features=categorical, random_state=0)


@pytest.mark.parametrize("name", sorted(MIXED_WORKLOADS))
@pytest.mark.parametrize("library", ["imblearn", "torchsmote"])
def test_smotenc_fit_resample(benchmark, name, library):
    X, y, categorical = mixed_workload(name)
    sampler = _sampler(library, categorical)
    benchmark.group = f"SMOTENC {name}"
    benchmark.extra_info.update(library=library, workload=name, shape=list(X.shape))
    X_res, y_res = benchmark.pedantic(
        sampler.fit_resample, args=(X, y), rounds=ROUNDS, warmup_rounds=0, iterations=1
    )
    n_majority = MIXED_WORKLOADS[name][0][0]
    assert X_res.shape == (3 * n_majority, X.shape[1]) and len(y_res) == 3 * n_majority
    assert X_res.dtypes.to_dict() == X.dtypes.to_dict()


@pytest.mark.parametrize("name", sorted(MIXED_WORKLOADS))
@pytest.mark.parametrize("library", ["imblearn", "torchsmote"])
def test_smotenc_peak_memory(name, library):
    """Peak extra RSS of one fit_resample in a fresh process (not a timing)."""
    script = Path(__file__).parent / "peak_memory.py"
    done = subprocess.run(
        [sys.executable, str(script), name, library], capture_output=True, text=True, check=True
    )
    PEAK_MEMORY.setdefault(name, {})[library] = json.loads(done.stdout.strip().splitlines()[-1])
