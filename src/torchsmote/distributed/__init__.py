"""Resampling Ray Datasets, with rows identical to a single-machine ``fit_resample``.

When the data outgrows one machine, :func:`resample` runs SMOTE on a
``ray.data.Dataset`` in five steps:

1. **count** (one pass, every block in parallel): per-block class counts and
   value checks, summed on the driver; the sampling strategy is resolved from
   the global counts, and every class is checked before any row moves;
2. **gather**: the rows of each class to over-sample come to the driver in
   dataset order (they must fit one node: checked first, with the size in the error);
3. **graph**: each class's exact k-NN graph, computed once in a Ray task (on a
   GPU when the cluster has one); its rows and graph stay in the object store;
4. **generate**: the synthetic index range of each class is cut into slices,
   one Ray task per slice (``map_batches``, on GPUs when the cluster has them);
   a slice's rows are a pure function of ``(seed, class, row index)`` in the
   counter RNG, so a retried task remakes exactly the same rows;
5. **union**: the untouched original rows, then the synthetic rows.

Ray is an optional extra (``pip install 'torchsmote[ray]'``), imported only when
:func:`resample` runs.
"""

from .pipeline import DistributedReport, resample, resample_with_report

__all__ = ["DistributedReport", "resample", "resample_with_report"]
