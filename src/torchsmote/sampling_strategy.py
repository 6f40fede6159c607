"""``sampling_strategy`` resolution for over-, under- and clean-sampling.

This module is the single place where a user's ``sampling_strategy`` is turned into
"how many rows per class": rows to generate (over-sampling), rows to keep
(under-sampling) or the classes to clean (clean-sampling). It reproduces
imbalanced-learn's ``imblearn.utils.check_sampling_strategy`` for the three
sampling types (same forms, same tie-breaking, same kept zero entries, same error
meanings) without importing imbalanced-learn, which is only a test dependency.

Only NumPy and the standard library are imported so the module can be used (and
tested) on its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any, TypeAlias

import numpy as np

__all__ = [
    "SAMPLING_TYPES",
    "STRING_STRATEGIES",
    "UNDER_STRING_STRATEGIES",
    "label_repr",
    "resolve_sampling_strategy",
]

SamplingStrategy: TypeAlias = float | str | Mapping[Any, int] | Callable[[np.ndarray], Mapping]

#: The string forms accepted for over-sampling ('majority' is an imblearn option that
#: only makes sense for under-sampling; it gets its own error message below).
STRING_STRATEGIES = ("auto", "minority", "not minority", "not majority", "all")
#: The string forms accepted by under- and clean-sampling ('minority' is refused there).
UNDER_STRING_STRATEGIES = ("auto", "majority", "not minority", "not majority", "all")
#: imbalanced-learn's sampling types that resolve to per-class counts.
SAMPLING_TYPES = ("over-sampling", "under-sampling", "clean-sampling")


def resolve_sampling_strategy(
    sampling_strategy: SamplingStrategy,
    classes: np.ndarray,
    counts: np.ndarray,
    y: np.ndarray | None = None,
    sampling_type: str = "over-sampling",
) -> dict:
    """Resolve a ``sampling_strategy`` into per-class counts.

    Over-sampling (the default) gives rows to *generate*; under-sampling gives
    rows to *keep*; clean-sampling gives the classes to clean (each mapped to the
    minority count, as imbalanced-learn does; cleaners use the keys only). The
    forms below describe over-sampling; :func:`_resolve_under` lists how
    under- and clean-sampling read each form.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable
        What to over-sample, with imbalanced-learn's semantics:

        - ``float`` in ``(0, 1]`` (binary targets only): desired ratio
          ``n_minority_after / n_majority``; the number generated for the minority class
          is ``int(n_majority * ratio - n_minority)`` and must be positive.
        - ``'minority'``: bring the minority class up to the majority count.
        - ``'not majority'`` / ``'auto'``: every class except the majority.
        - ``'not minority'``: every class except the minority.
        - ``'all'``: every class (the majority itself gets 0).
        - ``dict`` ``{class: target_count}``: desired number of rows *after*
          resampling for each listed class (must be ``>=`` the current count).
        - callable ``y -> dict``: called with ``y``; its result is used as a dict.

        Ties for the majority (minority) class go to the smallest label, as in
        imbalanced-learn (first maximum/minimum in sorted order).
    classes : ndarray of shape (n_classes,)
        Sorted unique class labels, as returned by ``np.unique(y)``.
    counts : ndarray of shape (n_classes,)
        Number of rows of each class in ``classes`` (``np.unique(y, return_counts=True)``).
    y : ndarray of shape (n_samples,), optional
        The target vector. Only needed (and only used) when ``sampling_strategy`` is
        a callable.
    sampling_type : {'over-sampling', 'under-sampling', 'clean-sampling'}
        Which of imbalanced-learn's sampler kinds asks.

    Returns
    -------
    dict
        ``{class_label: n_rows_to_generate}`` with Python ``int`` values, ordered by
        class label (the order of ``classes``), holding exactly the keys that
        imbalanced-learn's ``check_sampling_strategy(..., "over-sampling")`` holds
        (entries with 0 rows to generate included). Keys are the elements of
        ``classes``.

    Raises
    ------
    ValueError
        If there are fewer than two classes, the string is unknown, the float is
        outside ``(0, 1]`` or used with more than two classes or would need to remove
        minority rows, a dict names a class absent from the data, holds a negative
        target or a target below the current count, or a callable is given without
        ``y``.
    TypeError
        If ``sampling_strategy`` (or a dict value) has an unsupported type.
    """
    classes = np.asarray(classes)
    counts = np.asarray(counts)
    if classes.ndim != 1 or counts.shape != classes.shape:
        raise ValueError(
            "'classes' and 'counts' must be 1-D arrays of the same length; got shapes "
            f"{classes.shape} and {counts.shape}."
        )
    # Same check (and wording) as imblearn, done here because nothing upstream does it.
    if classes.size < 2:
        raise ValueError(f"The target 'y' needs to have more than 1 class. Got {classes.size} class instead.")
    # Python ints so arithmetic never overflows/wraps and results are plain ints.
    n_rows = [int(c) for c in counts]
    # np.argmax/argmin return the *first* extremum, matching imblearn's
    # max(dict, key=dict.get) over sorted labels for ties.
    majority = int(np.argmax(counts))
    minority = int(np.argmin(counts))
    n_majority = n_rows[majority]
    if sampling_type not in SAMPLING_TYPES:
        raise ValueError(f"'sampling_type' should be one of {SAMPLING_TYPES}; got {sampling_type!r}.")

    # bool is a Real subclass; True would silently mean ratio 1.0, which is never intended.
    if isinstance(sampling_strategy, bool):
        raise TypeError(
            f"'sampling_strategy' must be a float, str, dict or callable; got a bool ({sampling_strategy!r})."
        )

    if sampling_type != "over-sampling":
        return _resolve_under(sampling_strategy, classes, n_rows, majority, minority, y, sampling_type)

    if isinstance(sampling_strategy, str):
        if sampling_strategy == "majority":
            raise ValueError("'sampling_strategy'='majority' cannot be used with over-sampler.")
        if sampling_strategy not in STRING_STRATEGIES:
            raise ValueError(
                "When 'sampling_strategy' is a string, it needs to be one of "
                f"{STRING_STRATEGIES}. Got {sampling_strategy!r} instead."
            )
        keep = _named_classes(sampling_strategy, classes.size, majority, minority, auto="not majority")
        return {classes[i]: n_majority - n_rows[i] for i in keep}

    if isinstance(sampling_strategy, Mapping):
        return _from_targets(sampling_strategy, classes, n_rows)

    if isinstance(sampling_strategy, Real):
        return _from_ratio(float(sampling_strategy), classes, n_rows, majority)

    if isinstance(sampling_strategy, list):
        # imblearn reserves lists for cleaning samplers; keep its (ValueError) answer.
        raise ValueError(
            "'sampling_strategy' cannot be a list for samplers which are not cleaning "
            "methods. Use a dict {class: target count} instead."
        )

    if callable(sampling_strategy):
        if y is None:
            raise ValueError("A callable 'sampling_strategy' needs 'y' to be passed.")
        targets = sampling_strategy(y)
        if not isinstance(targets, Mapping):
            raise TypeError(
                "A callable 'sampling_strategy' must return a dict {class: target count}; "
                f"got {type(targets).__name__}."
            )
        return _from_targets(targets, classes, n_rows)

    raise TypeError(
        f"'sampling_strategy' must be a float, str, dict or callable; got {type(sampling_strategy).__name__}."
    )


def _resolve_under(
    sampling_strategy, classes: np.ndarray, n_rows: list[int], majority: int, minority: int, y, sampling_type
) -> dict:
    """Under- and clean-sampling targets, imbalanced-learn's rules.

    - strings: ``'majority'``, ``'not minority'`` (= ``'auto'``), ``'not majority'``,
      ``'all'`` name the classes, each mapped to the minority count;
      ``'minority'`` is refused.
    - ``dict`` (under-sampling only): rows to keep per class, at most the current count.
    - ``list`` (clean-sampling only): the classes to clean.
    - ``float`` (under-sampling, binary only): ``int(n_minority / ratio)`` rows
      kept of the other class, at most its current count.
    - callable ``y -> dict``: read as a dict.
    """
    n_minority = n_rows[minority]
    size = classes.size
    if isinstance(sampling_strategy, str):
        if sampling_strategy == "minority":
            raise ValueError(
                "'sampling_strategy'='minority' cannot be used with under-sampler and clean-sampler."
            )
        if sampling_strategy not in UNDER_STRING_STRATEGIES:
            raise ValueError(
                "When 'sampling_strategy' is a string, it needs to be one of "
                f"{UNDER_STRING_STRATEGIES}. Got {sampling_strategy!r} instead."
            )
        keep = _named_classes(sampling_strategy, size, majority, minority, auto="not minority")
        return {classes[i]: n_minority for i in keep}

    if isinstance(sampling_strategy, list):
        if sampling_type != "clean-sampling":
            raise ValueError(
                "'sampling_strategy' cannot be a list for samplers which are not cleaning methods."
            )
        index = {label: i for i, label in enumerate(classes)}
        unknown = [key for key in sampling_strategy if key not in index]
        if unknown:
            names = ", ".join(map(label_repr, unknown))
            raise ValueError(
                f"The {{{names}}} target class is/are not present in the data (classes: {classes.tolist()})."
            )
        return {classes[i]: n_minority for i in sorted({index[key] for key in sampling_strategy})}

    if isinstance(sampling_strategy, Mapping) or (
        callable(sampling_strategy) and not isinstance(sampling_strategy, Real)
    ):
        if isinstance(sampling_strategy, Mapping):
            targets = sampling_strategy
        else:
            if y is None:
                raise ValueError("A callable 'sampling_strategy' needs 'y' to be passed.")
            targets = sampling_strategy(y)
            if not isinstance(targets, Mapping):
                raise TypeError(
                    "A callable 'sampling_strategy' must return a dict {class: target count}; "
                    f"got {type(targets).__name__}."
                )
        if sampling_type == "clean-sampling":
            raise ValueError(
                "'sampling_strategy' as a dict for cleaning methods is not supported. Please give "
                "a list of the classes to be targeted by the sampling."
            )
        return _from_under_targets(targets, classes, n_rows)

    if isinstance(sampling_strategy, Real):
        ratio = float(sampling_strategy)
        if not (0.0 < ratio <= 1.0):
            raise ValueError(
                f"When 'sampling_strategy' is a float, it should be in the range (0, 1]. Got {ratio} instead."
            )
        if size != 2:
            raise ValueError(
                '"sampling_strategy" can be a float only when the type of target is binary. '
                f"For multi-class, use a dict. Got {size} classes."
            )
        if sampling_type == "clean-sampling":
            raise ValueError("'clean-sampling' methods do not let the user specify the sampling ratio.")
        result = {}
        for i, label in enumerate(classes):
            if i == minority:
                continue
            # imblearn's expression: int() truncation of a float division.
            kept = int(n_minority / ratio)
            if kept > n_rows[i]:
                raise ValueError(
                    "The specified ratio required to generate new sample in the majority class while "
                    f"trying to remove samples: class {label_repr(label)} has {n_rows[i]} samples and "
                    f"ratio {ratio} asks to keep {kept}. Please increase the ratio."
                )
            result[label] = kept
        return result

    raise TypeError(
        "'sampling_strategy' must be a float, str, list, dict or callable; "
        f"got {type(sampling_strategy).__name__}."
    )


def _from_under_targets(targets: Mapping, classes: np.ndarray, n_rows: list[int]) -> dict:
    """``{class: rows to keep}`` checked against the current counts (under-sampling dict form)."""
    index = _check_targets(targets, classes)
    for key, target in targets.items():
        current = n_rows[index[key]]
        if target > current:
            raise ValueError(
                "With under-sampling methods, the number of samples in a class should be less or "
                f"equal to the original number of samples. Originally, class {label_repr(key)} has "
                f"{current} samples and {int(target)} samples are asked."
            )
    wanted = {index[key]: int(t) for key, t in targets.items()}
    return {classes[i]: wanted[i] for i in sorted(wanted)}


def _check_targets(targets: Mapping, classes: np.ndarray) -> dict:
    """Shared dict checks (unknown classes, non-int and negative targets); returns label -> position."""
    # Hash/equality lookup, like imblearn's set difference: 1 == np.int64(1) == 1.0 and
    # 'a' == np.str_('a'), so user keys need not have the exact numpy type.
    index = {label: i for i, label in enumerate(classes)}
    # Same check order as imblearn: unknown classes, then negatives, then too small.
    unknown = [key for key in targets if key not in index]
    if unknown:
        names = ", ".join(map(label_repr, unknown))
        raise ValueError(
            f"The {{{names}}} target class is/are not present in the data (classes: {classes.tolist()})."
        )
    for key, target in targets.items():
        # Counts must be whole numbers; imblearn would let 10.5 through and fail later.
        if isinstance(target, bool) or not isinstance(target, Integral):
            raise TypeError(
                f"The target number of samples for class {label_repr(key)} must be an int; "
                f"got {target!r} ({type(target).__name__})."
            )
    negative = ", ".join(f"{label_repr(key)}: {int(t)}" for key, t in targets.items() if t < 0)
    if negative:
        raise ValueError(
            "The number of samples in a class cannot be negative. 'sampling_strategy' "
            f"contains some negative value: {{{negative}}}"
        )
    return index


def _named_classes(name: str, size: int, majority: int, minority: int, *, auto: str) -> list[int]:
    """Class positions a string strategy selects; ``'auto'`` means ``auto`` (it differs by sampling type)."""
    name = auto if name == "auto" else name
    if name == "minority":
        return [minority]
    if name == "majority":
        return [majority]
    if name == "not majority":
        return [i for i in range(size) if i != majority]
    if name == "not minority":
        return [i for i in range(size) if i != minority]
    return list(range(size))  # "all"


def label_repr(label: Any) -> str:
    """Readable label for messages: ``1`` / ``'a'`` rather than ``np.int64(1)``."""
    return repr(label.item() if isinstance(label, np.generic) else label)


def _from_targets(targets: Mapping, classes: np.ndarray, n_rows: list[int]) -> dict:
    """Turn ``{class: target count}`` into ``{class: n_to_generate}`` (imblearn's dict form)."""
    index = _check_targets(targets, classes)
    for key, target in targets.items():
        current = n_rows[index[key]]
        if target < current:
            raise ValueError(
                "With over-sampling methods, the number of samples in a class should be "
                f"greater or equal to the original number of samples. Originally, class "
                f"{label_repr(key)} has {current} samples and {int(target)} samples are asked."
            )
    # Emit in class order (imblearn sorts by label) with our own label objects as keys.
    wanted = {index[key]: int(t) for key, t in targets.items()}
    return {classes[i]: wanted[i] - n_rows[i] for i in sorted(wanted)}


def _from_ratio(ratio: float, classes: np.ndarray, n_rows: list[int], majority: int) -> dict:
    """Turn a binary-only minority/majority ratio into ``{minority: n_to_generate}``."""
    # Written so NaN fails too (imblearn's ``<= 0 or > 1`` lets NaN through).
    if not (0.0 < ratio <= 1.0):
        raise ValueError(
            f"When 'sampling_strategy' is a float, it should be in the range (0, 1]. Got {ratio} instead."
        )
    if classes.size != 2:
        raise ValueError(
            '"sampling_strategy" can be a float only when the type of target is binary. '
            f"For multi-class, use a dict. Got {classes.size} classes."
        )
    result = {}
    for i, label in enumerate(classes):
        if i == majority:
            continue
        # Same float expression and truncation toward zero as imblearn, so the
        # rounding of e.g. 0.7 * 10 matches exactly.
        n_new = math.trunc(n_rows[majority] * ratio - n_rows[i])
        # imblearn also rejects 0 (not only negatives): the ratio must ask for at least
        # one new minority row.
        if n_new <= 0:
            raise ValueError(
                "The specified ratio required to remove samples from the minority class "
                f"while trying to generate new samples: class {label_repr(label)} has {n_rows[i]} "
                f"samples but ratio {ratio} of the {n_rows[majority]} majority samples "
                f"asks for {n_rows[majority] * ratio:g}. Please increase the ratio."
            )
        result[label] = n_new
    return result
