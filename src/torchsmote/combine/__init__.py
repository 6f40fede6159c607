"""Over-sampling followed by cleaning, with imbalanced-learn's API."""

from ._combine import SMOTEENN, SMOTETomek

__all__ = ["SMOTEENN", "SMOTETomek"]
