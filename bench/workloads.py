"""Benchmark workloads: one definition shared by the benchmarks and the GPU check."""

from __future__ import annotations

import functools

from torchsmote.datasets import make_imbalanced_blobs

#: name -> (n_majority, n_minority, n_features). Float32 clustered blobs, binary,
#: balanced to 1:1 (sampling_strategy='auto').
WORKLOADS = {
    "W1": (1_000_000, 10_000, 32),
    "W2": (1_000_000, 100_000, 32),
}


@functools.lru_cache(maxsize=2)
def workload(name: str):
    """(X, y) of a named workload, generated once per process (seeded)."""
    n_majority, n_minority, d = WORKLOADS[name]
    return make_imbalanced_blobs(n_majority, n_minority, d, random_state=0)
