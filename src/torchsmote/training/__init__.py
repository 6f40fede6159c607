"""Training-loop helpers: a resampled IterableDataset and a per-batch GPU oversampler.

``SMOTE.fit`` + ``SMOTE.sample`` / ``SMOTE.stream`` (fit once, sample many)
live on the estimator itself; this package adds the torch-facing pieces.
"""

from .batch import BatchOversampler
from .dataset import ResampledDataset

__all__ = ["BatchOversampler", "ResampledDataset"]
