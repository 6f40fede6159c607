"""Benchmark workloads: one definition shared by the benchmarks and the GPU check."""

from __future__ import annotations

import functools

from torchsmote.datasets import make_imbalanced_blobs, make_overlapping_classes

#: name -> (n_majority, n_minority, n_features, blobs per class). Float32, binary,
#: balanced to 1:1 (sampling_strategy='auto'). W1/W2 are the issue's clustered
#: workloads; W2g is W2 with one Gaussian per class (no clusters to prune by).
WORKLOADS = {
    "W1": (1_000_000, 10_000, 32, 10),
    "W2": (1_000_000, 100_000, 32, 10),
    "W2g": (1_000_000, 100_000, 32, 1),
}


@functools.lru_cache(maxsize=2)
def workload(name: str):
    """(X, y) of a named workload, generated once per process (seeded)."""
    n_majority, n_minority, d, n_clusters = WORKLOADS[name]
    return make_imbalanced_blobs(n_majority, n_minority, d, n_clusters=n_clusters, random_state=0)


#: Multi-class workloads of the SMOTE family (cleaning, Borderline, ADASYN):
#: name -> (rows per class, n_features). W3: 100,000 rows, three overlapping
#: unit Gaussians, 80 / 15 / 5 %, float32, sampling_strategy='auto'.
FAMILY_WORKLOADS = {
    "W3": ((80_000, 15_000, 5_000), 16),
}


@functools.lru_cache(maxsize=1)
def family_workload(name: str):
    """(X, y) of a named family workload, generated once per process (seeded)."""
    counts, d = FAMILY_WORKLOADS[name]
    return make_overlapping_classes(counts, d, random_state=0)
