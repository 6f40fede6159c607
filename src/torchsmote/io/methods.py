"""The samplers the file tools run, by command-line name: one registry, :data:`METHODS`.

Each entry names the estimator (torchsmote's, and imbalanced-learn's for
``torchsmote compare``), how the command's options map to its parameters, and
what kind of rows it returns. ``smote`` also has per-class steps for the
streamed engine (:mod:`torchsmote.io.streaming`); every other method runs
in memory (:mod:`torchsmote.io.in_memory`): the whole file is read, the
estimator's ``fit_resample`` runs once, and its rows are written in chunks.

The options that are the same for every sampler (``sampling_strategy``,
``random_state`` from ``--seed``, ``device``, ``knn_backend``,
``kernel_backend``) go to each estimator that takes them, read from its
signature; the neighbour counts and other method-specific options are mapped
per entry, because the samplers name them differently (``k_neighbors``,
``n_neighbors``, ``m_neighbors``). An option given for a method whose
estimator has no such parameter is refused (:class:`OptionError`), never ignored.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import torch

from torchsmote.generation import generate_rows
from torchsmote.neighbors import class_neighbors
from torchsmote.sampling_strategy import label_repr

from .formats import OptionError

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "METHODS",
    "Method",
    "ResampleOptions",
    "SmoteSteps",
    "build_estimator",
    "estimator_params",
    "resolve_options",
]

#: Rows per read batch and per generation chunk: 64k rows x 32 float32 features
#: is 8 MiB, small against any output worth streaming, large enough that the
#: per-batch overhead (Arrow conversion, kernel launch) stays under 1% of the work.
DEFAULT_CHUNK_ROWS = 65_536


@dataclass
class ResampleOptions:
    """Resampling settings shared by the file tools (the estimator's parameters).

    ``None`` means "not given": the method's own default (its estimator's
    default neighbour counts; seed 0 for a method that draws random numbers, so
    the command is reproducible by default). :func:`resolve_options` fills them in.

    Attributes
    ----------
    method : str
        A key of :data:`METHODS`.
    sampling_strategy : float, str, list or dict
        As the estimator's; dict keys and list items may also be the labels
        written as strings (``{"1": 500}`` from JSON).
    k_neighbors : int or None
        The method's main neighbour count (``k_neighbors`` or ``n_neighbors``,
        see :attr:`Method.options`).
    m_neighbors : int or None
        Borderline-SMOTE's ``m_neighbors`` (the neighbourhood that finds rows in danger).
    shrinkage : float or None
        RandomOverSampler's ``shrinkage`` (smoothed bootstrap).
    cluster_balance_threshold : float, 'auto' or None
        KMeansSMOTE's ``cluster_balance_threshold`` (None: not given; an explicit
        ``'auto'`` counts as given, so a method without the parameter refuses it).
    seed : int or None
        Counter-RNG seed (``random_state``).
    device, knn_backend, kernel_backend : str
        As :class:`torchsmote.SMOTE`'s.
    chunk_rows : int
        Rows per read batch and per generation or write chunk (never changes the rows made).
    synthetic_only : bool
        Write only the synthetic rows (over-samplers only).
    """

    method: str = "smote"
    sampling_strategy: float | str | list | Mapping = "auto"
    k_neighbors: int | None = None
    m_neighbors: int | None = None
    shrinkage: float | None = None
    cluster_balance_threshold: float | str | None = None
    seed: int | None = None
    device: str = "auto"
    knn_backend: str = "auto"
    kernel_backend: str = "auto"
    chunk_rows: int = DEFAULT_CHUNK_ROWS
    synthetic_only: bool = False


class SmoteSteps:
    """SMOTE's steps on one class for the streamed engine: exact k-NN, then interpolation."""

    def __init__(self, options: ResampleOptions):
        self.k = options.k_neighbors

    def check_class(self, label, n_rows: int) -> None:
        # The estimator's rule and wording (SMOTE._check_class_size), in the command's terms.
        if n_rows < self.k + 1:
            raise ValueError(
                f"class {label_repr(label)} has {n_rows} row(s); SMOTE with k_neighbors={self.k} needs "
                f"at least {self.k + 1} rows of each class it over-samples (lower --k-neighbors, or "
                "leave that class out of --sampling-strategy)"
            )

    def neighbors(self, pool: torch.Tensor, knn_backend: str) -> torch.Tensor:
        return class_neighbors(pool, self.k, knn_backend)

    def generate(self, pool, neighbors, key, out, start, kernel_backend) -> None:
        generate_rows(pool, neighbors, key, out, backend=kernel_backend, start=start)


#: ResampleOptions field -> estimator parameter, for every method whose estimator takes it.
COMMON_OPTIONS = {
    "seed": "random_state",
    "device": "device",
    "knn_backend": "knn_backend",
    "kernel_backend": "kernel_backend",
}
#: ResampleOptions field -> its command-line flag (for messages).
FLAGS = {
    "k_neighbors": "--k-neighbors",
    "m_neighbors": "--m-neighbors",
    "shrinkage": "--shrinkage",
    "cluster_balance_threshold": "--cluster-balance-threshold",
    "seed": "--seed",
    "device": "--device",
    "knn_backend": "--knn-backend",
    "kernel_backend": "--kernel-backend",
}


#: How the messages name the parameter an option sets, where the samplers' names differ.
_WHAT = {"k_neighbors": "neighbour-count", "seed": "random_state"}


@dataclass(frozen=True)
class Method:
    """One sampler of the file tools.

    Attributes
    ----------
    name : str
        The command-line name (``--method NAME``).
    estimator : str
        ``"module:Class"`` of torchsmote's estimator (imported when first used).
    imblearn : str or None
        ``"module:Class"`` of imbalanced-learn's counterpart, for ``compare``.
    sampling_type : {'over-sampling', 'under-sampling', 'clean-sampling'}
        How ``--sampling-strategy`` reads (imbalanced-learn's sampling types).
        An over-sampler returns the input rows first, in input order, then the
        synthetic rows (imbalanced-learn's contract); the others return a
        subset of the rows.
    options : dict
        Method-specific ResampleOptions field -> estimator parameter, e.g.
        ``{"k_neighbors": "n_neighbors"}``. ``"part__param"`` sets ``param`` of
        the sampler built for parameter ``part`` (see ``parts``).
    parts : dict
        Estimator parameter -> ``("module:Class", "module:Class" or None)``:
        inner samplers (torchsmote's, imbalanced-learn's) built with the shared
        options they take and their ``part__`` options, e.g. SMOTEENN's ``smote``.
    fixed : dict
        Constant estimator parameters (``{"kind": "borderline-2"}``).
    cleaner : str or None
        Over-sample-then-clean methods: the fitted attribute holding the cleaning
        step (its ``sample_indices_`` index the over-sampled rows, so they tell
        which output rows are synthetic).
    streamed : type or None
        Per-class steps for the streamed engine (``check_class``, ``neighbors``,
        ``generate``); None: the method runs in memory.
    categorical : bool
        Whether the method takes categorical features (``--categorical``): its
        input is read as a pandas DataFrame (categorical columns keep their
        types) instead of one numeric matrix, and an estimator with a
        ``categorical_features`` parameter gets the categorical column names.
    summary : str
        One line for ``--help``.
    """

    name: str
    estimator: str
    imblearn: str | None
    sampling_type: str
    options: Mapping[str, str] = field(default_factory=dict)
    parts: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    cleaner: str | None = None
    streamed: type | None = None
    categorical: bool = False
    summary: str = ""

    @property
    def removes_rows(self) -> bool:
        """Whether the output may lack input rows (cleaning, under-sampling, over-sample-then-clean)."""
        return self.sampling_type != "over-sampling" or self.cleaner is not None

    @property
    def in_memory(self) -> bool:
        return self.streamed is None

    def estimator_class(self, library: str = "torchsmote") -> type:
        """The estimator class of ``library`` ('torchsmote' or 'imblearn')."""
        return _load(self._path(self.estimator, self.imblearn, library))

    def target(self, option: str) -> str | None:
        """The estimator parameter an option sets (``part__param`` for an inner sampler), or None."""
        if option in self.options:
            return self.options[option]
        param = COMMON_OPTIONS.get(option)
        if param is not None and param in _parameters(self.estimator_class()):
            return param
        return None

    def default(self, option: str) -> Any:
        """The estimator's default for the parameter ``option`` sets (None when it has none)."""
        target = self.target(option)
        if target is None:
            return None
        part, _, param = target.rpartition("__")
        cls = _load(self.parts[part][0]) if part else self.estimator_class()
        default = inspect.signature(cls).parameters[param].default
        return None if default is inspect.Parameter.empty else default

    def _path(self, torchsmote_path: str, imblearn_path: str | None, library: str) -> str:
        if library == "torchsmote":
            return torchsmote_path
        if library == "imblearn" and imblearn_path is not None:
            return imblearn_path
        raise ValueError(f"method {self.name!r} has no {library} estimator")


@cache
def _load(path: str) -> type:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@cache
def _parameters(cls: type) -> frozenset[str]:
    return frozenset(inspect.signature(cls).parameters)


_OVER, _CLEAN = "over-sampling", "clean-sampling"
_SMOTE_PART = {"smote": ("torchsmote:SMOTE", "imblearn.over_sampling:SMOTE")}

#: Samplers the file tools can run, by command-line name. A new sampler joins
#: ``--method`` and ``compare`` with one entry (see CONTRIBUTING.md).
METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method(
            "smote",
            "torchsmote:SMOTE",
            "imblearn.over_sampling:SMOTE",
            _OVER,
            options={"k_neighbors": "k_neighbors"},
            streamed=SmoteSteps,
            summary="SMOTE (streamed)",
        ),
        Method(
            "random",
            "torchsmote:RandomOverSampler",
            "imblearn.over_sampling:RandomOverSampler",
            _OVER,
            options={"shrinkage": "shrinkage"},
            summary="RandomOverSampler",
        ),
        Method(
            "adasyn",
            "torchsmote:ADASYN",
            "imblearn.over_sampling:ADASYN",
            _OVER,
            options={"k_neighbors": "n_neighbors"},
            summary="ADASYN",
        ),
        Method(
            "borderline-1",
            "torchsmote:BorderlineSMOTE",
            "imblearn.over_sampling:BorderlineSMOTE",
            _OVER,
            options={"k_neighbors": "k_neighbors", "m_neighbors": "m_neighbors"},
            fixed={"kind": "borderline-1"},
            summary="BorderlineSMOTE(kind='borderline-1')",
        ),
        Method(
            "borderline-2",
            "torchsmote:BorderlineSMOTE",
            "imblearn.over_sampling:BorderlineSMOTE",
            _OVER,
            options={"k_neighbors": "k_neighbors", "m_neighbors": "m_neighbors"},
            fixed={"kind": "borderline-2"},
            summary="BorderlineSMOTE(kind='borderline-2')",
        ),
        Method(
            "svm-smote",
            "torchsmote:SVMSMOTE",
            "imblearn.over_sampling:SVMSMOTE",
            _OVER,
            options={"k_neighbors": "k_neighbors", "m_neighbors": "m_neighbors"},
            summary="SVMSMOTE",
        ),
        Method(
            "kmeans-smote",
            "torchsmote:KMeansSMOTE",
            "imblearn.over_sampling:KMeansSMOTE",
            _OVER,
            options={"k_neighbors": "k_neighbors", "cluster_balance_threshold": "cluster_balance_threshold"},
            summary="KMeansSMOTE",
        ),
        Method(
            "smotenc",
            "torchsmote:SMOTENC",
            "imblearn.over_sampling:SMOTENC",
            _OVER,
            options={"k_neighbors": "k_neighbors"},
            categorical=True,
            summary="SMOTENC (needs --categorical)",
        ),
        Method(
            "smoten",
            "torchsmote:SMOTEN",
            "imblearn.over_sampling:SMOTEN",
            _OVER,
            options={"k_neighbors": "k_neighbors"},
            categorical=True,
            summary="SMOTEN (categorical features only)",
        ),
        Method(
            "enn",
            "torchsmote:EditedNearestNeighbours",
            "imblearn.under_sampling:EditedNearestNeighbours",
            _CLEAN,
            options={"k_neighbors": "n_neighbors"},
            summary="EditedNearestNeighbours",
        ),
        Method(
            "tomek",
            "torchsmote:TomekLinks",
            "imblearn.under_sampling:TomekLinks",
            _CLEAN,
            summary="TomekLinks",
        ),
        Method(
            "smote-enn",
            "torchsmote:SMOTEENN",
            "imblearn.combine:SMOTEENN",
            _OVER,
            options={"k_neighbors": "smote__k_neighbors"},
            parts=_SMOTE_PART,
            cleaner="enn_",
            summary="SMOTEENN (--k-neighbors: its SMOTE's)",
        ),
        Method(
            "smote-tomek",
            "torchsmote:SMOTETomek",
            "imblearn.combine:SMOTETomek",
            _OVER,
            options={"k_neighbors": "smote__k_neighbors"},
            parts=_SMOTE_PART,
            cleaner="tomek_",
            summary="SMOTETomek (--k-neighbors: its SMOTE's)",
        ),
    )
}


def method_named(name: str) -> Method:
    """The registry entry of ``name``; unknown names raise :class:`OptionError` listing the known ones."""
    if name not in METHODS:
        raise OptionError(f"unknown method {name!r}; known methods: {', '.join(METHODS)}")
    return METHODS[name]


#: Options whose default is ``"auto"``: "auto" there means "not given".
_AUTO_DEFAULTS = frozenset({"device", "knn_backend", "kernel_backend"})

#: Method-specific options filled in with the estimator's default when not given.
_FILLED = ("k_neighbors", "m_neighbors", "cluster_balance_threshold")


def _given(options: ResampleOptions, option: str) -> bool:
    value = getattr(options, option)
    if option in _AUTO_DEFAULTS:
        return value not in (None, "auto")
    return value is not None


def resolve_options(options: ResampleOptions) -> tuple[Method, ResampleOptions]:
    """Check ``options`` against its method and fill in the method's defaults.

    Returns
    -------
    method : Method
    options : ResampleOptions
        A copy with ``k_neighbors``/``m_neighbors``/``cluster_balance_threshold``
        set to the values the estimator will use (None where the method has no such parameter) and
        ``seed`` 0 when not given for a method that draws random numbers.
        Resolving twice gives the same result.

    Raises
    ------
    OptionError
        Unknown method, an option the method's estimator does not take, a
        neighbour count below 1, a negative or non-finite shrinkage, a
        non-finite cluster balance threshold, a chunk
        size below 1, or ``synthetic_only`` for a method that removes rows.
    """
    method = method_named(options.method)
    for option in ("k_neighbors", "m_neighbors"):
        value = getattr(options, option)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise OptionError(f"{option} must be an integer >= 1, got {value!r}")
    if options.shrinkage is not None and not (math.isfinite(options.shrinkage) and options.shrinkage >= 0):
        raise OptionError(f"shrinkage must be a finite float >= 0, got {options.shrinkage!r}")
    threshold = options.cluster_balance_threshold
    if (
        threshold is not None
        and threshold != "auto"
        and not (
            isinstance(threshold, int | float)
            and not isinstance(threshold, bool)
            and math.isfinite(threshold)
        )
    ):
        raise OptionError(f"cluster_balance_threshold must be 'auto' or a finite float, got {threshold!r}")
    if options.chunk_rows < 1:
        raise OptionError(f"chunk_rows must be >= 1, got {options.chunk_rows}")
    for option in FLAGS:
        if _given(options, option) and method.target(option) is None:
            takers = [name for name, other in METHODS.items() if other.target(option) is not None]
            cls = method.estimator_class().__name__
            raise OptionError(
                f"{FLAGS[option]} does not apply to method {method.name!r} ({cls} has no "
                f"{_WHAT.get(option, option)} parameter); methods that take it: "
                + (", ".join(takers) or "none")
            )
    if options.synthetic_only and method.removes_rows:
        raise OptionError(
            f"--synthetic-only does not apply to method {method.name!r}: it removes rows, so its output "
            "is not the input followed by new rows; write the whole output instead"
        )
    filled = {
        option: getattr(options, option) if _given(options, option) else method.default(option)
        for option in _FILLED
    }
    if options.seed is None and method.target("seed") is not None:
        filled["seed"] = 0
    return method, replace(options, **filled)


def _shared(options: ResampleOptions, sampling_strategy, accepted: frozenset[str]) -> dict:
    """The options every sampler may take, for a class whose parameters are ``accepted``."""
    values = {"sampling_strategy": sampling_strategy}
    values.update({param: getattr(options, option) for option, param in COMMON_OPTIONS.items()})
    return {param: value for param, value in values.items() if param in accepted and value is not None}


def build_estimator(
    method: Method,
    options: ResampleOptions,
    sampling_strategy,
    library: str = "torchsmote",
    categorical: list[str] | None = None,
):
    """The estimator ``method`` runs, with ``options`` mapped to its parameters.

    Parameters
    ----------
    method : Method
    options : ResampleOptions
        Resolved (:func:`resolve_options`).
    sampling_strategy
        What the estimator gets as ``sampling_strategy`` (labels already matched).
    library : {'torchsmote', 'imblearn'}
        imbalanced-learn's estimator takes the same mapping, less the parameters
        it lacks (``device``, the backends).
    categorical : list of str, optional
        The categorical feature columns (``Plan.categorical``): an estimator
        with a ``categorical_features`` parameter (SMOTENC) gets them by name.
    """
    cls = method.estimator_class(library)
    params = _shared(options, sampling_strategy, _parameters(cls))
    params.update(method.fixed)
    if categorical and "categorical_features" in _parameters(cls):
        params["categorical_features"] = list(categorical)
    inner: dict[str, dict] = {part: {} for part in method.parts}
    for option, target in method.options.items():
        value = getattr(options, option)
        if value is None:
            continue
        part, _, param = target.rpartition("__")
        (inner[part] if part else params)[param] = value
    for part, paths in method.parts.items():
        part_cls = _load(method._path(*paths, library))
        params[part] = part_cls(**_shared(options, sampling_strategy, _parameters(part_cls)), **inner[part])
    return cls(**params)


def estimator_params(method: Method, options: ResampleOptions, categorical: list[str] | None = None) -> dict:
    """The parameters the command chose for the estimator (``part__param`` for inner samplers).

    Method-specific options, ``categorical_features`` (the column names, for an
    estimator that takes them), ``random_state`` and fixed ones: what the
    ``--json`` summary reports as ``estimator_params`` and the summary line prints.
    """
    params = {}
    if categorical and "categorical_features" in _parameters(method.estimator_class()):
        params["categorical_features"] = list(categorical)
    for option, target in method.options.items():
        value = getattr(options, option)
        if value is not None:
            params[target] = value
    params.update(method.fixed)
    if method.target("seed") is not None:
        params["random_state"] = options.seed
    return params
