"""Under-samplers (cleaning methods) with imbalanced-learn's API."""

from .base import BaseCleaningSampler, BaseUnderSampler
from .cleaning import EditedNearestNeighbours, TomekLinks

__all__ = ["BaseCleaningSampler", "BaseUnderSampler", "EditedNearestNeighbours", "TomekLinks"]
