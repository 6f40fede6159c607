"""Over-samplers with imbalanced-learn's API."""

from .adasyn import ADASYN
from .base import BaseOverSampler
from .borderline import BorderlineSMOTE
from .kmeans import KMeansSMOTE
from .random import RandomOverSampler
from .smote import SMOTE, Provenance
from .svm import SVMSMOTE

__all__ = [
    "ADASYN",
    "SMOTE",
    "SVMSMOTE",
    "BaseOverSampler",
    "BorderlineSMOTE",
    "KMeansSMOTE",
    "Provenance",
    "RandomOverSampler",
]
