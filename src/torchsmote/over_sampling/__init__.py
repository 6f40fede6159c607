"""Over-samplers with imbalanced-learn's API."""

from .base import BaseOverSampler
from .smote import SMOTE, Provenance

__all__ = ["SMOTE", "BaseOverSampler", "Provenance"]
