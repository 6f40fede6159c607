"""File IO for the command line: streamed table readers, atomic writers, resampling files.

``methods`` holds the registry of samplers the command runs; ``streaming``
resamples a file without holding it (``smote``) and ``in_memory`` runs the
other samplers on the whole file.

Needs the ``io`` extra (``pip install 'torchsmote[io]'``: pyarrow, tqdm); it is
imported lazily, so ``import torchsmote`` and ``import torchsmote.io`` work
without it and the first file operation names the missing package.
"""

from ._deps import MissingDependencyError
from .formats import FORMATS, FormatError, OptionError, TableSource, detect_format, open_source
from .methods import DEFAULT_CHUNK_ROWS, METHODS, Method, ResampleOptions, build_estimator, resolve_options
from .streaming import (
    Plan,
    check_output,
    gather_pools,
    plan_resample,
    read_arrays,
    resample_file,
    synthetic_chunks,
)
from .writers import AtomicPath, numpy_label_path, open_writer

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "FORMATS",
    "METHODS",
    "AtomicPath",
    "FormatError",
    "Method",
    "MissingDependencyError",
    "OptionError",
    "Plan",
    "ResampleOptions",
    "TableSource",
    "build_estimator",
    "check_output",
    "detect_format",
    "gather_pools",
    "numpy_label_path",
    "open_source",
    "open_writer",
    "plan_resample",
    "read_arrays",
    "resample_file",
    "resolve_options",
    "synthetic_chunks",
]
