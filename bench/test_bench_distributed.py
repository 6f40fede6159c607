"""Scale-out overhead: W1 through ``torchsmote.distributed`` on a local Ray instance vs one process.

The same run times imbalanced-learn, torchsmote in one process (numpy in,
numpy out) and torchsmote on a local Ray instance with the machine's CPUs
(a materialized Ray Dataset in, ``resample(...).materialize()`` out: counting,
gathering, the k-NN graph, generation and the union with the original rows).
The summary prints each against imbalanced-learn and the Ray run against the
single process (the overhead of going through Ray on one machine).
"""

from __future__ import annotations

import itertools
import logging
import os

import numpy as np
import pytest
from workloads import WORKLOADS, workload

ray = pytest.importorskip("ray")
pd = pytest.importorskip("pandas")

ROUNDS = 3


@pytest.fixture(scope="module")
def local_ray():
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray").setLevel(logging.WARNING)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def w1_dataset(local_ray):
    """W1 as a Ray Dataset of 16 blocks, already in the object store (not timed)."""
    X, y = workload("W1")
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]).assign(y=y)
    edges = np.linspace(0, len(frame), 17).astype(int)
    return ray.data.from_pandas([frame.iloc[a:b] for a, b in itertools.pairwise(edges)]).materialize()


@pytest.mark.parametrize("library", ["imblearn", "torchsmote", "torchsmote[ray]"])
def test_scale_out_overhead(benchmark, library, w1_dataset):
    X, y = workload("W1")
    n_majority = WORKLOADS["W1"][0]
    benchmark.group = "scale-out W1"
    benchmark.extra_info.update(library=library, workload="W1", shape=list(X.shape))
    if library == "torchsmote[ray]":
        import time

        from torchsmote import SMOTE
        from torchsmote.distributed import resample_with_report

        phases = []

        def run():
            dataset, report = resample_with_report(w1_dataset, label="y", sampler=SMOTE(random_state=0))
            tic = time.perf_counter()
            rows = dataset.materialize().count()
            phases.append({**report.seconds, "generate_and_union": time.perf_counter() - tic})
            return rows

        rows = benchmark.pedantic(run, rounds=ROUNDS, warmup_rounds=1, iterations=1)
        assert rows == 2 * n_majority
        # Seconds per phase of each timed round (the warm-up round is the first entry).
        benchmark.extra_info["phases"] = phases[1:]
        return
    if library == "imblearn":
        from imblearn.over_sampling import SMOTE
    else:
        from torchsmote import SMOTE
    X_res, _ = benchmark.pedantic(
        SMOTE(random_state=0).fit_resample, args=(X, y), rounds=ROUNDS, warmup_rounds=1, iterations=1
    )
    assert X_res.shape == (2 * n_majority, X.shape[1])
