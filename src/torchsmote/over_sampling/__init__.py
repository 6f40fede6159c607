"""Over-samplers with imbalanced-learn's API."""

from .adasyn import ADASYN
from .base import BaseOverSampler
from .borderline import BorderlineSMOTE
from .nominal import SMOTEN, SMOTENC, MixedProvenance, NominalProvenance
from .random import RandomOverSampler
from .smote import SMOTE, Provenance

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTEN",
    "SMOTENC",
    "BaseOverSampler",
    "BorderlineSMOTE",
    "MixedProvenance",
    "NominalProvenance",
    "Provenance",
    "RandomOverSampler",
]
