"""SMOTE end to end on W1/W2, torchsmote and imbalanced-learn side by side.

Run with ``make bench``. Medians and the speed-up ratios are printed at the end
and written to bench/last-run.json; record them, with the machine, in
bench/RESULTS.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PEAK_MEMORY
from workloads import WORKLOADS, workload

#: imbalanced-learn needs ~20 s per W2 run on a 2-core machine: few rounds there.
#: W1 runs vary by 2x on the dev VM (fresh 256 MB outputs page-fault differently
#: from round to round), so it gets a warm-up round and nine timed ones.
ROUNDS = {"W1": 9, "W2": 2, "W2g": 2}
WARMUP = {"W1": 1, "W2": 0, "W2g": 0}


def _sampler(library: str, **params):
    if library == "imblearn":
        from imblearn.over_sampling import SMOTE

        return SMOTE(random_state=0)
    from torchsmote import SMOTE

    return SMOTE(random_state=0, **params)


LIBRARIES = {
    "imblearn": {},
    "torchsmote": {},
    "torchsmote[knn=faiss]": {"knn_backend": "faiss"},
}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_fit_resample(benchmark, name, library):
    if "faiss" in library and name != "W1":
        pytest.skip("faiss's flat index needs ~26 s per W2 run here; measured on W1 only")
    X, y = workload(name)
    sampler = _sampler(library.split("[")[0], **LIBRARIES[library])
    benchmark.group = f"fit_resample {name}"
    benchmark.extra_info.update(library=library, workload=name, shape=list(X.shape))
    X_res, y_res = benchmark.pedantic(
        sampler.fit_resample, args=(X, y), rounds=ROUNDS[name], warmup_rounds=WARMUP[name], iterations=1
    )
    n_majority = WORKLOADS[name][0]
    assert X_res.shape == (2 * n_majority, X.shape[1])
    assert (y_res == 1).sum() == n_majority


@pytest.mark.parametrize("name", ["W1", "W2"])
@pytest.mark.parametrize("library", ["imblearn", "torchsmote"])
def test_peak_memory(name, library):
    """Peak extra RSS of one fit_resample in a fresh process (not a timing)."""
    script = Path(__file__).parent / "peak_memory.py"
    done = subprocess.run(
        [sys.executable, str(script), name, library], capture_output=True, text=True, check=True
    )
    PEAK_MEMORY.setdefault(name, {})[library] = json.loads(done.stdout.strip().splitlines()[-1])
