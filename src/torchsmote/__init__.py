"""torchsmote: GPU-accelerated, high-throughput SMOTE with imbalanced-learn's API.

Swap ``from imblearn.over_sampling import SMOTE`` for ``from torchsmote import SMOTE``.
"""

from . import functional
from .over_sampling import SMOTE, Provenance

__version__ = "0.1.0"

__all__ = ["SMOTE", "Provenance", "__version__", "functional"]
