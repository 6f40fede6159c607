"""torchsmote: GPU-accelerated, high-throughput SMOTE with imbalanced-learn's API.

Swap ``from imblearn.over_sampling import SMOTE`` for ``from torchsmote import SMOTE``.
"""

from . import functional
from .combine import SMOTEENN, SMOTETomek
from .over_sampling import (
    ADASYN,
    SMOTE,
    SMOTEN,
    SMOTENC,
    SVMSMOTE,
    BorderlineSMOTE,
    KMeansSMOTE,
    Provenance,
    RandomOverSampler,
)
from .under_sampling import EditedNearestNeighbours, TomekLinks

__version__ = "0.1.0"

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTEENN",
    "SMOTEN",
    "SMOTENC",
    "SVMSMOTE",
    "BorderlineSMOTE",
    "EditedNearestNeighbours",
    "KMeansSMOTE",
    "Provenance",
    "RandomOverSampler",
    "SMOTETomek",
    "TomekLinks",
    "__version__",
    "functional",
]
