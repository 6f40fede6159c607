"""Over-samplers with imbalanced-learn's API."""

from .adasyn import ADASYN
from .base import BaseOverSampler
from .borderline import BorderlineSMOTE
from .kmeans import KMeansSMOTE
from .nominal import SMOTEN, SMOTENC, MixedProvenance, NominalProvenance
from .random import RandomOverSampler
from .smote import SMOTE, Provenance
from .svm import SVMSMOTE

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTEN",
    "SMOTENC",
    "SVMSMOTE",
    "BaseOverSampler",
    "BorderlineSMOTE",
    "KMeansSMOTE",
    "MixedProvenance",
    "NominalProvenance",
    "Provenance",
    "RandomOverSampler",
]
