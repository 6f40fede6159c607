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


#: Mixed workloads of SMOTENC: name -> (rows per class, continuous columns,
#: categories of each categorical column). W4: 100,000 rows, 80 / 15 / 5 %,
#: 12 float32 continuous columns (W3's overlapping Gaussians) and 4 categorical
#: columns whose category frequencies depend on the class, as a DataFrame:
#: two 'category' columns of strings, one object column of strings, one int64
#: column, interleaved with the continuous ones; sampling_strategy='auto'.
MIXED_WORKLOADS = {
    "W4": ((80_000, 15_000, 5_000), 12, (3, 5, 8, 12)),
}


@functools.lru_cache(maxsize=1)
def mixed_workload(name: str):
    """(X, y, categorical column names) of a named SMOTENC workload, generated once per process."""
    import numpy as np
    import pandas as pd

    counts, d_cont, cards = MIXED_WORKLOADS[name]
    X_cont, y = make_overlapping_classes(counts, d_cont, random_state=0)
    rng = np.random.default_rng(1)
    columns = {f"x{i}": X_cont[:, i] for i in range(d_cont)}
    categorical = []
    for j, n_cat in enumerate(cards):
        # A class-dependent favourite category 60% of the time, uniform otherwise.
        favourite = (y * (j + 1)) % n_cat
        codes = np.where(rng.random(len(y)) < 0.6, favourite, rng.integers(0, n_cat, len(y)))
        values = np.array([f"c{j}_{v}" for v in range(n_cat)], dtype=object)[codes]
        name = f"cat{j}"
        if j < 2:
            columns[name] = pd.Categorical(values)
        elif j == 2:
            columns[name] = values  # plain object strings
        else:
            columns[name] = codes.astype(np.int64) * 100
        categorical.append(name)
    order = (
        [f"x{i}" for i in range(d_cont // 2)] + categorical + [f"x{i}" for i in range(d_cont // 2, d_cont)]
    )
    return pd.DataFrame(columns)[order], y, categorical
